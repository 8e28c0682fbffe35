"""The lines of a text dump: their shapes (dates, bylines, tags, boilerplate), theme meta lines, unwrapping."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from library.text.captions import parse_caption

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


_MONTH = rf"(?:{_MONTHS}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)"


_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}})"
)


_DATE_LINE = re.compile(
    rf"^(?:(?:Posted|Published|Updated|Date)(?:\s+on)?:?\s*)?"
    rf"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?({_DATE})"
    rf"(?:\s*(?:[|•·,–—-]\s*|\s)by\s+(?P<by>[^\d|•·]{{2,60}}))?$",
    re.I,
)


_ENDS_WITH_DATE = re.compile(rf"(?:{_DATE}|\b(?:{_MONTHS})\s+\d{{4}})\W{{0,3}}$", re.I)


_BY_LINE = re.compile(r"^(?:By|BY|by)\s+(?P<name>[^\s,.:;!?]\S*(?:\s+\S+){0,6})$")


_TAGGED_LINE = re.compile(r"^(?:Tagged(?:\s+(?:with|under|as))?|Tags)\s*:?\s+(?P<items>\S.*)$")


_POSTED_IN = re.compile(
    r"^(?:Posted\s+in|Filed\s+(?:under|in)|Categor(?:y|ies))\s*:?\s+(?P<items>\S.*)$", re.I
)


_HEADINGS = [
    re.compile(
        r"^(Posts?\s+(?:Tagged(?:\s+with)?|Filed\s+Under|in\s+Category))\s*:?\s*(.+)$", re.I
    ),
    re.compile(
        r"^((?:Tag|Category|Topic|Section|Browsing(?:\s+(?:Tag|Category))?|"
        r"(?:Tag|Category)\s+Archives?|Archives?))\s*:\s*(.+)$",
        re.I,
    ),
    re.compile(r"^(Archives?\s+(?:for|of))\s+(.+)$", re.I),
]


_BOILERPLATE = {
    "please follow and like us",
    "follow and like us",
    "continue reading",
    "read more",
    "read the rest of this entry",
    "read full article",
    "read the full story",
    "read full story",
    "view post",
    "share this",
    "share this post",
    "share this article",
    "share this story",
    "share on facebook",
    "share on twitter",
    "like this",
    "like loading",
    "related",
    "related posts",
    "related articles",
    "leave a comment",
    "leave a reply",
    "no comments",
    "comments off",
    "comments are closed",
    "pin it",
}


_SHARE_WORDS = {
    "facebook",
    "twitter",
    "x",
    "tweet",
    "pin",
    "pinterest",
    "linkedin",
    "whatsapp",
    "telegram",
    "email",
    "e-mail",
    "print",
    "reddit",
    "tumblr",
    "share",
    "pocket",
    "mastodon",
    "messenger",
    "sms",
    "rss",
    "follow",
    "like",
    "subscribe",
    "instagram",
    "youtube",
    "threads",
    "bluesky",
    "more",
    "shares",
    "fb",
    "icon",
    "icons",
    "by",
}


_FOOTER_MARK = re.compile(
    r"^(?:(?:©|\(c\)|copyright)\s*(?:©\s*)?\d{4}|copyright\s*©|(?:proudly\s+)?powered\s+by\b)",
    re.I,
)


#: The context line under a related post's title in WordPress's "Related" block.
_RELATED_CONTEXT = re.compile(r"^(?:In|Dans|Im|En|Em)\s+[“\"«„].{1,60}[”\"»“]$")


_FOOTER = re.compile(
    r"^(?:©|\(c\)\s|copyright\b|(?:proudly\s+)?powered\s+by\b|theme(?:\s+by|:)|designed\s+by\b|"
    r"(?:create\s+a\s+free\s+website\s+or\s+)?blog\s+at\s+wordpress\.com|"
    r"all\s+rights\s+reserved|back\s+to\s+top|scroll\s+to\s+top|privacy\s+policy|terms\s+of\s+)",
    re.I,
)


_NAVIGATION = re.compile(
    r"^(?:[«‹←]\s*)?(?:older|newer|previous|next)\s+(?:posts|entries|page|articles)(?:\s*[»›→])?$"
    r"|^page\s+\d+\s+of\s+\d+$"
    r"|^(?:[«‹]\s*(?:prev(?:ious)?)?\s*)?\d+(?:\s+(?:\d+|…|\.\.\.))*(?:\s+next\s*[»›]?)?$",
    re.I,
)


#: The comment form under a single article; tag and category pages do not show it.
_COMMENT_FORM = re.compile(
    r"^(?:your email address will not be published|required fields are marked|"
    r"post comment$|submit comment$|save my name, email)",
    re.I,
)


_STRONG_BYLINE = re.compile(
    r"^By\s+\S|\b(?:Writer|Reporter|Correspondent|Editor|Staff|Desk|Bureau|Contributor|"
    r"Columnist)s?$",
    re.I,
)


_PARTICLES = {"and", "de", "da", "do", "dos", "van", "von", "der", "al", "el", "bin", "&"}


_SPEECH = re.compile(r"[“”\"]|\b(?:said|says|told|according to)\b", re.I)


_NARRATION = re.compile(r"\b(?:will|would|had|has|have|could|should)\b", re.I)


_STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "into",
        "over",
        "after",
        "before",
        "about",
        "their",
        "they",
        "them",
        "were",
        "was",
        "are",
        "has",
        "have",
        "had",
        "its",
        "his",
        "her",
        "our",
        "your",
        "who",
        "whom",
        "which",
        "what",
        "when",
        "where",
        "while",
        "than",
        "then",
        "also",
        "been",
        "being",
        "will",
        "would",
        "can",
        "could",
        "should",
        "near",
    ]
)


INF = math.inf


def _words(line: str) -> int:
    return len(line.split())


def _key(line: str) -> str:
    return " ".join(line.casefold().split()).strip(" .:…→»›>|!-")


def _ends_sentence(line: str) -> bool:
    return line.rstrip("”\"’')»").endswith((".", "!", "?", "…"))


def _ends_period(line: str) -> bool:
    return line.rstrip("”\"’')»").endswith(".")


def _sentences(line: str) -> int:
    return 1 + len(re.findall(r"[a-z0-9)”\"][.!?]\s+[\"“‘(]?[A-Z]", line))


def _content(line: str) -> set[str]:
    """Word stems for comparing an alt with its caption; five letters absorb plurals."""
    words = re.findall(r"[^\W\d_]{3,}", line.casefold())
    return {w[:5] for w in words if w not in _STOPWORDS}


def _tag_items(line: str) -> list[str] | None:
    """The items of a tags line, or None when the line cannot be one."""
    if not line or line[-1:] in ".!?:;," or _words(line) > 60:
        return None
    items = [item.strip() for item in line.split(",")]
    if len(items) > 30 or any(not i or _words(i) > 6 or len(i) > 50 for i in items):
        return None
    if any(c in item for item in items for c in '!?:;“”"'):
        return None
    return items


def _is_boilerplate(line: str) -> bool:
    plain = _key(line)
    if plain in _BOILERPLATE or re.fullmatch(r"\d+ (?:comments?|responses?)", plain):
        return True
    if re.match(r"(?:continue reading|read more)\b", plain):
        return True
    # Share-button rows, also as icon plugins print them ("fb-share-icon", "0 Shares").
    tokens = [t for t in re.split(r"[\s|·•,/-]+", plain) if t]
    words = [t for t in tokens if not t.isdigit()]
    return bool(set(words) - {"by"}) and all(t in _SHARE_WORDS for t in words)


def _is_name(line: str) -> bool:
    words = line.split()
    return 1 <= len(words) <= 6 and all(
        w[0].isupper() or w.casefold() in _PARTICLES for w in words if w
    )


def _parse_date_line(line: str) -> date | None:
    found = _DATE_LINE.match(line)
    if found is None:
        return None
    # "Sept." is the AP abbreviation strptime does not know; the full name must stay whole.
    text = re.sub(r"\bSept\b", "Sep", found.group(1).replace(",", " ").replace(".", " "))
    text = " ".join(text.split())
    for pattern in ("%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


@dataclass
class _Heading:
    kind: str | None  # "tag", "category" or None (a date or other archive)
    name: str


def _heading(line: str) -> _Heading | None:
    if _words(line) > 12:
        return None
    for pattern in _HEADINGS:
        found = pattern.match(line)
        if found:
            prefix, name = found.group(1).casefold(), found.group(2)
            kind = "category" if "categor" in prefix or "section" in prefix else None
            if name.casefold().rstrip(" ’'\"”").endswith("category"):
                kind, name = "category", re.sub(r"(?i)\s*category\s*$", "", name)
            elif "tag" in prefix or "topic" in prefix:
                kind = "tag"
            name = re.sub(r"^(?i:the)\s+", "", name.strip())
            return _Heading(kind, name.strip(" ‘’“”\"'«»"))
    return None


_EARLY_HEADINGS = [
    re.compile(r"^(Tagged(?:\s+with)?|Tag\s+Archives?\s+for)\s*:?\s+([^,]+)$", re.I),
    re.compile(r"^()(.{2,60}?)\s+Archives$"),
]


def _early_heading(line: str) -> _Heading | None:
    """Forms that only head a page when nothing post-like came before them."""
    if _words(line) > 10:
        return None
    for pattern in _EARLY_HEADINGS:
        found = pattern.match(line)
        if found and not re.fullmatch(r"(?i)(?:recent|monthly|yearly|blog|post)", found.group(2)):
            kind = "tag" if found.group(1) else None
            return _Heading(kind, found.group(2).strip(" ‘’“”\"'«»"))
    return None


def _same_tag(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(re.sub(r"[-_]+", " ", text.casefold()).split())

    return norm(a) == norm(b)


@dataclass
class _Line:
    """One non-blank line with everything the costs look at, computed once."""

    number: int  # 1-based, in the file
    text: str  # as published, ends stripped
    key: str
    words: int
    boiler: bool = False
    junk_only: bool = False  # heading, or page chrome: never part of a post
    heading: _Heading | None = None
    footer: bool = False
    meta: str | None = None  # "date", "by" or "tagged": a line themes print, read in passing
    published: date | None = None
    meta_byline: str | None = None
    meta_tags: list[str] = field(default_factory=list)
    meta_categories: list[str] = field(default_factory=list)
    tags: list[str] | None = None
    strong_caption: bool = False  # a credit or an archive note
    has_date: bool = False
    content: set[str] = field(default_factory=set)


def _read_meta(entry: _Line) -> None:
    """Recognise "Published DATE", "By NAME", "Tagged a, b", "Posted in X" and their mixes.

    Themes often print several on one line ("Posted in News | Tagged a, b | Leave a
    comment"), so the line is read part by part and is meta only when every part is.
    """
    parts = [p.strip() for p in re.split(r"\s+[|•·]\s+", entry.text)]
    published: date | None = None
    byline: str | None = None
    tags: list[str] = []
    categories: list[str] = []
    names: list[str] = []
    for part in parts:
        by = _BY_LINE.match(part)
        tagged = _TAGGED_LINE.match(part)
        posted = _POSTED_IN.match(part)
        if (day := _parse_date_line(part)) is not None:
            published = published or day
            found = _DATE_LINE.match(part)
            name = found.group("by") if found else None
            if name and _words(name) <= 4:
                byline = byline or name.strip()
        elif by and _is_name(by.group("name")) and _words(part) <= 8 and not _ends_period(part):
            byline = byline or part
        elif tagged and (items := _tag_items(tagged.group("items"))):
            tags += items
        elif posted and (items := _tag_items(posted.group("items"))):
            categories += items
        elif len(parts) > 1 and _is_name(part) and _words(part) <= 4 and not names:
            names.append(part)  # "March 3, 2020 | Jane Roe": a name beside a date
        elif not (len(parts) > 1 and _is_boilerplate(part)):
            return
    if names and published is None:
        return
    byline = byline or (names[0] if names else None)
    if published is not None:
        entry.meta = "date"
    elif tags or categories:
        entry.meta = "tagged"
    elif byline is not None:
        entry.meta = "by"
    entry.published, entry.meta_byline = published, byline
    entry.meta_tags, entry.meta_categories = tags, categories


def _unwrap(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their numbers, hard-wrapped paragraphs joined back.

    Text browsers and some "save as text" tools wrap at a fixed width. A line that
    reaches that width (its next line's first word would not have fitted) and does not
    end a sentence was wrapped; in a file with longer lines, or with fewer than three
    such lines, nothing is joined.
    """
    raw = [line.strip() for line in text.splitlines()]
    width = max((len(line) for line in raw), default=0)
    wrapped = {
        i
        for i, line in enumerate(raw[:-1])
        if width <= 100
        and raw[i + 1]
        and " " in line
        and not _ends_sentence(line)
        and len(line) + 1 + len(raw[i + 1].split()[0]) > width
    }
    joined: list[tuple[int, str]] = []
    glue = False
    for index, line in enumerate(raw):
        if not line:
            glue = False
            continue
        if glue and joined:
            number, before = joined[-1]
            # A wrap after a hyphen ("night-" / "shift") keeps the word whole.
            space = "" if re.search(r"[^\W\d_]-$", before) else " "
            joined[-1] = (number, before + space + line)
        else:
            joined.append((index + 1, line))
        glue = len(wrapped) >= 3 and index in wrapped
    return joined


def _read_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    for number, line in _unwrap(text):
        entry = _Line(number, line, _key(line), _words(line))
        entry.tags = _tag_items(line)
        entry.content = _content(line)
        if entry.words <= 80:
            notes = parse_caption(line)
            entry.strong_caption = notes.credit is not None or notes.archive
            entry.has_date = bool(notes.dates)
        _read_meta(entry)
        lines.append(entry)
    return lines


def _closing_keys(lines: Sequence[_Line]) -> set[str]:
    """Keys of the lines that close posts: known phrases and the page's own repeated block.

    A line the page repeats far apart (not the alt, title, alt echo) belongs to the closing
    block when it closes the page's last post, or when every occurrence of it touches a
    closing line. Bylines recur too ("Staff Writer"), so byline- and name-shaped lines only
    count when they are known phrases.
    """
    known = {line.key for line in lines if _is_boilerplate(line.text)}
    positions: dict[str, list[int]] = defaultdict(list)
    for index, line in enumerate(lines):
        positions[line.key].append(index)

    def repeated(line: _Line) -> bool:
        spots = positions[line.key]
        return (
            len(spots) >= 2
            and min(b - a for a, b in zip(spots, spots[1:], strict=False)) >= 4
            and line.words <= 12
            and line.meta is None
            and not (line.tags and len(line.tags) > 1)
            and not _STRONG_BYLINE.search(line.text)
            and not (line.words >= 2 and _is_name(line.text))
            and not line.junk_only
            and not line.footer
        )

    closing = set(known)
    # Each page (a file may hold several saved one after another) ends with its last
    # post's closing lines, then navigation and footer.
    page_ends = [
        i for i, line in enumerate(lines) if i and line.junk_only and not lines[i - 1].junk_only
    ] + [len(lines)]
    for page_end in page_ends:
        end = page_end
        marks = [i for i in range(max(0, end - 12), end) if _FOOTER_MARK.match(lines[i].text)]
        if marks:
            end = marks[0]
        while end and (lines[end - 1].footer or lines[end - 1].junk_only):
            end -= 1
        while end and (lines[end - 1].key in known or repeated(lines[end - 1])):
            closing.add(lines[end - 1].key)
            end -= 1
    changed = True
    while changed:
        changed = False
        for line in lines:
            if line.key in closing or not repeated(line):
                continue
            spots = positions[line.key]
            touching = all(
                (i > 0 and lines[i - 1].key in closing)
                or (i + 1 < len(lines) and lines[i + 1].key in closing)
                for i in spots
            )
            if touching:
                closing.add(line.key)
                changed = True
    return closing
