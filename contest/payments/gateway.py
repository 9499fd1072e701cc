"""The payments interface the shop talks to; only this package knows about Stripe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import current_app


@dataclass(frozen=True, slots=True)
class CheckoutLine:
    name: str
    description: str
    unit_amount: int
    quantity: int
    image_url: str | None = None


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    order_id: int
    order_token: str
    email: str
    currency: str
    lines: tuple[CheckoutLine, ...]
    shipping_amount: int
    shipping_label: str
    countries: tuple[str, ...]
    success_url: str
    cancel_url: str
    locale: str


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    id: str
    url: str
    amount_total: int


@dataclass(frozen=True, slots=True)
class Transfer:
    id: str
    amount: int
    currency: str
    destination: str
    payout_id: str  # from the transfer's metadata; "" when it did not come from a payout run


class PaymentError(Exception):
    """The provider refused or could not be reached; nothing was charged."""


class PaymentGateway(Protocol):
    name: str
    # Where create_checkout's url leads, for the cart page's Content-Security-Policy (form-action).
    checkout_origins: tuple[str, ...]

    def create_checkout(self, request: CheckoutRequest, *, idempotency_key: str) -> CheckoutSession:
        """Open a hosted payment page for an order; the same key returns the same session."""
        ...

    def expire_checkout(self, session_id: str) -> None:
        """Close an unpaid payment page so it can no longer be paid; PaymentError if it already was."""
        ...

    def refund(self, payment_intent_id: str, amount: int, *, idempotency_key: str) -> str:
        """Refund part or all of a payment; returns the refund id. The webhook updates the order."""
        ...

    def verify_webhook(self, payload: bytes, signature: str) -> dict:  # type: ignore[type-arg]
        """The event, if the signature over the raw body is valid; raises InvalidSignature otherwise."""
        ...

    def create_payout_account(self, *, email: str, creator_id: int) -> str:
        """A connected account for a creator's payouts; returns its id."""
        ...

    def onboarding_link(self, account_id: str, *, return_url: str, refresh_url: str) -> str:
        """Where the creator gives the provider their identity and bank details."""
        ...

    def payout_account_ready(self, account_id: str) -> bool:
        """Whether the provider will accept transfers to the account."""
        ...

    def transfer(
        self, *, amount: int, currency: str, destination: str, idempotency_key: str, metadata: dict[str, str]
    ) -> str:
        """Send money to a connected account; returns the transfer id. PaymentError if refused."""
        ...

    def transfers(self) -> list[Transfer] | None:
        """Every transfer the provider has made for us, for reconciliation (None: it cannot list them)."""
        ...


class InvalidSignature(Exception):
    """A webhook whose signature, secret or timestamp does not check out."""


def get_gateway() -> PaymentGateway:
    """Stripe when a secret key is configured, otherwise the labelled test gateway (demo, development)."""
    config = current_app.config
    if config.get("STRIPE_SECRET_KEY"):
        from contest.payments.stripe_gateway import StripeGateway

        return StripeGateway(
            secret_key=config["STRIPE_SECRET_KEY"],
            webhook_secret=config.get("STRIPE_WEBHOOK_SECRET") or "",
            api_base=config.get("STRIPE_API_BASE") or None,
        )
    from contest.payments.test_gateway import TestGateway

    return TestGateway(secret=config["SECRET_KEY"])
