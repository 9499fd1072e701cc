"""Product blanks and mockups: shapes where they should be, prints that keep their colours, icons on disk.

Pure Pillow: no Flask app, no database.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops

from contest.catalogue import artwork
from contest.catalogue.artwork import CANVAS, KINDS, PRINT_AREAS, PrintArea, compose_mockup, draw_blank

WHITE, BLACK = "#ffffff", "#111111"
TOLERANCE = 12  # per channel, at the centre of the print area


def rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def assert_close(pixel: tuple[int, ...], expected: tuple[int, ...], tolerance: int = TOLERANCE) -> None:
    assert all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True)), (pixel, expected)


def solid(size: tuple[int, int], fill: tuple[int, ...], mode: str = "RGBA") -> Image.Image:
    return Image.new(mode, size, fill)


def red_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Bounding box of the clearly red pixels (the painted design) in a mockup."""
    pixels = np.asarray(image).astype(int)
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)
    ys, xs = np.nonzero(red)
    if xs.size == 0:
        return None
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


@pytest.mark.parametrize("kind", KINDS)
def test_print_area_lies_inside_the_canvas_and_on_the_product(kind: str) -> None:
    area = PRINT_AREAS[kind]
    assert isinstance(area, PrintArea)
    assert area.width > 0
    assert area.height > 0
    assert inside(area.box, (0, 0, CANVAS, CANVAS))
    # A bright green product against the grey studio: every corner of the print area must be on it.
    blank = draw_blank(kind, "#00ff00")
    left, top, right, bottom = area.box
    for x, y in [(left, top), (right - 1, top), (left, bottom - 1), (right - 1, bottom - 1), area.centre]:
        r, g, b = blank.getpixel((x, y))
        assert g > max(r, b) + 100, (kind, (x, y), (r, g, b))


def test_there_is_one_print_area_per_kind() -> None:
    assert set(PRINT_AREAS) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_blank_is_an_rgb_canvas_with_the_product_on_a_light_grey_backdrop(kind: str) -> None:
    blank = draw_blank(kind, BLACK)
    assert blank.mode == "RGB"
    assert blank.size == (CANVAS, CANVAS)
    corner = blank.getpixel((5, 5))
    assert max(corner) - min(corner) <= 2  # neutral...
    assert 200 <= corner[0] <= 245  # ...light grey
    assert_close(blank.getpixel(PRINT_AREAS[kind].centre), rgb(BLACK))


@pytest.mark.parametrize("kind", KINDS)
def test_blank_has_shading_so_it_reads_as_an_object(kind: str) -> None:
    """Not a flat cut-out: the product's pixels vary (folds, edges, highlights) on white and on black."""
    for colour in (WHITE, BLACK):
        blank = np.asarray(draw_blank(kind, colour)).astype(int)
        on_product = np.all(np.abs(blank - np.array(rgb(colour))) < 60, axis=-1)
        values = blank[on_product][:, 0]
        assert values.std() > 1.5, (kind, colour, values.std())


def test_blank_is_a_copy_callers_can_draw_on() -> None:
    first = draw_blank("tshirt", WHITE)
    first.paste((255, 0, 0), (0, 0, CANVAS, CANVAS))
    assert draw_blank("tshirt", WHITE).getpixel((5, 5)) != (255, 0, 0)


def test_colour_is_case_insensitive() -> None:
    assert ImageChops.difference(draw_blank("mug", "#AABBCC"), draw_blank("mug", "#aabbcc")).getbbox() is None


@pytest.mark.parametrize(("kind", "colour"), list(itertools.product(KINDS, [WHITE, BLACK])))
def test_solid_red_print_stays_red_at_the_centre(kind: str, colour: str) -> None:
    mockup = compose_mockup(solid((800, 800), (255, 0, 0, 255)), kind, colour)
    assert mockup.mode == "RGB"
    assert mockup.size == (CANVAS, CANVAS)
    assert_close(mockup.getpixel(PRINT_AREAS[kind].centre), (255, 0, 0))


@pytest.mark.parametrize(("kind", "colour"), list(itertools.product(KINDS, [WHITE, BLACK, "#2a4d8f"])))
def test_transparent_master_shows_the_garment_colour(kind: str, colour: str) -> None:
    mockup = compose_mockup(solid((500, 500), (255, 0, 0, 0)), kind, colour)
    assert_close(mockup.getpixel(PRINT_AREAS[kind].centre), rgb(colour))


@pytest.mark.parametrize("kind", KINDS)
def test_shading_over_the_print_is_gentle_everywhere_in_the_print_area(kind: str) -> None:
    """Folds may touch a print but never darken it below ~85 %, nor wash it out with highlights."""
    area = PRINT_AREAS[kind]
    grey = 180
    master = solid((area.width, area.height), (grey, grey, grey), "RGB")
    for colour in (WHITE, BLACK):
        printed = np.asarray(compose_mockup(master, kind, colour).crop(area.box)).astype(int)
        assert printed.min() >= 0.85 * grey, (kind, colour, printed.min())
        assert printed.max() <= grey + 25, (kind, colour, printed.max())


@pytest.mark.parametrize("kind", KINDS)
def test_wide_master_keeps_its_aspect_ratio_and_is_centred(kind: str) -> None:
    area = PRINT_AREAS[kind]
    mockup = compose_mockup(solid((1500, 500), (255, 0, 0, 255)), kind, WHITE)
    box = red_box(mockup)
    assert box is not None
    width, height = box[2] - box[0], box[3] - box[1]
    assert abs(width / height - 3) < 0.1, (kind, width, height)
    assert abs(width - area.width) <= 2  # scaled to fill the area's width
    assert inside(box, area.box)
    assert abs((box[0] + box[2]) / 2 - (area.left + area.width / 2)) <= 2
    assert abs((box[1] + box[3]) / 2 - (area.top + area.height / 2)) <= 2


