from __future__ import annotations

import pytest

from contest.accounts import services
from contest.accounts.models import User
from contest.extensions import db
from tests.conftest import login, submit
from tests.factories import PASSWORD, make_user

NEW = "a brand new passphrase"


@pytest.fixture
def member(ctx):
    return make_user("zoe_z", email="zoe@example.com", verified=False)


def reset_link(client, mailbox) -> str:
    mailbox.clear()
    response = submit(client, "/password/forgot", {"email": "Zoe@example.com"})
    assert response.status_code == 302
    message = mailbox.wait_for("zoe@example.com")[0]
    assert "Reset" in message["Subject"]
    return mailbox.link(message, "/password/reset/").replace("http://localhost", "")


def test_reset_by_email_link_sets_the_new_password_once(app, client, mailbox, member):
    mailbox.clear()
    link = reset_link(client, mailbox)
    response = submit(client, link, {"password": NEW, "confirm": NEW})
    assert response.status_code == 302
    login(client, "zoe_z", NEW)
    with app.app_context():
        assert db.session.get(User, member.id).email_verified_at is not None
    assert any("was changed" in m["Subject"] for m in mailbox.wait_for("zoe@example.com", 2))
    again = client.get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_unknown_address_gets_the_same_answer_and_no_email(client, mailbox, member):
    mailbox.clear()
    response = submit(client, "/password/forgot", {"email": "ghost@example.com"}, follow_redirects=True)
    assert "If an account uses that address" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_tampered_reset_token_is_refused(app, client, mailbox, member):
    link = reset_link(client, mailbox)
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = client.get(tampered)
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_expired_reset_token_is_refused(app, client, mailbox, member):
    link = reset_link(client, mailbox)
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    try:
        response = submit(client, link, {"password": NEW, "confirm": NEW}, page="/password/forgot")
    finally:
        app.config["RESET_TOKEN_MAX_AGE"] = 7200
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    with app.app_context():
        services.authenticate("zoe_z", PASSWORD, now=member.created_at)


def test_weak_new_password_is_refused_and_token_still_works(app, client, mailbox, member):
    link = reset_link(client, mailbox)
    response = submit(client, link, {"password": "short", "confirm": "short"})
    assert response.status_code == 400
    assert "Use at least 10 characters." in response.get_data(as_text=True)
    assert client.get(link).status_code == 200


def test_expired_and_tampered_verification_links(app, client, mailbox):
    submit(
        client,
        "/register",
        {"email": "new@example.com", "username": "newbie", "password": PASSWORD, "confirm": PASSWORD},
    )
    link = mailbox.link(mailbox.wait_for("new@example.com")[0], "/verify/").replace("http://localhost", "")
    assert client.get(link[:-2] + "xx").status_code == 400
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    try:
        response = client.get(link)
    finally:
        app.config["EMAIL_TOKEN_MAX_AGE"] = 3 * 86400
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).filter_by(username="newbie").one().email_verified_at is None


def test_resend_verification_sends_a_fresh_link(client, mailbox, member):
    login(client, "zoe_z", PASSWORD)
    mailbox.clear()
    response = submit(client, "/verify/resend", {}, page="/settings")
    assert response.status_code == 302
    assert mailbox.wait_for("zoe@example.com")[0]["Subject"] == "Confirm your email address"


def test_change_password_needs_the_current_one(app, client, member):
    login(client, "zoe_z", PASSWORD)
    bad = submit(
        client,
        "/settings/password",
        {"pw-current_password": "nope nope nope", "pw-password": NEW, "pw-confirm": NEW},
        page="/settings",
    )
    assert bad.status_code == 400
    assert "current password is not correct" in bad.get_data(as_text=True)
    good = submit(
        client,
        "/settings/password",
        {"pw-current_password": PASSWORD, "pw-password": NEW, "pw-confirm": NEW},
        page="/settings",
    )
    assert good.status_code == 302
    with app.app_context():
        services.authenticate("zoe_z", NEW, now=member.created_at)
