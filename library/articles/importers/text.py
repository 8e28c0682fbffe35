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
index; references are always None."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from library.articles.importers.htmltree import looks_binary
from library.articles.importers.model import ArticleFormatError, ParsedArticle, ParsedImage
from library.articles.importers.textalign import (
    _DEFAULT_PRIORS,
    _HEADS,
    _PARTS,
    _POST_START,
    _STYLE_WEIGHT,
    ALT,
    ALT1,
    BOILER,
    BYLINE,
    CAP,
    CAP1,
    FEAT,
    JUNK,
    TAGS,
    TITLE,
    TITLE_F,
    UNAS,
    _align,
    _Costs,
    _Head,
)
from library.articles.importers.textlines import (
    _COMMENT_FORM,
    _FOOTER,
    _FOOTER_MARK,
    _NAVIGATION,
    _RELATED_CONTEXT,
    INF,
    _closing_keys,
    _early_heading,
    _ends_period,
    _Heading,
    _heading,
    _is_boilerplate,
    _Line,
    _read_lines,
    _same_tag,
)


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
