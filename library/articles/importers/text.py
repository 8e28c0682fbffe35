"""Read a blog's tag or category page saved as plain text by aligning each post with its layout.

Such a dump has no markup and no URLs. What it does have is a fixed sequence per post:

    tags, featured alt, title, first image alt, caption, body, byline, closing boilerplate

where every part but the title may be missing, and the body holds paragraphs and more
images (an alt line followed by its caption line). The reader aligns the whole page with
that sequence by dynamic programming over line roles: each line costs something in each
role, missing parts cost what the page says they cost, and the cheapest alignment wins.
Line *shapes* decide little on their own; the strong cues are structural:

  * the closing boilerplate that ends each post: known phrases ("Continue Reading",
    "Share this:", share-button lines) and, for any other site, the lines that close the
    page and recur at the same place in every post;
  * the tags line: comma-separated short items, usually without a space after the commas,
    items may hold parentheses and apostrophes; on a tag page it names the page's tag;
  * the featured alt repeated two lines later as the first image's alt (alt, title, alt);
  * the byline as the last short line before the boilerplate;
  * how often the page's posts have each part: a first reading measures it, and the final
    reading prices a missing part by that frequency (a page whose posts all have a
    featured image makes a reading without one expensive).

Credits, archive notes and dates in a line only break ties. A caption stays a caption
when it is a plain sentence, or even when it repeats its alt text.

The page teaches the reader about itself in a first pass: how often its posts have
each part, whether its captions end with a full stop, and how its alts and headlines are
worded (a small lean that only breaks ties). The second pass reads with what it learnt.

Page
  * Heading: "Posts Tagged ‘X’", "Tag: X", "Category: X", "Category Archives: X",
    "Archive for the ‘X’ Category"…, and before any post also "Tagged: X" and
    "X Archives"; lines above the first heading (site name, menu) are not read, and a
    later heading starts a further page (pages saved one after another). A tag heading
    adds X to the tags of a post that has no tags line; a category heading makes X every
    post's category.
  * Footer and navigation lines ("© 2020 …", "Powered by …", "« Older Entries") and
    anything between a footer and the next heading are not read; neither are runs of
    post titles repeated further down (widget lists) nor, after the last post that
    closes like the others, blocks without the layout (sidebars).
  * Lines that common themes print are read in passing, part by part when joined with
    "|": "Published DATE"/"Posted on DATE by NAME" or a date alone (publication date),
    "By NAME" (byline), "Tagged a, b"/"Tags: a, b" (tags), "Posted in X"/"Filed under X"
    (categories). A tags line after the body also closes the post.
  * Hard-wrapped dumps (a text browser's fixed width) are joined back first.
  * A page without a heading is read only when at least two posts, and at least half of
    them, show the layout (a tags line or the alt-title-alt repetition) and end in
    closing lines; an article page or a front page saved as text is refused with
    ArticleFormatError, as is binary data and a single article with its comment form.

Each article carries `confidence` (0..1: how much cheaper its reading is than the best
reading with a different head, times the share of its lines that found a role) and
`unassigned` (its lines that fit no role). Keys are the source path plus the 1-based post
index; references are always None.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from library.articles.importers.html import looks_binary
from library.articles.importers.model import ArticleFormatError, ParsedArticle, ParsedImage
from library.text.captions import parse_caption

# --------------------------------------------------------------------------- line shapes

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


# --------------------------------------------------------------------------- lines


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


# --------------------------------------------------------------------------- alignment

# Roles, which are also the states of the alignment.
JUNK, TAGS, FEAT, TITLE, TITLE_F, ALT1, CAP1, BODY, ALT, CAP, UNAS, BYLINE, BOILER = range(13)
_STATES = range(13)
_POST_START = (TAGS, FEAT, TITLE)
_BODY_LIKE = (TITLE, TITLE_F, ALT1, CAP1, BODY, CAP, UNAS)
_ENDS = (TITLE, TITLE_F, ALT1, CAP1, BODY, CAP, UNAS, BYLINE, BOILER)
_UNASSIGNED_COST = 2.2
_STYLE_WEIGHT = 0.2  # most a page's own alt and title wording moves a cost
_IMAGE_COST = 0.6  # one more image in the body: likely, but not free
_PARTS = ("tags", "featured", "alt1", "caption1", "byline", "repeat")
#: How likely a post has each optional part before the page says otherwise; "repeat" is
#: a featured alt coming back as the first image's alt.
_DEFAULT_PRIORS = {
    "tags": 0.7,
    "featured": 0.6,
    "alt1": 0.6,
    "caption1": 0.75,
    "byline": 0.7,
    "repeat": 0.6,
}


@dataclass(frozen=True)
class _Head:
    """Which optional head parts a post's reading has, to price the runner-up reading."""

    tags: bool
    featured: bool
    alt1: bool
    caption1: bool


