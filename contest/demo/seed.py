"""Demo data as a service, so the CLI and tests build exactly the same site."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from contest.accounts.models import User
from contest.accounts.services import register_user
from contest.contests.models import Contest
from contest.core.images import to_webp
from contest.demo.artwork import generate_artwork, generate_avatar
from contest.extensions import db
from contest.storage.services import store_bytes

DEMO_PASSWORD = "atelier-demo-2026"  # noqa: S105 - printed to the person seeding a local demo
STAFF = ("staff@atelier.example", "atelier_staff", "Camille (staff)")
ARTISTS = [
    (
        "lea@atelier.example",
        "lea_dessine",
        "Léa Moreau",
        "Illustrator from Lyon. Cats, plants and loud colours.",
    ),
    ("malik@atelier.example", "malik_ink", "Malik Haddad", "Screen printer and type nerd."),
    ("sofia@atelier.example", "sofiapaints", "Sofia Rossi", "Watercolour skies, geometric seas."),
    ("tom@atelier.example", "tomdraws", "Tom Becker", "Retro sunsets and mountains, mostly."),
    ("ines@atelier.example", "ines_studio", "Inès Martin", "Bauhaus forever."),
    ("kenji@atelier.example", "kenji_lines", "Kenji Sato", "Line art and low-poly animals."),
]
MEMBERS = [
    ("ana@atelier.example", "ana_votes"),
    ("paul@atelier.example", "paul_b"),
    ("zoe@atelier.example", "zoe_z"),
]


@dataclass
class SeedResult:
    credentials: list[tuple[str, str, str]] = field(default_factory=list)
    users: list[User] = field(default_factory=list)


def _avatar(user: User, seed: int, now: datetime) -> None:
    image = generate_avatar(seed, 256)
    user.avatar = store_bytes(
        to_webp(image),
        content_type="image/webp",
        purpose="avatars",
        visibility="public",
        owner_id=user.id,
        now=now,
        width=256,
        height=256,
    )


def seed(*, now: datetime, contests: bool = True, art_size: int = 1800) -> SeedResult:
    """Create staff, artists with avatars and bios, and plain members. Idempotent by email."""
    result = SeedResult()
    existing = set(db.session.execute(sa.select(User.email)).scalars())
    email, username, name = STAFF
    if email not in existing:
        staff = register_user(
            email, username, DEMO_PASSWORD, now=now - timedelta(days=200), role="staff", verified=True
        )
        staff.display_name = name
        result.users.append(staff)
    result.credentials.append(("staff", email, DEMO_PASSWORD))
    for index, (email, username, name, bio) in enumerate(ARTISTS):
        if email in existing:
            continue
        artist = register_user(
            email,
            username,
            DEMO_PASSWORD,
            now=now - timedelta(days=150 - index * 12),
            verified=True,
            locale="fr" if index % 2 == 0 else "en",
        )
        artist.display_name, artist.bio = name, bio
        artist.links = [f"https://{username.replace('_', '')}.example.org"]
        db.session.flush()
        _avatar(artist, index + 1, now)
        result.users.append(artist)
    result.credentials.append(("artist", ARTISTS[0][0], DEMO_PASSWORD))
    for index, (email, username) in enumerate(MEMBERS):
        if email in existing:
            continue
        member = register_user(
            email, username, DEMO_PASSWORD, now=now - timedelta(days=40 - index), verified=True
        )
        result.users.append(member)
    result.credentials.append(("member", MEMBERS[0][0], DEMO_PASSWORD))
    db.session.flush()
    if contests:
        staff_user = db.session.execute(sa.select(User).filter_by(email=STAFF[0])).scalar_one()
        artist_users = list(
            db.session.execute(
                sa.select(User).where(User.email.in_([a[0] for a in ARTISTS])).order_by(User.id)
            ).scalars()
        )
        seed_contests(now=now, staff=staff_user, artists=artist_users, art_size=art_size)
        from contest.contests.services import advance_contests

        advance_contests(now)
    return result


CONTESTS = [
    # title, tagline, phase, style for the artwork, number of designs, product types
    (
        "Botanical Summer",
        "Leaves, flowers and long sunny days",
        "submissions",
        "sunset",
        7,
        ["tshirt", "poster", "mug"],
    ),
    (
        "Retro Futures",
        "The future as the 80s imagined it",
        "voting",
        "retro_sun",
        9,
        ["tshirt", "hoodie", "sticker"],
    ),
    ("Night Animals", "Owls, foxes and cats after dark", "closed", "cat", 8, ["tshirt", "poster"]),
    ("Ocean Week", "Waves, boats and deep-sea creatures", "scheduled", "waves", 0, ["poster", "mug"]),
]
BRIEF = """Create an original design around **{title}**: {tagline}.

