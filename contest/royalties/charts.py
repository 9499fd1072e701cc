"""Monthly royalties as a small bar chart, drawn on the server as SVG.

No JavaScript and no inline ``style=`` (the Content-Security-Policy forbids inline styles): colours are
presentation attributes, which the site's CSS may override through the classes in CSS_CLASSES.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import date

from babel.numbers import get_currency_precision
from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape

from contest.core.i18n import money
from contest.core.money import Money

WIDTH, HEIGHT = 640, 280
TOP, RIGHT, BOTTOM = 20, 12, 34  # room around the plot: x labels go below it
FONT_SIZE = 12
CHAR_WIDTH = FONT_SIZE * 0.6  # a generous average, to leave room for labels without measuring text
BAR_SHARE = 0.6  # of each month's slot
POSITIVE_FILL, NEGATIVE_FILL = "#2f6f4f", "#b3403a"
GRID_STROKE, AXIS_STROKE, TEXT_FILL = "#d5d9dc", "#333333", "#4a5257"

CSS_CLASSES = (
    "royalty-chart",  # the <svg>
    "royalty-chart-empty",  # also on the <svg> when there is nothing to draw
    "chart-grid",  # horizontal gridlines (<line>)
    "chart-axis",  # the zero line (<line>)
    "chart-y-label",  # money labels of the gridlines (<text>)
    "chart-x-label",  # month labels (<text>)
    "chart-bar",  # every bar (<rect>), with one of the next two
    "chart-bar-positive",
    "chart-bar-negative",
    "chart-empty",  # the "No earnings yet." text
)


def _month(label: str) -> str:
    """ "2026-10" as the locale's short month ("Oct 2026", "oct. 2026"); anything else as it is."""
    try:
        year, month = (int(part) for part in label.split("-"))
        return format_date(date(year, month, 1), "MMM y")
    except ValueError:
        return label


def _ticks(low: int, high: int) -> list[int]:
    """Three to five round gridline values (minor units) covering low..high; 0 is always one of them."""
    steps = sorted({m * 10**e for e in range(19) for m in (1, 2, 5)} | {25 * 10**e for e in range(18)})
    for step in steps:
        bottom, top = (low // step) * step, -(-high // step) * step
        if (top - bottom) // step + 1 <= 5:
            break
    while (top - bottom) // step + 1 < 3:
        top += step
    return list(range(bottom, top + step, step))


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _svg(body: list[str], *, height: int, extra_class: str, title: str, desc: str, key: str) -> Markup:
    ident = f"royalty-chart-{key}"
    return Markup(  # noqa: S704 - every text and attribute value below went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="royalty-chart{extra_class}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def bar_chart_svg(
    points: list[tuple[str, int]],
    *,
    currency: str | None = None,
    title: str,
    value_label: Callable[[int], str] | None = None,
    x_label: Callable[[str], str] | None = None,
    empty_text: str | None = None,
    description: str | None = None,
) -> Markup:
    """Royalties per month ("YYYY-MM", minor units) as an accessible SVG; losses hang below the zero line.

    Other series (counts, percentages per contest) pass ``value_label`` and ``x_label`` to word their
    values and labels, ``empty_text`` and ``description`` (with ``%(figures)s``) instead of a currency.
    Text comes out in the current locale, so call it within a request (or force_locale).
    """
    if value_label is None:
        value_label = lambda value: money(Money(value, currency or "EUR"))  # noqa: E731 - a default
    x_label = x_label or _month
    key = hashlib.blake2s(repr((points, currency, title)).encode(), digest_size=4).hexdigest()
    if not points:
        empty = empty_text or _("No earnings yet.")
        text = (
            f'<text class="chart-empty" x="{WIDTH // 2}" y="44" text-anchor="middle" '
            f'font-size="{FONT_SIZE + 2}" fill="{TEXT_FILL}">{escape(empty)}</text>'
        )
        return _svg([text], height=80, extra_class=" royalty-chart-empty", title=title, desc=empty, key=key)

    values = [value for _label, value in points]
    low, high = min(0, *values), max(0, *values)
    if low == high:  # all zero: still draw a scale of one currency unit (or of one)
        high = 10 ** get_currency_precision(currency) if currency else 1
    ticks = _ticks(low, high)
    tick_labels = [value_label(tick) for tick in ticks]
    left = max(len(label) for label in tick_labels) * CHAR_WIDTH + 10
    plot_width, plot_height = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    bottom, top = ticks[0], ticks[-1]

    def y(value: int) -> float:
        return TOP + (top - value) / (top - bottom) * plot_height

    body: list[str] = []
    for tick, label in zip(ticks, tick_labels, strict=True):
        if tick:
            body.append(
                f'<line class="chart-grid" x1="{_number(left)}" x2="{WIDTH - RIGHT}" y1="{_number(y(tick))}" '
                f'y2="{_number(y(tick))}" stroke="{GRID_STROKE}" stroke-width="1"/>'
            )
        body.append(
            f'<text class="chart-y-label" x="{_number(left - 6)}" y="{_number(y(tick))}" text-anchor="end" '
            f'dominant-baseline="middle" font-size="{FONT_SIZE}" fill="{TEXT_FILL}">{escape(label)}</text>'
        )

    months = [x_label(label) for label, _value in points]
    amounts = [value_label(value) for value in values]
    figures = [
        _("%(month)s: %(amount)s", month=month, amount=amount)
        for month, amount in zip(months, amounts, strict=True)
    ]
    slot = plot_width / len(points)
    bar_width = slot * BAR_SHARE
    widest = max(len(month) for month in months) * CHAR_WIDTH + 8
    label_every = max(1, math.ceil(widest / slot))  # many months: label some, every bar keeps its tooltip
    zero = y(0)
    for index, (month, figure, value) in enumerate(zip(months, figures, values, strict=True)):
        x = left + index * slot + (slot - bar_width) / 2
        size = max(abs(y(value) - zero), 1.0 if value else 0.0)  # a cent still shows
        bar_top = zero if value < 0 else zero - size
        sign, fill = ("negative", NEGATIVE_FILL) if value < 0 else ("positive", POSITIVE_FILL)
        body.append(
            f'<rect class="chart-bar chart-bar-{sign}" x="{_number(x)}" y="{_number(bar_top)}" '
            f'width="{_number(bar_width)}" height="{_number(size)}" fill="{fill}">'
            f"<title>{escape(figure)}</title></rect>"
        )
        if index % label_every == 0:
            half = len(month) * CHAR_WIDTH / 2  # keep the first and last labels inside the picture
            centre = min(max(left + (index + 0.5) * slot, half + 2), WIDTH - half - 2)
            body.append(
                f'<text class="chart-x-label" x="{_number(centre)}" '
                f'y="{HEIGHT - BOTTOM + FONT_SIZE + 6}" text-anchor="middle" font-size="{FONT_SIZE}" '
                f'fill="{TEXT_FILL}">{escape(month)}</text>'
            )
    body.append(
        f'<line class="chart-axis" x1="{_number(left)}" x2="{WIDTH - RIGHT}" y1="{_number(zero)}" '
        f'y2="{_number(zero)}" stroke="{AXIS_STROKE}" stroke-width="1"/>'
    )
    if description is not None:
        desc = description % {"figures": "; ".join(figures)}
    else:
        desc = _("Royalties per month: %(figures)s.", figures="; ".join(figures))
    return _svg(body, height=HEIGHT, extra_class="", title=title, desc=desc, key=key)
