"""A shopper finds a winning design in the shop and picks a variant, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from contest.core.clock import utcnow

pytestmark = pytest.mark.browser


def test_from_winners_page_to_a_priced_variant(page: Page, live_server, app, artifacts):
    from contest.catalogue.closing import close_contests
    from tests.catalogue.test_promotion import closed_contest

    with app.app_context():
        scene = closed_contest(winners=1, product_types=("tshirt", "mug"))
        close_contests(utcnow())
        slug = scene["contest"].slug
    page.goto(f"{live_server}/contests/{slug}/winners")
    expect(page.get_by_role("heading", name="Winners")).to_be_visible()
    page.get_by_role("link", name="Shop").first.click()
    page.get_by_placeholder("Search titles, tags, artists").fill("owl")
    page.get_by_label("Product").select_option("tshirt")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".product-tile")).to_have_count(1)
    page.locator(".product-tile figcaption a").first.click()
    expect(page.get_by_role("heading", name="Owl 1")).to_be_visible()
    expect(page.locator(".eyebrow")).to_contain_text("ranked #1")
    page.get_by_label("Colour").select_option("black")
    page.get_by_label("Size").select_option("XL")
    page.get_by_role("button", name="Show price").click()
    expect(page.locator(".price")).to_contain_text("€")
    expect(page.locator(".price")).to_contain_text("AT-")
    assert "/media/" in (page.locator(".product-main img").get_attribute("src") or "")  # the black mockup
    page.screenshot(path=str(artifacts / "product-page.png"), full_page=True)
    page.get_by_role("link", name="Mug — from", exact=False).click()
    expect(page).to_have_url(f"{live_server}/shop/owl-1-mug-{scene['designs'][0].id}")
