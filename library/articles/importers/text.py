"""Read a blog's tag or category page saved as plain text, where only line shapes tell fields.

Such a dump has no markup and no URLs, so every field is recognised by the shape of its
line and its place in the post. Lines are whitespace-normalised and blank lines ignored.

Page
  * Heading: one of the first five lines reading "Posts Tagged ‘X’", "Tag: X",
    "Category: X", "Category Archives: X", "Archive for the ‘X’ Category"…; lines above it
    (site name, menu) are dropped. A tag heading adds X to every post's tags when missing,
    a category heading makes X every post's category.
  * Footer: the trailing run of copyright ("© 2020 …", "Copyright …"), "Powered by …",
    "Theme by …" and page-navigation lines; also everything from the first "©"/"Powered by"
    line after the last closing boilerplate.
  * Posts end at closing boilerplate: "Please follow and like us:", "Continue Reading",
    "Read more", "Share this:", "N Comments", and lines made only of share-button words
    ("Facebook Twitter WhatsApp", "Tweet", "Pin"). A post that lost its boilerplate is still
    split off after a strong byline ("… Writer", "By …") followed by a comma-separated line.
  * Layout not recognised (no heading, no boilerplate and no footer) → ArticleFormatError,
    as is binary data.

Post, in order: tags, featured alt, title, first image alt, first caption, body, byline.
  * Caption line: ends in a credit ("Photo: X", "(AP Photo/X)", "(Photo by X)", "Credit: X",
    "REUTERS/X", "Name Surname/Agency", "© X"), or opens with an archive note ("FILE -",
    "File photo:", "Archive photo:", "In this file photo"), or ends in a date AND follows an
    alt-shaped line (a date alone is too common in body text to count).
  * Alt line: 1–15 words, not a caption; it is an image's alt only when a caption follows.
  * The first caption within the first six lines anchors the head: the line before it is
    the first image's alt, the line before that the title, and up to two lines above are
    the tags line (short comma-separated items) and the featured image's alt. With a single
    line above the title it is the featured alt when it equals the first image's alt or
    has no comma, else tags (a tags line naming the page's tag counts as tags too).
  * Without an early caption the head is the leading run (≤ 4) of non-paragraph lines;
    a paragraph ends with a full stop and has ≥ 5 words, or has more than 25 words.
  * In the body an image is an alt line followed by a caption line (alt may be missing).
  * Byline: the last line, if short (≤ 6 words), without final punctuation or digits, and
    either says "By …"/"… Writer|Reporter|Editor|Staff|Desk…" or is all capitalised words.
    Kept verbatim: "Stuff Writer" stays a typo, "By Jane Roe" keeps its "By".
  * A line that is only a date ("October 14, 2018") is the publication date.
  * A block with no title, tags, image, byline or paragraph (a widget list) is no post.

Keys are the source path plus the 1-based post index; references are always None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from library.articles.importers.html import looks_binary
from library.articles.importers.model import ArticleFormatError, ParsedArticle, ParsedImage

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH = rf"(?:{_MONTHS}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)"
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}})"
)
_DATE_LINE = re.compile(
    rf"^(?:(?:Posted|Published|Updated)(?:\s+on)?:?\s*)?"
    rf"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?({_DATE})$",
    re.I,
)
_ENDS_WITH_DATE = re.compile(rf"(?:{_DATE}|\b(?:{_MONTHS})\s+\d{{4}})\W{{0,3}}$", re.I)
_UPPER = "A-ZÀ-ÖØ-Þ"
_CAPITAL_WORD = rf"[{_UPPER}][\w'’.&-]*"
_CREDITS = [
    re.compile(r"\((?:[^()]{0,40}\s)?Photo(?:graph)?s?\s*(?:/|:|by\b)[^()]{1,80}\)\W{0,2}$", re.I),
    re.compile(
        rf"\b(?:Photo|PHOTO|Photos|Photograph|Picture|Image|Credit|Courtesy(?: of)?)\s*(?::|by\b)"
        rf"\s*{_CAPITAL_WORD}(?:\s+\S+){{0,6}}$"
    ),
    re.compile(r"\b(?:REUTERS|AFP|AP|EPA|XINHUA|ANADOLU|IRNA|ISNA|WANA)\s*/\s*\S.{0,60}$"),
    re.compile(r"\((?:AP|AFP|Reuters|EPA|Getty Images|[^()]{1,40} (?:via|for) Getty Images)\)\W?$"),
    re.compile(
        rf"(?:^|\s){_CAPITAL_WORD}(?:\s+{_CAPITAL_WORD}){{0,3}}\s*/\s*{_CAPITAL_WORD}"
        rf"(?:\s+{_CAPITAL_WORD}){{0,3}}\)?\.?$"
    ),
    re.compile(r"©\s*\S.{0,60}$|\([cC]\)\s*\d{4}"),
]
_ARCHIVE_NOTE = re.compile(
    r"^(?:FILE(?:\s+PHOTO)?\s*[-–—:]|File(?:\s+photo)?\s*[-–—:]|"
    r"Archive(?:\s+(?:photo|picture|image))?\s*[-–—:]|In this (?:file|archive) photo)",
    re.I,
)
_HEADINGS = [
    re.compile(
        r"^(Posts?\s+(?:Tagged(?:\s+with)?|Filed\s+Under|in\s+Category))\s*:?\s*(.+)$", re.I
    ),
    re.compile(
        r"^((?:Tag|Tags|Tagged|Category|Topic|Section|Browsing(?:\s+(?:Tag|Category))?|"
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
    "share this",
    "share this post",
    "share this article",
    "share on facebook",
    "share on twitter",
    "like this",
    "like loading",
    "related",
    "related posts",
    "leave a comment",
    "leave a reply",
    "no comments",
    "comments off",
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
}
_FOOTER_MARK = re.compile(
    r"^(?:(?:©|\(c\)|copyright)\s*(?:©\s*)?\d{4}|copyright\s*©|(?:proudly\s+)?powered\s+by\b)",
    re.I,
)
_FOOTER = re.compile(
    r"^(?:©|\(c\)\s|copyright\b|(?:proudly\s+)?powered\s+by\b|theme(?:\s+by|:)|designed\s+by\b|"
    r"all\s+rights\s+reserved|back\s+to\s+top|scroll\s+to\s+top|privacy\s+policy|terms\s+of\s+)",
    re.I,
)
_NAVIGATION = re.compile(
    r"^(?:[«‹←]\s*)?(?:older|newer|previous|next)\s+(?:posts|entries|page|articles)(?:\s*[»›→])?$"
    r"|^page\s+\d+\s+of\s+\d+$"
    r"|^(?:[«‹]\s*(?:prev(?:ious)?)?\s*)?\d+(?:\s+(?:\d+|…|\.\.\.))*(?:\s+next\s*[»›]?)?$",
    re.I,
)
_STRONG_BYLINE = re.compile(
    r"^By\s+\S|\b(?:Writer|Reporter|Correspondent|Editor|Staff|Desk|Bureau|Contributor|"
    r"Columnist)s?$",
    re.I,
)
_PARTICLES = {"and", "de", "da", "do", "dos", "van", "von", "der", "al", "el", "bin", "&"}


def _words(line: str) -> int:
    return len(line.split())


def _is_caption(line: str, previous: str | None) -> bool:
    if _words(line) > 60:
        return False
    if _ARCHIVE_NOTE.match(line) or any(p.search(line) for p in _CREDITS):
        return True
    return (
        previous is not None
        and _is_alt(previous)
        and _words(line) <= 45
        and bool(_ENDS_WITH_DATE.search(line))
    )


def _is_alt(line: str) -> bool:
    return (
        1 <= _words(line) <= 15
        and not line.endswith(":")
        and not _ARCHIVE_NOTE.match(line)
        and not any(p.search(line) for p in _CREDITS)
    )


def _is_paragraph(line: str) -> bool:
    return _words(line) > 25 or (_words(line) >= 5 and line.rstrip("”\"’')").endswith("."))


def _tag_items(line: str) -> list[str] | None:
    """The items of a tags line, or None when the line cannot be one."""
    if line[-1:] in ".!?:;" or _words(line) > 40:
        return None
    items = [item.strip() for item in line.split(",")]
    if len(items) > 15 or any(not i or _words(i) > 4 or len(i) > 40 for i in items):
        return None
    if any(c in item for item in items for c in '!?:;()“”"'):
        return None
    return items


def _is_byline(line: str) -> bool:
    words = line.split()
    if not 1 <= len(words) <= 6 or len(line) > 60 or line[-1:] in ".!?:;,":
        return False
    if any(c.isdigit() for c in line) or _is_caption(line, None):
        return False
    capitalised = all(w[0].isupper() or w.casefold() in _PARTICLES for w in words)
    return bool(_STRONG_BYLINE.search(line)) or capitalised


def _is_boilerplate(line: str) -> bool:
    plain = " ".join(line.casefold().strip(" .:…→»›>|!-").split())
    if plain in _BOILERPLATE or re.fullmatch(r"\d+ (?:comments?|responses?)", plain):
        return True
    if re.match(r"(?:continue reading|read more)\b", plain):
        return True
    tokens = [t for t in re.split(r"[\s|·•,/]+", plain) if t]
    return bool(tokens) and all(t in _SHARE_WORDS for t in tokens)


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
    kind: str | None  # "tag", "category" or None (a date archive)
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


@dataclass
class _Post:
    title: str | None = None
    tags: list[str] = field(default_factory=list)
    featured_alt: str | None = None
    byline: str | None = None
    published: date | None = None
    images: list[tuple[str | None, str | None]] = field(default_factory=list)
    has_paragraph: bool = False

    def is_post(self) -> bool:
        return bool(self.title) and bool(
            self.tags or self.images or self.byline or self.has_paragraph or self.featured_alt
        )


def _read_head(lines: list[str], heading: _Heading | None) -> tuple[_Post, int]:
    """Tags, featured alt, title and first image; returns where the body starts."""
    post = _Post()
    anchor = next(
        (c for c in range(1, min(len(lines), 6)) if _is_caption(lines[c], lines[c - 1])), None
    )
    head: list[str] = []
    first_alt = None
    if anchor is not None:
        alt_present = anchor >= 2 and _is_alt(lines[anchor - 1])
        head = lines[: anchor - 1] if alt_present else lines[:anchor]
        first_alt = lines[anchor - 1] if alt_present else None
    if anchor is not None and len(head) <= 3:
        post.images.append((first_alt, lines[anchor]))
        body_start = anchor + 1
    else:
        first_alt = None
        short: list[str] = []
        for line in lines[:4]:
            if _is_paragraph(line):
                break
            short.append(line)
        if len(short) >= 3 and _tag_items(short[0]) is not None:
            head, body_start = short[:3], 3
            if len(short) == 4 and short[3].casefold() == short[1].casefold():
                post.images.append((short[3], None))
                body_start = 4
        else:
            head = short[:2] or lines[:1]
            body_start = len(head)
    if not head:
        return post, body_start
    post.title, rest = head[-1], head[:-1]
    if len(rest) == 1:
        only = rest[0]
        items = _tag_items(only)
        named = heading is not None and heading.name.casefold() in {
            i.casefold() for i in items or []
        }
        is_featured = first_alt is not None and only.casefold() == first_alt.casefold()
        if items is not None and not is_featured and ("," in only or named):
            post.tags = items
        else:
            post.featured_alt = only
    elif len(rest) >= 2:
        post.tags = _tag_items(rest[0]) or []
        post.featured_alt = rest[-1]
    return post, body_start


def _read_post(lines: list[str], heading: _Heading | None) -> _Post:
    dates = [d for d in map(_parse_date_line, lines) if d is not None]
    lines = [line for line in lines if _parse_date_line(line) is None]
    byline = lines[-1] if len(lines) > 2 and _is_byline(lines[-1]) else None
    if byline is not None:
        lines = lines[:-1]
    post, start = _read_head(lines, heading)
    post.byline, post.published = byline, dates[0] if dates else None
    body = lines[start:]
    previous: str | None = None
    for line in body:
        if _is_caption(line, previous):
            alt = previous if previous is not None and _is_alt(previous) else None
            post.images.append((alt, line))
            previous = None
            continue
        post.has_paragraph = post.has_paragraph or _is_paragraph(line)
        previous = line
    return post


def _split_segments(lines: list[str]) -> tuple[list[list[str]], bool]:
    """Posts between closing boilerplate; also after a byline that runs into a tags line."""
    segments: list[list[str]] = [[]]
    saw_boilerplate = False
    for line in lines:
        if _is_boilerplate(line):
            saw_boilerplate = True
            if segments[-1]:
                segments.append([])
            continue
        current = segments[-1]
        if (
            len(current) >= 3
            and _STRONG_BYLINE.search(current[-1])
            and _is_byline(current[-1])
            and "," in line
            and _tag_items(line) is not None
        ):
            segments.append([])
        segments[-1].append(line)
    return [s for s in segments if s], saw_boilerplate


def _strip_page(lines: list[str]) -> tuple[_Heading | None, list[str], bool]:
    """Remove the heading (and what precedes it), the footer and page navigation."""
    heading = None
    for index, line in enumerate(lines[:5]):
        heading = _heading(line)
        if heading is not None:
            lines = lines[index + 1 :]
            break
    end = len(lines)
    while end and (_FOOTER.match(lines[end - 1]) or _NAVIGATION.match(lines[end - 1])):
        end -= 1
    had_footer = any(_FOOTER_MARK.match(line) for line in lines[end:])
    last_boilerplate = max((i for i, line in enumerate(lines) if _is_boilerplate(line)), default=-1)
    mark = next((i for i in range(last_boilerplate + 1, end) if _FOOTER_MARK.match(lines[i])), None)
    if mark is not None:
        end, had_footer = mark, True
    kept = [line for line in lines[:end] if not _NAVIGATION.match(line)]
    return heading, kept, had_footer


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


def parse_text(path: Path) -> list[ParsedArticle]:
    """Posts of a saved tag/category page in page order; see the module doc for the rules."""
    text = _decode(path.read_bytes(), path)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise ArticleFormatError(path, "empty file")
    heading, lines, had_footer = _strip_page(lines)
    segments, had_boilerplate = _split_segments(lines)
    if heading is None and not had_boilerplate and not had_footer:
        raise ArticleFormatError(
            path,
            "not a saved tag or category page (no heading, no 'Continue Reading' or share "
            "lines, no copyright footer)",
        )
    posts = [p for p in (_read_post(s, heading) for s in segments) if p.is_post()]
    if not posts:
        raise ArticleFormatError(path, "no posts found")
    source = str(path.resolve())
    return [_article(post, index, source, heading) for index, post in enumerate(posts, 1)]


def _article(post: _Post, index: int, source: str, heading: _Heading | None) -> ParsedArticle:
    tags = list(post.tags)
    categories: list[str] = []
    if heading is not None and heading.kind == "tag" and heading.name:
        if heading.name.casefold() not in {t.casefold() for t in tags}:
            tags.append(heading.name)
    elif heading is not None and heading.kind == "category" and heading.name:
        categories.append(heading.name)
    images: list[ParsedImage] = []
    if post.featured_alt:
        images.append(ParsedImage("featured", 0, None, post.featured_alt, None))
    for position, (alt, caption) in enumerate(post.images, start=1):
        images.append(ParsedImage("inline", position, None, alt, caption))
    return ParsedArticle(
        key=f"{source}#{index}",
        title=post.title or "",
        url=None,
        published=post.published,
        byline=post.byline,
        tags=tags,
        categories=categories,
        source_path=source,
        format="text",
        images=images,
    )
