"""One long-lived exiftool process, driven through its ``-stay_open`` argument pipe.

Starting exiftool costs 0.15–0.2 s of Perl start-up here, which
would dominate an export of a few hundred photos; one process kept open and
fed commands through standard input costs that once.

The protocol (``man exiftool``, -stay_open): each argument goes on its own
line, ``-executeN`` runs the command and makes exiftool print ``{readyN}`` on
standard output. ``-echo4`` prints a marker with the exit status on standard
error after the command, so both pipes are read to a known end and never
fill up. Values are passed with ``-E``: exiftool then decodes HTML entities
in the values it writes, which is how newlines and leading spaces survive an
argument format that is one line per argument and trims whitespace.

exiftool does not notice that its standard input has closed, so a parent
that dies without closing it (SIGKILL, a crash) would leave it running
forever. On Linux the child therefore asks the kernel to kill it when its
parent goes (PR_SET_PDEATHSIG), as ingest's workers do; an orderly exit
closes it through `close_shared()` or atexit.
"""

from __future__ import annotations

import atexit
import html
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from library.errors import PhotodeskError

#: Seconds one command may take before the process is presumed hung and killed.
DEFAULT_TIMEOUT = 60.0

#: Overrides the executable found on PATH (for tests and unusual installs).
EXECUTABLE_ENV = "PHOTODESK_EXIFTOOL"

_STATUS = re.compile(rb"\{photodesk-done(\d+) (-?\d+)\}\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ExiftoolError(PhotodeskError):
    """exiftool is missing, stopped answering, or refused to read or write a file."""


@dataclass
class ExiftoolResult:
    """What one command printed, and its exit status."""

    stdout: str
    stderr: str
    status: int

    @property
    def errors(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("Error")]

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("Warning")]


def encode_value(value: str) -> str:
    """A tag value for a ``-E`` command: HTML-escaped, whitespace as character references.

    The argument file holds one argument per line and exiftool trims
    leading whitespace and one space after ``=``; character references
    carry newlines, tabs and leading spaces through unchanged. Other
    control characters cannot be stored in XMP (XML 1.0), so they are dropped.
    """
    text = html.escape(_CONTROL.sub("", value), quote=True)
    text = text.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")
    if text.startswith(" "):
        text = "&#32;" + text[1:]
    if text.endswith(" "):
        text = text[:-1] + "&#32;"
    return text


def find_executable(executable: str | None = None) -> str:
    """The exiftool to run; raises ExiftoolError with the install hint when there is none."""
    name = executable or os.environ.get(EXECUTABLE_ENV) or "exiftool"
    found = shutil.which(name)
    if found is None:
        raise ExiftoolError("exiftool not found: install libimage-exiftool-perl")
    return found


