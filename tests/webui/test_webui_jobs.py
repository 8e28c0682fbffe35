"""Jobs in the gallery: an upload answers before its ingest runs, /api/jobs/ID follows it,
write-back and rescans start as jobs, and the admin's jobs page lists and cancels them."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from library.catalog import edits
from library.config import LibraryConfig
from library.db.engine import Database
from library.jobs import records, running
from tests.webui.webutil import (
    app_fixture,  # noqa: F401
    client_fixture,  # noqa: F401
    create_asset,
    finished_job,
    jpeg,
    post,
    signed_in,
)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Jobs on the gallery's thread wait for the test to open the gate, so the test sees
    them before they run (the real job code runs once it is open)."""
    opened = threading.Event()
    real = running._run_logged

    def held(database: Database, job_id: int, workers: int) -> None:
        assert opened.wait(60), "the test never opened the gate"
        real(database, job_id, workers)

    monkeypatch.setattr(running, "_run_logged", held)
    yield opened
    opened.set()


def upload(client: FlaskClient, *files: tuple[bytes, str]) -> Any:
    return post(
        client,
        "/upload",
        {"files": [(io.BytesIO(data), name) for data, name in files]},
        content_type="multipart/form-data",
    )


def job_id_of(location: str) -> int:
    return int(location.split("?")[0].rsplit("/", 1)[-1])


def test_an_upload_answers_before_its_ingest_runs(
    client: FlaskClient, database: Database, config: LibraryConfig, gate: threading.Event
) -> None:
    signed_in(client, database, "editor")
    response = upload(client, (jpeg(1), "one.jpg"), (jpeg(2), "two.jpg"), (b"no", "x.gif"))
    assert response.status_code == 303
    job_id = job_id_of(response.headers["Location"])
    waiting = client.get(f"/api/jobs/{job_id}").json
    assert (waiting["state"], waiting["total"], waiting["done"], waiting["failed"]) == (
        "queued",
        2,
        0,
        0,
    )
    assert waiting["kind"] == "upload" and waiting["started_by"] == "editor"
    assert waiting["started_at"] is None and waiting["created_at"]
    page = client.get(response.headers["Location"]).text
    assert "data-job-progress" in page and f'data-url="/api/jobs/{job_id}"' in page
    assert 'value="0"' in page and "Results" not in page
    assert client.get("/api/photos").json["photos"] == []
    gate.set()
    done = finished_job(client, response.headers["Location"])
    assert (done["state"], done["done"], done["failed"]) == ("done", 2, 0)
    assert done["started_at"] and done["finished_at"] and done["failures"] == []
    page = client.get(response.headers["Location"]).text
    assert 'value="2"' in page and "Results" in page
    assert page.count('badge ok">added<') == 2 and "refused" in page
    assert len(client.get("/api/photos").json["photos"]) == 2
    assert list((config.root / "uploads").iterdir()) == []


def test_a_file_that_cannot_be_read_is_a_failure_with_its_reason(
    client: FlaskClient, database: Database
) -> None:
    signed_in(client, database, "editor")
    broken = jpeg(3)[:200]  # a JPEG by its first bytes, cut off in its headers
    response = upload(client, (jpeg(4), "fine.jpg"), (broken, "broken.jpg"))
    data = finished_job(client, response.headers["Location"])
    assert (data["state"], data["done"], data["failed"], data["total"]) == ("done", 1, 1, 2)
    (failure,) = data["failures"]
    assert failure["item"] == "upload:editor:broken.jpg" and failure["reason"]
    page = client.get(response.headers["Location"]).text
    assert "broken.jpg" in page and "failed" in page and failure["reason"] in page


def test_a_gallery_that_stops_fails_its_jobs_and_says_what_to_send_again(
    client: FlaskClient, database: Database, config: LibraryConfig, gate: threading.Event
) -> None:
    signed_in(client, database, "admin")
    first = job_id_of(upload(client, (jpeg(7), "one.jpg")).headers["Location"])
    second = job_id_of(upload(client, (jpeg(8), "two.jpg")).headers["Location"])
    with database.session_scope() as session:
        rescan = records.create(session, "rescan", "admin", {}, [["rescan"]]).id
    running.dispatch_in_background(database, rescan, None)
    running.abandon_background("the gallery stopped")  # the first waits at the gate
    gate.set()
    assert running.wait_for_background(60)
    for job_id in (first, second):
        data = client.get(f"/api/jobs/{job_id}").json
        assert (data["state"], data["done"]) == ("failed", 0)
        assert data["error"] == (
            "the gallery stopped; the files it had not reached were not kept: send those again"
        )
    assert client.get(f"/api/jobs/{rescan}").json["error"] == "the gallery stopped; start it again"
    assert list((config.root / "uploads").iterdir()) == []
    assert client.get("/api/photos").json["photos"] == []


