"""Moderation, takedowns, notifications and galleries, as staff, artists and visitors see them."""

from __future__ import annotations

import re

import pytest

from contest.designs.models import Design, InfringementReport
from contest.extensions import db
from contest.notifications.models import Notification
from tests.conftest import login, submit
from tests.factories import PASSWORD, make_contest, make_design, make_user


@pytest.fixture
def people(ctx):
    return {
        "staff": make_user("mod", email="mod@example.com", role="staff"),
        "artist": make_user("lea", email="lea@example.com"),
        "member": make_user("ana", email="ana@example.com"),
    }


@pytest.fixture
def contest(ctx):
    return make_contest("submissions", title="Cats in space")


def test_members_cannot_open_staff_pages(client, people):
    login(client, "ana", PASSWORD)
    for url in ("/staff/moderation", "/staff/reports", "/staff/contests", "/staff/contests/new"):
        assert client.get(url).status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get("/staff/moderation").status_code == 302


def test_approval_publishes_and_tells_the_artist(app, client, people, contest, mailbox):
    design = make_design(contest, people["artist"], seed=1)
    assert client.get(f"/designs/{design.id}").status_code == 404  # pending designs are not public
    assert "Design 1" not in client.get(f"/contests/{contest.slug}/gallery").get_data(as_text=True)
    login(client, "mod", PASSWORD)
    assert "Design 1" in client.get("/staff/moderation").get_data(as_text=True)
    response = submit(client, f"/staff/moderation/{design.id}/approve", {}, page="/staff/moderation")
    assert response.status_code == 302
    visitor = app.test_client()
    assert visitor.get(f"/designs/{design.id}").status_code == 200
    assert "Design 1" in visitor.get(f"/contests/{contest.slug}/gallery").get_data(as_text=True)
    email = mailbox.wait_for("lea@example.com")[-1]
    assert "is approved" in mailbox.text(email)
    with app.app_context():
        kinds = [n.kind for n in db.session.query(Notification).filter_by(user_id=people["artist"].id)]
        assert "design_approved" in kinds


def test_rejection_hides_the_design_and_gives_the_reason(app, client, people, contest, mailbox):
    design = make_design(contest, people["artist"], seed=2)
    login(client, "mod", PASSWORD)
    response = submit(
        client,
        f"/staff/moderation/{design.id}/reject",
        {"reason": "third_party_ip", "note": "The cat is a famous cartoon character."},
        page="/staff/moderation",
    )
    assert response.status_code == 302
    assert app.test_client().get(f"/designs/{design.id}").status_code == 404
    text = mailbox.text(mailbox.wait_for("lea@example.com")[-1])
    assert "was not accepted" in text
    assert "logo, character or trademark" in text
    assert "famous cartoon character" in text
    artist = app.test_client()
    login(artist, "lea", PASSWORD)
    mine = artist.get("/me/entries").get_data(as_text=True)
    assert "Not accepted" in mine
    assert "famous cartoon character" in mine
    bell = artist.get("/").get_data(as_text=True)
    assert re.search(r'class="bell-count"[^>]*>\d+<', bell)


def test_rejection_needs_a_listed_reason(app, client, people, contest):
    design = make_design(contest, people["artist"], seed=3)
    login(client, "mod", PASSWORD)
    submit(client, f"/staff/moderation/{design.id}/reject", {"reason": "made_up"}, page="/staff/moderation")
    submit(
        client,
        f"/staff/moderation/{design.id}/reject",
        {"reason": "other", "note": ""},
        page="/staff/moderation",
    )
    with app.app_context():
        assert db.session.get(Design, design.id).status == "pending"


