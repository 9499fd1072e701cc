"""Following artists and the feed; notification preferences and one-click unsubscribe."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from contest.catalogue.closing import close_contests
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.notifications import services as notifications
from contest.notifications.models import Notification, NotificationPreference
from tests.catalogue.test_promotion import closed_contest
from tests.conftest import login, submit
from tests.factories import PASSWORD, make_contest, make_design, make_user


@pytest.fixture
def scene(app, ctx):
    return closed_contest(winners=1, product_types=("poster",))


def test_members_follow_artists_once_and_not_themselves(app, scene):
    member = app.test_client()
    login(member, "voter0", PASSWORD)
    submit(member, "/u/artist0/follow", {}, page="/u/artist0")
    again = submit(member, "/u/artist0/follow", {}, page="/u/artist0")
    page = member.get(again.headers["Location"]).get_data(as_text=True)
    assert "1 follower" in page
    assert ">Following<" in page
    artist = app.test_client()
    login(artist, "artist0", PASSWORD)
    assert "Edit profile" in artist.get("/u/artist0").get_data(as_text=True)  # no follow button on oneself
    refused = submit(artist, "/u/artist0/follow", {}, page="/u/artist1")
    assert "You cannot follow yourself." in artist.get(refused.headers["Location"]).get_data(as_text=True)
    submit(member, "/u/artist0/unfollow", {}, page="/u/artist0")
    assert "0 followers" in member.get("/u/artist0").get_data(as_text=True)
    guest = submit(app.test_client(), "/u/artist0/follow", {}, page="/login")
    assert guest.status_code == 302
    assert "/login" in guest.headers["Location"]


def test_the_feed_shows_followed_artists_entries_wins_and_products(app, scene):
    member = app.test_client()
    login(member, "voter0", PASSWORD)
    assert "Follow artists from their profile pages" in member.get("/feed").get_data(as_text=True)
    submit(member, "/u/artist0/follow", {}, page="/u/artist0")
    close_contests(utcnow())  # artist0's "Owl 1" wins and goes on sale
    open_contest = make_contest("submissions", title="Spring Birds")
    make_design(open_contest, scene["artists"][0], seed=5, approve=True, staff=scene["staff"], title="Robin")
    make_design(open_contest, scene["artists"][0], seed=6, title="Still pending")
    make_design(open_contest, scene["artists"][1], seed=7, approve=True, staff=scene["staff"], title="Wren")
    feed = member.get("/feed").get_data(as_text=True)
    assert "entered “Robin” in Spring Birds." in feed
    assert "won Night Animals with “Owl 1”!" in feed
    assert "has a new product in the shop: Owl 1 — Poster." in feed
    assert "Still pending" not in feed  # not approved
    assert "Wren" not in feed  # not followed
    assert app.test_client().get("/feed").status_code == 302


def notify_approved(user_id: int) -> Notification | None:
    from contest.accounts.models import User

    with unit_of_work():
        return notifications.notify(
            db.session.get(User, user_id), "design_approved", now=utcnow(), title="Heron"
        )


def test_each_kind_goes_where_the_member_chose(app, ctx, mailbox):
    member = make_user("nina")
    assert notify_approved(member.id) is not None
    email = mailbox.wait_for("nina@example.com")[-1]
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in email["List-Unsubscribe"]
    client = app.test_client()
    login(client, "nina", PASSWORD)
    page = "/settings/notifications"
    submit(client, page, {"channel-design_approved": "in_app", "channel-design_won": "off"})
    notify_approved(member.id)
    assert db.session.execute(sa.select(sa.func.count(Notification.id))).scalar_one() == 2
    assert len(mailbox.to("nina@example.com")) == 1  # in the app only: no second email
    submit(client, page, {"channel-design_approved": "off"})
    assert notify_approved(member.id) is None
    assert db.session.execute(sa.select(sa.func.count(Notification.id))).scalar_one() == 2
    refused = submit(client, page, {"channel-design_taken_down": "off"})
    assert "cannot be turned off" in client.get(refused.headers["Location"]).get_data(as_text=True)
    assert notifications.channel_for(member.id, "design_taken_down") == "email"


def test_one_click_unsubscribe_needs_no_login_and_only_the_signed_link(app, ctx, mailbox):
    member = make_user("omar")
    notify_approved(member.id)
    link = re.search(r"<(.+)>", mailbox.wait_for("omar@example.com")[-1]["List-Unsubscribe"]).group(1)
    path = link.split("://", 1)[1].split("/", 1)[1]
    guest = app.test_client()
    confirm = guest.get(f"/{path}").get_data(as_text=True)
    assert "Stop emails about “Your design is approved”?" in confirm
    assert notifications.channel_for(member.id, "design_approved") == "email"  # a GET changes nothing
    done = guest.post(f"/{path}", data={"List-Unsubscribe": "One-Click"})
    assert "no more emails about" in done.get_data(as_text=True)
    assert notifications.channel_for(member.id, "design_approved") == "in_app"
    assert guest.post(f"/{path[:-3]}xyz").status_code == 404  # a forged token
    rows = db.session.execute(sa.select(NotificationPreference)).scalars().all()
    assert [(r.kind, r.channel) for r in rows] == [("design_approved", "in_app")]


def test_profiles_show_wins_badges_and_scorer_statistics(app, scene):
    from contest.community.recognition import longest_streak

    close_contests(utcnow())
    winner = app.test_client().get("/u/artist0").get_data(as_text=True)
    assert "“Owl 1”, rank 1 in Night Animals" in winner
    for badge in ("First entry", "Finalist", "Winner"):
        assert f">{badge}<" in winner
    runner_up = app.test_client().get("/u/artist1").get_data(as_text=True)
    assert ">Finalist<" in runner_up
    assert ">Winner<" not in runner_up
    voter = app.test_client().get("/u/voter0").get_data(as_text=True)
    assert "Scored 3 designs, average given 4.0." in voter  # 5, 3 and 4
    assert ">First entry<" not in voter
    assert longest_streak([1, 2, 3, 4, 5], {1, 3, 4, 5}) == 3
    assert longest_streak([1, 2], set()) == 0


def test_season_leaderboards_count_wins_sales_and_scores_never_money(app, scene):
    from contest.accounts.models import User
    from contest.catalogue.models import Product
    from contest.demo.sales import _buy
    from contest.payments.test_gateway import TestGateway

    close_contests(utcnow())
    product = db.session.execute(sa.select(Product)).scalars().first()
    buyer = db.session.get(User, scene["voters"][1].id)
    _buy(TestGateway(secret=app.config["SECRET_KEY"]), buyer, [(product.variants[0].id, 3)], at=utcnow())
    page = app.test_client().get("/leaderboards").get_data(as_text=True)
    artists = page.split("Top artists")[1].split("Top scorers")[0]
    assert re.search(r"artist0</a></td><td class=\"num\">1</td><td class=\"num\">3</td>", artists)
    assert "€" not in page
    scorers = page.split("Top scorers")[1]
    assert scorers.count("<tr><td>") == 5  # the five voters, three scores each
    assert app.test_client().get("/leaderboards?season=1999").status_code == 404


def test_entrants_and_voters_answer_the_survey_once_after_the_results(app, scene, mailbox):
    from contest.community.models import SurveyResponse

    voter = app.test_client()
    login(voter, "voter0", PASSWORD)
    assert voter.get("/contests/night-animals/survey").status_code == 404  # no results yet
    close_contests(utcnow())  # results published: everyone who took part is invited, in the app
    invited = db.session.execute(sa.select(Notification.user_id).filter_by(kind="survey_invite")).scalars()
    assert len(set(invited)) == 8  # three artists and five voters
    emails = [mailbox.text(email) for email in mailbox.to("voter0@example.com")]
    assert not any("would you recommend" in text for text in emails)  # not emailed by default
    assert "Answer the survey" in voter.get("/contests/night-animals").get_data(as_text=True)
    page = "/contests/night-animals/survey"
    bad = submit(voter, page, {"score": "11"})
    assert "Choose a number from 0 to 10." in bad.get_data(as_text=True)
    submit(voter, page, {"score": "9", "comment": "Loved the owls"})
    again = submit(voter, page, {"score": "0"}, page="/contests/night-animals")
    assert again.status_code == 200
    assert "You already answered this survey" in again.get_data(as_text=True)
    rows = db.session.execute(sa.select(SurveyResponse.score, SurveyResponse.comment)).all()
    assert [tuple(row) for row in rows] == [(9, "Loved the owls")]
    assert "Answer the survey" not in voter.get("/contests/night-animals").get_data(as_text=True)
    outsider = make_user("outsider")
    stranger = app.test_client()
    login(stranger, outsider.username, PASSWORD)
    assert stranger.get(page).status_code == 403
