"""Keyword limits: linear de-duplication, refused past the limits where a person can fix it,
cut (and reported) where nobody can: ingest and import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from library.catalog import edits
from library.catalog.edits import (
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    check_keywords,
    cut_keywords,
    unique_keywords,
)
from library.catalog.photos import warnings_of
from library.db.engine import Database
from library.db.models import Asset, AssetKeyword
from library.errors import InvalidValueError
from library.ingest.pipeline import IngestOptions, IngestSession


def test_unique_keywords_keeps_the_first_spelling_in_order() -> None:
    assert unique_keywords([" Harbour", "harbour", "Boats ", "", "BOATS", "Dawn", "  "]) == [
        "Harbour",
        "Boats",
        "Dawn",
    ]


def test_sixteen_thousand_keywords_reduce_to_the_distinct_ones() -> None:
    """The PATCH from the issue: 16,000 keywords, here 16,000 spellings of 100 words."""
    words = [f"word{i % 100}" for i in range(16_000)]
    words = [w.upper() if i % 3 else w for i, w in enumerate(words)]
    kept = check_keywords(words)
    assert len(kept) == 100
    assert {k.casefold() for k in kept} == {f"word{i}" for i in range(100)}


def test_check_keywords_refuses_past_the_limits() -> None:
    assert len(check_keywords([f"k{i}" for i in range(MAX_KEYWORDS)])) == MAX_KEYWORDS
    with pytest.raises(InvalidValueError, match=f"at most {MAX_KEYWORDS} per photo, got 16000"):
        check_keywords([f"k{i}" for i in range(16_000)])
    assert check_keywords(["x" * MAX_KEYWORD_LENGTH]) == ["x" * MAX_KEYWORD_LENGTH]
    with pytest.raises(InvalidValueError, match=f"each at most {MAX_KEYWORD_LENGTH} characters"):
        check_keywords(["ok", "x" * (MAX_KEYWORD_LENGTH + 1)])
    # The comma-separated form of the web form and the CLI counts the same way.
    with pytest.raises(InvalidValueError, match="per photo"):
        check_keywords(",".join(f"k{i}" for i in range(MAX_KEYWORDS + 1)))


def test_cut_keywords_says_what_was_cut() -> None:
    long = "é" * 100
    cut = cut_keywords([long, *(f"k{i}" for i in range(300)), "K1"])
    assert len(cut.keywords) == MAX_KEYWORDS
    assert cut.keywords[0] == "é" * MAX_KEYWORD_LENGTH
    assert cut.dropped == 101 and cut.shortened == 1
    assert cut.message() == (
        f"101 keywords past the limit of {MAX_KEYWORDS} dropped; "
        f"1 keywords cut to {MAX_KEYWORD_LENGTH} characters"
    )
    assert cut_keywords(["a", "b"]).message() is None


def _asset(database: Database, keywords: list[str] | None = None) -> int:
    from tests.webui.webutil import create_asset

    return create_asset(database, keywords=keywords or [])


def test_edit_refuses_too_many_keywords_and_changes_nothing(database: Database) -> None:
    asset_id = _asset(database, ["old"])
    many = {"keywords": [f"k{i}" for i in range(16_000)]}
    with database.session_scope() as session, pytest.raises(InvalidValueError, match="per photo"):
        edits.edit_asset(session, asset_id, many, "a")
    with database.session_scope(write=False) as session:
        asset = session.get(Asset, asset_id)
        assert asset is not None and asset.keywords == ["old"] and asset.version == 1


def test_bulk_append_past_the_limit_names_the_photo(database: Database) -> None:
    full = _asset(database, [f"k{i}" for i in range(MAX_KEYWORDS - 1)])
    roomy = _asset(database, ["a"])
    refused = pytest.raises(InvalidValueError, match=f"photo {full}: keywords: at most")
    with database.session_scope() as session, refused:
        edits.bulk_edit(session, [roomy, full], "a", append_values={"keywords": "x, y"})
    with database.session_scope() as session:
        edits.bulk_edit(session, [roomy], "a", append_values={"keywords": "x, y, X"})
    with database.session_scope(write=False) as session:
        asset = session.get(Asset, roomy)
        assert asset is not None and asset.keywords == ["a", "x", "y"]


def test_cli_edit_refuses_too_many_keywords(database: Database, run: Any) -> None:
    asset_id = _asset(database)
    many = ",".join(f"k{i}" for i in range(MAX_KEYWORDS + 1))
    result = run("edit", str(asset_id), "--keywords", many)
    assert result.exit_code != 0
    assert f"at most {MAX_KEYWORDS} per photo" in result.stderr
    assert "Traceback" not in result.stderr
    long = "x" * (MAX_KEYWORD_LENGTH + 1)
    result = run("edit", str(asset_id), "--add-keyword", long)
    assert result.exit_code != 0 and f"at most {MAX_KEYWORD_LENGTH} characters" in result.stderr


def xmp_png(path: Path, keywords: list[str]) -> Path:
    """A PNG whose XMP carries these dc:subject entries (the hostile upload of the issue)."""
    items = "".join(f"<rdf:li>{k}</rdf:li>" for k in keywords)
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description rdf:about="">'
        f"<dc:subject><rdf:Bag>{items}</rdf:Bag></dc:subject>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", packet)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), (200, 120, 40)).save(path, "PNG", pnginfo=info)
    return path


def _tags(database: Database, asset_id: int) -> list[str]:
    with database.session_scope(write=False) as session:
        from sqlalchemy import select

        return list(
            session.scalars(select(AssetKeyword.keyword).where(AssetKeyword.asset_id == asset_id))
        )


def test_ingest_cuts_eight_thousand_xmp_keywords_and_reports_it(
    database: Database, tmp_path: Path
) -> None:
    path = xmp_png(tmp_path / "in" / "many.png", ["L" * 90, *(f"subject{i}" for i in range(8000))])
    report = IngestSession(database, IngestOptions(workers=1)).run([str(path)])
    assert report.ingested == 1
    asset_id = report.outcomes[0].asset_id
    assert asset_id is not None
    with database.session_scope(write=False) as session:
        asset = session.get(Asset, asset_id)
        assert asset is not None
        assert len(asset.keywords) == MAX_KEYWORDS
        assert asset.keywords[:2] == ["L" * MAX_KEYWORD_LENGTH, "subject0"]
    assert sorted(_tags(database, asset_id)) == sorted(asset.keywords)
    message = (
        f"7801 keywords past the limit of {MAX_KEYWORDS} dropped; "
        f"1 keywords cut to {MAX_KEYWORD_LENGTH} characters"
    )
    assert report.warnings == [{"path": str(path), "asset_id": asset_id, "warning": message}]
    assert report.to_json()["warnings"] == report.warnings
    assert "1 with warnings" in report.summary()
    # Kept with the photo, as every ingest warning is.
    with database.session_scope(write=False) as session:
        assert warnings_of(session, asset_id) == [message]


def test_cli_ingest_prints_the_cut(database: Database, run: Any, tmp_path: Path) -> None:
    path = xmp_png(tmp_path / "in" / "many.png", [f"s{i}" for i in range(MAX_KEYWORDS + 5)])
    result = run("ingest", "--json", str(path))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["warnings"][0]["warning"].startswith("5 keywords past the limit")
    again = xmp_png(tmp_path / "in2" / "more.png", [f"t{i}" for i in range(MAX_KEYWORDS + 2)])
    result = run("ingest", str(again))
    assert result.exit_code == 0
    assert f"warning: {again}: 2 keywords past the limit" in result.stderr


def test_import_with_media_reports_the_cut(database: Database, run: Any, tmp_path: Path) -> None:
    media = tmp_path / "uploads"
    xmp_png(media / "2024" / "05" / "tagged.png", [f"m{i}" for i in range(MAX_KEYWORDS + 3)])
    page = tmp_path / "article.html"
    page.write_text(
        "<!doctype html><html><head><title>Tagged</title>"
        '<meta property="og:title" content="Tagged photo story">'
        '<meta property="article:published_time" content="2024-05-02T10:00:00Z">'
        "</head><body><article><h1>Tagged photo story</h1>"
        '<figure><img src="https://example.org/wp-content/uploads/2024/05/tagged.png" alt="A">'
        "<figcaption>Boats at dawn. (Photo: Ana Diaz)</figcaption></figure>"
        "<p>Text.</p></article></body></html>",
        encoding="utf-8",
    )
    result = run("import-articles", "--json", "--media", str(media), str(page))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ingested"] == 1
    cut = [w["warning"] for w in data["warnings"] if "keywords past" in w["warning"]]
    assert cut == [f"tagged.png: 3 keywords past the limit of {MAX_KEYWORDS} dropped"]


@pytest.mark.parametrize("value", ["a\x00b", "broken \ud800"])
def test_text_the_catalog_cannot_store_is_refused(value: str) -> None:
    with pytest.raises(InvalidValueError, match="caption: contains"):
        edits.normalize("caption", value)
    with pytest.raises(InvalidValueError, match="keywords: contains"):
        check_keywords(["ok", value])
