"""The stand-in's Connect endpoints must look like Stripe's to the official library.

Accounts, onboarding links and transfers go through ``stripe.StripeClient`` pointed at the stand-in, the way
the app's gateway will; the hosted onboarding page is driven over plain HTTP, the way a seller's browser is.
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import stripe

from tests.stripe_standin import StripeStandin

SECRET = "whsec_test_standin"
RETURN_URL = "http://shop.test/studio/payouts/return"
REFRESH_URL = "http://shop.test/studio/payouts/refresh"


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


def new_account(client: stripe.StripeClient, **overrides: Any) -> stripe.Account:
    params: dict[str, Any] = {
        "type": "express",
        "country": "FR",
        "email": "designer@example.com",
        "capabilities": {"transfers": {"requested": True}},
        "metadata": {"designer_id": "42"},
    }
    params.update(overrides)
    return client.v1.accounts.create(params=params)


def onboarded_account(client: stripe.StripeClient, standin: StripeStandin) -> str:
    account = new_account(client)
    standin.onboard(account.id)
    return account.id


def link_for(client: stripe.StripeClient, account_id: str) -> stripe.AccountLink:
    return client.v1.account_links.create(
        params={
            "account": account_id,
            "refresh_url": REFRESH_URL,
            "return_url": RETURN_URL,
            "type": "account_onboarding",
        }
    )


def browse(url: str, method: str = "GET") -> tuple[int, str, dict[str, str]]:
    """One request without following redirects: (status, body, headers), as a browser's first hop sees it."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        body = b"" if method == "POST" else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if method == "POST" else {}
        conn.request(method, parts.path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode(), dict(response.getheaders())
    finally:
        conn.close()


# -------------------------------------------------------------------------------------------- accounts


def test_create_account_is_an_express_account_awaiting_onboarding(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    account = new_account(client)

    assert account.object == "account"
    assert account.id.startswith("acct_")
    assert len(account.id) == len("acct_") + 16
    assert account.type == "express"
    assert account.country == "FR"
    assert account.email == "designer@example.com"
    assert account.default_currency == "eur"
    assert account.metadata.to_dict() == {"designer_id": "42"}
    assert account.capabilities.to_dict() == {"transfers": "inactive"}
    assert account.charges_enabled is False
    assert account.payouts_enabled is False
    assert account.details_submitted is False
    assert isinstance(account.created, int)
    assert "external_account" in account.requirements.currently_due
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert standin.accounts[account.id]["email"] == "designer@example.com"


def test_account_defaults_and_unrequested_capabilities(client: stripe.StripeClient) -> None:
    account = client.v1.accounts.create(
        params={"capabilities": {"transfers": {"requested": True}, "card_payments": {"requested": False}}}
    )

    assert account.type == "express"
    assert account.country == "FR"
    assert account.email is None
    assert account.capabilities.to_dict() == {"transfers": "inactive"}


def test_invalid_account_type_is_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.accounts.create(params={"type": "premium"})

    assert caught.value.param == "type"


def test_retrieve_account(client: stripe.StripeClient) -> None:
    account = new_account(client)

    fetched = client.v1.accounts.retrieve(account.id)

    assert fetched.id == account.id
    assert fetched.payouts_enabled is False


def test_retrieve_unknown_account_is_refused_like_stripe(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.PermissionError) as caught:
        client.v1.accounts.retrieve("acct_0000000000000000")

    assert caught.value.http_status == 403
    assert caught.value.json_body is not None  # the library does not copy a 403's code onto .code
    assert caught.value.json_body["error"]["code"] == "account_invalid"


def test_account_creation_replays_with_the_same_idempotency_key(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    params = {"email": "designer@example.com", "capabilities": {"transfers": {"requested": True}}}
    first = client.v1.accounts.create(params=params, options={"idempotency_key": "designer-42"})
    again = client.v1.accounts.create(params=params, options={"idempotency_key": "designer-42"})

    assert again.id == first.id
    assert len(standin.accounts) == 1
    assert again.last_response is not None
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"


# --------------------------------------------------------------------------------------- account links


def test_account_link_points_at_the_hosted_onboarding_page(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    account = new_account(client)

    link = link_for(client, account.id)

    assert link.object == "account_link"
    assert link.expires_at == link.created + 300
    assert link.url == f"{standin.url}/connect/{account.id}"


def test_account_link_type_must_be_a_known_flow(client: stripe.StripeClient) -> None:
    account = new_account(client)

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.account_links.create(
            params={"account": account.id, "return_url": RETURN_URL, "type": "custom_account_verification"}
        )

    assert caught.value.http_status == 400
    assert caught.value.param == "type"


def test_account_update_links_are_for_custom_accounts_only(client: stripe.StripeClient) -> None:
    express = new_account(client)
    custom = new_account(client, type="custom")

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.account_links.create(params={"account": express.id, "type": "account_update"})
    link = client.v1.account_links.create(params={"account": custom.id, "type": "account_update"})

    assert caught.value.param == "type"
    assert link.object == "account_link"


def test_account_link_for_an_unknown_account_is_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.account_links.create(params={"account": "acct_nope", "type": "account_onboarding"})

    assert caught.value.http_status == 400
    assert caught.value.code == "resource_missing"
    assert caught.value.param == "account"


# ------------------------------------------------------------------------------------ onboarding page


def test_onboarding_page_submits_and_redirects_to_return_url(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    account = new_account(client)
    link = link_for(client, account.id)

    with urllib.request.urlopen(link.url, timeout=10) as page:  # noqa: S310 - the stand-in's own URL
        html = page.read().decode()
    status, _, headers = browse(link.url, method="POST")

    assert "Stripe stand-in onboarding" in html
    assert "Agree and submit" in html
    assert f'action="/connect/{account.id}"' in html
    assert f'href="{REFRESH_URL}"' in html
    assert status == 303
    assert headers["Location"] == RETURN_URL
    onboarded = client.v1.accounts.retrieve(account.id)
    assert onboarded.details_submitted is True
    assert onboarded.charges_enabled is True
    assert onboarded.payouts_enabled is True
    assert onboarded.capabilities.to_dict() == {"transfers": "active"}
    assert onboarded.requirements.currently_due == []
    assert onboarded.requirements.disabled_reason is None
    assert [event["type"] for event in standin.events] == ["account.updated"]


def test_a_spent_or_expired_link_sends_the_seller_to_refresh_url(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    account = new_account(client)
    link = link_for(client, account.id)
    browse(link.url, method="POST")

    spent_status, _, spent_headers = browse(link.url)
    fresh = link_for(client, account.id)
    standin.expire_account_link(account.id)
    expired_status, _, expired_headers = browse(fresh.url)

    assert (spent_status, spent_headers["Location"]) == (303, REFRESH_URL)
    assert (expired_status, expired_headers["Location"]) == (303, REFRESH_URL)


def test_onboarding_page_without_a_link_is_not_found(standin: StripeStandin) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{standin.url}/connect/acct_nope", timeout=10)  # noqa: S310 - stand-in URL

    assert caught.value.code == 404
    caught.value.close()


def test_onboard_returns_the_account_updated_event(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    account = new_account(client)

    event = standin.onboard(account.id)

    assert event["type"] == "account.updated"
    assert event["account"] == account.id
    assert event["data"]["object"]["id"] == account.id
    assert event["data"]["object"]["payouts_enabled"] is True
    assert event["data"]["previous_attributes"]["payouts_enabled"] is False
    assert event["data"]["previous_attributes"]["capabilities"] == {"transfers": "inactive"}
    assert event["api_version"] == standin.api_version
    with pytest.raises(ValueError, match="already onboarded"):
        standin.onboard(account.id)


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]]

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def test_onboarding_page_delivers_a_signed_account_updated_webhook(http_client: stripe.HTTPClient) -> None:
    received: list[tuple[bytes, str]] = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), type("R", (_Receiver,), {"received": received}))
    thread = threading.Thread(target=receiver.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        host, port = receiver.server_address[:2]
        with StripeStandin(webhook_url=f"http://{host}:{port}/hooks", webhook_secret=SECRET) as standin:
            connect_client = stripe.StripeClient(
                "sk_test_123",
                base_addresses={"api": standin.url},
                http_client=http_client,
                max_network_retries=0,
            )
            account = new_account(connect_client)
            status, _, headers = browse(link_for(connect_client, account.id).url, method="POST")
            deliveries = list(standin.deliveries)
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join(timeout=5)

    assert (status, headers["Location"]) == (303, RETURN_URL)
    assert len(received) == 1
    body, signature = received[0]
    event = stripe.Webhook.construct_event(body.decode(), signature, SECRET)
    assert event.type == "account.updated"
    assert event.account == account.id
    assert deliveries == [(event.id, 200)]


# ------------------------------------------------------------------------------------------- transfers


def test_transfer_to_an_onboarded_account(client: stripe.StripeClient, standin: StripeStandin) -> None:
    destination = onboarded_account(client, standin)

    transfer = client.v1.transfers.create(
        params={
            "amount": 1275,
            "currency": "EUR",
            "destination": destination,
            "transfer_group": "order-7",
            "description": "Royalties for order 7",
            "metadata": {"order_id": "7"},
        }
    )

    assert transfer.object == "transfer"
    assert transfer.id.startswith("tr_")
    assert transfer.amount == 1275
    assert transfer.amount_reversed == 0
    assert transfer.currency == "eur"
    assert transfer.destination == destination
    assert transfer.transfer_group == "order-7"
    assert transfer.description == "Royalties for order 7"
    assert transfer.metadata.to_dict() == {"order_id": "7"}
    assert transfer.reversed is False
    assert transfer.livemode is False
    assert transfer.balance_transaction.startswith("txn_")
    assert isinstance(transfer.created, int)
    assert standin.transfers[transfer.id]["amount"] == 1275
    assert client.v1.transfers.retrieve(transfer.id).amount == 1275


def test_transfer_idempotent_replay_and_conflicting_reuse(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    destination = onboarded_account(client, standin)
    params = {"amount": 500, "currency": "eur", "destination": destination}

    first = client.v1.transfers.create(params=params, options={"idempotency_key": "royalty-1"})
    again = client.v1.transfers.create(params=params, options={"idempotency_key": "royalty-1"})
    with pytest.raises(stripe.IdempotencyError) as caught:
        client.v1.transfers.create(params={**params, "amount": 600}, options={"idempotency_key": "royalty-1"})

    assert again.id == first.id
    assert len(standin.transfers) == 1
    assert again.last_response is not None
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert caught.value.http_status == 400
    assert caught.value.json_body is not None
    assert caught.value.json_body["error"]["type"] == "idempotency_error"


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"currency": "eur"}, "amount", "parameter_missing"),
        ({"amount": 0, "currency": "eur"}, "amount", "parameter_invalid_integer"),
        ({"amount": 100}, "currency", "parameter_missing"),
    ],
)
def test_transfer_parameters_are_checked(
    client: stripe.StripeClient, standin: StripeStandin, params: dict[str, Any], param: str, code: str
) -> None:
    destination = onboarded_account(client, standin)

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(params={**params, "destination": destination})

    assert (caught.value.param, caught.value.code) == (param, code)


def test_transfer_without_destination_is_refused(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(params={"amount": 100, "currency": "eur"})

    assert (caught.value.param, caught.value.code) == ("destination", "parameter_missing")


def test_transfer_to_an_unknown_destination_is_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(params={"amount": 100, "currency": "eur", "destination": "acct_nope"})

    assert caught.value.http_status == 400
    assert caught.value.code == "resource_missing"
    assert caught.value.param == "destination"
    assert str(caught.value.user_message) == "No such destination: 'acct_nope'"


def test_transfer_to_an_account_not_yet_onboarded_is_account_invalid(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    account = new_account(client)

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(params={"amount": 100, "currency": "eur", "destination": account.id})

    assert caught.value.http_status == 400
    assert caught.value.code == "account_invalid"
    assert "transfers" in str(caught.value.user_message)
    assert standin.transfers == {}


def test_fail_transfers_for_one_destination_then_clear(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    failing, fine = onboarded_account(client, standin), onboarded_account(client, standin)
    standin.fail_transfers(failing)

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(params={"amount": 100, "currency": "eur", "destination": failing})
    ok = client.v1.transfers.create(params={"amount": 100, "currency": "eur", "destination": fine})
    standin.clear_transfer_failures()
    after = client.v1.transfers.create(params={"amount": 100, "currency": "eur", "destination": failing})

    assert caught.value.http_status == 400
    assert caught.value.code == "balance_insufficient"
    assert caught.value.user_message == "You have insufficient available funds in your Stripe account."
    assert ok.destination == fine
    assert after.destination == failing
    assert len(standin.transfers) == 2


def test_fail_transfers_everywhere_with_another_code(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    destination = onboarded_account(client, standin)
    standin.fail_transfers(None, code="transfers_not_allowed")

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(params={"amount": 100, "currency": "eur", "destination": destination})

    assert caught.value.code == "transfers_not_allowed"


def test_a_failed_transfer_is_replayed_for_the_same_idempotency_key(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    """Stripe saves a failure that happened while executing: a retry needs a new key once funds arrive."""
    destination = onboarded_account(client, standin)
    params = {"amount": 100, "currency": "eur", "destination": destination}
    standin.fail_transfers(None)

    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create(params=params, options={"idempotency_key": "royalty-9"})
    standin.clear_transfer_failures()
    with pytest.raises(stripe.InvalidRequestError) as replayed:
        client.v1.transfers.create(params=params, options={"idempotency_key": "royalty-9"})
    retried = client.v1.transfers.create(params=params, options={"idempotency_key": "royalty-9-retry"})

    assert replayed.value.code == "balance_insufficient"
    assert replayed.value.headers is not None
    assert replayed.value.headers.get("Idempotent-Replayed") == "true"
    assert retried.destination == destination


def test_retrieve_unknown_transfer_is_not_found(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.retrieve("tr_nope")

    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"


# ------------------------------------------------------------------------------------------------ lists


def test_transfer_list_is_newest_first_and_pages_through_everything(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    destination = onboarded_account(client, standin)
    made = [
        client.v1.transfers.create(params={"amount": 100 + n, "currency": "eur", "destination": destination})
        for n in range(5)
    ]

    page = client.v1.transfers.list(params={"limit": 2})
    everything = list(page.auto_paging_iter())

    assert page.object == "list"
    assert page.url == "/v1/transfers"
    assert page.has_more is True
    assert [t.id for t in page.data] == [made[4].id, made[3].id]
    assert [t.id for t in everything] == [t.id for t in reversed(made)]
    paths = [(method, path, params) for method, path, params, _ in standin.requests if method == "GET"]
    assert [params.get("starting_after") for _, _, params in paths] == [
        None,
        made[3].id,
        made[1].id,
    ]


def test_transfer_list_filters_by_destination_and_group(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    first, second = onboarded_account(client, standin), onboarded_account(client, standin)
    a = client.v1.transfers.create(
        params={"amount": 100, "currency": "eur", "destination": first, "transfer_group": "order-1"}
    )
    b = client.v1.transfers.create(
        params={"amount": 200, "currency": "eur", "destination": second, "transfer_group": "order-1"}
    )
    c = client.v1.transfers.create(
        params={"amount": 300, "currency": "eur", "destination": first, "transfer_group": "order-2"}
    )

    to_first = client.v1.transfers.list(params={"destination": first})
    order_1 = client.v1.transfers.list(params={"transfer_group": "order-1"})
    both = client.v1.transfers.list(params={"destination": first, "transfer_group": "order-1"})
    paged = list(client.v1.transfers.list(params={"destination": first, "limit": 1}).auto_paging_iter())

    assert [t.id for t in to_first.data] == [c.id, a.id]
    assert to_first.has_more is False
    assert [t.id for t in order_1.data] == [b.id, a.id]
    assert [t.id for t in both.data] == [a.id]
    assert [t.id for t in paged] == [c.id, a.id]


def test_transfer_list_ending_before_and_bad_cursors(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    destination = onboarded_account(client, standin)
    made = [
        client.v1.transfers.create(params={"amount": 100 + n, "currency": "eur", "destination": destination})
        for n in range(4)
    ]

    newer = client.v1.transfers.list(params={"ending_before": made[0].id, "limit": 2})
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.transfers.list(params={"starting_after": "tr_nope"})
    with pytest.raises(stripe.InvalidRequestError) as too_many:
        client.v1.transfers.list(params={"limit": 101})

    assert [t.id for t in newer.data] == [made[2].id, made[1].id]
    assert newer.has_more is True
    assert (unknown.value.code, unknown.value.param) == ("resource_missing", "starting_after")
    assert too_many.value.param == "limit"


def test_empty_transfer_list(client: stripe.StripeClient) -> None:
    page = client.v1.transfers.list()

    assert page.data == []
    assert page.has_more is False
    assert list(page.auto_paging_iter()) == []


def test_standin_records_connect_requests(client: stripe.StripeClient, standin: StripeStandin) -> None:
    account = new_account(client)

    method, path, params, headers = standin.requests[-1]

    assert (method, path) == ("POST", "/v1/accounts")
    assert params["capabilities"] == {"transfers": {"requested": "true"}}
    assert headers["authorization"] == "Bearer sk_test_123"
    assert json.loads(json.dumps(standin.accounts[account.id]))["id"] == account.id
