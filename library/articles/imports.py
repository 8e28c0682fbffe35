"""Importing articles into the catalog: articles, usages, and resolving images to photos.

Each article is written in its own transaction, so a bad article costs only
itself. Re-importing an article (same key) replaces its usages instead of
adding duplicates. A reference that cannot be resolved to a photo is kept as
an unresolved usage, never dropped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from assets import imaging
from assets.analysis import read_file, signal_image
from assets.errors import AssetError
from assets.formats import IMAGE_SUFFIXES
from assets.hashes import perceptual_hashes
from library.articles.importers import (
    ArticleFormatError,
    ParsedArticle,
    ParsedImage,
    parse_articles,
)
from library.articles.importers.media import (
    UploadIndex,
    same_shape,
    size_fits,
    stripped_upload_paths,
    upload_path,
)
from library.articles.importers.wxr import PUBLISHED
from library.catalog import edits
from library.db.engine import Database
from library.db.models import Article, Asset, AssetPath, Usage
from library.ingest.pipeline import IngestOptions, IngestReport, IngestSession
from library.text.captions import normalize_credit, parse_caption, stated_credit
from library.text.diffs import word_diff

#: Fields an import may fill on a photo that has no value yet.
_FILLABLE = ("caption", "alt_text", "credit", "copyright")


@dataclass
class ImportReport:
    """What an import did, for the summary line and --json."""

    files: int = 0
    articles_created: int = 0
    articles_updated: int = 0
    usages: int = 0
    resolved: int = 0
    unresolved: list[dict[str, Any]] = field(default_factory=list)
    ingested: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    #: How sure each layout-inferred reading (text dumps) is, with its unplaced lines.
    readings: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "articles_created": self.articles_created,
            "articles_updated": self.articles_updated,
            "usages": self.usages,
            "resolved": self.resolved,
            "unresolved": self.unresolved,
            "ingested": self.ingested,
            "errors": self.errors,
            "warnings": self.warnings,
            "readings": self.readings,
        }

    def summary(self) -> str:
        return (
            f"{self.articles_created} articles added, {self.articles_updated} updated, "
            f"{self.usages} images ({self.resolved} matched to photos, "
            f"{len(self.unresolved)} unresolved), {self.ingested} photos ingested from media, "
            f"{len(self.errors)} files with errors"
        )


class MediaFolder:
    """A copy of the site's uploads folder, found by upload path (month folder + exact name).

    `find` tries, in order: the referenced upload itself; the upload the export ties the
    image to (`ParsedImage.upload`, its attachment); a name with a WordPress size suffix
    stripped, in the same folder, only when the pixels agree (`_pixels_agree`).
    """

    def __init__(self, root: Path):
        self.root = root
        self.index: UploadIndex[Path] = UploadIndex()
        self._sizes: dict[Path, tuple[int, int] | None] = {}
        # abspath, as ingest records known paths: "../uploads" must name the same file.
        top = os.path.abspath(root)
        for dirpath, _dirs, files in os.walk(top):
            for name in sorted(files):
                if os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES:
                    path = os.path.join(dirpath, name)
                    self.index.add(os.path.relpath(path, top), Path(path))

    def exact(self, reference: str) -> Path | None:
        """The one file at the reference's upload path; None when absent or ambiguous."""
        return _only(self.index.find(upload_path(reference)))

    def find(self, image: ParsedImage) -> tuple[Path, int] | None:
        """The file and how it was found (0 the reference, 1 the export's tie, 2 stripped)."""
        if not image.reference:
            return None
        return _locate(image, self.exact, self._pixels_agree)

    def _pixels_agree(
        self, image: ParsedImage, candidate: Path, size: tuple[int, int] | None
    ) -> bool:
        """Whether `candidate` is the picture the stripped variant name showed.

        Copies of the referenced variant in the folder that the exact lookup could not
        choose between (same name, no month folder) are compared with the candidate by
        perceptual hash, the candidate centre-cropped to the variant's shape as WordPress
        crops. Without a copy, WordPress's own rule decides: a ``-WxH`` size is never
        larger than its upload on either side; ``-scaled``/``-rotated``/``-e…`` copies,
        which WordPress only makes from the upload, agree.
        """
        copies = [p for p in self.index.find(upload_path(image.reference or "")) if p != candidate]
        if copies:
            return any(_same_picture(copy, candidate) for copy in copies)
        if size is None:
            return True
        if candidate not in self._sizes:
            self._sizes[candidate] = _image_size(candidate)
        dimensions = self._sizes[candidate]
        return dimensions is not None and size_fits(size, dimensions)


