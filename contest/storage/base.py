"""The storage interface and the factory that builds a backend from the app's config."""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from typing import BinaryIO

from flask import Flask, current_app


class StorageError(Exception):
    """A backend could not read or write a file."""


class Storage(ABC):
    """Stores bytes under opaque keys. Keys are random, never derived from an uploaded name."""

    name: str

    @staticmethod
    def new_key(prefix: str, extension: str) -> str:
        return f"{prefix}/{secrets.token_urlsafe(18)}.{extension.lstrip('.')}"

    @abstractmethod
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def put_file(self, key: str, handle: BinaryIO, content_type: str) -> None:
        """Store an open file; backends override this to avoid reading it all into memory."""
        handle.seek(0)
        self.put(key, handle.read(), content_type)

    @abstractmethod
    def open(self, key: str) -> BinaryIO: ...

    @abstractmethod
    def read(self, key: str) -> bytes: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file; deleting a missing key is not an error (retries must be safe)."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def signed_url(self, key: str, *, expires_in: int, download_name: str | None = None) -> str:
        """A time-limited URL for someone already allowed to see the file."""


def get_storage(backend: str | None = None, app: Flask | None = None) -> Storage:
    """The backend named ``backend`` (default: the configured one), built lazily once per app."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    backend = backend or app.config["STORAGE"]
    cache: dict[str, Storage] = app.extensions.setdefault("atelier_storage", {})
    if backend not in cache:
        if backend == "local":
            from contest.storage.local import LocalStorage

            cache[backend] = LocalStorage(app.config["UPLOAD_ROOT"], app.config["SECRET_KEY"])
        elif backend == "s3":
            from contest.storage.s3 import S3Storage

            cache[backend] = S3Storage.from_config(app.config)
        else:
            raise StorageError(f"unknown storage backend {backend!r}")
    return cache[backend]
