"""Real-camera quirks: a metadata problem costs that metadata, never the photo.

The fixtures are generated here, modelled on three files of issue 10: a Nikon
D1X JPEG whose IPTC has a dataset with no value, a phone JPEG missing its last
33 bytes, and a JPEG whose frame header says height 0 (a DNL marker).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, UnidentifiedImageError

from assets import imaging, iptc, metadata
from assets.analysis import analyze_file
from library.db.engine import Database
from library.ingest.pipeline import IngestOptions, IngestSession
from tests.conftest import jpeg_bytes
from tests.webui.webutil import add_user, app_fixture, client_fixture, sign_in

__all__ = ["app_fixture", "client_fixture"]

CAPTION = "Harbour cranes at dawn"
BYLINE = "Ana Costa"


# --- generated fixtures ----------------------------------------------------------------


def iim(record: int, dataset: int, value: bytes) -> bytes:
    return bytes((0x1C, record, dataset)) + len(value).to_bytes(2, "big") + value


def app13(iim_block: bytes) -> bytes:
    """An APP13 segment: Photoshop 3.0 resources holding one IPTC-IIM block (0x0404)."""
    resource = b"8BIM" + (0x0404).to_bytes(2, "big") + b"\x00\x00"
    resource += len(iim_block).to_bytes(4, "big") + iim_block + b"\x00" * (len(iim_block) & 1)
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + (len(payload) + 2).to_bytes(2, "big") + payload


def with_segment(jpeg: bytes, segment: bytes) -> bytes:
    """Insert a marker segment right after SOI."""
    return jpeg[:2] + segment + jpeg[2:]


def empty_iptc_dataset_jpeg(seed: int = 10) -> bytes:
    """IPTC whose keyword dataset (2:25) has no value, between two good datasets.

    Pillow's IPTC reader returns None for such a dataset, which once refused
    the whole photo with an AttributeError.
    """
    block = (
        iim(1, 90, b"\x1b%G")
        + iim(2, 120, CAPTION.encode())
        + iim(2, 25, b"")
        + iim(2, 80, BYLINE.encode())
    )
    return with_segment(jpeg_bytes(seed, (480, 360)), app13(block))


def truncated_jpeg(missing: int, seed: int = 11, size: tuple[int, int] = (1600, 1200)) -> bytes:
    return jpeg_bytes(seed, size)[:-missing]


def dnl_jpeg(seed: int = 12) -> bytes:
    """Frame header height 0, the real height in a DNL marker after the first scan."""
    data = bytearray(jpeg_bytes(seed, (320, 240)))
    sof = data.find(b"\xff\xc0")
    height = bytes(data[sof + 5 : sof + 7])
    data[sof + 5 : sof + 7] = b"\x00\x00"
    eoi = data.rfind(b"\xff\xd9")
    return bytes(data[:eoi]) + b"\xff\xdc\x00\x04" + height + b"\xff\xd9"


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


# --- the three files of the issue ------------------------------------------------------


def test_an_iptc_dataset_with_no_value_costs_only_that_dataset(tmp_path: Path) -> None:
    result = analyze_file(str(write(tmp_path, "d1x.jpg", empty_iptc_dataset_jpeg())))
    assert result.error is None
    assert result.metadata is not None
    assert result.metadata.iptc["caption"] == CAPTION
    assert result.metadata.iptc["creator"] == [BYLINE]
    assert "keywords" not in result.metadata.iptc
    assert result.warnings == ["IPTC: empty dataset 2:25 ignored"]


def test_decode_iim_accepts_missing_values() -> None:
    """Pillow's IPTC reader gives None for an empty dataset: the exact crash of the issue."""
    info: dict[tuple[int, int], Any] = {
        (2, 120): b"Caption",
        (2, 25): [None, b"harbour"],
        (2, 105): None,
    }
    values, _ = iptc.decode_iim(info)
    assert values == {"caption": "Caption", "keywords": ["harbour"]}


