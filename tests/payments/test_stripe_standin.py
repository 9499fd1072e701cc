"""The Stripe stand-in must look like Stripe to the official library, or payment tests prove nothing.

Every API test goes through ``stripe.StripeClient`` pointed at the stand-in, the way the app's gateway will,
and every webhook test verifies through ``stripe.Webhook.construct_event``, the way the app will.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe

from tests.stripe_standin import StripeStandin, parse_form, sign_payload, signed_webhook

SECRET = "whsec_test_standin"


def session_params(**overrides: Any) -> dict[str, Any]:
    """Two tees at 15.00 EUR plus 4.90 shipping: the shape of an Atelier order."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 2,
                "price_data": {"currency": "eur", "unit_amount": 1500, "product_data": {"name": "Tee — Fox"}},
            },
            {
                "quantity": 1,
                "price_data": {"currency": "eur", "unit_amount": 2200, "product_data": {"name": "Mug"}},
            },
        ],
        "shipping_options": [
            {
                "shipping_rate_data": {
                    "display_name": "Standard",
                    "type": "fixed_amount",
                    "fixed_amount": {"amount": 490, "currency": "eur"},
                }
            }
        ],
        "shipping_address_collection": {"allowed_countries": ["FR", "DE"]},
        "client_reference_id": "7",
        "customer_email": "ada@example.com",
        "metadata": {"order_id": "7"},
        "success_url": "http://shop.test/orders/7/thanks?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.test/cart",
    }
    params.update(overrides)
    return params


@pytest.fixture
def standin() -> Iterator[StripeStandin]:
    with StripeStandin() as server:
        yield server


@pytest.fixture
def http_client() -> Iterator[stripe.HTTPClient]:
    """The library's default HTTP client, created here so the test can close its sockets afterwards."""
    client = stripe.new_default_http_client()
    yield client
    client.close()


@pytest.fixture
def client(standin: StripeStandin, http_client: stripe.HTTPClient) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_123", base_addresses={"api": standin.url}, http_client=http_client, max_network_retries=0
    )


def paid_session(
    client: stripe.StripeClient, standin: StripeStandin, key: str = "order-7"
) -> tuple[str, str]:
    """A session the customer has paid: (session id, payment intent id)."""
    session = client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": key})
    event = standin.complete(session.id)
    return session.id, event["data"]["object"]["payment_intent"]


def raw_request(standin: StripeStandin, method: str, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(urlsplit(standin.url).netloc, timeout=5)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------ wire format


def test_parse_form_reads_stripes_bracket_notation() -> None:
    pairs = [
        ("line_items[0][price_data][unit_amount]", "1500"),
        ("line_items[0][quantity]", "2"),
        ("line_items[1][quantity]", "1"),
        ("metadata[order_id]", "7"),
        ("shipping_address_collection[allowed_countries][]", "FR"),
        ("shipping_address_collection[allowed_countries][]", "DE"),
        ("expand[0]", "line_items"),
        ("mode", "payment"),
    ]
    assert parse_form(pairs) == {
        "line_items": [{"price_data": {"unit_amount": "1500"}, "quantity": "2"}, {"quantity": "1"}],
        "metadata": {"order_id": "7"},
        "shipping_address_collection": {"allowed_countries": ["FR", "DE"]},
        "expand": ["line_items"],
        "mode": "payment",
    }


def test_create_session_returns_a_checkout_session(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    session = client.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "order-7"}
    )

    assert isinstance(session, stripe.checkout.Session)
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.url == f"{standin.url}/pay/{session.id}"
    assert session.amount_subtotal == 2 * 1500 + 2200
    assert session.amount_total == 2 * 1500 + 2200 + 490
    assert session.total_details is not None
    assert session.total_details.amount_shipping == 490
    assert (session.currency, session.status, session.payment_status, session.mode) == (
        "eur",
        "open",
        "unpaid",
        "payment",
    )
    assert session.client_reference_id == "7"
    assert session.customer_email == "ada@example.com"
    assert session.metadata is not None
    assert session.metadata.to_dict() == {"order_id": "7"}
    assert session.success_url == "http://shop.test/orders/7/thanks?session_id={CHECKOUT_SESSION_ID}"
    assert session.cancel_url == "http://shop.test/cart"
    assert session.payment_intent is None
    assert session.shipping_address_collection is not None
    assert session.shipping_address_collection.allowed_countries == ["FR", "DE"]
    assert "line_items" not in session  # kept server-side unless expanded, as Stripe does

    method, path, form, headers = standin.requests[-1]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert form["line_items"][0]["price_data"]["unit_amount"] == "1500"
    assert form["metadata"] == {"order_id": "7"}
    assert headers["idempotency-key"] == "order-7"
    assert headers["authorization"] == "Bearer sk_test_123"