_HEADS = [
    _Head(t, f, a, c)
    for t in (True, False)
    for f in (True, False)
    for a in (True, False)
    for c in (True, False)
    if a or not c
]


class _Costs:
    """Per-line role costs and the pair and transition costs of the alignment."""

    def __init__(
        self,
        lines: Sequence[_Line],
        priors: dict[str, float],
        echoes: frozenset[int] = frozenset(),
        caption_period: float = 0.0,
        style: dict[int, float] | None = None,
    ):
        self.lines = lines
        self.echoes = echoes
        # How many of the page's captions end with a full stop: where most do, a full stop
        # no longer tells a paragraph from a caption.
        self.caption_period = caption_period
        # An archive heading of unknown kind ("X Archives") may still name a tag; a file of
        # several saved pages has several.
        self.page_tags = [
            line.heading.name
            for line in lines
            if line.heading is not None and line.heading.kind != "category"
        ]
        self.present = {k: -math.log(p) for k, p in priors.items()}
        self.absent = {k: -math.log(1 - p) for k, p in priors.items()}
        self.previous_core = self._previous_core()
        self.emit = [self._emissions(i, line) for i, line in enumerate(lines)]
        for index in echoes:
            self.emit[index] = [
                cost if state == JUNK else cost + 4.0 for state, cost in enumerate(self.emit[index])
            ]
        for index, lean in (style or {}).items():
            row = self.emit[index]
            for state in (FEAT, ALT1, ALT):
                row[state] -= lean
            for state in (TITLE, TITLE_F):
                row[state] += lean

    def _previous_core(self) -> list[int | None]:
        """For each line the nearest earlier line that is not a theme's meta line."""
        result: list[int | None] = []
        last: int | None = None
        for index, line in enumerate(self.lines):
            result.append(last)
            if line.meta is None:
                last = index
        return result

    def _emissions(self, index: int, line: _Line) -> list[float]:
        cost = [INF] * len(_STATES)
        if line.junk_only:
            cost[JUNK] = 0.0
            return cost
        cost[JUNK] = 0.1 if line.footer else 1.6
        if not line.footer and line.words >= 8 and _ends_sentence(line.text):
            cost[JUNK] = 3.0  # page chrome is menus and widgets, seldom whole sentences
        if line.boiler:
            cost[JUNK] = 0.2
            cost[BOILER] = 0.0
            return cost
        if line.meta == "tagged":
            cost[BOILER] = 0.3  # "Posted in … | Tagged …" also closes a post
        if line.meta == "date" or line.meta == "tagged":
            return cost  # read in passing, whatever the state
        if index in self.echoes:
            cost[JUNK] = 0.2  # a post's title again: a "Recent posts" or "Related" list
        tags_like = self._tagginess(line)
        cost[TAGS] = self._tags(line)
        alt = self._alt(line, tags_like)
        cost[FEAT] = cost[ALT1] = cost[ALT] = alt
        cost[TITLE] = cost[TITLE_F] = self._title(line, tags_like)
        cost[CAP1] = cost[CAP] = self._caption(line) + tags_like
        cost[BODY] = self._body(line, tags_like)
        cost[UNAS] = _UNASSIGNED_COST
        cost[BYLINE] = self._byline(line, tags_like)
        return cost

    def _tagginess(self, line: _Line) -> float:
        """What reading a tags line as anything else costs: strong cues, then weaker ones."""
        items = line.tags
        if not items or len(items) < 2:
            return 0.0
        if re.search(r",\S", line.text) or self._names_page_tag(items):
            return 1.5
        longest = max(_words(i) for i in items)
        if (len(items) >= 3 and longest <= 3) or longest <= 2:
            return 0.9
        return 0.0

    def _tags(self, line: _Line) -> float:
        items = line.tags
        if items is None:
            return INF
        named = self._names_page_tag(items)
        if len(items) == 1:
            return 0.3 if named else 2.5
        cost = 0.0 if re.search(r",\S", line.text) else 0.5
        cost += 0.4 * max(0, max(_words(i) for i in items) - 3)
        if self.page_tags and not named:
            cost += 0.6
        return cost

    def _names_page_tag(self, items: Sequence[str]) -> bool:
        return any(_same_tag(i, tag) for i in items for tag in self.page_tags)

    @staticmethod
    def _alt(line: _Line, tags_like: float) -> float:
        if line.words > 30:
            return INF
        cost = 1.8 if line.words > 15 else 0.3
        if _ends_period(line.text):
            cost += 0.8 + 0.5 * (_sentences(line.text) - 1)
        if line.text.endswith(":"):
            cost += 1.5
        if line.strong_caption:
            cost += 0.8
        if _STRONG_BYLINE.search(line.text) and line.words <= 4:
            cost += 1.0
        return cost + tags_like

    @staticmethod
    def _title(line: _Line, tags_like: float) -> float:
        if line.words > 35:
            return INF
        cost = 1.5 if line.words > 22 else 1.0 if line.words <= 2 else 0.0
        if line.words > 16:
            cost += 0.5
        if _ends_period(line.text):
            cost += 2.0  # headlines hardly ever end with a full stop; paragraphs do
        if _SPEECH.search(line.text):
            cost += 0.8
        if line.strong_caption:
            cost += 1.0
        if _STRONG_BYLINE.search(line.text) and line.words <= 4:
            cost += 1.0
        return cost + tags_like

    def _caption(self, line: _Line) -> float:
        if line.words > 80:
            return INF
        cost = 0.5
        if _ends_period(line.text) and not (
            line.strong_caption or _ENDS_WITH_DATE.search(line.text)
        ):
            cost += 0.6 * max(0.0, 1 - 2 * self.caption_period)
        if line.words > 35:
            cost += 0.6
        if line.words > 50:
            cost += 1.0
        if _sentences(line.text) >= 2 and not line.strong_caption:
            cost += 0.4
        if _SPEECH.search(line.text):
            cost += 1.2  # captions describe the picture; paragraphs report who said what
        elif _NARRATION.search(line.text):
            cost += 0.5  # captions show a moment; paragraphs tell what was and will be
        if line.strong_caption:
            cost -= 0.4
        elif line.has_date:
            cost -= 0.2
        return cost

    @staticmethod
    def _body(line: _Line, tags_like: float) -> float:
        if _ends_sentence(line.text):
            cost = 0.0 if line.words >= 5 else 0.6
        else:
            cost = 0.9 if line.words >= 12 else 1.2 if line.words >= 3 else 2.5
        if line.strong_caption:
            cost += 0.8
        return cost + tags_like

    @staticmethod
    def _byline(line: _Line, tags_like: float) -> float:
        text = line.text
        if line.words > 8 or len(text) > 60 or text[-1:] in ".:;,!?" or line.meta == "date":
            return INF
        if any(c.isdigit() for c in text):
            return INF
        if line.meta == "by" or _STRONG_BYLINE.search(text):
            cost = 0.1
        elif _is_name(text):
            cost = 0.4
        else:
            cost = 1.0
        if line.strong_caption:
            cost += 0.5
        return cost + tags_like

    def pair(self, previous: int, state: int, index: int) -> float:
        """Costs that compare a line with the line before it in the same post."""
        before = self.previous_core[index]
        echo = 0.0
        two_back = self.previous_core[before] if before is not None else None
        if two_back is not None and self.lines[two_back].key == self.lines[index].key:
            # The alt, title, alt echo is the featured image; anywhere else it is unexplained.
            echo = 0.0 if state == ALT1 and previous == TITLE_F else 1.5
        return echo + self._pair(previous, state, index, before)

    def _pair(self, previous: int, state: int, index: int, before: int | None) -> float:
        if state == BODY and before is not None and self.lines[before].words <= 15:
            short, line = self.lines[before], self.lines[index]
            if short.content and len(short.content & line.content) >= 0.75 * len(short.content):
                return 1.0  # a line that retells the short line above reads as its caption
        if state == ALT1 and previous == TITLE_F and before is not None:
            featured = self.previous_core[before]
            if featured is not None:
                same = self.lines[featured].key == self.lines[index].key
                return self.present["repeat"] if same else self.absent["repeat"]
        if state in (CAP1, CAP) and before is not None:
            alt, caption = self.lines[before], self.lines[index]
            cost = 0.5 if caption.words < alt.words else 0.0
            if alt.key == caption.key:
                return cost - 0.8
            if alt.content:
                share = len(alt.content & caption.content) / len(alt.content)
                weight = 0.8 * min(1.0, 20 / max(caption.words, 1))
                if _SPEECH.search(caption.text):
                    weight /= 2  # a paragraph about the same scene shares words by nature
                cost -= weight * share
                if share == 0 and not caption.strong_caption:
                    cost += 0.6  # a caption that shares no word with its alt is unusual
            return cost
        return 0.0

    def transition(self, previous: int, state: int, head: _Head | None) -> float:
        """Cost of moving from one role to the next; INF where the layout forbids it."""
        p, a = self.present, self.absent
        if previous == JUNK:
            return 0.0 if state == JUNK else self._start(state, head, 0.0)
        if state == JUNK:
            if previous in (BOILER, BYLINE):
                return 0.3 if previous == BOILER else 0.8
            if head is None and previous in _BODY_LIKE:
                return a["byline"] + 2.5
            return INF
        if previous == TAGS:
            if state == FEAT and (head is None or head.featured):
                return p["featured"]
            if state == TITLE and (head is None or not head.featured):
                return a["featured"]
            return INF
        if previous == FEAT:
            return 0.0 if state == TITLE_F else INF
        if previous in (TITLE, TITLE_F):
            if state == ALT1:
                return p["alt1"] if head is None or head.alt1 else INF
            if head is not None and head.alt1:
                return INF
            return self._after_head(state, head, a["alt1"])
        if previous == ALT1:
            if state == CAP1:
                return p["caption1"] if head is None or head.caption1 else INF
            if head is not None and head.caption1:
                return INF
            return self._after_head(state, head, a["caption1"])
        if previous == ALT:
            return 0.0 if state == CAP else INF
        if previous in (CAP1, BODY, CAP, UNAS):
            return self._after_head(state, head, 0.0)
        if previous == BYLINE:
            if state == BOILER:
                return 0.0
            if state in _POST_START and head is None:
                return 0.3 + self._start(state, head, 0.0)
            return INF
        if previous == BOILER:
            if state == BOILER:
                return 0.0
            if state in _POST_START and head is None:
                return self._start(state, head, 0.0)
            return INF
        return INF

    def _start(self, state: int, head: _Head | None, extra: float) -> float:
        p, a = self.present, self.absent
        if state == TAGS and (head is None or head.tags):
            return extra + p["tags"]
        if state == FEAT and (head is None or (head.featured and not head.tags)):
            return extra + a["tags"] + p["featured"]
        if state == TITLE and (head is None or not (head.tags or head.featured)):
            return extra + a["tags"] + a["featured"]
        return INF

    def _after_head(self, state: int, head: _Head | None, extra: float) -> float:
        """Body, byline, boilerplate or (between posts only) a new post."""
        a, p = self.absent, self.present
        if state in (BODY, UNAS):
            return extra
        if state == ALT:
            return extra + _IMAGE_COST
        if state == BYLINE:
            return extra + p["byline"]
        if state == BOILER:
            return extra + a["byline"]
        if state in _POST_START and head is None:
            return extra + a["byline"] + 2.0 + self._start(state, head, 0.0)
        return INF

    def final(self, state: int, head: _Head | None) -> float:
        if state == JUNK:
            return INF if head is not None else 0.0
        if state == BOILER:
            return 0.0
        if state == BYLINE:
            return 0.3
        if state in _ENDS:
            return self.absent["byline"] + 0.5
        return INF


