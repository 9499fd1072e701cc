"""A member scores a contest's entries with the keyboard, in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from contest.core.clock import utcnow
from tests.e2e.conftest import menu
from tests.factories import PASSWORD, make_contest, make_design, make_user

pytestmark = pytest.mark.browser


def voting_contest(app):
    from contest.contests.services import advance_contests
    from contest.core.db import unit_of_work
    from contest.extensions import db

    old = utcnow() - timedelta(days=30)
    staff = make_user("mod", role="staff", now=old)
    artists = [make_user(f"artist{n}", now=old) for n in range(3)]
    make_user("ana", email="ana@example.com", now=old)
    contest = make_contest("submissions", title="Night Animals")
    for n in range(3):
        make_design(contest, artists[n], seed=30 + n, approve=True, staff=staff, title=f"Owl {n + 1}")
    with unit_of_work():
        row = db.session.get(type(contest), contest.id)
        row.submissions_close_at = utcnow() - timedelta(minutes=1)
        advance_contests(utcnow())
    return contest.slug


def test_score_next_with_the_keyboard(page: Page, live_server, app, artifacts):
    with app.app_context():
        slug = voting_contest(app)
    page.goto(f"{live_server}/login")
    page.get_by_label("Email or username").fill("ana")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/contests/{slug}")
    page.get_by_role("button", name="Score the entries").first.click()
    expect(page.locator(".progress-box")).to_contain_text("0 of 3 scored")
    expect(page.locator(".keyboard-hint")).to_be_visible()
    page.screenshot(path=str(artifacts / "score-next.png"), full_page=True)

    page.keyboard.press("b")
    expect(page.get_by_label("I'd buy this")).to_be_checked()
    page.keyboard.press("5")
    expect(page.locator(".progress-box")).to_contain_text("1 of 3 scored")
    first = page.get_by_role("heading", level=2).inner_text()
    expect(page.locator(".keyboard-hint")).to_be_visible()
    page.wait_for_load_state("load")  # the reload after scoring has fully settled
    with page.expect_navigation():
        page.keyboard.press("s")
    expect(page.get_by_role("heading", level=2)).not_to_have_text(first)
    page.get_by_role("button", name="3", exact=True).click()  # works as a plain button too
    expect(page.locator(".progress-box")).to_contain_text("2 of 3 scored")
    expect(page.locator(".empty-state")).to_contain_text("You skipped the remaining entries.")
    page.get_by_role("link", name="See them again").click()
    expect(page.get_by_role("heading", level=2)).to_have_text(first)
    expect(page.locator(".keyboard-hint")).to_be_visible()  # the keyboard handler is attached
    page.wait_for_load_state("load")  # and the page has settled (a key sent mid-load was once lost in CI)
    with page.expect_response(
        lambda response: "/score" in response.url and response.request.method == "POST"
    ):
        page.keyboard.press("4")
    expect(page.locator(".empty-state")).to_contain_text("You have scored every entry")
    menu(page, "Log out")
