"""Checkout and payment: money moves only on proof from the provider, and only once."""

from __future__ import annotations

import copy
import json
import re
import time

import pytest
import sqlalchemy as sa

from contest.catalogue.models import Product
from contest.extensions import db
from contest.orders.models import Order, OrderTransition
from contest.payments.models import PaymentEvent
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.orders.test_cart import add
from tests.orders.test_cart import shirt as shirt  # noqa: F401 - the fixture
from tests.stripe_standin import StripeStandin, signed_webhook

SECRET = "whsec_test_secret"  # noqa: S105 - a test endpoint secret


def checkout(client, **extra):
    page = client.get("/cart").get_data(as_text=True)
    key = re.search(r'name="checkout_key" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_token(page), "checkout_key": key, **extra}
    return client.post("/checkout", data=data), data


def orders() -> list[Order]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(Order).order_by(Order.id)).scalars())


def test_a_guest_buys_through_the_labelled_test_gateway(app, shirt):
    client = app.test_client()
    add(client, shirt, quantity="2")
    response, _data = checkout(client, email="guest@example.com")
    assert response.status_code == 303
    payment_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "TEST PAYMENT" in payment_page
    (order,) = orders()
    assert (order.status, order.email, order.gateway) == ("pending", "guest@example.com", "test")
    assert order.total == order.subtotal + order.shipping
    assert "Payment processing" in client.get(f"/orders/{order.token}").get_data(as_text=True)
    paid = client.post(
        response.headers["Location"],
        data={"csrf_token": csrf_token(payment_page), "name": "Ana", "address": "1 rue des Chats"},
    )
    assert paid.status_code == 303
    html = client.get(paid.headers["Location"]).get_data(as_text=True)
    assert "Your payment is confirmed" in html
    (order,) = orders()
    assert order.status == "paid"
    assert db.session.get(Product, shirt.id).sales_count == 2
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)
    assert [t.to_status for t in order.transitions] == ["pending", "paid"]


