"""Account use cases: register, verify, log in, reset, edit profile. Callers own the unit of work."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from contest.accounts import tokens
from contest.accounts.models import User
from contest.core.errors import DomainError
from contest.core.images import ImageLimits, load_image, square_thumbnail, to_webp
from contest.core.security import external_url
from contest.extensions import db
from contest.mail.services import queue_email
from contest.storage.services import discard, store_bytes

USERNAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{1,28}[A-Za-z0-9])$")
MIN_PASSWORD = 10
COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "1234567890",
        "qwertyuiop",
        "password1234",
        "0123456789",
        "iloveyou123",
        "motdepasse",
        "azertyuiop",
        "letmein1234",
        "welcome123",
        "abcdefghij",
        "1111111111",
    }
)
MAX_LINKS = 5
AVATAR_SIZE = 256


class EmailTaken(DomainError):
    """Another account already uses this email (in any letter case)."""


class UsernameTaken(DomainError):
    """Another account already uses this username (in any letter case)."""


class InvalidUsername(DomainError):
    """Usernames appear in URLs, so they keep to letters, digits, - and _."""


class WeakPassword(DomainError):
    """The password is too short or too easy to guess."""


class InvalidCredentials(DomainError):
    """Wrong login or password; deliberately does not say which."""

    status_code = 401


class InvalidLinks(DomainError):
    """Profile links must be http(s) URLs."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str, *, username: str = "", email: str = "") -> None:
    """Raise WeakPassword with the reason; shared by registration, reset and password change."""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(_("Use at least %(n)s characters.", n=MIN_PASSWORD))
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise WeakPassword(_("This password is too easy to guess."))
    if username and username.lower() in lowered or email and email.split("@")[0].lower() in lowered:
        raise WeakPassword(_("Your password must not contain your username or email."))


def _ensure_available(email: str, username: str, *, exclude_id: int | None = None) -> None:
    query = sa.select(User.id, User.email, User.username_key).where(
        sa.or_(User.email == email, User.username_key == username.lower())
    )
    for user_id, taken_email, taken_key in db.session.execute(query):
        if user_id == exclude_id:
            continue
        if taken_email == email:
            raise EmailTaken(_("An account with this email already exists."), field="email")
        if taken_key == username.lower():
            raise UsernameTaken(_("This username is taken."), field="username")


