"""The gallery's second pass: usages with diffs, duplicate review, downloads with metadata,
and the auditor's reuse report with its CSV, JSON and HTML downloads.

Read-only checks share one demo library per backend (module scope); tests that
change something build their own photos with the helpers in tests.webui.webutil.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from assets import imaging
from assets.metadata import read_metadata
from library.articles import imports as articles
from library.catalog import edits, queries
from library.catalog.store import Store
from library.config import LibraryConfig
from library.db.engine import Database, init_library
from library.db.models import Asset
from library.demo import build_demo
from library.duplicates import membership as dupes
from library.duplicates.builder import Group
from library.files.export import ExportError
from library.reports import credits as credit_report
from library.reports import findings
from tests.conftest import BACKENDS, PG_URL, own_database, reset_postgres
from tests.webui.webutil import (
    add_article,
    app_fixture,  # noqa: F401
    asset_values,
    client_fixture,  # noqa: F401
    create_asset,
    make_app,
    post,
    sign_in,
    signed_in,
)

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


# --- the shared demo library -----------------------------------------------------------


@dataclass
class Demo:
    app: Flask
    database: Database

    def client(self, name: str) -> FlaskClient:
        """A client signed in as a demo user: admin, editor, auditor or writer (a viewer)."""
        client = self.app.test_client()
        response = sign_in(client, name, f"demo-{name}")
        assert response.status_code == 303, response.text
        return client


def _own_database(url: str, suffix: str) -> str:
    """A PostgreSQL database of this module's own, so per-test resets leave it alone."""
    own = own_database(url, suffix)
    reset_postgres(own)
    return own


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    url = _own_database(PG_URL, "demo") if request.param == "postgresql" and PG_URL else None
    config = LibraryConfig(tmp_path_factory.mktemp("demo") / "library", url)
    database = init_library(config)
    build_demo(database)
    app = make_app(config)
    yield Demo(app, database)
    app.extensions["photodesk"].database.dispose()
    database.dispose()


def _conflicted_photo(database: Database) -> tuple[int, articles.UsageComparison]:
    """The demo photo whose published credits conflict and captions differ most."""
    with database.session_scope(write=False) as session:
        found = []
        for photo in findings.reuse_report(session):
            asset = session.get(Asset, photo.master)
            assert asset is not None
            usages = [u for u, _ in queries.group_usages(session, asset.id)]
            comparison = articles.compare_usages(asset, usages)
            if comparison.credit_conflict and comparison.differs_from_asset["caption"]:
                found.append((len(comparison.differs_from_asset["caption"]), asset.id, comparison))
        assert found, "the demo library should have a photo with conflicting credits"
        _, asset_id, comparison = max(found, key=lambda f: (f[0], -f[1]))
        return asset_id, comparison


def _groups(database: Database, level: str | None = None) -> list[Group]:
    with database.session_scope(write=False) as session:
        return dupes.duplicate_groups(session, level)


# --- photo page: usages and duplicates --------------------------------------------------


def test_photo_page_shows_usage_diffs_and_credit_badges(demo: Demo) -> None:
    asset_id, comparison = _conflicted_photo(demo.database)
    page = demo.client("writer").get(f"/photos/{asset_id}").text
    usages = page[page.index('id="usages"') : page.index('id="duplicates"')]
    assert usages.count("<li>") == comparison.usages
    assert "credits conflict" in usages
    assert "<ins>" in usages and "<del>" in usages
    inserted = next(
        text
        for diff in comparison.caption_diffs
        for op, text in diff["ops"]
        if op == "insert" and diff["usage_id"] in comparison.differs_from_asset["caption"]
    )
    assert f"<ins>{escape(inserted)}</ins>" in usages
    if comparison.differs_from_asset["credit"]:
        assert "credit differs" in usages
    if comparison.uncredited:
        assert "no credit" in usages
        assert (
            f"{comparison.uncredited} of {comparison.usages} usages ran without a credit" in usages
        )


def test_photo_page_lists_its_duplicate_group(demo: Demo) -> None:
    group = max(_groups(demo.database), key=lambda g: len(g.members))
    page = demo.client("writer").get(f"/photos/{group.master}").text
    section = page[page.index('id="duplicates"') :]
    assert f'href="/duplicates/{group.id}"' in section
    for member in group.members[1:]:
        assert f'href="/photos/{member.asset_id}"' in section
        assert f'src="/photos/{member.asset_id}/thumb"' in section
        assert str(escape(member.why)) in section
        assert f"level-{member.level}" in section
    assert "This photo is the group" in section


