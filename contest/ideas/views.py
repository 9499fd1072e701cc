"""The public idea board, an idea's page, and what members and staff do there."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest.contests.models import Contest
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.designs.forms import ActionForm
from contest.extensions import db
from contest.ideas import services
from contest.ideas.forms import IdeaForm
from contest.ideas.models import Idea

bp = Blueprint("ideas", __name__)


@bp.get("/ideas")
def board() -> ResponseReturnValue:
    status = request.args.get("status") or None
    sort = request.args.get("sort") if request.args.get("sort") in services.SORTS else "support"
    return render_template(
        "ideas/board.html", ideas=services.board(status=status, sort=sort), status=status, sort=sort
    )


@bp.route("/ideas/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    form = IdeaForm()
    if form.validate_on_submit():
        files = [upload.read() for upload in (form.images.data or []) if upload and upload.filename]
        try:
            with unit_of_work():
                idea = services.propose(
                    current_user,
                    title=form.title.data or "",
                    description=form.description.data or "",
                    images=files,
                    now=utcnow(),
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Thank you! Your idea is on the board; staff will answer it."), "success")
            return redirect(url_for("ideas.detail", idea_id=idea.id), 303)
    return render_template("ideas/new.html", form=form)


@bp.get("/ideas/<int:idea_id>")
def detail(idea_id: int) -> ResponseReturnValue:
    idea = db.get_or_404(Idea, idea_id)
    contests = []
    if current_user.is_authenticated and current_user.is_staff and idea.status == "open":
        contests = list(
            db.session.execute(
                sa.select(Contest).where(Contest.state != "results").order_by(Contest.created_at.desc())
            ).scalars()
        )
    return render_template(
        "ideas/detail.html",
        idea=idea,
        comments=services.comments_of(idea.id),
        supported=current_user.is_authenticated and services.supports(current_user.id, idea.id),
        contests=contests,
        form=ActionForm(),
    )


def _act(idea_id: int, action) -> ResponseReturnValue:  # noqa: ANN001 - a callable taking the idea
    idea = db.get_or_404(Idea, idea_id)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                message = action(idea)
        except DomainError as error:
            flash(error.message, "error")
        else:
            if message:
                flash(message, "success")
    return redirect(url_for("ideas.detail", idea_id=idea.id), 303)


@bp.post("/ideas/<int:idea_id>/support")
@login_required
def support(idea_id: int) -> ResponseReturnValue:
    return _act(
        idea_id,
        lambda idea: (
            _("Thank you for your support.") if services.support(current_user, idea, now=utcnow()) else ""
        ),
    )


@bp.post("/ideas/<int:idea_id>/unsupport")
@login_required
def unsupport(idea_id: int) -> ResponseReturnValue:
    return _act(
        idea_id, lambda idea: _("Support withdrawn.") if services.withdraw_support(current_user, idea) else ""
    )


@bp.post("/ideas/<int:idea_id>/comments")
@login_required
def add_comment(idea_id: int) -> ResponseReturnValue:
    body = request.form.get("body", "")
    return _act(idea_id, lambda idea: services.comment(current_user, idea, body, now=utcnow()) and "")


@bp.post("/ideas/<int:idea_id>/answer")
@login_required
def answer(idea_id: int) -> ResponseReturnValue:
    if not current_user.is_staff:
        abort(403)
    accept = request.form.get("decision") == "accept"
    contest_id = request.form.get("contest", type=int)
    contest = db.session.get(Contest, contest_id) if contest_id else None

    def act(idea: Idea) -> str:
        services.answer(
            current_user,
            idea,
            accept=accept,
            reason=request.form.get("reason", ""),
            contest=contest,
            now=utcnow(),
        )
        return _("Answered; the proposer was told.")

    return _act(idea_id, act)
