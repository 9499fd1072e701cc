"""`flask royalties reconcile` agrees with clean books and catches each kind of planted mismatch."""

from __future__ import annotations

import sqlalchemy as sa

from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.payments.models import Refund
from contest.royalties import ledger
from tests.orders.test_cart import shirt as shirt  # noqa: F401 - the fixture
from tests.orders.test_checkout import stripe_app as stripe_app  # noqa: F401 - the fixture
from tests.orders.test_refunds import paid_order as paid_order  # noqa: F401 - the fixture
from tests.royalties.test_payouts import connect, run
from tests.royalties.test_payouts import standin as standin  # noqa: F401 - the fixture
from tests.royalties.test_payouts import winner as winner  # noqa: F401 - the fixture


def reconcile(app):
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["royalties", "reconcile"])
    return result.exit_code, result.output


def bad_checks(output: str) -> list[str]:
    return [
        line.split(":")[0].removeprefix("BAD ").strip()
        for line in output.splitlines()
        if line.startswith("BAD")
    ]


def test_clean_books_reconcile(app, paid_order, stripe_app):
    code, output = reconcile(app)
    assert code == 0, output
    assert output.count("OK ") == 5


def test_an_unbalanced_transaction_is_reported(app, paid_order):
    with db.engine.begin() as conn:  # behind the code's back, as a faulty script would
        if db.engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
            conn.execute(sa.text("ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_balance"))
        tx = conn.execute(
            sa.text(
                "INSERT INTO ledger_transactions (key, kind, currency, occurred_at, memo) "
                "VALUES ('planted', 'sale', 'EUR', :now, '') RETURNING id"
            ),
            {"now": utcnow()},
        ).scalar_one()
        account = conn.execute(sa.text("SELECT id FROM ledger_accounts WHERE kind = 'clearing'")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO ledger_postings (transaction_id, account_id, amount, currency) "
                "VALUES (:t, :a, 7, 'EUR')"
            ),
            {"t": tx, "a": account},
        )
        if db.engine.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE ledger_postings ENABLE TRIGGER ledger_postings_balance"))
    code, output = reconcile(app)
    assert code == 1
    assert bad_checks(output) == ["every transaction balances"]


def test_a_paid_order_without_accruals_is_reported(app, paid_order):
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO orders (token, checkout_key, email, locale, status, currency, subtotal, "
                "shipping, total, shipping_region, gateway, amount_refunded, flagged_reason, ship_to, "
                "created_at, updated_at, paid_at) "
                "SELECT 'planted', 'planted', email, locale, 'paid', currency, subtotal, shipping, total, "
                "shipping_region, gateway, 0, '', ship_to, created_at, updated_at, paid_at "
                "FROM orders WHERE id = :id"
            ),
            {"id": paid_order.id},
        )
        conn.execute(
            sa.text(
                "INSERT INTO order_lines (order_id, product_id, variant_id, design_id, artist_id, sku, "
                "title, type_code, size, colour, unit_price, quantity, line_total, discount, base_cost, "
                "royalty_bps) "
                "SELECT (SELECT id FROM orders WHERE token = 'planted'), product_id, variant_id, design_id, "
                "artist_id, sku, title, type_code, size, colour, unit_price, quantity, line_total, discount, "
                "base_cost, royalty_bps FROM order_lines WHERE order_id = :id"
            ),
            {"id": paid_order.id},
        )
    code, output = reconcile(app)
    assert code == 1
    assert set(bad_checks(output)) == {
        "every paid order has its accruals",
        "creators' payables = accrued − reversed − paid",
    }
    assert "is paid but has no royalty accrual" in output


def test_a_refund_without_its_reversal_is_reported(app, paid_order):
    with unit_of_work():
        db.session.add(
            Refund(
                order_id=paid_order.id,
                amount=100,
                allocation={},
                status="confirmed",
                reason="planted",
                failure="",
                created_at=utcnow(),
                confirmed_at=utcnow(),
            )
        )
    code, output = reconcile(app)
    assert code == 1
    assert bad_checks(output) == ["every refund has its reversal"]


def test_a_creator_balance_that_no_source_explains_is_reported(app, paid_order):
    artist = paid_order.lines[0].artist_id
    with unit_of_work():  # a balanced but unexplained credit: a "sale" with no order line behind it
        ledger.post(
            "planted-sale",
            "sale",
            currency="EUR",
            at=utcnow(),
            creator_id=artist,
            entries=[("clearing", None, 300), ("creator_pending", artist, -300)],
        )
    code, output = reconcile(app)
    assert code == 1
    assert bad_checks(output) == ["creators' payables = accrued − reversed − paid"]


def test_a_stray_transfer_is_reported(app, standin, winner):
    import stripe

    account_id = connect(app, standin, winner)
    run(app)
    client = stripe.StripeClient("sk_test_atelier", base_addresses={"api": standin.url})
    client.v1.transfers.create(params={"amount": 999, "currency": "eur", "destination": account_id})
    code, output = reconcile(app)
    assert code == 1
    assert bad_checks(output) == ["every transfer matches a payout"]
    assert "matches no payout" in output
