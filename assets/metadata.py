"""Reading embedded EXIF, IPTC-IIM and XMP, and reconciling them as the MWG recommends.

Each source's raw value is kept beside the reconciled one, so the catalog can
show where a caption or credit came from and what the other blocks said.
"""

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
from defusedxml import ElementTree as SafeET
from PIL import Image

from assets import imaging
from assets.errors import AssetError, DecodeTimeoutError

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
)

# IPTC-IIM record 2 datasets → field. Repeatable datasets become lists.
_IIM_FIELDS: dict[int, str] = {
    4: "genre",
    5: "title",
    25: "keywords",
    40: "instructions",
    55: "date_created",
    80: "creator",
    105: "headline",
    110: "credit",
    115: "source",
    116: "copyright",
    120: "caption",
}
_IIM_REPEATABLE = {"keywords", "creator"}
_IIM_UTF8_MARKERS = (b"\x1b%G", b"\x1b%/G", b"\x1b%/I")

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "Iptc4xmpCore": "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/",
}
_RDF = "{" + NS["rdf"] + "}"

# XMP property (namespace prefix, local name) → field, in order of preference.
_XMP_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "caption": (("dc", "description"),),
    "title": (("dc", "title"),),
    "headline": (("photoshop", "Headline"),),
    "credit": (("photoshop", "Credit"),),
    "source": (("photoshop", "Source"),),
    "copyright": (("dc", "rights"),),
    "creator": (("dc", "creator"),),
    "keywords": (("dc", "subject"),),
    "instructions": (("photoshop", "Instructions"),),
    "date_created": (("photoshop", "DateCreated"), ("exif", "DateTimeOriginal")),
    "usage_terms": (("xmpRights", "UsageTerms"),),
    "alt_text": (("Iptc4xmpCore", "AltTextAccessibility"),),
    "genre": (("Iptc4xmpCore", "IntellectualGenre"),),
}

#: Fields with an EXIF counterpart, which the MWG reconciles three ways.
_EXIF_COUNTERPART = {
    "caption": "Image ImageDescription",
    "creator": "Image Artist",
    "copyright": "Image Copyright",
}

# exifread logs every oddity of a broken file at WARNING; the catalog records
# problems itself.
logging.getLogger("exifread").setLevel(logging.CRITICAL)


class MetadataError(AssetError):
    """An embedded metadata block is malformed."""


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
#: Longest text value kept from any block; longer ones are cut (and noted).
TEXT_LIMIT = 32_000


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


# --- EXIF -----------------------------------------------------------------------------


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


# --- IPTC-IIM -------------------------------------------------------------------------


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


_IRB_IPTC = 0x0404
_IRB_IPTC_DIGEST = 0x0425
_TIFF_IPTC = 33723
_PHOTOSHOP = b"Photoshop 3.0\x00"


def photoshop_resources(data: bytes, warnings: list[str]) -> dict[int, bytes]:
    """The Photoshop image resources of a JPEG's APP13 segments (IPTC lives in 0x0404).

    Written here rather than taken from Pillow because Pillow stops the whole
    file's header at the first malformed resource; this keeps every intact one.
    A block split over several APP13 segments is joined first, as Photoshop writes it.
    """
    parts = [
        segment.payload[len(_PHOTOSHOP) :]
        for segment in imaging.jpeg_segments(data)
        if segment.marker == 0xED and segment.payload.startswith(_PHOTOSHOP)
    ]
    stream = b"".join(parts)
    resources: dict[int, bytes] = {}
    pos = 0
    while pos < len(stream):
        if stream[pos : pos + 4] != b"8BIM":
            if stream[pos:].strip(b"\x00"):
                warnings.append(f"IPTC: Photoshop resources unreadable after byte {pos}")
            break
        if pos + 7 > len(stream):
            warnings.append(f"IPTC: Photoshop resource header cut short at byte {pos}")
            break
        code = int.from_bytes(stream[pos + 4 : pos + 6], "big")
        name_length = stream[pos + 6]
        pos += 6 + 1 + name_length
        pos += pos & 1  # the name (with its length byte) is padded to even
        if pos + 4 > len(stream):
            warnings.append(f"IPTC: Photoshop resource 0x{code:04X} is cut short")
            break
        size = int.from_bytes(stream[pos : pos + 4], "big")
        pos += 4
        if pos + size > len(stream):
            warnings.append(
                f"IPTC: Photoshop resource 0x{code:04X} claims {size:,} bytes, "
                f"{len(stream) - pos:,} are present"
            )
            size = len(stream) - pos
        resources.setdefault(code, stream[pos : pos + size])
        pos += size + (size & 1)
    return resources


