"""Permission decorators for views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, session
from flask_login import current_user, login_required

from contest.extensions import login_manager


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Logged-in staff only: guests go to the login page, members get a 403."""

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def session_user_id() -> int | None:
    """The logged-in member's id read from the signed session cookie, without loading the account.

    For hot endpoints whose own SQL checks the account (active, verified); anything else uses current_user.
    Falls back to Flask-Login (remember-me cookie, strict session protection) when the session is silent.
    """
    if login_manager.session_protection != "strong":
        raw = session.get("_user_id")
        if isinstance(raw, str) and raw.isdigit():
            return int(raw)
    return current_user.id if current_user.is_authenticated else None
