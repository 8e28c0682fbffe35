"""Web-size JPEGs as their own preview, thumbnails from a reduced decode, colour profiles."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from assets import digests, imaging, renditions
from assets.analysis import analyze_file, compute_signals, signal_image
from assets.similarity import hamming
from tests.conftest import CORPORA, make_jpeg, needs_corpora

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def web_jpeg(path: Path, size: tuple[int, int] = (1600, 1067), **save: object) -> Path:
    """A photo as a site publishes it, with the metadata a CMS leaves in."""
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x013B] = "Jane Photographer"  # Artist
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)  # GPS latitude
    options: dict[str, object] = {
        "exif": exif.tobytes(),
        "comment": b"made by the CMS",
        "xmp": b'<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>',
        "icc_profile": SRGB,
        **save,
    }
    return make_jpeg(path, size, seed=3, **options)


def segments(data: bytes) -> list[int]:
    return [s.marker for s in imaging.jpeg_segments(data)]


def preview_of(path: Path) -> renditions.Rendition:
    analysis = analyze_file(str(path))
    assert analysis.error is None, analysis.error
    return next(r for r in analysis.renditions if r.kind == "web")


@pytest.mark.parametrize("progressive", [False, True])
def test_web_size_jpeg_is_its_own_preview(tmp_path: Path, progressive: bool) -> None:
    path = web_jpeg(tmp_path / "site.jpg", progressive=progressive)
    data = path.read_bytes()
    web = preview_of(path)
    assert (web.width, web.height) == (1600, 1067)
    # The picture is the file's, byte for byte: same tables, frame and scans.
    assert digests.structural_digest(web.data) == digests.structural_digest(data)
    assert Image.open(io.BytesIO(web.data)).tobytes() == Image.open(path).tobytes()
    # EXIF (with GPS), XMP and the comment are gone; the colour profile stays.
    markers = segments(web.data)
    assert 0xE1 not in markers and 0xFE not in markers
    assert b"Jane Photographer" not in web.data and b"xmpmeta" not in web.data
    assert Image.open(io.BytesIO(web.data)).info.get("icc_profile") == SRGB
    assert len(web.data) < len(data)


def test_thumbnail_comes_from_a_reduced_decode_and_keeps_the_profile(tmp_path: Path) -> None:
    path = web_jpeg(tmp_path / "site.jpg")
    analysis = analyze_file(str(path))
    thumb = next(r for r in analysis.renditions if r.kind == "thumb")
    assert (thumb.width, thumb.height) == (480, 320)
    assert Image.open(io.BytesIO(thumb.data)).info.get("icc_profile") == SRGB
    # The reduced decode the thumbnail came from is at least the thumbnail's size.
    decoded = imaging.decode(imaging.open_image(path.read_bytes()), 480)
    assert 480 <= max(decoded.size) < 1600


def test_preview_ends_where_the_picture_ends(tmp_path: Path) -> None:
    # A motion photo or a tool's trailer after EOI is no part of the picture.
    path = web_jpeg(tmp_path / "site.jpg")
    picture = path.read_bytes()
    path.write_bytes(picture + b"TRAILER\xff\xd9 with a video after it\xff\xd9")
    web = preview_of(path)
    assert web.data.endswith(b"\xff\xd9") and b"TRAILER" not in web.data
    assert Image.open(io.BytesIO(web.data)).tobytes() == Image.open(io.BytesIO(picture)).tobytes()


@pytest.mark.parametrize(
    ("what", "save", "size", "expected"),
    [
        # Stored sideways: the preview is turned upright, so it is made from pixels.
        ("turned", {}, (1600, 1067), (854, 1280)),
        ("camera size", {}, (2400, 1600), (1280, 853)),
        ("greater than the byte limit", {}, (1600, 1067), (1280, 854)),
    ],
)
def test_preview_is_made_from_pixels_otherwise(
    tmp_path: Path, what: str, save: dict[str, object], size: tuple[int, int], expected: tuple
) -> None:
    path = tmp_path / "photo.jpg"
    if what == "turned":
        exif = Image.Exif()
        exif[0x0112] = 6
        make_jpeg(path, size, seed=4, exif=exif.tobytes())
    elif what == "greater than the byte limit":
        import random

        rng = random.Random(5)
        noise = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
        noise.save(path, "JPEG", quality=100)
        assert path.stat().st_size > renditions.OWN_PREVIEW_MAX_BYTES
    else:
        make_jpeg(path, size, seed=4, **save)
    data = path.read_bytes()
    web = preview_of(path)
    assert (web.width, web.height) == expected
    assert digests.structural_digest(web.data) != digests.structural_digest(data)


def test_cmyk_and_broken_profiles_are_not_kept(tmp_path: Path) -> None:
    cmyk = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (800, 600), (10, 20, 30, 40)).save(cmyk, "JPEG")
    assert renditions.own_preview(cmyk.read_bytes(), imaging.open_image(cmyk.read_bytes())) is None
    web = preview_of(cmyk)
    assert Image.open(io.BytesIO(web.data)).mode == "RGB"
    # A profile that is not one: the re-encoded renditions say nothing (sRGB, as browsers
    # take it) rather than copy a profile a browser would guess about.
    broken = web_jpeg(tmp_path / "broken.jpg", icc_profile=b"\x00" * 200)
    assert (
        renditions.own_preview(broken.read_bytes(), imaging.open_image(broken.read_bytes())) is None
    )
    for rendition in analyze_file(str(broken)).renditions:
        assert "icc_profile" not in Image.open(io.BytesIO(rendition.data)).info


def test_truncated_web_jpeg_gets_a_preview_with_the_grey_band(tmp_path: Path) -> None:
    path = make_jpeg(tmp_path / "whole.jpg", (1200, 800), seed=6)
    data = path.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) - 1500])
    analysis = analyze_file(str(cut))
    assert analysis.error is None and imaging.TRUNCATED_WARNING in analysis.warnings
    web = next(r for r in analysis.renditions if r.kind == "web")
    assert (web.width, web.height) == (1200, 800)
    # Re-encoded from the decode, not the file's own (cut) data.
    assert digests.structural_digest(web.data) != digests.structural_digest(data)


def old_signals(data: bytes) -> dict[str, int]:
    """What ingest stored before: signals of the 1280 px preview of a full decode."""
    return compute_signals(signal_image(imaging.decode(imaging.open_image(data), 1280, data)))[0]


def test_signals_from_the_reduced_decode_match_the_full_decode(tmp_path: Path) -> None:
    for seed, size in [(7, (1600, 1067)), (8, (900, 1200)), (9, (1900, 1060))]:
        path = make_jpeg(tmp_path / f"{seed}.jpg", size, seed=seed)
        new = analyze_file(str(path)).hashes
        old = old_signals(path.read_bytes())
        assert old.keys() == new.keys()
        # Every candidate rule looks 8 bits around a stored signal.
        assert max(hamming(old[k], new[k]) for k in old) <= 4


@pytest.mark.extended
@needs_corpora
def test_signals_on_real_web_size_photos(tmp_path: Path) -> None:
    sources = sorted((CORPORA / "exif-samples" / "jpg").glob("*.jpg"))[:12]
    distances: list[int] = []
    for index, source in enumerate(sources):
        try:
            image = imaging.decode(imaging.open_image(source.read_bytes()))
        except Exception:
            continue
        scale = (1_500_000 / (image.width * image.height)) ** 0.5
        image = image.resize((round(image.width * scale), round(image.height * scale)))
        path = tmp_path / f"{index}.jpg"
        image.save(path, "JPEG", quality=82, progressive=index % 2 == 0)
        new = analyze_file(str(path)).hashes
        old = old_signals(path.read_bytes())
        distances += [hamming(old[k], new[k]) for k in old]
    assert distances
    assert max(distances) <= 6
    assert sum(distances) / len(distances) < 1.0


def test_a_profile_that_does_not_describe_the_renditions_is_left_out(tmp_path: Path) -> None:
    cmyk_profile = bytearray(SRGB)
    cmyk_profile[16:20] = b"CMYK"  # a printer profile's colour space
    cmyk = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (900, 600), (10, 20, 30, 40)).save(
        cmyk, "JPEG", icc_profile=bytes(cmyk_profile)
    )
    for rendition in analyze_file(str(cmyk)).renditions:
        assert "icc_profile" not in Image.open(io.BytesIO(rendition.data)).info
    # The same bytes on an RGB photo: they do describe it, and travel with it.
    rgb = make_jpeg(tmp_path / "rgb.jpg", (2600, 1700), seed=2, icc_profile=SRGB)
    for rendition in analyze_file(str(rgb)).renditions:
        assert Image.open(io.BytesIO(rendition.data)).info.get("icc_profile") == SRGB
