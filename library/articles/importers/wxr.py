"""Read a WordPress export (WXR): posts and pages with the photos they use and their captions.

An export is untrusted XML, so it is parsed with defusedxml: entity declarations (the
"billion laughs" expansion) and external references are refused, not expanded.

A photo's caption can be in the post (a ``[caption]`` shortcode, a Gutenberg or HTML5
``<figure>``, an old ``div.wp-caption`` box) or only on its attachment item (excerpt =
caption, content = description, ``_wp_attachment_image_alt`` = alt text, IPTC credit and
copyright inside ``_wp_attachment_metadata`` or a Media Credit ``_media_credit``). The post's
own words win, because the same file is captioned differently each time it is reused; the
attachment fills the gaps. An image is tied to its attachment by id (``wp-image-N`` class,
``attachment_N`` caption id, ``data-id``) or else by URL: the exact upload path first
(``2013/09/x.jpg`` and ``2012/06/x.jpg`` are different uploads), then a size variant the
attachment's metadata declares, then a stripped size suffix in the same month's folder.

Only what readers see is a published caption. The media library's caption is kept apart
(`ParsedImage.library_caption`) and is the published one only where WordPress prints it:
in a ``[gallery]`` shortcode. A featured image or a bare ``<img>`` shows none.

Galleries: a ``[gallery]`` shortcode shows its ``ids=``/``include=`` attachments, else the
image attachments of the post (or of ``id=``) in menu order (``order=DESC`` reversed),
minus ``exclude=``. Gallery and cover blocks are read from their saved HTML; a cover block
whose background is only a CSS ``background-image`` (before WordPress 5.7), or a gallery
block saved without HTML, is completed from the block's attributes. A cover's overlay text
is not a caption.

A post is keyed by site + post id (``wxr:SITE#ID``): guids are not unique (the theme unit
test export reuses them). Only published posts are imported unless unpublished ones are
asked for; they then carry their status. Dates are ``wp:post_date``, the site's own clock.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import escape
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from library.articles.importers.htmlimages import FoundImage, figure_html, find_images
from library.articles.importers.htmltree import clean_text
from library.articles.importers.media import (
    stripped_upload_paths,
    upload_path,
)
from library.articles.importers.model import ArticleFormatError, ParsedArticle, ParsedImage

_ARTICLE_TYPES = ("post", "page")
#: Never articles: deleted, never saved, or revisions and attachments.
_SKIPPED_STATUSES = ("trash", "auto-draft", "inherit")
PUBLISHED = "publish"
_GALLERY_SHORTCODE = re.compile(r"\[(\[?)gallery\b([^\]]*)\](\]?)", re.I)
_BLOCK_COMMENT = re.compile(
    r"<!--\s*(/)?wp:([a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?)\s*(\{.*?\})?\s*(/)?-->", re.S
)
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.I)
_IMAGE_NAME = re.compile(r"\.(?:jpe?g|jpe|png|gif|webp|tiff?|heic|heif|avif|bmp)$", re.I)
_ZERO_DATE = re.compile(r"^0000-00-00")
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
    parent: str = ""
    order: int = 0
    #: Upload paths of the sizes WordPress made of this upload, from its metadata.
    sizes: list[str] = field(default_factory=list)

    @property
    def is_image(self) -> bool:
        return bool(self.url and _IMAGE_NAME.search(upload_path(self.url)))


def _php_string(serialized: str, key: str) -> str | None:
    """One string entry of a PHP-serialised array; lengths there count UTF-8 bytes."""
    values = _php_strings(serialized, key, 1)
    return clean_text(values[0]) if values else None


def _php_strings(serialized: str, key: str, limit: int = 100) -> list[str]:
    """Every string entry under `key` (``sizes`` repeat ``file``), in order."""
    raw = serialized.encode("utf-8", "replace")
    name = key.encode()
    marker = b's:%d:"%s";s:' % (len(name), name)
    values: list[str] = []
    at = raw.find(marker)
    while at >= 0 and len(values) < limit:
        found = re.match(rb'(\d{1,7}):"', raw[at + len(marker) :])
        if found is None:
            break
        start = at + len(marker) + found.end()
        values.append(raw[start : start + int(found.group(1))].decode("utf-8", "replace"))
        at = raw.find(marker, start)
    return values


def _declared_sizes(url: str | None, metadata: str) -> list[str]:
    """The generated sizes' upload paths: ``sizes`` name bare files in the upload's folder."""
    if not url or not metadata:
        return []
    folder = upload_path(url).rpartition("/")[0]
    names = _php_strings(metadata, "file")[1:]
    return [upload_path(f"{folder}/{name}" if folder else name) for name in names if name]


def _attachment(item: _Item) -> _Attachment:
    metadata = item.meta.get("_wp_attachment_metadata", "")
    url = item.get("wp:attachment_url") or item.get("guid") or None
    order = item.get("wp:menu_order")
    return _Attachment(
        post_id=item.get("wp:post_id"),
        url=url,
        alt=clean_text(item.meta.get("_wp_attachment_image_alt")),
        caption=clean_text(item.fields.get("excerpt:encoded")),
        description=clean_text(item.fields.get("content:encoded")),
        credit=clean_text(item.meta.get("_media_credit")) or _php_string(metadata, "credit"),
        copyright=_php_string(metadata, "copyright"),
        parent=item.get("wp:post_parent"),
        order=int(order) if order.lstrip("-").isdigit() else 0,
        sizes=_declared_sizes(url, metadata),
    )


class _Library:
    """The export's attachments, found by id or by the upload a URL names."""

    def __init__(self, attachments: list[_Attachment]) -> None:
        self.by_id = {a.post_id: a for a in attachments if a.post_id}
        self.by_url = {a.url: a for a in attachments if a.url}
        self.by_path: dict[str, _Attachment] = {}
        self.by_size: dict[str, _Attachment] = {}
        names: dict[str, list[_Attachment]] = {}
        for attachment in attachments:
            if not attachment.url:
                continue
            self.by_path.setdefault(upload_path(attachment.url), attachment)
            for size in attachment.sizes:
                self.by_size.setdefault(size, attachment)
            names.setdefault(upload_path(attachment.url).rpartition("/")[2], []).append(attachment)
        self.by_name = {name: found[0] for name, found in names.items() if len(found) == 1}
        self.children: dict[str, list[_Attachment]] = {}
        for attachment in sorted(attachments, key=lambda a: (a.order, _number(a.post_id))):
            if attachment.parent and attachment.is_image:
                self.children.setdefault(attachment.parent, []).append(attachment)

    def exact(self, src: str) -> _Attachment | None:
        """The attachment this URL is for certain: the upload itself or a declared size."""
        path = upload_path(src)
        return self.by_url.get(src) or self.by_path.get(path) or self.by_size.get(path)

    def find(self, image: FoundImage) -> tuple[_Attachment | None, bool]:
        """The image's attachment, and whether the tie is certain (not a guess by name)."""
        src = image.src or ""
        exact = self.exact(src) if src else None
        by_id = self.by_id.get(image.attachment_id or "")
        if by_id is not None and (not src or exact is by_id or _same_upload(src, by_id.url or "")):
            return by_id, True
        if exact is not None:
            return exact, True  # the file shown wins over an id that names another upload
        if by_id is not None or not src:
            return by_id, False
        # A size variant whose metadata the export lacks: the stripped name, same month.
        for candidate, _size in stripped_upload_paths(src):
            found = self.by_path.get(candidate)
            if found is not None:
                return found, False
        return self.by_name.get(upload_path(src).rpartition("/")[2]), False


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _same_upload(src: str, url: str) -> bool:
    """Whether an img of attachment N shows N's upload or a size WordPress made of it.

    Sizes are named after the upload's stem, so stripping the src's suffixes must reach
    the upload (or the original that a ``-scaled``/``-rotated`` upload stands for):
    ``map-150x150.jpg`` is not a size of an upload called ``map-580x300.jpg``.
    """
    upload = upload_path(url)
    stem, dot, extension = upload.rpartition(".")
    originals = {upload, re.sub(r"-(?:scaled|rotated)$", "", stem) + dot + extension}
    shown = {upload_path(src)} | {path for path, _size in stripped_upload_paths(src)}
    return bool(originals & shown)


