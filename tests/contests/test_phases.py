from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.contests import services
from contest.contests.models import Contest, ContestTransition
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from tests.factories import make_contest, make_user, timeline_for

T0 = utcnow().replace(microsecond=0)


@pytest.fixture
def staff(ctx):
    return make_user("camille", role="staff")


def new_contest(staff, **overrides) -> Contest:
    fields = {"title": "Cats in space", "brief": "Draw cats.", **timeline_for("scheduled", T0), **overrides}
    with unit_of_work():
        return services.create_contest(staff, services.ContestInput(**fields), now=T0)


def test_phase_is_derived_from_the_timeline_and_now(staff):
    contest = new_contest(staff)
    assert contest.phase(T0) == "draft"
    with unit_of_work():
        services.publish_contest(staff, contest, now=T0)
    assert contest.state == "scheduled"
    steps = [
        (T0, "scheduled"),
        (T0 + timedelta(days=3), "submissions"),
        (T0 + timedelta(days=10), "voting"),
        (T0 + timedelta(days=17), "closed"),
    ]
    for moment, phase in steps:
        assert contest.phase(moment) == phase
    assert contest.accepts_submissions(T0 + timedelta(days=3))
    assert not contest.accepts_submissions(T0 + timedelta(days=10))
    assert contest.voting_open(T0 + timedelta(days=10))


def test_advance_moves_the_stored_state_once_and_logs_each_step(staff):
    contest = new_contest(staff)
    with unit_of_work():
        services.publish_contest(staff, contest, now=T0)
    later = T0 + timedelta(days=17)
    with unit_of_work():
        changes = services.advance_contests(later)
    assert changes == [
        (contest.id, "scheduled", "submissions"),
        (contest.id, "submissions", "voting"),
        (contest.id, "voting", "closed"),
    ]
    with unit_of_work():
        assert services.advance_contests(later) == []
    db.session.refresh(contest)
    assert contest.state == "closed"
    steps = db.session.execute(
        sa.select(ContestTransition.from_state, ContestTransition.to_state)
        .filter_by(contest_id=contest.id)
        .order_by(ContestTransition.id)
    ).all()
    assert [tuple(s) for s in steps] == [
        ("draft", "scheduled"),
        ("scheduled", "submissions"),
        ("submissions", "voting"),
        ("voting", "closed"),
    ]


def test_drafts_and_cancelled_contests_never_advance(staff):
    draft = new_contest(staff)
    cancelled = new_contest(staff, title="Other")
    with unit_of_work():
        services.publish_contest(staff, cancelled, now=T0)
        services.cancel_contest(staff, cancelled, "Sponsor withdrew.", now=T0)
    with unit_of_work():
        assert services.advance_contests(T0 + timedelta(days=30)) == []
    assert db.session.get(Contest, draft.id).state == "draft"
    assert db.session.get(Contest, cancelled.id).phase(T0 + timedelta(days=30)) == "cancelled"


def test_two_ticks_at_the_same_moment_advance_exactly_once(app, staff):
    contests = [make_contest("scheduled", now=T0, staff=staff) for _ in range(3)]
    later = T0 + timedelta(days=17)
    barrier = threading.Barrier(2)
    results: list[list] = []
    errors: list[BaseException] = []

    def tick() -> None:
        try:
            with app.app_context():
                barrier.wait()
                with unit_of_work():
                    results.append(services.advance_contests(later))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    all_changes = sorted(change for result in results for change in result)
    expected = sorted(
        (c.id, a, b)
        for c in contests
        for a, b in [("scheduled", "submissions"), ("submissions", "voting"), ("voting", "closed")]
    )
    assert all_changes == expected
    count = db.session.execute(sa.select(sa.func.count(ContestTransition.id))).scalar_one()
    assert count == 3 * 4  # draft->scheduled at publish, then three steps each, never twice


def test_tick_command(app, staff):
    make_contest("submissions", staff=staff, publish=True)
    result = app.test_cli_runner().invoke(args=["contests", "tick"])
    assert result.exit_code == 0
    assert "0 change(s); 0 winner(s) added, 0 released, 0 promoted, 0 failed." in result.output


def test_timeline_must_stay_ordered(staff):
    dates = timeline_for("scheduled", T0)
    with pytest.raises(services.InvalidTimeline):
        new_contest(staff, submissions_close_at=dates["submissions_open_at"] - timedelta(hours=1))
    with pytest.raises(services.InvalidTimeline):
        new_contest(staff, voting_close_at=dates["submissions_close_at"])


def test_a_passed_date_cannot_move_into_the_future(staff):
    contest = new_contest(staff)
    with unit_of_work():
        services.publish_contest(staff, contest, now=T0)
    during_voting = T0 + timedelta(days=10)
    data = services.ContestInput(
        title=contest.title,
        brief=contest.brief,
        submissions_open_at=contest.submissions_open_at,
        submissions_close_at=during_voting + timedelta(days=1),
        voting_close_at=contest.voting_close_at + timedelta(days=2),
    )
    with pytest.raises(services.InvalidTimeline, match="closed phase would reopen"), unit_of_work():
        services.update_contest(staff, contest, data, now=during_voting)
    db.session.refresh(contest)
    assert contest.submissions_close_at == timeline_for("scheduled", T0)["submissions_close_at"]
    data.submissions_close_at = contest.submissions_close_at
    with unit_of_work():
        services.update_contest(staff, contest, data, now=during_voting)  # extending voting is fine
    assert contest.voting_close_at == timeline_for("scheduled", T0)["voting_close_at"] + timedelta(days=2)


def test_closed_contest_cannot_be_edited_or_cancelled(staff):
    contest = make_contest("closed", now=T0, staff=staff)
    with pytest.raises(services.Conflict):
        services.cancel_contest(staff, contest, "late", now=T0)
    with pytest.raises(services.Conflict):
        services.update_contest(
            staff,
            contest,
            services.ContestInput(title="x", brief="y", **timeline_for("submissions", T0)),
            now=T0,
        )


def test_only_staff_manage_contests(ctx):
    member = make_user("member_only")
    with pytest.raises(services.PermissionDenied):
        services.create_contest(
            member, services.ContestInput(title="x", brief="y", **timeline_for("scheduled", T0)), now=T0
        )


def test_slug_is_unique(staff):
    new_contest(staff, title="Summer Vibes")
    with pytest.raises(services.SlugTaken):
        new_contest(staff, title="Summer vibes!")
