"""The cart: guests keep it in their session, members in the database (merged when they log in).

Only variant ids and quantities are stored. Every price, subtotal and total is recomputed from the
catalogue each time the cart is shown or checked out, so nothing a browser sends decides an amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.catalogue.models import Product, ProductVariant
from contest.core.db import insert_ignore
from contest.core.errors import DomainError, NotFound
from contest.core.i18n import N_
from contest.core.money import Money
from contest.extensions import db
from contest.orders.models import MAX_QUANTITY, CartItem

SESSION_KEY = "cart"
REGION_LABELS = {
    "FR": N_("France"),
    "EU": N_("European Union"),
    "UK": N_("United Kingdom"),
    "WORLD": N_("Rest of the world"),
}


class InvalidQuantity(DomainError):
    """A quantity must be a whole number from 1 to MAX_QUANTITY."""


class NotForSale(NotFound):
    """The variant does not exist, is unavailable, or its product was taken off sale."""


class CartStore(Protocol):
    """Where a cart's (variant id -> quantity) pairs live."""

    def items(self) -> dict[int, int]: ...

    def put(self, variant_id: int, quantity: int) -> None: ...

    def remove(self, variant_id: int) -> None: ...

    def clear(self) -> None: ...


class SessionCart:
    """A guest's cart in the signed session cookie (a few dozen bytes per line)."""

    def __init__(self, session: dict) -> None:  # type: ignore[type-arg]
        self._session = session

    def items(self) -> dict[int, int]:
        raw = self._session.get(SESSION_KEY) or {}
        return {int(k): int(v) for k, v in raw.items() if str(k).isdigit() and 1 <= int(v) <= MAX_QUANTITY}

    def _save(self, items: dict[int, int]) -> None:
        self._session[SESSION_KEY] = {str(k): v for k, v in items.items()}

    def put(self, variant_id: int, quantity: int) -> None:
        self._save({**self.items(), variant_id: quantity})

    def remove(self, variant_id: int) -> None:
        items = self.items()
        items.pop(variant_id, None)
        self._save(items)

    def clear(self) -> None:
        self._session.pop(SESSION_KEY, None)


class MemberCart:
    """A member's cart in the database: it follows them across devices."""

    def __init__(self, user: User, *, now: datetime) -> None:
        self._user_id, self._now = user.id, now

    def items(self) -> dict[int, int]:
        rows = db.session.execute(
            sa.select(CartItem.variant_id, CartItem.quantity).filter_by(user_id=self._user_id)
        ).all()
        return dict(rows)  # type: ignore[arg-type]

    def put(self, variant_id: int, quantity: int) -> None:
        insert_ignore(
            CartItem, user_id=self._user_id, variant_id=variant_id, quantity=quantity, added_at=self._now
        )
        db.session.execute(
            sa.update(CartItem)
            .filter_by(user_id=self._user_id, variant_id=variant_id)
            .values(quantity=quantity)
        )

    def remove(self, variant_id: int) -> None:
        db.session.execute(sa.delete(CartItem).filter_by(user_id=self._user_id, variant_id=variant_id))

    def clear(self) -> None:
        db.session.execute(sa.delete(CartItem).filter_by(user_id=self._user_id))


def parse_quantity(raw: object) -> int:
    """Raises InvalidQuantity unless ``raw`` is a whole number from 1 to MAX_QUANTITY."""
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_QUANTITY:
        raise InvalidQuantity(_("Choose a quantity from 1 to %(max)s.", max=MAX_QUANTITY), field="quantity")
    return int(text)


def sellable_variant(variant_id: int) -> ProductVariant:
    """The variant if it can be bought now; raises NotForSale otherwise."""
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None or not variant.available or variant.product.status != "active":
        raise NotForSale(_("This item is no longer for sale."))
    return variant


def find_variant(product: Product, *, colour: str, size: str) -> ProductVariant:
    variant = next((v for v in product.variants if v.colour == colour and v.size == size), None)
    if variant is None:
        raise NotForSale(_("Choose a size and colour this product comes in."))
    return sellable_variant(variant.id)


def add(store: CartStore, variant_id: int, quantity: int) -> int:
    """Add to the cart (on top of what is there); returns the line's new quantity."""
    sellable_variant(variant_id)
    total = store.items().get(variant_id, 0) + quantity
    if total > MAX_QUANTITY:
        raise InvalidQuantity(_("At most %(max)s of one item per order.", max=MAX_QUANTITY), field="quantity")
    store.put(variant_id, total)
    return total


def set_quantity(store: CartStore, variant_id: int, quantity: int) -> None:
    """Change a line's quantity (0 removes it)."""
    if quantity == 0:
        store.remove(variant_id)
        return
    if variant_id not in store.items():
        raise NotFound(_("This item is not in your cart."))
    store.put(variant_id, parse_quantity(quantity))


def merge(guest: dict[int, int], member: CartStore) -> None:
    """Log-in: the guest's lines join the member's cart (quantities add up, capped)."""
    current = member.items()
    for variant_id, quantity in guest.items():
        try:
            sellable_variant(variant_id)
        except NotForSale:
            continue
        member.put(variant_id, min(MAX_QUANTITY, current.get(variant_id, 0) + quantity))


def shipping_rates() -> dict[str, int]:
    """Flat shipping per region, in the catalogue currency's minor units (ATELIER_SHIPPING_RATES)."""
    return dict(current_app.config["SHIPPING_RATES"])


@dataclass(frozen=True, slots=True)
class CartLine:
    variant: ProductVariant
    quantity: int

    @property
    def product(self) -> Product:
        return self.variant.product

    @property
    def unit_price(self) -> Money:
        return Money(self.variant.price, self.variant.currency)

    @property
    def line_total(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass
class CartView:
    lines: list[CartLine]
    region: str
    removed: list[str] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.lines[0].variant.currency if self.lines else "EUR"

    @property
    def subtotal(self) -> Money:
        return sum((line.line_total for line in self.lines), Money(0, self.currency))

    @property
    def shipping(self) -> Money:
        return Money(shipping_rates()[self.region] if self.lines else 0, self.currency)

    @property
    def total(self) -> Money:
        return self.subtotal + self.shipping

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)


def view(store: CartStore, *, region: str) -> CartView:
    """The cart with today's prices; lines no longer for sale are dropped and named in ``removed``."""
    rates = shipping_rates()
    region = region if region in rates else next(iter(rates))
    items = store.items()
    variants = (
        {
            v.id: v
            for v in db.session.execute(
                sa.select(ProductVariant).where(ProductVariant.id.in_(list(items)))
            ).scalars()
        }
        if items
        else {}
    )
    cart = CartView(lines=[], region=region)
    for variant_id, quantity in items.items():
        variant = variants.get(variant_id)
        if variant is None or not variant.available or variant.product.status != "active":
            store.remove(variant_id)
            if variant is not None:
                cart.removed.append(variant.product.title)
            continue
        cart.lines.append(CartLine(variant, quantity))
    cart.lines.sort(key=lambda line: line.variant.id)
    return cart
