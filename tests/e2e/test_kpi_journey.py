"""Staff open the KPI dashboard in a real browser: the charts render."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from contest.core.clock import utcnow

pytestmark = pytest.mark.browser


def test_staff_see_the_kpi_charts(page: Page, live_server, app, artifacts):
    from tests.community.test_kpis import build
    from tests.factories import PASSWORD

    with app.app_context():
        build(utcnow())
    page.goto(f"{live_server}/login")
    page.get_by_label("Email or username").fill("kpi_staff")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/staff/kpis")
    expect(page.get_by_role("heading", name="Co-creation KPIs")).to_be_visible()
    charts = page.locator(".kpi-chart svg")
    expect(charts).to_have_count(9)
    for index in range(9):
        box = charts.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 200
        assert box["height"] > 80
    expect(page.get_by_role("img", name="Unique voters")).to_be_visible()
    expect(page.locator(".kpi-chart rect.chart-bar").first).to_be_visible()
    page.screenshot(path=str(artifacts / "kpis.png"), full_page=True)