def test_retrieve_expands_and_lists_line_items(client: stripe.StripeClient) -> None:
    created = client.v1.checkout.sessions.create(params=session_params())

    fetched = client.v1.checkout.sessions.retrieve(created.id)
    expanded = client.v1.checkout.sessions.retrieve(created.id, params={"expand": ["line_items"]})
    listed = client.v1.checkout.sessions.line_items.list(created.id)

    assert fetched.to_dict() == created.to_dict()
    assert expanded.line_items is not None
    assert [item.amount_total for item in expanded.line_items.data] == [3000, 2200]
    assert [(item.description, item.quantity) for item in listed.data] == [("Tee — Fox", 2), ("Mug", 1)]
    assert listed.data[0].price.unit_amount == 1500


def test_unknown_session_is_a_404_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.retrieve("cs_test_nope")

    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"
    assert caught.value.json_body is not None
    assert caught.value.json_body["error"]["type"] == "invalid_request_error"
    assert "cs_test_nope" in caught.value.json_body["error"]["message"]


def test_invalid_params_are_refused_like_stripe(client: stripe.StripeClient) -> None:
    params = session_params()
    del params["line_items"][0]["quantity"]

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params=params)

    assert caught.value.http_status == 400
    assert caught.value.param == "line_items[0][quantity]"


def test_expire_closes_an_open_session_only(client: stripe.StripeClient) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())

    expired = client.v1.checkout.sessions.expire(session.id)

    assert expired.status == "expired"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)


# ----------------------------------------------------------------------------------------- idempotency


def test_idempotent_replay_returns_the_same_session(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    first = client.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "order-1"}
    )
    again = client.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "order-1"}
    )
    other = client.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "order-2"}
    )

    assert again.id == first.id
    assert other.id != first.id
    assert len(standin.sessions) == 2
    assert again.last_response is not None
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"


def test_idempotency_key_reused_with_other_params_is_refused(client: stripe.StripeClient) -> None:
    client.v1.checkout.sessions.create(params=session_params(), options={"idempotency_key": "order-1"})

    with pytest.raises(stripe.IdempotencyError) as caught:
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="8"), options={"idempotency_key": "order-1"}
        )

    assert caught.value.http_status == 400
    assert caught.value.json_body is not None
    assert caught.value.json_body["error"]["type"] == "idempotency_error"


def test_idempotency_key_reused_on_another_endpoint_is_refused(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    _, intent = paid_session(client, standin, key="shared-key")

    with pytest.raises(stripe.IdempotencyError):
        client.v1.refunds.create(params={"payment_intent": intent}, options={"idempotency_key": "shared-key"})


# ------------------------------------------------------------------------------------------ the customer


def test_complete_returns_a_checkout_session_completed_event(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())

    event = standin.complete(session.id, email="buyer@example.org")

    assert event["id"].startswith("evt_")
    assert (event["object"], event["type"], event["livemode"]) == (
        "event",
        "checkout.session.completed",
        False,
    )
    assert isinstance(event["created"], int)
    assert event["api_version"] == standin.api_version
    paid = event["data"]["object"]
    assert (paid["id"], paid["status"], paid["payment_status"]) == (session.id, "complete", "paid")
    assert paid["payment_intent"].startswith("pi_")
    assert paid["customer_details"]["email"] == "buyer@example.org"
    assert paid["collected_information"]["shipping_details"]["address"]["country"] == "FR"
    assert paid["amount_total"] == 5690

    fetched = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert fetched.status == "complete"
    assert isinstance(fetched.payment_intent, stripe.PaymentIntent)
    assert fetched.payment_intent.id == paid["payment_intent"]
    assert fetched.payment_intent.latest_charge.startswith("ch_")
    assert fetched.payment_intent.amount_received == 5690


def test_delayed_payment_completes_unpaid_then_settles(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())

    completed = standin.complete(session.id, async_payment=True)
    assert completed["data"]["object"]["payment_status"] == "unpaid"
    with pytest.raises(stripe.InvalidRequestError):  # nothing captured yet, nothing to refund
        client.v1.refunds.create(params={"payment_intent": completed["data"]["object"]["payment_intent"]})

    settled = standin.settle_async(session.id)
    assert settled["type"] == "checkout.session.async_payment_succeeded"
    assert settled["data"]["object"]["payment_status"] == "paid"
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_expire_helper_returns_the_expired_event(client: stripe.StripeClient, standin: StripeStandin) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())

    event = standin.expire(session.id)

    assert event["type"] == "checkout.session.expired"
    assert event["data"]["object"]["status"] == "expired"
    with pytest.raises(ValueError, match="not open"):
        standin.complete(session.id)