def test_a_jpeg_missing_its_last_bytes_is_ingested_as_browsers_show_it(tmp_path: Path) -> None:
    whole = analyze_file(str(write(tmp_path, "whole.jpg", jpeg_bytes(11, (1600, 1200)))))
    cut = analyze_file(str(write(tmp_path, "cut.jpg", truncated_jpeg(33))))
    assert cut.error is None
    assert cut.warnings == [imaging.TRUNCATED_WARNING]
    assert (cut.upright_width, cut.upright_height) == (1600, 1200)
    # The rendition shows the missing rows as a grey band at the bottom, full size.
    web = Image.open(io.BytesIO(next(r.data for r in cut.renditions if r.kind == "web")))
    assert web.size == (1280, 960)
    bottom = web.convert("RGB").getpixel((640, 958))
    assert all(abs(c - 128) <= 3 for c in bottom)  # type: ignore[union-attr]
    # Its signals come from what decodes, so it stays a near-exact copy of the whole file.
    distance = bin((whole.hashes["phash"] ^ cut.hashes["phash"]) & (2**64 - 1)).count("1")
    assert distance <= 4
    assert cut.content_digest != whole.content_digest  # different bytes of image data


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
def test_a_jpeg_cut_further_is_refused_with_the_share_missing(tmp_path: Path, share: float) -> None:
    data = jpeg_bytes(11, (1600, 1200))
    path = write(tmp_path, "cut.jpg", data[: int(len(data) * (1 - share))])
    result = analyze_file(str(path))
    assert result.error is not None
    assert result.error.startswith("truncated: ") and "% of the picture is missing" in result.error
    # Rows, not bytes: the detail (and so the bytes) is not spread evenly over the rows.
    assert 5 <= int(result.error.split()[1]) <= 100


def test_a_height_0_frame_is_refused_in_words(tmp_path: Path) -> None:
    result = analyze_file(str(write(tmp_path, "dnl.jpg", dnl_jpeg())))
    assert result.error == "JPEG frame height is 0 (DNL marker), which this decoder cannot read"


# --- more metadata quirks --------------------------------------------------------------


def test_a_photoshop_block_that_breaks_pillows_header_parser(tmp_path: Path) -> None:
    """A resource cut after its code stops Pillow from opening the JPEG at all."""
    payload = b"Photoshop 3.0\x008BIM\x04\x04"
    segment = b"\xff\xed" + (len(payload) + 2).to_bytes(2, "big") + payload
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(with_segment(jpeg_bytes(13), segment)))
    result = analyze_file(str(write(tmp_path, "ps.jpg", with_segment(jpeg_bytes(13), segment))))
    assert result.error is None
    assert any(
        w.startswith("JPEG header: a metadata segment is malformed") for w in result.warnings
    )
    assert "IPTC: Photoshop resource header cut short at byte 0" in result.warnings


def test_a_short_icc_chunk_costs_the_profile(tmp_path: Path) -> None:
    segment = b"\xff\xe2\x00\x0eICC_PROFILE\x00"  # the identifier and nothing else
    data = with_segment(jpeg_bytes(14), segment)
    result = analyze_file(str(write(tmp_path, "icc.jpg", data)))
    assert result.error is None
    assert "ICC profile: a chunk is cut short; profile ignored" in result.warnings


def exif_jpeg(exif: Image.Exif, seed: int = 15) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(jpeg_bytes(seed))).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_odd_gps_and_orientation_cost_only_those_values(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Nikon"
    exif[0x0112] = 42  # orientation out of range
    exif[0x8825] = {1: "N", 2: (1.0, 2.0, 3.0, 4.0), 3: "E", 4: (8.0, 30.0, 0.0)}
    result = analyze_file(str(write(tmp_path, "gps.jpg", exif_jpeg(exif))))
    assert result.error is None and result.metadata is not None
    assert result.metadata.exif.make == "Nikon"
    assert result.metadata.exif.orientation is None
    assert result.metadata.exif.gps_latitude is None
    assert "EXIF Orientation: 42 is not 1-8; ignored" in result.warnings
    assert (
        "EXIF GPS latitude: 4 values where degrees, minutes and seconds are expected; ignored"
        in result.warnings
    )
    assert all("\n" not in w for w in result.warnings)


def test_oversized_values_are_cut_and_nuls_dropped(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "M" * 500  # Make: longer than the catalog column
    exif[0x010E] = "caption\x00after the terminator"
    result = analyze_file(str(write(tmp_path, "big.jpg", exif_jpeg(exif))))
    assert result.metadata is not None
    assert result.metadata.exif.make == "M" * 100
    assert result.metadata.exif.image_description == "caption"  # EXIF ASCII ends at NUL
    assert "EXIF Make: 500 characters, cut to 100" in result.warnings


# --- fuzzing the readers with mutated real segments ------------------------------------


def _segments(data: bytes) -> list[imaging.JpegSegment]:
    return [s for s in imaging.jpeg_segments(data) if 0xE0 <= s.marker <= 0xEF]


def _rich_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS", 6
    exif[0x8825] = {1: "N", 2: (47.0, 22.0, 36.0), 3: "E", 4: (8.0, 30.0, 0.0)}
    block = iim(1, 90, b"\x1b%G") + iim(2, 120, CAPTION.encode()) + iim(2, 25, b"k")
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description rdf:about="">'
        f"<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>{CAPTION}</rdf:li></rdf:Alt>"
        "</dc:description></rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()
    xmp = XMP_PREFIX + packet
    segment = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    return with_segment(with_segment(exif_jpeg(exif, seed=16), app13(block)), segment)


XMP_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"


RICH = _rich_jpeg()
MUTATIONS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8)


@settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(which=st.sampled_from(["EXIF", "XMP", "IPTC"]), mutations=MUTATIONS, cut=st.integers(0, 64))
def test_mutated_exif_xmp_and_iptc_segments_never_refuse_the_photo(
    which: str, mutations: list[tuple[int, int]], cut: int
) -> None:
    prefix = {"EXIF": b"Exif\x00\x00", "XMP": XMP_PREFIX, "IPTC": b"Photoshop 3.0\x00"}[which]
    segment = next(s for s in _segments(RICH) if s.payload.startswith(prefix))
    start = segment.start + 4  # past the marker and the length: the payload only
    data = bytearray(RICH)
    for position, value in mutations:
        data[start + position % len(segment.payload)] = value
    if cut:  # a payload that ends early, the length still claiming the old size
        payload = bytes(data[start : segment.end])[:-cut]
        data[start : segment.end] = payload + b"\x00" * cut
    image = imaging.open_image(bytes(data))
    meta = metadata.read_metadata(bytes(data), image)
    assert all(isinstance(w, str) and "\n" not in w and len(w) <= 200 for w in meta.warnings)
    assert set(meta.values) <= set(metadata.FIELDS)
    decoded = imaging.decode_photo(image, 320, bytes(data))
    assert decoded.shown.size[0] > 0


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.binary(max_size=400))
def test_iim_reader_never_raises(block: bytes) -> None:
    notes: list[str] = []
    info = iptc.read_iim(block, notes)
    values, _ = iptc.decode_iim(info)
    assert all(isinstance(v, str | list) for v in values.values())
    assert all("\n" not in n for n in notes)


