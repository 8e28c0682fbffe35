"""Article parsers: turn exports, saved pages and text dumps into plain records, no database."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from library.articles.importers.html import parse_html
from library.articles.importers.media import canonical_media_name, media_name_candidates
from library.articles.importers.model import ArticleFormatError, ParsedArticle, ParsedImage
from library.articles.importers.text import parse_text
from library.articles.importers.wxr import parse_wxr

__all__ = [
    "ArticleFormatError",
    "ParsedArticle",
    "ParsedImage",
    "canonical_media_name",
    "media_name_candidates",
    "parse_articles",
    "parse_html",
    "parse_text",
    "parse_wxr",
    "sniff_format",
]

_SNIFF_BYTES = 4096


def sniff_format(path: Path) -> Literal["wxr", "html", "text"]:
    """Guess from the name and the first bytes, so a mis-named export still finds its parser."""
    with path.open("rb") as stream:
        head = stream.read(_SNIFF_BYTES).decode("latin-1").lower()
    suffix = path.suffix.lower()
    wordpress = "<rss" in head and "wordpress.org/export/" in head
    if wordpress or suffix == ".xml":
        return "wxr"
    if suffix in (".html", ".htm") or "<html" in head or "<!doctype html" in head:
        return "html"
    if suffix == ".txt":
        return "text"
    raise ArticleFormatError(
        path, "unknown article format (expected a .xml WordPress export, .html page or .txt dump)"
    )


def parse_articles(
    path: Path,
    format: Literal["auto", "wxr", "html", "text"] = "auto",
    include_unpublished: bool = False,
) -> list[ParsedArticle]:
    """Parse any supported file; every content problem is an ArticleFormatError.

    Only WordPress exports hold unpublished posts; `include_unpublished` keeps them.
    """
    path = Path(path)
    chosen = sniff_format(path) if format == "auto" else format
    if chosen == "wxr":
        return parse_wxr(path, include_unpublished)
    if chosen == "html":
        return parse_html(path)
    if chosen == "text":
        return parse_text(path)
    raise ValueError(f"unknown article format {format!r}")
