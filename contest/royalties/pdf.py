"""A creator's monthly royalty statement as a PDF, rendered with reportlab's Platypus.

Called inside a Flask app/request context: every label goes through gettext and every amount, date and
rate is formatted for the current locale, exactly as on the statement page.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import reportlab
from flask_babel import format_date, format_datetime, get_locale, to_user_timezone
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from contest.core.i18n import N_, money, number, percent
from contest.core.money import Money
from contest.royalties.statement_types import Statement, StatementLine

FONT = "AtelierVera"
FONT_BOLD = "AtelierVera-Bold"
FONT_ITALIC = "AtelierVera-Italic"
FONT_BOLD_ITALIC = "AtelierVera-BoldItalic"
BODY_SIZE = 9
CELL_SIZE = 7.5
LEADING = CELL_SIZE * 1.25
PAD_X, PAD_Y = 3, 2  # cell padding, in points
MARGIN = 15 * mm
MAX_CELL_CHARS = 500  # a cell taller than a page could never be laid out

# Eleven columns read better across a landscape A4 page (267 mm between the margins).
COLUMNS: tuple[tuple[str, float, bool], ...] = (  # (label, width, numeric)
    (N_("Date"), 20 * mm, False),
    (N_("Order"), 19 * mm, False),
    (N_("Product"), 72 * mm, False),
    (N_("Variant"), 30 * mm, False),
    (N_("Qty"), 10 * mm, True),
    (N_("Price"), 20 * mm, True),
    (N_("Discount"), 20 * mm, True),
    (N_("Base cost"), 20 * mm, True),
    (N_("Rate"), 14 * mm, True),
    (N_("Royalty / amount"), 24 * mm, True),
    (N_("Status"), 18 * mm, False),
)
FIRST_NUMERIC, LAST_NUMERIC = 4, 9

KIND_LABELS = {
    "sale": N_("Sale"),
    "refund": N_("Refunded sale"),
    "hold": N_("Hold"),
    "release": N_("Hold released"),
    "dispute_lost": N_("Dispute lost"),
    "prize": N_("Prize"),
    "prize_reversal": N_("Prize reversed"),
    "payout": N_("Payout"),
    "payout_returned": N_("Payout returned"),
}
STATUS_LABELS = {
    "pending": N_("Pending"),
    "cleared": N_("Cleared"),
    "held": N_("Held"),
    "paid": N_("Paid out"),
}
# The summary box groups every kind, so opening + its rows = closing; an unknown kind lands in "Other".
SUMMARY_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Sales"), ("sale",)),
    (N_("Refunds and reversals"), ("refund", "dispute_lost", "prize_reversal")),
    (N_("Holds"), ("hold", "release")),
    (N_("Prizes"), ("prize",)),
    (N_("Payouts"), ("payout", "payout_returned")),
)

HEADER_BG = colors.HexColor("#2f3e46")
ZEBRA_BG = colors.HexColor("#f1f3f4")
GRID = colors.HexColor("#c9ced1")
MUTED = colors.HexColor("#5f6b70")


@cache
def _fonts() -> dict[int, int | None]:
    """Register Bitstream Vera (shipped inside reportlab): unlike the built-in WinAnsi Helvetica it is a real
    Unicode font, so € and accents are embedded glyphs. Returns the substitutions for the spaces Babel uses
    that Vera lacks (French groups digits with U+202F)."""
    folder = Path(reportlab.__file__).parent / "fonts"
    regular = TTFont(FONT, str(folder / "Vera.ttf"))
    pdfmetrics.registerFont(regular)
    for name, file in (
        (FONT_BOLD, "VeraBd.ttf"),
        (FONT_ITALIC, "VeraIt.ttf"),
        (FONT_BOLD_ITALIC, "VeraBI.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
    )
    glyphs = regular.face.charToGlyph
    nbsp = 0x00A0 if 0x00A0 in glyphs else 0x0020
    spaces = {0x202F: nbsp, 0x2007: nbsp, 0x2009: 0x0020, 0x00A0: nbsp}
    return {code: target for code, target in spaces.items() if code not in glyphs}


def _text(value: str) -> str:
    """Plain text as the font can draw it (a missing space glyph would print as a box)."""
    return value.translate(_fonts())


def _markup(value: str) -> str:
    """Plain text for a Paragraph, which parses its input as markup: a creator named "A&B <3" stays that."""
    return html.escape(_text(value), quote=False)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.3)
    cell = ParagraphStyle("cell", base, fontSize=CELL_SIZE, leading=CELL_SIZE * 1.25)
    return {
        "title": ParagraphStyle(
            "title", base, fontName=FONT_BOLD, fontSize=18, leading=22, spaceAfter=2 * mm
        ),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=12, leading=15, spaceAfter=1 * mm),
        "body": base,
        "muted": ParagraphStyle("muted", base, textColor=MUTED),
        "cell": cell,
        "head": ParagraphStyle("head", cell, fontName=FONT_BOLD, textColor=colors.white),
        "head_num": ParagraphStyle(
            "head_num", cell, fontName=FONT_BOLD, textColor=colors.white, alignment=TA_RIGHT
        ),
        "explain": ParagraphStyle("explain", cell, fontName=FONT_ITALIC, textColor=MUTED),
    }


def _money(amount: int | None, currency: str) -> str:
    return "" if amount is None else _text(money(Money(amount, currency)))


def _period_date(period: str) -> date | None:
    try:
        year, month = (int(part) for part in period.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def _summary(statement: Statement) -> Table:
    totals = statement.totals
    rows: list[list[object]] = [[_text(_("Opening balance")), _money(statement.opening, statement.currency)]]
    grouped: set[str] = set()
    for label, kinds in SUMMARY_ROWS:
        grouped.update(kinds)
        rows.append([_text(_(label)), _money(sum(totals.get(kind, 0) for kind in kinds), statement.currency)])
    other = sum(amount for kind, amount in totals.items() if kind not in grouped)
    if other:
        rows.append([_text(_("Other movements")), _money(other, statement.currency)])
    rows.append([_text(_("Closing balance")), _money(statement.closing, statement.currency)])
    table = Table(rows, colWidths=[60 * mm, 35 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, BODY_SIZE),
                ("FONT", (0, -1), (-1, -1), FONT_BOLD, BODY_SIZE + 1),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("BOX", (0, 0), (-1, -1), 0.8, HEADER_BG),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, HEADER_BG),
                ("LINEBELOW", (0, 0), (-1, 0), 0.4, GRID),
                ("BACKGROUND", (0, -1), (-1, -1), ZEBRA_BG),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


class _LineCells:
    """Statement lines as table rows; Paragraphs (costly) only where text would overflow its column."""

    def __init__(self, statement: Statement, styles: dict[str, ParagraphStyle]) -> None:
        self.currency = statement.currency
        self.styles = styles
        self.header = [
            Paragraph(_markup(_(label)), styles["head_num" if numeric else "head"])
            for label, _w, numeric in COLUMNS
        ]
        self.widths = [width for _label, width, _numeric in COLUMNS]
        self.kinds = {kind: _text(_(label)) for kind, label in KIND_LABELS.items()}
        self.statuses = {status: _text(_(label)) for status, label in STATUS_LABELS.items()}
        self.explain_width = sum(self.widths[1:])  # the explanation spans every column but the date
        # Translated once, not 100,000 times: the sentence around the explanation, split at its placeholder.
        self.how = _("How your royalty is computed: %(explanation)s", explanation="\x00").split("\x00")
        self._money: dict[object, str] = {}
        self._days: dict[object, str] = {}
        self._rates: dict[object, str] = {}
        self._numbers: dict[object, str] = {}
        self._products: dict[object, str] = {}
        header_heights = [
            self._height(cell, width) for cell, width in zip(self.header, self.widths, strict=True)
        ]
        self.header_height = max(header_heights) + 2 * PAD_Y

    def _fit(self, text: str, column: int, style: str = "cell") -> str | Paragraph:
        if len(text) > MAX_CELL_CHARS:
            text = text[: MAX_CELL_CHARS - 1] + "…"
        limit = (self.widths[column] if column >= 0 else self.explain_width) - 2 * PAD_X
        if pdfmetrics.stringWidth(text, FONT_ITALIC if style == "explain" else FONT, CELL_SIZE) <= limit:
            return text
        return Paragraph(html.escape(text, quote=False), self.styles[style])

    # Babel formatting costs ~0.1 ms a call; a statement repeats the same prices, rates and days a lot.
    def _cached(self, cache: dict[object, str], key: object, make: Callable[[], str]) -> str:
        text = cache.get(key)
        if text is None:
            text = cache[key] = _text(make())
        return text

    def money(self, amount: int | None) -> str:
        return (
            ""
            if amount is None
            else self._cached(self._money, amount, lambda: money(Money(amount, self.currency)))
        )

    def day(self, at: datetime) -> str:
        day = to_user_timezone(at).date()
        return self._cached(self._days, day, lambda: format_date(day, "short"))

    def rate(self, bps: int | None) -> str:
        return "" if bps is None else self._cached(self._rates, bps, lambda: percent(Decimal(bps).scaleb(-4)))

    def product(self, line: StatementLine) -> str:
        if line.kind == "sale":
            return _text(line.product)
        kind = self.kinds.get(line.kind, line.kind)
        if not line.product:
            return kind
        return self._cached(
            self._products,
            (kind, line.product),
            lambda: _("%(kind)s: %(product)s", kind=kind, product=line.product),
        )

    def _height(self, cell: object, width: float) -> float:
        if isinstance(cell, Paragraph):
            return cell.wrap(width - 2 * PAD_X, 10_000)[1]
        return LEADING * (str(cell).count("\n") + 1)

    def rows(self, line: StatementLine) -> tuple[list[list[object]], float]:
        """The line's table rows (the line, then its explanation if any) and their height on the page."""
        row: list[object] = [
            self.day(line.at),
            f"#{line.order_id}" if line.order_id is not None else "",
            self._fit(self.product(line), 2),
            self._fit(_text(line.variant), 3),
            ""
            if line.quantity is None
            else self._cached(self._numbers, line.quantity, lambda: number(line.quantity)),
            self.money(line.retail_price),
            self.money(line.discount),
            self.money(line.base_cost),
            self.rate(line.rate_bps),
            self.money(line.amount),
            self._fit(self.statuses.get(line.status, line.status), 10),
        ]
        height = 2 * PAD_Y + max(self._height(row[column], self.widths[column]) for column in (2, 3, 10))
        if not line.explanation:
            return [row], height
        explanation = self._fit(_text(line.explanation.join(self.how)), -1, "explain")
        height += PAD_Y + self._height(explanation, self.explain_width)
        return [row, ["", explanation] + [""] * (len(COLUMNS) - 2)], height

    def table(self, lines: Sequence[list[list[object]]], first_index: int) -> Table:
        """The header, then the rows of each line; zebra stripes follow the line's number in the statement."""
        data: list[list[object]] = [self.header]
        commands: list[tuple[object, ...]] = [
            ("FONT", (0, 0), (-1, -1), FONT, CELL_SIZE, LEADING),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (FIRST_NUMERIC, 1), (LAST_NUMERIC, -1), "RIGHT"),
            ("TOPPADDING", (0, 0), (-1, -1), PAD_Y),
            ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_Y),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
            ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
        ]
        for index, rows in enumerate(lines, start=first_index):
            first, last = len(data), len(data) + len(rows) - 1
            data.extend(rows)
            if index % 2:
                commands.append(("BACKGROUND", (0, first), (-1, last), ZEBRA_BG))
            if last > first:  # the explanation, under its line and across the other columns
                commands += [
                    ("SPAN", (1, last), (-1, last)),
                    ("TOPPADDING", (0, last), (-1, last), 0),
                    ("FONT", (1, last), (1, last), FONT_ITALIC, CELL_SIZE, LEADING),
                    ("TEXTCOLOR", (1, last), (1, last), MUTED),
                ]
        return Table(data, colWidths=self.widths, repeatRows=1, style=TableStyle(commands), hAlign="LEFT")


