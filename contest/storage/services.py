"""Saving and discarding files: bytes go to the backend, the row goes in the caller's unit of work."""

from __future__ import annotations

import os
from datetime import datetime
from typing import BinaryIO

from flask import url_for

from contest.core.db import after_commit
from contest.extensions import db
from contest.storage.base import Storage, get_storage
from contest.storage.models import StoredFile

EXTENSIONS = {"image/webp": "webp", "image/png": "png", "image/jpeg": "jpg"}


def store_bytes(
    data: bytes | BinaryIO,
    *,
    content_type: str,
    purpose: str,
    visibility: str,
    owner_id: int | None,
    now: datetime,
    width: int | None = None,
    height: int | None = None,
    storage: Storage | None = None,
) -> StoredFile:
    """Write the bytes under a fresh random key and add the row (the caller's unit of work commits it).

    If that unit of work fails, the orphan object is harmless: its key is random and unreferenced.
    """
    storage = storage or get_storage()
    key = Storage.new_key(purpose, EXTENSIONS.get(content_type, "bin"))
    if isinstance(data, bytes):
        size = len(data)
        storage.put(key, data, content_type)
    else:
        size = data.seek(0, os.SEEK_END)
        storage.put_file(key, data, content_type)
    row = StoredFile(
        backend=storage.name,
        key=key,
        content_type=content_type,
        size=size,
        width=width,
        height=height,
        visibility=visibility,
        purpose=purpose,
        owner_id=owner_id,
        created_at=now,
    )
    db.session.add(row)
    return row


def discard(row: StoredFile) -> None:
    """Delete the row now and the bytes only after the commit succeeds."""
    backend, key = row.backend, row.key
    db.session.delete(row)
    after_commit(lambda: get_storage(backend).delete(key))


def public_url(row: StoredFile | None) -> str | None:
    """URL of a public file through our own route, which works whatever the backend."""
    if row is None or not row.is_public:
        return None
    return url_for("storage.public", key=row.key)


def signed_url(row: StoredFile, *, expires_in: int | None = None, download_name: str | None = None) -> str:
    """A time-limited link; callers check permission first."""
    from flask import current_app

    ttl = expires_in or current_app.config["SIGNED_URL_TTL"]
    return get_storage(row.backend).signed_url(row.key, expires_in=ttl, download_name=download_name)
