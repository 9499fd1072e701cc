"""The request class: uploaded files are written once, straight next to where storage keeps them.

Werkzeug spools files over 500 KB to an anonymous temporary file, and storage then writes them again.
Here each uploaded file goes to a named file under ``UPLOAD_ROOT/.incoming`` while the form is parsed, so
the local backend can *rename* it into place: one disk write per upload instead of two (or three, with an
in-memory copy). Files nobody claimed are removed when the request ends.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO

from flask import Request, current_app


def incoming_dir() -> Path:
    path = Path(current_app.config["UPLOAD_ROOT"]) / ".incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


class AtelierRequest(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        handle = tempfile.NamedTemporaryFile(dir=incoming_dir(), prefix="upload-", delete=False)  # noqa: SIM115
        self.__dict__.setdefault("_incoming", []).append(handle)
        return handle

    def close(self) -> None:
        super().close()
        for handle in self.__dict__.get("_incoming", []):
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(handle.name)
