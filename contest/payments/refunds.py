"""Staff refunds: asked of the gateway; the order changes when the provider's webhook confirms."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _

from contest.accounts.models import User
from contest.core.db import unit_of_work
from contest.core.errors import DomainError, PermissionDenied
from contest.core.i18n import money
from contest.orders.models import Order
from contest.payments import webhooks
from contest.payments.gateway import PaymentGateway
from contest.payments.test_gateway import TestGateway

REFUNDABLE = ("paid", "in_production", "shipped", "delivered", "partially_refunded")


def request_refund(staff: User, order: Order, amount: int, gateway: PaymentGateway, *, now: datetime) -> str:
    """Ask the provider to refund ``amount`` (minor units); returns what to tell the staff member."""
    if not staff.is_staff:
        raise PermissionDenied(_("Only staff can refund orders."))
    remaining = order.total - order.amount_refunded
    paid_after_cancel = order.status == "cancelled" and order.paid_at is not None
    if (order.status not in REFUNDABLE and not paid_after_cancel) or not order.payment_intent_id:
        raise DomainError(_("Only paid orders can be refunded."))
    if not 0 < amount <= remaining:
        raise DomainError(
            _("Refund between 0.01 and %(remaining)s.", remaining=money(order.money(remaining))),
            field="amount",
        )
    key = f"refund-{order.id}-{order.amount_refunded}-{amount}"
    refund_id = gateway.refund(order.payment_intent_id, amount, idempotency_key=key)
    if isinstance(gateway, TestGateway):
        # No provider will call back: the test gateway sends the charge.refunded event itself.
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
        return _("Refunded %(amount)s.", amount=money(order.money(amount)))
    return _("Refund %(id)s requested: the order updates when the provider confirms it.", id=refund_id)
