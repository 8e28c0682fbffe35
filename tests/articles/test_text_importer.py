"""The text importer reads tag pages by their layout: the sample, generated pages, refusals."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from library.articles.importers import ArticleFormatError, ParsedArticle, parse_text
from library.articles.imports import import_articles
from library.db.engine import Database
from tests.articles.tagpage_gen import KINDS, Options, Page, concatenate, generate

FIXTURES = Path(__file__).parents[1] / "fixtures" / "articles"
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"


def reading(article: ParsedArticle) -> dict[str, Any]:
    """The fields the generator's truth holds."""
    record = article.to_json()
    return {
        "title": record["title"],
        "tags": record["tags"],
        "byline": record["byline"],
        "featured_alt": record["featured_alt"],
        "images": [{"alt": i["alt"], "caption": i["caption"]} for i in record["images"]],
    }


def read(tmp_path: Path, page: Page, name: str = "page.txt") -> list[ParsedArticle]:
    path = tmp_path / name
    path.write_text(page.text, encoding="utf-8")
    return parse_text(path)


def assert_reads(tmp_path: Path, page: Page) -> list[ParsedArticle]:
    articles = read(tmp_path, page)
    got = [reading(a) for a in articles]
    for index, (mine, truth) in enumerate(zip(got, page.truth["posts"], strict=False), 1):
        assert mine == truth, f"post {index}"
    assert len(got) == len(page.truth["posts"])
    return articles


# -- the sample written for the issue ----------------------------------------------------


@pytest.mark.extended
@pytest.mark.skipif(not (SAMPLES / "tag-page.txt").is_file(), reason="../shared/samples absent")
def test_sample_tag_page_reads_as_a_person_reads_it() -> None:
    expected = json.loads((SAMPLES / "tag-page.expected.json").read_text(encoding="utf-8"))
    articles = parse_text(SAMPLES / "tag-page.txt")
    assert len(articles) == len(expected["posts"])
    for article, post in zip(articles, expected["posts"], strict=True):
        record = article.to_json()
        assert expected["page_tag"] in record["tags"]
        for name in ("title", "tags", "byline", "featured_alt"):
            assert record[name] == post[name], (post["title"], name)
        assert len(record["images"]) == len(post["images"]), post["title"]
        for mine, truth in zip(record["images"], post["images"], strict=True):
            for name, value in truth.items():
                assert mine[name] == value, (post["title"], truth["alt"], name)
        assert record["unassigned"] == []
        assert 0.5 <= record["confidence"] <= 1


# -- the project's own pages -------------------------------------------------------------


def test_own_tag_page_with_plain_captions_and_an_unknown_closing_line() -> None:
    articles = parse_text(FIXTURES / "tag-harbour.txt")
    assert [reading(a) for a in articles] == [
        {
            "title": "Lifeboat station wins a reprieve,for now",
            "tags": ["Lifeboats", "Carrow Bay", "RNLI (Carrow)", "Volunteers' Fund"],
            "byline": "staff writer",
            "featured_alt": "Lifeboat crew on the slipway",
            "images": [
                {"alt": "Lifeboat crew on the slipway", "caption": "Lifeboat crew on the slipway"},
                {
                    "alt": "Crew training in the bay",
                    "caption": "Crew training in the bay at dusk, with the old lighthouse behind them",
                },
            ],
        },
        {
            "title": "Volunteers clear the east pier  after the storm",
            "tags": ["Carrow Bay", "Lifeboats", "Weather"],
            "byline": "Ines Ferreira",
            "featured_alt": "Storm damage on the east pier",
            "images": [
                {
                    "alt": "Broken railings on the east pier",
                    "caption": "Archive photo: Broken railings on the east pier in February 2014",
                },
                {
                    "alt": "Sandbags at the boathouse",
                    "caption": "Sandbags piled at the boathouse door (Photo: Ines Ferreira/Bay News)",
                },
                {
                    "alt": "Fishing nets on the quay",
                    "caption": "Fishing nets drying on the quay on Sept. 4, 2021",
                },
            ],
        },
        {
            "title": "New boathouse opens on the west slipway",
            "tags": ["Lifeboats", "Fundraising"],
            "byline": "Staff Writer",
            "featured_alt": None,
            "images": [],
        },
    ]
    first = articles[0].to_json()["images"]
    assert first[0]["same_as_featured"] is True
    assert first[0]["credit"] is None and first[0]["archive"] is False
    second = articles[1].to_json()["images"]
    assert (second[0]["archive"], second[0]["dates"]) == (True, ["2014-02"])
    assert second[1]["credit"] == "Ines Ferreira/Bay News"
    assert second[2]["dates"] == ["2021-09-04"]


