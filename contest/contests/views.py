"""Contest pages: the public list and contest page, and staff create/edit/publish/cancel."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from contest.contests import services
from contest.contests.forms import ActionForm, CancelForm, ContestForm
from contest.contests.models import Contest
from contest.core.auth import staff_required
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.images import ImageRejected
from contest.extensions import db

bp = Blueprint("contests", __name__)


def _attach(form: ContestForm, error: DomainError) -> None:
    field = error.details.get("field")
    target = getattr(form, str(field), None) if field else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _advance(now) -> None:  # noqa: ANN001 - datetime
    """Lazy tick: pages move contests forward themselves, so a missed cron run changes nothing visible."""
    with unit_of_work():
        services.advance_contests(now)


@bp.get("/contests")
def index() -> ResponseReturnValue:
    now = utcnow()
    _advance(now)
    return render_template("contests/index.html", groups=services.public_contests(now), now=now)


@bp.get("/contests/<slug>")
def detail(slug: str) -> ResponseReturnValue:
    now = utcnow()
    contest = services.get_by_slug(slug)
    if contest is None or (
        contest.state == "draft" and not (current_user.is_authenticated and current_user.is_staff)
    ):
        abort(404)
    _advance(now)
    db.session.refresh(contest)
    from contest.community.surveys import may_answer
    from contest.ideas.services import idea_for_contest

    return render_template(
        "contests/detail.html",
        contest=contest,
        now=now,
        phase=contest.phase(now),
        idea=idea_for_contest(contest.id),
        survey_open=current_user.is_authenticated and may_answer(current_user, contest),
    )


@bp.get("/staff/contests")
@staff_required
def staff_index() -> ResponseReturnValue:
    contests = db.session.execute(db.select(Contest).order_by(Contest.created_at.desc())).scalars().all()
    return render_template("contests/staff_index.html", contests=contests, now=utcnow(), form=ActionForm())


def _save(form: ContestForm, contest: Contest | None) -> Contest | None:
    now = utcnow()
    try:
        with unit_of_work():
            if contest is None:
                contest = services.create_contest(current_user, form.to_input(), now=now)
            else:
                services.update_contest(current_user, contest, form.to_input(), now=now)
            if form.cover.data:
                services.set_cover(contest, form.cover.data.read(), now=now)
    except ImageRejected as error:
        form.cover.errors = [*form.cover.errors, error.message]
        return None
    except DomainError as error:
        _attach(form, error)
        return None
    return contest


@bp.route("/staff/contests/new", methods=["GET", "POST"])
@staff_required
def create() -> ResponseReturnValue:
    form = ContestForm()
    if form.validate_on_submit():
        contest = _save(form, None)
        if contest is not None:
            flash(_("Draft saved. Publish it when it is ready."), "success")
            return redirect(url_for("contests.edit", contest_id=contest.id))
    return render_template("contests/form.html", form=form, contest=None), 400 if form.errors else 200


@bp.route("/staff/contests/<int:contest_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(contest_id: int) -> ResponseReturnValue:
    contest = db.get_or_404(Contest, contest_id)
    form = ContestForm()
    if request.method == "GET":
        form.fill_from(contest)
    elif form.validate_on_submit() and _save(form, contest) is not None:
        flash(_("Contest saved."), "success")
        return redirect(url_for("contests.edit", contest_id=contest.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "contests/form.html",
        form=form,
        contest=contest,
        now=utcnow(),
        action_form=ActionForm(),
        cancel_form=CancelForm(),
    ), status


@bp.post("/staff/contests/<int:contest_id>/publish")
@staff_required
def publish(contest_id: int) -> ResponseReturnValue:
    contest = db.get_or_404(Contest, contest_id)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                services.publish_contest(current_user, contest, now=utcnow())
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("contests.edit", contest_id=contest.id))
        flash(_("The contest is published."), "success")
    return redirect(url_for("contests.detail", slug=contest.slug))


@bp.post("/staff/contests/<int:contest_id>/cancel")
@staff_required
def cancel(contest_id: int) -> ResponseReturnValue:
    contest = db.get_or_404(Contest, contest_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.cancel_contest(current_user, contest, form.reason.data, now=utcnow())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The contest is cancelled."), "info")
    else:
        flash(_("Say why the contest is cancelled; entrants will read it."), "error")
    return redirect(url_for("contests.edit", contest_id=contest.id))
