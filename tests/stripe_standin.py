"""A local HTTP stand-in for the parts of Stripe's API that Atelier calls, for tests.

stripe-mock cannot be built here and localstripe has no Checkout Sessions, so tests point the official
``stripe`` library at this server instead (``StripeClient(key, base_addresses={"api": standin.url})``).
It speaks Stripe's wire format (form-encoded bracket parameters in, JSON objects and error shapes out,
``Idempotency-Key`` replays) and lets tests play the customer: ``complete()`` a session, settle a delayed
payment, expire a session, refund or dispute from the "Dashboard" — each returning the webhook event that
Stripe would send, ready to sign with :func:`sign_payload` exactly as Stripe signs it.

Connect is covered for separate charges and transfers: connected accounts (``POST/GET /v1/accounts``),
onboarding links (``POST /v1/account_links``) with a hosted onboarding page the seller can submit (or
``onboard()`` without a browser, returning ``account.updated``), and transfers (``POST/GET /v1/transfers``,
paginated lists) that refuse accounts not yet onboarded and can be made to fail on demand with
``fail_transfers()``, as Stripe does when the platform balance runs short.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import html
import json
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# The API version stripe-python 16.1 pins (stripe._api_version._ApiVersion.CURRENT); events carry it.
DEFAULT_API_VERSION = "2026-10-28.endive"
SESSION_LIFETIME = 24 * 3600  # Stripe's default expires_at: 24 hours after creation
ACCOUNT_LINK_LIFETIME = 300  # account links expire a few minutes after creation
_ID_ALPHABET = string.ascii_letters + string.digits
_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
_ACCOUNT_TYPES = {"custom", "express", "standard"}
_ACCOUNT_LINK_TYPES = {"account_onboarding", "account_update"}
# What Stripe asks of a fresh Express account before it may take charges and receive payouts.
_ONBOARDING_REQUIREMENTS = [
    "business_profile.mcc",
    "business_profile.url",
    "business_type",
    "external_account",
    "representative.first_name",
    "representative.last_name",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
_TRANSFER_FAILURES = {
    "balance_insufficient": "You have insufficient available funds in your Stripe account.",
    "account_invalid": "The destination account cannot currently receive transfers.",
}
_LIST_LIMIT_MAX = 100

Json = dict[str, Any]


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header value for ``payload``, computed exactly as Stripe does.

    ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed with the endpoint secret>``; pass an old
    ``timestamp`` to test the receiver's replay tolerance.
    """
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256)
    return f"t={ts},v1={mac.hexdigest()}"


def signed_webhook(event: Json, secret: str, *, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers Stripe would POST for ``event``, so a test can hand them to the app."""
    body = json.dumps(event, indent=2).encode()
    return body, {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": sign_payload(body, secret, timestamp),
    }


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id (``cs_test_…``, ``pi_…``): prefix plus ``length`` random base62 characters."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def parse_form(pairs: list[tuple[str, str]]) -> Json:
    """Turn Stripe's bracket notation (``a[b][0][c]=v``, ``a[]=v``) into nested dicts and lists."""
    root: Json = {}
    for key, value in pairs:
        match = _KEY_RE.match(key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))] if match else [key]
        node: Any = root
        for depth, part in enumerate(parts):
            if not isinstance(node, dict):
                raise StripeError(400, f"Invalid array or hash for parameter {key!r}.", param=key)
            name = str(len(node)) if part == "" else part
            if depth == len(parts) - 1:
                node[name] = value
            else:
                node = node.setdefault(name, {})
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    items = {key: _listify(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


class StripeError(Exception):
    """An API error, rendered as Stripe's ``{"error": {...}}`` body with the matching HTTP status.

    ``saved`` marks a failure that happens once the endpoint has begun executing (a transfer refused for
    want of funds), not a parameter check: Stripe's idempotency layer saves such an error and replays it
    for a retry with the same key, so the caller needs a new key for a genuinely new attempt.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        saved: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.saved = saved
        self.body: Json = {"error": {"message": message, "type": type}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param


def _missing(resource: str, object_id: str, *, param: str, status: int = 404) -> StripeError:
    """Stripe's answer for an unknown id: 404 for an id in the path, 400 for one passed as a parameter."""
    return StripeError(status, f"No such {resource}: '{object_id}'", code="resource_missing", param=param)


def _int(params: Json, name: str, *, label: str | None = None, minimum: int = 0) -> int:
    raw = params.get(name)
    label = label or name
    if raw is None:
        raise StripeError(400, f"Missing required param: {label}.", code="parameter_missing", param=label)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise StripeError(
            400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=label
        ) from None
    if value < minimum:
        message = f"This value must be greater than or equal to {minimum}."
        raise StripeError(400, message, code="parameter_invalid_integer", param=label)
    return value


def _required(params: Json, name: str, *, label: str | None = None) -> Any:
    if params.get(name) in (None, ""):
        label = label or name
        raise StripeError(400, f"Missing required param: {label}.", code="parameter_missing", param=label)
    return params[name]


def _metadata(params: Json, label: str = "metadata") -> dict[str, str]:
    raw = params.get("metadata", {})
    if raw == "":
        return {}
    if not isinstance(raw, dict) or len(raw) > 50:
        raise StripeError(400, "Invalid metadata: up to 50 string keys are allowed.", param=label)
    for key, value in raw.items():
        if len(key) > 40 or not isinstance(value, str) or len(value) > 500:
            raise StripeError(
                400,
                "Metadata keys are at most 40 characters and values at most 500.",
                param=f"{label}[{key}]",
            )
    return {key: value for key, value in raw.items() if value != ""}


def _list_object(url: str, data: list[Json]) -> Json:
    return {"object": "list", "data": data, "has_more": False, "total_count": len(data), "url": url}


def _page(
    url: str, newest_first: list[Json], params: Json, *, resource: str, keep: Callable[[Json], bool]
) -> Json:
    """One page of a paginated list endpoint: ``limit`` (1-100, default 10) and the id cursors.

    ``starting_after`` gives the objects older than the cursor, ``ending_before`` the ones just newer, among
    those ``keep`` accepts (the endpoint's filters); ``has_more`` says whether more lie beyond the page in
    that direction, as Stripe's list objects do.
    """
    limit = _int(params, "limit", minimum=1) if "limit" in params else 10
    if limit > _LIST_LIMIT_MAX:
        message = f"This value must be less than or equal to {_LIST_LIMIT_MAX}."
        raise StripeError(400, message, code="parameter_invalid_integer", param="limit")
    ids = [obj["id"] for obj in newest_first]
    for cursor in ("starting_after", "ending_before"):
        if cursor in params and params[cursor] not in ids:
            raise _missing(resource, str(params[cursor]), status=400, param=cursor)
    if "starting_after" in params:
        rest = [obj for obj in newest_first[ids.index(params["starting_after"]) + 1 :] if keep(obj)]
        data, has_more = rest[:limit], len(rest) > limit
    elif "ending_before" in params:
        rest = [obj for obj in newest_first[: ids.index(params["ending_before"])] if keep(obj)]
        data, has_more = rest[-limit:], len(rest) > limit
    else:
        rest = [obj for obj in newest_first if keep(obj)]
        data, has_more = rest[:limit], len(rest) > limit
    return {"object": "list", "data": copy.deepcopy(data), "has_more": has_more, "url": url}


def _requirements(due: list[str]) -> Json:
    """An account's ``requirements`` hash: ``due`` outstanding (and past due), or nothing once onboarded."""
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due),
        "pending_verification": [],
    }


