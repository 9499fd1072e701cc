"""The cart pages: add, change, remove, and the totals with shipping for the shopper's region."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, user_logged_in

from contest.catalogue.services import product_by_slug
from contest.catalogue.types import COLOUR_LABELS
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.i18n import product_label
from contest.core.security import safe_next
from contest.designs.forms import ActionForm
from contest.extensions import db
from contest.fulfilment.services import mark_delivered, tracking_for
from contest.orders import cart, services
from contest.orders.models import STATUS_LABELS, Order

bp = Blueprint("orders", __name__)
REGION_KEY = "shipping_region"


def current_cart() -> cart.CartStore:
    if current_user.is_authenticated:
        return cart.MemberCart(current_user, now=utcnow())
    return cart.SessionCart(session)


@bp.get("/cart")
def show() -> ResponseReturnValue:
    from contest.payments.gateway import get_gateway

    g.form_action_origins = get_gateway().checkout_origins  # the checkout form ends on the provider's page
    with unit_of_work():
        view = cart.view(current_cart(), region=session.get(REGION_KEY, ""))
    for title in view.removed:
        flash(_("“%(title)s” is no longer for sale and left your cart.", title=title), "info")
    return render_template(
        "orders/cart.html",
        cart=view,
        form=ActionForm(),
        regions=cart.REGION_LABELS,
        rates=cart.shipping_rates(),
        colour_labels=COLOUR_LABELS,
        checkout_key=secrets.token_urlsafe(16),
    )


@bp.post("/cart/add")
def add() -> ResponseReturnValue:
    product = product_by_slug(request.form.get("product", ""))
    back = safe_next(request.form.get("next"), url_for("orders.show"))
    if not ActionForm().validate_on_submit() or product is None:
        flash(_("This item is no longer for sale."), "error")
        return redirect(back, 303)
    try:
        quantity = cart.parse_quantity(request.form.get("quantity", "1"))
        variant = cart.find_variant(
            product, colour=request.form.get("colour", ""), size=request.form.get("size", "")
        )
        with unit_of_work():
            cart.add(current_cart(), variant.id, quantity)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(back, 303)
    flash(_("Added to your cart: %(title)s (%(size)s).", title=product.title, size=variant.size), "success")
    return redirect(url_for("orders.show"), 303)


@bp.post("/cart/update")
def update() -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        region = request.form.get("region")
        if region in cart.shipping_rates():
            session[REGION_KEY] = region
        try:
            with unit_of_work():
                store = current_cart()
                for key, raw in request.form.items():
                    if key.startswith("quantity-") and key[9:].isdigit():
                        text = raw.strip()
                        quantity = 0 if text == "0" else cart.parse_quantity(text)
                        cart.set_quantity(store, int(key[9:]), quantity)
                remove = request.form.get("remove", "")
                if remove.isdigit():
                    cart.set_quantity(store, int(remove), 0)
        except DomainError as error:
            flash(error.message, "error")
    return redirect(url_for("orders.show"), 303)


def order_status(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def init_app(app: Flask) -> None:
    app.add_template_filter(order_status, "order_status")

    @user_logged_in.connect_via(app)
    def merge_guest_cart(_sender, user, **_extra) -> None:  # noqa: ANN001 - blinker signal
        """Whatever a guest put in the cart is still there after logging in."""
        guest = cart.SessionCart(session)
        items = guest.items()
        if items:
            with unit_of_work():
                cart.merge(items, cart.MemberCart(user, now=utcnow()))
            guest.clear()


@bp.post("/checkout")
def checkout() -> ResponseReturnValue:
    """Pending order (a snapshot of the cart at today's prices), then the provider's payment page.

    A double click posts the same checkout key: it finds the first order and its session."""
    from contest.payments.gateway import CheckoutLine, CheckoutRequest, PaymentError, get_gateway

    if not ActionForm().validate_on_submit():
        return redirect(url_for("orders.show"), 303)
    key = request.form.get("checkout_key", "")[:40]
    email = current_user.email if current_user.is_authenticated else request.form.get("email", "").strip()
    if not key or "@" not in email or len(email) > 254:
        flash(_("Enter the email address we should send your receipt to."), "error")
        return redirect(url_for("orders.show"), 303)
    gateway = get_gateway()
    order = services.order_for_key(key)
    if order is None:
        try:
            with unit_of_work():
                view = cart.view(current_cart(), region=session.get(REGION_KEY, ""))
                order = services.create_order(
                    view,
                    email=email,
                    user=current_user if current_user.is_authenticated else None,
                    checkout_key=key,
                    gateway=gateway.name,
                    locale=str(get_locale()),
                    now=utcnow(),
                )
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("orders.show"), 303)
        except sa.exc.IntegrityError:  # the other click of a double click made it first
            order = services.order_for_key(key)
    if order.status != "pending":
        return redirect(url_for("orders.detail", token=order.token), 303)
    request_data = CheckoutRequest(
        order_id=order.id,
        order_token=order.token,
        email=order.email,
        currency=order.currency,
        lines=tuple(
            CheckoutLine(
                name=f"{line.title} — {product_label(line.type_code)}",
                description=f"{line.size} · {line.colour} · {line.sku}",
                unit_amount=line.unit_price,
                quantity=line.quantity,
            )
            for line in order.lines
        ),
        shipping_amount=order.shipping,
        shipping_label=_(cart.REGION_LABELS.get(order.shipping_region, order.shipping_region)),
        countries=services.REGION_COUNTRIES.get(order.shipping_region, ("FR",)),
        success_url=url_for("orders.detail", token=order.token, _external=True),
        cancel_url=url_for("orders.show", _external=True),
        locale=order.locale,
    )
    try:
        checkout_session = gateway.create_checkout(request_data, idempotency_key=f"order-{order.id}")
    except PaymentError as error:
        flash(_("The payment page could not be opened: %(reason)s", reason=str(error)), "error")
        return redirect(url_for("orders.show"), 303)
    if checkout_session.amount_total != order.total:
        flash(_("The payment page disagrees with your order's total; nothing was charged."), "error")
        return redirect(url_for("orders.show"), 303)
    with unit_of_work():
        db.session.execute(
            sa.update(Order)
            .where(Order.id == order.id, Order.checkout_session_id.is_(None))
            .values(checkout_session_id=checkout_session.id)
        )
    return redirect(checkout_session.url, 303)


@bp.get("/orders")
@login_required
def history() -> ResponseReturnValue:
    rows = db.session.execute(
        sa.select(Order).where(Order.user_id == current_user.id).order_by(Order.created_at.desc()).limit(200)
    ).scalars()
    return render_template("orders/history.html", orders=list(rows))


@bp.get("/orders/<token>")
def detail(token: str) -> ResponseReturnValue:
    """The order, for whoever holds its unguessable link (the receipt email carries it)."""
    order = db.session.execute(sa.select(Order).filter_by(token=token)).scalar_one_or_none()
    if order is None:
        abort(404)
    if order.status == "paid" and not current_user.is_authenticated:
        cart.SessionCart(session).clear()  # a guest's cart empties once the payment is confirmed
    return render_template(
        "orders/order.html",
        order=order,
        colour_labels=COLOUR_LABELS,
        tracking=tracking_for(order.id),
        steps=services.progress(order),
        form=ActionForm(),
    )


@bp.post("/orders/<token>/received")
def received(token: str) -> ResponseReturnValue:
    """The shopper confirms the parcel arrived (whoever holds the order's private link)."""
    order = db.session.execute(sa.select(Order).filter_by(token=token)).scalar_one_or_none()
    if order is None:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            with unit_of_work():
                mark_delivered(
                    order,
                    actor_id=current_user.id if current_user.is_authenticated else None,
                    now=utcnow(),
                    note="confirmed by the shopper",
                )
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("Thank you for letting us know. Enjoy it!"), "success")
    return redirect(url_for("orders.detail", token=order.token), 303)
