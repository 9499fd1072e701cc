"""Procedural Pillow artwork and avatars, so demo data needs no external image assets."""

import colorsys
import math
import random
from collections.abc import Callable, Sequence

from PIL import Image, ImageChops, ImageDraw

Color = tuple[int, int, int]
Point = tuple[float, float]
Size = tuple[int, int]
Draw = ImageDraw.ImageDraw

# Hue offsets in degrees: analogous, complementary, triadic, split-complementary, tetradic.
_SCHEMES = ((0, 30, -30, 60), (0, 180, 25, 205), (0, 120, 240, 60), (0, 150, 210, 30), (0, 90, 180, 270))


def _rng(*parts: object) -> random.Random:
    return random.Random(":".join(map(str, parts)))  # noqa: S311 - artwork, not crypto


def _hsv(h: float, s: float, v: float) -> Color:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def _mix(a: Color, b: Color, t: float) -> Color:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _multiply(*cs: Color) -> Color:
    """Multiply blend, so overlapping inks darken like an overprinted screen print."""
    return tuple(round(math.prod(c[k] for c in cs) / 255 ** (len(cs) - 1)) for k in range(3))  # type: ignore[return-value]


def _ramp(colors: Sequence[Color], t: float) -> Color:
    t = min(max(t, 0.0), 1.0) * (len(colors) - 1)
    i = min(int(t), len(colors) - 2)
    return _mix(colors[i], colors[i + 1], t - i)


def _disc(d: Draw, x: float, y: float, rx: float, ry: float | None = None, **kw: object) -> None:
    ry = rx if ry is None else ry
    d.ellipse((x - rx, y - ry, x + rx, y + ry), **kw)  # type: ignore[arg-type]


def palette(seed: int) -> list[Color]:
    """A harmonious 4-6 colour palette: [dark ink, *2-4 vivid accents, light paper]."""
    rng = _rng("palette", seed)
    base, offsets = rng.random(), rng.choice(_SCHEMES)
    accents = []
    for i in range(rng.randint(2, 4)):
        hue = (base + offsets[i] / 360 + rng.uniform(-0.015, 0.015)) % 1.0
        value = rng.uniform(0.86, 0.97) if i % 2 == 0 else rng.uniform(0.66, 0.8)
        if 0.1 < hue < 0.2:  # dark yellows turn olive: keep them bright
            value = max(value, 0.92)
        elif 0.22 < hue < 0.45:  # tame neon greens into emerald/sage
            value = min(value, 0.78)
        accents.append(_hsv(hue, rng.uniform(0.5, 0.78), value))
    ink = _hsv(base + 0.02, rng.uniform(0.45, 0.7), rng.uniform(0.14, 0.22))
    paper_hue = rng.choice((base + offsets[1] / 360, 0.1))  # tinted, or warm cream
    return [ink, *accents, _hsv(paper_hue, rng.uniform(0.05, 0.11), rng.uniform(0.95, 0.99))]


def _gradient(w: int, h: int, colors: Sequence[Color]) -> Image.Image:
    """Vertical multi-stop gradient, built as one column then stretched (cheap)."""
    col = Image.new("RGB", (1, h))
    col.putdata([_ramp(colors, y / max(h - 1, 1)) for y in range(h)])
    return col.resize((w, h), Image.Resampling.NEAREST)


def _badge(scene: Image.Image, paper: Color, ring: Color, radius: float = 0.43) -> Image.Image:
    """Clip a scene to a circle on paper with a thin outer ring: a classic print layout."""
    w, h = scene.size
    s = min(w, h)
    out = Image.new("RGB", scene.size, paper)
    _disc(ImageDraw.Draw(out), w / 2, h / 2, s * (radius + 0.025), outline=ring, width=round(s * 0.009))
    mask = Image.new("L", scene.size, 0)
    _disc(ImageDraw.Draw(mask), w / 2, h / 2, s * radius, fill=255)
    out.paste(scene, mask=mask)
    return out


