"""A real S3-compatible HTTP server (moto in server mode) on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from moto.server import ThreadedMotoServer


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_config(app, s3_endpoint: str) -> Iterator[dict]:
    """Point the app at the S3 server for one test, with an empty bucket."""
    requests.post(f"{s3_endpoint}/moto-api/reset", timeout=5)
    saved = {
        k: app.config.get(k)
        for k in ("STORAGE", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
    }
    app.config.update(
        STORAGE="s3",
        S3_ENDPOINT_URL=s3_endpoint,
        S3_BUCKET="atelier-test",
        S3_ACCESS_KEY_ID="test",
        S3_SECRET_ACCESS_KEY="test",
    )
    app.extensions.pop("atelier_storage", None)
    with app.app_context():
        from contest.storage import get_storage

        get_storage("s3").ensure_bucket()
    yield app.config
    app.config.update(saved)
    app.extensions.pop("atelier_storage", None)
