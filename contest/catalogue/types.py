"""The product types a winning design can become: blanks, variants, base costs and default margins.

Kept in code next to their drawn blanks (static/img/blanks/): adding a type is a code change reviewed
with its artwork. Costs are what the print-on-demand partner charges, in EUR cents; retail prices are
base cost plus margin, rounded up to the next 50 cents, and staff may edit a product's prices later.
"""

from __future__ import annotations

from dataclasses import dataclass

from contest.core.i18n import N_

CURRENCY = "EUR"
APPAREL_SIZES = ("XS", "S", "M", "L", "XL", "2XL", "3XL")
APPAREL_COLOURS = {"white": "#f4f4f2", "black": "#161616", "heather": "#9a9ea3", "navy": "#1d2a44"}
PAPER = {"white": "#fbfbf8"}

COLOUR_LABELS = {
    "white": N_("White"),
    "black": N_("Black"),
    "heather": N_("Heather grey"),
    "navy": N_("Navy"),
}


@dataclass(frozen=True, slots=True)
class ProductType:
    code: str
    sizes: tuple[str, ...]
    colours: dict[str, str]  # colour code -> blank colour
    base_costs: dict[str, int]  # size -> cost in cents
    margin_bps: int  # default retail margin over base cost, in basis points

    def variants(self) -> list[tuple[str, str, int]]:
        """(size, colour, base cost) for every variant, in display order."""
        return [(size, colour, self.base_costs[size]) for colour in self.colours for size in self.sizes]


def _apparel(code: str, base: int, step: int, margin_bps: int) -> ProductType:
    # Bigger sizes use more fabric: 2XL and 3XL cost more, as at every print partner.
    costs = {size: base + step * max(0, index - 4) for index, size in enumerate(APPAREL_SIZES)}
    return ProductType(code, APPAREL_SIZES, APPAREL_COLOURS, costs, margin_bps)


PRODUCT_TYPES: dict[str, ProductType] = {
    "tshirt": _apparel("tshirt", 1150, 200, 8000),
    "hoodie": _apparel("hoodie", 2650, 300, 6000),
    "poster": ProductType(
        "poster", ("A3", "A2", "50x70"), PAPER, {"A3": 700, "A2": 1100, "50x70": 1500}, 12000
    ),
    "mug": ProductType("mug", ("11oz", "15oz"), PAPER, {"11oz": 650, "15oz": 800}, 9000),
    "sticker": ProductType("sticker", ("8cm", "12cm"), PAPER, {"8cm": 150, "12cm": 250}, 20000),
}


def retail_price(base_cost: int, margin_bps: int) -> int:
    """Base cost plus margin, rounded up to the next 50 cents (prices shoppers recognise)."""
    raw = -(-base_cost * (10_000 + margin_bps) // 10_000)
    return -(-raw // 50) * 50
