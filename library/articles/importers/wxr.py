"""Read a WordPress export (WXR): posts and pages with the photos they use and their captions.

An export is untrusted XML, so it is parsed with defusedxml: entity declarations (the
"billion laughs" expansion) and external references are refused, not expanded.

A photo's caption can be in the post (a ``[caption]`` shortcode, a Gutenberg or HTML5
``<figure>``, an old ``div.wp-caption`` box) or only on its attachment item (excerpt =
caption, content = description, ``_wp_attachment_image_alt`` = alt text, IPTC credit and
copyright inside ``_wp_attachment_metadata`` or a Media Credit ``_media_credit``). The post's
own words win, because the same file is captioned differently each time it is reused; the
attachment fills the gaps. An image is tied to its attachment by id (``wp-image-N`` class,
``attachment_N`` caption id, ``data-id``) or else by URL, allowing for size variants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from library.articles.importers.html import FoundImage, clean_text, figure_html, find_images
from library.articles.importers.media import canonical_media_name
from library.articles.importers.model import ArticleFormatError, ParsedArticle, ParsedImage

_ARTICLE_TYPES = ("post", "page")
_SKIPPED_STATUSES = ("trash", "auto-draft", "inherit")
_CAPTION_SHORTCODE = re.compile(r"\[(caption|wp_caption)\b([^\]]*)\](.*?)\[/\1\]", re.S | re.I)
_SHORTCODE_ATTRIBUTE = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_RFC822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
_LEADING_IMAGE = re.compile(r"^\s*(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?", re.I | re.S)


def _prefix(namespace: str) -> str:
    """The conventional prefix, whatever WXR version (1.0–1.2) or scheme the file uses."""
    plain = namespace.replace("https://", "http://").rstrip("/")
    if plain.startswith("http://wordpress.org/export/"):
        return "excerpt" if plain.endswith("/excerpt") else "wp"
    if plain == "http://purl.org/rss/1.0/modules/content":
        return "content"
    if plain == "http://purl.org/dc/elements/1.1":
        return "dc"
    return namespace


def _name(element: Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return f"{_prefix(namespace)}:{local}"
    return tag


@dataclass
class _Item:
    """One <item>: first text of each child by prefixed name, its terms and its postmeta."""

    fields: dict[str, str] = field(default_factory=dict)
    terms: list[tuple[str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.fields.get(name, "").strip()


def _read_item(element: Element) -> _Item:
    item = _Item()
    for child in element:
        name = _name(child)
        text = child.text or ""
        if name == "category":
            item.terms.append((child.get("domain", "category"), text))
        elif name == "wp:postmeta":
            parts = {_name(part): (part.text or "") for part in child}
            item.meta.setdefault(
                parts.get("wp:meta_key", "").strip(), parts.get("wp:meta_value", "")
            )
        else:
            item.fields.setdefault(name, text)
    return item


@dataclass
class _Attachment:
    post_id: str
    url: str | None
    alt: str | None
    caption: str | None
    description: str | None
    credit: str | None
    copyright: str | None


def _php_string(serialized: str, key: str) -> str | None:
    """One string entry of a PHP-serialised array; lengths there count UTF-8 bytes."""
    raw = serialized.encode("utf-8", "replace")
    name = key.encode()
    marker = b's:%d:"%s";s:' % (len(name), name)
    at = raw.find(marker)
    found = re.match(rb'(\d{1,7}):"', raw[at + len(marker) :]) if at >= 0 else None
    if found is None:
        return None
    start = at + len(marker) + found.end()
    value = raw[start : start + int(found.group(1))]
    return clean_text(value.decode("utf-8", "replace"))


def _attachment(item: _Item) -> _Attachment:
    metadata = item.meta.get("_wp_attachment_metadata", "")
    return _Attachment(
        post_id=item.get("wp:post_id"),
        url=item.get("wp:attachment_url") or item.get("guid") or None,
        alt=clean_text(item.meta.get("_wp_attachment_image_alt")),
        caption=clean_text(item.fields.get("excerpt:encoded")),
        description=clean_text(item.fields.get("content:encoded")),
        credit=clean_text(item.meta.get("_media_credit")) or _php_string(metadata, "credit"),
        copyright=_php_string(metadata, "copyright"),
    )


def _upload_key(url: str) -> tuple[str, str]:
    """Folder below uploads/ plus original name: two months may hold the same file name."""
    path = urlsplit(url.strip()).path.casefold()
    folder = path.rsplit("/", 1)[0]
    folder = folder.split("/uploads/", 1)[-1] if "/uploads/" in folder else folder
    return folder, canonical_media_name(url)


class _Library:
    """The export's attachments, found by id or by any URL that names the same upload."""

    def __init__(self, attachments: list[_Attachment]) -> None:
        self.by_id = {a.post_id: a for a in attachments if a.post_id}
        self.by_url = {a.url: a for a in attachments if a.url}
        self.by_key = {_upload_key(a.url): a for a in attachments if a.url}
        names: dict[str, list[_Attachment]] = {}
        for attachment in attachments:
            if attachment.url:
                names.setdefault(canonical_media_name(attachment.url), []).append(attachment)
        self.by_name = {name: found[0] for name, found in names.items() if len(found) == 1}

    def find(self, image: FoundImage) -> _Attachment | None:
        if image.attachment_id and image.attachment_id in self.by_id:
            return self.by_id[image.attachment_id]
        if not image.src:
            return None
        return (
            self.by_url.get(image.src)
            or self.by_key.get(_upload_key(image.src))
            or self.by_name.get(canonical_media_name(image.src))
        )