def _expand_caption_shortcodes(content: str) -> str:
    """Turn ``[caption]<img> text[/caption]`` into a figure; old posts use caption="…"."""

    def replace(match: re.Match[str]) -> str:
        attributes = _attributes(match.group(2))
        inner = match.group(3)
        image = _LEADING_IMAGE.match(inner)
        image_html, caption_html = (image.group(0), inner[image.end() :]) if image else (inner, "")
        if not clean_text(caption_html):
            caption_html = attributes.get("caption", "")
        return figure_html(attributes.get("id", ""), image_html, caption_html)

    return _CAPTION_SHORTCODE.sub(replace, content)


def _attributes(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
        for m in _SHORTCODE_ATTRIBUTE.finditer(text)
    }


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip().isdigit()]


def _attachment_html(attachment: _Attachment, caption: str | None, alt: str | None) -> str:
    """Markup for one attachment as WordPress prints it, so the one scanner reads it."""
    image = (
        f'<img src="{escape(attachment.url or "")}" alt="{escape(alt or "")}" '
        f'class="wp-image-{escape(attachment.post_id)}">'
    )
    if caption is None:
        return f"<figure>{image}</figure>"
    return figure_html(f"attachment_{attachment.post_id}", image, escape(caption))


def _expand_gallery_shortcodes(content: str, post_id: str, library: _Library) -> str:
    """``[gallery]`` as the images it shows, each with the library caption WordPress prints."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) and match.group(3):
            return match.group(0)  # [[gallery]] is the shortcode's own text, escaped
        attributes = _attributes(match.group(2))
        listed = _ids(attributes.get("ids", "") or attributes.get("include", ""))
        if listed:
            shown = [library.by_id[i] for i in listed if i in library.by_id]
        else:
            excluded = set(_ids(attributes.get("exclude", "")))
            parent = attributes.get("id", "").strip() or post_id
            shown = [a for a in library.children.get(parent, []) if a.post_id not in excluded]
            if attributes.get("order", "").strip().upper() == "DESC":
                shown.reverse()
        images = "".join(_attachment_html(a, a.caption, a.alt) for a in shown if a.is_image)
        return f'<div class="gallery">{images}</div>'

    return _GALLERY_SHORTCODE.sub(replace, content)


@dataclass
class _Block:
    name: str
    attributes: dict[str, object]
    start: int  # just after the opening comment
    end: int  # at the closing comment


def _blocks(content: str, names: tuple[str, ...]) -> list[_Block]:
    """Gutenberg blocks of these names with the range of their saved HTML; nesting kept."""
    found: list[_Block] = []
    open_blocks: list[tuple[str, dict[str, object], int]] = []
    for match in _BLOCK_COMMENT.finditer(content):
        closing, name, raw, self_closing = match.groups()
        name = name.removeprefix("core/")
        if closing:
            for index in range(len(open_blocks) - 1, -1, -1):
                if open_blocks[index][0] == name:
                    opened, attributes, start = open_blocks[index]
                    del open_blocks[index:]
                    if opened in names:
                        found.append(_Block(opened, attributes, start, match.start()))
                    break
            continue
        try:
            attributes = json.loads(raw) if raw else {}
        except ValueError:
            attributes = {}
        if not isinstance(attributes, dict):
            attributes = {}
        if self_closing:
            if name in names:
                found.append(_Block(name, attributes, match.end(), match.end()))
        else:
            open_blocks.append((name, attributes, match.end()))
    return found


def _complete_blocks(content: str, library: _Library) -> str:
    """Add the images a gallery or cover block shows but its saved HTML has no <img> for."""
    insertions: list[tuple[int, str]] = []
    for block in _blocks(content, ("gallery", "cover")):
        inner = content[block.start : block.end]
        shown = {upload_path(a or b) for a, b in _IMG_SRC.findall(inner)}
        if block.name == "cover":
            url = block.attributes.get("url")
            kind = block.attributes.get("backgroundType", "image")
            if not isinstance(url, str) or kind != "image" or upload_path(url) in shown:
                continue
            ident = str(block.attributes.get("id", ""))
            alt = block.attributes.get("alt")
            attachment = library.by_id.get(ident) or library.exact(url)
            cover = _Attachment(ident, url, None, None, None, None, None)
            if attachment is not None and _same_upload(url, attachment.url or ""):
                cover.post_id = attachment.post_id
            html = _attachment_html(cover, None, alt if isinstance(alt, str) else None)
            insertions.append((block.start, html))
        elif not shown:
            raw_ids = block.attributes.get("ids")
            ids = [str(i) for i in raw_ids] if isinstance(raw_ids, list) else []
            attachments = [library.by_id[i] for i in ids if i in library.by_id]
            html = "".join(_attachment_html(a, None, a.alt) for a in attachments if a.is_image)
            insertions.append((block.start, html))
    for at, html in sorted(insertions, reverse=True):
        content = content[:at] + html + content[at:]
    return content


def _local_date(text: str) -> datetime | None:
    if not text or _ZERO_DATE.match(text):
        return None
    try:
        return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _published(item: _Item) -> datetime | None:
    """The site's local ``wp:post_date``; drafts may have none (zero GMT date, odd pubDate).

    Exports without a ``wp:post_date`` element at all (hand-made or very old) fall back to
    the GMT date, then to pubDate, which parsedate_to_datetime would misread as year 2000
    when it says "30 Nov -0001".
    """
    if "wp:post_date" in item.fields:
        return _local_date(item.get("wp:post_date"))
    if "wp:post_date_gmt" in item.fields:
        gmt = _local_date(item.get("wp:post_date_gmt"))
        return gmt.replace(tzinfo=UTC) if gmt else None
    pub_date = item.get("pubDate")
    if not _RFC822.match(pub_date):
        return None
    try:
        return parsedate_to_datetime(pub_date)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _terms(item: _Item, *domains: str) -> list[str]:
    names: list[str] = []
    for term_domain, raw in item.terms:
        name = clean_text(raw)
        if term_domain in domains and name and name.casefold() not in map(str.casefold, names):
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
                caption=None,  # themes show a featured image without its library caption
                credit=featured.credit,
                copyright=featured.copyright,
                description=featured.description,
                library_caption=featured.caption,
                upload=featured.url,
            )
        )
    content = item.fields.get("content:encoded", "")
    content = _complete_blocks(content, library)
    content = _expand_gallery_shortcodes(content, item.get("wp:post_id"), library)
    content = _expand_caption_shortcodes(content)
    for position, found in enumerate(find_images(content), start=1):
        attachment, certain = library.find(found)
        images.append(
            ParsedImage(
                role="inline",
                position=position,
                reference=found.src,
                alt=found.alt or (attachment.alt if attachment else None),
                caption=found.caption,
                credit=attachment.credit if attachment else None,
                copyright=attachment.copyright if attachment else None,
                description=attachment.description if attachment else None,
                library_caption=attachment.caption if attachment else None,
                upload=attachment.url if attachment and certain else None,
            )
        )
    return images


def _site(channel: Element, source: str) -> str:
    """The blog's address without scheme or trailing slash: the same site over http(s)."""
    fields = {_name(child): (child.text or "").strip() for child in channel if len(child) == 0}
    for name in ("wp:base_blog_url", "link", "wp:base_site_url"):
        value = fields.get(name, "")
        if value:
            split = urlsplit(value if "://" in value else "//" + value)
            site = (split.netloc.lower() + split.path.rstrip("/")).strip()
            if site:
                return site
    return source


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