def _passing_cost(line: _Line, state: int) -> float:
    """What reading a theme's meta line in passing costs in each state.

    Themes print dates and bylines around the title and tags lines at the end of a post
    (or right under the title); none of them sits between an alt and its caption. A date
    in the middle of a body more likely starts a post, and tags after the body close it.
    """
    if state == ALT or (line.meta == "tagged" and state == FEAT):
        return INF
    if line.meta == "by":
        return 0.15
    if state == JUNK:
        return 0.5
    if state in (ALT1, CAP1, BODY, CAP, UNAS):
        return INF if line.meta == "tagged" else 1.0
    return 0.0


def _align(
    costs: _Costs, lo: int, hi: int, head: _Head | None
) -> tuple[float, list[tuple[int, bool]]]:
    """The cheapest roles for lines lo..hi; each entry is (state, read in passing).

    With `head` None the lines may hold any number of posts and page chrome; with a head
    they are one post whose head has exactly those parts.
    """
    lines = costs.lines
    n = hi - lo
    if n <= 0:
        return INF, []
    best = [[INF] * len(_STATES) for _ in range(n)]
    back: list[list[tuple[int, bool]]] = [[(-1, False)] * len(_STATES) for _ in range(n)]
    # A virtual line before the first: "between posts", so the first line starts a post.
    start = [0.0 if state == JUNK else INF for state in _STATES]
    for offset in range(n):
        index = lo + offset
        line = lines[index]
        emit = costs.emit[index]
        row, links = best[offset], back[offset]
        previous_row = best[offset - 1] if offset else start
        if line.meta is not None and not line.junk_only:
            for state in _STATES:
                passing = previous_row[state] + _passing_cost(line, state)
                if passing < row[state]:
                    row[state] = passing
                    links[state] = (state, True)
        for state in _STATES:
            if emit[state] == INF or (head is not None and state == JUNK):
                continue
            for previous in _STATES:
                before = previous_row[previous]
                if before == INF:
                    continue
                step = costs.transition(previous, state, head)
                if step == INF:
                    continue
                total = before + step + emit[state] + costs.pair(previous, state, index)
                if total < row[state]:
                    row[state], links[state] = total, (previous, False)
    last = best[n - 1]
    final = min(_STATES, key=lambda s: last[s] + costs.final(s, head))
    total = last[final] + costs.final(final, head)
    if total == INF:
        return INF, []
    path: list[tuple[int, bool]] = []
    state = final
    for offset in range(n - 1, -1, -1):
        previous, passing = back[offset][state]
        path.append((state, passing))
        state = previous if previous >= 0 else state
    path.reverse()
    return total, path


