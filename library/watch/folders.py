"""Drop folders turned into ingest jobs: what arrived, whether it is complete, what was queued.

``HotFolders.tick()`` is the whole cycle, called by the observer loop or by a
test: look at the files events named (and, at start and now and then, at every
file), queue those that settled as one ingest job, and record each queued file
with its size and modification time in the same transaction as the job. After
a restart a file recorded as it still is is not queued again, a file replaced
since is, and a file that was cataloged before the folder was watched (a known
path) is left alone: nothing is missed and nothing repeated.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from assets.imaging import looks_like_image
from library.db.engine import Database, chunked
from library.db.models import FINAL_JOB_STATES, AssetPath, Job, WatchedFile, utcnow
from library.errors import BrokerError, InvalidValueError
from library.ingest.pipeline import SIDECAR_SUFFIXES, discover
from library.jobs import plans, running
from library.jobs.tasks import INGEST_BATCH
from library.watch.settle import Settled, Settler

#: Seconds between full walks of the folders, a net under missed events (an inotify
#: queue that overflowed, a network mount that sends none).
FULL_SCAN_EVERY = 300.0
#: Seconds between tries to send jobs the broker could not take (it restarts, the
#: network is down): the watcher goes on noting arrivals meanwhile.
RESEND_EVERY = 15.0


@dataclass
class WatchOptions:
    """How the folders are watched; the command fills it from its options."""

    settle: float = 5.0
    piece_size: int = INGEST_BATCH
    workers: int = 0
    link: bool = False
    broker: str | None = None
    started_by: str = "watch"
    full_scan_every: float = FULL_SCAN_EVERY
    resend_every: float = RESEND_EVERY
    clock: Callable[[], float] = field(default=time.monotonic)
    #: Told, in one line, when a job could not be sent to the broker and will be again.
    warn: Callable[[str], None] = field(default=lambda message: None)


class HotFolders:
    """Some drop folders of one library, and the files in them not yet queued."""

    def __init__(
        self,
        database: Database,
        folders: Sequence[str | os.PathLike[str]],
        options: WatchOptions | None = None,
    ):
        self.database = database
        self.options = options or WatchOptions()
        self.folders = [os.path.abspath(os.fspath(f)) for f in folders]
        for folder in self.folders:
            if not os.path.isdir(folder):
                raise InvalidValueError(f"{folder}: not a folder")
        self.settler = Settler(self.options.settle, self.options.clock)
        self._lock = threading.Lock()
        self._noticed: set[str] = set()
        self._next_full_scan: float | None = None  # None: at the next tick
        #: Files known to be queued (or cataloged) as they are: not looked at again.
        self._done: dict[str, tuple[int, int]] = {}
        #: Jobs queued in the catalog that the broker has not taken yet, oldest first,
        #: and when to try again.
        self._unsent: list[int] = []
        self._resend_at = 0.0
        #: The job being run here (no broker) at this moment, if any.
        self.running: int | None = None

    # What the observer reports (from its own thread) --------------------------------

    def notice(self, path: str) -> None:
        """Something happened at ``path`` (a file, or a folder moved in): look at the next tick."""
        with self._lock:
            self._noticed.add(os.path.abspath(path))

    def scan_everything(self) -> None:
        with self._lock:
            self._next_full_scan = None

    # The cycle ----------------------------------------------------------------------

    def tick(self) -> list[int]:
        """Look at what may have changed and queue what settled; the ids of new jobs."""
        if self._unsent and self.options.clock() >= self._resend_at:
            for job_id in list(self._unsent):
                if not self._dispatch(job_id):
                    break
        self._look()
        ready = self.settler.settled()
        if not ready:
            return []
        for item in ready:
            self.settler.forget(item.path)
            self._done[item.path] = (item.size, item.mtime_ns)
        fresh = self._unseen(ready)
        if not fresh:
            return []
        job_id = self._queue(fresh)
        if self._unsent:  # the broker is away: in line behind the older ones
            self._unsent.append(job_id)
        else:
            self._dispatch(job_id)
        return [job_id]

    @property
    def looked(self) -> bool:
        """The first full look at the folders is over."""
        with self._lock:
            return self._next_full_scan is not None

    def waiting(self) -> int:
        """Files seen but not yet settled (a transfer in progress); an empty file that
        stayed empty for the settle time is not waited for."""
        return self.settler.unsettled()

    def resume(self) -> list[int]:
        """Jobs this library's hot folders queued and that never ended (the watcher
        stopped): run here again, or sent to the workers again; done pieces are skipped."""
        with self.database.session_scope(write=False) as session:
            unfinished = list(
                session.scalars(
                    select(Job.id)
                    .where(Job.kind == "ingest", Job.state.not_in(FINAL_JOB_STATES))
                    .where(Job.id.in_(select(WatchedFile.job_id)))
                    .order_by(Job.id)
                )
            )
        for job_id in unfinished:
            if self._unsent:
                self._unsent.append(job_id)
            else:
                self._dispatch(job_id)
        return unfinished

    @property
    def unsent(self) -> list[int]:
        """Jobs queued here that the broker has not taken yet."""
        return list(self._unsent)

    # The steps ----------------------------------------------------------------------

    def _look(self) -> None:
        with self._lock:
            noticed, self._noticed = self._noticed, set()
            now = self.options.clock()
            full = self._next_full_scan is None or now >= self._next_full_scan
            if full:
                self._next_full_scan = now + self.options.full_scan_every
        paths = set(noticed) | set(self.settler.paths())
        if full:
            paths |= {path for path, is_candidate in discover(self.folders) if is_candidate}
        for path in sorted(paths):
            try:
                info = os.stat(path)
            except OSError:  # gone (moved on, deleted) before it settled
                self.settler.forget(path)
                continue
            if stat.S_ISDIR(info.st_mode):  # a folder moved in whole
                for found, is_candidate in discover([path]):
                    if is_candidate:
                        self._observe(found)
                continue
            if stat.S_ISREG(info.st_mode) and self._wanted(path):
                self._observe(path, info)

    def _observe(self, path: str, info: os.stat_result | None = None) -> None:
        if info is None:
            try:
                info = os.stat(path)
            except OSError:
                return
        if not stat.S_ISREG(info.st_mode):
            return
        if self._done.get(path) == (info.st_size, info.st_mtime_ns):
            self.settler.forget(path)
            return
        self.settler.observe(path, info.st_size, info.st_mtime_ns)

    def _wanted(self, path: str) -> bool:
        """A photo inside a watched folder; not a sidecar, a hidden file or a partial
        transfer (rsync's .name.XXXXXX, a browser's .part: not photo names)."""
        name = Path(path)
        if name.name.startswith(".") or name.suffix.lower() in SIDECAR_SUFFIXES:
            return False
        if not looks_like_image(name):
            return False
        return any(path.startswith(folder.rstrip(os.sep) + os.sep) for folder in self.folders)

    def _unseen(self, ready: list[Settled]) -> list[Settled]:
        """Leave out files queued before as they are now, and photos cataloged from this
        path before the folder was watched (recorded now, so a later change counts)."""

        def check(session: Session) -> list[Settled]:
            paths = [item.path for item in ready]
            queued = {w.path: w for w in _watched(session, paths)}
            known = _known_paths(session, [p for p in paths if p not in queued])
            fresh: list[Settled] = []
            for item in ready:
                before = queued.get(item.path)
                if before is not None and (before.size, before.mtime_ns) == (
                    item.size,
                    item.mtime_ns,
                ):
                    continue
                if before is None and item.path in known:
                    session.add(WatchedFile(path=item.path, size=item.size, mtime_ns=item.mtime_ns))
                    continue
                fresh.append(item)
            return fresh

        return self.database.run_transaction(check, what="the hot folders")

    def _queue(self, files: list[Settled]) -> int:
        """One ingest job for the files, and each recorded as queued, in one transaction."""

        def queue(session: Session) -> int:
            job = plans.plan_ingest(
                session,
                [item.path for item in files],
                self.options.started_by,
                link=self.options.link,
                batch_size=self.options.piece_size,
            )
            job.params = {**(job.params or {}), "watch": self.folders}
            rows = {w.path: w for w in _watched(session, [item.path for item in files])}
            for item in files:
                row = rows.get(item.path)
                if row is None:
                    row = WatchedFile(path=item.path)
                    session.add(row)
                row.size, row.mtime_ns, row.job_id, row.queued_at = (
                    item.size,
                    item.mtime_ns,
                    job.id,
                    utcnow(),
                )
            session.flush()
            return job.id

        return self.database.run_transaction(queue, what="queuing hot folder files")

    def _dispatch(self, job_id: int) -> bool:
        """Run the job here, or send it to the workers; False when the broker could not
        take it, which is tried again every `resend_every` seconds (and by `resume` after
        a restart): a broker restarting does not stop the watcher."""
        # Left set when the run is interrupted: the watcher then says a job was cut short.
        self.running = None if self.options.broker else job_id
        try:
            # The observer's thread is running: decoding processes are not forked from here.
            running.dispatch(
                self.database,
                job_id,
                self.options.broker,
                workers=self.options.workers,
                start_method="forkserver",
                resend_later=True,
            )
        except BrokerError as exc:
            self.running = None
            if job_id not in self._unsent:
                self._unsent.append(job_id)
            self._resend_at = self.options.clock() + self.options.resend_every
            self.options.warn(
                f"{exc}; job {job_id} stays queued and is sent again in "
                f"{self.options.resend_every:g} s"
            )
            return False
        self.running = None
        if job_id in self._unsent:
            self._unsent.remove(job_id)
        return True


def _watched(session: Session, paths: Iterable[str]) -> list[WatchedFile]:
    found: list[WatchedFile] = []
    for chunk in chunked(paths):
        found.extend(session.scalars(select(WatchedFile).where(WatchedFile.path.in_(chunk))))
    return found


def _known_paths(session: Session, paths: Iterable[str]) -> set[str]:
    known: set[str] = set()
    for chunk in chunked(paths):
        known.update(session.scalars(select(AssetPath.path).where(AssetPath.path.in_(chunk))))
    return known
