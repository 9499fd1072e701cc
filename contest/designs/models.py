"""Designs entered in contests, their renditions, moderation decisions and infringement reports."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.core.clock import utcnow
from contest.extensions import db

if TYPE_CHECKING:
    from contest.accounts.models import User
    from contest.contests.models import Contest, LicenceTerms
    from contest.storage.models import StoredFile

# processing → pending (awaits moderation) → approved | rejected; failed when the file cannot be processed;
# withdrawn by the artist; taken_down after an infringement report.
STATUSES = ("processing", "pending", "approved", "rejected", "failed", "withdrawn", "taken_down")
PUBLIC_STATUSES = ("approved",)


class Design(db.Model):
    __tablename__ = "designs"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('processing', 'pending', 'approved', 'rejected', 'failed', 'withdrawn', "
            "'taken_down')",
            name="status",
        ),
        sa.CheckConstraint("originality_declared", name="originality_declared"),
        # An entry slot per artist and contest: the limit holds even for simultaneous uploads.
        sa.UniqueConstraint("contest_id", "artist_id", "entry_slot"),
        # The same form posted twice makes one design.
        sa.UniqueConstraint("artist_id", "submission_key"),
        sa.Index("ix_designs_contest_status", "contest_id", "status"),
        # The gallery's change marker: the latest change to any design of a contest.
        sa.Index("ix_designs_contest_updated", "contest_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contests.id", ondelete="CASCADE"))
    contest: Mapped[Contest] = relationship()
    artist_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    artist: Mapped[User] = relationship(foreign_keys=[artist_id])
    entry_slot: Mapped[int | None]
    submission_key: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(12), default="processing")
    upload_id: Mapped[str | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    upload: Mapped[StoredFile | None] = relationship(foreign_keys=[upload_id])
    master_id: Mapped[str | None] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="SET NULL"))
    master: Mapped[StoredFile | None] = relationship(foreign_keys=[master_id])
    width: Mapped[int | None]
    height: Mapped[int | None]
    phash: Mapped[str | None] = mapped_column(sa.String(16))
    processing_error: Mapped[str | None] = mapped_column(sa.Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("designs.id", ondelete="SET NULL"))
    duplicate_of: Mapped[Design | None] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])
    duplicate_distance: Mapped[int | None]
    licence_terms_id: Mapped[int] = mapped_column(sa.ForeignKey("licence_terms.id"))
    licence_terms: Mapped[LicenceTerms] = relationship()
    licence_accepted_at: Mapped[datetime]
    originality_declared: Mapped[bool]
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(40))
    moderation_note: Mapped[str] = mapped_column(sa.Text, default="")
    moderated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    moderated_at: Mapped[datetime | None]
    takedown_notice: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime]
    # Any change (moderation, takedown, edit) moves it, which refreshes cached gallery pages.
    updated_at: Mapped[datetime] = mapped_column(onupdate=utcnow)
    renditions: Mapped[list[DesignRendition]] = relationship(
        back_populates="design", order_by="DesignRendition.width", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def is_duplicate_of_own(self) -> bool:
        return self.duplicate_of is not None and self.duplicate_of.artist_id == self.artist_id

    def rendition(self, width: int) -> DesignRendition | None:
        """The smallest rendition at least ``width`` wide, else the largest."""
        fitting = [r for r in self.renditions if r.width >= width]
        if fitting:
            return fitting[0]
        return self.renditions[-1] if self.renditions else None


class DesignRendition(db.Model):
    __tablename__ = "design_renditions"
    __table_args__ = (sa.UniqueConstraint("design_id", "width"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    design_id: Mapped[int] = mapped_column(sa.ForeignKey("designs.id", ondelete="CASCADE"))
    design: Mapped[Design] = relationship(back_populates="renditions")
    width: Mapped[int]
    height: Mapped[int]
    file_id: Mapped[str] = mapped_column(sa.ForeignKey("stored_files.id"))
    file: Mapped[StoredFile] = relationship()


class InfringementReport(db.Model):
    """Anyone may report a design as stolen; staff decide, and a takedown is shown publicly."""

    __tablename__ = "infringement_reports"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'dismissed', 'taken_down')", name="status"),
        sa.Index("ix_infringement_reports_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    design_id: Mapped[int] = mapped_column(sa.ForeignKey("designs.id", ondelete="CASCADE"), index=True)
    design: Mapped[Design] = relationship()
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reporter_name: Mapped[str] = mapped_column(sa.String(120))
    contact_email: Mapped[str] = mapped_column(sa.String(320))
    reason: Mapped[str] = mapped_column(sa.Text)
    evidence_url: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(12), default="open")
    resolution_note: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
