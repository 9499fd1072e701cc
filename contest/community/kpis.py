"""Co-creation KPIs per contest, computed in a few grouped queries (no per-contest loops in SQL).

Definitions, shown on the dashboard too:
- entrants: members who submitted at least one design (any status but processing/failed);
  voters: members who gave at least one score.
- designs: submissions (processing and failed uploads excluded); approval rate: approved ÷ moderated
  (approved + rejected + taken down).
- conversion: submitted → winner (published winners ÷ designs) → sold (winners with at least one piece
  sold ÷ winners).
- sales: pieces and revenue (line totals of paid orders, refunds not deducted); royalties: what creators
  earned from those lines in the ledger, net of reversals.
- NPS: % of 9–10 minus % of 0–6 among survey answers.
- loyalty: share of this contest's entrants (voters) who entered (scored in) the next contest, in
  submission-opening order; repeat purchase: share of buyers with two paid orders or more.
- representativeness: share of voters whose account was under NEW_ACCOUNT_DAYS old when voting closed,
  share of voters who have bought something, share who have entered a design; share of scores excluded
  by the integrity checks.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta

import sqlalchemy as sa

from contest.accounts.models import User
from contest.catalogue.models import ContestWinner, Product
from contest.community.models import ContestVoter, SurveyResponse
from contest.contests.models import Contest
from contest.designs.models import Design
from contest.extensions import db
from contest.orders.models import Order, OrderLine
from contest.royalties.models import LedgerAccount, LedgerPosting, LedgerTransaction
from contest.voting.models import ContestResult, DesignTally, Score, ScoreExclusion

NEW_ACCOUNT_DAYS = 90
SOLD = ("paid", "in_production", "shipped", "delivered", "partially_refunded", "refunded")
SUBMITTED = ("pending", "approved", "rejected", "withdrawn", "taken_down")
MODERATED = ("approved", "rejected", "taken_down")


@dataclass
class ContestKpis:
    contest_id: int
    title: str
    slug: str
    voting_close_at: datetime
    entrants: int = 0
    voters: int = 0
    designs: int = 0
    approved: int = 0
    moderated: int = 0
    winners: int = 0
    sold_winners: int = 0
    pieces_sold: int = 0
    revenue: int = 0
    royalties: int = 0
    responses: int = 0
    promoters: int = 0
    detractors: int = 0
    returning_entrants: int = 0
    returning_voters: int = 0
    has_next: bool = False
    new_voters: int = 0
    buyer_voters: int = 0
    artist_voters: int = 0
    scores: int = 0
    excluded_scores: int = 0

    @property
    def approval_rate(self) -> float | None:
        return _share(self.approved, self.moderated)

    @property
    def winner_rate(self) -> float | None:
        return _share(self.winners, self.designs)

    @property
    def sold_rate(self) -> float | None:
        return _share(self.sold_winners, self.winners)

    @property
    def nps(self) -> float | None:
        if not self.responses:
            return None
        return round(100 * (self.promoters - self.detractors) / self.responses, 1)

    @property
    def entrant_return(self) -> float | None:
        return _share(self.returning_entrants, self.entrants) if self.has_next else None

    @property
    def voter_return(self) -> float | None:
        return _share(self.returning_voters, self.voters) if self.has_next else None

    @property
    def new_voter_share(self) -> float | None:
        return _share(self.new_voters, self.voters)

    @property
    def buyer_voter_share(self) -> float | None:
        return _share(self.buyer_voters, self.voters)

    @property
    def artist_voter_share(self) -> float | None:
        return _share(self.artist_voters, self.voters)

    @property
    def excluded_share(self) -> float | None:
        return _share(self.excluded_scores, self.scores)


def _share(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


def _fill(rows: dict[int, ContestKpis], query: sa.Select, *names: str) -> None:  # type: ignore[type-arg]
    for contest_id, *values in db.session.execute(query).all():
        if contest_id in rows:
            for name, value in zip(names, values, strict=True):
                setattr(rows[contest_id], name, int(value or 0))


def contest_kpis(*, now: datetime) -> list[ContestKpis]:
    """Every non-draft contest whose submissions have opened, oldest first."""
    contests = db.session.execute(
        sa.select(Contest.id, Contest.title, Contest.slug, Contest.voting_close_at)
        .where(Contest.state != "draft", Contest.submissions_open_at <= now)
        .order_by(Contest.submissions_open_at, Contest.id)
    ).all()
    rows = {c.id: ContestKpis(c.id, c.title, c.slug, c.voting_close_at) for c in contests}
    order = [c.id for c in contests]
    for current in order[:-1]:
        rows[current].has_next = True

    approved = sa.func.sum(sa.case((Design.status == "approved", 1), else_=0))
    moderated = sa.func.sum(sa.case((Design.status.in_(MODERATED), 1), else_=0))
    _fill(
        rows,
        sa.select(
            Design.contest_id,
            sa.func.count(sa.distinct(Design.artist_id)),
            sa.func.count(),
            approved,
            moderated,
        )
        .where(Design.status.in_(SUBMITTED))
        .group_by(Design.contest_id),
        "entrants",
        "designs",
        "approved",
        "moderated",
    )
    scored = Score.value.is_not(None)
    pairs = _voter_pairs()
    _fill(rows, sa.select(pairs.c.contest_id, sa.func.count()).group_by(pairs.c.contest_id), "voters")
    _fill(
        rows,
        sa.select(DesignTally.contest_id, sa.func.sum(DesignTally.score_count)).group_by(
            DesignTally.contest_id
        ),
        "scores",
    )
    _fill(
        rows,
        sa.select(Score.contest_id, sa.func.count(sa.distinct(ScoreExclusion.score_id)))
        .join(ScoreExclusion, ScoreExclusion.score_id == Score.id)
        .where(scored, ScoreExclusion.reinstated_at.is_(None))
        .group_by(Score.contest_id),
        "excluded_scores",
    )
    paid_lines = (
        sa.select(OrderLine.design_id, OrderLine.quantity, OrderLine.line_total, OrderLine.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.in_(SOLD))
        .subquery()
    )
    sold_designs = sa.select(paid_lines.c.design_id).distinct()
    _fill(
        rows,
        sa.select(
            ContestWinner.contest_id,
            sa.func.count(),
            sa.func.sum(sa.case((ContestWinner.design_id.in_(sold_designs), 1), else_=0)),
        )
        .where(ContestWinner.status == "published")
        .group_by(ContestWinner.contest_id),
        "winners",
        "sold_winners",
    )
    _fill(
        rows,
        sa.select(Design.contest_id, sa.func.sum(paid_lines.c.quantity), sa.func.sum(paid_lines.c.line_total))
        .join(paid_lines, paid_lines.c.design_id == Design.id)
        .group_by(Design.contest_id),
        "pieces_sold",
        "revenue",
    )
    _fill(
        rows,
        sa.select(Product.contest_id, -sa.func.sum(LedgerPosting.amount))
        .select_from(LedgerPosting)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .join(OrderLine, OrderLine.id == LedgerTransaction.order_line_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(LedgerAccount.creator_id > 0, LedgerTransaction.kind.in_(("sale", "refund", "dispute_lost")))
        .group_by(Product.contest_id),
        "royalties",
    )
    _fill(
        rows,
        sa.select(
            SurveyResponse.contest_id,
            sa.func.count(),
            sa.func.sum(sa.case((SurveyResponse.score >= 9, 1), else_=0)),
            sa.func.sum(sa.case((SurveyResponse.score <= 6, 1), else_=0)),
        ).group_by(SurveyResponse.contest_id),
        "responses",
        "promoters",
        "detractors",
    )
    _loyalty(rows, pairs)
    _representativeness(rows, pairs)
    return [rows[contest_id] for contest_id in order]


def _voter_pairs() -> sa.Subquery:
    """(contest, voter) once each: frozen for contests with results, found among the scores for the others.

    Finding distinct voters among a million scores took most of the dashboard's time."""
    published = sa.select(ContestResult.contest_id).distinct()
    live_ids = list(
        db.session.execute(
            sa.select(Contest.id).where(Contest.state != "draft", Contest.id.not_in(published))
        ).scalars()
    )
    frozen = sa.select(ContestVoter.contest_id, ContestVoter.voter_id.label("member_id"))
    if not live_ids:
        return frozen.subquery("voter_pairs")
    live = (
        sa.select(Score.contest_id, Score.voter_id.label("member_id"))
        .where(Score.value.is_not(None), Score.contest_id.in_(live_ids))
        .distinct()
    )
    return sa.union_all(frozen, live).subquery("voter_pairs")