def parse_wxr(path: Path, include_unpublished: bool = False) -> list[ParsedArticle]:
    """Published posts and pages in export order; with `include_unpublished` also drafts,
    scheduled, pending and private ones (their `status` says which). Trash never."""
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
    site = _site(channel, source)
    articles = []
    for number, item in enumerate(items, start=1):
        if item.get("wp:post_type") not in _ARTICLE_TYPES:
            continue
        # An item without a status is an RSS item, published; WordPress always writes one.
        status = item.get("wp:status") or PUBLISHED
        if status in _SKIPPED_STATUSES or (status != PUBLISHED and not include_unpublished):
            continue
        post_id = item.get("wp:post_id")
        creator = item.get("dc:creator")
        link = item.get("link") or None
        articles.append(
            ParsedArticle(
                key=f"wxr:{site}#{post_id if post_id.isdigit() else f'item-{number}'}",
                title=clean_text(item.get("title")) or "",
                url=link,
                published=_published(item),
                byline=authors.get(creator) or clean_text(creator),
                tags=_terms(item, "post_tag", "tag"),
                categories=_terms(item, "category"),
                source_path=source,
                format="wxr",
                images=_images(item, library),
                status=status,
                former_keys=[item.get("guid") or link or f"{source}#post-{post_id}"],
            )
        )
    return articles