# --------------------------------------------------------------------------- posts


@dataclass
class _Post:
    lines: list[int] = field(default_factory=list)  # indexes into the page's lines
    roles: list[int] = field(default_factory=list)  # state, or -1 for a line read in passing
    confidence: float = 0.0


def _split_posts(path: list[tuple[int, bool]], lo: int) -> list[_Post]:
    """Group an aligned page into posts; meta lines after a closed post go to the next."""
    posts: list[_Post] = []
    current: _Post | None = None
    closed = True
    pending: list[int] = []
    previous_state = JUNK
    for offset, (state, passing) in enumerate(path):
        index = lo + offset
        if passing:
            if current is not None and not closed:
                current.lines.append(index)
                current.roles.append(-1)
            else:
                pending.append(index)
            continue
        if state in _POST_START and previous_state not in (TAGS, FEAT):
            current = _Post()
            posts.append(current)
            closed = False
            for waiting in pending:
                current.lines.append(waiting)
                current.roles.append(-1)
            pending = []
        if state == JUNK:
            closed = True
            current = None
            pending = []  # a date in the page chrome belongs to no post
        elif current is not None:
            for waiting in pending:  # read in passing between two lines of this post
                current.lines.append(waiting)
                current.roles.append(-1)
            pending = []
            current.lines.append(index)
            current.roles.append(state)
            if state == BOILER:
                closed = True
        previous_state = state
    return posts


