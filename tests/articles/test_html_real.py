"""The HTML importer on pages built to break it, and on the shared real pages.

The small fixtures (tests/fixtures/articles) each carry one trap from real sites: the
headline outside <article>, `<html class="ads-enabled">`, author headshots, ad slots,
teasers, logos and spinners beside the photos, a meta author naming the site, a date in
UTC beside the site's own +09:00, one article:tag meta holding "a, b, c", a plain page
with neither JSON-LD nor <article> nor og:type, a front page. The extended tests hold the
accuracy reached on the shared corpora (`benchmarks/import_accuracy.py`) as floors.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

import pytest

from library.articles.importers import ArticleFormatError, ParsedImage, parse_html
from library.articles.importers.htmldates import parse_date
from library.articles.importers.htmlimages import find_images
from library.articles.imports import import_articles
from library.db.engine import Database
from tests.conftest import CORPORA, needs_corpora

FIXTURES = Path(__file__).parents[1] / "fixtures" / "articles"
BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "import_accuracy.py"
HARBOUR = "https://harbour.example.jp/media/2018/06"
JST = timezone(timedelta(hours=9))


def page(tmp_path: Path, body: str, head: str = "", name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(f"<html><head>{head}</head><body>{body}</body></html>", encoding="utf-8")
    return path


# -- the body around the headline ---------------------------------------------------------


def test_headline_outside_article_finds_only_the_article_photos() -> None:
    [article] = parse_html(FIXTURES / "headline-outside.html")
    port = "Fishing boats tied up in Naha port on Monday evening. Aiko Tanaka/The Harbour Post"
    assert article.title == "Typhoon Prapiroon nears Okinawa"
    assert article.images == [
        ParsedImage(
            "featured",
            0,
            f"{HARBOUR}/typhoon-port-1200x630.jpg",
            "Boats tied up in Naha port",
            port,
            credit="Aiko Tanaka/The Harbour Post",
        ),
        # lazy image: data-src beats the spinner, the <noscript> twin is dropped
        ParsedImage(
            "inline",
            1,
            f"{HARBOUR}/typhoon-port.jpg",
            "Boats tied up in Naha port",
            port,
            credit="Aiko Tanaka/The Harbour Post",
        ),
        # old WordPress box with a div.wp-caption-text
        ParsedImage(
            "inline",
            2,
            f"{HARBOUR}/airport-queue-600x400.jpg",
            "Queue at the airport",
            "Travellers queue at Naha airport after 40 flights were cancelled.",
        ),
        ParsedImage(
            "inline",
            3,
            f"{HARBOUR}/sea-wall.jpg",
            "Waves over the sea wall",
            "Waves break over the sea wall in Itoman. Ken Mori",
            credit="Ken Mori",
        ),
    ]
    # logo, leaderboard ad, byline headshot, in-body ad, teaser, sidebar, footer logo: none
    references = " ".join(i.reference or "" for i in article.images)
    for furniture in ("logo", "ads.example.net", "aiko-tanaka.jpg", "rainy", "most-read"):
        assert furniture not in references


def test_ads_enabled_class_on_html_marks_nothing(tmp_path: Path) -> None:
    path = page(
        tmp_path,
        '<div class="ads-container"><h1>Bridge opens</h1>'
        "<p>The bridge opened on Monday after four years of work on the river crossing.</p>"
        '<figure><img src="/p/bridge.jpg" alt="Bridge"><figcaption>The new bridge.</figcaption>'
        "</figure></div>",
        "<title>Bridge opens</title>",
    )
    path.write_text(
        path.read_text(encoding="utf-8").replace("<html>", '<html class="ads-enabled">'),
        encoding="utf-8",
    )
    [article] = parse_html(path)
    assert [(i.reference, i.caption) for i in article.images] == [
        ("/p/bridge.jpg", "The new bridge.")
    ]


def test_find_images_reads_div_wp_caption_text() -> None:
    found = find_images(
        '<div class="wp-caption"><img src="a.jpg" alt="A"><div class="wp-caption-text">'
        "Caption <b>A</b></div></div><p><img src=b.jpg></p>"
    )
    assert [(f.src, f.caption) for f in found] == [("a.jpg", "Caption A"), ("b.jpg", None)]


def test_a_caption_box_s_controls_are_not_its_text() -> None:
    """politico.com's caption box ends in '<span class="close-button js">Close</span>'."""
    found = find_images(
        '<div class="slideshow"><img src="a.jpg" alt="A"><div class="caption close-this">'
        "Obama carried these states. | AP Photo "
        '<span class="close-button js" title="close this caption">Close</span>'
        '<a role="button" href="#">Expand</a></div></div>'
        '<figure><img src="b.jpg"><figcaption>A button factory in Leeds. '
        '<span class="credit">Jane Roe</span></figcaption></figure>'
    )
    assert [(f.src, f.caption, f.credit) for f in found] == [
        ("a.jpg", "Obama carried these states. | AP Photo", None),
        ("b.jpg", "A button factory in Leeds. Jane Roe", "Jane Roe"),
    ]


