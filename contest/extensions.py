"""Extension objects, created unbound so that any app (and any test) can bind its own."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from contest.core.db import Base

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Endpoints that apply their own per-member limit; the extension's per-request bookkeeping skips them.
SELF_LIMITED_ENDPOINTS = frozenset({"voting.score"})


@limiter.request_filter
def _not_limited_here() -> bool:
    """Every limit in the app guards a write, so reads (and self-limited endpoints) skip the extension's
    bookkeeping, which otherwise costs as much as a cached page. A limit on a GET view would need this
    filter changed."""
    return request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in SELF_LIMITED_ENDPOINTS


babel = Babel()
# Rendered pages for guests; per process by default, shared through Redis when ATELIER_REDIS_URL is set.
cache = Cache()
