"""check_files: every form of a known photo is found with where it ran; bad files cost one entry."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from library.db.engine import Database
from library.duplicates import saved_index
from library.duplicates.check import check_files
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import make_jpeg
from tests.webui.webutil import add_article


def test_check_finds_copies_with_their_usages_and_goes_on_after_a_bad_file(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = make_jpeg(tmp_path / "lib" / "harbour.jpg", (640, 480), seed=3)
    report = IngestSession(database, IngestOptions(workers=1)).run([str(original)])
    asset = report.outcomes[0].asset_id
    assert asset is not None
    add_article(
        database,
        "Port strike",
        [(asset, "Dock workers at dawn", None)],
        published=datetime(2024, 5, 2),
        credit="AP Photo/Ana",
    )
    resized = tmp_path / "in" / "small.jpg"
    resized.parent.mkdir()
    Image.open(original).resize((320, 240)).save(resized, quality=60)
    broken = tmp_path / "in" / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really")
    stranger = make_jpeg(tmp_path / "in" / "other.jpg", (640, 480), seed=99)

    with database.session_scope(write=False) as session:
        results = check_files(session, [str(original), str(broken), str(resized), str(stranger)])

    exact, bad, near, unknown = results
    assert [(m.asset_id, m.level) for m, _ in exact.matches] == [(asset, "identical")]
    assert bad.error and "\n" not in bad.error and not bad.matches
    assert [(m.asset_id, m.level) for m, _ in near.matches] == [(asset, "near")]
    used = near.matches[0][1]
    assert [u["article"]["title"] for u in used] == ["Port strike"]
    assert used[0]["article"]["published"] == "2024-05-02"
    assert used[0]["caption"] == "Dock workers at dawn"
    assert unknown.matches == [] and unknown.error is None
    assert near.to_json()["matches"][0]["usages"][0]["credit"] == used[0]["credit"]
    # A library this small is loaded whole, not asked through the catalog's substring
    # indexes (some 64,000 probes whatever its size); the answers are the same.
    monkeypatch.setattr(saved_index, "BUILD_FROM", 0)
    with database.session_scope(write=False) as session:
        probed = check_files(session, [str(original), str(broken), str(resized), str(stranger)])
    assert [r.to_json() for r in probed] == [r.to_json() for r in results]
