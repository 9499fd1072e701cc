"""Design use cases: submit, process (job), edit, withdraw, moderate, report and take down."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import orm

from contest.accounts.models import User
from contest.contests.models import Contest
from contest.core.db import DriverStatement
from contest.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from contest.core.i18n import N_
from contest.designs.images import inspect_upload
from contest.designs.models import Design, DesignRendition, InfringementReport
from contest.extensions import db
from contest.jobs import enqueue
from contest.notifications.services import notify
from contest.storage.services import store_bytes

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_UPLOAD_PIXELS = 60_000_000
MAX_TAGS = 8
SHUFFLE_PRIME = 1_000_003

# Reasons staff may give; ATELIER_REJECTION_REASONS picks and orders the codes offered.
REJECTION_REASONS: dict[str, str] = {
    "off_brief": N_("It does not answer the contest brief."),
    "print_quality": N_("The print quality is not good enough (resolution, blur or artefacts)."),
    "not_original": N_("It is not original work, or it copies an existing design."),
    "third_party_ip": N_("It uses a logo, character or trademark that belongs to someone else."),
    "offensive": N_("It breaks the community rules (hateful, violent or explicit content)."),
    "duplicate": N_("It duplicates another entry."),
    "other": N_("Another reason, explained in the note."),
}


class NotVerified(DomainError):
    """Only members with a confirmed email may submit, so a real person answers for each design."""

    status_code = 403


class SubmissionsClosed(DomainError):
    """The contest is not accepting designs at this moment."""

    status_code = 409


class EntryLimitReached(DomainError):
    """The artist already has as many entries as the contest allows."""

    status_code = 409


class TermsNotAccepted(DomainError):
    """The licence terms and the originality declaration are required."""


class AlreadySubmitted(DomainError):
    """This form was already submitted (double click or replay); the first design stands."""

    status_code = 409


@dataclass
class SubmissionInput:
    title: str
    description: str
    tags: str
    accept_licence: bool
    declare_original: bool
    licence_version: int
    submission_key: str


def rejection_reasons() -> dict[str, str]:
    codes = current_app.config.get("REJECTION_REASONS") or list(REJECTION_REASONS)
    return {code: REJECTION_REASONS[code] for code in codes if code in REJECTION_REASONS}


def clean_tags(raw: str) -> list[str]:
    tags: list[str] = []
    for part in re.split(r"[,#\n]", raw):
        tag = re.sub(r"\s+", " ", part).strip().lower()[:30]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def _free_slot(contest: Contest, artist: User) -> int:
    used = set(
        db.session.execute(
            sa.select(Design.entry_slot).where(
                Design.contest_id == contest.id, Design.artist_id == artist.id, Design.entry_slot.is_not(None)
            )
        ).scalars()
    )
    for slot in range(1, contest.max_entries_per_artist + 1):
        if slot not in used:
            return slot
    raise EntryLimitReached(
        _(
            "You already have %(n)s entries in this contest, the most it allows. "
            "Withdraw one to submit another.",
            n=contest.max_entries_per_artist,
        )
    )


def submit_design(
    artist: User, contest: Contest, data: SubmissionInput, upload: bytes | BinaryIO, *, now: datetime
) -> Design:
    """Store the upload privately and queue its processing.

    Raises NotVerified, SubmissionsClosed, TermsNotAccepted, EntryLimitReached, AlreadySubmitted and
    ImageRejected (checked from the header only, so the request stays fast; full decoding happens in the job).
    """
    if not artist.is_verified:
        raise NotVerified(_("Please confirm your email address before submitting a design."))
    if not contest.accepts_submissions(now):
        raise SubmissionsClosed(_("This contest is not accepting designs right now."))
    if not (data.accept_licence and data.declare_original):
        raise TermsNotAccepted(
            _("Accept the licence terms and confirm the design is your own original work."),
            field="accept_licence",
        )
    if data.licence_version != contest.licence_terms.version:
        raise TermsNotAccepted(
            _("The licence terms changed while you were filling in the form. Please read them again."),
            field="accept_licence",
        )
    existing = db.session.execute(
        sa.select(Design.id).filter_by(artist_id=artist.id, submission_key=data.submission_key)
    ).scalar_one_or_none()
    if existing is not None:
        raise AlreadySubmitted(_("This design was already submitted."), design_id=existing)
    slot = _free_slot(contest, artist)
    info = inspect_upload(
        upload,
        max_bytes=MAX_UPLOAD_BYTES,
        max_pixels=MAX_UPLOAD_PIXELS,
        min_short_side=contest.min_short_side,
    )
    stored = store_bytes(
        upload,
        content_type=info.content_type,
        purpose="uploads",
        visibility="private",
        owner_id=artist.id,
        now=now,
        width=info.width,
        height=info.height,
    )
    design = Design(
        contest_id=contest.id,
        artist_id=artist.id,
        entry_slot=slot,
        submission_key=data.submission_key,
        title=data.title.strip()[:100],
        description=data.description.strip()[:2000],
        tags=clean_tags(data.tags),
        status="processing",
        upload=stored,
        width=info.width,
        height=info.height,
        licence_terms_id=contest.licence_terms_id,
        licence_accepted_at=now,
        originality_declared=True,
        submitted_at=now,
        updated_at=now,
    )
    db.session.add(design)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # A simultaneous submission took the slot or used the same form key; the unit of work rolls back.
        raise AlreadySubmitted(
            _("This design was already submitted, or your entry limit was just reached.")
        ) from None
    enqueue("designs.process", design_id=design.id)
    return design


def _own_editable(artist: User, design: Design, now: datetime) -> None:
    if design.artist_id != artist.id:
        raise PermissionDenied(_("This is not your design."))
    if not design.contest.accepts_submissions(now):
        raise SubmissionsClosed(_("Submissions are closed: entries can no longer be changed."))
    if design.status in ("withdrawn", "taken_down", "rejected"):
        raise Conflict(_("This entry can no longer be changed."))


def edit_design(
    artist: User, design: Design, *, title: str, description: str, tags: str, now: datetime
) -> Design:
    """Artists fix their text until submissions close. Raises PermissionDenied, SubmissionsClosed."""
    _own_editable(artist, design, now)
    design.title = title.strip()[:100]
    design.description = description.strip()[:2000]
    design.tags = clean_tags(tags)
    design.updated_at = now
    return design


def withdraw_design(artist: User, design: Design, *, now: datetime) -> Design:
    """Take an entry back, freeing its slot. Raises PermissionDenied, SubmissionsClosed, Conflict."""
    _own_editable(artist, design, now)
    design.status = "withdrawn"
    design.entry_slot = None
    design.updated_at = now
    return design


def _set_status(
    design: Design, allowed_from: tuple[str, ...], to: str, now: datetime, **values: object
) -> None:
    """Conditional UPDATE, so two staff acting at once cannot both decide."""
    result = db.session.execute(
        sa.update(Design)
        .where(Design.id == design.id, Design.status.in_(allowed_from))
        .values(status=to, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("This design changed meanwhile; please reload the page."))
    db.session.refresh(design)


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only staff can moderate designs."))


def approve_design(staff: User, design: Design, *, now: datetime) -> Design:
    """Publish a pending design in its gallery and tell the artist."""
    _require_staff(staff)
    _set_status(
        design,
        ("pending",),
        "approved",
        now,
        moderated_by_id=staff.id,
        moderated_at=now,
        rejection_reason=None,
    )
    notify(
        design.artist,
        "design_approved",
        now=now,
        endpoint="designs.detail",
        endpoint_values={"design_id": design.id},
        title=design.title,
    )
    return design


def reject_design(staff: User, design: Design, *, reason: str, note: str, now: datetime) -> Design:
    """Refuse a design with a reason from the list (and a note); the artist is told both."""
    _require_staff(staff)
    reasons = rejection_reasons()
    if reason not in reasons:
        raise DomainError(_("Choose a reason from the list."), field="reason")
    if reason == "other" and not note.strip():
        raise DomainError(_("Explain the reason in the note."), field="note")
    _set_status(
        design,
        ("pending", "approved"),
        "rejected",
        now,
        moderated_by_id=staff.id,
        moderated_at=now,
        rejection_reason=reason,
        moderation_note=note.strip(),
        entry_slot=None,
    )
    notify(
        design.artist,
        "design_rejected",
        now=now,
        endpoint="designs.mine",
        title=design.title,
        reason=reasons[reason],
        note=note.strip(),
    )
    return design


def report_design(
    reporter: User | None,
    design: Design,
    *,
    name: str,
    email: str,
    reason: str,
    evidence_url: str,
    now: datetime,
) -> InfringementReport:
    """Anyone can report a public design as infringing; staff are told."""
    if not design.is_public:
        raise NotFound(_("This design is not public."))
    if not evidence_url.startswith(("http://", "https://")):
        raise DomainError(_("Give a link (http:// or https://) to the original work."), field="evidence_url")
    report = InfringementReport(
        design_id=design.id,
        reporter_id=reporter.id if reporter else None,
        reporter_name=name.strip()[:120],
        contact_email=email.strip().lower(),
        reason=reason.strip()[:4000],
        evidence_url=evidence_url.strip()[:500],
        status="open",
        created_at=now,
    )
    db.session.add(report)
    for staff in db.session.execute(sa.select(User).filter_by(role="staff", active=True)).scalars():
        notify(
            staff, "report_received", now=now, endpoint="moderation.reports", email=False, title=design.title
        )
    return report


def resolve_report(staff: User, report: InfringementReport, *, action: str, note: str, now: datetime) -> None:
    """Dismiss a report, or take the design down with a public notice and tell the artist why."""
    _require_staff(staff)
    if report.status != "open":
        raise Conflict(_("This report was already handled."))
    if action not in ("dismiss", "take_down"):
        raise DomainError(_("Choose an action."))
    if action == "take_down" and not note.strip():
        raise DomainError(_("Write the public notice shown in place of the design."), field="note")
    report.status = "dismissed" if action == "dismiss" else "taken_down"
    report.resolution_note = note.strip()
    report.resolved_by_id = staff.id
    report.resolved_at = now
    if action == "take_down":
        design = report.design
        _set_status(
            design, ("pending", "approved"), "taken_down", now, takedown_notice=note.strip(), entry_slot=None
        )
        notify(
            design.artist,
            "design_taken_down",
            now=now,
            endpoint="designs.detail",
            endpoint_values={"design_id": design.id},
            title=design.title,
            reason=note.strip(),
        )


def member_seed(user_id: int, contest_id: int) -> int:
    """A member's own shuffle of a contest's designs: stable for them, different between members."""
    return zlib.crc32(f"u{user_id}:{contest_id}".encode()) % SHUFFLE_PRIME


def shuffle_key(seed: int) -> sa.ColumnElement[int]:
    """A viewer-seeded order: a quadratic hash modulo a prime, integer-only (same on SQLite and PostgreSQL),
    where the seed changes the order itself, not just where it starts."""
    x = (sa.cast(Design.id, sa.BigInteger) + seed) % SHUFFLE_PRIME
    return (x * x * 7919 + x * seed) % SHUFFLE_PRIME


# Guests share this many shuffles per contest, so their pages can be cached; members get their own.
GUEST_SHUFFLES = 32


def guest_seed(shuffle: int, contest_id: int) -> int:
    """One of GUEST_SHUFFLES orders of a contest, picked at random once per guest (a cookie keeps it)."""
    return zlib.crc32(f"s{shuffle % GUEST_SHUFFLES}:{contest_id}".encode()) % SHUFFLE_PRIME


def _marker_statement(_dialect: str) -> sa.Select:
    now = sa.bindparam("now", None, type_=Contest.__table__.c.updated_at.type)
    phase = sa.case(
        (sa.or_(*(Contest.state == state for state in ("draft", "cancelled", "results"))), Contest.state),
        (now < Contest.submissions_open_at, "scheduled"),
        (now < Contest.submissions_close_at, "submissions"),
        (now < Contest.voting_close_at, "voting"),
        else_="closed",
    )
    last_change = (
        sa.select(sa.func.max(Design.updated_at)).where(Design.contest_id == Contest.id).scalar_subquery()
    )
    return sa.select(Contest.id, phase, Contest.updated_at, last_change).where(
        Contest.slug == sa.bindparam("slug", None, type_=sa.String)
    )


_MARKER = DriverStatement(_marker_statement)


def gallery_marker(slug: str, now: datetime) -> str | None:
    """A short string that changes whenever a contest's public gallery would: its phase, an edit of the
    contest, any design added or changed (moderation, withdrawal, takedown all move ``updated_at``).
    None for an unknown or draft contest. One indexed query, run on the driver: it is all a cached
    guest page costs."""
    row = _MARKER.first(db.session, {"slug": slug, "now": now})
    if row is None or row[1] == "draft":
        return None
    return ":".join(str(part) for part in row)


def gallery_query(contest: Contest, *, now: datetime, seed: int) -> sa.Select:
    """Approved designs; while the contest runs, in a viewer-seeded shuffle so no design is always first."""
    query = (
        sa.select(Design)
        .where(Design.contest_id == contest.id, Design.status == "approved")
        .options(
            orm.selectinload(Design.renditions).joinedload(DesignRendition.file),
            orm.joinedload(Design.artist),
        )
    )
    if contest.phase(now) in ("submissions", "voting"):
        return query.order_by(shuffle_key(seed), Design.id)
    return query.order_by(Design.submitted_at, Design.id)


def design_for_key(artist_id: int, submission_key: str) -> int | None:
    """The design an earlier post of the same form created, if any."""
    return db.session.execute(
        sa.select(Design.id).filter_by(artist_id=artist_id, submission_key=submission_key)
    ).scalar_one_or_none()