# -- bylines, dates, tags -----------------------------------------------------------------


def test_json_ld_people_beat_a_meta_author_that_names_the_site() -> None:
    [article] = parse_html(FIXTURES / "headline-outside.html")
    assert article.byline == "Aiko Tanaka and Ken Mori"


def test_admin_and_site_name_are_never_bylines(tmp_path: Path) -> None:
    head = (
        '<title>Ferry fares rise - Valley Courier</title><meta name="author" content="admin">'
        '<meta property="og:site_name" content="Valley Courier">'
    )
    body = (
        "<h1>Ferry fares rise</h1><p>Ferry fares rise in April, the operator said on Monday "
        "in a statement about fuel prices.</p>"
    )
    [article] = parse_html(page(tmp_path, body, head))
    assert article.byline is None
    assert article.warnings == ["no publication date found", "no byline found"]
    head = head.replace('content="admin"', 'content="Valley Courier"')
    [article] = parse_html(page(tmp_path, body, head))
    assert article.byline is None


def test_import_reports_what_the_page_did_not_say(database: Database, tmp_path: Path) -> None:
    head = "<title>Ferry fares rise</title>"
    body = "<h1>Ferry fares rise</h1><p>Ferry fares rise in April, the operator said.</p>"
    report = import_articles(database, [page(tmp_path, body, head, "ferry.html")])
    assert report.articles_created == 1 and report.errors == []
    assert [w["warning"] for w in report.warnings] == [
        "ferry.html: no publication date found",
        "ferry.html: no byline found",
    ]


def test_printed_byline_and_every_author_kept(tmp_path: Path) -> None:
    body = (
        "<h1>Ferry fares rise</h1><p>By Ana Souza, Lee Min-ho and Tom Bauer, Valley Courier</p>"
        "<p>Ferry fares rise in April, the operator said on Monday in a statement.</p>"
    )
    head = '<title>Ferry fares rise</title><meta property="og:site_name" content="Valley Courier">'
    [article] = parse_html(page(tmp_path, body, head))
    assert article.byline == "Ana Souza, Lee Min-ho and Tom Bauer"


@pytest.mark.parametrize(
    ("author", "byline"),
    [
        ("By Jane Doe, Reuters", "Jane Doe"),
        ("Jane Doe and John Roe", "Jane Doe and John Roe"),
        ("Staff Writer", None),
        ("admin", None),
        ("https://www.facebook.com/valleycourier", None),
        ("valleycourier.example.com", None),
    ],
)
def test_meta_author_is_kept_only_for_people(
    tmp_path: Path, author: str, byline: str | None
) -> None:
    head = f'<title>Ferry fares rise</title><meta name="author" content="{author}">'
    body = "<h1>Ferry fares rise</h1><p>Fares rise in April, the operator said on Monday.</p>"
    [article] = parse_html(page(tmp_path, body, head))
    assert article.byline == byline


def test_date_is_the_sites_day_with_its_offset() -> None:
    """article:published_time says 20:50Z on June 18; JSON-LD says 05:50+09:00 on June 19."""
    [article] = parse_html(FIXTURES / "headline-outside.html")
    assert article.published == datetime(2018, 6, 19, 5, 50, tzinfo=JST)
    assert isinstance(article.published, datetime)
    assert article.published.date() == date(2018, 6, 19)


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("June 19, 2018 5:50 AM", datetime(2018, 6, 19, 5, 50, tzinfo=JST)),
        ("June 19, 2018", date(2018, 6, 19)),
        ("June 18, 2018", datetime(2018, 6, 18, 20, 50, tzinfo=UTC)),  # the same day: as given
    ],
)
def test_utc_time_yields_to_the_day_the_page_prints(
    tmp_path: Path, printed: str, expected: datetime | date
) -> None:
    head = (
        '<title>Storm</title><meta property="og:type" content="article">'
        '<meta property="article:published_time" content="2018-06-18T20:50:00Z">'
    )
    body = (
        f'<article><h1>Storm</h1><p class="dateline">{printed}</p><p>Ferries stopped.</p></article>'
    )
    [article] = parse_html(page(tmp_path, body, head))
    assert article.published == expected


