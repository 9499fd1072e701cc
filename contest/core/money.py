"""Money as integer minor units plus an ISO 4217 currency code; never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import get_currency_precision


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units, as Stripe's unit_amount
    currency: str  # ISO 4217, upper case

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an int of minor units")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 code: {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def as_decimal(self) -> Decimal:
        """Major units, exact, for display through Babel only."""
        return Decimal(self.amount).scaleb(-get_currency_precision(self.currency))
