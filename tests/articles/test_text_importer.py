"""The text importer reads tag pages by their layout: the sample, generated pages, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from library.articles.importers import ParsedArticle, parse_text
from tests.articles.tagpage_gen import Page, generate

FIXTURES = Path(__file__).parents[1] / "fixtures" / "articles"
SAMPLES = Path(__file__).parents[3] / "shared" / "samples"


def reading(article: ParsedArticle) -> dict[str, Any]:
    """What a person reads off a post, in the shape of the samples' expected JSON."""
    featured = next((i.alt for i in article.images if i.role == "featured"), None)
    images = [
        {"alt": image.alt, "caption": image.caption}
        for image in article.images
        if image.role == "inline"
    ]
    return {
        "title": article.title,
        "tags": article.tags,
        "byline": article.byline,
        "featured_alt": featured,
        "images": images,
    }


def read(tmp_path: Path, page: Page, name: str = "page.txt") -> list[ParsedArticle]:
    path = tmp_path / name
    path.write_text(page.text, encoding="utf-8")
    return parse_text(path)


def test_reads_a_generated_page_exactly(tmp_path: Path) -> None:
    page = generate(1)
    assert [reading(a) for a in read(tmp_path, page)] == page.truth["posts"]


@pytest.mark.parametrize("seed", range(40))
def test_reads_generated_pages_exactly(tmp_path: Path, seed: int) -> None:
    page = generate(seed)
    got = [reading(a) for a in read(tmp_path, page)]
    for index, (mine, truth) in enumerate(zip(got, page.truth["posts"], strict=False)):
        assert mine == truth, f"post {index + 1}"
    assert len(got) == len(page.truth["posts"])
