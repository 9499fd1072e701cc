"""Scoring pages: the score-next flow and the score form on a design page (JSON for the keyboard flow)."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from limits import RateLimitItem
from limits import parse as parse_limit

from contest.accounts.models import User
from contest.contests.forms import ActionForm
from contest.contests.models import Contest
from contest.contests.services import get_by_slug
from contest.core.auth import session_user_id, staff_required
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.i18n import N_
from contest.core.security import safe_next
from contest.designs.models import Design
from contest.designs.services import member_seed
from contest.extensions import db, limiter
from contest.voting import ranking, services
from contest.voting import results as result_services
from contest.voting.forms import ScoreForm
from contest.voting.models import Score, ScoreExclusion

bp = Blueprint("voting", __name__)
DEVICE_COOKIE = "atelier_device"


@lru_cache(maxsize=4096)
def _network_prefix(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


def request_context() -> services.Context:
    """The client's network prefix (/24 or /48) and a device cookie, for ring detection only."""
    return services.Context(
        ip_prefix=_network_prefix(request.remote_addr or ""),
        device_id=request.cookies.get(DEVICE_COOKIE, "")[:64],
    )


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@lru_cache(maxsize=8)
def _parsed_limit(text: str) -> RateLimitItem:
    return parse_limit(text)


def _within_score_limit(user_id: int) -> bool:
    """The limits library under Flask-Limiter, on its storage, called directly: the decorator costs more than
    the score (see SELF_LIMITED_ENDPOINTS)."""
    item = _parsed_limit(current_app.config.get("SCORE_RATE_LIMIT", "120 per minute"))
    return limiter.limiter.hit(item, "score", str(user_id))


def _parse_score() -> tuple[int | None, bool | None] | None:
    """The form's two fields (value 1-5 or empty; buy mark when the form carries one), or None if invalid."""
    raw = request.form.get("value", "").strip()
    if raw and not (raw.isdigit() and 1 <= int(raw) <= 5):
        return None
    buy = None
    if request.form.get("buy_present"):
        buy = request.form.get("buy", "") not in ("", "false", "n", "no", "off", "0")
    return (int(raw) if raw else None), buy


@bp.post("/designs/<int:design_id>/score")
def score(design_id: int) -> ResponseReturnValue:
    """Cast or change a score: the JSON keyboard flow and the plain form share this hot path.

    The common case is one statement (see services.record_score); the design and the account are only
    loaded to explain a refusal or to word the confirmation for the no-JavaScript form.
    """
    user_id = session_user_id()
    if user_id is None:
        return current_app.login_manager.unauthorized()
    wants_json = _wants_json()
    back = safe_next(request.form.get("next"), url_for("designs.detail", design_id=design_id))

    def refuse(message: str, status: int, code: str) -> ResponseReturnValue:
        if wants_json:
            return jsonify(error=code, message=message), status
        flash(message, "error")
        return redirect(back, 303)

    if not _within_score_limit(user_id):
        return refuse(_("Too many scores in a short time. Please wait a minute."), 429, "RateLimited")
    parsed = _parse_score()
    if parsed is None or parsed == (None, None):
        return refuse(_("A score is a whole number from 1 to 5."), 400, "invalid")
    value, buy = parsed
    now = utcnow()
    try:
        with unit_of_work():
            if value is None and not buy:
                voter, design = db.session.get(User, user_id), db.get_or_404(Design, design_id)
                stored = services.cast_score(voter, design, value=None, buy=buy, now=now)
            else:
                stored = services.record_score(
                    user_id, design_id, value=value, buy=buy, now=now, context=request_context()
                )
                if stored is None:
                    raise services.explain_refusal(user_id, design_id, now=now)
    except DomainError as error:
        return refuse(error.message, error.status_code, type(error).__name__)
    value, bought = stored
    if wants_json:
        return jsonify(design_id=design_id, value=value, buy=bought)
    title = db.session.execute(sa.select(Design.title).where(Design.id == design_id)).scalar_one()
    flash(
        _("Saved: %(value)s/5 for “%(title)s”.", value=value, title=title) if value else _("Saved."),
        "success",
    )
    return redirect(back, 303)


