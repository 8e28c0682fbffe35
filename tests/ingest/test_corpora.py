"""Extended tests on ../shared/corpora: real camera files, reference metadata, broken files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assets import imaging, metadata
from library.catalog import photos
from library.db.engine import Database
from library.db.models import Asset, IngestFailure
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import CORPORA, SQLITE_ONLY, needs_corpora

pytestmark = [pytest.mark.extended, needs_corpora]

REFERENCE = CORPORA / "metadata" / "iptc-reference"


def read(path: Path) -> metadata.EmbeddedMetadata:
    data = path.read_bytes()
    return metadata.read_metadata(data, imaging.open_image(data), path)


def test_iptc_reference_image_matches_exiftool() -> None:
    image = next(REFERENCE.glob("*.jpg"))
    expected = json.loads(next(REFERENCE.glob("*.json")).read_text())
    expected = expected[0] if isinstance(expected, list) else expected
    meta = read(image)
    assert meta.iptc["caption"] == expected["IPTC:Caption-Abstract"]
    assert meta.iptc["headline"] == expected["IPTC:Headline"]
    assert meta.iptc["credit"] == expected["IPTC:Credit"]
    assert meta.iptc["source"] == expected["IPTC:Source"]
    assert meta.iptc["title"] == expected["IPTC:ObjectName"]
    assert meta.iptc["keywords"] == expected["IPTC:Keywords"]
    assert meta.iptc["instructions"] == expected["IPTC:SpecialInstructions"]
    assert meta.xmp["creator"] == expected["XMP-dc:Creator"]
    assert meta.xmp["keywords"] == expected["XMP-dc:Subject"]
    assert meta.xmp["usage_terms"] == expected["XMP-xmpRights:UsageTerms"]
    assert meta.values["copyright"] == expected["IFD0:Copyright"]
    assert meta.values["caption"] == expected["IFD0:ImageDescription"]


@pytest.mark.parametrize("name", ["MWG", "IPTC", "PhotoMechanic", "FotoStation"])
def test_exiftool_samples_reconcile_like_exiftool(name: str) -> None:
    image = CORPORA / "metadata" / "exiftool" / f"{name}.jpg"
    reading = json.loads((image.with_suffix(".exiftool.json")).read_text())
    reading = reading[0] if isinstance(reading, list) else reading
    meta = read(image)
    exif_description = reading.get("IFD0:ImageDescription")
    if exif_description and exif_description.strip():
        assert meta.values["caption"] == exif_description
    elif "IPTC:Caption-Abstract" in reading and "XMP-dc:Description" not in reading:
        assert meta.values["caption"] == reading["IPTC:Caption-Abstract"]


@pytest.mark.slow
@SQLITE_ONLY
def test_every_exif_sample_and_broken_file_is_ingested_or_refused(
    database: Database,
) -> None:
    folders = [CORPORA / "exif-samples", CORPORA / "broken"]
    report = IngestSession(database, IngestOptions(workers=2, time_limit=20)).run(
        [str(f) for f in folders]
    )
    candidates = report.ingested + report.already_present + len(report.failed)
    assert candidates > 120
    assert all(f["error"] and "\n" not in f["error"] for f in report.failed)
    with database.session_scope(write=False) as session:
        failures = session.scalar(select(func.count()).select_from(IngestFailure))
        assets = session.scalar(select(func.count()).select_from(Asset))
    assert failures == len(report.failed)
    assert assets == report.ingested
    # Camera files: orientation and GPS are read.
    with database.session_scope(write=False) as session:
        # exif-samples/jpg/orientation: landscape_N shows wide and portrait_N tall, for every N.
        shapes = {
            a.original_name: a.width > a.height
            for a in session.scalars(select(Asset))
            if a.original_name.startswith(("landscape_", "portrait_"))
        }
        assert len(shapes) == 16
        assert all(wide == name.startswith("landscape_") for name, wide in shapes.items())
        assert session.scalar(select(func.count()).where(Asset.gps_latitude.is_not(None)))
        assert session.scalar(select(func.count()).where(Asset.camera_model.is_not(None))) > 20


def is_specific(reason: str) -> bool:
    """A refusal says what is wrong in words: not a decoder's crash, not a bare status code."""
    if not reason or "\n" in reason or "unexpected decoder error" in reason:
        return False
    detail = reason.rsplit(": ", 1)[-1]
    if re.fullmatch(r"(decoder|encoder) error -?\d+", detail):
        return False
    # An exception's class name alone ("KeyError") is not a reason.
    return not re.fullmatch(r"[A-Z][A-Za-z]*(Error|Exception)", detail)


@pytest.mark.slow
@SQLITE_ONLY
def test_every_corpus_image_is_ingested_or_refused_in_words(database: Database) -> None:
    """Every file of ../shared/corpora (all folders) through ingest: no decoder crashes."""
    report = IngestSession(database, IngestOptions(workers=2, time_limit=30)).run([str(CORPORA)])
    assert report.ingested > 250
    vague = [f for f in report.failed if not is_specific(f["error"])]
    assert vague == []
    assert not any("unexpected decoder error" in f["error"] for f in report.failed)
    # Metadata costs metadata, never the photo: no camera or metadata sample is refused.
    refused = {Path(f["path"]).relative_to(CORPORA).parts[0] for f in report.failed}
    assert refused <= {"broken", "near-dup"}, report.failed
    with database.session_scope(write=False) as session:
        recorded = {(w.path, w.message) for w in photos.list_warnings(session)}
    assert recorded == {(w["path"], w["warning"]) for w in report.warnings}
    assert all(message and "\n" not in message for _, message in recorded)


def test_the_refusal_reasons_are_judged_as_people_would() -> None:
    assert is_specific("JPEG frame height is 0 (DNL marker), which this decoder cannot read")
    assert is_specific("truncated: 50 % of the picture is missing (at most 2 % of the rows may be)")
    assert not is_specific("unexpected decoder error: AttributeError: 'NoneType' object")
    assert not is_specific("cannot decode image: decoder error -2")
    assert not is_specific("cannot read image header: KeyError")