def _head_of(post: _Post) -> _Head:
    roles = set(post.roles)
    return _Head(TAGS in roles, FEAT in roles, ALT1 in roles, CAP1 in roles)


def _repeats_featured(costs: _Costs, post: _Post) -> bool:
    if FEAT not in post.roles or ALT1 not in post.roles:
        return False
    featured = post.lines[post.roles.index(FEAT)]
    alt = post.lines[post.roles.index(ALT1)]
    return costs.lines[featured].key == costs.lines[alt].key


def _measure(costs: _Costs, posts: Sequence[_Post]) -> dict[str, float]:
    """How often this page's posts have each optional part, smoothed toward the defaults."""
    counts: Counter[str] = Counter()
    for post in posts:
        roles = set(post.roles)
        counts["tags"] += TAGS in roles
        counts["featured"] += FEAT in roles
        counts["alt1"] += ALT1 in roles
        counts["byline"] += BYLINE in roles
        if FEAT in roles:
            counts["with featured"] += 1
            counts["repeat"] += _repeats_featured(costs, post)
        counts["caption1"] += CAP1 in roles
    totals = {"caption1": counts["alt1"], "repeat": counts["with featured"]}
    priors = {}
    for part in _PARTS:
        total = totals.get(part, len(posts))
        estimate = (counts[part] + 2 * _DEFAULT_PRIORS[part]) / (total + 2)
        priors[part] = min(0.85, max(0.15, estimate))
    return priors


