"""Staff moderation: the queue of new designs (with near-duplicates side by side) and infringement reports."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from contest.core.auth import staff_required
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.designs import services
from contest.designs.forms import ActionForm, RejectForm, ResolveReportForm
from contest.designs.models import Design, InfringementReport
from contest.extensions import db

bp = Blueprint("moderation", __name__, url_prefix="/staff")


def _reject_form() -> RejectForm:
    form = RejectForm()
    form.reason.choices = [
        SelectChoice(code, _(label)) for code, label in services.rejection_reasons().items()
    ]
    return form


@bp.get("/moderation")
@staff_required
def queue() -> ResponseReturnValue:
    pending = (
        db.session.execute(db.select(Design).filter_by(status="pending").order_by(Design.submitted_at))
        .scalars()
        .all()
    )
    return render_template(
        "designs/moderation.html", designs=pending, approve_form=ActionForm(), reject_form=_reject_form()
    )


@bp.post("/moderation/<int:design_id>/approve")
@staff_required
def approve(design_id: int) -> ResponseReturnValue:
    design = db.get_or_404(Design, design_id)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                services.approve_design(current_user, design, now=utcnow())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("“%(title)s” is approved.", title=design.title), "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/moderation/<int:design_id>/reject")
@staff_required
def reject(design_id: int) -> ResponseReturnValue:
    design = db.get_or_404(Design, design_id)
    form = _reject_form()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.reject_design(
                    current_user, design, reason=form.reason.data, note=form.note.data or "", now=utcnow()
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("“%(title)s” is rejected; the artist is told why.", title=design.title), "info")
    else:
        flash(_("Choose a reason from the list."), "error")
    return redirect(url_for("moderation.queue"))


@bp.get("/reports")
@staff_required
def reports() -> ResponseReturnValue:
    items = (
        db.session.execute(
            db.select(InfringementReport)
            .order_by(InfringementReport.status != "open", InfringementReport.created_at.desc())
            .limit(200)
        )
        .scalars()
        .all()
    )
    return render_template("designs/reports.html", reports=items, form=ResolveReportForm())


@bp.post("/reports/<int:report_id>/resolve")
@staff_required
def resolve(report_id: int) -> ResponseReturnValue:
    report = db.get_or_404(InfringementReport, report_id)
    form = ResolveReportForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.resolve_report(
                    current_user, report, action=form.action.data, note=form.note.data or "", now=utcnow()
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("The report is handled."), "success")
    return redirect(url_for("moderation.reports"))
