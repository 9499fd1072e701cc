"""Comment endpoints; the list itself is rendered on the design page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest.comments import services
from contest.comments.forms import CommentForm, ReportCommentForm, ResolveCommentForm
from contest.comments.models import Comment
from contest.core.auth import staff_required
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.forms import Form
from contest.designs.models import Design
from contest.extensions import db, limiter

bp = Blueprint("comments", __name__)


@bp.post("/designs/<int:design_id>/comments")
@login_required
@limiter.limit("10 per minute;100 per day", key_func=lambda: f"comment:{current_user.get_id()}")
def post(design_id: int) -> ResponseReturnValue:
    design = db.get_or_404(Design, design_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                comment = services.post_comment(current_user, design, form.body.data, now=utcnow())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Thank you for your critique."), "success")
            return redirect(
                url_for("designs.detail", design_id=design.id, _anchor=f"comment-{comment.id}"), 303
            )
    else:
        flash(_("Write something first."), "error")
    return redirect(url_for("designs.detail", design_id=design.id, _anchor="comments"), 303)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete(comment_id: int) -> ResponseReturnValue:
    comment = db.get_or_404(Comment, comment_id)
    design_id = comment.design_id
    if Form().validate_on_submit():
        try:
            with unit_of_work():
                services.delete_comment(current_user, comment)
        except DomainError:
            abort(404)
        flash(_("Your comment is deleted."), "info")
    return redirect(url_for("designs.detail", design_id=design_id, _anchor="comments"), 303)


@bp.route("/comments/<int:comment_id>/report", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"], key_func=lambda: f"comment-report:{current_user.get_id()}")
def report(comment_id: int) -> ResponseReturnValue:
    comment = db.get_or_404(Comment, comment_id)
    if comment.is_hidden or not comment.design.is_public:
        abort(404)
    form = ReportCommentForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.report_comment(current_user, comment, form.reason.data, now=utcnow())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Thank you. Our team will look at this comment."), "success")
        return redirect(url_for("designs.detail", design_id=comment.design_id, _anchor="comments"), 303)
    return render_template("comments/report.html", form=form, comment=comment), 400 if form.errors else 200


@bp.get("/staff/comments")
@staff_required
def queue() -> ResponseReturnValue:
    return render_template("comments/queue.html", items=services.reported(), form=ResolveCommentForm())


@bp.post("/staff/comments/<int:comment_id>/resolve")
@staff_required
def resolve(comment_id: int) -> ResponseReturnValue:
    comment = db.get_or_404(Comment, comment_id)
    form = ResolveCommentForm()
    if form.validate_on_submit():
        hide = request.form.get("action") == "hide"
        try:
            with unit_of_work():
                services.resolve_comment_reports(
                    current_user, comment, hide=hide, reason=form.reason.data or "", now=utcnow()
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The comment is hidden.") if hide else _("The reports are dismissed."), "success")
    return redirect(url_for("comments.queue"))