def test_report_and_takedown(app, client, people, contest, mailbox):
    design = make_design(contest, people["artist"], seed=4, approve=True, staff=people["staff"])
    visitor = app.test_client()
    response = submit(
        visitor,
        f"/designs/{design.id}/report",
        {
            "name": "Original Artist",
            "email": "orig@example.com",
            "reason": "It copies my poster from 2021.",
            "evidence_url": "https://portfolio.example.org/poster",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(InfringementReport).count() == 1
    login(client, "mod", PASSWORD)
    reports = client.get("/staff/reports").get_data(as_text=True)
    assert "It copies my poster from 2021." in reports
    report_id = db.session.query(InfringementReport).one().id
    response = submit(
        client,
        f"/staff/reports/{report_id}/resolve",
        {"action": "take_down", "note": "Copy of a poster by Original Artist."},
        page="/staff/reports",
    )
    assert response.status_code == 302
    gone = visitor.get(f"/designs/{design.id}")
    assert gone.status_code == 410
    assert "Copy of a poster by Original Artist." in gone.get_data(as_text=True)
    assert "Design 4" not in visitor.get(f"/contests/{contest.slug}/gallery").get_data(as_text=True)
    assert "taken down" in mailbox.text(mailbox.wait_for("lea@example.com")[-1])


def test_report_needs_an_evidence_link(app, people, contest):
    design = make_design(contest, people["artist"], seed=5, approve=True, staff=people["staff"])
    visitor = app.test_client()
    response = submit(
        visitor,
        f"/designs/{design.id}/report",
        {"name": "X", "email": "x@example.com", "reason": "copy", "evidence_url": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(InfringementReport).count() == 0


def test_gallery_order_is_shuffled_per_viewer_and_stable(app, people, contest):
    artists = [make_user(f"artist{n}") for n in range(4)]
    for seed in range(12):
        make_design(contest, artists[seed % 4], seed=20 + seed, approve=True, staff=people["staff"])

    def order(client) -> list[str]:
        html = client.get(f"/contests/{contest.slug}/gallery").get_data(as_text=True)
        return re.findall(r'<figcaption><a href="/designs/(\d+)"', html)

    first, second = app.test_client(), app.test_client()
    login(first, "lea", PASSWORD)
    login(second, "ana", PASSWORD)
    assert order(first) == order(first)
    assert sorted(order(first)) == sorted(order(second))
    assert len(order(first)) == 12
    assert order(first) != order(second)
    assert order(first) != sorted(order(first), key=int)


def test_past_contest_gallery_is_in_submission_order(app, people):
    contest = make_contest("submissions")
    ids = [
        make_design(
            contest,
            people["artist"] if n % 2 else people["member"],
            seed=40 + n,
            approve=True,
            staff=people["staff"],
        ).id
        for n in range(4)
    ]
    from datetime import timedelta

    from contest.contests import services
    from contest.core.clock import utcnow
    from contest.core.db import unit_of_work

    with app.app_context(), unit_of_work():
        row = db.session.get(type(contest), contest.id)
        row.submissions_close_at = utcnow() - timedelta(days=2)
        row.voting_close_at = utcnow() - timedelta(days=1)
        row.submissions_open_at = utcnow() - timedelta(days=3)
        services.advance_contests(utcnow())
    html = app.test_client().get(f"/contests/{contest.slug}/gallery").get_data(as_text=True)
    assert re.findall(r'<figcaption><a href="/designs/(\d+)"', html) == [str(i) for i in ids]


def test_artist_edits_text_until_submissions_close(app, client, people, contest):
    design = make_design(contest, people["artist"], seed=6)
    login(client, "lea", PASSWORD)
    response = submit(
        client,
        f"/designs/{design.id}/edit",
        {"title": "Better title", "description": "Now with stars", "tags": "stars"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Design, design.id).title == "Better title"
    other = app.test_client()
    login(other, "ana", PASSWORD)
    assert other.get(f"/designs/{design.id}/edit").status_code == 404


def test_notifications_page_and_mark_read(app, client, people, contest):
    make_design(contest, people["artist"], seed=7)
    login(client, "lea", PASSWORD)
    page = client.get("/notifications").get_data(as_text=True)
    assert "waits for moderation" in page
    submit(client, "/notifications/read", {}, page="/notifications")
    assert 'class="bell-count"' not in client.get("/").get_data(as_text=True)


def test_guests_get_cached_gallery_pages_that_follow_every_change(app, client, people, contest):
    designs = [
        make_design(contest, people["artist"], seed=60 + n, approve=True, staff=people["staff"])
        for n in range(3)
    ]
    url = f"/contests/{contest.slug}/gallery"
    guest = app.test_client()
    html = guest.get(url).get_data(as_text=True)
    assert "csrf_token" not in html  # nothing personal on a guest's page: it can be shared
    assert all(f'<figcaption><a href="/designs/{d.id}"' in html for d in designs)
    assert guest.get(url).get_data(as_text=True) == html
    login(client, "lea", PASSWORD)
    response = submit(client, f"/designs/{designs[0].id}/withdraw", {}, page=f"/designs/{designs[0].id}")
    assert response.status_code in (302, 303)
    html = guest.get(url).get_data(as_text=True)
    assert f'/designs/{designs[0].id}"' not in html  # at once, not when the cache expires
    assert f'/designs/{designs[1].id}"' in html
    french = guest.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr">' in french
    assert "csrf_token" in client.get(url).get_data(as_text=True)  # members' pages are their own


def test_guests_are_spread_over_several_shuffles(app, people, contest):
    artists = [make_user(f"shuffled{n}") for n in range(4)]
    for seed in range(12):
        make_design(contest, artists[seed % 4], seed=80 + seed, approve=True, staff=people["staff"])
    orders = set()
    for _ in range(12):
        html = app.test_client().get(f"/contests/{contest.slug}/gallery").get_data(as_text=True)
        orders.add(tuple(re.findall(r'<figcaption><a href="/designs/(\d+)"', html)))
    assert len(orders) >= 3
