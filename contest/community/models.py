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


class SurveyResponse(db.Model):
    """One answer per person and contest: 0–10 "how likely are you to recommend", and a comment."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        sa.UniqueConstraint("contest_id", "user_id"),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime]


class ContestVoter(db.Model):
    """Who scored in a contest, frozen when its results are published (voting is over by then).

    The KPIs read it instead of finding the distinct voters among every score again."""

    __tablename__ = "contest_voters"

    contest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True
    )
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