@bp.post("/designs/<int:design_id>/score/remove")
@login_required
def remove(design_id: int) -> ResponseReturnValue:
    design = db.get_or_404(Design, design_id)
    form = ScoreForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.remove_score(current_user, design, now=utcnow())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Your score is removed."), "info")
    return redirect(safe_next(form.next.data, url_for("designs.detail", design_id=design.id)), 303)


@bp.route("/contests/<slug>/score", methods=["GET"])
@login_required
def score_next(slug: str) -> ResponseReturnValue:
    contest = get_by_slug(slug)
    if contest is None or contest.state == "draft":
        abort(404)
    now = utcnow()
    if not contest.voting_open(now):
        flash(_("Voting is not open for this contest."), "info")
        return redirect(url_for("contests.detail", slug=contest.slug))
    try:
        services.check_eligible(current_user, now=now)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("contests.detail", slug=contest.slug))
    skipped_key = f"skip-{contest.id}"
    skip = request.args.get("skip", type=int)
    if skip:
        session[skipped_key] = sorted({*session.get(skipped_key, []), skip})[-500:]
        return redirect(url_for("voting.score_next", slug=contest.slug))
    if request.args.get("restart"):
        session.pop(skipped_key, None)
    seed = member_seed(current_user.id, contest.id)
    progress = services.next_to_score(
        current_user, contest, seed=seed, skipped=frozenset(session.get(skipped_key, []))
    )
    form = ScoreForm(next=url_for("voting.score_next", slug=contest.slug))
    return render_template(
        "voting/score_next.html",
        contest=contest,
        progress=progress,
        form=form,
        skipped=len(session.get(skipped_key, [])),
        now=now,
    )


