"""Scores, their exclusions (never deletions) and per-design running totals (hidden until results)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contest.extensions import db


class Score(db.Model):
    """One row per member and design: the 1-5 score and, separately, the "I'd buy this" mark."""

    __tablename__ = "scores"
    __table_args__ = (
        sa.UniqueConstraint("design_id", "voter_id"),
        sa.CheckConstraint("value IS NULL OR value BETWEEN 1 AND 5", name="value_range"),
        sa.CheckConstraint("value IS NOT NULL OR buy", name="score_or_buy"),
        # Covers the ranking's GROUP BY without touching the table.
        sa.Index("ix_scores_contest_design_value", "contest_id", "design_id", "value", "voter_id"),
        sa.Index("ix_scores_contest_voter", "contest_id", "voter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contests.id", ondelete="CASCADE"))
    design_id: Mapped[int] = mapped_column(sa.ForeignKey("designs.id", ondelete="CASCADE"))
    voter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    value: Mapped[int | None]
    buy: Mapped[bool] = mapped_column(default=False)
    cast_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ip_prefix: Mapped[str] = mapped_column(sa.String(64), default="")
    device_id: Mapped[str] = mapped_column(sa.String(64), default="")


class DesignTally(db.Model):
    """Running totals kept by every cast, change and removal, so staff see a live leaderboard cheaply."""

    __tablename__ = "design_tallies"
    __table_args__ = (
        sa.CheckConstraint("score_count >= 0 AND buy_count >= 0", name="counts_non_negative"),
        # Not on the totals themselves: every score updates them, and an unindexed update is a cheap
        # in-place (HOT) one on PostgreSQL.
        sa.Index("ix_design_tallies_contest", "contest_id"),
    )

    design_id: Mapped[int] = mapped_column(sa.ForeignKey("designs.id", ondelete="CASCADE"), primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contests.id", ondelete="CASCADE"))
    score_count: Mapped[int] = mapped_column(default=0)
    score_sum: Mapped[int] = mapped_column(default=0)
    buy_count: Mapped[int] = mapped_column(default=0)


class ScoreExclusion(db.Model):
    """Why a score is left out of the ranking; reinstating keeps the row (the audit log)."""

    __tablename__ = "score_exclusions"
    __table_args__ = (
        sa.CheckConstraint(
            "category IN ('new_account_single_artist', 'shared_network', 'shared_device', 'outlier', "
            "'manual')",
            name="category",
        ),
        sa.Index("ix_score_exclusions_score", "score_id", "reinstated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(sa.ForeignKey("scores.id", ondelete="CASCADE"))
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reinstated_at: Mapped[datetime | None]
    reinstated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reinstate_note: Mapped[str] = mapped_column(sa.Text, default="")


class ContestResult(db.Model):
    """The published ranking, frozen: later score changes or a new formula never alter it."""

    __tablename__ = "contest_results"
    __table_args__ = (
        sa.UniqueConstraint("contest_id", "design_id"),
        sa.UniqueConstraint("contest_id", "rank"),
        sa.CheckConstraint("rank >= 1", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contests.id", ondelete="CASCADE"))
    design_id: Mapped[int] = mapped_column(sa.ForeignKey("designs.id", ondelete="CASCADE"))
    rank: Mapped[int]
    # Millionths of a point: the ranking rounds to 6 decimals, so integers hold it exactly.
    final_score_micro: Mapped[int]
    mean_raw_micro: Mapped[int | None]
    score_count: Mapped[int]
    buy_count: Mapped[int]
    excluded: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    qualified: Mapped[bool]
    winner: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime]

    @property
    def final_score(self) -> float:
        return self.final_score_micro / 1_000_000

    @property
    def excluded_count(self) -> int:
        return sum(self.excluded.values())
