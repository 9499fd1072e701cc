"""The Stripe webhook endpoint, and the labelled test-payment page used when Stripe is not configured."""

from __future__ import annotations

import secrets
from decimal import InvalidOperation

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from contest.contests.forms import to_minor_units
from contest.core.auth import staff_required
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.designs.forms import ActionForm
from contest.extensions import csrf, db
from contest.orders import services as order_services
from contest.orders.models import Order
from contest.payments import refunds, webhooks
from contest.payments.gateway import InvalidSignature, get_gateway
from contest.payments.models import Refund
from contest.payments.test_gateway import TestGateway

bp = Blueprint("payments", __name__)
MAX_WEBHOOK_BYTES = 512 * 1024


@bp.post("/webhooks/stripe")
@csrf.exempt
def stripe_webhook() -> ResponseReturnValue:
    """Verified on the raw body; without a Stripe webhook secret every call is refused."""
    gateway = get_gateway()
    if gateway.name != "stripe" or (request.content_length or 0) > MAX_WEBHOOK_BYTES:
        return jsonify(error="refused"), 400
    payload = request.get_data(cache=False)
    try:
        with unit_of_work():
            outcome = webhooks.receive(
                gateway, payload, request.headers.get("Stripe-Signature", ""), now=utcnow()
            )
    except InvalidSignature:
        current_app.logger.warning("stripe webhook refused: bad signature")
        return jsonify(error="invalid signature"), 400
    return jsonify(received=True, outcome=outcome)


def _test_order(session_id: str) -> Order:
    if not isinstance(get_gateway(), TestGateway):
        abort(404)
    order = db.session.execute(
        sa.select(Order).filter_by(checkout_session_id=session_id)
    ).scalar_one_or_none()
    if order is None:
        abort(404)
    if order.status != "pending":
        abort(410)  # cancelled or already paid: like an expired payment page, it takes no more payments
    return order


@bp.get("/payments/test/<session_id>")
def test_page(session_id: str) -> ResponseReturnValue:
    return render_template("payments/test_page.html", order=_test_order(session_id), form=ActionForm())


@bp.post("/payments/test/<session_id>")
def test_pay(session_id: str) -> ResponseReturnValue:
    """Plays the provider: a signed checkout.session.completed through the same webhook code."""
    order = _test_order(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    gateway = get_gateway()
    assert isinstance(gateway, TestGateway)  # noqa: S101 - _test_order checked it
    event = gateway.completed_event(
        order,
        name=request.form.get("name", "")[:100],
        address={"line1": request.form.get("address", "")[:200], "country": "FR"},
    )
    payload, signature = gateway.sign(event)
    with unit_of_work():
        webhooks.receive(gateway, payload, signature, now=utcnow())
    return redirect(url_for("orders.detail", token=order.token), 303)


@bp.get("/staff/orders")
@staff_required
def staff_orders() -> ResponseReturnValue:
    flagged = request.args.get("flagged") == "1"
    query = sa.select(Order).order_by(Order.created_at.desc()).limit(200)
    if flagged:
        query = query.where(Order.flagged_reason != "")
    return render_template(
        "payments/staff_orders.html", orders=list(db.session.execute(query).scalars()), flagged=flagged
    )


@bp.route("/staff/orders/<int:order_id>", methods=["GET", "POST"])
@staff_required
def staff_order(order_id: int) -> ResponseReturnValue:
    """An order's lines, history and flags; refunds go through the gateway and return by webhook."""
    order = db.get_or_404(Order, order_id)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        raw = request.form.get("amount", "").strip()
        line_ids = [int(value) for value in request.form.getlist("line") if value.isdigit()]
        try:
            amount = None if line_ids or not raw else to_minor_units(raw, order.currency)
            outcome = refunds.request_refund(
                current_user,
                order,
                get_gateway(),
                now=utcnow(),
                amount=amount,
                line_ids=line_ids,
                reason=request.form.get("reason", ""),
                request_key=request.form.get("refund_key", "")[:40] or None,
            )
        except (InvalidOperation, ValueError):
            flash(_("“%(value)s” is not an amount.", value=raw), "error")
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(outcome, "success")
        return redirect(url_for("payments.staff_order", order_id=order.id), 303)
    order_refunds = db.session.execute(
        sa.select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)
    ).scalars()
    return render_template(
        "payments/staff_order.html",
        order=order,
        form=form,
        refunds=list(order_refunds),
        refunded_lines=refunds.refunded_by_line(order.id),
        refund_key=secrets.token_urlsafe(16),
    )


@bp.post("/staff/orders/<int:order_id>/cancel")
@staff_required
def cancel(order_id: int) -> ResponseReturnValue:
    """Cancel an unpaid order: its payment page is closed at the provider, and the shopper is told why."""
    order = db.get_or_404(Order, order_id)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                order_services.cancel_unpaid(
                    order,
                    reason=request.form.get("reason", ""),
                    actor_id=current_user.id,
                    gateway=get_gateway(),
                    now=utcnow(),
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Order cancelled; the shopper was told why."), "success")
    return redirect(url_for("payments.staff_order", order_id=order.id), 303)
