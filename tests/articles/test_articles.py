"""Article import into the catalog: usages, resolving references, re-imports, bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sqlalchemy import func, select

from library.articles.imports import compare_usages, import_articles, word_diff
from library.catalog.queries import usages_of
from library.db.engine import Database
from library.db.models import Article, Asset, Usage
from tests.conftest import FIXTURES, make_jpeg

ARTICLES = FIXTURES / "articles"
WXR = ARTICLES / "tehran-bureau.wxr.xml"


def uploads(tmp_path: Path) -> Path:
    """A copy of the site's uploads: originals plus a WordPress-size variant of one."""
    root = tmp_path / "uploads"
    make_jpeg(root / "2018" / "10" / "rally-tehran.jpg", (900, 600), seed=21)
    make_jpeg(root / "2018" / "10" / "rally-tehran-300x200.jpg", (300, 200), seed=21)
    make_jpeg(root / "2018" / "10" / "bazaar-closing.jpg", seed=22)
    make_jpeg(root / "2020" / "01" / "zurich-talks.jpg", seed=23)
    return root


def count(database: Database, model: type) -> int:
    with database.session_scope(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_wxr_import_resolves_size_variants_and_ingests_media(
    database: Database, tmp_path: Path
) -> None:
    report = import_articles(database, [WXR], media=uploads(tmp_path))
    assert report.errors == []
    assert report.ingested == 4  # the -300x200 file is referenced as itself: its own photo
    assert report.articles_created >= 6
    with database.session_scope(write=False) as session:
        rally = session.scalar(select(Asset).where(Asset.original_name == "rally-tehran.jpg"))
        assert rally is not None
        pairs = usages_of(session, [rally.id])
        references = {u.reference.rsplit("/", 1)[-1] for u, _ in pairs if u.reference}
        assert {"rally-tehran-1024x683.jpg", "rally-tehran-scaled.jpg"} <= references
        assert len({a.id for _, a in pairs}) >= 3
        # rally-tehran-1.jpg is a different upload and is not in the uploads copy.
        unresolved = [
            u.reference for u in session.scalars(select(Usage).where(Usage.asset_id.is_(None)))
        ]
        assert any(r and r.endswith("rally-tehran-1.jpg") for r in unresolved)
    assert any(
        u["reference"] and u["reference"].endswith("rally-tehran-1.jpg") for u in report.unresolved
    )


def test_reimport_updates_instead_of_duplicating(database: Database, tmp_path: Path) -> None:
    media = uploads(tmp_path)
    first = import_articles(database, [WXR], media=media)
    articles, usages = count(database, Article), count(database, Usage)
    second = import_articles(database, [WXR], media=media)
    assert second.articles_created == 0 and second.articles_updated == first.articles_created
    assert (count(database, Article), count(database, Usage)) == (articles, usages)
    assert second.ingested == 0


def test_captions_are_parsed_into_notes(database: Database, tmp_path: Path) -> None:
    import_articles(database, [WXR], media=uploads(tmp_path))
    with database.session_scope(write=False) as session:
        archived = session.scalars(select(Usage).where(Usage.archive.is_(True))).all()
        assert archived, "the sample reuses an archive photo with a note"
        assert any(
            u.archive_prefix and u.archive_prefix.lower().startswith("archive") for u in archived
        )
        dated = [u for u in session.scalars(select(Usage)) if u.dates]
        assert all(
            isinstance(d["value"], str) and d["precision"] in ("day", "month", "year")
            for u in dated
            for d in u.dates
        )


def test_empty_photo_fields_are_filled_from_the_article(database: Database, tmp_path: Path) -> None:
    import_articles(database, [WXR], media=uploads(tmp_path))
    with database.session_scope(write=False) as session:
        rally = session.scalar(select(Asset).where(Asset.original_name == "rally-tehran.jpg"))
        # the media library's caption belongs to the upload, so it is the photo's caption
        assert rally is not None
        assert rally.caption == "Demonstrators fill Enghelab Square in Tehran on Oct. 12, 2018."
        assert rally.field_sources["caption"].startswith("media-library:")
        assert rally.field_sources["alt_text"].startswith("article:")
        assert rally.version > 1


def test_unresolved_usages_are_kept(database: Database) -> None:
    report = import_articles(database, [WXR])
    assert report.resolved == 0 and report.usages == len(report.unresolved) > 0
    assert count(database, Usage) == report.usages


def test_malformed_files_import_nothing_and_name_the_file(
    database: Database, tmp_path: Path
) -> None:
    bad = [ARTICLES / "truncated.xml", ARTICLES / "entity-bomb.xml", ARTICLES / "garbage.txt"]
    report = import_articles(database, bad)
    assert {Path(e["path"]).name for e in report.errors} == {p.name for p in bad}
    assert all(e["error"].startswith(Path(e["path"]).name + ":") for e in report.errors)
    assert count(database, Article) == 0


def test_text_dump_images_resolve_by_alt_text(database: Database, tmp_path: Path) -> None:
    report = import_articles(database, [WXR, ARTICLES / "tag-tehran.txt"], media=uploads(tmp_path))
    assert report.errors == []
    with database.session_scope(write=False) as session:
        text_usages = session.scalars(
            select(Usage).join(Article).where(Article.format == "text")
        ).all()
        assert text_usages and any(u.asset_id is not None for u in text_usages)


def test_compare_usages_reports_credit_conflicts(database: Database, tmp_path: Path) -> None:
    import_articles(database, [WXR], media=uploads(tmp_path))
    with database.session_scope(write=False) as session:
        rally = session.scalar(select(Asset).where(Asset.original_name == "rally-tehran.jpg"))
        assert rally is not None
        comparison = compare_usages(rally, [u for u, _ in usages_of(session, [rally.id])])
    assert comparison.usages >= 3
    assert comparison.uncredited + sum(len(v) for v in comparison.credits.values()) >= 1
    assert comparison.archive_notes["with"] >= 1


def test_word_diff_marks_changes() -> None:
    ops = word_diff("Protesters in Tehran on Oct. 12", "Protesters in Tabriz on Oct. 12")
    assert ("delete", "Tehran") in ops and ("insert", "Tabriz") in ops


def test_cli_import_articles_usages(run: object, tmp_path: Path) -> None:
    media = uploads(tmp_path)
    run("init")  # type: ignore[operator]
    result = run("import-articles", str(WXR), "--media", str(media), "--json")  # type: ignore[operator]
    assert result.exit_code == 0, result.stderr
    listing = json.loads(run("articles", "--json").stdout)  # type: ignore[operator]
    assert listing and {"title", "url", "published", "byline", "tags", "images"} <= set(listing[0])
    image = next(i for a in listing for i in a["images"] if i["asset_id"])
    assert {"role", "alt", "caption", "credit", "archive", "dates", "asset_id"} <= set(image)
    assert all(len(d) in (4, 7, 10) for a in listing for i in a["images"] for d in i["dates"])
    rally = str(media / "2018" / "10" / "rally-tehran.jpg")
    usages = json.loads(run("usages", rally, "--json").stdout)  # type: ignore[operator]
    assert len(usages["usages"]) >= 3
    bad = run("import-articles", str(ARTICLES / "truncated.xml"))  # type: ignore[operator]
    assert bad.exit_code == 3 and "truncated.xml: line" in bad.stderr
    shutil.rmtree(media)


def test_library_keeps_search_index_current(database: Database, tmp_path: Path) -> None:
    from library.catalog.edits import edit_asset
    from library.catalog.queries import find_photos as search_assets

    import_articles(database, [WXR], media=uploads(tmp_path))
    with database.session_scope(write=False) as session:
        hits = search_assets(session, "Enghelab").assets
        assert hits, "published captions are searchable right after the import"
        rally = hits[0].id
    with database.session_scope() as session:
        edit_asset(session, rally, {"headline": "Zebrafish parade"}, "ana")
    with database.session_scope(write=False) as session:
        assert [a.id for a in search_assets(session, "zebrafish").assets] == [rally]


def test_a_page_s_credit_element_gives_the_party(database: Database, tmp_path: Path) -> None:
    """Real pages put credit words, or the whole caption, in their credit element."""
    body = "<p>The city council met on Tuesday to discuss the new budget for schools.</p>" * 6
    figures = "".join(
        f'<figure><img src="https://example.com/{name}.jpg" alt="{name}">'
        f'<figcaption>Council members vote. <span class="credit">{credit}</span></figcaption>'
        "</figure>"
        for name, credit in [
            ("vote", "(Credit: Jane Roe/CNET)"),
            ("hall", "The hall was full. (Photo: Sean Fujiwara)"),
            ("mayor", "Khin Mg Win (Shwe Inn Thar)"),
        ]
    )
    page = tmp_path / "council.html"
    page.write_text(
        "<!doctype html><html><head><title>Council votes</title></head><body><article>"
        f"<h1>Council votes</h1>{body}{figures}{body}</article></body></html>",
        encoding="utf-8",
    )
    report = import_articles(database, [page])
    assert report.errors == []
    with database.session_scope(write=False) as session:
        credits = {u.alt: (u.credit, u.credit_form) for u in session.scalars(select(Usage))}
    assert credits == {
        "vote": ("Jane Roe/CNET", "stated"),
        "hall": ("Sean Fujiwara", "stated"),
        "mayor": ("Khin Mg Win (Shwe Inn Thar)", "stated"),
    }