@pytest.mark.parametrize("size", [(300, 3000), (5000, 400), (20, 20), (4000, 4000)])
def test_design_never_leaves_the_print_area(size: tuple[int, int]) -> None:
    area = PRINT_AREAS["tshirt"]
    box = red_box(compose_mockup(solid(size, (255, 0, 0, 255)), "tshirt", BLACK))
    assert box is not None
    assert inside(box, area.box)


@pytest.mark.parametrize("kind", KINDS)
def test_outside_the_design_the_mockup_is_the_blank(kind: str) -> None:
    mockup = compose_mockup(solid((100, 100), (255, 0, 0, 255)), kind, BLACK)
    changed = ImageChops.difference(mockup, draw_blank(kind, BLACK)).getbbox()
    assert changed is not None
    assert inside(changed, PRINT_AREAS[kind].box)


def test_design_is_printed_over_a_dark_garment_not_multiplied_with_it() -> None:
    """White ink on black stays white: a multiply blend would leave the shirt black."""
    mockup = compose_mockup(solid((400, 400), (255, 255, 255, 255)), "tshirt", BLACK)
    assert min(mockup.getpixel(PRINT_AREAS["tshirt"].centre)) >= 255 - TOLERANCE


def test_half_transparent_ink_blends_with_the_garment() -> None:
    mockup = compose_mockup(solid((400, 400), (255, 255, 255, 128)), "poster", "#000000")
    assert_close(mockup.getpixel(PRINT_AREAS["poster"].centre), (128, 128, 128), 6)


@pytest.mark.parametrize("mode", ["RGB", "L", "LA", "P", "CMYK", "1", "I;16", "I", "F"])
def test_any_image_mode_is_accepted(mode: str) -> None:
    master = Image.new(mode, (640, 480))
    mockup = compose_mockup(master, "mug", WHITE)
    assert mockup.mode == "RGB"
    assert mockup.size == (CANVAS, CANVAS)


def test_palette_transparency_shows_the_garment() -> None:
    master = Image.new("P", (300, 300), 1)
    master.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    master.paste(0, (0, 0, 300, 150))  # top half: index 0, declared transparent
    master.info["transparency"] = 0
    mockup = compose_mockup(master, "sticker", "#00ff00")
    area = PRINT_AREAS["sticker"]
    assert_close(mockup.getpixel((area.centre[0], area.top + area.height // 4)), (0, 255, 0))
    assert_close(mockup.getpixel((area.centre[0], area.top + 3 * area.height // 4)), (255, 0, 0))


def test_kinds_look_different() -> None:
    blanks = {kind: np.asarray(draw_blank(kind, WHITE)).astype(int) for kind in KINDS}
    for a, b in itertools.combinations(KINDS, 2):
        assert np.abs(blanks[a] - blanks[b]).mean() > 2, (a, b)


def test_colours_look_different() -> None:
    assert ImageChops.difference(draw_blank("hoodie", WHITE), draw_blank("hoodie", BLACK)).getbbox()


@pytest.mark.parametrize(
    ("kind", "colour"), [("cap", WHITE), ("tshirt", "white"), ("tshirt", "#12345"), ("mug", "#gg0000")]
)
def test_unknown_kind_or_malformed_colour_is_refused(kind: str, colour: str) -> None:
    with pytest.raises(ValueError, match="kind|colour"):
        draw_blank(kind, colour)
    with pytest.raises(ValueError, match="kind|colour"):
        compose_mockup(solid((10, 10), (0, 0, 0, 255)), kind, colour)


def test_a_large_master_is_printed_right() -> None:
    """Timings live in the promotion benchmark; here only that a print-size master comes out right."""
    master = Image.new("RGBA", (4000, 4000), (0, 0, 0, 0))
    master.paste((200, 30, 60, 255), (500, 500, 3500, 3500))
    mockup = compose_mockup(master, "poster", BLACK)
    assert_close(mockup.getpixel(PRINT_AREAS["poster"].centre), (200, 30, 60))


@pytest.mark.parametrize("kind", KINDS)
def test_catalogue_icons_are_on_disk_and_up_to_date(kind: str) -> None:
    path = Path(artwork.__file__).resolve().parents[2] / "static" / "img" / "blanks" / f"{kind}.png"
    assert path.is_file(), "run: python -m contest.catalogue.artwork"
    assert path.stat().st_size < 60 * 1024
    with Image.open(path) as icon:
        assert icon.format == "PNG"
        assert icon.size == (600, 600)
        on_disk = np.asarray(icon.convert("RGB")).astype(int)
    expected = draw_blank(kind, artwork.ICON_COLOURS[kind]).resize((600, 600), Image.Resampling.LANCZOS)
    assert np.abs(on_disk - np.asarray(expected).astype(int)).mean() < 1.5, "stale: rerun the generator"


def test_generator_writes_every_icon_within_budget(tmp_path: Path) -> None:
    written = artwork.write_icons(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{kind}.png" for kind in KINDS)
    for path in written:
        assert path.stat().st_size < 60 * 1024
        with Image.open(path) as icon:
            assert icon.size == (600, 600)
