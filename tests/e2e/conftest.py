"""Browser tests: the app served on 127.0.0.1 by a real WSGI server, driven in Debian's Chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("ATELIER_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(
    os.environ.get("ATELIER_TEST_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts"
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def _server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_server(app, _server: str) -> Iterator[str]:
    """The server's base URL; email links point at it for the duration of the test."""
    saved = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = _server
    yield _server
    app.config["PUBLIC_URL"] = saved


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _fast_failures(request: pytest.FixtureRequest) -> None:
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        page.set_default_timeout(8000)
        page.set_default_navigation_timeout(15000)


def menu(page, item: str) -> None:
    """Open the account menu in the header and choose ``item``."""
    page.locator(".user-menu summary").click()
    page.locator(".user-menu").get_by_role("button" if item == "Log out" else "link", name=item).click()
