from __future__ import annotations

import pytest
from flask import abort

import config
from config import ProductionConfig, TestConfig
from contest import create_app
from contest.core.security import safe_next


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script(client):
    html = client.get("/register").get_data(as_text=True)
    assert "<script>" not in html
    assert "onclick=" not in html
    assert 'style="' not in html


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/settings", "/settings"),
        ("/u/ana?tab=2", "/u/ana?tab=2"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("\\/evil.example", "/"),
        ("https://evil.example", "/"),
        ("http:evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nLocation: //evil", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", config.DEFAULT_SECRET_KEY)
    with pytest.raises(RuntimeError, match="ATELIER_SECRET_KEY"):
        create_app(ProductionConfig)
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="ATELIER_SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_cookies_are_secure_and_https_is_enforced(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 48)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://")
    secure = app.test_client().get("/login", base_url="https://localhost")
    assert "Strict-Transport-Security" in secure.headers


def test_config_is_read_from_atelier_environment_variables(monkeypatch):
    import importlib

    monkeypatch.setenv("ATELIER_STORAGE", "s3")
    monkeypatch.setenv("ATELIER_S3_BUCKET", "prints")
    monkeypatch.setenv("ATELIER_REDIS_URL", "redis://127.0.0.1:1/0")
    reloaded = importlib.reload(config)
    try:
        assert reloaded.Config.STORAGE == "s3"
        assert reloaded.Config.S3_BUCKET == "prints"
        assert reloaded.Config.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:1/0"
    finally:
        monkeypatch.undo()
        importlib.reload(config)


@pytest.fixture(scope="module")
def error_app():
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", PROPAGATE_EXCEPTIONS=False)

    @app.get("/forbidden")
    def forbidden():
        abort(403)

    @app.get("/crash")
    def crash():
        raise RuntimeError("unexpected")

    return app


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/forbidden", 403, "You do not have permission"),
        ("/crash", 500, "Something went wrong"),
        ("/no-such-page", 404, "We could not find that page"),
    ],
)
def test_friendly_error_pages(error_app, path, status, text):
    response = error_app.test_client().get(path)
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert text in body
    assert "Back to the home page" in body
    assert "Traceback" not in body


def test_bad_request_page(client):
    response = client.post("/login", data={"login": "ana", "password": "whatever"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)


def test_behind_a_proxy_rate_limits_key_on_the_forwarded_client():
    from flask import request

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", PROXY_COUNT=1)

    @app.get("/whoami")
    def whoami():
        return request.remote_addr or ""

    client = app.test_client()
    response = client.get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.get_data(as_text=True) == "203.0.113.9"
    direct = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")

    @direct.get("/whoami")
    def whoami_direct():
        return request.remote_addr or ""

    spoofed = direct.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert spoofed.get_data(as_text=True) == "127.0.0.1"
