"""The grid a writer chooses from: stacked duplicates, card facts, rights, downloads, history."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from library.catalog import edits
from library.catalog.rights import rights_badges, size_class
from library.db.engine import Database
from tests.webui.webutil import (
    add_article,
    app_fixture,  # noqa: F401
    asset_values,
    client_fixture,  # noqa: F401
    create_asset,
    signed_in,
)


def _cards(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'class="card-image" id="p(\d+)"', page)]


def test_duplicates_stack_into_one_card_that_opens_master_first(
    client: FlaskClient, database: Database
) -> None:
    master = create_asset(database, caption="Harbour at dawn", credit="Ana Diaz")
    digest = asset_values(database, master).content_digest
    copy = create_asset(database, content_digest=digest, caption="Harbour, a copy")
    other = create_asset(database, caption="Harbour crane", credit="Jon Reyes")
    signed_in(client, database, "viewer")

    page = client.get("/?q=harbour").text
    assert _cards(page) == [other, master]
    link = re.search(r'<a class="stack-count" href="([^"]+)"[^>]*>2 photos', page)
    assert link is not None
    opened = client.get(link.group(1).replace("&amp;", "&"))
    assert opened.status_code == 200
    assert _cards(opened.text) == [master, copy]
    assert '<span class="badge master">master</span>' in opened.text
    assert "Duplicate group g" in opened.text and "the master comes first" in opened.text
    # Back to the search lands on the group's card; the photo page steps through the group.
    back = re.search(r'href="([^"]+)">← Back to the search', opened.text)
    assert back is not None and back.group(1) == f"/?q=harbour&amp;at={master}#p{master}"
    photo = client.get(f"/photos/{master}?q=harbour&group=g{master}").text
    assert f'href="/photos/{copy}?q=harbour&amp;group=g{master}" data-nav="next"' in photo
    # Every copy on its own, on request.
    assert _cards(client.get("/?q=harbour&stack=off").text) == [other, copy, master]
    assert "Unknown duplicate group" in client.get("/?group=nonsense").text


def test_cards_show_date_size_rights_and_use(client: FlaskClient, database: Database) -> None:
    handout = create_asset(
        database,
        caption="Satellite view of the storm",
        credit="NASA/Handout via Reuters",
        usage_terms="Editorial use only. No sales. No archives.",
        taken_at="2019-03-04T10:20:00",
    )
    bare = create_asset(database, caption="Street scene")
    add_article(database, "Storm", [(handout, "The storm", "NASA")])
    signed_in(client, database, "viewer")
    page = client.get("/").text
    card = page[page.index(f'id="p{handout}"') :]
    card = card[: card.index("</article>")]
    assert "4 Mar 2019" in card and "web-only" in card
    for label in ("handout", "editorial only", "restricted"):
        assert f">{label}</span>" in card
    assert "used 1×" in card and ">no credit</span>" not in card
    lone = page[page.index(f'id="p{bare}"') :]
    lone = lone[: lone.index("</article>")]
    assert ">no credit</span>" in lone and "used 0×" in lone and "date unknown" in lone
    # The thumbnail keeps its shape and offers the preview for wider, denser screens.
    assert f'srcset="/photos/{bare}/thumb 160w"' in lone  # a 160 px photo is never scaled up
    assert 'width="160" height="120"' in lone


def test_picture_sources_use_real_widths(client: FlaskClient, database: Database) -> None:
    wide = create_asset(database, caption="Wide", width=6000, height=4000)
    tall = create_asset(database, caption="Tall", width=3000, height=4500)
    signed_in(client, database, "viewer")
    page = client.get("/").text
    assert f'srcset="/photos/{wide}/thumb 480w, /photos/{wide}/web 1280w"' in page
    assert 'sizes="(max-width: 560px) 45vw, 240px" width="480" height="320"' in page
    # A portrait photo is drawn 120 px wide in the 240 × 180 box.
    assert f'srcset="/photos/{tall}/thumb 320w, /photos/{tall}/web 853w"' in page
    assert 'sizes="(max-width: 560px) 22vw, 120px" width="320" height="480"' in page


def test_a_web_size_jpeg_offers_itself_as_the_preview(
    client: FlaskClient, database: Database
) -> None:
    site = create_asset(database, caption="From our site", width=1600, height=1067)
    turned = create_asset(database, caption="Sideways", width=1067, height=1600, orientation=6)
    signed_in(client, database, "viewer")
    page = client.get("/").text
    assert f'srcset="/photos/{site}/thumb 480w, /photos/{site}/web 1600w"' in page
    # Stored sideways, it was turned and scaled: the usual 1280 px preview.
    assert f'srcset="/photos/{turned}/thumb 320w, /photos/{turned}/web 854w"' in page


def test_rights_rules() -> None:
    class Photo:
        credit: str | None = "Jon Reyes"
        source: str | None = None
        usage_terms: str | None = None
        instructions: str | None = None

    photo = Photo()
    assert rights_badges(photo) == []
    photo.credit, photo.source = "Ho Lin/Reuters", "HO"
    assert [b.key for b in rights_badges(photo)] == ["handout"]
    photo.source, photo.instructions = None, "MANDATORY CREDIT. NO RESALES. NO ARCHIVES."
    badge = rights_badges(photo)[0]
    assert (badge.key, badge.why) == ("restricted", "the terms say “NO RESALES”")
    photo.instructions, photo.usage_terms = None, "For editorial use in news reporting."
    assert [b.key for b in rights_badges(photo)] == ["editorial"]
    photo.credit = "  "
    assert [b.label for b in rights_badges(photo)] == ["editorial only", "no credit"]
    assert size_class(6000, 4000) == "print-ready" and size_class(1600, 1200) == "web-only"


def test_restricted_download_asks_first(client: FlaskClient, database: Database) -> None:
    photo = create_asset(
        database,
        files=True,
        caption="Embargoed portrait",
        credit="Lena Holm",
        instructions="Embargoed until 12 May 09:00 GMT.",
        usage_terms="Single use, no archive.",
    )
    free = create_asset(database, files=True, caption="Free", credit="Staff")
    signed_in(client, database, "viewer")
    page = client.get(f"/photos/{photo}").text
    terms = page[page.index('id="download-terms"') :]
    assert "Embargoed until 12 May 09:00 GMT." in terms and "Single use, no archive." in terms
    assert page.index("Download original") < page.index('id="download-terms"')
    assert 'data-confirm="This photo is restricted.' in page
    assert f'data-confirm-href="/photos/{photo}/download?size=original&amp;agreed=1"' in page

    asked = client.get(f"/photos/{photo}/download?size=original")
    assert asked.status_code == 409 and asked.mimetype == "text/html"
    assert "This photo is restricted" in asked.text
    assert "Embargoed until 12 May" in asked.text
    assert f"/photos/{photo}/download?size=original&amp;agreed=1" in asked.text
    agreed = client.get(f"/photos/{photo}/download?size=original&agreed=1")
    assert agreed.status_code == 200 and agreed.mimetype == "image/jpeg"
    assert client.get(f"/photos/{free}/download?size=original").status_code == 200
    assert "data-confirm=" not in client.get(f"/photos/{free}").text.split("download-terms")[0]


def test_history_shows_word_differences_and_reports_read_in_words(
    client: FlaskClient, database: Database
) -> None:
    photo = create_asset(database, caption="Protesters in Tehran on Friday", keywords=["roads"])
    with database.session_scope() as session:
        edits.edit_asset(
            session,
            photo,
            {
                "caption": "Protesters in Tabriz on Friday",
                "keywords": ["roads", "local news"],
                "status": "needs_credit",
            },
            "ana",
        )
    signed_in(client, database, "auditor")
    page = client.get(f"/photos/{photo}").text
    history = page[page.index('id="history"') :]
    assert (
        'Protesters in <del><span class="visually-hidden">removed: </span>Tehran</del> '
        '<ins><span class="visually-hidden">added: </span>Tabriz</ins> on Friday'
    ) in history
    assert '<ins><span class="visually-hidden">added: </span>local news</ins>' in history
    assert '<ins><span class="visually-hidden">added: </span>needs credit</ins>' in history
    report = client.get("/reports").text
    changes = report[report.index("Recent changes") :]
    assert "<td>Keywords</td>" in changes and "roads, local news" in changes
    assert "needs credit" in changes and "needs_credit" not in changes
    assert "['roads'" not in changes
