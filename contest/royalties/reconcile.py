"""Reconciliation: the ledger against itself, against orders and refunds, and against the provider.

Each check returns human-readable mismatches; an empty report means the books agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from contest.catalogue.models import Prize
from contest.extensions import db
from contest.orders.models import Order, OrderLine
from contest.payments.gateway import PaymentGateway
from contest.payments.models import Refund
from contest.royalties.models import LedgerAccount, LedgerPosting, LedgerTransaction, Payout, PayoutAccount
from contest.royalties.services import royalty

PAID_STATUSES = ("paid", "in_production", "shipped", "delivered", "refunded", "partially_refunded")


@dataclass
class Report:
    checks: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.checks.values())

    def lines(self) -> list[str]:
        out = []
        for name, problems in self.checks.items():
            out.append(f"{'OK ' if not problems else 'BAD'} {name}: {len(problems)} mismatch(es)")
            out.extend(f"    {problem}" for problem in problems[:50])
            if len(problems) > 50:
                out.append(f"    … and {len(problems) - 50} more")
        return out


def unbalanced_transactions() -> list[str]:
    rows = db.session.execute(
        sa.select(LedgerPosting.transaction_id, LedgerPosting.currency, sa.func.sum(LedgerPosting.amount))
        .group_by(LedgerPosting.transaction_id, LedgerPosting.currency)
        .having(sa.func.sum(LedgerPosting.amount) != 0)
    ).all()
    return [f"transaction {tx} is off by {total} {currency}" for tx, currency, total in rows]


def payables_by_kind() -> list[str]:
    """Each creator's balance equals accrued − reversed − paid (+ prizes), summed by transaction kind."""
    problems = []
    by_creator: dict[tuple[int, str], dict[str, int]] = {}
    for creator, currency, kind, total in db.session.execute(
        sa.select(
            LedgerAccount.creator_id,
            LedgerAccount.currency,
            LedgerTransaction.kind,
            -sa.func.sum(LedgerPosting.amount),
        )
        .join(LedgerPosting, LedgerPosting.account_id == LedgerAccount.id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
        .where(LedgerAccount.creator_id > 0)
        .group_by(LedgerAccount.creator_id, LedgerAccount.currency, LedgerTransaction.kind)
    ).all():
        by_creator.setdefault((creator, currency), {})[kind] = int(total)
    sales_due = _sales_due()
    payouts_out = _payouts_out()
    prizes_due = _prizes_due()
    for (creator, currency), kinds in sorted(by_creator.items()):
        balance = sum(kinds.values())
        accrued = kinds.get("sale", 0)
        reversed_ = -(kinds.get("refund", 0) + kinds.get("dispute_lost", 0) + kinds.get("prize_reversal", 0))
        paid = -(kinds.get("payout", 0) + kinds.get("payout_returned", 0))
        prizes = kinds.get("prize", 0)
        if balance != accrued - reversed_ - paid + prizes:
            problems.append(f"creator {creator}: balance {balance} ≠ accrued − reversed − paid + prizes")
        if accrued != sales_due.get((creator, currency), 0):
            problems.append(
                f"creator {creator}: accrued {accrued} {currency}, but paid order lines give "
                f"{sales_due.get((creator, currency), 0)}"
            )
        if paid != payouts_out.get((creator, currency), 0):
            problems.append(
                f"creator {creator}: {paid} {currency} paid out in the ledger, "
                f"{payouts_out.get((creator, currency), 0)} in payouts"
            )
        if prizes - -kinds.get("prize_reversal", 0) != prizes_due.get((creator, currency), 0):
            problems.append(f"creator {creator}: prizes in the ledger differ from prizes awarded")
    return problems


def _sales_due() -> dict[tuple[int, str], int]:
    due: dict[tuple[int, str], int] = {}
    for artist, currency, net, bps in db.session.execute(
        sa.select(
            OrderLine.artist_id,
            Order.currency,
            OrderLine.line_total - OrderLine.discount,
            OrderLine.royalty_bps,
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.artist_id.is_not(None), Order.status.in_(PAID_STATUSES))
    ).all():
        due[(artist, currency)] = due.get((artist, currency), 0) + royalty(net, bps)
    return due


def _payouts_out() -> dict[tuple[int, str], int]:
    return {
        (creator, currency): int(total)
        for creator, currency, total in db.session.execute(
            sa.select(Payout.creator_id, Payout.currency, sa.func.sum(Payout.amount))
            .where(Payout.status.in_(("sending", "paid", "awaiting_manual")))
            .group_by(Payout.creator_id, Payout.currency)
        ).all()
    }


def _prizes_due() -> dict[tuple[int, str], int]:
    return {
        (artist, currency): int(total)
        for artist, currency, total in db.session.execute(
            sa.select(Prize.artist_id, Prize.currency, sa.func.sum(Prize.amount))
            .where(Prize.booked_at.is_not(None), Prize.revoked_at.is_(None), Prize.amount > 0)
            .group_by(Prize.artist_id, Prize.currency)
        ).all()
    }


def orders_without_accruals() -> list[str]:
    booked = sa.select(LedgerTransaction.order_line_id).where(LedgerTransaction.kind == "sale")
    rows = db.session.execute(
        sa.select(OrderLine.order_id, OrderLine.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status.in_(PAID_STATUSES), OrderLine.id.not_in(booked))
        .order_by(OrderLine.id)
    ).all()
    return [f"order {order}: line {line} is paid but has no royalty accrual" for order, line in rows]


def refunds_without_reversals() -> list[str]:
    reversed_keys = set(
        db.session.execute(
            sa.select(LedgerTransaction.refund_id).where(
                LedgerTransaction.kind == "refund", LedgerTransaction.refund_id.is_not(None)
            )
        ).scalars()
    )
    marked = set(
        db.session.execute(
            sa.select(LedgerTransaction.key).where(LedgerTransaction.key.like("refund:%"))
        ).scalars()
    )
    problems = []
    for refund_id, order_id in db.session.execute(
        sa.select(Refund.id, Refund.order_id).where(Refund.status == "confirmed").order_by(Refund.id)
    ).all():
        if refund_id not in reversed_keys and f"refund:{refund_id}" not in marked:
            problems.append(f"refund {refund_id} of order {order_id} has no reversal")
    return problems


def transfers_match_payouts(gateway: PaymentGateway) -> list[str]:
    transfers = gateway.transfers()
    if transfers is None:
        return []  # the test gateway sends nothing anywhere
    problems = []
    stripe_payouts = {
        p.transfer_id: p
        for p in db.session.execute(
            sa.select(Payout).where(Payout.mode == "stripe", Payout.status == "paid")
        ).scalars()
    }
    destinations = dict(
        db.session.execute(sa.select(PayoutAccount.creator_id, PayoutAccount.stripe_account_id)).all()
    )
    seen = set()
    for transfer in transfers:
        payout = stripe_payouts.get(transfer.id)
        if payout is None:
            problems.append(
                f"transfer {transfer.id} ({transfer.amount} {transfer.currency}) matches no payout"
            )
            continue
        seen.add(transfer.id)
        if (transfer.amount, transfer.currency) != (payout.amount, payout.currency):
            problems.append(
                f"transfer {transfer.id} is {transfer.amount}, payout {payout.id} is {payout.amount}"
            )
        if destinations.get(payout.creator_id) != transfer.destination:
            problems.append(
                f"transfer {transfer.id} went to {transfer.destination}, not the creator's account"
            )
    for transfer_id, payout in stripe_payouts.items():
        if transfer_id not in seen:
            problems.append(
                f"payout {payout.id} says transfer {transfer_id}, which the provider does not have"
            )
    return problems


def reconcile(gateway: PaymentGateway) -> Report:
    report = Report()
    report.checks["every transaction balances"] = unbalanced_transactions()
    report.checks["creators' payables = accrued − reversed − paid"] = payables_by_kind()
    report.checks["every paid order has its accruals"] = orders_without_accruals()
    report.checks["every refund has its reversal"] = refunds_without_reversals()
    report.checks["every transfer matches a payout"] = transfers_match_payouts(gateway)
    return report
