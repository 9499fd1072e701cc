"""Every payment event received, stored once by its id: replays and duplicates change nothing twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contest.extensions import db


class PaymentEvent(db.Model):
    __tablename__ = "payment_events"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)  # the provider's event id
    gateway: Mapped[str] = mapped_column(sa.String(12))
    type: Mapped[str] = mapped_column(sa.String(80))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    received_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


REFUND_STATUSES = ("requested", "confirmed", "failed")


class Refund(db.Model):
    """One refund: asked by staff (for an amount or for lines) or made at the provider, then confirmed.

    The order's ``amount_refunded`` follows the provider's running total; these rows say what each part
    was for, so royalties can be reversed for the right lines."""

    __tablename__ = "refunds"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("status IN ('requested', 'confirmed', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # From the staff form: a double submit posts the same key and makes no second refund.
    request_key: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    amount: Mapped[int]
    # {order line id (as text): minor units}; empty when the refund is for the order as a whole.
    allocation: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(12), default="requested")
    provider_refund_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    failure: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
