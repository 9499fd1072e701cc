"""Carts of members (guests keep theirs in the session) and orders with a snapshot of every line."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.core.i18n import N_
from contest.core.money import Money
from contest.extensions import db

if TYPE_CHECKING:
    from contest.accounts.models import User
    from contest.catalogue.models import ProductVariant

MAX_QUANTITY = 20  # per line: more is a typo or a reseller, and print partners cap it too
ORDER_STATUSES = (
    "pending",
    "paid",
    "in_production",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
    "partially_refunded",
)

# What shoppers and staff read for each status (translated when shown, by the order_status filter).
STATUS_LABELS = {
    "pending": N_("Awaiting payment"),
    "paid": N_("Paid"),
    "in_production": N_("Being printed"),
    "shipped": N_("Shipped"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Cancelled"),
    "refunded": N_("Refunded"),
    "partially_refunded": N_("Partly refunded"),
}


class CartItem(db.Model):
    """One variant in a member's cart; prices are never stored here, always read from the catalogue."""

    __tablename__ = "cart_items"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "variant_id"),
        sa.CheckConstraint(f"quantity BETWEEN 1 AND {MAX_QUANTITY}", name="quantity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    added_at: Mapped[datetime]

    variant: Mapped[ProductVariant] = relationship()


class Order(db.Model):
    """What a shopper bought, frozen at checkout: amounts never change, only status and refunds."""

    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in ORDER_STATUSES) + ")", name="status"),
        sa.CheckConstraint(
            "total = subtotal + shipping AND subtotal > 0 AND shipping >= 0", name="total_adds_up"
        ),
        sa.CheckConstraint("amount_refunded BETWEEN 0 AND total", name="refund_within_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(40), unique=True)  # the guest's order link names it
    # From the cart form: a double click posts the same key, and finds the order the first click made.
    checkout_key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", index=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    subtotal: Mapped[int]
    shipping: Mapped[int]
    total: Mapped[int]
    shipping_region: Mapped[str] = mapped_column(sa.String(12))
    gateway: Mapped[str] = mapped_column(sa.String(12))
    checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    amount_refunded: Mapped[int] = mapped_column(default=0)
    flagged_reason: Mapped[str] = mapped_column(sa.Text, default="")
    ship_to: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    transitions: Mapped[list[OrderTransition]] = relationship(order_by="OrderTransition.id")

    def money(self, amount: int) -> Money:
        return Money(amount, self.currency)


class OrderLine(db.Model):
    """A line as it was sold: title, variant, unit price and the artist's royalty rate at that moment."""

    __tablename__ = "order_lines"
    __table_args__ = (
        sa.CheckConstraint(f"quantity BETWEEN 1 AND {MAX_QUANTITY}", name="quantity_range"),
        sa.CheckConstraint("unit_price > 0 AND line_total = unit_price * quantity", name="line_total"),
        sa.CheckConstraint("discount BETWEEN 0 AND line_total", name="discount_within_total"),
        sa.CheckConstraint("royalty_bps BETWEEN 0 AND 10000", name="royalty_bps_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("products.id", ondelete="SET NULL"))
    variant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product_variants.id", ondelete="SET NULL"))
    design_id: Mapped[int | None] = mapped_column(sa.ForeignKey("designs.id", ondelete="SET NULL"))
    artist_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    sku: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(160))
    type_code: Mapped[str] = mapped_column(sa.String(20))
    size: Mapped[str] = mapped_column(sa.String(12))
    colour: Mapped[str] = mapped_column(sa.String(20))
    unit_price: Mapped[int]
    quantity: Mapped[int]
    line_total: Mapped[int]
    discount: Mapped[int] = mapped_column(default=0, server_default="0")
    base_cost: Mapped[int] = mapped_column(default=0, server_default="0")  # per unit, from the print partner
    royalty_bps: Mapped[int]

    @property
    def net(self) -> int:
        """What the royalty is computed on: the line's price after discount, without shipping or tax."""
        return self.line_total - self.discount

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderTransition(db.Model):
    """Every status change of an order, with when, who (None: the payment provider or a job) and why."""

    __tablename__ = "order_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[User | None] = relationship()
