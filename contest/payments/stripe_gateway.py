"""Stripe Checkout through the official library (pointed at a stand-in in tests via STRIPE_API_BASE)."""

from __future__ import annotations

from urllib.parse import urlsplit

import stripe

from contest.payments.gateway import CheckoutRequest, CheckoutSession, InvalidSignature, PaymentError

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
