"""Checkout and what payments do to orders: every change is a conditional update with its transition."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.core.errors import DomainError
from contest.extensions import db
from contest.orders.cart import CartView
from contest.orders.models import Order, OrderLine, OrderTransition

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
