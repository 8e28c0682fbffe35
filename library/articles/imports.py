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
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from library.articles.importers import (
    ArticleFormatError,
    ParsedArticle,
    ParsedImage,
    canonical_media_name,
    media_name_candidates,
    parse_articles,
)
from library.catalog import edits
from library.db.engine import Database
from library.db.models import Article, Asset, AssetPath, Usage
from library.ingest.pipeline import IngestOptions, IngestReport, IngestSession
from library.text.captions import normalize_credit, parse_caption

#: Fields an import may fill on a photo that has no value yet.
_FILLABLE = ("caption", "alt_text", "credit", "copyright")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".heic", ".heif")


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
    #: Media files ingested with something cut to fit the catalog (keywords).
    warnings: list[dict[str, str]] = field(default_factory=list)

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
        }

    def summary(self) -> str:
        return (
            f"{self.articles_created} articles added, {self.articles_updated} updated, "
            f"{self.usages} images ({self.resolved} matched to photos, "
            f"{len(self.unresolved)} unresolved), {self.ingested} photos ingested from media, "
            f"{len(self.errors)} files with errors"
        )


class MediaFolder:
    """A copy of the site's uploads folder, indexed by original-upload name."""

    def __init__(self, root: Path):
        self.root = root
        self.by_name: dict[str, list[Path]] = {}
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                if not name.lower().endswith(_IMAGE_SUFFIXES):
                    continue
                path = Path(dirpath) / name
                self.by_name.setdefault(canonical_media_name(name), []).append(path)

    def find(self, reference: str) -> Path | None:
        """The original upload if present, else the largest size variant of it."""
        for candidate in media_name_candidates(reference):
            paths = self.by_name.get(canonical_media_name(candidate))
            if not paths:
                continue
            exact = [p for p in paths if p.name.casefold() == candidate]
            originals = [p for p in paths if canonical_media_name(p.name) == p.name.casefold()]
            pool = originals or exact or paths
            return max(pool, key=lambda p: p.stat().st_size)
        return None


class AssetResolver:
    """Finds the photo an article's image reference or alt text points at."""

    def __init__(self, session: Session):
        self.by_name: dict[str, int] = {}
        rows = session.execute(select(AssetPath.path, AssetPath.asset_id).order_by(AssetPath.id))
        for path, asset_id in rows:
            self.by_name.setdefault(canonical_media_name(path), asset_id)
        rows = session.execute(select(Asset.original_name, Asset.id).order_by(Asset.id))
        for name, asset_id in rows:
            self.by_name.setdefault(canonical_media_name(name), asset_id)
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

    def resolve(self, image: ParsedImage) -> int | None:
        if image.reference:
            for candidate in media_name_candidates(image.reference):
                asset_id = self.by_name.get(canonical_media_name(candidate))
                if asset_id is not None:
                    return asset_id
            return None
        # Text dumps carry no file names: an alt text seen with exactly one photo
        # (in an export of the same site) identifies it.
        if image.alt:
            found = self.by_alt.get(_alt_key(image.alt), set())
            if len(found) == 1:
                return next(iter(found))
        return None

    def learn(self, image: ParsedImage, asset_id: int) -> None:
        if image.reference:
            self.by_name.setdefault(canonical_media_name(image.reference), asset_id)
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
) -> ImportReport:
    """Parse every file, ingest referenced media that is missing, and write the articles."""
    report = ImportReport()
    parsed: list[ParsedArticle] = []
    for path in _article_files(paths):
        report.files += 1
        try:
            parsed.extend(parse_articles(path, format))
        except ArticleFormatError as exc:
            report.errors.append({"path": str(path), "error": str(exc)})
        except OSError as exc:
            report.errors.append({"path": str(path), "error": f"{path.name}: {exc.strerror}"})
        if progress:
            progress(str(path))
    if media is not None:
        media_report = _ingest_missing_media(database, parsed, MediaFolder(media))
        report.ingested = media_report.ingested
        report.warnings = media_report.warnings
    with database.session_scope(write=False) as session:
        resolver = AssetResolver(session)
    # Images with file references first, so alt texts learnt from them can
    # resolve the text dumps imported in the same run.
    parsed.sort(key=lambda a: a.format == "text")
    for article in parsed:
        with database.session_scope() as session:
            created = _write_article(session, article, resolver, report, user)
        if created:
            report.articles_created += 1
        else:
            report.articles_updated += 1
    return report


def _article_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
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


