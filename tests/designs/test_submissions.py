"""Submitting designs over HTTP: the happy path, every refusal, privacy of the print master."""

from __future__ import annotations

import io
import re
import uuid

import pytest
import sqlalchemy as sa
from PIL import Image

from contest.designs.models import Design
from contest.extensions import db
from contest.storage.models import StoredFile
from tests.conftest import login, submit
from tests.factories import (
    PASSWORD,
    artwork_png,
    image_bytes,
    make_contest,
    make_design,
    make_user,
    png_claiming_size,
)


@pytest.fixture
def artist(ctx):
    return make_user("lea", email="lea@example.com")


@pytest.fixture
def contest(ctx):
    return make_contest("submissions", title="Cats in space", max_entries_per_artist=2)


def post_design(client, contest, data: bytes, *, name: str = "design.png", key: str | None = None, **fields):
    form = {
        "title": "Space cat",
        "description": "A cat in orbit.",
        "tags": "cats, space",
        "accept_licence": "y",
        "declare_original": "y",
        "licence_version": str(contest.licence_terms.version),
        "submission_key": key or uuid.uuid4().hex,
        "image": (io.BytesIO(data), name),
        **fields,
    }
    return submit(client, f"/contests/{contest.slug}/submit", form, content_type="multipart/form-data")


def designs(app) -> list[Design]:
    with app.app_context():
        return list(db.session.execute(sa.select(Design).order_by(Design.id)).scalars())


def test_submission_is_processed_into_a_private_master_and_public_renditions(app, client, artist, contest):
    login(client, "lea", PASSWORD)
    response = post_design(client, contest, artwork_png(3, (1400, 1000)))
    assert response.status_code == 303
    design_id = int(re.search(r"/designs/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        design = db.session.get(Design, design_id)
        assert design.status == "pending"
        assert design.title == "Space cat"
        assert design.tags == ["cats", "space"]
        assert design.licence_terms.version == 1
        assert design.licence_accepted_at is not None
        assert design.upload is None  # the raw upload is gone once processed
        assert {r.width for r in design.renditions} == {1200, 600, 300}
        assert design.master.visibility == "private"
        assert all(r.file.visibility == "public" for r in design.renditions)
        assert len(design.phash) == 16
        master_key = design.master.key
        rendition_key = design.rendition(600).file.key
        assert db.session.query(StoredFile).filter_by(purpose="uploads").count() == 0
    page = client.get(f"/designs/{design_id}").get_data(as_text=True)
    assert "Waiting for moderation" in page
    assert client.get(f"/media/{master_key}").status_code == 404
    with client.get(f"/media/{rendition_key}") as rendition:
        assert rendition.mimetype == "image/webp"
    link = client.get(f"/designs/{design_id}/master")
    assert link.status_code == 303
    with client.get(link.headers["Location"]) as master:
        assert master.status_code == 200
        assert Image.open(io.BytesIO(master.data)).size == (1400, 1000)


def test_master_is_private_to_the_artist_and_staff(app, client, artist, contest):
    design = make_design(contest, artist, approve=True)
    make_user("other", email="other@example.com")
    login(client, "other", PASSWORD)
    assert client.get(f"/designs/{design.id}/master").status_code == 404
    assert "Download the print master" not in client.get(f"/designs/{design.id}").get_data(as_text=True)


def test_metadata_is_stripped(app, client, artist, contest):
    image = Image.open(io.BytesIO(artwork_png(5))).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=92)
    design = make_design(contest, artist, data=buffer.getvalue())
    from contest.storage import get_storage

    with app.app_context():
        design = db.session.get(Design, design.id)
        for stored in [design.master, *(r.file for r in design.renditions)]:
            data = get_storage(stored.backend).read(stored.key)
            assert b"SecretCam" not in data
            assert not Image.open(io.BytesIO(data)).getexif()


def test_unverified_member_cannot_submit(app, client, contest):
    make_user("newbie", email="newbie@example.com", verified=False)
    login(client, "newbie", PASSWORD)
    response = post_design(client, contest, artwork_png())
    assert response.status_code == 403
    assert "confirm your email address" in response.get_data(as_text=True)
    assert designs(app) == []


@pytest.mark.parametrize("phase", ["scheduled", "voting", "closed"])
def test_submissions_outside_the_window_are_refused(app, client, artist, phase):
    other = make_contest(phase)
    login(client, "lea", PASSWORD)
    response = post_design(client, other, artwork_png())
    assert response.status_code == 409
    assert "not accepting designs" in response.get_data(as_text=True)
    assert designs(app) == []


def test_draft_contest_is_not_found(app, client, artist):
    draft = make_contest("submissions", publish=False)
    login(client, "lea", PASSWORD)
    assert client.get(f"/contests/{draft.slug}/submit").status_code == 404
    assert client.get(f"/contests/{draft.slug}").status_code == 404


def test_entry_limit_and_withdrawal_frees_a_slot(app, client, artist, contest):
    login(client, "lea", PASSWORD)
    assert post_design(client, contest, artwork_png(1)).status_code == 303
    assert post_design(client, contest, artwork_png(2)).status_code == 303
    refused = post_design(client, contest, artwork_png(3))
    assert refused.status_code == 409
    assert "2 entries in this contest" in refused.get_data(as_text=True)
    first = designs(app)[0]
    assert submit(client, f"/designs/{first.id}/withdraw", {}, page=f"/designs/{first.id}").status_code == 302
    assert post_design(client, contest, artwork_png(4)).status_code == 303
    assert [d.status for d in designs(app)] == ["withdrawn", "pending", "pending"]


def test_double_submit_makes_one_design(app, client, artist, contest):
    login(client, "lea", PASSWORD)
    key = uuid.uuid4().hex
    first = post_design(client, contest, artwork_png(1), key=key)
    second = post_design(client, contest, artwork_png(1), key=key)
    assert first.status_code == 303
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert len(designs(app)) == 1


def test_terms_must_be_accepted(app, client, artist, contest):
    login(client, "lea", PASSWORD)
    response = post_design(client, contest, artwork_png(), accept_licence="")
    assert response.status_code == 400
    assert "Accept the licence terms" in response.get_data(as_text=True)
    stale = post_design(client, contest, artwork_png(), licence_version="0")
    assert "licence terms changed" in stale.get_data(as_text=True)
    assert designs(app) == []


def animated_png() -> bytes:
    frames = [Image.new("RGB", (400, 400), c) for c in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 400), "red").save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"%PDF-1.7 not an image at all" * 50, "not an image we can read"),
        (gif, "Only PNG and JPEG images are accepted."),
        (animated_png, "Animated images are not accepted."),
        (lambda: image_bytes((299, 800)), "too small"),
        (lambda: png_claiming_size(9000, 8000), "too many pixels"),
        (lambda: png_claiming_size(30000, 30000), "too large to process safely"),
    ],
)
def test_bad_files_are_refused_with_a_reason(app, client, artist, contest, make, message):
    login(client, "lea", PASSWORD)
    response = post_design(client, contest, make(), name="innocent.png")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert designs(app) == []
    with app.app_context():
        assert db.session.query(StoredFile).count() == 0


