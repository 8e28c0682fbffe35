"""Article import accuracy on the shared corpora, against the importer before this work.

For every saved page of `html-newspaper4k/` and `html-goose3/` that the hand-checked truth
file `benchmarks/data/html_truth.json` lists, both importers (this checkout's and the one
at `--baseline`, by default the commit before the importer rewrite, loaded from git into
the same process) parse the page; the table
gives, per corpus and overall, the share of article pages imported, of titles, bylines and
dates (the day as the page states it) right, of pages whose top image is among the
article's images, of non-article pages refused, and image precision / recall and caption
accuracy on the pages whose body images were checked by hand. It then counts what the
other importers make of the WordPress exports and the sample tag page (posts, images,
captions), by calling the public `parse_articles`.

    .venv/bin/python benchmarks/import_accuracy.py [--corpora ../shared/corpora] [--misses]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.baseline import BaselineError, module_at  # noqa: E402
from library.articles.importers import (  # noqa: E402
    ArticleFormatError,
    ParsedArticle,
    canonical_media_name,
    parse_articles,
    parse_html,
)

TRUTH = Path(__file__).with_name("data") / "html_truth.json"
CORPORA = ("html-newspaper4k", "html-goose3")
Parser = Callable[[Path], list[ParsedArticle]]


BASELINE = "5af8863"  # the package layout, before the real-page importer work


def baseline_parser(revision: str = BASELINE) -> Parser | None:
    """`parse_html` as it was at ``revision``, so before and after run on the same pages."""
    try:
        parser: Parser = module_at(revision, "library/articles/importers/html.py").parse_html
    except BaselineError:
        return None
    return parser


def norm(text: str | None) -> str:
    """Compare as a reader would: case, accents' composition, quote styles and spacing aside."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = re.sub(r"[‘’`´]", "'", text)
    text = re.sub(r"[“”«»„]", '"', text)
    return " ".join(text.split()).strip(" .")


def names(byline: str | None) -> set[str]:
    """The people of a byline string as the importer writes it ("A, B and C")."""
    if not byline:
        return set()
    return {norm(n) for n in re.split(r",\s*|\s+and\s+", byline) if n.strip()}


def day(value: datetime | date | None) -> str | None:
    """The calendar day in the offset the page gave, not converted to UTC or local time."""
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


@dataclass
class Score:
    """Counts for one importer on one corpus: right answers over pages that have a truth."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def add(self, name: str, right: int, total: int = 1) -> None:
        pair = self.counts.setdefault(name, [0, 0])
        pair[0] += right
        pair[1] += total

    def merge(self, other: Score) -> None:
        for name, (right, total) in other.counts.items():
            self.add(name, right, total)

    def cell(self, name: str) -> str:
        right, total = self.counts.get(name, [0, 0])
        return f"{100 * right / total:5.1f}% ({right}/{total})" if total else "—"


def image_key(reference: str | None) -> str:
    """The file's original name; a script URL (image.php?src=…) stays whole."""
    name = canonical_media_name(reference or "") or ""
    if re.search(r"\.(?:jpe?g|png|gif|webp|avif|svg|tiff?)$", name, re.IGNORECASE):
        return name
    return (reference or "").split("//", 1)[-1].removeprefix("../").removeprefix("../")


def score_page(parser: Parser, path: Path, truth: dict, score: Score) -> None:  # type: ignore[type-arg]
    kind = truth["kind"]
    try:
        article: ParsedArticle | None = parser(path)[0]
    except ArticleFormatError as error:
        article = None
        failure = str(error)
    if kind == "fragment":
        score.add("fragments imported", article is not None)
        return
    if kind == "not-article":
        score.add("non-articles refused", article is None)
        if article is not None:
            score.misses.append(f"{path.name}: imported a non-article")
        return
    score.add("imported", article is not None)
    if article is None:
        score.misses.append(f"{path.name}: refused: {failure}")
        return
    if "title" in truth:
        right = norm(article.title) in {norm(t) for t in truth["title"]}
        score.add("title", right)
        if not right:
            score.misses.append(f"{path.name}: title {article.title!r}")
    if "authors" in truth:
        right = names(article.byline) == {norm(n) for n in truth["authors"]}
        score.add("byline", right)
        if not right:
            score.misses.append(f"{path.name}: byline {article.byline!r} not {truth['authors']}")
    if "date" in truth:
        right = day(article.published) == truth["date"]
        score.add("date", right)
        if not right:
            score.misses.append(f"{path.name}: date {article.published} not {truth['date']}")
    if "top_image" in truth:
        found = {image_key(i.reference) for i in article.images}
        right = image_key(truth["top_image"]) in found
        score.add("top image found", right)
        if not right:
            score.misses.append(f"{path.name}: top image missing")
    if "images" in truth:
        score_images(article, truth["images"], score, path.name)


