"""How often parse_caption finds the credit that a page marks up separately.

Saved news pages often print a caption and its credit in one block but wrap the
credit in its own element (``<span class="caption__credit">``,
``<div class="photo__copyright">``, ``<small class="credit">``) or name it in
JSON-LD (``ImageObject.creditText`` / ``copyrightHolder``). That mark-up is the
page's own answer: the block's whole text, as a reader sees it, goes through
:func:`parse_caption`, and its credit must match the marked credit under
:func:`normalize_credit`. A hand-labelled file of captions (one
``caption<TAB>credit`` a line, ``-`` for "no credit") can be scored the same way.

    .venv/bin/python benchmarks/caption_credits.py            # corpus + labelled set
    .venv/bin/python benchmarks/caption_credits.py --show     # every pair, misses marked
    .venv/bin/python benchmarks/caption_credits.py --baseline 5af8863   # before/after
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.baseline import module_at  # noqa: E402
from library.text.captions import normalize_credit, parse_caption  # noqa: E402

HERE = Path(__file__).resolve().parent
CORPORA = HERE.parent.parent / "shared" / "corpora"
LABELLED = (HERE / "caption_credits_labelled.tsv", HERE / "caption_credits_heldout.tsv")

_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "button"})
_INLINE = frozenset(
    ["a", "b", "i", "em", "strong", "abbr", "sup", "sub", "small", "u", "s", "q", "cite", "time"]
)
_CREDIT_CLASS = re.compile(
    r"credit|copyright|photographer|attribution|byline|source|rights|courtesy", re.IGNORECASE
)
_CAPTION_CLASS = re.compile(r"caption|legend|photo__|image-text|img-text", re.IGNORECASE)


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str]
    parent: _Node | None
    children: list[_Node | str] = field(default_factory=list)

    @property
    def classes(self) -> str:
        return self.attrs.get("class", "") + " " + self.attrs.get("itemprop", "")

    def text(self) -> str:
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag not in _SKIP:
                # Caption and credit are often sibling spans laid out apart by CSS.
                inline = child.tag in _INLINE and not _CREDIT_CLASS.search(child.classes)
                sep = "" if inline else " "
                parts.append(sep + child.text() + sep)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def walk(self) -> Iterator[_Node]:
        yield self
        for child in self.children:
            if isinstance(child, _Node):
                yield from child.walk()


class _TreeBuilder(HTMLParser):
    """A forgiving DOM: unclosed tags close with their nearest open ancestor."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {}, None)
        self.open = self.root
        self.scripts: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs}, self.open)
        self.open.children.append(node)
        if tag == "script" and node.attrs.get("type", "").endswith("ld+json"):
            self._script = []
        if tag not in _VOID:
            self.open = node

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append("".join(self._script))
            self._script = None
        node: _Node | None = self.open
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.open = node.parent

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        self.open.children.append(data)


@dataclass(frozen=True)
class Pair:
    """A caption as printed and the credit the page marks inside it (None: no credit)."""

    source: str
    caption: str
    credit: str | None


def _caption_block(node: _Node) -> _Node | None:
    """The nearest enclosing caption/figure block that holds more than the credit."""
    own = node.text()
    up = node.parent
    while up is not None and up.tag != "#root":
        is_caption = up.tag in {"figcaption", "figure"} or _CAPTION_CLASS.search(up.classes)
        if is_caption and up.text() != own:
            return up
        if up.tag in {"article", "main", "body", "section"}:
            return None
        up = up.parent
    return None


def _html_pairs(path: Path) -> Iterator[Pair]:
    builder = _TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8", errors="replace"))
    builder.close()
    seen: set[tuple[str, str]] = set()
    for node in builder.root.walk():
        if node.tag in _SKIP or not _CREDIT_CLASS.search(node.classes):
            continue
        if any(_CREDIT_CLASS.search(d.classes) for d in node.walk() if d is not node):
            continue  # the innermost credit element is the credit itself
        credit = node.text()
        if not credit or len(credit) > 120:
            continue
        block = _caption_block(node)
        if block is None:
            continue
        caption = block.text()
        if (caption, credit) not in seen and len(caption) < 600:
            seen.add((caption, credit))
            yield Pair(path.name, caption, credit)
    for script in builder.scripts:
        yield from _jsonld_pairs(path.name, script)


def _jsonld_objects(value: object) -> Iterator[dict[str, object]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _jsonld_objects(v)
    elif isinstance(value, list):
        for v in value:
            yield from _jsonld_objects(v)


def _jsonld_pairs(source: str, script: str) -> Iterator[Pair]:
    try:
        data = json.loads(script)
    except ValueError:
        return
    for obj in _jsonld_objects(data):
        caption, credit = obj.get("caption"), obj.get("creditText")
        if credit is None and isinstance(obj.get("copyrightHolder"), str):
            credit = obj["copyrightHolder"]
        if isinstance(caption, str) and isinstance(credit, str) and caption.strip():
            # JSON-LD keeps caption and credit apart; a reader sees them printed together.
            text = html.unescape(caption).strip()
            yield Pair(source + " (JSON-LD)", f"{text} {credit.strip()}", credit.strip())


def corpus_pairs(corpora: Path = CORPORA) -> list[Pair]:
    pairs: list[Pair] = []
    for folder in ("html-newspaper4k", "html-goose3"):
        for path in sorted((corpora / "articles" / folder).glob("*.html")):
            pairs.extend(_html_pairs(path))
    return pairs


def labelled_pairs(path: Path) -> list[Pair]:
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        caption, _, credit = line.partition("\t")
        caption = caption.replace("\\n", "\n")
        pairs.append(Pair(f"{path.name}:{n}", caption, None if credit == "-" else credit))
    return pairs


Parser = Callable[[str], str | None]


def _current_parser(caption: str) -> str | None:
    return parse_caption(caption).credit


def _parser_at(revision: str) -> Parser:
    """parse_caption as it was at a git revision, to print a before/after in one run."""
    old_parse = module_at(revision, "library/text/captions.py").parse_caption
    return lambda caption: old_parse(caption).credit


def score(pairs: list[Pair], parse: Parser, show: bool | None) -> tuple[int, int]:
    """Pairs whose credit matches under today's key; show: True all, None misses, False none."""
    right = 0
    for pair in pairs:
        got = parse(pair.caption)
        ok = normalize_credit(got) == normalize_credit(pair.credit)
        right += ok
        if show is True or (show is None and not ok):
            mark = "  " if ok else "XX"
            print(f"{mark} [{pair.source}] {pair.caption!r}\n     want {pair.credit!r} got {got!r}")
    return right, len(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every pair, not only misses")
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--labelled", type=Path, nargs="*", default=list(LABELLED))
    parser.add_argument(
        "--baseline", metavar="REV", help="also score parse_caption as of this git revision"
    )
    args = parser.parse_args()
    sets = []
    if (args.corpora / "articles").is_dir():
        sets.append(("page mark-up", corpus_pairs(args.corpora)))
    for path in args.labelled:
        if path.is_file():
            sets.append((path.stem, labelled_pairs(path)))
    baseline = _parser_at(args.baseline) if args.baseline else None
    for name, pairs in sets:
        right, total = score(pairs, _current_parser, True if args.show else None)
        line = f"{name}: {right}/{total} credits right ({right / max(total, 1):.0%})"
        if baseline is not None:
            before, _ = score(pairs, baseline, False)
            line += f"; at {args.baseline}: {before}/{total} ({before / max(total, 1):.0%})"
        print(line)


if __name__ == "__main__":
    main()