def _sunset(rng: random.Random, pal: list[Color], w: int, h: int) -> Image.Image:
    ink, *acc, paper = pal
    low = _mix(acc[-1], paper, 0.45)
    img = _gradient(w, h, [_mix(acc[0], ink, 0.25), acc[0], low])
    d, s = ImageDraw.Draw(img), min(w, h)
    sy, r, sun = h * rng.uniform(0.5, 0.58), s * rng.uniform(0.15, 0.2), _mix(paper, acc[-1], 0.15)
    for k, t in ((1.9, 0.2), (1.55, 0.4), (1.25, 0.65), (1.0, 1.0)):
        _disc(d, w / 2, sy, r * k, fill=_mix(low, sun, t))
    for layer in range(3):
        base, x = h * (0.62 + 0.1 * layer), -rng.uniform(0, 0.1) * w
        pts: list[Point] = [(0, base)]
        while x < w:
            step = w * rng.uniform(0.12, 0.24)
            peak, valley = base - h * rng.uniform(0.06, 0.16), base - h * rng.uniform(0, 0.04)
            pts += [(x + step / 2, peak), (x + step, valley)]
            x += step
        d.polygon([*pts, (w, h), (0, h)], fill=_mix(_mix(low, acc[0], 0.3), ink, 0.35 + 0.32 * layer))
    return _badge(img, paper, ink)


def _bauhaus_tile(d: Draw, rng: random.Random, tw: int, th: int, fg: Color, third: Color) -> None:
    m, cx, cy = min(tw, th), tw / 2, th / 2
    kind = rng.randrange(7)
    if kind == 0:  # quarter circle from a corner
        _disc(d, rng.choice((0, tw)), rng.choice((0, th)), m, fill=fg)
    elif kind == 1:  # half circle rising from the bottom edge, plus a dot
        _disc(d, cx, th, m / 2, fill=fg)
        _disc(d, cx, th * 0.25, m / 8, fill=third)
    elif kind == 2:  # target
        for k, col in ((0.4, fg), (0.22, third), (0.1, fg)):
            _disc(d, cx, cy, m * k, fill=col)
    elif kind == 3:  # diagonal triangle
        corners = [(0, 0), (tw, 0), (tw, th), (0, th)]
        corners.pop(rng.randrange(4))
        d.polygon(corners, fill=fg)
    elif kind == 4:  # bars
        for i in range(3):
            d.rectangle((0, th * (2 * i + 0.5) / 6, tw, th * (2 * i + 1.5) / 6), fill=fg)
    elif kind == 5:  # split square with a straddling circle
        d.rectangle((0, 0, cx, th), fill=fg)
        _disc(d, cx, cy, m / 4, fill=third)
    else:  # two half-discs facing each other
        d.pieslice((-m / 2, cy - m / 2, m / 2, cy + m / 2), 270, 90, fill=fg)
        d.pieslice((tw - m / 2, cy - m / 2, tw + m / 2, cy + m / 2), 90, 270, fill=third)


def _bauhaus(rng: random.Random, pal: list[Color], w: int, h: int) -> Image.Image:
    img = Image.new("RGB", (w, h))
    cols = rng.choice((3, 4, 4, 5))
    rows = max(1, round(h * cols / w))
    for row in range(rows):
        for c in range(cols):
            x0, y0 = w * c // cols, h * row // rows
            tw, th = w * (c + 1) // cols - x0, h * (row + 1) // rows - y0
            bg, fg, third = rng.sample(pal, 3)
            tile = Image.new("RGB", (tw, th), bg)  # own canvas, so shapes clip to the cell
            _bauhaus_tile(ImageDraw.Draw(tile), rng, tw, th, fg, third)
            img.paste(tile, (x0, y0))
    return img


def _waves(rng: random.Random, pal: list[Color], w: int, h: int) -> Image.Image:
    ink, *acc, paper = pal
    img = Image.new("RGB", (w, h), paper)
    d = ImageDraw.Draw(img)
    _disc(d, w * rng.uniform(0.3, 0.7), h * 0.22, min(w, h) * rng.uniform(0.1, 0.14), fill=acc[-1])
    bands, freq, amp = rng.randint(6, 9), rng.uniform(1.0, 2.2), h * rng.uniform(0.025, 0.045)
    for i in range(bands):
        y0, phase = h * (0.3 + 0.68 * i / bands), rng.uniform(0, math.tau)
        xs = [w * k / 160 for k in range(161)]
        pts = [
            (x, y0 + amp * (math.sin(math.tau * freq * x / w + phase) + 0.35 * math.sin(17 * x / w)))
            for x in xs
        ]
        col = _mix(acc[i % len(acc)], ink, 0.55 * i / bands) if i < bands - 1 else ink
        d.polygon([*pts, (w, h), (0, h)], fill=col)
    return img


