"""Creators' monthly statements from the ledger; closed months are cut once and kept as snapshots.

Periods are calendar months in UTC. A statement's balance is everything the platform owes the creator
(pending, cleared and held together); each sale line says whether it is still pending. Moving money
between those three (clearing, holds) does not change the balance: clearing shows as the line's status,
holds and releases as lines of zero.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from babel.numbers import format_currency
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.catalogue.types import COLOUR_LABELS
from contest.core.db import insert_ignore
from contest.core.i18n import percent, product_label
from contest.core.money import Money
from contest.extensions import db
from contest.orders.models import OrderLine
from contest.royalties import ledger
from contest.royalties.models import LedgerAccount, LedgerPosting, LedgerTransaction, StatementSnapshot
from contest.royalties.statement_types import Statement, StatementLine

# What a statement lists: everything that moves the creator's balance, and holds (clearing shows as status).
SHOWN_KINDS = (
    "sale",
    "refund",
    "hold",
    "release",
    "dispute_lost",
    "prize",
    "prize_reversal",
    "payout",
    "payout_returned",
)


class BadPeriod(ValueError):
    """Not a YYYY-MM month."""


def month_bounds(period: str) -> tuple[datetime, datetime]:
    try:
        year, month = (int(part) for part in period.split("-"))
        start = datetime(year, month, 1, tzinfo=UTC)
    except (ValueError, TypeError):
        raise BadPeriod(period) from None
    if len(period) != 7:
        raise BadPeriod(period)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def period_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def previous_period(period: str) -> str:
    start, _end = month_bounds(period)
    return period_of(start - timedelta(days=1))


class _Explainer:
    """ "How your royalty is computed", for many lines: the locale and sentences are looked up once.

    (Formatting through Flask-Babel's helpers looks the locale up again for every number, which made
    explanations most of the cost of a 100,000-line statement.)"""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.locale = get_locale()
        self.sale = _(
            "%(rate)s × %(net)s = %(royalty)s, rounded half up to the cent",
            rate="%(rate)s",
            net="%(net)s",
            royalty="%(royalty)s",
        )
        self.refund = _(
            "%(part)s refunded: the same share of the royalty is reversed (%(amount)s)",
            part="%(part)s",
            amount="%(amount)s",
        )
        self.rates: dict[int, str] = {}

    def money(self, amount: int) -> str:
        return format_currency(Money(amount, self.currency).as_decimal(), self.currency, locale=self.locale)

    def __call__(self, kind: str, basis: int | None, rate_bps: int | None, amount: int) -> str:
        if basis is None or rate_bps is None or kind not in ("sale", "refund"):
            return ""
        if kind == "refund":
            return self.refund % {"part": self.money(basis), "amount": self.money(amount)}
        if rate_bps not in self.rates:
            self.rates[rate_bps] = percent(rate_bps / 10_000)
        return self.sale % {
            "rate": self.rates[rate_bps],
            "net": self.money(basis),
            "royalty": self.money(amount),
        }


def _cached(cache: dict[str, str], key: str, make: Callable[[str], str]) -> str:
    if key not in cache:
        cache[key] = make(key)
    return cache[key]


def _colour(code: str) -> str:
    return _(COLOUR_LABELS.get(code, code))


def build(creator: User, period: str, currency: str, *, now: datetime) -> Statement:
    """The statement as the ledger says now (for the current month, or to cut a closed one)."""
    start, end = month_bounds(period)
    opening = sum(ledger.creator_balances(creator.id, currency, before=start).values())
    mine = (
        sa.select(LedgerPosting.transaction_id, sa.func.sum(LedgerPosting.amount).label("amount"))
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerAccount.creator_id == creator.id, LedgerAccount.currency == currency)
        .group_by(LedgerPosting.transaction_id)
        .subquery()
    )
    cleared = sa.orm.aliased(LedgerTransaction)
    rows = db.session.execute(
        sa.select(LedgerTransaction, sa.func.coalesce(mine.c.amount, 0), OrderLine, cleared.occurred_at)
        .outerjoin(mine, mine.c.transaction_id == LedgerTransaction.id)
        .outerjoin(OrderLine, OrderLine.id == LedgerTransaction.order_line_id)
        .outerjoin(
            cleared,
            sa.and_(
                cleared.order_line_id == LedgerTransaction.order_line_id,
                cleared.kind == "clear",
                LedgerTransaction.kind == "sale",
            ),
        )
        .where(
            LedgerTransaction.creator_id == creator.id,
            LedgerTransaction.currency == currency,
            LedgerTransaction.kind.in_(SHOWN_KINDS),
            LedgerTransaction.occurred_at >= start,
            LedgerTransaction.occurred_at < end,
        )
        .order_by(LedgerTransaction.occurred_at, LedgerTransaction.id)
    ).all()
    hold_days = current_app.config["ROYALTY_HOLD_DAYS"]
    explain, labels, colours = _Explainer(currency), {}, {}
    lines = []
    for tx, posted, line, cleared_at in rows:
        amount = -int(posted)
        if tx.kind == "sale":
            status = "cleared" if cleared_at is not None and cleared_at <= now else "pending"
        elif tx.kind == "hold":
            status = "held"
        elif tx.kind in ("payout", "payout_returned"):
            status = "paid" if tx.kind == "payout" else ""
        else:
            status = ""
        lines.append(
            StatementLine(
                at=tx.occurred_at,
                kind=tx.kind,
                amount=amount,
                status=status,
                order_id=tx.order_id,
                product=f"{line.title} — {_cached(labels, line.type_code, product_label)}" if line else "",
                variant=f"{line.size} · {_cached(colours, line.colour, _colour)}" if line else "",
                quantity=line.quantity if line else None,
                retail_price=line.unit_price if line else None,
                discount=line.discount if line else None,
                base_cost=line.base_cost if line else None,
                net=tx.basis if tx.kind in ("sale", "refund") else None,
                rate_bps=tx.rate_bps,
                explanation=explain(tx.kind, tx.basis, tx.rate_bps, abs(amount)),
                clears_on=(tx.occurred_at + timedelta(days=hold_days)).date()
                if status == "pending"
                else None,
            )
        )
    totals: dict[str, int] = {}
    for item in lines:
        totals[item.kind] = totals.get(item.kind, 0) + item.amount
    return Statement(
        creator_id=creator.id,
        creator_name=creator.display_name or creator.username,
        period=period,
        currency=currency,
        opening=opening,
        closing=opening + sum(item.amount for item in lines),
        lines=tuple(lines),
        generated_at=now,
        closed=end <= now,
        totals=totals,
    )


def _to_json(statement: Statement) -> dict:  # type: ignore[type-arg]
    content = asdict(statement)
    content["lines"] = [
        {
            **item,
            "at": item["at"].isoformat(),
            "clears_on": item["clears_on"].isoformat() if item["clears_on"] else None,
        }
        for item in content["lines"]
    ]
    content["generated_at"] = statement.generated_at.isoformat()
    content.pop("checksum")
    return content


def _from_json(content: dict, checksum: str) -> Statement:  # type: ignore[type-arg]
    lines = tuple(
        StatementLine(
            **{
                **item,
                "at": datetime.fromisoformat(item["at"]),
                "clears_on": date.fromisoformat(item["clears_on"]) if item["clears_on"] else None,
            }
        )
        for item in content["lines"]
    )
    return Statement(
        **{
            **content,
            "lines": lines,
            "generated_at": datetime.fromisoformat(content["generated_at"]),
            "checksum": checksum,
        }
    )


def checksum_of(content: dict) -> str:  # type: ignore[type-arg]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class TamperedStatement(Exception):
    """A snapshot whose content no longer matches its checksum."""


def statement(creator: User, period: str, currency: str, *, now: datetime) -> Statement:
    """A closed month's snapshot (cut now if it was not yet), or the current month's live figures."""
    start, end = month_bounds(period)
    if end > now:
        return build(creator, period, currency, now=now)
    snapshot = db.session.execute(
        sa.select(StatementSnapshot).filter_by(creator_id=creator.id, period=period, currency=currency)
    ).scalar_one_or_none()
    if snapshot is None:
        snapshot = cut(creator, period, currency, now=now)
    if checksum_of(snapshot.content) != snapshot.checksum:
        raise TamperedStatement(f"statement {snapshot.id} does not match its checksum")
    return _from_json(snapshot.content, snapshot.checksum)


def cut(creator: User, period: str, currency: str, *, now: datetime) -> StatementSnapshot:
    """Freeze a closed month's statement, once (two processes cutting at once keep the first)."""
    built = build(creator, period, currency, now=now)
    content = _to_json(built)
    insert_ignore(
        StatementSnapshot,
        creator_id=creator.id,
        period=period,
        currency=currency,
        opening=built.opening,
        closing=built.closing,
        content=content,
        checksum=checksum_of(content),
        created_at=now,
    )
    return db.session.execute(
        sa.select(StatementSnapshot).filter_by(creator_id=creator.id, period=period, currency=currency)
    ).scalar_one()


