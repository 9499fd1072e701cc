"""An artist enters a contest in a real browser; staff moderate; the gallery shows the entry."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import menu
from tests.factories import PASSWORD, artwork_png, make_contest, make_user

pytestmark = pytest.mark.browser


def log_in(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email or username").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_be_visible()


def test_submit_moderate_and_see_it_in_the_gallery(page: Page, live_server, app, tmp_path, artifacts):
    with app.app_context():
        make_user("lea", email="lea@example.com")
        make_user("mod", email="mod@example.com", role="staff")
        contest = make_contest("submissions", title="Night Animals", tagline="Owls and foxes after dark")
        slug = contest.slug
    design_file = tmp_path / "owl.png"
    design_file.write_bytes(artwork_png(9, (1200, 1000)))

    log_in(page, live_server, "lea")
    page.get_by_role("link", name="Contests").first.click()
    page.get_by_role("link", name=re.compile("Night Animals")).click()
    countdown = page.locator(".countdown-box [data-countdown]")
    first = countdown.inner_text()
    page.wait_for_timeout(1200)
    assert countdown.inner_text() != first  # the server-rendered countdown now ticks every second
    page.screenshot(path=str(artifacts / "contest-page.png"), full_page=True)

    page.get_by_role("button", name="Submit a design").first.click()
    page.get_by_label("Design file").set_input_files(str(design_file))
    page.get_by_label("Title").fill("Night Owl")
    page.get_by_label("Tags").fill("owls, night")
    page.get_by_label("I accept the licence terms above.").check()
    page.get_by_label("This design is my own original work").check()
    page.get_by_role("button", name="Submit my design").click()
    expect(page).to_have_url(re.compile(r"/designs/\d+$"))
    expect(page.get_by_role("heading", name="Night Owl")).to_be_visible()
    expect(page.locator(".status-box")).to_contain_text("Waiting for moderation")
    design_url = page.url

    menu(page, "Log out")
    log_in(page, live_server, "mod")
    page.goto(f"{live_server}/staff/moderation")
    expect(page.get_by_role("heading", name="Night Owl")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash-success")).to_contain_text("is approved")
    menu(page, "Log out")

    page.goto(f"{live_server}/contests/{slug}/gallery")
    tile = page.get_by_role("img", name="Night Owl")
    expect(tile).to_be_visible()
    assert tile.evaluate("img => img.decode().then(() => img.naturalWidth)") == 600
    page.screenshot(path=str(artifacts / "gallery.png"), full_page=True)
    page.goto(design_url)
    expect(page.get_by_role("img", name="Night Owl")).to_be_visible()
    expect(page.get_by_text("Download the print master")).to_have_count(0)


def test_refused_file_shows_the_reason_in_the_form(page: Page, live_server, app, tmp_path):
    with app.app_context():
        make_user("lea", email="lea@example.com")
        contest = make_contest("submissions", title="Tiny Things", min_short_side=1800)
        slug = contest.slug
    small = tmp_path / "small.png"
    small.write_bytes(artwork_png(3, (800, 600)))
    log_in(page, live_server, "lea")
    page.goto(f"{live_server}/contests/{slug}/submit")
    page.get_by_label("Design file").set_input_files(str(small))
    page.get_by_label("Title").fill("Too small")
    page.get_by_label("I accept the licence terms above.").check()
    page.get_by_label("This design is my own original work").check()
    page.get_by_role("button", name="Submit my design").click()
    expect(page.locator("#image-error")).to_contain_text("too small")
