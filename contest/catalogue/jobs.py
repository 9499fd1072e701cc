"""Background work for the catalogue: mockups of a product, one per colour of its blank."""

from __future__ import annotations

import io
import logging

import sqlalchemy as sa
from PIL import Image

from contest.catalogue.models import ContestWinner, Mockup, Product
from contest.catalogue.types import PRODUCT_TYPES
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.images import ImageRejected, decoding_guard
from contest.extensions import db
from contest.jobs import job
from contest.storage import get_storage
from contest.storage.services import store_bytes

log = logging.getLogger("atelier.catalogue")
MOCKUP_QUALITY = 82


@job("catalogue.mockups")
def mockups_job(product_id: int) -> None:
    """Idempotent: colours that already have a mockup are skipped, so retries and replays are safe."""
    from contest.catalogue import artwork, services

    with unit_of_work():
        product = db.session.get(Product, product_id)
        if product is None:
            return
        done = set(db.session.execute(sa.select(Mockup.colour).filter_by(product_id=product_id)).scalars())
        colours = [c for c in PRODUCT_TYPES[product.type_code].colours.items() if c[0] not in done]
        master = product.design.master
        kind, winner_id = product.type_code, _winner_id(product)
    if not colours:
        return
    try:
        if master is None:
            raise OSError("no print master")
        with decoding_guard(), Image.open(io.BytesIO(get_storage(master.backend).read(master.key))) as image:
            image.draft("RGB", (artwork.CANVAS, artwork.CANVAS))
            image.thumbnail((artwork.CANVAS, artwork.CANVAS))
            print_image = image.convert("RGBA")
    except (OSError, ValueError, ImageRejected) as error:
        log.warning("mockups of product %s: print master unreadable (%s)", product_id, error)
        with unit_of_work():
            winner = db.session.get(ContestWinner, winner_id) if winner_id else None
            if winner is not None:
                services.record_failure(
                    winner, services.PromotionFailed(services.unreadable_master_message(winner)), now=utcnow()
                )
        return
    order = list(PRODUCT_TYPES[kind].colours)
    for colour, hex_colour in colours:
        mockup = artwork.compose_mockup(print_image, kind, hex_colour)
        buffer = io.BytesIO()
        mockup.save(buffer, "WEBP", quality=MOCKUP_QUALITY, method=4)
        with unit_of_work():
            row = store_bytes(
                buffer.getvalue(),
                content_type="image/webp",
                purpose="mockups",
                visibility="public",
                owner_id=None,
                now=utcnow(),
                width=mockup.width,
                height=mockup.height,
            )
            db.session.flush()
            db.session.execute(services.insert_ignore_mockup(product_id, colour, order.index(colour), row.id))


def _winner_id(product: Product) -> int | None:
    return db.session.execute(
        sa.select(ContestWinner.id).filter_by(contest_id=product.contest_id, design_id=product.design_id)
    ).scalar_one_or_none()
