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