# ------------------------------------------------------------------------------------------------ refunds


def test_full_refund_defaults_to_what_remains(client: stripe.StripeClient, standin: StripeStandin) -> None:
    _, intent = paid_session(client, standin)

    refund = client.v1.refunds.create(
        params={"payment_intent": intent, "metadata": {"order_id": "7"}},
        options={"idempotency_key": "refund-7"},
    )

    assert isinstance(refund, stripe.Refund)
    assert refund.id.startswith("re_")
    assert (refund.amount, refund.currency, refund.payment_intent, refund.status) == (
        5690,
        "eur",
        intent,
        "succeeded",
    )
    assert refund.metadata is not None
    assert refund.metadata.to_dict() == {"order_id": "7"}
    replay = client.v1.refunds.create(
        params={"payment_intent": intent, "metadata": {"order_id": "7"}},
        options={"idempotency_key": "refund-7"},
    )
    assert replay.id == refund.id
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": intent})
    assert caught.value.code == "charge_already_refunded"


def test_partial_refunds_then_over_refund_is_refused(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    _, intent = paid_session(client, standin)

    first = client.v1.refunds.create(params={"payment_intent": intent, "amount": 1500})
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": intent, "amount": 5690})
    rest = client.v1.refunds.create(params={"payment_intent": intent})

    assert first.amount == 1500
    assert caught.value.http_status == 400
    assert caught.value.code == "amount_too_large"
    assert caught.value.param == "amount"
    assert rest.amount == 5690 - 1500
    assert client.v1.refunds.retrieve(first.id).amount == 1500


def test_refund_of_an_unknown_payment_is_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": "pi_missing"})

    assert caught.value.code == "resource_missing"
    assert caught.value.param == "payment_intent"


def test_refund_and_dispute_events_carry_stripes_fields(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    _, intent = paid_session(client, standin)
    client.v1.refunds.create(params={"payment_intent": intent, "amount": 1000})

    refunded = standin.refund_event(intent, 690)  # a further refund made in the Dashboard
    disputed = standin.dispute_event(intent, reason="product_not_received")

    charge = refunded["data"]["object"]
    assert refunded["type"] == "charge.refunded"
    assert (charge["object"], charge["payment_intent"], charge["amount"]) == ("charge", intent, 5690)
    assert (charge["amount_refunded"], charge["refunded"]) == (1690, False)
    assert [refund["amount"] for refund in charge["refunds"]["data"]] == [690, 1000]
    dispute = disputed["data"]["object"]
    assert disputed["type"] == "charge.dispute.created"
    assert (dispute["object"], dispute["charge"], dispute["payment_intent"]) == (
        "dispute",
        charge["id"],
        intent,
    )
    assert (dispute["amount"], dispute["reason"]) == (5690, "product_not_received")
    assert standin.events[-2:] == [refunded, disputed]


# ------------------------------------------------------------------------------------------ authentication


@pytest.mark.parametrize("key", ["sk_live_123", "rk_test_123", "pk_test_123", "sk_test_"])
def test_a_key_that_is_not_a_secret_test_key_is_refused(standin: StripeStandin, key: str) -> None:
    http_client = stripe.new_default_http_client()
    client = stripe.StripeClient(
        key, base_addresses={"api": standin.url}, http_client=http_client, max_network_retries=0
    )
    try:
        with pytest.raises(stripe.AuthenticationError) as caught:
            client.v1.checkout.sessions.create(params=session_params())
    finally:
        http_client.close()

    assert caught.value.http_status == 401
    assert standin.sessions == {}


def test_missing_authorization_gets_stripes_401_shape(standin: StripeStandin) -> None:
    status, body = raw_request(standin, "GET", "/v1/checkout/sessions/cs_test_x", {})

    assert status == 401
    assert body["error"]["type"] == "invalid_request_error"
    assert "API key" in body["error"]["message"]


# ----------------------------------------------------------------------------------------------- webhooks


def test_sign_payload_matches_the_librarys_own_signer() -> None:
    payload = b'{"id": "evt_1", "object": "event"}'

    ours = sign_payload(payload, SECRET, timestamp=1_700_000_000)

    assert ours == stripe.WebhookSignature.generate_signature_header(payload.decode(), SECRET, 1_700_000_000)


def test_construct_event_accepts_signed_standin_events(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    body, headers = signed_webhook(standin.complete(session.id), SECRET)

    event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], SECRET)

    assert isinstance(event, stripe.Event)
    assert event.type == "checkout.session.completed"
    assert event.data.object["id"] == session.id
    assert event.data.object["payment_status"] == "paid"


@pytest.mark.parametrize("tamper", ["body", "secret", "timestamp"])
def test_construct_event_rejects_tampered_webhooks(
    client: stripe.StripeClient, standin: StripeStandin, tamper: str
) -> None:
    session = client.v1.checkout.sessions.create(params=session_params())
    payload = json.dumps(standin.complete(session.id)).encode()
    header = sign_payload(payload, SECRET)
    secret = SECRET
    if tamper == "body":
        payload = payload.replace(b'"paid"', b'"unpaid"', 1)
    elif tamper == "secret":
        secret = "whsec_someone_else"
    else:
        header = sign_payload(payload, SECRET, timestamp=int(time.time()) - 301)

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, secret)


