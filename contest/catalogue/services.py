"""From results to products: winners (held, published, vetoed), prizes, promotion into the catalogue.

Every step is a conditional write or an INSERT that ignores what already exists, so a step run twice, by
two processes at once or again after a crash, does its work once. The steps never commit: closing.py
runs each in its own unit of work, so one design that cannot be promoted does not hold up the others.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.catalogue.models import ContestWinner, Mockup, Prize, Product, ProductVariant
from contest.catalogue.types import CURRENCY, PRODUCT_TYPES, retail_price
from contest.contests.models import Contest
from contest.core.db import upsert_insert
from contest.core.errors import Conflict, DomainError, PermissionDenied
from contest.core.i18n import money
from contest.core.money import Money
from contest.designs.models import Design
from contest.extensions import db
from contest.jobs import enqueue
from contest.notifications.services import notify
from contest.royalties import services as royalties
from contest.storage.base import get_storage
from contest.voting.models import ContestResult, Score, ScoreExclusion


class PromotionFailed(DomainError):
    """The design cannot become products (its print master is missing or unreadable)."""


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or "design"


def _add_winner(contest: Contest, design_id: int, rank: int, *, now: datetime) -> ContestWinner | None:
    """The winner row, unless it exists; None when another call (or an earlier run) made it."""
    hold = contest.winners_hold_days
    inserted = db.session.execute(
        upsert_insert(ContestWinner)
        .values(
            contest_id=contest.id,
            design_id=design_id,
            rank=rank,
            status="held" if hold else "published",
            publish_at=now + timedelta(days=hold),
            published_at=None if hold else now,
            veto_reason="",
            promotion_error="",
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(ContestWinner.id)
    ).scalar_one_or_none()
    return None if inserted is None else db.session.get(ContestWinner, inserted)


def ensure_winners(contest: Contest, *, now: datetime) -> list[ContestWinner]:
    """Record the winners of published results (the top qualified designs): on sale at once, or held
    for staff during the contest's hold period. Returns the rows this call created."""
    if contest.state != "results":
        return []
    rows = db.session.execute(
        sa.select(ContestResult.design_id, ContestResult.rank)
        .where(ContestResult.contest_id == contest.id, ContestResult.winner.is_(True))
        .order_by(ContestResult.rank)
    ).all()
    created = [_add_winner(contest, design_id, rank, now=now) for design_id, rank in rows]
    return [winner for winner in created if winner is not None]


def release_held_winners(*, now: datetime) -> list[int]:
    """Publish the winners whose hold period is over (staff did not veto them). Returns their ids."""
    return list(
        db.session.execute(
            sa.update(ContestWinner)
            .where(ContestWinner.status == "held", ContestWinner.publish_at <= now)
            .values(status="published", published_at=now)
            .returning(ContestWinner.id)
        ).scalars()
    )


def confirm_winner(staff: User, winner: ContestWinner, *, now: datetime) -> None:
    """Staff confirm a held winner before the hold period ends: it goes on sale at the next run."""
    if not staff.is_staff:
        raise PermissionDenied(_("Only staff can confirm winners."))
    done = db.session.execute(
        sa.update(ContestWinner)
        .where(ContestWinner.id == winner.id, ContestWinner.status == "held")
        .values(status="published", published_at=now, publish_at=now)
    ).rowcount
    if done != 1:
        raise Conflict(_("This winner was already decided."))


