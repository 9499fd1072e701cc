"""What search engines and link previews read: /sitemap.xml and /robots.txt over the public pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, render_template

from contest.accounts.models import User
from contest.catalogue.models import Product
from contest.contests.models import Contest
from contest.core.security import external_url
from contest.designs.models import Design
from contest.extensions import db
from contest.ideas.models import Idea

bp = Blueprint("seo", __name__)
SITEMAP_LIMIT = 45_000  # the protocol allows 50,000 URLs per file


@bp.get("/robots.txt")
def robots() -> Response:
    lines = [
        "User-agent: *",
        "Disallow: /staff/",
        "Disallow: /settings",
        "Disallow: /api/",
        f"Sitemap: {external_url('seo.sitemap')}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Published contests and their galleries, public designs, products on sale, their artists, and ideas."""
    urls: list[tuple[str, object]] = [
        (external_url("core.home"), None),
        (external_url("catalogue.index"), None),
    ]
    contests = db.session.execute(
        sa.select(Contest.slug, Contest.state, Contest.updated_at).where(Contest.state != "draft")
    ).all()
    for slug, state, updated in contests:
        urls.append((external_url("contests.detail", slug=slug), updated))
        urls.append((external_url("designs.gallery", slug=slug), updated))
        if state == "results":
            urls.append((external_url("catalogue.winners", slug=slug), updated))
    designs = db.session.execute(
        sa.select(Design.id, Design.updated_at)
        .join(Contest, Contest.id == Design.contest_id)
        .where(Design.status == "approved", Contest.state != "draft")
        .limit(SITEMAP_LIMIT)
    ).all()
    urls += [(external_url("designs.detail", design_id=i), updated) for i, updated in designs]
    products = db.session.execute(
        sa.select(Product.slug, Product.updated_at).where(Product.status == "active").limit(SITEMAP_LIMIT)
    ).all()
    urls += [(external_url("catalogue.product", slug=slug), updated) for slug, updated in products]
    artists = db.session.execute(
        sa.select(User.username)
        .where(
            User.active.is_(True), sa.exists().where(Design.artist_id == User.id, Design.status == "approved")
        )
        .limit(SITEMAP_LIMIT)
    ).scalars()
    urls += [(external_url("accounts.profile", username=name), None) for name in artists]
    urls.append((external_url("ideas.board"), None))
    ideas = db.session.execute(sa.select(Idea.id, Idea.updated_at).limit(SITEMAP_LIMIT)).all()
    urls += [(external_url("ideas.detail", idea_id=i), updated) for i, updated in ideas]
    body = render_template("seo/sitemap.xml", urls=urls[:SITEMAP_LIMIT])
    return Response(body, mimetype="application/xml")
