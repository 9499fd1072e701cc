"""``flask mail send``: retry anything the outbox still holds (cron-friendly, safe to overlap)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from contest.core.clock import utcnow
from contest.mail.services import send_pending

cli = AppGroup("mail", help="Outgoing email.")


@cli.command("send")
def send_command() -> None:
    """Deliver queued emails."""
    sent = send_pending(current_app.config, now=utcnow())
    click.echo(f"Sent {sent} message(s).")