def test_theme_lines_published_by_and_tagged_are_read_where_they_stand() -> None:
    articles = parse_text(FIXTURES / "theme-harbour.txt")
    assert [(a.title, a.byline, a.published, a.tags, a.categories) for a in articles] == [
        (
            "Harbour strike ends after three days",
            "By Jane Roe",
            date(2020, 3, 3),
            ["Harbour Authority", "Port Lenn"],
            ["Harbour"],
        ),
        (
            "Ferry timetable changes for the winter",
            "By Mara Quist",
            date(2020, 2, 27),
            ["Ferries", "Timetables"],
            ["Harbour"],
        ),
    ]
    assert [(i.alt, i.caption) for i in articles[0].images] == [
        (
            "Dock workers at the north quay",
            "Dock workers return to the north quay on Thursday morning",
        )
    ]
    assert articles[1].images == []


@pytest.mark.parametrize(
    "name", ["article-page.txt", "article-page-category.txt", "front-page.txt"]
)
def test_pages_that_are_not_tag_or_category_dumps_are_refused(name: str) -> None:
    with pytest.raises(ArticleFormatError, match=r"not a saved tag or category page") as caught:
        parse_text(FIXTURES / name)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(name + ": ")


def test_confidence_and_unassigned_lines_are_reported(tmp_path: Path) -> None:
    page = generate(3, Options(posts=3, kinds=("full",)))
    lines = page.text.split("\n\n")
    body = next(i for i, line in enumerate(lines) if line.startswith("About "))
    lines.insert(body + 1, "ADVERTISEMENT")
    articles = read(tmp_path, Page("\n\n".join(lines), page.truth))
    assert [reading(a) for a in articles] == page.truth["posts"]
    assert articles[0].unassigned == ["ADVERTISEMENT"]
    assert [a.unassigned for a in articles[1:]] == [[], []]
    assert all(0 < (a.confidence or 0) <= 1 for a in articles)
    assert (articles[0].confidence or 0) < min(a.confidence or 0 for a in articles[1:])
    assert articles[0].to_json()["unassigned"] == ["ADVERTISEMENT"]


# -- generated pages ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_generated_pages_of_mixed_posts_read_exactly(tmp_path: Path, seed: int) -> None:
    assert_reads(tmp_path, generate(seed))


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "full"])
def test_generated_pages_where_every_post_deviates_the_same_way(tmp_path: Path, kind: str) -> None:
    for seed in range(3):
        assert_reads(tmp_path, generate(100 + seed, Options(posts=5, kinds=(kind, "full"))))


def test_titles_with_commas_and_double_spaces(tmp_path: Path) -> None:
    page = generate(7, Options(posts=8, comma_title=1.0, double_space=0.7))
    titles = [post["title"] for post in page.truth["posts"]]
    assert any("  " in title for title in titles) and all("," in title for title in titles)
    assert_reads(tmp_path, page)


def test_staff_writer_in_lower_case_is_still_the_byline(tmp_path: Path) -> None:
    page = generate(8, Options(posts=4, bylines=["Staff writer", "staff writer"]))
    articles = assert_reads(tmp_path, page)
    assert {a.byline for a in articles} <= {"Staff writer", "staff writer", None}


def test_a_page_with_fifty_posts(tmp_path: Path) -> None:
    articles = assert_reads(tmp_path, generate(50, Options(posts=50)))
    assert len({a.key for a in articles}) == 50


def test_two_pages_concatenated(tmp_path: Path) -> None:
    page = concatenate(generate(21, Options(posts=4)), generate(22, Options(posts=5)))
    assert page.text.count("Posts Tagged") == 2
    assert_reads(tmp_path, page)


def test_import_report_shows_each_text_reading(database: Database) -> None:
    report = import_articles(database, [FIXTURES / "tag-harbour.txt"]).to_json()
    assert report["errors"] == [] and report["articles_created"] == 3
    readings = report["readings"]
    assert [r["title"] for r in readings] == [
        "Lifeboat station wins a reprieve,for now",
        "Volunteers clear the east pier  after the storm",
        "New boathouse opens on the west slipway",
    ]
    assert all(0 < r["confidence"] <= 1 and r["unassigned"] == [] for r in readings)
    assert all(r["key"].endswith(f"#{n}") for n, r in enumerate(readings, 1))


def test_theme_lines_on_one_line_close_posts_and_the_sidebar_is_not_a_post() -> None:
    articles = parse_text(FIXTURES / "theme-sidebar.txt")
    assert [(a.title, a.byline, a.published, a.tags, a.categories) for a in articles] == [
        (
            "Harbour strike ends after three days",
            "admin",
            date(2020, 3, 3),
            ["Harbour Authority", "Port Lenn"],
            ["News", "Harbour"],
        ),
        (
            "Ferry timetable changes for the winter",
            "Mara Quist",
            date(2020, 3, 1),
            ["Ferries", "Harbour Authority"],
            ["Transport"],
        ),
    ]
    assert all(a.images == [] and a.unassigned == [] for a in articles)


@pytest.mark.parametrize("seed", range(5))
def test_captions_that_end_with_a_full_stop(tmp_path: Path, seed: int) -> None:
    page = generate(300 + seed, Options(caption_period=1.0))
    captions = [i["caption"] or "" for p in page.truth["posts"] for i in p["images"]]
    assert sum(c.endswith(".") for c in captions) > len(captions) / 3
    assert_reads(tmp_path, page)