def _style(lines: Sequence[_Line], posts: Sequence[_Post]) -> dict[int, float]:
    """How much more each short line reads like this page's alts than like its titles.

    A site writes its alt texts one way ("Dock workers at the north quay") and its
    headlines another ("Dock workers walk out over pay"). Word by word, the first reading's
    alts and titles say which way a line leans (its own first role left out); the lean
    only moves the alt and title costs by a little, to break ties.
    """
    roles: dict[int, str] = {}
    for post in posts:
        for index, role in zip(post.lines, post.roles, strict=True):
            if role in (FEAT, ALT1, ALT):
                roles[index] = "alt"
            elif role in (TITLE, TITLE_F):
                roles[index] = "title"
    words = {i: set(re.findall(r"[^\W\d_]+", line.text.casefold())) for i, line in enumerate(lines)}
    counts: dict[str, Counter[str]] = {"alt": Counter(), "title": Counter()}
    totals: Counter[str] = Counter()
    for index, kind in roles.items():
        counts[kind].update(words[index])
        totals[kind] += 1
    if totals["alt"] < 3 or totals["title"] < 3:
        return {}
    lean: dict[int, float] = {}
    for index, line in enumerate(lines):
        if line.words > 20 or not words[index] or line.meta is not None or line.boiler:
            continue
        own = roles.get(index)
        ratios = []
        for word in words[index]:
            alt = counts["alt"][word] - (own == "alt")
            title = counts["title"][word] - (own == "title")
            n_alt = totals["alt"] - (own == "alt")
            n_title = totals["title"] - (own == "title")
            ratios.append(
                math.log((alt + 0.5) / (n_alt + 1)) - math.log((title + 0.5) / (n_title + 1))
            )
        lean[index] = _STYLE_WEIGHT * math.tanh(sum(ratios) / len(ratios))
    return lean


def _caption_period(lines: Sequence[_Line], posts: Sequence[_Post]) -> float:
    """The share of captions read so far that end with a full stop, smoothed toward none."""
    captions = [
        lines[i].text
        for post in posts
        for i, role in zip(post.lines, post.roles, strict=True)
        if role in (CAP1, CAP)
    ]
    return sum(_ends_period(c) for c in captions) / (len(captions) + 2)


def _reread(costs: _Costs, post: _Post) -> _Post:
    """Read one post again under every head; the margin to the runner-up is the confidence."""
    lo, hi = post.lines[0], post.lines[-1] + 1
    results = []
    for head in _HEADS:
        total, path = _align(costs, lo, hi, head)
        if total < INF:
            results.append((total, head, path))
    if not results:  # no single-post reading fits: keep the page's, and say it is unsure
        assigned = sum(1 for role in post.roles if role != UNAS) / len(post.roles)
        post.confidence = round(0.5 * assigned, 3)
        return post
    results.sort(key=lambda r: r[0])
    total, _head, path = results[0]
    margin = results[1][0] - total if len(results) > 1 else 5.0
    reread = _Post()
    for offset, (state, passing) in enumerate(path):
        reread.lines.append(lo + offset)
        reread.roles.append(-1 if passing else state)
    assigned = sum(1 for role in reread.roles if role != UNAS) / len(reread.roles)
    reread.confidence = round(assigned * (1 - 0.5 * math.exp(-margin)), 3)
    return reread


# --------------------------------------------------------------------------- page


