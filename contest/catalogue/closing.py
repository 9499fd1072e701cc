"""The scheduled close of contests: results, winners, release of held winners, promotion.

Run by ``flask contests tick`` (cron, every minute) on any number of processes at once: each step is its
own unit of work and does its work once (see services.py), so a run that dies halfway is finished by
the next one, and one design that cannot be promoted fails alone, with an alert to staff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from contest.catalogue import services
from contest.catalogue.models import ContestWinner
from contest.contests.models import Contest
from contest.contests.services import advance_contests
from contest.core.db import unit_of_work
from contest.core.errors import Conflict, DomainError
from contest.extensions import db
from contest.voting.results import publish_results

log = logging.getLogger("atelier.closing")


@dataclass
class CloseReport:
    results_published: list[int] = field(default_factory=list)
    winners_added: int = 0
    winners_released: int = 0
    promoted: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def close_contests(now: datetime) -> CloseReport:
    """Bring every contest whose voting has closed all the way to products on sale."""
    report = CloseReport()
    with unit_of_work():
        advance_contests(now)
    closed = db.session.execute(sa.select(Contest.id).where(Contest.state == "closed")).scalars().all()
    for contest_id in closed:
        try:
            with unit_of_work():
                contest = db.session.get(Contest, contest_id)
                publish_results(contest, now=now)
            report.results_published.append(contest_id)
        except Conflict:
            pass  # another process published them first, or voting is not over
    # Contests with results but without winner rows yet (a crash after publishing is resumed here).
    pending = (
        db.session.execute(
            sa.select(Contest.id).where(
                Contest.state == "results",
                ~sa.exists().where(ContestWinner.contest_id == Contest.id),
            )
        )
        .scalars()
        .all()
    )
    for contest_id in pending:
        with unit_of_work():
            report.winners_added += len(services.ensure_winners(db.session.get(Contest, contest_id), now=now))
    with unit_of_work():
        report.winners_released = len(services.release_held_winners(now=now))
    waiting = (
        db.session.execute(
            sa.select(ContestWinner.id)
            .where(ContestWinner.status == "published", ContestWinner.promoted_at.is_(None))
            .order_by(ContestWinner.id)
        )
        .scalars()
        .all()
    )
    for winner_id in waiting:
        try:
            with unit_of_work():
                winner = db.session.get(ContestWinner, winner_id)
                if services.promote_winner(winner, now=now):
                    report.promoted.append(winner_id)
        except services.PromotionFailed as error:
            log.warning("winner %s not promoted: %s", winner_id, error.message)
            with unit_of_work():
                services.record_failure(db.session.get(ContestWinner, winner_id), error, now=now)
            report.failed.append(winner_id)
        except DomainError as error:  # pragma: no cover - reported, and retried on the next run
            log.warning("winner %s not promoted: %s", winner_id, error.message)
            report.failed.append(winner_id)
    return report
