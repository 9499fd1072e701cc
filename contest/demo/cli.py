"""``flask demo seed``: a lively site for a newcomer, with artwork drawn by Pillow (no external assets)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from contest.accounts.models import User
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.demo import seed as seed_module
from contest.extensions import db

cli = AppGroup("demo", help="Demonstration data.")


@cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
def seed_command(if_empty: bool) -> None:
    """Create demo accounts and artwork; prints the demo passwords once."""

    if if_empty and db.session.execute(sa.select(sa.func.count(User.id))).scalar_one() > 0:
        click.echo("Database already has data; demo seed skipped.")
        return
    with unit_of_work():
        result = seed_module.seed(now=utcnow())
    # Designs were processed right after that commit (or queued, with Redis); now play the moderator.
    with unit_of_work():
        staff = db.session.execute(sa.select(User).filter_by(email=seed_module.STAFF[0])).scalar_one()
        seed_module.moderate_demo(now=utcnow(), staff=staff)
    with unit_of_work():
        seed_module.score_demo(now=utcnow())
    # The closed contest's winners go on sale as the scheduler would do it (mockups included).
    from contest.catalogue.closing import close_contests

    report = close_contests(utcnow())
    click.echo(f"{len(report.promoted)} winning design(s) now in the shop.")
    # Members buy them (weeks ago and lately): royalties, a refund, a payout, last month's statement.
    from contest.demo.sales import seed_sales

    staff = db.session.execute(sa.select(User).filter_by(email=seed_module.STAFF[0])).scalar_one()
    buyers = list(
        db.session.execute(
            sa.select(User).where(User.email.in_([m[0] for m in seed_module.MEMBERS]))
        ).scalars()
    )
    creators = seed_sales(now=utcnow(), staff=staff, buyers=buyers)
    for creator_id in creators:
        creator = db.session.get(User, creator_id)
        click.echo(f"  {creator.email} has sales, a payout and statements (Account menu → Earnings).")
    # Follows, the idea board (open, accepted, declined) and survey answers for the closed contest.
    from contest.demo.community import seed_community

    artists = list(
        db.session.execute(
            sa.select(User).where(User.email.in_([a[0] for a in seed_module.ARTISTS]))
        ).scalars()
    )
    with unit_of_work():
        seed_community(now=utcnow(), staff=staff, members=buyers, artists=artists)
    click.echo("Demo data created. Log in with:")
    for role, login, password in result.credentials:
        click.echo(f"  {role:<7} {login:<28} password: {password}")
