"""The gallery with a broker: an upload is queued for a real Celery worker, which
ingests it, applies the chosen template and tidies the upload folder away."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from library.catalog import templates
from library.config import LibraryConfig
from library.db.engine import Database, init_library
from tests.conftest import PG_URL, jpeg_bytes, reset_postgres
from tests.jobs.services import REDIS, need, reachable, spare_port, wait_until, workers
from tests.webui.webutil import make_app, post, signed_in

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[tuple[LibraryConfig, Database]]:
    need(PG_URL is not None, "PostgreSQL (PHOTODESK_TEST_DATABASE_URL)")
    assert PG_URL
    reset_postgres(PG_URL)
    config = LibraryConfig(tmp_path / "library", PG_URL)
    database = init_library(config)
    yield config, database
    database.dispose()


def test_an_upload_runs_on_a_worker(pg: tuple[LibraryConfig, Database], tmp_path: Path) -> None:
    need(reachable(REDIS), f"Redis ({REDIS})")
    config, database = pg
    with database.session_scope() as session:
        templates.save_template(session, "Wire", {"credit": "Desk wire"}, "setup")
    app = make_app(config, BROKER_URL=REDIS)
    client = app.test_client()
    signed_in(client, database, "editor", "ana")
    files = [(io.BytesIO(jpeg_bytes(seed=700 + n)), f"w{n}.jpg") for n in range(3)]
    with workers(config, REDIS, tmp_path, 1):
        answer = post(
            client,
            "/upload",
            {"files": files, "template": "Wire"},
            content_type="multipart/form-data",
        )
        assert answer.status_code == 303
        job_id = int(answer.headers["Location"].split("?")[0].rsplit("/", 1)[-1])

        def job() -> dict[str, Any]:
            data: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json
            return data

        wait_until(lambda: job()["state"] in ("done", "failed"), "the upload job", 180)
    data = job()
    assert (data["state"], data["done"], data["failed"]) == ("done", 3, 0)
    page = client.get(answer.headers["Location"]).text
    assert page.count('badge ok">added<') == 3 and "template “Wire” applied" in page
    listing = client.get("/api/photos").json["photos"]
    assert sorted(p["name"] for p in listing) == ["w0.jpg", "w1.jpg", "w2.jpg"]
    one = client.get(f"/api/photos/{listing[0]['id']}").json
    assert one["credit"] == "Desk wire" and one["paths"][0].startswith("upload:ana:")
    assert list((config.root / "uploads").iterdir()) == []
    app.extensions["photodesk"].database.dispose()


def test_an_upload_the_broker_cannot_take_fails_and_keeps_no_file(
    pg: tuple[LibraryConfig, Database],
) -> None:
    config, database = pg
    nowhere = f"redis://127.0.0.1:{spare_port()}/0"
    app = make_app(config, BROKER_URL=nowhere)
    client = app.test_client()
    signed_in(client, database, "editor", "ana")
    files = [(io.BytesIO(jpeg_bytes(seed=720)), "late.jpg")]
    answer = post(client, "/upload", {"files": files}, content_type="multipart/form-data")
    # The page of the job it would have been: failed, with why, and what to do.
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).text
    assert "could not be queued, send it again later" in page and "cannot queue the job" in page
    job_id = int(answer.headers["Location"].split("?")[0].rsplit("/", 1)[-1])
    data = client.get(f"/api/jobs/{job_id}").json
    assert data["state"] == "failed" and data["started_at"] is None
    assert list((config.root / "uploads").iterdir()) == []
    app.extensions["photodesk"].database.dispose()
