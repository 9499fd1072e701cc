"""Follows between members and artists."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contest.extensions import db


class Follow(db.Model):
    """A member follows an artist: their new entries, wins and products appear in the member's feed."""

    __tablename__ = "follows"
    __table_args__ = (
        sa.UniqueConstraint("follower_id", "artist_id"),
        sa.CheckConstraint("follower_id <> artist_id", name="not_self"),
        sa.Index("ix_follows_artist", "artist_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    artist_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
