"""A creator's earnings at a glance: balances, this month, payouts, and where the money came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from contest.extensions import db
from contest.orders.models import OrderLine
from contest.royalties import ledger
from contest.royalties.models import LedgerAccount, LedgerPosting, LedgerTransaction, Payout
from contest.royalties.statements import month_bounds, period_of, previous_period

EARNING_KINDS = ("sale", "refund", "dispute_lost")


@dataclass(frozen=True, slots=True)
class Earnings:
    currency: str
    pending: int
    cleared: int
    held: int
    this_month: int
    paid: int
    by_design: list[tuple[str, int]]
    by_product: list[tuple[str, int]]
    monthly: list[tuple[str, int]]  # (YYYY-MM, royalties net of reversals), oldest first


def _creator_amount() -> sa.ColumnElement[int]:
    return -sa.func.coalesce(sa.func.sum(LedgerPosting.amount), 0)


def _creator_postings(creator_id: int, currency: str) -> sa.Select:  # type: ignore[type-arg]
    return (
        sa.select()
        .select_from(LedgerPosting)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(
            LedgerAccount.creator_id == creator_id,
            LedgerAccount.currency == currency,
            LedgerTransaction.kind.in_(EARNING_KINDS),
        )
    )


def earnings(creator_id: int, *, now: datetime, currency: str = "EUR", months: int = 12) -> Earnings:
    balances = ledger.creator_balances(creator_id, currency)
    start, _end = month_bounds(period_of(now))
    base = _creator_postings(creator_id, currency)
    this_month = db.session.execute(
        base.add_columns(_creator_amount()).where(LedgerTransaction.occurred_at >= start)
    ).scalar_one()
    paid = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Payout.amount), 0)).where(
            Payout.creator_id == creator_id, Payout.currency == currency, Payout.status == "paid"
        )
    ).scalar_one()
    joined = base.join(OrderLine, OrderLine.id == LedgerTransaction.order_line_id)
    by_design = [
        (title, int(amount))
        for title, amount in db.session.execute(
            joined.add_columns(OrderLine.title, _creator_amount())
            .group_by(OrderLine.design_id, OrderLine.title)
            .order_by(_creator_amount().desc())
            .limit(20)
        ).all()
    ]
    by_product = [
        (code, int(amount))
        for code, amount in db.session.execute(
            joined.add_columns(OrderLine.type_code, _creator_amount())
            .group_by(OrderLine.type_code)
            .order_by(_creator_amount().desc())
        ).all()
    ]
    periods = [period_of(now)]
    while len(periods) < months:
        periods.append(previous_period(periods[-1]))
    periods.reverse()
    first, _ = month_bounds(periods[0])
    per_month: dict[str, int] = dict.fromkeys(periods, 0)
    for occurred_at, amount in db.session.execute(
        base.add_columns(LedgerTransaction.occurred_at, -LedgerPosting.amount).where(
            LedgerTransaction.occurred_at >= first
        )
    ).all():
        key = period_of(occurred_at)
        if key in per_month:
            per_month[key] += int(amount)
    return Earnings(
        currency=currency,
        pending=balances["creator_pending"],
        cleared=balances["creator_cleared"],
        held=balances["creator_held"],
        this_month=int(this_month),
        paid=int(paid),
        by_design=by_design,
        by_product=by_product,
        monthly=list(per_month.items()),
    )
