"""Jobs run here (no broker): counts, failures, redelivery, poison items, cancelling."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from library.db.engine import Database
from library.db.models import Asset, JobBatch
from library.jobs import plans, records, running, tasks
from tests.conftest import make_jpeg


def folder_of(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "in"
    for seed in range(count):
        make_jpeg(folder / f"p{seed:02d}.jpg", seed=seed + 300)
    (folder / "zz-broken.jpg").write_bytes(b"not a photo")
    (folder / "notes.txt").write_text("skipped")
    return folder


def plan(database: Database, folder: Path, size: int = 4) -> int:
    with database.session_scope() as session:
        return plans.plan_ingest(session, [folder], "ana", batch_size=size).id


def job(database: Database, job_id: int) -> dict[str, object]:
    with database.session_scope(write=False) as session:
        return records.to_json(records.get(session, job_id))


def assets(database: Database) -> int:
    with database.session_scope(write=False) as session:
        return session.scalar(select(func.count(Asset.id))) or 0


def test_a_queued_ingest_runs_here_and_counts(
    run: object, database: Database, tmp_path: Path
) -> None:
    folder = folder_of(tmp_path, 6)
    result = run("ingest", str(folder), "--queue", "--json")  # type: ignore[operator]
    assert result.exit_code == 3  # one file failed
    data = json.loads(result.stdout)
    assert (data["state"], data["total"], data["done"], data["failed"]) == ("done", 7, 6, 1)
    assert data["failures"][0]["item"].endswith("zz-broken.jpg")
    assert data["result"] == {"skipped": 1, "ingested": 6, "already_present": 0}
    listed = json.loads(run("jobs", "--json").stdout)  # type: ignore[operator]
    assert [j["id"] for j in listed] == [data["id"]]
    shown = run("job", str(data["id"]))  # type: ignore[operator]
    assert "6 done, 1 failed of 7" in shown.stdout
    again = json.loads(run("ingest", str(folder), "--queue", "--json").stdout)  # type: ignore[operator]
    assert again["result"] == {"skipped": 1, "ingested": 0, "already_present": 6}


def test_a_redelivered_piece_adds_nothing(database: Database, tmp_path: Path) -> None:
    job_id = plan(database, folder_of(tmp_path, 6))
    for _ in range(2):  # the same message twice
        tasks.run_piece(database, job_id, 0, workers=1)
    counts = job(database, job_id)
    assert (counts["done"], counts["failed"]) == (4, 0)
    assert assets(database) == 4


def test_a_cut_short_piece_is_finished_file_by_file(database: Database, tmp_path: Path) -> None:
    job_id = plan(database, folder_of(tmp_path, 6))
    with database.session_scope() as session:  # a worker took it and died before committing
        records.batch(session, job_id, 0).deliveries = 1  # type: ignore[union-attr]
    tasks.run_piece(database, job_id, 0, workers=1)
    assert (job(database, job_id)["done"], assets(database)) == (4, 4)


def test_an_upload_finished_file_by_file_names_its_files_and_counts_them(
    database: Database, tmp_path: Path
) -> None:
    folder = folder_of(tmp_path, 3)
    paths = sorted(str(p) for p in folder.iterdir() if p.suffix == ".jpg")
    labels = {p: f"upload:ana:{Path(p).name}" for p in paths}
    with database.session_scope() as session:
        job_id = plans.plan_upload(session, folder, labels, [], "ana").id
        records.batch(session, job_id, 0).deliveries = 1  # type: ignore[union-attr]
    tasks.run_piece(database, job_id, 0, workers=1)
    data = job(database, job_id)
    assert (data["done"], data["failed"]) == (3, 1)
    assert data["result"]["ingested"] == 3  # type: ignore[index]
    # The folder is gone once the job ends: failures name the upload, as a whole piece does.
    assert data["failures"] == [
        {"item": "upload:ana:zz-broken.jpg", "reason": data["failures"][0]["reason"]}  # type: ignore[index]
    ]
    assert sorted(data["result"]["files"]) == sorted(labels.values())  # type: ignore[index]
    assert not folder.exists()


class _StopAfterFirstBatch:
    """Ctrl-C at a point the test picks: once the first batch is committed and reported."""

    def __init__(self) -> None:
        self.seen = 0

    def started(self, total: int) -> None:
        pass

    def advanced(self, outcome: object) -> None:
        self.seen += 1
        if self.seen == 16:  # the run's first batch (IngestOptions.batch_size)
            raise KeyboardInterrupt


def test_a_local_run_cut_short_goes_on_from_its_count(database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for seed in range(40):
        make_jpeg(folder / f"p{seed:02d}.jpg", seed=seed + 400)
    job_id = plan(database, folder, size=5)  # the first batch ends inside piece 3
    with contextlib.suppress(KeyboardInterrupt):
        tasks.ingest_here(database, job_id, workers=1, observer=_StopAfterFirstBatch())
    cut = job(database, job_id)
    assert (cut["state"], cut["done"], assets(database)) == ("running", 16, 16)
    tasks.ingest_here(database, job_id, workers=1)  # a restarted watcher resumes it
    data = job(database, job_id)
    assert (data["state"], data["done"], data["failed"], data["total"]) == ("done", 40, 0, 40)
    assert data["result"]["ingested"] == 40  # type: ignore[index]
    assert assets(database) == 40


def test_two_deliveries_of_one_piece_count_it_once(database: Database, tmp_path: Path) -> None:
    from library.ingest.pipeline import IngestOptions, IngestSession

    job_id = plan(database, folder_of(tmp_path, 6), size=4)
    with database.session_scope(write=False) as session:
        items = list(records.batch(session, job_id, 0).items)  # type: ignore[union-attr]
    # A redelivery (the first one looked lost) finished two files one by one ...
    tasks.run_piece(database, job_id, 1, workers=1)
    for position in (0, 1):
        with database.session_scope() as session:
            assert tasks._uncounted(session, job_id, 0, [position]) == [position]
            records.advance(session, job_id, done=1)
    # ... then the first delivery, still running, commits the whole piece: it counts
    # only what the other did not, in the transaction of its batch.
    places = {item: (0, position) for position, item in enumerate(items)}
    options = IngestOptions(
        workers=1,
        batch_size=len(items),
        on_batch=lambda session, outcomes: tasks._count_new(session, job_id, outcomes, places),
    )
    IngestSession(database, options).run(items)
    data = job(database, job_id)
    assert (data["state"], data["done"], data["failed"], data["total"]) == ("done", 6, 1, 7)
    # Piece 1's two photos and this batch's two: the other delivery's count carried none.
    assert data["result"]["ingested"] == 4  # type: ignore[index]
    assert assets(database) == 6
    tasks.run_piece(database, job_id, 0, workers=1)  # a third delivery finds it done
    assert (job(database, job_id)["done"], assets(database)) == (6, 6)


def test_a_file_that_kills_its_worker_twice_is_a_failure(
    database: Database, tmp_path: Path
) -> None:
    job_id = plan(database, folder_of(tmp_path, 6))
    with database.session_scope() as session:  # two deliveries died on the first file
        piece = records.batch(session, job_id, 0)
        assert piece is not None
        piece.deliveries, piece.position, piece.tries = 2, 0, 2
        first = piece.items[0]
    tasks.run_piece(database, job_id, 0, workers=1)
    data = job(database, job_id)
    assert (data["done"], data["failed"]) == (3, 1)
    assert data["failures"] == [{"item": first, "reason": tasks.POISON_REASON.format(tries=2)}]


def test_a_cancelled_job_drops_its_pieces(database: Database, tmp_path: Path) -> None:
    job_id = plan(database, folder_of(tmp_path, 6))
    tasks.run_piece(database, job_id, 0, workers=1)
    with database.session_scope() as session:
        records.cancel(session, job_id)
    running.dispatch(database, job_id, None, workers=1)
    data = job(database, job_id)
    assert (data["state"], data["done"]) == ("cancelled", 4)
    assert assets(database) == 4
    with database.session_scope(write=False) as session:
        states = session.scalars(select(JobBatch.state).order_by(JobBatch.number)).all()
    assert states[0] == "done"


def test_single_piece_jobs_run_here(database: Database, tmp_path: Path) -> None:
    folder = folder_of(tmp_path, 3)
    running.dispatch(database, plan(database, folder), None, workers=1)
    with database.session_scope() as session:
        rescan = plans.plan_single(session, "rescan", "ana", {}).id
        reindex = plans.plan_single(session, "reindex", "ana", {}).id
        report = plans.plan_single(
            session,
            "report",
            "ana",
            {"report": "reuse", "format": "csv", "output": str(tmp_path / "out" / "reuse.csv")},
        ).id
    for job_id in (rescan, reindex, report):
        running.dispatch(database, job_id, None)
        assert job(database, job_id)["state"] == "done"
    assert job(database, reindex)["result"] == {"photos": 3}
    assert (tmp_path / "out" / "reuse.csv").exists()


def test_a_broker_needs_postgresql(run: object, config: object, tmp_path: Path) -> None:
    if not config.is_sqlite:
        pytest.skip("the refusal is about SQLite catalogs")
    result = run(  # type: ignore[operator]
        "--broker", "redis://127.0.0.1:6379/0", "ingest", str(tmp_path), "--queue"
    )
    assert result.exit_code == 1
    assert "need a PostgreSQL catalog" in result.stderr
    assert result.stderr.strip().count("\n") == 0


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("foo://bar", "not a broker URL; use redis://"),
        ("redis://:secret@127.0.0.1:6379/99x", "a Redis database is a number"),
        ("redis://127.0.0.1:99999/0", "not a broker URL (Port out of range"),
    ],
)
def test_a_broker_url_that_cannot_work_is_refused_before_any_job(
    run: object, database: Database, tmp_path: Path, url: str, says: str
) -> None:
    make_jpeg(tmp_path / "in" / "one.jpg", seed=1)
    for args in (("ingest", str(tmp_path / "in"), "--queue"), ("worker", "--broker-wait", "0")):
        result = run("--broker", url, *args)  # type: ignore[operator]
        assert result.exit_code == 1
        assert says in result.stderr and "secret" not in result.stderr
        assert result.stderr.strip().count("\n") == 0
    with database.session_scope(write=False) as session:
        assert records.recent(session) == []


def test_verify_reports_photos_never_matched(database: Database, tmp_path: Path) -> None:
    from library.duplicates import backlog
    from library.files.verify import verify_library

    running.dispatch(database, plan(database, folder_of(tmp_path, 3)), None, workers=1)
    with database.session_scope() as session:  # as if the process died before the look-up
        backlog.add(session, [1, 2])
    found = [p for p in verify_library(database).problems if p.kind == "unmatched"]
    assert [p.asset_id for p in found] == [1, 2]
    repaired = verify_library(database, repair=True)
    assert all(p.repaired for p in repaired.problems if p.kind == "unmatched")
    with database.session_scope(write=False) as session:
        assert backlog.pending(session) == []