def _dataset_name(record: int, dataset: int) -> str:
    """IIM's own way of naming a dataset, as exiftool and the spec show it."""
    return f"{record}:{dataset}"


def read_iim(block: bytes, warnings: list[str]) -> dict[tuple[int, int], bytes | list[bytes]]:
    """The datasets of an IPTC-IIM block, keeping all that come before any damage.

    Each dataset is 0x1C, record, dataset, a length (two bytes, or an extended
    length of up to four) and the value. An empty dataset is kept as an empty
    value; damage ends the reading with one warning, and what came before stays.
    """
    info: dict[tuple[int, int], bytes | list[bytes]] = {}
    empty: list[str] = []
    pos = 0
    end = len(block)
    while pos < end:
        if block[pos] != 0x1C:
            if block[pos:].strip(b"\x00 \r\n"):
                warnings.append(
                    f"IPTC: no dataset marker at byte {pos} of {end}; "
                    f"{len(info)} datasets before it kept"
                )
            break
        if pos + 5 > end:
            warnings.append(f"IPTC: dataset header cut short at byte {pos}")
            break
        record, dataset = block[pos + 1], block[pos + 2]
        length = int.from_bytes(block[pos + 3 : pos + 5], "big")
        pos += 5
        if length & 0x8000:  # extended dataset: the next (length & 0x7FFF) bytes are the length
            count = length & 0x7FFF
            if not 1 <= count <= 4 or pos + count > end:
                warnings.append(
                    f"IPTC: dataset {_dataset_name(record, dataset)} has a malformed length"
                )
                break
            length = int.from_bytes(block[pos : pos + count], "big")
            pos += count
        if pos + length > end:
            warnings.append(
                f"IPTC: dataset {_dataset_name(record, dataset)} claims {length:,} bytes, "
                f"{end - pos:,} are present; cut"
            )
            length = end - pos
        value = block[pos : pos + length]
        pos += length
        if not value:
            empty.append(_dataset_name(record, dataset))
        key = (record, dataset)
        previous = info.get(key)
        if previous is None:
            info[key] = value
        elif isinstance(previous, list):
            previous.append(value)
        else:
            info[key] = [previous, value]
    if empty:
        shown = ", ".join(dict.fromkeys(empty))
        noun = "dataset" if len(empty) == 1 else "datasets"
        warnings.append(f"IPTC: empty {noun} {shown[:80]} ignored")
    return info


def decode_iim(
    info: dict[tuple[int, int], Any],
) -> tuple[dict[str, Any], str]:
    """Turn raw IIM datasets into field values: UTF-8 when 1:90 says so, else cp1252.

    Values that are missing (None) or empty count as absent: a dataset with no
    value must not cost the rest of the block.
    """
    marker = info.get((1, 90))
    if isinstance(marker, list):
        marker = next((m for m in marker if m), None)
    marker = marker if isinstance(marker, bytes | bytearray) else None
    charset = "utf-8" if marker and any(m in marker for m in _IIM_UTF8_MARKERS) else "cp1252"
    values: dict[str, Any] = {}
    for key, raw in info.items():
        if not isinstance(key, tuple) or len(key) != 2:
            continue
        record, dataset = key
        name = _IIM_FIELDS.get(dataset) if record == 2 else None
        if name is None:
            continue
        items = raw if isinstance(raw, list) else [raw]
        texts = [
            t
            for t in (
                _iim_text(item, charset) for item in items if isinstance(item, bytes | bytearray)
            )
            if t
        ]
        if not texts:
            continue
        if name in _IIM_REPEATABLE:
            values[name] = texts
        elif name == "date_created":
            values[name] = _iim_date(texts[0])
        else:
            values[name] = texts[0]
    return values, charset


def _iim_text(raw: bytes | bytearray, charset: str) -> str:
    try:
        text = bytes(raw).decode(charset)
    except UnicodeDecodeError:
        text = bytes(raw).decode("cp1252", errors="replace")
    return text.replace("\x00", "").strip()[:TEXT_LIMIT]


def _iim_date(text: str) -> str:
    if re.fullmatch(r"\d{8}", text):
        year, month, day = text[:4], text[4:6], text[6:8]
        if month == "00":
            return year
        if day == "00":
            return f"{year}-{month}"
        return f"{year}-{month}-{day}"
    return text


# --- ICC -----------------------------------------------------------------------------


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


# --- XMP ------------------------------------------------------------------------------


