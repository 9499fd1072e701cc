"""Royalty statements for a busy creator and a payout run over many creators: seconds and peak memory.

1. Statement of a closed month for one creator with 100,000 order lines (5 % partly refunded, 80 % cleared):
   ``statements.build``, ``statements.as_csv``, ``statements.cut`` (the snapshot, committed) and
   ``statements.statement`` (the snapshot read back, checksum verified); with ``--pdf`` also
   ``pdf.render_statement_pdf`` (about a minute for 100,000 lines).
2. ``payouts.run_payouts`` over 10,000 creators, each with a cleared prize above the threshold and a
   ready Stripe payout account (the test gateway), then the same run again (it pays nobody).

Run: .venv/bin/python -m tests.benchmarks.bench_royalties [--database-url URL] [--quick] [--pdf]
Without --database-url each part gets a fresh SQLite file in a temporary directory; with a PostgreSQL URL
the database's public schema is dropped and migrated again for each part. The data is bulk inserted
(rows mirroring what ``services.accrue_order``, ``reverse_refunds``, ``clear_due`` and ``book_prize``
post), then the statistics are gathered (ANALYZE), as on a running site. Prints figures; no assertion,
no timed test. Each part runs in a process of its own; peak RSS is its high-water mark (VmHWM), printed
after seeding and again for the timed steps alone (the mark is reset after seeding where Linux allows).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from tests.benchmarks.bench_promotion import peak_mib

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 5_000
CURRENCY = "EUR"
TITLES = ["Night Owl", "Hibou étoilé", "Renard roux sous la pluie d'automne", "Marée basse", "Ciel"]
TYPES = ["tshirt", "hoodie", "poster", "mug", "sticker"]
SIZES = ["S", "M", "L", "XL"]
COLOURS = ["white", "black", "navy"]
PRICES = [1500, 1900, 2500, 2900, 3500, 4500]
RATES = [0, 500, 1000, 1000, 1250, 1500, 1500, 2000, 2500, 10_000]


def reset_peak() -> bool:
    """Set VmHWM back to the current RSS (Linux >= 4.0), so the next peak is the next step's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def fresh_app(url: str, work: Path):  # noqa: ANN201 - Flask
    """The app on an empty, migrated database."""
    from flask_migrate import upgrade

    from config import DevelopmentConfig
    from contest import create_app
    from contest.extensions import db

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_ROOT=str(work / "uploads"))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
    return app


def next_id(model: type) -> int:
    from contest.extensions import db

    return db.session.execute(sa.select(sa.func.coalesce(sa.func.max(model.id), 0))).scalar_one() + 1


def insert(model: type, rows: list[dict]) -> None:
    """Bulk insert in the current transaction, CHUNK rows per statement."""
    from contest.extensions import db

    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model), rows[start : start + CHUNK])


def after_seeding(tables: tuple[str, ...]) -> None:
    """Sequences past the explicit ids (PostgreSQL), then statistics, as on a running site."""
    from contest.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if db.engine.dialect.name == "postgresql":
            for table in tables:
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - our names
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            conn.execute(sa.text("VACUUM ANALYZE"))
        else:
            conn.execute(sa.text("ANALYZE"))


def tx_row(tx_id: int, key: str, kind: str, creator_id: int, at: datetime, **refs: int | None) -> dict:
    return {
        "id": tx_id,
        "key": key,
        "kind": kind,
        "creator_id": creator_id,
        "currency": CURRENCY,
        "occurred_at": at,
        "order_id": refs.get("order_id"),
        "order_line_id": refs.get("order_line_id"),
        "refund_id": None,
        "prize_id": None,
        "payout_id": None,
        "basis": refs.get("basis"),
        "rate_bps": refs.get("rate_bps"),
        "memo": "",
    }


