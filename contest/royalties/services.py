"""Royalties from what happens to orders and prizes, booked in the ledger once each.

The rule, published on every statement line: a line's royalty is its net revenue (price × quantity minus
discount; shipping and tax excluded) times the contest's royalty rate, rounded half up to the minor unit
(half a cent goes to the creator). A refund reverses the same share of the royalty as the share of the
line refunded, computed on the running total so that rounding never drifts: a line refunded in full
reverses exactly its royalty.

Sales start "pending" and clear after the holding period (returns are possible); only cleared money is
paid out. A dispute moves the line's royalty to "held"; won, it comes back; lost, it is reversed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from contest.catalogue.models import Prize
from contest.extensions import db
from contest.orders.models import Order, OrderLine
from contest.payments.models import Refund
from contest.royalties import ledger
from contest.royalties.models import LedgerAccount, LedgerPosting, LedgerTransaction


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest integer, halves up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def royalty(net: int, rate_bps: int) -> int:
    return round_half_up(net * rate_bps, 10_000)


def _line_bucket(line_id: int) -> str:
    """Where the line's royalty sits now: held (disputed), cleared, or still pending."""
    keys = set(
        db.session.execute(
            sa.select(LedgerTransaction.kind).where(
                LedgerTransaction.order_line_id == line_id,
                LedgerTransaction.kind.in_(("hold", "release", "clear")),
            )
        ).scalars()
    )
    if "hold" in keys and "release" not in keys:
        return "creator_held"
    return "creator_cleared" if "clear" in keys else "creator_pending"


def _owed(line_ids: list[int], kinds: tuple[str, ...]) -> dict[int, int]:
    """Per order line, what its creator is still owed in these account kinds (one grouped query)."""
    owed: dict[int, int] = dict.fromkeys(line_ids, 0)
    for start in range(0, len(line_ids), 500):
        for line_id, total in db.session.execute(
            sa.select(LedgerTransaction.order_line_id, sa.func.sum(LedgerPosting.amount))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
            .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
            .where(
                LedgerTransaction.order_line_id.in_(line_ids[start : start + 500]),
                LedgerAccount.kind.in_(kinds),
            )
            .group_by(LedgerTransaction.order_line_id)
        ).all():
            owed[line_id] = -int(total)
    return owed


def _owed_for_line(line_id: int) -> int:
    """The line's royalty still owed to its creator (accrued minus reversed), whatever the bucket."""
    return _owed([line_id], ledger.CREATOR_KINDS)[line_id]


def accrue_order(order: Order, *, now: datetime) -> None:
    """A confirmed payment: each line's royalty, pending, and the platform's share as revenue."""
    for line in order.lines:
        earned = royalty(line.net, line.royalty_bps) if line.artist_id else 0
        ledger.post(
            f"sale:line:{line.id}",
            "sale",
            currency=order.currency,
            at=now,
            creator_id=line.artist_id,
            order_id=order.id,
            order_line_id=line.id,
            basis=line.net,
            rate_bps=line.royalty_bps,
            entries=[
                ("clearing", None, line.net),
                ("revenue", None, -(line.net - earned)),
                ("creator_pending", line.artist_id, -earned),
            ],
        )


def refunded_share(order: Order, refunds: list[Refund], line: OrderLine) -> tuple[int, int]:
    """The part of the line refunded by these refunds, as (numerator, denominator) of its total."""
    # A line refund names its amount; a refund of the order as a whole takes the same share of every line.
    numerator, denominator = 0, line.line_total * order.total
    for refund in refunds:
        if refund.allocation:
            numerator += int(refund.allocation.get(str(line.id), 0)) * order.total
        else:
            numerator += refund.amount * line.line_total
    return min(numerator, denominator), denominator


def reverse_refunds(order: Order, *, now: datetime) -> None:
    """Reverse royalties for every confirmed refund of the order not yet reversed (safe to repeat)."""
    confirmed = list(
        db.session.execute(
            sa.select(Refund)
            .where(Refund.order_id == order.id, Refund.status == "confirmed")
            .order_by(Refund.id)
        ).scalars()
    )
    for index, refund in enumerate(confirmed):
        if ledger.recorded(f"refund:{refund.id}"):
            continue
        upto = confirmed[: index + 1]
        for line in order.lines:
            if not ledger.recorded(f"sale:line:{line.id}"):
                continue  # never accrued (paid after a cancellation): nothing to reverse
            numerator, denominator = refunded_share(order, upto, line)
            before_n, before_d = refunded_share(order, confirmed[:index], line)
            net_now = round_half_up(line.net * numerator, denominator)
            net_before = round_half_up(line.net * before_n, before_d)
            earned = royalty(line.net, line.royalty_bps) if line.artist_id else 0
            royalty_now = round_half_up(earned * numerator, denominator)
            royalty_before = round_half_up(earned * before_n, before_d)
            net_part, royalty_part = net_now - net_before, royalty_now - royalty_before
            if not net_part and not royalty_part:
                continue
            ledger.post(
                f"refund:{refund.id}:line:{line.id}",
                "refund",
                currency=order.currency,
                at=now,
                creator_id=line.artist_id,
                order_id=order.id,
                order_line_id=line.id,
                refund_id=refund.id,
                basis=net_part,
                rate_bps=line.royalty_bps,
                entries=[
                    (_line_bucket(line.id), line.artist_id, royalty_part),
                    ("revenue", None, net_part - royalty_part),
                    ("clearing", None, -net_part),
                ],
            )
        # Marks the refund as reversed (also when no line had anything left to reverse).
        ledger.post(f"refund:{refund.id}", "refund", currency=order.currency, at=now, entries=[])


