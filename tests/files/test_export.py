"""Export and write-back: the catalog's values in files, read back by exiftool and by ingest."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from assets import digests, imaging
from assets.metadata import read_metadata
from library.catalog.edits import edit_asset
from library.catalog.store import Store
from library.cli.files import export, writeback
from library.cli.main import cli
from library.config import LibraryConfig
from library.db.engine import Database, init_library
from library.db.models import Asset, Change
from library.files.exiftool import ExifTool, ExiftoolError, encode_value, shared
from library.files.export import ExportError, export_assets, export_file
from library.files.tags import cut_utf8, metadata_tags
from library.files.verify import verify_library
from library.files.writeback import writeback as write_back
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import PHOTOS, make_jpeg

PERSIAN = "عکس از مریم احمدی"
CHINESE = "北京新闻摄影"

#: An edit touching every exported field, in several scripts and with a newline.
EDIT: dict[str, Any] = {
    "caption": f"Café crème in Zürich.\n{PERSIAN} — {CHINESE}",
    "headline": f"Über den Dächern: {CHINESE}",
    "title": "ZURICH-CAFE-ÉTÉ",
    "alt_text": "Two cups of coffee on a zinc counter, seen from above.",
    "credit": "Photodesk/Maryam Ahmadi",
    "creator": "Maryam Ahmadi; Léa Müller",
    "source": "Photodesk Archiv",
    "copyright": "© 1968 Photodesk",
    "keywords": ["café", "Zürich", CHINESE, "عکس"],
    "instructions": "Nur redaktionell – keine Archivierung",
    "usage_terms": "Editorial use only; credit required.",
    "original_date": "1968-07",
    "archive": True,
}
#: Fields an ingest reads back from a file (all of them, the archive flag included).
READ_BACK = list(EDIT)


@pytest.fixture(autouse=True)
def file_commands() -> Iterator[None]:
    """Register the commands for this module's tests only, unless the lead already has."""
    added = [c for c in (export, writeback) if c.name not in cli.commands]
    for command in added:
        cli.add_command(command)
    yield
    for command in added:
        cli.commands.pop(str(command.name), None)


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Database]:
    """A second, independent library to ingest exports into."""
    db = init_library(LibraryConfig(tmp_path / "other"))
    yield db
    db.dispose()


def ingest(database: Database, *paths: Path) -> list[int]:
    report = IngestSession(database, IngestOptions(workers=1)).run(list(paths))
    ids = [o.asset_id for o in report.outcomes if o.asset_id is not None]
    assert not report.failed and len(ids) == len(paths), report.failed
    return ids


def fixture_copy(name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy2(PHOTOS / name, folder / name))


def edit(database: Database, asset_id: int, **values: Any) -> None:
    with database.session_scope() as session:
        edit_asset(session, asset_id, values, "ana")


def fields(database: Database, asset_id: int) -> dict[str, Any]:
    with database.session_scope(write=False) as session:
        asset = session.get(Asset, asset_id)
        assert asset is not None
        return {name: getattr(asset, name) for name in READ_BACK}


def asset_row(database: Database, asset_id: int) -> Asset:
    with database.session_scope(write=False) as session:
        asset = session.get(Asset, asset_id)
        assert asset is not None
        return asset


def exiftool_json(path: Path) -> dict[str, Any]:
    """exiftool's own reading, as a separate process: the independent witness."""
    out = subprocess.run(
        ["exiftool", "-j", "-G1", "-charset", "utf8", str(path)],
        check=True,
        capture_output=True,
    ).stdout
    return dict(json.loads(out)[0])


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- round trip -------------------------------------------------------------------------


