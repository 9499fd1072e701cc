"""Who runs a job: inline in this process (the default) or an RQ worker, when ``ATELIER_REDIS_URL`` is set.

Services call ``enqueue(name, **kwargs)`` inside ``with unit_of_work():``; the job is handed to the runner
only once that unit of work has committed, so it always sees the rows that asked for it.

Settings (read from the app's config, with these defaults): ``JOB_MAX_ATTEMPTS`` (3, first run included),
``JOB_RETRY_INTERVALS`` (seconds before each RQ retry: 10, then 60 for every later one) and ``JOB_TIMEOUT``
(300 s, for RQ).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, current_app, g, has_app_context
from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from contest.core.db import after_commit
from contest.jobs.registry import get_job

log = logging.getLogger("atelier.jobs")

JobArg = str | int | float | bool | None
QUEUE_NAME = "atelier"
# The importable function the worker calls; a string, so the web process never imports the worker side.
EXECUTE = "contest.jobs.worker.execute"
# JSON rather than rq's default pickle: job data is plain scalars, and unpickling what Redis hands back would
# let anyone able to write to Redis run code in the worker.
SERIALIZER = JSONSerializer
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_RETRY_INTERVALS = (10, 60)
DEFAULT_TIMEOUT = 300
# A job with one of these statuses has not finished yet: a dispatch with its id is a duplicate.
PENDING = {JobStatus.CREATED, JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED, JobStatus.STARTED}
_EXTENSION = "atelier_jobs"


class JobRunner(ABC):
    """Runs registered jobs by name; built per app by ``get_runner``."""

    @abstractmethod
    def dispatch(self, name: str, kwargs: Mapping[str, JobArg], *, job_id: str | None = None) -> None:
        """Run or queue job ``name`` now; services call ``enqueue``, which waits for the commit first.

        ``job_id`` de-duplicates where the runner can: a second dispatch with the id of a job still waiting or
        running is dropped.
        """

    def close(self) -> None:
        """Release connections (tests, reconfiguration); the runner is not used afterwards."""
        return  # nothing to release by default


def max_attempts(config: Mapping[str, Any]) -> int:
    """``JOB_MAX_ATTEMPTS`` checked once, so a bad value fails at the first dispatch, not silently."""
    attempts = int(config.get("JOB_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    if attempts < 1:
        raise ValueError("JOB_MAX_ATTEMPTS must be at least 1")
    return attempts


class InlineRunner(JobRunner):
    """Runs the job at once in this process, retrying it, so a site without Redis needs no worker.

    A job that still fails after the last attempt is logged and dropped: the request that committed the data
    has succeeded and must not turn into an error page. Whatever an attempt leaves uncommitted is rolled back,
    as it is in the worker, where each job has its own session.
    """

    def __init__(self, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> None:
        self.max_attempts = max_attempts

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> InlineRunner:
        return cls(max_attempts=max_attempts(config))

    def dispatch(self, name: str, kwargs: Mapping[str, JobArg], *, job_id: str | None = None) -> None:
        self.run(name, kwargs)

    def run(self, name: str, kwargs: Mapping[str, JobArg]) -> bool:
        """Run the job now, up to ``max_attempts`` times; returns whether an attempt succeeded."""
        from contest.extensions import db

        if not has_app_context():
            raise RuntimeError("the inline job runner needs an application context")
        fn = get_job(name)
        for attempt in range(1, self.max_attempts + 1):
            # The job's after-commit hooks are its own: keep them apart from the caller's.
            caller_callbacks = g.pop("after_commit_callbacks", None)
            try:
                fn(**kwargs)
            except Exception:
                log.warning(
                    "Job %s %s failed (attempt %d of %d)",
                    name,
                    dict(kwargs),
                    attempt,
                    self.max_attempts,
                    exc_info=True,
                )
                succeeded = False
            else:
                succeeded = True
            finally:
                db.session.rollback()
                g.pop("after_commit_callbacks", None)
                if caller_callbacks is not None:
                    g.after_commit_callbacks = caller_callbacks
            if succeeded:
                return True
        log.error("Job %s %s gave up after %d attempt(s)", name, dict(kwargs), self.max_attempts)
        return False


def connect(url: str, *, timeout: float | None = 5.0) -> Redis:
    """A Redis client that fails fast: a web request must not hang on a Redis that has gone away."""
    return Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout, health_check_interval=30
    )


def make_queue(connection: Redis, *, timeout: int = DEFAULT_TIMEOUT) -> Queue:
    """The one queue, with the serializer the worker expects; shared by the runner and the worker."""
    return Queue(QUEUE_NAME, connection=connection, serializer=SERIALIZER, default_timeout=timeout)


def retry_intervals(retries: int, intervals: Sequence[int]) -> list[int]:
    """One delay per retry, repeating the last configured one (rq would reuse the first)."""
    if not intervals:
        return [0] * retries
    return [int(intervals[min(i, len(intervals) - 1)]) for i in range(retries)]


class RQRunner(JobRunner):
    """Queues the job on Redis for ``flask jobs worker``; RQ retries it with a delay when it fails."""

    def __init__(
        self,
        redis_url: str,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        intervals: Sequence[int] = DEFAULT_RETRY_INTERVALS,
        timeout: int = DEFAULT_TIMEOUT,
    ) -> None:
        self.connection = connect(redis_url)
        self.queue = make_queue(self.connection, timeout=timeout)
        self.timeout = timeout
        retries = max_attempts - 1
        self.retry = Retry(max=retries, interval=retry_intervals(retries, intervals)) if retries else None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RQRunner:
        return cls(
            config["REDIS_URL"],
            max_attempts=max_attempts(config),
            intervals=tuple(config.get("JOB_RETRY_INTERVALS", DEFAULT_RETRY_INTERVALS)),
            timeout=int(config.get("JOB_TIMEOUT", DEFAULT_TIMEOUT)),
        )

    def dispatch(self, name: str, kwargs: Mapping[str, JobArg], *, job_id: str | None = None) -> None:
        get_job(name)  # an unknown name fails here, not later in the worker
        options: dict[str, Any] = {
            "args": (name, dict(kwargs)),
            "timeout": self.timeout,
            "retry": self.retry,
            "description": name,
        }
        if job_id is None:
            self.queue.enqueue_call(EXECUTE, **options)
            return
        # Two rounds: the second follows the removal of a finished job that held the id.
        for _ in range(2):
            try:
                self.queue.enqueue_call(EXECUTE, job_id=job_id, unique=True, **options)
                return
            except DuplicateJobError:
                if not self._free_id(job_id):
                    break
        log.info("Job %s %s not queued: job %s is already waiting or running", name, dict(kwargs), job_id)

    def _free_id(self, job_id: str) -> bool:
        """Delete the job holding ``job_id`` if it is done (finished or failed); False if still pending."""
        try:
            existing = Job.fetch(job_id, connection=self.connection, serializer=SERIALIZER)
        except NoSuchJobError:
            return True  # expired meanwhile
        if existing.get_status(refresh=False) in PENDING:
            return False
        existing.delete()
        return True

    def close(self) -> None:
        self.connection.close()


def get_runner(app: Flask | None = None) -> JobRunner:
    """The app's runner, built on first use: RQ when ``REDIS_URL`` is set, inline otherwise."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    runner: JobRunner | None = app.extensions.get(_EXTENSION)
    if runner is None:
        if app.config.get("REDIS_URL"):
            runner = RQRunner.from_config(app.config)
        else:
            runner = InlineRunner.from_config(app.config)
        app.extensions[_EXTENSION] = runner
    return runner


