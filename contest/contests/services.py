"""Contest use cases: create, edit, publish, cancel, and move phases forward with the clock."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.contests.models import PRODUCT_TYPES, Contest, ContestTransition, LicenceTerms
from contest.core.errors import Conflict, DomainError, PermissionDenied
from contest.extensions import db

DEFAULT_LICENCE = """\
You keep the copyright of your design. By submitting it you declare that it is your own
original work and that it does not copy anyone else's.

If your design wins, you grant Atelier a non-exclusive, worldwide licence to print it on the
products of this contest and to sell those products, and to show your design to promote the
contest and the shop, for as long as the products are offered. Atelier pays you the contest's
royalty rate on every sale, as shown in your statements.

You may end the licence with 60 days' notice once the product has been on sale for a year.
Designs that do not win are only shown in the contest's gallery and results."""


class InvalidTimeline(DomainError):
    """Dates must stay ordered, and a phase that has ended cannot be reopened."""


class InvalidContest(DomainError):
    """A field of the contest form is out of range."""


class SlugTaken(DomainError):
    """Another contest already uses this address."""


@dataclass
class ContestInput:
    title: str
    brief: str
    submissions_open_at: datetime
    submissions_close_at: datetime
    voting_close_at: datetime
    slug: str = ""
    tagline: str = ""
    rules: str = ""
    prize_amount: int = 0
    prize_currency: str = "EUR"
    royalty_bps: int = 1000
    winners_count: int = 3
    min_scores: int = 10
    winners_hold_days: int = 0
    max_entries_per_artist: int = 3
    min_short_side: int = 1800
    product_types: list[str] = field(default_factory=lambda: ["tshirt", "poster"])


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "contest"


def current_licence(*, now: datetime) -> LicenceTerms:
    """The newest licence version; the first one is created on demand."""
    terms = db.session.execute(
        sa.select(LicenceTerms).order_by(LicenceTerms.version.desc()).limit(1)
    ).scalar_one_or_none()
    if terms is None:
        terms = LicenceTerms(
            version=1, title="Atelier design licence, version 1", body=DEFAULT_LICENCE, created_at=now
        )
        db.session.add(terms)
        db.session.flush()
    return terms


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDenied(_("Only staff can manage contests."))


def _validate(data: ContestInput, contest: Contest | None, now: datetime) -> None:
    if not (data.submissions_open_at < data.submissions_close_at < data.voting_close_at):
        raise InvalidTimeline(
            _("Dates must follow each other: submissions open, then close, then voting closes."),
            field="submissions_close_at",
        )
    if contest is not None and contest.state != "draft":
        for name in ("submissions_open_at", "submissions_close_at", "voting_close_at"):
            old, new = getattr(contest, name), getattr(data, name)
            if old <= now < new:
                raise InvalidTimeline(
                    _(
                        "This date has passed; it cannot move into the future, "
                        "or a closed phase would reopen."
                    ),
                    field=name,
                )
    elif data.submissions_close_at <= now:
        raise InvalidTimeline(_("Submissions must close in the future."), field="submissions_close_at")
    unknown = set(data.product_types) - set(PRODUCT_TYPES)
    if not data.product_types or unknown:
        raise InvalidContest(_("Choose at least one product type."), field="product_types")
    if not 0 <= data.royalty_bps <= 10000:
        raise InvalidContest(_("The royalty rate must be between 0 and 100 %."), field="royalty_percent")
    if data.prize_amount < 0:
        raise InvalidContest(_("The prize cannot be negative."), field="prize")


def _apply(contest: Contest, data: ContestInput) -> None:
    for name in (
        "title",
        "tagline",
        "brief",
        "rules",
        "prize_amount",
        "prize_currency",
        "royalty_bps",
        "winners_count",
        "min_scores",
        "winners_hold_days",
        "max_entries_per_artist",
        "min_short_side",
        "product_types",
        "submissions_open_at",
        "submissions_close_at",
        "voting_close_at",
    ):
        setattr(contest, name, getattr(data, name))


def _flush_or_slug_taken() -> None:
    """The unique index decides between two simultaneous edits; the unit of work then rolls back."""
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        raise SlugTaken(_("Another contest already uses this address."), field="slug") from None


def create_contest(staff: User, data: ContestInput, *, now: datetime) -> Contest:
    """A draft contest, invisible until published. Raises InvalidTimeline, InvalidContest, SlugTaken."""
    _require_staff(staff)
    _validate(data, None, now)
    slug = slugify(data.slug or data.title)
    if db.session.execute(sa.select(Contest.id).filter_by(slug=slug)).first():
        raise SlugTaken(_("Another contest already uses this address."), field="slug")
    contest = Contest(
        slug=slug,
        state="draft",
        created_by_id=staff.id,
        created_at=now,
        updated_at=now,
        licence_terms=current_licence(now=now),
    )
    _apply(contest, data)
    db.session.add(contest)
    _flush_or_slug_taken()
    return contest


def update_contest(staff: User, contest: Contest, data: ContestInput, *, now: datetime) -> Contest:
    """Edit a contest; once published, passed dates stay passed. Raises like create_contest."""
    _require_staff(staff)
    if contest.state in ("cancelled", "closed", "results") or contest.phase(now) == "closed":
        raise Conflict(_("A closed or cancelled contest can no longer be edited."))
    _validate(data, contest, now)
    _apply(contest, data)
    if contest.state == "draft" and data.slug:
        contest.slug = slugify(data.slug)
    contest.updated_at = now
    _flush_or_slug_taken()
    return contest


