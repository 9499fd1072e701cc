"""Closing the vote: integrity checks, the frozen ranking, and telling every entrant how they did."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import datetime

import numpy as np
import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.contests.models import Contest
from contest.contests.services import advance_contests, move_state
from contest.core.db import DriverStatement
from contest.core.errors import Conflict
from contest.designs.models import Design
from contest.extensions import db
from contest.notifications.services import notify
from contest.voting import ranking
from contest.voting.models import ContestResult, DesignTally, Score, ScoreExclusion


def active_exclusions(contest_id: int) -> dict[int, str]:
    """score id -> category, for exclusions not reinstated."""
    rows = db.session.execute(
        sa.select(ScoreExclusion.score_id, ScoreExclusion.category).where(
            ScoreExclusion.contest_id == contest_id, ScoreExclusion.reinstated_at.is_(None)
        )
    )
    return dict(rows.all())


def run_integrity_checks(contest: Contest, *, now: datetime, actor: User | None = None) -> int:
    """Flag suspicious scores (never delete them); idempotent: a score is flagged at most once."""
    from contest.voting import integrity

    rows = db.session.execute(
        sa.select(
            Score.id,
            Score.voter_id,
            Score.design_id,
            Design.artist_id,
            Score.value,
            Score.cast_at,
            Score.ip_prefix,
            Score.device_id,
        )
        .join(Design, Design.id == Score.design_id)
        .where(Score.contest_id == contest.id, Score.value.is_not(None))
    ).all()
    votes = [integrity.VoteRow(*row) for row in rows]
    voted = (
        sa.select(Score.voter_id).where(Score.contest_id == contest.id, Score.value.is_not(None)).distinct()
    )
    voters = [
        integrity.VoterRow(voter_id, created_at)
        for voter_id, created_at in db.session.execute(
            sa.select(User.id, User.created_at).where(
                User.id.in_(voted)
            )  # a subquery, not thousands of params
        ).all()
    ]
    flags = integrity.detect(
        votes,
        voters,
        submissions_open_at=contest.submissions_open_at,
        voting_opens_at=contest.submissions_close_at,
    )
    already = set(
        db.session.execute(
            sa.select(ScoreExclusion.score_id).where(ScoreExclusion.contest_id == contest.id)
        ).scalars()
    )
    added = 0
    for flag in flags:
        if flag.score_id in already:
            continue  # flagged before (perhaps reinstated by staff): never flag it again
        db.session.add(
            ScoreExclusion(
                score_id=flag.score_id,
                contest_id=contest.id,
                category=flag.category,
                detail=flag.detail,
                created_at=now,
                created_by_id=actor.id if actor else None,
            )
        )
        added += 1
    db.session.flush()
    return added


_VALUED_SCORES = DriverStatement(
    lambda _dialect: sa.select(Score.voter_id, Score.design_id, Score.value).where(
        Score.contest_id == sa.bindparam("contest_id", None, type_=sa.Integer), Score.value.is_not(None)
    )
)


def _score_arrays(contest_id: int) -> np.ndarray:
    """Every valued score of a contest as an (n, 3) array of voter, design, value, read on the driver.

    A million scores is a million rows whatever happens; building no Python object per row (no ORM, no
    Row) is what keeps a full recomputation to about a second on SQLite.
    """
    rows = _VALUED_SCORES.all(db.session, {"contest_id": contest_id})
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=3 * len(rows))
    return flat.reshape(-1, 3)


def compute_ranking(contest: Contest) -> list[ranking.RankedDesign]:
    """The ranking from counted scores (exclusions left out), on the published method."""
    excluded = db.session.execute(
        sa.select(Score.voter_id, Score.design_id, Score.value, Score.buy)
        .join(ScoreExclusion, ScoreExclusion.score_id == Score.id)
        .where(ScoreExclusion.contest_id == contest.id, ScoreExclusion.reinstated_at.is_(None))
        .distinct()
    ).all()
    scores = _score_arrays(contest.id)
    if excluded:
        keys = scores[:, 0] * (2**31) + scores[:, 1]
        dropped = np.array(
            [v * (2**31) + d for v, d, value, _buy in excluded if value is not None], dtype=np.int64
        )
        scores = scores[~np.isin(keys, dropped)]
    # Buy marks from the maintained totals, minus those of excluded scores.
    buys = Counter(
        dict(
            db.session.execute(
                sa.select(DesignTally.design_id, DesignTally.buy_count).where(
                    DesignTally.contest_id == contest.id, DesignTally.buy_count > 0
                )
            ).all()
        )
    )
    buys.subtract(Counter(design_id for _v, design_id, _value, buy in excluded if buy))
    designs = (
        db.session.execute(
            sa.select(Design.id)
            .where(Design.contest_id == contest.id, Design.status == "approved")
            .order_by(Design.submitted_at, Design.id)
        )
        .scalars()
        .all()
    )
    design_rows = [
        ranking.DesignRow(design_id, buys.get(design_id, 0), order) for order, design_id in enumerate(designs)
    ]
    return ranking.rank_designs_fast(
        scores[:, 0], scores[:, 1], scores[:, 2], design_rows, min_scores=contest.min_scores
    )


def publish_results(contest: Contest, *, now: datetime, actor: User | None = None) -> list[ContestResult]:
    """Freeze and publish the results once voting has closed. Raises Conflict otherwise.

    The state change closed -> results is a conditional UPDATE, so of two simultaneous calls one publishes
    and the other gets Conflict; everything happens in the caller's single unit of work.
    """
    if contest.phase(now) not in ("closed",):
        raise Conflict(_("Results can be published once voting has closed."))
    advance_contests(now, contest_ids=[contest.id])
    run_integrity_checks(contest, now=now, actor=actor)
    if not move_state(contest.id, "closed", "results", now, actor):
        raise Conflict(_("The results of this contest are already published."))
    excluded = active_exclusions(contest.id)
    per_design: dict[int, Counter[str]] = defaultdict(Counter)
    if excluded:
        for score_id, design_id in db.session.execute(
            sa.select(Score.id, Score.design_id).where(Score.id.in_(list(excluded)))
        ).all():
            per_design[design_id][excluded[score_id]] += 1
    ranked = compute_ranking(contest)
    winners = {r.design_id for r in ranked if r.qualified and r.rank <= contest.winners_count}
    results = []
    for row in ranked:
        result = ContestResult(
            contest_id=contest.id,
            design_id=row.design_id,
            rank=row.rank,
            final_score_micro=round(row.final_score * 1_000_000),
            mean_raw_micro=None if row.mean_raw is None else round(row.mean_raw * 1_000_000),
            score_count=row.score_count,
            buy_count=row.buy_count,
            excluded=dict(per_design.get(row.design_id, {})),
            qualified=row.qualified,
            winner=row.design_id in winners,
            computed_at=now,
        )
        db.session.add(result)
        results.append(result)
    db.session.flush()
    designs = (
        {
            d.id: d
            for d in db.session.execute(
                sa.select(Design).where(Design.id.in_([r.design_id for r in results]))
            ).scalars()
        }
        if results
        else {}
    )
    for result in results:
        design = designs[result.design_id]
        notify(
            design.artist,
            "results_published",
            now=now,
            endpoint="voting.feedback",
            endpoint_values={"design_id": design.id},
            title=design.title,
            contest=contest.title,
        )
    from contest.community.surveys import freeze_voters, invite

    freeze_voters(contest.id)  # for the KPIs: voting is over
    invite(contest, now=now)  # entrants and voters: one question, once
    db.session.refresh(contest)
    return results


def results_for(contest_id: int) -> list[ContestResult]:
    return list(
        db.session.execute(
            sa.select(ContestResult).filter_by(contest_id=contest_id).order_by(ContestResult.rank)
        ).scalars()
    )


def distribution(design_id: int) -> list[int]:
    """Counted scores of a design by value 1..5 (exclusions left out), for its feedback report."""
    excluded = sa.select(ScoreExclusion.score_id).where(ScoreExclusion.reinstated_at.is_(None))
    counts = dict(
        db.session.execute(
            sa.select(Score.value, sa.func.count(Score.id))
            .where(Score.design_id == design_id, Score.value.is_not(None), Score.id.not_in(excluded))
            .group_by(Score.value)
        ).all()
    )
    return [counts.get(value, 0) for value in range(1, 6)]


def reinstate(staff: User, exclusion: ScoreExclusion, *, note: str, now: datetime) -> None:
    """Count an excluded score again; the exclusion row stays, with who reinstated it and why."""
    from contest.core.errors import DomainError, PermissionDenied

    if not staff.is_staff:
        raise PermissionDenied(_("Only staff can reinstate scores."))
    if not note.strip():
        raise DomainError(_("Write why the score is reinstated; it stays in the audit log."), field="note")
    result = db.session.execute(
        sa.update(ScoreExclusion)
        .where(ScoreExclusion.id == exclusion.id, ScoreExclusion.reinstated_at.is_(None))
        .values(reinstated_at=now, reinstated_by_id=staff.id, reinstate_note=note.strip())
    )
    if result.rowcount != 1:
        raise Conflict(_("This score was already reinstated."))


def exclusions_for(contest_id: int) -> list[tuple[ScoreExclusion, Score, Design, User]]:
    """The audit log of a contest's exclusions, for staff."""
    rows = db.session.execute(
        sa.select(ScoreExclusion, Score, Design, User)
        .join(Score, Score.id == ScoreExclusion.score_id)
        .join(Design, Design.id == Score.design_id)
        .join(User, User.id == Score.voter_id)
        .where(ScoreExclusion.contest_id == contest_id)
        .order_by(ScoreExclusion.created_at.desc(), ScoreExclusion.id)
    )
    return [tuple(row) for row in rows.all()]
