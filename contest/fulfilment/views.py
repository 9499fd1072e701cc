"""Staff fulfilment queue: the jobs to print, their export for the print partner, and shipping."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from contest.core.auth import staff_required
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.designs.forms import ActionForm
from contest.extensions import db
from contest.fulfilment import services
from contest.fulfilment.models import PrintJob
from contest.orders.models import Order

bp = Blueprint("fulfilment", __name__)


@bp.get("/staff/fulfilment")
@staff_required
def queue() -> ResponseReturnValue:
    jobs = list(
        db.session.execute(
            sa.select(PrintJob).where(PrintJob.status.in_(("queued", "exported"))).order_by(PrintJob.id)
        ).scalars()
    )
    return render_template("fulfilment/queue.html", jobs=jobs, form=ActionForm())


@bp.post("/staff/fulfilment/export.<any(csv, json):kind>")
@staff_required
def export(kind: str) -> ResponseReturnValue:
    """Marks the queued jobs exported (their orders go into production) and downloads them."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("fulfilment.queue"), 303)
    with unit_of_work():
        rows = services.export(now=utcnow())
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    if kind == "csv":
        body, mimetype = services.as_csv(rows), "text/csv"
    else:
        body, mimetype = json.dumps(rows, indent=2), "application/json"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=print-jobs-{stamp}.{kind}"},
    )


@bp.post("/staff/orders/<int:order_id>/ship")
@staff_required
def ship(order_id: int) -> ResponseReturnValue:
    order = db.get_or_404(Order, order_id)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                services.mark_shipped(
                    order,
                    carrier=request.form.get("carrier", ""),
                    tracking=request.form.get("tracking", ""),
                    actor_id=current_user.id,
                    now=utcnow(),
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Marked as shipped; the shopper got the tracking number."), "success")
    return redirect(url_for("payments.staff_order", order_id=order.id), 303)


@bp.post("/staff/orders/<int:order_id>/delivered")
@staff_required
def delivered(order_id: int) -> ResponseReturnValue:
    order = db.get_or_404(Order, order_id)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                services.mark_delivered(
                    order, actor_id=current_user.id, now=utcnow(), note="confirmed by staff"
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Marked as delivered."), "success")
    return redirect(url_for("payments.staff_order", order_id=order.id), 303)
