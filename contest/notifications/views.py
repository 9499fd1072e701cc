"""The bell's page: recent notifications, marked read on request."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest.accounts.models import User
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.forms import Form
from contest.extensions import csrf, db
from contest.notifications import services

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index() -> ResponseReturnValue:
    items = services.recent(current_user.id)
    return render_template(
        "notifications/index.html", items=items, message_for=services.message_for, form=Form()
    )


@bp.post("/notifications/read")
@login_required
def mark_read() -> ResponseReturnValue:
    if Form().validate_on_submit():
        with unit_of_work():
            services.mark_all_read(current_user.id, now=utcnow())
    return redirect(url_for("notifications.index"))


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def preferences() -> ResponseReturnValue:
    """Per kind of news: in the app and by email, in the app only, or not at all."""
    form = Form()
    if request.method == "POST" and form.validate_on_submit():
        try:
            with unit_of_work():
                for kind, _channel in services.preferences(current_user):
                    chosen = request.form.get(f"channel-{kind}")
                    if chosen:
                        services.set_channel(current_user, kind, chosen, now=utcnow())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.preferences"), 303)
    return render_template(
        "notifications/preferences.html",
        rows=services.preferences(current_user),
        labels=services.KIND_LABELS,
        essential=services.ESSENTIAL,
        form=form,
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail clients POST here for one-click unsubscribe (RFC 8058)
def unsubscribe(token: str) -> ResponseReturnValue:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST stops the emails."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user = db.session.get(User, found[0])
    if user is None:
        abort(404)
    kind = found[1]
    done = request.method == "POST"
    if done:
        with unit_of_work():
            services.set_channel(user, kind, "in_app", now=utcnow())
    return render_template(
        "notifications/unsubscribe.html", kind_label=_(services.KIND_LABELS[kind]), done=done, token=token
    )


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_unread() -> dict[str, object]:
        if current_user and current_user.is_authenticated:
            return {"unread_notifications": services.unread_count(current_user.id)}
        return {"unread_notifications": 0}
