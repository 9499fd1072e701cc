"""Demo community: follows, ideas on the board (open, accepted into the scheduled contest, declined),
and survey answers for the closed contest, all through the real services.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from contest.accounts.models import User
from contest.community import services as community
from contest.community import surveys
from contest.contests.models import Contest
from contest.extensions import db
from contest.ideas import services as ideas
from contest.ideas.models import Idea

IDEAS = [
    (
        "Tiny houses",
        "Cabins, tree houses and tiny homes with big personalities. Cosy linework, warm windows.",
    ),
    ("Deep sea glow", "Anglerfish, jellyfish and everything that lights up in the dark ocean, neon on navy."),
    (
        "Kitchen botanicals",
        "Herbs, citrus and spices drawn like old botanical plates, for tea towels and mugs.",
    ),
    ("Retro robots", "Tin toys and friendly robots from the 1950s, rounded shapes and limited palettes."),
]


def seed_community(*, now: datetime, staff: User, members: list[User], artists: list[User]) -> None:
    """Idempotent: does nothing once the board has ideas."""
    if db.session.execute(sa.select(Idea.id).limit(1)).first() is not None or not members or not artists:
        return
    for member in members:
        for artist in artists[:3]:
            community.follow(member, artist, now=now - timedelta(days=5))
    proposers = [*members, *artists]
    made = []
    for index, (title, description) in enumerate(IDEAS):
        idea = ideas.propose(
            proposers[index % len(proposers)], title=title, description=description, images=[], now=now
        )
        made.append(idea)
        for supporter in proposers[index + 1 : index + 1 + (len(IDEAS) - index) * 2]:
            if supporter.id != idea.proposer_id:
                ideas.support(supporter, idea, now=now)
        ideas.comment(proposers[(index + 2) % len(proposers)], idea, "I would buy this on a poster!", now=now)
    upcoming = (
        db.session.execute(
            sa.select(Contest).where(Contest.submissions_open_at > now).order_by(Contest.submissions_open_at)
        )
        .scalars()
        .first()
    )
    if upcoming is not None:
        ideas.answer(
            staff,
            made[1],
            accept=True,
            reason="Glowing creatures it is. Thank you!",
            contest=upcoming,
            now=now,
        )
    ideas.answer(
        staff,
        made[3],
        accept=False,
        reason="We ran a robots theme last spring; let's give it a year.",
        contest=None,
        now=now,
    )
    closed = [
        contest
        for contest in db.session.execute(sa.select(Contest)).scalars()
        if surveys.results_published(contest.id)
    ]
    for contest in closed:
        people = sorted(surveys.participants(contest.id))
        for index, user_id in enumerate(people):
            user = db.session.get(User, user_id)
            if index % 3 != 2:  # two in three answer
                surveys.respond(user, contest, score=(10, 9, 7, 8, 6)[index % 5], comment="", now=now)
