from __future__ import annotations

import io

import pytest
from PIL import Image

from contest.accounts.models import User
from contest.extensions import db
from contest.storage.models import StoredFile
from tests.conftest import login, submit
from tests.factories import PASSWORD, image_bytes, make_user, png_claiming_size


@pytest.fixture
def member(ctx):
    return make_user("lea_dessine", email="lea@example.com")


@pytest.fixture
def logged_in(client, member):
    login(client, "lea_dessine", PASSWORD)
    return client


def save_profile(client, **fields):
    data = {"display_name": "Léa Moreau", "bio": "Cats and plants.", "links": "https://lea.example.org"}
    data.update(fields)
    return submit(client, "/settings", data, content_type="multipart/form-data")


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (640, 480), "#e0569b")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_profile_edit_with_avatar_is_public_and_stripped(app, logged_in, member):
    response = save_profile(logged_in, avatar=(io.BytesIO(jpeg_with_gps()), "holiday.jpg"))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, member.id)
        assert user.display_name == "Léa Moreau"
        assert user.links == ["https://lea.example.org"]
        avatar = user.avatar
        assert avatar.backend == "local"
        assert avatar.visibility == "public"
        assert "holiday" not in avatar.key
        assert avatar.key.startswith("avatars/")
        key = avatar.key
    page = logged_in.get("/u/lea_dessine").get_data(as_text=True)
    assert "Léa Moreau" in page
    assert "Cats and plants." in page
    assert f"/media/{key}" in page
    with logged_in.get(f"/media/{key}") as served:
        assert served.status_code == 200
        assert served.mimetype == "image/webp"
        data = served.data
    image = Image.open(io.BytesIO(data))
    assert image.size == (256, 256)
    assert not image.getexif()
    assert b"SecretCam" not in data


def test_replacing_the_avatar_deletes_the_old_file(app, logged_in, member):
    save_profile(logged_in, avatar=(io.BytesIO(image_bytes()), "a.png"))
    with app.app_context():
        first = db.session.get(User, member.id).avatar.key
    save_profile(logged_in, avatar=(io.BytesIO(image_bytes(color="#00aa00")), "b.png"))
    assert logged_in.get(f"/media/{first}").status_code == 404
    with app.app_context():
        assert db.session.query(StoredFile).count() == 1
    save_profile(logged_in, remove_avatar="y")
    with app.app_context():
        assert db.session.get(User, member.id).avatar is None
        assert db.session.query(StoredFile).count() == 0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"%PDF-1.4 definitely not an image", "not an image we can read"),
        (b"GIF89a" + b"\x00" * 100, "not an image we can read"),
        (None, "damaged or truncated"),
        (b"", None),
    ],
)
def test_bad_avatar_is_refused_and_changes_nothing(app, logged_in, member, payload, message):
    if payload is None:
        payload = image_bytes((800, 800), "PNG")[:600]
    response = save_profile(logged_in, display_name="Changed", avatar=(io.BytesIO(payload), "evil.png"))
    if message is None:  # an empty file field means "no new avatar"
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, member.id)
        assert user.display_name == ""
        assert user.avatar is None
        assert db.session.query(StoredFile).count() == 0


def test_gif_and_webp_avatars_are_refused(logged_in):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), "red").save(buffer, "GIF")
    response = save_profile(logged_in, avatar=(io.BytesIO(buffer.getvalue()), "a.png"))
    assert response.status_code == 400
    assert "Only PNG and JPEG images are accepted." in response.get_data(as_text=True)


def test_oversized_avatar_is_refused(app, logged_in, member):
    app.config["AVATAR_MAX_BYTES"] = 50_000
    try:
        big = _noisy_png(600)
        response = save_profile(logged_in, avatar=(io.BytesIO(big), "big.png"))
    finally:
        app.config["AVATAR_MAX_BYTES"] = 5 * 1024 * 1024
    assert response.status_code == 400
    assert "The file is too large" in response.get_data(as_text=True)


def _noisy_png(side: int) -> bytes:
    import os

    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_request_larger_than_the_upload_limit_gets_a_friendly_413(app, logged_in):
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    try:
        response = save_profile(logged_in, avatar=(io.BytesIO(b"0" * 200_000), "huge.png"))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 26 * 1024 * 1024
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_decompression_bomb_avatar_is_refused(app, logged_in, member):
    bomb = png_claiming_size(30_000, 30_000)
    assert len(bomb) < 200
    response = save_profile(logged_in, avatar=(io.BytesIO(bomb), "bomb.png"))
    assert response.status_code == 400
    assert "too large to process safely" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(StoredFile).count() == 0


def test_non_web_links_are_refused(logged_in):
    response = save_profile(logged_in, links="javascript:alert(1)")
    assert response.status_code == 400
    assert "is not a web address" in response.get_data(as_text=True)


def test_unknown_profile_is_404_and_case_redirects(client, member):
    assert client.get("/u/nobody").status_code == 404
    response = client.get("/u/LEA_DESSINE")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/u/lea_dessine")
