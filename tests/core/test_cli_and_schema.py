from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from contest.accounts.models import User
from contest.core.clock import utcnow
from contest.core.db import after_commit, include_name, unit_of_work
from contest.demo.seed import DEMO_PASSWORD
from contest.extensions import db
from contest.storage.models import StoredFile
from tests.factories import make_user


def test_migrations_match_the_models(app):
    """The schema built by `flask db upgrade` is exactly what the models declare."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        assert compare_metadata(context, db.metadata) == []


def test_create_staff_cli(app, ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create-staff", "boss@example.com", "Boss", "--password", "a long staff secret"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(sa.select(User).filter_by(username_key="boss")).scalar_one()
    assert user.is_staff
    assert user.is_verified
    again = runner.invoke(
        args=["users", "create-staff", "BOSS@example.com", "boss2", "--password", "a long staff secret"]
    )
    assert again.exit_code != 0
    assert "already exists" in again.output
    weak = runner.invoke(args=["users", "create-staff", "b@example.com", "boss3", "--password", "short"])
    assert weak.exit_code != 0
    assert db.session.query(User).count() == 1


def test_demo_seed_makes_a_lively_site_once(app, client, ctx, monkeypatch):
    from contest.demo import seed as seed_module

    real_seed = seed_module.seed
    monkeypatch.setattr(
        seed_module, "seed", lambda **kw: real_seed(**kw, art_size=400)
    )  # small, fast artwork
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    users = db.session.query(User).count()
    assert users >= 8
    assert db.session.query(User).filter_by(role="staff").count() == 1
    assert db.session.query(StoredFile).filter_by(purpose="avatars").count() >= 6
    home = client.get("/").get_data(as_text=True)
    assert "Meet the artists" in home
    assert "Léa Moreau" in home
    from contest.contests.models import Contest
    from contest.designs.models import Design

    phases = {c.title: c.phase(utcnow()) for c in db.session.query(Contest)}
    assert phases == {
        "Botanical Summer": "submissions",
        "Retro Futures": "voting",
        "Night Animals": "results",
        "Ocean Week": "scheduled",
    }
    results = client.get("/contests/night-animals/results").get_data(as_text=True)
    assert "Winner" in results
    voting_page = client.get("/contests/retro-futures").get_data(as_text=True)
    assert "Score the entries" in voting_page
    statuses = [d.status for d in db.session.query(Design)]
    assert statuses.count("approved") >= 18
    assert statuses.count("pending") >= 1
    assert len({d.artist_id for d in db.session.query(Design)}) == 6
    listing = client.get("/contests").get_data(as_text=True)
    assert "Retro Futures" in listing
    gallery = client.get("/contests/night-animals/gallery").get_data(as_text=True)
    assert gallery.count('class="design-tile"') == 8
    shop = client.get("/shop?contest=night-animals").get_data(as_text=True)  # the winners are on sale
    assert shop.count('class="design-tile product-tile"') >= 3
    assert "winning design(s) now in the shop" in result.output
    # Sales with royalties: cleared and pending, a refund, a past payout and last month's statement.
    from contest.payments.models import Refund
    from contest.royalties.models import Payout, StatementSnapshot

    assert "has sales, a payout and statements" in result.output
    assert db.session.query(Refund).filter_by(status="confirmed").count() == 1
    assert db.session.query(Payout).filter_by(status="paid").count() >= 1
    assert db.session.query(StatementSnapshot).count() >= 1
    reconciled = runner.invoke(args=["royalties", "reconcile"])
    assert reconciled.exit_code == 0, reconciled.output
    # The community: an idea board with every status, follows, and survey answers on the closed contest.
    board = client.get("/ideas").get_data(as_text=True)
    assert all(word in board for word in ("Open", "Accepted", "Declined"))
    from contest.community.models import Follow, SurveyResponse

    assert db.session.query(Follow).count() == 9
    assert db.session.query(SurveyResponse).count() >= 3
    skipped = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert "skipped" in skipped.output
    runner.invoke(args=["demo", "seed"])
    assert db.session.query(User).count() == users


def test_unit_of_work_runs_hooks_only_after_a_commit(ctx):
    ran: list[str] = []

    def fail() -> None:
        with unit_of_work():
            make_user_row("ghost")
            after_commit(lambda: ran.append("rolled back"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    with unit_of_work():
        make_user_row("kept")
        after_commit(lambda: ran.append("committed"))
    assert ran == ["committed"]
    assert [u.username for u in db.session.query(User)] == ["kept"]


def make_user_row(name: str, email: str | None = None) -> User:
    """A row written straight to the table, bypassing the services' checks, to test the constraints."""
    user = User(
        email=email or f"{name}@example.com",
        username=name,
        username_key=name,
        password_hash="x",
        created_at=utcnow(),
        role="member",
        display_name="",
        bio="",
        links=[],
        locale="en",
        active=True,
    )
    db.session.add(user)
    return user


def test_database_refuses_duplicates_in_any_case(ctx):
    make_user("unique_one", email="u1@example.com")
    with pytest.raises(sa.exc.IntegrityError), unit_of_work():
        make_user_row("other", email="u1@example.com")
    with pytest.raises(sa.exc.IntegrityError), unit_of_work():
        make_user_row("x_y", email="Upper@example.com")  # the CHECK keeps emails lower-case


def test_timestamps_come_back_as_aware_utc(ctx):
    user = make_user("timely")
    db.session.expire_all()
    stored = db.session.get(User, user.id).created_at
    assert stored.tzinfo is not None
    assert stored.utcoffset().total_seconds() == 0
    with pytest.raises(sa.exc.StatementError, match="naive"), unit_of_work():
        db.session.get(User, user.id).last_login_at = stored.replace(tzinfo=None)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
