"""A stored file: which backend holds it, under which random key, and who may see it."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contest.extensions import db


class StoredFile(db.Model):
    __tablename__ = "stored_files"
    __table_args__ = (
        sa.UniqueConstraint("backend", "key"),
        sa.CheckConstraint("visibility IN ('public', 'private')", name="visibility"),
        sa.CheckConstraint("size >= 0", name="size_non_negative"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    backend: Mapped[str] = mapped_column(sa.String(16))
    key: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.Integer)
    width: Mapped[int | None] = mapped_column(sa.Integer)
    height: Mapped[int | None] = mapped_column(sa.Integer)
    visibility: Mapped[str] = mapped_column(sa.String(10), default="private")
    purpose: Mapped[str] = mapped_column(sa.String(32))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]

    @property
    def is_public(self) -> bool:
        return self.visibility == "public"