def _embedded_xmp(image: Image.Image) -> bytes | None:
    info = image.info
    for key in ("xmp", "XML:com.adobe.xmp"):
        value = info.get(key)
        if isinstance(value, str) and value:
            return value.encode("utf-8", errors="replace")
        if isinstance(value, bytes | bytearray) and value:
            return bytes(value)
    try:
        tag = image.getexif().get(700)  # TIFF XMLPacket
    except Exception:
        tag = None
    if isinstance(tag, bytes | str) and tag:
        return tag.encode("utf-8", errors="replace") if isinstance(tag, str) else tag
    return None


def _scan_xmp(data: bytes) -> bytes | None:
    """Find an XMP packet in formats whose container Pillow does not expose (GIF, HEIC)."""
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        return None
    end = data.find(b"</x:xmpmeta>", start)
    if end < 0:
        return None
    # GIF stores XMP as data sub-blocks whose length bytes land inside the text;
    # exiftool and Adobe write it so that the packet stays valid XML.
    return data[start : end + len(b"</x:xmpmeta>")]


def parse_xmp(packet: bytes) -> dict[str, Any]:
    """Extract photodesk's fields from an XMP packet, refusing entity tricks.

    Raises MetadataError for XML that does not parse.
    """
    text = _as_utf8(packet).strip(b"\x00 \t\r\n")
    start = text.find(b"<x:xmpmeta")
    if start < 0:
        start = text.find(b"<rdf:RDF")
    if start < 0:
        start = text.find(b"<")
    if start < 0:
        raise MetadataError("no XML in XMP packet")
    end_marker = b"</x:xmpmeta>" if text.startswith(b"<x:xmpmeta", start) else b"</rdf:RDF>"
    end = text.find(end_marker, start)
    body = text[start : end + len(end_marker)] if end >= 0 else text[start:]
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except SafeET.ParseError as exc:
        raise MetadataError(f"malformed XML ({exc})") from None
    except Exception as exc:  # defusedxml's EntitiesForbidden, DTDForbidden, ...
        raise MetadataError(f"refused XML ({type(exc).__name__})") from None
    properties: dict[str, Any] = {}
    rdf = root if root.tag == _RDF + "RDF" else root.find(".//" + _RDF + "RDF")
    top = rdf if rdf is not None else root
    # Only top-level descriptions: nested ones belong to structures (history, regions).
    for description in top.findall(_RDF + "Description"):
        for name, value in description.attrib.items():
            if not name.startswith(_RDF):
                properties.setdefault(name, value.strip())
        for child in description:
            value = _xmp_value(child)
            if value not in (None, "", []):
                properties.setdefault(child.tag, value)
    values: dict[str, Any] = {}
    for field_name, candidates in _XMP_FIELDS.items():
        for prefix, local in candidates:
            value = properties.get("{" + NS[prefix] + "}" + local)
            if value in (None, "", []):
                continue
            if field_name in ("keywords", "creator"):
                values[field_name] = value if isinstance(value, list) else [value]
            else:
                values[field_name] = "; ".join(value) if isinstance(value, list) else value
            break
    return values


def _as_utf8(packet: bytes) -> bytes:
    """XMP may be UTF-16 or UTF-32 (the spec allows it); ElementTree wants one encoding."""
    head = packet[:4]
    for bom, codec in (
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe", "utf-16-le"),
    ):
        if head.startswith(bom):
            return packet.decode(codec, errors="replace").lstrip("\ufeff").encode("utf-8")
    if head[:2] == b"\x00<":
        return packet.decode("utf-16-be", errors="replace").encode("utf-8")
    if head[:2] == b"<\x00":
        return packet.decode("utf-16-le", errors="replace").encode("utf-8")
    return packet


def _xmp_value(element: Any) -> str | list[str] | None:
    """Simple text, an rdf:Alt (x-default first), or an rdf:Seq/Bag as a list."""
    for container in element:
        tag = container.tag
        if tag == _RDF + "Alt":
            items = list(container.iter(_RDF + "li"))
            lang = "{http://www.w3.org/XML/1998/namespace}lang"
            chosen = next((li for li in items if li.get(lang) == "x-default"), None)
            chosen = chosen if chosen is not None else (items[0] if items else None)
            return (chosen.text or "").strip() if chosen is not None else None
        if tag in (_RDF + "Seq", _RDF + "Bag"):
            return [
                li.text.strip() for li in container.iter(_RDF + "li") if li.text and li.text.strip()
            ]
    if element.get(_RDF + "resource"):
        return str(element.get(_RDF + "resource"))
    return (element.text or "").strip() or None


# --- reconciliation -------------------------------------------------------------------


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
