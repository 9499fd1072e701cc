"""The same behaviour from both backends: local files and S3 over real HTTP."""

from __future__ import annotations

import time

import pytest
import requests

from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.storage import StorageError, get_storage
from contest.storage.models import StoredFile
from contest.storage.services import discard, public_url, signed_url, store_bytes


@pytest.fixture(params=["local", "s3"])
def backend(request, app):
    if request.param == "s3":
        request.getfixturevalue("s3_config")
    return request.param


def put(data: bytes, content_type: str, purpose: str, visibility: str, **kwargs) -> StoredFile:
    return store_bytes(
        data,
        content_type=content_type,
        purpose=purpose,
        visibility=visibility,
        owner_id=None,
        now=utcnow(),
        **kwargs,
    )


def fetch(client, url: str) -> tuple[int, bytes]:
    """Follow a storage URL the way a browser would: our own routes, or the S3 server over HTTP."""
    if url.startswith("http"):
        response = requests.get(url, timeout=5)
        return response.status_code, response.content
    with client.get(url, follow_redirects=False) as response:
        if response.status_code in (301, 302, 303) and response.headers["Location"].startswith("http"):
            return fetch(client, response.headers["Location"])
        return response.status_code, response.data


def test_put_read_exists_delete(app, backend):
    with app.app_context():
        storage = get_storage()
        assert storage.name == backend
        key = storage.new_key("tests", "bin")
        storage.put(key, b"hello atelier", "application/octet-stream")
        assert storage.exists(key)
        assert storage.read(key) == b"hello atelier"
        with storage.open(key) as handle:
            assert handle.read() == b"hello atelier"
        storage.delete(key)
        assert not storage.exists(key)
        storage.delete(key)  # deleting twice is fine: retries must be safe
        with pytest.raises(StorageError):
            storage.read(key)


def test_rows_record_backend_and_a_random_key(app, backend):
    with app.app_context():
        with unit_of_work():
            row = put(b"x" * 10, "image/png", "originals", "private")
        assert row.backend == backend
        assert row.key.startswith("originals/")
        assert row.key.endswith(".png")
        with unit_of_work():
            other = put(b"x" * 10, "image/png", "originals", "private")
        assert other.key != row.key
        assert db.session.query(StoredFile).count() == 2


def test_public_file_is_served_and_private_file_only_by_signed_link(app, client, backend):
    with app.test_request_context():
        with unit_of_work():
            public = put(b"public bytes", "image/webp", "renditions", "public")
            private = put(b"private master", "image/png", "masters", "private")
        public_link = public_url(public)
        private_key = private.key
        link = signed_url(private, expires_in=60, download_name="master.png")
    assert fetch(client, public_link) == (200, b"public bytes")
    assert client.get(f"/media/{private_key}").status_code == 404
    assert fetch(client, link) == (200, b"private master")


def test_local_signed_links_expire_and_cannot_be_forged(app, client):
    with app.test_request_context():
        with unit_of_work():
            private = put(b"secret", "image/png", "masters", "private")
        short = signed_url(private, expires_in=1)
        valid = signed_url(private, expires_in=60)
    assert client.get(valid[:-4] + "AAAA").status_code == 404
    time.sleep(2.1)
    assert client.get(short).status_code == 404
    with client.get(valid) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"


def test_discard_deletes_bytes_only_after_commit(app, backend):
    with app.app_context():
        with unit_of_work():
            row = put(b"bye", "image/png", "t", "public")
        key = row.key
        storage = get_storage()

        def discard_then_fail() -> None:
            with unit_of_work():
                discard(row)
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            discard_then_fail()
        assert storage.exists(key)
        with unit_of_work():
            discard(db.session.get(StoredFile, row.id))
        assert not storage.exists(key)


def test_local_keys_cannot_escape_the_root(app):
    with app.app_context():
        storage = get_storage("local")
        with pytest.raises(StorageError):
            storage.put("../../etc/evil", b"x", "text/plain")


def test_file_saved_locally_stays_readable_after_switching_to_s3(app, client, s3_config):
    with app.test_request_context():
        with unit_of_work():
            row = put(b"old local", "image/webp", "renditions", "public", storage=get_storage("local"))
        link = public_url(row)
    assert fetch(client, link) == (200, b"old local")