def _memphis_shape(d: Draw, rng: random.Random, x: float, y: float, r: float, col: Color, ink: Color) -> None:
    kind, sh, lw = rng.randrange(7), r * 0.17, max(2, round(r * 0.3))
    if kind == 0:  # disc with offset shadow
        _disc(d, x + sh, y + sh, r, fill=ink)
        _disc(d, x, y, r, fill=col)
    elif kind == 1:  # ring
        _disc(d, x, y, r, outline=col, width=lw)
    elif kind == 2:  # triangle with shadow
        rot = rng.uniform(0, 120)
        d.regular_polygon((x + sh, y + sh, r * 1.2), 3, rotation=rot, fill=ink)
        d.regular_polygon((x, y, r * 1.2), 3, rotation=rot, fill=col)
    elif kind in (3, 4):  # squiggle or zigzag
        n = 40 if kind == 3 else 7
        wave = [math.sin(i / n * 3 * math.tau) * 0.35 if kind == 3 else (-1) ** i * 0.4 for i in range(n + 1)]
        pts = [(x - 1.3 * r + 2.6 * r * i / n, y + r * v) for i, v in enumerate(wave)]
        d.line(pts, fill=col, width=lw, joint="curve")
    elif kind == 5:  # 3x3 dot grid
        for i in range(9):
            _disc(d, x + (i % 3 - 1) * r * 0.8, y + (i // 3 - 1) * r * 0.8, r * 0.14, fill=ink)
    else:  # plus sign
        d.line((x - r, y, x + r, y), fill=col, width=lw * 2)
        d.line((x, y - r, x, y + r), fill=col, width=lw * 2)


def _memphis(rng: random.Random, pal: list[Color], w: int, h: int) -> Image.Image:
    ink, *acc, paper = pal
    img = Image.new("RGB", (w, h), paper)
    d, s = ImageDraw.Draw(img), min(w, h)
    for _ in range(rng.randint(30, 45)):  # sprinkles
        x, y, a, ln = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0, math.pi), s * 0.025
        d.line((x, y, x + ln * math.cos(a), y + ln * math.sin(a)), rng.choice(acc), round(s * 0.012))
    cols = rng.randint(4, 5)
    rows = max(1, round(cols * h / w))
    for cell in range(cols * rows):  # jittered grid keeps shapes evenly spread, never clumped
        if rng.random() > 0.2:
            fx, fy = cell % cols + rng.uniform(0.3, 0.7), cell // cols + rng.uniform(0.3, 0.7)
            x, y = w * fx / cols, h * fy / rows
            _memphis_shape(d, rng, x, y, s * rng.uniform(0.06, 0.095), rng.choice(acc), ink)
    return img


def _cat(rng: random.Random, pal: list[Color], w: int, h: int) -> Image.Image:
    ink, *acc, paper = pal
    back, fur = rng.sample(acc, 2)
    img = Image.new("RGB", (w, h), back)
    d, s = ImageDraw.Draw(img), min(w, h)
    x, y, hw, hh, lw = w / 2, h / 2 + s * 0.06, s * 0.28, s * 0.22, round(s * 0.011)
    dark, light, pink = _mix(fur, ink, 0.3), _mix(fur, paper, 0.55), _mix((240, 120, 140), fur, 0.2)
    _disc(d, x, y + hh * 1.9, hw * 0.95, hh * 1.3, fill=dark)  # body
    pointy = rng.random() < 0.7

    def at(fx: float, fy: float, sg: int = 1) -> Point:  # head-relative coordinates, mirrored by sg
        return x + sg * hw * fx, y + hh * fy

    for sg in (-1, 1):
        if pointy:
            d.polygon([at(0.95, -0.2, sg), at(0.8, -1.4, sg), at(0.2, -0.8, sg)], fill=fur)
            d.polygon([at(0.78, -0.45, sg), at(0.76, -1.15, sg), at(0.42, -0.78, sg)], fill=pink)
        else:  # round bear ears
            _disc(d, x + sg * hw * 0.7, y - hh * 0.75, hw * 0.3, fill=fur)
            _disc(d, x + sg * hw * 0.7, y - hh * 0.75, hw * 0.15, fill=pink)
    _disc(d, x, y, hw, hh, fill=fur)
    _disc(d, x, y + hh * 0.5, hw * 0.45, hh * 0.45, fill=light)  # muzzle
    if rng.random() < 0.6:  # forehead stripes
        for i in (-0.16, 0, 0.16):
            d.rounded_rectangle((*at(i - 0.045, -0.95), *at(i + 0.045, -0.55)), hw * 0.04, fill=dark)
    ey, er, happy = y - hh * 0.12, hw * 0.13, rng.random() < 0.35
    for sg in (-1, 1):
        ex = x + sg * hw * 0.42
        if happy:
            d.arc((ex - er, ey - er * 0.6, ex + er, ey + er * 1.2), 200, 340, fill=ink, width=lw * 2)
        else:
            _disc(d, ex, ey, er, er * 1.15, fill=ink)
            _disc(d, ex + er * 0.08, ey - er * 0.48, er * 0.28, fill=paper)
        _disc(d, x + sg * hw * 0.62, y + hh * 0.35, er * 0.9, er * 0.5, fill=_mix(fur, pink, 0.55))  # blush
        for k in (-1, 0, 1):  # whiskers
            d.line((*at(0.5, 0.38 + k * 0.12, sg), *at(1.2, 0.3 + k * 0.3, sg)), ink, lw)
    ny, nr = y + hh * 0.3, hw * 0.09
    d.polygon([(x - nr, ny - nr * 0.6), (x + nr, ny - nr * 0.6), (x, ny + nr * 0.6)], fill=pink)
    for sg in (-1, 1):  # "w" mouth
        mx = x + sg * nr * 1.1
        d.arc((mx - nr * 1.1, ny - nr * 0.6, mx + nr * 1.1, ny + nr * 1.6), 0, 180, fill=ink, width=lw)
    return _badge(img, paper, ink)


def _retro_sun(rng: random.Random, pal: list[Color], w: int, h: int) -> Image.Image:
    ink, *acc, paper = pal
    s, cx, cy, big = min(w, h), w / 2, h / 2, math.hypot(w, h)
    img = Image.new("RGB", (w, h), paper)
    d = ImageDraw.Draw(img)
    rays, ray = rng.choice((16, 20, 24)), _mix(paper, acc[-1], 0.3)
    for i in range(0, rays, 2):  # sunburst
        d.pieslice((cx - big, cy - big, cx + big, cy + big), 360 * i / rays, 360 * (i + 1) / rays, fill=ray)
    r = s * rng.uniform(0.28, 0.33)
    _disc(d, cx, cy, r * 1.08, fill=paper, outline=ink, width=round(s * 0.01))
    mask = Image.new("L", (w, round(2 * r)), 0)
    md = ImageDraw.Draw(mask)
    _disc(md, cx, r, r, fill=255)
    y, gap = r * rng.uniform(0.95, 1.1), r * 0.03
    while y < 2 * r:  # synthwave slits, widening towards the bottom
        md.rectangle((0, y, w, y + gap), fill=0)
        y, gap = y + gap + r * 0.13, gap * 1.45
    img.paste(_gradient(w, round(2 * r), [acc[0], acc[1], acc[-1]]), (0, round(cy - r)), mask)
    return img


def _lowpoly(rng: random.Random, pal: list[Color], w: int, h: int) -> Image.Image:
    ink, *acc, paper = pal
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    nx = rng.randint(7, 11)
    ny = max(2, round(nx * h / w))

    def jitter(k: int, n: int) -> float:
        return k + (rng.uniform(-0.38, 0.38) if 0 < k < n else 0.0)

    grid = [[(w * jitter(i, nx) / nx, h * jitter(j, ny) / ny) for i in range(nx + 1)] for j in range(ny + 1)]
    main = rng.choice(acc)
    stops, ang = [_mix(main, paper, 0.5), main, _mix(main, ink, 0.25)], rng.uniform(0, math.tau)
    du, dv = 1.2 * math.cos(ang), 1.2 * math.sin(ang)  # gradient direction
    for j in range(ny):
        for i in range(nx):
            a, b, c, e = grid[j][i], grid[j][i + 1], grid[j + 1][i + 1], grid[j + 1][i]
            for tri in [(a, b, c), (a, c, e)] if (i + j) % 2 else [(a, b, e), (b, c, e)]:
                tx, ty = sum(p[0] for p in tri) / 3 / w - 0.5, sum(p[1] for p in tri) / 3 / h - 0.5
                col = _ramp(stops, 0.5 + tx * du + ty * dv + rng.uniform(-0.12, 0.12))
                col = _mix(col, paper, 0.35) if rng.random() < 0.08 else col  # glinting facets
                d.polygon(tri, fill=col, outline=col)
    return _badge(img, paper, ink, radius=0.42) if rng.random() < 0.5 else img


def _halftone(rng: random.Random, pal: list[Color], w: int, h: int) -> Image.Image:
    _, *acc, paper = pal
    img = Image.new("RGB", (w, h), paper)
    step = min(w, h) / rng.randint(26, 36)
    fx, fy = rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.6)
    fields: list[Callable[[float, float], float]] = [  # dot size over the page, 0..1
        lambda u, v: 1 - math.hypot(u - fx, v - fy) / 0.55,
        lambda u, v: 1.1 - 0.5 * (u + v),
        lambda u, v: 0.5 + 0.5 * math.sin(6 * u + 3 * v),
    ]
    rng.shuffle(fields)
    n, inks = int(math.hypot(w, h) / step / 2) + 2, rng.sample(acc, 2)
    screen = Image.new("RGB", (w, h), (255, 255, 255))
    screens = ((img, _multiply(inks[0], paper), 15), (screen, inks[1], 75))  # canvas, ink, screen angle
    for field, (canvas, col, angle) in zip(fields[:2], screens, strict=True):
        d = ImageDraw.Draw(canvas)  # the first screen prints straight onto paper, the second overprints it
        ca, sa = math.cos(math.radians(angle)) * step, math.sin(math.radians(angle)) * step
        for i in range(-n, n + 1):
            for j in range(-n, n + 1):
                x, y = w / 2 + i * ca - j * sa, h / 2 + i * sa + j * ca
                r = step * 0.7 * min(max(field(x / w, y / h), 0.0), 1.0)
                if r > step * 0.06 and -r < x < w + r and -r < y < h + r:
                    _disc(d, x, y, r, fill=col)
    return ImageChops.multiply(img, screen)


