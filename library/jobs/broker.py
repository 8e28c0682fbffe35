"""Jobs on Celery workers: the app, its two tasks, sending pieces and running a worker.

Tasks acknowledge late (a piece whose worker dies is delivered again) and
carry only a job id and a piece number: the work is read from the catalog,
which must then be PostgreSQL, shared by every machine. A worker takes one
piece at a time and decodes its files in its own process pool.

Near-duplicates are matched on a queue of their own ("matcher"): run one
worker on it, and its index stays warm between pieces. Queue names carry the
catalog's name, so libraries can share a broker.
"""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from library.config import LibraryConfig
from library.db.engine import NEAR_DUPLICATES_LOCK, Database, one_writer_at_a_time
from library.errors import (
    BrokerError,
    DatabaseError,
    JobCancelledError,
    LibraryBusyError,
    PhotodeskError,
)

#: The queues a worker can take work from: job pieces, and near-duplicate matching.
QUEUES = ("jobs", "matcher")


def queue_name(config: LibraryConfig, queue: str) -> str:
    """The broker queue of one catalog: several libraries can share a broker, and a
    worker never takes a piece of a job in another catalog."""
    import hashlib
    from urllib.parse import urlsplit

    parts = urlsplit(config.url)
    where = f"{parts.hostname}:{parts.port}/{parts.path.strip('/')}"
    digest = hashlib.sha256(where.encode()).hexdigest()[:8]
    return f"photodesk.{parts.path.strip('/') or 'catalog'}.{digest}.{queue}"


#: Redis redelivers an unacknowledged piece after this many seconds (RabbitMQ at once,
#: when the worker's connection drops). Longer than any piece takes; pieces are
#: idempotent, so a redelivery of one still running costs time, not correctness.
VISIBILITY_TIMEOUT = int(os.environ.get("PHOTODESK_BROKER_VISIBILITY", "600"))

#: Retries of a piece that failed as a whole (the database gone for longer than the
#: transaction retries wait), before its job is marked failed.
PIECE_RETRIES = 5

#: The catalog a worker serves, set by run_worker.
_DATABASE: Database | None = None
_WORKERS = 0


def broker_url(explicit: str | None = None) -> str | None:
    """--broker, else PHOTODESK_BROKER_URL, else none (jobs run in this process)."""
    url = explicit or os.environ.get("PHOTODESK_BROKER_URL") or None
    return check_url(url) if url else None


#: The brokers photodesk's workers are run and tested with.
SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp")


