"""Design pages: submit, gallery, detail, edit/withdraw, the artist's entries, reports."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest.comments import services as comment_services
from contest.comments.forms import CommentForm
from contest.contests.services import get_by_slug
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.images import ImageRejected
from contest.designs import services
from contest.designs.forms import ActionForm, EditDesignForm, ReportForm, SubmitDesignForm
from contest.designs.models import Design
from contest.extensions import cache, db, limiter
from contest.storage.services import signed_url
from contest.voting.forms import ScoreForm
from contest.voting.services import my_score

bp = Blueprint("designs", __name__)
GALLERY_PAGE = 24


def _visible_contest(slug: str):  # noqa: ANN202 - Contest
    contest = get_by_slug(slug)
    if contest is None or contest.state == "draft":
        abort(404)
    return contest


def _can_see_private(design: Design) -> bool:
    return current_user.is_authenticated and (current_user.is_staff or current_user.id == design.artist_id)


def _submit_limit() -> str:
    return current_app.config["SUBMIT_RATE_LIMIT"]


@bp.route("/contests/<slug>/submit", methods=["GET", "POST"])
@login_required
@limiter.limit(_submit_limit, methods=["POST"], key_func=lambda: f"submit:{current_user.get_id()}")
def submit(slug: str) -> ResponseReturnValue:
    contest = _visible_contest(slug)
    now = utcnow()
    form = SubmitDesignForm()
    if request.method == "GET":
        form.submission_key.data = uuid.uuid4().hex
        form.licence_version.data = contest.licence_terms.version
    if form.validate_on_submit():
        data = services.SubmissionInput(
            title=form.title.data,
            description=form.description.data or "",
            tags=form.tags.data or "",
            accept_licence=form.accept_licence.data,
            declare_original=form.declare_original.data,
            licence_version=form.licence_version.data or 0,
            submission_key=form.submission_key.data or "",
        )
        try:
            with unit_of_work():
                design = services.submit_design(current_user, contest, data, form.image.data.stream, now=now)
        except services.AlreadySubmitted as error:
            existing = error.details.get("design_id") or services.design_for_key(
                current_user.id, form.submission_key.data or ""
            )
            if existing:
                flash(_("This design was already submitted."), "info")
                return redirect(url_for("designs.detail", design_id=existing), 303)
            form.form_errors.append(error.message)
        except DomainError as error:
            field = error.details.get("field") or ("image" if isinstance(error, ImageRejected) else None)
            target = getattr(form, str(field), None) if field else None
            if target is not None:
                target.errors = [*target.errors, error.message]
            else:
                form.form_errors.append(error.message)
            status = error.status_code
            return render_template("designs/submit.html", form=form, contest=contest, now=now), status
        else:
            flash(_("Thank you! Your design is uploaded."), "success")
            return redirect(url_for("designs.detail", design_id=design.id), 303)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("designs/submit.html", form=form, contest=contest, now=now), status


def _render_gallery(contest, now: datetime, seed: int) -> str:  # noqa: ANN001 - Contest
    page = db.paginate(
        services.gallery_query(contest, now=now, seed=seed), per_page=GALLERY_PAGE, error_out=False
    )
    return render_template(
        "designs/gallery.html", contest=contest, page=page, now=now, phase=contest.phase(now)
    )


SHUFFLE_COOKIE = "atelier_shuffle"


@bp.get("/contests/<slug>/gallery")
def gallery(slug: str) -> ResponseReturnValue:
    now = utcnow()
    if current_user.is_authenticated:
        contest = _visible_contest(slug)
        return _render_gallery(contest, now, services.member_seed(current_user.id, contest.id))
    # A guest keeps one of the shared shuffles in a plain cookie: it only picks an order, so there is
    # nothing to sign, and guests need no session at all.
    raw = request.cookies.get(SHUFFLE_COOKIE, "")
    shuffle = int(raw) if raw.isdigit() and int(raw) < services.GUEST_SHUFFLES else None
    new_guest = shuffle is None
    if shuffle is None:
        shuffle = secrets.randbelow(services.GUEST_SHUFFLES)
    if "_flashes" in session:
        contest = _visible_contest(slug)
        html = _render_gallery(contest, now, services.guest_seed(shuffle, contest.id))
    else:
        # Guests with the same shuffle, language and time zone see the same page: rendered once, then
        # served from the cache until the gallery changes (the marker) or a minute passes.
        marker = services.gallery_marker(slug, now)
        if marker is None:
            abort(404)
        key = f"gallery:{marker}:{shuffle}:{get_locale()}:{get_timezone()}:{request.full_path}"
        html = cache.get(key)
        if html is None:
            contest = _visible_contest(slug)
            html = _render_gallery(contest, now, services.guest_seed(shuffle, contest.id))
            cache.set(key, html)
    response = make_response(html)
    if new_guest:
        response.set_cookie(
            SHUFFLE_COOKIE,
            str(shuffle),
            max_age=30 * 86400,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.get("/designs/<int:design_id>")
def detail(design_id: int) -> ResponseReturnValue:
    design = db.get_or_404(Design, design_id)
    if design.contest.state == "draft" and not _can_see_private(design):
        abort(404)
    if design.status == "taken_down" and not _can_see_private(design):
        return render_template("designs/taken_down.html", design=design), 410
    if not design.is_public and not _can_see_private(design):
        abort(404)
    now = utcnow()
    owner = current_user.is_authenticated and current_user.id == design.artist_id
    can_score = (
        current_user.is_authenticated and not owner and design.is_public and design.contest.voting_open(now)
    )
    return render_template(
        "designs/detail.html",
        design=design,
        now=now,
        owner=owner,
        can_score=can_score,
        mine=my_score(current_user.id, design.id) if can_score else None,
        score_form=ScoreForm(),
        comments=comment_services.for_design(design.id),
        comment_form=CommentForm(),
        can_edit=owner
        and design.contest.accepts_submissions(now)
        and design.status in ("processing", "pending", "approved"),
        can_see_private=_can_see_private(design),
        form=ActionForm(),
        reasons=services.rejection_reasons(),
    )


@bp.route("/designs/<int:design_id>/edit", methods=["GET", "POST"])
@login_required
def edit(design_id: int) -> ResponseReturnValue:
    design = db.get_or_404(Design, design_id)
    if design.artist_id != current_user.id:
        abort(404)
    form = EditDesignForm(obj=design if request.method == "GET" else None)
    if request.method == "GET":
        form.tags.data = ", ".join(design.tags)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.edit_design(
                    current_user,
                    design,
                    title=form.title.data,
                    description=form.description.data or "",
                    tags=form.tags.data or "",
                    now=utcnow(),
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Your changes are saved."), "success")
        return redirect(url_for("designs.detail", design_id=design.id))
    return render_template("designs/edit.html", form=form, design=design), 400 if form.errors else 200


@bp.post("/designs/<int:design_id>/withdraw")
@login_required
def withdraw(design_id: int) -> ResponseReturnValue:
    design = db.get_or_404(Design, design_id)
    if design.artist_id != current_user.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                services.withdraw_design(current_user, design, now=utcnow())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Your entry is withdrawn."), "info")
    return redirect(url_for("designs.mine"))


@bp.get("/designs/<int:design_id>/master")
@login_required
def master(design_id: int) -> ResponseReturnValue:
    """The print master, for its artist and staff only, through a short-lived link."""
    design = db.get_or_404(Design, design_id)
    if not _can_see_private(design) or design.master is None:
        abort(404)
    return redirect(signed_url(design.master, expires_in=300, download_name=f"design-{design.id}.png"), 303)


@bp.get("/me/entries")
@login_required
def mine() -> ResponseReturnValue:
    designs = (
        db.session.execute(
            db.select(Design).filter_by(artist_id=current_user.id).order_by(Design.submitted_at.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "designs/mine.html",
        designs=designs,
        reasons=services.rejection_reasons(),
        now=utcnow(),
        form=ActionForm(),
    )


@bp.route("/designs/<int:design_id>/report", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def report(design_id: int) -> ResponseReturnValue:
    design = db.get_or_404(Design, design_id)
    if not design.is_public:
        abort(404)
    form = ReportForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.name.data, form.email.data = current_user.name, current_user.email
    if form.validate_on_submit():
        reporter = current_user if current_user.is_authenticated else None
        try:
            with unit_of_work():
                services.report_design(
                    reporter,
                    design,
                    name=form.name.data,
                    email=form.email.data,
                    reason=form.reason.data,
                    evidence_url=form.evidence_url.data,
                    now=utcnow(),
                )
        except DomainError as error:
            form.evidence_url.errors = [*form.evidence_url.errors, error.message]
        else:
            flash(_("Thank you. Our team will review your report and contact you if needed."), "success")
            return redirect(url_for("designs.detail", design_id=design.id))
    return render_template("designs/report.html", form=form, design=design), 400 if form.errors else 200
