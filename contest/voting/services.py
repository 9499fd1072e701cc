"""Scoring use cases: cast, change or remove a score, and find the next design to score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.contests.models import Contest
from contest.core.db import DriverStatement, upsert_insert
from contest.core.errors import DomainError, NotFound, PermissionDenied
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


def explain_refusal(voter_id: int, design_id: int, *, now: datetime) -> DomainError:
    """Why record_score wrote nothing, in the member's words (only computed on that rare path)."""
    voter = db.session.get(User, voter_id)
    design = db.session.get(Design, design_id)
    if voter is None or not voter.active:
        return PermissionDenied(_("Please log in again."))
    if design is None:
        return NotFound(_("This design is not in the gallery."))
    try:
        _check(voter, design, now)
    except DomainError as error:
        return error
    return VotingClosed(_("Voting is not open for this contest."))


def _upsert_statement(dialect: str) -> sa.Insert:
    scores, designs = Score.__table__, Design.__table__
    contests, users = Contest.__table__, User.__table__
    now = sa.bindparam("now", None, type_=scores.c.cast_at.type)
    voter_id = sa.bindparam("voter_id", None, type_=sa.Integer)
    value = sa.bindparam("value", None, type_=sa.Integer)
    buy = sa.bindparam("buy", None, type_=sa.Boolean)
    source = (
        sa.select(
            designs.c.contest_id,
            designs.c.id,
            users.c.id,
            value,
            sa.func.coalesce(buy, sa.false()),
            now,
            now,
            sa.bindparam("ip_prefix", None, type_=sa.String),
            sa.bindparam("device_id", None, type_=sa.String),
        )
        .select_from(designs.join(contests, contests.c.id == designs.c.contest_id))
        .join(users, users.c.id == voter_id)
        .where(
            designs.c.id == sa.bindparam("design_id", None, type_=sa.Integer),
            designs.c.status == "approved",
            designs.c.artist_id != voter_id,
            *(contests.c.state != state for state in ("draft", "cancelled", "results")),
            contests.c.submissions_open_at <= now,
            contests.c.submissions_close_at <= now,
            contests.c.voting_close_at > now,
            users.c.active.is_(True),
            sa.or_(
                sa.bindparam("require_verified", None, type_=sa.Boolean).is_(False),
                users.c.email_verified_at.is_not(None),
            ),
            users.c.created_at <= sa.bindparam("joined_before", None, type_=users.c.created_at.type),
        )
    )
    insert = upsert_insert(scores, dialect)
    insert = insert.from_select(
        [
            "contest_id",
            "design_id",
            "voter_id",
            "value",
            "buy",
            "cast_at",
            "updated_at",
            "ip_prefix",
            "device_id",
        ],
        source,
    )
    excluded = insert.excluded
    return insert.on_conflict_do_update(
        index_elements=["design_id", "voter_id"],
        set_={
            "value": sa.func.coalesce(excluded.value, scores.c.value),
            "buy": sa.func.coalesce(buy, scores.c.buy),
            "updated_at": excluded.updated_at,
            "ip_prefix": sa.func.coalesce(sa.func.nullif(excluded.ip_prefix, ""), scores.c.ip_prefix),
            "device_id": sa.func.coalesce(sa.func.nullif(excluded.device_id, ""), scores.c.device_id),
        },
    ).returning(scores.c.value, scores.c.buy)


_UPSERT = DriverStatement(_upsert_statement)