def test_usage_captions_are_diffed_and_escaped(client: FlaskClient, database: Database) -> None:
    photo = create_asset(database, files=True, caption="Harbour at dawn", credit="Ana Diaz")
    add_article(database, "Evil", [(photo, f"Harbour {XSS} at dawn", None)], credit=XSS)
    add_article(database, "Fine", [(photo, "Harbour at dawn", None)], credit="Ana Diaz")
    signed_in(client, database, "viewer")
    page = client.get(f"/photos/{photo}").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "<ins>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img" in page
    assert "credit differs" in page and "credits conflict" in page


# --- duplicates review ------------------------------------------------------------------


def test_duplicates_list_filters_by_level(demo: Demo) -> None:
    client = demo.client("writer")
    everything = client.get("/duplicates").text
    for group in _groups(demo.database):
        assert f'href="/duplicates/{group.id}"' in everything
    near = _groups(demo.database, "near")
    page = client.get("/duplicates?level=near").text
    assert set(re.findall(r'href="/duplicates/(\w+)"', page)) == {g.id for g in near}
    bogus = client.get("/duplicates?level=fuzzy")
    assert bogus.status_code == 200 and "Unknown level" in bogus.text


def _without_paths(group: dict[str, Any]) -> dict[str, Any]:
    """A group as a viewer gets it: where the files sit on the server is left out."""
    members = [{k: v for k, v in m.items() if k != "paths"} for m in group["members"]]
    return {**group, "members": members}


def test_api_duplicates_are_the_library_groups(demo: Demo) -> None:
    editor = demo.client("editor")
    assert editor.get("/api/duplicates").json == {
        "groups": [g.to_json() for g in _groups(demo.database)]
    }
    client = demo.client("writer")
    assert client.get("/api/duplicates").json == {
        "groups": [_without_paths(g.to_json()) for g in _groups(demo.database)]
    }
    pixels = client.get("/api/duplicates?level=pixels").json["groups"]
    assert pixels == [_without_paths(g.to_json()) for g in _groups(demo.database, "pixels")]


def test_group_page_shows_members_side_by_side(demo: Demo) -> None:
    group = max(_groups(demo.database), key=lambda g: len(g.members))
    page = demo.client("admin").get(f"/duplicates/{group.id}").text
    for member in group.members:
        asset = asset_values(demo.database, member.asset_id)
        card = page[page.index(f'id="member-{member.asset_id}"') :]
        assert f'src="/photos/{member.asset_id}/thumb"' in card
        assert f"{asset.width} × {asset.height} px" in card
        assert asset.format.upper() in card
    assert 'class="differs"' in page
    # One set of actions per member other than the master.
    others = len(group.members) - 1
    assert page.count(f'action="/duplicates/{group.id}/master"') == others
    assert page.count(f'action="/duplicates/{group.id}/not-duplicate"') == others
    assert page.count(f'action="/duplicates/{group.id}/copy"') == others
    assert demo.client("writer").get("/duplicates/nope").status_code == 404


def test_viewer_sees_groups_but_cannot_decide(demo: Demo) -> None:
    group = max(_groups(demo.database), key=lambda g: len(g.members))
    other = group.members[1].asset_id
    client = demo.client("writer")
    page = client.get(f"/duplicates/{group.id}").text
    assert "Set as master" not in page and "Copy from master" not in page
    base = f"/duplicates/{group.id}"
    form = {"asset_id": other, "master": group.master, "version": 1, "fields": "caption"}
    for action in ("master", "not-duplicate", "copy"):
        assert post(client, f"{base}/{action}", form).status_code == 403
    assert any(g.to_json() == group.to_json() for g in _groups(demo.database))


@pytest.fixture
def pair(database: Database) -> tuple[int, int]:
    """A richly captioned photo and a bare copy with the same pixels."""
    master = create_asset(
        database,
        files=True,
        caption="Harbour at dawn",
        credit="Ana Diaz",
        headline="Dawn",
        keywords=["harbour", "boats"],
    )
    copy = create_asset(
        database, files=True, content_digest=asset_values(database, master).content_digest
    )
    return master, copy


def test_group_actions(client: FlaskClient, database: Database, pair: tuple[int, int]) -> None:
    master, copy = pair
    group = f"g{master}"
    signed_in(client, database, "editor", "ed")
    page = client.get(f"/duplicates/{group}").text
    assert f"master #{master}, suggested" in page

    copied = post(
        client,
        f"/duplicates/{group}/copy",
        {"asset_id": copy, "master": master, "version": 1, "fields": ["caption", "keywords"]},
    )
    assert copied.status_code == 303 and copied.headers["Location"] == f"/duplicates/{group}"
    saved = asset_values(database, copy)
    assert saved.caption == "Harbour at dawn" and saved.keywords == ["harbour", "boats"]
    assert saved.credit is None and saved.version == 2
    assert "Copied caption, keywords" in client.get(f"/duplicates/{group}").text

    moved = post(client, f"/duplicates/{group}/master", {"asset_id": copy})
    assert moved.status_code == 303
    assert f"master #{copy}, chosen by ed" in client.get(f"/duplicates/{group}").text
    assert client.get("/api/duplicates").json["groups"][0]["master"] == copy
    assert post(client, f"/duplicates/{group}/master", {"asset_id": 9999}).status_code == 400

    split = post(client, f"/duplicates/{group}/not-duplicate", {"asset_id": master, "master": copy})
    assert split.status_code == 303 and split.headers["Location"] == "/duplicates"
    assert client.get("/api/duplicates").json == {"groups": []}
    assert client.get(f"/duplicates/{group}").status_code == 404


