"""Creators read their earnings and statements (page, CSV, PDF); nobody else can."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.accounts.models import User
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.royalties import ledger, statements
from contest.royalties.models import StatementSnapshot
from tests.conftest import login
from tests.factories import PASSWORD
from tests.orders.test_cart import shirt as shirt  # noqa: F401 - the fixture
from tests.orders.test_checkout import deliver
from tests.orders.test_checkout import stripe_app as stripe_app  # noqa: F401 - the fixture
from tests.orders.test_refunds import paid_order as paid_order  # noqa: F401 - the fixture


def artist_of(order) -> User:
    return db.session.get(User, order.lines[0].artist_id)


def period_now() -> str:
    return statements.period_of(utcnow())


def test_the_creator_reads_this_months_statement_with_every_line_explained(app, paid_order):
    artist = artist_of(paid_order)
    client = app.test_client()
    login(client, artist.username, PASSWORD)
    dashboard = client.get("/earnings", follow_redirects=True).get_data(as_text=True)
    assert "Only you and the Atelier team can see this page." in dashboard
    assert "€5.45" in dashboard  # pending: 10 % of €42.00 + €12.50
    assert "<svg" in dashboard
    page = client.get(f"/creators/{artist.id}/statements/{period_now()}").get_data(as_text=True)
    assert "Month in progress" in page
    assert "10% × €42.00 = €4.20, rounded half up to the cent" in page
    assert "Owl 1 — T-shirt" in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/creators/{artist.id}/statements/{period_now()}.csv").get_data(as_text=True)
            )
        )
    )
    sales = [row for row in rows if len(row) > 1 and row[1] == "sale"]
    assert sorted(row[11] for row in sales) == ["1.25", "4.20"]
    assert rows[-1] == ["closing_balance", "505.45"]  # the prize (500.00) and the two pending sales
    pdf = client.get(f"/creators/{artist.id}/statements/{period_now()}.pdf")
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")


def test_statements_and_earnings_refuse_everyone_else(app, paid_order):
    artist = artist_of(paid_order)
    period = period_now()
    urls = [
        f"/creators/{artist.id}/earnings",
        f"/creators/{artist.id}/statements/{period}",
        f"/creators/{artist.id}/statements/{period}.csv",
        f"/creators/{artist.id}/statements/{period}.pdf",
    ]
    other = app.test_client()
    login(other, "artist1", PASSWORD)  # another creator
    guest = app.test_client()
    staff = app.test_client()
    login(staff, "mod", PASSWORD)
    for url in urls:
        assert other.get(url).status_code == 404, url
        response = guest.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
        assert staff.get(url).status_code == 200, url
    assert other.get(f"/creators/{artist.id}/statements/2026-13").status_code == 404


def test_a_closed_month_is_a_snapshot_and_later_corrections_land_in_the_next_month(
    app, paid_order, stripe_app
):
    artist = artist_of(paid_order)
    now = utcnow()
    last_month = statements.previous_period(period_now())
    start, end = statements.month_bounds(last_month)
    # A sale booked last month (its order paid then), cleared since.
    with unit_of_work():
        line = paid_order.lines[0]
        ledger.post(
            "sale:backdated",
            "sale",
            currency="EUR",
            at=end - timedelta(days=2),
            creator_id=artist.id,
            order_id=paid_order.id,
            order_line_id=line.id,
            basis=1000,
            rate_bps=1000,
            entries=[("clearing", None, 1000), ("revenue", None, -900), ("creator_pending", artist.id, -100)],
        )
    with unit_of_work():
        closed = statements.statement(artist, last_month, "EUR", now=now)
    assert closed.closed
    assert len(closed.checksum) == 64
    assert closed.closing - closed.opening == 100
    assert closed.closing == sum(ledger.creator_balances(artist.id, "EUR", before=end).values())
    deliver(app.test_client(), stripe_app.refund_event(paid_order.payment_intent_id, paid_order.total))
    with unit_of_work():
        again = statements.statement(artist, last_month, "EUR", now=utcnow())
    assert again == closed  # unchanged: the refund is this month's
    this_month = statements.build(artist, period_now(), "EUR", now=utcnow())
    assert [line.kind for line in this_month.lines].count("refund") == 2
    assert this_month.opening == closed.closing
    assert db.session.execute(sa.select(sa.func.count()).select_from(StatementSnapshot)).scalar_one() == 1


def test_a_tampered_snapshot_is_detected(app, paid_order):
    if db.engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL refuses the UPDATE itself (tested with the ledger)")
    artist = artist_of(paid_order)
    last_month = statements.previous_period(period_now())
    with unit_of_work():
        statements.statement(artist, last_month, "EUR", now=utcnow())
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE statement_snapshots SET content = json_set(content, '$.closing', 999999)")
        )
    db.session.expire_all()
    with pytest.raises(statements.TamperedStatement):
        statements.statement(artist, last_month, "EUR", now=utcnow())


def test_cutting_a_month_twice_keeps_the_first_snapshot(app, paid_order):
    last_month = statements.previous_period(period_now())
    with unit_of_work():
        assert statements.cut_month(last_month, now=utcnow()) == 1
    with unit_of_work():
        assert statements.cut_month(last_month, now=utcnow()) == 0
    with pytest.raises(statements.BadPeriod):
        statements.cut_month(period_now(), now=utcnow())


def test_explanations_follow_the_readers_language(app, paid_order):
    artist = artist_of(paid_order)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        built = statements.build(artist, period_now(), "EUR", now=utcnow())
    sale = next(line for line in built.lines if line.kind == "sale" and line.rate_bps)
    assert sale.explanation.startswith("10\u00a0% × 42,00\u00a0€ = 4,20\u00a0€, arrondi")
    assert sale.variant.endswith("· Noir")
