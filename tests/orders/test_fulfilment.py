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


def test_members_cannot_see_the_print_queue(app, shirt):
    member = app.test_client()
    login(member, "voter0", PASSWORD)
    assert member.get("/staff/fulfilment").status_code == 403