def register_user(
    email: str,
    username: str,
    password: str,
    *,
    now: datetime,
    locale: str = "en",
    role: str = "member",
    verified: bool = False,
) -> User:
    """Create an unverified account and queue the verification email.

    Raises EmailTaken, UsernameTaken, InvalidUsername, WeakPassword. The unique constraints on
    ``email`` and ``username_key`` are the real guard against two simultaneous sign-ups.
    """
    email = normalise_email(email)
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise InvalidUsername(
            _("Use 3 to 30 letters, digits, - or _, starting and ending with a letter or digit."),
            field="username",
        )
    check_password_strength(password, username=username, email=email)
    _ensure_available(email, username)
    user = User(
        email=email,
        username=username,
        username_key=username.lower(),
        password_hash=generate_password_hash(password),
        role=role,
        locale=locale,
        created_at=now,
        display_name="",
        bio="",
        links=[],
        active=True,
        email_verified_at=now if verified else None,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Someone else registered the same name a moment ago: report which field clashed.
        db.session.rollback()
        _ensure_available(email, username)
        raise EmailTaken(_("An account with this email already exists."), field="email") from None
    if not verified:
        send_verification(user, now=now)
    return user


def send_verification(user: User, *, now: datetime) -> None:
    """Queue (again) the email whose link proves the member owns the address."""
    token = tokens.make_verification_token(user)
    link = external_url("accounts.verify", token=token)
    queue_email(user.email, "verify_email", now=now, locale=user.locale, user=user, link=link)


def verify_email(token: str, *, now: datetime) -> User:
    """Mark the address as verified. Raises InvalidToken or ExpiredToken; verifying twice is harmless."""
    try:
        user_id, email = tokens.read_verification_token(token)
    except tokens.ExpiredToken:
        raise tokens.ExpiredToken(_("This verification link has expired. Log in to get a new one.")) from None
    except tokens.InvalidToken:
        raise tokens.InvalidToken(_("This verification link is not valid.")) from None
    user = db.session.get(User, user_id)
    if user is None or user.email != email:
        raise tokens.InvalidToken(_("This verification link is not valid."))
    if user.email_verified_at is None:
        user.email_verified_at = now
    return user


def authenticate(login: str, password: str, *, now: datetime) -> User:
    """Find the account by email or username and check the password. Raises InvalidCredentials."""
    login = login.strip()
    query = sa.select(User).where(
        sa.or_(User.email == normalise_email(login), User.username_key == login.lower())
    )
    user = db.session.execute(query).scalar_one_or_none()
    if user is None:
        # Spend the same time as a real check so timing does not reveal which accounts exist.
        check_password_hash(_DUMMY_HASH, password)
        raise InvalidCredentials(_("Wrong email/username or password."))
    if not check_password_hash(user.password_hash, password) or not user.active:
        raise InvalidCredentials(_("Wrong email/username or password."))
    user.last_login_at = now
    return user


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def request_password_reset(email: str, *, now: datetime) -> None:
    """Email a reset link if the account exists; says nothing either way (no account probing)."""
    user = db.session.execute(sa.select(User).filter_by(email=normalise_email(email))).scalar_one_or_none()
    if user is None or not user.active:
        return
    token = tokens.make_reset_token(user)
    link = external_url("accounts.reset_password", token=token)
    queue_email(user.email, "reset_password", now=now, locale=user.locale, user=user, link=link)


def user_for_reset_token(token: str) -> User:
    """Raises InvalidToken (tampered or already used) or ExpiredToken."""
    try:
        return tokens.check_reset_token(token, lambda uid: db.session.get(User, uid))
    except tokens.ExpiredToken:
        raise tokens.ExpiredToken(_("This reset link has expired. Ask for a new one.")) from None
    except tokens.InvalidToken:
        raise tokens.InvalidToken(_("This reset link is not valid or has already been used.")) from None


def reset_password(token: str, new_password: str, *, now: datetime) -> User:
    """Set a new password from an emailed link; the link stops working once used."""
    user = user_for_reset_token(token)
    check_password_strength(new_password, username=user.username, email=user.email)
    user.password_hash = generate_password_hash(new_password)
    if user.email_verified_at is None:
        user.email_verified_at = now  # the link reached the inbox, which proves the address
    queue_email(user.email, "password_changed", now=now, locale=user.locale, user=user)
    return user


def change_password(user: User, current: str, new: str, *, now: datetime) -> None:
    """Raises InvalidCredentials if ``current`` is wrong, WeakPassword if ``new`` is weak."""
    if not check_password_hash(user.password_hash, current):
        raise InvalidCredentials(_("Your current password is not correct."), field="current_password")
    check_password_strength(new, username=user.username, email=user.email)
    user.password_hash = generate_password_hash(new)
    queue_email(user.email, "password_changed", now=now, locale=user.locale, user=user)


def clean_links(raw: str) -> list[str]:
    """One URL per line, http(s) only, at most MAX_LINKS. Raises InvalidLinks."""
    links = [line.strip() for line in raw.splitlines() if line.strip()]
    if len(links) > MAX_LINKS:
        raise InvalidLinks(_("Add at most %(n)s links.", n=MAX_LINKS), field="links")
    for link in links:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 300:
            raise InvalidLinks(
                _("“%(link)s” is not a web address (http:// or https://).", link=link), field="links"
            )
    return links


def update_profile(
    user: User,
    *,
    display_name: str,
    bio: str,
    links: str,
    avatar: bytes | None,
    now: datetime,
    remove_avatar: bool = False,
) -> User:
    """Save the public profile. Raises InvalidLinks or ImageRejected, leaving the profile unchanged."""
    cleaned_links = clean_links(links)
    new_avatar = None
    if avatar:
        limits = ImageLimits(
            max_bytes=current_app.config["AVATAR_MAX_BYTES"],
            max_pixels=current_app.config["AVATAR_MAX_PIXELS"],
        )
        image = load_image(avatar, limits)
        data = to_webp(square_thumbnail(image, AVATAR_SIZE))
        new_avatar = store_bytes(
            data,
            content_type="image/webp",
            purpose="avatars",
            visibility="public",
            owner_id=user.id,
            now=now,
            width=AVATAR_SIZE,
            height=AVATAR_SIZE,
        )
    user.display_name = display_name.strip()[:80]
    user.bio = bio.strip()[:2000]
    user.links = cleaned_links
    if new_avatar is not None or remove_avatar:
        old = user.avatar
        user.avatar = new_avatar
        if old is not None:
            db.session.flush()
            discard(old)
    return user


def set_locale(user: User, locale: str) -> None:
    """Remember the member's language for emails sent when they are not on the site."""
    if locale in current_app.config["LANGUAGES"]:
        user.locale = locale


def create_staff(email: str, username: str, password: str, *, now: datetime) -> User:
    """A verified staff account (for the CLI). Raises the same errors as register_user."""
    return register_user(email, username, password, now=now, role="staff", verified=True)
