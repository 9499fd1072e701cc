"""Locale choice (switcher cookie, then the browser) and locale-aware formatting filters."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, has_request_context, request
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
    gettext,
)

from contest.core.money import Money

LOCALE_COOKIE = "atelier_lang"
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def N_(message: str) -> str:  # noqa: N802 - the conventional name for "mark for translation later"
    """Mark a string for extraction without translating it now."""
    return message


def select_locale() -> str | None:
    if not has_request_context():
        return None  # CLI and background work: the default, unless force_locale() says otherwise
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    return None  # UTC until members can choose their own zone


def money(value: Money | int | None, currency: str | None = None) -> str:
    """A Money, or minor units with their currency (``amount|money("EUR")`` in templates)."""
    if value is None:
        return ""
    if not isinstance(value, Money):
        value = Money(value, currency or "EUR")
    return format_currency(value.as_decimal(), value.currency)


def month(period: str) -> str:
    """ "2026-10" as the locale names it: "October 2026", "octobre 2026"."""
    try:
        year, number_ = (int(part) for part in period.split("-"))
        return format_date(date(year, number_, 1), "MMMM y")
    except (ValueError, TypeError):
        return period


def number(value: int | float | None, fmt: str | None = None) -> str:
    return "" if value is None else format_decimal(value, format=fmt)


def datetime_filter(value: datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_datetime(value, fmt)


def date_filter(value: datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_date(value, fmt)


def percent(value: float | None) -> str:
    if value is None:
        return ""
    # The locale's own pattern (French puts a space before %), allowing up to two decimals.
    pattern = get_locale().percent_formats[None].pattern.replace("0%", "0.##%")
    return format_percent(value, pattern)


PRODUCT_LABELS = {
    "tshirt": N_("T-shirt"),
    "hoodie": N_("Hoodie"),
    "poster": N_("Poster"),
    "mug": N_("Mug"),
    "sticker": N_("Sticker"),
}


def product_label(code: str) -> str:
    return gettext(PRODUCT_LABELS[code]) if code in PRODUCT_LABELS else code


def init_app(app: Flask) -> None:
    from contest.core.markdown import render_markdown

    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(product_label, "product_label")
    app.add_template_filter(money, "money")
    app.add_template_filter(month, "month")
    app.add_template_filter(number, "number")
    app.add_template_filter(datetime_filter, "datetime")
    app.add_template_filter(date_filter, "date")

    @app.context_processor
    def inject_locale() -> dict[str, object]:
        return {"current_locale": str(get_locale()), "language_names": LANGUAGE_NAMES}