T = TypeVar("T")


def _only(found: list[T]) -> T | None:
    return found[0] if len(found) == 1 else None


def _locate(
    image: ParsedImage,
    exact: Callable[[str], T | None],
    agrees: Callable[[ParsedImage, T, tuple[int, int] | None], bool],
) -> tuple[T, int] | None:
    """Referenced upload (0), else the export's own tie (1), else a verified stripped size
    suffix (2): an upload named like a size variant is never taken for another upload."""
    reference = image.reference or ""
    found = exact(reference)
    if found is not None:
        return found, 0
    if image.upload and image.upload != reference:
        found = exact(image.upload)
        if found is not None:
            return found, 1
    for candidate, size in stripped_upload_paths(reference):
        found = exact(candidate)
        if found is not None:
            return (found, 2) if agrees(image, found, size) else None
    return None


#: Largest pHash distance (of 64 bits) at which a size variant shows the same picture.
_SAME_PICTURE_DISTANCE = 10


def _image_size(path: Path) -> tuple[int, int] | None:
    try:
        return imaging.upright_size(imaging.open_image(read_file(str(path))))
    except (AssetError, OSError):
        return None


def _picture_hash(path: Path, aspect: float | None = None) -> int | None:
    """pHash as ingest computes it, optionally of the centre crop with this aspect."""
    try:
        upright = imaging.decode(imaging.open_image(read_file(str(path))), 512)
        if aspect:
            width, height = upright.size
            if width / height > aspect:
                keep = max(1, round(height * aspect))
                left = (width - keep) // 2
                upright = upright.crop((left, 0, left + keep, height))
            else:
                keep = max(1, round(width / aspect))
                top = (height - keep) // 2
                upright = upright.crop((0, top, width, top + keep))
        return perceptual_hashes(signal_image(upright))["phash"]
    except (AssetError, OSError, ValueError, ZeroDivisionError):
        return None


def _same_picture(variant: Path, candidate: Path) -> bool:
    size = _image_size(variant)
    if size is None or not size[1]:
        return False
    left, right = _picture_hash(variant), _picture_hash(candidate, size[0] / size[1])
    if left is None or right is None:
        return False
    return bin((left ^ right) & 0xFFFFFFFFFFFFFFFF).count("1") <= _SAME_PICTURE_DISTANCE


