"""Background jobs by name: ``@job("designs.process")`` registers a function the runners can call.

A job is ``fn(**kwargs) -> None`` whose kwargs are JSON scalars (ids, strings, numbers, booleans, None): it
is handed ids, never ORM objects, and loads what it needs itself, inside its own ``unit_of_work()``.

Every job must be idempotent: a runner may start it more than once for one ``enqueue`` (a retry after a
failure half-way, a worker killed mid-job, two dispatches of the same work), so running it twice must have
the effect of running it once. Guard the effect with a unique constraint or a conditional UPDATE
(``... WHERE processed_at IS NULL``), as ``contest.mail.services`` does, never with an in-memory flag.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

JobFunction = Callable[..., None]
F = TypeVar("F", bound=JobFunction)

# Modules holding ``@job`` functions, imported by the worker at start and lazily before any look-up, so a job
# is known by name in every process. A feature adds its ``contest.<feature>.jobs`` module here.
JOB_MODULES: tuple[str, ...] = ("contest.designs.jobs", "contest.catalogue.jobs")

_JOBS: dict[str, JobFunction] = {}


class UnknownJob(LookupError):
    """No job is registered under this name (a typo, or its module is missing from JOB_MODULES)."""


def job(name: str) -> Callable[[F], F]:
    """Register the decorated function under ``name``; jobs are dispatched by name, never by reference."""

    def register(fn: F) -> F:
        existing = _JOBS.get(name)
        if existing is not None and _qualified(existing) != _qualified(fn):
            raise ValueError(f"job {name!r} is already registered by {_qualified(existing)}")
        _JOBS[name] = fn
        return fn

    return register


def load_job_modules() -> None:
    """Import every module in JOB_MODULES so their jobs are registered (cheap once imported)."""
    for module in JOB_MODULES:
        importlib.import_module(module)


def get_job(name: str) -> JobFunction:
    """The function registered under ``name``; raises UnknownJob so a typo fails where it is written."""
    if name not in _JOBS:
        load_job_modules()
    try:
        return _JOBS[name]
    except KeyError:
        raise UnknownJob(f"no job is registered as {name!r}; is its module listed in JOB_MODULES?") from None


def registered_jobs() -> list[str]:
    """The names of every job known to this process, for the CLI and for error messages."""
    load_job_modules()
    return sorted(_JOBS)


def _qualified(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"
