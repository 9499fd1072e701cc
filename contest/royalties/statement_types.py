"""What a creator's monthly statement holds, as plain data: pages, CSV and PDF all render this."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One movement of the creator's balance. Amounts are minor units of the statement's currency.

    ``kind`` is one of: "sale", "refund", "hold", "release", "dispute_lost", "prize", "prize_reversal",
    "payout", "payout_returned". Sale-like fields are None for lines that are not about an order line.
    """

    at: datetime
    kind: str
    amount: int  # signed: what this line adds to (or takes from) the creator's balance
    status: str  # "pending", "cleared", "held", "paid" or "" (payouts, prizes)
    order_id: int | None = None
    product: str = ""  # e.g. "Night Owl — T-shirt"
    variant: str = ""  # e.g. "M · Navy"
    quantity: int | None = None
    retail_price: int | None = None  # unit price
    discount: int | None = None
    base_cost: int | None = None  # per unit
    net: int | None = None  # the basis of the royalty: line total − discount (no shipping, no tax)
    rate_bps: int | None = None  # royalty rate in basis points (1000 = 10 %)
    explanation: str = ""  # "10 % × €40.00 = €4.00, rounded half up to the cent"
    clears_on: date | None = None  # for pending sales: when they clear


@dataclass(frozen=True, slots=True)
class Statement:
    creator_id: int
    creator_name: str
    period: str  # "YYYY-MM"
    currency: str
    opening: int
    closing: int
    lines: tuple[StatementLine, ...]
    generated_at: datetime
    closed: bool  # a closed month's statement is an immutable snapshot
    checksum: str = ""  # sha256 of the snapshot, for closed months
    totals: dict[str, int] = field(default_factory=dict)  # per kind, for the summary box