def _loyalty(rows: dict[int, ContestKpis], voters: sa.Subquery) -> None:
    """Entrants (voters) of a contest who also took part in the next one, by a window over contests."""
    following = (
        sa.select(
            Contest.id.label("contest_id"),
            sa.func.lead(Contest.id)
            .over(order_by=(Contest.submissions_open_at, Contest.id))
            .label("next_id"),
        )
        .where(Contest.state != "draft")
        .subquery()
    )
    entrants = (
        sa.select(Design.contest_id, Design.artist_id.label("member_id"))
        .where(Design.status.in_(SUBMITTED))
        .distinct()
        .subquery()
    )
    for pairs, name in ((entrants, "returning_entrants"), (voters, "returning_voters")):
        later = pairs.alias()
        _fill(
            rows,
            sa.select(pairs.c.contest_id, sa.func.count())
            .join(following, following.c.contest_id == pairs.c.contest_id)
            .join(
                later,
                sa.and_(later.c.contest_id == following.c.next_id, later.c.member_id == pairs.c.member_id),
            )
            .group_by(pairs.c.contest_id),
            name,
        )


def _representativeness(rows: dict[int, ContestKpis], voters: sa.Subquery) -> None:
    # An account is new if it was under NEW_ACCOUNT_DAYS old when the contest's voting closed; the
    # cut-off per contest is computed here and handed to SQL (date arithmetic differs between databases).
    cutoffs = {
        contest_id: sa.literal(
            row.voting_close_at - timedelta(days=NEW_ACCOUNT_DAYS), type_=User.created_at.type
        )
        for contest_id, row in rows.items()
    }
    if not cutoffs:
        return
    cutoff = sa.case(cutoffs, value=voters.c.contest_id)
    new = sa.func.sum(sa.case((User.created_at > cutoff, 1), else_=0))
    buyers = sa.select(Order.user_id).where(Order.status.in_(SOLD), Order.user_id.is_not(None))
    artists = sa.select(Design.artist_id).where(Design.status.in_(SUBMITTED))
    _fill(
        rows,
        sa.select(
            voters.c.contest_id,
            new,
            sa.func.sum(sa.case((voters.c.member_id.in_(buyers), 1), else_=0)),
            sa.func.sum(sa.case((voters.c.member_id.in_(artists), 1), else_=0)),
        )
        .join(User, User.id == voters.c.member_id)
        .group_by(voters.c.contest_id),
        "new_voters",
        "buyer_voters",
        "artist_voters",
    )


