"""A forgiving element tree over saved pages: the stdlib parser, text as read, page chrome marks."""

from __future__ import annotations

import codecs
import contextlib
import re
import unicodedata
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from library.articles.importers.model import ArticleFormatError

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr", "amp-img"}
)


_BLOCKS = frozenset(
    {"p", "div", "figure", "figcaption", "section", "article", "aside", "ul", "ol", "table"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td", "header", "footer", "main"}
)


_CLOSES_P = _BLOCKS | {"form", "hr", "pre", "blockquote", "dl", "nav"}


_SILENT = frozenset({"script", "style", "template", "noscript", "svg", "select", "button"})


_CHROME_TAGS = frozenset({"nav", "aside", "footer", "form"})


_CHROME_WORDS = frozenset(
    {"related", "share", "sharing", "sharebar", "social", "comment", "comments", "newsletter"}
    | {"advert", "advertisement", "advertising", "ad", "ads", "adslot", "adsbygoogle", "dfp"}
    | {"sidebar", "promo", "promos", "widget", "widgets", "teaser", "teasers", "recommended"}
    | {"recommendations", "outbrain", "taboola", "trending", "popular", "mostread", "sponsor"}
    | {"sponsored", "breadcrumb", "breadcrumbs", "menu", "masthead", "subscribe", "paywall"}
    | {"cookie", "cookies", "modal", "popup", "byline", "author", "authors", "bio", "headshot"}
    | {"avatar", "profile", "rail", "navigation", "nav", "footer", "signup"}
    | {"video", "videos", "player", "playlist", "jwplayer", "brightcove"}
)


_CHROME_PHRASES = re.compile(
    r"more[-_]?stories|read[-_]?more|most[-_]?(?:read|popular|viewed)|also[-_]?read|"
    r"you[-_]?may[-_]?(?:also[-_]?)?like|see[-_]?also|more[-_]?from|site[-_]?header"
)


_SCOPE_CLASS = re.compile(
    r"entry-content|article-body|article__body|article-content|post-content|post-body|"
    r"story-body|articlebody|article-text|story-content|hentry"
)


_CHROME_IMAGE_WORDS = frozenset(
    {"logo", "logos", "avatar", "avatars", "gravatar", "icon", "icons", "favicon", "sprite"}
    | {"pixel", "spacer", "tracking", "beacon", "emoji", "smiley", "badge", "headshot"}
    | {"headshots", "mugshot", "author", "authors", "byline", "profile", "spinner", "loader"}
    | {"1x1", "ad", "ads", "advert"}
    | {"sponsor", "button", "btn", "rss", "arrow", "bullet", "dfp", "adserver", "clear"}
)


# lazy-loading pages mark real photos "loading" in their class, but a file so named is a spinner
_FILE_ONLY_WORDS = frozenset(
    {"loading", "placeholder", "blank", "transparent", "lazy", "grey", "qrcode", "qr"}
)


_HIDDEN = re.compile(
    r"(?:^|[\s_-])(?:off-?screen|visually-hidden|sr-only|screen-reader-text|screenreader|"
    r"element-invisible|hidden|a11y)(?=$|[\s_-])"
)


_PHOTO_BOX = frozenset({"photo", "image", "figure", "media", "picture", "img"})


_CAPTION_WORDS = frozenset({"caption", "figcaption", "cutline", "legend", "legende", "leyenda"})


_CREDIT_WORDS = frozenset(
    {"credit", "credits", "copyright", "photographer", "courtesy", "photocredit"}
)


_TRACKERS = ("doubleclick.", "facebook.com/tr", "scorecardresearch.", "google-analytics.")


_MAX_DEPTH = 1000


_MIN_SIZE = 50


_SEPARATORS = re.compile(r"\s+(?:\||-{1,2}|–|—|::?|»|«|·|/|•)\s+|\s*｜\s*|\s+：\s*")


_HEADLINE_CLASSES = frozenset(
    {"entry-title", "post-title", "article-title", "story-title", "headline", "entry-header"}
    | {"article-headline", "story-headline", "post-headline", "title", "heading"}
)


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


def _norm(text: str | None) -> str:
    """Compare headlines as a reader would: case, quote styles and spacing aside."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"[‘’`´]", "'", text)
    text = re.sub(r"[“”«»„]", '"', text)
    return " ".join(text.split()).strip(" .:")


def _words(value: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", value.lower()) if w}


class _Node:
    """One element; text children are plain strings."""

    __slots__ = ("attrs", "children", "depth", "index", "parent", "prose", "slot", "tag")

    def __init__(self, tag: str, attrs: dict[str, str], parent: _Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[_Node | str] = []
        self.index = 0  # document order
        self.slot = len(parent.children) if parent is not None else 0  # place among siblings
        self.depth: int = parent.depth + 1 if parent is not None else 0
        self.prose = 0  # characters of running text below, links and furniture aside

    def get(self, name: str) -> str:
        return self.attrs.get(name, "")

    @property
    def marks(self) -> str:
        return (self.get("class") + " " + self.get("id")).lower()

    def elements(self) -> Iterator[_Node]:
        """This element and every element below it in document order, without recursion."""
        stack: list[_Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(c for c in reversed(node.children) if isinstance(c, _Node))

    def ancestors(self) -> Iterator[_Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def contains(self, other: _Node) -> bool:
        return other is self or any(a is self for a in other.ancestors())

    def text(self, skip: frozenset[str] = _SILENT, visible: bool = False) -> str:
        """The text as read; `visible` leaves out screen-reader-only labels ("Image caption")."""
        parts: list[str] = []
        stack: list[_Node | str] = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                parts.append(item)
            elif visible and item is not self and (_HIDDEN.search(item.marks) or _is_control(item)):
                continue
            elif item.tag not in skip or item is self:
                spaced = item.tag in _BLOCKS or item.tag == "br"
                spaced = spaced or (visible and _has_words(item, _CREDIT_WORDS | _CAPTION_WORDS))
                if spaced:
                    parts.append(" ")
                    stack.append(" ")
                elif visible and item is not self:
                    parts.append("\x01")  # an element boundary, maybe a styled gap
                stack.extend(reversed(item.children))
        text = "".join(parts).replace("\u200b", "")
        if visible:  # "…California.</span><span>David McNew" reads as two sentences
            text = re.sub(r"(?<=[.!?:;)])\x01+(?=\w)", " ", text).replace("\x01", "")
        return " ".join(text.split())

    def raw(self) -> str:
        return "".join(c for c in self.children if isinstance(c, str))


class _TreeBuilder(HTMLParser):
    """A forgiving tree: unknown end tags are ignored, open elements closed at the end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, None)
        self._stack = [self.root]
        self._count = 0

    def _add(self, tag: str, attrs: list[tuple[str, str | None]]) -> _Node:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag in _CLOSES_P:
            for index in range(len(self._stack) - 1, 0, -1):
                if self._stack[index].tag == "p":
                    del self._stack[index:]
                    break
                if self._stack[index].tag in _BLOCKS:
                    break
        parent = self._stack[-1]
        node = _Node(tag, values, parent)  # its slot is where it is appended next
        self._count += 1
        node.index = self._count
        parent.children.append(node)
        return node

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = self._add(tag, attrs)
        if tag not in _VOID and len(self._stack) < _MAX_DEPTH:
            self._stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._add(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._stack) - 1, 0, -1):
            if self._stack[index].tag == tag:
                del self._stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].children.append(data)


