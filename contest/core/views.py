"""Home page, language switcher, health check and the friendly error pages."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from contest.core.i18n import LOCALE_COOKIE, N_
from contest.core.security import safe_next
from contest.extensions import csrf, db

bp = Blueprint("core", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    from contest.accounts.models import User

    artists = (
        db.session.execute(
            db.select(User)
            .where(User.active.is_(True), User.avatar_id.is_not(None))
            .order_by(User.created_at.desc())
            .limit(8)
        )
        .scalars()
        .all()
    )
    return render_template("core/home.html", artists=artists)


@bp.post("/language")
@csrf.exempt
def set_language() -> ResponseReturnValue:
    """Remember the chosen language. For a guest only a cookie changes, so the form carries no CSRF token
    (which keeps guests' pages cacheable); a member's profile is updated too, so theirs must prove it."""
    from flask_login import current_user

    from contest.accounts.services import set_locale
    from contest.core.db import unit_of_work

    if current_user.is_authenticated:
        csrf.protect()
    lang = request.form.get("lang", "")
    target = safe_next(request.form.get("next"), url_for("core.home"))
    response = redirect(target, 303)
    if lang in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LOCALE_COOKIE,
            lang,
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        if current_user.is_authenticated:
            with unit_of_work():
                set_locale(current_user, lang)
    return response


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    db.session.execute(db.text("SELECT 1"))
    return jsonify(status="ok")


ERROR_TEXT = {
    400: (N_("Bad request"), N_("Something in that request was not right. Please go back and try again.")),
    403: (N_("Not allowed"), N_("You do not have permission to see this page.")),
    404: (N_("Page not found"), N_("We could not find that page. It may have moved or never existed.")),
    405: (N_("Not allowed"), N_("That action is not possible here.")),
    413: (N_("File too large"), N_("That upload is larger than we accept. Please choose a smaller file.")),
    429: (N_("Slow down"), N_("Too many attempts in a short time. Please wait a minute and try again.")),
    500: (
        N_("Something went wrong"),
        N_("An error on our side stopped this page. We have been told; please try again."),
    ),
}


def _error_page(code: int, detail: str | None = None) -> ResponseReturnValue:
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    return render_template("errors/error.html", code=code, title=_(title), text=detail or _(text)), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return _error_page(
            400,
            _("This form has expired or did not come from this site. Please reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code is None or error.code < 400:
            return error
        return _error_page(error.code)

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> ResponseReturnValue:
        app.logger.exception("Unhandled error")
        db.session.rollback()
        return _error_page(500)