# --- the warnings are recorded and shown ------------------------------------------------


@pytest.fixture
def quirky(tmp_path: Path) -> Path:
    folder = tmp_path / "card"
    write(folder, "d1x.jpg", empty_iptc_dataset_jpeg())
    write(folder, "sony.jpg", truncated_jpeg(33))
    write(folder, "dnl.jpg", dnl_jpeg())
    write(folder, "clean.jpg", jpeg_bytes(17))
    return folder


def test_warnings_are_recorded_and_listed(run: Any, quirky: Path) -> None:
    result = run("ingest", str(quirky), "--json", "--workers", "1")
    assert result.exit_code == 3  # the DNL file is refused
    report = json.loads(result.stdout)
    assert report["ingested"] == 3
    assert report["failed"] == [
        {
            "path": str(quirky / "dnl.jpg"),
            "error": "JPEG frame height is 0 (DNL marker), which this decoder cannot read",
        }
    ]
    warned = {Path(w["path"]).name: w["warning"] for w in report["warnings"]}
    assert warned == {
        "d1x.jpg": "IPTC: empty dataset 2:25 ignored",
        "sony.jpg": "truncated (displayed as browsers do)",
    }

    listed = json.loads(run("failures", "--warnings", "--json").stdout)
    assert {(Path(r["path"]).name, r["warning"]) for r in listed} == set(warned.items())
    sony = next(r for r in listed if r["path"].endswith("sony.jpg"))
    text = run("failures", "--warnings").stdout
    assert f"sony.jpg: photo {sony['asset_id']}: truncated (displayed as browsers do)" in text
    assert "dnl.jpg" in run("failures").stdout

    shown = run("show", str(sony["asset_id"])).stdout
    assert "warnings (from ingest):\n  truncated (displayed as browsers do)" in shown
    record = json.loads(run("show", str(quirky / "d1x.jpg"), "--json").stdout)
    assert record["warnings"] == ["IPTC: empty dataset 2:25 ignored"]
    assert record["fields"]["caption"] == CAPTION
    clean = json.loads(run("show", str(quirky / "clean.jpg"), "--json").stdout)
    assert clean["warnings"] == []


def test_the_photo_page_shows_the_warnings(
    app: Any, client: Any, database: Database, quirky: Path
) -> None:
    report = IngestSession(database, IngestOptions(workers=1)).run([str(quirky)])
    ids = {Path(o.path).name: o.asset_id for o in report.outcomes}
    add_user(database, "vera", "viewer")
    sign_in(client, "vera")
    page = client.get(f"/photos/{ids['sony.jpg']}").get_data(as_text=True)
    assert "Ingested with 1 warning" in page
    assert "truncated (displayed as browsers do)" in page
    clean = client.get(f"/photos/{ids['clean.jpg']}").get_data(as_text=True)
    assert "Ingested with" not in clean
