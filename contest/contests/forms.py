"""Staff contest form; money and percentages are typed as people write them, stored as integers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from contest.contests.services import ContestInput
from contest.core.forms import Form

CURRENCIES = [SelectChoice(code) for code in ("EUR", "USD", "GBP", "CHF", "CAD")]


def product_type_choices() -> list[tuple[str, str]]:
    return [
        ("tshirt", _l("T-shirt")),
        ("hoodie", _l("Hoodie")),
        ("poster", _l("Poster")),
        ("mug", _l("Mug")),
        ("sticker", _l("Sticker")),
    ]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def to_minor_units(text: str, currency: str) -> int:
    """'1 250,50' or '1250.5' in EUR -> 125050; never through a float."""
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", ".")
    value = Decimal(cleaned or "0")
    exponent = get_currency_precision(currency)
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise InvalidOperation("too many decimals")
    return int(scaled)


def from_minor_units(amount: int, currency: str) -> str:
    return str(Decimal(amount).scaleb(-get_currency_precision(currency)))


class ContestForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(
        _l("Address"),
        validators=[Optional(), Length(max=80)],
        description=_l("The end of the contest's web address; made from the title when empty."),
    )
    tagline = StringField(_l("Tagline"), validators=[Optional(), Length(max=200)])
    brief = TextAreaField(
        _l("Brief"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l("What artists should create. Markdown is allowed."),
    )
    rules = TextAreaField(
        _l("Rules"),
        validators=[Optional(), Length(max=20000)],
        description=_l("Published with the contest. Markdown is allowed."),
    )
    cover = FileField(_l("Cover image"), description=_l("PNG or JPEG, landscape, at least 1200 px wide."))
    prize = StringField(_l("Prize"), default="0", validators=[DataRequired()])
    prize_currency = SelectField(_l("Currency"), choices=CURRENCIES, default="EUR")
    royalty_percent = StringField(
        _l("Royalty rate (%)"), default="10", description=_l("Share of each sale paid to the artist.")
    )
    winners_count = IntegerField(_l("Number of winners"), default=3, validators=[NumberRange(1, 50)])
    min_scores = IntegerField(_l("Minimum scores to qualify"), default=10, validators=[NumberRange(0, 10000)])
    winners_hold_days = IntegerField(
        _l("Days staff may confirm or veto winners"),
        default=0,
        validators=[NumberRange(0, 60)],
        description=_l("0 puts winners on sale as soon as results are out."),
    )
    max_entries_per_artist = IntegerField(
        _l("Entries per artist"), default=3, validators=[NumberRange(1, 20)]
    )
    min_short_side = IntegerField(
        _l("Minimum short side (px)"), default=1800, validators=[NumberRange(300, 10000)]
    )
    product_types = MultiCheckboxField(
        _l("Products for the winners"), choices=product_type_choices, default=["tshirt", "poster"]
    )
    submissions_open_at = DateTimeLocalField(_l("Submissions open (UTC)"), validators=[DataRequired()])
    submissions_close_at = DateTimeLocalField(_l("Submissions close (UTC)"), validators=[DataRequired()])
    voting_close_at = DateTimeLocalField(_l("Voting closes (UTC)"), validators=[DataRequired()])

    def validate_prize(self, field: StringField) -> None:
        try:
            amount = to_minor_units(field.data or "0", self.prize_currency.data or "EUR")
        except (InvalidOperation, ValueError):
            raise ValidationError(_l("Write an amount such as 500 or 500.00.")) from None
        if amount < 0:
            raise ValidationError(_l("The prize cannot be negative."))

    def validate_royalty_percent(self, field: StringField) -> None:
        try:
            bps = Decimal((field.data or "0").replace(",", ".")) * 100
        except InvalidOperation:
            raise ValidationError(_l("Write a percentage such as 10 or 12.5.")) from None
        if bps != bps.to_integral_value() or not 0 <= bps <= 10000:
            raise ValidationError(_l("Use a percentage between 0 and 100 with at most two decimals."))

    def to_input(self) -> ContestInput:
        def aware(value: datetime) -> datetime:
            return value.replace(tzinfo=UTC)

        return ContestInput(
            title=self.title.data,
            slug=self.slug.data or "",
            tagline=self.tagline.data or "",
            brief=self.brief.data,
            rules=self.rules.data or "",
            prize_amount=to_minor_units(self.prize.data or "0", self.prize_currency.data),
            prize_currency=self.prize_currency.data,
            royalty_bps=int(Decimal((self.royalty_percent.data or "0").replace(",", ".")) * 100),
            winners_count=self.winners_count.data,
            min_scores=self.min_scores.data,
            winners_hold_days=self.winners_hold_days.data or 0,
            max_entries_per_artist=self.max_entries_per_artist.data,
            min_short_side=self.min_short_side.data,
            product_types=list(self.product_types.data or []),
            submissions_open_at=aware(self.submissions_open_at.data),
            submissions_close_at=aware(self.submissions_close_at.data),
            voting_close_at=aware(self.voting_close_at.data),
        )

    def fill_from(self, contest) -> None:  # noqa: ANN001 - a Contest
        for name in (
            "title",
            "slug",
            "tagline",
            "brief",
            "rules",
            "winners_count",
            "min_scores",
            "winners_hold_days",
            "max_entries_per_artist",
            "min_short_side",
            "product_types",
        ):
            getattr(self, name).data = getattr(contest, name)
        self.prize.data = from_minor_units(contest.prize_amount, contest.prize_currency)
        self.prize_currency.data = contest.prize_currency
        self.royalty_percent.data = str(Decimal(contest.royalty_bps) / 100).rstrip("0").rstrip(".") or "0"
        for name in ("submissions_open_at", "submissions_close_at", "voting_close_at"):
            getattr(self, name).data = getattr(contest, name).replace(tzinfo=None)


class CancelForm(Form):
    reason = TextAreaField(_l("Reason, shown publicly"), validators=[DataRequired(), Length(max=2000)])


class ActionForm(Form):
    pass
