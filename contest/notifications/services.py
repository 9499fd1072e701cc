"""Tell a member something happened: an in-app notification, and an email in their language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from contest.accounts.models import User
from contest.core.db import upsert_insert
from contest.core.errors import DomainError
from contest.core.i18n import N_
from contest.core.security import external_url
from contest.extensions import db
from contest.mail.services import queue_email
from contest.notifications.models import CHANNELS, Notification, NotificationPreference

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
    "idea_accepted": N_("Your idea “%(title)s” became a contest: %(contest)s. Thank you!"),
    "idea_declined": N_("Your idea “%(title)s” was not taken up this time."),
    "survey_invite": N_("The results of %(contest)s are out. One question: would you recommend Atelier?"),
}


# What each kind is about, for the preferences page; staff-only kinds are shown to staff only.
KIND_LABELS: dict[str, str] = {
    "design_ready": N_("Your upload is processed"),
    "design_failed": N_("Your upload could not be processed"),
    "design_approved": N_("Your design is approved"),
    "design_rejected": N_("Your design is not accepted"),
    "design_taken_down": N_("Your design is taken down after a report"),
    "results_published": N_("Results of the contests you entered"),
    "design_won": N_("Your design wins"),
    "design_for_sale": N_("A design you loved goes on sale"),
    "report_received": N_("Infringement reports (staff)"),
    "promotion_failed": N_("A winner could not be put on sale (staff)"),
    "idea_accepted": N_("Your idea becomes a contest"),
    "idea_declined": N_("Your idea is declined"),
    "survey_invite": N_("A one-question survey after a contest"),
}
STAFF_KINDS = frozenset({"report_received", "promotion_failed"})
# Kinds a member cannot silence entirely: they concern their own work's removal.
ESSENTIAL = frozenset({"design_taken_down"})
DEFAULT_CHANNEL = "email"
# News sent to many people at once starts in the app only; members can ask for the email too.
DEFAULT_CHANNELS = {"survey_invite": "in_app"}


def channel_for(user_id: int, kind: str) -> str:
    """How the member hears about this kind: "email" (and in the app), "in_app" or "off"."""
    chosen = db.session.execute(
        sa.select(NotificationPreference.channel).filter_by(user_id=user_id, kind=kind)
    ).scalar_one_or_none()
    if chosen is None:
        return DEFAULT_CHANNELS.get(kind, DEFAULT_CHANNEL)
    return "in_app" if chosen == "off" and kind in ESSENTIAL else chosen


def preferences(user: User) -> list[tuple[str, str]]:
    """(kind, channel) for every kind this member can receive."""
    kinds = [kind for kind in KIND_LABELS if user.is_staff or kind not in STAFF_KINDS]
    return [(kind, channel_for(user.id, kind)) for kind in kinds]


def set_channel(user: User, kind: str, channel: str, *, now: datetime) -> None:
    if kind not in KIND_LABELS or channel not in CHANNELS:
        raise DomainError(_("Unknown notification setting."))
    if channel == "off" and kind in ESSENTIAL:
        raise DomainError(_("This notification cannot be turned off: it concerns your own work."))
    db.session.execute(
        upsert_insert(NotificationPreference)
        .values(user_id=user.id, kind=kind, channel=channel, updated_at=now)
        .on_conflict_do_update(
            index_elements=["user_id", "kind"], set_={"channel": channel, "updated_at": now}
        )
    )


_UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A link that stops one kind of email without logging in; it never expires (as mail clients expect)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT).dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        user_id, kind = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT).loads(
            token
        )
    except (BadSignature, ValueError, TypeError):
        return None
    return (int(user_id), str(kind)) if kind in KIND_LABELS else None


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
) -> Notification | None:
    """Add a notification (and queue its email) in the caller's unit of work, as the member chose.

    Returns None when the member turned this kind off."""
    channel = channel_for(user.id, kind) if kind in KIND_LABELS else DEFAULT_CHANNEL
    if channel == "off":
        return None
    link = external_url(endpoint, **(endpoint_values or {})) if endpoint else None
    notification = Notification(user_id=user.id, kind=kind, params=params, link=link, created_at=now)
    db.session.add(notification)
    if email and channel == "email":
        with force_locale(user.locale):
            text = message_for(notification)
        queue_email(
            user.email,
            "notification",
            now=now,
            locale=user.locale,
            unsubscribe_url=external_url("notifications.unsubscribe", token=unsubscribe_token(user.id, kind))
            if kind not in ESSENTIAL
            else None,
            user=user,
            text=text,
            link=link,
        )
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
