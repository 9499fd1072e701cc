"""Upload request latency: the design is stored and its processing queued (RQ on a real Redis).

Run: .venv/bin/python -m tests.benchmarks.bench_upload [--requests 40]
Prints p50/p95/p99 per file; the target is p99 <= 150 ms with the queue.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from PIL import Image, ImageChops

TARGET_P99_MS = 150.0


def sample_files() -> dict[str, bytes]:
    """A 4000x4000 PNG and a 6000x4000 JPEG with real picture content (shapes plus grain)."""
    from contest.demo.artwork import generate_artwork

    files = {}
    for name, size, fmt in (("4000x4000 PNG", (4000, 4000), "PNG"), ("6000x4000 JPEG", (6000, 4000), "JPEG")):
        art = generate_artwork(7, size, "sunset")
        grain = Image.effect_noise(size, 18).convert("RGB")
        art = ImageChops.add(art, grain, scale=1.0, offset=-32)
        buffer = io.BytesIO()
        art.save(buffer, fmt, **({"quality": 92} if fmt == "JPEG" else {"compress_level": 6}))
        files[name] = buffer.getvalue()
    return files


def start_redis(work: Path) -> tuple[str, Path]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    pid = work / "redis.pid"
    subprocess.run(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(pid),
            "--dir",
            str(work),
        ],
        check=True,
    )
    time.sleep(0.3)
    return f"redis://127.0.0.1:{port}/0", pid


def multipart(fields: dict[str, str], file_field: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="design"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    parts.append(data)
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()

    import os
    import re
    import sys

    import requests
    from flask_migrate import upgrade

    from config import DevelopmentConfig
    from contest import create_app
    from tests.factories import PASSWORD, make_contest, make_user

    work = Path(tempfile.mkdtemp(prefix="atelier-bench-"))
    redis_url, _pid = start_redis(work)
    env = {
        **os.environ,
        "ATELIER_DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
        "ATELIER_UPLOAD_ROOT": str(work / "uploads"),
        "ATELIER_REDIS_URL": redis_url,
        "ATELIER_REGISTER_RATE_LIMIT": "10000 per minute",
        "ATELIER_LOGIN_RATE_LIMIT": "10000 per minute",
        "ATELIER_SUBMIT_RATE_LIMIT": "10000 per minute",
    }
    server = None
    try:
        app = create_app(
            DevelopmentConfig,
            SQLALCHEMY_DATABASE_URI=env["ATELIER_DATABASE_URL"],
            UPLOAD_ROOT=env["ATELIER_UPLOAD_ROOT"],
            REDIS_URL=redis_url,
        )
        with app.app_context():
            upgrade()
            contest = make_contest("submissions", max_entries_per_artist=20, min_short_side=1800)
            slug, version = contest.slug, contest.licence_terms.version
            names = [make_user(f"bench{n}").username for n in range(2 * (args.requests // 20 + 1))]
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.1)
        files = sample_files()
        print(f"Upload request latency over HTTP (gunicorn, 2 workers), {args.requests} requests per file;")
        print("the file is stored and its processing queued on RQ (Redis); SQLite; local storage.")
        header = f"{'file':<16}{'size':>9}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}"
        print(f"{header}  target p99 <= {TARGET_P99_MS:.0f} ms")
        user_index = 0
        for label, data in files.items():
            timings = []
            for n in range(args.requests):
                if n % 20 == 0:
                    session = requests.Session()
                    page = session.get(f"{base}/login").text
                    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
                    session.post(
                        f"{base}/login",
                        data={"csrf_token": token, "login": names[user_index], "password": PASSWORD},
                        allow_redirects=False,
                    )
                    user_index += 1
                    page = session.get(f"{base}/contests/{slug}/submit").text
                    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
                body, content_type = multipart(
                    {
                        "csrf_token": token,
                        "title": f"Bench {n}",
                        "accept_licence": "y",
                        "declare_original": "y",
                        "licence_version": str(version),
                        "submission_key": uuid.uuid4().hex,
                    },
                    "image",
                    data,
                )
                started = time.perf_counter()
                response = session.post(
                    f"{base}/contests/{slug}/submit",
                    data=body,
                    allow_redirects=False,
                    headers={"Content-Type": content_type},
                    timeout=30,
                )
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 303, (response.status_code, response.text[:500])
            timings.sort()
            p99 = timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))]
            p95 = timings[round(0.95 * (len(timings) - 1))]
            verdict = "PASS" if p99 <= TARGET_P99_MS else "FAIL"
            print(
                f"{label:<16}{len(data) / 1_048_576:>7.1f}MB{statistics.median(timings):>7.1f}ms{p95:>7.1f}ms"
                f"{p99:>7.1f}ms{timings[-1]:>7.1f}ms  {verdict}"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        subprocess.run(["redis-cli", "-u", redis_url, "shutdown", "nosave"], check=False, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