- Bold shapes that read from across the street on a shirt.
- At most six colours, so it prints cleanly.
- Leave some breathing room around the artwork."""
RULES = """1. Your own original work only; no logos, characters or trademarks of others.
2. Up to 3 entries per artist.
3. Scores stay hidden until voting closes; the ranking method is published."""


def _timeline(phase: str, now: datetime) -> dict[str, datetime]:
    offsets = {
        "submissions": (-5, 9, 16),
        "voting": (-12, -2, 5),
        "closed": (-30, -16, -3),
        "scheduled": (4, 18, 25),
    }[phase]
    names = ("submissions_open_at", "submissions_close_at", "voting_close_at")
    return {name: now + timedelta(days=days) for name, days in zip(names, offsets, strict=True)}


def _png(image) -> bytes:  # noqa: ANN001 - a PIL image
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def seed_contests(*, now: datetime, staff: User, artists: list[User], art_size: int = 1800) -> list[Contest]:
    """Contests in every phase, with designs from several artists (moderated as staff would)."""
    from contest.contests import services as contests
    from contest.designs import services as designs

    made = []
    existing = set(db.session.execute(sa.select(Contest.slug)).scalars())
    for index, (title, tagline, phase, style, count, products) in enumerate(CONTESTS):
        if contests.slugify(title) in existing:
            continue
        dates = _timeline(phase, now)
        created = dates["submissions_open_at"] - timedelta(days=3)
        data = contests.ContestInput(
            title=title,
            tagline=tagline,
            brief=BRIEF.format(title=title, tagline=tagline.lower()),
            rules=RULES,
            prize_amount=(index + 2) * 25000,
            prize_currency="EUR",
            royalty_bps=1000 + index * 250,
            winners_count=3,
            min_scores=5,
            min_short_side=min(1800, art_size),
            product_types=products,
            **dates,
        )
        contest = contests.create_contest(staff, data, now=created)
        contests.set_cover(
            contest,
            _png(generate_artwork(100 + index, (1600, 900) if art_size >= 1600 else (800, 450), style)),
            now=created,
        )
        contests.publish_contest(staff, contest, now=created)
        for number in range(count):
            artist = artists[number % len(artists)]
            submitted = dates["submissions_open_at"] + timedelta(hours=5 + number * 7)
            entry = designs.SubmissionInput(
                title=f"{DESIGN_NAMES[(index * 5 + number) % len(DESIGN_NAMES)]}",
                description=tagline + ".",
                tags=", ".join(products[:1] + [style.replace("_", " ")]),
                accept_licence=True,
                declare_original=True,
                licence_version=contest.licence_terms.version,
                submission_key=f"demo-{contest.slug}-{number}",
            )
            art = generate_artwork(
                1000 + index * 50 + number, (art_size, art_size), style if number % 3 else None
            )
            design = designs.submit_design(artist, contest, entry, _png(art), now=submitted)
            made.append(design)
        made.append(contest)
    return made


DESIGN_NAMES = [
    "Monstera Dreams",
    "Golden Hour",
    "Fern Gully",
    "Citrus Pop",
    "Paper Garden",
    "Neon Grid",
    "Chrome Sunset",
    "Cassette Sky",
    "Arcade Moon",
    "Laser Palms",
    "Night Owl",
    "Fox Trot",
    "Moon Cat",
    "Quiet Forest",
    "Star Gazer",
    "Tide Pool",
    "Deep Blue",
    "Salt Air",
]


def moderate_demo(*, now: datetime, staff: User) -> None:
    """Approve most demo entries, leave a couple pending, so every queue has something to show."""
    from contest.designs import services as designs
    from contest.designs.models import Design

    pending = (
        db.session.execute(sa.select(Design).filter_by(status="pending").order_by(Design.id)).scalars().all()
    )
    for position, design in enumerate(pending):
        if design.contest.phase(now) == "submissions" and position % 4 == 3:
            continue  # left for staff to moderate
        designs.approve_design(staff, design, now=design.submitted_at + timedelta(hours=2))


def score_demo(*, now: datetime) -> None:
    """Members and artists score each other's entries; the closed contest gets published results."""
    import random

    from contest.designs.models import Design
    from contest.voting import results as results_service
    from contest.voting import services as voting

    rng = random.Random(2026)  # noqa: S311 - demo data
    voters = list(
        db.session.execute(sa.select(User).where(User.role == "member").order_by(User.id)).scalars()
    )
    for contest in db.session.execute(sa.select(Contest).order_by(Contest.id)).scalars().all():
        if contest.phase(now) not in ("voting", "closed"):
            continue
        moment = min(now, contest.voting_close_at - timedelta(hours=1))
        designs = (
            db.session.execute(
                sa.select(Design).filter_by(contest_id=contest.id, status="approved").order_by(Design.id)
            )
            .scalars()
            .all()
        )
        quality = {design.id: rng.uniform(2.2, 4.6) for design in designs}
        for voter in voters:
            for design in designs:
                if design.artist_id == voter.id or rng.random() < 0.15:
                    continue
                value = max(1, min(5, round(quality[design.id] + rng.gauss(0, 0.8))))
                voting.cast_score(
                    voter, design, value=value, buy=value >= 4 and rng.random() < 0.4, now=moment
                )
        if contest.phase(now) == "closed":
            results_service.publish_results(contest, now=now)