def _death_signal_hook() -> Callable[[], None] | None:
    """A pre-exec function that makes the child die with this process (Linux only).

    Everything it needs is looked up before the fork, so the child only makes
    one system call and compares a number. The kernel sends the signal when
    the *thread* that started the child ends; the threads that use exiftool
    (the CLI's main thread, waitress's workers) live as long as the process,
    and a process killed anyway is restarted by the next command.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def die_with_parent() -> None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return die_with_parent


class ExifTool:
    """A stay-open exiftool; thread-safe, restarted on the next command after a crash.

    Use as a context manager, or take the process-wide one from `shared()`.
    """

    def __init__(self, executable: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        self.executable = executable
        self.timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.RLock()
        self._counter = 0
        self._writable: frozenset[str] | None = None
        #: How many processes this wrapper has started (a restart makes it grow).
        self.starts = 0

    # Lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> ExifTool:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.running and self._process else None

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._discard()
            command = [
                find_executable(self.executable),
                "-stay_open",
                "True",
                "-@",
                "-",
                # Applied to every command: values in and out are UTF-8.
                "-common_args",
                "-charset",
                "utf8",
            ]
            try:
                self._process = subprocess.Popen(
                    command,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    bufsize=0,
                    preexec_fn=_death_signal_hook(),  # one system call; see the hook
                )
            except OSError as exc:
                raise ExiftoolError(f"cannot start exiftool ({exc.strerror or exc})") from None
            self.starts += 1

    def close(self) -> None:
        """Ask exiftool to finish, then make sure it has (killing it after a few seconds)."""
        with self._lock:
            process = self._process
            if process is None:
                return
            if process.poll() is None and process.stdin is not None:
                try:
                    process.stdin.write(b"-stay_open\nFalse\n")
                    process.stdin.flush()
                except OSError:
                    pass
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            self._discard()

    def _discard(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()

    # Commands ----------------------------------------------------------------------

    def execute(self, args: Sequence[str], timeout: float | None = None) -> ExiftoolResult:
        """Run one command; raises ExiftoolError if exiftool dies or exceeds the timeout.

        A process found dead before the command is sent (it crashed after the
        previous one) is restarted and the command sent once more.
        """
        for arg in args:
            if "\n" in arg or "\r" in arg:
                raise ValueError("exiftool arguments are one line each; encode values with -E")
        with self._lock:
            for attempt in (1, 2):
                self.start()
                self._counter += 1
                number = self._counter
                payload = [*args, "-echo4", f"{{photodesk-done{number} ${{status}}}}"]
                text = "".join(f"{arg}\n" for arg in payload) + f"-execute{number}\n"
                process = self._process
                assert process is not None and process.stdin is not None
                try:
                    process.stdin.write(text.encode("utf-8"))
                    process.stdin.flush()
                except (BrokenPipeError, OSError):
                    self._discard()
                    if attempt == 2:
                        raise ExiftoolError("exiftool stopped unexpectedly") from None
                    continue
                return self._collect(number, timeout or self.timeout)
        raise AssertionError("unreachable")

    def _collect(self, number: int, timeout: float) -> ExiftoolResult:
        process = self._process
        assert process is not None and process.stdout is not None and process.stderr is not None
        ready = f"{{ready{number}}}\n".encode()
        out = bytearray()
        err = bytearray()
        status: int | None = None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ, out)
            selector.register(process.stderr, selectors.EVENT_READ, err)
            while not (out.endswith(ready) and status is not None):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._discard()
                    raise ExiftoolError(f"exiftool did not answer within {timeout:.0f} s")
                events = selector.select(remaining)
                for key, _mask in events:
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        code = process.poll()
                        last = bytes(err).decode("utf-8", "replace").strip().splitlines()
                        self._discard()
                        detail = f": {last[-1]}" if last else ""
                        raise ExiftoolError(f"exiftool stopped unexpectedly (exit {code}){detail}")
                    key.data.extend(chunk)
                if status is None:
                    match = _STATUS.search(err)
                    if match and int(match.group(1)) == number:
                        status = int(match.group(2))
                        del err[match.start() : match.end()]
        stdout = bytes(out[: -len(ready)]).decode("utf-8", "replace")
        stderr = bytes(err).decode("utf-8", "replace")
        return ExiftoolResult(stdout, stderr, status)

    def read(self, paths: Iterable[str | os.PathLike[str]], *options: str) -> list[dict[str, Any]]:
        """``exiftool -j`` of the files, one dict per file (``-G1`` and tag names as options)."""
        names = [os.fspath(Path(p).absolute()) for p in paths]
        if not names:
            return []
        result = self.execute(["-j", *options, *names])
        if not result.stdout.strip():
            raise ExiftoolError(_first_error(result) or "exiftool read nothing")
        data = json.loads(result.stdout)
        return list(data) if isinstance(data, list) else []

    def write(
        self,
        path: str | os.PathLike[str],
        tags: Iterable[tuple[str, str | None]],
        extra: Sequence[str] = (),
    ) -> ExiftoolResult:
        """Change tags in the file at ``path``, in place.

        A value of None deletes the tag; a tag given several times becomes a
        list. exiftool writes a temporary file and renames it over ``path``
        only on success, so a refused write leaves the file as it was.
        (In place rather than ``-o NEW``: 12.57 cannot create WebP with ``-o``.)
        Raises ExiftoolError carrying exiftool's own error line.
        """
        args = ["-E", "-m", "-overwrite_original", *extra]
        for tag, value in tags:
            # "TAG-" with a value becomes "-TAG-=value": delete the tag only if it holds value.
            args.append(f"-{tag}=" if value is None else f"-{tag}={encode_value(value)}")
        target = os.fspath(Path(path).absolute())
        result = self.execute([*args, target])
        if result.errors or result.status != 0:
            message = _first_error(result) or f"exiftool failed (status {result.status})"
            # The caller names the photo; a temporary file's name would only confuse.
            raise ExiftoolError(message.replace(f" - {target}", ""))
        return result

    def create_xmp(
        self, path: str | os.PathLike[str], tags: Iterable[tuple[str, str | None]]
    ) -> ExiftoolResult:
        """Create the XMP sidecar ``path`` (which must not exist) holding only these tags.

        Deletions (None) mean nothing in a new file and are skipped.
        """
        args = ["-E", "-m"]
        args += [f"-{tag}={encode_value(value)}" for tag, value in tags if value is not None]
        args += ["-o", os.fspath(Path(path).absolute())]
        result = self.execute(args)
        if result.errors or not Path(path).exists():
            raise ExiftoolError(_first_error(result) or "exiftool wrote no sidecar")
        return result

    def writable_extensions(self) -> frozenset[str]:
        """File name endings exiftool can write in place, from its own ``-listwf``."""
        if self._writable is None:
            result = self.execute(["-listwf"])
            words = result.stdout.split(":", 1)[-1].split()
            self._writable = frozenset(f".{w.lower()}" for w in words)
        return self._writable


def _first_error(result: ExiftoolResult) -> str | None:
    lines = result.errors or [ln for ln in result.stderr.splitlines() if ln.strip()]
    if not lines:
        return None
    return "exiftool: " + lines[0].strip()


_shared: ExifTool | None = None
_shared_lock = threading.Lock()


def shared() -> ExifTool:
    """The process-wide exiftool, started on first use and closed when Python exits."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ExifTool()
            atexit.register(_shared.close)
        return _shared


def close_shared() -> None:
    """End the process-wide exiftool now (a server stopping); the next use starts another."""
    with _shared_lock:
        tool = _shared
    if tool is not None:
        tool.close()
