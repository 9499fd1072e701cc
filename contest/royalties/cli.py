"""``flask royalties …``: clear, payout, statements, reconcile (cron-safe: every step is idempotent)."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.payments.gateway import get_gateway
from contest.royalties import payouts, reconcile, services, statements

cli = AppGroup("royalties", help="Royalty ledger, payouts and statements.")


def _period(value: str) -> str:
    try:
        statements.month_bounds(value)
    except statements.BadPeriod:
        raise click.BadParameter("use YYYY-MM, e.g. 2026-10") from None
    return value


@cli.command("clear")
def clear_command() -> None:
    """Move sales past the holding period from pending to cleared."""
    with unit_of_work():
        count = services.clear_due(now=utcnow())
    click.echo(f"{count} sale line(s) cleared.")


@cli.command("payout")
@click.option("--period", required=True, callback=lambda _c, _p, v: _period(v), help="YYYY-MM")
def payout_command(period: str) -> None:
    """Pay every creator whose cleared balance reaches the threshold, once per creator and period."""
    with unit_of_work():
        services.clear_due(now=utcnow())
    report = payouts.run_payouts(
        period, gateway=get_gateway(), now=utcnow(), threshold=current_app.config["PAYOUT_THRESHOLD"]
    )
    click.echo(
        f"{len(report.paid)} paid ({sum(a for _c, a in report.paid)} minor units), "
        f"{len(report.awaiting_manual)} awaiting a manual transfer, {len(report.failed)} failed, "
        f"{report.skipped} already done, {len(report.no_account)} without a payout account."
    )
    for creator_id, reason in report.failed:
        click.echo(f"  creator {creator_id}: {reason} (retried by the next run)")


@cli.command("statements")
@click.option("--period", required=True, callback=lambda _c, _p, v: _period(v), help="YYYY-MM")
def statements_command(period: str) -> None:
    """Cut every creator's statement for a closed month (immutable snapshots)."""
    try:
        with unit_of_work():
            made = statements.cut_month(period, now=utcnow())
    except statements.BadPeriod as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{made} statement(s) cut for {period}.")


@cli.command("reconcile")
def reconcile_command() -> None:
    """Check the books; exits 1 on any mismatch."""
    report = reconcile.reconcile(get_gateway())
    for line in report.lines():
        click.echo(line)
    db.session.rollback()
    if not report.ok:
        sys.exit(1)


@cli.command("backfill")
def backfill_command() -> None:
    """Book what was sold or awarded before the ledger existed (idempotent)."""
    from contest.catalogue.models import Prize
    from contest.orders.models import Order

    now = utcnow()
    with unit_of_work():
        paid = db.session.execute(sa.select(Order).where(Order.status.in_(reconcile.PAID_STATUSES))).scalars()
        for order in paid:
            services.accrue_order(order, now=order.paid_at or now)
            services.reverse_refunds(order, now=now)
        for prize in db.session.execute(sa.select(Prize).where(Prize.revoked_at.is_(None))).scalars():
            services.book_prize(prize, now=now)
    click.echo("Backfilled.")