def _tree(markup: str, path: Path | None = None) -> _Node:
    """Parse markup; html.parser gives up (AssertionError) on a few broken declarations.

    For a page (`path` given) that is an error with its line; for a fragment of a post the
    elements read before the break are kept, so one bad post does not sink an export.
    """
    builder = _TreeBuilder()
    try:
        builder.feed(markup)
        builder.close()
    except AssertionError as error:
        if path is not None:
            line = builder.getpos()[0]
            raise ArticleFormatError(path, f"unreadable markup ({error})", line) from None
    _measure_prose(builder.root)
    return builder.root


def _measure_prose(root: _Node) -> None:
    """Characters of running text under each element: link text and furniture don't count."""
    for node in sorted(root.elements(), key=lambda n: -n.depth):
        if node.tag in _SILENT or node.tag in _CHROME_TAGS or node.tag == "a":
            continue
        own = sum(len(c.strip()) for c in node.children if isinstance(c, str))
        node.prose = own + sum(c.prose for c in node.children if isinstance(c, _Node))


def _is_scope(node: _Node) -> bool:
    """An element that declares itself the article (or its body)."""
    return (
        node.tag == "article"
        or node.get("itemprop").lower() == "articlebody"
        or "article" in node.get("itemtype").lower()
        or "blogposting" in node.get("itemtype").lower()
        or bool(_SCOPE_CLASS.search(node.get("class").lower()))
    )


def _chrome_marks(marks: str) -> bool:
    if _CHROME_PHRASES.search(marks):
        return True
    return any(
        word in _CHROME_WORDS for token in marks.split() for word in re.split(r"[-_]+", token)
    )


#: A control drawn as a plain element ("<span class="close-button">Close</span>" in a
#: caption box) is read by nobody as part of the text around it.
_CONTROL_WORDS = frozenset({"button", "btn"})


def _is_control(node: _Node) -> bool:
    return node.get("role").lower() == "button" or _has_words(node, _CONTROL_WORDS)


def _has_words(node: _Node, words: frozenset[str]) -> bool:
    return any(w in words for token in node.marks.split() for w in re.split(r"[-_]+", token))


def _decode(data: bytes, path: Path) -> str:
    """Bytes to text using the BOM or the declared charset; binary data is refused.

    A stray NUL (saved pages have them) is dropped; a page is binary only when control
    characters or undecodable bytes are more than 1 char in 50 of it.
    """
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
    if _odd_characters(text) * 50 > len(text) or not text.strip("\x00"):
        raise ArticleFormatError(path, "not an HTML page (binary data)")
    return text.replace("\x00", "")


def _odd_characters(text: str) -> int:
    return sum(1 for c in text if (c < " " and c not in "\t\n\r\f\v") or c == "\ufffd")


def looks_binary(text: str) -> bool:
    """Control characters or undecodable bytes in more than 1 char in 50 mean not text."""
    if "\x00" in text:
        return True
    return _odd_characters(text) * 50 > len(text)