class AssetResolver:
    """Finds the photo an article's image reference or alt text points at.

    With a media folder its file wins (the export's own uploads), then the catalog's
    known paths, by the same rules as `MediaFolder.find`, except that a catalog photo
    found by a stripped size suffix is checked by size and shape (`_fits`).
    """

    def __init__(self, session: Session, media: MediaFolder | None = None):
        self.media = media
        self.by_path: UploadIndex[int] = UploadIndex()
        self.by_file: dict[str, int] = {}
        rows = session.execute(select(AssetPath.path, AssetPath.asset_id).order_by(AssetPath.id))
        for path, asset_id in rows:
            self.by_path.add(path, asset_id)
            self.by_file.setdefault(path, asset_id)
        self.sizes: dict[int, tuple[int, int]] = {}
        assets = session.execute(
            select(Asset.original_name, Asset.id, Asset.width, Asset.height).order_by(Asset.id)
        )
        for name, asset_id, width, height in assets:
            self.by_path.add(name, asset_id)
            self.sizes[asset_id] = (width, height)
        self.by_alt: dict[str, set[int]] = {}
        alt_rows: list[Any] = list(
            session.execute(select(Usage.alt, Usage.asset_id).where(Usage.asset_id.is_not(None)))
        )
        alt_rows += session.execute(
            select(Asset.alt_text, Asset.id).where(Asset.alt_text.is_not(None))
        ).all()
        for alt, asset_id in alt_rows:
            if alt and asset_id is not None:
                self.by_alt.setdefault(_alt_key(alt), set()).add(asset_id)

    def media_file(self, image: ParsedImage) -> Path | None:
        """The media folder's file for this image, unless the catalog has a better match."""
        if self.media is None or not image.reference:
            return None
        in_media = self.media.find(image)
        if in_media is None:
            return None
        in_catalog = _locate(image, self._exact, self._fits)
        if in_catalog is not None and in_catalog[1] < in_media[1]:
            return None
        return in_media[0]

    def resolve(self, image: ParsedImage) -> int | None:
        if image.reference:
            found = self.media_file(image)
            if found is not None and str(found) in self.by_file:
                return self.by_file[str(found)]
            in_catalog = _locate(image, self._exact, self._fits)
            return in_catalog[0] if in_catalog else None
        # Text dumps carry no file names: an alt text seen with exactly one photo
        # (in an export of the same site) identifies it.
        if image.alt:
            found_ids = self.by_alt.get(_alt_key(image.alt), set())
            if len(found_ids) == 1:
                return next(iter(found_ids))
        return None

    def _exact(self, reference: str) -> int | None:
        return _only(self.by_path.find(upload_path(reference)))

    def _fits(self, image: ParsedImage, asset_id: int, size: tuple[int, int] | None) -> bool:
        """A catalog photo is a copy of unknown resolution: a ``-WxH`` size must fit in it
        (a downscale or crop of a larger copy) or have its shape (of a smaller copy)."""
        if size is None:
            return True
        known = self.sizes.get(asset_id, (0, 0))
        return size_fits(size, known) or same_shape(size, known)

    def learn(self, image: ParsedImage, asset_id: int) -> None:
        if image.reference:
            self.by_path.add(upload_path(image.reference), asset_id)
        if image.alt:
            self.by_alt.setdefault(_alt_key(image.alt), set()).add(asset_id)


def _alt_key(alt: str) -> str:
    return " ".join(alt.casefold().split()).strip(" .")


def import_articles(
    database: Database,
    paths: Sequence[str | os.PathLike[str]],
    format: Literal["auto", "wxr", "html", "text"] = "auto",
    media: Path | None = None,
    user: str = "import",
    progress: Callable[[str], None] | None = None,
    include_unpublished: bool = False,
) -> ImportReport:
    """Parse every file, ingest the referenced media files, and write the articles.

    Unpublished WordPress posts (drafts, scheduled, pending, private) are skipped unless
    `include_unpublished`; then they are imported with their status.
    """
    report = ImportReport()
    parsed: list[ParsedArticle] = []
    for path in article_files(paths):
        report.files += 1
        try:
            found = parse_articles(path, format, include_unpublished)
            parsed.extend(found)
            report.warnings.extend(
                {"path": str(path), "warning": f"{path.name}: {w}"}
                for article in found
                for w in article.warnings
            )
        except ArticleFormatError as exc:
            report.errors.append({"path": str(path), "error": str(exc)})
        except OSError as exc:
            report.errors.append({"path": str(path), "error": f"{path.name}: {exc.strerror}"})
        if progress:
            progress(str(path))
    folder = MediaFolder(media) if media is not None else None
    if folder is not None:
        media_report = _ingest_media(database, parsed, folder)
        report.ingested = media_report.ingested
        # What ingest cut (keywords) or could not read, for each media file.
        report.warnings.extend(
            {"path": w["path"], "warning": f"{Path(w['path']).name}: {w['warning']}"}
            for w in media_report.warnings
        )
    with database.session_scope(write=False) as session:
        resolver = AssetResolver(session, folder)
    # Images with file references first, so alt texts learnt from them can
    # resolve the text dumps imported in the same run.
    parsed.sort(key=lambda a: a.format == "text")
    for article in parsed:
        if article.confidence is not None:
            report.readings.append(
                {
                    "key": article.key,
                    "title": article.title,
                    "confidence": article.confidence,
                    "unassigned": article.unassigned,
                }
            )
        with database.session_scope() as session:
            created = _write_article(session, article, resolver, report, user)
        if created:
            report.articles_created += 1
        else:
            report.articles_updated += 1
    return report


