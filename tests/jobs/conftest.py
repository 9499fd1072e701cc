"""A real Redis server (Debian's redis-server) on a free loopback port, and the app pointed at it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from redis import Redis

from contest.jobs.runner import reset_runner


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(client: Redis, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if client.ping():
                return True
        except redis.exceptions.ConnectionError:
            pass  # still starting
        time.sleep(0.02)
    return False


def _stop(url: str, pid_file: Path) -> None:
    """SHUTDOWN NOSAVE returns once Redis is going; it removes its pid file as it exits."""
    try:
        with Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5) as client:
            client.shutdown(nosave=True)
    except redis.exceptions.ConnectionError:
        pass  # not running
    deadline = time.monotonic() + 5
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    if pid_file.exists():  # stuck: do not leave it behind
        os.kill(int(pid_file.read_text()), signal.SIGKILL)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Starts redis-server for the session; fails (never skips) without it: CI installs Debian's package."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server); the job tests need it")
    work = tmp_path_factory.mktemp("redis")
    pid_file = work / "redis.pid"
    for _ in range(3):  # another process may take the free port before redis binds it
        port = _free_port()
        subprocess.run(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
            + ["--daemonize", "yes", "--pidfile", str(pid_file), "--dir", str(work)]
            + ["--logfile", str(work / "redis.log")],
            check=True,
        )
        url = f"redis://127.0.0.1:{port}/0"
        with Redis.from_url(url, socket_connect_timeout=1) as client:
            started = _wait_for(client, 5)
        if started:
            break
        _stop(url, pid_file)
    else:
        pytest.fail(f"redis-server did not start; see {work / 'redis.log'}")
    yield url
    _stop(url, pid_file)


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Redis]:
    """A client on the test Redis, emptied before and after the test."""
    with Redis.from_url(redis_url) as client:
        client.flushdb()
        yield client
        client.flushdb()


@pytest.fixture
def rq_app(app: Flask, redis_url: str, redis_client: Redis) -> Iterator[Flask]:
    """The session app switched to RQ for one test (retries without delay), then back to inline."""
    saved = {key: app.config.get(key) for key in ("REDIS_URL", "JOB_RETRY_INTERVALS")}
    reset_runner(app)
    app.config.update(REDIS_URL=redis_url, JOB_RETRY_INTERVALS=(0,))
    yield app
    reset_runner(app)
    app.config.update(saved)


@pytest.fixture
def inline_app(app: Flask) -> Iterator[Flask]:
    """The session app with the default (inline) runner, built afresh for the test."""
    reset_runner(app)
    yield app
    reset_runner(app)


@pytest.fixture
def keep_signals() -> Iterator[None]:
    """An in-process rq worker installs SIGINT/SIGTERM/SIGALRM handlers; put pytest's back afterwards.

    The job timeout uses SIGALRM and ``alarm(0)``, which would also cancel pytest-timeout's timer.
    """
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}
    timer = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    if timer[0] > 0:
        signal.setitimer(signal.ITIMER_REAL, max(timer[0] - (time.monotonic() - started), 0.001), timer[1])


@pytest.fixture
def run_worker(rq_app: Flask, redis_url: str, keep_signals: None) -> Callable[[], bool]:
    """Runs the project's worker in burst mode in this process, inside an app context, as the CLI does."""
    from contest.jobs.runner import connect
    from contest.jobs.worker import build_worker

    def run() -> bool:
        with connect(redis_url, timeout=None) as connection, rq_app.app_context():
            worker = build_worker(connection)
            # rq's remote-control channel (a pubsub thread) is of no use to a burst run, and its shutdown
            # races: it can cost a second and leave a thread that fails later, in another test.
            worker.subscribe = lambda: None  # type: ignore[method-assign]
            return worker.work(burst=True, with_scheduler=True, logging_level=None)

    return run
