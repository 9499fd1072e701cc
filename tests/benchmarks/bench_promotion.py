"""Promotion of a closed contest (5 winners x 5 product types, mockups included), inline and on an RQ
queue, and the shop page's latency with 2,000 products.

Run: .venv/bin/python -m tests.benchmarks.bench_promotion
Needs redis-server and wrk (Debian packages). Prints figures; no assertion, no timed test.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
WINNERS = 5
TYPES = ["tshirt", "hoodie", "poster", "mug", "sticker"]


def peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make_app(work: Path, **extra):  # noqa: ANN201 - Flask
    from config import DevelopmentConfig
    from contest import create_app

    return create_app(
        DevelopmentConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{work / 'bench.db'}",
        UPLOAD_ROOT=str(work / "uploads"),
        **extra,
    )


def seed_contest(work: Path, master_side: int) -> None:
    """A contest whose voting just closed, with WINNERS designs that all qualify (print-size masters)."""
    from flask_migrate import upgrade

    from contest.contests.services import advance_contests
    from contest.core.clock import utcnow
    from contest.core.db import unit_of_work
    from contest.demo.artwork import generate_artwork
    from contest.extensions import db
    from contest.voting import services as voting
    from tests.factories import make_contest, make_design, make_user

    app = make_app(work)
    with app.app_context():
        upgrade()
        old = utcnow() - timedelta(days=90)
        staff = make_user("bench_staff", role="staff", now=old)
        artists = [make_user(f"bench_artist{n}", now=old) for n in range(WINNERS)]
        voters = [make_user(f"bench_voter{n}", now=old) for n in range(3)]
        contest = make_contest(
            "submissions", title="Benchmark", winners_count=WINNERS, min_scores=1, product_types=TYPES
        )
        designs = []
        for n in range(WINNERS):
            buffer = io.BytesIO()
            generate_artwork(500 + n, (master_side, master_side)).save(buffer, "PNG", compress_level=1)
            designs.append(
                make_design(
                    contest, artists[n], data=buffer.getvalue(), approve=True, staff=staff, title=f"Bench {n}"
                )
            )
        with unit_of_work():
            db.session.get(type(contest), contest.id).submissions_close_at = utcnow() - timedelta(minutes=5)
            advance_contests(utcnow())
        for voter in voters:
            for n, design in enumerate(designs):
                with unit_of_work():
                    voting.cast_score(voter, design, value=1 + n % 5, buy=False, now=utcnow())
        with unit_of_work():
            db.session.get(type(contest), contest.id).voting_close_at = utcnow() - timedelta(minutes=1)


def expected_mockups() -> int:
    from contest.catalogue.types import PRODUCT_TYPES

    return WINNERS * sum(len(PRODUCT_TYPES[code].colours) for code in TYPES)


def child(mode: str, work: Path, redis_url: str | None) -> None:
    """Runs in a fresh process, so its peak memory is the promotion's own."""
    from contest.catalogue.closing import close_contests
    from contest.catalogue.models import Mockup
    from contest.core.clock import utcnow
    from contest.extensions import db

    app = make_app(work, **({"REDIS_URL": redis_url} if redis_url else {}))
    with app.app_context():
        started = time.perf_counter()
        report = close_contests(utcnow())
        returned = time.perf_counter() - started
        while db.session.execute(sa.select(sa.func.count(Mockup.id))).scalar_one() < expected_mockups():
            db.session.rollback()
            time.sleep(0.05)
            if time.perf_counter() - started > 600:
                sys.exit("mockups did not appear within 10 minutes")
        done = time.perf_counter() - started
    print(f"{mode} {len(report.promoted)} {returned:.3f} {done:.3f} {peak_mib():.0f}")


def start_redis(work: Path) -> tuple[str, subprocess.Popen]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        cwd=work,
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.3)
    return f"redis://127.0.0.1:{port}/0", server


def promotion(master_side: int) -> None:
    results = {}
    for mode in ("inline", "queue"):
        work = Path(tempfile.mkdtemp(prefix=f"atelier-promo-{mode}-"))
        processes: list[subprocess.Popen] = []
        try:
            seed_contest(work, master_side)
            redis_url = None
            env = {
                **os.environ,
                "ATELIER_DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
                "ATELIER_UPLOAD_ROOT": str(work / "uploads"),
            }
            if mode == "queue":
                redis_url, server = start_redis(work)
                processes.append(server)
                env["ATELIER_REDIS_URL"] = redis_url
                for _ in range(2):  # two workers, one per core
                    processes.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
                            cwd=ROOT,
                            env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                    )
                time.sleep(2)
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tests.benchmarks.bench_promotion",
                    "--child",
                    mode,
                    "--work",
                    str(work),
                ]
                + (["--redis", redis_url] if redis_url else []),
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-5:]
            results[mode] = out
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"\nPromotion of {WINNERS} winners x {len(TYPES)} product types, {expected_mockups()} mockups, "
        f"{master_side}x{master_side} print masters, SQLite:"
    )
    print(f"{'mode':<10}{'promoted':>10}{'tick returns':>14}{'all mockups':>13}{'peak MiB':>10}")
    for mode, (_name, promoted, returned, done, peak) in results.items():
        print(f"{mode:<10}{promoted:>10}{float(returned):>13.2f}s{float(done):>12.2f}s{peak:>10}")
    print("(queue: 2 RQ workers on a local Redis; the tick's process only enqueues)")