def record_score(
    voter_id: int,
    design_id: int,
    *,
    value: int | None,
    buy: bool | None,
    now: datetime,
    context: Context = Context(),
) -> tuple[int | None, bool] | None:
    """Create or change a score in one statement that also checks every rule; None when a rule says no.

    The busiest request of a contest: the voter's eligibility, the design's status, self-scoring and the
    voting window are conditions of the same INSERT ... ON CONFLICT that writes the score, so the happy path
    is one round trip, and a double click or a replay simply updates the same row. Per-design totals follow
    through database triggers. ``value`` None keeps the current score; ``buy`` None keeps the buy mark.
    At least one of a value or a buy mark must be given (cast_score handles taking the mark back).
    """
    if value is None and not buy:
        raise InvalidScore(_("Choose a score from 1 to 5."))
    config = current_app.config
    row = _UPSERT.first(
        db.session,
        {
            "voter_id": voter_id,
            "design_id": design_id,
            "value": value,
            "buy": buy,
            "now": now,
            "ip_prefix": context.ip_prefix,
            "device_id": context.device_id,
            "require_verified": bool(config.get("SCORE_REQUIRE_VERIFIED", True)),
            "joined_before": now - timedelta(hours=int(config.get("SCORE_MIN_ACCOUNT_AGE_HOURS", 0))),
        },
    )
    return None if row is None else (row[0], bool(row[1]))


def cast_score(
    voter: User,
    design: Design,
    *,
    value: int | None,
    buy: bool | None,
    now: datetime,
    context: Context = Context(),
) -> tuple[int | None, bool]:
    """Set the member's score and/or buy mark for a design (changeable until voting closes).

    ``None`` leaves that part unchanged. Returns the stored (value, buy). Raises SelfScoring, VotingClosed,
    NotEligible, NotFound and InvalidScore with the reason.
    """
    if value is not None and (isinstance(value, bool) or value not in (1, 2, 3, 4, 5)):
        raise InvalidScore(_("A score is a whole number from 1 to 5."))
    if value is None and not buy:
        # Taking the buy mark back keeps the score, so there must be one.
        _check(voter, design, now)
        score = my_score(voter.id, design.id)
        if score is None or score.value is None:
            raise InvalidScore(_("Choose a score from 1 to 5."))
        if buy is not None:
            score.buy, score.updated_at = False, now
        return score.value, score.buy
    stored = record_score(voter.id, design.id, value=value, buy=buy, now=now, context=context)
    if stored is None:
        raise explain_refusal(voter.id, design.id, now=now)
    return stored


def remove_score(voter: User, design: Design, *, now: datetime) -> bool:
    """Take a score (and buy mark) back while voting is open; returns False if there was none."""
    if not design.contest.voting_open(now):
        raise VotingClosed(_("Voting is not open for this contest."))
    deleted = db.session.execute(sa.delete(Score).filter_by(design_id=design.id, voter_id=voter.id))
    return bool(deleted.rowcount)


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


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    design_id: int
    title: str
    artist: str
    score_count: int
    mean: float
    buy_count: int


def live_leaderboard(contest_id: int, *, limit: int = 20) -> list[LeaderboardRow]:
    """Staff's running view while voting: raw means from the maintained totals (one indexed read, no
    scan of scores). Not the published method: no member normalisation, no shrinkage, no exclusions.

    The top rows are picked from the totals alone and only then joined to their designs; a few spare
    rows cover designs taken down meanwhile, which are dropped."""
    mean = (sa.cast(DesignTally.score_sum, sa.Float) / DesignTally.score_count).label("mean")
    top = (
        sa.select(DesignTally.design_id, DesignTally.score_count, mean, DesignTally.buy_count)
        .where(DesignTally.contest_id == contest_id, DesignTally.score_count > 0)
        .order_by(mean.desc(), DesignTally.score_count.desc(), DesignTally.design_id)
        .limit(limit + 10)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            top.c.design_id, Design.title, User.username, top.c.score_count, top.c.mean, top.c.buy_count
        )
        .join(Design, Design.id == top.c.design_id)
        .join(User, User.id == Design.artist_id)
        .where(Design.status == "approved")
        .order_by(top.c.mean.desc(), top.c.score_count.desc(), top.c.design_id)
    ).all()
    return [LeaderboardRow(*row) for row in rows[:limit]]
