"""Queue emails inside a unit of work; deliver them after it commits, each exactly once."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from contest.core.clock import utcnow
from contest.core.db import after_commit, unit_of_work
from contest.extensions import db
from contest.mail.models import OutboxMessage
from contest.mail.sender import deliver

log = logging.getLogger("atelier.mail")
CLAIM_TIMEOUT = timedelta(minutes=10)
MAX_ATTEMPTS = 8


def queue_email(
    to: str,
    template: str,
    *,
    now: datetime,
    locale: str = "en",
    unsubscribe_url: str | None = None,
    **context: Any,
) -> OutboxMessage:
    """Render ``templates/email/<template>.{txt,html}`` in the recipient's language and queue it.

    The message is sent after the surrounding unit of work commits, never before.
    """
    with force_locale(locale):
        context["unsubscribe_url"] = unsubscribe_url
        subject = render_template(f"email/{template}.subject.txt", **context).strip()
        body_text = render_template(f"email/{template}.txt", **context)
        body_html = render_template(f"email/{template}.html", **context)
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        unsubscribe_url=unsubscribe_url,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    message_id = message.id
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(lambda: send_pending(app.config, now=utcnow(), only_ids=[message_id]))
    return message


def _claim(message_id: int, now: datetime) -> bool:
    """Conditional UPDATE: only one process wins a message, even with several running at once."""
    with unit_of_work() as session:
        result = session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.sent_at.is_(None),
                sa.or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
            )
            .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
        )
    return result.rowcount == 1


def send_pending(config: dict[str, Any], *, now: datetime, only_ids: list[int] | None = None) -> int:
    """Deliver unsent messages (all, or ``only_ids``); returns how many were sent. Safe to run twice."""
    query = sa.select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS
    )
    if only_ids is not None:
        query = query.where(OutboxMessage.id.in_(only_ids))
    ids = list(db.session.execute(query.order_by(OutboxMessage.id)).scalars())
    sent = 0
    for message_id in ids:
        if not _claim(message_id, now):
            continue
        with unit_of_work() as session:
            message = session.get(OutboxMessage, message_id)
            try:
                deliver(message, config)
            except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded and retried later
                log.warning("Email %s to %s failed: %s", message.id, message.to_address, exc)
                message.last_error = str(exc)[:2000]
                message.claimed_at = None
            else:
                message.sent_at = utcnow()
                message.last_error = None
                sent += 1
    return sent
