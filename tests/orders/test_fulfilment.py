"""From a paid order to a parcel: print jobs, the staff export, shipping with tracking."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from contest.extensions import db
from contest.fulfilment.models import PrintJob
from tests.conftest import login, submit
from tests.factories import PASSWORD
from tests.orders.test_cart import shirt as shirt  # noqa: F401 - the fixture
from tests.orders.test_checkout import deliver, orders, stripe_order
from tests.orders.test_checkout import stripe_app as stripe_app  # noqa: F401 - the fixture


def test_a_paid_order_is_printed_exported_and_shipped(app, shirt, stripe_app, mailbox):
    _client, order = stripe_order(app, shirt, stripe_app)
    event = stripe_app.complete(
        order.checkout_session_id,
        shipping_address={"line1": "1 rue des Chats", "city": "Paris", "country": "FR"},
    )
    deliver(app.test_client(), event)
    deliver(app.test_client(), event)  # a replay makes no second job
    jobs = db.session.execute(sa.select(PrintJob)).scalars().all()
    assert [(j.status, j.line.quantity) for j in jobs] == [("queued", 3)]
    staff = app.test_client()
    login(staff, "mod", PASSWORD)
    assert "AT-" in staff.get("/staff/fulfilment").get_data(as_text=True)
    exported = submit(staff, "/staff/fulfilment/export.csv", {}, page="/staff/fulfilment")
    assert exported.mimetype == "text/csv"
    (row,) = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert row["sku"] == order.lines[0].sku
    assert row["quantity"] == "3"
    assert row["print_master"].startswith("http")
    assert row["ship_city"] == "Paris"
    assert orders()[0].status == "in_production"
    again = submit(staff, "/staff/fulfilment/export.json", {}, page="/staff/fulfilment")
    assert again.get_json() == []  # exported jobs are not exported twice
    page = f"/staff/orders/{order.id}"
    missing = submit(
        staff, f"/staff/orders/{order.id}/ship", {"carrier": "La Poste", "tracking": ""}, page=page
    )
    assert "Give the carrier and the tracking number." in staff.get(missing.headers["Location"]).get_data(
        as_text=True
    )
    submit(staff, f"/staff/orders/{order.id}/ship", {"carrier": "La Poste", "tracking": "6A123"}, page=page)
    order = orders()[0]
    assert order.status == "shipped"
    assert [t.to_status for t in order.transitions] == ["pending", "paid", "in_production", "shipped"]
    email = mailbox.wait_for("buyer@example.com")[-1]
    assert "6A123" in mailbox.text(email)
    shopper_page = app.test_client().get(f"/orders/{order.token}").get_data(as_text=True)
    assert "on its way with La Poste. Tracking number: 6A123." in shopper_page
    assert "1 rue des Chats" in shopper_page  # where it goes
    assert shopper_page.count('class="done"') == 3  # paid, printed, shipped; delivered still ahead


def shipped_order(app, shirt, stripe_app):
    _client, order = stripe_order(app, shirt, stripe_app)
    deliver(app.test_client(), stripe_app.complete(order.checkout_session_id))
    staff = app.test_client()
    login(staff, "mod", PASSWORD)
    page = f"/staff/orders/{order.id}"
    submit(staff, f"/staff/orders/{order.id}/ship", {"carrier": "DHL", "tracking": "JD0001"}, page=page)
    assert orders()[0].status == "shipped"
    return staff, orders()[0]


def test_the_shopper_confirms_delivery_from_the_order_link(app, shirt, stripe_app):
    _staff, order = shipped_order(app, shirt, stripe_app)
    shopper = app.test_client()
    page = f"/orders/{order.token}"
    response = submit(shopper, f"/orders/{order.token}/received", {}, page=page)
    assert "Thank you for letting us know." in shopper.get(response.headers["Location"]).get_data(
        as_text=True
    )
    order = orders()[0]
    assert order.status == "delivered"
    assert order.transitions[-1].note == "confirmed by the shopper"
    assert order.transitions[-1].actor_id is None  # a guest
    again = submit(shopper, f"/orders/{order.token}/received", {}, page="/login")  # a stale tab
    assert "Only shipped orders" in shopper.get(again.headers["Location"]).get_data(as_text=True)
    assert len(orders()[0].transitions) == len(order.transitions)
    assert submit(shopper, "/orders/not-a-token/received", {}, page="/login").status_code == 404


def test_staff_mark_a_parcel_delivered_and_only_a_shipped_one(app, shirt, stripe_app):
    staff, order = shipped_order(app, shirt, stripe_app)
    page = f"/staff/orders/{order.id}"
    submit(staff, f"/staff/orders/{order.id}/delivered", {}, page=page)
    order = orders()[0]
    assert order.status == "delivered"
    assert order.transitions[-1].actor.username == "mod"
    assert "by mod" in staff.get(page).get_data(as_text=True)
    again = submit(staff, f"/staff/orders/{order.id}/delivered", {}, page=page)
    assert "Only shipped orders" in staff.get(again.headers["Location"]).get_data(as_text=True)
    member = app.test_client()
    login(member, "voter0", PASSWORD)
    assert submit(member, f"/staff/orders/{order.id}/delivered", {}, page="/orders").status_code == 403


def test_members_cannot_see_the_print_queue(app, shirt):
    member = app.test_client()
    login(member, "voter0", PASSWORD)
    assert member.get("/staff/fulfilment").status_code == 403