def check_url(url: str) -> str:
    """The URL, when it names a broker photodesk can use; else BrokerError, before any
    job is recorded (kombu would only fail at the first connection, with a traceback)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        _ = parts.port  # a port out of range or not a number raises here
    except ValueError as exc:
        raise BrokerError(f"{redact(url)}: not a broker URL ({exc})") from None
    if parts.scheme not in SCHEMES:
        raise BrokerError(
            f"{redact(url)}: not a broker URL; use redis://HOST:6379/0 or "
            "amqp://USER:PASSWORD@HOST:5672//"
        )
    database = parts.path.strip("/")
    if parts.scheme.startswith("redis") and database and not database.isdigit():
        raise BrokerError(
            f"{redact(url)}: a Redis database is a number (redis://HOST:6379/0), not {database!r}"
        )
    return url


def require_shared_catalog(config: LibraryConfig) -> None:
    if config.is_sqlite:
        raise BrokerError(
            "jobs on workers need a PostgreSQL catalog (--database-url); "
            "an SQLite catalog is one machine's file"
        )


def make_app(url: str, config: LibraryConfig) -> Any:
    """The Celery app for a broker URL (redis:// or amqp://) and a catalog."""
    from celery import Celery

    jobs, matcher = queue_name(config, "jobs"), queue_name(config, "matcher")

    app = Celery("photodesk", broker=url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=jobs,
        task_routes={"photodesk.match": {"queue": matcher}},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_transport_options={
            "visibility_timeout": VISIBILITY_TIMEOUT,
            # kombu looks for Redis messages past their visibility only on every tenth
            # sweep, ten seconds apart: a killed worker's piece came back up to 100 s
            # late. Every sweep, at most a quarter of the visibility apart, is a small
            # sorted-set read.
            "unacked_restore_throttle": 1,
            "unacked_restore_interval": max(1, min(10, VISIBILITY_TIMEOUT // 4)),
        },
        task_publish_retry_policy={"max_retries": 5, "interval_start": 0.2, "interval_step": 0.5},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_heartbeat=0,  # a worker busy with a long piece still answers; see README
    )

    @app.task(name="photodesk.piece", bind=True, max_retries=PIECE_RETRIES)
    def piece(self: Any, job_id: int, number: int) -> None:
        run_piece_here(self, job_id, number)

    @app.task(name="photodesk.match")
    def match() -> None:
        match_backlog(_database())

    return app


def _database() -> Database:
    if _DATABASE is None:
        raise BrokerError("this process is not a photodesk worker")
    return _DATABASE


def run_piece_here(task: Any, job_id: int, number: int) -> None:
    from library.jobs import tasks

    database = _database()
    try:
        tasks.run_piece(
            database,
            job_id,
            number,
            workers=_WORKERS,
            after_commit=lambda: task.app.send_task(
                "photodesk.match", queue=queue_name(database.config, "matcher")
            ),
        )
    except JobCancelledError:
        return
    except Exception as exc:
        # Our own errors say what is wrong with the work itself (an output file that
        # cannot be written, a bad parameter): a retry would fail alike. The database
        # being away for longer than a transaction's own retries is worth waiting out.
        settled = isinstance(exc, PhotodeskError) and not isinstance(
            exc, (DatabaseError, LibraryBusyError)
        )
        if not settled and task.request.retries < PIECE_RETRIES:
            raise task.retry(exc=exc, countdown=min(60, 2 ** (task.request.retries + 1))) from None
        tasks.fail_piece(database, job_id, number, exc)


_MATCHER: Any = None


def match_backlog(database: Database) -> int:
    """Work the near-duplicate backlog off with this process's warm matcher."""
    global _MATCHER
    from library.duplicates import saved_index
    from library.duplicates.matcher import Matcher

    if _MATCHER is None:
        _MATCHER = Matcher(database.config.root)
    matcher = _MATCHER
    total = 0
    while True:

        def step(session: Any) -> int:
            one_writer_at_a_time(session, NEAR_DUPLICATES_LOCK)
            matched, _ = matcher.run(session)
            return int(matched)

        try:
            matched = database.run_transaction(step, what="matching near-duplicates")
        except BaseException:
            matcher.forget()
            raise
        total += matched
        if not matched:
            if total:
                # The matcher is where a team's photos are matched: it keeps the saved
                # signal index current, and builds it for a large enough library.
                saved_index.kept_current(database, build=True)
            return total


def send_pieces(url: str, config: LibraryConfig, job_id: int, numbers: Sequence[int]) -> None:
    """Queue a job's pieces; BrokerError when the broker cannot be reached."""
    app = make_app(url, config)
    queue = queue_name(config, "jobs")
    with _unreachable_is(url, "cannot queue the job"), app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=3, interval_start=0.2, interval_step=0.5)
        for number in numbers:
            app.send_task(
                "photodesk.piece", args=[job_id, number], queue=queue, connection=connection
            )


@contextmanager
def _unreachable_is(url: str, what: str) -> Iterator[None]:
    """A broker that cannot be reached becomes one BrokerError line naming it."""
    try:
        yield
    except OSError as exc:
        raise BrokerError(f"{redact(url)}: {what} ({exc})") from None
    except Exception as exc:  # kombu's OperationalError and friends
        if type(exc).__module__.startswith(("kombu", "amqp", "redis")):
            raise BrokerError(f"{redact(url)}: {what} ({exc})") from None
        raise


#: How long a starting worker waits for its broker, by default: long enough for a
#: machine whose broker starts beside it, short enough that a wrong URL is reported.
START_WAIT = 60.0


def run_worker(
    database: Database,
    url: str,
    queues: Sequence[str] = ("jobs", "matcher"),
    concurrency: int = 0,
    name: str | None = None,
    wait: float = START_WAIT,
    waiting: Callable[[], None] | None = None,
    ready: Callable[[], None] | None = None,
) -> None:
    """Serve pieces (and matching) until stopped; one piece at a time, decoded over
    ``concurrency`` processes (0: one per core).

    A broker that cannot be reached within ``wait`` seconds of the start is a
    BrokerError: Celery would retry for ever, and a mistyped host would look like
    a worker waiting for work. Once connected, a worker rides out broker restarts.
    ``waiting`` is called once if the broker does not answer at the first try,
    ``ready`` once the worker takes pieces: it is never announced before it can work.
    """
    global _DATABASE, _WORKERS
    require_shared_catalog(database.config)
    unknown = [q for q in queues if q not in QUEUES]
    if unknown:
        raise BrokerError(f"unknown queue {unknown[0]!r} (known: {', '.join(QUEUES)})")
    _DATABASE, _WORKERS = database, concurrency
    app = make_app(url, database.config)
    with (
        _unreachable_is(url, f"cannot reach the broker within {wait:g} s"),
        app.connection_for_write() as connection,
    ):
        # kombu reads a timeout of 0 as none at all: 0 is one try here.
        told: list[bool] = []

        def retrying(_exc: Exception, _interval: float) -> None:
            if waiting is not None and not told:
                told.append(True)
                waiting()

        connection.ensure_connection(
            errback=retrying,
            max_retries=None if wait > 0 else 0,
            interval_start=0.5,
            interval_step=1,
            interval_max=5,
            timeout=wait or None,
        )
    # Celery's own warning for root is seven lines at every start; the command line says
    # it in one (`root_warning`).
    warnings.filterwarnings("ignore", message="You're running the worker with superuser")
    worker = app.Worker(
        queues=[queue_name(database.config, q) for q in queues],
        pool="solo",
        concurrency=1,
        hostname=name or f"photodesk-{os.getpid()}@{socket.gethostname()}",
        loglevel="WARNING",
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
        quiet=True,
        # What the command prints after the worker stops goes to the terminal as it is,
        # not through Celery's logger.
        redirect_stdouts=False,
    )
    if "matcher" in queues:
        match_backlog(database)  # a restarted matcher catches up before anything else
    from celery import signals as celery_signals

    stopped_by: list[str] = []

    def shutting_down(sig: str = "", **_: Any) -> None:
        stopped_by.append(sig)

    def consuming(**_: Any) -> None:
        if ready is not None:
            ready()

    # Celery ends a worker stopped with Ctrl-C with status 1, as if it had failed.
    celery_signals.worker_shutting_down.connect(shutting_down, weak=False)
    # Announced once it takes pieces, when Ctrl-C and SIGTERM stop it as a worker: before
    # that (the matcher's catch-up, Celery's start) they end the command as any other.
    celery_signals.worker_ready.connect(consuming, weak=False)
    try:
        worker.start()
    finally:
        celery_signals.worker_shutting_down.disconnect(shutting_down)
        celery_signals.worker_ready.disconnect(consuming)
    if worker.exitcode and not (stopped_by and stopped_by[0] in ("SIGINT", "SIGTERM")):
        raise BrokerError(f"{redact(url)}: the worker stopped (exit status {worker.exitcode})")


def root_warning() -> str | None:
    """What to tell someone starting a worker as root, or None."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    return (
        "the worker runs as root: it needs no privileges, so run it as the user that owns "
        "the library folder"
    )


def redact(url: str) -> str:
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return url
