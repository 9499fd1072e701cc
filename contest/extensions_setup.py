"""Binds the extensions to an app with the project's policies (cookies, headers, locale, login)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, Response, g
from flask_babel import gettext
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from contest.core import i18n
from contest.core.db import include_name, render_item
from contest.core.i18n import N_
from contest.extensions import babel, cache, csrf, db, limiter, login_manager, migrate

# A strict policy: no inline script or style attributes from us, images from our storage only.
CSP = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:", "blob:"],
    "style-src": "'self'",
    "script-src": "'self'",
    "font-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API connection
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL never corrupts the database; a power cut can lose only the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    import contest.models  # noqa: F401 - registers every table on the metadata
    from contest.core.wrappers import AtelierRequest

    app.request_class = AtelierRequest

    if app.config.get("PROXY_COUNT"):
        # Trust X-Forwarded-* only from the configured number of proxies (rate limits key on the client IP).
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]

    if str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        # A file on this machine cannot go stale: no "SELECT 1" before every request's first query.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "pool_pre_ping": False,
        }
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
    migrate.init_app(
        app,
        db,
        directory=str(app.root_path + "/migrations"),
        compare_type=True,
        render_as_batch=True,
        render_item=render_item,
        include_name=include_name,
    )
    csrf.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)

    extra_img = []
    if app.config.get("S3_ENDPOINT_URL"):
        extra_img.append(app.config["S3_ENDPOINT_URL"])
    if app.config.get("STORAGE") == "s3":
        extra_img.append("https://*.amazonaws.com")
    csp = dict(CSP, **{"img-src": CSP["img-src"] + extra_img})

    # Registered before Talisman, so it runs after Talisman has written the header (Flask runs
    # after_request functions last-registered first). A page whose form posts to a view that redirects
    # to another site (the cart's checkout, to the payment provider's page) names that site in
    # g.form_action_origins: browsers apply form-action to the redirect too.
    @app.after_request
    def widen_form_action(response: Response) -> Response:
        origins = g.get("form_action_origins")
        header = response.headers.get("Content-Security-Policy")
        if origins and header:
            response.headers["Content-Security-Policy"] = header.replace(
                "form-action 'self'", "form-action 'self' " + " ".join(origins), 1
            )
        return response

    # Talisman keeps its settings on the instance, so each app gets its own.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        content_security_policy=csp,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=app.config["FORCE_HTTPS"],
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = N_("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    login_manager.session_protection = "basic"