def repeat_purchase_rate() -> tuple[int, int]:
    """(buyers with two paid orders or more, buyers); a buyer is an account, or an email for guests."""
    buyer = sa.func.coalesce(sa.cast(Order.user_id, sa.String), Order.email)
    counts = (
        sa.select(buyer.label("buyer"), sa.func.count().label("orders"))
        .where(Order.status.in_(SOLD))
        .group_by(buyer)
        .subquery()
    )
    repeat, total = db.session.execute(
        sa.select(sa.func.sum(sa.case((counts.c.orders >= 2, 1), else_=0)), sa.func.count()).select_from(
            counts
        )
    ).one()
    return int(repeat or 0), int(total)


CSV_FIELDS = [f.name for f in fields(ContestKpis)] + [
    "approval_rate",
    "winner_rate",
    "sold_rate",
    "nps",
    "entrant_return",
    "voter_return",
    "new_voter_share",
    "buyer_voter_share",
    "artist_voter_share",
    "excluded_share",
]


def as_csv(rows: list[ContestKpis]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for row in rows:
        values = asdict(row)
        values["voting_close_at"] = row.voting_close_at.isoformat()
        for name in CSV_FIELDS[len(fields(ContestKpis)) :]:
            value = getattr(row, name)
            values[name] = "" if value is None else (f"{value:.4f}" if isinstance(value, float) else value)
        writer.writerow(values)
    return buffer.getvalue()
