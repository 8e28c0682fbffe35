"""The long commands as jobs (`--queue [--wait]`), run here without a broker: each
prints its job id, records the work in the jobs table and does what the plain
command does."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from library.catalog import edits
from library.db.engine import Database
from library.files.writeback import changed_since_writeback
from library.ingest.pipeline import IngestOptions, IngestSession
from library.jobs import records
from tests.conftest import make_jpeg

ARTICLES = Path(__file__).parents[2] / "library" / "demo_data" / "articles"


def ingested(database: Database, tmp_path: Path, count: int = 3) -> list[int]:
    folder = tmp_path / "photos"
    for seed in range(count):
        make_jpeg(folder / f"p{seed}.jpg", seed=seed + 40)
    report = IngestSession(database, IngestOptions(workers=1)).run([folder])
    return sorted(o.asset_id for o in report.outcomes if o.asset_id)


def only_job(database: Database) -> dict[str, Any]:
    with database.session_scope(write=False) as session:
        (job,) = records.recent(session)
        return records.to_json(job)


def test_writeback_queue(run: Any, database: Database, tmp_path: Path) -> None:
    ids = ingested(database, tmp_path)
    with database.session_scope() as session:
        for asset_id in ids[:2]:
            edits.edit_asset(session, asset_id, {"credit": "Desk"}, "ana")
    result = run("writeback", "--all-changed", "--queue", "--user", "ana")
    assert result.exit_code == 0, result.stderr
    job = only_job(database)
    assert result.stdout.splitlines()[0] == str(job["id"])
    assert (job["kind"], job["state"], job["total"], job["done"]) == ("writeback", "done", 2, 2)
    assert job["started_by"] == "ana"
    with database.session_scope(write=False) as session:
        assert changed_since_writeback(session) == []


def test_rescan_and_reindex_queue(run: Any, database: Database, tmp_path: Path) -> None:
    ingested(database, tmp_path)
    rescan = run("dupes", "rescan", "--queue", "--wait")
    assert rescan.exit_code == 0, rescan.stderr
    assert "pairs: 0" in rescan.stdout and "1 done, 0 failed of 1" in rescan.stdout
    reindex = run("reindex", "--queue")
    assert reindex.exit_code == 0 and "photos: 3" in reindex.stdout
    with database.session_scope(write=False) as session:
        kinds = [(j.kind, j.state) for j in records.recent(session)]
    assert kinds == [("reindex", "done"), ("rescan", "done")]


def test_import_articles_queue(run: Any, database: Database) -> None:
    wxr, text = ARTICLES / "harbourcourier.wxr.xml", ARTICLES / "tag-from-the-archive.txt"
    result = run("import-articles", str(wxr), str(text), "--queue", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["kind"], data["state"], data["total"], data["done"]) == (
        "import-articles",
        "done",
        2,
        2,
    )
    assert data["result"]["articles_created"] > 0
    listed = json.loads(run("articles", "--json").stdout)
    assert len(listed) == data["result"]["articles_created"]


def test_a_broken_article_file_is_a_failure(run: Any, database: Database, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<rss><channel><item>")
    result = run("import-articles", str(broken), "--format", "wxr", "--queue")
    assert result.exit_code == 3
    job = only_job(database)
    assert (job["state"], job["failed"]) == ("done", 1)
    assert job["failures"][0]["item"] == str(broken) and job["failures"][0]["reason"]


def test_a_folder_of_articles_counts_each_file(
    run: Any, database: Database, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("harbourcourier.wxr.xml", "tag-from-the-archive.txt"):
        shutil.copy(ARTICLES / name, folder / name)
    (folder / "cut-off.xml").write_text("<rss><channel><item>")
    (folder / "notes.md").write_text("not an article file")
    result = run("import-articles", str(folder), "--queue", "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert (data["state"], data["total"], data["done"], data["failed"]) == ("done", 3, 2, 1)
    (failure,) = data["failures"]
    assert failure["item"] == str(folder / "cut-off.xml")
    assert failure["reason"] and not failure["reason"].startswith("cut-off.xml")
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = json.loads(run("import-articles", str(empty), "--queue", "--json").stdout)
    assert (nothing["state"], nothing["total"]) == ("done", 0)


def test_a_report_under_a_file_says_which_is_not_a_folder(
    run: Any, database: Database, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "sub" / "credits.csv"
    for queue in ((), ("--queue",)):
        result = run("report", "credits", "--format", "csv", "-o", str(target), *queue)
        assert result.exit_code != 0
        assert f"{target}: cannot write ({tmp_path / 'a-file'} is not a folder)" in (
            result.stderr + result.stdout
        )
    # The queued one ran here (no broker) and failed its job with the reason, as a
    # worker does; it was left running for ever.
    with database.session_scope(write=False) as session:
        (job, *_) = records.recent(session)
        assert (job.kind, job.state) == ("report", "failed")
        assert job.error and "is not a folder" in job.error


def test_report_queue(run: Any, database: Database, tmp_path: Path) -> None:
    run("import-articles", str(ARTICLES / "harbourcourier.wxr.xml"))
    reuse = tmp_path / "out" / "reuse.csv"
    result = run("report", "reuse", "--format", "csv", "-o", str(reuse), "--queue", "--wait")
    assert result.exit_code == 0, result.stderr
    here = tmp_path / "here.csv"
    assert run("report", "reuse", "--format", "csv", "-o", str(here)).exit_code == 0
    assert reuse.read_bytes() == here.read_bytes() and b"finding" in reuse.read_bytes()
    credits_file = tmp_path / "credits.csv"
    result = run("report", "credits", "-o", str(credits_file), "--queue")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.reader(credits_file.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][0] == "credit" and len(rows) > 1
    # -o means CSV, queued or not.
    credits_here = tmp_path / "credits-here.csv"
    assert run("report", "credits", "-o", str(credits_here)).exit_code == 0
    assert credits_here.read_bytes() == credits_file.read_bytes()
    with database.session_scope(write=False) as session:
        (newest, _) = records.recent(session)
        assert newest.result["output"] == str(credits_file.resolve())


@pytest.mark.parametrize(
    "args,message",
    [
        (("reindex", "--wait"), "--wait follows a job"),
        (("report", "credits", "--queue"), "give -o FILE"),
        (("report", "reuse", "-o", "x.csv", "--severity", "high", "--queue"), "--since only"),
        (("report", "credits", "--format", "table", "-o", "x.csv"), "use --format csv"),
        (("report", "credits", "--format", "table", "-o", "x.csv", "--queue"), "use --format csv"),
    ],
)
def test_queue_option_mistakes(
    run: Any, database: Database, args: tuple[str, ...], message: str
) -> None:
    result = run(*args)
    assert result.exit_code != 0 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broker_needs_postgresql(config: Any, database: Database) -> None:
    from click.testing import CliRunner

    from library.cli.main import cli

    if not config.is_sqlite:
        pytest.skip("the refusal is about SQLite")
    result = CliRunner().invoke(
        cli,
        ["--library", str(config.root), "--broker", "redis://127.0.0.1:9/0", "reindex", "--queue"],
    )
    assert result.exit_code != 0 and "PostgreSQL" in result.stderr


def test_a_job_the_broker_cannot_take_is_failed_with_the_reason(
    config: Any, database: Database, tmp_path: Path
) -> None:
    """Left queued, a job no worker will ever see would wait in `photodesk jobs` for
    ever; it fails with the broker's reason, and the command says so in one line."""
    from click.testing import CliRunner

    from library.cli.main import cli

    if config.is_sqlite:
        pytest.skip("a broker needs a PostgreSQL catalog")
    make_jpeg(tmp_path / "in" / "a.jpg", seed=3)
    closed = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
    base = ["--library", str(config.root), "--database-url", str(config.database_url)]
    result = CliRunner().invoke(
        cli, [*base, "--broker", closed, "ingest", str(tmp_path / "in"), "--queue"]
    )
    assert result.exit_code == 1
    assert "127.0.0.1:9/0: cannot queue the job" in result.stderr
    assert "Traceback" not in result.stderr
    # Nothing said it was on the workers first, and no job id for a script to follow.
    assert "workers" not in result.stderr and result.stdout == ""
    job = only_job(database)
    assert job["state"] == "failed" and "cannot queue the job" in job["error"]
    assert job["finished_at"] is not None


