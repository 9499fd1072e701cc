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
    """Advance every contest whose timeline has moved on; publish results, winners and their products."""
    from contest.catalogue.closing import close_contests

    now = utcnow()
    with unit_of_work():
        changes = advance_contests(now)
    for contest_id, from_state, to_state in changes:
        click.echo(f"contest {contest_id}: {from_state} -> {to_state}")
    report = close_contests(now)
    for contest_id in report.results_published:
        click.echo(f"contest {contest_id}: results published")
    click.echo(
        f"{len(changes)} change(s); {report.winners_added} winner(s) added, "
        f"{report.winners_released} released, {len(report.promoted)} promoted, {len(report.failed)} failed."
    )