def test_round_trip_into_another_library(
    database: Database, other: Database, tmp_path: Path
) -> None:
    [asset_id] = ingest(database, fixture_copy("iptc-utf8.jpg", tmp_path / "in"))
    edit(database, asset_id, **EDIT)
    report = export_assets(database, [asset_id], tmp_path / "out")
    assert not report.failed and not report.warnings
    [exported] = report.exported
    assert exported.path == tmp_path / "out" / "iptc-utf8.jpg"

    [copy_id] = ingest(other, exported.path)
    assert fields(other, copy_id) == {name: EDIT[name] for name in READ_BACK}
    # Same picture, new bytes: the other library sees the same content digest.
    assert asset_row(other, copy_id).content_digest == asset_row(database, asset_id).content_digest
    assert asset_row(other, copy_id).sha256 != asset_row(database, asset_id).sha256


def test_exiftool_sees_values_in_iptc_xmp_and_exif(database: Database, tmp_path: Path) -> None:
    [asset_id] = ingest(database, fixture_copy("iptc-utf8.jpg", tmp_path / "in"))
    edit(database, asset_id, **EDIT)
    [exported] = export_assets(database, [asset_id], tmp_path / "out").exported
    tags = exiftool_json(exported.path)

    assert tags["IFD0:ImageDescription"] == EDIT["caption"]
    assert tags["IPTC:Caption-Abstract"] == EDIT["caption"]
    assert tags["XMP-dc:Description"] == EDIT["caption"]
    assert tags["IFD0:Artist"] == "Maryam Ahmadi; Léa Müller"
    assert as_list(tags["IPTC:By-line"]) == ["Maryam Ahmadi", "Léa Müller"]
    assert as_list(tags["XMP-dc:Creator"]) == ["Maryam Ahmadi", "Léa Müller"]
    assert tags["IFD0:Copyright"] == tags["IPTC:CopyrightNotice"] == tags["XMP-dc:Rights"]
    assert tags["IPTC:Headline"] == tags["XMP-photoshop:Headline"] == EDIT["headline"]
    assert tags["IPTC:ObjectName"] == tags["XMP-dc:Title"] == EDIT["title"]
    assert tags["IPTC:Credit"] == tags["XMP-photoshop:Credit"] == EDIT["credit"]
    assert tags["IPTC:Source"] == tags["XMP-photoshop:Source"] == EDIT["source"]
    assert as_list(tags["IPTC:Keywords"]) == as_list(tags["XMP-dc:Subject"]) == EDIT["keywords"]
    assert tags["IPTC:SpecialInstructions"] == tags["XMP-photoshop:Instructions"]
    assert tags["XMP-iptcCore:AltTextAccessibility"] == EDIT["alt_text"]
    assert tags["XMP-xmpRights:UsageTerms"] == EDIT["usage_terms"]
    assert tags["IPTC:CodedCharacterSet"] == "UTF8"
    # The archive note: IPTC Genre "Archive material", and the date at its precision.
    assert tags["XMP-iptcCore:IntellectualGenre"] == "Archive material"
    assert tags["IPTC:ObjectAttributeReference"] == "IPTC:003:Archive material"
    assert tags["IPTC:DateCreated"] == "1968:07:00"
    assert tags["XMP-photoshop:DateCreated"] == "1968:07"
    assert "IPTC:TimeCreated" not in tags  # 14:30 belonged to the old 2019 date
    # The IPTC digest is current, so MWG readers keep trusting XMP.
    assert tags["Photoshop:IPTCDigest"] == tags["File:CurrentIPTCDigest"]
    # Camera facts are left alone.
    assert tags["ExifIFD:DateTimeOriginal"] == "2019:07:06 14:30:00"
    assert tags["IFD0:Model"] == "Canon EOS 5D Mark IV"


def test_original_image_data_is_byte_identical(database: Database, tmp_path: Path) -> None:
    [asset_id] = ingest(database, fixture_copy("iptc-utf8.jpg", tmp_path / "in"))
    edit(database, asset_id, caption="A new caption " * 40, keywords=["x"] * 1)
    stored = Store(database.config.store_root).absolute(asset_row(database, asset_id).store_path)
    [exported] = export_assets(database, [asset_id], tmp_path / "out").exported
    before, after = stored.read_bytes(), exported.path.read_bytes()
    assert before != after
    # Every JPEG segment except APPn and COM, and the scan data, are unchanged.
    assert digests.content_digest(after) == digests.content_digest(before)
    assert digests.content_digest(after) == asset_row(database, asset_id).content_digest