def test_hard_wrapped_page_is_joined_back(tmp_path: Path) -> None:
    page = generate(9, Options(posts=5))
    blocks = page.text.split("\n\n")
    wrapped = "\n\n".join("\n".join(textwrap.wrap(b, 60, break_on_hyphens=False)) for b in blocks)
    assert wrapped.count("\n") > page.text.count("\n") + 10
    assert_reads(tmp_path, Page(wrapped, page.truth))


@pytest.mark.parametrize("heading", ["Tagged: Harbour Authority", "Harbour Authority Archives"])
def test_other_tag_headings_name_the_page_tag(tmp_path: Path, heading: str) -> None:
    page = generate(10, Options(posts=3, kinds=("full",)))
    text = page.text.replace("Posts Tagged ‘Harbour Authority’", heading)
    assert text != page.text
    assert_reads(tmp_path, Page(text, page.truth))


def test_cli_json_shows_the_readings_and_refuses_an_article_page(run: Any) -> None:
    run("init")
    result = run("import-articles", str(FIXTURES / "tag-harbour.txt"), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [r["title"] for r in report["readings"]][-1] == "New boathouse opens on the west slipway"
    assert all(0 < r["confidence"] <= 1 for r in report["readings"])
    refused = run("import-articles", str(FIXTURES / "front-page.txt"))
    assert refused.exit_code != 0
    assert "front-page.txt: not a saved tag or category page" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_related_posts_blocks_between_posts_are_not_posts() -> None:
    articles = parse_text(FIXTURES / "tag-related-block.txt")
    assert [(a.title, a.byline, a.published) for a in articles] == [
        ("Dock workers walk out over night-shift pay", "Staff Writer", None),
        ("Ferry crews vote on new rota", "Mara Quist", None),
    ]
    assert [(i.alt, i.caption) for i in articles[1].images] == [
        ("Ferry crew on deck", None),
        ("Ferry crew on deck", "Ferry crew on deck at dawn"),
    ]
    assert all((a.confidence or 0) > 0.9 for a in articles)


@pytest.mark.parametrize("seed", range(3))
def test_a_page_whose_heading_was_not_saved_still_reads(tmp_path: Path, seed: int) -> None:
    page = generate(400 + seed, Options(kinds=("full", "no_featured", "other_first_alt")))
    text = page.text.replace("Posts Tagged ‘Harbour Authority’", "")
    assert "Posts Tagged" not in text
    assert_reads(tmp_path, Page(text, page.truth))


@pytest.mark.slow
@pytest.mark.extended
def test_article_pages_of_real_sites_saved_as_text_are_refused(tmp_path: Path) -> None:
    """Text as a browser saves it: block elements on lines of their own, alts kept."""
    corpus = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "articles"
    pages = sorted(corpus.glob("html-*/*.htm*"))[::3]  # a third keeps the suite quick
    if not pages:
        pytest.skip("../shared/corpora is absent")
    refused = 0
    for page in pages:
        text = _page_text(page.read_text(encoding="utf-8", errors="replace"))
        path = tmp_path / (page.stem + ".txt")
        path.write_text(text, encoding="utf-8")
        with pytest.raises(
            ArticleFormatError, match=r"not a saved tag or category page|no posts|empty file"
        ):
            parse_text(path)
        refused += 1
    assert refused == len(pages)


def _page_text(markup: str) -> str:
    from html.parser import HTMLParser

    blocks = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr", "section", "article", "a"}
    blocks |= {"header", "footer", "nav", "figcaption", "figure", "ul", "ol", "title", "img"}
    parts: list[str] = []
    hidden = [0]

    class Text(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            hidden[0] += tag in ("script", "style", "noscript")
            if tag in blocks:
                parts.append("\n")
            alt = dict(attrs).get("alt") if tag == "img" else None
            if alt:
                parts.append(f"\n{alt}\n")

        def handle_endtag(self, tag: str) -> None:
            hidden[0] -= tag in ("script", "style", "noscript") and hidden[0] > 0
            if tag in blocks:
                parts.append("\n")

        def handle_data(self, data: str) -> None:
            if not hidden[0]:
                parts.append(data)

    Text().feed(markup)
    lines = (line.strip() for line in "".join(parts).splitlines())
    return "\n\n".join(line for line in lines if line)


def test_two_pages_of_different_tags_keep_their_own_tag(tmp_path: Path) -> None:
    first = generate(31, Options(posts=3, kinds=("no_tags",)))
    second = generate(32, Options(posts=3, kinds=("no_tags",)), page_tag="Lifeboats")
    articles = read(tmp_path, concatenate(first, second))
    assert [a.tags for a in articles] == [["Harbour Authority"]] * 3 + [["Lifeboats"]] * 3


def test_a_long_menu_above_the_heading_is_not_read(tmp_path: Path) -> None:
    page = generate(33, Options(posts=4))
    menu = "\n\n".join(f"Section {n}" for n in range(60))
    text = page.text.replace("Posts Tagged", menu + "\n\nPosts Tagged", 1)
    assert_reads(tmp_path, Page(text, page.truth))