def test_copy_from_master_with_a_stale_version_is_a_conflict(
    client: FlaskClient, database: Database, pair: tuple[int, int]
) -> None:
    master, copy = pair
    with database.session_scope() as session:
        edits.edit_asset(session, copy, {"caption": "Edited meanwhile"}, "bob")
    signed_in(client, database, "editor")
    stale = post(
        client,
        f"/duplicates/g{master}/copy",
        {"asset_id": copy, "master": master, "version": 1, "fields": "caption"},
    )
    assert stale.status_code == 409
    assert "changed since you loaded this page" in stale.text
    conflict = stale.text[stale.text.index('class="conflict"') :]
    conflict = conflict[: conflict.index("</section>")]
    assert "Harbour at dawn" in conflict and "Edited meanwhile" in conflict
    assert asset_values(database, copy).caption == "Edited meanwhile"
    # The page after the clash offers the current version.
    assert 'name="version" value="2"' in stale.text


# --- downloads --------------------------------------------------------------------------


def test_download_carries_the_catalog_metadata(
    client: FlaskClient,
    database: Database,
    pair: tuple[int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    master, _ = pair
    with database.session_scope() as session:
        edits.edit_asset(session, master, {"caption": "Edited in the catalog: harbour"}, "ed")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    signed_in(client, database, "viewer")
    for size, name in (("original", "photo-1.jpg"), ("web", "photo-1-web.jpg")):
        response = client.get(f"/photos/{master}/download?size={size}")
        assert response.status_code == 200
        assert response.headers["X-Photodesk-Metadata"] == "written"
        assert f"filename={name}" in response.headers["Content-Disposition"]
        assert response.mimetype == "image/jpeg"
        data = response.get_data()
        response.close()
        meta = read_metadata(data, imaging.open_image(data))
        assert meta.values["caption"] == "Edited in the catalog: harbour"
        assert meta.values["credit"] == "Ana Diaz"
        assert list(scratch.iterdir()) == [], "the export folder outlived the response"


def test_download_falls_back_to_the_stored_file(
    client: FlaskClient,
    database: Database,
    config: LibraryConfig,
    pair: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    master, _ = pair

    def broken(*_: object, **__: object) -> Path:
        raise ExportError("exiftool is not installed")

    monkeypatch.setattr("webui.photos.export_file", broken)
    signed_in(client, database, "viewer")
    with caplog.at_level(logging.WARNING, logger="webui.photos"):
        response = client.get(f"/photos/{master}/download?size=original")
    stored = asset_values(database, master)
    assert response.status_code == 200
    assert response.headers["X-Photodesk-Metadata"] == "original"
    assert response.data == Store(config.store_root).absolute(stored.store_path).read_bytes()
    assert "exiftool is not installed" in caplog.text
    web = client.get(f"/photos/{master}/download?size=web")
    assert web.headers["X-Photodesk-Metadata"] == "original" and web.data[:3] == b"\xff\xd8\xff"


# --- the auditor's reports --------------------------------------------------------------


def _photo_counts(client: FlaskClient, query: str = "") -> dict[str, int]:
    """How many findings the audit page and each download hold for the same filters."""
    page = client.get(f"/reports/audit{query}")
    sep = "&" if query else "?"
    csv_file = client.get(f"/reports/reuse.csv{query}")
    json_file = client.get(f"/reports/reuse.json{query}")
    html_file = client.get(f"/reports/reuse.html{query}{sep}download=1")
    for response, kind in ((csv_file, "csv"), (json_file, "json"), (html_file, "html")):
        assert response.status_code == 200
        assert f'filename="reuse-report.{kind}"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(csv_file.data.decode("utf-8-sig"))))
    total = re.search(r"(\d+) findings?", page.text)
    assert total is not None
    return {
        "page": int(total.group(1)),
        "csv": len(rows),
        "json": len(json.loads(json_file.data)["findings"]),
        "html": html_file.text.count("<li class="),
    }


def test_reports_page_and_downloads_agree(demo: Demo) -> None:
    client = demo.client("auditor")
    with demo.database.session_scope(write=False) as session:
        rows = findings.audit_rows(session)
        credits = credit_report.credit_counts(session)
    counts = _photo_counts(client)
    assert set(counts.values()) == {len(rows)}, counts
    page = client.get("/reports").text
    assert f"{len(rows)} open finding" in page and "severity-high" in page
    for row in credits:
        assert f'<td>{escape(row.credit)}</td><td class="num">{row.usages}</td>' in page
    assert 'href="/reports/reuse.csv?download=1"' in page
    audit_page = client.get("/reports/audit").text
    for row in rows[:50]:
        assert str(escape(row.finding.detail)) in audit_page
        assert f'href="/photos/{row.photo.original}"' in audit_page
    # The HTML report opens in the browser as well as downloading.
    view = client.get("/reports/reuse.html")
    assert view.status_code == 200 and "Content-Disposition" not in view.headers
    assert "<h1>Reuse audit</h1>" in view.text


def test_reports_filters(demo: Demo) -> None:
    client = demo.client("auditor")
    with demo.database.session_scope(write=False) as session:
        high = findings.audit_rows(session, findings.AuditFilter(severity="high"))
        recent = findings.audit_rows(session, findings.AuditFilter(since=date(2020, 1, 1)))
    assert len(high) > 0 and len(recent) > 0
    assert set(_photo_counts(client, "?severity=high").values()) == {len(high)}
    assert set(_photo_counts(client, "?since=2020-01-01").values()) == {len(recent)}
    page = client.get("/reports/audit?severity=high&kind=").text
    assert 'href="/reports/reuse.csv?download=1&amp;severity=high"' in page
    bad = client.get("/reports/audit?since=yesterday&severity=urgent")
    assert bad.status_code == 200 and "is not a date" in bad.text and "Unknown severity" in bad.text
    assert client.get("/reports/reuse.csv?since=yesterday").status_code == 400
    assert demo.client("writer").get("/reports/reuse.json").status_code == 403
    assert demo.client("writer").get("/reports/audit").status_code == 403


def test_a_copy_nobody_published_shows_its_group_usages(demo: Demo) -> None:
    """Issue 13, bug 1, at the gallery's edges: page, API, badge and search."""
    with demo.database.session_scope(write=False) as session:
        found = [
            (g, m.asset_id)
            for g in dupes.duplicate_groups(session)
            for m in g.members
            if not queries.usages_of(session, [m.asset_id])
            and any(queries.usages_of(session, [o.asset_id]) for o in g.members)
        ]
        assert found, "the demo has an unpublished copy of a published photo"
        group, copy = found[0]
        expected = queries.group_usages(session, copy)
        count = len({u.article_id for u, _ in expected})
    client = demo.client("writer")
    api = client.get(f"/api/photos/{copy}/usages").json["usages"]
    assert len(api) == len(expected) and {u["asset_id"] for u in api} != {copy}
    page = client.get(f"/photos/{copy}").text
    assert "No published usages recorded" not in page
    assert f"used {count}×" in page
    section = page[page.index('id="usages"') : page.index('id="duplicates"')]
    assert section.count("<li>") == len(expected) and "as copy" in section
    grid = client.get("/", query_string={"q": f"used:>{count - 1}", "stack": "off"}).text
    card = grid[grid.index(f'id="p{copy}"') :][:3000]
    assert f"used {count}×" in card


def test_group_pages_say_in_words_what_happened_to_each_copy(demo: Demo) -> None:
    """The demo's real derivatives, as the group page describes them."""
    expected = {
        "rocket-falcon9-dscovr-launch--crop80.jpg": "A slightly tighter crop than #",
        "rocket-falcon9-dscovr-launch--q60.jpg": "Re-saved at lower quality (",
        "coffee-espresso-cup--caption-bar.jpg": "A strip added at the bottom, such as a caption bar",
        "astronaut-eileen-collins--mirrored.jpg": "Mirrored",
        "chelsea-the-cat--greyscale.png": "In black and white",
    }
    with demo.database.session_scope(write=False) as session:
        names = dict(session.execute(select(Asset.original_name, Asset.id)).all())
    client = demo.client("writer")
    for name, words in expected.items():
        with demo.database.session_scope(write=False) as session:
            group = dupes.group_of(session, names[name])
        assert group is not None, name
        page = client.get(f"/duplicates/{group.id}").text
        card = page[page.index(f'id="member-{names[name]}"') :]
        card = card[: card.index("</section>")]
        words_line = card[card.index('class="member-words"') : card.index("<details")]
        assert words in words_line, (name, words_line)
        assert "NCC" not in words_line and "NCC" in card  # the numbers sit behind Details
