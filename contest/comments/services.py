"""Comment use cases: post, delete your own, report abuse, and staff decisions on reports."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.comments.models import Comment, CommentReport
from contest.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from contest.designs.models import Design
from contest.extensions import db

MAX_LENGTH = 4000


def post_comment(author: User, design: Design, body: str, *, now: datetime) -> Comment:
    """A verified member's critique on a public design. Raises PermissionDenied, NotFound, DomainError."""
    if not author.is_verified:
        raise PermissionDenied(_("Please confirm your email address before commenting."))
    if not design.is_public:
        raise NotFound(_("This design is not in the gallery."))
    body = body.strip()
    if not body:
        raise DomainError(_("Write something first."), field="body")
    if len(body) > MAX_LENGTH:
        raise DomainError(_("Keep it under %(n)s characters.", n=MAX_LENGTH), field="body")
    comment = Comment(design_id=design.id, author_id=author.id, body=body, created_at=now)
    db.session.add(comment)
    return comment


def delete_comment(user: User, comment: Comment) -> None:
    """Authors may delete their own comments (staff hide instead, with a reason)."""
    if comment.author_id != user.id:
        raise PermissionDenied(_("This is not your comment."))
    db.session.delete(comment)


def report_comment(reporter: User, comment: Comment, reason: str, *, now: datetime) -> CommentReport:
    """One report per member and comment; staff see them in their queue."""
    if comment.author_id == reporter.id:
        raise DomainError(_("You cannot report your own comment."))
    if not reason.strip():
        raise DomainError(_("Say what is wrong with this comment."), field="reason")
    exists = db.session.execute(
        sa.select(CommentReport.id).filter_by(comment_id=comment.id, reporter_id=reporter.id)
    ).first()
    if exists:
        raise Conflict(_("You already reported this comment."))
    report = CommentReport(
        comment_id=comment.id,
        reporter_id=reporter.id,
        reason=reason.strip()[:2000],
        status="open",
        created_at=now,
    )
    db.session.add(report)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        raise Conflict(_("You already reported this comment.")) from None
    return report


def resolve_comment_reports(staff: User, comment: Comment, *, hide: bool, reason: str, now: datetime) -> None:
    """Hide the comment with a visible reason, or dismiss its reports."""
    if not staff.is_staff:
        raise PermissionDenied(_("Only staff can moderate comments."))
    if hide and not reason.strip():
        raise DomainError(_("Give the reason shown in place of the comment."), field="reason")
    if hide:
        comment.hidden_at, comment.hidden_reason, comment.hidden_by_id = now, reason.strip(), staff.id
    db.session.execute(
        sa.update(CommentReport)
        .where(CommentReport.comment_id == comment.id, CommentReport.status == "open")
        .values(status="hidden" if hide else "dismissed", resolved_at=now, resolved_by_id=staff.id)
    )


def for_design(design_id: int) -> list[Comment]:
    return list(
        db.session.execute(
            sa.select(Comment).filter_by(design_id=design_id).order_by(Comment.created_at, Comment.id)
        ).scalars()
    )


def reported() -> list[tuple[Comment, int]]:
    """Comments with open reports, most reported first."""
    rows = db.session.execute(
        sa.select(Comment, sa.func.count(CommentReport.id))
        .join(CommentReport, CommentReport.comment_id == Comment.id)
        .where(CommentReport.status == "open")
        .group_by(Comment.id)
        .order_by(sa.func.count(CommentReport.id).desc(), Comment.created_at)
    )
    return [(comment, count) for comment, count in rows]
