"""Scoring, gallery and ranking speed on a big contest, next to a bare Flask endpoint.

Run: .venv/bin/python -m tests.benchmarks.bench_scoring [--database-url URL] [--scores 1000000]
Needs wrk (Debian package) for the HTTP figures. Prints a table; no assertion, no timed test.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(app, designs: int, voters: int, scores: int) -> dict:  # noqa: ANN001 - Flask
    """A contest in voting with ``designs`` approved designs and ``scores`` scores, inserted in bulk."""
    from contest.accounts.models import User
    from contest.contests.services import advance_contests
    from contest.core.clock import utcnow
    from contest.core.db import unit_of_work
    from contest.designs.models import Design, DesignRendition
    from contest.extensions import db
    from contest.storage.models import StoredFile
    from contest.voting.models import Score
    from tests.factories import make_contest, make_user

    rng = random.Random(7)  # noqa: S311 - benchmark data
    old = utcnow() - timedelta(days=90)
    with app.app_context():
        voter = make_user("bench_voter", now=old)
        artists = [make_user(f"bench_artist{n}", now=old) for n in range(50)]
        contest = make_contest("submissions", title="Benchmark", max_entries_per_artist=20, min_scores=10)
        now = utcnow()
        with unit_of_work():
            files = [
                StoredFile(
                    backend="local",
                    key=f"renditions/bench-{w}.webp",
                    content_type="image/webp",
                    size=1,
                    width=w,
                    height=w,
                    visibility="public",
                    purpose="renditions",
                    created_at=now,
                )
                for w in (1200, 600, 300)
            ]
            db.session.add_all(files)
            db.session.flush()
            rows = [
                {
                    "contest_id": contest.id,
                    "artist_id": artists[n % 50].id,
                    "entry_slot": None,
                    "submission_key": f"bench-{n}",
                    "title": f"Design {n}",
                    "description": "",
                    "tags": [],
                    "status": "approved",
                    "width": 2000,
                    "height": 2000,
                    "licence_terms_id": contest.licence_terms_id,
                    "licence_accepted_at": now,
                    "originality_declared": True,
                    "moderation_note": "",
                    "takedown_notice": "",
                    "submitted_at": now,
                    "updated_at": now,
                }
                for n in range(designs)
            ]
            db.session.execute(sa.insert(Design), rows)
            ids = list(db.session.execute(sa.select(Design.id).filter_by(contest_id=contest.id)).scalars())
            db.session.execute(
                sa.insert(DesignRendition),
                [
                    {"design_id": i, "width": f.width, "height": f.height, "file_id": f.id}
                    for i in ids
                    for f in files
                ],
            )
            contest.submissions_close_at = now - timedelta(minutes=1)
            advance_contests(now)
        with unit_of_work():
            base = db.session.execute(sa.select(sa.func.max(User.id))).scalar_one()
            db.session.execute(
                sa.insert(User),
                [
                    {
                        "email": f"v{n}@bench.example",
                        "username": f"v{n}",
                        "username_key": f"v{n}",
                        "password_hash": "x",
                        "role": "member",
                        "display_name": "",
                        "bio": "",
                        "links": [],
                        "locale": "en",
                        "created_at": old,
                        "email_verified_at": old,
                        "active": True,
                    }
                    for n in range(voters)
                ],
            )
        voter_ids = list(range(base + 1, base + voters + 1))
        started = time.perf_counter()
        seen: set[tuple[int, int]] = set()
        batch: list[dict] = []
        with unit_of_work():
            while len(seen) < scores:
                pair = (rng.choice(voter_ids), rng.choice(ids))
                if pair in seen:
                    continue
                seen.add(pair)
                batch.append(
                    {
                        "contest_id": contest.id,
                        "voter_id": pair[0],
                        "design_id": pair[1],
                        "value": rng.randint(1, 5),
                        "buy": rng.random() < 0.1,
                        "cast_at": now,
                        "updated_at": now,
                        "ip_prefix": "",
                        "device_id": "",
                    }
                )
                if len(batch) == 50_000:
                    db.session.execute(sa.insert(Score), batch)
                    batch = []
            if batch:
                db.session.execute(sa.insert(Score), batch)
        # Per-design totals followed the inserts through the database triggers.
        print(
            f"seeded {designs:,} designs, {voters:,} voters, {scores:,} scores "
            f"in {time.perf_counter() - started:.0f} s"
        )
        return {
            "slug": contest.slug,
            "contest_id": contest.id,
            "first": min(ids),
            "count": len(ids),
            "voter": voter.username,
        }


def timed(fn, repeat: int = 5) -> tuple[float, object]:  # noqa: ANN001
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000, result


def wrk(url: str, script: Path | None = None, seconds: int = 8) -> tuple[float, float, float]:
    """Steady-state figures: a 2-second warm-up run (caches filled, connections opened) is discarded."""
    args = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url]
    if script:
        args[1:1] = ["-s", str(script)]
    warmup = [*args[:-3], "-d2s", url]
    subprocess.run([a for a in warmup if a != "--latency"], check=True, capture_output=True)
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout

    def ms(label: str) -> float:
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"  warning: {errors.group(1)} error responses for {url}")
    return rps, ms("50"), ms("99")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--designs", type=int, default=10_000)
    parser.add_argument("--voters", type=int, default=50_000)
    parser.add_argument("--scores", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    import requests
    from flask_migrate import upgrade

    from config import DevelopmentConfig
    from contest import create_app
    from tests.factories import PASSWORD

    work = Path(tempfile.mkdtemp(prefix="atelier-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    env = {
        **os.environ,
        "ATELIER_DATABASE_URL": url,
        "ATELIER_UPLOAD_ROOT": str(work / "uploads"),
        "ATELIER_SCORE_RATE_LIMIT": "1000000 per minute",
        "ATELIER_LOGIN_RATE_LIMIT": "1000 per minute",
    }
    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_ROOT=env["ATELIER_UPLOAD_ROOT"])
    servers = []
    try:
        with app.app_context():
            from contest.extensions import db

            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                    conn.execute(sa.text("CREATE SCHEMA public"))
            upgrade()
        data = seed(app, args.designs, args.voters, args.scores)
        with app.app_context():
            from contest.extensions import db

            # The steady state of a running site: statistics gathered, and the totals table compact. Loading a
            # million scores in one go updates the 10,000 totals rows a million times (one dead row each on
            # PostgreSQL); a site's totals change a few at a time and autovacuum keeps them small.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                if db.engine.dialect.name == "postgresql":
                    conn.execute(sa.text("VACUUM FULL design_tallies"))
                    conn.execute(sa.text("VACUUM ANALYZE"))
                else:
                    conn.execute(sa.text("ANALYZE"))
        with app.app_context():
            from contest.contests.models import Contest
            from contest.extensions import db
            from contest.voting import results
            from contest.voting.services import live_leaderboard

            contest = db.session.get(Contest, data["contest_id"])
            ranking_ms, ranked = timed(lambda: results.compute_ranking(contest), repeat=3)
            board_ms, _ = timed(lambda: live_leaderboard(contest.id, limit=20), repeat=20)
            dialect = db.engine.dialect.name
        ports = {"site": free_port(), "hello": free_port()}
        gunicorn = [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--threads", "1"]
        servers.append(
            subprocess.Popen(
                [*gunicorn, "--bind", f"127.0.0.1:{ports['site']}", "wsgi:app"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        servers.append(
            subprocess.Popen(
                [*gunicorn, "--bind", f"127.0.0.1:{ports['hello']}", "tests.benchmarks.hello_app:app"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        site, hello = (f"http://127.0.0.1:{ports[k]}" for k in ("site", "hello"))
        for base in (site, hello):
            for _ in range(200):
                try:
                    requests.get(base + ("/healthz" if base == site else "/hello"), timeout=5)
                    break
                except requests.RequestException:
                    time.sleep(0.1)
        session = requests.Session()
        page = session.get(f"{site}/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        session.post(
            f"{site}/login",
            data={"csrf_token": token, "login": data["voter"], "password": PASSWORD},
            allow_redirects=False,
        )
        page = session.get(f"{site}/designs/{data['first']}").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        script = work / "score.lua"
        script.write_text(f"""
