"""Files under a local directory (``uploads/`` by default), served through signed URLs."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from flask import url_for
from itsdangerous import BadSignature, URLSafeSerializer

from contest.storage.base import Storage, StorageError


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root: str | os.PathLike[str], secret_key: str) -> None:
        self.root = Path(root).resolve()
        self._signer = URLSafeSerializer(secret_key, salt="atelier.storage.local")

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StorageError(f"key escapes the storage root: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so another process never reads half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, key: str, handle: BinaryIO, content_type: str) -> None:
        """A file already under our root (an upload written by the request) is renamed, not copied."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        name = getattr(handle, "name", None)
        if isinstance(name, str) and Path(name).resolve().is_relative_to(self.root):
            handle.flush()
            os.replace(name, path)
            return
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                handle.seek(0)
                shutil.copyfileobj(handle, out, 1024 * 1024)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def path(self, key: str) -> Path:
        """The file's path, for ``send_file`` (which then handles ETags and ranges)."""
        path = self._path(key)
        if not path.is_file():
            raise StorageError(f"missing file {key!r}")
        return path

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise StorageError(f"missing file {key!r}") from exc

    def read(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def signed_url(self, key: str, *, expires_in: int, download_name: str | None = None) -> str:
        expires = int(time.time()) + expires_in
        token = self._signer.dumps({"k": key, "x": expires, "n": download_name})
        return url_for("storage.signed", token=token)

    def verify(self, token: str) -> tuple[str, str | None]:
        """Return (key, download name) for a genuine, unexpired token."""
        try:
            payload = self._signer.loads(token)
        except BadSignature as exc:
            raise StorageError("invalid link") from exc
        if int(payload["x"]) < time.time():
            raise StorageError("expired link")
        return payload["k"], payload.get("n")
