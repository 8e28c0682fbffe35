"""`photodesk serve` as a real process: the exiftool it starts for downloads ends with it
(issue 15, item 11), whether the server is stopped or killed."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from library.config import LibraryConfig
from library.db.engine import Database
from library.files.exiftool import find_executable
from tests.webui.webutil import PASSWORD, add_user, create_asset

ROOT = Path(__file__).resolve().parents[2]
#: Generous: only a machine too busy to start Python in this time makes these fail.
DEADLINE = 60.0


def _has_exiftool() -> bool:
    try:
        find_executable()
    except Exception:
        return False
    return True


pytestmark = pytest.mark.skipif(not _has_exiftool(), reason="exiftool is not installed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that does not reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _exiftool_children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"exiftool" in command:
            found.append(int(entry.name))
    return found


def _wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.1)


@pytest.fixture
def server(
    config: LibraryConfig, database: Database
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    add_user(database, "ana", "viewer")
    create_asset(database, files=True, caption="Harbour")
    port = _free_port()
    command = [sys.executable, "-m", "library", "--library", str(config.root)]
    if config.database_url:
        command += ["--database-url", config.database_url]
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--threads", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def listening() -> bool:
        assert process.poll() is None, "the server exited"
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    try:
        _wait_until(listening, "the server to listen")
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def _download_starts_exiftool(process: subprocess.Popen[bytes], base: str) -> int:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    form = opener.open(f"{base}/login", timeout=DEADLINE).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    body = urllib.parse.urlencode(
        {"name": "ana", "password": PASSWORD, "csrf_token": token.group(1)}
    ).encode()
    opener.open(f"{base}/login", data=body, timeout=DEADLINE).read()
    with opener.open(f"{base}/photos/1/download?size=original", timeout=DEADLINE) as response:
        assert response.headers["X-Photodesk-Metadata"] == "written"
        response.read()
    children = _exiftool_children(process.pid)
    assert len(children) == 1
    return children[0]


def test_exiftool_ends_when_the_server_is_stopped(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, base = server
    child = _download_starts_exiftool(process, base)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=DEADLINE) == 0
    _wait_until(lambda: not _alive(child), "exiftool to end after SIGTERM")


def test_exiftool_dies_when_the_server_is_killed(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, base = server
    child = _download_starts_exiftool(process, base)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=DEADLINE) == -signal.SIGKILL
    _wait_until(lambda: not _alive(child), "exiftool to die with the killed server")
    assert not _alive(child)


def test_startup_objects_are_kept_out_of_full_collections() -> None:
    """`serve` freezes what the started gallery holds, so full collections skip it."""
    import gc

    from webui.server import freeze_startup_objects

    before = gc.get_freeze_count()
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_a_port_in_use_is_one_line(config: LibraryConfig, database: Database) -> None:
    """Another service has the port: said in one line, and the gallery is never announced."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "library", "--library", str(config.root)]
        if config.database_url:
            command += ["--database-url", config.database_url]
        done = subprocess.run(
            [*command, "serve", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
    assert done.returncode == 1
    assert done.stderr == (
        f"photodesk: error: cannot serve on 127.0.0.1:{port} (Address already in use)\n"
    )
