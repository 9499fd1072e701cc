"""Identify uploads by decoding them, refuse anything unsafe, and re-encode what we keep."""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from contest.core.errors import DomainError

ALLOWED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


class ImageRejected(DomainError):
    """The upload is not an image we accept; ``message`` says why in words a person understands."""

    status_code = 400


@dataclass(frozen=True, slots=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int
    min_short_side: int = 0
    formats: tuple[str, ...] = ("PNG", "JPEG")


# What Pillow raises on a file it can identify but not decode.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)


@contextmanager
def decoding_guard() -> Iterator[None]:
    """Turn Pillow's warnings and errors while opening or decoding into ImageRejected with the reason.

    Pillow only warns between 1x and 2x its pixel limit; a bomb is a bomb either way. A damaged EXIF block
    only warns too; the orientation then counts as absent.
    """
    from flask_babel import gettext as _

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        warnings.simplefilter("ignore", UserWarning)
        try:
            yield
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(_("The image is too large to process safely.")) from None
        except UnidentifiedImageError:
            raise ImageRejected(_("The file is not an image we can read.")) from None
        except DECODE_ERRORS:
            raise ImageRejected(_("The image is damaged or truncated.")) from None


def load_image(data: bytes, limits: ImageLimits) -> Image.Image:
    """Decode ``data`` fully and return the image, or raise ImageRejected with the reason."""
    from flask_babel import gettext as _

    if len(data) == 0:
        raise ImageRejected(_("The file is empty."))
    if len(data) > limits.max_bytes:
        raise ImageRejected(
            _(
                "The file is too large (%(size)s MB; the limit is %(limit)s MB).",
                size=f"{len(data) / 1_048_576:.1f}",
                limit=limits.max_bytes // 1_048_576,
            )
        )
    with decoding_guard():
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > limits.max_pixels:
            raise ImageRejected(
                _(
                    "The image has too many pixels (%(mp)s megapixels; the limit is %(limit)s).",
                    mp=f"{width * height / 1e6:.1f}",
                    limit=f"{limits.max_pixels / 1e6:g}",
                )
            )
        if image.format not in limits.formats:
            raise ImageRejected(_("Only PNG and JPEG images are accepted."))
        if getattr(image, "n_frames", 1) > 1:
            raise ImageRejected(_("Animated images are not accepted."))
        image.load()
    if min(image.size) < limits.min_short_side:
        raise ImageRejected(
            _(
                "The image is too small: the short side is %(side)s px; at least %(minimum)s px is needed.",
                side=min(image.size),
                minimum=limits.min_short_side,
            )
        )
    return image


def normalise(image: Image.Image) -> Image.Image:
    """Apply EXIF orientation and bring the colour mode to RGB or RGBA (metadata is left behind)."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")


def square_thumbnail(image: Image.Image, size: int) -> Image.Image:
    return ImageOps.fit(normalise(image), (size, size), Image.Resampling.LANCZOS)


def to_webp(image: Image.Image, quality: int = 85) -> bytes:
    """Encode without any EXIF/XMP metadata."""
    out = io.BytesIO()
    image.save(out, "WEBP", quality=quality, method=4)
    return out.getvalue()
