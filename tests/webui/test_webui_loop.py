"""The editing loop over HTTP: the search context round trip, Save and next, saving in place.

The keyboard itself is acted out in Chromium (test_browser.py); here the
plain form posts and the JSON answers app.js relies on are checked, since
the loop must work without JavaScript too.
"""

from __future__ import annotations

import html
import io
import re

from flask.testing import FlaskClient

from library.catalog import edits
from library.config import LibraryConfig
from library.db.engine import Database
from tests.webui.webutil import (
    app_fixture,  # noqa: F401
    asset_values,
    client_fixture,  # noqa: F401
    create_asset,
    csrf,
    finished_job,
    form_fields,
    jpeg,
    make_app,
    post,
    signed_in,
)

SEARCH = "q=harbour&sort=newest&status=new"


def hrefs(page: str, pattern: str) -> list[str]:
    """Unescaped link targets in ``page`` whose text or class matches ``pattern``."""
    return [html.unescape(h) for h in re.findall(pattern, page)]


def card_links(page: str) -> list[str]:
    return hrefs(page, r'class="card-image" id="p\d+" href="([^"]+)"')


def step_link(page: str, which: str) -> str | None:
    found = hrefs(page, rf'href="([^"]+)" data-nav="{which}"')
    return found[0] if found else None


def desk(database: Database) -> list[int]:
    """Four photos in the search (newest first, as the grid lists them) and two outside it."""
    ids = [create_asset(database, caption=f"Harbour fire {n}") for n in range(4)]
    create_asset(database, caption="Quiet street")
    create_asset(database, caption="Harbour fire, killed frame", status="killed")
    return sorted(ids, reverse=True)


def test_search_travels_from_grid_to_photo_and_back(
    client: FlaskClient, database: Database
) -> None:
    listing = desk(database)
    signed_in(client, database, "editor")
    grid = client.get(f"/?{SEARCH}&evil=1").text
    assert card_links(grid) == [f"/photos/{i}?{SEARCH}" for i in listing]

    first = client.get(f"/photos/{listing[0]}?{SEARCH}").text
    assert step_link(first, "back") == f"/?{SEARCH}&at={listing[0]}#p{listing[0]}"
    assert step_link(first, "previous") is None
    assert step_link(first, "next") == f"/photos/{listing[1]}?{SEARCH}"

    middle = client.get(f"/photos/{listing[2]}?{SEARCH}").text
    assert step_link(middle, "previous") == f"/photos/{listing[1]}?{SEARCH}"
    assert step_link(middle, "next") == f"/photos/{listing[3]}?{SEARCH}"

    last = client.get(f"/photos/{listing[3]}?{SEARCH}").text
    assert step_link(last, "next") is None and "Save and next" not in last

    back = step_link(last, "back")
    assert back is not None
    again = client.get(back.split("#")[0]).text
    assert card_links(again) == card_links(grid)
    assert f'id="p{listing[3]}"' in again


def test_back_from_a_photo_past_the_page_shows_its_page(
    config: LibraryConfig, database: Database
) -> None:
    """Stepping with ] past the grid page opened from, "back" still lands on the photo's card."""
    listing = desk(database)
    client = make_app(config, PAGE_SIZE=2).test_client()
    signed_in(client, database, "editor")
    grid = client.get(f"/?{SEARCH}").text
    assert card_links(grid) == [f"/photos/{i}?{SEARCH}" for i in listing[:2]]
    photo = client.get(f"/photos/{listing[1]}?{SEARCH}").text
    beyond = step_link(photo, "next")
    assert beyond == f"/photos/{listing[2]}?{SEARCH}"
    back = step_link(client.get(beyond).text, "back")
    assert back == f"/?{SEARCH}&at={listing[2]}#p{listing[2]}"
    page = client.get(back.split("#")[0]).text
    assert f'id="p{listing[2]}"' in page
    # The shown page's cursor travels on in the cards, so the next "back" stays here.
    cards = card_links(page)
    assert cards[0].startswith(f"/photos/{listing[2]}?{SEARCH}&after=")
    # On the page already: the page asked for is kept.
    same = client.get(f"/?{SEARCH}&at={listing[1]}").text
    assert card_links(same) == card_links(grid)


def test_photo_without_a_search_steps_through_everything(
    client: FlaskClient, database: Database
) -> None:
    listing = desk(database)
    signed_in(client, database, "editor")
    page = client.get(f"/photos/{listing[0]}").text
    assert step_link(page, "back") == f"/?at={listing[0]}#p{listing[0]}"
    # With no search the street photo and the killed frame (newer ids) come first.
    assert step_link(page, "previous") == f"/photos/{listing[0] + 1}"
    assert step_link(page, "next") == f"/photos/{listing[1]}"


def test_save_and_next_without_javascript(client: FlaskClient, database: Database) -> None:
    listing = desk(database)
    signed_in(client, database, "editor", "ana")
    url = f"/photos/{listing[0]}?{SEARCH}"
    fields = form_fields(client.get(url).text, url)
    fields["caption"] = "Firefighters at the harbour, first frame."
    saved = post(client, url, {**fields, "then": "next"})
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"/photos/{listing[1]}?{SEARCH}"
    assert asset_values(database, listing[0]).caption == fields["caption"]

    second = f"/photos/{listing[1]}?{SEARCH}"
    fields = form_fields(client.get(second).text, second)
    fields["caption"] = "Firefighters at the harbour, second frame."
    stay = post(client, second, fields)
    assert stay.status_code == 303 and stay.headers["Location"] == second
    assert "Saved caption (version 2)" in client.get(second).text