def hold_dispute(order: Order, *, now: datetime, dispute_id: str) -> None:
    """A chargeback: the order's royalties are held until the dispute closes."""
    for line in order.lines:
        owed, bucket = _owed_for_line(line.id), _line_bucket(line.id)
        if not line.artist_id or bucket == "creator_held":
            continue
        ledger.post(
            f"hold:line:{line.id}",
            "hold",
            currency=order.currency,
            at=now,
            creator_id=line.artist_id,
            order_id=order.id,
            order_line_id=line.id,
            memo=dispute_id,
            entries=[(bucket, line.artist_id, owed), ("creator_held", line.artist_id, -owed)],
        )


def close_dispute(order: Order, *, won: bool, now: datetime, dispute_id: str) -> None:
    """Won: the held royalties come back. Lost: the money went back to the buyer, so they are reversed."""
    for line in order.lines:
        if not line.artist_id or _line_bucket(line.id) != "creator_held":
            continue
        owed = _owed_for_line(line.id)
        if won:
            cleared = db.session.execute(
                sa.select(LedgerTransaction.id).filter_by(order_line_id=line.id, kind="clear")
            ).first()
            back = "creator_cleared" if cleared else "creator_pending"
            entries: list[ledger.Entry] = [
                ("creator_held", line.artist_id, owed),
                (back, line.artist_id, -owed),
            ]
            key, kind = f"release:line:{line.id}", "release"
        else:
            net_left = line.net - _refunded_net(line.id)
            entries = [
                ("creator_held", line.artist_id, owed),
                ("revenue", None, net_left - owed),
                ("clearing", None, -net_left),
            ]
            key, kind = f"dispute_lost:line:{line.id}", "dispute_lost"
        ledger.post(
            key,
            kind,
            currency=order.currency,
            at=now,
            creator_id=line.artist_id,
            order_id=order.id,
            order_line_id=line.id,
            memo=dispute_id,
            basis=line.net,
            rate_bps=line.royalty_bps,
            entries=entries,
        )


def _refunded_net(line_id: int) -> int:
    return int(
        db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerTransaction.basis), 0)).where(
                LedgerTransaction.order_line_id == line_id, LedgerTransaction.kind == "refund"
            )
        ).scalar_one()
    )


def clear_due(*, now: datetime, hold_days: int | None = None) -> int:
    """Move sales older than the holding period from pending to cleared; returns how many lines cleared.

    Safe to run twice at once: each line's clearing is recorded once, under its own key."""
    days = current_app.config["ROYALTY_HOLD_DAYS"] if hold_days is None else hold_days
    cleared = sa.orm.aliased(LedgerTransaction)
    due = db.session.execute(
        sa.select(LedgerTransaction.order_line_id, LedgerTransaction.creator_id, LedgerTransaction.currency)
        .where(
            LedgerTransaction.kind == "sale",
            LedgerTransaction.creator_id.is_not(None),
            LedgerTransaction.occurred_at <= now - timedelta(days=days),
            ~sa.exists().where(
                cleared.order_line_id == LedgerTransaction.order_line_id, cleared.kind == "clear"
            ),
        )
        .order_by(LedgerTransaction.id)
    ).all()
    pending_of = _owed([line_id for line_id, _creator, _currency in due], ("creator_pending",))
    for line_id, creator_id, currency in due:
        pending = pending_of[line_id]
        ledger.post(
            f"clear:line:{line_id}",
            "clear",
            currency=currency,
            at=now,
            creator_id=creator_id,
            order_line_id=line_id,
            entries=[("creator_pending", creator_id, pending), ("creator_cleared", creator_id, -pending)],
        )
    return len(due)


def book_prize(prize: Prize, *, now: datetime) -> None:
    """A winner's prize, cleared at once (nothing can be returned)."""
    if ledger.post(
        f"prize:{prize.id}",
        "prize",
        currency=prize.currency,
        at=now,
        creator_id=prize.artist_id,
        prize_id=prize.id,
        entries=[("prizes", None, prize.amount), ("creator_cleared", prize.artist_id, -prize.amount)],
    ):
        db.session.execute(sa.update(Prize).where(Prize.id == prize.id).values(booked_at=now))


def revoke_prize(prize: Prize, *, now: datetime) -> None:
    """A vetoed win: a booked prize is reversed by a new transaction, never erased."""
    db.session.execute(
        sa.update(Prize).where(Prize.id == prize.id, Prize.revoked_at.is_(None)).values(revoked_at=now)
    )
    if ledger.recorded(f"prize:{prize.id}"):
        ledger.post(
            f"prize_reversal:{prize.id}",
            "prize_reversal",
            currency=prize.currency,
            at=now,
            creator_id=prize.artist_id,
            prize_id=prize.id,
            entries=[("creator_cleared", prize.artist_id, prize.amount), ("prizes", None, -prize.amount)],
        )
