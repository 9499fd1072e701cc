"""A guest buys a winning design end to end, through the labelled test-payment gateway."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from contest.core.clock import utcnow
from tests.e2e.conftest import menu

pytestmark = pytest.mark.browser


def test_a_guest_buys_a_shirt(page: Page, live_server, app, artifacts):
    from contest.catalogue.closing import close_contests
    from tests.catalogue.test_promotion import closed_contest

    with app.app_context():
        scene = closed_contest(winners=1, product_types=("tshirt",))
        close_contests(utcnow())
        slug = f"owl-1-tshirt-{scene['designs'][0].id}"
    page.goto(f"{live_server}/shop/{slug}?colour=navy&size=L")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.locator(".cart-summary")).to_contain_text("€4.90")
    page.get_by_label("Email for your receipt").fill("guest@example.com")
    page.get_by_role("button", name="Pay").click()
    expect(page.locator(".test-payment")).to_contain_text("TEST PAYMENT")
    page.get_by_label("Name").fill("Ana Guest")
    page.get_by_label("Address").fill("1 rue des Chats, Paris")
    page.get_by_role("button", name="Pay (test)").click()
    expect(page.get_by_role("status")).to_contain_text("Your payment is confirmed")
    expect(page.locator("tbody")).to_contain_text("Owl 1")
    page.screenshot(path=str(artifacts / "order-paid.png"), full_page=True)
    page.get_by_role("link", name="Cart").click()
    expect(page.locator(".empty-state")).to_contain_text("Your cart is empty.")


def test_a_member_buys_through_stripe_checkout_and_finds_the_order(page: Page, live_server, app, artifacts):
    """The Stripe gateway against the local stand-in: its hosted page, its signed webhook, the redirect."""
    from contest.catalogue.closing import close_contests
    from tests.catalogue.test_promotion import closed_contest
    from tests.factories import PASSWORD
    from tests.stripe_standin import StripeStandin

    secret = "whsec_browser"  # noqa: S105 - a test endpoint secret
    with app.app_context():
        scene = closed_contest(winners=1, product_types=("tshirt",))
        close_contests(utcnow())
        slug = f"owl-1-tshirt-{scene['designs'][0].id}"
    with StripeStandin(webhook_url=f"{live_server}/webhooks/stripe", webhook_secret=secret) as standin:
        app.config.update(
            STRIPE_SECRET_KEY="sk_test_browser", STRIPE_WEBHOOK_SECRET=secret, STRIPE_API_BASE=standin.url
        )
        try:
            page.goto(f"{live_server}/login")
            page.get_by_label("Email or username").fill("voter1")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.locator(".flash-success")).to_contain_text("Welcome back")
            page.goto(f"{live_server}/shop/{slug}?colour=navy&size=M")
            page.get_by_role("button", name="Add to cart").click()
            expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
            expect(page.get_by_label("Email for your receipt")).to_have_count(0)  # a member's own address
            page.get_by_role("button", name="Pay").click()
            expect(page.get_by_role("heading", name="Pay")).to_contain_text("EUR")  # Stripe's page
            page.get_by_role("button", name="Pay").click()
            expect(page.get_by_role("status")).to_contain_text("Your payment is confirmed")
            assert [status for _event, status in standin.deliveries] == [200]
            page.screenshot(path=str(artifacts / "member-order-paid.png"), full_page=True)
            menu(page, "Your orders")
            expect(page.locator("tbody tr")).to_have_count(1)
            expect(page.locator("tbody")).to_contain_text("Paid")
            page.get_by_role("link", name="Cart").click()
            expect(page.locator(".empty-state")).to_contain_text("Your cart is empty.")
        finally:
            app.config.update(STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None, STRIPE_API_BASE=None)