# ------------------------------------------------------------------------------------ hosted payment page


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]]

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[str, list[tuple[bytes, str]]]]:
    received: list[tuple[bytes, str]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Receiver", (_Receiver,), {"received": received}))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}/webhooks/stripe", received
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_pay_page_completes_delivers_the_webhook_and_redirects(
    client: stripe.StripeClient, standin: StripeStandin, webhook_receiver: tuple[str, list[tuple[bytes, str]]]
) -> None:
    standin.webhook_url, received = webhook_receiver
    standin.webhook_secret = SECRET
    session = client.v1.checkout.sessions.create(params=session_params())
    assert session.url is not None
    conn = http.client.HTTPConnection(urlsplit(session.url).netloc, timeout=5)
    try:
        conn.request("GET", urlsplit(session.url).path)
        page = conn.getresponse()
        html = page.read().decode()
        conn.request(
            "POST",
            urlsplit(session.url).path,
            body="email=buyer%40example.org",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        submitted = conn.getresponse()
        submitted.read()
    finally:
        conn.close()

    assert page.status == 200
    assert "56.90 EUR" in html
    assert submitted.status == 303
    assert submitted.headers["Location"] == f"http://shop.test/orders/7/thanks?session_id={session.id}"
    [(body, signature)] = received
    event = stripe.Webhook.construct_event(body, signature, SECRET)
    assert event.type == "checkout.session.completed"
    assert event.data.object["customer_details"]["email"] == "buyer@example.org"
    assert standin.deliveries == [(event.id, 200)]


# ------------------------------------------------------------------------------------------------ lifecycle


def test_stop_closes_the_listening_socket() -> None:
    with StripeStandin() as server:
        address = urlsplit(server.url)

    with pytest.raises(ConnectionRefusedError), socket.create_connection((address.hostname, address.port), 1):
        pass
