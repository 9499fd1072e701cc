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
