"""The bell's page: recent notifications, marked read on request."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.forms import Form
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


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_unread() -> dict[str, object]:
        if current_user and current_user.is_authenticated:
            return {"unread_notifications": services.unread_count(current_user.id)}
        return {"unread_notifications": 0}
