"""Background work for designs: turn an upload into a print master, renditions and a fingerprint."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.core.images import ImageRejected
from contest.designs.models import Design, DesignRendition
from contest.extensions import db
from contest.jobs import job
from contest.notifications.services import notify
from contest.storage import get_storage
from contest.storage.services import discard, store_bytes

log = logging.getLogger("atelier.designs")


def find_near_duplicate(design_id: int, phash: str) -> tuple[int, int] | None:
    """The closest earlier design (any contest, any artist) within the near-duplicate distance."""
    from contest.designs.images import NEAR_DUPLICATE_DISTANCE, hash_distance

    best: tuple[int, int] | None = None
    rows = db.session.execute(
        sa.select(Design.id, Design.phash).where(Design.id != design_id, Design.phash.is_not(None))
    )
    for other_id, other_hash in rows:
        distance = hash_distance(phash, other_hash)
        if distance <= NEAR_DUPLICATE_DISTANCE and (best is None or distance < best[1]):
            best = (other_id, distance)
    return best


@job("designs.process")
def process_design_job(design_id: int) -> None:
    """Idempotent: a design that is no longer 'processing' is left alone, so retries and replays are safe."""
    from contest.designs.images import process_design

    with unit_of_work():
        design = db.session.get(Design, design_id)
        if design is None or design.status != "processing" or design.upload is None:
            return
        data = get_storage(design.upload.backend).read(design.upload.key)
    try:
        result = process_design(data)
    except ImageRejected as error:
        with unit_of_work():
            design = db.session.get(Design, design_id)
            if design is None or design.status != "processing":
                return
            design.status = "failed"
            design.processing_error = str(error.message)
            design.entry_slot = None
            if design.upload is not None:
                upload = design.upload
                design.upload = None
                db.session.flush()
                discard(upload)
            notify(
                design.artist,
                "design_failed",
                now=utcnow(),
                endpoint="designs.mine",
                title=design.title,
                reason=str(error.message),
            )
        return
    with unit_of_work():
        now = utcnow()
        design = db.session.get(Design, design_id)
        if design is None or design.status != "processing":
            return
        design.master = store_bytes(
            result.master,
            content_type=result.master_content_type,
            purpose="masters",
            visibility="private",
            owner_id=design.artist_id,
            now=now,
            width=result.width,
            height=result.height,
        )
        seen: set[int] = set()
        for requested, data_webp in sorted(result.renditions.items()):
            width = min(requested, result.width)  # narrow designs are never upscaled
            if width in seen:
                continue
            seen.add(width)
            height = round(result.height * width / result.width)
            stored = store_bytes(
                data_webp,
                content_type="image/webp",
                purpose="renditions",
                visibility="public",
                owner_id=design.artist_id,
                now=now,
                width=width,
                height=height,
            )
            design.renditions.append(DesignRendition(width=width, height=height, file=stored))
        design.width, design.height, design.phash = result.width, result.height, result.phash
        near = find_near_duplicate(design.id, result.phash)
        if near is not None:
            design.duplicate_of_id, design.duplicate_distance = near
        design.status = "pending"
        design.processing_error = None
        upload = design.upload
        design.upload = None
        db.session.flush()
        if upload is not None:
            discard(upload)
        notify(
            design.artist,
            "design_ready",
            now=now,
            endpoint="designs.detail",
            endpoint_values={"design_id": design.id},
            email=False,
            title=design.title,
        )
