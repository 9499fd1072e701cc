"""Tell a member something happened: an in-app notification, and an email in their language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.core.i18n import N_
from contest.core.security import external_url
from contest.extensions import db
from contest.mail.services import queue_email
from contest.notifications.models import Notification

# Each kind's sentence, translated when shown; params fill the placeholders.
MESSAGES: dict[str, str] = {
    "design_ready": N_("Your design “%(title)s” is uploaded and waits for moderation."),
    "design_failed": N_("Your design “%(title)s” could not be processed: %(reason)s"),
    "design_approved": N_("Your design “%(title)s” is approved and visible in the contest gallery."),
    "design_rejected": N_("Your design “%(title)s” was not accepted: %(reason)s"),
    "design_taken_down": N_(
        "Your design “%(title)s” was taken down after an infringement report: %(reason)s"
    ),
    "report_received": N_("A design was reported as infringing: “%(title)s”."),
    "results_published": N_("The results of %(contest)s are out: see how “%(title)s” did."),
    "design_won": N_("“%(title)s” won %(contest)s and is now for sale in the shop. Congratulations!"),
    "design_for_sale": N_("A design you loved is now for sale: “%(title)s”."),
    "promotion_failed": N_("“%(title)s” could not be put on sale: %(reason)s"),
}


def message_for(notification: Notification) -> str:
    """The notification's sentence in the current locale."""
    template = MESSAGES.get(notification.kind)
    if template is None:
        return notification.kind
    params = {key: _(str(value)) if key == "reason" else value for key, value in notification.params.items()}
    text = _(template, **params)
    note = notification.params.get("note")
    return f"{text} — {note}" if note else text


def notify(
    user: User,
    kind: str,
    *,
    now: datetime,
    endpoint: str | None = None,
    email: bool = True,
    endpoint_values: dict[str, Any] | None = None,
    **params: Any,
) -> Notification:
    """Add a notification (and queue its email) in the caller's unit of work."""
    link = external_url(endpoint, **(endpoint_values or {})) if endpoint else None
    notification = Notification(user_id=user.id, kind=kind, params=params, link=link, created_at=now)
    db.session.add(notification)
    if email:
        with force_locale(user.locale):
            text = message_for(notification)
        queue_email(user.email, "notification", now=now, locale=user.locale, user=user, text=text, link=link)
    return notification


def unread_count(user_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    ).scalar_one()


def recent(user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        db.session.execute(
            sa.select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        ).scalars()
    )


def mark_all_read(user_id: int, *, now: datetime) -> int:
    """Returns how many were unread."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return result.rowcount
