"""Payouts: Stripe Connect onboarding, one transfer per creator and period, retries, manual transfers."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from contest.accounts.models import User
from contest.core.clock import utcnow
from contest.extensions import db
from contest.payments.gateway import get_gateway
from contest.royalties import ledger, payouts
from contest.royalties.models import Payout, PayoutAccount
from tests.catalogue.test_promotion import closed_contest
from tests.conftest import login, submit
from tests.factories import PASSWORD
from tests.orders.test_checkout import deliver
from tests.orders.test_checkout import stripe_app as stripe_app  # noqa: F401 - the fixture

PRIZE = 50000
PERIOD = "2026-10"


@pytest.fixture
def standin(stripe_app):
    """The Stripe stand-in, with the app pointed at it."""
    return stripe_app


@pytest.fixture
def winner(app, ctx):
    """A contest winner whose €500.00 prize sits cleared in the ledger."""
    from contest.catalogue.closing import close_contests

    scene = closed_contest(winners=1, product_types=("poster",))
    close_contests(utcnow())
    artist = db.session.get(User, scene["artists"][0].id)
    assert ledger.creator_balances(artist.id, "EUR")["creator_cleared"] == PRIZE
    return artist


def connect(app, standin, artist) -> str:
    client = app.test_client()
    login(client, artist.username, PASSWORD)
    response = submit(client, "/earnings/payout-account/stripe", {}, page=f"/creators/{artist.id}/earnings")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(standin.url + "/connect/")
    account_id = response.headers["Location"].rsplit("/", 1)[-1]
    deliver(app.test_client(), standin.onboard(account_id))  # Stripe's account.updated
    db.session.expire_all()
    account = db.session.execute(sa.select(PayoutAccount).filter_by(creator_id=artist.id)).scalar_one()
    assert (account.stripe_account_id, account.ready) == (account_id, True)
    return account_id


def run(app):
    with app.app_context():
        return payouts.run_payouts(PERIOD, gateway=get_gateway(), now=utcnow(), threshold=2500)


def transfers(standin) -> list[tuple[int, str]]:
    return sorted((t["amount"], t["destination"]) for t in standin.transfers.values())


def test_a_connected_creator_is_paid_once_per_period(app, standin, winner):
    account_id = connect(app, standin, winner)
    report = run(app)
    assert report.paid == [(winner.id, PRIZE)]
    assert transfers(standin) == [(PRIZE, account_id)]
    again = run(app)
    assert (again.paid, again.skipped) == ([], 0)  # nothing cleared is left, and nobody is paid twice
    assert transfers(standin) == [(PRIZE, account_id)]
    db.session.expire_all()
    assert ledger.creator_balances(winner.id, "EUR")["creator_cleared"] == 0
    payout = db.session.execute(sa.select(Payout)).scalar_one()
    assert (payout.status, payout.transfer_id) == ("paid", next(iter(standin.transfers)))


def test_a_refused_transfer_is_recorded_and_retried_by_the_next_run(app, standin, winner):
    account_id = connect(app, standin, winner)
    standin.fail_transfers(None)
    report = run(app)
    assert report.failed
    assert "insufficient" in report.failed[0][1].lower()
    db.session.expire_all()
    assert ledger.creator_balances(winner.id, "EUR")["creator_cleared"] == PRIZE  # back where it was
    standin.clear_transfer_failures()
    assert run(app).paid == [(winner.id, PRIZE)]
    payout = db.session.execute(sa.select(Payout).execution_options(populate_existing=True)).scalar_one()
    assert (payout.status, payout.attempts) == ("paid", 2)
    assert transfers(standin) == [(PRIZE, account_id)]


def test_two_runs_at_once_pay_once(app, standin, winner):
    connect(app, standin, winner)
    db.session.remove()
    barrier, errors = threading.Barrier(2), []

    def go() -> None:
        try:
            with app.app_context():
                barrier.wait()
                payouts.run_payouts(PERIOD, gateway=get_gateway(), now=utcnow(), threshold=2500)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(standin.transfers) == 1


def test_below_the_threshold_nobody_is_paid(app, standin, winner):
    connect(app, standin, winner)
    with app.app_context():
        report = payouts.run_payouts(PERIOD, gateway=get_gateway(), now=utcnow(), threshold=PRIZE + 1)
    assert report.paid == []
    assert standin.transfers == {}


def test_manual_payouts_wait_for_staff_to_record_the_transfer(app, winner):
    creator = app.test_client()
    login(creator, winner.username, PASSWORD)
    submit(
        creator,
        "/earnings/payout-account/manual",
        {"details": "IBAN …1234"},
        page=f"/creators/{winner.id}/earnings",
    )
    report = run(app)
    assert report.awaiting_manual == [(winner.id, PRIZE)]
    staff = app.test_client()
    login(staff, "mod", PASSWORD)
    page = staff.get("/staff/payouts").get_data(as_text=True)
    assert "IBAN …1234" in page
    payout = db.session.execute(sa.select(Payout)).scalar_one()
    response = submit(staff, f"/staff/payouts/{payout.id}/paid", {"reference": ""}, page="/staff/payouts")
    assert "Give the bank transfer" in staff.get(response.headers["Location"]).get_data(as_text=True)
    submit(staff, f"/staff/payouts/{payout.id}/paid", {"reference": "VIR-2026-10-7"}, page="/staff/payouts")
    payout = db.session.execute(sa.select(Payout).execution_options(populate_existing=True)).scalar_one()
    assert (payout.status, payout.reference) == ("paid", "VIR-2026-10-7")
    member = app.test_client()
    login(member, "voter0", PASSWORD)
    assert member.get("/staff/payouts").status_code == 403


def test_the_cli_runs_payouts_and_reconciles(app, standin, winner):
    connect(app, standin, winner)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["royalties", "payout", "--period", PERIOD])
    assert result.exit_code == 0
    assert "1 paid" in result.output
    assert runner.invoke(args=["royalties", "payout", "--period", "October"]).exit_code != 0
    reconciled = runner.invoke(args=["royalties", "reconcile"])
    assert reconciled.exit_code == 0, reconciled.output