def test_a_double_click_makes_one_order(app, shirt):
    client = app.test_client()
    add(client, shirt)
    first, data = checkout(client, email="guest@example.com")
    second = client.post("/checkout", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(orders()) == 1


def test_checkout_needs_an_email_and_a_cart(app, shirt):
    client = app.test_client()
    add(client, shirt)
    response, _ = checkout(client, email="not-an-email")
    assert "Enter the email address" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert orders() == []


def test_someone_elses_order_link_is_not_found(app, shirt):
    client = app.test_client()
    add(client, shirt)
    checkout(client, email="guest@example.com")
    (order,) = orders()
    assert app.test_client().get(f"/orders/{order.token[:-2]}xx").status_code == 404


@pytest.fixture
def stripe_app(app):
    with StripeStandin() as standin:
        app.config.update(
            STRIPE_SECRET_KEY="sk_test_atelier", STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_API_BASE=standin.url
        )
        try:
            yield standin
        finally:
            app.config.update(STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None, STRIPE_API_BASE=None)


def deliver(client, event, *, secret=SECRET, timestamp=None, body=None):
    payload, headers = signed_webhook(event, secret, timestamp=timestamp)
    return client.post("/webhooks/stripe", data=body if body is not None else payload, headers=headers)


def stripe_order(app, shirt, standin, client=None):
    client = client or app.test_client()
    add(client, shirt, quantity="3")
    response, _ = checkout(client, email="buyer@example.com")
    assert response.headers["Location"].startswith(standin.url)
    (order,) = orders()
    return client, order


def test_stripe_checkout_is_built_from_the_server_side_order(app, shirt, stripe_app):
    _client, order = stripe_order(app, shirt, stripe_app)
    method, path, params, headers = next(r for r in stripe_app.requests if r[1] == "/v1/checkout/sessions")
    assert headers["idempotency-key"] == f"order-{order.id}"
    assert params["metadata"]["order_id"] == str(order.id)
    assert params["client_reference_id"] == str(order.id)
    assert params["customer_email"] == "buyer@example.com"
    line = params["line_items"]["0"] if isinstance(params["line_items"], dict) else params["line_items"][0]
    assert int(line["price_data"]["unit_amount"]) == order.lines[0].unit_price
    assert int(line["quantity"]) == 3
    assert stripe_app.sessions[order.checkout_session_id]["amount_total"] == order.total


def test_only_a_verified_webhook_marks_the_order_paid_and_only_once(app, shirt, stripe_app):
    client, order = stripe_order(app, shirt, stripe_app)
    event = stripe_app.complete(order.checkout_session_id)
    hook = app.test_client()
    assert deliver(hook, event, secret="whsec_wrong").status_code == 400
    assert deliver(hook, event, timestamp=int(time.time()) - 3600).status_code == 400
    tampered = json.dumps({**event, "id": "evt_forged"}).encode()
    assert deliver(hook, event, body=tampered).status_code == 400
    assert orders()[0].status == "pending"
    assert deliver(hook, event).get_json()["outcome"] == "paid"
    assert deliver(hook, event).get_json()["outcome"] == "duplicate"
    order = orders()[0]
    assert order.status == "paid"
    assert order.payment_intent_id
    assert db.session.execute(sa.select(sa.func.count()).select_from(OrderTransition)).scalar_one() == 2
    assert "Your payment is confirmed" in client.get(f"/orders/{order.token}").get_data(as_text=True)


def test_an_amount_mismatch_is_flagged_not_fulfilled(app, shirt, stripe_app):
    _client, order = stripe_order(app, shirt, stripe_app)
    event = copy.deepcopy(stripe_app.complete(order.checkout_session_id))
    event["data"]["object"]["amount_total"] = 100
    assert "amount mismatch" in deliver(app.test_client(), event).get_json()["outcome"]
    order = orders()[0]
    assert order.status == "pending"
    assert order.flagged_reason.startswith("amount mismatch")


def test_expired_sessions_cancel_and_unknown_sessions_are_only_recorded(app, shirt, stripe_app):
    _client, order = stripe_order(app, shirt, stripe_app)
    event = stripe_app.expire(order.checkout_session_id)
    assert deliver(app.test_client(), event).get_json()["outcome"] == "checkout expired"
    assert orders()[0].status == "cancelled"
    stranger = stripe_app.event("checkout.session.completed", {"id": "cs_unknown", "payment_status": "paid"})
    assert "unknown session" in deliver(app.test_client(), stranger).get_json()["outcome"]
    assert db.session.get(PaymentEvent, stranger["id"]) is not None


def test_refunds_in_any_order_end_in_the_right_state(app, shirt, stripe_app):
    _client, order = stripe_order(app, shirt, stripe_app)
    hook = app.test_client()
    deliver(hook, stripe_app.complete(order.checkout_session_id))
    intent = orders()[0].payment_intent_id
    partial = stripe_app.refund_event(intent, 500)  # the charge's running total: 500
    full = stripe_app.refund_event(intent, orders()[0].total - 500)  # the rest: the whole total
    assert deliver(hook, full).get_json()["outcome"] == "refunded"
    assert deliver(hook, partial).get_json()["outcome"] == "refund already recorded"  # arrived late
    order = orders()[0]
    assert (order.status, order.amount_refunded) == ("refunded", order.total)


def test_without_a_webhook_secret_every_webhook_is_refused(app, shirt, stripe_app):
    _client, order = stripe_order(app, shirt, stripe_app)
    app.config["STRIPE_WEBHOOK_SECRET"] = None
    event = stripe_app.complete(order.checkout_session_id)
    assert deliver(app.test_client(), event).status_code == 400
    assert orders()[0].status == "pending"


def test_a_member_pays_and_their_saved_cart_empties(app, shirt, stripe_app):
    client = app.test_client()
    login(client, "voter1", PASSWORD)
    client, order = stripe_order(app, shirt, stripe_app, client=client)
    assert order.user_id is not None
    deliver(app.test_client(), stripe_app.complete(order.checkout_session_id))
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)


