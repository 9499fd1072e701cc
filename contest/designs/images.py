"""The design image pipeline: a header-only check on the upload request, the full work in a background job.

Phase 1, ``inspect_upload``, runs while the artist waits: it reads only the header (Pillow opens lazily),
so it costs a few milliseconds even for a 25 MB file, and refuses anything that is not a still PNG or JPEG
of an acceptable size. A truncated file cannot be told from a whole one without decoding it all; that is
left to phase 2.

Phase 2, ``process_design``, decodes everything (refusing damaged files), applies the EXIF orientation,
brings the pixels to 8-bit sRGB (RGB, or RGBA when there is real transparency), drops every piece of
metadata, and produces the private print master (lossless PNG), the public WebP renditions and a
perceptual hash for near-duplicate detection. Pure functions: no Flask app, no database.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO, Protocol

import imagehash
import numpy as np
from PIL import ExifTags, Image, ImageCms, ImageOps

from contest.core.images import DECODE_ERRORS, ImageRejected, decoding_guard

try:  # ISA-L's deflate: same format, ~3-4x the speed of zlib on image data. Optional; see encode_png.
    from isal import isal_zlib as _isal_zlib
except ImportError:
    _isal_zlib = None

#: Which deflate implementation writes the masters: "isal" when the package is installed, else "zlib".
DEFLATE_BACKEND = "zlib" if _isal_zlib is None else "isal"

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
MASTER_CONTENT_TYPE = "image/png"
DEFAULT_RENDITION_WIDTHS = (1200, 600, 300)

#: Largest Hamming distance (of 64 bits) at which two pHashes count as the same picture. Re-saving as a
#: JPEG at quality 60, halving the size, +10% brightness or +30% saturation moved the hash by 0-2 bits in
#: our trials; unrelated pictures sit near 32 (every bit a coin toss, sd 4; the closest of 28 pairs of our
#: synthetic designs was 22). 10 leaves room for heavier edits (crops and rotations defeat pHash anyway)
#: while a chance match between strangers stays a >5-sigma event.
NEAR_DUPLICATE_DISTANCE = 10

RENDITION_QUALITY = 82
#: libwebp's effort: method 4 (Pillow's default) takes 2-3x as long as 2 for files only ~5% smaller.
RENDITION_METHOD = 2

# A JPEG with an MPF (multi-picture) segment, as many phones write, is opened by Pillow as "MPO"; its first
# picture is an ordinary baseline JPEG and the others are previews or depth maps, not animation frames.
_JPEG_FORMATS = ("JPEG", "MPO")
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_SIXTEEN_BIT_GREY = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_CPUS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class UploadInfo:
    """What the header says: enough to accept the upload and queue the job."""

    format: str  # "PNG" or "JPEG"
    content_type: str
    width: int  # as displayed, i.e. after the EXIF orientation when the header carries one
    height: int


@dataclass(frozen=True, slots=True)
class ProcessedDesign:
    master: bytes  # private print master: 8-bit sRGB PNG, full resolution, only an sRGB ICC profile
    master_content_type: str
    width: int
    height: int
    renditions: dict[int, bytes]  # requested width -> WebP (never wider than the master)
    phash: str  # 64-bit perceptual hash, 16 hex digits


# --------------------------------------------------------------------------------------------------------
# Phase 1: on the request


def inspect_upload(
    data: bytes | BinaryIO, *, max_bytes: int, max_pixels: int, min_short_side: int
) -> UploadInfo:
    """Check an upload from its header alone (no pixel decoding) and say what it is, or raise ImageRejected.

    Fast enough for the request: Pillow parses the PNG chunks or JPEG markers up to the pixel data and stops.
    """
    from flask_babel import gettext as _

    if isinstance(data, bytes):
        size, stream = len(data), io.BytesIO(data)
    else:  # an uploaded file on disk: only its header is read
        size, stream = data.seek(0, os.SEEK_END), data
        stream.seek(0)
    if size == 0:
        raise ImageRejected(_("The file is empty."))
    if size > max_bytes:
        raise ImageRejected(
            _(
                "The file is too large (%(size)s MB; the limit is %(limit)s MB).",
                size=f"{size / 1_048_576:.1f}",
                limit=max_bytes // 1_048_576,
            )
        )
    with decoding_guard():
        image = Image.open(stream)
        fmt = _accepted_format(image)
        if fmt is None:
            raise ImageRejected(_("Only PNG and JPEG images are accepted."))
        if _is_animated(image):
            raise ImageRejected(_("Animated images are not accepted."))
        width, height = image.size
        if width * height > max_pixels:
            raise ImageRejected(
                _(
                    "The image has too many pixels (%(mp)s megapixels; the limit is %(limit)s).",
                    mp=f"{width * height / 1e6:.1f}",
                    limit=f"{max_pixels / 1e6:g}",
                )
            )
        if _header_orientation(image) in (5, 6, 7, 8):
            width, height = height, width
    if min(width, height) < min_short_side:
        raise ImageRejected(
            _(
                "The image is too small: the short side is %(side)s px; at least %(minimum)s px is needed.",
                side=min(width, height),
                minimum=min_short_side,
            )
        )
    return UploadInfo(format=fmt, content_type=CONTENT_TYPES[fmt], width=width, height=height)


def _accepted_format(image: Image.Image) -> str | None:
    if image.format == "PNG":
        return "PNG"
    if image.format in _JPEG_FORMATS:
        return "JPEG"
    return None


def _is_animated(image: Image.Image) -> bool:
    if image.format in _JPEG_FORMATS:
        return False  # see _JPEG_FORMATS: extra MPO pictures are not frames
    return bool(getattr(image, "is_animated", False)) or getattr(image, "n_frames", 1) > 1


def _header_orientation(image: Image.Image) -> int:
    """The EXIF orientation if the header already holds it; never triggers a decode.

    A PNG's eXIf chunk may follow the pixel data, and ``PngImageFile.getexif`` would then decode the whole
    image to reach it, so PNGs are only asked when the chunk came before the pixels.
    """
    if "exif" not in image.info:
        return 1
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except DECODE_ERRORS:
        return 1
    return orientation if isinstance(orientation, int) else 1


# --------------------------------------------------------------------------------------------------------
# Phase 2: in the background job


def process_design(
    data: bytes, *, rendition_widths: tuple[int, ...] = DEFAULT_RENDITION_WIDTHS
) -> ProcessedDesign:
    """Decode fully, normalise to sRGB without metadata, and produce the master, renditions and pHash.

    Raises ImageRejected when the file turns out to be damaged or truncated (phase 1 cannot see that).
    The master is encoded on a second thread while this one makes the renditions: both spend their time in
    C code that releases the GIL (deflate, Pillow's reduce/resize, libwebp) and only read the image.
    """
    if not rendition_widths or any(w < 1 for w in rendition_widths):
        raise ValueError("rendition widths must be positive, and at least one is needed")
    image = _normalise(_decode(data))
    width, height = image.size
    if _CPUS > 1:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="design-master") as pool:
            master_job = pool.submit(encode_png, image, icc_profile=srgb_icc_profile())
            renditions, smallest = _renditions(image, rendition_widths)
            phash = _phash(smallest)
            master = master_job.result()
    else:
        master = encode_png(image, icc_profile=srgb_icc_profile())
        renditions, smallest = _renditions(image, rendition_widths)
        phash = _phash(smallest)
    return ProcessedDesign(
        master=master,
        master_content_type=MASTER_CONTENT_TYPE,
        width=width,
        height=height,
        renditions=renditions,
        phash=phash,
    )


def hash_distance(a: str, b: str) -> int:
    """Hamming distance between two pHashes from ``process_design``; compare with NEAR_DUPLICATE_DISTANCE."""
    if len(a) != 16 or len(b) != 16:
        raise ValueError("a pHash is 16 hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _decode(data: bytes) -> Image.Image:
    from flask_babel import gettext as _

    if len(data) == 0:
        raise ImageRejected(_("The file is empty."))
    with decoding_guard():
        image = Image.open(io.BytesIO(data))
        # Phase 1 checked all this; the job must not trust that the stored bytes are the checked ones.
        if _accepted_format(image) is None:
            raise ImageRejected(_("Only PNG and JPEG images are accepted."))
        if _is_animated(image):
            raise ImageRejected(_("Animated images are not accepted."))
        image.load()
    return image


def _normalise(image: Image.Image) -> Image.Image:
    """Orientation applied, 8-bit RGB or RGBA in sRGB, ``info`` empty (so no encoder can copy metadata)."""
    # An unreadable EXIF block has no orientation we could trust: carry on without, quietly.
    with warnings.catch_warnings(), contextlib.suppress(*DECODE_ERRORS):
        warnings.simplefilter("ignore", UserWarning)
        ImageOps.exif_transpose(image, in_place=True)
    icc = image.info.get("icc_profile") or None
    target = "RGBA" if image.mode in _ALPHA_MODES or "transparency" in image.info else "RGB"
    if image.mode in _SIXTEEN_BIT_GREY:
        # Pillow clips 16-bit grey to 8 bits instead of scaling (32768 would become 255, not 128).
        grey = np.asarray(image).astype(np.uint32)
        image = Image.fromarray(((np.clip(grey, 0, 65535) + 128) // 257).astype(np.uint8), "L")
    converted = _to_srgb(image, icc, target) if icc else None
    if converted is None:
        converted = image if image.mode == target else image.convert(target)
    del image
    if converted.mode == "RGBA" and converted.getextrema()[3][0] == 255:
        converted = converted.convert("RGB")  # an alpha channel that is opaque everywhere is no transparency
    converted.info = {}
    return converted


def _to_srgb(image: Image.Image, icc: bytes, target: str) -> Image.Image | None:
    """The pixels converted to sRGB (mode ``target``) through their embedded ICC profile.

    None when there is nothing to do (the profile is sRGB already) or it cannot be done (a broken profile,
    or one for another colour space than the pixels): the caller then keeps the pixels as they are, which
    is what a browser shows for an untagged image. Relative colorimetric with black-point compensation,
    as image editors convert between RGB spaces.
    """
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = source.profile.xcolor_space.strip()
        if space == "RGB" and image.mode != "CMYK":
            transform = _transform(source, "RGB")
            if _is_identity(transform):
                return None
            pixels = image if image.mode == target else image.convert(target)
            if target == "RGBA":
                transform = _transform(source, "RGBA")  # converts the colour, carries the alpha across
            ImageCms.applyTransform(pixels, transform, inPlace=True)  # we own the decoded image: no copy
            return pixels
        if space == "GRAY" and image.mode in ("L", "LA", "La", "1", "P"):
            alpha = image.convert("RGBA").getchannel("A") if target == "RGBA" else None
            result = ImageCms.applyTransform(image.convert("L"), _transform(source, "L", "RGB"))
        elif space == "CMYK" and image.mode == "CMYK":
            alpha, result = None, ImageCms.applyTransform(image, _transform(source, "CMYK", "RGB"))
        else:
            return None  # the profile does not describe these pixels
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    if result is not None and alpha is not None:
        result.putalpha(alpha)
    return result


def _transform(
    source: ImageCms.ImageCmsProfile, mode: str, out_mode: str | None = None
) -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        source,
        _srgb_profile(),
        mode,
        out_mode or mode,
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


def _is_identity(transform: ImageCms.ImageCmsTransform) -> bool:
    """Whether an RGB transform leaves colours where they are (within 2 of 255): the profile is sRGB.

    Judged by what the profile does, not by its name: real sRGB profiles differ in name, version and
    black scaling, and a profile merely *called* sRGB must not be trusted. Converting an sRGB image anyway
    would cost ~0.2 s per 16 megapixels and round some values by one.
    """
    probe = _colour_probe()
    result = ImageCms.applyTransform(probe, transform)
    difference = np.abs(np.asarray(result, np.int16) - np.asarray(probe, np.int16))
    return int(difference.max()) <= 2


@cache
def _colour_probe() -> Image.Image:
    levels = (0, 16, 48, 96, 128, 160, 208, 255)
    colours = [(v, v, v) for v in levels]  # the tone curve
    colours += [(r, g, b) for r in (0, 128, 255) for g in (0, 128, 255) for b in (0, 128, 255)]  # primaries
    probe = Image.new("RGB", (len(colours), 1))
    probe.putdata(colours)
    return probe


@cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@cache
def srgb_icc_profile() -> bytes:
    """The sRGB ICC profile embedded in every master (LittleCMS's built-in sRGB, v4, 588 bytes)."""
    return _srgb_profile().tobytes()


# --------------------------------------------------------------------------------------------------------
# The master: a PNG writer built for speed


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_STRIP_BYTES = 512 * 1024  # rows are filtered and compressed in strips of about this size (stays in cache)


def encode_png(image: Image.Image, *, icc_profile: bytes | None = None) -> bytes:
    """Encode an RGB or RGBA image as an 8-bit PNG holding only IHDR, iCCP (if given), IDAT and IEND.

    Why not ``Image.save(..., "PNG", compress_level=1)``: Pillow picks a filter for every row by trying
    them all in scalar C, which alone takes ~0.85 s for 48 MB of pixels even at ``compress_level=0``; the
    whole save takes 1.2-1.5 s for a 16-24 megapixel image, more than everything else in the job together.
    Here every row uses the "Up" filter (one vectorised numpy subtraction; flat areas and repeated rows
    become zeros) and the fastest deflate setting that still compresses well:

    * with ISA-L (the ``isal`` package) installed, its level 1: ~90-140 ms for 48-72 MB of grainy pixels;
    * otherwise zlib at level 1 with the ``Z_RLE`` strategy (runs only, no hash-chain search): 10-45%
      faster than zlib's default level 1 at about the same size (+-10%), but 3-4x slower than ISA-L.

    Higher levels would gain a few percent at two to ten times the time; the master is lossless at any level.
    The output goes straight into one growing buffer, so the master is never held twice.
    """
    if image.mode not in ("RGB", "RGBA"):
        raise ValueError(f"encode_png takes RGB or RGBA, not {image.mode}")
    width, height = image.size
    channels = len(image.mode)
    row_bytes = width * channels
    out = io.BytesIO()
    out.write(_PNG_SIGNATURE)
    out.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6 if channels == 4 else 2, 0, 0, 0)))
    if icc_profile:
        out.write(_chunk(b"iCCP", b"sRGB\x00\x00" + zlib.compress(icc_profile, 9)))
    compressor = _compressor()
    strip_rows = max(1, _STRIP_BYTES // row_bytes)
    previous = np.zeros(row_bytes, np.uint8)  # the row above the first one counts as zeros (PNG spec)
    for top in range(0, height, strip_rows):
        bottom = min(height, top + strip_rows)
        raw = np.frombuffer(image.crop((0, top, width, bottom)).tobytes(), np.uint8)
        raw = raw.reshape(bottom - top, row_bytes)
        filtered = np.empty((bottom - top, row_bytes + 1), np.uint8)
        filtered[:, 0] = 2  # filter type "Up"
        np.subtract(raw[0], previous, out=filtered[0, 1:])
        np.subtract(raw[1:], raw[:-1], out=filtered[1:, 1:])
        previous = raw[-1]
        _write_idat(out, compressor.compress(filtered))
    _write_idat(out, compressor.flush())
    out.write(_chunk(b"IEND", b""))
    return out.getvalue()


class _Compressor(Protocol):
    def compress(self, data: np.ndarray, /) -> bytes: ...
    def flush(self, mode: int = ..., /) -> bytes: ...


def _compressor() -> _Compressor:
    if _isal_zlib is not None:
        return _isal_zlib.compressobj(1, _isal_zlib.DEFLATED, 15)
    return zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))


