"""Payment events, verified and stored once, then applied to orders.

Only a verified event changes an order. Each event id is stored before it is applied (in the same
transaction), so a replay or a duplicate delivery does nothing twice; events that arrive out of order
are safe because every change is conditional on the order's current status, and refunds record the
provider's running total rather than adding to ours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from contest.catalogue.models import Product
from contest.core.db import insert_ignore
from contest.core.security import external_url
from contest.extensions import db
from contest.mail.services import queue_email
from contest.orders.models import CartItem, Order, OrderLine
from contest.orders.services import move
from contest.payments.gateway import PaymentGateway
from contest.payments.models import PaymentEvent
from contest.royalties import services as royalties

AFTER_PAYMENT = ("paid", "in_production", "shipped", "delivered", "partially_refunded")
# A refund can also close an order that was cancelled and then paid anyway (see _paid).
REFUNDABLE_FROM = (*AFTER_PAYMENT, "cancelled")


def receive(gateway: PaymentGateway, payload: bytes, signature: str, *, now: datetime) -> str:
    """Verify, store once, apply. Raises InvalidSignature; returns what happened (kept on the event)."""
    event = gateway.verify_webhook(payload, signature)
    event_id = str(event.get("id") or "")
    if not event_id:
        return "no event id"
    exists = db.session.get(PaymentEvent, event_id)
    if exists is not None:
        return "duplicate"
    insert_ignore(
        PaymentEvent,
        id=event_id,
        gateway=gateway.name,
        type=str(event.get("type", "")),
        outcome="",
        received_at=now,
        payload=event,
    )
    order, outcome = apply(event, now=now)
    db.session.execute(
        sa.update(PaymentEvent)
        .where(PaymentEvent.id == event_id)
        .values(outcome=outcome, order_id=order.id if order else None)
    )
    return outcome


def _order_for_session(session: dict[str, Any]) -> Order | None:
    return db.session.execute(
        sa.select(Order).filter_by(checkout_session_id=str(session.get("id", "")))
    ).scalar_one_or_none()


def apply(event: dict[str, Any], *, now: datetime) -> tuple[Order | None, str]:
    kind = event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    if kind.startswith("checkout.session."):
        order = _order_for_session(obj)
        if order is None:
            return None, "unknown session: recorded and ignored"
        if kind == "checkout.session.completed":
            if obj.get("payment_status") != "paid":
                return order, "completed, payment pending (delayed method)"
            return order, _paid(order, obj, now=now)
        if kind == "checkout.session.async_payment_succeeded":
            return order, _paid(order, obj, now=now)
        if kind in ("checkout.session.async_payment_failed", "checkout.session.expired"):
            note = "payment failed" if kind.endswith("failed") else "checkout expired"
            changed = move(order.id, ("pending",), "cancelled", now=now, note=note)
            return order, note if changed else f"{note}: order was already {order.status}"
        return order, "ignored"
    if kind == "account.updated":
        from contest.royalties.payouts import account_updated

        known = account_updated(str(obj.get("id", "")), ready=bool(obj.get("payouts_enabled")), now=now)
        return None, "payout account updated" if known else "unknown account: recorded and ignored"
    intent = obj.get("payment_intent")
    order = (
        db.session.execute(sa.select(Order).filter_by(payment_intent_id=str(intent))).scalar_one_or_none()
        if intent
        else None
    )
    if order is None:
        return None, "unknown payment: recorded and ignored"
    if kind == "charge.refunded":
        # One refund event at a time per order: the row lock makes a concurrent one wait, then see ours.
        order = db.session.execute(
            sa.select(Order)
            .where(Order.id == order.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        refunded = min(int(obj.get("amount_refunded") or 0), order.total)
        if refunded <= order.amount_refunded:
            return order, "refund already recorded"
        from contest.payments.refunds import confirm

        confirm(order, refunded, now=now)
        status = "refunded" if refunded >= order.total else "partially_refunded"
        move(
            order.id, REFUNDABLE_FROM, status, now=now, note=f"refunded {refunded}", amount_refunded=refunded
        )
        royalties.reverse_refunds(order, now=now)
        return order, status
    if kind == "charge.dispute.created":
        reason = f"dispute opened: {obj.get('reason', 'unknown')}"
        db.session.execute(sa.update(Order).where(Order.id == order.id).values(flagged_reason=reason))
        royalties.hold_dispute(order, now=now, dispute_id=str(obj.get("id", "")))
        return order, reason
    if kind == "charge.dispute.closed":
        won = obj.get("status") == "won"
        reason = f"dispute {'won' if won else 'lost'}: {obj.get('reason', 'unknown')}"
        db.session.execute(sa.update(Order).where(Order.id == order.id).values(flagged_reason=reason))
        royalties.close_dispute(order, won=won, now=now, dispute_id=str(obj.get("id", "")))
        return order, reason
    return order, "ignored"


def _paid(order: Order, session: dict[str, Any], *, now: datetime) -> str:
    """Paid only if the provider took exactly this order's total in its currency; flagged otherwise."""
    amount, currency = session.get("amount_total"), str(session.get("currency", "")).upper()
    if amount != order.total or currency != order.currency:
        reason = f"amount mismatch: paid {amount} {currency}, order total {order.total} {order.currency}"
        db.session.execute(sa.update(Order).where(Order.id == order.id).values(flagged_reason=reason))
        return reason
    details = session.get("shipping_details") or (session.get("collected_information") or {}).get(
        "shipping_details"
    )
    changed = move(
        order.id,
        ("pending",),
        "paid",
        now=now,
        note="payment confirmed",
        paid_at=now,
        payment_intent_id=session.get("payment_intent"),
        ship_to=details or {},
    )
    if not changed:
        db.session.refresh(order)
        if order.status == "cancelled" and not order.payment_intent_id:
            # Paid in the instant staff cancelled, or after an expiry: the money must go back.
            reason = "paid after the order was cancelled: refund the payment"
            db.session.execute(
                sa.update(Order)
                .where(Order.id == order.id)
                .values(flagged_reason=reason, payment_intent_id=session.get("payment_intent"), paid_at=now)
            )
            return reason
        return f"already {order.status}"
    for product_id, quantity in db.session.execute(
        sa.select(OrderLine.product_id, OrderLine.quantity).filter_by(order_id=order.id)
    ).all():
        db.session.execute(
            sa.update(Product)
            .where(Product.id == product_id)
            .values(sales_count=Product.sales_count + quantity)
        )
    if order.user_id:
        db.session.execute(sa.delete(CartItem).filter_by(user_id=order.user_id))
    from contest.fulfilment.services import create_jobs

    create_jobs(order.id, now=now)
    db.session.refresh(order)
    royalties.accrue_order(order, now=now)
    queue_email(
        order.email,
        "receipt",
        now=now,
        locale=order.locale,
        order=order,
        link=external_url("orders.detail", token=order.token),
    )
    return "paid"
