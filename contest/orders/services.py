"""Checkout and what payments do to orders: every change is a conditional update with its transition."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.core.errors import DomainError
from contest.extensions import db
from contest.orders.cart import CartView
from contest.orders.models import Order, OrderLine, OrderTransition

if TYPE_CHECKING:
    from contest.payments.gateway import PaymentGateway

REGION_COUNTRIES = {
    "FR": ("FR",),
    "EU": ("AT", "BE", "DE", "DK", "ES", "FI", "IE", "IT", "LU", "NL", "PL", "PT", "SE"),
    "UK": ("GB",),
    "WORLD": ("US", "CA", "AU", "NZ", "JP", "CH", "NO"),
}


class EmptyCart(DomainError):
    """Nothing to buy."""


def order_for_key(checkout_key: str) -> Order | None:
    return db.session.execute(sa.select(Order).filter_by(checkout_key=checkout_key)).scalar_one_or_none()


def create_order(
    cart: CartView,
    *,
    email: str,
    user: User | None,
    checkout_key: str,
    gateway: str,
    locale: str,
    now: datetime,
) -> Order:
    """A pending order with a snapshot of every line, priced from the catalogue right now."""
    if not cart.lines:
        raise EmptyCart(_("Your cart is empty."))
    order = Order(
        token=secrets.token_urlsafe(24),
        checkout_key=checkout_key,
        user_id=user.id if user else None,
        email=email,
        locale=locale,
        status="pending",
        currency=cart.currency,
        subtotal=cart.subtotal.amount,
        shipping=cart.shipping.amount,
        total=cart.total.amount,
        shipping_region=cart.region,
        gateway=gateway,
        amount_refunded=0,
        flagged_reason="",
        ship_to={},
        created_at=now,
        updated_at=now,
    )
    for line in cart.lines:
        product = line.product
        order.lines.append(
            OrderLine(
                product_id=product.id,
                variant_id=line.variant.id,
                design_id=product.design_id,
                artist_id=product.artist_id,
                sku=line.variant.sku,
                title=product.title,
                type_code=product.type_code,
                size=line.variant.size,
                colour=line.variant.colour,
                unit_price=line.variant.price,
                quantity=line.quantity,
                line_total=line.variant.price * line.quantity,
                discount=0,
                base_cost=line.variant.base_cost,
                royalty_bps=product.contest.royalty_bps,
            )
        )
    db.session.add(order)
    db.session.flush()
    db.session.add(OrderTransition(order_id=order.id, from_status=None, to_status="pending", at=now, note=""))
    return order


def move(
    order_id: int,
    from_statuses: tuple[str, ...],
    to: str,
    *,
    now: datetime,
    note: str = "",
    actor_id: int | None = None,
    **values: object,
) -> bool:
    """Change an order's status if it is still in one of ``from_statuses``; records the transition.

    Of two simultaneous deliveries of the same news, one changes the order and the other sees False."""
    current = db.session.execute(sa.select(Order.status).where(Order.id == order_id)).scalar_one_or_none()
    done = db.session.execute(
        sa.update(Order)
        .where(Order.id == order_id, Order.status.in_(from_statuses))
        .values(status=to, updated_at=now, **values)
    ).rowcount
    if done:
        db.session.add(
            OrderTransition(
                order_id=order_id, from_status=current, to_status=to, at=now, actor_id=actor_id, note=note
            )
        )
    return bool(done)


def cancel_unpaid(
    order: Order, *, reason: str, actor_id: int, gateway: PaymentGateway, now: datetime
) -> None:
    """Staff cancel an order nobody paid: the payment page is closed first, so it cannot be paid later.

    If the provider says the page was already paid, the order stays pending and its webhook decides."""
    from contest.core.security import external_url
    from contest.mail.services import queue_email
    from contest.payments.gateway import PaymentError

    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the order is cancelled: the shopper reads it."), field="reason")
    if order.status != "pending":
        raise DomainError(_("Only orders awaiting payment can be cancelled; refund paid ones instead."))
    if order.checkout_session_id:
        try:
            gateway.expire_checkout(order.checkout_session_id)
        except PaymentError as error:
            raise DomainError(
                _(
                    "The payment page could not be closed (%(reason)s). The shopper may have just paid: "
                    "wait for the payment provider's confirmation.",
                    reason=str(error),
                )
            ) from error
    if not move(order.id, ("pending",), "cancelled", now=now, actor_id=actor_id, note=reason):
        raise DomainError(_("The order changed meanwhile; reload it."))
    queue_email(
        order.email,
        "cancelled",
        now=now,
        locale=order.locale,
        order=order,
        reason=reason,
        link=external_url("orders.detail", token=order.token),
    )


PROGRESS = ("paid", "in_production", "shipped", "delivered")


def progress(order: Order) -> list[tuple[str, datetime | None, bool]]:
    """The steps of a paid order: each with when it was reached, and whether it is behind the order.

    A step can be skipped (shipped straight from paid); it is then done, without a date."""
    if order.paid_at is None or order.status == "cancelled":
        return []
    reached = {t.to_status: t.at for t in order.transitions}
    last = max((i for i, status in enumerate(PROGRESS) if status in reached), default=0)
    return [(status, reached.get(status), i <= last) for i, status in enumerate(PROGRESS)]