def article_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files an import reads: each file given, and the article files below each
    folder (WordPress exports, saved pages, text dumps), in name order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in (".xml", ".html", ".htm", ".txt")
                )
            )
        else:
            files.append(path)
    return files


def _ingest_media(
    database: Database, articles: list[ParsedArticle], media: MediaFolder
) -> IngestReport:
    """Ingest each media file an image resolves to; files already catalogued only gain
    their path, so every usage can then be tied to its exact file."""
    with database.session_scope(write=False) as session:
        resolver = AssetResolver(session, media)
    wanted: dict[Path, None] = {}
    for article in articles:
        for image in article.images:
            found = resolver.media_file(image)
            if found is not None and str(found) not in resolver.by_file:
                wanted[found] = None
    if not wanted:
        return IngestReport()
    workers = 1 if len(wanted) < 8 else 0  # a pool costs more than it saves on a few files
    return IngestSession(database, IngestOptions(workers=workers)).run([str(p) for p in wanted])


def _write_article(
    session: Session,
    parsed: ParsedArticle,
    resolver: AssetResolver,
    report: ImportReport,
    user: str,
) -> bool:
    article = session.scalar(select(Article).where(Article.key == parsed.key))
    if article is None and parsed.former_keys:
        # Imported before posts were keyed by site + id: take the row over, not a twin.
        article = session.scalar(
            select(Article)
            .where(Article.key.in_(parsed.former_keys), Article.format == parsed.format)
            .where(Article.url == parsed.url, Article.title == (parsed.title or "(untitled)"))
            .order_by(Article.id)
            .limit(1)
        )
        if article is not None:
            article.key = parsed.key
    created = article is None
    previous: set[int] = set()
    if article is None:
        article = Article(key=parsed.key)
        session.add(article)
    else:
        previous = {u.asset_id for u in article.usages if u.asset_id}
        session.execute(delete(Usage).where(Usage.article_id == article.id))
        session.expire(article, ["usages"])
    article.title = parsed.title or "(untitled)"
    article.url = parsed.url
    article.published = _as_datetime(parsed.published)
    article.byline = parsed.byline
    article.tags = list(parsed.tags)
    article.categories = list(parsed.categories)
    article.format = parsed.format
    article.status = parsed.status
    article.source_path = parsed.source_path
    session.flush()
    for image in parsed.images:
        notes = parse_caption(image.caption)
        stated = stated_credit(image.credit)
        asset_id = resolver.resolve(image)
        usage = Usage(
            article_id=article.id,
            asset_id=asset_id,
            role=image.role,
            position=image.position,
            reference=image.reference,
            reference_name=_upload_name(image),
            alt=image.alt,
            caption=image.caption,
            credit=stated or notes.credit,
            credit_form="stated" if stated else notes.credit_form,
            archive=notes.archive,
            archive_prefix=notes.archive_prefix,
            dates=[
                {"text": d.text, "value": d.value, "precision": d.precision} for d in notes.dates
            ],
            description=notes.description or None,
        )
        session.add(usage)
        report.usages += 1
        if asset_id is None:
            report.unresolved.append(
                {"article": parsed.title, "reference": image.reference, "alt": image.alt}
            )
            continue
        report.resolved += 1
        resolver.learn(image, asset_id)
        _fill_empty_fields(session, asset_id, image, usage, article, user)
    session.flush()
    # Published captions are searchable with the photo; re-imports may drop old ones.
    from library.catalog import search

    search.reindex_assets(session, {u.asset_id for u in article.usages if u.asset_id} | previous)
    return created


