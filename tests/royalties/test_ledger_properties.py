"""For any sequence of sales, partial refunds, prizes, clearings and payouts, the books hold.

The ledger balances after every step; a payout never leaves a cleared balance below zero; and the month's
statement ends on the ledger's own balance.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.catalogue.models import Prize
from contest.contests.models import Contest
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.orders.models import Order
from contest.payments.models import Refund
from contest.payments.test_gateway import TestGateway
from contest.royalties import ledger, payouts, services, statements
from contest.royalties.models import PayoutAccount
from tests.conftest import truncate_all
from tests.factories import make_contest, make_design, make_paid_order, make_user
from tests.royalties.test_ledger import unbalanced

SETTINGS = settings(
    deadline=None,
    max_examples=25,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

sale = st.tuples(
    st.just("sale"),
    st.integers(min_value=1, max_value=9_999),  # unit price
    st.integers(min_value=1, max_value=3),  # quantity
    st.integers(min_value=0, max_value=5_000),  # royalty rate, basis points
)
percent = st.integers(min_value=1, max_value=100)
refund = st.tuples(st.just("refund"), st.integers(min_value=0, max_value=20), percent)
line_refund = st.tuples(st.just("line_refund"), st.integers(min_value=0, max_value=20))
prize = st.tuples(st.just("prize"), st.integers(min_value=1, max_value=100_000))
clear = st.tuples(st.just("clear"))
payout = st.tuples(st.just("payout"), st.integers(min_value=1, max_value=5_000))  # threshold
steps = st.lists(st.one_of(sale, refund, line_refund, prize, clear, payout), min_size=1, max_size=18)


def _order(artist_id: int, price: int, quantity: int, bps: int, now) -> Order:  # noqa: ANN001 - datetime
    return make_paid_order(now=now, unit_price=price, quantity=quantity, royalty_bps=bps, artist_id=artist_id)


def _refunded(order: Order) -> int:
    return db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Refund.amount), 0)).where(Refund.order_id == order.id)
    ).scalar_one()


@SETTINGS
@given(plan=steps)
def test_any_sequence_keeps_the_books_straight(app, plan):
    try:
        with app.app_context():
            _play(app, plan)
    finally:
        truncate_all(app)


def _play(app, plan) -> None:  # noqa: ANN001 - Flask app, list of steps
    artist = make_user("prop_artist")
    contest = make_contest("submissions")
    design = make_design(contest, artist, approve=False)
    with unit_of_work():
        db.session.add(
            PayoutAccount(
                creator_id=artist.id,
                mode="stripe",
                stripe_account_id="acct_testpay_prop",
                ready=True,
                manual_details="",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    gateway = TestGateway(secret=app.config["SECRET_KEY"])
    start = statements.month_bounds(statements.period_of(utcnow()))[0]
    now, orders, prizes = start + timedelta(hours=1), [], 0
    for index, step in enumerate(plan):
        now += timedelta(minutes=5)
        kind = step[0]
        with unit_of_work():
            if kind == "sale":
                order = _order(artist.id, step[1], step[2], step[3], now)
                services.accrue_order(order, now=now)
                orders.append(order)
            elif kind in ("refund", "line_refund") and orders:
                order = orders[step[1] % len(orders)]
                left = order.total - _refunded(order)
                line = order.lines[0]
                line_left = line.line_total - sum(
                    int(r.allocation.get(str(line.id), 0))
                    for r in db.session.execute(sa.select(Refund).filter_by(order_id=order.id)).scalars()
                )
                if kind == "refund":
                    amount, allocation = max(1, left * step[2] // 100), {}
                else:
                    amount, allocation = line_left, {str(line.id): line_left}
                if 0 < amount <= left and (kind == "refund" or line_left > 0):
                    db.session.add(
                        Refund(
                            order_id=order.id,
                            amount=amount,
                            allocation=allocation,
                            status="confirmed",
                            reason="",
                            failure="",
                            created_at=now,
                            confirmed_at=now,
                        )
                    )
                    db.session.flush()
                    services.reverse_refunds(order, now=now)
            elif kind == "prize":
                prizes += 1
                award = Prize(
                    contest_id=contest.id,
                    design_id=design.id,
                    artist_id=artist.id,
                    amount=step[1],
                    currency="EUR",
                    awarded_at=now,
                )
                # one prize per (contest, design): later prizes go to fresh contests
                if prizes > 1:
                    other = make_contest("closed")
                    award.contest_id = db.session.get(Contest, other.id).id
                db.session.add(award)
                db.session.flush()
                services.book_prize(award, now=now)
            elif kind == "clear":
                services.clear_due(now=now, hold_days=0)
        if kind == "payout":
            before = ledger.creator_balances(artist.id, "EUR")["creator_cleared"]
            payouts.run_payouts(f"2026-{index:02d}", gateway=gateway, now=now, threshold=step[1])
            db.session.expire_all()
            after = ledger.creator_balances(artist.id, "EUR")["creator_cleared"]
            assert after >= 0 or after == before  # a payout never takes the balance below zero
            assert after in (0, before)  # it pays all that is cleared, or nothing
        assert unbalanced() == []
    owed = sum(ledger.creator_balances(artist.id, "EUR").values())
    creator = db.session.get(type(artist), artist.id)
    statement = statements.build(creator, statements.period_of(now), "EUR", now=now)
    assert statement.opening == 0
    assert statement.closing == owed
    accrued = sum(services.royalty(o.lines[0].net, o.lines[0].royalty_bps) for o in orders)
    assert owed <= accrued + sum(step[1] for step in plan if step[0] == "prize")