def test_cleared_fields_are_removed_everywhere(
    database: Database, other: Database, tmp_path: Path
) -> None:
    [asset_id] = ingest(database, fixture_copy("iptc-utf8.jpg", tmp_path / "in"))
    assert asset_row(database, asset_id).headline  # the fixture has them all
    edit(database, asset_id, caption="", creator="", headline="", keywords=[], instructions="")
    [exported] = export_assets(database, [asset_id], tmp_path / "out").exported
    tags = exiftool_json(exported.path)
    for gone in (
        "IFD0:ImageDescription",
        "IPTC:Caption-Abstract",
        "XMP-dc:Description",
        "IFD0:Artist",
        "IPTC:By-line",
        "XMP-dc:Creator",
        "IPTC:Headline",
        "XMP-photoshop:Headline",
        "IPTC:Keywords",
        "XMP-dc:Subject",
        "IPTC:SpecialInstructions",
        "XMP-photoshop:Instructions",
    ):
        assert gone not in tags, gone
    assert tags["IPTC:Credit"] == "Photodesk/Léa Müller"  # untouched fields stay
    [copy_id] = ingest(other, exported.path)
    copy = fields(other, copy_id)
    assert copy["caption"] is None and copy["creator"] is None and copy["keywords"] == []


def test_legacy_cp1252_iptc_is_transcoded(database: Database, tmp_path: Path) -> None:
    [asset_id] = ingest(database, fixture_copy("iptc-cp1252.jpg", tmp_path / "in"))
    edit(database, asset_id, credit="Société Photo")
    [exported] = export_assets(database, [asset_id], tmp_path / "out").exported
    data = exported.path.read_bytes()
    meta = read_metadata(data, imaging.open_image(data), exported.path)
    assert meta.iptc_charset == "utf-8"
    assert meta.iptc["headline"] == "Café – summer"  # read as cp1252, written as UTF-8
    assert meta.iptc["credit"] == "Société Photo"
    assert meta.iptc["creator"] == ["René Gauthier"]


# --- IIM limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,limit,expected",
    [
        ("abc", 3, "abc"),
        ("abcd", 3, "abc"),
        ("aé", 2, "a"),  # é is 2 bytes: never half of it
        ("a北京", 3, "a"),
        ("a北京", 4, "a北"),
        ("ab😀", 5, "ab"),
        ("ab😀", 6, "ab😀"),
    ],
)
def test_cut_utf8_keeps_whole_characters(text: str, limit: int, expected: str) -> None:
    assert cut_utf8(text, limit) == expected
    assert len(cut_utf8(text, limit).encode("utf-8")) <= limit


def test_long_values_full_in_xmp_cut_in_iim(
    database: Database, other: Database, tmp_path: Path
) -> None:
    caption = "a" * 1999 + "é" * 501  # 2,500 characters; byte 2000 is inside an é
    credit = "x" + "北" * 59  # 60 characters; byte 32 is inside the 11th 北
    assert len(caption) == 2500 and len(credit) == 60
    [asset_id] = ingest(database, fixture_copy("iptc-utf8.jpg", tmp_path / "in"))
    edit(database, asset_id, caption=caption, credit=credit)
    report = export_assets(database, [asset_id], tmp_path / "out")
    assert sorted(w.field for w in report.warnings) == ["caption", "credit"]
    assert all(str(w).startswith(f"photo {asset_id}: ") for w in report.warnings)

    tags = exiftool_json(report.exported[0].path)
    assert tags["XMP-dc:Description"] == caption
    assert tags["IFD0:ImageDescription"] == caption
    assert tags["IPTC:Caption-Abstract"] == "a" * 1999
    assert tags["XMP-photoshop:Credit"] == credit
    assert tags["IPTC:Credit"] == "x" + "北" * 10
    assert len(tags["IPTC:Credit"].encode()) == 31
    # The digest is current, so a reader takes the complete XMP value.
    [copy_id] = ingest(other, report.exported[0].path)
    assert fields(other, copy_id)["credit"] == credit


