"""What the catalog's values become in a file: the exiftool tags of every block, and the cuts.

The catalog is where captions are edited; files leave the desk carrying what
the catalog says. Values go into every block a reader might trust, as the
Metadata Working Group recommends (see `FIELD_TAGS`): EXIF for the three
fields it shares, IPTC-IIM for old newsroom systems, XMP for everything.
A field empty in the catalog is removed from every block, so no stale copy
can win the reader's reconciliation.

IPTC-IIM has byte limits per dataset. A longer value is written to XMP (and
EXIF) in full and cut in IIM on a UTF-8 character boundary; each cut field
becomes an `ExportWarning`. The IPTC digest is renewed, so readers that
follow the MWG keep trusting XMP over the (cut) IIM copy.

The archive note: ``archive`` becomes the IPTC Genre "Archive material",
in XMP ``Iptc4xmpCore:IntellectualGenre`` and IIM 2:04 ObjectAttributeReference
``IPTC:003:Archive material``; when the flag is off, only that value is
removed, so another genre set by someone else survives. ``original_date``
becomes IPTC DateCreated (unknown month or day as 00, as IIM allows) and XMP
``photoshop:DateCreated`` at the catalog's precision. EXIF DateTimeOriginal
is left alone: it is the camera's clock (an archive scan's, often), and EXIF
cannot say "July 1968".

Exiftool only ever edits metadata segments, so an export of an original is
the stored bytes with new metadata and identical image data; that is checked
on every write-back, which changes the stored original and so its SHA-256,
its content address. A format exiftool cannot write gets an XMP sidecar
``<name>.xmp`` instead (with exiftool 12.57 every catalog format is writable)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from library.db.models import Asset

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class FieldTags:
    """Where one catalog field is written; None where a block has no such field."""

    exif: str | None
    iim: str | None
    #: IPTC-IIM's maximum length of one value, in bytes.
    iim_limit: int
    xmp: str


#: Catalog field → tags, following the MWG guidelines (2.0) and the IPTC Photo
#: Metadata Standard. Creator and keywords are lists: one IIM dataset and one XMP
#: list item per entry, and EXIF Artist holds the creators "; "-joined.
FIELD_TAGS: dict[str, FieldTags] = {
    "caption": FieldTags(
        "EXIF:ImageDescription", "IPTC:Caption-Abstract", 2000, "XMP-dc:Description"
    ),
    "creator": FieldTags("EXIF:Artist", "IPTC:By-line", 32, "XMP-dc:Creator"),
    "copyright": FieldTags("EXIF:Copyright", "IPTC:CopyrightNotice", 128, "XMP-dc:Rights"),
    "headline": FieldTags(None, "IPTC:Headline", 256, "XMP-photoshop:Headline"),
    "title": FieldTags(None, "IPTC:ObjectName", 64, "XMP-dc:Title"),
    "credit": FieldTags(None, "IPTC:Credit", 32, "XMP-photoshop:Credit"),
    "source": FieldTags(None, "IPTC:Source", 32, "XMP-photoshop:Source"),
    "keywords": FieldTags(None, "IPTC:Keywords", 64, "XMP-dc:Subject"),
    "instructions": FieldTags(None, "IPTC:SpecialInstructions", 256, "XMP-photoshop:Instructions"),
    "alt_text": FieldTags(None, None, 0, "XMP-iptcCore:AltTextAccessibility"),
    "usage_terms": FieldTags(None, None, 0, "XMP-xmpRights:UsageTerms"),
}


#: The archive flag as the IPTC Genre NewsCode "Archive material" (IIM object attribute 003).
ARCHIVE_GENRE = "Archive material"


ARCHIVE_ATTRIBUTE = "IPTC:003:Archive material"


#: IIM datasets this module manages, kept out of the legacy-charset copy below.
_IIM_MANAGED = (
    *(t.iim for t in FIELD_TAGS.values() if t.iim),
    "IPTC:DateCreated",
    "IPTC:TimeCreated",
    "IPTC:ObjectAttributeReference",
    "IPTC:CodedCharacterSet",
)


ALL_BLOCKS = frozenset({"EXIF", "IPTC", "XMP"})


_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")


@dataclass(frozen=True)
class ExportWarning:
    """Something the recipient should know: a value cut in IIM, an exiftool warning."""

    asset_id: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"photo {self.asset_id}: {self.message}"


@dataclass
class MetadataPlan:
    """exiftool tag assignments for one file (None deletes), plus options and warnings."""

    tags: list[tuple[str, str | None]] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    warnings: list[ExportWarning] = field(default_factory=list)


def field_values(asset: Asset, name: str) -> list[str]:
    """A field as a list of non-empty texts: creators split on ";", one item otherwise."""
    value = getattr(asset, name)
    if name == "keywords":
        return [str(k).strip() for k in value or [] if str(k).strip()]
    if name == "creator":
        return [c.strip() for c in str(value or "").split(";") if c.strip()]
    text = str(value or "").strip()
    return [text] if text else []


def cut_utf8(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 fits in ``limit`` bytes, never mid-character."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    # Only the last character can be split; "ignore" drops its partial bytes.
    return raw[:limit].decode("utf-8", errors="ignore")


def metadata_tags(asset: Asset, blocks: Iterable[str] = ALL_BLOCKS) -> list[tuple[str, str | None]]:
    """The catalog's current values as exiftool tag assignments (None deletes)."""
    return plan_metadata(asset, blocks).tags