def test_paying_sends_a_receipt_with_the_private_order_link(app, shirt, stripe_app, mailbox):
    _client, order = stripe_order(app, shirt, stripe_app)
    deliver(app.test_client(), stripe_app.complete(order.checkout_session_id))
    email = mailbox.wait_for("buyer@example.com")[-1]
    text = mailbox.text(email)
    assert f"order {order.id} is confirmed" in email["Subject"]
    assert f"/orders/{order.token}" in text
    assert "3 × Owl 1" in text


def test_members_see_their_order_history_and_nobody_elses(app, shirt, stripe_app):
    client = app.test_client()
    login(client, "voter1", PASSWORD)
    client, order = stripe_order(app, shirt, stripe_app, client=client)
    deliver(app.test_client(), stripe_app.complete(order.checkout_session_id))
    html = client.get("/orders").get_data(as_text=True)
    assert f"/orders/{order.token}" in html
    assert "Paid" in html
    other = app.test_client()
    login(other, "voter2", PASSWORD)
    assert f"/orders/{order.token}" not in other.get("/orders").get_data(as_text=True)
    assert app.test_client().get("/orders").status_code == 302  # guests log in first


def test_staff_refund_through_the_gateway_and_the_webhook_updates_the_order(app, shirt, stripe_app):
    from tests.conftest import submit

    _client, order = stripe_order(app, shirt, stripe_app)
    deliver(app.test_client(), stripe_app.complete(order.checkout_session_id))
    staff = app.test_client()
    login(staff, "mod", PASSWORD)
    page = f"/staff/orders/{order.id}"
    too_much = submit(staff, page, {"amount": "100000"}, page=page)
    assert "Refund between" in staff.get(too_much.headers["Location"]).get_data(as_text=True)
    submit(staff, page, {"amount": "5,00"}, page=page)
    refund = next(r for r in stripe_app.requests if r[1] == "/v1/refunds")
    assert int(refund[2]["amount"]) == 500
    assert orders()[0].status == "paid"  # nothing changes until Stripe confirms
    deliver(app.test_client(), stripe_app.refund_event(orders()[0].payment_intent_id))
    order = orders()[0]
    assert (order.status, order.amount_refunded) == ("partially_refunded", 500)
    member = app.test_client()
    login(member, "voter2", PASSWORD)
    assert member.get(page).status_code == 403


def test_the_test_gateway_refunds_by_itself(app, shirt):
    from tests.conftest import submit

    client = app.test_client()
    add(client, shirt)
    response, _data = checkout(client, email="guest@example.com")
    pay_page = client.get(response.headers["Location"]).get_data(as_text=True)
    client.post(
        response.headers["Location"], data={"csrf_token": csrf_token(pay_page), "name": "A", "address": "B"}
    )
    staff = app.test_client()
    login(staff, "mod", PASSWORD)
    (order,) = orders()
    submit(staff, f"/staff/orders/{order.id}", {"amount": ""}, page=f"/staff/orders/{order.id}")
    (order,) = orders()
    assert (order.status, order.amount_refunded) == ("refunded", order.total)


def test_the_cart_page_lets_its_checkout_form_end_on_stripes_page(app, shirt):
    """Browsers apply form-action to the checkout's redirect: without this, Stripe's page is blocked."""
    assert "form-action 'self';" in app.test_client().get("/cart").headers["Content-Security-Policy"]
    app.config.update(STRIPE_SECRET_KEY="sk_live_example", STRIPE_WEBHOOK_SECRET=SECRET)
    try:
        policy = app.test_client().get("/cart").headers["Content-Security-Policy"]
        assert "form-action 'self' https://checkout.stripe.com;" in policy
        assert "form-action 'self';" in app.test_client().get("/login").headers["Content-Security-Policy"]
    finally:
        app.config.update(STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None)
