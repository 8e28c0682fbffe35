"""Reading embedded EXIF, IPTC-IIM and XMP, and reconciling them as the MWG recommends.

Each source's raw value is kept beside the reconciled one, so the catalog can
show where a caption or credit came from and what the other blocks said."""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import exifread
from PIL import Image

from assets import imaging
from assets.errors import DecodeTimeoutError, MetadataError
from assets.iptc import (
    _IRB_IPTC,
    _IRB_IPTC_DIGEST,
    _TIFF_IPTC,
    TEXT_LIMIT,
    decode_iim,
    photoshop_resources,
    read_iim,
)
from assets.xmp import _embedded_xmp, _scan_xmp, parse_xmp

#: The editable fields photodesk reads from IPTC and XMP.
FIELDS = (
    "caption",
    "headline",
    "title",
    "credit",
    "source",
    "copyright",
    "creator",
    "keywords",
    "instructions",
    "date_created",
    "usage_terms",
    "alt_text",
    "genre",
    "city",
)


#: Fields with an EXIF counterpart, which the MWG reconciles three ways.
_EXIF_COUNTERPART = {
    "caption": "Image ImageDescription",
    "creator": "Image Artist",
    "copyright": "Image Copyright",
}


# exifread logs every oddity of a broken file at WARNING; the catalog records
# problems itself.
logging.getLogger("exifread").setLevel(logging.CRITICAL)


@dataclass
class Exif:
    """The EXIF facts the catalog keeps."""

    make: str | None = None
    model: str | None = None
    datetime_original: str | None = None
    offset_time_original: str | None = None
    orientation: int | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_altitude: float | None = None
    artist: str | None = None
    copyright: str | None = None
    image_description: str | None = None


@dataclass
class EmbeddedMetadata:
    """Everything read from one file, per source and reconciled."""

    exif: Exif = field(default_factory=Exif)
    iptc: dict[str, Any] = field(default_factory=dict)
    xmp: dict[str, Any] = field(default_factory=dict)
    iptc_charset: str | None = None
    iptc_digest_state: str | None = None  # "match", "mismatch" or None (no digest)
    xmp_sidecar: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def raw(self) -> dict[str, Any]:
        """A JSON-ready record of every source's values, for the catalog."""
        return {
            "exif": {k: v for k, v in vars(self.exif).items() if v is not None},
            "iptc": self.iptc,
            "xmp": self.xmp,
            "iptc_charset": self.iptc_charset,
            "iptc_digest": self.iptc_digest_state,
            "xmp_sidecar": self.xmp_sidecar,
            "warnings": self.warnings,
        }


def read_metadata(
    data: bytes, image: Image.Image | None, path: Path | None = None
) -> EmbeddedMetadata:
    """Read EXIF, IPTC and XMP (embedded or in a sidecar) and reconcile them.

    Never raises: a problem in one block costs that block (or that value), never
    the photo. Each problem becomes one warning line that names the block and
    says what is wrong, e.g. ``IPTC: dataset 2:120 is empty``.
    """
    meta = EmbeddedMetadata()
    notes = meta.warnings
    with guarded("EXIF", notes):
        meta.exif = _read_exif(data, notes)
    if image is not None:
        skipped = image.info.get(imaging.STRIPPED_METADATA)
        if skipped:
            notes.append(str(skipped))
        with guarded("IPTC", notes):
            _read_iptc(data, image, meta)
        with guarded("XMP", notes):
            packet = _embedded_xmp(image) or _scan_xmp(data)
            if packet:
                try:
                    meta.xmp = parse_xmp(packet)
                except MetadataError as exc:
                    notes.append(f"XMP: {exc}")
        with guarded("ICC profile", notes):
            _check_icc(data, image, notes)
    if path is not None:
        with guarded("XMP sidecar", notes):
            _read_sidecar(path, meta)
    with guarded("metadata", notes):
        meta.values, meta.sources = reconcile(meta)
    meta.warnings[:] = list(dict.fromkeys(" ".join(w.split())[:WARNING_LENGTH] for w in notes))
    return meta


#: A warning is one line of at most this many characters.
WARNING_LENGTH = 200


@contextmanager
def guarded(block: str, warnings: list[str]) -> Iterator[None]:
    """Whatever goes wrong inside becomes one warning naming the block.

    The readers below check what they can and say precisely what is wrong;
    this is the net under them for what nobody foresaw in a hostile file.
    """
    try:
        yield
    except DecodeTimeoutError:
        raise  # the file's time is up: that is the file's verdict, not this block's
    except RecursionError:
        warnings.append(f"{block}: too deeply nested; ignored")
    except Exception as exc:
        warnings.append(f"{block}: unreadable ({describe(exc)}); ignored")


