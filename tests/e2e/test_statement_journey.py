"""A creator opens their earnings and this month's statement, and downloads it as CSV and PDF."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from contest.core.clock import utcnow
from tests.e2e.conftest import menu

pytestmark = pytest.mark.browser


def test_a_creator_reads_and_downloads_their_statement(page: Page, live_server, app, artifacts, tmp_path):
    import sqlalchemy as sa

    from contest.accounts.models import User
    from contest.catalogue.closing import close_contests
    from contest.catalogue.models import Product
    from contest.demo.sales import _buy
    from contest.extensions import db
    from contest.payments.test_gateway import TestGateway
    from contest.royalties.statements import period_of
    from tests.catalogue.test_promotion import closed_contest
    from tests.factories import PASSWORD

    with app.app_context():
        scene = closed_contest(winners=1, product_types=("tshirt",))
        close_contests(utcnow())
        product = db.session.execute(sa.select(Product)).scalar_one()
        buyer = db.session.get(User, scene["voters"][0].id)
        _buy(TestGateway(secret=app.config["SECRET_KEY"]), buyer, [(product.variants[0].id, 2)], at=utcnow())
        artist = scene["artists"][0].username
    page.goto(f"{live_server}/login")
    page.get_by_label("Email or username").fill(artist)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    menu(page, "Earnings")
    expect(page.get_by_role("heading", name="Earnings")).to_be_visible()
    expect(page.locator(".royalty-chart")).to_be_visible()
    page.screenshot(path=str(artifacts / "earnings.png"), full_page=True)
    page.locator(".statement-list a").first.click()  # the newest month: this one
    expect(page.locator(".statement-lines")).to_contain_text("Sale")
    expect(page.locator(".statement-lines")).to_contain_text("rounded half up to the cent")
    expect(page.locator(".statement-lines")).to_contain_text("Prize")
    page.screenshot(path=str(artifacts / "statement.png"), full_page=True)
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Download CSV").click()
    csv_path = tmp_path / "statement.csv"
    csv_download.value.save_as(csv_path)
    text = csv_path.read_text()
    assert f"period,{period_of(utcnow())},currency,EUR" in text
    assert ",sale," in text
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Download PDF").click()
    pdf_path = tmp_path / "statement.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