def test_saving_in_place_answers_json(client: FlaskClient, database: Database) -> None:
    listing = desk(database)
    signed_in(client, database, "editor", "ana")
    url = f"/photos/{listing[1]}?{SEARCH}"
    loaded = form_fields(client.get(url).text, url)
    as_json = {"Accept": "application/json"}

    fields = {**loaded, "caption": "Harbour fire at dusk.", "credit": "Ana Lima"}
    answer = post(client, url, {**fields, "then": "next"}, headers=as_json)
    assert answer.status_code == 200
    body = answer.json
    assert body["version"] == 2 and body["category"] == "success"
    assert body["values"]["caption"] == "Harbour fire at dusk."
    assert body["credit_line"] == "Harbour fire at dusk. (Photo: Ana Lima)"
    assert body["go"] == f"/photos/{listing[2]}?{SEARCH}"

    # Someone else changes the caption; a stale in-place save of it clashes.
    with database.session_scope() as session:
        edits.edit_asset(session, listing[1], {"caption": "Harbour blaze, 6 p.m."}, "bob")
    stale = {**fields, "orig_caption": fields["caption"], "orig_credit": "Ana Lima"}
    stale.update(version="2", caption="Harbour fire, evening.")
    clash = post(client, url, stale, headers=as_json)
    assert clash.status_code == 409
    rows = clash.json["conflict"]
    assert [(r["field"], r["yours"], r["theirs"], r["who"]) for r in rows] == [
        ("caption", "Harbour fire, evening.", "Harbour blaze, 6 p.m.", "bob")
    ]
    assert clash.json["version"] == 3
    assert clash.json["values"]["caption"] == "Harbour blaze, 6 p.m."
    assert asset_values(database, listing[1]).caption == "Harbour blaze, 6 p.m."

    bad = post(
        client,
        url,
        {**stale, "version": "3", "orig_caption": "Harbour blaze, 6 p.m.", "original_date": "soon"},
        headers=as_json,
    )
    assert bad.status_code == 400 and bad.json["field"] == "original_date"
    assert bad.json["error"].startswith("Original date: expected YYYY")


def test_in_place_save_needs_the_csrf_header_or_field(
    client: FlaskClient, database: Database
) -> None:
    listing = desk(database)
    signed_in(client, database, "editor")
    url = f"/photos/{listing[0]}"
    fields = form_fields(client.get(url).text, url)
    fields.pop("csrf_token", None)
    fields["caption"] = "Changed"
    refused = client.post(url, data=fields, headers={"Accept": "application/json"})
    assert refused.status_code == 400
    accepted = client.post(
        url, data=fields, headers={"Accept": "application/json", "X-CSRF-Token": csrf(client)}
    )
    assert accepted.status_code == 200 and accepted.json["version"] == 2


def test_bulk_edit_returns_to_the_search(client: FlaskClient, database: Database) -> None:
    listing = desk(database)
    signed_in(client, database, "editor")
    grid = client.get(f"/?{SEARCH}").text
    action = hrefs(grid, r'<form id="selection" method="post" action="([^"]+)"')[0]
    assert action == f"/bulk?{SEARCH}"
    chosen = {"ids": [str(i) for i in listing[:2]]}
    form = post(client, action, chosen).text
    assert f'href="/?{html.escape(SEARCH)}">Cancel' in form
    applied = post(
        client, action, {**chosen, "op": "apply", "source_mode": "set", "source": "Wire"}
    )
    assert applied.status_code == 303 and applied.headers["Location"] == f"/?{SEARCH}"
    assert asset_values(database, listing[0]).source == "Wire"
    nothing = post(client, action, {"op": "apply"})
    assert nothing.headers["Location"] == f"/?{SEARCH}"


def test_upload_keeps_the_search(client: FlaskClient, database: Database) -> None:
    desk(database)
    signed_in(client, database, "editor")
    grid = client.get(f"/?{SEARCH}").text
    upload_link = hrefs(grid, r'<a href="([^"]+)" class="[^"]*">Upload</a>')[0]
    assert upload_link == f"/upload?{SEARCH}"
    form = client.get(upload_link).text
    assert f'action="/upload?{html.escape(SEARCH)}"' in form
    done = post(
        client,
        upload_link,
        {"files": [(io.BytesIO(jpeg(7)), "dusk.jpg")]},
        content_type="multipart/form-data",
    )
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"?{SEARCH}")
    finished_job(client, done.headers["Location"])
    done = client.get(done.headers["Location"])
    assert step_link(done.text, "back") is None  # no photo steps on the upload page
    assert f'href="/?{html.escape(SEARCH)}">← All photos' in done.text
    opened = hrefs(done.text, r'href="([^"]+)">Open photo')
    assert len(opened) == 1 and opened[0].endswith(f"?{SEARCH}")
