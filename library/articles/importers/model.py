"""Plain records the article parsers return, so the catalog side needs no parser knowledge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

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
    """One post or page; `key` stays the same when the same source is imported again."""

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
