"""Proposing, supporting and discussing contest themes; staff answer each idea publicly."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image

from contest.accounts.models import User
from contest.contests.models import Contest
from contest.core.db import insert_ignore
from contest.core.errors import Conflict, DomainError, PermissionDenied
from contest.core.images import ImageLimits, load_image, normalise, to_webp
from contest.extensions import db
from contest.ideas.models import MAX_IMAGES, Idea, IdeaComment, IdeaImage, IdeaSupport
from contest.notifications.services import notify
from contest.storage.services import store_bytes

IMAGE_WIDTH = 1600  # references, not print masters: a screen's width is plenty
SORTS = ("support", "new")


def _need_verified(member: User) -> None:
    if not member.is_verified:
        raise PermissionDenied(_("Confirm your email address first."))


def propose(member: User, *, title: str, description: str, images: list[bytes], now: datetime) -> Idea:
    """A new open idea. Raises DomainError (title, description) or ImageRejected; nothing is saved then."""
    _need_verified(member)
    title, description = title.strip(), description.strip()
    if not 4 <= len(title) <= 120:
        raise DomainError(_("Give the idea a title of 4 to 120 characters."), field="title")
    if not 20 <= len(description) <= 4000:
        raise DomainError(_("Describe the idea in 20 to 4,000 characters."), field="description")
    if len(images) > MAX_IMAGES:
        raise DomainError(_("Up to %(num)s reference images.", num=MAX_IMAGES), field="images")
    limits = ImageLimits(
        max_bytes=current_app.config["AVATAR_MAX_BYTES"], max_pixels=current_app.config["AVATAR_MAX_PIXELS"]
    )
    decoded = [
        load_image(data, limits) for data in images
    ]  # every image is checked before anything is stored
    idea = Idea(
        title=title,
        description=description,
        proposer_id=member.id,
        status="open",
        answer="",
        support_count=0,
        created_at=now,
        updated_at=now,
    )
    db.session.add(idea)
    db.session.flush()
    for position, image in enumerate(decoded):
        picture = normalise(image)
        picture.thumbnail((IMAGE_WIDTH, IMAGE_WIDTH), Image.Resampling.LANCZOS)
        stored = store_bytes(
            to_webp(picture),
            content_type="image/webp",
            purpose="ideas",
            visibility="public",
            owner_id=member.id,
            now=now,
            width=picture.width,
            height=picture.height,
        )
        db.session.add(IdeaImage(idea_id=idea.id, file=stored, position=position))
    return idea


def support(member: User, idea: Idea, *, now: datetime) -> bool:
    """One support per member; True if this one counted. Proposers support their own idea implicitly."""
    _need_verified(member)
    if idea.proposer_id == member.id:
        raise DomainError(_("This is your own idea: others can support it."))
    if idea.status != "open":
        raise DomainError(_("This idea has been answered: it takes no more support."))
    if not insert_ignore(IdeaSupport, idea_id=idea.id, user_id=member.id, created_at=now):
        return False
    db.session.execute(sa.update(Idea).where(Idea.id == idea.id).values(support_count=Idea.support_count + 1))
    return True


def withdraw_support(member: User, idea: Idea) -> bool:
    if idea.status != "open":
        raise DomainError(_("This idea has been answered: its support is final."))
    removed = db.session.execute(
        sa.delete(IdeaSupport).filter_by(idea_id=idea.id, user_id=member.id)
    ).rowcount
    if removed:
        db.session.execute(
            sa.update(Idea).where(Idea.id == idea.id).values(support_count=Idea.support_count - 1)
        )
    return bool(removed)


def supports(member_id: int, idea_id: int) -> bool:
    return (
        db.session.execute(sa.select(IdeaSupport.id).filter_by(idea_id=idea_id, user_id=member_id)).first()
        is not None
    )


def comment(member: User, idea: Idea, body: str, *, now: datetime) -> IdeaComment:
    _need_verified(member)
    body = body.strip()
    if not 2 <= len(body) <= 2000:
        raise DomainError(_("Write a comment of 2 to 2,000 characters."), field="body")
    item = IdeaComment(idea_id=idea.id, author_id=member.id, body=body, created_at=now)
    db.session.add(item)
    return item


def answer(
    staff: User, idea: Idea, *, accept: bool, reason: str, contest: Contest | None, now: datetime
) -> None:
    """Accepted (turned into a contest that credits the proposer) or declined with a public reason.

    Either way the proposer is told; an idea is answered once."""
    if not staff.is_staff:
        raise PermissionDenied(_("Only staff can answer ideas."))
    if idea.status != "open":
        raise Conflict(_("This idea was already answered."))
    reason = reason.strip()
    if accept and contest is None:
        raise DomainError(_("Choose the contest this idea became."), field="contest")
    if not reason:
        message = _("Say a word to the proposer.") if accept else _("Give the reason: it is shown publicly.")
        raise DomainError(message, field="reason")
    done = db.session.execute(
        sa.update(Idea)
        .where(Idea.id == idea.id, Idea.status == "open")
        .values(
            status="accepted" if accept else "declined",
            answer=reason,
            answered_by_id=staff.id,
            answered_at=now,
            contest_id=contest.id if accept and contest else None,
            updated_at=now,
        )
    ).rowcount
    if not done:
        raise Conflict(_("This idea was already answered."))
    proposer = db.session.get(User, idea.proposer_id)
    notify(
        proposer,
        "idea_accepted" if accept else "idea_declined",
        now=now,
        endpoint="ideas.detail",
        endpoint_values={"idea_id": idea.id},
        title=idea.title,
        contest=contest.title if accept and contest else "",
        note=reason,
    )


def board(*, status: str | None, sort: str, limit: int = 100) -> list[Idea]:
    query = sa.select(Idea)
    if status in ("open", "accepted", "declined"):
        query = query.where(Idea.status == status)
    order = (
        (Idea.support_count.desc(), Idea.created_at.desc())
        if sort == "support"
        else (Idea.created_at.desc(),)
    )
    return list(db.session.execute(query.order_by(*order).limit(limit)).scalars())


def idea_for_contest(contest_id: int) -> Idea | None:
    return (
        db.session.execute(
            sa.select(Idea).filter_by(contest_id=contest_id, status="accepted").order_by(Idea.id)
        )
        .scalars()
        .first()
    )


def comments_of(idea_id: int) -> list[IdeaComment]:
    return list(
        db.session.execute(
            sa.select(IdeaComment).filter_by(idea_id=idea_id).order_by(IdeaComment.created_at)
        ).scalars()
    )