def postings(tx_id: int, entries: list[tuple[int, int]]) -> list[dict]:
    """A balanced transaction's postings, zero amounts dropped (as ``ledger.post`` does)."""
    assert sum(amount for _account, amount in entries) == 0  # the data's own consistency, not a timing
    return [
        {"transaction_id": tx_id, "account_id": account, "amount": amount, "currency": CURRENCY}
        for account, amount in entries
        if amount
    ]


# --------------------------------------------------------------------------------------------------------
# 1. Statement of a busy month


def booked_line(
    rng: random.Random, account: dict[str, int], ids: dict[str, int], at: datetime, refund_by: datetime
) -> tuple[dict, list[dict], list[dict]]:
    """An order line and its ledger rows: the sale, maybe a refund (5 %), maybe its clearing (80 %).

    ``ids`` holds the artist, order and line ids, the next transaction id (advanced here), the holding
    period and now: a clearing is dated the holding period after the sale, or an hour ago if that is later.
    """
    from contest.royalties import services

    price, quantity, rate = rng.choice(PRICES), rng.randint(1, 20), rng.choice(RATES)
    net = price * quantity
    earned = services.royalty(net, rate)
    type_code, size, colour = rng.choice(TYPES), rng.choice(SIZES), rng.choice(COLOURS)
    line_id, artist_id = ids["line"], ids["artist"]
    line = {
        "id": line_id,
        "order_id": ids["order"],
        "product_id": None,
        "variant_id": None,
        "design_id": None,
        "artist_id": artist_id,
        "sku": f"BENCH-{type_code}-{size}-{colour}".upper(),
        "title": rng.choice(TITLES),
        "type_code": type_code,
        "size": size,
        "colour": colour,
        "unit_price": price,
        "quantity": quantity,
        "line_total": net,
        "discount": 0,
        "base_cost": 600,
        "royalty_bps": rate,
    }
    refs = {"order_id": ids["order"], "order_line_id": line_id, "rate_bps": rate}
    txs, posts = [], []

    def book(
        key: str, kind: str, when: datetime, entries: list[tuple[str, int]], **tx_refs: int | None
    ) -> None:
        tx_id = ids["tx"]
        ids["tx"] += 1
        txs.append(tx_row(tx_id, key, kind, artist_id, when, **tx_refs))
        posts.extend(postings(tx_id, [(account[name], amount) for name, amount in entries]))

    book(
        f"sale:line:{line_id}",
        "sale",
        at,
        [("clearing", net), ("revenue", -(net - earned)), ("creator_pending", -earned)],
        basis=net,
        **refs,
    )
    pending = earned
    if rng.random() < 0.05:  # a partial or full refund, before clearing: the same share of the royalty
        part = rng.choice((net, net // 2, price))
        back = services.round_half_up(earned * part, net)
        book(
            f"refund:x:line:{line_id}",
            "refund",
            at + min(timedelta(days=1), (refund_by - at) / 2),
            [("creator_pending", back), ("revenue", part - back), ("clearing", -part)],
            basis=part,
            **refs,
        )
        pending -= back
    if rng.random() < 0.8:
        book(
            f"clear:line:{line_id}",
            "clear",
            min(at + timedelta(days=ids["hold_days"]), ids["now"] - timedelta(hours=1)),
            [("creator_pending", pending), ("creator_cleared", -pending)],
            order_line_id=line_id,
        )
    return line, txs, posts


def seed_statement(app, line_count: int, period: str, now: datetime) -> dict:  # noqa: ANN001 - Flask
    """One artist, ``line_count`` order lines over the month (1-3 a paid order), booked in the ledger."""
    from contest.core.db import unit_of_work
    from contest.orders.models import Order, OrderLine
    from contest.royalties import ledger, statements
    from contest.royalties.models import LedgerPosting, LedgerTransaction
    from tests.factories import make_user

    rng = random.Random(7)  # noqa: S311 - benchmark data
    start, end = statements.month_bounds(period)
    started = time.perf_counter()
    with app.app_context():
        artist = make_user("bench_artist", now=start - timedelta(days=200))
        with unit_of_work():
            account = {
                kind: ledger.account_id(kind, CURRENCY, artist.id if kind.startswith("creator_") else None)
                for kind in ("clearing", "revenue", "creator_pending", "creator_cleared")
            }
        sizes: list[int] = []
        while sum(sizes) < line_count:
            sizes.append(min(rng.choice((1, 1, 1, 2, 2, 3)), line_count - sum(sizes)))
        ids = {
            "artist": artist.id,
            "order": next_id(Order),
            "line": next_id(OrderLine),
            "tx": next_id(LedgerTransaction),
            "hold_days": app.config["ROYALTY_HOLD_DAYS"],
            "now": now,
        }
        counts = {"artist_id": artist.id, "orders": len(sizes), "transactions": 0, "postings": 0}
        index = 0
        while index < len(sizes):
            orders, lines, txs, posts = [], [], [], []
            while index < len(sizes) and len(lines) < CHUNK:
                at = start + (end - start) * (index + 0.5) / len(sizes)
                subtotal = 0
                for _ in range(sizes[index]):
                    line, line_txs, line_posts = booked_line(rng, account, ids, at, end)
                    lines.append(line)
                    txs += line_txs
                    posts += line_posts
                    subtotal += line["line_total"]
                    ids["line"] += 1
                orders.append(
                    {
                        "id": ids["order"],
                        "token": f"bench-token-{ids['order']}",
                        "checkout_key": f"bench-checkout-{ids['order']}",
                        "user_id": None,
                        "email": f"buyer{ids['order'] % 5000}@bench.example",
                        "locale": "en",
                        "status": "paid",
                        "currency": CURRENCY,
                        "subtotal": subtotal,
                        "shipping": 490,
                        "total": subtotal + 490,
                        "shipping_region": "FR",
                        "gateway": "test",
                        "checkout_session_id": f"cs_bench_{ids['order']}",
                        "payment_intent_id": f"pi_bench_{ids['order']}",
                        "amount_refunded": 0,
                        "flagged_reason": "",
                        "ship_to": {},
                        "created_at": at,
                        "paid_at": at,
                        "updated_at": at,
                    }
                )
                ids["order"] += 1
                index += 1
            with unit_of_work():
                insert(Order, orders)
                insert(OrderLine, lines)
                insert(LedgerTransaction, txs)
                insert(LedgerPosting, posts)
            counts["transactions"] += len(txs)
            counts["postings"] += len(posts)
        after_seeding(("orders", "order_lines", "ledger_transactions"))
    counts["seconds"] = time.perf_counter() - started
    return counts


def bench_statement(url: str, work: Path, line_count: int, pdf: bool) -> None:
    from contest.accounts.models import User
    from contest.core.clock import utcnow
    from contest.core.db import unit_of_work
    from contest.extensions import db
    from contest.royalties import statements

    now = utcnow()
    period = statements.previous_period(statements.period_of(now))
    app = fresh_app(url, work)
    seeded = seed_statement(app, line_count, period, now)
    seed_peak = peak_mib()
    reset = reset_peak()
    times: dict[str, float] = {}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        dialect = db.engine.dialect.name
        creator = db.session.get(User, seeded["artist_id"])

        started = time.perf_counter()
        built = statements.build(creator, period, CURRENCY, now=now)
        times["build"] = time.perf_counter() - started

        started = time.perf_counter()
        csv_text = statements.as_csv(built)
        times["as_csv"] = time.perf_counter() - started

        started = time.perf_counter()
        with unit_of_work():
            snapshot = statements.cut(creator, period, CURRENCY, now=now)
            snapshot_id = snapshot.id
        times["cut (+commit)"] = time.perf_counter() - started
        db.session.expunge_all()  # a later request: nothing cached in the session

        creator = db.session.get(User, seeded["artist_id"])
        started = time.perf_counter()
        read = statements.statement(creator, period, CURRENCY, now=now)
        times["statement (read back)"] = time.perf_counter() - started

        if pdf:
            from contest.royalties.pdf import render_statement_pdf

            started = time.perf_counter()
            document = render_statement_pdf(read)
            times["render_statement_pdf"] = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    sales = sum(1 for item in built.lines if item.kind == "sale")
    refunds = sum(1 for item in built.lines if item.kind == "refund")
    pending = sum(1 for item in built.lines if item.status == "pending")
    print(f"\n1. Statement of {period} for one creator ({dialect})")
    print(
        f"seeded {line_count:,} order lines in {seeded['orders']:,} orders, {seeded['transactions']:,} "
        f"ledger transactions, {seeded['postings']:,} postings in {seeded['seconds']:.1f} s "
        f"(peak RSS {seed_peak:.0f} MiB)"
    )
    print(
        f"statement lines    {len(built.lines):>10,}   ({sales:,} sales, {refunds:,} refunds; "
        f"{pending:,} sales pending, the rest cleared)"
    )
    for step, seconds in times.items():
        print(f"{step:<24}{seconds:>8.2f} s   ({seconds / max(len(built.lines), 1) * 1e6:.0f} µs a line)")
    print(f"CSV size MiB       {len(csv_text.encode()) / 2**20:>10.1f}")
    if pdf:
        print(f"PDF size MiB       {len(document) / 2**20:>10.1f}")
    same = read.closing == built.closing and len(read.lines) == len(built.lines) and read.checksum
    verdict = "same lines and closing" if same else "DIFFERS"
    print(f"snapshot {snapshot_id}: closing {read.closing:,} minor units; read back: {verdict}")
    print(f"peak RSS MiB       {peak_mib():>10.0f}   ({'since seeding' if reset else 'whole process'})")


# --------------------------------------------------------------------------------------------------------
# 2. Payout run


def seed_payouts(app, creators: int, period: str, now: datetime) -> dict:  # noqa: ANN001 - Flask
    """``creators`` creators, each with one cleared prize of 30-90 EUR and a ready Stripe payout account."""
    from contest.accounts.models import User
    from contest.core.db import unit_of_work
    from contest.royalties import ledger, statements
    from contest.royalties.models import LedgerAccount, LedgerPosting, LedgerTransaction, PayoutAccount
    from tests.factories import make_user

    rng = random.Random(11)  # noqa: S311 - benchmark data
    start, _end = statements.month_bounds(period)
    old = start - timedelta(days=200)
    started = time.perf_counter()
    with app.app_context():
        password_hash = make_user("bench_template", now=old).password_hash
        with unit_of_work():
            prizes_account = ledger.account_id("prizes", CURRENCY)
        user_id, account_id, tx_id = next_id(User), next_id(LedgerAccount), next_id(LedgerTransaction)
        total = 0
        for first in range(0, creators, CHUNK):
            users, accounts, txs, posts, payout_accounts = [], [], [], [], []
            for n in range(first, min(first + CHUNK, creators)):
                users.append(
                    {
                        "id": user_id,
                        "email": f"creator{n}@bench.example",
                        "username": f"Creator{n}",
                        "username_key": f"creator{n}",
                        "password_hash": password_hash,
                        "role": "member",
                        "display_name": "",
                        "bio": "",
                        "links": [],
                        "locale": "en",
                        "avatar_id": None,
                        "email_verified_at": old,
                        "created_at": old,
                        "last_login_at": None,
                        "active": True,
                    }
                )
                accounts.append(
                    {"id": account_id, "kind": "creator_cleared", "creator_id": user_id, "currency": CURRENCY}
                )
                amount = rng.randint(3000, 9000)
                total += amount
                at = start + timedelta(minutes=n % 40_000)
                txs.append(tx_row(tx_id, f"prize:bench:{user_id}", "prize", user_id, at))
                posts += postings(tx_id, [(prizes_account, amount), (account_id, -amount)])
                payout_accounts.append(
                    {
                        "creator_id": user_id,
                        "mode": "stripe",
                        "stripe_account_id": f"acct_testpay_{user_id}",
                        "ready": True,
                        "manual_details": "",
                        "created_at": old,
                        "updated_at": old,
                    }
                )
                user_id, account_id, tx_id = user_id + 1, account_id + 1, tx_id + 1
            with unit_of_work():
                insert(User, users)
                insert(LedgerAccount, accounts)
                insert(LedgerTransaction, txs)
                insert(LedgerPosting, posts)
                insert(PayoutAccount, payout_accounts)
        after_seeding(("users", "ledger_accounts", "ledger_transactions"))
    return {"total": total, "seconds": time.perf_counter() - started}


def bench_payouts(url: str, work: Path, creators: int) -> None:
    from contest.core.clock import utcnow
    from contest.extensions import db
    from contest.payments.test_gateway import TestGateway
    from contest.royalties import payouts, statements

    now = utcnow()
    period = statements.previous_period(statements.period_of(now))
    app = fresh_app(url, work)
    seeded = seed_payouts(app, creators, period, now)
    seed_peak = peak_mib()
    reset = reset_peak()
    runs = []
    with app.app_context():
        dialect = db.engine.dialect.name
        gateway = TestGateway(secret=app.config["SECRET_KEY"])
        for _ in range(2):
            started = time.perf_counter()
            report = payouts.run_payouts(period, gateway=gateway, now=utcnow(), threshold=2500)
            runs.append((time.perf_counter() - started, report))
        db.session.remove()
        db.engine.dispose()
    print(f"\n2. Payout run for {period} over {creators:,} creators ({dialect}; test gateway)")
    print(
        f"seeded {creators:,} creators with a cleared prize ({seeded['total'] / 100:,.2f} EUR in all) "
        f"and a ready Stripe account in {seeded['seconds']:.1f} s (peak RSS {seed_peak:.0f} MiB)"
    )
    for name, (seconds, report) in zip(("first run", "second run"), runs, strict=True):
        paid, amount = len(report.paid), sum(a for _c, a in report.paid)
        print(
            f"{name:<12}{seconds:>8.2f} s   {paid:>6,} paid ({amount / 100:,.2f} EUR), "
            f"{len(report.awaiting_manual)} awaiting manual, {len(report.failed)} failed, "
            f"{report.skipped} skipped, {len(report.no_account)} without an account"
            + (f";  {paid / seconds:,.0f} creators/s" if paid else "")
        )
    print(f"peak RSS MiB {peak_mib():>8.0f}   ({'since seeding' if reset else 'whole process'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (its public schema is dropped!)")
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--creators", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="5,000 lines and 500 creators")
    parser.add_argument("--pdf", action="store_true", help="also time the statement's PDF (slow)")
    parser.add_argument("--only", choices=["statement", "payouts"], help="run one part only")
    args = parser.parse_args()
    if args.quick:
        args.lines, args.creators = 5_000, 500
    if args.only is None:  # each part in a process of its own, so that its peak memory is its own
        for part in ("statement", "payouts"):
            command = [
                sys.executable,
                "-m",
                "tests.benchmarks.bench_royalties",
                *sys.argv[1:],
                "--only",
                part,
            ]
            subprocess.run(command, cwd=ROOT, check=True)
        return

    work = Path(tempfile.mkdtemp(prefix="atelier-bench-royalties-"))
    try:
        if args.only != "payouts":
            url = args.database_url or f"sqlite:///{work / 'statement.db'}"
            bench_statement(url, work, args.lines, args.pdf)
        if args.only != "statement":
            url = args.database_url or f"sqlite:///{work / 'payouts.db'}"
            bench_payouts(url, work, args.creators)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
