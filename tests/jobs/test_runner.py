"""Jobs run after the commit, inline or on a real RQ worker over a real Redis, and retry when they fail."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from redis import Redis
from rq import SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from contest.core.clock import utcnow
from contest.core.db import after_commit, unit_of_work
from contest.extensions import db
from contest.jobs import InlineRunner, RQRunner, UnknownJob, enqueue, get_runner, job, reset_runner
from contest.jobs import worker as job_worker
from contest.jobs.runner import SERIALIZER, make_queue
from contest.mail.models import OutboxMessage

CALLS: Counter[str] = Counter()


@pytest.fixture(autouse=True)
def _forget_calls() -> Iterator[None]:
    CALLS.clear()
    yield
    CALLS.clear()


def _add_message(to: str) -> OutboxMessage:
    message = OutboxMessage(
        to_address=to, subject="job test", body_text="-", template="tests.jobs", created_at=utcnow()
    )
    db.session.add(message)
    db.session.flush()
    return message


@job("tests.write_row")
def write_row(to: str) -> None:
    CALLS["write_row"] += 1
    with unit_of_work():
        _add_message(to)


@job("tests.mark_sent")
def mark_sent(message_id: int) -> None:
    """Idempotent: the conditional UPDATE counts one attempt however often it runs."""
    CALLS["mark_sent"] += 1
    with unit_of_work() as session:
        if session.get(OutboxMessage, message_id) is None:
            raise LookupError(f"message {message_id} is not visible: the job ran before the commit")
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
            .values(sent_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        )


@job("tests.flaky")
def flaky(message_id: int, failures: int) -> None:
    """Fails its first ``failures`` runs, half-way through a write that must not survive."""
    CALLS["flaky"] += 1
    if CALLS["flaky"] <= failures:
        _add_message("half-done@example.com")  # flushed, never committed
        raise RuntimeError(f"flaky failure {CALLS['flaky']}")
    mark_sent(message_id)


@job("tests.chain")
def chain(to: str) -> None:
    """A job that enqueues another one once its own unit of work commits."""
    with unit_of_work():
        _add_message(to)
        enqueue("tests.write_row", to=f"next-{to}")


def _messages() -> list[tuple[str, int, bool]]:
    sent = OutboxMessage.sent_at.is_not(None)
    query = sa.select(OutboxMessage.to_address, OutboxMessage.attempts, sent).order_by(OutboxMessage.id)
    return [tuple(row) for row in db.session.execute(query)]


def _new_message(to: str = "queued@example.com") -> int:
    with unit_of_work():
        return _add_message(to).id


def _job_ids(redis_client: Redis) -> list[str]:
    return make_queue(redis_client).get_job_ids()


def _enqueue_then_roll_back(name: str, **kwargs: str) -> None:
    with unit_of_work():
        enqueue(name, **kwargs)
        raise RuntimeError("changed my mind")


# ---------------------------------------------------------------- inline runner (no Redis configured)


def test_inline_is_the_default_built_once_per_app(inline_app: Flask) -> None:
    assert not inline_app.config.get("REDIS_URL")
    assert "atelier_jobs" not in inline_app.extensions  # nothing built until asked
    runner = get_runner(inline_app)
    assert isinstance(runner, InlineRunner)
    assert runner.max_attempts == 3
    assert get_runner(inline_app) is runner


def test_inline_job_runs_after_the_commit_and_sees_the_rows(inline_app: Flask, ctx: Flask) -> None:
    with unit_of_work():
        message = _add_message("new@example.com")
        enqueue("tests.mark_sent", message_id=message.id)
        assert CALLS["mark_sent"] == 0  # not before the commit
    assert CALLS["mark_sent"] == 1
    assert _messages() == [("new@example.com", 1, True)]


def test_inline_job_is_dropped_when_the_unit_of_work_rolls_back(inline_app: Flask, ctx: Flask) -> None:
    with pytest.raises(RuntimeError, match="changed my mind"):
        _enqueue_then_roll_back("tests.write_row", to="never@example.com")
    with unit_of_work():
        pass  # a later commit does not run it either
    assert CALLS["write_row"] == 0
    assert _messages() == []


def test_inline_retries_a_flaky_job_and_undoes_the_failed_attempts(
    inline_app: Flask, ctx: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = _new_message()
    with unit_of_work():
        enqueue("tests.flaky", message_id=message_id, failures=2)
    assert CALLS["flaky"] == 3
    assert _messages() == [("queued@example.com", 1, True)]  # no half-done row left
    failures = [r for r in caplog.records if r.name == "atelier.jobs"]
    assert [r.levelno for r in failures] == [logging.WARNING, logging.WARNING]
    assert "attempt 2 of 3" in failures[1].getMessage()


def test_inline_gives_up_after_the_limit_without_raising(
    app: Flask, ctx: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = _new_message()
    later: list[str] = []
    reset_runner(app)
    app.config["JOB_MAX_ATTEMPTS"] = 2
    try:
        with unit_of_work():
            enqueue("tests.flaky", message_id=message_id, failures=99)
            after_commit(lambda: later.append("ran"))
    finally:
        del app.config["JOB_MAX_ATTEMPTS"]
        reset_runner(app)
    assert CALLS["flaky"] == 2
    assert later == ["ran"]  # the hooks after it still run
    assert _messages() == [("queued@example.com", 0, False)]
    logged = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "atelier.jobs"]
    assert [level for level, _ in logged] == [logging.WARNING, logging.WARNING, logging.ERROR]
    assert "tests.flaky" in logged[-1][1]
    assert "gave up after 2 attempt(s)" in logged[-1][1]
    # The session is usable afterwards: the request carries on.
    with unit_of_work():
        _add_message("after@example.com")
    assert len(_messages()) == 2


def test_inline_job_can_enqueue_another(inline_app: Flask, ctx: Flask) -> None:
    with unit_of_work():
        enqueue("tests.chain", to="first@example.com")
    assert [to for to, _, _ in _messages()] == ["first@example.com", "next-first@example.com"]


def test_enqueue_refuses_what_a_worker_could_not_run(inline_app: Flask, ctx: Flask) -> None:
    with pytest.raises(UnknownJob, match="tests.nope"), unit_of_work():
        enqueue("tests.nope", design_id=1)
    message = _add_message("x@example.com")
    with pytest.raises(TypeError, match="JSON scalar"), unit_of_work():
        enqueue("tests.mark_sent", message_id=message)  # type: ignore[arg-type]
    db.session.rollback()
    assert _messages() == []
    assert not CALLS


def test_enqueue_needs_an_app_context() -> None:
    assert not has_app_context()
    with pytest.raises(RuntimeError, match="application context"):
        enqueue("tests.write_row", to="nobody@example.com")


def test_job_names_are_unique() -> None:
    def impostor(to: str) -> None:
        """Same name, different function."""

    with pytest.raises(ValueError, match="already registered"):
        job("tests.write_row")(impostor)


# ---------------------------------------------------------------- RQ runner on a real Redis


def test_redis_url_selects_rq(rq_app: Flask) -> None:
    runner = get_runner(rq_app)
    assert isinstance(runner, RQRunner)
    assert runner.queue.name == "atelier"
    assert runner.retry is not None
    assert runner.retry.max == 2  # three attempts in all
    assert get_runner(rq_app) is runner


def test_rq_job_is_queued_at_commit_and_run_by_the_worker(
    rq_app: Flask, ctx: Flask, redis_client: Redis, run_worker: Callable[[], bool]
) -> None:
    with unit_of_work():
        message = _add_message("queued@example.com")
        enqueue("tests.mark_sent", message_id=message.id)
        assert _job_ids(redis_client) == []  # nothing before the commit
    [job_id] = _job_ids(redis_client)
    queued = Job.fetch(job_id, connection=redis_client, serializer=SERIALIZER)
    assert queued.func_name == "contest.jobs.worker.execute"
    assert queued.args == ["tests.mark_sent", {"message_id": message.id}]
    assert queued.timeout == 300
    assert CALLS["mark_sent"] == 0
    assert _messages() == [("queued@example.com", 0, False)]

    assert run_worker() is True
    assert CALLS["mark_sent"] == 1
    assert _messages() == [("queued@example.com", 1, True)]
    assert queued.get_status() == JobStatus.FINISHED
    assert _job_ids(redis_client) == []


def test_rq_queues_nothing_when_the_unit_of_work_rolls_back(
    rq_app: Flask, ctx: Flask, redis_client: Redis, run_worker: Callable[[], bool]
) -> None:
    with pytest.raises(RuntimeError, match="changed my mind"):
        _enqueue_then_roll_back("tests.write_row", to="never@example.com")
    assert _job_ids(redis_client) == []
    assert run_worker() is False
    assert _messages() == []


def test_rq_retries_a_job_that_fails_once(
    rq_app: Flask, ctx: Flask, redis_client: Redis, run_worker: Callable[[], bool]
) -> None:
    message_id = _new_message()
    with unit_of_work():
        enqueue("tests.flaky", message_id=message_id, failures=1)
    [job_id] = _job_ids(redis_client)
    run_worker()
    assert CALLS["flaky"] == 2
    assert _messages() == [("queued@example.com", 1, True)]  # the failed attempt left nothing
    done = Job.fetch(job_id, connection=redis_client, serializer=SERIALIZER)
    assert done.get_status() == JobStatus.FINISHED


def test_rq_gives_up_after_the_limit(
    rq_app: Flask, ctx: Flask, redis_client: Redis, run_worker: Callable[[], bool]
) -> None:
    message_id = _new_message()
    with unit_of_work():
        enqueue("tests.flaky", message_id=message_id, failures=99)
    [job_id] = _job_ids(redis_client)
    run_worker()
    assert CALLS["flaky"] == 3
    failed = FailedJobRegistry("atelier", connection=redis_client, serializer=SERIALIZER)
    assert failed.get_job_ids() == [job_id]
    assert _messages() == [("queued@example.com", 0, False)]


def test_rq_waits_before_retrying_by_default(
    rq_app: Flask, ctx: Flask, redis_client: Redis, run_worker: Callable[[], bool]
) -> None:
    """With the default delays a retry is scheduled, so a worker needs its scheduler (the CLI starts it)."""
    del rq_app.config["JOB_RETRY_INTERVALS"]
    reset_runner(rq_app)
    message_id = _new_message()
    with unit_of_work():
        enqueue("tests.flaky", message_id=message_id, failures=99)
    [job_id] = _job_ids(redis_client)
    before = utcnow()
    run_worker()
    assert CALLS["flaky"] == 1
    scheduled = ScheduledJobRegistry("atelier", connection=redis_client, serializer=SERIALIZER)
    assert scheduled.get_job_ids() == [job_id]
    due = scheduled.get_scheduled_time(job_id)
    assert before + timedelta(seconds=9) <= due <= utcnow() + timedelta(seconds=11)


def test_rq_idempotent_job_dispatched_twice_has_one_effect(
    rq_app: Flask, ctx: Flask, redis_client: Redis, run_worker: Callable[[], bool]
) -> None:
    message_id = _new_message()
    with unit_of_work():
        enqueue("tests.mark_sent", message_id=message_id)
    with unit_of_work():
        enqueue("tests.mark_sent", message_id=message_id)
    assert len(_job_ids(redis_client)) == 2
    run_worker()
    assert CALLS["mark_sent"] == 2  # both ran...
    assert _messages() == [("queued@example.com", 1, True)]  # ...with one effect


def test_rq_job_id_drops_a_duplicate_while_it_waits(
    rq_app: Flask, ctx: Flask, redis_client: Redis, run_worker: Callable[[], bool]
) -> None:
    message_id = _new_message()
    for _ in range(2):
        with unit_of_work():
            enqueue("tests.mark_sent", message_id=message_id, job_id=f"mark-{message_id}")
    assert _job_ids(redis_client) == [f"mark-{message_id}"]
    run_worker()
    assert CALLS["mark_sent"] == 1
    # Once it has finished, the id can be used again.
    with unit_of_work():
        enqueue("tests.mark_sent", message_id=message_id, job_id=f"mark-{message_id}")
    assert _job_ids(redis_client) == [f"mark-{message_id}"]
    run_worker()
    assert CALLS["mark_sent"] == 2
    assert _messages() == [("queued@example.com", 1, True)]


def test_rq_job_can_enqueue_another(
    rq_app: Flask, ctx: Flask, redis_client: Redis, run_worker: Callable[[], bool]
) -> None:
    with unit_of_work():
        enqueue("tests.chain", to="first@example.com")
    run_worker()  # the second job, queued by the first, runs in the same burst
    assert [to for to, _, _ in _messages()] == ["first@example.com", "next-first@example.com"]
    assert _job_ids(redis_client) == []


def test_redis_down_after_the_commit_is_logged_not_raised(
    app: Flask, ctx: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    later: list[str] = []
    reset_runner(app)
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    try:
        with unit_of_work():
            _add_message("kept@example.com")
            enqueue("tests.write_row", to="lost@example.com")
            after_commit(lambda: later.append("ran"))
    finally:
        app.config["REDIS_URL"] = None
        reset_runner(app)
    assert _messages() == [("kept@example.com", 0, False)]
    assert later == ["ran"]
    [record] = [r for r in caplog.records if r.name == "atelier.jobs"]
    assert record.levelno == logging.ERROR
    assert "tests.write_row" in record.getMessage()
    assert "lost@example.com" in record.getMessage()


def test_execute_builds_its_own_app_when_none_is_pushed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """As under a bare ``rq worker``: the app built once per process, a context pushed and popped per job."""
    monkeypatch.setattr(job_worker, "_app", app)
    assert not has_app_context()
    job_worker.execute("tests.write_row", {"to": "bare@example.com"})
    assert not has_app_context()
    with app.app_context():
        assert _messages() == [("bare@example.com", 0, False)]


# ---------------------------------------------------------------- the CLI


def test_cli_worker_burst_runs_the_queue(
    rq_app: Flask, ctx: Flask, redis_client: Redis, keep_signals: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the remote-control thread, whose shutdown races (see run_worker) and could fail a later test.
    monkeypatch.setattr(SimpleWorker, "subscribe", lambda self: None)
    message_id = _new_message()
    with unit_of_work():
        enqueue("tests.mark_sent", message_id=message_id)
    result = rq_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "Ran the queued jobs." in result.output
    assert _messages() == [("queued@example.com", 1, True)]


def test_cli_worker_needs_redis(inline_app: Flask) -> None:
    result = inline_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0
    assert "ATELIER_REDIS_URL is not set" in result.output


def test_cli_run_replays_a_job(app: Flask, ctx: Flask) -> None:
    message_id = _new_message()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "tests.mark_sent", "-k", f"message_id={message_id}"])
    assert result.exit_code == 0, result.output
    assert _messages() == [("queued@example.com", 1, True)]
    unknown = runner.invoke(args=["jobs", "run", "tests.nope"])
    assert unknown.exit_code != 0
    assert "unknown job 'tests.nope'" in unknown.output
    failing = runner.invoke(args=["jobs", "run", "tests.flaky", "-k", "message_id=1", "-k", "failures=99"])
    assert failing.exit_code != 0
    assert "tests.flaky failed" in failing.output