def test_cli_export_prints_one_line_per_warning(
    run: Any, database: Database, tmp_path: Path
) -> None:
    [asset_id] = ingest(database, fixture_copy("iptc-utf8.jpg", tmp_path / "in"))
    # Keywords are at most 64 characters in the catalog, but IIM counts 64 bytes.
    edit(database, asset_id, credit="C" * 40, keywords=["ü" * 64, "short", "é" * 40])
    result = run("export", str(asset_id), "--to", str(tmp_path / "out"))
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 2, result.stderr
    assert any("credit is 40 bytes" in w for w in warnings)
    assert any("2 keywords value(s)" in w for w in warnings)
    assert str(tmp_path / "out" / "iptc-utf8.jpg") in result.stdout
    tags = exiftool_json(tmp_path / "out" / "iptc-utf8.jpg")
    assert tags["IPTC:Keywords"] == ["ü" * 32, "short", "é" * 32]
    assert tags["XMP-dc:Subject"] == ["ü" * 64, "short", "é" * 40]


# --- renditions, names, formats ---------------------------------------------------------


def test_web_rendition_carries_the_fields(database: Database, tmp_path: Path) -> None:
    [asset_id] = ingest(database, fixture_copy("iptc-utf8.jpg", tmp_path / "in"))
    edit(database, asset_id, **EDIT)
    [exported] = export_assets(database, [asset_id], tmp_path / "out", "web").exported
    assert exported.path.name == "iptc-utf8-web.jpg"
    web = next(r for r in asset_row_renditions(database, asset_id) if r[0] == "web")
    stored = Store(database.config.store_root).absolute(web[1])
    assert digests.content_digest(exported.path.read_bytes()) == digests.content_digest(
        stored.read_bytes()
    )
    tags = exiftool_json(exported.path)
    assert tags["XMP-dc:Description"] == tags["IPTC:Caption-Abstract"] == EDIT["caption"]
    assert tags["IFD0:ImageDescription"] == EDIT["caption"]
    assert as_list(tags["XMP-dc:Creator"]) == ["Maryam Ahmadi", "Léa Müller"]
    assert tags["XMP-iptcCore:IntellectualGenre"] == "Archive material"


def asset_row_renditions(database: Database, asset_id: int) -> list[tuple[str, str]]:
    with database.session_scope(write=False) as session:
        asset = session.get(Asset, asset_id)
        assert asset is not None
        return [(r.kind, r.store_path) for r in asset.renditions]


def test_name_collisions_get_numbered(database: Database, tmp_path: Path) -> None:
    make_jpeg(tmp_path / "a" / "photo.jpg", seed=1)
    make_jpeg(tmp_path / "b" / "photo.jpg", seed=2)
    ids = ingest(database, tmp_path / "a" / "photo.jpg", tmp_path / "b" / "photo.jpg")
    out = tmp_path / "out"
    report = export_assets(database, ids, out)
    assert [e.path.name for e in report.exported] == ["photo.jpg", "photo (2).jpg"]
    again = export_assets(database, ids[:1], out)  # never overwrites an earlier export
    assert again.exported[0].path.name == "photo (3).jpg"
    assert sorted(p.name for p in out.iterdir()) == ["photo (2).jpg", "photo (3).jpg", "photo.jpg"]


def test_misnamed_file_is_written_as_what_it_is(database: Database, tmp_path: Path) -> None:
    # exiftool alone refuses: "Not a valid PNG (looks more like a JPEG)".
    [asset_id] = ingest(database, make_jpeg(tmp_path / "in" / "misnamed.png", seed=4))
    edit(database, asset_id, caption="really a JPEG")
    [exported] = export_assets(database, [asset_id], tmp_path / "out").exported
    assert exported.path.name == "misnamed.png"
    assert exiftool_json(exported.path)["IPTC:Caption-Abstract"] == "really a JPEG"
    report = write_back(database, [asset_id], user="ana")
    assert not report.failed and len(report.written) == 1
    assert asset_row(database, asset_id).store_path.endswith(".png")