def catalogue(products: int) -> None:
    """2,000 products with a mockup each, then the shop's pages under load (gunicorn 2 workers, wrk)."""
    from flask_migrate import upgrade

    from contest.accounts.models import User
    from contest.catalogue.models import Mockup, Product
    from contest.core.clock import utcnow
    from contest.core.db import unit_of_work
    from contest.extensions import db
    from contest.storage.models import StoredFile
    from tests.benchmarks.bench_scoring import free_port, seed, wrk

    work = Path(tempfile.mkdtemp(prefix="atelier-shop-"))
    server = None
    try:
        app = make_app(work)
        with app.app_context():
            upgrade()
        # Designs in bulk (one per 5 products: a product is one design on one type).
        data = seed(app, products // 5 + 1, 1, 0)
        with app.app_context():
            contest_id = data["contest_id"]
            design_ids = list(range(data["first"], data["first"] + data["count"]))
            artists = (
                db.session.execute(sa.select(User.id).where(User.username.like("bench_artist%")))
                .scalars()
                .all()
            )
            now = utcnow()
            with unit_of_work():
                file = StoredFile(
                    backend="local",
                    key="mockups/bench.webp",
                    content_type="image/webp",
                    size=1,
                    width=1200,
                    height=1200,
                    visibility="public",
                    purpose="mockups",
                    created_at=now,
                )
                db.session.add(file)
                db.session.flush()
                words = ["owl", "cat", "fox", "moon", "wave", "leaf", "city", "robot"]
                db.session.execute(
                    sa.insert(Product),
                    [
                        {
                            "slug": f"product-{n}",
                            "design_id": design_ids[n // 5],
                            "contest_id": contest_id,
                            "artist_id": artists[n % len(artists)],
                            "type_code": TYPES[n % 5],
                            "title": f"{words[n % 8].title()} {n}",
                            "search_text": f"{words[n % 8]} {words[(n * 3) % 8]} artist{n % 50}",
                            "rank": 1 + n % 5,
                            "margin_bps": 8000,
                            "currency": "EUR",
                            "min_price": 1000 + n % 900,
                            "sales_count": n % 37,
                            "status": "active",
                            "retired_reason": "",
                            "created_at": now - timedelta(minutes=n),
                            "updated_at": now,
                        }
                        for n in range(products)
                    ],
                )
                ids = db.session.execute(sa.select(Product.id)).scalars().all()
                db.session.execute(
                    sa.insert(Mockup),
                    [{"product_id": i, "colour": "white", "position": 0, "file_id": file.id} for i in ids],
                )
        port = free_port()
        env = {
            **os.environ,
            "ATELIER_DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
            "ATELIER_UPLOAD_ROOT": str(work / "uploads"),
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import requests

        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.1)
        print(
            f"\nShop with {products:,} products (SQLite; gunicorn 2 sync workers; "
            "wrk -t2 -c16, 8 s each after warm-up):"
        )
        print(f"{'page':<40}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}")
        for label, path in (
            ("/shop (newest, page 1)", "/shop"),
            ("/shop?type=tshirt&sort=price_asc", "/shop?type=tshirt&sort=price_asc"),
            ("/shop?q=owl (full-text)", "/shop?q=owl&page=2"),
            ("/shop?sort=bestselling&page=40", "/shop?sort=bestselling&page=40"),
        ):
            rps, p50, p99 = wrk(f"http://127.0.0.1:{port}{path}")
            print(f"{label:<40}{rps:>8.0f}{p50:>9.1f}{p99:>9.1f}")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--work")
    parser.add_argument("--redis")
    parser.add_argument("--master-side", type=int, default=3000)
    parser.add_argument("--products", type=int, default=2000)
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.work), args.redis)
        return
    for tool in ("wrk", "redis-server"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed: apt-get install {tool}")
    promotion(args.master_side)
    catalogue(args.products)


if __name__ == "__main__":
    main()
