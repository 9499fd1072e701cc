"""Follow and unfollow artists; the personal feed."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest.accounts.models import User
from contest.community import leaderboards, services
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.designs.forms import ActionForm
from contest.extensions import db

bp = Blueprint("community", __name__)


def _artist(username: str) -> User:
    user = db.session.execute(db.select(User).filter_by(username_key=username.lower())).scalar_one_or_none()
    if user is None or not user.active:
        abort(404)
    return user


@bp.post("/u/<username>/follow")
@login_required
def follow(username: str) -> ResponseReturnValue:
    artist = _artist(username)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                services.follow(current_user, artist, now=utcnow())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("You follow %(name)s: their news appears in your feed.", name=artist.name), "success")
    return redirect(url_for("accounts.profile", username=artist.username), 303)


@bp.post("/u/<username>/unfollow")
@login_required
def unfollow(username: str) -> ResponseReturnValue:
    artist = _artist(username)
    if ActionForm().validate_on_submit():
        with unit_of_work():
            services.unfollow(current_user, artist)
        flash(_("You no longer follow %(name)s.", name=artist.name), "info")
    return redirect(url_for("accounts.profile", username=artist.username), 303)


@bp.get("/feed")
@login_required
def feed() -> ResponseReturnValue:
    before = None
    if request.args.get("before"):
        try:
            before = datetime.fromisoformat(request.args["before"])
        except ValueError:
            abort(400)
    items = services.feed(current_user.id, before=before)
    older = items[-1].at.isoformat() if len(items) == services.FEED_PAGE else None
    return render_template(
        "community/feed.html", items=items, following=services.following(current_user.id), older=older
    )


@bp.get("/leaderboards")
def leaderboards_page() -> ResponseReturnValue:
    now = utcnow()
    available = leaderboards.seasons(now=now)
    season = request.args.get("season", type=int) or available[0]
    if season not in available:
        abort(404)
    return render_template(
        "community/leaderboards.html",
        season=season,
        seasons=available,
        artists=leaderboards.top_artists(season),
        scorers=leaderboards.top_scorers(season),
    )
