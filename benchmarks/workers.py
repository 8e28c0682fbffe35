"""Workers: the same photos ingested in this process, then by 1 and by 2 Celery workers,
and the catalog's write ceiling with 1, 4 and 8 concurrent writers on PostgreSQL.

The photos are made from the camera JPEGs in ../shared/corpora/exif-samples, each
scaled to 1-2 megapixels (a little more each round over the sources, so no two are
byte-identical) and saved at quality 88 with its EXIF.

1. In process: ``IngestSession`` with one decoding process per core, as
   ``photodesk ingest`` runs it (near-duplicates looked up batch by batch).
2. On workers: ``photodesk worker`` processes on this machine, Redis as the broker,
   the catalog on PostgreSQL; the job is planned in pieces of 32 and sent, and the
   time runs until the job is done and the matcher has matched every new photo.
   The decoding processes are split so the machine's cores are used the same
   way: one worker decodes over every core, two workers over half each. Worker
   start-up is left out (a one-photo job warms them up first).
3. Write ceiling: the photos are analysed once beforehand; then N writer processes
   each store and catalog their share in batches of 16 (the ingest's batch), which is
   all a worker does after decoding. Each batch commits under the ingest advisory
   lock, so the batches of all writers go through one at a time: this is the limit
   that adding workers runs into.

Every run gets a fresh database (NAME_inproc, NAME_w1, NAME_w2, NAME_ceiling1, ...).

Usage:
    .venv/bin/python benchmarks/workers.py --database-url postgresql://postgres@127.0.0.1:5432/bench \
        [--count 500] [--broker redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from assets.analysis import analyze_file, digest_file  # noqa: E402
from library.config import LibraryConfig  # noqa: E402
from library.db.engine import Database, init_library, normalize_url, open_library  # noqa: E402
from library.db.models import Asset, NearDuplicateBacklog  # noqa: E402
from library.ingest.pipeline import IngestOptions, IngestSession  # noqa: E402
from library.jobs import broker, plans, records  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "exif-samples"
PIECE = 32
BATCH = 16
WRITERS = (1, 4, 8)


# --- the photos ---------------------------------------------------------------------------


def build_set(folder: Path, count: int) -> list[Path]:
    """1-2 MP camera JPEGs; reused between runs when already there."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("*.jpg"))
    if len(existing) >= count:
        return existing[:count]
    sources = sorted(
        p
        for p in CORPUS.rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg") and p.stat().st_size > 30_000
    )
    if not sources:
        sys.exit(f"no camera JPEGs under {CORPUS}: the benchmark needs ../shared/corpora")
    made: list[Path] = []
    index = 0
    while len(made) < count:
        source = sources[index % len(sources)]
        round_ = index // len(sources)
        index += 1
        try:
            with Image.open(source) as image:
                exif = image.info.get("exif", b"")
                picture = ImageOps.exif_transpose(image).convert("RGB")
        except OSError:
            continue
        megapixels = 1.0 + (index % 5) * 0.25 + round_ * 0.003
        scale = (megapixels * 1_000_000 / (picture.width * picture.height)) ** 0.5
        size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
        target = folder / f"{len(made):04d}-{source.stem}.jpg"
        picture.resize(size, Image.Resampling.LANCZOS).save(target, quality=88, exif=exif)
        made.append(target)
    return made


# --- databases --------------------------------------------------------------------------


def database_url(base: str, suffix: str) -> str:
    head, _, name = base.rpartition("/")
    return f"{head}/{name}_{suffix}"


def fresh_library(base: str, suffix: str, root: Path) -> Database:
    url = database_url(base, suffix)
    head, _, name = url.rpartition("/")
    admin = create_engine(normalize_url(f"{head}/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    shutil.rmtree(root, ignore_errors=True)
    return init_library(LibraryConfig(root, url))


def count_assets(database: Database) -> int:
    with database.session_scope(write=False) as session:
        return session.scalar(select(func.count(Asset.id))) or 0


# --- 1. in process ------------------------------------------------------------------------


def in_process(files: list[Path], base: str, scratch: Path) -> float:
    database = fresh_library(base, "inproc", scratch / "inproc")
    started = time.perf_counter()
    report = IngestSession(database, IngestOptions(workers=0)).run([str(f) for f in files])
    seconds = time.perf_counter() - started
    assert len(report.failed) == 0, report.failed[:3]
    assert count_assets(database) == len(files)
    database.dispose()
    return seconds


# --- 2. on workers ------------------------------------------------------------------------


def on_workers(
    files: list[Path], warm: Path, base: str, url: str, scratch: Path, count: int
) -> float:
    root = scratch / f"w{count}"
    database = fresh_library(base, f"w{count}", root)
    config = database.config
    cores = os.cpu_count() or 1
    concurrency = max(1, cores // count)
    processes = []
    for n in range(count):
        queues = "jobs,matcher" if n == 0 else "jobs"
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "library",
                    "--library",
                    str(root),
                    "--database-url",
                    config.url,
                    "--broker",
                    url,
                    "worker",
                    "--queues",
                    queues,
                    "--concurrency",
                    str(concurrency),
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=(scratch / f"worker-{count}-{n}.log").open("wb"),
                start_new_session=True,
            )
        )
    try:
        run_job(database, url, [str(warm)])  # the workers are up and warm
        started = time.perf_counter()
        run_job(database, url, [str(f) for f in files])
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=120)
    assert count_assets(database) == len(files) + 1
    database.dispose()
    return seconds


