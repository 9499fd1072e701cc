"""Ideas for contest themes, their reference images, supports and comments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.core.clock import utcnow
from contest.extensions import db

if TYPE_CHECKING:
    from contest.accounts.models import User
    from contest.contests.models import Contest
    from contest.storage.models import StoredFile

IDEA_STATUSES = ("open", "accepted", "declined")
MAX_IMAGES = 3


class Idea(db.Model):
    __tablename__ = "ideas"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'accepted', 'declined')", name="status"),
        # Every answer is public and explained: accepted names its contest, declined gives a reason.
        sa.CheckConstraint(
            "(status = 'open') OR (answered_at IS NOT NULL AND answer <> '')", name="answered_with_reason"
        ),
        sa.CheckConstraint("status <> 'accepted' OR contest_id IS NOT NULL", name="accepted_has_contest"),
        sa.CheckConstraint("support_count >= 0", name="support_count_non_negative"),
        sa.Index("ix_ideas_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text)
    proposer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    proposer: Mapped[User] = relationship(foreign_keys=[proposer_id])
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]
    contest_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contests.id", ondelete="SET NULL"), index=True
    )
    contest: Mapped[Contest | None] = relationship()
    support_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(onupdate=utcnow)

    images: Mapped[list[IdeaImage]] = relationship(
        order_by="IdeaImage.position", cascade="all, delete-orphan"
    )


class IdeaImage(db.Model):
    __tablename__ = "idea_images"
    __table_args__ = (sa.UniqueConstraint("idea_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    file_id: Mapped[str] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="CASCADE"))
    file: Mapped[StoredFile] = relationship()
    position: Mapped[int]


class IdeaSupport(db.Model):
    """One support per member and idea (the unique constraint is the guard)."""

    __tablename__ = "idea_supports"
    __table_args__ = (sa.UniqueConstraint("idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]


class IdeaComment(db.Model):
    __tablename__ = "idea_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    author: Mapped[User] = relationship()
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
