"""Personal API tokens: only a SHA-256 is stored, so a database leak does not leak usable tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import ApiToken, User
from contest.core.db import unit_of_work
from contest.core.errors import NotFound
from contest.extensions import db

TOKEN_PREFIX = "atl_"  # noqa: S105 - a public marker that lets secret scanners spot leaked tokens
# last_used_at is advisory; writing it at most once a minute keeps busy clients from contending on one row.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(user: User, name: str, *, now: datetime) -> tuple[ApiToken, str]:
    """A new token for ``user``; the plaintext is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip()[:80],
        token_hash=hash_token(plaintext),
        prefix=plaintext[:8],
        created_at=now,
    )
    db.session.add(token)
    db.session.flush()
    return token, plaintext


def revoke_token(user: User, token_id: int, *, now: datetime) -> ApiToken:
    """Revoke one of the member's own tokens (idempotent). Raises NotFound for anyone else's token."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("We could not find that page. It may have moved or never existed."))
    if token.revoked_at is None:
        token.revoked_at = now
    db.session.flush()
    return token


def user_for_token(plaintext: str, *, now: datetime) -> User | None:
    """The active owner of a live token, recording its use; None for unknown or revoked tokens."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    row = db.session.execute(
        sa.select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(plaintext), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    token, user = row
    if not user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        with unit_of_work():
            db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return user
