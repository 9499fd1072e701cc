"""Print jobs from paid orders, the staff queue's export, and shipping with tracking.

The provider interface has one method, ``submit``; the default provider is this manual queue (staff
export the jobs and upload them to the print partner), so ``submit`` only leaves them queued.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from contest.core.db import insert_ignore
from contest.core.errors import DomainError
from contest.core.security import external_url
from contest.designs.models import Design
from contest.extensions import db
from contest.fulfilment.models import PrintJob
from contest.mail.services import queue_email
from contest.orders.models import Order, OrderLine
from contest.orders.services import move
from contest.storage.services import signed_url

MASTER_LINK_SECONDS = 7 * 24 * 3600  # long enough for the partner to fetch, short enough to expire


class FulfilmentProvider(Protocol):
    def submit(self, jobs: list[PrintJob]) -> None: ...


class ManualQueue:
    """Jobs wait in the staff queue until exported; nothing is sent anywhere automatically."""

    def submit(self, jobs: list[PrintJob]) -> None:
        return None


def create_jobs(
    order_id: int, *, now: datetime, provider: FulfilmentProvider | None = None
) -> list[PrintJob]:
    """One job per line of a paid order (once, however often it is called)."""
    for line_id in db.session.execute(sa.select(OrderLine.id).filter_by(order_id=order_id)).scalars():
        insert_ignore(
            PrintJob,
            order_id=order_id,
            order_line_id=line_id,
            status="queued",
            created_at=now,
            carrier="",
            tracking_number="",
        )
    jobs = list(db.session.execute(sa.select(PrintJob).filter_by(order_id=order_id)).scalars())
    (provider or ManualQueue()).submit(jobs)
    return jobs


def job_rows(jobs: list[PrintJob]) -> list[dict[str, Any]]:
    """What the print partner needs per job, with a time-limited link to the print master."""
    rows = []
    for job in jobs:
        line, order = job.line, db.session.get(Order, job.order_id)
        design = db.session.get(Design, line.design_id) if line.design_id else None
        master = design.master if design else None
        ship_to = order.ship_to or {}
        address = ship_to.get("address") or {}
        rows.append(
            {
                "job": job.id,
                "order": order.id,
                "sku": line.sku,
                "product": line.type_code,
                "size": line.size,
                "colour": line.colour,
                "quantity": line.quantity,
                "print_master": _absolute(signed_url(master, expires_in=MASTER_LINK_SECONDS))
                if master
                else "",
                "ship_name": ship_to.get("name", ""),
                "ship_line1": address.get("line1", ""),
                "ship_line2": address.get("line2", ""),
                "ship_postal_code": address.get("postal_code", ""),
                "ship_city": address.get("city", ""),
                "ship_country": address.get("country", ""),
            }
        )
    return rows


def _absolute(url: str) -> str:
    """Local storage signs site-relative links; the print partner needs the full address."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url if url.startswith("/") else url


def export(*, now: datetime) -> list[dict[str, Any]]:
    """The queued jobs, marked exported; their orders go into production."""
    jobs = list(
        db.session.execute(sa.select(PrintJob).filter_by(status="queued").order_by(PrintJob.id)).scalars()
    )
    rows = job_rows(jobs)
    for job in jobs:
        db.session.execute(
            sa.update(PrintJob)
            .where(PrintJob.id == job.id, PrintJob.status == "queued")
            .values(status="exported", exported_at=now)
        )
        move(job.order_id, ("paid",), "in_production", now=now, note="sent to print")
    return rows


def as_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def mark_shipped(order: Order, *, carrier: str, tracking: str, actor_id: int, now: datetime) -> None:
    """The parcel left: jobs and order are shipped, and the shopper gets the tracking number."""
    carrier, tracking = carrier.strip(), tracking.strip()
    if not carrier or not tracking:
        raise DomainError(_("Give the carrier and the tracking number."), field="tracking")
    if not move(
        order.id,
        ("paid", "in_production"),
        "shipped",
        now=now,
        actor_id=actor_id,
        note=f"{carrier} {tracking}",
    ):
        raise DomainError(_("Only paid orders in production can be shipped."))
    db.session.execute(
        sa.update(PrintJob)
        .where(PrintJob.order_id == order.id, PrintJob.status.in_(("queued", "exported")))
        .values(status="shipped", shipped_at=now, carrier=carrier, tracking_number=tracking)
    )
    queue_email(
        order.email,
        "shipped",
        now=now,
        locale=order.locale,
        order=order,
        carrier=carrier,
        tracking=tracking,
        link=external_url("orders.detail", token=order.token),
    )


def mark_delivered(order: Order, *, actor_id: int | None, now: datetime, note: str) -> None:
    """The parcel arrived, as staff learned from the carrier or as the shopper confirmed."""
    if not move(order.id, ("shipped",), "delivered", now=now, actor_id=actor_id, note=note):
        raise DomainError(_("Only shipped orders can be marked as delivered."))


def tracking_for(order_id: int) -> tuple[str, str] | None:
    """The carrier and tracking number the order's parcel left with, if it has left."""
    row = db.session.execute(
        sa.select(PrintJob.carrier, PrintJob.tracking_number)
        .where(PrintJob.order_id == order_id, PrintJob.status == "shipped")
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None
