"""The versioned JSON API (/api/v1) and its generated OpenAPI document (/api/openapi.json)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from contest.api.errors import ErrorSchema
from contest.api.schemas import SCORE_IN_CONSTRAINTS

API_CONFIG = {
    "API_TITLE": "Atelier API",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
}


class AtelierApi(Api):
    """flask-smorest's Api, but its JSON error handlers stay on the API blueprint, not the whole site."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """The site keeps its HTML error pages; contest.api.views registers JSON handlers on its blueprint."""


def init_app(app: Flask) -> None:
    """One Api per app (kept in app.extensions), so test apps never share documentation state."""
    from contest.api.views import bp, unknown_api_path
    from contest.extensions import csrf

    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = AtelierApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A personal API token (atl_...)"}
    )
    api.spec.components.security_scheme(
        "cookieAuth",
        {
            "type": "apiKey",
            "in": "cookie",
            "name": app.config.get("SESSION_COOKIE_NAME", "session"),
            "description": "The site's session; unsafe methods then need the X-CSRFToken header",
        },
    )
    api.register_blueprint(bp)
    api.spec.components.schemas["ScoreIn"].update(SCORE_IN_CONSTRAINTS)
    # CSRF is enforced by the blueprint itself: cookie sessions must send X-CSRFToken, tokens need none.
    csrf.exempt(bp)
    app.add_url_rule(
        "/api/<path:rest>",
        endpoint="api_not_found",
        view_func=csrf.exempt(unknown_api_path),
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    )
    app.extensions["atelier_api"] = api
