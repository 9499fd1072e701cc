"""The request class: uploads stay in memory (they are capped by MAX_CONTENT_LENGTH).

Werkzeug spools files over 500 KB to a temporary file; storage then writes them again. Keeping them in
memory means one disk write per upload instead of two, which is most of a large upload's request time.
"""

from __future__ import annotations

import io
from typing import IO

from flask import Request


class AtelierRequest(Request):
    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()
