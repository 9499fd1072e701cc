"""Following artists, and the personal feed of what they did: new entries, wins and products."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from contest.accounts.models import User
from contest.catalogue.models import ContestWinner, Product
from contest.community.models import Follow
from contest.contests.models import Contest
from contest.core.db import insert_ignore
from contest.core.errors import DomainError
from contest.designs.models import Design
from contest.extensions import db

FEED_PAGE = 30


def follow(member: User, artist: User, *, now: datetime) -> bool:
    """True if the member now follows the artist for the first time (following twice changes nothing)."""
    if member.id == artist.id:
        raise DomainError(_("You cannot follow yourself."))
    if not artist.active:
        raise DomainError(_("This member is not here any more."))
    return insert_ignore(Follow, follower_id=member.id, artist_id=artist.id, created_at=now)


def unfollow(member: User, artist: User) -> bool:
    return bool(
        db.session.execute(sa.delete(Follow).filter_by(follower_id=member.id, artist_id=artist.id)).rowcount
    )


def is_following(member_id: int, artist_id: int) -> bool:
    return (
        db.session.execute(sa.select(Follow.id).filter_by(follower_id=member_id, artist_id=artist_id)).first()
        is not None
    )


def follower_count(artist_id: int) -> int:
    return db.session.execute(sa.select(sa.func.count(Follow.id)).filter_by(artist_id=artist_id)).scalar_one()


def following(member_id: int) -> list[User]:
    return list(
        db.session.execute(
            sa.select(User)
            .join(Follow, Follow.artist_id == User.id)
            .where(Follow.follower_id == member_id, User.active.is_(True))
            .order_by(User.username_key)
        ).scalars()
    )


@dataclass(frozen=True, slots=True)
class FeedItem:
    kind: str  # "entry", "win" or "product"
    at: datetime
    artist: User
    design: Design
    contest: Contest
    product: Product | None = None


def feed(member_id: int, *, before: datetime | None = None, limit: int = FEED_PAGE) -> list[FeedItem]:
    """Newest first: followed artists' approved entries, published wins and products on sale."""
    followed = sa.select(Follow.artist_id).where(Follow.follower_id == member_id)
    entries = (
        sa.select(Design, Design.submitted_at)
        .where(Design.artist_id.in_(followed), Design.status == "approved")
        .order_by(Design.submitted_at.desc())
    )
    wins = (
        sa.select(ContestWinner, ContestWinner.published_at)
        .join(Design, Design.id == ContestWinner.design_id)
        .where(
            Design.artist_id.in_(followed),
            ContestWinner.status == "published",
            ContestWinner.published_at.is_not(None),
        )
        .order_by(ContestWinner.published_at.desc())
    )
    products = (
        sa.select(Product, Product.created_at)
        .where(Product.artist_id.in_(followed), Product.status == "active")
        .order_by(Product.created_at.desc())
    )
    if before is not None:
        entries = entries.where(Design.submitted_at < before)
        wins = wins.where(ContestWinner.published_at < before)
        products = products.where(Product.created_at < before)
    items: list[FeedItem] = []
    for design, at in db.session.execute(entries.limit(limit)).all():
        items.append(FeedItem("entry", at, design.artist, design, design.contest))
    for winner, at in db.session.execute(wins.limit(limit)).all():
        design = db.session.get(Design, winner.design_id)
        items.append(FeedItem("win", at, design.artist, design, winner.contest))
    for product, at in db.session.execute(products.limit(limit)).all():
        design = db.session.get(Design, product.design_id)
        items.append(FeedItem("product", at, design.artist, design, design.contest, product))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
