"""One-line builders for test data, going through the same services as the site."""

from __future__ import annotations

import io
import itertools
from datetime import datetime

from PIL import Image

from contest.accounts.models import User
from contest.accounts.services import register_user
from contest.core.clock import utcnow
from contest.core.db import unit_of_work

PASSWORD = "correct horse battery"  # noqa: S105
_counter = itertools.count(1)


def make_user(
    username: str | None = None,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    role: str = "member",
    now: datetime | None = None,
) -> User:
    n = next(_counter)
    username = username or f"member{n}"
    email = email or f"{username.lower()}@example.com"
    with unit_of_work():
        user = register_user(email, username, password, now=now or utcnow(), role=role, verified=verified)
    return user


def image_bytes(
    size: tuple[int, int] = (400, 300), fmt: str = "PNG", color: str = "#7540bf", **save
) -> bytes:
    buffer = io.BytesIO()
    mode = "RGB" if fmt == "JPEG" else "RGBA"
    Image.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height``: what a decompression bomb looks like."""
    import struct
    import zlib

    data = bytearray(image_bytes((1, 1), "PNG"))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def timeline_for(phase: str, now: datetime) -> dict[str, datetime]:
    """Dates that put a contest in ``phase`` at ``now``."""
    from datetime import timedelta

    offsets = {
        "scheduled": (2, 9, 16),
        "submissions": (-1, 6, 13),
        "voting": (-8, -1, 6),
        "closed": (-15, -8, -1),
    }[phase]
    open_, close, vote = (now + timedelta(days=d) for d in offsets)
    return {"submissions_open_at": open_, "submissions_close_at": close, "voting_close_at": vote}


def make_contest(
    phase: str = "submissions",
    *,
    now: datetime | None = None,
    staff: User | None = None,
    publish: bool = True,
    **overrides,
) -> object:
    """A contest that is in ``phase`` at ``now`` (default: the real clock), made through the services."""
    from datetime import timedelta

    from contest.contests import services
    from contest.contests.models import Contest
    from contest.extensions import db

    now = now or utcnow()
    staff = staff or make_user(role="staff")
    dates = timeline_for(phase, now)
    created_at = dates["submissions_open_at"] - timedelta(days=1)
    fields = {
        "title": f"Contest {next(_counter)}",
        "brief": "Draw **cats** in space.",
        "min_short_side": 300,
        "prize_amount": 50000,
        "prize_currency": "EUR",
        **dates,
        **overrides,
    }
    with unit_of_work():
        contest = services.create_contest(staff, services.ContestInput(**fields), now=created_at)
        if publish:
            services.publish_contest(staff, contest, now=created_at)
    if publish:
        with unit_of_work():
            services.advance_contests(now)
    return db.session.get(Contest, contest.id)


def artwork_png(seed: int = 1, size: tuple[int, int] = (480, 400)) -> bytes:
    """A distinct, realistic picture per seed (so near-duplicate checks see different designs)."""
    from contest.demo.artwork import generate_artwork

    buffer = io.BytesIO()
    generate_artwork(seed, size).save(buffer, "PNG")
    return buffer.getvalue()


def make_design(
    contest,
    artist: User,
    *,
    seed: int = 1,
    approve: bool = False,
    staff: User | None = None,
    now: datetime | None = None,
    title: str | None = None,
    data: bytes | None = None,
):
    """A submitted (and processed, by the inline job runner) design; approved on request."""
    import uuid

    from contest.designs import services
    from contest.designs.models import Design
    from contest.extensions import db

    now = now or utcnow()
    entry = services.SubmissionInput(
        title=title or f"Design {seed}",
        description="",
        tags="cats, retro",
        accept_licence=True,
        declare_original=True,
        licence_version=contest.licence_terms.version,
        submission_key=uuid.uuid4().hex,
    )
    with unit_of_work():
        design = services.submit_design(artist, contest, entry, data or artwork_png(seed), now=now)
    design = db.session.get(Design, design.id)
    if approve:
        with unit_of_work():
            services.approve_design(staff or make_user(role="staff"), design, now=now)
    db.session.refresh(design)
    return design


def make_paid_order(
    *,
    now: datetime,
    unit_price: int,
    quantity: int,
    royalty_bps: int = 1000,
    artist_id: int | None = None,
    buyer: User | None = None,
    product_id: int | None = None,
    design_id: int | None = None,
    title: str = "Poster",
) -> object:
    """A paid one-line poster order written straight to the database (the caller's unit of work commits)."""
    import secrets

    from contest.extensions import db
    from contest.orders.models import Order, OrderLine

    order = Order(
        token=secrets.token_urlsafe(12),
        checkout_key=secrets.token_urlsafe(12),
        user_id=buyer.id if buyer else None,
        email=buyer.email if buyer else "buyer@example.com",
        status="paid",
        currency="EUR",
        subtotal=unit_price * quantity,
        shipping=490,
        total=unit_price * quantity + 490,
        shipping_region="FR",
        gateway="test",
        amount_refunded=0,
        flagged_reason="",
        ship_to={},
        created_at=now,
        updated_at=now,
        paid_at=now,
    )
    order.lines.append(
        OrderLine(
            product_id=product_id,
            design_id=design_id,
            artist_id=artist_id,
            sku="AT-TEST",
            title=title,
            type_code="poster",
            size="A3",
            colour="white",
            unit_price=unit_price,
            quantity=quantity,
            line_total=unit_price * quantity,
            royalty_bps=royalty_bps,
        )
    )
    db.session.add(order)
    db.session.flush()
    return order
