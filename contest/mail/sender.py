"""Delivery: SMTP when a mail server is configured, the application log otherwise."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from contest.mail.models import OutboxMessage

log = logging.getLogger("atelier.mail")


def build_message(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="atelier.localhost")
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def deliver(message: OutboxMessage, config: dict[str, Any]) -> None:
    """Send one message; raises on failure so the caller can record the error and retry later."""
    email = build_message(message, config["MAIL_SENDER"])
    server = config.get("MAIL_SERVER")
    if not server:
        log.info(
            "Email (no ATELIER_MAIL_SERVER set, logged only) to %s: %s\n%s",
            message.to_address,
            message.subject,
            message.body_text,
        )
        return
    with smtplib.SMTP(server, config.get("MAIL_PORT", 25), timeout=15) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(email)
