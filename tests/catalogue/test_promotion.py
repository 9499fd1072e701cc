"""Closing a contest: winners go on sale by themselves, once, and everyone who took part hears about it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.catalogue import services
from contest.catalogue.closing import close_contests
from contest.catalogue.models import ContestWinner, Mockup, Prize, Product, ProductVariant
from contest.core.clock import utcnow
from contest.core.db import unit_of_work
from contest.extensions import db
from contest.notifications.models import Notification
from contest.royalties.ledger import creator_balances
from contest.royalties.models import LedgerTransaction
from contest.voting import services as voting
from tests.conftest import login, submit
from tests.factories import PASSWORD, make_contest, make_design, make_user

OLD = utcnow() - timedelta(days=60)


def closed_contest(*, hold_days: int = 0, winners: int = 1, product_types=("tshirt", "poster")):
    """Voting just closed on 3 designs scored by 5 members (min 3 scores); fans of the top design."""
    staff = make_user("mod", role="staff", now=OLD)
    artists = [make_user(f"artist{n}", email=f"artist{n}@example.com", now=OLD) for n in range(3)]
    voters = [make_user(f"voter{n}", email=f"voter{n}@example.com", now=OLD) for n in range(5)]
    contest = make_contest(
        "submissions",
        title="Night Animals",
        min_scores=3,
        winners_count=winners,
        winners_hold_days=hold_days,
        product_types=list(product_types),
    )
    designs = [
        make_design(contest, artists[n], seed=70 + n, approve=True, staff=staff, title=f"Owl {n + 1}")
        for n in range(3)
    ]
    from contest.contests.services import advance_contests

    with unit_of_work():
        row = db.session.get(type(contest), contest.id)
        row.submissions_close_at = utcnow() - timedelta(hours=2)
        advance_contests(utcnow())
    table = {0: [5, 5, 4, 4, 2], 1: [3, 3, 2, 3, 3], 2: [4, 4, 3, 2, 3]}
    for index, values in table.items():
        for voter, value in zip(voters, values, strict=True):
            with unit_of_work():
                voting.cast_score(voter, designs[index], value=value, buy=False, now=utcnow())
    with unit_of_work():
        db.session.get(type(contest), contest.id).voting_close_at = utcnow() - timedelta(minutes=1)
    db.session.expire_all()
    return {"contest": contest, "designs": designs, "staff": staff, "artists": artists, "voters": voters}


def products_of(design_id: int) -> list[Product]:
    return list(db.session.execute(sa.select(Product).filter_by(design_id=design_id)).scalars())


def kinds(user_id: int) -> list[str]:
    return list(db.session.execute(sa.select(Notification.kind).filter_by(user_id=user_id)).scalars())


def test_closing_puts_the_winner_on_sale_with_everything_it_needs(app, ctx):
    scene = closed_contest()
    report = close_contests(utcnow())
    assert report.results_published == [scene["contest"].id]
    winner_design = scene["designs"][0]
    products = products_of(winner_design.id)
    assert sorted(p.type_code for p in products) == ["poster", "tshirt"]
    shirt = next(p for p in products if p.type_code == "tshirt")
    assert shirt.rank == 1
    assert shirt.artist_id == scene["artists"][0].id
    assert len(shirt.variants) == 7 * 4  # XS-3XL in four colours
    assert all(v.price > v.base_cost for v in shirt.variants)
    assert len({v.sku for v in shirt.variants}) == len(shirt.variants)
    assert {m.colour for m in shirt.mockups} == {"white", "black", "heather", "navy"}  # made by the job
    for other in scene["designs"][1:]:
        assert products_of(other.id) == []
    prize = db.session.execute(sa.select(Prize)).scalar_one()
    assert (prize.design_id, prize.amount, prize.currency) == (winner_design.id, 50000, "EUR")
    assert prize.booked_at is not None
    assert creator_balances(scene["artists"][0].id, "EUR")["creator_cleared"] == 50000  # in the ledger
    assert "design_won" in kinds(scene["artists"][0].id)
    assert "design_won" not in kinds(scene["artists"][1].id)
    assert "results_published" in kinds(scene["artists"][1].id)  # every entrant gets their report
    loved = [v for v in scene["voters"] if "design_for_sale" in kinds(v.id)]
    assert [v.username for v in loved] == ["voter0", "voter1", "voter2", "voter3"]  # scored it 4 or 5


def test_closing_twice_changes_nothing(app, ctx):
    closed_contest()
    close_contests(utcnow())
    counts = [
        db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
        for m in (Product, ProductVariant, Mockup, Prize, ContestWinner, Notification)
    ]
    report = close_contests(utcnow())
    assert (report.results_published, report.winners_added, report.promoted) == ([], 0, [])
    assert counts == [
        db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
        for m in (Product, ProductVariant, Mockup, Prize, ContestWinner, Notification)
    ]


def test_a_crash_halfway_is_finished_by_the_next_run(app, ctx, monkeypatch):
    scene = closed_contest(winners=2)
    calls = {"n": 0}
    real = services._announce

    def crash_on_first(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_announce", crash_on_first)
    with pytest.raises(RuntimeError):
        close_contests(utcnow())
    # The first winner's transaction was rolled back whole: no products, no claim.
    assert products_of(scene["designs"][0].id) == []
    close_contests(utcnow())
    winners = db.session.execute(sa.select(ContestWinner).order_by(ContestWinner.rank)).scalars().all()
    assert [w.promoted_at is not None for w in winners] == [True, True]
    assert len(products_of(scene["designs"][0].id)) == 2
    assert kinds(scene["artists"][0].id).count("design_won") == 1


def test_a_missing_print_master_fails_that_design_only_and_alerts_staff(app, ctx):
    scene = closed_contest(winners=2)
    with unit_of_work():
        design = db.session.get(type(scene["designs"][0]), scene["designs"][0].id)
        from contest.storage import get_storage

        get_storage(design.master.backend).delete(design.master.key)
    report = close_contests(utcnow())
    assert len(report.failed) == 1
    assert len(report.promoted) == 1
    assert products_of(scene["designs"][0].id) == []
    assert products_of(scene["designs"][2].id) != []  # the runner-up still went on sale
    assert "promotion_failed" in kinds(scene["staff"].id)
    close_contests(utcnow())
    assert kinds(scene["staff"].id).count("promotion_failed") == 1  # one alert per problem


def test_held_winners_wait_for_staff_and_a_veto_passes_the_place_on(app, client, ctx):
    scene = closed_contest(hold_days=3)
    close_contests(utcnow())
    first, runner_up = scene["designs"][0], scene["designs"][2]
    assert products_of(first.id) == []
    page = app.test_client().get(f"/contests/{scene['contest'].slug}/winners")
    assert "being confirmed" in page.get_data(as_text=True)
    login(client, "mod", PASSWORD)
    staff_page = f"/staff/contests/{scene['contest'].id}/winners"
    winner = db.session.execute(sa.select(ContestWinner)).scalar_one()
    response = submit(
        client, f"/staff/winners/{winner.id}/veto", {"reason": "Too close to a famous logo."}, page=staff_page
    )
    assert response.status_code == 303
    close_contests(utcnow() + timedelta(days=3, minutes=1))  # the hold period is over
    assert products_of(first.id) == []
    assert len(products_of(runner_up.id)) == 2
    html = app.test_client().get(f"/contests/{scene['contest'].slug}/winners").get_data(as_text=True)
    assert "Owl 3" in html
    assert "Too close to a famous logo." in html


def test_a_veto_after_products_exist_retires_them(app, ctx):
    scene = closed_contest()
    close_contests(utcnow())
    winner = db.session.execute(sa.select(ContestWinner)).scalar_one()
    with unit_of_work():
        services.veto_winner(scene["staff"], winner, reason="Stolen artwork.", now=utcnow())
    db.session.expire_all()
    assert {p.status for p in products_of(scene["designs"][0].id)} == {"retired"}
    prize = db.session.execute(sa.select(Prize).filter_by(design_id=scene["designs"][0].id)).scalar_one()
    assert prize.revoked_at is not None  # kept, and reversed by a new ledger transaction
    booked = db.session.execute(
        sa.select(LedgerTransaction.kind).filter_by(prize_id=prize.id).order_by(LedgerTransaction.id)
    ).scalars()
    assert list(booked) == ["prize", "prize_reversal"]
    assert creator_balances(scene["artists"][0].id, "EUR")["creator_cleared"] == 0
    product = products_of(scene["designs"][0].id)[0]
    response = app.test_client().get(f"/shop/{product.slug}")
    assert response.status_code == 410
    assert "Stolen artwork." in response.get_data(as_text=True)


def test_two_processes_closing_at_once_promote_once(app, ctx):
    scene = closed_contest()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                close_contests(utcnow())
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    assert len(products_of(scene["designs"][0].id)) == 2
    assert kinds(scene["artists"][0].id).count("design_won") == 1
    assert db.session.execute(sa.select(sa.func.count()).select_from(Prize)).scalar_one() == 1
