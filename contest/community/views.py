"""Follow and unfollow artists; the personal feed."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from contest.accounts.models import User
from contest.community import kpis, leaderboards, services, surveys
from contest.contests.models import Contest
from contest.core.auth import staff_required
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.i18n import number, percent
from contest.designs.forms import ActionForm
from contest.extensions import db
from contest.royalties import charts

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


@bp.route("/contests/<slug>/survey", methods=["GET", "POST"])
@login_required
def survey(slug: str) -> ResponseReturnValue:
    """One question after the results, for the contest's entrants and voters."""
    contest = db.session.execute(db.select(Contest).filter_by(slug=slug)).scalar_one_or_none()
    if contest is None or not surveys.results_published(contest.id):
        abort(404)
    if current_user.id not in surveys.participants(contest.id):
        abort(403)
    done = surveys.answered(current_user.id, contest.id)
    form = ActionForm()
    if request.method == "POST" and not done and form.validate_on_submit():
        try:
            with unit_of_work():
                surveys.respond(
                    current_user,
                    contest,
                    score=request.form.get("score", type=int),
                    comment=request.form.get("comment", ""),
                    now=utcnow(),
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Thank you! Your answer helps us make the next contest better."), "success")
            return redirect(url_for("contests.detail", slug=contest.slug), 303)
    return render_template("community/survey.html", contest=contest, done=done, form=form)


def _percent_label(value: int) -> str:
    return percent(value / 100)


@bp.get("/staff/kpis")
@staff_required
def kpi_dashboard() -> ResponseReturnValue:
    """Is co-creation working? Per contest and over time, as charts and a table."""
    rows = kpis.contest_kpis(now=utcnow())
    repeat, buyers = kpis.repeat_purchase_rate()
    title_of = {str(row.contest_id): row.title for row in rows}

    def chart(title: str, values: list[int | None], *, percent_values: bool = False) -> tuple[str, Markup]:
        points = [
            (str(row.contest_id), value) for row, value in zip(rows, values, strict=True) if value is not None
        ]
        return title, charts.bar_chart_svg(
            points,
            title=title,
            value_label=_percent_label if percent_values else number,
            x_label=lambda key: title_of.get(key, key),
            empty_text=_("No contest yet."),
            description=title + ": %(figures)s.",
        )

    def pct(value: float | None) -> int | None:
        return None if value is None else round(value * 100)

    return render_template(
        "community/kpis.html",
        rows=rows,
        repeat=repeat,
        buyers=buyers,
        charts_=[
            chart(_("Unique entrants"), [row.entrants for row in rows]),
            chart(_("Unique voters"), [row.voters for row in rows]),
            chart(_("Designs submitted"), [row.designs for row in rows]),
            chart(_("Approval rate"), [pct(row.approval_rate) for row in rows], percent_values=True),
            chart(_("Winners sold at least once"), [pct(row.sold_rate) for row in rows], percent_values=True),
            chart(_("Pieces sold"), [row.pieces_sold for row in rows]),
            chart(_("Net promoter score"), [None if row.nps is None else round(row.nps) for row in rows]),
            chart(
                _("Voters back at the next contest"),
                [pct(row.voter_return) for row in rows],
                percent_values=True,
            ),
            chart(
                _("Share of excluded scores"), [pct(row.excluded_share) for row in rows], percent_values=True
            ),
        ],
    )


@bp.get("/staff/kpis.csv")
@staff_required
def kpi_csv() -> ResponseReturnValue:
    body = kpis.as_csv(kpis.contest_kpis(now=utcnow()))
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=atelier-kpis.csv"}
    )
