"""An upload in real Chromium: the page answers at once and its progress bar, fed by
/api/jobs/ID, moves from waiting to done; then every file's fate is shown.

Uses the gallery served by tests/webui/test_browser.py's fixtures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_jpeg
from tests.webui import test_browser as served
from tests.webui import test_webui_jobs
from tests.webui.test_browser import Site, shot, sign_in

pytestmark = pytest.mark.browser

chromium = served.chromium
site = served.site
page = served.page
gate = test_webui_jobs.gate

FILES = 8


def test_upload_progress_bar_reaches_done(
    page: Any, site: Site, backend: str, tmp_path: Path, gate: Any
) -> None:
    sign_in(page, site)
    page.goto(site.url + "/upload")
    files = [
        str(make_jpeg(tmp_path / f"wire-{n:02d}.jpg", (480, 360), seed=100 + n))
        for n in range(FILES)
    ]
    page.set_input_files("input[type=file]", files)
    page.click("button:has-text('Upload')")
    # The answer came while the job waits at the gate: a bar at zero, no results yet.
    page.wait_for_selector("[data-job-progress]")
    assert "/upload/" in page.url
    bar = page.locator("[data-job-bar]")
    assert bar.evaluate("b => [b.value, b.max]") == [0, FILES]
    assert page.inner_text("[data-job-state]") == "queued"
    assert page.locator(".results-table").count() == 0
    shot(page, backend, "upload-progress")
    gate.set()
    # jobs.js follows /api/jobs/ID, and once the job is over the page shows its results.
    page.wait_for_selector(".results-table", timeout=120_000)
    assert page.inner_text("[data-job-state]") == "done"
    assert bar.evaluate("b => [b.value, b.max]") == [FILES, FILES]
    assert f"{FILES} done of {FILES}" in page.inner_text("[data-job-counts]")
    table = page.inner_text(".results-table")
    assert table.count("added") == FILES and "wire-07.jpg" in table
    shot(page, backend, "upload-done")
    page.click("text=Open photo >> nth=0")
    page.wait_for_selector("text=Known file paths")


def test_a_progress_bar_says_so_when_the_sign_in_ends(page: Any, site: Site) -> None:
    from library.jobs import records

    with site.database.session_scope() as session:  # queued, and never sent: it stays so
        job_id = records.create(session, "rescan", "ana", {}, [["rescan"]]).id
    sign_in(page, site)
    page.goto(f"{site.url}/jobs/{job_id}")
    page.wait_for_selector("[data-job-progress]")
    assert page.locator("[data-job-lost]").is_hidden()
    page.context.clear_cookies()  # signed out elsewhere, or the session timed out
    lost = page.locator("[data-job-lost]")
    lost.wait_for(state="visible", timeout=30_000)
    assert "Your sign-in has ended" in lost.inner_text()
    link = lost.locator("a")
    assert link.inner_text() == "Sign in again"
    assert link.get_attribute("href") == f"/login?next=/jobs/{job_id}"
    assert page.locator("[data-job-refresh]").is_visible()


def test_an_upload_over_the_limits_is_stopped_before_it_is_sent(
    page: Any, site: Site, tmp_path: Path
) -> None:
    sign_in(page, site)
    page.goto(site.url + "/upload")
    zone = page.locator("[data-dropzone]")
    assert zone.get_attribute("data-max-bytes") == str(200 * 1024 * 1024)
    assert zone.get_attribute("data-max-files") == "100"
    warning = page.locator("[data-upload-too-big]")
    many = [str(make_jpeg(tmp_path / f"m{n:03d}.jpg", (96, 72), seed=n)) for n in range(101)]
    page.set_input_files("input[type=file]", many)
    assert warning.is_visible()
    assert warning.inner_text() == (
        "You chose 101 files: at most 100 per upload. Send them in smaller groups."
    )
    page.click("button:has-text('Upload')")
    assert page.url == site.url + "/upload"  # nothing was sent
    # The size limit, made small here, so the test need not send 200 MB.
    zone.evaluate("z => { z.dataset.maxBytes = '40000'; }")
    big = [str(make_jpeg(tmp_path / f"b{n}.jpg", (640, 480), seed=n)) for n in range(3)]
    page.set_input_files("input[type=file]", big)
    assert "add up to" in warning.inner_text() and "at most 39 KB" in warning.inner_text()
    page.click("button:has-text('Upload')")
    assert page.url == site.url + "/upload"
    page.set_input_files("input[type=file]", many[:2])  # within both limits
    assert warning.is_hidden()


def row_shows(page: Any, job_id: int, part: str, text: str) -> None:
    """Wait until the jobs list's row of this job shows ``text`` in its ``part``."""
    page.wait_for_function(
        "([id, part, text]) => document.querySelector("
        "`tr[data-url='/api/jobs/${id}'] [data-job-${part}]`).textContent === text",
        arg=[job_id, part, text],
        timeout=30_000,
    )


def test_the_jobs_list_follows_its_running_jobs(page: Any, site: Site) -> None:
    from library.jobs import records
    from tests.webui.webutil import add_user

    add_user(site.database, "ada", "admin")
    with site.database.session_scope() as session:
        job_id = records.create(session, "writeback", "ana", {}, [[1, 2]]).id
    sign_in(page, site, "ada")
    page.goto(site.url + "/jobs")
    row = page.locator(f"tr[data-url='/api/jobs/{job_id}']")
    assert row.locator("[data-job-counts]").inner_text() == "0 done of 2"
    with site.database.session_scope() as session:  # a worker elsewhere gets going
        records.start(session, job_id)
        records.advance(session, job_id, done=1)
    row_shows(page, job_id, "counts", "1 done of 2")
    assert row.locator("[data-job-state]").inner_text() == "running"
    with site.database.session_scope() as session:
        records.advance(session, job_id, failures=[("photo 2", "the stored original is missing")])
    row_shows(page, job_id, "state", "done")
    assert row.locator("[data-job-counts]").inner_text() == "1 done, 1 failed of 2"
    assert page.url == site.url + "/jobs"  # followed in place, not reloaded
