from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.mail.models import OutboxMessage
from contest.mail.services import queue_email, send_pending
from tests.factories import make_user
from tests.smtp import free_port


def test_email_is_queued_and_delivered_over_smtp_after_commit(app, ctx, mailbox):
    user = make_user("ana", email="ana@example.com", verified=True)
    mailbox.clear()
    with unit_of_work():
        queue_email(user.email, "password_changed", now=utcnow(), user=user)
        assert mailbox.messages == []  # nothing leaves before the commit
    message = mailbox.wait_for("ana@example.com")[0]
    assert message["Subject"] == "Your Atelier password was changed"
    assert message["From"] == app.config["MAIL_SENDER"]
    assert message.get_body(preferencelist=("html",)) is not None
    row = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert row.sent_at is not None
    assert row.attempts == 1


def test_rolled_back_work_sends_nothing(app, ctx, mailbox):
    user = make_user("bob", email="bob@example.com", verified=True)
    mailbox.clear()

    def queue_then_fail() -> None:
        with unit_of_work():
            queue_email(user.email, "password_changed", now=utcnow(), user=user)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        queue_then_fail()
    assert mailbox.messages == []
    assert db.session.query(OutboxMessage).count() == 0


def test_email_is_written_in_the_recipients_language(app, ctx, mailbox):
    from contest.accounts.services import register_user

    with unit_of_work():
        register_user("fr@example.com", "francoise", "un mot de passe long", now=utcnow(), locale="fr")
    message = mailbox.wait_for("fr@example.com")[0]
    assert message["Subject"] == "Confirmez votre adresse e-mail"
    assert "Bonjour francoise" in mailbox.text(message)


def test_smtp_outage_is_recorded_and_retried_by_the_cli(app, ctx, mailbox):
    user = make_user("cleo", email="cleo@example.com", verified=True)
    mailbox.clear()
    real_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    try:
        with unit_of_work():
            queue_email(user.email, "password_changed", now=utcnow(), user=user)
    finally:
        app.config["MAIL_PORT"] = real_port
    row = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert row.sent_at is None
    assert row.last_error
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "Sent 1 message(s)." in result.output
    assert len(mailbox.wait_for("cleo@example.com")) == 1
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "Sent 0 message(s)." in result.output


def test_two_senders_at_once_deliver_each_message_once(app, ctx, mailbox):
    user = make_user("dan", email="dan@example.com", verified=True)
    mailbox.clear()
    with unit_of_work():
        for _ in range(6):
            db.session.add(
                OutboxMessage(
                    to_address=user.email, subject="s", body_text="b", template="t", created_at=utcnow()
                )
            )
    barrier = threading.Barrier(2)

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            send_pending(app.config, now=utcnow())
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(mailbox.wait_for("dan@example.com", 6)) == 6
    assert db.session.query(OutboxMessage).filter(OutboxMessage.sent_at.is_(None)).count() == 0
    assert db.session.query(sa.func.sum(OutboxMessage.attempts)).scalar() == 6


def test_without_a_mail_server_emails_are_logged(app, ctx, mailbox, caplog):
    user = make_user("eve", email="eve@example.com", verified=True)
    mailbox.clear()
    app.config["MAIL_SERVER"] = None
    try:
        with caplog.at_level("INFO", logger="atelier.mail"), unit_of_work():
            queue_email(user.email, "password_changed", now=utcnow(), user=user)
    finally:
        app.config["MAIL_SERVER"] = "127.0.0.1"
    assert "eve@example.com" in caplog.text
    assert mailbox.messages == []
    assert db.session.execute(sa.select(OutboxMessage.sent_at)).scalar_one() is not None
