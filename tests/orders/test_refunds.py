"""Staff refunds of whole orders or of lines; the provider's running total decides what is confirmed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from contest.catalogue.models import Product
from contest.extensions import db
from contest.payments.models import Refund
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.orders.test_cart import add
from tests.orders.test_cart import shirt as shirt  # noqa: F401 - the fixture
from tests.orders.test_checkout import checkout, deliver, orders
from tests.orders.test_checkout import stripe_app as stripe_app  # noqa: F401 - the fixture


@pytest.fixture
def paid_order(app, shirt, stripe_app):
    """A guest's paid order of two lines: a shirt (×2) and a mug."""
    mug = db.session.execute(
        sa.select(Product).filter_by(design_id=shirt.design_id, type_code="mug")
    ).scalar_one()
    client = app.test_client()
    add(client, shirt, quantity="2")
    add(client, mug, colour=mug.variants[0].colour, size=mug.variants[0].size)
    checkout(client, email="buyer@example.com")
    (order,) = orders()
    deliver(app.test_client(), stripe_app.complete(order.checkout_session_id))
    return orders()[0]


@pytest.fixture
def staff(app):
    client = app.test_client()
    login(client, "mod", PASSWORD)
    return client


def refund_form(staff, order, **fields):
    page = staff.get(f"/staff/orders/{order.id}").get_data(as_text=True)
    key = re.search(r'name="refund_key" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_token(page), "refund_key": key, **fields}
    return data


def post(staff, order, data):
    response = staff.post(f"/staff/orders/{order.id}", data=data)
    return staff.get(response.headers["Location"]).get_data(as_text=True)


def refunds() -> list[Refund]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(Refund).order_by(Refund.id)).scalars())


def provider_refunds(standin) -> list[int]:
    return [int(params["amount"]) for _m, path, params, _h in standin.requests if path == "/v1/refunds"]


def test_staff_refund_one_line_in_full(app, paid_order, stripe_app, staff):
    mug_line = paid_order.lines[1]
    post(staff, paid_order, refund_form(staff, paid_order, line=str(mug_line.id), reason="Chipped"))
    assert provider_refunds(stripe_app) == [mug_line.line_total]
    (refund,) = refunds()
    assert (refund.status, refund.allocation, refund.reason) == (
        "requested",
        {str(mug_line.id): mug_line.line_total},
        "Chipped",
    )
    deliver(app.test_client(), stripe_app.refund_event(paid_order.payment_intent_id))
    (refund,) = refunds()
    assert refund.status == "confirmed"
    order = orders()[0]
    assert (order.status, order.amount_refunded) == ("partially_refunded", mug_line.line_total)
    page = post(staff, order, refund_form(staff, order, line=str(mug_line.id)))
    assert "was already refunded" in page
    assert provider_refunds(stripe_app) == [mug_line.line_total]


def test_a_double_submitted_refund_asks_the_provider_once(app, paid_order, stripe_app, staff):
    data = refund_form(staff, paid_order, amount="3.00")
    post(staff, paid_order, data)
    page = post(staff, paid_order, data)
    assert "already requested" in page
    assert provider_refunds(stripe_app) == [300]
    assert len(refunds()) == 1


def test_a_dashboard_refund_is_recorded_for_the_whole_order(app, paid_order, stripe_app, staff):
    deliver(app.test_client(), stripe_app.refund_event(paid_order.payment_intent_id, 250))
    (refund,) = refunds()
    assert (refund.amount, refund.allocation, refund.status) == (250, {}, "confirmed")
    assert refund.reason == "refunded at the payment provider"
    # What is left to refund accounts for it: asking for everything asks for the rest.
    post(staff, orders()[0], refund_form(staff, paid_order, amount=""))
    assert provider_refunds(stripe_app) == [paid_order.total - 250]


def test_a_refused_refund_is_marked_failed_and_changes_nothing(app, paid_order, stripe_app, staff):
    deliver(app.test_client(), stripe_app.refund_event(paid_order.payment_intent_id, paid_order.total - 100))
    # Our books say 1.00 is left; refunding 1.00 twice would exceed the charge at the provider.
    stripe_app.refund_event(paid_order.payment_intent_id, 100)  # made at the provider, event not yet here
    page = post(staff, orders()[0], refund_form(staff, paid_order, amount="1.00"))
    assert "The payment provider refused the refund" in page
    failed = refunds()[-1]
    assert (failed.status, failed.amount) == ("failed", 100)
    assert orders()[0].amount_refunded == paid_order.total - 100


def test_lines_of_another_order_are_refused(app, paid_order, stripe_app, staff):
    page = post(staff, paid_order, refund_form(staff, paid_order, line="99999"))
    assert "Choose lines of this order." in page
    assert provider_refunds(stripe_app) == []
