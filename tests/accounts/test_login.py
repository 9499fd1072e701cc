from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login, submit
from tests.factories import PASSWORD, make_user


@pytest.fixture
def member(ctx):
    return make_user("ana_votes", email="ana@example.com")


def test_login_by_email_or_username_in_any_case(client, member):
    login(client, "ANA@example.com", PASSWORD)
    assert client.get("/settings").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    login(client, "Ana_Votes", PASSWORD)
    assert client.get("/settings").status_code == 200


def test_wrong_password_is_refused_without_saying_which_part(client, member):
    response = submit(client, "/login", {"login": "ana_votes", "password": "wrong password!"})
    assert response.status_code == 401
    assert "Wrong email/username or password." in response.get_data(as_text=True)
    assert client.get("/settings").status_code == 302
    unknown = submit(client, "/login", {"login": "nobody", "password": "wrong password!"})
    assert "Wrong email/username or password." in unknown.get_data(as_text=True)


def test_remember_me_sets_a_persistent_httponly_cookie(client, member):
    response = submit(client, "/login", {"login": "ana_votes", "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember
    assert "SameSite=Lax" in remember
    assert "Expires=" in remember
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session


def test_logout_needs_a_post_with_csrf(client, member):
    login(client, "ana_votes", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/settings").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    assert client.get("/settings").status_code == 302


def test_login_returns_to_a_local_next_page(client, member):
    response = submit(
        client, "/login", {"login": "ana_votes", "password": PASSWORD, "next": "/settings?tab=1"}
    )
    assert response.headers["Location"] == "/settings?tab=1"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/x",
        "http:/evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x",
        "\\\\evil.example",
        " //evil.example",
    ],
)
def test_login_never_redirects_off_site(client, member, target):
    response = submit(client, "/login", {"login": "ana_votes", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in {"/", target}
    assert not location.startswith(("//", "/\\", "http", "javascript"))
    assert "evil" not in location


def test_protected_page_sends_guests_to_login_and_back(client, member):
    response = client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/settings"' in page


def test_brute_force_login_is_rate_limited_even_with_the_right_password(client, member):
    for _ in range(10):
        assert (
            submit(client, "/login", {"login": "ana_votes", "password": "guess guess 1"}).status_code == 401
        )
    response = submit(client, "/login", {"login": "ana_votes", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/settings").status_code == 302


def test_deactivated_account_cannot_log_in(app, client, member):
    from contest.core.db import unit_of_work
    from contest.extensions import db

    with unit_of_work():
        db.session.merge(member).active = False
    response = submit(client, "/login", {"login": "ana_votes", "password": PASSWORD})
    assert response.status_code == 401