def run_job(database: Database, url: str, paths: list[str]) -> None:
    with database.session_scope() as session:
        job = plans.plan_ingest(session, paths, "bench", batch_size=PIECE)
        job_id = job.id
        numbers = records.batch_numbers(session, job_id)
    broker.send_pieces(url, database.config, job_id, numbers)
    deadline = time.monotonic() + 3600
    while True:
        with database.session_scope(write=False) as session:
            job = records.get(session, job_id)
            state, failed = job.state, job.failed
            backlog = session.scalar(select(func.count()).select_from(NearDuplicateBacklog)) or 0
        if records.is_final(state) and not backlog:
            break
        if time.monotonic() > deadline:
            sys.exit(f"job {job_id} did not end within an hour ({state})")
        time.sleep(0.05)
    if state != "done" or failed:
        sys.exit(f"job {job_id} ended {state} with {failed} failures")


# --- 3. the write ceiling -----------------------------------------------------------------


_PREPARED: list[tuple[Any, Any]] = []


def prepare(files: list[Path]) -> None:
    """Digest and analyse every photo once, as the workers' decoding processes would."""
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        digests = pool.map(digest_file, [str(f) for f in files])
        analyses = pool.map(analyze_file, [str(f) for f in files])
    _PREPARED[:] = list(zip(digests, analyses, strict=True))


def writer(config: LibraryConfig, share: list[int], start: Any, waited: Any) -> None:
    """Store and catalog a share of the analysed photos; ``waited`` adds up the seconds
    this writer spent waiting for the ingest lock."""
    from library.ingest import pipeline

    locking = pipeline.one_writer_at_a_time

    def timed(session: Any, name: str) -> None:
        began = time.perf_counter()
        locking(session, name)
        with waited.get_lock():
            waited.value += time.perf_counter() - began

    pipeline.one_writer_at_a_time = timed  # type: ignore[assignment]
    database = open_library(config)
    session = IngestSession(database, IngestOptions(workers=1, match_near=False))
    start.wait()
    for begin in range(0, len(share), BATCH):
        chosen = [_PREPARED[i] for i in share[begin : begin + BATCH]]
        digests = [d for d, _ in chosen]
        analyses = {a.path: a for _, a in chosen}
        session.store_stage(digests, session.match(digests), analyses)
    database.dispose()


def ceiling(files: list[Path], base: str, scratch: Path, writers: int) -> tuple[float, float]:
    """Seconds for all writers, and the share of the writers' time spent waiting for
    the ingest lock."""
    database = fresh_library(base, f"ceiling{writers}", scratch / f"ceiling{writers}")
    config = database.config
    database.dispose()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(writers + 1)
    waited = context.Value("d", 0.0)
    shares = [list(range(n, len(files), writers)) for n in range(writers)]
    processes = [context.Process(target=writer, args=(config, s, start, waited)) for s in shares]
    for process in processes:
        process.start()
    start.wait()
    started = time.perf_counter()
    for process in processes:
        process.join()
    seconds = time.perf_counter() - started
    assert all(p.exitcode == 0 for p in processes)
    database = open_library(config)
    assert count_assets(database) == len(files)
    database.dispose()
    return seconds, waited.value / (seconds * writers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", required=True, help="PostgreSQL; NAME_* databases are made"
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--folder", type=Path, help="Keep the generated photos here.")
    parser.add_argument("--only", choices=["ceiling"], help="Only the write ceiling.")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("--database-url must be PostgreSQL: the workers share it")
    with tempfile.TemporaryDirectory(prefix="photodesk-workers-") as tmp:
        scratch = Path(tmp)
        files = build_set(args.folder or scratch / "photos", args.count + 1)
        warm, files = files[-1], files[:-1]
        megapixels = [Image.open(f).width * Image.open(f).height / 1e6 for f in files]
        size = sum(f.stat().st_size for f in files)
        cores = os.cpu_count() or 1
        print(
            f"set: {len(files)} camera JPEGs, {min(megapixels):.1f}-{max(megapixels):.1f} MP, "
            f"{size / 1e6:.0f} MB; cores: {cores}; broker {broker.redact(args.broker)}"
        )
        results: list[tuple[str, float]] = []
        if args.only == "ceiling":
            prepare(files)
            ceiling_table(files, args.database_url, scratch)
            return
        seconds = in_process(files, args.database_url, scratch)
        results.append(("in process", seconds))
        for count in (1, 2):
            seconds = on_workers(files, warm, args.database_url, args.broker, scratch, count)
            results.append((f"{count} worker{'s' if count > 1 else ''}", seconds))
        base = results[0][1]
        print(f"{'way':<12} {'seconds':>8} {'photos/s':>9} {'vs in process':>14}")
        for name, secs in results:
            print(f"{name:<12} {secs:8.2f} {len(files) / secs:9.1f} {base / secs:13.2f}x")

        prepare(files)
        ceiling_table(files, args.database_url, scratch)


def ceiling_table(files: list[Path], base: str, scratch: Path) -> None:
    print(f"write ceiling: {len(files)} analysed photos stored and cataloged in batches of {BATCH}")
    print(f"{'writers':>7} {'seconds':>8} {'photos/s':>9} {'vs 1 writer':>12} {'lock wait':>10}")
    one = 0.0
    for writers in WRITERS:
        secs, waiting = ceiling(files, base, scratch, writers)
        one = one or secs
        print(
            f"{writers:>7} {secs:8.2f} {len(files) / secs:9.1f} {one / secs:11.2f}x {waiting:9.0%}"
        )


if __name__ == "__main__":
    main()
