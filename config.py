"""Configuration classes; every setting can be overridden by an ``ATELIER_*`` environment variable."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused by ProductionConfig


def _rates(text: str) -> dict[str, int]:
    """'FR=490,EU=790' -> {'FR': 490, 'EU': 790}: flat shipping per region, in cents."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {region.strip().upper(): int(amount) for region, amount in pairs}


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"ATELIER_{name}", default)


class Config:
    SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'atelier.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    STORAGE = _env("STORAGE", "local")  # "local" or "s3"
    UPLOAD_ROOT = _env("UPLOAD_ROOT", str(ROOT / "uploads"))
    S3_BUCKET = _env("S3_BUCKET", "atelier")
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL")
    S3_REGION = _env("S3_REGION", "us-east-1")
    S3_ACCESS_KEY_ID = _env("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = _env("S3_SECRET_ACCESS_KEY")
    SIGNED_URL_TTL = int(_env("SIGNED_URL_TTL", "900") or 900)

    MAIL_SERVER = _env("MAIL_SERVER")
    MAIL_PORT = int(_env("MAIL_PORT", "25") or 25)
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_USE_TLS = _env("MAIL_USE_TLS", "0") == "1"
    MAIL_SENDER = _env("MAIL_SENDER", "Atelier <hello@atelier.example>")
    PUBLIC_URL = _env("PUBLIC_URL", "http://127.0.0.1:5000")

    # Codes of the rejection reasons staff may pick, in order (see contest/designs/services.py).
    REJECTION_REASONS = [code for code in (_env("REJECTION_REASONS") or "").split(",") if code.strip()]
    JOB_MAX_ATTEMPTS = int(_env("JOB_MAX_ATTEMPTS", "3") or 3)
    JOB_TIMEOUT = int(_env("JOB_TIMEOUT", "300") or 300)
    STRIPE_SECRET_KEY = _env("STRIPE_SECRET_KEY")
    STRIPE_WEBHOOK_SECRET = _env("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = _env("STRIPE_API_BASE")  # a stand-in server in tests; unset = Stripe itself
    # Royalties: days a sale stays "pending" (returns are possible), and the smallest payout (minor units).
    ROYALTY_HOLD_DAYS = int(_env("ROYALTY_HOLD_DAYS", "30") or 30)
    PAYOUT_THRESHOLD = int(_env("PAYOUT_THRESHOLD", "2500") or 2500)
    SHIPPING_RATES = _rates(_env("SHIPPING_RATES", "FR=490,EU=790,UK=990,WORLD=1490") or "")
    PROXY_COUNT = int(_env("PROXY_COUNT", "0") or 0)  # reverse proxies in front, for client IP and scheme
    REDIS_URL = _env("REDIS_URL")
    RATELIMIT_STORAGE_URI = _env("REDIS_URL") or "memory://"
    CACHE_TYPE = "RedisCache" if _env("REDIS_URL") else "SimpleCache"
    CACHE_REDIS_URL = _env("REDIS_URL")
    CACHE_KEY_PREFIX = "atelier:"
    CACHE_DEFAULT_TIMEOUT = 60  # the longest a guest may see a page after an artist renames themself
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    REGISTER_RATE_LIMIT = _env("REGISTER_RATE_LIMIT", "5 per minute;30 per hour")
    SCORE_RATE_LIMIT = _env("SCORE_RATE_LIMIT", "120 per minute")
    # Who may score: a confirmed email, and an account at least this many hours old when scoring.
    SCORE_REQUIRE_VERIFIED = _env("SCORE_REQUIRE_VERIFIED", "1") == "1"
    SCORE_MIN_ACCOUNT_AGE_HOURS = int(_env("SCORE_MIN_ACCOUNT_AGE_HOURS", "24") or 24)
    SUBMIT_RATE_LIMIT = _env("SUBMIT_RATE_LIMIT", "10 per minute;60 per hour")

    MAX_CONTENT_LENGTH = 26 * 1024 * 1024  # the largest upload (a 25 MB design) plus form overhead
    AVATAR_MAX_BYTES = 5 * 1024 * 1024
    AVATAR_MAX_PIXELS = 40_000_000
    EMAIL_TOKEN_MAX_AGE = int(timedelta(days=3).total_seconds())
    RESET_TOKEN_MAX_AGE = int(timedelta(hours=2).total_seconds())

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "fr")

    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    FORCE_HTTPS = False
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    @classmethod
    def check(cls) -> None:
        """Hook for configurations that must refuse to start on unsafe settings."""


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    CACHE_TYPE = "SimpleCache"
    MAIL_SERVER = None
    PUBLIC_URL = "http://localhost"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    FORCE_HTTPS = _env("FORCE_HTTPS", "1") == "1"

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEFAULT_SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError(
                "ATELIER_SECRET_KEY must be set to a random value of at least 32 characters in production."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by ``ATELIER_ENV`` (development by default)."""
    name = os.environ.get("ATELIER_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"ATELIER_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
