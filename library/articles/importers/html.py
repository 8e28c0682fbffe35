"""Read saved news article pages, and find captioned images in any HTML (WXR content too).

A saved page says the same thing in several places that may disagree or be missing, so each
field takes the first of a fixed list of sources (Open Graph first, because sites keep it
accurate for social sharing; then schema.org JSON-LD; then the visible markup):

* title:  og:title, JSON-LD headline, the <h1> of the article, <title>
* date:   article:published_time, JSON-LD datePublished, <time datetime> in the article
* author: <meta name=author>, JSON-LD author name(s), rel=author link text
* tags:   article:tag, <meta name=keywords|news_keywords>, JSON-LD keywords
* url:    <link rel=canonical>, og:url, JSON-LD url / mainEntityOfPage

The featured image is og:image (else twitter:image, else the JSON-LD article image),
completed from the JSON-LD ImageObject of the same file (caption, creditText,
copyrightNotice) and, failing a caption there, from the in-body figure of the same file.
In-body images are those of the article that holds the headline (<article>,
itemprop=articleBody or the usual "entry-content" classes; later top-level articles are
teasers for other stories), else of <main>, else figures anywhere outside page chrome.
Chrome is skipped: nav/aside/footer, related/share/comment boxes, logos, avatars, icons,
emoji, tracking pixels and anything declared smaller than 50 px.

The same scanner reads WordPress post content, where ``<figure>``/``<figcaption>`` and the
old ``div.wp-caption``/``p.wp-caption-text`` boxes both tie a caption to their images.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from library.articles.importers.media import canonical_media_name
from library.articles.importers.model import ArticleFormatError, ParsedArticle, ParsedImage

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_BLOCKS = frozenset(
    {"p", "div", "figure", "figcaption", "section", "article", "aside", "ul", "ol", "table"}
    | {"h1", "h2", "h3"}
)
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "form"})
_CHROME_CLASS = re.compile(
    r"(?:^|\s)(?:related|share|sharing|social|comments?|newsletter|advert|ads?|sidebar|promo|"
    r"widget)(?:[-_]\S*)?(?=\s|$)"
)
_SCOPE_CLASS = re.compile(
    r"entry-content|article-body|article__body|article-content|post-content|post-body|"
    r"story-body|articlebody"
)
_CHROME_IMAGE = re.compile(
    r"(?:^|[\W_])(?:logo|avatar|gravatar|icon|favicon|sprite|pixel|spacer|tracking|beacon|"
    r"emoji|smiley|badge)s?(?:[\W_]|$)"
)
_TRACKERS = ("doubleclick.", "facebook.com/tr", "scorecardresearch.", "google-analytics.")
_MAX_DEPTH = 1000
_MIN_SIZE = 50


def clean_text(value: str | None) -> str | None:
    """Plain text as a reader sees it: tags dropped, entities decoded, whitespace collapsed."""
    if value is None:
        return None
    text = _strip_tags(value) if "<" in value else unescape(value)
    text = " ".join(text.replace("\u200b", "").replace("\ufeff", "").split())
    return text or None


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCKS or tag == "br":
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _strip_tags(fragment: str) -> str:
    parser = _TextOnly()
    try:
        parser.feed(fragment)
        parser.close()
    except AssertionError:  # html.parser gives up on some broken declarations
        return unescape(re.sub(r"<[^>]*>", " ", fragment))
    return "".join(parser.parts)


@dataclass
class FoundImage:
    """An <img> as the markup gives it, with the caption of the figure that holds it."""

    src: str | None
    alt: str | None
    marks: str  # class, id and file name, lower-cased, to recognise chrome
    width: int | None
    height: int | None
    attachment_id: str | None
    caption: str | None = None
    article_number: int = 0  # which top-level article holds it (1-based), 0 for none
    in_main: bool = False
    in_chrome: bool = False
    in_figure: bool = False
    in_noscript: bool = False

    def looks_like_chrome(self) -> bool:
        """Logos, avatars, icons and pixels are page furniture, never news photos."""
        if not self.src or self.in_chrome:
            return True
        sizes = [s for s in (self.width, self.height) if s is not None]
        if any(s < _MIN_SIZE for s in sizes):
            return True
        lowered = self.src.lower()
        return bool(_CHROME_IMAGE.search(self.marks)) or any(t in lowered for t in _TRACKERS)


@dataclass
class _Container:
    """A figure or WordPress caption box: its caption applies to the images directly in it."""

    attachment_id: str | None
    images: list[FoundImage] = field(default_factory=list)
    caption_parts: list[str] = field(default_factory=list)


@dataclass
class _Element:
    tag: str
    article: bool = False
    main: bool = False
    chrome: bool = False
    noscript: bool = False
    container: _Container | None = None
    caption_of: _Container | None = None
    capture: str | None = None
    buffer: list[str] = field(default_factory=list)


def _size(value: str | None) -> int | None:
    match = re.match(r"\s*(\d{1,6})\s*(?:px)?\s*$", value or "")
    return int(match.group(1)) if match else None


def _image_source(attrs: dict[str, str]) -> str | None:
    """Lazy-loading pages put a placeholder in src and the real file in a data- attribute."""
    for name in ("src", "data-src", "data-lazy-src", "data-original", "data-orig-file"):
        value = attrs.get(name, "").strip()
        if value and not value.startswith("data:"):
            return value
    return None


class _Scanner(HTMLParser):
    """One pass over a page or fragment collecting images, metadata and JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[FoundImage] = []
        self.metas: list[tuple[str, str]] = []
        self.canonical: str | None = None
        self.titles: list[str] = []
        self.headings: list[tuple[str, int]] = []
        self.author_links: list[str] = []
        self.json_ld: list[str] = []
        self.times: list[tuple[str, bool, bool]] = []
        self.articles = 0  # top-level article scopes seen, so teasers can be told apart
        self.saw_main = False
        self._stack: list[_Element] = []
        self._article = 0
        self._main = 0
        self._chrome = 0
        self._noscript = 0
        self._captures = 0

    # -- the element stack -------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag in _BLOCKS and self._stack and self._stack[-1].tag == "p":
            self._pop_to(len(self._stack) - 1)
        self._visit(tag, values)
        if tag not in _VOID and len(self._stack) < _MAX_DEPTH:
            self._push(self._element(tag, values))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._visit(tag, {name.lower(): (value or "") for name, value in attrs})

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index].tag == tag:
                self._pop_to(index)
                return

    def handle_data(self, data: str) -> None:
        if self._captures:
            for element in self._stack:
                if element.capture is not None:
                    element.buffer.append(data)
        for element in reversed(self._stack):
            if element.caption_of is not None:
                element.caption_of.caption_parts.append(data)
                break

    def finish(self) -> None:
        """Close what the markup left open so every figure gets its caption."""
        self._pop_to(0)

    def _element(self, tag: str, attrs: dict[str, str]) -> _Element:
        classes = attrs.get("class", "").lower()
        marks = classes + " " + attrs.get("id", "").lower()
        element = _Element(tag)
        element.article = (
            tag == "article"
            or attrs.get("itemprop", "").lower() == "articlebody"
            or "article" in attrs.get("itemtype", "").lower()
            or bool(_SCOPE_CLASS.search(classes))
        )
        element.main = tag == "main" or attrs.get("role", "").lower() == "main"
        element.chrome = (
            tag in _CHROME_TAGS
            or (tag == "header" and not (self._article or self._main))
            or bool(_CHROME_CLASS.search(marks))
        ) and not (element.article or element.main)
        element.noscript = tag == "noscript"
        ident = attrs.get("id", "")
        if tag == "figure" or "wp-caption" in classes.split():
            found = re.fullmatch(r"attachment_(\d+)", ident)
            element.container = _Container(found.group(1) if found else None)
        if tag == "figcaption" or (tag == "p" and "wp-caption-text" in classes.split()):
            element.caption_of = next(
                (e.container for e in reversed(self._stack) if e.container is not None), None
            )
        if tag == "script" and attrs.get("type", "").lower() == "application/ld+json":
            element.capture = "json-ld"
        elif tag in ("title", "h1"):
            element.capture = tag
        elif tag == "a" and "author" in attrs.get("rel", "").lower().split():
            element.capture = "author"
        return element

    def _push(self, element: _Element) -> None:
        if element.article and not self._article:
            self.articles += 1
        self._stack.append(element)
        self._article += element.article
        self._main += element.main
        self._chrome += element.chrome
        self._noscript += element.noscript
        self._captures += element.capture is not None
        self.saw_main = self.saw_main or element.main

    def _pop_to(self, index: int) -> None:
        while len(self._stack) > index:
            element = self._stack.pop()
            self._article -= element.article
            self._main -= element.main
            self._chrome -= element.chrome
            self._noscript -= element.noscript
            self._captures -= element.capture is not None
            self._close(element)

    def _close(self, element: _Element) -> None:
        if element.container is not None:
            caption = clean_text(" ".join(element.container.caption_parts))
            for image in element.container.images:
                image.caption = image.caption or caption
        text = clean_text("".join(element.buffer)) if element.capture else None
        if element.capture == "json-ld":
            self.json_ld.append("".join(element.buffer))
        elif text and element.capture == "title":
            self.titles.append(text)
        elif text and element.capture == "h1":
            self.headings.append((text, self._article_number()))
        elif text and element.capture == "author":
            self.author_links.append(text)

    # -- elements that need no closing -----------------------------------------------

    def _visit(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "img":
            self._image(attrs)
        elif tag == "meta":
            key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or ""
            if key and "content" in attrs:
                self.metas.append((key.strip().lower(), attrs["content"]))
        elif tag == "link":
            rel = attrs.get("rel", "").lower().split()
            if "canonical" in rel and attrs.get("href") and self.canonical is None:
                self.canonical = attrs["href"].strip()
        elif tag == "time" and attrs.get("datetime"):
            marked = "datepublished" in attrs.get("itemprop", "").lower() or "pubdate" in attrs
            self.times.append((attrs["datetime"], self._article_number() > 0, marked))

    def _article_number(self) -> int:
        return self.articles if self._article else 0

    def _image(self, attrs: dict[str, str]) -> None:
        src = _image_source(attrs)
        container = next(
            (e.container for e in reversed(self._stack) if e.container is not None), None
        )
        in_caption = any(e.caption_of is not None for e in self._stack)
        found = re.search(r"\bwp-image-(\d+)\b", attrs.get("class", ""))
        attachment = found.group(1) if found else attrs.get("data-id", "").strip() or None
        if attachment is None and container is not None:
            attachment = container.attachment_id
        marks = " ".join(
            [attrs.get("class", ""), attrs.get("id", ""), (src or "").rsplit("/", 1)[-1]]
        ).lower()
        image = FoundImage(
            src=src,
            alt=clean_text(attrs.get("alt")),
            marks=marks,
            width=_size(attrs.get("width")),
            height=_size(attrs.get("height")),
            attachment_id=attachment,
            article_number=self._article_number(),
            in_main=self._main > 0,
            in_chrome=self._chrome > 0 or in_caption,
            in_figure=container is not None,
            in_noscript=self._noscript > 0,
        )
        if image.in_noscript and self.images and not self.images[-1].in_noscript:
            return  # the <noscript> twin of a lazy-loaded image already recorded
        self.images.append(image)
        if container is not None:
            container.images.append(image)


def scan_html(markup: str, path: Path | None = None) -> _Scanner:
    """Scan markup; html.parser gives up (AssertionError) on a few broken declarations.

    For a page (`path` given) that is an error with its line; for a fragment of a post the
    images found before the break are kept, so one bad post does not sink an export.
    """
    scanner = _Scanner()
    try:
        scanner.feed(markup)
        scanner.close()
    except AssertionError as error:
        if path is not None:
            line = scanner.getpos()[0]
            raise ArticleFormatError(path, f"unreadable markup ({error})", line) from None
    scanner.finish()
    return scanner


def find_images(fragment: str) -> list[FoundImage]:
    """Images of a content fragment in document order, chrome dropped; tolerant of bad HTML."""
    return [image for image in scan_html(fragment).images if not image.looks_like_chrome()]


def figure_html(ident: str, image_html: str, caption_html: str) -> str:
    """A figure equivalent to a WordPress caption box, so one scanner reads both forms."""
    return (
        f'<figure id="{escape(ident)}" class="wp-caption">{image_html}'
        f"<figcaption>{caption_html}</figcaption></figure>"
    )


def parse_date(value: str | None) -> datetime | date | None:
    """ISO 8601 as pages write it (date only → date), with RFC 822 as a fall-back."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _decode(data: bytes, path: Path) -> str:
    """Bytes to text using the BOM or the declared charset; binary data is refused."""
    head = data[:4096].decode("latin-1").lower()
    declared = re.search(r"<meta[^>]+charset\s*=\s*[\"']?\s*([\w-]+)", head)
    encodings = ["utf-8-sig"]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    elif declared:
        with contextlib.suppress(LookupError):
            encodings.insert(0, codecs.lookup(declared.group(1)).name)
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        text = data.decode("cp1252", errors="replace")
    if looks_binary(text):
        raise ArticleFormatError(path, "not an HTML page (binary data)")
    return text


def looks_binary(text: str) -> bool:
    """Control characters or undecodable bytes in more than 1 char in 50 mean not text."""
    if "\x00" in text:
        return True
    odd = sum(1 for c in text if (c < " " and c not in "\t\n\r\f\v") or c == "\ufffd")
    return odd * 50 > len(text)


# -- JSON-LD ---------------------------------------------------------------------------


@dataclass
class _ImageInfo:
    url: str | None
    caption: str | None = None
    credit: str | None = None
    copyright: str | None = None
    description: str | None = None


def _json_nodes(blocks: list[str]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for block in blocks:
        text = block.strip().removeprefix("<!--").removesuffix("-->")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            continue
        _collect(data, nodes, 0)
    return nodes


def _collect(value: object, out: list[dict[str, Any]], depth: int) -> None:
    if depth > 12 or len(out) > 1000:
        return
    if isinstance(value, dict):
        out.append(value)
        for item in value.values():
            _collect(item, out, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _collect(item, out, depth + 1)


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [k for k in kinds if isinstance(k, str)]


def _is_article(node: dict[str, Any]) -> bool:
    return any(k.endswith("Article") or k in ("BlogPosting", "Report") for k in _types(node))


class _Graph:
    """JSON-LD nodes with @id references resolved, as Yoast-style @graph pages need."""

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        self.nodes = nodes
        self.ids = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 1}
        self.article = next((n for n in nodes if _is_article(n)), None)

    def resolve(self, value: object) -> object:
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.ids.get(value["@id"], value) if isinstance(value["@id"], str) else value
        return value

    def text(self, key: str) -> str | None:
        value = self.article.get(key) if self.article else None
        return clean_text(value) if isinstance(value, str) else None

    def names(self, value: object, depth: int = 0) -> list[str]:
        value = self.resolve(value)
        if isinstance(value, str):
            return [t for t in [clean_text(value)] if t]
        if isinstance(value, dict):
            return self.names(value.get("name"), depth + 1) if depth < 4 else []
        if isinstance(value, list) and depth < 4:
            return [name for item in value for name in self.names(item, depth + 1)]
        return []

    def words(self, key: str) -> list[str]:
        value = self.article.get(key) if self.article else None
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list):
            return []
        return [t for t in (clean_text(v) for v in value if isinstance(v, str)) if t]

    def images(self, value: object, depth: int = 0) -> list[_ImageInfo]:
        value = self.resolve(value)
        if isinstance(value, str):
            return [_ImageInfo(value.strip())]
        if isinstance(value, list) and depth < 4:
            return [info for item in value for info in self.images(item, depth + 1)]
        if not isinstance(value, dict):
            return []
        url = value.get("url") or value.get("contentUrl")
        return [
            _ImageInfo(
                url=url.strip() if isinstance(url, str) else None,
                caption=_json_text(value.get("caption")),
                credit=_json_text(value.get("creditText")),
                copyright=_json_text(value.get("copyrightNotice")),
                description=_json_text(value.get("description")),
            )
        ]

    def all_images(self) -> list[_ImageInfo]:
        article_images = self.images(self.article.get("image")) if self.article else []
        objects = [n for n in self.nodes if "ImageObject" in _types(n)]
        return article_images + [info for node in objects for info in self.images(node)]


def _json_text(value: object) -> str | None:
    return clean_text(value) if isinstance(value, str) else None


def _match(reference: str | None, infos: list[_ImageInfo]) -> _ImageInfo | None:
    """Same URL, else same original file name: pages quote sized copies of one upload."""
    if not reference:
        return None
    exact = [i for i in infos if i.url == reference]
    name = canonical_media_name(reference)
    same = exact or [i for i in infos if i.url and name and canonical_media_name(i.url) == name]
    richest = sorted(same, key=lambda i: -sum(v is not None for v in vars(i).values()))
    return richest[0] if richest else None


# -- the page --------------------------------------------------------------------------


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


def _byline(names: list[str]) -> str | None:
    names = _unique(names)
    if len(names) <= 1:
        return names[0] if names else None
    return ", ".join(names[:-1]) + " and " + names[-1]


class _Page:
    """The scanned page with its metadata looked up by key."""

    def __init__(self, scanner: _Scanner) -> None:
        self.scanner = scanner
        self.graph = _Graph(_json_nodes(scanner.json_ld))

    def meta(self, *keys: str) -> list[str]:
        found = [clean_text(v) for k, v in self.scanner.metas if k in keys]
        return [v for v in found if v]

    def one(self, *keys: str) -> str | None:
        values = self.meta(*keys)
        return values[0] if values else None

    def url(self) -> str | None:
        graph = self.graph.article or {}
        main = self.graph.resolve(graph.get("mainEntityOfPage"))
        main_url = main.get("@id") if isinstance(main, dict) else main
        return _first(
            self.scanner.canonical,
            self.one("og:url"),
            self.graph.text("url"),
            main_url.strip() if isinstance(main_url, str) else None,
        )

    def chosen_article(self) -> int:
        """The article holding the page's headline; the others are teasers for more stories."""
        return next((number for _, number in self.scanner.headings if number), 1)

    def title(self) -> str | None:
        headings = self.scanner.headings
        heading = next((t for t, number in headings if number == self.chosen_article()), None)
        heading = heading or (headings[0][0] if headings else None)
        titles = self.scanner.titles
        return _first(
            self.one("og:title"),
            self.graph.text("headline"),
            heading,
            titles[0] if titles else None,
        )

    def published(self) -> datetime | date | None:
        times = self.scanner.times
        ordered = [t for t, _, marked in times if marked] + [t for t, scoped, _ in times if scoped]
        candidates = [
            *self.meta("article:published_time", "datepublished", "pubdate", "date"),
            *([self.graph.text("datePublished")] if self.graph.text("datePublished") else []),
            *ordered,
            *([times[0][0]] if times and not self.scanner.articles else []),
        ]
        for candidate in candidates:
            parsed = parse_date(candidate)
            if parsed is not None:
                return parsed
        return None

    def byline(self) -> str | None:
        article = self.graph.article or {}
        for names in (self.meta("author"), self.graph.names(article.get("author"))):
            if names:
                return _byline(names)
        return _byline(self.scanner.author_links)

    def tags(self) -> list[str]:
        keywords = [k for v in self.meta("keywords", "news_keywords") for k in v.split(",")]
        for found in (self.meta("article:tag"), keywords, self.graph.words("keywords")):
            cleaned = _unique([t for t in (clean_text(v) for v in found) if t])
            if cleaned:
                return cleaned
        return []

    def categories(self) -> list[str]:
        return _unique(self.meta("article:section") or self.graph.words("articleSection"))

    def images(self) -> list[ParsedImage]:
        infos = self.graph.all_images()
        scanned = [i for i in self.scanner.images if not i.looks_like_chrome()]
        if self.scanner.articles:
            body = [i for i in scanned if i.article_number == self.chosen_article()]
        elif self.scanner.saw_main:
            body = [i for i in scanned if i.in_main]
        else:
            body = [i for i in scanned if i.in_figure]
        featured = self._featured(infos, body)
        images = [featured] if featured else []
        for position, found in enumerate(body, start=1):
            info = _match(found.src, infos) or _ImageInfo(None)
            images.append(
                ParsedImage(
                    role="inline",
                    position=position,
                    reference=found.src,
                    alt=found.alt,
                    caption=found.caption or info.caption,
                    credit=info.credit,
                    copyright=info.copyright,
                    description=info.description,
                )
            )
        return images

    def _featured(self, infos: list[_ImageInfo], body: list[FoundImage]) -> ParsedImage | None:
        article = self.graph.article or {}
        declared = self.graph.images(article.get("image"))
        reference = _first(
            self.one("og:image", "og:image:url", "og:image:secure_url"),
            self.one("twitter:image", "twitter:image:src"),
            next((i.url for i in declared if i.url), None),
        )
        if reference is None:
            return None
        info = _match(reference, infos) or _ImageInfo(reference)
        name = canonical_media_name(reference)
        twin = next((b for b in body if b.src and canonical_media_name(b.src) == name), None)
        return ParsedImage(
            role="featured",
            position=0,
            reference=reference,
            alt=self.one("og:image:alt") or (twin.alt if twin else None),
            caption=info.caption or (twin.caption if twin else None),
            credit=info.credit,
            copyright=info.copyright,
            description=info.description,
        )


def parse_html(path: Path) -> list[ParsedArticle]:
    """The one article of a saved page; a page that is not an article is an error."""
    text = _decode(path.read_bytes(), path)
    scanner = scan_html(text, path)
    page = _Page(scanner)
    is_article = (
        scanner.articles > 0
        or page.graph.article is not None
        or (page.one("og:type") or "").lower() == "article"
        or bool(page.meta("article:published_time"))
    )
    if not is_article:
        raise ArticleFormatError(
            path, "no article content (no <article>, JSON-LD Article or og:type article)"
        )
    title = page.title()
    if title is None:
        raise ArticleFormatError(path, "no article title (no og:title, headline, <h1> or <title>)")
    source = str(path.resolve())
    url = page.url()
    return [
        ParsedArticle(
            key=url or source,
            title=title,
            url=url,
            published=page.published(),
            byline=page.byline(),
            tags=page.tags(),
            categories=page.categories(),
            source_path=source,
            format="html",
            images=page.images(),
        )
    ]
