"""Background jobs: ``@job`` registers one by name, ``enqueue`` runs it after the unit of work commits.

A feature writes ``@job("designs.process")`` in ``contest/<feature>/jobs.py``, lists that module in
``registry.JOB_MODULES``, and calls ``enqueue("designs.process", design_id=design.id)`` from a service,
inside ``with unit_of_work():``. Jobs run inline by default, on an RQ worker when ATELIER_REDIS_URL is set.
"""

from contest.jobs.registry import UnknownJob, job
from contest.jobs.runner import InlineRunner, JobRunner, RQRunner, enqueue, get_runner, reset_runner

__all__ = [
    "InlineRunner",
    "JobRunner",
    "RQRunner",
    "UnknownJob",
    "enqueue",
    "get_runner",
    "job",
    "reset_runner",
]
