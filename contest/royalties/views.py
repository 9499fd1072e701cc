"""Creators' earnings, statements (page, CSV, PDF) and payout accounts; staff payouts.

A creator's pages answer only to that creator and to staff: anyone else gets 404, as if they did not
exist, and guests are sent to log in.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from contest.accounts.models import User
from contest.core.auth import staff_required
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.i18n import product_label
from contest.designs.forms import ActionForm
from contest.extensions import db
from contest.payments.gateway import PaymentError, get_gateway
from contest.payments.test_gateway import TestGateway
from contest.royalties import charts, payouts, statements
from contest.royalties.earnings import earnings
from contest.royalties.models import Payout, PayoutAccount

bp = Blueprint("royalties", __name__)
CURRENCY = "EUR"


def _creator(creator_id: int) -> User:
    if current_user.id != creator_id and not current_user.is_staff:
        abort(404)
    return db.get_or_404(User, creator_id)


@bp.get("/earnings")
@login_required
def mine() -> ResponseReturnValue:
    return redirect(url_for("royalties.dashboard", creator_id=current_user.id))


@bp.get("/creators/<int:creator_id>/earnings")
@login_required
def dashboard(creator_id: int) -> ResponseReturnValue:
    creator = _creator(creator_id)
    now = utcnow()
    figures = earnings(creator.id, now=now, currency=CURRENCY)
    account = db.session.execute(
        sa.select(PayoutAccount).filter_by(creator_id=creator.id)
    ).scalar_one_or_none()
    recent = db.session.execute(
        sa.select(Payout).filter_by(creator_id=creator.id).order_by(Payout.created_at.desc()).limit(12)
    ).scalars()
    return render_template(
        "royalties/dashboard.html",
        creator=creator,
        figures=figures,
        chart=charts.bar_chart_svg(figures.monthly, currency=CURRENCY, title=_("Royalties per month")),
        periods=statements.periods_for(creator.id, now=now),
        account=account,
        payouts=list(recent),
        product_label=product_label,
        form=ActionForm(),
    )


def _statement(creator_id: int, period: str) -> statements.Statement:
    creator = _creator(creator_id)
    try:
        with unit_of_work():  # a closed month's first view cuts its snapshot
            return statements.statement(creator, period, CURRENCY, now=utcnow())
    except statements.BadPeriod:
        abort(404)


@bp.get("/creators/<int:creator_id>/statements/<period>")
@login_required
def statement(creator_id: int, period: str) -> ResponseReturnValue:
    shown = _statement(creator_id, period)
    return render_template(
        "royalties/statement.html", statement=shown, creator=db.session.get(User, creator_id)
    )


@bp.get("/creators/<int:creator_id>/statements/<period>.csv")
@login_required
def statement_csv(creator_id: int, period: str) -> ResponseReturnValue:
    shown = _statement(creator_id, period)
    return Response(
        statements.as_csv(shown),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=atelier-statement-{period}.csv"},
    )


@bp.get("/creators/<int:creator_id>/statements/<period>.pdf")
@login_required
def statement_pdf(creator_id: int, period: str) -> ResponseReturnValue:
    from contest.royalties.pdf import render_statement_pdf

    shown = _statement(creator_id, period)
    return Response(
        render_statement_pdf(shown),
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=atelier-statement-{period}.pdf"},
    )


@bp.post("/earnings/payout-account/stripe")
@login_required
def connect() -> ResponseReturnValue:
    """Create (once) the creator's connected account and send them to the provider's onboarding."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("royalties.mine"), 303)
    gateway = get_gateway()
    try:
        with unit_of_work():
            account = payouts.connect_stripe(current_user, gateway, now=utcnow())
        link = gateway.onboarding_link(
            account.stripe_account_id or "",
            return_url=url_for("royalties.connected", _external=True),
            refresh_url=url_for("royalties.mine", _external=True),
        )
    except PaymentError as error:
        flash(_("The payment provider could not be reached: %(reason)s", reason=str(error)), "error")
        return redirect(url_for("royalties.mine"), 303)
    return redirect(link, 303)


@bp.get("/earnings/payout-account/done")
@login_required
def connected() -> ResponseReturnValue:
    account = db.session.execute(
        sa.select(PayoutAccount).filter_by(creator_id=current_user.id)
    ).scalar_one_or_none()
    if account is not None:
        try:
            with unit_of_work():
                ready = payouts.refresh_ready(account, get_gateway(), now=utcnow())
        except PaymentError:
            ready = False
        if ready:
            flash(_("Your payout account is ready: payouts go there from now on."), "success")
        else:
            flash(_("The payment provider still needs some details before it can pay you."), "info")
    return redirect(url_for("royalties.mine"), 303)


@bp.post("/earnings/payout-account/manual")
@login_required
def manual() -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                payouts.choose_manual(current_user, details=request.form.get("details", ""), now=utcnow())
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Saved: our team pays you by bank transfer."), "success")
    return redirect(url_for("royalties.mine"), 303)


@bp.route("/payments/test/connect/<account_id>", methods=["GET", "POST"])
@login_required
def test_onboarding(account_id: str) -> ResponseReturnValue:
    """The test gateway's stand-in for the provider's onboarding (labelled, like its payment page)."""
    if not isinstance(get_gateway(), TestGateway):
        abort(404)
    account = db.session.execute(
        sa.select(PayoutAccount).filter_by(stripe_account_id=account_id, creator_id=current_user.id)
    ).scalar_one_or_none()
    if account is None:
        abort(404)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        with unit_of_work():
            payouts.account_updated(account_id, ready=True, now=utcnow())
        return redirect(url_for("royalties.connected"), 303)
    return render_template("royalties/test_onboarding.html", form=form)


@bp.get("/staff/payouts")
@staff_required
def staff_payouts() -> ResponseReturnValue:
    rows = db.session.execute(
        sa.select(Payout, User)
        .join(User, User.id == Payout.creator_id)
        .order_by(Payout.status != "awaiting_manual", Payout.created_at.desc())
        .limit(300)
    ).all()
    accounts = {
        a.creator_id: a
        for a in db.session.execute(
            sa.select(PayoutAccount).where(PayoutAccount.creator_id.in_([p.creator_id for p, _u in rows]))
        ).scalars()
    }
    return render_template("royalties/staff_payouts.html", rows=rows, accounts=accounts, form=ActionForm())


@bp.post("/staff/payouts/<int:payout_id>/paid")
@staff_required
def mark_paid(payout_id: int) -> ResponseReturnValue:
    payout = db.get_or_404(Payout, payout_id)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                payouts.mark_manual_paid(
                    current_user, payout, reference=request.form.get("reference", ""), now=utcnow()
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Payout recorded as paid."), "success")
    return redirect(url_for("royalties.staff_payouts"), 303)
