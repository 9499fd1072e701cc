from __future__ import annotations

import sqlalchemy as sa

from contest.accounts.models import User
from contest.extensions import db
from tests.conftest import csrf_token, submit
from tests.factories import PASSWORD, make_user

GOOD = {"email": "Nina@Example.com", "username": "Nina_K", "password": PASSWORD, "confirm": PASSWORD}


def count_users(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(User.id))).scalar_one()


def test_register_creates_unverified_member_and_emails_a_working_link(app, client, mailbox):
    response = submit(client, "/register", GOOD)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.execute(sa.select(User)).scalar_one()
        assert user.email == "nina@example.com"
        assert user.username == "Nina_K"
        assert user.role == "member"
        assert user.email_verified_at is None
        assert user.password_hash != PASSWORD
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    message = mailbox.wait_for("nina@example.com")[0]
    assert "Confirm" in message["Subject"]
    link = mailbox.link(message, "/verify/")
    page = client.get(link.replace("http://localhost", ""), follow_redirects=True)
    assert "your email address is confirmed" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(sa.select(User)).scalar_one().email_verified_at is not None


def test_registering_logs_the_member_in(client):
    submit(client, "/register", GOOD)
    settings = client.get("/settings")
    assert settings.status_code == 200
    assert "nina@example.com" in settings.get_data(as_text=True)


def test_duplicate_email_in_other_case_is_refused(app, client, ctx):
    make_user("someone", email="nina@example.com")
    response = submit(client, "/register", GOOD)
    assert response.status_code == 400
    assert "An account with this email already exists." in response.get_data(as_text=True)
    assert count_users(app) == 1


def test_duplicate_username_in_other_case_is_refused(app, client, ctx):
    make_user("nina_k", email="other@example.com")
    response = submit(client, "/register", GOOD)
    assert response.status_code == 400
    assert "This username is taken." in response.get_data(as_text=True)
    assert count_users(app) == 1


def test_short_password_is_refused(app, client):
    response = submit(client, "/register", {**GOOD, "password": "short1", "confirm": "short1"})
    assert response.status_code == 400
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    assert count_users(app) == 0


def test_guessable_password_is_refused(app, client):
    response = submit(client, "/register", {**GOOD, "password": "azertyuiop", "confirm": "azertyuiop"})
    assert response.status_code == 400
    assert "too easy to guess" in response.get_data(as_text=True)
    response = submit(client, "/register", {**GOOD, "password": "nina_k-2026!", "confirm": "nina_k-2026!"})
    assert "must not contain your username" in response.get_data(as_text=True)
    assert count_users(app) == 0


def test_username_with_unsafe_characters_is_refused(app, client):
    response = submit(client, "/register", {**GOOD, "username": "../admin"})
    assert response.status_code == 400
    assert "letters, digits" in response.get_data(as_text=True)
    assert count_users(app) == 0


def test_mismatched_confirmation_is_refused(app, client):
    response = submit(client, "/register", {**GOOD, "confirm": PASSWORD + "x"})
    assert response.status_code == 400
    assert "Passwords differ." in response.get_data(as_text=True)
    assert count_users(app) == 0


def test_forged_csrf_token_changes_nothing(app, client):
    client.get("/register")
    response = client.post("/register", data={**GOOD, "csrf_token": "forged"})
    assert response.status_code == 400
    assert count_users(app) == 0
    response = client.post("/register", data=GOOD)
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert count_users(app) == 0


def test_token_from_another_session_is_refused(app):
    first, second = app.test_client(), app.test_client()
    token = csrf_token(first.get("/register").get_data(as_text=True))
    second.get("/register")
    assert second.post("/register", data={**GOOD, "csrf_token": token}).status_code == 400
    assert count_users(app) == 0


def test_registration_is_rate_limited(app, client):
    for n in range(5):
        submit(client, "/register", {**GOOD, "email": f"x{n}@example.com", "username": f"user{n}x"})
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    response = submit(client, "/register", {**GOOD, "email": "late@example.com", "username": "late_one"})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert count_users(app) == 5
