"""The ingest pipeline: discover → digest → match → analyse → store, as named stages.

`IngestSession.run()` strings the stages together batch by batch. Digesting
and analysing run in worker processes; the catalog is written in one
transaction per batch, after the batch's files are safely in the store, so an
interrupted run leaves either a whole batch or none of it. A dry run swaps
the store stage for one that only counts.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path
from typing import Any, Literal, Protocol

from sqlalchemy.exc import IntegrityError

from assets.analysis import (
    DEFAULT_TIME_LIMIT,
    Analysis,
    FileDigest,
    analyze_file,
    digest_file,
    preload,
    read_file,
)
from assets.errors import AssetError
from assets.imaging import DEFAULT_MAX_PIXELS, looks_like_image
from library.catalog import photos as catalog
from library.catalog.store import Store, open_store
from library.db.engine import (
    INGEST_LOCK,
    NEAR_DUPLICATES_LOCK,
    Database,
    one_writer_at_a_time,
)
from library.errors import StoreError
from library.processes import die_with_parent

#: Extensions consumed together with an image rather than ingested themselves.
SIDECAR_SUFFIXES = frozenset({".xmp"})


@dataclass
class IngestOptions:
    """How a run behaves; the CLI and the web upload fill it from their own inputs."""

    workers: int = 0  # 0: one per core
    link: bool = False
    dry_run: bool = False
    batch_size: int = 16
    #: Small files (web-size photos of a few hundred KB) decode quickly, so a batch's
    #: fixed cost (its transaction, look-ups and group refresh) weighs more on each: a
    #: batch takes more of them, up to ``batch_grow`` times ``batch_size`` files, while
    #: its files add up to at most ``batch_bytes`` (16 camera photos weigh more). 0: off.
    batch_bytes: int = 12_000_000
    batch_grow: int = 4
    #: Batches whose files are being analysed while the oldest one is stored.
    in_flight: int = 3
    max_pixels: int = DEFAULT_MAX_PIXELS
    time_limit: float = DEFAULT_TIME_LIMIT
    #: Look each committed batch up for near-duplicates here; off when a matcher
    #: (the workers' single near-duplicate consumer) takes them from the backlog.
    match_near: bool = True
    #: Decode in a worker process even with one worker, so a decoder crash or hang
    #: costs the file, not the process (Celery tasks run in a process that must live).
    isolate: bool = False
    #: Called inside each batch's catalog transaction with its outcomes, so what a
    #: job counts commits or rolls back with the work it counts.
    on_batch: Callable[[Any, list[FileOutcome]], None] | None = None
    #: What to record as a file's known path instead of where it was read from
    #: (uploads are read from a temporary folder that is deleted afterwards).
    path_labels: dict[str, str] = field(default_factory=dict)
    #: How decoding processes are started: None forks (milliseconds). A threaded server
    #: passes "forkserver": forking a process whose other threads may hold a lock
    #: (a database pool's, a logging handler's) can leave the child stuck on it.
    start_method: str | None = None

    def label(self, path: str) -> str:
        return self.path_labels.get(path, path)

    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


OutcomeStatus = Literal["ingested", "already_present", "skipped", "failed"]


@dataclass
class FileOutcome:
    """What happened to one file."""

    path: str
    status: OutcomeStatus
    asset_id: int | None = None
    error: str | None = None
    same_pixels_as: int | None = None
    #: Problems that cost some metadata or a few rows of an ingested photo.
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    """The summary of a run, as printed and as returned to callers."""

    ingested: int = 0
    already_present: int = 0
    skipped: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    same_pixels: int = 0
    near_duplicates: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    outcomes: list[FileOutcome] = field(default_factory=list)
    #: Ingested photos with warnings: path, photo id (None in a dry run) and the warning.
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def add(self, outcome: FileOutcome) -> None:
        self.outcomes.append(outcome)
        if outcome.status == "ingested":
            self.ingested += 1
            self.warnings += [
                {"path": outcome.path, "asset_id": outcome.asset_id, "warning": warning}
                for warning in outcome.warnings
            ]
            if outcome.same_pixels_as is not None:
                self.same_pixels += 1
        elif outcome.status == "already_present":
            self.already_present += 1
        elif outcome.status == "skipped":
            self.skipped += 1
        else:
            self.failed.append({"path": outcome.path, "error": outcome.error or "failed"})

    def to_json(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested,
            "already_present": self.already_present,
            "skipped": self.skipped,
            "failed": self.failed,
            "warnings": self.warnings,
            "same_pixels": self.same_pixels,
            "near_duplicates": self.near_duplicates,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
        }

    def summary(self) -> str:
        verb = "would ingest" if self.dry_run else "ingested"
        parts = [
            f"{verb} {self.ingested}",
            f"{self.already_present} already present",
            f"{self.skipped} skipped",
            f"{len(self.failed)} failed",
        ]
        warned = len({w["path"] for w in self.warnings})
        if warned:
            parts.insert(1, f"{warned} with warnings")
        if self.same_pixels:
            parts.insert(1, f"{self.same_pixels} same pixels as a known photo")
        if self.near_duplicates:
            parts.insert(1, f"{self.near_duplicates} near-duplicate pairs found")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


class IngestObserver(Protocol):
    """Progress callbacks: the terminal shows a bar, tests record, the web collects."""

    def started(self, total: int) -> None: ...

    def advanced(self, outcome: FileOutcome) -> None: ...


class _NullObserver:
    def started(self, total: int) -> None:
        pass

    def advanced(self, outcome: FileOutcome) -> None:
        pass


# --- stages ---------------------------------------------------------------------------


def discover(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[str, bool]]:
    """Yield (path, is_candidate) for every file below the given paths.

    Directory symlinks are followed, but each real directory is walked once,
    so symlink loops end. Sidecars are not yielded: they are read with their image.
    """
    seen_dirs: set[tuple[int, int]] = set()
    for root in paths:
        root_text = os.fspath(root)
        if os.path.isdir(root_text):
            yield from _walk(root_text, seen_dirs)
        elif os.path.lexists(root_text):
            if Path(root_text).suffix.lower() not in SIDECAR_SUFFIXES:
                yield root_text, looks_like_image(Path(root_text))
        else:
            yield root_text, True  # reported as failed: no such file


def _walk(top: str, seen: set[tuple[int, int]]) -> Iterator[tuple[str, bool]]:
    try:
        stat = os.stat(top)
    except OSError:
        yield top, True
        return
    key = (stat.st_dev, stat.st_ino)
    if key in seen:
        return
    seen.add(key)
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        yield top, True  # unreadable folder → failed with its reason
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(entry.path, seen)
            continue
        suffix = Path(entry.name).suffix.lower()
        if suffix in SIDECAR_SUFFIXES or entry.name.startswith("."):
            continue
        yield entry.path, looks_like_image(Path(entry.name))


class IngestSession:
    """One ingest run over some paths into one library."""

    def __init__(
        self,
        database: Database,
        options: IngestOptions | None = None,
        observer: IngestObserver | None = None,
    ):
        self.database = database
        self.store = open_store(database)
        self.options = options or IngestOptions()
        self.observer: IngestObserver = observer or _NullObserver()
        self._pool: ProcessPoolExecutor | None = None
        self._index: Any = None
        self._regions: Any = None
        self._indexed: set[int] = set()
        self._near_found = 0
        self._full_pass = False

    # The run ------------------------------------------------------------------------

    def run(self, paths: Sequence[str | os.PathLike[str]]) -> IngestReport:
        report = IngestReport(dry_run=self.options.dry_run)
        started = time.perf_counter()
        if not self.options.dry_run:
            self.store.sweep_temporaries()
        # Known paths are kept absolute: a relative one means nothing from elsewhere.
        found = list(discover([os.path.abspath(os.fspath(p)) for p in paths]))
        self.observer.started(len(found))
        candidates: list[str] = []
        for path, is_candidate in found:
            if is_candidate:
                candidates.append(path)
            else:
                self._emit(report, FileOutcome(path, "skipped"))
        if not self.options.dry_run and candidates and self.options.match_near:
            from library.duplicates import pairs as dupes

            with self.database.session_scope(write=False) as session:
                self._full_pass = dupes.wants_full_pass(session, len(candidates))
        try:
            # Several batches in flight: the workers analyse the next ones while
            # this process writes the oldest to the store and the catalog.
            pending: deque[_Prepared] = deque()
            for batch in self.batches(candidates):
                pending.append(self.prepare(batch))
                if len(pending) > self.options.in_flight:
                    for outcome in self.finish(pending.popleft()):
                        self._emit(report, outcome)
            while pending:
                for outcome in self.finish(pending.popleft()):
                    self._emit(report, outcome)
        except BaseException:
            # Ctrl-C reaches the workers too; waiting for a broken pool can hang.
            self._close_pool(kill=True)
            raise
        finally:
            self._close_pool()
        self.find_duplicates(report)
        report.seconds = time.perf_counter() - started
        return report

    def find_duplicates(self, report: IngestReport) -> None:
        """The match stage for near-duplicates, for what the batches left to the end.

        Each batch's new photos were already looked up in the run's index right
        after they were committed (while the workers decoded the next batch);
        a bulk ingest that is a large share of the library gets one full pass here.
        """
        report.near_duplicates = self._near_found
        if self.options.dry_run or not self.options.match_near:
            return
        if not self._full_pass:
            report.near_duplicates += self.match_leftovers()
            return
        if not any(o.status == "ingested" for o in report.outcomes):
            return
        from library.duplicates import pairs as dupes

        def full_pass(session: Any) -> int:
            one_writer_at_a_time(session, NEAR_DUPLICATES_LOCK)
            return dupes.rescan(session)

        report.near_duplicates = self.database.run_transaction(full_pass, what="the full pass")

    def match_leftovers(self) -> int:
        """Match the photos an earlier run committed but never looked up (it was killed
        in between): a rerun leaves no photo unmatched."""
        from library.duplicates import backlog
        from library.duplicates import pairs as dupes

        def match(session: Any) -> int:
            one_writer_at_a_time(session, NEAR_DUPLICATES_LOCK)
            left = backlog.pending(session)
            if not left:
                return 0
            # Rare (only after a crash), so the index is read afresh: it then holds
            # every committed photo, whichever run committed it.
            found = dupes.update_pairs(session, left, self._lookup_index(session))
            backlog.mark_matched(session, left)
            return found

        return self.database.run_transaction(match, what="matching near-duplicates")

    def match_near_duplicates(self, new_ids: list[int]) -> None:
        """Look one committed batch up in the run's index (built on first use)."""
        if self._full_pass or not new_ids or not self.options.match_near:
            return
        from library.duplicates import backlog
        from library.duplicates import pairs as dupes

        def match(session: Any) -> int:
            one_writer_at_a_time(session, NEAR_DUPLICATES_LOCK)
            # A retried attempt must not add the batch to the index twice.
            if self._index is None:
                self._index = self._lookup_index(session)
            elif new_ids[0] not in self._indexed:
                self._index.add_assets(session, new_ids)
            self._indexed.update(new_ids)
            if self._regions is None:
                from library.duplicates.containment import RegionIndex

                self._regions = RegionIndex()
            found = dupes.update_pairs(session, new_ids, self._index, self._regions)
            backlog.mark_matched(session, new_ids)
            return found

        self._near_found += self.database.run_transaction(match, what="matching near-duplicates")

    def _lookup_index(self, session: Any) -> Any:
        """The library's saved index when it has one (opened in milliseconds), else every
        stored signal loaded from the catalog (about a minute at a million photos)."""
        from library.duplicates import pairs as dupes
        from library.duplicates.saved_index import SavedIndex

        return SavedIndex.open(session, self.database.config.root) or dupes.SignalIndex(session)

    def batches(self, paths: list[str]) -> Iterator[list[str]]:
        """The run's batches: ``batch_size`` files each, more while they are small.

        The last files go in plain batches: their catalog writes come after the
        decoding has ended, with one core idle, so they are kept short.
        """
        size = max(1, self.options.batch_size)
        most = size * max(1, self.options.batch_grow)
        grow_until = len(paths) - size * max(1, self.options.in_flight)
        start = 0
        while start < len(paths):
            end = min(start + size, len(paths))
            if self.options.batch_bytes and end < grow_until:
                total = sum(_file_size(p) for p in paths[start:end])
                while end < grow_until and end - start < most:
                    total += _file_size(paths[end])
                    if total > self.options.batch_bytes:
                        break
                    end += 1
            yield paths[start:end]
            start = end

    def prepare(self, batch: list[str]) -> _Prepared:
        """Digest and match a batch, and start analysing its new files in the workers."""
        # Hashing runs at disk speed, so it is done here: sent to the pool it would
        # queue behind the previous batch's decodes and stall the pipeline.
        digests = [digest_file(path) for path in batch]
        known = self.match(digests)
        new: list[str] = []
        seen_in_batch: set[str] = set()
        for d in digests:
            if d.sha256 and d.sha256 not in known and d.sha256 not in seen_in_batch:
                seen_in_batch.add(d.sha256)
                new.append(d.path)
        analyse: Callable[[str], Analysis]
        if self.options.dry_run:
            analyse = partial(
                analyze_file, max_pixels=self.options.max_pixels, time_limit=self.options.time_limit
            )
        else:
            analyse = partial(
                analyse_and_store,
                max_pixels=self.options.max_pixels,
                time_limit=self.options.time_limit,
                store_root=self.store.root,
                link=self.options.link,
            )
        return _Prepared(digests, known, new, analyse, self._submit(analyse, new))

    def finish(self, prepared: _Prepared) -> list[FileOutcome]:
        """Wait for a batch's analyses, then run the store stage (or its dry-run twin)."""
        results = self._collect(prepared.analyse, prepared.new, prepared.futures)
        analyses = {a.path: a for a in results}
        store = self.count_stage if self.options.dry_run else self.store_stage
        return store(prepared.digests, prepared.known, analyses)

    def match(self, digests: list[FileDigest]) -> dict[str, int]:
        """Which of these files are already cataloged (sha256 → asset id)."""
        shas = [d.sha256 for d in digests if d.sha256]
        if not shas:
            return {}
        with self.database.session_scope(write=False) as session:
            return catalog.existing_shas(session, shas)

    def store_stage(
        self, digests: list[FileDigest], known: dict[str, int], analyses: dict[str, Analysis]
    ) -> list[FileOutcome]:
        """Put new files in the store, then catalog the whole batch in one transaction."""
        written: list[str] = []
        ready: dict[str, tuple[Analysis, str, dict[str, str]]] = {}
        for analysis in analyses.values():
            if analysis.error:
                continue
            if isinstance(analysis, StoredAnalysis):  # the worker stored its files
                written += analysis.written
                ready[analysis.path] = (analysis, analysis.original, analysis.rendition_paths)
                continue
            original, renditions = self._store_files(analysis, written)
            ready[analysis.path] = (analysis, original, renditions)

        def write(session: Any) -> list[FileOutcome]:
            one_writer_at_a_time(session, INGEST_LOCK)
            outcomes = self._catalog_batch(session, digests, analyses, ready)
            if self.options.on_batch is not None:
                self.options.on_batch(session, outcomes)
            return outcomes

        try:
            try:
                outcomes = self.database.run_transaction(write, what="cataloging a batch")
            except IntegrityError:
                # Another writer cataloged the same file between our match and our
                # write; the second attempt re-matches inside the transaction.
                outcomes = self.database.run_transaction(write, what="cataloging a batch")
        except BaseException:
            self._discard_unreferenced(written)
            raise
        # After the commit, outside the try: nothing here may discard stored files.
        self.match_near_duplicates(
            [o.asset_id for o in outcomes if o.status == "ingested" and o.asset_id]
        )
        return outcomes

    def count_stage(
        self, digests: list[FileDigest], known: dict[str, int], analyses: dict[str, Analysis]
    ) -> list[FileOutcome]:
        """The dry-run replacement for store_stage: reports what would happen, writes nothing."""
        outcomes = []
        pending: set[str] = set()
        refused: dict[str, str] = {}
        for d in digests:
            if d.error or not d.sha256:
                outcomes.append(FileOutcome(d.path, "failed", error=d.error or "unreadable"))
            elif d.sha256 in known:
                outcomes.append(FileOutcome(d.path, "already_present", asset_id=known[d.sha256]))
            elif d.sha256 in pending:
                outcomes.append(FileOutcome(d.path, "already_present"))
            elif d.sha256 in refused:  # a copy of a file that failed above
                outcomes.append(FileOutcome(d.path, "failed", error=refused[d.sha256]))
            else:
                analysis = analyses[d.path]
                if analysis.error:
                    refused[d.sha256] = analysis.error
                    outcomes.append(FileOutcome(d.path, "failed", error=analysis.error))
                else:
                    pending.add(d.sha256)
                    outcomes.append(FileOutcome(d.path, "ingested", warnings=analysis.warnings))
        return outcomes

    # Helpers --------------------------------------------------------------------------

    def _catalog_batch(
        self,
        session: Any,
        digests: list[FileDigest],
        analyses: dict[str, Analysis],
        ready: dict[str, tuple[Analysis, str, dict[str, str]]],
    ) -> list[FileOutcome]:
        """Write one batch. Known paths are inserted in one global order, by (photo, path),
        and failures by path, so two writers whose batches overlap wait for each other
        instead of deadlocking. New photos keep the order they were found in (their ids
        follow the folder); two writers never insert them at once (the ingest lock)."""
        known = catalog.existing_shas(session, [d.sha256 for d in digests if d.sha256])
        digest_owner = _digest_owners(session, [a.content_digest for a, _, _ in ready.values()])
        slots: list[FileOutcome | None] = [None] * len(digests)
        failures: list[tuple[str, str, int | None, int]] = []
        fresh: list[int] = []
        refused: dict[str, str] = {}  # sha256 → why, for copies of a failed file
        for index, d in enumerate(digests):
            analysis = analyses.get(d.path)
            if d.error or not d.sha256:
                failures.append((d.path, d.error or "unreadable", None, index))
            elif d.sha256 in refused and d.sha256 not in known:
                failures.append((d.path, refused[d.sha256], d.size, index))
            elif d.sha256 in known or analysis is None:
                continue  # a known file, or a second copy of a file new in this batch
            elif analysis.error:
                refused[d.sha256] = analysis.error
                failures.append((d.path, analysis.error, d.size, index))
            else:
                fresh.append(index)
        for path, reason, size, index in sorted(failures):
            catalog.record_failure(session, path, reason, size)
            slots[index] = FileOutcome(path, "failed", error=reason)
        created: list[tuple[int, Analysis, Any]] = []
        for index in fresh:
            d = digests[index]
            analysis, original, renditions = ready[d.path]
            asset = catalog.new_asset(analysis, original, renditions, self.options.label(d.path))
            session.add(asset)
            created.append((index, analysis, asset))
        # One flush for the whole batch gives every new asset its id.
        session.flush()
        from library.duplicates import backlog

        backlog.add(session, [asset.id for _, _, asset in created])
        catalog.add_hashes(session, [(asset.id, analysis) for _, analysis, asset in created])
        if created:
            from library.catalog import search

            search.reindex_assets(session, [asset.id for _, _, asset in created])
        catalog.clear_failures(session, [digests[index].path for index, _, _ in created])
        for index, analysis, asset in created:
            known[digests[index].sha256 or ""] = asset.id
            twin = digest_owner.get(analysis.content_digest)
            if twin is None:
                digest_owner[analysis.content_digest] = asset.id
            slots[index] = FileOutcome(
                digests[index].path,
                "ingested",
                asset_id=asset.id,
                same_pixels_as=twin,
                # The file's own problems and what the catalog cut (keywords).
                warnings=[w.message for w in asset.warnings],
            )
        # Known files and copies of files new in this batch, now that every asset exists.
        copies = sorted(
            (known[d.sha256], catalog.display_path(self.options.label(d.path)), index)
            for index, d in enumerate(digests)
            if slots[index] is None and d.sha256
        )
        new_paths: list[int] = []
        for asset_id, label, index in copies:
            if catalog.record_path(session, asset_id, label):
                new_paths.append(asset_id)
            slots[index] = FileOutcome(digests[index].path, "already_present", asset_id=asset_id)
        # Same pixels and several paths are links too: their groups change with this batch.
        from library.duplicates import membership

        membership.refresh_groups(session, [a.id for _, _, a in created] + new_paths)
        return [outcome for outcome in slots if outcome is not None]

    def _store_files(self, analysis: Analysis, written: list[str]) -> tuple[str, dict[str, str]]:
        return store_files(self.store, analysis, written, self.options.link)

    def _discard_unreferenced(self, written: list[str]) -> None:
        for relative in written:
            self.store.remove(relative)

    def _emit(self, report: IngestReport, outcome: FileOutcome) -> None:
        report.add(outcome)
        self.observer.advanced(outcome)

    def _submit(self, function: Callable[[str], Any], items: list[str]) -> list[Future[Any]] | None:
        """Queue work in the pool; None means "run it here" (one worker, or nothing to do)."""
        if not items or (self.options.worker_count() == 1 and not self.options.isolate):
            return None
        with _signals_held():
            pool = self._get_pool()
            return [pool.submit(function, item) for item in items]

    def _collect(
        self, function: Callable[[str], Any], items: list[str], futures: list[Future[Any]] | None
    ) -> list[Any]:
        """Results of a never-raising per-file function, in order.

        A worker that dies (a decoder crash) or hangs breaks the whole pool.
        The first unfinished file is then retried alone in a fresh process and
        the rest go to a fresh pool, so only the guilty file is given up.
        """
        if futures is None:
            return [function(item) for item in items]
        results: list[Any] = []
        deadline = self.options.time_limit * 2 + 30
        for index, future in enumerate(futures):
            try:
                results.append(future.result(timeout=deadline))
            except (BrokenProcessPool, TimeoutError):
                self._close_pool(kill=True)
                results.append(self._isolated(function, items[index], deadline))
                rest = items[index + 1 :]
                results.extend(self._collect(function, rest, self._submit(function, rest)))
                break
        return results

    def _isolated(self, function: Callable[[str], Any], item: str, deadline: float) -> Any:
        with ProcessPoolExecutor(
            1,
            mp_context=_context(self.options.start_method),
            initializer=_quiet_worker,
            initargs=(os.getpid(),),
        ) as pool:
            with _signals_held():
                future = pool.submit(function, item)
            try:
                return future.result(timeout=deadline)
            except (BrokenProcessPool, TimeoutError) as exc:
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.kill()
                reason = (
                    "decoder crashed"
                    if isinstance(exc, BrokenProcessPool)
                    else "too slow to decode"
                )
                return Analysis(item, error=reason)

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            preload()  # before the fork, so the workers share it
            self._pool = ProcessPoolExecutor(
                self.options.worker_count(),
                mp_context=_context(self.options.start_method),
                initializer=_quiet_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _close_pool(self, kill: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kill:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        pool.shutdown(wait=not kill, cancel_futures=True)


def _file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # reported when it is read


def store_files(
    store: Store,
    analysis: Analysis,
    written: list[str],
    link: bool = False,
    data: bytes | None = None,
) -> tuple[str, dict[str, str]]:
    """Put an analysed file and its renditions in the store; the paths newly written are
    added to ``written`` (to remove if the batch is not cataloged).

    ``data``: the bytes that were analysed, stored as they are (a file rewritten
    meanwhile cannot land under another file's address); else the file is copied.
    """
    suffix = Path(analysis.path).suffix or f".{analysis.info.format if analysis.info else 'bin'}"
    original = store.original_path(analysis.sha256, suffix)
    if data is not None and not link:
        if not store.exists(original) and store.write_bytes(original, data):
            written.append(original)
    elif store.add_original(original, Path(analysis.path), link=link):
        written.append(original)
    renditions: dict[str, str] = {}
    for rendition in analysis.renditions:
        relative = store.rendition_path(analysis.sha256, rendition.kind)
        if store.write_bytes(relative, rendition.data):
            written.append(relative)
        renditions[rendition.kind] = relative
    return original, renditions


@dataclass
class StoredAnalysis(Analysis):
    """An analysis whose file and renditions the worker has already put in the store."""

    original: str = ""
    rendition_paths: dict[str, str] = field(default_factory=dict)
    #: What this worker wrote (files already there are not listed), so a batch that
    #: cannot be cataloged removes only its own files.
    written: list[str] = field(default_factory=list)


#: One store per root in each worker process, so its folder cache lasts the run.
_worker_stores: dict[Path, Store] = {}


def analyse_and_store(
    path: str, *, max_pixels: int, time_limit: float, store_root: Path, link: bool = False
) -> Analysis:
    """Analyse one file and write it and its renditions to the store; never raises.

    Runs in the decoding workers: the copies and folders of a small photo cost about
    as much as its catalog rows, and here they run on every core, not in the one
    process that writes the catalog. Files are content-addressed and written
    atomically, so a file two workers both write is whole either way.
    """
    try:
        data: bytes | None = read_file(path)
    except (AssetError, MemoryError):
        data = None  # analyze_file tries again and says why, in the same words
    analysis = analyze_file(path, max_pixels=max_pixels, time_limit=time_limit, data=data)
    if analysis.error:
        return analysis
    store = _worker_stores.get(store_root)
    if store is None:
        store = _worker_stores[store_root] = Store(store_root)
    written: list[str] = []
    try:
        original, renditions = store_files(store, analysis, written, link, data)
    except (StoreError, OSError):
        # The run's own process stores it again and stops with the store's error.
        for relative in written:
            store.remove(relative)
        return analysis
    values = {f.name: getattr(analysis, f.name) for f in fields(Analysis)}
    return StoredAnalysis(**values, original=original, rendition_paths=renditions, written=written)


@dataclass
class _Prepared:
    """A batch whose new files are being analysed in the workers."""

    digests: list[FileDigest]
    known: dict[str, int]
    new: list[str]
    analyse: Callable[[str], Analysis]
    futures: list[Future[Any]] | None


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C back while worker processes are forked.

    A KeyboardInterrupt raised inside os.fork()'s hooks is printed and then
    ignored by Python, and the run would go on as if nothing had happened.
    Held, it arrives as soon as the fork is done, in ordinary code. The workers
    inherit the mask and never see Ctrl-C; the pool is stopped by its owner.
    """
    import signal

    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _quiet_worker(owner: int) -> None:
    """Workers report problems as results; libtiff and libjpeg chatter on fd 2 would
    only scramble the progress bar."""
    import warnings

    die_with_parent(owner)
    warnings.simplefilter("ignore")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _context(method: str | None = None) -> Any:
    # fork starts workers in milliseconds; the workers never touch the database.
    methods = multiprocessing.get_all_start_methods()
    if method is None:
        return multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if method == "forkserver" and method in methods:
        context = multiprocessing.get_context("forkserver")
        # The server imports the decoders once; each worker forked from it has them.
        context.set_forkserver_preload(["library.ingest.pipeline"])
        return context
    return multiprocessing.get_context("spawn")


def _digest_owners(session: Any, digests: list[str]) -> dict[str, int]:
    from sqlalchemy import select

    from library.db.engine import chunked
    from library.db.models import Asset

    owners: dict[str, int] = {}
    for chunk in chunked(set(digests)):
        rows = session.execute(
            select(Asset.content_digest, Asset.id)
            .where(Asset.content_digest.in_(chunk))
            .order_by(Asset.id)
        )
        for digest, asset_id in rows:
            owners.setdefault(digest, asset_id)
    return owners
