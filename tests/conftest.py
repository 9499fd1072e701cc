"""Test harness: a real database (SQLite file, or PostgreSQL via ATELIER_TEST_DATABASE_URL), a real SMTP
server on loopback, CSRF left on, and a clean slate before every test."""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder

from config import TestConfig
from contest import create_app
from contest.extensions import db, limiter
from tests.smtp import SMTPServer

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def pytest_configure(config: pytest.Config) -> None:
    """Compile the translation catalogues so tests never read a stale .mo file."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in Path(__file__).resolve().parents[1].glob("contest/translations/*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        tmp = po_path.with_suffix(f".mo.{os.getpid()}")
        with tmp.open("wb") as handle:
            write_mo(handle, catalog)
        os.replace(tmp, po_path.with_suffix(".mo"))


def database_url(tmp_dir: Path) -> str:
    return os.environ.get("ATELIER_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


def reset_schema(app: Flask) -> None:
    """Drop whatever a previous run left, then build the schema through the real migrations."""
    from flask_migrate import upgrade

    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production, even while a test holds an app context.

    Otherwise Flask reuses the test's app context, and with it ``g`` (the logged-in user) and the session.
    """

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - FlaskClient.open's signature
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("atelier")
    application = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url(tmp),
        UPLOAD_ROOT=str(tmp / "uploads"),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
    )
    application.test_client_class = IsolatedClient
    reset_schema(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def truncate_all(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = [table.name for table in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                # Checked at commit, when every table is empty (and reset by SQLite after it).
                conn.execute(sa.text("PRAGMA defer_foreign_keys=ON"))
                for name in tables:
                    conn.execute(sa.text(f"DELETE FROM {name}"))  # noqa: S608 - our own table names


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from empty tables, an empty mailbox and fresh rate limits."""
    yield
    if "app" in request.fixturenames:
        application: Flask = request.getfixturevalue("app")
        truncate_all(application)
        with application.app_context():
            limiter.reset()
    if "smtp_server" in request.fixturenames:
        request.getfixturevalue("smtp_server").clear()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An application context for calling services directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def mailbox(smtp_server: SMTPServer) -> SMTPServer:
    smtp_server.clear()
    return smtp_server


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def submit(client: FlaskClient, url: str, data: dict, *, page: str | None = None, **kwargs: object):
    """Post a form the way a browser does: load the page, take its CSRF token, send the form."""
    html = client.get(page or url).get_data(as_text=True)
    payload = {"csrf_token": csrf_token(html), **data}
    if kwargs.get("content_type") != "multipart/form-data":
        return client.post(url, data=payload, **kwargs)
    # Build the multipart body ourselves so its spooled temp file is closed afterwards.
    builder = EnvironBuilder(path=url, method="POST", data=payload)
    environ = builder.get_environ()
    try:
        return client.open(environ, follow_redirects=bool(kwargs.get("follow_redirects")))
    finally:
        environ["wsgi.input"].close()
        builder.close()


def login(client: FlaskClient, login_name: str, password: str) -> None:
    response = submit(client, "/login", {"login": login_name, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
