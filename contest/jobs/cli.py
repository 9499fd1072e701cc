"""``flask jobs worker`` runs queued jobs (with Redis); ``flask jobs run`` runs one job now, by hand."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from contest.jobs.registry import load_job_modules, registered_jobs
from contest.jobs.runner import InlineRunner, JobArg, connect, max_attempts
from contest.jobs.worker import build_worker

cli = AppGroup("jobs", help="Background jobs.")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs already due, then exit.")
def worker_command(burst: bool) -> None:
    """Run jobs from the "atelier" queue on ATELIER_REDIS_URL until stopped (SIGTERM ends the job first)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("ATELIER_REDIS_URL is not set: jobs run inline, no worker is needed.")
    load_job_modules()  # a broken job module stops the worker now, not at its first job
    with connect(url, timeout=None) as connection:
        worker = build_worker(connection)
        # The scheduler moves retries whose delay has passed back onto the queue (in burst mode: once, first).
        worked = worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
    if burst:
        click.echo("Ran the queued jobs." if worked else "No job was queued.")


def _parse_kwarg(text: str) -> tuple[str, JobArg]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"{text!r} is not KEY=VALUE")
    try:
        value = json.loads(raw)  # 42, true, null, "quoted"
    except ValueError:
        value = raw  # a bare string
    if value is not None and not isinstance(value, str | int | float | bool):
        raise click.BadParameter(f"{key}: job arguments are scalars (ids, strings)")
    return key, value


@cli.command("run")
@click.argument("name")
@click.option("--kwarg", "-k", "pairs", multiple=True, metavar="KEY=VALUE", help="A job argument (repeat).")
def run_command(name: str, pairs: tuple[str, ...]) -> None:
    """Run one job now in this process, with retries: replays a job that could not be queued."""
    if name not in registered_jobs():
        raise click.ClickException(f"unknown job {name!r}; known: {', '.join(registered_jobs()) or 'none'}")
    kwargs = dict(_parse_kwarg(pair) for pair in pairs)
    if not InlineRunner(max_attempts=max_attempts(current_app.config)).run(name, kwargs):
        raise click.ClickException(f"{name} failed; see the log above.")
    click.echo(f"Ran {name}.")
