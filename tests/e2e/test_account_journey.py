"""A newcomer's first visit, in a real browser: register, confirm, log in, set up a profile, log out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import menu
from tests.factories import image_bytes

pytestmark = pytest.mark.browser
PASSWORD = "a very long passphrase"


def test_register_verify_login_edit_profile_logout(page: Page, live_server, mailbox, tmp_path, artifacts):
    page.goto(f"{live_server}/register")
    page.get_by_label("Email").fill("june@example.com")
    page.get_by_label("Username").fill("june_prints")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".flash-success")).to_contain_text("We sent a link to june@example.com")
    expect(page.locator(".notice")).to_contain_text("Please confirm your email address")

    link = mailbox.link(mailbox.wait_for("june@example.com")[0], "/verify/")
    assert link.startswith(live_server)
    page.goto(link)
    expect(page.locator(".flash-success")).to_contain_text("your email address is confirmed")
    expect(page.locator(".notice")).to_have_count(0)

    menu(page, "Log out")
    expect(page.locator(".flash-info")).to_contain_text("You are logged out")
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email or username").fill("June_Prints")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Keep me logged in on this device").check()
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_contain_text("Welcome back")

    avatar = tmp_path / "me.png"
    avatar.write_bytes(image_bytes((640, 480), "PNG", color="#e0569b"))
    menu(page, "Settings")
    page.get_by_label("Display name").fill("June Park")
    page.get_by_label("About you").fill("Risograph prints and bold shapes.")
    page.get_by_label("Links").fill("https://june.example.org")
    page.get_by_label("Avatar").set_input_files(str(avatar))
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".flash-success")).to_contain_text("Your profile is saved.")

    page.get_by_role("link", name="View my profile").click()
    expect(page).to_have_url(re.compile(r"/u/june_prints$"))
    expect(page.get_by_role("heading", name="June Park")).to_be_visible()
    expect(page.get_by_text("Risograph prints and bold shapes.")).to_be_visible()
    image = page.get_by_role("img", name="Avatar of June Park")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") == 256
    page.screenshot(path=str(artifacts / "profile.png"), full_page=True)

    menu(page, "Log out")
    expect(page.get_by_role("button", name="Join", exact=True)).to_be_visible()
    page.goto(f"{live_server}/settings")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_bad_avatar_shows_an_inline_error(page: Page, live_server, tmp_path, app):
    from tests.factories import make_user

    with app.app_context():
        make_user("kim", email="kim@example.com", password=PASSWORD)
    page.goto(f"{live_server}/login")
    page.get_by_label("Email or username").fill("kim")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    fake = tmp_path / "cat.png"
    fake.write_bytes(b"this is not a png at all" * 20)
    page.goto(f"{live_server}/settings")
    page.get_by_label("Avatar").set_input_files(str(fake))
    page.get_by_role("button", name="Save profile").click()
    error = page.locator("#avatar-error")
    expect(error).to_contain_text("not an image we can read")
    expect(page.get_by_label("Avatar")).to_have_attribute("aria-invalid", "true")


def test_language_switcher_and_dark_mode(page: Page, live_server):
    page.goto(f"{live_server}/login")
    page.get_by_label("Language").select_option("fr")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("button", name="Basculer entre clair et sombre").click()
    theme = page.locator("html").get_attribute("data-theme")
    assert theme in {"dark", "light"}
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", theme)


def test_home_page_screenshots(page: Page, live_server, artifacts, app):
    from contest.core.clock import utcnow
    from contest.core.db import unit_of_work
    from contest.demo.seed import seed

    with app.app_context(), unit_of_work():
        seed(now=utcnow(), art_size=600)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your designs. Their votes. Real products.")
    expect(page.locator(".artist-strip img")).to_have_count(6)
    assert (
        page.locator(".artist-strip img").first.evaluate("img => img.decode().then(() => img.naturalWidth)")
        == 256
    )
    page.screenshot(path=str(artifacts / "home-desktop.png"), full_page=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(artifacts / "home-dark.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="light")
    page.screenshot(path=str(artifacts / "home-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False
