"""The cart as shoppers use it: amounts always come from the catalogue, never from the browser."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from contest.catalogue.closing import close_contests
from contest.catalogue.models import Product
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.orders.models import CartItem
from tests.catalogue.test_promotion import closed_contest
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


@pytest.fixture
def shirt(app, ctx):
    scene = closed_contest(winners=1, product_types=("tshirt", "mug"))
    close_contests(utcnow())
    product = db.session.execute(
        sa.select(Product).filter_by(design_id=scene["designs"][0].id, type_code="tshirt")
    ).scalar_one()
    return product


def add(client, product, *, colour="black", size="M", quantity="1", **extra):
    page = client.get(f"/shop/{product.slug}?colour={colour}&size={size}").get_data(as_text=True)
    if "csrf_token" not in page:  # a product off sale has no cart form: take the session's token elsewhere
        page = client.get("/login").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "product": product.slug, "colour": colour, "size": size}
    return client.post("/cart/add", data={**data, "quantity": quantity, **extra})


def amounts(html: str) -> list[str]:
    return re.findall(r"€[\d.,]+", html.split("<dl>")[1].split("</dl>")[0]) if "<dl>" in html else []


def test_a_guest_fills_a_cart_with_server_side_prices(app, shirt):
    client = app.test_client()
    response = add(client, shirt, quantity="2", price="1", unit_price="0.01", total="0")  # ignored
    assert response.status_code == 303
    html = client.get("/cart").get_data(as_text=True)
    medium = next(v for v in shirt.variants if v.colour == "black" and v.size == "M")
    unit = medium.price / 100
    assert f"€{unit:.2f}" in html
    subtotal, shipping, total = amounts(html)
    assert subtotal == f"€{2 * unit:.2f}"
    assert shipping == "€4.90"  # France by default
    assert total == f"€{2 * unit + 4.90:.2f}"


def test_region_changes_shipping_and_quantities_change_totals(app, shirt):
    client = app.test_client()
    add(client, shirt)
    page = client.get("/cart").get_data(as_text=True)
    variant_id = re.search(r'name="quantity-(\d+)"', page).group(1)
    client.post(
        "/cart/update",
        data={"csrf_token": csrf_token(page), "region": "WORLD", f"quantity-{variant_id}": "3"},
    )
    html = client.get("/cart").get_data(as_text=True)
    assert amounts(html)[1] == "€14.90"
    assert f'name="quantity-{variant_id}" value="3"' in html
    client.post("/cart/update", data={"csrf_token": csrf_token(html), "remove": variant_id})
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)


@pytest.mark.parametrize("quantity", ["0", "-1", "21", "1000000", "two", "1.5", ""])
def test_absurd_quantities_are_refused_and_change_nothing(app, shirt, quantity):
    client = app.test_client()
    response = add(client, shirt, quantity=quantity)
    assert response.status_code == 303
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choose a quantity from 1 to 20." in follow
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)


def test_more_than_twenty_of_one_item_is_refused(app, shirt):
    client = app.test_client()
    add(client, shirt, quantity="15")
    response = add(client, shirt, quantity="6")
    assert "At most 20 of one item" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="15"' in client.get("/cart").get_data(as_text=True)


def test_a_product_taken_off_sale_leaves_the_cart_with_a_message(app, shirt):
    client = app.test_client()
    add(client, shirt)
    with unit_of_work():
        db.session.get(Product, shirt.id).status = "retired"
    html = client.get("/cart").get_data(as_text=True)
    assert "is no longer for sale and left your cart" in html
    assert "Your cart is empty." in html
    refused = add(client, shirt)  # the page still renders (410) but adding is refused
    assert "no longer for sale" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_an_unknown_variant_or_product_is_refused(app, shirt):
    client = app.test_client()
    response = add(client, shirt, size="XXXL")
    assert "Choose a size and colour" in client.get(response.headers["Location"]).get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/cart/add", data={"csrf_token": csrf_token(page), "product": "nope", "colour": "black", "size": "M"}
    )
    assert "no longer for sale" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_guest_cart_joins_the_member_cart_on_login(app, shirt):
    client = app.test_client()
    login(client, "voter0", PASSWORD)
    add(client, shirt, size="L", quantity="2")
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    guest = app.test_client()
    add(guest, shirt, size="L", quantity="3")
    add(guest, shirt, size="S")
    login(guest, "voter0", PASSWORD)
    rows = db.session.execute(sa.select(CartItem.quantity).order_by(CartItem.quantity)).scalars().all()
    assert rows == [1, 5]
    html = guest.get("/cart").get_data(as_text=True)
    assert 'value="5"' in html
    assert 'value="1"' in html
