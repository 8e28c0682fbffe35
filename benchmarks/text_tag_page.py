"""How many of the things a person reads off a saved tag page the text importer gets right.

Counts, post by post and image by image in page order: titles, tags lines, bylines,
featured alts, alts, captions, "same as featured", archive notes, credits and dates (the
last three as ``parse_caption`` reads the imported caption). Pages:

* ``../shared/samples/tag-page.txt`` with its ``tag-page.expected.json`` (when present);
* generated pages from ``tests/articles/tagpage_gen.py`` (seeds apart from the tests').

The baseline, in the same run, is the importer as it was before the layout reader
(``library/articles/importers/text.py`` at ``--baseline``, read with ``git show``).

    .venv/bin/python benchmarks/text_tag_page.py
    .venv/bin/python benchmarks/text_tag_page.py --pages 100 --baseline 5af8863
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.baseline import module_at  # noqa: E402
from library.articles.importers import ArticleFormatError, ParsedArticle  # noqa: E402
from library.articles.importers.text import parse_text  # noqa: E402
from library.text.captions import parse_caption  # noqa: E402
from tests.articles.tagpage_gen import generate  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "samples" / "tag-page.txt"
Parser = Callable[[Path], list[ParsedArticle]]
FIELDS = ("title", "tags", "byline", "featured_alt")
IMAGE_FIELDS = ("alt", "caption", "same_as_featured", "archive", "credit", "dates")


def reading(article: ParsedArticle) -> dict[str, Any]:
    """A post as the expected JSON writes it; works on the old importer's records too."""
    featured = next((i.alt for i in article.images if i.role == "featured"), None)
    images = []
    for image in (i for i in article.images if i.role == "inline"):
        notes = parse_caption(image.caption)
        images.append(
            {
                "alt": image.alt,
                "caption": image.caption,
                "same_as_featured": featured is not None and image.alt == featured,
                "archive": notes.archive,
                "credit": notes.credit,
                "dates": [d.value for d in notes.dates],
            }
        )
    return {
        "title": article.title,
        "tags": article.tags,
        "byline": article.byline,
        "featured_alt": featured,
        "images": images,
    }


def truth_of_generated(truth: dict[str, Any]) -> list[dict[str, Any]]:
    posts = []
    for post in truth["posts"]:
        images = []
        for index, image in enumerate(post["images"]):
            notes = parse_caption(image["caption"])
            record = {
                "alt": image["alt"],
                "caption": image["caption"],
                "archive": notes.archive,
                "credit": notes.credit,
                "dates": [d.value for d in notes.dates],
            }
            if index == 0:
                record["same_as_featured"] = image["alt"] == post["featured_alt"]
            images.append(record)
        posts.append({**{k: post[k] for k in FIELDS}, "images": images})
    return posts


def score(expected: list[dict[str, Any]], path: Path, parser: Parser) -> Counter[str]:
    """Right and total counts per field; a missing post or image gets every field wrong."""
    counts: Counter[str] = Counter()
    try:
        got = [reading(a) for a in parser(path)]
    except ArticleFormatError:
        got = []
    for index, post in enumerate(expected):
        mine = got[index] if index < len(got) else None
        for name in FIELDS:
            counts[name + " total"] += 1
            counts[name + " right"] += mine is not None and mine[name] == post[name]
        for position, image in enumerate(post["images"]):
            theirs = mine["images"] if mine is not None else []
            found = theirs[position] if position < len(theirs) else None
            for name in IMAGE_FIELDS:
                if name not in image:
                    continue
                counts[name + " total"] += 1
                counts[name + " right"] += found is not None and found[name] == image[name]
    return counts


def load_baseline(revision: str) -> Parser:
    parser: Parser = module_at(revision, "library/articles/importers/text.py").parse_text
    return parser


def report(title: str, results: dict[str, Counter[str]]) -> None:
    names = FIELDS + IMAGE_FIELDS
    print(title)
    print(f"  {'field':18}" + "".join(f"{way:>14}" for way in results))
    for name in (*names, "all"):
        cells = []
        for counts in results.values():
            if name == "all":
                right = sum(counts[n + " right"] for n in names)
                total = sum(counts[n + " total"] for n in names)
            else:
                right, total = counts[name + " right"], counts[name + " total"]
            cells.append(f"{right:>6} / {total:<5}")
        print(f"  {name:18}" + "".join(f"{c:>14}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=30, help="generated pages (6 posts each)")
    parser.add_argument("--baseline", default="5af8863", help="git revision of the old reader")
    args = parser.parse_args()
    ways: dict[str, Parser] = {"before": load_baseline(args.baseline), "after": parse_text}
    if SAMPLE.is_file():
        expected = json.loads(SAMPLE.with_suffix(".expected.json").read_text(encoding="utf-8"))
        results = {way: score(expected["posts"], SAMPLE, p) for way, p in ways.items()}
        report(f"sample {SAMPLE.name}", results)
    folder = Path(tempfile.mkdtemp(prefix="tag-pages-"))
    totals: dict[str, Counter[str]] = {way: Counter() for way in ways}
    for seed in range(1000, 1000 + args.pages):
        page = generate(seed)
        path = folder / f"page-{seed}.txt"
        path.write_text(page.text, encoding="utf-8")
        for way, p in ways.items():
            totals[way] += score(truth_of_generated(page.truth), path, p)
    report(f"{args.pages} generated pages", totals)


if __name__ == "__main__":
    main()
