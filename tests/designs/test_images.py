"""The design image pipeline: every malformed file is made for real, and outputs are decoded and inspected."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageDraw, ImageEnhance, PngImagePlugin

from contest.core.images import ImageRejected
from contest.designs import images
from contest.designs.images import (
    NEAR_DUPLICATE_DISTANCE,
    ProcessedDesign,
    UploadInfo,
    encode_png,
    hash_distance,
    inspect_upload,
    process_design,
    srgb_icc_profile,
)
from tests.factories import png_claiming_size

LIMITS = {"max_bytes": 25 * 1_048_576, "max_pixels": 60_000_000, "min_short_side": 10}


# ---------------------------------------------------------------------------------------------- builders


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def artwork(size: tuple[int, int] = (480, 360), seed: int = 1) -> Image.Image:
    """A picture with structure (gradient, shapes, grain), different for every seed."""
    rng = np.random.default_rng(seed)
    w, h = size
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    pixels = np.empty((h, w, 3), np.float32)
    pixels[..., 0], pixels[..., 1], pixels[..., 2] = (
        60 + 150 * x + 0 * y,
        40 + 170 * y + 0 * x,
        120 + 0 * x * y,
    )
    pixels += rng.normal(0, 3, pixels.shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        side = int(rng.integers(w // 8, w // 3))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x0, y0, x0 + side, y0 + side), fill=colour)
    return image


def noise(size: tuple[int, int], mode: str = "RGB", seed: int = 0) -> Image.Image:
    channels = len(mode)
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    return Image.fromarray(pixels[..., 0] if channels == 1 else pixels, mode)


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 41.0)
    return exif


def icc_profile(space: bytes = b"RGB ", gamma: float = 1.0, name: str = "Linear test RGB") -> bytes:
    """A minimal ICC v2 matrix/TRC display profile with sRGB's primaries and a pure gamma curve.

    Pillow can only create sRGB, LAB and XYZ profiles, so a profile that is *not* sRGB is written by hand;
    with gamma 1.0 (linear light) the expected conversion is easy to compute: 128 -> 188 in sRGB.
    """

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + struct.pack(">3i", *(round(v * 65536) for v in (x, y, z)))

    text = name.encode() + b"\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * 8 + b"\0\0\0" + b"\0" * 67
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    tags = [(b"desc", desc), (b"wtpt", xyz(0.9642, 1.0, 0.8249))]
    if space == b"GRAY":
        tags.append((b"kTRC", curve))
    else:
        tags += [
            (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)),
            (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
            (b"bXYZ", xyz(0.1431, 0.0606, 0.7139)),
            (b"rTRC", curve),
            (b"gTRC", curve),
            (b"bTRC", curve),
        ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = bytearray(128)
    header[8:12] = b"\x02\x10\x00\x00"
    header[12:24] = b"mntr" + space + b"XYZ "
    header[36:40] = b"acsp"
    header[68:80] = xyz(0.9642, 1.0, 0.8249)[8:]
    profile = header + table + data
    profile[0:4] = struct.pack(">I", len(profile))
    return bytes(profile)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(body, zlib.crc32(kind)), kind
        chunks.append((kind, body))
        position += 12 + length
    return chunks


def webp_chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WEBP"
    kinds, position = [], 12
    while position < len(data):
        kind, (length,) = (
            data[position : position + 4],
            struct.unpack("<I", data[position + 4 : position + 8]),
        )
        kinds.append(kind)
        position += 8 + length + (length & 1)
    return kinds


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_clean_master(result: ProcessedDesign) -> None:
    """Only the four chunks we write; the profile is our sRGB one; nothing else rides along."""
    chunks = png_chunks(result.master)
    kinds = [kind for kind, _ in chunks]
    assert kinds[:2] == [b"IHDR", b"iCCP"]
    assert kinds[-1] == b"IEND"
    assert set(kinds[2:-1]) == {b"IDAT"}
    name, _, compressed = chunks[1][1].partition(b"\0")
    assert name == b"sRGB"
    assert zlib.decompress(compressed[1:]) == srgb_icc_profile()
    master = opened(result.master)
    assert master.format == "PNG"
    assert master.size == (result.width, result.height)
    assert master.info.get("icc_profile") == srgb_icc_profile()
    assert not master.getexif()
    assert set(master.info) <= {"icc_profile"}


def assert_clean_renditions(result: ProcessedDesign) -> None:
    for data in result.renditions.values():
        assert set(webp_chunks(data)) <= {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
        rendition = opened(data)
        assert rendition.format == "WEBP"
        assert not rendition.getexif()
        assert not {"exif", "xmp", "icc_profile"} & set(rendition.info)


def process(image: Image.Image, fmt: str = "PNG", **params: object) -> ProcessedDesign:
    return process_design(encode(image, fmt, **params))


# ----------------------------------------------------------------------------------- phase 1: inspection


def test_inspect_accepts_png_and_jpeg_by_content_not_name():
    png = inspect_upload(encode(artwork((300, 200)), "PNG"), **LIMITS)
    assert png == UploadInfo(format="PNG", content_type="image/png", width=300, height=200)
    jpeg = inspect_upload(encode(artwork((300, 200)), "JPEG"), **LIMITS)
    assert jpeg == UploadInfo(format="JPEG", content_type="image/jpeg", width=300, height=200)


def test_inspect_reports_the_size_as_displayed_after_exif_rotation():
    data = encode(artwork((300, 200)), "JPEG", exif=camera_exif(orientation=6))
    info = inspect_upload(data, **LIMITS)
    assert (info.width, info.height) == (200, 300)


def test_inspect_does_not_decode_so_a_truncated_file_passes(ctx):
    png = encode(noise((300, 300)), "PNG")
    jpeg = encode(noise((300, 300)), "JPEG", quality=95)
    for data in (png[: len(png) * 6 // 10], jpeg[: len(jpeg) * 6 // 10]):
        assert inspect_upload(data, **LIMITS).width == 300
        with pytest.raises(ImageRejected, match="damaged or truncated"):
            process_design(data)


def test_inspect_minimum_short_side_is_configurable(ctx):
    limits = {**LIMITS, "min_short_side": 1800}
    assert inspect_upload(encode(Image.new("RGB", (2400, 1800), "teal"), "PNG"), **limits).height == 1800
    with pytest.raises(ImageRejected, match="too small: the short side is 1799 px; at least 1800"):
        inspect_upload(encode(Image.new("RGB", (1799, 2400), "teal"), "PNG"), **limits)


@pytest.mark.parametrize(
    ("data", "limits", "message"),
    [
        pytest.param(b"", {}, "The file is empty.", id="empty"),
        pytest.param(b"x" * 2_100_000, {"max_bytes": 2 * 1_048_576}, "too large \\(2.0 MB", id="bytes"),
        pytest.param(b"<?php system($_GET['c']); ?>" * 20, {}, "not an image we can read", id="php"),
        pytest.param(b"%PDF-1.7\n" + b"0" * 400, {}, "not an image we can read", id="pdf"),
        pytest.param(None, {}, "Only PNG and JPEG", id="gif"),
        pytest.param(None, {}, "Only PNG and JPEG", id="webp"),
        pytest.param(None, {}, "Animated images are not accepted", id="apng"),
        pytest.param(
            None, {"max_pixels": 50_000}, "too many pixels \\(0.1 megapixels; the limit is 0.05", id="mp"
        ),
        pytest.param(png_claiming_size(20_000, 20_000), {}, "too large to process safely", id="bomb"),
        pytest.param(None, {"min_short_side": 201}, "too small", id="small"),
    ],
)
def test_inspect_refusals(ctx, request, data, limits, message):
    case = request.node.callspec.id
    if data is None:
        picture = artwork((300, 200))
        if case == "gif":
            data = encode(picture.convert("P"), "GIF")
        elif case == "webp":
            data = encode(picture, "WEBP")
        elif case == "apng":
            data = encode(picture, "PNG", save_all=True, append_images=[picture.rotate(180)])
        else:
            data = encode(picture, "PNG")
    with pytest.raises(ImageRejected, match=message):
        inspect_upload(data, **{**LIMITS, **limits})


def test_pillow_bomb_warning_is_a_refusal_in_both_phases(ctx, monkeypatch):
    data = encode(Image.new("RGB", (150, 150), "teal"), "PNG")  # 22,500 px: between 1x and 2x the limit
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 15_000)
    with pytest.raises(ImageRejected, match="too large to process safely"):
        inspect_upload(data, **LIMITS)
    with pytest.raises(ImageRejected, match="too large to process safely"):
        process_design(data)


def test_inspect_never_decodes_pixels(monkeypatch):
    """What keeps it fast on a 25 MB upload: only the header is parsed, for PNG and JPEG alike."""
    from PIL import ImageFile

    big_png = encode_png(Image.new("RGB", (6000, 4000), "teal"))
    big_jpeg = encode(Image.new("RGB", (6000, 4000), "teal"), "JPEG", exif=camera_exif(orientation=8))

    def no_decoding(self):
        raise AssertionError("inspect_upload decoded the pixels")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert inspect_upload(big_png, **LIMITS).width == 6000
    assert inspect_upload(big_jpeg, **LIMITS).width == 4000  # orientation 8: displayed portrait


def test_multi_picture_jpeg_from_a_phone_is_a_jpeg_not_an_animation():
    picture = artwork((300, 200))
    data = encode(picture, "MPO", save_all=True, append_images=[picture.resize((150, 100))])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert inspect_upload(data, **LIMITS) == UploadInfo("JPEG", "image/jpeg", 300, 200)
    assert process_design(data).width == 300


# ---------------------------------------------------------------------------------- phase 2: processing


def test_process_refuses_what_phase_one_refuses(ctx):
    picture = artwork((200, 200))
    with pytest.raises(ImageRejected, match="Only PNG and JPEG"):
        process_design(encode(picture, "GIF"))
    with pytest.raises(ImageRejected, match="Animated"):
        process_design(encode(picture, "PNG", save_all=True, append_images=[picture.rotate(90)]))
    with pytest.raises(ImageRejected, match="not an image"):
        process_design(b"GIF89a but not really")
    with pytest.raises(ImageRejected, match="too large to process safely"):
        process_design(png_claiming_size(20_000, 20_000))
    with pytest.raises(ImageRejected, match="empty"):
        process_design(b"")


def test_process_needs_no_app_context_even_to_refuse():
    assert process(artwork((300, 200))).width == 300
    with pytest.raises(ImageRejected) as refused:
        process_design(encode(noise((200, 200)), "PNG")[:2000])
    assert refused.value.message == "The image is damaged or truncated."


@pytest.mark.parametrize("cpus", [1, 2], ids=["serial", "threaded"])
def test_master_is_lossless_and_renditions_follow_the_widths(monkeypatch, cpus):
    monkeypatch.setattr(images, "_CPUS", cpus)
    picture = artwork((2000, 1000))
    result = process(picture)
    assert (result.width, result.height, result.master_content_type) == (2000, 1000, "image/png")
    assert np.array_equal(np.asarray(opened(result.master)), np.asarray(picture))
    assert list(result.renditions) == [1200, 600, 300]
    sizes = {width: opened(data).size for width, data in result.renditions.items()}
    assert sizes == {1200: (1200, 600), 600: (600, 300), 300: (300, 150)}
    assert_clean_master(result)
    assert_clean_renditions(result)


def test_renditions_are_never_upscaled():
    result = process_design(encode(artwork((500, 800)), "PNG"), rendition_widths=(1200, 600, 300))
    assert {w: opened(d).size for w, d in result.renditions.items()} == {
        1200: (500, 800),
        600: (500, 800),
        300: (300, 480),
    }
    assert result.renditions[1200] is result.renditions[600]  # encoded once
    custom = process_design(encode(artwork((500, 800)), "PNG"), rendition_widths=(250,))
    assert list(custom.renditions) == [250]
    assert opened(custom.renditions[250]).size == (250, 400)
    with pytest.raises(ValueError, match="positive"):
        process_design(encode(artwork((50, 50)), "PNG"), rendition_widths=(0,))


def test_exif_gps_xmp_and_comments_are_stripped_from_jpeg():
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>SecretXMP</rdf:RDF></x:xmpmeta>'
    data = encode(
        artwork((400, 300)), "JPEG", exif=camera_exif(), xmp=xmp, comment=b"SecretComment", quality=90
    )
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload really carries GPS
    result = process_design(data)
    for output in (result.master, *result.renditions.values()):
        for secret in (b"SecretCam", b"SecretXMP", b"SecretComment", b"Exif", b"xmpmeta"):
            assert secret not in output
    assert_clean_master(result)
    assert_clean_renditions(result)


def test_text_and_exif_chunks_are_stripped_from_png():
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "SecretArtist")
    text.add_itxt("Comment", "SecretNote", zip=True)
    text.add_text("Software", "SecretSoftware", zip=True)
    data = encode(artwork((400, 300)), "PNG", pnginfo=text, exif=camera_exif(), dpi=(300, 300))
    result = process_design(data)
    for output in (result.master, *result.renditions.values()):
        for secret in (b"SecretArtist", b"SecretCam", b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"pHYs"):
            assert secret not in output
    assert_clean_master(result)
    assert_clean_renditions(result)


def test_a_damaged_exif_block_is_ignored_not_fatal():
    exif = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03"  # cut mid-entry
    data = encode(artwork((100, 80)), "JPEG", exif=exif)
    assert inspect_upload(data, **LIMITS).width == 100
    result = process_design(data)
    assert (result.width, result.height) == (100, 80)
    assert b"Exif" not in result.master


def test_exif_orientation_is_applied():
    stored = Image.new("RGB", (300, 200), "red")
    stored.paste((0, 0, 255), (150, 0, 300, 200))  # left half red, right half blue, as stored
    result = process(stored, "JPEG", exif=camera_exif(orientation=6), quality=95)
    assert (result.width, result.height) == (200, 300)  # displayed rotated 90 degrees clockwise
    master = opened(result.master)
    top, bottom = master.getpixel((100, 20)), master.getpixel((100, 280))
    assert top[0] > 200 > top[2]
    assert bottom[2] > 200 > bottom[0]


def test_cmyk_jpeg_becomes_rgb_with_srgb_profile():
    result = process(Image.new("CMYK", (200, 100), (0, 255, 255, 0)), "JPEG", quality=95)
    master = opened(result.master)
    assert master.mode == "RGB"
    red, green, blue = master.getpixel((100, 50))
    assert red > 200
    assert green < 60
    assert blue < 60
    assert_clean_master(result)


def test_a_profile_that_is_not_srgb_is_converted_whatever_it_is_called():
    linear = icc_profile(gamma=1.0, name="sRGB IEC61966-2.1")  # lies about its name
    grey = Image.new("RGB", (64, 64), (128, 128, 128))
    grey.paste((0, 0, 0), (0, 0, 8, 8))
    grey.paste((255, 255, 255), (8, 0, 16, 8))
    master = opened(process(grey, "PNG", icc_profile=linear).master)
    assert all(abs(c - 188) <= 2 for c in master.getpixel((40, 40)))  # linear 0.5 is sRGB 188
    assert master.getpixel((2, 2)) == (0, 0, 0)
    assert master.getpixel((10, 2)) == (255, 255, 255)
    assert master.info["icc_profile"] == srgb_icc_profile()


def test_an_srgb_profile_leaves_pixels_alone_and_is_replaced_by_ours():
    from PIL import ImageCms

    picture = artwork((300, 200))
    for profile in (srgb_icc_profile(), icc_profile(gamma=2.2, name="almost sRGB")):
        if profile is srgb_icc_profile():
            expected = np.asarray(picture)
        else:  # gamma 2.2 is close to the sRGB curve but not within two levels: it is converted
            transform = ImageCms.buildTransform(
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                "RGB",
                "RGB",
                renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
            )
            expected = np.asarray(ImageCms.applyTransform(picture, transform))
        result = process(picture, "PNG", icc_profile=profile)
        assert np.array_equal(np.asarray(opened(result.master)), expected)
        assert_clean_master(result)


def test_grey_image_with_grey_profile_and_a_broken_profile():
    grey = Image.new("L", (32, 32), 128)
    master = opened(process(grey, "PNG", icc_profile=icc_profile(b"GRAY", gamma=1.0)).master)
    assert master.mode == "RGB"
    assert all(abs(c - 188) <= 2 for c in master.getpixel((5, 5)))
    broken = opened(process(artwork((64, 64)), "PNG", icc_profile=b"not a profile at all").master)
    assert broken.mode == "RGB"
    assert broken.info["icc_profile"] == srgb_icc_profile()


def test_transparency_is_kept_and_opaque_alpha_is_dropped():
    rgba = Image.new("RGBA", (300, 200), (200, 30, 30, 255))
    rgba.paste((0, 0, 0, 0), (0, 0, 150, 200))
    result = process(rgba)
    master = opened(result.master)
    assert master.mode == "RGBA"
    assert np.array_equal(np.asarray(master), np.asarray(rgba))
    for data in result.renditions.values():
        rendition = opened(data)
        assert rendition.mode == "RGBA"
        assert rendition.getpixel((2, 2))[3] == 0
        assert rendition.getpixel((rendition.width - 3, 2))[3] == 255
    assert opened(process(Image.new("RGBA", (50, 50), (1, 2, 3, 255))).master).mode == "RGB"
    palette = Image.new("P", (50, 50), 0)
    palette.putpalette([255, 0, 0, 0, 255, 0])
    palette.paste(1, (0, 0, 25, 50))
    master = opened(process(palette, "PNG", transparency=0).master)
    assert master.mode == "RGBA"
    assert master.getpixel((40, 10)) == (255, 0, 0, 0)
    assert master.getpixel((10, 10)) == (0, 255, 0, 255)
    assert opened(process(Image.new("LA", (40, 40), (90, 0))).master).mode == "RGBA"


def test_other_modes_become_rgb():
    sixteen_bit = Image.fromarray(np.full((20, 30), 32768, np.uint16))
    assert sixteen_bit.mode.startswith("I;16")
    assert opened(process(sixteen_bit).master).getpixel((3, 3)) == (128, 128, 128)  # scaled, not clipped
    for picture in (
        Image.new("L", (40, 30), 77),
        Image.new("1", (40, 30), 1),
        artwork((40, 30)).convert("P"),
    ):
        master = opened(process(picture).master)
        assert master.mode == "RGB"
        assert master.size == (40, 30)


# ----------------------------------------------------------------------------------------- the PNG writer


BACKENDS = ["zlib"] + (["isal"] if images.DEFLATE_BACKEND == "isal" else [])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("mode", "size"), [("RGB", (3000, 150)), ("RGBA", (1, 1)), ("RGB", (7, 3))])
def test_png_writer_round_trips_exactly(monkeypatch, backend, mode, size):
    if backend == "zlib":
        monkeypatch.setattr(images, "_isal_zlib", None)
    picture = noise(size, mode, seed=size[0])  # 3000x150 RGB spans several strips
    data = encode_png(picture)
    assert [kind for kind, _ in png_chunks(data)][0] == b"IHDR"
    assert np.array_equal(np.asarray(opened(data)), np.asarray(picture))
    with pytest.raises(ValueError, match="RGB or RGBA"):
        encode_png(picture.convert("L"))


# ------------------------------------------------------------------------------------- perceptual hashes


def test_near_duplicates_are_within_the_distance_and_strangers_are_not():
    original = artwork((600, 450), seed=7)
    phash = process(original).phash
    assert re.fullmatch(r"[0-9a-f]{16}", phash)
    copies = {
        "re-saved as JPEG": process(original, "JPEG", quality=60),
        "rescaled": process(original.resize((300, 225), Image.Resampling.LANCZOS)),
        "brighter": process(ImageEnhance.Brightness(original).enhance(1.1)),
        "more saturated": process(ImageEnhance.Color(original).enhance(1.3)),
    }
    for what, copy in copies.items():
        assert hash_distance(phash, copy.phash) <= NEAR_DUPLICATE_DISTANCE, what
    for seed in (8, 9, 10):
        assert hash_distance(phash, process(artwork((600, 450), seed=seed)).phash) > NEAR_DUPLICATE_DISTANCE


def test_hash_distance():
    assert hash_distance("0123456789abcdef", "0123456789abcdef") == 0
    assert hash_distance("0000000000000000", "ffffffffffffffff") == 64
    assert hash_distance("0000000000000000", "8000000000000001") == 2
    with pytest.raises(ValueError, match="16 hex"):
        hash_distance("abc", "0000000000000000")


# ---------------------------------------------------------------------------------------- translations


def test_every_refusal_reuses_a_translated_message():
    """The messages are load_image's, so the catalogues already translate them; a typo would not be."""
    from babel.messages.pofile import read_po

    from contest.core import images as core_images

    # Refusals come from this module and from the shared decoding guard in contest.core.images.
    source = "".join(Path(m.__file__).read_text(encoding="utf-8") for m in (images, core_images))
    messages = set(re.findall(r'_\(\s*"((?:[^"\\]|\\.)*)"', source))
    assert len(messages) >= 8
    catalogues = list(Path(images.__file__).parents[1].glob("translations/*/LC_MESSAGES/messages.po"))
    assert catalogues
    for path in catalogues:
        with path.open("rb") as handle:
            catalogue = read_po(handle)
        for message in messages:
            entry = catalogue.get(message)
            assert entry is not None, (path, message)
            assert entry.string, (path, message)