def creators_with_activity(period: str) -> list[int]:
    """Creators who have a ledger account: each gets a statement, even for a quiet month."""
    return list(
        db.session.execute(
            sa.select(LedgerAccount.creator_id).where(LedgerAccount.creator_id > 0).distinct()
        ).scalars()
    )


def cut_month(period: str, *, now: datetime, currency: str = "EUR") -> int:
    """Cut every creator's statement for a closed month; returns how many were new."""
    _start, end = month_bounds(period)
    if end > now:
        raise BadPeriod(f"{period} is not over yet")
    made = 0
    for creator_id in creators_with_activity(period):
        exists = db.session.execute(
            sa.select(StatementSnapshot.id).filter_by(creator_id=creator_id, period=period, currency=currency)
        ).first()
        if exists is None:
            cut(db.session.get(User, creator_id), period, currency, now=now)
            made += 1
    return made


def periods_for(creator_id: int, *, now: datetime) -> list[str]:
    """From the creator's first ledger month to this month, newest first."""
    first = db.session.execute(
        sa.select(sa.func.min(LedgerTransaction.occurred_at)).where(
            LedgerTransaction.creator_id == creator_id
        )
    ).scalar_one()
    if first is None:
        return [period_of(now)]
    periods, cursor = [], period_of(now)
    stop = period_of(first)
    while True:
        periods.append(cursor)
        if cursor <= stop:
            return periods
        cursor = previous_period(cursor)


CSV_FIELDS = (
    "date",
    "kind",
    "order",
    "product",
    "variant",
    "quantity",
    "retail_price",
    "discount",
    "base_cost",
    "net",
    "rate",
    "amount",
    "status",
    "clears_on",
    "explanation",
)


def as_csv(statement: Statement) -> str:
    """Amounts in major units with a dot (for spreadsheets), and the currency in its own column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["period", statement.period, "currency", statement.currency])
    writer.writerow(["opening_balance", _major(statement.opening)])
    writer.writerow(CSV_FIELDS)
    for item in statement.lines:
        writer.writerow(
            [
                item.at.date().isoformat(),
                item.kind,
                item.order_id or "",
                item.product,
                item.variant,
                "" if item.quantity is None else item.quantity,
                _major(item.retail_price),
                _major(item.discount),
                _major(item.base_cost),
                _major(item.net),
                "" if item.rate_bps is None else f"{item.rate_bps / 100:g}%",
                _major(item.amount),
                item.status,
                item.clears_on.isoformat() if item.clears_on else "",
                item.explanation,
            ]
        )
    writer.writerow(["closing_balance", _major(statement.closing)])
    return buffer.getvalue()


def _major(amount: int | None) -> str:
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"