counter = 0
request = function()
  counter = counter + 1
  local id = {data["first"]} + (counter * 7919) % {data["count"]}
  local body = "csrf_token={token}&buy_present=1&value=" .. (counter % 5 + 1)
  return wrk.format("POST", "/designs/" .. id .. "/score",
    {{["Content-Type"]="application/x-www-form-urlencoded", ["Cookie"]="{cookie}",
      ["Accept"]="application/json"}},
    body)
end
""")
        hello_rps, hello_p50, hello_p99 = wrk(f"{hello}/hello")
        score_rps, score_p50, score_p99 = wrk(site, script)
        gallery_rps, gallery_p50, gallery_p99 = wrk(f"{site}/contests/{data['slug']}/gallery?page=3")
        print(
            f"\nDatabase: {dialect}; gunicorn {args.workers} sync workers; "
            "wrk -t2 -c16, 8 s each after a 2 s warm-up"
        )
        print(f"{'endpoint':<28}{'req/s':>9}{'vs hello':>10}{'p50 ms':>9}{'p99 ms':>9}")
        for name, rps, p50, p99 in (
            ("bare Flask hello", hello_rps, hello_p50, hello_p99),
            ("score (session, validated)", score_rps, score_p50, score_p99),
            ("gallery, 10k designs", gallery_rps, gallery_p50, gallery_p99),
        ):
            print(f"{name:<28}{rps:>9.0f}{rps / hello_rps:>9.0%}{p50:>9.1f}{p99:>9.1f}")
        print(
            f"full ranking from {args.scores:,} scores over {len(ranked):,} designs: "
            f"{ranking_ms:.0f} ms (best of 3)"
        )
        print(f"live leaderboard (top 20 from maintained totals): {board_ms:.2f} ms (best of 20)")
        print(
            "targets: score >= 45% of hello (SQLite) / 33% (PostgreSQL), p99 <= 25 / 35 ms; gallery >= 40%, "
            "p99 <= 25 ms; ranking <= 150 / 200 ms; leaderboard <= 5 ms"
        )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