def test_cancelling_an_upload_before_it_runs(
    client: FlaskClient, database: Database, config: LibraryConfig, gate: threading.Event
) -> None:
    signed_in(client, database, "admin")
    response = upload(client, (jpeg(5), "late.jpg"))
    job_id = job_id_of(response.headers["Location"])
    cancelled = post(client, f"/jobs/{job_id}/cancel")
    assert cancelled.status_code == 303 and cancelled.headers["Location"] == f"/jobs/{job_id}"
    gate.set()
    data = finished_job(client, f"/jobs/{job_id}")
    assert (data["state"], data["done"]) == ("cancelled", 0)
    assert client.get("/api/photos").json["photos"] == []
    assert list((config.root / "uploads").iterdir()) == []
    again = post(client, f"/jobs/{job_id}/cancel")
    assert "already cancelled" in client.get(again.headers["Location"]).text


def test_only_the_starter_or_an_admin_cancels(client: FlaskClient, database: Database) -> None:
    with database.session_scope() as session:
        theirs = records.create(session, "rescan", "bob", {}, [["rescan"]]).id
        mine = records.create(session, "rescan", "ana", {}, [["rescan"]]).id
    signed_in(client, database, "editor", "ana")
    assert post(client, f"/jobs/{theirs}/cancel").status_code == 403
    # A colleague's job is theirs to follow: its page, its JSON and its files are not shown.
    assert client.get(f"/jobs/{theirs}").status_code == 403
    assert client.get(f"/api/jobs/{theirs}").status_code == 403
    assert "Cancel the job" in client.get(f"/jobs/{mine}").text
    assert post(client, f"/jobs/{mine}/cancel").status_code == 303
    with database.session_scope() as session:
        assert records.get(session, mine).state == "cancelled"
        assert records.get(session, theirs).state == "queued"


def test_write_back_of_a_selection_runs_as_a_job(client: FlaskClient, database: Database) -> None:
    from library.files.writeback import changed_since_writeback

    first, second = (create_asset(database, files=True) for _ in range(2))
    with database.session_scope() as session:
        edits.edit_asset(session, first, {"caption": "Ferry at dawn"}, "ana")
        assert changed_since_writeback(session) == [first]
    signed_in(client, database, "editor")
    bulk = post(client, "/bulk", {"ids": [str(first), str(second)]}).text
    assert 'action="/jobs/writeback"' in bulk and "Write back 2 files" in bulk
    response = post(client, "/jobs/writeback", {"ids": [str(first), str(second)]})
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
    data = finished_job(client, response.headers["Location"])
    assert (data["kind"], data["state"], data["total"], data["done"]) == ("writeback", "done", 2, 2)
    with database.session_scope() as session:
        assert changed_since_writeback(session) == []
    page = client.get(response.headers["Location"]).text
    assert "Write-back" in page and 'value="2"' in page


def test_write_back_of_everything_edited_is_for_admins(
    client: FlaskClient, database: Database
) -> None:
    signed_in(client, database, "editor")
    assert post(client, "/jobs/writeback", {"all_changed": "1"}).status_code == 403
    nothing = post(client, "/jobs/writeback", {})
    assert nothing.status_code == 400 and "Select the photos to write back." in nothing.text
    assert "--all-changed" not in nothing.text


