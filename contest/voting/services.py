"""Scoring use cases: cast, change or remove a score, and find the next design to score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.contests.models import Contest
from contest.core.db import insert_ignore
from contest.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from contest.designs.models import Design
from contest.extensions import db
from contest.voting.models import DesignTally, Score


class SelfScoring(PermissionDenied):
    """Artists cannot score their own designs."""


class VotingClosed(DomainError):
    """Scores are accepted only while the contest's voting phase is open."""

    status_code = 409


class NotEligible(PermissionDenied):
    """The account does not meet the contest's rules for scoring (verified email, account age)."""


class InvalidScore(DomainError):
    """A score is a whole number from 1 to 5."""


class AlreadyScored(Conflict):
    """A simultaneous request (double click) created the score first; retrying updates it."""


@dataclass(frozen=True, slots=True)
class Context:
    """Where a score came from, kept for integrity checks (never shown to anyone)."""

    ip_prefix: str = ""
    device_id: str = ""


def check_eligible(voter: User, *, now: datetime) -> None:
    """Raises NotEligible with the rule that is not met."""
    config = current_app.config
    if config.get("SCORE_REQUIRE_VERIFIED", True) and not voter.is_verified:
        raise NotEligible(_("Please confirm your email address before scoring."))
    hours = int(config.get("SCORE_MIN_ACCOUNT_AGE_HOURS", 0))
    if hours and voter.created_at > now - timedelta(hours=hours):
        raise NotEligible(
            _("New accounts can score %(hours)s hours after joining; this keeps the vote fair.", hours=hours)
        )


def _check(voter: User, design: Design, now: datetime) -> None:
    if design.status != "approved":
        raise NotFound(_("This design is not in the gallery."))
    if design.artist_id == voter.id:
        raise SelfScoring(_("You cannot score your own design."))
    if not design.contest.voting_open(now):
        raise VotingClosed(_("Voting is not open for this contest."))
    check_eligible(voter, now=now)


def _adjust_tally(design: Design, *, count: int, total: int, buys: int) -> None:
    """Atomic increments on the design's totals row (it exists: cast_score creates it first)."""
    if count or total or buys:
        db.session.execute(
            sa.update(DesignTally)
            .where(DesignTally.design_id == design.id)
            .values(
                score_count=DesignTally.score_count + count,
                score_sum=DesignTally.score_sum + total,
                buy_count=DesignTally.buy_count + buys,
            )
        )


def cast_score(
    voter: User,
    design: Design,
    *,
    value: int | None,
    buy: bool | None,
    now: datetime,
    context: Context = Context(),
) -> Score:
    """Set the member's score and/or buy mark for a design (changeable until voting closes).

    ``None`` leaves that part unchanged. Raises SelfScoring, VotingClosed, NotEligible, NotFound,
    InvalidScore, and AlreadyScored when a simultaneous request won the race (retry to update).
    """
    if value is not None and (isinstance(value, bool) or value not in (1, 2, 3, 4, 5)):
        raise InvalidScore(_("A score is a whole number from 1 to 5."))
    _check(voter, design, now)
    # Serialise casts on one design (PostgreSQL row lock; SQLite serialises writers anyway).
    insert_ignore(
        DesignTally,
        design_id=design.id,
        contest_id=design.contest_id,
        score_count=0,
        score_sum=0,
        buy_count=0,
    )
    db.session.execute(
        sa.select(DesignTally.design_id).where(DesignTally.design_id == design.id).with_for_update()
    )
    score = db.session.execute(
        sa.select(Score).filter_by(design_id=design.id, voter_id=voter.id)
    ).scalar_one_or_none()
    if score is None:
        if value is None and not buy:
            raise InvalidScore(_("Choose a score from 1 to 5."))
        score = Score(
            contest_id=design.contest_id,
            design_id=design.id,
            voter_id=voter.id,
            value=value,
            buy=bool(buy),
            cast_at=now,
            updated_at=now,
            ip_prefix=context.ip_prefix,
            device_id=context.device_id,
        )
        db.session.add(score)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            raise AlreadyScored(_("Your score was already recorded.")) from None
        _adjust_tally(design, count=int(value is not None), total=value or 0, buys=int(bool(buy)))
        return score
    old_value, old_buy = score.value, score.buy
    new_value = old_value if value is None else value
    new_buy = old_buy if buy is None else buy
    if new_value is None and not new_buy:
        raise InvalidScore(_("Choose a score from 1 to 5."))
    score.value, score.buy, score.updated_at = new_value, new_buy, now
    score.ip_prefix, score.device_id = (
        context.ip_prefix or score.ip_prefix,
        context.device_id or score.device_id,
    )
    _adjust_tally(
        design,
        count=int(new_value is not None) - int(old_value is not None),
        total=(new_value or 0) - (old_value or 0),
        buys=int(new_buy) - int(old_buy),
    )
    return score


def remove_score(voter: User, design: Design, *, now: datetime) -> bool:
    """Take a score (and buy mark) back while voting is open; returns False if there was none."""
    if not design.contest.voting_open(now):
        raise VotingClosed(_("Voting is not open for this contest."))
    score = db.session.execute(
        sa.select(Score).filter_by(design_id=design.id, voter_id=voter.id)
    ).scalar_one_or_none()
    if score is None:
        return False
    _adjust_tally(
        design, count=-int(score.value is not None), total=-(score.value or 0), buys=-int(score.buy)
    )
    db.session.delete(score)
    return True


def my_score(voter_id: int, design_id: int) -> Score | None:
    return db.session.execute(
        sa.select(Score).filter_by(design_id=design_id, voter_id=voter_id)
    ).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class Progress:
    scored: int
    total: int
    next_design: Design | None


def next_to_score(
    voter: User, contest: Contest, *, seed: int, skipped: frozenset[int] = frozenset()
) -> Progress:
    """The next approved design (not the voter's own, not yet scored, not skipped) in the voter's shuffle."""
    from contest.designs.services import shuffle_key

    eligible = sa.and_(
        Design.contest_id == contest.id, Design.status == "approved", Design.artist_id != voter.id
    )
    total = db.session.execute(sa.select(sa.func.count(Design.id)).where(eligible)).scalar_one()
    scored = db.session.execute(
        sa.select(sa.func.count(Score.id))
        .join(Design, Design.id == Score.design_id)
        .where(eligible, Score.voter_id == voter.id, Score.value.is_not(None))
    ).scalar_one()
    already = sa.select(Score.design_id).where(Score.voter_id == voter.id, Score.value.is_not(None))
    query = (
        sa.select(Design).where(eligible, Design.id.not_in(already)).order_by(shuffle_key(seed), Design.id)
    )
    if skipped:
        query = query.where(Design.id.not_in(list(skipped)))
    return Progress(
        scored=scored, total=total, next_design=db.session.execute(query.limit(1)).scalar_one_or_none()
    )