@pytest.mark.parametrize(
    ("closed", "wait"),
    [("redis://127.0.0.1:9/0", "0.5"), ("amqp://guest:secret@127.0.0.1:9//", "0")],
)
def test_a_worker_whose_broker_cannot_be_reached_says_so(
    config: Any, database: Database, closed: str, wait: str
) -> None:
    """Celery retries a broker for ever, so a mistyped host looked like a worker waiting
    for work; past --broker-wait the worker stops with one line naming the broker."""
    from click.testing import CliRunner

    from library.cli.main import cli

    if config.is_sqlite:
        pytest.skip("a worker needs a PostgreSQL catalog")
    base = ["--library", str(config.root), "--database-url", str(config.database_url)]
    result = CliRunner().invoke(
        cli, [*base, "--broker", closed, "worker", "--queues", "jobs", "--broker-wait", wait]
    )
    assert result.exit_code == 1, result.output
    last = result.stderr.strip().splitlines()[-1]
    shown = closed.replace(":secret", "")  # the password is never printed
    assert last.startswith(f"photodesk: error: {shown}: cannot reach the broker within {wait} s (")
    assert "secret" not in result.stderr and "Traceback" not in result.stderr
    assert "photodesk worker on" not in result.stderr  # never announced before it can work
    bogus = CliRunner().invoke(cli, [*base, "--broker", closed, "worker", "--queues", "bogus"])
    assert bogus.exit_code == 1
    assert bogus.stderr.strip() == (
        "photodesk: error: unknown queue 'bogus' (known: jobs, matcher)"
    )


def test_cancel_says_what_was_done_as_the_job_does(run: Any, database: Database) -> None:
    with database.session_scope() as session:
        job = records.create(session, "ingest", "ana", {})
        job.total, job.done, job.failed = 10, 3, 1
        job_id = job.id
    result = run("job", "cancel", str(job_id))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        f"job {job_id} cancelled (3 done, 1 failed of 10; the rest were dropped)"
    )
    shown = run("job", str(job_id)).stdout
    assert "cancelled" in shown and "3 done, 1 failed of 10" in shown
