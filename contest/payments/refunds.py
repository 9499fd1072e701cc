"""Refunds: staff ask the gateway (for an amount or for lines); the order changes when the provider confirms.

A ``Refund`` row is written and committed before the provider is called, with the row's id as the
idempotency key: a retry after a crash asks for the same refund, never a second one.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.core.db import unit_of_work
from contest.core.errors import DomainError, PermissionDenied
from contest.core.i18n import money
from contest.extensions import db
from contest.orders.models import Order
from contest.payments.gateway import PaymentError, PaymentGateway
from contest.payments.models import Refund
from contest.payments.test_gateway import TestGateway

REFUNDABLE = ("paid", "in_production", "shipped", "delivered", "partially_refunded")
OPEN = ("requested", "confirmed")  # refunds that count against what is left to refund


class RefundRefused(DomainError):
    """The provider refused; the refund row is marked failed and nothing changed on the order."""


def refunded_by_line(order_id: int) -> dict[int, int]:
    """Minor units asked back or refunded per order line, from line refunds."""
    totals: dict[int, int] = {}
    rows = db.session.execute(
        sa.select(Refund.allocation).where(Refund.order_id == order_id, Refund.status.in_(OPEN))
    ).scalars()
    for allocation in rows:
        for line_id, amount in (allocation or {}).items():
            totals[int(line_id)] = totals.get(int(line_id), 0) + int(amount)
    return totals


def open_amount(order_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Refund.amount), 0)).where(
            Refund.order_id == order_id, Refund.status.in_(OPEN)
        )
    ).scalar_one()


def request_refund(
    staff: User,
    order: Order,
    gateway: PaymentGateway,
    *,
    now: datetime,
    amount: int | None = None,
    line_ids: Iterable[int] = (),
    reason: str = "",
    request_key: str | None = None,
) -> str:
    """Ask the provider to refund lines (in full) or an amount (empty: all that is left).

    Returns what to tell the staff member; raises DomainError (nothing asked) or RefundRefused."""
    if not staff.is_staff:
        raise PermissionDenied(_("Only staff can refund orders."))
    paid_after_cancel = order.status == "cancelled" and order.paid_at is not None
    if (order.status not in REFUNDABLE and not paid_after_cancel) or not order.payment_intent_id:
        raise DomainError(_("Only paid orders can be refunded."))
    remaining = order.total - open_amount(order.id)
    allocation: dict[str, int] = {}
    wanted = set(line_ids)
    if wanted:
        already = refunded_by_line(order.id)
        for line in order.lines:
            if line.id in wanted:
                left = line.line_total - already.get(line.id, 0)
                if left <= 0:
                    raise DomainError(_("“%(title)s” was already refunded.", title=line.title), field="lines")
                allocation[str(line.id)] = left
        if len(allocation) != len(wanted):
            raise DomainError(_("Choose lines of this order."), field="lines")
        amount = sum(allocation.values())
    elif amount is None:
        amount = remaining
    if not 0 < amount <= remaining:
        raise DomainError(
            _("Refund between 0.01 and %(remaining)s.", remaining=money(order.money(max(remaining, 0)))),
            field="amount",
        )
    try:
        with unit_of_work():
            refund = Refund(
                order_id=order.id,
                request_key=request_key,
                amount=amount,
                allocation=allocation,
                status="requested",
                reason=reason.strip()[:500],
                failure="",
                requested_by=staff.id,
                created_at=now,
            )
            db.session.add(refund)
    except sa.exc.IntegrityError:  # the same form sent twice
        return _("This refund was already requested.")
    try:
        provider_id = gateway.refund(order.payment_intent_id, amount, idempotency_key=f"refund-{refund.id}")
    except PaymentError as error:
        with unit_of_work():
            db.session.execute(
                sa.update(Refund).where(Refund.id == refund.id).values(status="failed", failure=str(error))
            )
        raise RefundRefused(
            _("The payment provider refused the refund: %(reason)s", reason=str(error))
        ) from error
    with unit_of_work():
        db.session.execute(
            sa.update(Refund).where(Refund.id == refund.id).values(provider_refund_id=provider_id)
        )
    if isinstance(gateway, TestGateway):
        _send_test_event(gateway, order, amount, now=now)
        return _("Refunded %(amount)s.", amount=money(order.money(amount)))
    return _("Refund %(id)s requested: the order updates when the provider confirms it.", id=provider_id)


def _send_test_event(gateway: TestGateway, order: Order, amount: int, *, now: datetime) -> None:
    """No provider will call back: the test gateway sends the charge.refunded event itself."""
    from contest.payments import webhooks

    db.session.refresh(order)
    event = {
        "id": f"evt_testpay_{secrets.token_hex(8)}",
        "object": "event",
        "type": "charge.refunded",
        "data": {
            "object": {
                "object": "charge",
                "payment_intent": order.payment_intent_id,
                "amount": order.total,
                "amount_refunded": order.amount_refunded + amount,
                "refunded": order.amount_refunded + amount >= order.total,
            }
        },
    }
    payload, signature = gateway.sign(event)
    with unit_of_work():
        webhooks.receive(gateway, payload, signature, now=now)


def confirm(order: Order, running_total: int, *, now: datetime) -> list[Refund]:
    """The provider has refunded ``running_total`` in all: confirm the requests it covers, oldest first.

    What no request explains (a refund made in the provider's dashboard) becomes a refund of the
    order as a whole. Returns the refunds confirmed now."""
    newly = running_total - order.amount_refunded
    confirmed: list[Refund] = []
    requested = db.session.execute(
        sa.select(Refund).where(Refund.order_id == order.id, Refund.status == "requested").order_by(Refund.id)
    ).scalars()
    for refund in requested:
        if refund.amount > newly:
            break
        done = db.session.execute(
            sa.update(Refund)
            .where(Refund.id == refund.id, Refund.status == "requested")
            .values(status="confirmed", confirmed_at=now)
        ).rowcount
        if done:
            newly -= refund.amount
            confirmed.append(refund)
    if newly > 0:
        extra = Refund(
            order_id=order.id,
            amount=newly,
            allocation={},
            status="confirmed",
            reason="refunded at the payment provider",
            failure="",
            created_at=now,
            confirmed_at=now,
        )
        db.session.add(extra)
        db.session.flush()
        confirmed.append(extra)
    return confirmed
