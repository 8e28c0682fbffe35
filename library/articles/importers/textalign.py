"""Aligning a page's lines with the post sequence: line roles, their costs, and the dynamic programme."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from library.articles.importers.textlines import (
    _ENDS_WITH_DATE,
    _NARRATION,
    _SPEECH,
    _STRONG_BYLINE,
    INF,
    _ends_period,
    _ends_sentence,
    _is_name,
    _Line,
    _same_tag,
    _sentences,
    _words,
)

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
