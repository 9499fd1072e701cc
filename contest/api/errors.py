"""One JSON error shape for every API failure, with stable codes clients can branch on."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app, jsonify
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from contest.core import errors as domain
from contest.core.views import ERROR_TEXT
from contest.extensions import db
from contest.voting import services as voting


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Stable snake_case error code"})
    message = ma.fields.String(required=True, metadata={"description": "Human-readable, translated"})
    fields = ma.fields.Dict(
        keys=ma.fields.String(), metadata={"description": "Validation messages per field (422 only)"}
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetailSchema, required=True)


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}

# Most specific first: the first matching class decides the status and code.
DOMAIN_CODES: tuple[tuple[type[domain.DomainError], int, str], ...] = (
    (voting.SelfScoring, 403, "self_scoring"),
    (voting.NotEligible, 403, "not_eligible"),
    (voting.VotingClosed, 409, "voting_closed"),
    (voting.InvalidScore, 422, "invalid_score"),
    (domain.NotFound, 404, "not_found"),
    (domain.PermissionDenied, 403, "forbidden"),
    (domain.Conflict, 409, "conflict"),
    (domain.DomainError, 400, "bad_request"),
)


def error_response(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        body["fields"] = fields
    response = jsonify(error=body)
    response.status_code = status
    return response


# Messages reuse catalogue entries the site already translates; the stable "code" is what clients branch on.
def not_signed_in() -> str:
    return _("Please log in to see this page.")


def csrf_message() -> str:
    return _("This form has expired or did not come from this site. Please reload the page and try again.")


def http_message(status: int) -> str:
    _title, text = ERROR_TEXT.get(status, ERROR_TEXT[500] if status >= 500 else ERROR_TEXT[400])
    return _(text)


def handle_http(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    if status == 422:
        messages = data.get("messages") or data.get("errors") or {}
        # webargs nests messages by location ({"json": {...}}); flatten one level for clients.
        fields = {}
        for location_messages in messages.values():
            if isinstance(location_messages, dict):
                fields.update(location_messages)
        return error_response(422, "validation_error", http_message(400), fields or None)
    if status == 401:
        return error_response(401, "unauthorized", not_signed_in())
    message = data.get("message") or http_message(status)
    return error_response(status, HTTP_CODES.get(status, "error"), message)


def handle_domain(error: domain.DomainError) -> Response:
    db.session.rollback()
    for cls, status, code in DOMAIN_CODES:
        if isinstance(error, cls):
            return error_response(status, code, error.message or http_message(status))
    return error_response(400, "bad_request", error.message)  # pragma: no cover - DomainError is last


def handle_csrf(_error: CSRFError) -> Response:
    return csrf_failed()


def csrf_failed() -> Response:
    return error_response(400, "csrf_failed", csrf_message())


def handle_unexpected(error: Exception) -> Response:
    current_app.logger.exception("Unhandled API error")
    db.session.rollback()
    return error_response(500, "internal_error", http_message(500))
