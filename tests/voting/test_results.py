"""Publishing results: integrity checks, the frozen ranking, the public table and private feedback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.contests.services import Conflict
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.voting import results as result_services
from contest.voting import services
from contest.voting.models import ContestResult, ScoreExclusion
from tests.conftest import login, submit
from tests.factories import PASSWORD, make_contest, make_design, make_user

OLD = utcnow() - timedelta(days=60)


@pytest.fixture
def voted(ctx):
    """Voting has just closed on 3 designs scored by 6 long-standing members (min 3 scores to qualify)."""
    staff = make_user("mod", role="staff", now=OLD)
    artists = [make_user(f"artist{n}", email=f"artist{n}@example.com", now=OLD) for n in range(3)]
    voters = [make_user(f"voter{n}", now=OLD) for n in range(6)]
    contest = make_contest("submissions", title="Night Animals", min_scores=3, winners_count=1)
    designs = [
        make_design(contest, artists[n], seed=50 + n, approve=True, staff=staff, title=f"Owl {n + 1}")
        for n in range(3)
    ]
    from contest.contests.services import advance_contests

    with unit_of_work():
        row = db.session.get(type(contest), contest.id)
        row.submissions_close_at = utcnow() - timedelta(hours=2)
        advance_contests(utcnow())
    table = {  # design index -> values from voters 0..5 (None = did not score)
        0: [5, 5, 4, 5, 4, None],
        1: [3, 4, 3, 2, 3, 3],
        2: [4, 5, None, None, None, None],  # only 2 scores: below the minimum
    }
    now = utcnow()
    for index, values in table.items():
        for voter, value in zip(voters, values, strict=True):
            if value is not None:
                with unit_of_work():
                    services.cast_score(voter, designs[index], value=value, buy=value == 5, now=now)
    with unit_of_work():
        row = db.session.get(type(contest), contest.id)
        row.voting_close_at = utcnow() - timedelta(minutes=1)
    db.session.expire_all()
    return {
        "contest": db.session.get(type(contest), contest.id),
        "designs": designs,
        "staff": staff,
        "artists": artists,
    }


def test_results_are_ranked_frozen_and_public(app, voted, mailbox):
    contest = voted["contest"]
    with unit_of_work():
        rows = result_services.publish_results(contest, now=utcnow(), actor=voted["staff"])
    ranks = {row.design_id: (row.rank, row.qualified, row.winner, row.score_count) for row in rows}
    owl1, owl2, owl3 = (d.id for d in voted["designs"])
    assert ranks[owl1] == (1, True, True, 5)
    assert ranks[owl2] == (2, True, False, 6)
    assert ranks[owl3] == (3, False, False, 2)
    assert db.session.get(type(contest), contest.id).state == "results"
    page = app.test_client().get(f"/contests/{contest.slug}/results").get_data(as_text=True)
    assert "Winner" in page
    assert page.index("Owl 1") < page.index("Owl 2") < page.index("Owl 3")
    assert "How scoring works" in page
    # Later changes never alter published results.
    with pytest.raises(services.VotingClosed):
        services.cast_score(make_user("late", now=OLD), voted["designs"][1], value=5, buy=None, now=utcnow())
    frozen = [(r.design_id, r.rank, r.final_score_micro) for r in result_services.results_for(contest.id)]
    assert frozen == sorted(frozen, key=lambda r: r[1])
    assert "see how “Owl 1” did" in mailbox.text(mailbox.wait_for("artist0@example.com")[-1])


def test_publishing_twice_or_too_early_is_refused(app, voted):
    contest = voted["contest"]
    with pytest.raises(Conflict):
        result_services.publish_results(contest, now=contest.voting_close_at - timedelta(minutes=5))
    with unit_of_work():
        result_services.publish_results(contest, now=utcnow())
    with pytest.raises(Conflict):
        result_services.publish_results(db.session.get(type(contest), contest.id), now=utcnow())
    assert db.session.query(ContestResult).count() == 3


def test_feedback_report_is_private_and_explains_the_outcome(app, voted):
    with unit_of_work():
        result_services.publish_results(voted["contest"], now=utcnow())
    owl3 = voted["designs"][2]
    artist = app.test_client()
    login(artist, "artist2", PASSWORD)
    page = artist.get(f"/designs/{owl3.id}/feedback").get_data(as_text=True)
    assert "received 2 scores" in page
    assert "at least 3 to qualify" in page
    assert 'aria-label="Scores from 1 to 5: 0, 0, 0, 1, 1"' in page
    other = app.test_client()
    login(other, "artist0", PASSWORD)
    assert other.get(f"/designs/{owl3.id}/feedback").status_code == 404
    winner = other.get(f"/designs/{voted['designs'][0].id}/feedback").get_data(as_text=True)
    assert "Winner: ranked #1" in winner


def test_method_page_shows_a_worked_example_from_real_numbers(app, voted):
    with unit_of_work():
        result_services.publish_results(voted["contest"], now=utcnow())
    page = app.test_client().get("/how-scoring-works").get_data(as_text=True)
    assert "A worked example" in page
    assert "“Owl 1” in Night Animals received 5 counted scores" in page
    owl1 = next(r for r in result_services.results_for(voted["contest"].id) if r.rank == 1)
    assert f"= {owl1.final_score:.2f}." in page  # the example ends on the published final score


def test_planted_ring_is_excluded_and_reported_by_category(app, voted):
    contest = voted["contest"]
    with unit_of_work():
        row = db.session.get(type(contest), contest.id)
        row.voting_close_at = utcnow() + timedelta(hours=1)
        from contest.contests.services import advance_contests

        advance_contests(utcnow())
    app.config["SCORE_MIN_ACCOUNT_AGE_HOURS"] = 0
    try:
        ring = [make_user(f"sock{n}") for n in range(8)]  # created during the contest
        for sock in ring:
            with unit_of_work():
                services.cast_score(sock, voted["designs"][1], value=5, buy=True, now=utcnow())
    finally:
        app.config["SCORE_MIN_ACCOUNT_AGE_HOURS"] = 24
    with unit_of_work():
        db.session.get(type(contest), contest.id).voting_close_at = utcnow() - timedelta(minutes=1)
    with unit_of_work():
        rows = result_services.publish_results(db.session.get(type(contest), contest.id), now=utcnow())
    owl2 = next(r for r in rows if r.design_id == voted["designs"][1].id)
    assert owl2.excluded == {"new_account_single_artist": 8}
    assert owl2.score_count == 6  # the ring's 5s are not counted
    assert owl2.rank == 2
    assert db.session.query(ScoreExclusion).count() == 8
    page = app.test_client().get(f"/contests/{contest.slug}/results").get_data(as_text=True)
    assert "new accounts that scored only one artist: 8" in page
    assert "sock" not in page


def test_staff_reinstate_an_excluded_score_with_a_note(app, voted):
    contest = voted["contest"]
    with unit_of_work():
        db.session.get(type(contest), contest.id).voting_close_at = utcnow() + timedelta(hours=1)
    app.config["SCORE_MIN_ACCOUNT_AGE_HOURS"] = 0
    try:
        for n in range(8):
            with unit_of_work():
                services.cast_score(
                    make_user(f"fresh{n}"), voted["designs"][2], value=5, buy=None, now=utcnow()
                )
    finally:
        app.config["SCORE_MIN_ACCOUNT_AGE_HOURS"] = 24
    staff = app.test_client()
    login(staff, "mod", PASSWORD)
    submit(
        staff,
        f"/staff/contests/{contest.id}/integrity/run",
        {},
        page=f"/staff/contests/{contest.id}/integrity",
    )
    page = staff.get(f"/staff/contests/{contest.id}/integrity").get_data(as_text=True)
    assert page.count("new accounts that scored only one artist") == 8
    exclusion_id = db.session.query(ScoreExclusion.id).order_by(ScoreExclusion.id).first()[0]
    refused = submit(
        staff,
        f"/staff/exclusions/{exclusion_id}/reinstate",
        {"note": ""},
        page=f"/staff/contests/{contest.id}/integrity",
    )
    assert refused.status_code == 302
    assert db.session.get(ScoreExclusion, exclusion_id).reinstated_at is None
    submit(
        staff,
        f"/staff/exclusions/{exclusion_id}/reinstate",
        {"note": "A real fan, checked by email."},
        page=f"/staff/contests/{contest.id}/integrity",
    )
    db.session.expire_all()
    assert db.session.get(ScoreExclusion, exclusion_id).reinstate_note == "A real fan, checked by email."
    assert len(result_services.active_exclusions(contest.id)) == 7
    submit(
        staff,
        f"/staff/contests/{contest.id}/integrity/run",
        {},
        page=f"/staff/contests/{contest.id}/integrity",
    )
    assert (
        len(result_services.active_exclusions(contest.id)) == 7
    )  # a reinstated score is never flagged again
    member = app.test_client()
    login(member, "voter0", PASSWORD)
    assert member.get(f"/staff/contests/{contest.id}/integrity").status_code == 403
