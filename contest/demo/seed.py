"""Demo data as a service, so the CLI and tests build exactly the same site."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from contest.accounts.models import User
from contest.accounts.services import register_user
from contest.core.images import to_webp
from contest.demo.artwork import generate_avatar
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


def seed(*, now: datetime) -> SeedResult:
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
    return result
