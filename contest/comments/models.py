"""Critiques on designs, and members' reports of abusive ones (hidden with a reason, never silently)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db

if TYPE_CHECKING:
    from contest.accounts.models import User
    from contest.designs.models import Design


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (sa.Index("ix_comments_design_created", "design_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    design_id: Mapped[int] = mapped_column(sa.ForeignKey("designs.id", ondelete="CASCADE"))
    design: Mapped[Design] = relationship()
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CommentReport(db.Model):
    __tablename__ = "comment_reports"
    __table_args__ = (
        sa.UniqueConstraint("comment_id", "reporter_id"),
        sa.CheckConstraint("status IN ('open', 'dismissed', 'hidden')", name="status"),
        sa.Index("ix_comment_reports_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(sa.ForeignKey("comments.id", ondelete="CASCADE"))
    comment: Mapped[Comment] = relationship()
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