_STYLES = {
    f.__name__[1:]: f for f in (_sunset, _bauhaus, _waves, _memphis, _cat, _retro_sun, _lowpoly, _halftone)
}
STYLES: tuple[str, ...] = tuple(_STYLES)


def generate_artwork(seed: int, size: Size = (2000, 2000), style: str | None = None) -> Image.Image:
    """Deterministic for a given seed/size/style; returns an RGB image."""
    if style is None:
        style = _rng("style", seed).choice(STYLES)
    if style not in _STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
    w, h = size
    ss = 2 if w * h <= 2600 * 2600 else 1  # 2x supersampling, box-reduced, for anti-aliased edges
    img = _STYLES[style](_rng(style, seed), palette(seed), w * ss, h * ss)
    return img.reduce(ss) if ss > 1 else img


def generate_avatar(seed: int, size: int = 256) -> Image.Image:
    """A friendly abstract blob face on a soft background, RGB."""
    rng, (ink, *acc, paper) = _rng("avatar", seed), palette(seed)
    S = size * 4  # drawn at 4x, LANCZOS-downscaled
    luma = {c: 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] for c in acc}
    face = rng.choice([c for c in acc if luma[c] > 110] or [max(acc, key=luma.__getitem__)])
    extra = rng.choice([c for c in acc if c != face])
    img = Image.new("RGB", (S, S), _mix(acc[-1], paper, 0.7))
    d = ImageDraw.Draw(img)
    cx, cy, R = S / 2, S * 0.56, S * 0.34
    wob = [(rng.randint(2, 4), rng.uniform(0.03, 0.07), rng.uniform(0, math.tau)) for _ in range(2)]
    radii = [
        (t, R * (1 + sum(a * math.sin(k * t + p) for k, a, p in wob)))
        for t in (i * math.tau / 180 for i in range(180))
    ]
    accessory = rng.randrange(3)
    if accessory == 0:  # antenna
        d.line((cx, cy - R * 0.9, cx + R * 0.15, cy - R * 1.35), fill=ink, width=round(S * 0.02))
        _disc(d, cx + R * 0.15, cy - R * 1.35, S * 0.04, fill=extra)
    elif accessory == 1:  # ears
        for sg in (-1, 1):
            _disc(d, cx + sg * R * 0.7, cy - R * 0.72, R * 0.3, fill=extra)
    d.polygon([(cx + r * math.cos(t), cy + r * math.sin(t)) for t, r in radii], fill=face)
    if accessory == 2:  # hair bow / tuft
        for k in (-1, 0, 1):
            _disc(d, cx + k * R * 0.22, cy - R * 0.93, R * 0.14, R * 0.175, fill=extra)
    ex, ey, er = R * rng.uniform(0.3, 0.42), cy - R * 0.1, R * rng.uniform(0.1, 0.14)
    for sg in (-1, 1):
        _disc(d, cx + sg * ex, ey, er, er * 1.2, fill=ink)
        _disc(d, cx + sg * ex + er * 0.17, ey - er * 0.52, er * 0.27, fill=(255, 255, 255))
        _disc(d, cx + sg * ex * 1.45, cy + R * 0.22, er, R * 0.1, fill=_mix(face, (255, 110, 130), 0.45))
    mw = R * rng.uniform(0.18, 0.3)
    d.arc((cx - mw, cy - mw * 0.3, cx + mw, cy + mw * 1.1), 20, 160, fill=ink, width=round(S * 0.022))
    return img.resize((size, size), Image.Resampling.LANCZOS)
