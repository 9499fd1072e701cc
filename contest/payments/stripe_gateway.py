"""Stripe Checkout through the official library (pointed at a stand-in in tests via STRIPE_API_BASE)."""

from __future__ import annotations

from urllib.parse import urlsplit

import stripe

from contest.payments.gateway import (
    CheckoutRequest,
    CheckoutSession,
    InvalidSignature,
    PaymentError,
    Transfer,
)

HOSTED_CHECKOUT = "https://checkout.stripe.com"


class StripeGateway:
    name = "stripe"

    def __init__(self, *, secret_key: str, webhook_secret: str, api_base: str | None = None) -> None:
        options = {"base_addresses": {"api": api_base}} if api_base else {}
        # A stand-in serving the API serves its payment page too.
        parts = urlsplit(api_base) if api_base else None
        self.checkout_origins = (f"{parts.scheme}://{parts.netloc}",) if parts else (HOSTED_CHECKOUT,)
        self._client = stripe.StripeClient(secret_key, max_network_retries=2, **options)
        self._webhook_secret = webhook_secret

    def create_checkout(self, request: CheckoutRequest, *, idempotency_key: str) -> CheckoutSession:
        params = {
            "mode": "payment",
            "client_reference_id": str(request.order_id),
            "customer_email": request.email,
            "metadata": {"order_id": str(request.order_id), "order_token": request.order_token},
            "payment_intent_data": {"metadata": {"order_id": str(request.order_id)}},
            "line_items": [
                {
                    "quantity": line.quantity,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": line.unit_amount,
                        "product_data": {"name": line.name, "description": line.description}
                        | ({"images": [line.image_url]} if line.image_url else {}),
                    },
                }
                for line in request.lines
            ],
            "shipping_address_collection": {"allowed_countries": list(request.countries)},
            "shipping_options": [
                {
                    "shipping_rate_data": {
                        "type": "fixed_amount",
                        "display_name": request.shipping_label,
                        "fixed_amount": {
                            "amount": request.shipping_amount,
                            "currency": request.currency.lower(),
                        },
                    }
                }
            ],
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "locale": request.locale if request.locale in ("en", "fr") else "auto",
        }
        try:
            session = self._client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as error:
            raise PaymentError(str(error.user_message or error)) from error
        return CheckoutSession(id=session.id, url=session.url, amount_total=session.amount_total)

    def expire_checkout(self, session_id: str) -> None:
        try:
            self._client.v1.checkout.sessions.expire(session_id)
        except stripe.StripeError as error:
            raise PaymentError(str(error.user_message or error)) from error

    def refund(self, payment_intent_id: str, amount: int, *, idempotency_key: str) -> str:
        try:
            refund = self._client.v1.refunds.create(
                params={"payment_intent": payment_intent_id, "amount": amount},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise PaymentError(str(error.user_message or error)) from error
        return refund.id

    def verify_webhook(self, payload: bytes, signature: str) -> dict:  # type: ignore[type-arg]
        if not self._webhook_secret:
            raise InvalidSignature("no webhook secret is configured: every webhook is refused")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise InvalidSignature(str(error)) from error
        return event.to_dict()

    def create_payout_account(self, *, email: str, creator_id: int) -> str:
        try:
            account = self._client.v1.accounts.create(
                params={
                    "type": "express",
                    "email": email,
                    "capabilities": {"transfers": {"requested": True}},
                    "metadata": {"creator_id": str(creator_id)},
                },
                options={"idempotency_key": f"payout-account-{creator_id}"},
            )
        except stripe.StripeError as error:
            raise PaymentError(str(error.user_message or error)) from error
        return account.id

    def onboarding_link(self, account_id: str, *, return_url: str, refresh_url: str) -> str:
        try:
            link = self._client.v1.account_links.create(
                params={
                    "account": account_id,
                    "type": "account_onboarding",
                    "return_url": return_url,
                    "refresh_url": refresh_url,
                }
            )
        except stripe.StripeError as error:
            raise PaymentError(str(error.user_message or error)) from error
        return link.url

    def payout_account_ready(self, account_id: str) -> bool:
        try:
            account = self._client.v1.accounts.retrieve(account_id)
        except stripe.StripeError as error:
            raise PaymentError(str(error.user_message or error)) from error
        return bool(account.payouts_enabled)

    def transfer(
        self, *, amount: int, currency: str, destination: str, idempotency_key: str, metadata: dict[str, str]
    ) -> str:
        try:
            transfer = self._client.v1.transfers.create(
                params={
                    "amount": amount,
                    "currency": currency.lower(),
                    "destination": destination,
                    "metadata": metadata,
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as error:
            raise PaymentError(str(error.user_message or error)) from error
        return transfer.id

    def transfers(self) -> list[Transfer]:
        listing = self._client.v1.transfers.list(params={"limit": 100})
        return [
            Transfer(
                id=t.id,
                amount=t.amount,
                currency=t.currency.upper(),
                destination=str(t.destination),
                payout_id=(t.metadata.to_dict() if t.metadata else {}).get("payout_id", ""),
            )
            for t in listing.auto_paging_iter()
        ]