def describe(exc: BaseException) -> str:
    """An exception as a short single line."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:120] if text else type(exc).__name__


def _read_sidecar(path: Path, meta: EmbeddedMetadata) -> None:
    sidecar = find_sidecar(path)
    if sidecar is None:
        return
    try:
        side = parse_xmp(sidecar.read_bytes())
    except OSError as exc:
        meta.warnings.append(f"XMP sidecar {sidecar.name}: {exc.strerror or describe(exc)}")
    except MetadataError as exc:
        meta.warnings.append(f"XMP sidecar {sidecar.name}: {exc}")
    else:
        meta.xmp_sidecar = sidecar.name
        # A sidecar is where editors put what the file could not hold:
        # it wins over what is embedded.
        meta.xmp = {**meta.xmp, **side}


def _clean(value: str, label: str, warnings: list[str], limit: int = TEXT_LIMIT) -> str | None:
    """Text as the catalog can store it: no NULs (PostgreSQL refuses them), not huge."""
    value = value.replace("\x00", "").strip()
    if len(value) > limit:
        warnings.append(f"{label}: {len(value):,} characters, cut to {limit:,}")
        value = value[:limit].rstrip()
    return value or None


def find_sidecar(path: Path) -> Path | None:
    """``name.ext.xmp`` (darktable, Lightroom's export) or ``name.xmp`` (Adobe's own)."""
    for candidate in (path.with_name(path.name + ".xmp"), path.with_suffix(".xmp")):
        for variant in (candidate, candidate.with_suffix(candidate.suffix.upper())):
            if variant != path and variant.is_file():
                return variant
    return None


def _read_exif(data: bytes, warnings: list[str]) -> Exif:
    try:
        tags = exifread.process_file(io.BytesIO(data), details=False, extract_thumbnail=False)
    except Exception as exc:  # exifread raises many kinds on hostile input
        warnings.append(f"EXIF: unreadable ({describe(exc)}); ignored")
        return Exif()
    if not isinstance(tags, dict):
        return Exif()

    def text(key: str, limit: int = TEXT_LIMIT) -> str | None:
        tag = tags.get(key)
        if tag is None:
            return None
        with guarded(f"EXIF {key.split()[-1]}", warnings):
            values = getattr(tag, "values", tag)
            if isinstance(values, bytes):
                value = _decode_text(values)
            elif isinstance(values, str):
                value = values
            else:
                value = str(tag)
            return _clean(value, f"EXIF {key.split()[-1]}", warnings, limit)
        return None

    exif = Exif(
        # Column sizes of the catalog: a longer make or model is not a camera's.
        make=text("Image Make", 100),
        model=text("Image Model", 100),
        datetime_original=text("EXIF DateTimeOriginal", 40) or text("Image DateTime", 40),
        offset_time_original=text("EXIF OffsetTimeOriginal", 40),
        artist=text("Image Artist"),
        copyright=text("Image Copyright"),
        image_description=text("Image ImageDescription"),
    )
    orientation = tags.get("Image Orientation")
    if orientation is not None:
        try:
            value = int(orientation.values[0])
        except (TypeError, ValueError, IndexError, AttributeError):
            warnings.append("EXIF Orientation: not a number; ignored")
        else:
            if 1 <= value <= 8:
                exif.orientation = value
            elif value != 0:  # 0 is how many writers say "not set"
                warnings.append(f"EXIF Orientation: {value} is not 1-8; ignored")
    for name, key, ref, negative, bound in (
        ("latitude", "GPS GPSLatitude", "GPS GPSLatitudeRef", "S", 90),
        ("longitude", "GPS GPSLongitude", "GPS GPSLongitudeRef", "W", 180),
    ):
        try:
            coordinate = _gps_coordinate(tags, key, ref, negative, bound)
        except (TypeError, ValueError, ZeroDivisionError, IndexError, AttributeError) as exc:
            warnings.append(f"EXIF GPS {name}: {_gps_problem(exc)}; ignored")
        else:
            setattr(exif, f"gps_{name}", coordinate)
    if (exif.gps_latitude is None) != (exif.gps_longitude is None):
        exif.gps_latitude = exif.gps_longitude = None
    altitude = tags.get("GPS GPSAltitude")
    if altitude is not None:
        try:
            meters = float(altitude.values[0])
            if not math.isfinite(meters):
                raise ValueError("not a finite number")
            exif.gps_altitude = round(meters, 2)
        except (TypeError, ValueError, ZeroDivisionError, IndexError, AttributeError) as exc:
            warnings.append(f"EXIF GPS altitude: {_gps_problem(exc)}; ignored")
    return exif


def _gps_problem(exc: BaseException) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "a fraction with denominator 0"
    if isinstance(exc, ValueError) and str(exc):
        return str(exc)
    return f"values of the wrong type ({describe(exc)})"


def _gps_coordinate(
    tags: dict[str, Any], key: str, ref_key: str, negative: str, bound: float
) -> float | None:
    tag = tags.get(key)
    if tag is None:
        return None
    values = tag.values
    if isinstance(values, str | bytes):
        raise ValueError("text where degrees, minutes and seconds are expected")
    if not 1 <= len(values) <= 3:
        raise ValueError(f"{len(values)} values where degrees, minutes and seconds are expected")
    parts = [float(v) for v in values[:3]]
    while len(parts) < 3:
        parts.append(0.0)
    value = parts[0] + parts[1] / 60 + parts[2] / 3600
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise ValueError(f"{value:g} is out of range")
    ref = tags.get(ref_key)
    if ref is not None and str(ref.values).strip().upper().startswith(negative):
        value = -value
    return round(value, 7)


def _decode_text(raw: bytes) -> str:
    """EXIF ASCII fields hold UTF-8 in practice (MWG), else Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _read_iptc(data: bytes, image: Image.Image, meta: EmbeddedMetadata) -> None:
    resources = photoshop_resources(data, meta.warnings)
    block = resources.get(_IRB_IPTC)
    if block is None and image.format == "TIFF":
        tags = getattr(image, "tag_v2", None)
        raw = getattr(tags, "_tagdata", {}).get(_TIFF_IPTC) if tags is not None else None
        block = bytes(raw) if isinstance(raw, bytes | bytearray) else None
    if not block:
        return
    info = read_iim(block, meta.warnings)
    if not info:
        return
    meta.iptc, meta.iptc_charset = decode_iim(info)
    stored = resources.get(_IRB_IPTC_DIGEST)
    if stored:
        current = hashlib.md5(block, usedforsecurity=False).digest()
        # Some writers pad the IIM block to an even length; accept either form.
        alternative = hashlib.md5(block.rstrip(b"\x00"), usedforsecurity=False).digest()
        meta.iptc_digest_state = "match" if stored[:16] in (current, alternative) else "mismatch"


