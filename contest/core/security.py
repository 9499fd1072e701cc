"""Redirect targets from user input: only same-site relative paths survive."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """Return ``target`` if it is a local path, else ``default`` (blocks //evil, /\\evil, absolute URLs)."""
    if not target:
        return default
    target = target.strip()
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