def test_oversized_file_is_refused(app, client, artist, contest):
    login(client, "lea", PASSWORD)
    big = artwork_png() + b"\0" * (25 * 1024 * 1024)
    response = post_design(client, contest, big)
    assert response.status_code in (400, 413)
    assert "too large" in response.get_data(as_text=True).lower()
    assert designs(app) == []


def test_truncated_file_fails_in_processing_and_the_artist_is_told(app, client, artist, contest, mailbox):
    login(client, "lea", PASSWORD)
    truncated = artwork_png(7, (900, 700))[:-4000]
    response = post_design(client, contest, truncated)
    assert response.status_code == 303
    [design] = designs(app)
    assert design.status == "failed"
    assert "damaged or truncated" in design.processing_error
    assert design.entry_slot is None
    mine = client.get("/me/entries").get_data(as_text=True)
    assert "Could not be processed" in mine
    assert "damaged or truncated" in mine
    assert "could not be processed" in mailbox.text(mailbox.wait_for("lea@example.com")[0])


def test_near_duplicates_are_flagged_with_the_match(app, client, artist, contest):
    staff = make_user("mod", role="staff")
    original = make_design(contest, artist, seed=11)
    thief = make_user("copycat", email="copy@example.com")
    image = Image.open(io.BytesIO(artwork_png(11))).resize((600, 500))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=80)
    copy = make_design(contest, thief, data=buffer.getvalue())
    unrelated = make_design(contest, thief, seed=12)
    assert copy.duplicate_of_id == original.id
    assert not copy.is_duplicate_of_own
    assert unrelated.duplicate_of_id is None
    other_contest = make_contest("submissions")
    again = make_design(other_contest, artist, seed=11)
    assert again.duplicate_of_id == original.id  # identical pixels: distance 0 beats the resized copy
    assert again.duplicate_distance == 0
    assert again.is_duplicate_of_own
    login(client, staff.username, PASSWORD)
    queue = client.get("/staff/moderation").get_data(as_text=True)
    assert "Looks like “Design 11” by lea" in queue
    assert "A re-upload: the same artist entered “Design 11” in Cats in space." in queue


def test_uploads_are_rate_limited_per_member(app, client, artist, contest):
    app.config["SUBMIT_RATE_LIMIT"] = "2 per minute"
    try:
        login(client, "lea", PASSWORD)
        assert post_design(client, contest, artwork_png(1)).status_code == 303
        assert post_design(client, contest, b"junk").status_code == 400
        response = post_design(client, contest, artwork_png(2))
    finally:
        app.config["SUBMIT_RATE_LIMIT"] = "10 per minute;60 per hour"
    assert response.status_code == 429
    assert len(designs(app)) == 1


def test_someone_elses_design_cannot_be_withdrawn(app, client, artist, contest):
    design = make_design(contest, artist)
    make_user("mallory", email="mallory@example.com")
    login(client, "mallory", PASSWORD)
    response = submit(client, f"/designs/{design.id}/withdraw", {}, page="/me/entries")
    assert response.status_code == 404
    assert designs(app)[0].status == "pending"


def test_uploads_leave_no_temporary_files(app, client, artist, contest):
    from pathlib import Path

    login(client, "lea", PASSWORD)
    assert post_design(client, contest, artwork_png(1)).status_code == 303
    assert post_design(client, contest, b"not an image").status_code == 400
    incoming = Path(app.config["UPLOAD_ROOT"]) / ".incoming"
    assert list(incoming.iterdir()) == []
    [design] = designs(app)
    with app.app_context():
        assert (
            db.session.query(StoredFile).filter_by(purpose="uploads").count() == 0
        )  # processed, then removed
        assert design.master_id is not None
