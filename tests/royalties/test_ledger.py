"""The royalty ledger: sales accrue, refunds reverse, disputes hold, time clears, nothing is rewritten."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.royalties import ledger, services
from contest.royalties.models import AppendOnlyViolation, LedgerPosting, LedgerTransaction
from tests.orders.test_cart import shirt as shirt  # noqa: F401 - the fixture
from tests.orders.test_checkout import deliver, orders
from tests.orders.test_checkout import stripe_app as stripe_app  # noqa: F401 - the fixture
from tests.orders.test_refunds import paid_order as paid_order  # noqa: F401 - the fixture
from tests.orders.test_refunds import post, refund_form
from tests.orders.test_refunds import staff as staff  # noqa: F401 - the fixture

PRIZE = 50000  # the winner's prize, booked as cleared when the design was promoted


def balances(creator_id: int) -> dict[str, int]:
    """The creator's balances from sales alone (the prize set aside)."""
    db.session.expire_all()
    found = ledger.creator_balances(creator_id, "EUR")
    return {**found, "creator_cleared": found["creator_cleared"] - PRIZE}


def unbalanced() -> list[int]:
    return list(
        db.session.execute(
            sa.select(LedgerPosting.transaction_id)
            .group_by(LedgerPosting.transaction_id, LedgerPosting.currency)
            .having(sa.func.sum(LedgerPosting.amount) != 0)
        ).scalars()
    )


def royalty_of(order) -> int:
    return sum(services.royalty(line.net, line.royalty_bps) for line in order.lines)


@pytest.mark.parametrize(
    ("net", "bps", "expected"),
    [(2499, 1000, 250), (2494, 1000, 249), (2495, 1000, 250), (1, 5000, 1), (1, 4999, 0), (0, 1000, 0)],
)
def test_the_published_rounding_rule_is_half_up_to_the_cent(net, bps, expected):
    assert services.royalty(net, bps) == expected


def test_a_paid_order_accrues_each_lines_royalty_as_pending(app, paid_order):
    artist = paid_order.lines[0].artist_id
    sales = db.session.execute(sa.select(LedgerTransaction).filter_by(kind="sale")).scalars().all()
    assert sorted(t.order_line_id for t in sales) == sorted(line.id for line in paid_order.lines)
    assert balances(artist) == {
        "creator_pending": royalty_of(paid_order),
        "creator_cleared": 0,
        "creator_held": 0,
    }
    assert (
        royalty_of(paid_order) == sum(line.line_total for line in paid_order.lines) // 10
    )  # 10 %, exact here
    assert unbalanced() == []


def test_a_replayed_payment_event_accrues_nothing_twice(app, paid_order, stripe_app):
    with unit_of_work():
        services.accrue_order(orders()[0], now=utcnow())
    assert balances(paid_order.lines[0].artist_id)["creator_pending"] == royalty_of(paid_order)


def test_a_line_refund_reverses_that_lines_royalty_exactly(app, paid_order, stripe_app, staff):
    artist, mug = paid_order.lines[0].artist_id, paid_order.lines[1]
    post(staff, paid_order, refund_form(staff, paid_order, line=str(mug.id)))
    deliver(app.test_client(), stripe_app.refund_event(paid_order.payment_intent_id))
    left = services.royalty(paid_order.lines[0].net, paid_order.lines[0].royalty_bps)
    assert balances(artist)["creator_pending"] == left
    reversal = db.session.execute(
        sa.select(LedgerTransaction).filter_by(kind="refund", order_line_id=mug.id)
    ).scalar_one()
    assert reversal.basis == mug.net
    assert unbalanced() == []


def test_partial_refunds_reverse_proportionally_and_a_full_refund_exactly(app, paid_order, stripe_app):
    artist, intent, total = paid_order.lines[0].artist_id, paid_order.payment_intent_id, paid_order.total
    hook = app.test_client()
    deliver(hook, stripe_app.refund_event(intent, total // 3))  # a third of the order, from the Dashboard
    owed = balances(artist)["creator_pending"]
    assert abs(owed - round(royalty_of(paid_order) * (1 - (total // 3) / total))) <= len(paid_order.lines)
    deliver(hook, stripe_app.refund_event(intent, total - total // 3))  # the rest
    assert balances(artist)["creator_pending"] == 0
    assert unbalanced() == []


def test_sales_clear_after_the_holding_period_and_later_refunds_come_from_cleared(
    app, paid_order, stripe_app
):
    artist = paid_order.lines[0].artist_id
    with unit_of_work():
        assert services.clear_due(now=utcnow() + timedelta(days=29)) == 0
    with unit_of_work():
        assert services.clear_due(now=utcnow() + timedelta(days=31)) == 2
    with unit_of_work():
        assert services.clear_due(now=utcnow() + timedelta(days=32)) == 0  # once
    assert balances(artist) == {
        "creator_pending": 0,
        "creator_cleared": royalty_of(paid_order),
        "creator_held": 0,
    }
    deliver(app.test_client(), stripe_app.refund_event(paid_order.payment_intent_id, paid_order.total))
    assert balances(artist) == {"creator_pending": 0, "creator_cleared": 0, "creator_held": 0}


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_a_dispute_holds_the_royalty_until_it_closes(app, paid_order, stripe_app, outcome):
    artist = paid_order.lines[0].artist_id
    hook = app.test_client()
    opened = stripe_app.dispute_event(paid_order.payment_intent_id)
    deliver(hook, opened)
    assert balances(artist) == {
        "creator_pending": 0,
        "creator_cleared": 0,
        "creator_held": royalty_of(paid_order),
    }
    dispute = opened["data"]["object"]
    closed = stripe_app.event("charge.dispute.closed", {**dispute, "status": outcome})
    deliver(hook, closed)
    expected = royalty_of(paid_order) if outcome == "won" else 0
    assert balances(artist) == {"creator_pending": expected, "creator_cleared": 0, "creator_held": 0}
    assert unbalanced() == []


def test_recorded_rows_cannot_be_changed_or_deleted(app, paid_order):
    sale = db.session.execute(sa.select(LedgerTransaction).filter_by(kind="sale")).scalars().first()
    sale.memo = "edited"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(sa.update(LedgerPosting).values(amount=1))
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(sa.delete(LedgerTransaction))
    db.session.rollback()
    with pytest.raises(ledger.LedgerError):
        ledger.post(
            "x", "sale", currency="EUR", at=utcnow(), entries=[("clearing", None, 5), ("revenue", None, -4)]
        )
    db.session.rollback()


def test_postgresql_itself_refuses_changes_and_unbalanced_transactions(app, paid_order):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the database triggers exist on PostgreSQL")
    with db.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        conn.execute(sa.text("UPDATE ledger_postings SET amount = amount + 1"))
    with db.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        conn.execute(sa.text("DELETE FROM ledger_transactions"))
    with db.engine.connect() as conn:
        tx = conn.execute(
            sa.text(
                "INSERT INTO ledger_transactions (key, kind, currency, occurred_at, memo) "
                "VALUES ('planted', 'sale', 'EUR', now(), '') RETURNING id"
            )
        ).scalar_one()
        account = conn.execute(sa.text("SELECT id FROM ledger_accounts LIMIT 1")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO ledger_postings (transaction_id, account_id, amount, currency) "
                "VALUES (:t, :a, 7, 'EUR')"
            ),
            {"t": tx, "a": account},
        )
        with pytest.raises(sa.exc.DBAPIError, match="does not balance"):
            conn.commit()  # the deferred check runs at commit
