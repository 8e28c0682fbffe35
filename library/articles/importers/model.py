"""Plain records the article parsers return, so the catalog side needs no parser knowledge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from library.errors import PhotodeskError

ImageRole = Literal["featured", "inline"]
ArticleFormat = Literal["wxr", "html", "text"]


@dataclass
class ParsedImage:
    """One use of a photo in one article; the same file used twice yields two records.

    `reference` is the URL or file name exactly as the source gives it (None when the
    source only has alt text), so the caller can match it with `media.canonical_media_name`.
    `caption` is the published caption as plain text, as readers see it: None when the
    article shows none, even if the media library has one (that is `library_caption`).
    `credit` and `copyright` are set only when the source states them apart from the
    caption, never guessed out of caption text.
    """

    role: ImageRole
    position: int
    reference: str | None
    alt: str | None
    caption: str | None
    credit: str | None = None
    copyright: str | None = None
    description: str | None = None
    #: The media library's caption for the upload, whether or not the article shows it.
    library_caption: str | None = None
    #: The media library's URL of the upload this image shows, when the source ties the
    #: image to it for certain (a WordPress attachment id): the original of a size variant.
    upload: str | None = None


@dataclass
class ParsedArticle:
    """One post or page; `key` stays the same when the same source is imported again.

    `warnings` names what the source did not let the parser read (no date, no byline), so
    an import can say so instead of refusing a real article.

    `confidence` (0..1) and `unassigned` (lines that fit no role) say how sure a reader that
    had to infer the fields from layout is; parsers that read fields from markup leave them
    None and empty.
    """

    key: str
    title: str
    url: str | None
    published: datetime | date | None
    byline: str | None
    tags: list[str]
    categories: list[str]
    source_path: str
    format: ArticleFormat
    images: list[ParsedImage]
    #: The WordPress status (publish, draft, future, pending, private); None elsewhere.
    status: str | None = None
    #: Keys earlier versions gave the same article, so a re-import updates it.
    former_keys: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    confidence: float | None = None
    unassigned: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The article as a person reads it, for reports and for comparing with a reading.

        Each image's archive note, credit and dates come from its caption as published
        (unless the source states the credit apart); the first inline image says whether it
        is the featured image again (same alt text).
        """
        from library.text.captions import parse_caption

        featured = next((i for i in self.images if i.role == "featured"), None)
        images: list[dict[str, Any]] = []
        for image in self.images:
            if image.role != "inline":
                continue
            notes = parse_caption(image.caption)
            record: dict[str, Any] = {
                "position": image.position,
                "reference": image.reference,
                "alt": image.alt,
                "caption": image.caption,
                "archive": notes.archive,
                "credit": image.credit or notes.credit,
                "dates": [d.value for d in notes.dates],
            }
            if not images:
                record["same_as_featured"] = bool(
                    featured is not None
                    and featured.alt
                    and image.alt
                    and " ".join(featured.alt.casefold().split())
                    == " ".join(image.alt.casefold().split())
                )
            images.append(record)
        published = self.published.isoformat() if self.published is not None else None
        return {
            "key": self.key,
            "title": self.title,
            "url": self.url,
            "published": published,
            "byline": self.byline,
            "tags": list(self.tags),
            "categories": list(self.categories),
            "format": self.format,
            "featured_alt": featured.alt if featured is not None else None,
            "featured_reference": featured.reference if featured is not None else None,
            "images": images,
            "confidence": self.confidence,
            "unassigned": list(self.unassigned),
        }


class ArticleFormatError(PhotodeskError):
    """A file cannot be read as articles; the message is one line the user can act on."""

    def __init__(
        self, path: Path | str, problem: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.file_name = Path(path).name or str(path)
        self.problem = problem
        self.line = line
        self.column = column
        where = f"line {line}: " if line is not None else ""
        if line is not None and column is not None:
            where = f"line {line}, column {column}: "
        super().__init__(f"{self.file_name}: {where}{problem}")
