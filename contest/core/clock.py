"""The wall clock, read in views and CLI commands only; services receive ``now`` explicitly."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