Route = tuple[str, re.Pattern[str], Callable[..., Json]]


class StripeStandin:
    """The stand-in server plus the test-control helpers that play Stripe's customer and Dashboard.

    Use as ``with StripeStandin() as standin:`` (or ``start()``/``stop()``); ``standin.url`` is the API base.
    State lives in plain dicts (``sessions``, ``payment_intents``, ``charges``, ``refunds``, ``accounts``,
    ``transfers``) guarded by one lock; ``requests`` records every API call and ``events`` every event a
    helper built. Set ``webhook_url`` and ``webhook_secret`` to have the hosted pay page deliver the signed
    ``checkout.session.completed`` event to the app, as Stripe would, before redirecting the browser (and
    the hosted onboarding page ``account.updated``, before sending the seller back to ``return_url``).
    """

    def __init__(
        self,
        *,
        api_version: str = DEFAULT_API_VERSION,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
    ) -> None:
        self.api_version = api_version
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.lock = threading.RLock()
        self.sessions: dict[str, Json] = {}
        self.line_items: dict[str, list[Json]] = {}
        self.payment_intents: dict[str, Json] = {}
        self.charges: dict[str, Json] = {}
        self.refunds: dict[str, Json] = {}
        self.accounts: dict[str, Json] = {}
        self.transfers: dict[str, Json] = {}  # in creation order; lists show them newest first
        self.requests: list[tuple[str, str, Json, dict[str, str]]] = []
        self.events: list[Json] = []
        self.deliveries: list[tuple[str, int]] = []  # (event id, HTTP status or 0 when unreachable)
        # (api key, idempotency key) -> (fingerprint, method+path, status, body)
        self._idempotent: dict[tuple[str, str], tuple[str, str, int, Json]] = {}
        # account id -> the latest account link's type, refresh_url and return_url, for the hosted page
        self._account_links: dict[str, Json] = {}
        # destination account id (None: every destination) -> error code the next transfers fail with
        self._transfer_failures: dict[str | None, str] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[Route] = [
            ("POST", re.compile(r"/v1/checkout/sessions"), self._create_session),
            ("GET", re.compile(r"/v1/checkout/sessions/(?P<sid>[^/]+)"), self._get_session),
            ("GET", re.compile(r"/v1/checkout/sessions/(?P<sid>[^/]+)/line_items"), self._get_line_items),
            ("POST", re.compile(r"/v1/checkout/sessions/(?P<sid>[^/]+)/expire"), self._expire_session),
            ("POST", re.compile(r"/v1/refunds"), self._create_refund),
            ("GET", re.compile(r"/v1/refunds/(?P<rid>[^/]+)"), self._get_refund),
            ("GET", re.compile(r"/v1/payment_intents/(?P<pid>[^/]+)"), self._get_payment_intent),
            ("GET", re.compile(r"/v1/charges/(?P<cid>[^/]+)"), self._get_charge),
            ("POST", re.compile(r"/v1/accounts"), self._create_account),
            ("GET", re.compile(r"/v1/accounts/(?P<aid>[^/]+)"), self._get_account),
            ("POST", re.compile(r"/v1/account_links"), self._create_account_link),
            ("POST", re.compile(r"/v1/transfers"), self._create_transfer),
            ("GET", re.compile(r"/v1/transfers"), self._list_transfers),
            ("GET", re.compile(r"/v1/transfers/(?P<tid>[^/]+)"), self._get_transfer),
        ]

    # ----------------------------------------------------------------------------------------- lifecycle

    def start(self) -> StripeStandin:
        """Bind 127.0.0.1 on a port the OS picks (no race with other tests) and serve in a thread."""
        handler = type("_BoundHandler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        # A short poll interval: shutdown() waits for the loop's next poll, and tests stop a server each time.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="stripe-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket, so no ResourceWarning leaks into ``-W error`` runs."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> StripeStandin:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The API base, e.g. ``http://127.0.0.1:PORT`` — what ``base_addresses={"api": ...}`` wants."""
        if self._server is None:
            raise RuntimeError("StripeStandin is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ------------------------------------------------------------------------------- test-control helpers

    def event(
        self, type: str, obj: Json, *, previous_attributes: Json | None = None, account: str | None = None
    ) -> Json:
        """Build (and record in ``events``) a Stripe event wrapping a snapshot of ``obj``.

        ``account`` is set on events that happen on a connected account (Connect events carry its id).
        """
        data: Json = {"object": copy.deepcopy(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        evt = {
            "id": new_id("evt_"),
            "object": "event",
            "api_version": self.api_version,
            "created": int(time.time()),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type,
        }
        if account is not None:
            evt["account"] = account
        with self.lock:
            self.events.append(evt)
        return copy.deepcopy(evt)

    def complete(
        self,
        session_id: str,
        *,
        email: str | None = None,
        async_payment: bool = False,
        name: str = "Test Buyer",
        shipping_address: dict[str, str] | None = None,
        shipping_option: int = 0,
    ) -> Json:
        """The customer pays: the session completes and the ``checkout.session.completed`` event is returned.

        With ``async_payment`` the payment is a delayed method (SEPA, bank debit): the session completes
        with ``payment_status`` "unpaid" and the money arrives later via :meth:`settle_async`.
        """
        with self.lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise ValueError(f"session {session_id} is {session['status']}, not open")
            if session["shipping_options"]:
                self._select_shipping(session, shipping_option)
            buyer_email = email or session["customer_email"] or "buyer@example.com"
            address = None
            if session["shipping_address_collection"] is not None:
                countries = session["shipping_address_collection"]["allowed_countries"]
                address = {
                    "city": "Lyon",
                    "country": countries[0] if countries else "FR",
                    "line1": "1 Rue de la Paix",
                    "line2": None,
                    "postal_code": "69001",
                    "state": None,
                    **(shipping_address or {}),
                }
                session["collected_information"] = {
                    "business_name": None,
                    "individual_name": None,
                    "shipping_details": {"name": name, "address": address},
                }
            session["customer_details"] = {
                "address": address,
                "email": buyer_email,
                "name": name,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            }
            session["status"] = "complete"
            if session["mode"] == "payment":
                pi_id, charge_id, now = new_id("pi_"), new_id("ch_"), int(time.time())
                amount, currency = session["amount_total"], session["currency"]
                self.payment_intents[pi_id] = {
                    "id": pi_id,
                    "object": "payment_intent",
                    "amount": amount,
                    "amount_received": 0 if async_payment else amount,
                    "created": now,
                    "currency": currency,
                    "latest_charge": charge_id,
                    "livemode": False,
                    "metadata": dict(session["_payment_intent_metadata"]),
                    "receipt_email": buyer_email,
                    "status": "processing" if async_payment else "succeeded",
                }
                self.charges[charge_id] = {
                    "id": charge_id,
                    "object": "charge",
                    "amount": amount,
                    "amount_captured": amount,
                    "amount_refunded": 0,
                    "billing_details": {"email": buyer_email, "name": name},
                    "captured": True,
                    "created": now,
                    "currency": currency,
                    "disputed": False,
                    "livemode": False,
                    "metadata": dict(session["_payment_intent_metadata"]),
                    "paid": not async_payment,
                    "payment_intent": pi_id,
                    "refunded": False,
                    "refunds": _list_object(f"/v1/charges/{charge_id}/refunds", []),
                    "status": "pending" if async_payment else "succeeded",
                }
                session["payment_intent"] = pi_id
                session["payment_status"] = "unpaid" if async_payment else "paid"
            else:
                session["payment_status"] = "no_payment_required"
            return self.event("checkout.session.completed", self._public(session))

    def settle_async(self, session_id: str, *, succeeded: bool = True) -> Json:
        """A delayed payment resolves: ``checkout.session.async_payment_succeeded`` (or ``_failed``)."""
        with self.lock:
            session = self._session(session_id)
            intent = self.payment_intents[session["payment_intent"]]
            charge = self.charges[intent["latest_charge"]]
            if succeeded:
                session["payment_status"] = "paid"
                intent.update(status="succeeded", amount_received=intent["amount"])
                charge.update(status="succeeded", paid=True)
            else:
                intent["status"] = "requires_payment_method"
                charge["status"] = "failed"
            outcome = "succeeded" if succeeded else "failed"
            return self.event(f"checkout.session.async_payment_{outcome}", self._public(session))

    def expire(self, session_id: str) -> Json:
        """The session times out unpaid: ``checkout.session.expired``."""
        with self.lock:
            session = self._session(session_id)
            self._do_expire(session)
            return self.event("checkout.session.expired", self._public(session))

    def refund_event(self, payment_intent: str, amount: int | None = None) -> Json:
        """``charge.refunded`` for the payment's charge.

        With ``amount`` a refund of that much is made first, as from the Dashboard (not through the app);
        without it the event reports the refunds already made, e.g. through ``POST /v1/refunds``.
        """
        with self.lock:
            charge = self._charge_for(payment_intent, param="payment_intent")
            if amount is not None:
                self._refund(charge, amount, reason=None, metadata={})
            return self.event("charge.refunded", charge)

    def dispute_event(
        self, payment_intent: str, *, amount: int | None = None, reason: str = "fraudulent"
    ) -> Json:
        """The buyer's bank opens a chargeback: ``charge.dispute.created`` with a dispute object."""
        with self.lock:
            charge = self._charge_for(payment_intent, param="payment_intent")
            charge["disputed"] = True
            dispute = {
                "id": new_id("dp_"),
                "object": "dispute",
                "amount": charge["amount"] if amount is None else amount,
                "charge": charge["id"],
                "created": int(time.time()),
                "currency": charge["currency"],
                "is_charge_refundable": False,
                "livemode": False,
                "metadata": {},
                "payment_intent": payment_intent,
                "reason": reason,
                "status": "needs_response",
            }
            return self.event("charge.dispute.created", dispute)

    def onboard(self, account_id: str) -> Json:
        """The seller completes Connect onboarding: the account is enabled and ``account.updated`` returned.

        Details are submitted, charges and payouts enabled, every requested capability turns "active" and
        the requirements empty, exactly what the hosted onboarding page's "Agree and submit" does.
        """
        with self.lock:
            account = self.accounts.get(account_id)
            if account is None:
                raise ValueError(f"no such account {account_id}")
            if account["details_submitted"]:
                raise ValueError(f"account {account_id} is already onboarded")
            previous = {
                key: copy.deepcopy(account[key])
                for key in ("capabilities", "charges_enabled", "details_submitted", "payouts_enabled")
            }
            previous["requirements"] = {
                key: copy.deepcopy(account["requirements"][key])
                for key in ("currently_due", "disabled_reason", "eventually_due", "past_due")
            }
            account.update(details_submitted=True, charges_enabled=True, payouts_enabled=True)
            account["capabilities"] = dict.fromkeys(account["capabilities"], "active")
            account["requirements"] = _requirements(due=[])
            return self.event("account.updated", account, previous_attributes=previous, account=account_id)

    def fail_transfers(self, destination: str | None, code: str = "balance_insufficient") -> None:
        """Make every later transfer to ``destination`` (to any destination: None) fail with ``code``.

        The transfer is refused with a 400 ``invalid_request_error`` carrying that code; for
        "balance_insufficient" with Stripe's "insufficient available funds" message. Stripe saves such a
        failure against the idempotency key, so a retry with the same key gets the same error even after
        :meth:`clear_transfer_failures`.
        """
        with self.lock:
            self._transfer_failures[destination] = code

    def clear_transfer_failures(self) -> None:
        """Undo every :meth:`fail_transfers`: transfers succeed again (for new idempotency keys)."""
        with self.lock:
            self._transfer_failures.clear()

    def deliver(self, event: Json) -> int:
        """POST ``event`` to ``webhook_url``, signed with ``webhook_secret``; the status (0: unreachable)."""
        if not self.webhook_url or not self.webhook_secret:
            raise RuntimeError("set webhook_url and webhook_secret to deliver events")
        body, headers = signed_webhook(event, self.webhook_secret)
        request = urllib.request.Request(self.webhook_url, data=body, headers=headers, method="POST")  # noqa: S310 - test URL
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - test URL
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
        except OSError:
            status = 0
        with self.lock:
            self.deliveries.append((event["id"], status))
        return status

    def line_items_of(self, session_id: str) -> list[Json]:
        """The line items kept server-side for a session (what Stripe's line_items endpoint lists)."""
        with self.lock:
            self._session(session_id)
            return copy.deepcopy(self.line_items[session_id])

    # ------------------------------------------------------------------------------------------ HTTP layer

    def dispatch(
        self, method: str, raw_path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, Json, dict[str, str]]:
        """Authenticate, apply idempotency, route; returns (status, JSON body, extra response headers)."""
        parts = urlsplit(raw_path)
        path = parts.path.rstrip("/") or "/"
        try:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            if method == "POST":
                pairs += parse_qsl(body.decode(), keep_blank_values=True)
            params = parse_form(pairs)
        except (StripeError, UnicodeDecodeError) as exc:
            error = exc if isinstance(exc, StripeError) else StripeError(400, "Invalid request body.")
            with self.lock:
                self.requests.append((method, path, {}, dict(headers)))
            return error.status, error.body, {}
        with self.lock:
            self.requests.append((method, path, copy.deepcopy(params), dict(headers)))
        extra: dict[str, str] = {}
        try:
            api_key = self._authenticate(headers)
            handler, kwargs = self._route(method, path)
            idem_key = headers.get("idempotency-key") if method == "POST" else None
            with self.lock:  # one lock: a concurrent replay waits for the first request's result
                if not idem_key:
                    return 200, handler(params, **kwargs), extra
                extra["Idempotency-Key"] = idem_key
                fingerprint = json.dumps(sorted(pairs))
                saved = self._idempotent.get((api_key, idem_key))
                if saved is not None:
                    return self._replay(saved, idem_key, f"{method} {path}", fingerprint, extra)
                try:
                    result = handler(params, **kwargs)
                except StripeError as exc:
                    if exc.saved:  # the endpoint had begun executing: Stripe replays this error too
                        self._idempotent[(api_key, idem_key)] = (
                            fingerprint,
                            f"{method} {path}",
                            exc.status,
                            exc.body,
                        )
                    raise
                self._idempotent[(api_key, idem_key)] = (fingerprint, f"{method} {path}", 200, result)
                return 200, result, extra
        except StripeError as exc:
            return exc.status, exc.body, extra

    @staticmethod
    def _replay(
        saved: tuple[str, str, int, Json], key: str, endpoint: str, fingerprint: str, extra: dict[str, str]
    ) -> tuple[int, Json, dict[str, str]]:
        saved_fingerprint, saved_endpoint, status, result = saved
        if saved_endpoint != endpoint:
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used for the same endpoint they were first used "
                f"for ('{saved_endpoint}' vs '{endpoint}'). Try using a key other than '{key}' if you meant "
                "to execute a different request.",
                type="idempotency_error",
            )
        if saved_fingerprint != fingerprint:
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they were first used "
                f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                type="idempotency_error",
            )
        extra["Idempotent-Replayed"] = "true"
        return status, copy.deepcopy(result), extra

    def _authenticate(self, headers: dict[str, str]) -> str:
        auth = headers.get("authorization", "")
        key = ""
        if auth.startswith("Bearer "):
            key = auth.removeprefix("Bearer ").strip()
        elif auth.startswith("Basic "):  # Stripe also takes the key as the basic-auth user name
            try:
                key = base64.b64decode(auth.removeprefix("Basic ")).decode().split(":", 1)[0]
            except ValueError:
                key = ""
        if not key:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization "
                "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if not key.startswith("sk_test_") or len(key) <= len("sk_test_"):
            masked = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else "*" * len(key)
            raise StripeError(401, f"Invalid API Key provided: {masked}", code="api_key_invalid")
        return key

    def _route(self, method: str, path: str) -> tuple[Callable[..., Json], dict[str, str]]:
        known_path = False
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match:
                known_path = True
                if route_method == method:
                    return handler, match.groupdict()
        message = f"Unrecognized request URL ({method}: {path})."
        if known_path:
            message = f"Unrecognized request URL ({method}: {path}); this endpoint takes another method."
        raise StripeError(404, message)

    # ------------------------------------------------------------------------------------- API endpoints

    def _create_session(self, params: Json) -> Json:
        mode = _required(params, "mode")
        if mode not in ("payment", "setup", "subscription"):
            raise StripeError(
                400, "Invalid mode: must be one of payment, setup, or subscription", param="mode"
            )
        items, subtotal, currency = self._parse_line_items(params, mode)
        session_id = new_id("cs_test_")
        shipping_options = self._parse_shipping_options(params, currency)
        collection = params.get("shipping_address_collection")
        if collection is not None:
            countries = collection.get("allowed_countries") if isinstance(collection, dict) else None
            if not isinstance(countries, list) or not countries:
                raise StripeError(
                    400,
                    "Missing required param: shipping_address_collection[allowed_countries].",
                    code="parameter_missing",
                    param="shipping_address_collection[allowed_countries]",
                )
            collection = {"allowed_countries": [str(country).upper() for country in countries]}
        intent_data = params.get("payment_intent_data") or {}
        now = int(time.time())
        expires_at = _int(params, "expires_at", minimum=now + 1800) if "expires_at" in params else None
        session: Json = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": subtotal,
            "amount_total": subtotal,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "collected_information": None,
            "created": now,
            "currency": currency,
            "customer": params.get("customer"),
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at or now + SESSION_LIFETIME,
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": _metadata(params),
            "mode": mode,
            "payment_intent": None,
            "payment_method_types": params.get("payment_method_types") or ["card"],
            "payment_status": "unpaid",
            "shipping_address_collection": collection,
            "shipping_cost": None,
            "shipping_options": [],
            "status": "open",
            "success_url": params.get("success_url"),
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.url}/pay/{session_id}",
            "_payment_intent_metadata": _metadata(intent_data, "payment_intent_data[metadata]"),
            "_shipping_rates": shipping_options,
        }
        session["shipping_options"] = [
            {"shipping_amount": option["amount"], "shipping_rate": option["id"]}
            for option in shipping_options
        ]
        if shipping_options:
            self._select_shipping(session, 0)
        self.sessions[session_id] = session
        self.line_items[session_id] = items
        return self._public(session, expand=self._expand(params))

    def _parse_line_items(self, params: Json, mode: str) -> tuple[list[Json], int, str | None]:
        raw_items = params.get("line_items")
        if not raw_items:
            if mode == "setup":
                return [], 0, params.get("currency")
            raise StripeError(
                400, "Missing required param: line_items.", code="parameter_missing", param="line_items"
            )
        if not isinstance(raw_items, list):
            raise StripeError(400, "Invalid array", param="line_items")
        items: list[Json] = []
        currency: str | None = None
        for index, raw in enumerate(raw_items):
            label = f"line_items[{index}]"
            if not isinstance(raw, dict):
                raise StripeError(400, "Invalid hash", param=label)
            quantity = _int(raw, "quantity", label=f"{label}[quantity]", minimum=1)
            price_data = raw.get("price_data")
            if not isinstance(price_data, dict):
                raise StripeError(
                    400,
                    f"Missing required param: {label}[price_data] (this stand-in has no stored prices).",
                    code="parameter_missing",
                    param=f"{label}[price_data]",
                )
            unit_amount = _int(price_data, "unit_amount", label=f"{label}[price_data][unit_amount]")
            item_currency = str(
                _required(price_data, "currency", label=f"{label}[price_data][currency]")
            ).lower()
            product_data = price_data.get("product_data")
            if not isinstance(product_data, dict) and not price_data.get("product"):
                raise StripeError(
                    400,
                    f"Missing required param: {label}[price_data][product_data].",
                    code="parameter_missing",
                    param=f"{label}[price_data][product_data]",
                )
            description = (
                product_data.get("name") if isinstance(product_data, dict) else price_data["product"]
            )
            if not description:
                raise StripeError(
                    400,
                    f"Missing required param: {label}[price_data][product_data][name].",
                    code="parameter_missing",
                    param=f"{label}[price_data][product_data][name]",
                )
            if currency is None:
                currency = item_currency
            elif item_currency != currency:
                raise StripeError(
                    400, "All line items must use the same currency.", param=f"{label}[price_data][currency]"
                )
            amount = unit_amount * quantity
            items.append(
                {
                    "id": new_id("li_"),
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": amount,
                    "amount_tax": 0,
                    "amount_total": amount,
                    "currency": item_currency,
                    "description": description,
                    "price": {
                        "id": new_id("price_"),
                        "object": "price",
                        "currency": item_currency,
                        "product": price_data.get("product") or new_id("prod_"),
                        "type": "one_time",
                        "unit_amount": unit_amount,
                        "metadata": product_data.get("metadata", {})
                        if isinstance(product_data, dict)
                        else {},
                    },
                    "quantity": quantity,
                }
            )
        return items, sum(item["amount_total"] for item in items), currency

    def _parse_shipping_options(self, params: Json, currency: str | None) -> list[Json]:
        raw_options = params.get("shipping_options") or []
        if not isinstance(raw_options, list):
            raise StripeError(400, "Invalid array", param="shipping_options")
        options: list[Json] = []
        for index, raw in enumerate(raw_options):
            label = f"shipping_options[{index}]"
            data = raw.get("shipping_rate_data") if isinstance(raw, dict) else None
            if not isinstance(data, dict):
                raise StripeError(
                    400,
                    f"Missing required param: {label}[shipping_rate_data] (no stored rates here).",
                    code="parameter_missing",
                    param=f"{label}[shipping_rate_data]",
                )
            display_name = _required(data, "display_name", label=f"{label}[shipping_rate_data][display_name]")
            fixed = data.get("fixed_amount")
            if not isinstance(fixed, dict):
                raise StripeError(
                    400,
                    f"Missing required param: {label}[shipping_rate_data][fixed_amount].",
                    code="parameter_missing",
                    param=f"{label}[shipping_rate_data][fixed_amount]",
                )
            amount = _int(fixed, "amount", label=f"{label}[shipping_rate_data][fixed_amount][amount]")
            rate_currency = str(
                _required(fixed, "currency", label=f"{label}[shipping_rate_data][fixed_amount][currency]")
            ).lower()
            if currency is not None and rate_currency != currency:
                raise StripeError(
                    400,
                    "The shipping rate's currency must match the line items' currency.",
                    param=f"{label}[shipping_rate_data][fixed_amount][currency]",
                )
            options.append(
                {
                    "id": new_id("shr_"),
                    "amount": amount,
                    "currency": rate_currency,
                    "display_name": display_name,
                }
            )
        return options

    def _get_session(self, params: Json, sid: str) -> Json:
        return self._public(self._session(sid), expand=self._expand(params))

    def _get_line_items(self, params: Json, sid: str) -> Json:
        self._session(sid)
        return _list_object(f"/v1/checkout/sessions/{sid}/line_items", copy.deepcopy(self.line_items[sid]))

    def _expire_session(self, params: Json, sid: str) -> Json:
        session = self._session(sid)
        self._do_expire(session)
        return self._public(session, expand=self._expand(params))

    def _create_refund(self, params: Json) -> Json:
        if params.get("payment_intent"):
            charge = self._charge_for(params["payment_intent"], param="payment_intent", status=400)
        elif params.get("charge"):
            charge = self.charges.get(params["charge"])
            if charge is None:
                raise _missing("charge", params["charge"], status=400, param="charge")
        else:
            raise StripeError(
                400,
                "One of the following params should be provided for this request: payment_intent or charge.",
                code="parameter_missing",
            )
        amount = _int(params, "amount", minimum=1) if "amount" in params else None
        reason = params.get("reason")
        if reason is not None and reason not in _REFUND_REASONS:
            raise StripeError(
                400, f"Invalid reason: must be one of {', '.join(sorted(_REFUND_REASONS))}", param="reason"
            )
        return copy.deepcopy(self._refund(charge, amount, reason=reason, metadata=_metadata(params)))

    def _get_refund(self, params: Json, rid: str) -> Json:
        refund = self.refunds.get(rid)
        if refund is None:
            raise _missing("refund", rid, param="refund")
        return copy.deepcopy(refund)

    def _get_payment_intent(self, params: Json, pid: str) -> Json:
        intent = self.payment_intents.get(pid)
        if intent is None:
            raise _missing("payment_intent", pid, param="intent")
        return copy.deepcopy(intent)

    def _get_charge(self, params: Json, cid: str) -> Json:
        charge = self.charges.get(cid)
        if charge is None:
            raise _missing("charge", cid, param="charge")
        return copy.deepcopy(charge)

    def _create_account(self, params: Json) -> Json:
        account_type = params.get("type") or "express"
        if account_type not in _ACCOUNT_TYPES:
            raise StripeError(
                400, f"Invalid type: must be one of {', '.join(sorted(_ACCOUNT_TYPES))}", param="type"
            )
        raw_capabilities = params.get("capabilities") or {}
        if not isinstance(raw_capabilities, dict):
            raise StripeError(400, "Invalid hash", param="capabilities")
        capabilities: dict[str, str] = {}
        for name, setting in raw_capabilities.items():
            if not isinstance(setting, dict) or "requested" not in setting:
                raise StripeError(
                    400,
                    f"Missing required param: capabilities[{name}][requested].",
                    code="parameter_missing",
                    param=f"capabilities[{name}][requested]",
                )
            if setting["requested"] == "true":
                capabilities[name] = "inactive"
        account_id = new_id("acct_", 16)
        account: Json = {
            "id": account_id,
            "object": "account",
            "business_type": params.get("business_type"),
            "capabilities": capabilities,
            "charges_enabled": False,
            "country": str(params.get("country") or "FR").upper(),
            "created": int(time.time()),
            "default_currency": str(params.get("default_currency") or "eur").lower(),
            "details_submitted": False,
            "email": params.get("email"),
            "external_accounts": _list_object(f"/v1/accounts/{account_id}/external_accounts", []),
            "metadata": _metadata(params),
            "payouts_enabled": False,
            "requirements": _requirements(due=_ONBOARDING_REQUIREMENTS),
            "type": account_type,
        }
        self.accounts[account_id] = account
        return copy.deepcopy(account)

    def _get_account(self, params: Json, aid: str) -> Json:
        account = self.accounts.get(aid)
        if account is None:
            # Stripe does not say "no such account" for an account id: it refuses access (403).
            raise StripeError(
                403,
                f"The provided key 'sk_test_********' does not have access to account '{aid}' (or that "
                "account does not exist). Application access may have been revoked.",
                code="account_invalid",
            )
        return copy.deepcopy(account)

    def _create_account_link(self, params: Json) -> Json:
        account_id = str(_required(params, "account"))
        link_type = _required(params, "type")
        if link_type not in _ACCOUNT_LINK_TYPES:
            raise StripeError(
                400,
                f"Invalid type: must be one of {', '.join(sorted(_ACCOUNT_LINK_TYPES))}",
                param="type",
            )
        account = self.accounts.get(account_id)
        if account is None:
            raise _missing("account", account_id, status=400, param="account")
        if link_type == "account_update" and account["type"] != "custom":
            raise StripeError(
                400,
                "You cannot create `account_update` type Account Links for accounts that have access to a "
                "Stripe-hosted Dashboard; use `account_onboarding` instead.",
                param="type",
            )
        now = int(time.time())
        self._account_links[account_id] = {
            "type": link_type,
            "refresh_url": params.get("refresh_url"),
            "return_url": params.get("return_url"),
            "expires_at": now + ACCOUNT_LINK_LIFETIME,
        }
        return {
            "object": "account_link",
            "created": now,
            "expires_at": now + ACCOUNT_LINK_LIFETIME,
            "url": f"{self.url}/connect/{account_id}",
        }

    def _create_transfer(self, params: Json) -> Json:
        amount = _int(params, "amount", minimum=1)
        currency = str(_required(params, "currency")).lower()
        destination = str(_required(params, "destination"))
        metadata = _metadata(params)
        account = self.accounts.get(destination)
        if account is None:
            raise _missing("destination", destination, status=400, param="destination")
        if not account["payouts_enabled"]:
            raise StripeError(
                400,
                "Your destination account needs to have at least one of the following capabilities enabled: "
                "transfers, crypto_transfers, legacy_payments",
                code="account_invalid",
                param="destination",
                saved=True,
            )
        failure = self._transfer_failures.get(destination, self._transfer_failures.get(None))
        if failure is not None:
            message = _TRANSFER_FAILURES.get(failure, f"The transfer could not be made ({failure}).")
            raise StripeError(400, message, code=failure, saved=True)
        transfer_id = new_id("tr_")
        transfer: Json = {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "balance_transaction": new_id("txn_"),
            "created": int(time.time()),
            "currency": currency,
            "description": params.get("description"),
            "destination": destination,
            "destination_payment": new_id("py_"),
            "livemode": False,
            "metadata": metadata,
            "reversals": _list_object(f"/v1/transfers/{transfer_id}/reversals", []),
            "reversed": False,
            "source_transaction": None,
            "source_type": "card",
            "transfer_group": params.get("transfer_group"),
        }
        self.transfers[transfer_id] = transfer
        return copy.deepcopy(transfer)

    def _get_transfer(self, params: Json, tid: str) -> Json:
        transfer = self.transfers.get(tid)
        if transfer is None:
            raise _missing("transfer", tid, param="transfer")
        return copy.deepcopy(transfer)

    def _list_transfers(self, params: Json) -> Json:
        filters = {name: params[name] for name in ("destination", "transfer_group") if name in params}
        return _page(
            "/v1/transfers",
            list(reversed(self.transfers.values())),
            params,
            resource="transfer",
            keep=lambda transfer: all(transfer[name] == value for name, value in filters.items()),
        )

    # ---------------------------------------------------------------------------------------------- state

    def _session(self, session_id: str) -> Json:
        session = self.sessions.get(session_id)
        if session is None:
            raise _missing("checkout.session", session_id, param="session")
        return session

    def _charge_for(self, payment_intent: str, *, param: str, status: int = 404) -> Json:
        intent = self.payment_intents.get(payment_intent)
        if intent is None:
            raise _missing("payment_intent", payment_intent, status=status, param=param)
        return self.charges[intent["latest_charge"]]

    def _refund(
        self, charge: Json, amount: int | None, *, reason: str | None, metadata: dict[str, str]
    ) -> Json:
        if charge["status"] != "succeeded":
            raise StripeError(
                400,
                f"This PaymentIntent ({charge['payment_intent']}) does not have a successful charge "
                "to refund.",
                code="charge_not_refundable",
                param="payment_intent",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeError(
                400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
            )
        amount = remaining if amount is None else amount
        if amount > remaining:
            raise StripeError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                code="amount_too_large",
                param="amount",
            )
        refund = {
            "id": new_id("re_"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": new_id("txn_"),
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "metadata": metadata,
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, refund)
        charge["refunds"]["total_count"] = len(charge["refunds"]["data"])
        return refund

    def _do_expire(self, session: Json) -> None:
        if session["status"] != "open":
            raise StripeError(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired. This session has status '
                f"'{session['status']}'.",
            )
        session["status"] = "expired"

    @staticmethod
    def _select_shipping(session: Json, index: int) -> None:
        rate = session["_shipping_rates"][index]
        session["shipping_cost"] = {
            "amount_subtotal": rate["amount"],
            "amount_tax": 0,
            "amount_total": rate["amount"],
            "shipping_rate": rate["id"],
        }
        session["total_details"]["amount_shipping"] = rate["amount"]
        session["amount_total"] = session["amount_subtotal"] + rate["amount"]

    @staticmethod
    def _expand(params: Json) -> list[str]:
        expand = params.get("expand") or []
        return expand if isinstance(expand, list) else [expand]

    def _public(self, session: Json, *, expand: list[str] | None = None) -> Json:
        """The session as the API shows it: private bookkeeping dropped, line_items only when expanded."""
        public = {key: copy.deepcopy(value) for key, value in session.items() if not key.startswith("_")}
        if "line_items" in (expand or []):
            public["line_items"] = _list_object(
                f"/v1/checkout/sessions/{session['id']}/line_items",
                copy.deepcopy(self.line_items[session["id"]]),
            )
        if "payment_intent" in (expand or []) and session["payment_intent"]:
            public["payment_intent"] = copy.deepcopy(self.payment_intents[session["payment_intent"]])
        return public

    # ------------------------------------------------------------------------------- hosted payment page

    def pay_page(self, session_id: str) -> tuple[int, str]:
        """A bare hosted checkout page, so browser tests can click "Pay" or go back as a buyer would."""
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                return 404, "<!doctype html><title>Not found</title><h1>No such checkout session</h1>"
            if session["status"] != "open":
                return (
                    410,
                    f"<!doctype html><title>Checkout</title><h1>This session is {session['status']}</h1>",
                )
            rows = "".join(
                f"<li>{html.escape(str(item['description']))} × {item['quantity']}: "
                f"{item['amount_total'] / 100:.2f} {item['currency'].upper()}</li>"
                for item in self.line_items[session_id]
            )
            total = f"{session['amount_total'] / 100:.2f} {str(session['currency']).upper()}"
            cancel = html.escape(session["cancel_url"] or "/")
        return 200, (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Stripe stand-in checkout</title>"
            f"<h1>Pay {total}</h1><ul>{rows}</ul>"
            f'<form method=post action="/pay/{html.escape(session_id)}">'
            "<label>Email <input type=email name=email></label> <button type=submit>Pay</button></form>"
            f'<p><a href="{cancel}">Back</a></p></html>'
        )

    def pay(self, session_id: str, form: dict[str, str]) -> tuple[int, str]:
        """The buyer submits the hosted page: complete, deliver the webhook if configured, then redirect."""
        try:
            event = self.complete(session_id, email=form.get("email") or None)
        except (ValueError, StripeError):
            return self.pay_page(session_id)
        if self.webhook_url and self.webhook_secret:
            self.deliver(event)
        success = self.sessions[session_id]["success_url"] or "/"
        return 303, success.replace("{CHECKOUT_SESSION_ID}", session_id)

    # ---------------------------------------------------------------------------- hosted onboarding page

    def expire_account_link(self, account_id: str) -> None:
        """The account's latest link times out: visiting it now sends the seller to its ``refresh_url``."""
        with self.lock:
            link = self._account_links.get(account_id)
            if link is None:
                raise ValueError(f"no account link for {account_id}")
            link["expires_at"] = int(time.time()) - 1

    def connect_page(self, account_id: str) -> tuple[int, str]:
        """A bare hosted onboarding page for the account's latest link: agree and submit, or go back.

        Like Stripe's, the link is single-use and short-lived: once submitted or expired it redirects to
        ``refresh_url`` (303, the target in place of the page), where the app should mint a new link.
        """
        with self.lock:
            account = self.accounts.get(account_id)
            link = self._account_links.get(account_id)
            if account is None or link is None:
                return 404, "<!doctype html><title>Not found</title><h1>No such account link</h1>"
            if link.get("used") or link["expires_at"] < int(time.time()):
                if link["refresh_url"]:
                    return 303, link["refresh_url"]
                return 410, "<!doctype html><title>Onboarding</title><h1>This link has expired</h1>"
            refresh = html.escape(link["refresh_url"] or "/")
            who = html.escape(account["email"] or account_id)
        return 200, (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Stripe stand-in onboarding</title>"
            f"<h1>Stripe stand-in onboarding</h1><p>Payouts for {who}</p>"
            f'<form method=post action="/connect/{html.escape(account_id)}">'
            "<button type=submit>Agree and submit</button></form>"
            f'<p><a href="{refresh}">Back</a></p></html>'
        )

    def connect(self, account_id: str) -> tuple[int, str]:
        """The seller submits the onboarding page: onboard, deliver ``account.updated``, go to return_url."""
        status, page = self.connect_page(account_id)
        if status != 200:
            return status, page
        with self.lock:
            link = self._account_links[account_id]
            link["used"] = True
            target = link["return_url"] or "/"
        try:
            event: Json | None = self.onboard(account_id)
        except ValueError:  # already onboarded (an account_update link): nothing changes, no event
            event = None
        if event is not None and self.webhook_url and self.webhook_secret:
            self.deliver(event)
        return 303, target


class _Handler(BaseHTTPRequestHandler):
    """Maps HTTP onto :meth:`StripeStandin.dispatch`; HTTP/1.0, so every connection closes after a reply."""

    standin: StripeStandin
    server_version = "stripe-standin/1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if path.startswith("/pay/"):
            self._pay(method, path.removeprefix("/pay/"), body)
            return
        if path.startswith("/connect/"):
            account_id = path.removeprefix("/connect/")
            if method == "POST":
                status, content = self.standin.connect(account_id)
            else:
                status, content = self.standin.connect_page(account_id)
            if status == 303:
                self._send_redirect(content)
            else:
                self._send_html(status, content)
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, payload, extra = self.standin.dispatch(method, self.path, body, headers)
        data = json.dumps(payload, indent=2).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", new_id("req_"))
        self.send_header("Stripe-Version", headers.get("stripe-version", self.standin.api_version))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _pay(self, method: str, session_id: str, body: bytes) -> None:
        if method == "POST":
            form = dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
            status, target = self.standin.pay(session_id, form)
            if status == 303:
                self._send_redirect(target)
                return
        self._send_html(*self.standin.pay_page(session_id))

    def _send_redirect(self, target: str) -> None:
        self.send_response(303)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_html(self, status: int, page: str) -> None:
        data = page.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest output is for failures, not an access log."""
