from __future__ import annotations

import io

import pytest
from PIL import Image

from contest.core.images import ImageLimits, ImageRejected, load_image, normalise, to_webp
from tests.factories import image_bytes, png_claiming_size

LIMITS = ImageLimits(max_bytes=5_000_000, max_pixels=50_000_000, min_short_side=100)


def test_accepts_png_and_jpeg_whatever_the_name(ctx):
    assert load_image(image_bytes((200, 150), "PNG"), LIMITS).size == (200, 150)
    assert load_image(image_bytes((200, 150), "JPEG"), LIMITS).format == "JPEG"


def test_real_bomb_is_refused_before_decoding(ctx):
    bomb = image_bytes((9000, 9000), "PNG", color="#ffffff")  # 81 MP of white, a few hundred KB
    with pytest.raises(ImageRejected, match="too many pixels"):
        load_image(bomb, LIMITS)


def test_pillow_bomb_warning_is_a_refusal(ctx, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    generous = ImageLimits(max_bytes=5_000_000, max_pixels=10**9)
    with pytest.raises(ImageRejected, match="too large to process safely"):
        load_image(image_bytes((150, 150), "PNG"), generous)  # 22,500 px: Pillow warns
    with pytest.raises(ImageRejected, match="too large to process safely"):
        load_image(image_bytes((300, 300), "PNG"), generous)  # 90,000 px: Pillow raises


def test_header_claiming_a_huge_size_is_refused(ctx):
    with pytest.raises(ImageRejected, match="too many pixels"):
        load_image(png_claiming_size(8_000, 8_000), LIMITS)


def test_too_small_and_animated_images_are_refused(ctx):
    with pytest.raises(ImageRejected, match="too small"):
        load_image(image_bytes((99, 400), "PNG"), LIMITS)
    frames = [Image.new("RGB", (200, 200), c) for c in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageRejected, match="Animated"):
        load_image(buffer.getvalue(), LIMITS)


def test_truncated_and_fake_files_are_refused(ctx):
    with pytest.raises(ImageRejected, match="damaged or truncated"):
        load_image(image_bytes((400, 400), "JPEG")[:300], LIMITS)
    with pytest.raises(ImageRejected, match="not an image"):
        load_image(b"<?php echo 1; ?>" * 10, LIMITS)
    with pytest.raises(ImageRejected, match="empty"):
        load_image(b"", LIMITS)


def test_webp_output_carries_no_metadata(ctx):
    image = Image.new("RGB", (300, 300), "navy")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    out = to_webp(normalise(load_image(buffer.getvalue(), LIMITS)))
    assert b"SecretCam" not in out
    assert b"EXIF" not in out
