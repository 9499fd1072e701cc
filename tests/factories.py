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
    username: str | None = None, *, email: str | None = None, password: str = PASSWORD, verified: bool = True,
    role: str = "member", now: datetime | None = None,
) -> User:
    n = next(_counter)
    username = username or f"member{n}"
    email = email or f"{username.lower()}@example.com"
    with unit_of_work():
        user = register_user(email, username, password, now=now or utcnow(), role=role, verified=verified)
    return user


def image_bytes(size: tuple[int, int] = (400, 300), fmt: str = "PNG", color: str = "#7540bf", **save) -> bytes:
    buffer = io.BytesIO()
    mode = "RGB" if fmt == "JPEG" else "RGBA"
    Image.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()
