"""The labelled test-payment gateway: without Stripe keys the demo can still complete purchases.

Its "hosted page" is an Atelier page marked TEST PAYMENT; paying there produces a signed event in
Stripe's shape that goes through the same webhook code as Stripe's, so the order path is the same.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import TYPE_CHECKING

from flask import url_for

from contest.payments.gateway import CheckoutRequest, CheckoutSession, InvalidSignature, Transfer

if TYPE_CHECKING:
    from contest.orders.models import Order

TOLERANCE = 300  # seconds, as Stripe


class TestGateway:
    __test__ = False  # not a pytest test class
    name = "test"
    checkout_origins: tuple[str, ...] = ()  # its page is ours

    def __init__(self, *, secret: str) -> None:
        self._secret = hashlib.sha256(f"test-payments:{secret}".encode()).hexdigest()

    def create_checkout(self, request: CheckoutRequest, *, idempotency_key: str) -> CheckoutSession:
        digest = hmac.new(self._secret.encode(), idempotency_key.encode(), hashlib.sha256).hexdigest()[:24]
        session_id = f"cs_testpay_{request.order_id}_{digest}"
        total = sum(line.unit_amount * line.quantity for line in request.lines) + request.shipping_amount
        return CheckoutSession(
            id=session_id, url=url_for("payments.test_page", session_id=session_id), amount_total=total
        )

    def expire_checkout(self, session_id: str) -> None:
        """Nothing to close: the test page itself refuses orders that are no longer pending."""

    def refund(self, payment_intent_id: str, amount: int, *, idempotency_key: str) -> str:
        return f"re_testpay_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]}"

    def create_payout_account(self, *, email: str, creator_id: int) -> str:
        return f"acct_testpay_{creator_id}"

    def onboarding_link(self, account_id: str, *, return_url: str, refresh_url: str) -> str:
        return url_for("royalties.test_onboarding", account_id=account_id)

    def payout_account_ready(self, account_id: str) -> bool:
        return True  # its onboarding page is one click: having reached it is enough

    def transfer(
        self, *, amount: int, currency: str, destination: str, idempotency_key: str, metadata: dict[str, str]
    ) -> str:
        return f"tr_testpay_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]}"

    def transfers(self) -> list[Transfer] | None:
        return None  # nothing was sent anywhere: there is nothing to compare with

    def completed_event(self, order: Order, *, name: str, address: dict[str, str]) -> dict:  # type: ignore[type-arg]
        """The checkout.session.completed event Stripe would send once the order's page is paid."""
        return {
            "id": f"evt_testpay_{secrets.token_hex(8)}",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": order.checkout_session_id,
                    "object": "checkout.session",
                    "amount_total": order.total,
                    "currency": order.currency.lower(),
                    "client_reference_id": str(order.id),
                    "payment_status": "paid",
                    "payment_intent": f"pi_testpay_{order.id}",
                    "shipping_details": {"name": name, "address": address},
                }
            },
        }

    def sign(self, event: dict) -> tuple[bytes, str]:  # type: ignore[type-arg]
        payload = json.dumps(event).encode()
        timestamp = int(time.time())
        mac = hmac.new(self._secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
        return payload, f"t={timestamp},v1={mac}"

    def verify_webhook(self, payload: bytes, signature: str) -> dict:  # type: ignore[type-arg]
        parts = dict(item.split("=", 1) for item in signature.split(",") if "=" in item)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise InvalidSignature("no timestamp") from None
        expected = hmac.new(
            self._secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(expected, parts.get("v1", "")) or abs(time.time() - timestamp) > TOLERANCE:
            raise InvalidSignature("signature does not match")
        return json.loads(payload)
