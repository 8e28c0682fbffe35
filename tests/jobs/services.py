"""Real services for the worker tests: PostgreSQL, RabbitMQ, Redis, and a Redis of our own.

CI has every service (.ci/run starts them and sets PHOTODESK_REQUIRE_SERVICES),
so there a missing one fails the test; elsewhere it is skipped with its name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from library.config import LibraryConfig

ROOT = Path(__file__).resolve().parents[2]
RABBITMQ = os.environ.get("PHOTODESK_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
REDIS = os.environ.get("PHOTODESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def reachable(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 0), timeout=2):
            return True
    except OSError:
        return False


def need(condition: bool, what: str) -> None:
    if condition:
        return
    if os.environ.get("PHOTODESK_REQUIRE_SERVICES"):
        pytest.fail(f"{what} is required here (PHOTODESK_REQUIRE_SERVICES) but absent")
    pytest.skip(f"{what} is absent")


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.05)


def cli_args(config: LibraryConfig, broker: str) -> list[str]:
    assert config.database_url
    return [
        sys.executable,
        "-m",
        "library",
        "--library",
        str(config.root),
        "--database-url",
        config.database_url,
        "--broker",
        broker,
    ]


class Worker:
    """A `photodesk worker` in its own process group (its decoding pool dies with it)."""

    def __init__(self, config: LibraryConfig, broker: str, log: Path, *extra: str):
        env = {**os.environ, "PHOTODESK_BROKER_VISIBILITY": "5"}
        self.log = log
        self.process = subprocess.Popen(
            [*cli_args(config, broker), "worker", "--concurrency", "1", *extra],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def workers(config: LibraryConfig, broker: str, tmp: Path, count: int) -> Iterator[list[Worker]]:
    started = [Worker(config, broker, tmp / f"worker{n}.log") for n in range(count)]
    try:
        yield started
    finally:
        for worker in started:
            worker.stop()


def spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnRedis:
    """A redis-server of the test's own, on a spare port, keeping its data on disk
    (append-only file) so a stop and a start lose no queued message."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = spare_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: reachable(self.url), "redis-server to listen", 30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # a clean shutdown: the append-only file is complete
            self.process.wait(timeout=30)
        wait_until(lambda: not reachable(self.url), "redis-server to stop", 30)
