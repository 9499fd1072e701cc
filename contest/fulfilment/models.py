"""One print job per paid order line: what the print partner needs, and how it was shipped."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db
from contest.orders.models import OrderLine


class PrintJob(db.Model):
    __tablename__ = "print_jobs"
    __table_args__ = (
        sa.UniqueConstraint("order_line_id"),
        sa.CheckConstraint("status IN ('queued', 'exported', 'shipped', 'cancelled')", name="status"),
        sa.Index("ix_print_jobs_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(sa.ForeignKey("order_lines.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(sa.String(12), default="queued")
    created_at: Mapped[datetime]
    exported_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    carrier: Mapped[str] = mapped_column(sa.String(60), default="")
    tracking_number: Mapped[str] = mapped_column(sa.String(120), default="")

    line: Mapped[OrderLine] = relationship()