def veto_winner(staff: User, winner: ContestWinner, *, reason: str, now: datetime) -> ContestWinner | None:
    """Withdraw a win with a public reason: its products are retired (orders are kept) and the next
    qualified design takes the place. Returns the new winner, if a qualified design was left."""
    if not staff.is_staff:
        raise PermissionDenied(_("Only staff can veto winners."))
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason: it is shown publicly with the results."), field="reason")
    done = db.session.execute(
        sa.update(ContestWinner)
        .where(ContestWinner.id == winner.id, ContestWinner.status != "vetoed")
        .values(status="vetoed", vetoed_at=now, vetoed_by_id=staff.id, veto_reason=reason)
    ).rowcount
    if done != 1:
        raise Conflict(_("This winner was already vetoed."))
    db.session.execute(
        sa.update(Product)
        .where(Product.design_id == winner.design_id, Product.status == "active")
        .values(status="retired", retired_at=now, retired_reason=reason, updated_at=now)
    )
    prize = db.session.execute(
        sa.select(Prize).filter_by(contest_id=winner.contest_id, design_id=winner.design_id)
    ).scalar_one_or_none()
    if prize is not None:
        royalties.revoke_prize(prize, now=now)
    taken = sa.select(ContestWinner.design_id).where(ContestWinner.contest_id == winner.contest_id)
    successor = db.session.execute(
        sa.select(ContestResult.design_id, ContestResult.rank)
        .where(
            ContestResult.contest_id == winner.contest_id,
            ContestResult.qualified.is_(True),
            ContestResult.design_id.not_in(taken),
        )
        .order_by(ContestResult.rank)
        .limit(1)
    ).first()
    if successor is None:
        return None
    contest = db.session.get(Contest, winner.contest_id)
    return _add_winner(contest, successor.design_id, successor.rank, now=now)


def _search_text(design: Design) -> str:
    artist = design.artist
    return " ".join([design.title, *design.tags, artist.username, artist.display_name]).strip()


def check_master(design: Design) -> None:
    """Raises PromotionFailed unless the design's print master is stored and readable."""
    master = design.master
    if master is None or not get_storage(master.backend).exists(master.key):
        raise PromotionFailed(_("The print master of “%(title)s” is missing.", title=design.title))