def reset_runner(app: Flask) -> None:
    """Forget (and close) the app's runner so the next dispatch builds one from the current config."""
    runner: JobRunner | None = app.extensions.pop(_EXTENSION, None)
    if runner is not None:
        runner.close()


def enqueue(name: str, /, *, job_id: str | None = None, **kwargs: JobArg) -> None:
    """Run job ``name`` once the current unit of work commits, so it sees the rows that asked for it.

    Call it inside ``with unit_of_work():`` (it needs an app context): nothing is dispatched if the unit of
    work rolls back. Kwargs must be JSON scalars (pass ids, not objects); ``job_id`` is reserved for
    de-duplication (RQ drops a dispatch whose id is still waiting or running). Failing to hand the job over
    after the commit (Redis down) is logged with its kwargs, for ``flask jobs run``, and does not raise: the
    data is committed, and the remaining after-commit hooks must still run.
    """
    get_job(name)
    for key, value in kwargs.items():
        if value is not None and not isinstance(value, str | int | float | bool):
            raise TypeError(f"job {name!r}: {key}={value!r} is not a JSON scalar; pass an id or a string")
    if not has_app_context():
        raise RuntimeError("enqueue needs an application context (and a unit of work to wait for)")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    job_kwargs = dict(kwargs)

    def dispatch() -> None:
        try:
            get_runner(app).dispatch(name, job_kwargs, job_id=job_id)
        except Exception:
            log.exception("Job %s %s was committed but could not be dispatched", name, job_kwargs)

    after_commit(dispatch)