class _LinesTable(Flowable):
    """The lines table from line `start` on, laid out one page at a time.

    Each page gets a Table of exactly the lines it can hold, header first, and the rest becomes another
    _LinesTable. One Table of 100,000 lines would be re-measured at every page break (quadratic), and
    fixed-size chunks would put a header in the middle of a page wherever one chunk ends and the next begins.
    A line and its explanation are never split over two pages.
    """

    def __init__(self, cells: _LineCells, lines: Sequence[StatementLine], start: int = 0) -> None:
        super().__init__()
        self.cells, self.lines, self.start = cells, lines, start
        self._table: Table | None = None
        self._next = start
        self._laid_out_for: tuple[float, float] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 - reportlab's
        if self._laid_out_for == (availWidth, availHeight):  # the frame wraps, then asks for the split
            return self.width, self.height
        self._laid_out_for = (availWidth, availHeight)
        budget = availHeight - self.cells.header_height
        page: list[list[list[object]]] = []
        used, index = 0.0, self.start
        while index < len(self.lines):
            rows, height = self.cells.rows(self.lines[index])
            if used + height > budget:
                break
            page.append(rows)
            used += height
            index += 1
        self._table, width, height = None, availWidth, availHeight + 1
        while page:  # our sum should match reportlab's; if not, drop lines until the table fits
            self._table = self.cells.table(page, self.start)
            width, height = self._table.wrap(availWidth, availHeight)
            if height <= availHeight:
                break
            page.pop()
            self._table = None
        self._next = self.start + len(page)
        if self._next < len(self.lines):
            height = availHeight + 1  # taller than the frame, so it asks us to split
        self.width, self.height = width, height
        return width, height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803 - reportlab's
        self.wrap(availWidth, availHeight)
        if self._table is None:
            return []  # not one line fits below what is already on this page: the frame turns the page
        return [self._table, _LinesTable(self.cells, self.lines, self._next)]

    def draw(self) -> None:
        if self._table is not None:
            self._table.drawOn(self.canv, 0, 0)


