from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from contest.core.i18n import datetime_filter, money, number
from contest.core.money import Money
from tests.conftest import csrf_token, login, submit
from tests.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]


def test_locale_follows_the_browser(client):
    french = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    html = french.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Mot de passe oublié ?" in html
    english = client.get("/login", headers={"Accept-Language": "de-DE,en;q=0.5"})
    assert "Forgot your password?" in english.get_data(as_text=True)


def test_switcher_overrides_the_browser_and_returns_to_the_page(client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/language", data={"lang": "fr", "next": "/login", "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert "HttpOnly" in response.headers["Set-Cookie"]
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Se connecter" in page
    client.post("/language", data={"lang": "en", "next": "//evil.example", "csrf_token": token})
    assert "Log in" in client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert "Log in" in client.get("/login").get_data(as_text=True)


def test_switching_language_remembers_it_for_emails(app, client, ctx):
    user = make_user("marie", email="marie@example.com")
    login(client, "marie", PASSWORD)
    submit(client, "/language", {"lang": "fr", "next": "/"}, page="/")
    from contest.accounts.models import User
    from contest.extensions import db

    with app.app_context():
        assert db.session.get(User, user.id).locale == "fr"


def test_form_errors_in_french_include_wtforms_messages(client):
    response = submit(
        client,
        "/register",
        {"email": "pas-une-adresse", "username": "x", "password": "", "confirm": ""},
        headers={"Accept-Language": "fr"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Invalid email address." not in html
    assert "This field is required." not in html
    assert "Adresse" in html


@pytest.mark.parametrize(
    ("locale", "amount", "expected"),
    [
        ("en", Money(1250, "EUR"), "€12.50"),
        ("fr", Money(1250, "EUR"), "12,50\u202f€"),
        ("en", Money(123456, "USD"), "$1,234.56"),
        ("fr", Money(500, "JPY"), "500\u202fJPY"),
    ],
)
def test_money_is_formatted_per_locale(ctx, locale, amount, expected):
    with force_locale(locale):
        assert money(amount).replace("\xa0", "\u202f") == expected.replace("\xa0", "\u202f")


def test_dates_and_numbers_are_formatted_per_locale(ctx):
    moment = datetime(2026, 3, 14, 15, 9, tzinfo=UTC)
    with force_locale("en"):
        assert datetime_filter(moment) == "Mar 14, 2026, 3:09:00\u202fPM"
        assert number(1240) == "1,240"
    with force_locale("fr"):
        assert datetime_filter(moment) == "14 mars 2026, 15:09:00"
        assert number(1240) == "1\u202f240"


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(12.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot mix"):
        Money(1, "EUR") + Money(1, "USD")
    assert Money(250, "EUR").times(3) - Money(50, "EUR") == Money(700, "EUR")


def test_french_catalogue_is_complete(tmp_path):
    """Every string marked for translation has a French translation with the same placeholders."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "--ignore-dirs=.venv .git uploads instance",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        template = read_po(handle)
    with (ROOT / "contest/translations/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        french = read_po(handle, locale="fr")
    missing = [m.id for m in template if m.id and (m.id not in french or not french[m.id].string)]
    assert missing == []
    import re

    placeholder = re.compile(r"%\(\w+\)s")
    for message in french:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(placeholder.findall(sources[-1]))
        for form in forms:
            assert form, message.id
            # A French singular may spell the number out ("une heure"); every other placeholder must stay.
            found = set(placeholder.findall(form))
            assert found <= expected, message.id
            assert expected - found <= {"%(num)s"}, message.id
        assert not message.fuzzy, message.id


def test_a_guest_switches_language_without_a_token_but_a_member_must_prove_it(app, client, ctx):
    response = client.post("/language", data={"lang": "fr", "next": "/login"})
    assert response.status_code == 303
    assert "Se connecter" in client.get("/login").get_data(as_text=True)
    user = make_user("paul", email="paul@example.com")
    login(client, "paul", PASSWORD)
    submit(client, "/language", {"lang": "fr", "next": "/"}, page="/")
    forged = client.post("/language", data={"lang": "en", "next": "/"})  # a cross-site form has no token
    assert forged.status_code == 400
    from contest.accounts.models import User
    from contest.extensions import db

    with app.app_context():
        assert db.session.get(User, user.id).locale == "fr"