_ICC = b"ICC_PROFILE\x00"


def _check_icc(data: bytes, image: Image.Image, warnings: list[str]) -> None:
    """Say when a JPEG's ICC profile is incomplete or not a profile.

    photodesk renders in sRGB and does not apply profiles, so a broken one costs
    nothing but colour fidelity; it is still worth knowing before publication.
    """
    chunks = [
        segment.payload[len(_ICC) :]
        for segment in imaging.jpeg_segments(data)
        if segment.marker == 0xE2 and segment.payload.startswith(_ICC)
    ]
    if not chunks:
        return
    if any(len(chunk) < 2 for chunk in chunks):
        warnings.append("ICC profile: a chunk is cut short; profile ignored")
        return
    total = chunks[0][1]
    numbers = sorted(chunk[0] for chunk in chunks)
    if total != len(chunks) or numbers != list(range(1, total + 1)):
        warnings.append(f"ICC profile: chunks {numbers[:8]} of {total} present; profile ignored")
        return
    profile = b"".join(chunk[2:] for chunk in sorted(chunks, key=lambda c: c[0]))
    if len(profile) < 128 or profile[36:40] != b"acsp":
        warnings.append("ICC profile: not an ICC profile (no 'acsp' signature); ignored")
    elif int.from_bytes(profile[:4], "big") != len(profile):
        warnings.append(
            f"ICC profile: header says {int.from_bytes(profile[:4], 'big'):,} bytes, "
            f"{len(profile):,} are present"
        )


def reconcile(meta: EmbeddedMetadata) -> tuple[dict[str, Any], dict[str, str]]:
    """Pick one value per field from EXIF, IPTC and XMP following the MWG guidance.

    For the three fields EXIF shares (description, artist, copyright) a
    non-blank EXIF value wins. Between IPTC and XMP, XMP wins when the stored
    IPTC digest matches or is absent (the IPTC is a synchronised legacy copy);
    when the digest does not match, an old tool changed IPTC after the XMP was
    written, so IPTC wins. With no XMP value, IPTC is used either way.
    Dates fall back to EXIF DateTimeOriginal.
    """
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    exif_values = {
        "caption": meta.exif.image_description,
        # MWG: several creators in EXIF Artist are separated by "; ".
        "creator": [a.strip() for a in meta.exif.artist.split(";") if a.strip()]
        if meta.exif.artist
        else None,
        "copyright": meta.exif.copyright,
    }
    iptc_first = meta.iptc_digest_state == "mismatch"
    for name in FIELDS:
        exif_value = exif_values.get(name)
        candidates: list[tuple[str, Any]] = []
        if exif_value and name in _EXIF_COUNTERPART:
            candidates.append(("exif", exif_value))
        order = ("iptc", "xmp") if iptc_first else ("xmp", "iptc")
        for source in order:
            block = meta.iptc if source == "iptc" else meta.xmp
            if block.get(name) not in (None, "", []):
                candidates.append((source, block[name]))
        if name == "date_created" and meta.exif.datetime_original:
            candidates.append(
                ("exif", exif_date(meta.exif.datetime_original, meta.exif.offset_time_original))
            )
        if candidates:
            sources[name], values[name] = candidates[0]
    return values, sources


def exif_date(value: str, offset: str | None = None) -> str:
    """EXIF ``YYYY:MM:DD HH:MM:SS`` with an optional offset, as ISO 8601."""
    match = re.match(r"(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?", value)
    if not match:
        return value
    year, month, day, hour, minute, second = match.groups()
    iso = f"{year}-{month}-{day}"
    if hour is not None:
        iso += f"T{hour}:{minute}:{second or '00'}"
        if offset and re.fullmatch(r"[+-]\d{2}:\d{2}", offset.strip()):
            iso += offset.strip()
    return iso
