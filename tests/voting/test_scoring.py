"""Scoring as members experience it: one score each, changeable, hidden, fair."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.voting import services
from contest.voting.models import DesignTally, Score
from tests.conftest import csrf_token, login, submit
from tests.factories import PASSWORD, make_contest, make_design, make_user

OLD = utcnow() - timedelta(days=30)


@pytest.fixture
def scene(ctx):
    """A contest in voting with three approved designs by two artists, and a long-standing voter."""
    staff = make_user("mod", role="staff", now=OLD)
    lea = make_user("lea", email="lea@example.com", now=OLD)
    tom = make_user("tom", email="tom@example.com", now=OLD)
    voter = make_user("ana", email="ana@example.com", now=OLD)
    contest = make_contest("submissions", title="Night Animals")
    designs = [
        make_design(contest, artist, seed=n, approve=True, staff=staff)
        for n, artist in enumerate([lea, lea, tom], start=1)
    ]
    with unit_of_work():
        row = db.session.get(type(contest), contest.id)
        row.submissions_close_at = utcnow() - timedelta(minutes=5)
        from contest.contests.services import advance_contests

        advance_contests(utcnow())
    db.session.expire_all()
    return {"contest": contest, "designs": designs, "voter": voter, "lea": lea, "tom": tom, "staff": staff}


def score_via_form(client, design_id: int, value: int | None, buy: bool = False, **headers):
    page = client.get(f"/designs/{design_id}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "next": f"/designs/{design_id}", "buy_present": "1"}
    if value is not None:
        data["value"] = str(value)
    if buy:
        data["buy"] = "y"
    return client.post(f"/designs/{design_id}/score", data=data, headers=headers)


def scores(app) -> list[tuple[int, int, int | None, bool]]:
    with app.app_context():
        return [
            tuple(r)
            for r in db.session.execute(
                sa.select(Score.design_id, Score.voter_id, Score.value, Score.buy).order_by(Score.id)
            )
        ]


def test_member_scores_changes_and_removes(app, client, scene):
    design = scene["designs"][0]
    login(client, "ana", PASSWORD)
    assert score_via_form(client, design.id, 4).status_code == 303
    assert score_via_form(client, design.id, 2, buy=True).status_code == 303
    assert scores(app) == [(design.id, scene["voter"].id, 2, True)]
    with app.app_context():
        tally = db.session.get(DesignTally, design.id)
        assert (tally.score_count, tally.score_sum, tally.buy_count) == (1, 2, 1)
    page = client.get(f"/designs/{design.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in page
    response = submit(
        client,
        f"/designs/{design.id}/score/remove",
        {"next": f"/designs/{design.id}"},
        page=f"/designs/{design.id}",
    )
    assert response.status_code == 303
    assert scores(app) == []
    with app.app_context():
        tally = db.session.get(DesignTally, design.id)
        assert (tally.score_count, tally.score_sum, tally.buy_count) == (0, 0, 0)


def test_artist_cannot_score_own_design(app, client, scene):
    login(client, "lea", PASSWORD)
    response = score_via_form(client, scene["designs"][0].id, 5, Accept="application/json")
    assert response.status_code in (400, 403)
    assert scores(app) == []
    with pytest.raises(services.SelfScoring):
        services.cast_score(scene["lea"], scene["designs"][0], value=5, buy=None, now=utcnow())


def test_scores_outside_the_voting_window_are_refused(app, scene):
    design = scene["designs"][0]
    with pytest.raises(services.VotingClosed):
        services.cast_score(scene["voter"], design, value=3, buy=None, now=design.contest.voting_close_at)
    with pytest.raises(services.VotingClosed):
        services.cast_score(
            scene["voter"],
            design,
            value=3,
            buy=None,
            now=design.contest.submissions_close_at - timedelta(seconds=1),
        )


@pytest.mark.parametrize("value", [0, 6, -1, True])
def test_values_outside_1_to_5_are_refused(scene, value):
    with pytest.raises(services.InvalidScore):
        services.cast_score(scene["voter"], scene["designs"][2], value=value, buy=None, now=utcnow())


def test_bad_form_values_change_nothing(app, client, scene):
    login(client, "ana", PASSWORD)
    response = score_via_form(client, scene["designs"][2].id, 9, Accept="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid"
    assert scores(app) == []


def test_eligibility_rules(app, client, scene):
    newbie = make_user("newbie", email="newbie@example.com")  # joined just now
    unverified = make_user("ghost", email="ghost@example.com", verified=False, now=OLD)
    with pytest.raises(services.NotEligible, match="24 hours"):
        services.cast_score(newbie, scene["designs"][2], value=3, buy=None, now=utcnow())
    with pytest.raises(services.NotEligible, match="confirm your email"):
        services.cast_score(unverified, scene["designs"][2], value=3, buy=None, now=utcnow())
    app.config["SCORE_MIN_ACCOUNT_AGE_HOURS"] = 0
    try:
        with unit_of_work():
            services.cast_score(newbie, scene["designs"][2], value=3, buy=None, now=utcnow())
    finally:
        app.config["SCORE_MIN_ACCOUNT_AGE_HOURS"] = 24
    assert len(scores(app)) == 1


def test_running_scores_are_hidden_from_everyone(app, scene):
    design = scene["designs"][2]
    with unit_of_work():
        services.cast_score(scene["voter"], design, value=5, buy=True, now=utcnow())
    for name in ("tom", "ana", "mod", None):
        client = app.test_client()
        if name:
            login(client, name, PASSWORD)
        html = client.get(f"/designs/{design.id}").get_data(as_text=True)
        html += client.get(f"/contests/{design.contest.slug}/gallery").get_data(as_text=True)
        assert not re.search(r"average|moyenne|\b5\.0\b|1 score|buy intent", html, re.I)


def test_double_click_leaves_one_score(app, scene):
    design, voter = scene["designs"][2], scene["voter"]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def cast() -> None:
        try:
            with app.app_context():
                barrier.wait()
                with unit_of_work():  # no retry: the upsert absorbs the simultaneous duplicate
                    services.cast_score(
                        db.session.merge(voter), db.session.merge(design), value=4, buy=None, now=utcnow()
                    )
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=cast) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert scores(app) == [(design.id, voter.id, 4, False)]
    with app.app_context():
        assert db.session.get(DesignTally, design.id).score_count == 1


def test_score_next_flow_without_javascript(app, client, scene):
    login(client, "lea", PASSWORD)  # lea may score only tom's design
    slug = scene["contest"].slug
    page = client.get(f"/contests/{slug}/score").get_data(as_text=True)
    assert "0 of 1 scored" in page
    tom_design = scene["designs"][2]
    assert f'/designs/{tom_design.id}/score"' in page
    response = client.post(
        f"/designs/{tom_design.id}/score",
        data={
            "csrf_token": csrf_token(page),
            "value": "3",
            "buy_present": "1",
            "next": f"/contests/{slug}/score",
        },
    )
    assert response.headers["Location"] == f"/contests/{slug}/score"
    done = client.get(f"/contests/{slug}/score").get_data(as_text=True)
    assert "1 of 1 scored" in done
    assert "You have scored every entry" in done


def test_skip_moves_on_and_can_be_undone(app, client, scene):
    login(client, "ana", PASSWORD)
    slug = scene["contest"].slug
    seen = []
    for _ in range(3):
        page = client.get(f"/contests/{slug}/score").get_data(as_text=True)
        design_id = int(re.search(r"/designs/(\d+)/score\"", page).group(1))
        seen.append(design_id)
        client.get(f"/contests/{slug}/score?skip={design_id}")
    assert sorted(seen) == sorted(d.id for d in scene["designs"])
    assert "You skipped the remaining entries." in client.get(f"/contests/{slug}/score").get_data(
        as_text=True
    )
    again = client.get(f"/contests/{slug}/score?restart=1", follow_redirects=True).get_data(as_text=True)
    assert "0 of 3 scored" in again


def test_json_scoring_for_the_keyboard_flow(app, client, scene):
    login(client, "ana", PASSWORD)
    response = score_via_form(client, scene["designs"][1].id, 5, buy=True, Accept="application/json")
    assert response.status_code == 200
    assert response.get_json() == {"design_id": scene["designs"][1].id, "value": 5, "buy": True}


def test_scoring_is_rate_limited_per_member(app, client, scene):
    app.config["SCORE_RATE_LIMIT"] = "3 per minute"
    design = scene["designs"][2]
    login(client, "ana", PASSWORD)
    for value in (1, 2, 3):
        assert score_via_form(client, design.id, value, Accept="application/json").status_code == 200
    response = score_via_form(client, design.id, 5, Accept="application/json")
    assert response.status_code == 429
    assert "wait a minute" in response.get_json()["message"]
    assert scores(app) == [(design.id, scene["voter"].id, 3, False)]
    other = app.test_client()  # the limit is per member, not global
    login(other, "tom", PASSWORD)
    assert score_via_form(other, scene["designs"][0].id, 4, Accept="application/json").status_code == 200


def test_a_deactivated_account_cannot_score_with_an_old_session(app, client, scene):
    design = scene["designs"][2]
    login(client, "ana", PASSWORD)
    token = csrf_token(client.get(f"/designs/{design.id}").get_data(as_text=True))
    with app.app_context(), unit_of_work():
        db.session.get(type(scene["voter"]), scene["voter"].id).active = False
    response = client.post(
        f"/designs/{design.id}/score",
        data={"csrf_token": token, "value": "4"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403
    assert scores(app) == []


def test_tallies_follow_every_change_made_in_the_database(app, scene):
    """Totals are kept by triggers, so even a change made outside the app keeps them right."""
    design, voter = scene["designs"][2], scene["voter"]
    with unit_of_work():
        services.cast_score(voter, design, value=4, buy=True, now=utcnow())
        services.cast_score(scene["lea"], design, value=2, buy=None, now=utcnow())
    with unit_of_work():
        services.cast_score(voter, design, value=None, buy=False, now=utcnow())  # the buy mark only
        db.session.execute(sa.update(Score).where(Score.voter_id == scene["lea"].id).values(value=5))
    db.session.expire_all()
    tally = db.session.get(DesignTally, design.id)
    assert (tally.score_count, tally.score_sum, tally.buy_count) == (2, 9, 0)
    with unit_of_work():
        services.remove_score(voter, design, now=utcnow())
    db.session.expire_all()
    tally = db.session.get(DesignTally, design.id)
    assert (tally.score_count, tally.score_sum, tally.buy_count) == (1, 5, 0)


def test_staff_follow_a_live_leaderboard_that_members_cannot_see(app, client, scene):
    designs = scene["designs"]
    with unit_of_work():
        services.cast_score(scene["voter"], designs[0], value=2, buy=None, now=utcnow())
        services.cast_score(scene["voter"], designs[2], value=5, buy=True, now=utcnow())
        services.cast_score(scene["tom"], designs[0], value=4, buy=None, now=utcnow())
    url = f"/staff/contests/{scene['contest'].id}/leaderboard"
    login(client, "ana", PASSWORD)
    assert client.get(url).status_code == 403
    staff = app.test_client()
    login(staff, "mod", PASSWORD)
    html = staff.get(url).get_data(as_text=True)
    rows = re.findall(r'<a href="/designs/(\d+)">', html.split("<tbody>")[1])
    assert rows == [str(designs[2].id), str(designs[0].id)]  # 5.00 first, then (2 + 4) / 2
    assert "3.00" in html
    assert "5.00" in html
