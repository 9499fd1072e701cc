"""Staff KPI dashboard on a big history: 100 contests, 50,000 members, 1,000,000 scores.

Times ``community.kpis.contest_kpis`` and ``kpis.repeat_purchase_rate`` (called directly, in an app
context) and the whole page ``GET /staff/kpis`` (Flask test client, logged in as staff through the login
form), 3 runs each, min and median. Then every SQL statement of one page run is replayed alone (executed
and fetched to the end) and the slowest are printed with their share of the page's median time; with
``--explain`` their query plans too (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (ANALYZE, BUFFERS)`` on
PostgreSQL).

The data is bulk inserted, chunked and committed per chunk (no services row by row), then the statistics
are gathered (ANALYZE), as on a running site: 100 contests in results, submissions opening every week over
two years; about 100 designs each (mostly approved) by about 3,000 artists; 1,000,000 scores by members on
approved designs of the same contest during its voting week (the database triggers keep ``design_tallies``
up to date, as in bench_scoring); 1 % of them excluded (a tenth of those reinstated); 3 published winners
a contest with a product each; 20,000 sold orders (plus 5 % pending or cancelled) of 1-3 lines on the
winners' products, by members and guests, many of whom come back; the ledger's sale, refund and clearing
transactions of those lines (so royalties are not 0); survey answers from 20 % of each contest's
participants. Member accounts are created over three years.

Run: .venv/bin/python -m tests.benchmarks.bench_kpis [--database-url URL] [--quick] [--explain]
``--quick``: 10 contests, 5,000 members, 100,000 scores, 2,000 orders (checks that the script works).
Without --database-url the data goes to a SQLite file in a temporary directory; a PostgreSQL URL's public
schema is dropped and migrated again. Prints figures; no assertion, no timed test.
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import re
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from tests.benchmarks.bench_promotion import peak_mib
from tests.benchmarks.bench_royalties import (
    CURRENCY,
    after_seeding,
    fresh_app,
    insert,
    next_id,
    postings,
    tx_row,
)

RUNS = 3
CHUNK_ORDERS = 2_000
DESIGN_STATUSES = ["approved", "rejected", "pending", "withdrawn", "taken_down", "failed"]
DESIGN_WEIGHTS = [84, 8, 2, 4, 1, 1]
EXCLUSION_CATEGORIES = ["new_account_single_artist", "shared_network", "shared_device", "outlier", "manual"]
SOLD_STATUSES = ["paid", "in_production", "shipped", "delivered", "partially_refunded", "refunded"]
SOLD_WEIGHTS = [8, 4, 8, 74, 2, 4]
NPS_WEIGHTS = [2, 1, 1, 2, 2, 4, 6, 10, 18, 24, 30]  # answers 0..10
PRICE, BASE_COST, ROYALTY_BPS = 2500, 900, 1000
SHIPPING = 490
HOLD = timedelta(days=30)  # ROYALTY_HOLD_DAYS


@dataclass
class Size:
    contests: int
    members: int
    scores: int
    orders: int
    designs_per_contest: int = 100
    artists: int = 0  # 6 % of the members when 0

    def __post_init__(self) -> None:
        self.artists = self.artists or max(10, self.members * 6 // 100)


FULL = Size(contests=100, members=50_000, scores=1_000_000, orders=20_000)
QUICK = Size(contests=10, members=5_000, scores=100_000, orders=2_000)
TABLES = (
    "users",
    "contests",
    "designs",
    "scores",
    "products",
    "product_variants",
    "orders",
    "order_lines",
    "ledger_accounts",
    "ledger_transactions",
    "contest_results",
)


# --------------------------------------------------------------------------------------------------------
# Seeding


def user_row(user_id: int, n: int, password_hash: str, created_at: datetime) -> dict:
    return {
        "id": user_id,
        "email": f"m{n}@bench.example",
        "username": f"M{n}",
        "username_key": f"m{n}",
        "password_hash": password_hash,
        "role": "member",
        "display_name": "",
        "bio": "",
        "links": [],
        "locale": "en",
        "avatar_id": None,
        "email_verified_at": created_at,
        "created_at": created_at,
        "last_login_at": None,
        "active": True,
    }


def contest_row(contest_id: int, n: int, times: tuple[datetime, datetime, datetime], ids: dict) -> dict:
    open_, close, vote = times
    return {
        "id": contest_id,
        "slug": f"bench-contest-{n}",
        "title": f"Bench contest {n}",
        "tagline": "",
        "brief": "Draw **cats** in space.",
        "rules": "",
        "cover_id": None,
        "prize_amount": 50_000,
        "prize_currency": CURRENCY,
        "royalty_bps": ROYALTY_BPS,
        "winners_count": 3,
        "min_scores": 10,
        "winners_hold_days": 0,
        "max_entries_per_artist": 3,
        "min_short_side": 1800,
        "product_types": ["tshirt"],
        "submissions_open_at": open_,
        "submissions_close_at": close,
        "voting_close_at": vote,
        "state": "results",
        "licence_terms_id": ids["licence"],
        "created_by_id": ids["staff"],
        "created_at": open_ - timedelta(days=3),
        "updated_at": vote,
        "published_at": open_ - timedelta(days=2),
        "cancelled_at": None,
        "cancel_reason": "",
    }


def design_row(
    design_id: int, contest: dict, artist_id: int, slot: int, status: str, at: datetime, ids: dict
) -> dict:
    moderated = status in ("approved", "rejected", "taken_down")
    return {
        "id": design_id,
        "contest_id": contest["id"],
        "artist_id": artist_id,
        "entry_slot": slot,
        "submission_key": f"bench-{design_id}",
        "title": f"Design {design_id}",
        "description": "",
        "tags": ["cats"],
        "status": status,
        "upload_id": None,
        "master_id": None,
        "width": 2000,
        "height": 2000,
        "phash": None,
        "processing_error": "cannot identify image file" if status == "failed" else None,
        "duplicate_of_id": None,
        "duplicate_distance": None,
        "licence_terms_id": ids["licence"],
        "licence_accepted_at": at,
        "originality_declared": True,
        "rejection_reason": "off_brief" if status == "rejected" else None,
        "moderation_note": "",
        "moderated_by_id": ids["staff"] if moderated else None,
        "moderated_at": at + timedelta(hours=6) if moderated else None,
        "takedown_notice": "Reported and upheld." if status == "taken_down" else "",
        "submitted_at": at,
        "updated_at": at + timedelta(hours=6),
    }


def seed_contests(rng: random.Random, size: Size, now: datetime, ids: dict, created: list[datetime]) -> dict:
    """Contests, designs, scores, exclusions, winners, products and survey answers, a contest at a time."""
    from contest.catalogue.models import ContestWinner, Product, ProductVariant
    from contest.community.models import SurveyResponse
    from contest.community.surveys import freeze_voters
    from contest.contests.models import Contest
    from contest.core.db import unit_of_work
    from contest.designs.models import Design
    from contest.voting.models import ContestResult, Score, ScoreExclusion

    first_user = ids["first_user"]
    artists = list(range(first_user, first_user + size.members, max(1, size.members // size.artists)))
    core = list(range(first_user + 1, first_user + size.members, 5))  # the regulars: 20 % of the members
    gap = timedelta(days=730) / size.contests
    first_open = now - timedelta(days=760)
    counts = dict.fromkeys(("designs", "scores", "exclusions", "winners", "responses", "voter_pairs"), 0)
    contest_id, design_id, score_id = next_id(Contest), next_id(Design), next_id(Score)
    product_id, variant_id = next_id(Product), next_id(ProductVariant)
    per_contest = [
        size.scores // size.contests + (n < size.scores % size.contests) for n in range(size.contests)
    ]
    winners: list[tuple[datetime, dict]] = []  # (on sale from, product) in contest order
    for n in range(size.contests):
        open_ = first_open + gap * n
        close = open_ + timedelta(days=14)
        vote = close + timedelta(days=7)
        contest = contest_row(contest_id, n + 1, (open_, close, vote), ids)
        contest_id += 1
        # Members who existed when submissions opened (ids grow with created_at).
        members_then = bisect.bisect_left(created, open_)
        eligible = range(first_user, first_user + max(members_then, 200))
        artists_then = [a for a in artists if a < eligible.stop] or artists[:50]

        designs, slots = [], {}
        for _ in range(rng.randint(size.designs_per_contest * 4 // 5, size.designs_per_contest * 6 // 5)):
            artist = rng.choice(artists_then)
            if slots.get(artist, 0) >= 3:
                continue
            slots[artist] = slots.get(artist, 0) + 1
            status = rng.choices(DESIGN_STATUSES, DESIGN_WEIGHTS)[0]
            at = open_ + (close - open_) * rng.random()
            designs.append(design_row(design_id, contest, artist, slots[artist], status, at, ids))
            design_id += 1
        approved = [d for d in designs if d["status"] == "approved"]

        # Voters: half regulars, half anyone with an account; about 4 scores each.
        wanted = per_contest[n]
        pool_size = min(len(eligible), max(50, wanted // 4))
        regulars = [u for u in core if u < eligible.stop]
        pool = set(rng.sample(regulars, min(len(regulars), pool_size // 2)))
        while len(pool) < pool_size:
            pool.add(rng.choice(eligible))
        voters = sorted(pool)
        wanted = min(wanted, len(voters) * len(approved) // 2)
        seen: set[tuple[int, int]] = set()
        scores, exclusions = [], []
        while len(seen) < wanted:
            voter, design = rng.choice(voters), rng.choice(approved)
            if (voter, design["id"]) in seen:
                continue
            seen.add((voter, design["id"]))
            cast_at = close + (vote - close) * rng.random()
            scores.append(
                {
                    "id": score_id,
                    "contest_id": contest["id"],
                    "design_id": design["id"],
                    "voter_id": voter,
                    "value": rng.randint(1, 5),
                    "buy": rng.random() < 0.1,
                    "cast_at": cast_at,
                    "updated_at": cast_at,
                    "ip_prefix": "",
                    "device_id": "",
                }
            )
            if rng.random() < 0.01:
                reinstated = rng.random() < 0.1
                exclusions.append(
                    {
                        "score_id": score_id,
                        "contest_id": contest["id"],
                        "category": rng.choice(EXCLUSION_CATEGORIES),
                        "detail": "",
                        "created_at": vote,
                        "created_by_id": None,
                        "reinstated_at": vote + timedelta(days=1) if reinstated else None,
                        "reinstated_by_id": ids["staff"] if reinstated else None,
                        "reinstate_note": "",
                    }
                )
            score_id += 1

        contest_winners, products, variants = [], [], []
        for rank, design in enumerate(rng.sample(approved, min(3, len(approved))), start=1):
            contest_winners.append(
                {
                    "contest_id": contest["id"],
                    "design_id": design["id"],
                    "rank": rank,
                    "status": "published",
                    "publish_at": vote,
                    "published_at": vote,
                    "vetoed_at": None,
                    "vetoed_by_id": None,
                    "veto_reason": "",
                    "promoted_at": vote,
                    "promotion_error": "",
                    "created_at": vote,
                }
            )
            product = {
                "id": product_id,
                "slug": f"bench-{design['id']}-tshirt",
                "design_id": design["id"],
                "contest_id": contest["id"],
                "artist_id": design["artist_id"],
                "type_code": "tshirt",
                "title": f"{design['title']} T-shirt",
                "search_text": design["title"],
                "rank": rank,
                "margin_bps": 3000,
                "currency": CURRENCY,
                "min_price": PRICE,
                "sales_count": 0,
                "status": "active",
                "retired_at": None,
                "retired_reason": "",
                "created_at": vote,
                "updated_at": vote,
            }
            products.append(product)
            variants.append(
                {
                    "id": variant_id,
                    "product_id": product_id,
                    "sku": f"BENCH-{product_id}-M-WHITE",
                    "size": "M",
                    "colour": "white",
                    "base_cost": BASE_COST,
                    "price": PRICE,
                    "currency": CURRENCY,
                    "available": True,
                }
            )
            winners.append((vote, {**product, "variant_id": variant_id}))
            product_id += 1
            variant_id += 1

        entrants = {d["artist_id"] for d in designs if d["status"] != "failed"}
        participants = sorted(entrants | {voter for voter, _design in seen})
        responses = [
            {
                "contest_id": contest["id"],
                "user_id": user_id,
                "score": rng.choices(range(11), NPS_WEIGHTS)[0],
                "comment": "",
                "created_at": vote + timedelta(hours=rng.randint(1, 300)),
            }
            for user_id in rng.sample(participants, len(participants) // 5)
        ]
        with unit_of_work():
            insert(Contest, [contest])
            insert(Design, designs)
        with unit_of_work():
            insert(Score, scores)  # design_tallies follow through the database triggers
            insert(ScoreExclusion, exclusions)
        with unit_of_work():
            insert(ContestWinner, contest_winners)
            insert(Product, products)
            insert(ProductVariant, variants)
            insert(SurveyResponse, responses)
            # What publishing the results leaves: the ranking (here only the winners' rows) and the
            # frozen list of voters that the KPIs read.
            insert(
                ContestResult,
                [
                    {
                        "contest_id": contest["id"],
                        "design_id": winner["design_id"],
                        "rank": winner["rank"],
                        "final_score_micro": 4_000_000,
                        "mean_raw_micro": None,
                        "score_count": 0,
                        "buy_count": 0,
                        "excluded": {},
                        "qualified": True,
                        "winner": True,
                        "computed_at": vote,
                    }
                    for winner in contest_winners
                ],
            )
            freeze_voters(contest["id"])
        counts["designs"] += len(designs)
        counts["scores"] += len(scores)
        counts["exclusions"] += len(exclusions)
        counts["winners"] += len(contest_winners)
        counts["responses"] += len(responses)
        counts["voter_pairs"] += len({voter for voter, _design in seen})
    counts["artists"] = len(artists)
    counts["winners_list"] = winners
    return counts


def order_line(line_id: int, order_id: int, product: dict, quantity: int) -> dict:
    return {
        "id": line_id,
        "order_id": order_id,
        "product_id": product["id"],
        "variant_id": product["variant_id"],
        "design_id": product["design_id"],
        "artist_id": product["artist_id"],
        "sku": f"BENCH-{product['id']}-M-WHITE",
        "title": product["title"],
        "type_code": "tshirt",
        "size": "M",
        "colour": "white",
        "unit_price": PRICE,
        "quantity": quantity,
        "line_total": PRICE * quantity,
        "discount": 0,
        "base_cost": BASE_COST,
        "royalty_bps": ROYALTY_BPS,
    }


def order_row(
    order_id: int, buyer: tuple[int | None, str], status: str, lines: list[dict], refunded: int, at: datetime
) -> dict:
    subtotal = sum(line["line_total"] for line in lines)
    return {
        "id": order_id,
        "token": f"bench-token-{order_id}",
        "checkout_key": f"bench-checkout-{order_id}",
        "user_id": buyer[0],
        "email": buyer[1],
        "locale": "en",
        "status": status,
        "currency": CURRENCY,
        "subtotal": subtotal,
        "shipping": SHIPPING,
        "total": subtotal + SHIPPING,
        "shipping_region": "FR",
        "gateway": "test",
        "checkout_session_id": f"cs_bench_{order_id}",
        "payment_intent_id": f"pi_bench_{order_id}" if status != "pending" else None,
        "amount_refunded": refunded,
        "flagged_reason": "",
        "ship_to": {},
        "created_at": at,
        "paid_at": None if status in ("pending", "cancelled") else at,
        "updated_at": at,
    }


def book_line(line: dict, at: datetime, refunded: bool, now: datetime, ledger: dict, out: dict) -> None:
    """A sold line's ledger rows, as ``royalties.services`` posts them: the sale, then its refund or, once
    the holding period is over, its clearing. ``ledger`` holds the account ids and the next ids."""
    from contest.royalties.services import royalty

    creator = line["artist_id"]
    accounts = ledger["creators"].get(creator)
    if accounts is None:
        accounts = ledger["creators"][creator] = {}
        for kind in ("creator_pending", "creator_cleared"):
            accounts[kind] = ledger["account"]
            out["accounts"].append(
                {"id": ledger["account"], "kind": kind, "creator_id": creator, "currency": CURRENCY}
            )
            ledger["account"] += 1
    clearing, revenue = ledger["clearing"], ledger["revenue"]
    pending, cleared = accounts["creator_pending"], accounts["creator_cleared"]
    net = line["line_total"]
    earned = royalty(net, ROYALTY_BPS)
    refs = {"order_id": line["order_id"], "order_line_id": line["id"], "rate_bps": ROYALTY_BPS}

    def book(key: str, kind: str, when: datetime, entries: list[tuple[int, int]], **tx_refs: int) -> None:
        out["txs"].append(tx_row(ledger["tx"], key, kind, creator, when, **tx_refs))
        out["posts"] += postings(ledger["tx"], entries)
        ledger["tx"] += 1

    sale = [(clearing, net), (revenue, -(net - earned)), (pending, -earned)]
    book(f"sale:line:{line['id']}", "sale", at, sale, basis=net, **refs)
    if refunded:
        back = [(pending, earned), (revenue, net - earned), (clearing, -net)]
        book(f"refund:x:line:{line['id']}", "refund", at + timedelta(hours=1), back, basis=net, **refs)
    elif at + HOLD < now:
        clear = [(pending, earned), (cleared, -earned)]
        book(f"clear:line:{line['id']}", "clear", at + HOLD, clear, order_line_id=line["id"])


def seed_orders(rng: random.Random, size: Size, now: datetime, ids: dict, winners: list) -> dict:
    """Sold orders on winners' products (members and guests, many coming back) and their ledger rows."""
    from contest.core.db import unit_of_work
    from contest.orders.models import Order, OrderLine
    from contest.royalties import ledger as ledger_service
    from contest.royalties.models import LedgerAccount, LedgerPosting, LedgerTransaction

    with unit_of_work():
        ledger = {kind: ledger_service.account_id(kind, CURRENCY) for kind in ("clearing", "revenue")}
    ledger.update(account=next_id(LedgerAccount), tx=next_id(LedgerTransaction), creators={})
    order_id, line_id = next_id(Order), next_id(OrderLine)
    on_sale = [at for at, _product in winners]
    first_sale = on_sale[0] + timedelta(hours=1)
    first_user = ids["first_user"]
    members = range(first_user, first_user + size.members)
    buyers = sorted(rng.sample(members, min(size.members, size.orders * 3 // 5)))
    total = size.orders + size.orders // 20  # 5 % never paid
    counts = {"orders": 0, "sold": 0, "lines": 0, "transactions": 0, "postings": 0}
    for start in range(0, total, CHUNK_ORDERS):
        orders, lines = [], []
        out: dict[str, list] = {"accounts": [], "txs": [], "posts": []}
        for n in range(start, min(start + CHUNK_ORDERS, total)):
            at = first_sale + (now - timedelta(hours=2) - first_sale) * rng.random()
            available = [product for _on, product in winners[: bisect.bisect_left(on_sale, at)]]
            sold = n < size.orders
            status = (
                rng.choices(SOLD_STATUSES, SOLD_WEIGHTS)[0] if sold else rng.choice(("pending", "cancelled"))
            )
            if rng.random() < 0.8:  # a member who had an account by then
                user_id = rng.choice(buyers[: max(1, bisect.bisect_left(buyers, ids["user_at"](at)))])
                buyer = (user_id, f"m{user_id - first_user}@bench.example")
            else:
                buyer = (None, f"guest{rng.randrange(max(1, size.orders // 2))}@bench.example")
            chosen = rng.sample(available, min(len(available), rng.choices((1, 2, 3), (6, 3, 1))[0]))
            order_lines = []
            for product in chosen:
                order_lines.append(
                    order_line(line_id, order_id, product, rng.choices((1, 2, 3), (7, 2, 1))[0])
                )
                line_id += 1
            refunded = {"refunded": len(order_lines), "partially_refunded": 1}.get(status, 0)
            refund = sum(line["line_total"] for line in order_lines[:refunded])
            orders.append(order_row(order_id, buyer, status, order_lines, refund, at))
            lines += order_lines
            for index, line in enumerate(order_lines if sold else []):
                book_line(line, at, index < refunded, now, ledger, out)
            counts["sold"] += sold
            order_id += 1
        with unit_of_work():
            insert(Order, orders)
            insert(OrderLine, lines)
            insert(LedgerAccount, out["accounts"])
            insert(LedgerTransaction, out["txs"])
            insert(LedgerPosting, out["posts"])
        counts["orders"] += len(orders)
        counts["lines"] += len(lines)
        counts["transactions"] += len(out["txs"])
        counts["postings"] += len(out["posts"])
    return counts


def seed(app, size: Size, now: datetime) -> dict:  # noqa: ANN001 - Flask
    from contest.accounts.models import User
    from contest.contests.services import current_licence
    from contest.core.db import unit_of_work
    from tests.factories import make_user

    rng = random.Random(7)  # noqa: S311 - benchmark data
    span = timedelta(days=3 * 365)
    started = time.perf_counter()
    with app.app_context():
        long_ago = now - span - timedelta(days=30)
        password_hash = make_user("bench_template", now=long_ago).password_hash
        staff = make_user("bench_staff", role="staff", now=long_ago)
        with unit_of_work():
            licence = current_licence(now=long_ago).id
        first_user = next_id(User)
        created = [now - span + span * (n / size.members) for n in range(size.members)]
        for start in range(0, size.members, 5_000):
            with unit_of_work():
                insert(
                    User,
                    [
                        user_row(first_user + n, n, password_hash, created[n])
                        for n in range(start, min(start + 5_000, size.members))
                    ],
                )
        users_done = time.perf_counter()

        def user_at(at: datetime) -> int:
            """The first member id created at or after ``at``."""
            return first_user + bisect.bisect_left(created, at)

        ids = {"staff": staff.id, "licence": licence, "first_user": first_user, "user_at": user_at}
        contests = seed_contests(rng, size, now, ids, created)
        contests_done = time.perf_counter()
        orders = seed_orders(rng, size, now, ids, contests.pop("winners_list"))
        orders_done = time.perf_counter()
        after_seeding(TABLES)
    return {
        **contests,
        **orders,
        "seconds": time.perf_counter() - started,
        "users_s": users_done - started,
        "contests_s": contests_done - users_done,
        "orders_s": orders_done - contests_done,
        "analyze_s": time.perf_counter() - orders_done,
    }


# --------------------------------------------------------------------------------------------------------
# Timing


class StatementLog:
    """Every statement the engine sends while ``on``, with its parameters."""

    def __init__(self, engine: sa.Engine) -> None:
        self.on = False
        self.statements: list[tuple[str, object]] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:  # noqa: ANN001
        if self.on and not executemany:
            self.statements.append((statement, parameters))


LABELS = [  # first match wins: which KPI a statement computes
    ("lead(", "loyalty (entrants/voters back next contest)"),
    ("ledger_postings", "royalties (ledger)"),
    ("survey_responses", "NPS (survey answers)"),
    ("score_exclusions", "excluded scores"),
    ("contest_winners", "winners, sold winners"),
    ("users.created_at", "representativeness (new/buyer/artist voters)"),
    ("count(distinct scores.voter_id)", "voters, scores"),
    ("coalesce(cast(orders.user_id", "repeat purchase rate"),
    ("sum(anon_1.quantity)", "pieces sold, revenue"),
    ("count(distinct designs.artist_id)", "entrants, designs, approval"),
    ("from contests", "contest list"),
    ("from users", "current user"),
]


def label(statement: str) -> str:
    flat = re.sub(r"\s+", " ", statement).lower()
    for needle, name in LABELS:
        if needle in flat:
            return name
    return flat[:60]


def replay(statements: list[tuple[str, object]]) -> list[tuple[float, str, object]]:
    """Each distinct statement alone, executed and fetched to the end (SQLite computes a grouped result
    while it is fetched, so timing the execute call alone would miss most of the work)."""
    from contest.extensions import db

    timed, done = [], set()
    with db.engine.connect() as conn:
        for statement, parameters in statements:
            key = (statement, repr(parameters))
            if key in done:
                continue
            done.add(key)
            started = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).fetchall()
            timed.append((time.perf_counter() - started, statement, parameters))
    return sorted(timed, key=lambda item: item[0], reverse=True)


def explain(statement: str, parameters: object) -> list[str]:
    from contest.extensions import db

    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
            return [row[0] for row in rows]
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return [f"{row[0]:>3} {row[1]:>3} {row[3]}" for row in rows]


def summary(times: list[float]) -> str:
    runs = ", ".join(f"{t:.2f}" for t in times)
    return f"min {min(times):6.2f} s   median {statistics.median(times):6.2f} s   (runs: {runs})"


def bench(app, size: Size, seeded: dict, show_plans: int) -> None:  # noqa: ANN001 - Flask
    from contest.community import kpis
    from contest.core.clock import utcnow
    from contest.extensions import db
    from tests.conftest import login
    from tests.factories import PASSWORD

    with app.app_context():
        dialect = db.engine.dialect.name
        log = StatementLog(db.engine)
        kpi_times, rate_times = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            rows = kpis.contest_kpis(now=utcnow())
            kpi_times.append(time.perf_counter() - started)
            db.session.remove()
        for _ in range(RUNS):
            started = time.perf_counter()
            repeat, buyers = kpis.repeat_purchase_rate()
            rate_times.append(time.perf_counter() - started)
            db.session.remove()

    client = app.test_client()
    login(client, "bench_staff", PASSWORD)
    page_times, page_size = [], 0
    for run in range(RUNS):
        log.on, log.statements = run == RUNS - 1, []
        started = time.perf_counter()
        response = client.get("/staff/kpis")
        page_times.append(time.perf_counter() - started)
        log.on = False
        if response.status_code != 200:
            raise SystemExit(f"GET /staff/kpis answered {response.status_code}")
        page_size = len(response.data)

    with app.app_context():
        slowest = replay(log.statements)
        plans = [explain(statement, parameters) for _t, statement, parameters in slowest[:show_plans]]
        db.session.remove()
        db.engine.dispose()

    page_median = statistics.median(page_times)
    print(f"\nDatabase: {dialect}; load average before timing {os.getloadavg()[0]:.2f} (1 min)")
    print(
        f"data: {size.contests:,} contests, {size.members:,} members ({seeded['artists']:,} artists), "
        f"{seeded['designs']:,} designs, {seeded['scores']:,} scores ({seeded['exclusions']:,} excluded), "
        f"{seeded['winners']:,} winners/products, {seeded['orders']:,} orders ({seeded['sold']:,} sold, "
        f"{seeded['lines']:,} lines), {seeded['transactions']:,} ledger transactions / "
        f"{seeded['postings']:,} postings, {seeded['responses']:,} survey answers"
    )
    print(
        f"seeded in {seeded['seconds']:.0f} s (members {seeded['users_s']:.0f} s, contests+designs+scores "
        f"{seeded['contests_s']:.0f} s, orders+ledger {seeded['orders_s']:.0f} s, analyze "
        f"{seeded['analyze_s']:.0f} s); peak RSS {peak_mib():.0f} MiB"
    )
    voters = sum(row.voters for row in rows)
    returning = [row.voter_return for row in rows if row.voter_return is not None]
    print(
        f"sanity: {len(rows)} contest rows, {voters:,} voter-contest pairs "
        f"(seeded {seeded['voter_pairs']:,}), "
        f"{sum(row.scores for row in rows):,} scores, revenue {sum(row.revenue for row in rows) / 100:,.0f} "
        f"EUR, royalties {sum(row.royalties for row in rows) / 100:,.0f} EUR, mean voter return "
        f"{statistics.mean(returning) if returning else 0:.0%}, repeat buyers {repeat:,} of {buyers:,}"
    )
    print(f"contest_kpis(now=...)     {summary(kpi_times)}")
    print(f"repeat_purchase_rate()    {summary(rate_times)}")
    print(f"GET /staff/kpis           {summary(page_times)}   ({page_size / 1024:.0f} KiB, 200)")
    replayed = sum(seconds for seconds, _s, _p in slowest)
    print(
        f"\n{len(log.statements)} statements in the last page run; each replayed alone: {replayed:.2f} s in "
        f"all. Slowest, with their share of the page's median {page_median:.2f} s:"
    )
    for seconds, statement, _parameters in slowest[:6]:
        print(f"  {seconds:7.3f} s  {seconds / page_median:5.0%}  {label(statement)}")
    for (seconds, statement, _parameters), plan in zip(slowest, plans, strict=False):
        flat = re.sub(r"\s+", " ", statement)[:2000]
        print(f"\nPlan of {label(statement)} ({seconds:.2f} s):\n{flat}")
        for line in plan:
            print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (its public schema is dropped!)")
    parser.add_argument("--quick", action="store_true", help="10 contests, 5,000 members, 100,000 scores")
    parser.add_argument(
        "--explain", type=int, nargs="?", const=2, default=0, help="print the plans of the N slowest (2)"
    )
    args = parser.parse_args()
    from contest.core.clock import utcnow

    size = QUICK if args.quick else FULL
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    work = Path(tempfile.mkdtemp(prefix="atelier-bench-kpis-"))
    try:
        url = args.database_url or f"sqlite:///{work / 'kpis.db'}"
        app = fresh_app(url, work)
        seeded = seed(app, size, utcnow())
        bench(app, size, seeded, args.explain)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
