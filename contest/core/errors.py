"""Domain errors: services raise these, views turn them into messages and status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base class; ``message`` is user-facing and already translated (lazy)."""

    status_code = 400

    def __init__(self, message: str = "", **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409
