"""``flask users create-staff``: the way the first staff account comes to exist."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from contest.accounts.services import create_staff
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError

cli = AppGroup("users", help="Accounts.")


@cli.command("create-staff")
@click.argument("email")
@click.argument("username")
@click.password_option(help="Asked for interactively when omitted.")
def create_staff_command(email: str, username: str, password: str) -> None:
    """Create a verified staff account."""
    try:
        with unit_of_work():
            user = create_staff(email, username, password, now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"Staff account {user.username} <{user.email}> created.")