def test_a_write_back_with_nothing_edited_starts_no_job(
    client: FlaskClient, database: Database
) -> None:
    create_asset(database, files=True)
    signed_in(client, database, "admin")
    answer = post(client, "/jobs/writeback", {"all_changed": "1"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/jobs"
    assert "nothing to write" in client.get("/jobs").text
    with database.session_scope(write=False) as session:
        assert records.recent(session) == []


def test_a_rescan_runs_as_a_job(client: FlaskClient, database: Database) -> None:
    create_asset(database, files=True)
    signed_in(client, database, "editor")
    assert 'action="/jobs/rescan"' in client.get("/duplicates").text
    response = post(client, "/jobs/rescan")
    data = finished_job(client, response.headers["Location"])
    assert (data["kind"], data["state"], data["done"], data["total"]) == ("rescan", "done", 1, 1)
    assert "pairs" in data["result"]


def test_the_admins_jobs_page(client: FlaskClient, database: Database) -> None:
    with database.session_scope() as session:
        done = records.create(session, "reindex", "ana", {}, [["reindex"]])
        records.finish(session, done)
        queued = records.create(session, "upload", "bob", {}, [["a.jpg"]]).id
    signed_in(client, database, "admin")
    page = client.get("/jobs").text
    assert f'href="/jobs/{queued}"' in page and f'href="/jobs/{done.id}"' in page
    assert "Search reindex" in page and "Upload" in page
    assert page.count(">Cancel</button>") == 1
    only_done = client.get("/jobs?state=done").text
    assert f'href="/jobs/{queued}"' not in only_done and f'href="/jobs/{done.id}"' in only_done
    listed = client.get("/api/jobs?state=queued").json["jobs"]
    assert [j["id"] for j in listed] == [queued]
    assert client.get("/api/jobs?state=lost").status_code == 400
    assert 'href="/jobs"' in client.get("/").text
    cancelled = post(client, f"/jobs/{queued}/cancel", {"back": "list"})
    assert cancelled.headers["Location"] == "/jobs"


def test_the_jobs_page_pages_back(client: FlaskClient, database: Database) -> None:
    from webui.jobs import PAGE

    with database.session_scope() as session:
        ids = [
            records.create(session, "reindex", "ana", {}, [["reindex"]]).id for _ in range(PAGE + 2)
        ]
    signed_in(client, database, "admin")
    first = client.get("/jobs").text
    assert f'href="/jobs/{ids[-1]}"' in first and f'href="/jobs/{ids[1]}"' not in first
    older = f"/jobs?before={ids[2]}"
    assert f'href="{older}"' in first
    second = client.get(older).text
    assert f'href="/jobs/{ids[1]}"' in second and f'href="/jobs/{ids[0]}"' in second
    assert f'href="/jobs/{ids[2]}"' not in second and "?before=" not in second
    assert "Newest jobs" in second


def test_job_pages_give_times_in_utc(client: FlaskClient, database: Database) -> None:
    with database.session_scope() as session:
        job = records.create(session, "reindex", "admin", {}, [["reindex"]])
        records.finish(session, job)
        created = job.created_at.strftime("%Y-%m-%d %H:%M")
    signed_in(client, database, "admin")
    assert f"{created} UTC" in client.get("/jobs").text
    page = client.get(f"/jobs/{job.id}").text
    assert f"created {created} UTC" in page and "T" not in page.split("created ")[1][:17]


def test_an_upload_can_be_cancelled_from_its_page(
    client: FlaskClient, database: Database, config: LibraryConfig, gate: threading.Event
) -> None:
    signed_in(client, database, "editor", "ana")
    response = upload(client, (jpeg(6), "wait.jpg"))
    location = response.headers["Location"]
    job_id = job_id_of(location)
    page = client.get(location).text
    assert "Cancel the job" in page and f'href="/jobs/{job_id}"' in page
    cancelled = post(client, f"/jobs/{job_id}/cancel", {"back": "upload"})
    assert cancelled.headers["Location"] == f"/upload/{job_id}"
    gate.set()
    assert finished_job(client, location)["state"] == "cancelled"
    assert "Cancel the job" not in client.get(location).text
    assert list((config.root / "uploads").iterdir()) == []
    # Someone else's upload: its files' names are the sender's business and a manager's.
    colleague = client.application.test_client()
    signed_in(colleague, database, "editor", "bob")
    assert colleague.get(location).status_code == 403


def test_a_missing_job_is_404(client: FlaskClient, database: Database) -> None:
    signed_in(client, database, "admin")
    assert client.get("/api/jobs/999").status_code == 404
    assert client.get("/api/jobs/999").json["error"] == "no job with id 999"
    assert client.get("/jobs/999").status_code == 404
    with database.session_scope() as session:
        other = records.create(session, "rescan", "ana", {}, [["rescan"]]).id
    assert client.get(f"/upload/{other}").status_code == 404
