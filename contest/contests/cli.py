"""``flask contests tick``: move contests through their phases (cron; safe to overlap)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from contest.contests.services import advance_contests
from contest.core.clock import utcnow
from contest.core.db import unit_of_work

cli = AppGroup("contests", help="Contests.")


@cli.command("tick")
def tick_command() -> None:
    """Advance every contest whose timeline has moved on."""
    with unit_of_work():
        changes = advance_contests(utcnow())
    for contest_id, from_state, to_state in changes:
        click.echo(f"contest {contest_id}: {from_state} -> {to_state}")
    click.echo(f"{len(changes)} change(s).")
