"""Product blanks and mockups for the print-on-demand catalogue, drawn with Pillow alone.

No photographs are shipped: every product (t-shirt, hoodie, poster, mug, sticker) is drawn from a handful of
polygons, so any garment colour costs nothing and the catalogue never depends on licensed stock images.

Each kind is built once into a few greyscale layers (cached per kind):

* ``mask``: the silhouette, drawn at 2x and downsampled with LANCZOS so its edges are anti-aliased;
* ``shade``: a multiply map (255 = untouched) holding crisp seams (2x) and soft folds (drawn small and
  blurred, which is both faster and softer than drawing them at full size);
* ``light``: a screen map (0 = untouched) for highlights, which is what makes a black garment read as an
  object, since multiplying near-black by anything changes nothing;
* ``backdrop``: the light-grey studio background with the product's cast shadow.

A mockup is the garment colour, the design alpha-composited over it like ink (never multiplied with the
garment, which would make designs vanish on dark fabric), then the shade and light maps on top. Inside a
print area the shade never drops below 0.88 and the highlight stays faint, and around its centre both are
all but neutral, so the design's colours stay true on any garment.
"""

from __future__ import annotations

import functools
import io
import math
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

CANVAS = 1200  # every blank and mockup is CANVAS x CANVAS pixels, RGB
KINDS = ("tshirt", "hoodie", "poster", "mug", "sticker")

#: The colour each catalogue icon is drawn in: a soft white for apparel, paper white for the rest.
ICON_COLOURS = {
    "tshirt": "#f4f4f2",
    "hoodie": "#f4f4f2",
    "poster": "#ffffff",
    "mug": "#ffffff",
    "sticker": "#ffffff",
}
ICON_SIZE = 600
ICON_BUDGET = 60 * 1024  # bytes per icon
ICON_DIR = Path(__file__).resolve().parents[2] / "static" / "img" / "blanks"

_SUPER = 2  # crisp layers are drawn at 2x for anti-aliasing
_SOFT = 4  # soft layers are drawn at 1/4 size, blurred, then upscaled
_SMALL = CANVAS // _SOFT
_STICKER_WHITE = (251, 251, 250)
_COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")

