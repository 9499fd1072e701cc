"""Members and staff."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.extensions import db

if TYPE_CHECKING:
    from contest.storage.models import StoredFile

ROLES = ("member", "staff")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('member', 'staff')", name="role"),
        sa.CheckConstraint("email = lower(email)", name="email_lower"),
        sa.CheckConstraint("username_key = lower(username)", name="username_key_lower"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    username: Mapped[str] = mapped_column(sa.String(30))
    # Uniqueness is case-insensitive: "Ana" and "ana" are the same member.
    username_key: Mapped[str] = mapped_column(sa.String(30), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(10), default="member")
    display_name: Mapped[str] = mapped_column(sa.String(80), default="")
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    links: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    avatar_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("stored_files.id", ondelete="SET NULL", use_alter=True)
    )
    avatar: Mapped[StoredFile | None] = relationship(foreign_keys=[avatar_id])
    email_verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot log in
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(db.Model):
    """A personal API token: only its SHA-256 is stored; the member sees the token once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))  # shown in settings so members can tell tokens apart
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