def _record(contest_id: int, from_state: str, to_state: str, now: datetime, actor: User | None) -> None:
    db.session.add(
        ContestTransition(
            contest_id=contest_id,
            from_state=from_state,
            to_state=to_state,
            at=now,
            actor_id=actor.id if actor else None,
        )
    )


def move_state(
    contest_id: int, from_state: str, to_state: str, now: datetime, actor: User | None = None
) -> bool:
    """Conditional UPDATE: of two processes racing, exactly one sees rowcount 1 and logs the change."""
    result = db.session.execute(
        sa.update(Contest)
        .where(Contest.id == contest_id, Contest.state == from_state)
        .values(state=to_state, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    _record(contest_id, from_state, to_state, now, actor)
    return True


def publish_contest(staff: User, contest: Contest, *, now: datetime) -> Contest:
    """Make a draft public. Raises Conflict if it is not a draft or its submissions already closed."""
    _require_staff(staff)
    if contest.state != "draft":
        raise Conflict(_("Only a draft can be published."))
    if contest.submissions_close_at <= now:
        raise InvalidTimeline(_("Submissions must close in the future."), field="submissions_close_at")
    if not move_state(contest.id, "draft", "scheduled", now, staff):
        raise Conflict(_("Only a draft can be published."))
    db.session.execute(sa.update(Contest).where(Contest.id == contest.id).values(published_at=now))
    db.session.refresh(contest)
    advance_contests(now, contest_ids=[contest.id])
    db.session.refresh(contest)
    return contest


def cancel_contest(staff: User, contest: Contest, reason: str, *, now: datetime) -> Contest:
    """Stop a contest before it closes, with a public reason. Raises Conflict once it has closed."""
    _require_staff(staff)
    if not reason.strip():
        raise InvalidContest(_("Say why the contest is cancelled; entrants will read it."), field="reason")
    state = contest.state
    if state in ("closed", "results", "cancelled") or contest.phase(now) == "closed":
        raise Conflict(_("A closed or cancelled contest cannot be cancelled."))
    if not move_state(contest.id, state, "cancelled", now, staff):
        raise Conflict(_("The contest changed meanwhile; please try again."))
    db.session.execute(
        sa.update(Contest)
        .where(Contest.id == contest.id)
        .values(cancelled_at=now, cancel_reason=reason.strip())
    )
    db.session.refresh(contest)
    return contest


STEPS = (
    ("scheduled", "submissions", Contest.submissions_open_at),
    ("submissions", "voting", Contest.submissions_close_at),
    ("voting", "closed", Contest.voting_close_at),
)


def advance_contests(now: datetime, contest_ids: list[int] | None = None) -> list[tuple[int, str, str]]:
    """Bring every published contest's stored state up to its timeline; idempotent and race-safe.

    Returns the (contest id, from, to) changes this call made, so hooks run once per change.
    """
    changes: list[tuple[int, str, str]] = []
    for from_state, to_state, boundary in STEPS:
        query = sa.select(Contest.id).where(Contest.state == from_state, boundary <= now)
        if contest_ids is not None:
            query = query.where(Contest.id.in_(contest_ids))
        for contest_id in db.session.execute(query.order_by(Contest.id)).scalars().all():
            if move_state(contest_id, from_state, to_state, now):
                changes.append((contest_id, from_state, to_state))
    return changes


def get_by_slug(slug: str) -> Contest | None:
    return db.session.execute(sa.select(Contest).filter_by(slug=slug)).scalar_one_or_none()


def public_contests(now: datetime) -> dict[str, list[Contest]]:
    """Published contests grouped by phase for the contest list."""
    rows = (
        db.session.execute(
            sa.select(Contest)
            .where(Contest.state.not_in(["draft"]))
            .order_by(Contest.submissions_close_at.desc())
        )
        .scalars()
        .all()
    )
    groups: dict[str, list[Contest]] = {"submissions": [], "voting": [], "scheduled": [], "past": []}
    for contest in rows:
        phase = contest.phase(now)
        groups["past" if phase in ("closed", "results", "cancelled") else phase].append(contest)
    groups["submissions"].sort(key=lambda c: c.submissions_close_at)
    groups["voting"].sort(key=lambda c: c.voting_close_at)
    groups["scheduled"].sort(key=lambda c: c.submissions_open_at)
    return groups


COVER_WIDTH = 1600


def set_cover(contest: Contest, upload: bytes, *, now: datetime) -> None:
    """Replace the cover with a WebP rendition of the upload. Raises ImageRejected."""
    from PIL import Image

    from contest.core.images import ImageLimits, load_image, normalise, to_webp
    from contest.storage.services import discard, store_bytes

    image = normalise(
        load_image(upload, ImageLimits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000, min_short_side=300))
    )
    if image.width > COVER_WIDTH:
        image = image.resize(
            (COVER_WIDTH, round(image.height * COVER_WIDTH / image.width)), Image.Resampling.LANCZOS
        )
    old = contest.cover
    contest.cover = store_bytes(
        to_webp(image),
        content_type="image/webp",
        purpose="covers",
        visibility="public",
        owner_id=None,
        now=now,
        width=image.width,
        height=image.height,
    )
    if old is not None:
        db.session.flush()
        discard(old)
