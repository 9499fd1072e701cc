"""The worker side: the function RQ calls for every job, and the worker that calls it."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import SimpleWorker

from contest.jobs.registry import get_job
from contest.jobs.runner import SERIALIZER, make_queue

_app: Flask | None = None


def _worker_app() -> Flask:
    """The pushed app (``flask jobs worker``, tests), else one built from the environment once per process."""
    global _app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _app is None:
        from contest import create_app

        _app = create_app()
    return _app


def execute(name: str, kwargs: dict[str, Any]) -> None:
    """What RQ runs (``EXECUTE``): job ``name`` in an app context of its own, so it has a fresh session."""
    from contest.extensions import db

    app = _worker_app()
    with app.app_context():
        try:
            get_job(name)(**kwargs)
        finally:
            db.session.remove()


def build_worker(connection: Redis) -> SimpleWorker:
    """A worker on the "atelier" queue with the runner's serializer; the CLI and the tests use this one.

    SimpleWorker runs each job in this process instead of forking a child per job (rq's ``Worker``): the app,
    its engine and its connection pool are built once and reused, no pooled connection is ever shared across a
    fork, and ``execute`` already isolates jobs with an app context and a session each. Job timeouts still
    apply (SIGALRM, which needs the main thread: the CLI runs the worker there). What we give up is a crash
    or a leak in one job taking the worker down with it: run the worker under a supervisor that restarts it.
    """
    return SimpleWorker([make_queue(connection)], connection=connection, serializer=SERIALIZER)