def _fill_empty_fields(
    session: Session, asset_id: int, image: ParsedImage, usage: Usage, article: Article, user: str
) -> None:
    """A photo with no caption, alt text or credit takes them from its first publication.

    The caption is the media library's one when the source has it (it belongs to the
    upload, not to one article), else the caption as published. An unpublished post
    (draft, scheduled, …) published nothing, so only the library's caption is taken.
    """
    asset = session.get(Asset, asset_id)
    if asset is None:
        return
    offered: dict[str, str | None] = {
        "caption": None if image.library_caption else image.caption,
        "alt_text": image.alt,
        "credit": usage.credit,
        "copyright": image.copyright,
    }
    if article.status not in (None, PUBLISHED):
        offered = {}
    values = {k: v for k, v in offered.items() if v and not getattr(asset, k) and k in _FILLABLE}
    if values:
        edits.edit_asset(session, asset_id, values, user, source=f"article:{article.id}")
    if image.library_caption and not asset.caption:
        edits.edit_asset(
            session,
            asset_id,
            {"caption": image.library_caption},
            user,
            source=f"media-library:{article.id}",
        )


def _upload_name(image: ParsedImage) -> str | None:
    """The upload a reference shows (``2013/09/x.jpg``): its attachment's when the export
    ties it to one, so a month's same-named file or a look-alike name is another photo."""
    if not image.reference:
        return None
    return upload_path(image.upload or image.reference)[-255:] or None


def _as_datetime(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            from datetime import UTC

            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    return datetime(value.year, value.month, value.day)


# --- captions across usages -------------------------------------------------------------


@dataclass
class UsageComparison:
    """How one photo's published captions and credits differ, for the gallery and reports."""

    asset_id: int
    usages: int
    credits: dict[str, list[str]]  # normalised credit → the published forms
    uncredited: int
    credit_conflict: bool
    differs_from_asset: dict[str, list[int]]  # "credit"/"caption" → usage ids that differ
    archive_notes: dict[str, int]  # "with" / "without" → count
    caption_diffs: list[dict[str, Any]]  # per usage: word-level ops against the asset caption

    def to_json(self) -> dict[str, Any]:
        return {
            "asset_id": self.asset_id,
            "usages": self.usages,
            "credits": self.credits,
            "uncredited": self.uncredited,
            "credit_conflict": self.credit_conflict,
            "differs_from_asset": self.differs_from_asset,
            "archive_notes": self.archive_notes,
            "caption_diffs": self.caption_diffs,
        }


def compare_usages(asset: Asset, usages: Sequence[Usage]) -> UsageComparison:
    """Credits grouped by their normalised form, and each caption diffed against the asset's."""
    credits: dict[str, list[str]] = {}
    uncredited = 0
    differs: dict[str, list[int]] = {"credit": [], "caption": []}
    asset_credit = normalize_credit(asset.credit) if asset.credit else ""
    asset_description = parse_caption(asset.caption).description if asset.caption else ""
    diffs = []
    archive = {"with": 0, "without": 0}
    for usage in usages:
        if usage.credit:
            key = normalize_credit(usage.credit)
            forms = credits.setdefault(key, [])
            if usage.credit not in forms:
                forms.append(usage.credit)
            if asset_credit and key != asset_credit:
                differs["credit"].append(usage.id)
        else:
            uncredited += 1
        archive["with" if usage.archive else "without"] += 1
        description = usage.description or ""
        if asset_description and description and _norm(description) != _norm(asset_description):
            differs["caption"].append(usage.id)
        diffs.append({"usage_id": usage.id, "ops": word_diff(asset_description, description)})
    return UsageComparison(
        asset_id=asset.id,
        usages=len(usages),
        credits=credits,
        uncredited=uncredited,
        credit_conflict=len(credits) > 1,
        differs_from_asset=differs,
        archive_notes=archive,
        caption_diffs=diffs,
    )


def _norm(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .")
