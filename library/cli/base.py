"""Shared parts of the command line: the root group, the library context, output helpers."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from library.config import DEFAULT_LIBRARY, LibraryConfig, resolve_config
from library.dates import parse_day
from library.db.engine import Database, open_library
from library.duplicates import saved_index
from library.errors import InvalidValueError, PhotodeskError

F = TypeVar("F", bound=Callable[..., Any])


#: Exit codes, documented in the README.
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_FAILED_FILES = 0, 1, 2, 3


class Context:
    """What every command needs: the resolved library, opened on demand."""

    def __init__(self, library: str | None, database_url: str | None, broker: str | None = None):
        self.config: LibraryConfig = resolve_config(library, database_url)
        from library.jobs.broker import check_url

        self.broker_url: str | None = check_url(broker) if broker else None
        self._database: Database | None = None

    def require_broker(self) -> str:
        if not self.broker_url:
            raise UserError("no broker: give --broker URL or set PHOTODESK_BROKER_URL")
        return self.broker_url

    def database(self, create: bool = False) -> Database:
        if self._database is None:
            new = create and self.config.is_sqlite and not self.config.sqlite_path.exists()
            self._database = open_library(self.config, create=create)
            if new:  # said, so that a mistyped --library is seen at once
                click.echo(f"new library at {self.config.root}", err=True)
        return self._database

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Any]:
        with self.database().session_scope(write=write) as session:
            yield session


pass_context: Callable[[Callable[..., Any]], Callable[..., Any]] = click.make_pass_decorator(
    Context
)


class UserError(click.ClickException):
    """A library error on its way to the terminal: one line, no traceback."""

    def show(self, file: Any = None) -> None:
        click.echo(f"photodesk: error: {self.format_message()}", err=True)


class PhotodeskGroup(click.Group):
    """Turns library exceptions into one-line messages at the edge, as beets' main() does."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PhotodeskError as exc:
            raise UserError(str(exc)) from None


class Interrupts:
    """Ctrl-C while a command runs raises KeyboardInterrupt as usual. Once the command
    has returned, one arriving later (at interpreter shutdown, where atexit handlers
    would swallow the exception and the process would exit 0) still ends it with 130,
    and so does one that something on the way swallowed: an interrupted run never
    reports success. Commands that Ctrl-C stops normally (serve, worker, watch) say so
    with `stops_on_interrupt()`."""

    def __init__(self) -> None:
        self.seen = False
        self.finished = False
        self.normal_stop = False
        self._leave: Callable[[], None] = lambda: None

    def install(self, leave: Callable[[], None]) -> None:
        import signal
        import threading

        self._leave = leave
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self.handle)
            self._unraisable = sys.unraisablehook
            sys.unraisablehook = self.unraisable

    def unraisable(self, info: Any) -> None:
        """A KeyboardInterrupt raised where Python cannot pass it on (a finaliser, a fork
        hook) is not printed; it is raised again in the main thread once this hook has
        returned (raised from inside the hook, Python would swallow it again)."""
        if isinstance(info.exc_value, KeyboardInterrupt):
            import _thread
            import signal
            import threading

            timer = threading.Timer(0.05, _thread.interrupt_main, (signal.SIGINT,))
            timer.daemon = True
            timer.start()
            return
        self._unraisable(info)

    def handle(self, signum: int, frame: object) -> None:
        if not self.normal_stop:
            self.seen = True
            if self.finished:
                self._leave()
        raise KeyboardInterrupt

    @contextmanager
    def stops_on_interrupt(self) -> Iterator[None]:
        self.normal_stop = True
        try:
            yield
        finally:
            self.normal_stop = False

    def finish(self) -> None:
        self.finished = True
        if self.seen:
            self._leave()


INTERRUPTS = Interrupts()


def leave_interrupted(how_to_finish: str) -> None:
    """Leave at once after Ctrl-C: every transaction is already rolled back, and a normal
    exit would wait at interpreter shutdown for the worker pool's manager thread."""
    click.echo(f"photodesk: interrupted; the library is consistent, {how_to_finish}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@click.group(
    cls=PhotodeskGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--library",
    "library",
    envvar="PHOTODESK_LIBRARY",
    metavar="PATH",
    help=f"Library folder (default: $PHOTODESK_LIBRARY or {DEFAULT_LIBRARY}).",
)
@click.option(
    "--database-url",
    envvar="PHOTODESK_DATABASE_URL",
    metavar="URL",
    help="Put the catalog on PostgreSQL, e.g. postgresql://user@host/db "
    "(default: SQLite inside the library folder).",
)
@click.option(
    "--broker",
    envvar="PHOTODESK_BROKER_URL",
    metavar="URL",
    help="Run jobs on Celery workers through this broker, e.g. redis://127.0.0.1:6379/0 "
    "or amqp://guest:guest@127.0.0.1:5672// (needs a PostgreSQL catalog; "
    "default: jobs run in this process).",
)
@click.version_option(package_name="photodesk")
@click.pass_context
def cli(
    ctx: click.Context, library: str | None, database_url: str | None, broker: str | None
) -> None:
    """photodesk: captions, credits and duplicates for a news photo desk.

    \b
    Example:
        photodesk --library ~/desk init
        photodesk --library ~/desk ingest ~/Pictures/assignments
    """
    ctx.obj = Context(library, database_url, broker)


def default_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers)
        return "cli"


def short(value: Any, width: int = 60) -> str:
    if value in (None, "", []):
        return "∅"
    text = ", ".join(value) if isinstance(value, list) else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return parse_day(value)
        except InvalidValueError as exc:
            self.fail(str(exc), param, ctx)


def formats_text(formats: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in sorted(formats.items())) or "none"


def size_text(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def redact(url: str) -> str:
    """Hide a password in a database URL."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url


def keep_index_current(ctx: Context, build: bool = False) -> None:
    """Keep a saved signal index current after photos changed (``build`` one for a large
    library); one that cannot be written only makes checks slower, so say so and go on."""
    saved_index.kept_current(
        ctx.database(),
        build=build,
        warn=lambda problem: click.echo(f"warning: {problem}", err=True),
    )
