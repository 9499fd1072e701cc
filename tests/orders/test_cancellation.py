"""Staff cancel unpaid orders: the payment page closes first, so nobody pays for a cancelled order."""

from __future__ import annotations

import pytest

from tests.conftest import login, submit
from tests.factories import PASSWORD
from tests.orders.test_cart import add
from tests.orders.test_cart import shirt as shirt  # noqa: F401 - the fixture
from tests.orders.test_checkout import checkout, deliver, orders, stripe_order
from tests.orders.test_checkout import stripe_app as stripe_app  # noqa: F401 - the fixture


@pytest.fixture
def staff(app):
    client = app.test_client()
    login(client, "mod", PASSWORD)
    return client


def cancel(client, order, reason):
    page = f"/staff/orders/{order.id}"
    response = submit(client, f"/staff/orders/{order.id}/cancel", {"reason": reason}, page=page)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_staff_cancel_an_unpaid_order_and_its_payment_page_closes(app, shirt, stripe_app, staff, mailbox):
    _client, order = stripe_order(app, shirt, stripe_app)
    assert "Say why the order is cancelled" in cancel(staff, order, "  ")
    assert orders()[0].status == "pending"
    assert "Order cancelled" in cancel(staff, order, "Duplicate of order 12")
    assert stripe_app.sessions[order.checkout_session_id]["status"] == "expired"
    order = orders()[0]
    assert order.status == "cancelled"
    assert (order.transitions[-1].note, order.transitions[-1].actor.username) == (
        "Duplicate of order 12",
        "mod",
    )
    email = mailbox.wait_for("buyer@example.com")[-1]
    assert "Duplicate of order 12" in mailbox.text(email)
    assert "no payment was taken" in app.test_client().get(f"/orders/{order.token}").get_data(as_text=True)
    # Stripe then reports the expiry it was asked for: nothing changes twice.
    expired = stripe_app.event("checkout.session.expired", stripe_app.sessions[order.checkout_session_id])
    assert "already cancelled" in deliver(app.test_client(), expired).get_json()["outcome"]
    assert len(orders()[0].transitions) == 2


def test_a_page_already_paid_cannot_be_cancelled(app, shirt, stripe_app, staff):
    _client, order = stripe_order(app, shirt, stripe_app)
    event = stripe_app.complete(order.checkout_session_id)  # paid; Stripe's webhook is on its way
    assert "The shopper may have just paid" in cancel(staff, order, "Changed their mind")
    assert orders()[0].status == "pending"
    assert deliver(app.test_client(), event).get_json()["outcome"] == "paid"
    assert "Only orders awaiting payment can be cancelled" in cancel(staff, orders()[0], "Too late")
    assert orders()[0].status == "paid"


def test_a_payment_arriving_after_cancellation_is_flagged_and_refundable(app, shirt, stripe_app, staff):
    _client, order = stripe_order(app, shirt, stripe_app)
    completed = stripe_app.complete(order.checkout_session_id)
    expired = stripe_app.event(
        "checkout.session.expired", {**completed["data"]["object"], "status": "expired"}
    )
    hook = app.test_client()
    deliver(hook, expired)  # delivered out of order: the expiry first
    assert "paid after the order was cancelled" in deliver(hook, completed).get_json()["outcome"]
    order = orders()[0]
    assert order.status == "cancelled"
    assert order.flagged_reason.startswith("paid after the order was cancelled")
    assert "we refund it in full" in app.test_client().get(f"/orders/{order.token}").get_data(as_text=True)
    page = f"/staff/orders/{order.id}"
    submit(staff, page, {"amount": ""}, page=page)
    deliver(hook, stripe_app.refund_event(order.payment_intent_id))
    order = orders()[0]
    assert (order.status, order.amount_refunded) == ("refunded", order.total)


def test_a_cancelled_test_payment_page_takes_no_payment(app, shirt, staff):
    client = app.test_client()
    add(client, shirt)
    response, _data = checkout(client, email="guest@example.com")
    pay_url = response.headers["Location"]
    pay_page = client.get(pay_url).get_data(as_text=True)
    (order,) = orders()
    cancel(staff, order, "Test order")
    assert client.get(pay_url).status_code == 410
    from tests.conftest import csrf_token

    paid = client.post(pay_url, data={"csrf_token": csrf_token(pay_page), "name": "A", "address": "B"})
    assert paid.status_code == 410
    assert orders()[0].status == "cancelled"


def test_members_cannot_cancel_orders(app, shirt, stripe_app):
    _client, order = stripe_order(app, shirt, stripe_app)
    member = app.test_client()
    login(member, "voter0", PASSWORD)
    response = submit(member, f"/staff/orders/{order.id}/cancel", {"reason": "x"}, page="/orders")
    assert response.status_code == 403
    assert orders()[0].status == "pending"
