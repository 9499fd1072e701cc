"""The one-question satisfaction survey after a contest's results: 0–10 "how likely are you to recommend
Atelier", an optional comment, once per contest and person, for its entrants and voters only.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.community.models import SurveyResponse
from contest.contests.models import Contest
from contest.core.errors import Conflict, DomainError, PermissionDenied
from contest.designs.models import Design
from contest.extensions import db
from contest.voting.models import ContestResult, Score


def results_published(contest_id: int) -> bool:
    return (
        db.session.execute(sa.select(ContestResult.id).filter_by(contest_id=contest_id).limit(1)).first()
        is not None
    )


def participants(contest_id: int) -> set[int]:
    """Everyone who entered a design or gave a score in the contest."""
    entrants = sa.select(Design.artist_id).where(
        Design.contest_id == contest_id, Design.status != "withdrawn"
    )
    voters = sa.select(Score.voter_id).where(Score.contest_id == contest_id, Score.value.is_not(None))
    return set(db.session.execute(sa.union(entrants, voters)).scalars())


def may_answer(member: User, contest: Contest) -> bool:
    return (
        results_published(contest.id)
        and member.id in participants(contest.id)
        and not answered(member.id, contest.id)
    )


def answered(member_id: int, contest_id: int) -> bool:
    return (
        db.session.execute(
            sa.select(SurveyResponse.id).filter_by(contest_id=contest_id, user_id=member_id)
        ).first()
        is not None
    )


def respond(
    member: User, contest: Contest, *, score: int | None, comment: str, now: datetime
) -> SurveyResponse:
    """Record the answer; raises PermissionDenied (not a participant, or too early), Conflict (answered)."""
    if not results_published(contest.id):
        raise PermissionDenied(_("The survey opens when the results are published."))
    if member.id not in participants(contest.id):
        raise PermissionDenied(_("This survey is for the contest's entrants and voters."))
    if score is None or not 0 <= score <= 10:
        raise DomainError(_("Choose a number from 0 to 10."), field="score")
    response = SurveyResponse(
        contest_id=contest.id, user_id=member.id, score=score, comment=comment.strip()[:1000], created_at=now
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except sa.exc.IntegrityError:
        raise Conflict(_("You already answered this survey. Thank you!")) from None
    return response


def freeze_voters(contest_id: int) -> None:
    """Record the contest's voters once its results are out (safe to repeat)."""
    from contest.community.models import ContestVoter
    from contest.core.db import upsert_insert

    pairs = (
        sa.select(Score.contest_id, Score.voter_id)
        .where(Score.contest_id == contest_id, Score.value.is_not(None))
        .distinct()
    )
    db.session.execute(
        upsert_insert(ContestVoter).from_select(["contest_id", "voter_id"], pairs).on_conflict_do_nothing()
    )


def invite(contest: Contest, *, now: datetime) -> int:
    """Invite every participant once (on results); returns how many were invited."""
    from contest.notifications.services import notify

    people = participants(contest.id)
    for user in db.session.execute(
        sa.select(User).where(User.id.in_(people), User.active.is_(True))
    ).scalars():
        notify(
            user,
            "survey_invite",
            now=now,
            endpoint="community.survey",
            endpoint_values={"slug": contest.slug},
            contest=contest.title,
        )
    return len(people)


def nps(scores: list[int]) -> float | None:
    """Net Promoter Score: % of 9–10 minus % of 0–6, from −100 to 100; None without answers."""
    if not scores:
        return None
    promoters = sum(1 for score in scores if score >= 9)
    detractors = sum(1 for score in scores if score <= 6)
    return round(100 * (promoters - detractors) / len(scores), 1)