def _write_idat(out: io.BytesIO, body: bytes) -> None:
    if body:  # the compressor returns nothing until it has a block ready; an empty IDAT is legal but useless
        out.write(struct.pack(">I", len(body)) + b"IDAT")
        out.write(body)
        out.write(struct.pack(">I", zlib.crc32(body, zlib.crc32(b"IDAT"))))


# --------------------------------------------------------------------------------------------------------
# Renditions and the perceptual hash


def _renditions(image: Image.Image, widths: tuple[int, ...]) -> tuple[dict[int, bytes], Image.Image]:
    """WebP renditions by width (never upscaled), each made from the previous one, largest first.

    A chain is much cheaper than shrinking the full image three times, and ``reduce()`` (an integer box
    filter: fast, and it averages every source pixel) does the bulk of each step.
    Returns the renditions and the smallest rendition's image (for the pHash).
    """
    renditions: dict[int, bytes] = {}
    current = image
    encoded: dict[tuple[int, int], bytes] = {}
    for requested in sorted(set(widths), reverse=True):
        width = min(requested, image.width)
        height = max(1, round(image.height * width / image.width))
        current = _shrink(current, width, height)
        if current.size not in encoded:
            encoded[current.size] = _webp(current)
        renditions[requested] = encoded[current.size]
    if current is image:  # no rendition smaller than the image itself: hash a small copy instead
        width = min(image.width, 256)
        current = _shrink(image, width, max(1, round(image.height * width / image.width)))
    return {w: renditions[w] for w in widths}, current


def _shrink(image: Image.Image, width: int, height: int) -> Image.Image:
    if image.size == (width, height):
        return image
    factor_x, factor_y = image.width // width, image.height // height
    if factor_x >= 2 or factor_y >= 2:
        image = image.reduce((max(1, factor_x), max(1, factor_y)))
    if image.size != (width, height):
        # What is left after reduce() is a factor below 2, where BICUBIC looks the same as LANCZOS for
        # a third less time.
        image = image.resize((width, height), Image.Resampling.BICUBIC)
    return image


def _webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=RENDITION_QUALITY, method=RENDITION_METHOD)
    return out.getvalue()


def _phash(image: Image.Image) -> str:
    """pHash of a small image; transparency is flattened onto white first, as the design would be printed."""
    if image.mode == "RGBA":
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image).convert("RGB")
    return str(imagehash.phash(image))
