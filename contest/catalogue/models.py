"""Winners, prizes and the catalogue they feed: products, their variants and mockups."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest.core.clock import utcnow
from contest.core.money import Money
from contest.extensions import db

if TYPE_CHECKING:
    from contest.accounts.models import User
    from contest.contests.models import Contest
    from contest.designs.models import Design
    from contest.storage.models import StoredFile


class ContestWinner(db.Model):
    """A winning design of a closed contest: held for staff confirmation, published, or vetoed."""

    __tablename__ = "contest_winners"
    __table_args__ = (
        sa.UniqueConstraint("contest_id", "design_id"),
        sa.CheckConstraint("status IN ('held', 'published', 'vetoed')", name="status"),
        sa.Index("ix_contest_winners_status", "status", "publish_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contests.id", ondelete="CASCADE"))
    design_id: Mapped[int] = mapped_column(sa.ForeignKey("designs.id", ondelete="CASCADE"))
    rank: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(12))
    publish_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    vetoed_at: Mapped[datetime | None]
    vetoed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    veto_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Set when every product of this winner exists: promotion resumes from here after a crash.
    promoted_at: Mapped[datetime | None]
    promotion_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime]

    contest: Mapped[Contest] = relationship()
    design: Mapped[Design] = relationship()


class Prize(db.Model):
    """A prize owed to a winner; the royalty ledger books it (one row per winning design, ever)."""

    __tablename__ = "prizes"
    __table_args__ = (
        sa.UniqueConstraint("contest_id", "design_id"),
        sa.CheckConstraint("amount >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contests.id", ondelete="CASCADE"))
    design_id: Mapped[int] = mapped_column(sa.ForeignKey("designs.id", ondelete="CASCADE"))
    artist_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    awarded_at: Mapped[datetime]
    booked_at: Mapped[datetime | None]  # set by the royalty ledger when it records the prize
    revoked_at: Mapped[datetime | None]  # the win was vetoed: the ledger reverses a booked prize


class Product(db.Model):
    """A winning design on one product type: what shoppers browse and buy."""

    __tablename__ = "products"
    __table_args__ = (
        sa.UniqueConstraint("design_id", "type_code"),
        sa.CheckConstraint("status IN ('active', 'retired')", name="status"),
        sa.CheckConstraint("margin_bps >= 0", name="margin_non_negative"),
        sa.Index("ix_products_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)
    design_id: Mapped[int] = mapped_column(sa.ForeignKey("designs.id", ondelete="CASCADE"))
    contest_id: Mapped[int] = mapped_column(sa.ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    artist_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    type_code: Mapped[str] = mapped_column(sa.String(20), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    # Title, tags and artist names in one column: what the catalogue's full-text search reads.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    rank: Mapped[int]  # the design's rank in its contest, for the "ranked #N" badge
    margin_bps: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    min_price: Mapped[int]  # cheapest active variant, kept for sorting by price
    sales_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(12), default="active")
    retired_at: Mapped[datetime | None]
    retired_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(onupdate=utcnow)

    design: Mapped[Design] = relationship()
    contest: Mapped[Contest] = relationship()
    artist: Mapped[User] = relationship()
    variants: Mapped[list[ProductVariant]] = relationship(
        back_populates="product", order_by="ProductVariant.id", cascade="all, delete-orphan"
    )
    mockups: Mapped[list[Mockup]] = relationship(
        back_populates="product", order_by="Mockup.position", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def price_from(self) -> Money:
        return Money(self.min_price, self.currency)

    def mockup_for(self, colour: str) -> Mockup | None:
        return next(
            (m for m in self.mockups if m.colour == colour), self.mockups[0] if self.mockups else None
        )


class ProductVariant(db.Model):
    __tablename__ = "product_variants"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "size", "colour"),
        sa.CheckConstraint("price >= base_cost AND base_cost > 0", name="price_covers_cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(sa.String(60), unique=True)
    size: Mapped[str] = mapped_column(sa.String(12))
    colour: Mapped[str] = mapped_column(sa.String(20))
    base_cost: Mapped[int]
    price: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    available: Mapped[bool] = mapped_column(default=True)

    product: Mapped[Product] = relationship(back_populates="variants")

    @property
    def money(self) -> Money:
        return Money(self.price, self.currency)

    @property
    def base_money(self) -> Money:
        return Money(self.base_cost, self.currency)


class Mockup(db.Model):
    """The design printed on one colour of the blank (a public WebP), made by a background job."""

    __tablename__ = "mockups"
    __table_args__ = (sa.UniqueConstraint("product_id", "colour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    colour: Mapped[str] = mapped_column(sa.String(20))
    position: Mapped[int]
    file_id: Mapped[str] = mapped_column(sa.ForeignKey("stored_files.id", ondelete="CASCADE"))
    file: Mapped[StoredFile] = relationship()

    product: Mapped[Product] = relationship(back_populates="mockups")