def promote_winner(winner: ContestWinner, *, now: datetime) -> list[Product]:
    """Put a published winner on sale: one product per type the contest offers, every variant priced
    from base cost and margin, the prize recorded, people told, mockups queued. Runs once per winner
    (promoted_at); a crash before the end leaves nothing that a new run would duplicate."""
    if winner.status != "published" or winner.promoted_at is not None:
        return []
    design = db.session.get(Design, winner.design_id)
    contest = db.session.get(Contest, winner.contest_id)
    check_master(design)
    for code in contest.product_types:
        product_type = PRODUCT_TYPES.get(code)
        if product_type is None:
            continue
        variants = product_type.variants()
        prices = [retail_price(cost, product_type.margin_bps) for _size, _colour, cost in variants]
        db.session.execute(
            upsert_insert(Product)
            .values(
                slug=f"{_slug(design.title)}-{code}-{design.id}",
                design_id=design.id,
                contest_id=contest.id,
                artist_id=design.artist_id,
                type_code=code,
                title=design.title,
                search_text=_search_text(design),
                rank=winner.rank,
                margin_bps=product_type.margin_bps,
                currency=CURRENCY,
                min_price=min(prices),
                sales_count=0,
                status="active",
                retired_reason="",
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing()
        )
        product_id = db.session.execute(
            sa.select(Product.id).filter_by(design_id=design.id, type_code=code)
        ).scalar_one()
        db.session.execute(
            upsert_insert(ProductVariant)
            .values(
                [
                    {
                        "product_id": product_id,
                        "sku": f"AT-{design.id}-{code}-{colour}-{size}".upper(),
                        "size": size,
                        "colour": colour,
                        "base_cost": cost,
                        "price": price,
                        "currency": CURRENCY,
                        "available": True,
                    }
                    for (size, colour, cost), price in zip(variants, prices, strict=True)
                ]
            )
            .on_conflict_do_nothing()
        )
    if contest.prize_amount:
        db.session.execute(
            upsert_insert(Prize)
            .values(
                contest_id=contest.id,
                design_id=design.id,
                artist_id=design.artist_id,
                amount=contest.prize_amount,
                currency=contest.prize_currency,
                awarded_at=now,
            )
            .on_conflict_do_nothing()
        )
    # The one write that decides who tells people: of two simultaneous runs, one sets it.
    claimed = db.session.execute(
        sa.update(ContestWinner)
        .where(ContestWinner.id == winner.id, ContestWinner.promoted_at.is_(None))
        .values(promoted_at=now, promotion_error="")
    ).rowcount
    products = list(db.session.execute(sa.select(Product).filter_by(design_id=design.id)).scalars())
    if claimed != 1:
        return []
    prize = db.session.execute(
        sa.select(Prize).filter_by(contest_id=contest.id, design_id=design.id)
    ).scalar_one_or_none()
    if prize is not None and prize.revoked_at is None:
        royalties.book_prize(prize, now=now)
    for product in products:
        enqueue("catalogue.mockups", product_id=product.id)
    _announce(design, contest, products, now=now)
    return products


def _announce(design: Design, contest: Contest, products: list[Product], *, now: datetime) -> None:
    if not products:
        return
    first = products[0]
    notify(
        design.artist,
        "design_won",
        now=now,
        endpoint="catalogue.product",
        endpoint_values={"slug": first.slug},
        title=design.title,
        contest=contest.title,
    )
    excluded = sa.select(ScoreExclusion.score_id).where(ScoreExclusion.reinstated_at.is_(None))
    fans = db.session.execute(
        sa.select(User)
        .join(Score, Score.voter_id == User.id)
        .where(
            Score.design_id == design.id,
            sa.or_(Score.value >= 4, Score.buy.is_(True)),
            Score.id.not_in(excluded),
            User.active.is_(True),
        )  # one score per member and design: each fan appears once
    ).scalars()
    for fan in fans:
        notify(
            fan,
            "design_for_sale",
            now=now,
            endpoint="catalogue.product",
            endpoint_values={"slug": first.slug},
            title=design.title,
        )


def record_failure(winner: ContestWinner, error: DomainError, *, now: datetime) -> bool:
    """Note why a winner could not be promoted and alert staff, once per distinct problem."""
    changed = db.session.execute(
        sa.update(ContestWinner)
        .where(ContestWinner.id == winner.id, ContestWinner.promotion_error != error.message)
        .values(promotion_error=error.message)
    ).rowcount
    if changed:
        for staff in db.session.execute(
            sa.select(User).where(User.role == "staff", User.active.is_(True))
        ).scalars():
            notify(
                staff,
                "promotion_failed",
                now=now,
                endpoint="catalogue.staff_winners",
                endpoint_values={"contest_id": winner.contest_id},
                title=winner.design.title,
                reason=error.message,
            )
    return bool(changed)


def unreadable_master_message(winner: ContestWinner) -> str:
    return _("The print master of “%(title)s” cannot be read.", title=winner.design.title)


def insert_ignore_mockup(product_id: int, colour: str, position: int, file_id: str) -> sa.Insert:
    """The mockup row unless one exists (a replayed job's file is then simply unreferenced)."""
    return (
        upsert_insert(Mockup)
        .values(product_id=product_id, colour=colour, position=position, file_id=file_id)
        .on_conflict_do_nothing()
    )


SORTS = ("newest", "bestselling", "price_asc", "price_desc")


def catalogue_query(
    *,
    type_code: str | None = None,
    contest_slug: str | None = None,
    artist: str | None = None,
    colour: str | None = None,
    query: str = "",
    sort: str = "newest",
) -> sa.Select:
    """Products on sale, filtered and sorted as the shopper asked (unknown values are ignored)."""
    from contest.catalogue.search import matching

    statement = (
        sa.select(Product)
        .where(Product.status == "active")
        .options(
            sa.orm.selectinload(Product.mockups).joinedload(Mockup.file), sa.orm.joinedload(Product.artist)
        )
    )
    if type_code in PRODUCT_TYPES:
        statement = statement.where(Product.type_code == type_code)
    if contest_slug:
        statement = statement.join(Contest, Contest.id == Product.contest_id).where(
            Contest.slug == contest_slug
        )
    if artist:
        statement = statement.join(User, User.id == Product.artist_id).where(
            User.username_key == artist.lower()
        )
    if colour:
        statement = statement.where(
            sa.exists().where(
                ProductVariant.product_id == Product.id,
                ProductVariant.colour == colour,
                ProductVariant.available.is_(True),
            )
        )
    condition = matching(query) if query else None
    if condition is not None:
        statement = statement.where(condition)
    order = {
        "bestselling": (Product.sales_count.desc(), Product.created_at.desc()),
        "price_asc": (Product.min_price, Product.created_at.desc()),
        "price_desc": (Product.min_price.desc(), Product.created_at.desc()),
    }.get(sort, (Product.created_at.desc(),))
    return statement.order_by(*order, Product.id.desc())


def product_by_slug(slug: str) -> Product | None:
    return db.session.execute(sa.select(Product).filter_by(slug=slug)).scalar_one_or_none()


def siblings(product: Product) -> list[Product]:
    """Other products with the same design, for "also on" links."""
    return list(
        db.session.execute(
            sa.select(Product)
            .where(
                Product.design_id == product.design_id, Product.id != product.id, Product.status == "active"
            )
            .order_by(Product.type_code)
        ).scalars()
    )


def winners_of(contest_id: int, *, include_held: bool = False) -> list[ContestWinner]:
    statuses = ("published", "held", "vetoed") if include_held else ("published", "vetoed")
    return list(
        db.session.execute(
            sa.select(ContestWinner)
            .where(ContestWinner.contest_id == contest_id, ContestWinner.status.in_(statuses))
            .order_by(ContestWinner.rank)
        ).scalars()
    )


def products_by_design(design_ids: list[int], *, include_retired: bool = False) -> dict[int, list[Product]]:
    grouped: dict[int, list[Product]] = {}
    if design_ids:
        statement = sa.select(Product).where(Product.design_id.in_(design_ids)).order_by(Product.type_code)
        if not include_retired:
            statement = statement.where(Product.status == "active")
        for product in db.session.execute(statement).scalars():
            grouped.setdefault(product.design_id, []).append(product)
    return grouped


def artist_products(artist_id: int, *, limit: int = 24) -> list[Product]:
    return list(
        db.session.execute(
            sa.select(Product)
            .where(Product.artist_id == artist_id, Product.status == "active")
            .order_by(Product.created_at.desc(), Product.id.desc())
            .limit(limit)
        ).scalars()
    )


def update_product(
    staff: User,
    product: Product,
    *,
    prices: dict[int, int],
    available: set[int],
    active: bool,
    reason: str = "",
    now: datetime,
) -> None:
    """Staff edit a product's variant prices (minor units) and availability, or take it off sale.

    A price below the variant's base cost would sell at a loss: refused with the variant named.
    """
    if not staff.is_staff:
        raise PermissionDenied(_("Only staff can edit products."))
    for variant in product.variants:
        price = prices.get(variant.id, variant.price)
        if price < variant.base_cost:
            raise DomainError(
                _(
                    "%(size)s %(colour)s cannot cost less than its base cost (%(cost)s).",
                    size=variant.size,
                    colour=variant.colour,
                    cost=money(Money(variant.base_cost, variant.currency)),
                ),
                field="prices",
            )
        variant.price = price
        variant.available = variant.id in available
    on_sale = [v.price for v in product.variants if v.available]
    if active and not on_sale:
        raise DomainError(_("Keep at least one variant available, or take the product off sale."))
    product.min_price = min(on_sale) if on_sale else product.min_price
    if active and product.status == "retired":
        product.status, product.retired_at, product.retired_reason = "active", None, ""
    elif not active and product.status == "active":
        if not reason.strip():
            raise DomainError(_("Give the reason the product is taken off sale."), field="reason")
        product.status, product.retired_at, product.retired_reason = "retired", now, reason.strip()
    product.updated_at = now
