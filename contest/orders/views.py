"""The cart pages: add, change, remove, and the totals with shipping for the shopper's region."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in

from contest.catalogue.services import product_by_slug
from contest.catalogue.types import COLOUR_LABELS
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.errors import DomainError
from contest.core.security import safe_next
from contest.designs.forms import ActionForm
from contest.orders import cart

bp = Blueprint("orders", __name__)
REGION_KEY = "shipping_region"


def current_cart() -> cart.CartStore:
    if current_user.is_authenticated:
        return cart.MemberCart(current_user, now=utcnow())
    return cart.SessionCart(session)


@bp.get("/cart")
def show() -> ResponseReturnValue:
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


def init_app(app: Flask) -> None:
    @user_logged_in.connect_via(app)
    def merge_guest_cart(_sender, user, **_extra) -> None:  # noqa: ANN001 - blinker signal
        """Whatever a guest put in the cart is still there after logging in."""
        guest = cart.SessionCart(session)
        items = guest.items()
        if items:
            with unit_of_work():
                cart.merge(items, cart.MemberCart(user, now=utcnow()))
            guest.clear()
