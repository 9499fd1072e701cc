"""The statement PDF and the royalties chart: locale-aware figures, every page labelled, safe text."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from markupsafe import Markup
from pypdf import PdfReader

from contest.royalties.charts import bar_chart_svg
from contest.royalties.pdf import render_statement_pdf
from contest.royalties.statement_types import Statement, StatementLine

SVG = "{http://www.w3.org/2000/svg}"


def sale(n: int, **changes: object) -> StatementLine:
    line = StatementLine(
        at=datetime(2026, 10, 1 + n % 28, 9, 30, tzinfo=UTC),
        kind="sale",
        amount=400,
        status="pending",
        order_id=1000 + n,
        product="Hibou étoilé — T-shirt",
        variant="M · Navy",
        quantity=1,
        retail_price=4000,
        discount=0,
        base_cost=1500,
        net=4000,
        rate_bps=1000,
        explanation="10 % × €40.00 = €4.00, rounded half up to the cent",
    )
    return replace(line, **changes)


def statement(lines: tuple[StatementLine, ...] = (), **changes: object) -> Statement:
    made = Statement(
        creator_id=7,
        creator_name="Zoé Martin",
        period="2026-10",
        currency="EUR",
        opening=0,
        closing=1234,
        lines=lines,
        generated_at=datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
        closed=True,
        checksum="0123456789abcdef" + "f" * 48,
        totals={"sale": 1234},
    )
    return replace(made, **changes)


def pdf_pages(app, locale: str, made: Statement) -> list[str]:
    """Each page's text, with Babel's no-break spaces as plain spaces."""
    with app.test_request_context(headers={"Accept-Language": locale}):
        data = render_statement_pdf(made)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.author == "Atelier"
    return [re.sub("[\u00a0\u202f]", " ", page.extract_text()) for page in reader.pages]


def test_pdf_in_english_shows_the_creator_money_accents_and_checksum(app):
    refund = sale(2, kind="refund", amount=-400, product="Renard roux — Mug", explanation="")
    pages = pdf_pages(app, "en", statement((sale(1), refund), totals={"sale": 1634, "refund": -400}))
    text = "\n".join(pages)
    assert len(pages) == 1
    assert "Royalty statement" in text
    assert "Zoé Martin" in text
    assert "October 2026" in text
    assert "€12.34" in text  # the closing balance
    assert "Hibou étoilé — T-shirt" in text
    assert "Refunded sale: Renard roux — Mug" in text
    assert "How your royalty is computed: 10 % × €40.00 = €4.00" in text
    assert "Closed month — checksum 0123456789abcdef…" in text
    assert "0123456789abcdeff" not in text
    assert "Atelier — page 1" in text


def test_pdf_in_french_formats_money_and_month_the_french_way(app):
    made = statement((sale(1),), opening=123456, closing=123856, totals={"sale": 400})
    text = "\n".join(pdf_pages(app, "fr", made))
    assert "octobre 2026" in text
    assert "1 238,56 €" in text  # U+202F groups the thousands: drawn, not a missing glyph
    assert "1 234,56 €" in text
    assert "Hibou étoilé" in text
    assert "€12.34" not in text


def test_summary_shows_zero_for_missing_kinds_and_open_months_say_so(app):
    text = "\n".join(pdf_pages(app, "en", statement(closed=False, checksum="", totals={})))
    assert "Month in progress — figures may still change" in text
    for label in ("Opening balance", "Sales", "Refunds and reversals", "Holds", "Prizes", "Payouts"):
        assert label in text
    assert text.count("€0.00") >= 6


def test_empty_month_says_no_movement(app):
    text = "\n".join(pdf_pages(app, "en", statement(closing=0, totals={})))
    assert "No movement this month." in text
    assert "Base cost" not in text  # no empty table


def test_long_statement_repeats_the_header_once_on_every_page(app):
    lines = tuple(sale(n, product="Hibou étoilé — " + "très long nom " * (n % 9)) for n in range(90))
    pages = pdf_pages(app, "en", statement(lines))
    assert len(pages) >= 2
    assert "Atelier — page 2" in pages[1]
    for page in pages:
        assert page.count("Base cost") == 1
    orders = [int(order) for page in pages for order in re.findall(r"#(\d+)", page)]
    assert orders == list(range(1000, 1090))  # every line once, in order, none lost at a page break


def test_creator_name_is_text_not_markup(app):
    text = "\n".join(pdf_pages(app, "en", statement(creator_name="<b>Bonnie & Clyde</b>")))
    assert "<b>Bonnie & Clyde</b>" in text


def bars(svg: str) -> tuple[list[ET.Element], float]:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed
    rects = root.findall(f".//{SVG}rect")
    axis = root.find(f".//{SVG}line[@class='chart-axis']")
    assert axis is not None
    return rects, float(axis.get("y1"))


def test_chart_draws_one_bar_per_month_and_losses_below_the_axis(app):
    points = [("2026-08", 1234), ("2026-09", -830), ("2026-10", 5600)]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        svg = bar_chart_svg(points, currency="EUR", title="Royalties")
    assert isinstance(svg, Markup)
    rects, zero = bars(svg)
    assert len(rects) == svg.count("<rect") == 3
    gain, loss = rects[0], rects[1]
    assert float(loss.get("y")) >= zero
    assert "chart-bar-negative" in loss.get("class")
    assert float(gain.get("y")) + float(gain.get("height")) <= zero + 0.01
    assert "<title>Aug 2026: €12.34</title>" in svg
    assert "Sep 2026: -€8.30" in svg
    assert 'role="img"' in svg
    assert "viewBox=" in svg
    assert "style=" not in svg
    assert "<script" not in svg


def test_chart_escapes_text(app):
    with app.test_request_context():
        svg = bar_chart_svg([("2026-10", 100)], currency="EUR", title='<script>alert("x")</script>')
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    bars(svg)


def test_chart_in_french_uses_french_months_and_money(app):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        svg = bar_chart_svg([("2026-10", 1234), ("2026-11", 99)], currency="EUR", title="Redevances")
    assert "oct. 2026" in svg
    assert "nov. 2026" in svg
    assert re.search("12,34[\u00a0\u202f ]€", svg)


@pytest.mark.parametrize(
    "values",
    [[0], [1], [3, 7], [1234, -830, 5600], [-500, -120], [99_999_999, 1], [15000, -15000], [250, 260]],
)
def test_chart_has_three_to_five_round_gridlines(app, values):
    points = [(f"2026-{n + 1:02d}", value) for n, value in enumerate(values)]
    with app.test_request_context():
        svg = bar_chart_svg(points, currency="EUR", title="t")
    labels = re.findall(r'class="chart-y-label"[^>]*>([^<]+)<', svg)
    assert 3 <= len(labels) <= 5
    assert any(label in ("€0.00", "-€0.00") for label in labels)


def test_chart_without_points_says_so(app):
    with app.test_request_context():
        svg = bar_chart_svg([], currency="EUR", title="Royalties")
    assert "No earnings yet." in svg
    assert "<rect" not in svg
    assert 'role="img"' in svg


def test_a_huge_product_name_is_cut_rather_than_breaking_the_layout(app):
    pages = pdf_pages(app, "en", statement((sale(1, product="Hibou " * 3000), sale(2))))
    text = "\n".join(pages)
    assert "…" in text
    assert "#1002" in text
