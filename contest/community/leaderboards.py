"""Season leaderboards: top artists by wins and by pieces sold, top scorers by scores given.

A season is a calendar year (UTC). Artists are ranked by counts only, never by revenue: what others
earn is theirs to see, not ours to publish.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from contest.accounts.models import User
from contest.catalogue.models import ContestWinner
from contest.contests.models import Contest
from contest.designs.models import Design
from contest.extensions import db
from contest.orders.models import Order, OrderLine
from contest.voting.models import Score

SOLD = ("paid", "in_production", "shipped", "delivered", "partially_refunded")
TOP = 20


@dataclass(frozen=True, slots=True)
class ArtistRow:
    user: User
    wins: int
    sold: int


@dataclass(frozen=True, slots=True)
class ScorerRow:
    user: User
    scores: int
    contests: int


def season_bounds(season: int) -> tuple[datetime, datetime]:
    return datetime(season, 1, 1, tzinfo=UTC), datetime(season + 1, 1, 1, tzinfo=UTC)


def seasons(*, now: datetime) -> list[int]:
    """From the first contest's year to this one, newest first."""
    first = db.session.execute(sa.select(sa.func.min(Contest.voting_close_at))).scalar_one()
    start = first.year if first is not None else now.year
    return list(range(now.year, min(start, now.year) - 1, -1))


def top_artists(season: int, limit: int = TOP) -> list[ArtistRow]:
    start, end = season_bounds(season)
    wins = (
        sa.select(Design.artist_id.label("artist_id"), sa.func.count(ContestWinner.id).label("wins"))
        .join(ContestWinner, ContestWinner.design_id == Design.id)
        .where(
            ContestWinner.status == "published",
            ContestWinner.published_at >= start,
            ContestWinner.published_at < end,
        )
        .group_by(Design.artist_id)
        .subquery()
    )
    sold = (
        sa.select(OrderLine.artist_id.label("artist_id"), sa.func.sum(OrderLine.quantity).label("sold"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.in_(SOLD), Order.paid_at >= start, Order.paid_at < end)
        .group_by(OrderLine.artist_id)
        .subquery()
    )
    artists = sa.union(sa.select(wins.c.artist_id), sa.select(sold.c.artist_id)).subquery()
    win_count = sa.func.coalesce(wins.c.wins, 0)
    sold_count = sa.func.coalesce(sold.c.sold, 0)
    rows = db.session.execute(
        sa.select(User, win_count, sold_count)
        .join(artists, artists.c.artist_id == User.id)
        .outerjoin(wins, wins.c.artist_id == User.id)
        .outerjoin(sold, sold.c.artist_id == User.id)
        .where(User.active.is_(True))
        .order_by(win_count.desc(), sold_count.desc(), User.username_key)
        .limit(limit)
    ).all()
    return [ArtistRow(user, int(w), int(s)) for user, w, s in rows]


def top_scorers(season: int, limit: int = TOP) -> list[ScorerRow]:
    start, end = season_bounds(season)
    count = sa.func.count(Score.id)
    rows = db.session.execute(
        sa.select(User, count, sa.func.count(sa.distinct(Score.contest_id)))
        .join(Score, Score.voter_id == User.id)
        .where(Score.value.is_not(None), Score.cast_at >= start, Score.cast_at < end, User.active.is_(True))
        .group_by(User.id)
        .order_by(count.desc(), User.username_key)
        .limit(limit)
    ).all()
    return [ScorerRow(user, int(n), int(c)) for user, n, c in rows]