def _expand_caption_shortcodes(content: str) -> str:
    """Turn ``[caption]<img> text[/caption]`` into a figure; old posts use caption="…"."""

    def replace(match: re.Match[str]) -> str:
        attributes = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
            for m in _SHORTCODE_ATTRIBUTE.finditer(match.group(2))
        }
        inner = match.group(3)
        image = _LEADING_IMAGE.match(inner)
        image_html, caption_html = (image.group(0), inner[image.end() :]) if image else (inner, "")
        if not clean_text(caption_html):
            caption_html = attributes.get("caption", "")
        return figure_html(attributes.get("id", ""), image_html, caption_html)

    return _CAPTION_SHORTCODE.sub(replace, content)


def _published(item: _Item) -> datetime | None:
    """GMT date when set (drafts have 0000-00-00), else pubDate (drafts: year -0001)."""
    try:
        return datetime.strptime(item.get("wp:post_date_gmt"), "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=UTC
        )
    except ValueError:
        pass
    pub_date = item.get("pubDate")
    if not _RFC822.match(pub_date):
        return None  # parsedate_to_datetime would read "30 Nov -0001" as a year-2000 date
    try:
        return parsedate_to_datetime(pub_date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _terms(item: _Item, domain: str) -> list[str]:
    names: list[str] = []
    for term_domain, raw in item.terms:
        name = clean_text(raw)
        if term_domain == domain and name and name.casefold() not in map(str.casefold, names):
            names.append(name)
    return names


def _images(item: _Item, library: _Library) -> list[ParsedImage]:
    images: list[ParsedImage] = []
    featured = library.by_id.get(item.meta.get("_thumbnail_id", "").strip())
    if featured is not None:
        images.append(
            ParsedImage(
                role="featured",
                position=0,
                reference=featured.url,
                alt=featured.alt,
                caption=featured.caption,
                credit=featured.credit,
                copyright=featured.copyright,
                description=featured.description,
            )
        )
    content = _expand_caption_shortcodes(item.fields.get("content:encoded", ""))
    for position, found in enumerate(find_images(content), start=1):
        attachment = library.find(found)
        images.append(
            ParsedImage(
                role="inline",
                position=position,
                reference=found.src,
                alt=found.alt or (attachment.alt if attachment else None),
                caption=found.caption or (attachment.caption if attachment else None),
                credit=attachment.credit if attachment else None,
                copyright=attachment.copyright if attachment else None,
                description=attachment.description if attachment else None,
            )
        )
    return images


def _channel(path: Path, data: bytes) -> Element:
    try:
        root = safe_xml.fromstring(data, forbid_dtd=False, forbid_entities=True)
    except ParseError as error:
        line, column = error.position
        reason = re.sub(r": line \d+, column \d+$", "", str(error))
        raise ArticleFormatError(path, f"malformed XML ({reason})", line, column + 1) from None
    except DefusedXmlException as error:
        kind = type(error).__name__
        raise ArticleFormatError(
            path, f"refused: the XML declares entities or external references ({kind})"
        ) from None
    except (ValueError, LookupError) as error:
        raise ArticleFormatError(path, f"unreadable XML ({error})") from None
    channel = root.find("channel") if _name(root) == "rss" else None
    if channel is None:
        raise ArticleFormatError(path, "not a WordPress export (no <rss> channel)")
    if not any(_name(child).startswith("wp:") for child in channel) and not any(
        _name(child).startswith("wp:") for item in channel.iter("item") for child in item
    ):
        raise ArticleFormatError(path, "not a WordPress export (no wp: elements; plain RSS?)")
    return channel


def parse_wxr(path: Path) -> list[ParsedArticle]:
    """Posts and pages (published, drafts, scheduled) in export order; trash is skipped."""
    channel = _channel(path, path.read_bytes())
    authors = {}
    for author in channel:
        if _name(author) == "wp:author":
            parts = {_name(part): (part.text or "").strip() for part in author}
            if parts.get("wp:author_login"):
                authors[parts["wp:author_login"]] = clean_text(parts.get("wp:author_display_name"))
    items = [_read_item(element) for element in channel if _name(element) == "item"]
    library = _Library([_attachment(i) for i in items if i.get("wp:post_type") == "attachment"])
    source = str(path.resolve())
    articles = []
    for item in items:
        if item.get("wp:post_type") not in _ARTICLE_TYPES:
            continue
        if item.get("wp:status") in _SKIPPED_STATUSES:
            continue
        creator = item.get("dc:creator")
        link = item.get("link") or None
        articles.append(
            ParsedArticle(
                key=item.get("guid") or link or f"{source}#post-{item.get('wp:post_id')}",
                title=clean_text(item.get("title")) or "",
                url=link,
                published=_published(item),
                byline=authors.get(creator) or clean_text(creator),
                tags=_terms(item, "post_tag"),
                categories=_terms(item, "category"),
                source_path=source,
                format="wxr",
                images=_images(item, library),
            )
        )
    return articles
