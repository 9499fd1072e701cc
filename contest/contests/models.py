"""Contests, their licence terms and the log of phase changes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.core.clock import utcnow
from contest.core.money import Money
from contest.extensions import db

if TYPE_CHECKING:
    from contest.storage.models import StoredFile

# Persisted states, in the only order they may move (cancelled is reachable from any state before closed).
STATES = ("draft", "scheduled", "submissions", "voting", "closed", "results")
PRODUCT_TYPES = ("tshirt", "hoodie", "poster", "mug", "sticker")


class LicenceTerms(db.Model):
    """Versioned IP terms an artist accepts when submitting; the artist keeps copyright."""

    __tablename__ = "licence_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime]


class Contest(db.Model):
    __tablename__ = "contests"
    __table_args__ = (
        sa.CheckConstraint(
            "submissions_open_at < submissions_close_at AND submissions_close_at < voting_close_at",
            name="timeline_ordered",
        ),
        sa.CheckConstraint("royalty_bps BETWEEN 0 AND 10000", name="royalty_bps_range"),
        sa.CheckConstraint("prize_amount >= 0", name="prize_non_negative"),
        sa.CheckConstraint("winners_count >= 1", name="winners_positive"),
        sa.CheckConstraint("min_scores >= 0", name="min_scores_non_negative"),
        sa.CheckConstraint("winners_hold_days BETWEEN 0 AND 60", name="winners_hold_days_range"),
        sa.CheckConstraint("max_entries_per_artist BETWEEN 1 AND 20", name="entries_range"),
        sa.CheckConstraint("min_short_side BETWEEN 300 AND 10000", name="min_short_side_range"),
        sa.CheckConstraint(
            "state IN ('draft', 'scheduled', 'submissions', 'voting', 'closed', 'results', 'cancelled')",
            name="state",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    tagline: Mapped[str] = mapped_column(sa.String(200), default="")
    brief: Mapped[str] = mapped_column(sa.Text)
    rules: Mapped[str] = mapped_column(sa.Text, default="")
    cover_id: Mapped[str | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    cover: Mapped[StoredFile | None] = relationship(foreign_keys=[cover_id])
    prize_amount: Mapped[int] = mapped_column(default=0)
    prize_currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    royalty_bps: Mapped[int] = mapped_column(default=1000)
    winners_count: Mapped[int] = mapped_column(default=3)
    min_scores: Mapped[int] = mapped_column(default=10)
    # 0: winners go on sale as soon as results are out; N: staff have N days to confirm or veto first.
    winners_hold_days: Mapped[int] = mapped_column(default=0)
    max_entries_per_artist: Mapped[int] = mapped_column(default=3)
    min_short_side: Mapped[int] = mapped_column(default=1800)
    product_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    submissions_open_at: Mapped[datetime]
    submissions_close_at: Mapped[datetime]
    voting_close_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(sa.String(12), default="draft", index=True)
    licence_terms_id: Mapped[int] = mapped_column(sa.ForeignKey("licence_terms.id"))
    licence_terms: Mapped[LicenceTerms] = relationship()
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(onupdate=utcnow)  # part of cached pages' keys
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def prize(self) -> Money:
        return Money(self.prize_amount, self.prize_currency)

    def phase(self, now: datetime) -> str:
        """The phase as of ``now``, from the timeline: right even if no scheduler has run."""
        if self.state in ("draft", "cancelled", "results"):
            return self.state
        if now < self.submissions_open_at:
            return "scheduled"
        if now < self.submissions_close_at:
            return "submissions"
        if now < self.voting_close_at:
            return "voting"
        return "closed"

    def accepts_submissions(self, now: datetime) -> bool:
        return self.phase(now) == "submissions"

    def voting_open(self, now: datetime) -> bool:
        return self.phase(now) == "voting"

    def next_deadline(self, now: datetime) -> tuple[str, datetime] | None:
        phase = self.phase(now)
        return {
            "scheduled": ("opens", self.submissions_open_at),
            "submissions": ("submissions_close", self.submissions_close_at),
            "voting": ("voting_close", self.voting_close_at),
        }.get(phase)  # type: ignore[return-value]


class ContestTransition(db.Model):
    """One row per phase change; the unique pair proves each change happened exactly once."""

    __tablename__ = "contest_transitions"
    __table_args__ = (sa.UniqueConstraint("contest_id", "to_state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contests.id", ondelete="CASCADE"))
    from_state: Mapped[str] = mapped_column(sa.String(12))
    to_state: Mapped[str] = mapped_column(sa.String(12))
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