# Inside a print area the multiply map never goes below _FLOOR (0.88), and around the centre of the area
# never below _CENTRE_FLOOR (0.98); highlights are capped likewise. This is what keeps prints colour-true.
_FLOOR = 224
_CENTRE_FLOOR = 250
_CENTRE_LIGHT_CAP = 4
# The crisp detail layer holds darkening and highlights in one channel (one 2x LANCZOS pass instead of two):
# below _NEUTRAL it multiplies by value/_NEUTRAL, above it screens 2 * (value - _NEUTRAL) of light.
_NEUTRAL = 128
_DETAIL_SHADE = [min(255, round(v * 255 / _NEUTRAL)) for v in range(256)]
_DETAIL_LIGHT = [max(0, 2 * (v - _NEUTRAL)) for v in range(256)]

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class PrintArea:
    """Where a design goes on the CANVAS, in pixels."""

    left: int
    top: int
    width: int
    height: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.left, self.top, self.left + self.width, self.top + self.height)

    @property
    def centre(self) -> tuple[int, int]:
        return (self.left + self.width // 2, self.top + self.height // 2)


PRINT_AREAS: dict[str, PrintArea] = {
    "tshirt": PrintArea(420, 310, 360, 450),
    "hoodie": PrintArea(430, 380, 340, 380),
    "poster": PrintArea(276, 126, 648, 948),
    "mug": PrintArea(380, 410, 360, 480),
    "sticker": PrintArea(296, 296, 608, 608),
}


# --------------------------------------------------------------------------------------------- drawing kit


class _Pen:
    """ImageDraw with coordinates given on the 1x CANVAS, whatever the layer's real resolution."""

    def __init__(self, image: Image.Image) -> None:
        self.draw = ImageDraw.Draw(image)
        self.scale = image.width / CANVAS
        self.bbox: tuple[int, int, int, int] | None = None  # what has been drawn on, in layer pixels

    def _touch(self, xs: Iterable[float], ys: Iterable[float], width: float) -> None:
        xs, ys = list(xs), list(ys)
        pad = width * self.scale + 2
        box = (int(min(xs) - pad), int(min(ys) - pad), math.ceil(max(xs) + pad), math.ceil(max(ys) + pad))
        if self.bbox is not None:
            box = (*map(min, self.bbox[:2], box[:2]), *map(max, self.bbox[2:], box[2:]))
        self.bbox = box

    def _pts(self, points: Iterable[Point], width: float = 0) -> list[Point]:
        scaled = [(x * self.scale, y * self.scale) for x, y in points]
        self._touch((x for x, _ in scaled), (y for _, y in scaled), width)
        return scaled

    def _box(self, box: Sequence[float], width: float = 0) -> list[float]:
        """Scaled, and in order even when mirrored (Pillow wants x0 <= x1 and y0 <= y1)."""
        x0, y0, x1, y1 = (v * self.scale for v in box)
        self._touch((x0, x1), (y0, y1), width)
        return [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]

    def polygon(
        self, points: Iterable[Point], fill: int, outline: int | None = None, width: float = 1
    ) -> None:
        self.draw.polygon(
            self._pts(points, width), fill=fill, outline=outline, width=max(1, round(width * self.scale))
        )

    def line(self, points: Iterable[Point], fill: int, width: float) -> None:
        self.draw.line(
            self._pts(points, width), fill=fill, width=max(1, round(width * self.scale)), joint="curve"
        )

    def ellipse(
        self, box: Sequence[float], fill: int | None, outline: int | None = None, width: float = 1
    ) -> None:
        self.draw.ellipse(
            self._box(box, width), fill=fill, outline=outline, width=max(1, round(width * self.scale))
        )

    def rectangle(self, box: Sequence[float], fill: int) -> None:
        self.draw.rectangle(self._box(box), fill=fill)

    def rounded(
        self,
        box: Sequence[float],
        radius: float,
        fill: int | None,
        outline: int | None = None,
        width: float = 1,
    ) -> None:
        self.draw.rounded_rectangle(
            self._box(box, width),
            radius=radius * self.scale,
            fill=fill,
            outline=outline,
            width=max(1, round(width * self.scale)),
        )


@dataclass(slots=True)
class _Sketch:
    """The pens a kind draws with: silhouette, white parts, crisp seams, soft folds, highlights."""

    mask: _Pen  # 2x, 255 = product
    white: _Pen  # 2x, 255 = always white (a sticker's die-cut border), whatever the colour
    detail: _Pen  # 2x, crisp seams, ribbing, openings: _ink() darkens, _glow() lightens
    shade: _Pen  # 1/4 size multiply map: folds and volume, blurred
    light: _Pen  # 1/4 size screen map: highlights, blurred


@dataclass(frozen=True, slots=True)
class _Style:
    soft_blur: float = 14  # blur of the fold/highlight layers, CANVAS pixels
    edge_blur: float = 22  # how far in from the silhouette the edge darkening reaches
    edge_strength: float = 0.3  # how dark the silhouette's edge gets (0 = flat cut-out)
    # The cast shadow on the backdrop: dx, dy, blur, strength.
    shadow: tuple[float, float, float, float] = (10, 16, 18, 0.35)
    light_cap: int = 16  # strongest highlight allowed over a print


@dataclass(frozen=True, slots=True)
class _Geometry:
    mask: Image.Image  # L
    white: Image.Image | None  # L
    shade: Image.Image  # L, multiply (255 = 1.0)
    light: Image.Image  # L, screen (0 = none)
    backdrop: Image.Image  # RGB


def _ink(factor: float) -> int:
    """A detail tone that multiplies the colour by `factor` (dark seams show on light garments)."""
    return round(_NEUTRAL * factor)


def _glow(amount: int) -> int:
    """A detail tone that screens `amount` (0-254) of light over the colour (seams show on dark garments)."""
    return _NEUTRAL + (amount + 1) // 2


def _mirror(half: Sequence[Point]) -> list[Point]:
    """A symmetric outline from its left half, listed from the top of the centre line to its bottom."""
    right = [(CANVAS - x, y) for x, y in reversed(half[1:-1])]
    return [*half, *right]


def _flip(points: Iterable[Point]) -> list[Point]:
    return [(CANVAS - x, y) for x, y in points]


def _both(pen_call: Callable[[list[Point]], None], points: Sequence[Point]) -> None:
    """Draw a shape and its mirror image, for the details that come in pairs (sleeves, folds)."""
    pen_call(list(points))
    pen_call(_flip(points))


def _arc(
    cx: float, cy: float, rx: float, ry: float, start: float, end: float, steps: int = 32
) -> list[Point]:
    """Points on an ellipse, angles in degrees with y pointing down (0 = right, 90 = bottom)."""
    out = []
    for i in range(steps + 1):
        t = math.radians(start + (end - start) * i / steps)
        out.append((cx + rx * math.cos(t), cy + ry * math.sin(t)))
    return out


# ------------------------------------------------------------------------------------------------ products


def _tshirt(sk: _Sketch) -> _Style:
    half = [
        (600, 158), (560, 153), (510, 140), (365, 185), (160, 395), (262, 490),
        (385, 440), (383, 700), (388, 1065), (600, 1072),
    ]  # fmt: skip
    sk.mask.polygon(_mirror(half), 255)

    # Neckline: a ribbed band, and the inside of the back seen through the neck opening.
    sk.detail.polygon(_arc(600, 140, 106, 128, 0, 180), _ink(0.93))
    sk.detail.polygon(_arc(600, 140, 90, 112, 0, 180), _ink(0.77))
    sk.detail.line(_arc(600, 140, 106, 128, 2, 178), _glow(36), 6)
    sk.detail.line(_arc(600, 140, 106, 128, 2, 178), _ink(0.84), 2.5)
    sk.detail.line(_arc(600, 140, 90, 112, 2, 178), _glow(60), 3)
    sk.detail.line([(514, 152), (560, 166), (600, 171), (640, 166), (686, 152)], _ink(0.71), 3)
    # Sleeve seams, sleeve hems and the bottom hem stitching.
    for seam in ([(368, 190), (360, 260), (368, 350), (385, 438)], [(176, 379), (277, 473)]):
        _both(lambda p: sk.detail.line(p, _glow(28), 5), seam)
        _both(lambda p: sk.detail.line(p, _ink(0.87), 2), seam)
    sk.detail.line([(388, 1040), (600, 1047), (812, 1040)], _glow(28), 5)
    sk.detail.line([(388, 1040), (600, 1047), (812, 1040)], _ink(0.88), 2)

    # Folds: sleeves on a slightly different plane, creases from the armpits, ripples at the hem, one soft
    # fold across the print (kept within the print-area limits), light on the shoulders.
    _both(lambda p: sk.shade.polygon(p, 240), [(365, 185), (160, 395), (262, 490), (385, 440)])
    _both(lambda p: sk.shade.polygon(p, 204), [(385, 440), (398, 446), (440, 540), (430, 544)])
    _both(lambda p: sk.light.polygon(p, 60), [(402, 446), (412, 450), (436, 508), (428, 512)])
    _both(lambda p: sk.shade.polygon(p, 212), [(466, 1062), (478, 1062), (492, 925), (486, 925)])
    _both(lambda p: sk.light.polygon(p, 55), [(484, 1062), (494, 1062), (502, 930), (498, 930)])
    _both(lambda p: sk.shade.polygon(p, 222), [(394, 700), (408, 700), (416, 1010), (398, 1010)])
    _both(lambda p: sk.shade.polygon(p, 222), [(200, 400), (330, 260), (338, 270), (212, 410)])
    _both(lambda p: sk.light.polygon(p, 45), [(215, 412), (342, 276), (350, 286), (228, 422)])
    sk.shade.polygon([(420, 640), (560, 780), (575, 778), (430, 630)], 232)
    sk.light.polygon([(440, 626), (585, 772), (600, 770), (452, 616)], 14)
    sk.shade.polygon([(600, 860), (800, 800), (800, 815), (600, 876)], 226)
    sk.light.polygon([(600, 884), (800, 824), (800, 834), (600, 894)], 40)
    _both(lambda p: sk.light.polygon(p, 26), [(505, 158), (382, 196), (392, 232), (500, 196)])
    return _Style(soft_blur=12, edge_blur=22, edge_strength=0.32, shadow=(10, 16, 22, 0.32))


def _hoodie(sk: _Sketch) -> _Style:
    hood = [(600, 55), (540, 62), (490, 92), (458, 150), (452, 215), (470, 280), (600, 290)]
    body = [
        (600, 245), (530, 240), (475, 238), (360, 272), (312, 300), (192, 955), (200, 960), (200, 1048),
        (292, 1052), (292, 962), (300, 958), (380, 505), (378, 1000), (388, 1004), (388, 1084), (600, 1088),
    ]  # fmt: skip
    sk.mask.polygon(_mirror(hood), 255)
    sk.mask.polygon(_mirror(body), 255)

    # Hood: the double-layer edge, the dark lining seen through the opening, drawstrings with eyelets.
    opening = [(600, 86), (560, 92), (522, 118), (505, 170), (515, 225), (548, 272), (600, 305)]
    edge = _mirror([(600 + (x - 600) * 1.16, 180 + (y - 180) * 1.14) for x, y in opening])
    sk.detail.polygon(edge, _ink(0.92), outline=_glow(40), width=5)
    sk.detail.line([*edge, edge[0]], _ink(0.84), 2)
    sk.detail.polygon(_mirror(opening), _ink(0.70), outline=_glow(54), width=4)
    sk.detail.line([(600, 305), (600, 322)], _ink(0.78), 2)
    sk.detail.line([(600, 58), (600, 96)], _ink(0.87), 2)
    _both(lambda p: sk.detail.line(p, _ink(0.83), 8), [(563, 290), (558, 350)])
    _both(lambda p: sk.detail.line(p, _glow(60), 3), [(563, 296), (558, 340)])
    _both(lambda p: sk.detail.line(p, _ink(0.72), 8), [(558, 340), (557, 354)])
    _both(
        lambda p: sk.detail.ellipse(p[0] + p[1], _ink(0.6), outline=_glow(60), width=2),
        [(555, 281), (571, 297)],
    )
    # Shoulder seams, cuff and waistband ribbing, the kangaroo pocket.
    seams = [
        [(360, 274), (354, 360), (364, 440), (380, 503)], [(196, 960), (300, 960)],
    ]  # fmt: skip
    for seam in seams:
        _both(lambda p: sk.detail.line(p, _glow(30), 6), seam)
        _both(lambda p: sk.detail.line(p, _ink(0.84), 2.5), seam)
    sk.detail.line([(388, 1003), (812, 1003)], _glow(30), 6)
    sk.detail.line([(388, 1003), (812, 1003)], _ink(0.82), 3)
    for x in range(212, 292, 12):
        _both(lambda p: sk.detail.line(p, _glow(16), 3), [(x, 968), (x, 1046)])
        _both(lambda p: sk.detail.line(p, _ink(0.94), 1.5), [(x + 6, 968), (x + 6, 1046)])
    for x in range(400, 804, 12):
        sk.detail.line([(x, 1012), (x, 1080)], _glow(16), 3)
        sk.detail.line([(x + 6, 1012), (x + 6, 1080)], _ink(0.94), 1.5)
    pocket = [(452, 800), (748, 800), (788, 905), (792, 985), (408, 985), (412, 905)]
    sk.detail.line([*pocket, pocket[0]], _glow(34), 6)
    sk.detail.line([*pocket, pocket[0]], _ink(0.84), 3)
    sk.detail.line([(460, 810), (740, 810)], _ink(0.9), 1.5)
    _both(lambda p: sk.detail.line(p, _ink(0.66), 5), [(452, 800), (412, 905)])
    _both(lambda p: sk.detail.line(p, _glow(44), 3), [(460, 804), (421, 906)])

    # Folds: sleeves on their own plane, elbow creases, armpit pull lines, a sag above the pocket.
    _both(lambda p: sk.shade.polygon(p, 238), [(360, 272), (312, 300), (192, 955), (300, 958), (380, 505)])
    _both(lambda p: sk.shade.polygon(p, 196), [(254, 630), (352, 652), (350, 664), (252, 642)])
    _both(lambda p: sk.light.polygon(p, 60), [(252, 646), (350, 668), (348, 678), (250, 656)])
    _both(lambda p: sk.shade.polygon(p, 206), [(232, 790), (330, 770), (330, 782), (232, 802)])
    _both(lambda p: sk.light.polygon(p, 50), [(232, 806), (330, 786), (330, 796), (232, 816)])
    _both(lambda p: sk.shade.polygon(p, 206), [(380, 505), (396, 512), (436, 600), (428, 604)])
    _both(lambda p: sk.light.polygon(p, 50), [(402, 512), (412, 516), (432, 570), (426, 574)])
    _both(lambda p: sk.shade.polygon(p, 218), [(412, 905), (452, 800), (462, 800), (426, 910)])
    sk.shade.polygon([(420, 778), (780, 778), (780, 792), (420, 792)], 226)
    sk.light.polygon([(470, 60), (600, 52), (600, 70), (480, 80)], 40)
    _both(lambda p: sk.light.polygon(p, 24), [(470, 252), (372, 280), (380, 318), (468, 290)])
    return _Style(soft_blur=12, edge_blur=24, edge_strength=0.32, shadow=(10, 16, 22, 0.32))


def _poster(sk: _Sketch) -> _Style:
    sheet = (240, 90, 960, 1110)
    sk.mask.rectangle(sheet, 255)
    sk.detail.rectangle(sheet, _ink(0.92))
    sk.detail.rectangle((241, 91, 959, 1109), _NEUTRAL)
    # Paper is never perfectly flat: a faint bow across the sheet and a slightly lifted bottom corner.
    sk.shade.polygon([(240, 90), (420, 90), (240, 600)], 244)
    sk.shade.polygon([(960, 960), (960, 1110), (820, 1110)], 226)
    sk.light.polygon([(700, 90), (960, 90), (960, 420)], 20)
    sk.light.polygon([(960, 930), (960, 950), (800, 1110), (780, 1110)], 20)
    return _Style(soft_blur=14, edge_blur=8, edge_strength=0.08, shadow=(6, 9, 8, 0.42), light_cap=20)


def _mug(sk: _Sketch) -> _Style:
    left, right, top, bottom = 320, 800, 300, 1000
    cx, half = (left + right) / 2, (right - left) / 2
    # Handle first (a D-shaped ring), then the cylinder over it.
    sk.mask.rounded((736, 430, 990, 862), 120, 255)
    sk.mask.rounded((782, 500, 930, 792), 70, 0)
    sk.mask.rectangle((left, top, right, bottom), 255)
    sk.mask.ellipse((left, top - 40, right, top + 40), 255)
    sk.mask.ellipse((left, bottom - 40, right, bottom + 40), 255)

    # Rim and the inside of the mug; where the handle meets the body; the foot.
    sk.detail.ellipse((left + 14, top - 32, right - 14, top + 32), _ink(0.66))
    sk.detail.ellipse((left + 14, top - 32, right - 14, top + 20), _ink(0.57))
    sk.detail.ellipse((left + 2, top - 38, right - 2, top + 38), None, outline=_glow(70), width=5)
    sk.detail.ellipse((left + 14, top - 32, right - 14, top + 32), None, outline=_ink(0.86), width=2)
    sk.detail.line([(right, 440), (right - 2, 650), (right, 852)], _ink(0.78), 3)
    sk.detail.line(_arc(cx, bottom, half - 4, 36, 10, 170), _glow(24), 4)

    # A cylinder: shading rolls off towards both sides and darkens near the base; a glossy stripe on the
    # left, a faint one on the right, light along the handle. The handle is drawn first so the body's
    # columns cover its root.
    sk.shade.rounded((736, 430, 990, 862), 120, 226)
    for x in range(left, right, _SOFT):
        u = (x + _SOFT / 2 - cx) / half
        roll = 1 - 0.24 * abs(u) ** 2.5
        sk.shade.rectangle((x, top - 40, x + _SOFT, bottom - 30), round(255 * roll))
        sk.shade.rectangle((x, bottom - 30, x + _SOFT, bottom + 40), round(230 * roll))
        gloss = 40 * math.exp(-(((u + 0.62) / 0.07) ** 2)) + 24 * math.exp(-(((u - 0.72) / 0.1) ** 2))
        sk.light.rectangle((x, top + 30, x + _SOFT, bottom - 10), round(gloss))
    sk.light.rounded((750, 444, 976, 848), 112, None, outline=44, width=12)
    return _Style(soft_blur=6, edge_blur=14, edge_strength=0.22, shadow=(16, 18, 16, 0.4), light_cap=40)


def _sticker(sk: _Sketch) -> _Style:
    outer, inner = (230, 230, 970, 970), (262, 262, 938, 938)
    sk.mask.rounded(outer, 130, 255)
    sk.white.rounded(outer, 130, 255)
    sk.white.rounded(inner, 100, 0)
    sk.detail.rounded(inner, 100, None, outline=_ink(0.93), width=2)
    # Vinyl is glossy: a sheen across the top-left corner, a hint of lift at the bottom-right one.
    sk.light.polygon([(230, 430), (430, 230), (480, 230), (230, 480)], 30)
    sk.light.polygon([(230, 520), (520, 230), (535, 230), (230, 535)], 22)
    sk.shade.polygon([(970, 840), (970, 970), (840, 970)], 228)
    return _Style(soft_blur=8, edge_blur=10, edge_strength=0.14, shadow=(8, 12, 10, 0.38), light_cap=30)


_RENDERERS: dict[str, Callable[[_Sketch], _Style]] = {
    "tshirt": _tshirt,
    "hoodie": _hoodie,
    "poster": _poster,
    "mug": _mug,
    "sticker": _sticker,
}


# ------------------------------------------------------------------------------------------------ assembly


def _blur(image: Image.Image, radius: float) -> Image.Image:
    """Gaussian blur of a 1/4-size layer, radius given in CANVAS pixels."""
    return image.filter(ImageFilter.GaussianBlur(radius / _SOFT)) if radius > 0 else image


def _up(image: Image.Image, resample: Image.Resampling = Image.Resampling.BICUBIC) -> Image.Image:
    return image.resize((CANVAS, CANVAS), resample)


def _down(image: Image.Image, drawn: tuple[int, int, int, int] | None, background: int) -> Image.Image:
    """LANCZOS from 2x to 1x, over the drawn region only: a full 2400 px LANCZOS pass costs ~35 ms per layer,
    which alone would blow the time budget for a blank, and the rest of the layer is one flat value."""
    out = Image.new("L", (CANVAS, CANVAS), background)
    if drawn is None:
        return out
    margin = 4 * _SUPER  # LANCZOS reaches 3 output pixels either side
    x0, y0 = (max(0, (v - margin) // _SUPER * _SUPER) for v in drawn[:2])
    x1, y1 = (min(CANVAS * _SUPER, (v + margin + _SUPER - 1) // _SUPER * _SUPER) for v in drawn[2:])
    size = ((x1 - x0) // _SUPER, (y1 - y0) // _SUPER)
    out.paste(
        image.resize(size, Image.Resampling.LANCZOS, box=(x0, y0, x1, y1)), (x0 // _SUPER, y0 // _SUPER)
    )
    return out


def _print_guard(area: PrintArea, outside: int, inside: int, centre: int, feather: float) -> Image.Image:
    """A 1/4-size map: `inside` over the print area, `centre` around its middle, `outside` elsewhere."""
    guard = Image.new("L", (_SMALL, _SMALL), outside)
    pen = _Pen(guard)
    pen.rectangle(area.box, inside)
    cx, cy = area.centre
    rx, ry = area.width * 0.22, area.height * 0.22
    pen.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), centre)
    return _blur(guard, feather)


def _shifted(image: Image.Image, dx: float, dy: float) -> Image.Image:
    out = Image.new(image.mode, image.size, 0)
    out.paste(image, (round(dx / _SOFT), round(dy / _SOFT)))
    return out


def _backdrop(mask_small: Image.Image, style: _Style) -> Image.Image:
    """Light-grey studio sweep: a gentle vertical gradient, a vignette, and the product's shadow."""
    ramp = Image.linear_gradient("L").resize((_SMALL, _SMALL)).point(lambda v: 238 - v * 18 // 255)
    vignette = (
        Image.radial_gradient("L").resize((_SMALL, _SMALL)).point(lambda v: 255 - min(v, 255) * 16 // 255)
    )
    ground = ImageChops.multiply(ramp, vignette)
    dx, dy, blur, strength = style.shadow
    for ox, oy, radius, amount in ((dx, dy, blur, strength), (dx / 3, dy / 3, blur / 4, strength * 0.5)):
        cast = _blur(_shifted(mask_small, ox, oy), radius)
        ground = ImageChops.multiply(ground, cast.point(lambda v, a=amount: 255 - round(v * a)))
    return _up(ground).convert("RGB")


@functools.lru_cache(maxsize=len(KINDS))
def _geometry(kind: str) -> _Geometry:
    """Draw a kind's layers once; every colour of it is then a few channel operations away."""
    big, small = (CANVAS * _SUPER,) * 2, (_SMALL, _SMALL)
    layers = {
        "mask": Image.new("L", big, 0),
        "white": Image.new("L", big, 0),
        "detail": Image.new("L", big, _NEUTRAL),
        "shade": Image.new("L", small, 255),
        "light": Image.new("L", small, 0),
    }
    pens = {name: _Pen(image) for name, image in layers.items()}
    style = _RENDERERS[kind](_Sketch(**pens))
    area = PRINT_AREAS[kind]

    # The print-area limits are applied to the soft layers; crisp details stay out of print areas by design
    # (a seam drawn across a print would look wrong anyway), which the tests check.
    mask_small = layers["mask"].resize(small, Image.Resampling.BOX)
    edge = _blur(mask_small, style.edge_blur).point(lambda v: 255 - round(style.edge_strength * (255 - v)))
    soft = ImageChops.multiply(_blur(layers["shade"], style.soft_blur), edge)
    soft = ImageChops.lighter(soft, _print_guard(area, 0, _FLOOR, _CENTRE_FLOOR, 24))
    glow = _blur(layers["light"], style.soft_blur)
    glow = ImageChops.darker(glow, _print_guard(area, 255, style.light_cap, _CENTRE_LIGHT_CAP, 24))

    detail = _down(layers["detail"], pens["detail"].bbox, _NEUTRAL)
    white = _down(layers["white"], pens["white"].bbox, 0) if pens["white"].bbox else None
    return _Geometry(
        mask=_down(layers["mask"], pens["mask"].bbox, 0),
        white=white,
        shade=ImageChops.multiply(_up(soft), detail.point(_DETAIL_SHADE)),
        light=ImageChops.add(_up(glow), detail.point(_DETAIL_LIGHT)),
        backdrop=_backdrop(mask_small, style),
    )


def _check(kind: str, colour: str) -> tuple[str, tuple[int, int, int]]:
    if kind not in _RENDERERS:
        raise ValueError(f"unknown product kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not isinstance(colour, str) or not _COLOUR_RE.fullmatch(colour):
        raise ValueError(f"colour must be '#rrggbb', got {colour!r}")
    return colour.lower(), (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def _base(geometry: _Geometry, rgb: tuple[int, int, int]) -> Image.Image:
    base = Image.new("RGB", (CANVAS, CANVAS), rgb)
    if geometry.white is not None:
        base.paste(_STICKER_WHITE, None, geometry.white)
    return base


def _finish(geometry: _Geometry, base: Image.Image) -> Image.Image:
    """Shade and light the painted product, then set it on the studio backdrop."""
    lit = ImageChops.multiply(base, Image.merge("RGB", (geometry.shade,) * 3))
    lit = ImageChops.screen(lit, Image.merge("RGB", (geometry.light,) * 3))
    return Image.composite(lit, geometry.backdrop, geometry.mask)


@functools.lru_cache(maxsize=16)
def _cached_blank(kind: str, colour: str) -> Image.Image:
    _, rgb = _check(kind, colour)
    geometry = _geometry(kind)
    return _finish(geometry, _base(geometry, rgb))


def draw_blank(kind: str, colour: str) -> Image.Image:
    """The empty product (RGB, CANVAS x CANVAS) in a garment/paper colour given as '#rrggbb', on a neutral
    light-grey studio background, with soft shading (folds/shadow/highlight) so it reads as an object.

    Cached per (kind, colour) because the catalogue shows the same few blanks over and over; callers get a
    copy, so drawing on the result cannot corrupt the cache.
    """
    colour, _ = _check(kind, colour)
    return _cached_blank(kind, colour).copy()


def _fit(master: Image.Image, area: PrintArea) -> Image.Image:
    """The master scaled to fit the area (aspect kept), as RGBA.

    A large master is first shrunk by an integer factor (Pillow's reduce, via reducing_gap) so LANCZOS only
    ever runs on an image about three times the target size: a 4000 px master costs tens of milliseconds.
    """
    width, height = master.size
    if width == 0 or height == 0:
        raise ValueError("the master image is empty")
    scale = min(area.width / width, area.height / height)
    size = (min(area.width, max(1, round(width * scale))), min(area.height, max(1, round(height * scale))))
    if master.mode not in ("RGB", "RGBA", "L", "LA"):
        # Palette, bilevel, CMYK, 16-bit...: cut down to a few times the target with NEAREST (cheap, any
        # mode) so the conversion to RGBA never touches the full-size image.
        near = (min(width, size[0] * 4), min(height, size[1] * 4))
        if near != master.size:
            master = master.resize(near, Image.Resampling.NEAREST)
        master = master.convert("RGBA")
    art = master.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return art if art.mode == "RGBA" else art.convert("RGBA")


def compose_mockup(master: Image.Image, kind: str, colour: str) -> Image.Image:
    """The design printed on the product: `master` (any mode; RGBA transparency respected) scaled to fit the
    kind's print area (aspect kept, centred, never upscaled beyond the area, LANCZOS), composited onto
    draw_blank(kind, colour), then the blank's shading applied over the print so it looks printed on the
    object. Returns RGB CANVAS x CANVAS.

    The print covers the garment like ink (alpha-composite), it is not multiplied with it, so a design keeps
    its colours on a black shirt; only the gentle fold shading goes over it. Outside the design the result
    is pixel-for-pixel draw_blank(kind, colour).
    """
    _, rgb = _check(kind, colour)
    geometry = _geometry(kind)
    area = PRINT_AREAS[kind]
    art = _fit(master, area)
    base = _base(geometry, rgb)
    offset = (area.left + (area.width - art.width) // 2, area.top + (area.height - art.height) // 2)
    base.paste(art, offset, art)
    return _finish(geometry, base)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_icons(directory: Path = ICON_DIR) -> list[Path]:
    """Write the catalogue icons, <kind>.png at ICON_SIZE, each under ICON_BUDGET bytes.

    Lossless RGB when it fits; otherwise a 256-colour palette, which is visually the same here since a blank
    holds only a few hundred distinct near-grey shades.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        icon = draw_blank(kind, ICON_COLOURS[kind]).resize((ICON_SIZE, ICON_SIZE), Image.Resampling.LANCZOS)
        data = _png(icon)
        if len(data) > ICON_BUDGET:
            data = _png(icon.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE))
        path = directory / f"{kind}.png"
        path.write_bytes(data)
        written.append(path)
    return written


def main() -> None:
    for path in write_icons():
        print(f"{path} ({path.stat().st_size // 1024} KB)", file=sys.stderr)


if __name__ == "__main__":
    main()
