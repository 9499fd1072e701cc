"""Scoring pages: the score-next flow and the score form on a design page (JSON for the keyboard flow)."""

from __future__ import annotations

import ipaddress
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest.contests.services import get_by_slug
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.security import safe_next
from contest.designs.models import Design
from contest.designs.services import viewer_seed
from contest.extensions import db, limiter
from contest.voting import services
from contest.voting.forms import ScoreForm

bp = Blueprint("voting", __name__)
DEVICE_COOKIE = "atelier_device"


def _context() -> services.Context:
    """The client's network prefix (/24 or /48) and a device cookie, for ring detection only."""
    address = request.remote_addr or ""
    try:
        ip = ipaddress.ip_address(address)
        prefix = str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))
    except ValueError:
        prefix = ""
    return services.Context(ip_prefix=prefix, device_id=request.cookies.get(DEVICE_COOKIE, "")[:64])


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _score_limit() -> str:
    return current_app.config.get("SCORE_RATE_LIMIT", "120 per minute")


@bp.post("/designs/<int:design_id>/score")
@login_required
@limiter.limit(_score_limit, key_func=lambda: f"score:{current_user.get_id()}")
def score(design_id: int) -> ResponseReturnValue:
    design = db.get_or_404(Design, design_id)
    form = ScoreForm()
    back = safe_next(form.next.data, url_for("designs.detail", design_id=design.id))
    if not form.validate_on_submit():
        message = _("A score is a whole number from 1 to 5.")
        if _wants_json():
            return jsonify(error="invalid", message=message), 400
        flash(message, "error")
        return redirect(back)
    buy = form.buy.data if form.buy_present.data else None
    for attempt in range(2):  # a simultaneous duplicate (double click) is retried once as an update
        try:
            with unit_of_work():
                result = services.cast_score(
                    current_user, design, value=form.value.data, buy=buy, now=utcnow(), context=_context()
                )
                value, bought = result.value, result.buy
            break
        except services.AlreadyScored:
            if attempt:
                raise
        except DomainError as error:
            if _wants_json():
                return jsonify(error=type(error).__name__, message=error.message), error.status_code
            flash(error.message, "error")
            return redirect(back)
    if _wants_json():
        return jsonify(design_id=design.id, value=value, buy=bought)
    flash(
        _("Saved: %(value)s/5 for “%(title)s”.", value=value, title=design.title) if value else _("Saved."),
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
    if "gallery_seed" not in session:
        session["gallery_seed"] = secrets.randbelow(1_000_000)
    skipped_key = f"skip-{contest.id}"
    skip = request.args.get("skip", type=int)
    if skip:
        session[skipped_key] = sorted({*session.get(skipped_key, []), skip})[-500:]
        return redirect(url_for("voting.score_next", slug=contest.slug))
    if request.args.get("restart"):
        session.pop(skipped_key, None)
    seed = viewer_seed(current_user.id, session["gallery_seed"], contest.id)
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
        if current_user.is_authenticated and DEVICE_COOKIE not in request.cookies:
            response.set_cookie(
                DEVICE_COOKIE,
                secrets.token_urlsafe(16),
                max_age=2 * 365 * 86400,
                httponly=True,
                samesite="Lax",
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return response