def test_offset_in_the_only_date_is_kept(tmp_path: Path) -> None:
    head = (
        '<title>Storm</title><meta property="og:type" content="article">'
        '<meta property="article:published_time" content="2018-06-19T05:50+09:00">'
    )
    [article] = parse_html(page(tmp_path, "<h1>Storm</h1>", head))
    assert article.published == datetime(2018, 6, 19, 5, 50, tzinfo=JST)


def test_one_article_tag_meta_with_commas_is_several_tags() -> None:
    [article] = parse_html(FIXTURES / "headline-outside.html")
    assert article.tags == ["typhoon", "Okinawa", "shipping"]


def test_tag_and_category_links_when_no_meta_says(tmp_path: Path) -> None:
    body = (
        '<h1>Bridge opens</h1><p>In <a rel="category tag" href="/c/local/">Local</a></p>'
        "<p>The bridge opened on Monday after four years of work on the crossing.</p>"
        '<p>Tags: <a rel="tag" href="/t/bridge/">bridge</a>, <a rel="tag" href="/t/river/">river</a></p>'
        '<aside><a rel="tag" href="/t/popular/">popular</a></aside>'
    )
    [article] = parse_html(page(tmp_path, body, "<title>Bridge opens</title>"))
    assert (article.tags, article.categories) == (["bridge", "river"], ["Local"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-06-19T05:50+09:00", datetime(2018, 6, 19, 5, 50, tzinfo=JST)),
        ("20180619T055000+0900", datetime(2018, 6, 19, 5, 50, tzinfo=JST)),
        ("2021-01-03T17:40:00EET", datetime(2021, 1, 3, 17, 40, tzinfo=timezone(timedelta(hours=2)))),
        ("2014-01-25T00:57:05.3430000", datetime(2014, 1, 25, 0, 57, 5, 343000)),
        ("2023/02/21 21:20", datetime(2023, 2, 21, 21, 20)),
        ("20100812", date(2010, 8, 12)),
        ("1676551869", datetime(2023, 2, 16, 12, 51, 9, tzinfo=UTC)),
        ("1676551869000", datetime(2023, 2, 16, 12, 51, 9, tzinfo=UTC)),
        ("Thu, 06 Oct 2011 08:10:27 EST", datetime(2011, 10, 6, 8, 10, 27, tzinfo=timezone(timedelta(hours=-5)))),
        ("Tuesday, Aug. 17, 2010", date(2010, 8, 17)),
        ("Saturday, December 27, 2014, 12:06 PM", datetime(2014, 12, 27, 12, 6)),
        ("jueves, 09 enero 2014 10:21", datetime(2014, 1, 9, 10, 21)),
        ("9 janvier 2020", date(2020, 1, 9)),
        ("2023-11-17 20:52:15 来源：新华网", datetime(2023, 11, 17, 20, 52, 15)),
        ("2014年1月9日", date(2014, 1, 9)),
        ("19.06.2018, 05:50 Uhr", datetime(2018, 6, 19, 5, 50)),
        ("Publié le 05.03.2019", date(2019, 3, 5)),
        ("06/07/2018", None),
        ("1129981476.12.2.0", None),
        ("yesterday", None),
        ("", None),
    ],
)  # fmt: skip
def test_parse_date_forms(text: str, expected: datetime | date | None) -> None:
    assert parse_date(text) == expected


# -- what is an article -------------------------------------------------------------------


def test_plain_dated_page_without_markup_is_an_article() -> None:
    """No JSON-LD, no <article>, no og:type: a title and a headline that agree suffice."""
    [article] = parse_html(FIXTURES / "plain-dated.html")
    assert article.title == "Council approves new harbour bridge"
    assert article.published == date(2019, 3, 5)
    assert article.byline == "Maria Lopez"
    assert article.tags == ["bridge", "council", "harbour"]
    assert [i.reference for i in article.images] == ["/photos/2019/03/harbour-bridge-plan.jpg"]
    assert article.warnings == []


