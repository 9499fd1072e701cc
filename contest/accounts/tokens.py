"""Signed, expiring tokens for email links; a reset token dies as soon as the password changes."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from contest.accounts.models import User
from contest.core.errors import DomainError


class InvalidToken(DomainError):
    """The link was altered, is for another purpose, or no longer applies."""


class ExpiredToken(DomainError):
    """The link is genuine but too old."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"atelier.accounts.{purpose}")


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_verification_token(user: User) -> str:
    return _serializer("verify").dumps({"uid": user.id, "email": user.email})


def make_reset_token(user: User) -> str:
    return _serializer("reset").dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def _load(purpose: str, token: str, max_age: int) -> dict:
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ExpiredToken("expired") from None
    except BadSignature:
        raise InvalidToken("invalid") from None


def read_verification_token(token: str) -> tuple[int, str]:
    data = _load("verify", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    return int(data["uid"]), str(data["email"])


def check_reset_token(token: str, user_loader) -> User:  # noqa: ANN001 - callable(id) -> User | None
    data = _load("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = user_loader(int(data["uid"]))
    if user is None or data.get("pw") != _password_fingerprint(user):
        raise InvalidToken("used")
    return user
