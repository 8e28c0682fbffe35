"""The plain image functions: opening, digests, metadata and renditions, on shipped fixtures."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from assets import digests, imaging, metadata, renditions, xmp
from assets.analysis import analyze_file
from assets.errors import (
    CorruptImageError,
    ImageTooLargeError,
    MetadataError,
    UnsupportedFormatError,
)
from assets.hashes import hash_to_int64, int64_to_hex
from tests.conftest import PHOTOS


def read(name: str) -> metadata.EmbeddedMetadata:
    path = PHOTOS / name
    data = path.read_bytes()
    return metadata.read_metadata(data, imaging.open_image(data), path)


def test_iptc_utf8_xmp_and_exif() -> None:
    meta = read("iptc-utf8.jpg")
    assert meta.iptc_charset == "utf-8"
    assert meta.iptc["caption"] == "Café in Zürich — 咖啡馆"
    assert meta.xmp["caption"] == "Café in Zürich — 咖啡馆"
    assert meta.values["caption"] == "Café in Zürich — 咖啡馆"
    assert meta.values["creator"] == ["Léa Müller"]
    assert meta.values["credit"] == "Photodesk/Léa Müller"
    assert meta.values["source"] == "Photodesk"
    assert meta.values["copyright"] == "© 2019 Photodesk"
    assert meta.values["keywords"] == ["café", "Zürich", "咖啡馆"]
    assert meta.values["headline"] == "Summer café life in Zürich"
    assert meta.values["title"] == "SWITZERLAND-ZURICH-CAFE"
    assert meta.values["instructions"] == "Editorial use only – no archiving"
    assert meta.iptc["date_created"] == "2019-07-06"
    assert meta.iptc_digest_state == "match"
    exif = meta.exif
    assert (exif.make, exif.model) == ("Canon", "Canon EOS 5D Mark IV")
    assert exif.datetime_original == "2019:07:06 14:30:00"
    assert exif.offset_time_original == "+02:00"
    assert exif.gps_latitude == pytest.approx(47.3769, abs=1e-4)
    assert exif.gps_longitude == pytest.approx(8.5417, abs=1e-4)
    assert exif.orientation == 1
    assert metadata.exif_date(exif.datetime_original, exif.offset_time_original) == (
        "2019-07-06T14:30:00+02:00"
    )


def test_iptc_without_charset_marker_is_cp1252() -> None:
    meta = read("iptc-cp1252.jpg")
    assert meta.iptc_charset == "cp1252"
    assert meta.values["caption"] == "Café terrace – old town, July 2019"
    assert meta.values["creator"] == ["René Gauthier"]


def test_mwg_exif_wins_over_iptc_and_xmp() -> None:
    meta = read("mwg-conflict.jpg")
    assert meta.values["caption"] == "EXIF description" and meta.sources["caption"] == "exif"
    assert meta.values["creator"] == ["EXIF Artist"]
    # Every source's own value is kept.
    assert meta.iptc["caption"] == "IPTC caption"
    assert meta.xmp["caption"] == "XMP description"


def test_mwg_stale_iptc_digest_makes_iptc_win() -> None:
    meta = read("mwg-conflict-digest.jpg")
    assert meta.iptc_digest_state == "mismatch"
    assert meta.values["caption"] == "IPTC caption (edited after XMP)"
    assert meta.sources["caption"] == "iptc"
    assert meta.values["creator"] == ["IPTC By-line (edited)"]


def test_mwg_agrees_with_exiftool() -> None:
    for name in ("mwg-conflict.jpg", "mwg-conflict-digest.jpg", "iptc-utf8.jpg"):
        out = subprocess.run(
            ["exiftool", "-s3", "-MWG:Description", str(PHOTOS / name)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert read(name).values["caption"] == out


@pytest.mark.parametrize(
    "name,caption,credit",
    [
        ("sidecar.jpg", "Sidecar caption for sidecar.jpg", "Sidecar Credit"),
        ("sidecar2.png", "Sidecar caption for sidecar2.png", "Sidecar2 Credit"),
        ("plain.png", "PNG XMP description", "PNG Credit"),
    ],
)
def test_xmp_sidecars_and_png_itxt(name: str, caption: str, credit: str) -> None:
    meta = read(name)
    assert meta.values["caption"] == caption
    assert meta.values["credit"] == credit
    assert (meta.xmp_sidecar is not None) == name.startswith("sidecar")


@pytest.mark.parametrize(
    "name,fmt,size,caption",
    [
        ("photo.webp", "webp", (256, 192), "WebP XMP description"),
        ("photo.tif", "tiff", (112, 84), "TIFF description"),
        ("anim.gif", "gif", (120, 80), "GIF XMP description"),
        ("photo.heic", "heic", (240, 160), "HEIC XMP description"),
        ("iptc-utf8.jpg", "jpeg", (256, 192), "Café in Zürich — 咖啡馆"),
    ],
)
def test_every_format_is_analysed(name: str, fmt: str, size: tuple[int, int], caption: str) -> None:
    result = analyze_file(str(PHOTOS / name))
    assert result.error is None
    assert result.info is not None and result.info.format == fmt
    assert (result.upright_width, result.upright_height) == size
    assert result.metadata is not None and result.metadata.values.get("caption") == caption
    assert {"phash", "dhash"} <= set(result.hashes)
    kinds = {r.kind for r in result.renditions}
    assert kinds == {"thumb", "web"}
    prefix = {
        "jpeg": "jpeg:",
        "tiff": "pixels:",
        "gif": "pixels:",
        "heic": "pixels:",
        "webp": "pixels:",
    }
    assert result.content_digest.startswith(prefix[fmt])


def test_gif_digest_uses_first_frame() -> None:
    data = (PHOTOS / "anim.gif").read_bytes()
    image = imaging.open_image(data)
    first = digests.content_digest(data, image)
    image.seek(1)
    image.load()
    assert digests.content_digest(data, image) == first


def test_orientation_is_applied() -> None:
    for name, size, marker in (
        ("oriented-6.jpg", (160, 240), (150, 10)),
        ("oriented-3.jpg", (240, 160), (230, 150)),
    ):
        data = (PHOTOS / name).read_bytes()
        upright = imaging.decode(imaging.open_image(data))
        assert upright.size == size
        red, green, blue = upright.convert("RGB").getpixel(marker)  # type: ignore[misc]
        assert red > 180 and green < 90 and blue < 90


def test_same_pixels_share_content_digest_only() -> None:
    a = (PHOTOS / "same-pixels-a.jpg").read_bytes()
    b = (PHOTOS / "same-pixels-b.jpg").read_bytes()
    assert digests.sha256_hex(a) != digests.sha256_hex(b)
    assert digests.content_digest(a) == digests.content_digest(b)
    other = (PHOTOS / "original.jpg").read_bytes()
    assert digests.content_digest(other) != digests.content_digest(a)


def test_jpeg_digest_ignores_app_and_com_segments_only() -> None:
    data = (PHOTOS / "original.jpg").read_bytes()
    comment = b"\xff\xfe\x00\x07hello"
    app5 = b"\xff\xe5\x00\x06abcd"
    with_extra = data[:2] + comment + app5 + data[2:]
    assert digests.content_digest(with_extra) == digests.content_digest(data)
    # A changed quantisation table (not metadata) changes the digest.
    dqt = data.find(b"\xff\xdb")
    changed = bytearray(data)
    changed[dqt + 10] ^= 0x01
    assert digests.content_digest(bytes(changed)) != digests.content_digest(data)


def test_png_digest_ignores_ancillary_chunks(tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    from PIL import PngImagePlugin

    image = Image.open(PHOTOS / "original.jpg")
    image.save(a)
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "a caption")
    image.save(b, pnginfo=info)
    assert a.read_bytes() != b.read_bytes()
    assert digests.content_digest(a.read_bytes()) == digests.content_digest(b.read_bytes())


@pytest.mark.parametrize(
    "name,error,text",
    [
        ("empty.jpg", CorruptImageError, "empty file"),
        ("not-an-image.jpg", UnsupportedFormatError, "not a recognised image"),
        ("bomb.png", ImageTooLargeError, "30000x30000"),
    ],
)
def test_bad_files_raise_one_line_errors(name: str, error: type, text: str) -> None:
    with pytest.raises(error, match=text):
        imaging.open_image((PHOTOS / name).read_bytes())


def test_truncated_file_fails_in_analysis() -> None:
    result = analyze_file(str(PHOTOS / "truncated.jpg"))
    assert result.error is not None and "truncated" in result.error
    assert result.renditions == []


def test_hostile_xmp_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&b;</x:xmpmeta>'
    )
    with pytest.raises(MetadataError):
        xmp.parse_xmp(bomb)
    with pytest.raises(MetadataError):
        xmp.parse_xmp(b"<x:xmpmeta><unclosed></x:xmpmeta>")


def test_renditions_keep_aspect_and_never_upscale() -> None:
    image = Image.new("RGB", (4000, 1000))
    thumb = renditions.make_rendition(image, "thumb")
    assert (thumb.width, thumb.height) == (480, 120)
    small = renditions.make_rendition(Image.new("RGB", (200, 100)), "web")
    assert (small.width, small.height) == (200, 100)
    assert Image.open(__import__("io").BytesIO(thumb.data)).format == "JPEG"


def test_hash_packing_round_trips_with_imagehash() -> None:
    import imagehash

    value = imagehash.phash(Image.open(PHOTOS / "original.jpg"))
    packed = hash_to_int64(value)
    assert -(2**63) <= packed < 2**63
    assert int64_to_hex(packed) == str(value)


def test_jpeg_draft_decode_is_reduced_but_large_enough(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    Image.new("RGB", (4000, 3000), (120, 80, 40)).save(path, quality=80)
    image = imaging.open_image(path.read_bytes())
    decoded = imaging.decode(image, long_side=1280)
    assert 1280 <= max(decoded.size) < 4000


@pytest.mark.parametrize("size", [(900, 600), (2400, 1600)], ids=["own-preview", "rendered"])
def test_signals_without_renditions_are_the_signals_ingest_stores(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """Refreshing old signals skips the encodes; what it stores must not differ."""
    from tests.conftest import make_jpeg

    path = str(make_jpeg(tmp_path / "photo.jpg", size, seed=5))
    full, signals_only = analyze_file(path), analyze_file(path, render=False)
    assert [r.kind for r in full.renditions] == ["web", "thumb"]
    assert signals_only.renditions == [] and signals_only.error is None
    assert signals_only.hashes == full.hashes
    assert signals_only.fingerprint == full.fingerprint
    assert signals_only.features == full.features
    assert signals_only.content_digest == full.content_digest