@pytest.mark.parametrize("name", ["photo.tif", "plain.png", "photo.webp", "anim.gif", "photo.heic"])
def test_other_formats_round_trip(
    name: str, database: Database, other: Database, tmp_path: Path
) -> None:
    [asset_id] = ingest(database, fixture_copy(name, tmp_path / "in"))
    values = {
        "caption": f"{PERSIAN}\nzweite Zeile ü",
        "credit": "Photodesk/Émile",
        "creator": "Maryam Ahmadi; Léa Müller",
        "keywords": [CHINESE, "é"],
        "headline": "Headline ü",
        "original_date": "2001-02-03",
    }
    edit(database, asset_id, **values)
    report = export_assets(database, [asset_id], tmp_path / "out")
    assert not report.failed
    [exported] = report.exported
    assert exported.sidecar is None and exported.path.name == name
    stored = Store(database.config.store_root).absolute(asset_row(database, asset_id).store_path)
    assert exported.path.read_bytes() != stored.read_bytes()
    [copy_id] = ingest(other, exported.path)
    copy = fields(other, copy_id)
    assert {k: copy[k] for k in values} == values
    assert asset_row(other, copy_id).content_digest == asset_row(database, asset_id).content_digest


def test_sidecar_when_exiftool_cannot_write_the_format(
    database: Database, other: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = ExifTool()
    monkeypatch.setattr(tool, "writable_extensions", lambda: frozenset({".jpg", ".jpeg"}))
    [asset_id] = ingest(database, fixture_copy("anim.gif", tmp_path / "in"))
    edit(database, asset_id, caption=f"Sidecar {CHINESE}", credit="Side Credit")
    try:
        [exported] = export_assets(database, [asset_id], tmp_path / "out", tool=tool).exported
        stored = Store(database.config.store_root).absolute(
            asset_row(database, asset_id).store_path
        )
        assert exported.path.read_bytes() == stored.read_bytes()  # untouched
        assert exported.sidecar == tmp_path / "out" / "anim.gif.xmp"
        [copy_id] = ingest(other, exported.path)
        assert fields(other, copy_id)["caption"] == f"Sidecar {CHINESE}"
        assert fields(other, copy_id)["credit"] == "Side Credit"

        old_sha = asset_row(database, asset_id).sha256
        report = write_back(database, [asset_id], user="ana", tool=tool)
        assert [row["how"] for row in report.written] == ["sidecar"]
        assert asset_row(database, asset_id).sha256 == old_sha
        assert Path(str(stored) + ".xmp").is_file()
        assert "Side Credit" in Path(str(stored) + ".xmp").read_text("utf-8")
    finally:
        tool.close()


# --- failures ---------------------------------------------------------------------------


def test_missing_store_file_is_one_line_and_others_export(
    run: Any, database: Database, tmp_path: Path
) -> None:
    make_jpeg(tmp_path / "in" / "kept.jpg", seed=1)
    make_jpeg(tmp_path / "in" / "lost.jpg", seed=2)
    kept, lost = ingest(database, tmp_path / "in" / "kept.jpg", tmp_path / "in" / "lost.jpg")
    Store(database.config.store_root).absolute(asset_row(database, lost).store_path).unlink()
    result = run("export", str(kept), str(lost), "--to", str(tmp_path / "out"))
    assert result.exit_code == 3
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"failed: photo {lost} (lost.jpg): the stored original is missing")
    assert "Traceback" not in result.stdout + result.stderr
    assert (tmp_path / "out" / "kept.jpg").is_file()
    assert not (tmp_path / "out" / "lost.jpg").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["kept.jpg"]  # no temporaries

    result = run("writeback", str(lost), "--json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["failed"][0]["id"] == lost


def test_unknown_id_and_missing_exiftool_are_one_line_errors(
    run: Any, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run("export", "999", "--to", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.stderr.strip() == "photodesk: error: no photo with id 999"

    make_jpeg(tmp_path / "in" / "a.jpg", seed=1)
    [asset_id] = ingest(database, tmp_path / "in" / "a.jpg")
    missing = ExifTool(executable=str(tmp_path / "no-such-exiftool"))
    monkeypatch.setattr("library.files.export.shared", lambda: missing)
    result = run("export", str(asset_id), "--to", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "photodesk: error: exiftool not found: install libimage-exiftool-perl"
    )
    with pytest.raises(ExiftoolError, match="^exiftool not found"):
        missing.start()


def test_export_file_for_a_download(database: Database, tmp_path: Path) -> None:
    [asset_id] = ingest(database, fixture_copy("iptc-utf8.jpg", tmp_path / "in"))
    edit(database, asset_id, caption=PERSIAN)
    path = export_file(database, asset_id, "web")
    try:
        assert path.name == "iptc-utf8-web.jpg"
        assert exiftool_json(path)["XMP-dc:Description"] == PERSIAN
    finally:
        shutil.rmtree(path.parent)
    Store(database.config.store_root).absolute(asset_row(database, asset_id).store_path).unlink()
    with pytest.raises(ExportError, match="stored original is missing"):
        export_file(database, asset_id)


# --- write-back -------------------------------------------------------------------------


def test_writeback_rewrites_the_stored_original(database: Database, tmp_path: Path) -> None:
    [asset_id] = ingest(database, fixture_copy("iptc-utf8.jpg", tmp_path / "in"))
    edit(database, asset_id, **EDIT)
    store = Store(database.config.store_root)
    before = asset_row(database, asset_id)
    old_file = store.absolute(before.store_path)

    report = write_back(database, [asset_id], user="ana")
    assert not report.failed and [r["id"] for r in report.written] == [asset_id]
    after = asset_row(database, asset_id)
    new_file = store.absolute(after.store_path)
    data = new_file.read_bytes()
    assert after.sha256 != before.sha256
    assert after.sha256 == digests.sha256_hex(data)
    assert after.store_path == store.original_path(after.sha256, ".jpg")
    assert after.file_size == len(data)
    assert not old_file.exists()
    assert digests.content_digest(data) == before.content_digest == after.content_digest
    assert after.version == before.version  # no field changed: editors keep their version
    meta = read_metadata(data, imaging.open_image(data), new_file)
    assert meta.values["caption"] == EDIT["caption"]
    assert meta.values["creator"] == ["Maryam Ahmadi", "Léa Müller"]

    with database.session_scope(write=False) as session:
        rows = session.scalars(
            select(Change).where(Change.asset_id == asset_id, Change.field == "file")
        ).all()
    assert [(r.old_value, r.new_value, r.source, r.user) for r in rows] == [
        (before.sha256, after.sha256, "writeback", "ana")
    ]
    assert rows[0].note and before.store_path in rows[0].note

    again = write_back(database, [asset_id], user="ana")
    assert again.written == [] and again.unchanged == [asset_id]
    assert asset_row(database, asset_id).sha256 == after.sha256
    with database.session_scope(write=False) as session:
        count = len(session.scalars(select(Change).where(Change.field == "file")).all())
    assert count == 1
    assert verify_library(database).problems == []


def test_writeback_all_changed(run: Any, database: Database, tmp_path: Path) -> None:
    for seed in (1, 2, 3):
        make_jpeg(tmp_path / "in" / f"p{seed}.jpg", seed=seed)
    a, b, c = ingest(database, *(tmp_path / "in" / f"p{s}.jpg" for s in (1, 2, 3)))
    edit(database, a, caption="edited")
    edit(database, b, status="approved")  # not written into files: not "changed"

    first = run("writeback", "--all-changed", "--json", "--user", "ana")
    assert first.exit_code == 0, first.stderr
    assert [row["id"] for row in json.loads(first.stdout)["written"]] == [a]

    second = run("writeback", "--all-changed", "--json")
    assert json.loads(second.stdout) == {
        "written": [],
        "unchanged": [],
        "failed": [],
        "warnings": [],
    }
    edit(database, c, keywords=["new"])
    edit(database, a, credit="Again")
    third = json.loads(run("writeback", "--all-changed", "--json").stdout)
    assert [row["id"] for row in third["written"]] == [a, c]
    assert run("writeback").exit_code == 2  # neither ids nor --all-changed
    text = run("writeback", str(a))
    assert text.exit_code == 0 and "1 up to date" in text.stdout


# --- the exiftool process ---------------------------------------------------------------


def test_one_exiftool_process_serves_many_files(
    run: Any, database: Database, tmp_path: Path
) -> None:
    paths = [make_jpeg(tmp_path / "in" / f"p{seed}.jpg", seed=seed) for seed in range(6)]
    ids = ingest(database, *paths)
    tool = ExifTool()
    try:
        tool.start()
        pid = tool.pid
        report = export_assets(database, ids, tmp_path / "out", tool=tool)
        report2 = export_assets(database, ids, tmp_path / "out", "web", tool=tool)
        assert len(report.exported) == len(report2.exported) == 6
        assert tool.pid == pid and tool.starts == 1
    finally:
        tool.close()
    assert tool.pid is None

    # The CLI uses the process-wide one; two commands, one process.
    assert run("export", *map(str, ids[:3]), "--to", str(tmp_path / "cli")).exit_code == 0
    pid = shared().pid
    assert pid is not None
    assert run("export", *map(str, ids[3:]), "--to", str(tmp_path / "cli")).exit_code == 0
    assert shared().pid == pid


def test_exiftool_restarts_after_a_crash_and_a_timeout() -> None:
    with ExifTool() as tool:
        first = tool.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while tool.running and time.monotonic() < deadline:
            time.sleep(0.01)
        assert tool.execute(["-ver"]).stdout.strip() == "12.57"
        assert tool.pid not in (None, first) and tool.starts == 2

        with pytest.raises(ExiftoolError, match="did not answer"):
            tool.execute(["-ver"], timeout=1e-9)
        assert tool.execute(["-ver"]).status == 0 and tool.starts == 3


def test_values_survive_the_argument_pipe(tmp_path: Path) -> None:
    tricky = '  two leading spaces, $var @list "quotes" & <b>\ttab\nnext line\\ end '
    assert "\n" not in encode_value(tricky)
    path = make_jpeg(tmp_path / "t.jpg")
    with ExifTool() as tool:
        tool.write(path, [("XMP-dc:Description", tricky), ("XMP-dc:Subject", "a, b")])
        [tags] = tool.read([path], "-G1", "-XMP-dc:all")
    assert tags["XMP-dc:Description"] == tricky.replace("\x00", "")
    assert tags["XMP-dc:Subject"] == "a, b"  # one keyword, not split on the comma


def test_metadata_tags_for_formats_without_iptc(database: Database, tmp_path: Path) -> None:
    [asset_id] = ingest(database, fixture_copy("anim.gif", tmp_path / "in"))
    edit(database, asset_id, caption="c", archive=False)
    with database.session_scope(write=False) as session:
        asset = session.get(Asset, asset_id)
        assert asset is not None
        gif = metadata_tags(asset, {"XMP"})
        full = metadata_tags(asset)
    assert all(tag.startswith("XMP-") for tag, _ in gif)
    assert ("XMP-iptcCore:IntellectualGenre-", "Archive material") in gif  # only that value
    assert ("IPTCDigest", "new") in full and ("IPTC:CodedCharacterSet", "UTF8") in full
    assert ("EXIF:ImageDescription", "c") in full and ("EXIF:Artist", None) in full
