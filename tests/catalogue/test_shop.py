"""The shop as shoppers see it: browsing, search, product pages, winners, sitemap and link previews."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from contest.catalogue.closing import close_contests
from contest.catalogue.models import Product
from contest.core.clock import utcnow
from contest.extensions import db
from tests.catalogue.test_promotion import closed_contest


@pytest.fixture
def shop(app, ctx):
    scene = closed_contest(winners=2, product_types=("tshirt", "poster", "mug"))
    close_contests(utcnow())
    return scene


def titles(html: str) -> list[str]:
    return re.findall(r'<figcaption><a href="/shop/[^"]+">([^<]+)</a>', html)


def test_the_shop_lists_every_winner_on_every_product_type(app, shop):
    html = app.test_client().get("/shop").get_data(as_text=True)
    assert sorted(titles(html)) == sorted(["Owl 1"] * 3 + ["Owl 3"] * 3)
    assert "6 products" in html


def test_filters_and_sorting(app, shop):
    client = app.test_client()
    posters = client.get("/shop?type=poster").get_data(as_text=True)
    assert sorted(titles(posters)) == ["Owl 1", "Owl 3"]
    assert "T-shirt ·" not in posters
    cheap_first = client.get("/shop?sort=price_asc").get_data(as_text=True)
    prices = [p.min_price for p in db.session.execute(sa.select(Product)).scalars()]
    shown = [int(m.replace(",", "").replace(".", "")) for m in re.findall(r"from €([\d.,]+)", cheap_first)]
    assert shown == sorted(shown)
    assert min(shown) == min(prices)
    by_artist = client.get(f"/shop?artist={shop['artists'][2].username}").get_data(as_text=True)
    assert set(titles(by_artist)) == {"Owl 3"}
    contest = client.get(f"/shop?contest={shop['contest'].slug}&colour=navy").get_data(as_text=True)
    assert sorted(titles(contest)) == ["Owl 1", "Owl 3"]  # only apparel comes in navy


@pytest.mark.parametrize(
    ("query", "expected"),
    [("owl", 6), ("OWL 3", 3), ("ow", 6), ("artist2", 3), ("zebra", 0), ('" OR 1=1 --', 0), ("***", 6)],
)
def test_full_text_search(app, shop, query, expected):
    html = app.test_client().get("/shop", query_string={"q": query}).get_data(as_text=True)
    assert len(titles(html)) == expected


def test_product_page_has_variants_prices_credit_and_a_preview(app, shop):
    product = db.session.execute(
        sa.select(Product).filter_by(design_id=shop["designs"][0].id, type_code="tshirt")
    ).scalar_one()
    client = app.test_client()
    html = client.get(f"/shop/{product.slug}").get_data(as_text=True)
    assert "ranked #1" in html
    assert f"/@{shop['artists'][0].username}" in html or f"/u/{shop['artists'][0].username}" in html
    for size in ("XS", "M", "3XL"):
        assert f'<option value="{size}"' in html
    assert 'property="og:image"' in html
    assert "Also available on" in html
    chosen = client.get(f"/shop/{product.slug}?colour=black&size=XL").get_data(as_text=True)
    xl = next(v for v in product.variants if v.colour == "black" and v.size == "XL")
    assert xl.sku in chosen
    french = client.get(f"/shop/{product.slug}?colour=black&size=XL", headers={"Accept-Language": "fr"})
    assert re.search(r"\d+,\d\d\s€", french.get_data(as_text=True))


def test_winners_page_and_artist_profile_show_the_products(app, shop):
    client = app.test_client()
    winners = client.get(f"/contests/{shop['contest'].slug}/winners").get_data(as_text=True)
    assert "Owl 1" in winners
    assert "Owl 3" in winners
    assert "Owl 2" not in winners
    artist = shop["artists"][0]
    profile = client.get(f"/u/{artist.username}")
    assert "In the shop" in profile.get_data(as_text=True)


def test_sitemap_and_robots_list_the_public_pages_only(app, shop):
    client = app.test_client()
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots
    assert "Disallow: /staff/" in robots
    sitemap = client.get("/sitemap.xml")
    assert sitemap.mimetype == "application/xml"
    body = sitemap.get_data(as_text=True)
    product = db.session.execute(sa.select(Product)).scalars().first()
    assert f"http://localhost/shop/{product.slug}" in body
    assert f"/contests/{shop['contest'].slug}/winners" in body
    assert "/staff" not in body


def test_staff_edit_prices_and_take_a_product_off_sale(app, client, shop):
    from tests.conftest import login, submit
    from tests.factories import PASSWORD

    product = db.session.execute(
        sa.select(Product).filter_by(design_id=shop["designs"][0].id, type_code="mug")
    ).scalar_one()
    page = f"/staff/products/{product.id}"
    member = app.test_client()
    login(member, "voter0", PASSWORD)
    assert member.get(page).status_code == 403
    login(client, "mod", PASSWORD)
    small, large = sorted(product.variants, key=lambda v: v.base_cost)
    form = {f"price-{small.id}": "9,90", f"price-{large.id}": "14.00", "active": "1"}
    form[f"available-{small.id}"] = "1"
    form[f"available-{large.id}"] = "1"
    assert submit(client, page, form, page=page).status_code == 303
    db.session.expire_all()
    assert sorted(v.price for v in db.session.get(Product, product.id).variants) == [990, 1400]
    assert db.session.get(Product, product.id).min_price == 990
    too_cheap = submit(client, page, {**form, f"price-{small.id}": "1.00"}, page=page)
    assert too_cheap.status_code == 400
    assert "cannot cost less than its base cost" in too_cheap.get_data(as_text=True)
    db.session.expire_all()
    assert sorted(v.price for v in db.session.get(Product, product.id).variants) == [990, 1400]
    off = {k: v for k, v in form.items() if k != "active"} | {"reason": "Supplier out of mugs."}
    assert submit(client, page, off, page=page).status_code == 303
    shopper = app.test_client()
    assert "Owl 1" not in shopper.get("/shop?type=mug").get_data(as_text=True)
    assert "Supplier out of mugs." in shopper.get(f"/shop/{product.slug}").get_data(as_text=True)
