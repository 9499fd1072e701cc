"""Demo sales: members buy the winners' products (weeks ago and lately), through the real order,
payment, refund, clearing, payout and statement code, with the labelled test gateway.

A newcomer can then open a winning artist's earnings: cleared and pending royalties, a refund, a past
payout and last month's closed statement.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from contest.accounts.models import User
from contest.catalogue.models import Product
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.orders import cart, services
from contest.payments import webhooks
from contest.payments.refunds import request_refund
from contest.payments.test_gateway import TestGateway
from contest.royalties import payouts, statements
from contest.royalties import services as royalties
from contest.royalties.models import PayoutAccount


def _buy(gateway: TestGateway, buyer: User, items: list[tuple[int, int]], *, at: datetime) -> int:
    """A member's order of (variant id, quantity), paid through the test gateway's signed event."""
    with unit_of_work():
        store = cart.MemberCart(buyer, now=at)
        for variant_id, quantity in items:
            cart.add(store, variant_id, quantity)
        order = services.create_order(
            cart.view(store, region="FR"),
            email=buyer.email,
            user=buyer,
            checkout_key=secrets.token_urlsafe(16),
            gateway=gateway.name,
            locale=buyer.locale,
            now=at,
        )
        order.checkout_session_id = f"cs_testpay_demo_{order.id}"
    event = gateway.completed_event(
        order,
        name=buyer.display_name or buyer.username,
        address={"line1": "12 rue des Arts", "postal_code": "69001", "city": "Lyon", "country": "FR"},
    )
    payload, signature = gateway.sign(event)
    with unit_of_work():
        webhooks.receive(gateway, payload, signature, now=at)
    return order.id


def seed_sales(*, now: datetime, staff: User, buyers: list[User]) -> list[int]:
    """Orders over the last seven weeks; returns the creators who earned something."""
    gateway = TestGateway(secret=current_app.config["SECRET_KEY"])
    products = list(
        db.session.execute(
            sa.select(Product).where(Product.status == "active").order_by(Product.id)
        ).scalars()
    )
    from contest.orders.models import Order

    if not products or not buyers or db.session.execute(sa.select(Order.id).limit(1)).first():
        return []  # nothing to sell, or sold already (a second seed adds nothing)
    past, orders = now - timedelta(days=50), []
    for index in range(10):  # weeks ago: these clear before the payout run
        product = products[index % len(products)]
        variant = product.variants[index % len(product.variants)]
        other = products[(index + 1) % len(products)].variants[0]
        orders.append(
            _buy(gateway, buyers[index % len(buyers)], [(variant.id, 1 + index % 2), (other.id, 1)], at=past)
        )
        past += timedelta(hours=7)

    with unit_of_work():  # a mug arrived broken: its line is refunded
        order = db.session.get(Order, orders[1])
    request_refund(
        staff,
        order,
        gateway,
        now=now - timedelta(days=45),
        line_ids=[order.lines[-1].id],
        reason="Arrived broken",
    )
    with unit_of_work():
        royalties.clear_due(now=now - timedelta(days=15))
    creators = sorted(
        {line.artist_id for o in orders for line in db.session.get(Order, o).lines if line.artist_id}
    )
    with unit_of_work():
        for creator_id in creators:
            db.session.add(
                PayoutAccount(
                    creator_id=creator_id,
                    mode="stripe",
                    stripe_account_id=f"acct_testpay_{creator_id}",
                    ready=True,
                    manual_details="",
                    created_at=now - timedelta(days=20),
                    updated_at=now - timedelta(days=20),
                )
            )
    payout_day = now - timedelta(days=14)
    payouts.run_payouts(
        statements.period_of(payout_day),
        gateway=gateway,
        now=payout_day,
        threshold=current_app.config["PAYOUT_THRESHOLD"],
    )
    for index in range(4):  # lately: still pending
        product = products[(index + 2) % len(products)]
        _buy(
            gateway,
            buyers[(index + 1) % len(buyers)],
            [(product.variants[-1].id, 1)],
            at=now - timedelta(days=3 - index),
        )
    with unit_of_work():
        statements.cut_month(statements.previous_period(statements.period_of(now)), now=now)
    return creators