def init_app(app) -> None:  # noqa: ANN001 - Flask
    @app.after_request
    def device_cookie(response):  # noqa: ANN001, ANN202 - Response
        """A random, HttpOnly device id: lets integrity checks see many accounts on one browser."""
        if (
            DEVICE_COOKIE not in request.cookies  # checked first: the common case loads no account
            and not g.get("api_token_auth")
            and current_user.is_authenticated
        ):
            response.set_cookie(
                DEVICE_COOKIE,
                secrets.token_urlsafe(16),
                max_age=2 * 365 * 86400,
                httponly=True,
                samesite="Lax",
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return response


EXCLUSION_LABELS = {
    "new_account_single_artist": N_("new accounts that scored only one artist"),
    "shared_network": N_("accounts on one network scoring one artist alike"),
    "shared_device": N_("accounts on one device scoring one artist alike"),
    "outlier": N_("scores far from the member's usual scores"),
    "manual": N_("excluded by staff"),
}


@bp.get("/contests/<slug>/results")
def results(slug: str) -> ResponseReturnValue:
    contest = get_by_slug(slug)
    if contest is None or contest.state != "results":
        abort(404)
    rows = result_services.results_for(contest.id)
    designs = (
        {
            d.id: d
            for d in db.session.execute(
                db.select(Design).where(Design.id.in_([r.design_id for r in rows]))
            ).scalars()
        }
        if rows
        else {}
    )
    return render_template(
        "voting/results.html", contest=contest, rows=rows, designs=designs, labels=EXCLUSION_LABELS
    )


@bp.get("/designs/<int:design_id>/feedback")
@login_required
def feedback(design_id: int) -> ResponseReturnValue:
    """The entrant's private report: how their design did, and why it won or did not."""
    design = db.get_or_404(Design, design_id)
    if design.artist_id != current_user.id and not current_user.is_staff:
        abort(404)
    contest = design.contest
    if contest.state != "results":
        abort(404)
    rows = result_services.results_for(contest.id)
    mine = next((r for r in rows if r.design_id == design.id), None)
    qualified = [r for r in rows if r.qualified]
    percentile = None
    if mine is not None and mine.qualified and len(qualified) > 1:
        below = sum(1 for r in qualified if r.rank > mine.rank)
        percentile = below / (len(qualified) - 1)
    from contest.comments.services import for_design

    return render_template(
        "voting/feedback.html",
        design=design,
        contest=contest,
        mine=mine,
        distribution=result_services.distribution(design.id),
        percentile=percentile,
        qualified_count=len(qualified),
        comments=for_design(design.id),
        labels=EXCLUSION_LABELS,
    )


@bp.get("/how-scoring-works")
def method() -> ResponseReturnValue:
    """The published method, with a worked example computed from a real published design when there is one."""
    example = None
    latest = db.session.execute(
        db.select(Contest).filter_by(state="results").order_by(Contest.voting_close_at.desc()).limit(1)
    ).scalar_one_or_none()
    if latest is not None:
        rows = result_services.results_for(latest.id)
        pick = next((r for r in rows if 3 <= r.score_count <= 8), rows[0] if rows else None)
        if pick is not None:
            excluded = result_services.active_exclusions(latest.id)
            scores = [
                ranking.ScoreRow(voter_id, design_id, value)
                for score_id, voter_id, design_id, value in db.session.execute(
                    db.select(Score.id, Score.voter_id, Score.design_id, Score.value).where(
                        Score.contest_id == latest.id, Score.value.is_not(None)
                    )
                ).all()
                if score_id not in excluded
            ]
            example = (
                latest,
                db.session.get(Design, pick.design_id),
                ranking.explain(scores, pick.design_id),
            )
    return render_template(
        "voting/method.html", example=example, prior=ranking.PRIOR_WEIGHT_DEFAULT, centre=ranking.CENTRE
    )


@bp.post("/staff/contests/<int:contest_id>/publish-results")
@staff_required
def publish_results(contest_id: int) -> ResponseReturnValue:
    contest = db.get_or_404(Contest, contest_id)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                result_services.publish_results(contest, now=utcnow(), actor=current_user)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("contests.edit", contest_id=contest.id))
        flash(_("The results are published."), "success")
    return redirect(url_for("voting.results", slug=contest.slug))


@bp.get("/staff/contests/<int:contest_id>/integrity")
@staff_required
def integrity(contest_id: int) -> ResponseReturnValue:
    contest = db.get_or_404(Contest, contest_id)
    return render_template(
        "voting/integrity.html",
        contest=contest,
        rows=result_services.exclusions_for(contest.id),
        labels=EXCLUSION_LABELS,
        form=ActionForm(),
    )


@bp.get("/staff/contests/<int:contest_id>/leaderboard")
@staff_required
def leaderboard(contest_id: int) -> ResponseReturnValue:
    contest = db.get_or_404(Contest, contest_id)
    return render_template(
        "voting/leaderboard.html", contest=contest, rows=services.live_leaderboard(contest.id, limit=50)
    )


@bp.post("/staff/contests/<int:contest_id>/integrity/run")
@staff_required
def run_checks(contest_id: int) -> ResponseReturnValue:
    contest = db.get_or_404(Contest, contest_id)
    if ActionForm().validate_on_submit():
        with unit_of_work():
            added = result_services.run_integrity_checks(contest, now=utcnow(), actor=current_user)
        flash(ngettext("%(num)s score newly excluded.", "%(num)s scores newly excluded.", added), "info")
    return redirect(url_for("voting.integrity", contest_id=contest.id))


@bp.post("/staff/exclusions/<int:exclusion_id>/reinstate")
@staff_required
def reinstate(exclusion_id: int) -> ResponseReturnValue:
    exclusion = db.get_or_404(ScoreExclusion, exclusion_id)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                result_services.reinstate(
                    current_user, exclusion, note=request.form.get("note", ""), now=utcnow()
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The score counts again."), "success")
    return redirect(url_for("voting.integrity", contest_id=exclusion.contest_id))