def _mark_page(lines: list[_Line]) -> _Heading | None:
    """Mark headings, page chrome and closing lines; return the page's heading."""
    heading: _Heading | None = None
    first_heading: int | None = None
    headings: list[int] = []
    early = True
    for index, line in enumerate(lines):
        found = _heading(line.text)
        if found is None and early and heading is None and index <= 40:
            found = _early_heading(line.text)
        early = early and not _is_boilerplate(line.text)
        if found is not None:
            headings.append(index)
            line.junk_only = True
            line.heading = found
            if heading is None:
                heading, first_heading = found, index
        line.footer = bool(_FOOTER.match(line.text) or _NAVIGATION.match(line.text))
        if _RELATED_CONTEXT.match(line.text) or not any(c.isalnum() for c in line.text):
            line.junk_only = True  # a related post's context line, or only separators
    closing = _closing_keys(lines)
    for line in lines:
        line.boiler = line.key in closing and not line.junk_only
    # Above the first heading is the site's name and menu, unless a post closed there
    # (a page whose own heading was lost, with a later page's heading below it).
    if first_heading is not None and not any(line.boiler for line in lines[:first_heading]):
        for line in lines[:first_heading]:
            line.junk_only = True
    # From a footer up to the next heading is page chrome (copyright, "powered by", the
    # next page's site name and menu); so is a footer after the last closing line.
    for index, line in enumerate(lines):
        if not _FOOTER_MARK.match(line.text) or line.junk_only:
            continue
        following = [h for h in headings if h > index]
        stop = following[0] if following else len(lines)
        if following or not any(later.boiler for later in lines[index:]):
            for later in lines[index:stop]:
                later.junk_only = True
    return heading


def _dump_shaped(costs: _Costs, post: _Post) -> bool:
    """Whether a post shows the layout: a tags line, or a featured alt echoed after a title.

    Menus and tickers echo too ("Loading…", "NASDAQ", "Loading…"), so the echo counts
    only with an alt and a title of a few words.
    """
    roles = set(post.roles)
    if TAGS in roles and post.roles.count(TAGS) == 1:
        tags = costs.lines[post.lines[post.roles.index(TAGS)]].tags or []
        if len(tags) >= 2:
            return True
    if any(costs.lines[i].meta_tags for i in post.lines):
        return True
    if not _repeats_featured(costs, post):
        return False
    featured = costs.lines[post.lines[post.roles.index(FEAT)]]
    title = costs.lines[post.lines[post.roles.index(TITLE_F)]]
    return featured.words >= 2 and title.words >= 3


def _is_post(post: _Post) -> bool:
    """A title and something else a post has; a lone line between posts is page chrome."""
    roles = set(post.roles)
    has_title = TITLE in roles or TITLE_F in roles
    return has_title and bool(roles - {TITLE, TITLE_F, UNAS, -1})


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    if looks_binary(text):
        raise ArticleFormatError(path, "not a text dump (binary data)")
    return text


def read_page(text: str, path: Path) -> tuple[_Heading | None, _Costs, list[_Post]]:
    """Align a whole page: posts with a role for each of their lines."""
    lines = _read_lines(text)
    if not lines:
        raise ArticleFormatError(path, "empty file")
    heading = _mark_page(lines)
    first = _Costs(lines, _DEFAULT_PRIORS)
    _total, path_roles = _align(first, 0, len(lines), None)
    posts = [p for p in _split_posts(path_roles, 0) if _is_post(p)]
    costs = first
    if posts:
        costs = _Costs(
            lines,
            _measure(first, posts),
            _title_echoes(lines, posts),
            _caption_period(lines, posts),
            _style(lines, posts),
        )
        _total, path_roles = _align(costs, 0, len(lines), None)
        posts = [p for p in _split_posts(path_roles, 0) if _is_post(p)]
    posts = [_reread(costs, post) for post in posts]
    posts = [p for p in posts if _is_post(p)]
    return heading, costs, _drop_chrome(costs, posts)


def _title_echoes(lines: Sequence[_Line], posts: Sequence[_Post]) -> frozenset[int]:
    """Runs of lines that repeat earlier posts' titles: widget lists, not posts."""
    titles: dict[str, int] = {}
    for post in posts:
        for index, role in zip(post.lines, post.roles, strict=True):
            if role in (TITLE, TITLE_F):
                titles.setdefault(lines[index].key, index)
    again = {
        index
        for index, line in enumerate(lines)
        if line.key in titles and index > titles[line.key] + 2
    }
    # A list repeats several titles in a row; one post's title again in its own place (a
    # page saved twice) is a post.
    return frozenset(i for i in again if again & {i - 2, i - 1, i + 1, i + 2})