def test_headline_unlike_the_seo_title_still_heads_its_text(tmp_path: Path) -> None:
    paragraph = (
        "<p>Ferries to the outer islands were cancelled on Tuesday as the storm moved north.</p>"
    )
    body = f'<div class="wrap"><h1>Ferries cancelled as typhoon nears the islands</h1>{paragraph * 4}</div>'
    head = "<title>Storm latest: ferries cancelled | Island Times</title>"
    [article] = parse_html(page(tmp_path, body, head))
    assert article.title == "Ferries cancelled as typhoon nears the islands"
    # the same heading over a single line of text is no article
    body = '<div class="wrap"><h1>Ferries cancelled as typhoon nears the islands</h1><p>Soon.</p></div>'
    with pytest.raises(ArticleFormatError, match="no article content"):
        parse_html(page(tmp_path, body, head))


def test_a_stray_nul_byte_does_not_make_a_page_binary(tmp_path: Path) -> None:
    data = (
        (FIXTURES / "plain-dated.html").read_bytes().replace(b"<p>The bridge", b"\x00<p>The bridge")
    )
    path = tmp_path / "nul.html"
    path.write_bytes(data)
    [article] = parse_html(path)
    assert article.title == "Council approves new harbour bridge"


def test_binary_data_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.html"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(
        ArticleFormatError, match=r"^photo\.html: not an HTML page \(binary data\)$"
    ):
        parse_html(path)


def test_front_page_is_refused_not_imported() -> None:
    with pytest.raises(ArticleFormatError, match=r"^front-page\.html: no article content \("):
        parse_html(FIXTURES / "front-page.html")


def test_tag_archive_is_refused(tmp_path: Path) -> None:
    """Its <h1> matches its <title>, but it lists other stories under linked headings."""
    with pytest.raises(ArticleFormatError, match=r"^tag-archive\.html: no article content \("):
        parse_html(FIXTURES / "tag-archive.html")
    # the same listing marked up with one hAtom entry per story
    markup = (FIXTURES / "tag-archive.html").read_text(encoding="utf-8")
    entries = page(tmp_path, "", name="entries.html")
    entries.write_text(markup.replace('"post-item"', '"post-item hentry"'), encoding="utf-8")
    with pytest.raises(ArticleFormatError, match="no article content"):
        parse_html(entries)


def test_site_name_heading_is_no_headline(tmp_path: Path) -> None:
    head = "<title>Valley Courier</title>"
    body = '<h1><a href="/">Valley Courier</a></h1><p>Welcome to the valley.</p>'
    with pytest.raises(ArticleFormatError, match="no article content"):
        parse_html(page(tmp_path, body, head))


def test_site_name_is_cut_from_the_title(tmp_path: Path) -> None:
    head = (
        '<title>Bridge opens | Valley Courier</title><meta property="og:type" content="article">'
        '<meta property="og:site_name" content="Valley Courier">'
    )
    [article] = parse_html(page(tmp_path, "<p>The bridge opened.</p>", head))
    assert article.title == "Bridge opens"


# -- the shared real pages ----------------------------------------------------------------


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_accuracy", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.extended
@needs_corpora
def test_accuracy_on_the_shared_pages_holds() -> None:
    """Floors a regression would break, a little under what the importer reaches today."""
    benchmark = _benchmark()
    truth = json.loads(benchmark.TRUTH.read_text(encoding="utf-8"))
    score = benchmark.Score()
    for key, expected in truth.items():
        benchmark.score_page(parse_html, CORPORA / "articles" / key, expected, score)

    def share(name: str) -> float:
        right, total = score.counts[name]
        return right / total

    assert share("imported") >= 0.98
    assert share("non-articles refused") == 1.0
    assert share("title") >= 0.95
    assert share("byline") >= 0.93
    assert share("date") >= 0.95
    assert share("top image found") >= 0.95
    assert share("image precision") >= 0.9
    assert share("image recall") >= 0.9
    assert share("captions") >= 0.9


@pytest.mark.extended
@needs_corpora
@pytest.mark.parametrize("corpus", ["html-newspaper4k", "html-goose3"])
def test_every_shared_page_imports_or_fails_with_one_line(corpus: str) -> None:
    for path in sorted((CORPORA / "articles" / corpus).glob("*.html")):
        try:
            articles = parse_html(path)
        except ArticleFormatError as error:
            assert "\n" not in str(error) and str(error).startswith(path.name + ": ")
        else:
            assert len(articles) == 1 and articles[0].title