def score_images(article: ParsedArticle, expected: list[dict], score: Score, name: str) -> None:  # type: ignore[type-arg]
    """Body images as a set of files (featured and inline uses of one file count once)."""
    found: dict[str, str | None] = {}
    # the caption printed under the photo first, the featured image's declared one after
    for image in sorted(article.images, key=lambda i: i.role == "featured"):
        key = image_key(image.reference)
        if found.get(key) is None:
            found[key] = image.caption
    wanted = {image_key(i["src"]): i.get("caption") for i in expected}
    hits = set(found) & set(wanted)
    score.add("image precision", len(hits), len(found))
    score.add("image recall", len(hits), len(wanted))
    for key in sorted(set(found) - set(wanted)):
        score.misses.append(f"{name}: extra image {key}")
    for key in sorted(set(wanted) - set(found)):
        score.misses.append(f"{name}: missed image {key}")
    for key in sorted(hits):
        if wanted[key] is None and found[key] is None:
            score.add("captions", 1)
            continue
        right = norm(found[key]) == norm(wanted[key])
        score.add("captions", right)
        if not right:
            score.misses.append(f"{name}: caption of {key}: {found[key]!r}")


ROWS = (
    "imported",
    "title",
    "byline",
    "date",
    "top image found",
    "image precision",
    "image recall",
    "captions",
    "non-articles refused",
    "fragments imported",
)


def other_importers(corpora: Path) -> list[str]:
    """What the WXR and text importers produce: measurement only, they are owned elsewhere."""
    lines = ["file                                     posts  images  captions  result"]
    files = sorted((corpora / "articles" / "wxr").glob("*.xml"))
    files.append(corpora.parent / "samples" / "tag-page.txt")
    for path in files:
        if not path.exists():
            continue
        try:
            articles = parse_articles(path)
        except ArticleFormatError as error:
            lines.append(f"{path.name[:40]:40} {'':>5} {'':>7} {'':>9}  refused: {error.problem}")
            continue
        images = [i for a in articles for i in a.images]
        captions = sum(1 for i in images if i.caption)
        lines.append(f"{path.name[:40]:40} {len(articles):5} {len(images):7} {captions:9}  ok")
    return lines


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    options.add_argument("--misses", action="store_true", help="list every wrong answer")
    options.add_argument(
        "--baseline", default=BASELINE, help="git revision of the importer to compare with"
    )
    args = options.parse_args()
    if not (args.corpora / "articles").is_dir():
        print(f"no corpora at {args.corpora}", file=sys.stderr)
        return 2
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    parsers: dict[str, Parser] = {"after": parse_html}
    before = baseline_parser(args.baseline)
    if before is not None:
        parsers = {"before": before, "after": parse_html}
    totals = {label: Score() for label in parsers}
    for corpus in CORPORA:
        scores = {label: Score() for label in parsers}
        for key, expected in truth.items():
            if not key.startswith(corpus + "/"):
                continue
            path = args.corpora / "articles" / key
            for label, parser in parsers.items():
                score_page(parser, path, expected, scores[label])
        print_table(corpus, scores)
        for label, score in scores.items():
            totals[label].merge(score)
            if args.misses and label == "after":
                print("\n".join(f"  miss: {m}" for m in score.misses))
    print_table("overall", totals)
    print()
    print("\n".join(other_importers(args.corpora)))
    return 0


def print_table(title: str, scores: dict[str, Score]) -> None:
    print(f"\n{title}")
    print(f"{'':22}" + "".join(f"{label:>22}" for label in scores))
    for row in ROWS:
        print(f"{row:22}" + "".join(f"{s.cell(row):>22}" for s in scores.values()))


if __name__ == "__main__":
    raise SystemExit(main())