def _drop_chrome(costs: _Costs, posts: list[_Post]) -> list[_Post]:
    """Before the first and after the last post that closes like the others, only a post
    with the layout counts.

    A site's name, tagline and menu above the posts (when no heading says where they
    start) and sidebars below them ("Recent Posts", "Archives") read as a title and some
    short lines; real posts there still have their tags line, their alt-title-alt echo
    or their closing lines.
    """
    closed = [i for i, post in enumerate(posts) if BOILER in post.roles]
    if len(closed) < 2:
        return posts
    first, last = closed[0], closed[-1]
    return [post for i, post in enumerate(posts) if first <= i <= last or _dump_shaped(costs, post)]


def parse_text(path: Path) -> list[ParsedArticle]:
    """Posts of a saved tag/category page in page order; see the module doc for the rules."""
    text = _decode(path.read_bytes(), path)
    heading, costs, posts = read_page(text, path)
    if heading is None:
        shaped = [p for p in posts if _dump_shaped(costs, p)]
        closed = sum(1 for p in shaped if BOILER in p.roles)
        if len(shaped) < 2 or closed < 2 or 2 * len(shaped) < len(posts):
            raise ArticleFormatError(
                path,
                "not a saved tag or category page (no 'Posts Tagged …' or 'Category: …' "
                "heading, and no run of posts with tags lines and closing lines)",
            )
    if len(posts) == 1 and any(_COMMENT_FORM.match(line.text) for line in costs.lines):
        raise ArticleFormatError(
            path, "not a saved tag or category page (one article with its comment form)"
        )
    if not posts:
        raise ArticleFormatError(path, "no posts found")
    source = str(path.resolve())
    return [
        _article(costs, post, index, source, _heading_of(costs, post) or heading)
        for index, post in enumerate(posts, 1)
    ]


def _heading_of(costs: _Costs, post: _Post) -> _Heading | None:
    """The heading of the saved page a post is on, when a file holds several."""
    for line in reversed(costs.lines[: post.lines[0]]):
        if line.heading is not None:
            return line.heading
    return None


def _roles(costs: _Costs, post: _Post) -> Iterator[tuple[int, _Line]]:
    for index, role in zip(post.lines, post.roles, strict=True):
        yield role, costs.lines[index]


def _article(
    costs: _Costs, post: _Post, index: int, source: str, heading: _Heading | None
) -> ParsedArticle:
    title = ""
    tags: list[str] = []
    featured: str | None = None
    byline: str | None = None
    meta_byline: str | None = None
    published: date | None = None
    images: list[tuple[str | None, str | None]] = []
    unassigned: list[str] = []
    categories: list[str] = []
    for role, line in _roles(costs, post):
        if role == -1 or line.meta is not None:
            published = published or line.published
            meta_byline = meta_byline or line.meta_byline
            tags += [t for t in line.meta_tags if t not in tags]
            categories += [c for c in line.meta_categories if c not in categories]
        elif role == TAGS:
            tags = (line.tags or []) + [t for t in tags if t not in (line.tags or [])]
        elif role == FEAT:
            featured = line.text
        elif role in (TITLE, TITLE_F):
            title = line.text
        elif role in (ALT1, ALT):
            images.append((line.text, None))
        elif role in (CAP1, CAP) and images:
            images[-1] = (images[-1][0], line.text)
        elif role == BYLINE:
            byline = line.text
        elif role == UNAS:
            unassigned.append(line.text)
    if heading is not None and heading.kind == "tag" and heading.name and not tags:
        tags.append(heading.name)
    elif (
        heading is not None
        and heading.kind == "category"
        and heading.name
        and not any(_same_tag(c, heading.name) for c in categories)
    ):
        categories.insert(0, heading.name)
    parsed: list[ParsedImage] = []
    if featured:
        parsed.append(ParsedImage("featured", 0, None, featured, None))
    for position, (alt, caption) in enumerate(images, start=1):
        parsed.append(ParsedImage("inline", position, None, alt, caption))
    return ParsedArticle(
        key=f"{source}#{index}",
        title=title,
        url=None,
        published=published,
        byline=meta_byline or byline,
        tags=tags,
        categories=categories,
        source_path=source,
        format="text",
        images=parsed,
        confidence=post.confidence,
        unassigned=unassigned,
    )
