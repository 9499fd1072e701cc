"""Recognition on profiles: entries, wins, badges and scorer statistics, computed from what happened.

Badges are never stored: they follow from entries, results and scores, so they cannot drift from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from contest.catalogue.models import ContestWinner
from contest.contests.models import Contest
from contest.core.i18n import N_
from contest.designs.models import Design
from contest.extensions import db
from contest.voting.models import ContestResult, Score

FINALIST_RANK = 10  # a qualified design in a contest's top ten
SCORER_MILESTONES = (10, 100, 1000)
STREAK = 3  # scored in this many contests in a row

BADGE_LABELS = {
    "first_entry": N_("First entry"),
    "finalist": N_("Finalist"),
    "winner": N_("Winner"),
    "scorer": N_("Scored %(num)s designs"),
    "streak": N_("Scored %(num)s contests in a row"),
}
BADGE_HINTS = {
    "first_entry": N_("Entered a design that was accepted into a contest."),
    "finalist": N_("Had a qualified design in a contest's top ten."),
    "winner": N_("Won a contest."),
    "scorer": N_("Gave that many scores to other members' designs."),
    "streak": N_("Scored designs in consecutive contests."),
}


@dataclass(frozen=True, slots=True)
class Badge:
    code: str
    number: int | None = None


@dataclass
class Recognition:
    entries: list[Design] = field(default_factory=list)
    wins: list[tuple[Design, Contest, int]] = field(default_factory=list)
    badges: list[Badge] = field(default_factory=list)
    scored: int = 0
    average_given: float | None = None
    best_streak: int = 0


def longest_streak(contest_ids_in_order: list[int], scored_in: set[int]) -> int:
    """The longest run of consecutive contests (in closing order) in which the member scored."""
    best = run = 0
    for contest_id in contest_ids_in_order:
        run = run + 1 if contest_id in scored_in else 0
        best = max(best, run)
    return best


def recognition(user_id: int, *, now: datetime) -> Recognition:
    result = Recognition()
    result.entries = list(
        db.session.execute(
            sa.select(Design)
            .where(Design.artist_id == user_id, Design.status == "approved")
            .order_by(Design.submitted_at.desc())
            .limit(24)
        ).scalars()
    )
    result.wins = [
        (design, contest, rank)
        for design, contest, rank in db.session.execute(
            sa.select(Design, Contest, ContestWinner.rank)
            .join(ContestWinner, ContestWinner.design_id == Design.id)
            .join(Contest, Contest.id == ContestWinner.contest_id)
            .where(Design.artist_id == user_id, ContestWinner.status == "published")
            .order_by(ContestWinner.published_at.desc())
        ).all()
    ]
    count, average = db.session.execute(
        sa.select(sa.func.count(Score.id), sa.func.avg(Score.value)).where(
            Score.voter_id == user_id, Score.value.is_not(None)
        )
    ).one()
    result.scored = int(count)
    result.average_given = round(float(average), 1) if average is not None else None
    closed = list(
        db.session.execute(
            sa.select(Contest.id).where(Contest.voting_close_at <= now).order_by(Contest.voting_close_at)
        ).scalars()
    )
    scored_in = set(
        db.session.execute(sa.select(Score.contest_id).where(Score.voter_id == user_id).distinct()).scalars()
    )
    result.best_streak = longest_streak(closed, scored_in)
    finalist = db.session.execute(
        sa.select(ContestResult.id)
        .join(Design, Design.id == ContestResult.design_id)
        .where(
            Design.artist_id == user_id,
            ContestResult.qualified.is_(True),
            ContestResult.rank <= FINALIST_RANK,
        )
        .limit(1)
    ).first()
    if result.entries:
        result.badges.append(Badge("first_entry"))
    if finalist is not None:
        result.badges.append(Badge("finalist"))
    if result.wins:
        result.badges.append(Badge("winner"))
    reached = [milestone for milestone in SCORER_MILESTONES if result.scored >= milestone]
    if reached:
        result.badges.append(Badge("scorer", reached[-1]))
    if result.best_streak >= STREAK:
        result.badges.append(Badge("streak", result.best_streak))
    return result