def _ingest_missing_media(
    database: Database, articles: list[ParsedArticle], media: MediaFolder
) -> IngestReport:
    with database.session_scope(write=False) as session:
        resolver = AssetResolver(session)
    wanted: dict[Path, None] = {}
    for article in articles:
        for image in article.images:
            if image.reference and resolver.resolve(image) is None:
                found = media.find(image.reference)
                if found is not None:
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
    article.source_path = parsed.source_path
    session.flush()
    for image in parsed.images:
        notes = parse_caption(image.caption)
        asset_id = resolver.resolve(image)
        usage = Usage(
            article_id=article.id,
            asset_id=asset_id,
            role=image.role,
            position=image.position,
            reference=image.reference,
            reference_name=canonical_media_name(image.reference) if image.reference else None,
            alt=image.alt,
            caption=image.caption,
            credit=image.credit or notes.credit,
            credit_form="stated" if image.credit else notes.credit_form,
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
    """A photo with no caption, alt text or credit takes them from its first publication."""
    asset = session.get(Asset, asset_id)
    if asset is None:
        return
    offered = {
        "caption": image.caption,
        "alt_text": image.alt,
        "credit": usage.credit,
        "copyright": image.copyright,
    }
    values = {k: v for k, v in offered.items() if v and not getattr(asset, k) and k in _FILLABLE}
    if values:
        edits.edit_asset(session, asset_id, values, user, source=f"article:{article.id}")


def _as_datetime(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            from datetime import UTC

            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    return datetime(value.year, value.month, value.day)


# --- reading ------------------------------------------------------------------------------


def usage_record(usage: Usage) -> dict[str, Any]:
    return {
        "role": usage.role,
        "position": usage.position,
        "reference": usage.reference,
        "alt": usage.alt,
        "caption": usage.caption,
        "credit": usage.credit,
        "archive": usage.archive,
        "archive_prefix": usage.archive_prefix,
        "dates": [d["value"] for d in usage.dates or []],
        "asset_id": usage.asset_id,
    }


def article_record(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "published": article.published.date().isoformat() if article.published else None,
        "byline": article.byline,
        "tags": list(article.tags or []),
        "format": article.format,
        "images": [usage_record(u) for u in article.usages],
    }


def list_articles(session: Session) -> list[Article]:
    return list(
        session.scalars(
            select(Article)
            .options(selectinload(Article.usages))
            .order_by(Article.published.is_(None), Article.published, Article.id)
        )
    )


def get_article(session: Session, article_id: int) -> Article:
    from library.errors import PhotodeskError

    article = session.get(Article, article_id, options=[selectinload(Article.usages)])
    if article is None:
        raise ArticleNotFoundError(f"no article with id {article_id}")
    assert isinstance(article, Article) and not isinstance(article, PhotodeskError)
    return article


class ArticleNotFoundError(LookupError):
    """No article has that id."""


def usages_of(session: Session, asset_ids: Iterable[int]) -> list[tuple[Usage, Article]]:
    """Every usage of these photos with its article, in publication order."""
    ids = list(asset_ids)
    rows = session.execute(
        select(Usage, Article)
        .join(Article, Usage.article_id == Article.id)
        .where(Usage.asset_id.in_(ids))
        .order_by(Article.published.is_(None), Article.published, Article.id, Usage.position)
    )
    return [(u, a) for u, a in rows]


def unresolved_usages(session: Session) -> list[tuple[Usage, Article]]:
    rows = session.execute(
        select(Usage, Article)
        .join(Article, Usage.article_id == Article.id)
        .where(Usage.asset_id.is_(None))
        .order_by(Article.id, Usage.position)
    )
    return [(u, a) for u, a in rows]


def usage_counts(session: Session) -> dict[int, int]:
    """asset id → number of distinct articles it appears in."""
    rows = session.execute(
        select(Usage.asset_id, func.count(func.distinct(Usage.article_id)))
        .where(Usage.asset_id.is_not(None))
        .group_by(Usage.asset_id)
    )
    return {asset_id: count for asset_id, count in rows if asset_id is not None}


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


def word_diff(a: str, b: str) -> list[tuple[str, str]]:
    """Word-level diff of b against a: ("equal"|"insert"|"delete", text) runs for highlighting."""
    import difflib

    left, right = a.split(), b.split()
    ops: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append(("equal", " ".join(left[i1:i2])))
        else:
            if i2 > i1:
                ops.append(("delete", " ".join(left[i1:i2])))
            if j2 > j1:
                ops.append(("insert", " ".join(right[j1:j2])))
    return ops