def plan_metadata(
    asset: Asset, blocks: Iterable[str] = ALL_BLOCKS, original: bool = True
) -> MetadataPlan:
    """Every tag to write for ``asset`` into the given blocks, and the IIM cuts it needs.

    ``original`` says the file is the stored original, whose own IIM block
    may need transcoding; renditions carry no IIM of their own.
    """
    wanted = frozenset(blocks)
    iim = "IPTC" in wanted
    plan = MetadataPlan()
    tags = plan.tags
    if iim:
        tags.append(("IPTC:CodedCharacterSet", "UTF8"))
        if original and (asset.embedded or {}).get("iptc_charset") == "cp1252":
            # Setting 1:90 to UTF-8 does not transcode values already there; copying
            # the IIM block onto itself does (exiftool FAQ 10). Our own datasets are
            # excluded from the copy, or lists would gain the old entries.
            plan.options += ["-tagsFromFile", "@", "-IPTC:all"]
            plan.options += [f"--{tag}" for tag in _IIM_MANAGED]
    for name, where in FIELD_TAGS.items():
        values = field_values(asset, name)
        if "EXIF" in wanted and where.exif:
            # MWG: several creators in EXIF Artist are separated by "; ".
            tags.append((where.exif, "; ".join(values) if values else None))
        if iim and where.iim:
            cut = [cut_utf8(v, where.iim_limit) for v in values]
            tags += [(where.iim, v) for v in cut] or [(where.iim, None)]
            longer = [v for v, c in zip(values, cut, strict=True) if v != c]
            if longer:
                plan.warnings.append(_cut_warning(asset.id, name, longer, where.iim_limit))
        if "XMP" in wanted:
            tags += [(where.xmp, v) for v in values] or [(where.xmp, None)]
    tags += _date_tags(asset, wanted)
    tags += _archive_tags(asset, wanted)
    if iim:
        tags.append(("IPTCDigest", "new"))
    return plan


def _cut_warning(asset_id: int, name: str, longer: list[str], limit: int) -> ExportWarning:
    label = name.replace("_", " ")
    if len(longer) == 1 and name not in ("keywords", "creator"):
        size = len(longer[0].encode("utf-8"))
        message = (
            f"{label} is {size:,} bytes, over the IPTC-IIM limit of {limit:,}: "
            "cut in IIM, complete in XMP"
        )
    else:
        message = (
            f"{len(longer)} {label} value(s) over the IPTC-IIM limit of {limit} bytes: "
            "cut in IIM, complete in XMP"
        )
    return ExportWarning(asset_id, name, message)


def _date_tags(asset: Asset, wanted: frozenset[str]) -> list[tuple[str, str | None]]:
    date = (asset.original_date or "").strip()
    stamp = _timestamp_for(asset, date)
    tags: list[tuple[str, str | None]] = []
    if "IPTC" in wanted:
        if date:
            year, month, day = (date + "-00-00").split("-")[:3]
            tags.append(("IPTC:DateCreated", f"{year}:{month}:{day}"))
        else:
            tags.append(("IPTC:DateCreated", None))
        tags.append(("IPTC:TimeCreated", stamp[11:] if stamp else None))
    if "XMP" in wanted:
        tags.append(("XMP-photoshop:DateCreated", stamp or date or None))
    return tags


def _timestamp_for(asset: Asset, date: str) -> str | None:
    """The full date and time read from the file at ingest, when it is the same day.

    The catalog keeps dates only; the time of day is kept in the export when the
    embedded XMP date (or, failing that, EXIF's) says the same day.
    """
    if len(date) != 10:
        return None
    xmp = (asset.embedded or {}).get("xmp") or {}
    for candidate in (xmp.get("date_created"), asset.taken_at):
        text = candidate if isinstance(candidate, str) else ""
        if text.startswith(date + "T") and _TIMESTAMP.match(text):
            return text
    return None


def _archive_tags(asset: Asset, wanted: frozenset[str]) -> list[tuple[str, str | None]]:
    # "TAG-" removes only the given value, so a genre set by someone else survives.
    tags: list[tuple[str, str | None]] = []
    if "XMP" in wanted:
        genre = "XMP-iptcCore:IntellectualGenre"
        tags.append((genre if asset.archive else f"{genre}-", ARCHIVE_GENRE))
    if "IPTC" in wanted:
        attribute = "IPTC:ObjectAttributeReference"
        tags.append((f"{attribute}-", ARCHIVE_ATTRIBUTE))
        if asset.archive:  # removed first, then added: never twice in the list
            tags.append((f"{attribute}+", ARCHIVE_ATTRIBUTE))
    return tags


def sidecar_tags(plan: MetadataPlan) -> list[tuple[str, str | None]]:
    """The XMP part of a plan: a sidecar is XMP only."""
    return [(tag, value) for tag, value in plan.tags if tag.startswith("XMP-")]