def render_statement_pdf(statement: Statement) -> bytes:
    """The statement as a PDF (A4 landscape), in the current locale; the creator keeps it as a record."""
    _fonts()
    styles = _styles()
    period = _period_date(statement.period)
    period_label = format_date(period, "MMMM y") if period else statement.period
    title = _("Royalty statement")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=_text(f"{title} — {statement.creator_name} — {period_label}"),
        author="Atelier",
        creator="Atelier",
        subject=_text(title),
        lang=str(get_locale()),
    )
    if statement.closed:
        status = (
            _("Closed month — checksum %(checksum)s…", checksum=statement.checksum[:16])
            if statement.checksum
            else _("Closed month")
        )
    else:
        status = _("Month in progress — figures may still change")
    story: list[Flowable] = [
        Paragraph(_markup(title), styles["title"]),
        Paragraph(f"<b>{_markup(statement.creator_name)}</b> — {_markup(period_label)}", styles["subtitle"]),
        Paragraph(
            _markup(_("Generated on %(date)s", date=format_datetime(statement.generated_at, "medium"))),
            styles["muted"],
        ),
        Paragraph(_markup(status), styles["muted"]),
        Spacer(1, 5 * mm),
        _summary(statement),
        Spacer(1, 6 * mm),
    ]
    if not statement.lines:
        story.append(Paragraph(_markup(_("No movement this month.")), styles["body"]))
    else:
        cells = _LineCells(statement, styles)
        story.append(_LinesTable(cells, statement.lines))

    def footer(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        text = _text(_("Atelier — page %(num)s", num=number(canvas.getPageNumber())))
        canvas.drawRightString(document.pagesize[0] - MARGIN, MARGIN / 2 + 2 * mm, text)
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
