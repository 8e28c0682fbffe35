"""The desk's loop in Chromium: ten photos of a search captioned from the keyboard with a template
and a code replacement, back on the grid where the editor left it; credit advice with its fix."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from library.catalog import edits, replacements, templates
from library.config import LibraryConfig
from library.db.engine import Database
from tests.webui.test_browser import (  # noqa: F401
    SCRIPTS_ONLY,
    Site,
    _serve_until_closed,
    chromium,
    sign_in,
    watch,
)
from tests.webui.webutil import add_user, asset_values, create_asset, make_app

pytestmark = pytest.mark.browser

TEHRAN = {"exif": {}, "iptc": {"city": "Tehran"}, "xmp": {}}
TAKE = 12  # photos in the search; the editor captions ten of them


@pytest.fixture
def desk(config: LibraryConfig, database: Database) -> Iterator[Site]:
    """A take of twelve harbour photos (and two others), a template and a code replacement."""
    from waitress import create_server

    ids = {}
    for n in range(TAKE):
        ids[f"frame{n}"] = create_asset(
            database,
            files=True,
            caption=f"Harbour fire frame {n}",
            embedded=TEHRAN,
            taken_at=f"2024-03-{n + 1:02d}T09:30:00",
        )
    create_asset(database, files=True, caption="Quiet street")
    create_asset(database, files=True, caption="Market day")
    for _ in range(3):
        create_asset(database, credit="NASA/ESA")
    with database.session_scope() as session:
        templates.save_template(
            session,
            "Tehran desk",
            {"caption": "{city}, {date:%B %-d, %Y} –", "credit": "Reza Farahzadi/AP"},
            "desk",
        )
        templates.save_template(session, "Archive", {"archive": "yes"}, "desk")
        replacements.set_replacement(session, "rf", "Reza Farahzadi", "desk")
    add_user(database, "ana", "editor")
    app = make_app(config)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=_serve_until_closed, args=(server,), daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.effective_port}", database, ids)  # type: ignore[union-attr]
    finally:
        logging.getLogger("waitress").setLevel(logging.CRITICAL)
        server.task_dispatcher.shutdown()
        for channel in list(server._map.values()):  # type: ignore[union-attr]
            channel.handle_close()
        thread.join(timeout=10)
        app.extensions["photodesk"].database.dispose()


@pytest.fixture
def tab(chromium: Any, desk: Site) -> Iterator[Any]:  # noqa: F811
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    watch(page)
    yield page
    context.close()
    assert page.problems == [], page.problems


@SCRIPTS_ONLY
def test_an_editor_captions_ten_photos_from_the_keyboard(tab: Any, desk: Site) -> None:
    sign_in(tab, desk)
    # Newest first, as the grid lists the search.
    take = sorted((desk.ids[f"frame{n}"] for n in range(TAKE)), reverse=True)

    tab.keyboard.press("/")
    tab.keyboard.type("harbour")
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r".*/\?q=harbour(&sort=newest)?$"))
    search = tab.url.split("?", 1)[1]  # what the search form sent: it travels on
    tab.keyboard.press("j")
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"**/photos/{take[0]}?{search}")

    for n, photo in enumerate(take[:10]):
        assert tab.url.endswith(f"/photos/{photo}?{search}")
        # Alt+T picks a template from the caption field, Enter applies it in place.
        tab.keyboard.press("Alt+KeyT")
        tab.wait_for_selector("select[name=template]:focus")
        if n == 0:
            tab.keyboard.press("ArrowDown")  # from "Archive" to "Tehran desk"; remembered after
        assert tab.input_value("select[name=template]") == "Tehran desk"
        tab.keyboard.press("Enter")
        tab.wait_for_selector("[data-save-status] .flash-success:has-text('Applied')")
        assert tab.evaluate("document.activeElement.name") == "caption"
        # The caption carries on after the template's dateline; =rf expands at the space.
        tab.keyboard.type(f" Smoke rises over the harbour, frame {n}. Photo: =rf ")
        typed = tab.input_value("textarea[name=caption]")
        assert typed.endswith("Photo: Reza Farahzadi ")
        if n < 9:
            tab.keyboard.press("Control+Shift+Enter")  # save and next
            tab.wait_for_url(f"**/photos/{take[n + 1]}?{search}")
        else:
            tab.keyboard.press("Control+Enter")
            tab.wait_for_selector("[data-save-status] .flash-success:has-text('Saved caption')")
            tab.keyboard.press("Escape")

    last = take[9]
    tab.wait_for_url(f"**/?{search}&at={last}#p{last}")
    tab.wait_for_selector(f"#p{last}:focus")
    assert tab.input_value("input[name=q]") == "harbour"

    for n, photo in enumerate(take[:10]):
        stored = asset_values(desk.database, photo)
        assert re.fullmatch(
            rf"Tehran, March \d{{1,2}}, 2024 – Smoke rises over the harbour, frame {n}\. "
            r"Photo: Reza Farahzadi",
            stored.caption or "",
        ), stored.caption
        assert stored.credit == "Reza Farahzadi/AP"
        assert stored.field_sources["credit"] == "template:Tehran desk"
        assert stored.field_sources["caption"] == "user:ana"
        with desk.database.session_scope(write=False) as session:
            sources = [(c.field, c.source) for c in edits.history(session, photo)]
        assert ("caption", "template:Tehran desk") in sources
        assert ("caption", "user:ana") in sources
    # The two frames after the tenth were left alone.
    assert all(asset_values(desk.database, p).version == 1 for p in take[10:])


def test_a_near_duplicate_credit_is_flagged_with_a_fix(tab: Any, desk: Site) -> None:
    sign_in(tab, desk)
    photo = desk.ids["frame0"]
    tab.goto(f"{desk.url}/photos/{photo}")
    credit = tab.locator("input[name=credit]")
    credit.focus()
    # The library's credits are offered, most used first.
    tab.wait_for_selector("#credit-suggestions option", state="attached")
    assert tab.evaluate("document.querySelector('#credit-suggestions option').value") == "NASA/ESA"
    credit.type("nasa, esa")
    advice = tab.locator("input[name=credit] + .credit-advice")
    fix = advice.locator("button")
    fix.wait_for()
    assert fix.inner_text() == "Use “NASA/ESA”"
    assert "3 photos" in advice.inner_text()
    fix.click()
    assert credit.input_value() == "NASA/ESA"
    assert advice.is_hidden()
    tab.keyboard.press("Control+Enter")
    tab.wait_for_selector("[data-save-status] .flash-success")
    assert asset_values(desk.database, photo).credit == "NASA/ESA"
