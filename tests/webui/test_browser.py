"""The gallery in real Chromium: sign in, search, edit, conflict, bulk edit, upload, keyboard.

The app is served by waitress on a free loopback port in a thread and driven
through Playwright. Screenshots of the main pages go to test-artifacts/.

Every page any test opens is checked by axe-core (the npm package, installed
by `make axe` into tests/webui/axe/): Playwright adds it to each document
before the page's own scripts, it runs when the page has loaded, and a
serious or critical WCAG 2.1 A/AA violation fails the test like a
JavaScript error does.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from library.catalog import edits, queries, search
from library.config import LibraryConfig
from library.db.engine import Database
from library.duplicates import membership as dupes
from library.ingest.pipeline import IngestOptions, IngestSession
from library.jobs import running
from tests.conftest import PHOTOS, SQLITE_ONLY, make_jpeg
from tests.webui.webutil import (
    PASSWORD,
    add_article,
    add_user,
    asset_values,
    create_asset,
    make_app,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: Fixture photos and the newsroom words the desk gave them.
DESK = [
    (
        "original.jpg",
        "Astronaut Eileen Collins ahead of the shuttle mission at Kennedy Space Center.",
        "NASA",
    ),
    ("similar.jpg", "Eileen Collins, the first woman to pilot a space shuttle.", None),
    ("different.jpg", "A rocket stands on the launch pad at dawn.", "Sara Karimi/AFP"),
    ("iptc-utf8.jpg", None, None),  # keeps its embedded caption and credit
    (
        "same-pixels-a.jpg",
        "Retinal scan shown at a medical congress in Tehran.",
        "Photo: Jon Reyes",
    ),
    ("same-pixels-b.jpg", "Retinal scan, second copy from the wire.", None),
    (
        "photo.webp",
        "Deep-field image of distant galaxies released by astronomers.",
        "Lena Holm/Reuters",
    ),
    ("oriented-6.jpg", "Rocket assembly seen from the gantry.", None),
]


@dataclass
class Site:
    url: str
    database: Database
    ids: dict[str, int] = field(default_factory=dict)


#: The image's natural width once it has loaded or failed: waits for the load event
#: instead of reading the width while the picture may still be on its way.
LOADED_WIDTH = """img => {
    img.loading = "eager";  // a lazy picture below the fold would never start
    img.scrollIntoView();
    return img.complete ? img.naturalWidth : new Promise(done => {
        img.addEventListener("load", () => done(img.naturalWidth), {once: true});
        img.addEventListener("error", () => done(0), {once: true});
    });
}"""


AXE_SCRIPT = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"

#: Runs axe once the document has loaded and reports serious and critical violations.
AXE_ON_LOAD = """
(() => {
  if (window.top !== window || typeof axe === "undefined") { return; }
  const options = {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"],
  };
  const serious = result => result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): " + v.help + " at " +
      v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
  window.__axeCheck = () => axe.run(document, options).then(serious);
  window.__axeRun = new Promise(resolve => {
    window.addEventListener("load", () => {
      window.__axeCheck().then(found => {
        if (found.length && window.__axeReport) {
          window.__axeReport(location.pathname + location.search, JSON.stringify(found));
        }
        resolve(found);
      }, () => resolve([]));
    });
  });
})();
"""


def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        message = "axe-core is not installed: run `make axe`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE_SCRIPT.read_text(encoding="utf-8")


def open_tab(chromium: Any, width: int = 1400, height: int = 900, **options: Any) -> Any:
    """A new browser context and tab, watched for script errors and checked by axe-core."""
    context = chromium.new_context(viewport={"width": width, "height": height}, **options)
    tab = context.new_page()
    watch(tab)
    context.add_init_script(script=axe_source() + AXE_ON_LOAD)
    context.expose_function(
        "__axeReport",
        lambda where, found: tab.problems.extend(f"axe {where}: {v}" for v in json.loads(found)),
    )
    return tab


def accessibility_problems(tab: Any) -> list[str]:
    """axe-core on the page as it is now (after its load-time run), serious and critical only."""
    found: list[str] = tab.evaluate("window.__axeRun.then(() => window.__axeCheck())")
    return found


#: A flow whose server side is the same on both databases (the page's own scripts, forms
#: and layout) runs on SQLite only: the gallery tests without a browser hold every route
#: on PostgreSQL. Search, upload, reports, duplicate review and the audit run on both.
SCRIPTS_ONLY = SQLITE_ONLY


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def site(config: LibraryConfig, database: Database, tmp_path: Path) -> Iterator[Site]:
    from waitress import create_server

    incoming = tmp_path / "incoming"
    incoming.mkdir()
    for name, *_ in DESK:
        (incoming / name).write_bytes((PHOTOS / name).read_bytes())
    report = IngestSession(database, IngestOptions(workers=1)).run([str(incoming)])
    ids = {Path(o.path).name: o.asset_id for o in report.outcomes if o.asset_id}
    with database.session_scope() as session:
        for name, caption, credit in DESK:
            values = {k: v for k, v in (("caption", caption), ("credit", credit)) if v}
            if values:
                edits.edit_asset(session, ids[name], values, "desk")
        edits.edit_asset(session, ids["different.jpg"], {"archive": True}, "desk")
        search.rebuild_index(session)
    add_article(
        database,
        "Countdown at the Cape",
        [(ids["original.jpg"], "Collins waves before the launch (NASA)", "Eileen Collins")],
    )
    add_article(database, "Women in space", [(ids["original.jpg"], "Eileen Collins", None)])
    add_user(database, "ana", "editor")
    add_user(database, "bob", "editor")

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
        assert running.wait_for_background(120)  # uploads run on the gallery's job thread
        app.extensions["photodesk"].database.dispose()


def _serve_until_closed(server: Any) -> None:
    """Run waitress; closing its sockets from the test thread ends select() with EBADF."""
    with contextlib.suppress(OSError, ValueError):
        server.run()


@pytest.fixture
def page(chromium: Any, site: Site) -> Iterator[Any]:
    tab = open_tab(chromium)
    yield tab
    settle(tab)
    tab.context.close()
    assert tab.problems == [], tab.problems


def settle(tab: Any) -> None:
    """Let the last page's accessibility check finish before the tab goes."""
    with contextlib.suppress(Exception):
        tab.evaluate("window.__axeRun || null")


def watch(tab: Any) -> None:
    """Fail on JavaScript errors and Content-Security-Policy violations."""
    tab.problems = []
    tab.on("pageerror", lambda error: tab.problems.append(f"JS error: {error}"))
    tab.on(
        "console",
        lambda msg: (
            tab.problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )


def shot(tab: Any, backend: str, name: str) -> None:
    if backend != "sqlite":
        return  # one set of pictures is enough
    ARTIFACTS.mkdir(exist_ok=True)
    tab.evaluate("window.scrollTo(0, 0)")
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(tab: Any, site: Site, name: str = "ana") -> None:
    tab.goto(site.url + "/")
    assert "/login" in tab.url
    tab.fill("input[name=name]", name)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button:has-text('Sign in')")
    tab.wait_for_url(site.url + "/")


def test_sign_in_search_and_edit(page: Any, site: Site, backend: str) -> None:
    page.goto(site.url + "/")
    shot(page, backend, "login")
    sign_in(page, site)
    # Two duplicate pairs (original + similar, the same-pixels pair) stack into one card each.
    assert page.locator(".card").count() == len(DESK) - 2
    counts = page.locator(".card.stacked .stack-count").all_text_contents()
    assert [text.split(" in ")[0] for text in counts] == ["2 photos"] * 2
    page.wait_for_load_state("networkidle")
    shot(page, backend, "gallery")

    page.fill("input[name=q]", "astro")
    page.click(".searchbar button")
    page.wait_for_url(re.compile(r".*q=astro.*"))
    assert page.locator(".card").count() == 2
    shot(page, backend, "search")

    page.click(f"a.card-image[href^='/photos/{site.ids['original.jpg']}?']")
    page.wait_for_selector("text=Published in")
    assert page.locator("#usages li").count() == 2
    assert page.locator("img[src$='/web']").evaluate(LOADED_WIDTH) > 0
    shot(page, backend, "photo")
    page.fill("textarea[name=caption]", "Astronaut Eileen Collins before the STS-63 mission.")
    page.click("button:has-text('Save changes')")
    page.wait_for_selector(".flash-success")
    assert "Saved caption" in page.inner_text(".flash-success")
    line = page.input_value("#credit-line")
    assert line == "Astronaut Eileen Collins before the STS-63 mission. (Photo: NASA)"
    saved = asset_values(site.database, site.ids["original.jpg"])
    assert saved.caption == "Astronaut Eileen Collins before the STS-63 mission."

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page.click("button[data-copy]")
    page.wait_for_selector("button[data-copy].copied")
    assert page.evaluate("navigator.clipboard.readText()") == line


def test_writer_searches_with_operators(page: Any, site: Site, backend: str) -> None:
    wanted = create_asset(site.database, caption="Two cats watch the launch on TV", credit="NASA")
    create_asset(site.database, caption="A cat sleeps beside the rocket", credit="NASA")
    create_asset(site.database, caption="A cat at the press centre", credit="Sara Karimi/AFP")
    add_user(site.database, "wendy", "viewer")
    sign_in(page, site, "wendy")

    page.fill("input[name=q]", "cat")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r".*q=cat.*"))
    assert page.inner_text("[data-total]") == "3"
    page.fill("input[name=q]", "cats -rocket credit:NASA")
    page.click(".searchbar button")
    page.wait_for_url(re.compile(r".*q=cats.*"))
    # The form's empty filters stay out of the address.
    assert re.fullmatch(r".*/\?q=cats[^&]*&sort=newest", page.url), page.url
    assert page.locator(".card").count() == 1
    assert page.inner_text("[data-total]") == "1"
    assert "Searching for cats, credit:nasa, not rocket" in page.inner_text("[data-understood]")
    assert page.locator(".card mark").all_inner_texts() == ["cats", "NASA"]
    assert "used:" in page.inner_text("#search-hint")
    shot(page, backend, "search-operators")

    page.click(f"a.card-image[href^='/photos/{wanted}?']")
    page.wait_for_selector("text=Published in")
    assert "cats" in page.locator(".matched mark").all_inner_texts()
    page.click("text=Back to the search")
    page.wait_for_url(re.compile(r".*q=cats.*"))
    assert page.locator(".card").count() == 1

    # A date that does not exist is set aside and said so; the rest still searches.
    page.fill("input[name=q]", "rockets taken:2019-99")
    page.click(".searchbar button")
    page.wait_for_url(re.compile(r".*taken.*"))
    understood = page.inner_text("[data-understood]")
    assert "Searching for rockets" in understood and "ignored: taken:2019-99" in understood
    assert page.locator(".card").count() == 3


@SCRIPTS_ONLY
def test_conflicting_edit_shows_both_values(
    chromium: Any, page: Any, site: Site, backend: str
) -> None:
    photo = site.ids["different.jpg"]
    sign_in(page, site, "ana")
    bob = open_tab(chromium)
    sign_in(bob, site, "bob")
    page.goto(f"{site.url}/photos/{photo}")
    bob.goto(f"{site.url}/photos/{photo}")

    page.fill("textarea[name=caption]", "The rocket on the launch pad before sunrise.")
    page.click("button:has-text('Save changes')")
    page.wait_for_selector(".flash-success")

    bob.fill("textarea[name=caption]", "Launch pad 39A at dawn, a day before lift-off.")
    bob.click("button:has-text('Save changes')")
    bob.wait_for_selector(".conflict")
    conflict = bob.inner_text(".conflict")
    assert "The rocket on the launch pad before sunrise." in conflict
    assert "Launch pad 39A at dawn, a day before lift-off." in conflict
    assert bob.input_value("textarea[name=caption]") == (
        "Launch pad 39A at dawn, a day before lift-off."
    )
    shot(bob, backend, "conflict")
    assert asset_values(site.database, photo).caption == (
        "The rocket on the launch pad before sunrise."
    )
    # Saving again, now from the current version, deliberately replaces ana's caption.
    bob.click("button:has-text('Save changes')")
    bob.wait_for_selector("[data-save-status] .flash-success")
    assert bob.locator(".conflict").count() == 0
    assert asset_values(site.database, photo).caption == (
        "Launch pad 39A at dawn, a day before lift-off."
    )
    settle(bob)
    assert bob.problems == []
    bob.context.close()


@SCRIPTS_ONLY
def test_bulk_edit(page: Any, site: Site, backend: str) -> None:
    sign_in(page, site)
    page.goto(site.url + "/?stack=off")  # the copy sits behind its master's card otherwise
    chosen = [site.ids["similar.jpg"], site.ids["oriented-6.jpg"]]
    assert page.is_disabled("button[data-needs-selection]")
    for asset_id in chosen:
        page.check(f"input[name=ids][value='{asset_id}']")
    assert page.inner_text("[data-selected-count]") == "2 selected"
    page.click("button[data-needs-selection]")
    page.wait_for_selector("text=Bulk edit 2 photos")
    page.check("input[name=credit_mode][value=set]")
    page.fill("input[name=credit]", "Staff photographer")
    page.check("input[name=keywords_mode][value=append]")
    page.fill("input[name=keywords]", "space, nasa")
    page.select_option("select[name=status]", "approved")
    shot(page, backend, "bulk")
    page.click("button:has-text('Apply to 2 photos')")
    page.wait_for_selector(".flash-success")
    assert "Updated 2 of 2" in page.inner_text(".flash-success")
    for asset_id in chosen:
        saved = asset_values(site.database, asset_id)
        assert saved.credit == "Staff photographer" and saved.status == "approved"
        assert saved.keywords[-2:] == ["space", "nasa"]


def test_upload_via_the_file_input(page: Any, site: Site, backend: str, tmp_path: Path) -> None:
    sign_in(page, site)
    page.click("nav >> text=Upload")
    fresh = make_jpeg(tmp_path / "harbour at night.jpg", (640, 480), seed=42)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a photo")
    copy = tmp_path / "copy.jpg"
    copy.write_bytes((PHOTOS / "original.jpg").read_bytes())
    page.set_input_files("input[type=file]", [str(fresh), str(notes), str(copy)])
    assert page.locator("[data-file-list] li").count() == 3
    shot(page, backend, "upload")
    page.click("button:has-text('Upload')")
    page.wait_for_selector("text=Results")
    rows = page.locator(".results-table tbody tr")
    assert rows.count() == 3
    text = page.inner_text(".results-table")
    assert "harbour at night.jpg" in text and "added" in text
    assert "already in the library" in text and "refused" in text
    shot(page, backend, "upload-results")
    page.click("text=Open photo")
    page.wait_for_selector("text=Known file paths")
    assert "harbour at night.jpg" in page.inner_text(".photo-header")


@SCRIPTS_ONLY
def test_upload_by_drag_and_drop(page: Any, site: Site, tmp_path: Path) -> None:
    sign_in(page, site)
    page.goto(site.url + "/upload")
    photo = make_jpeg(tmp_path / "dropped.jpg", (400, 300), seed=7).read_bytes()
    dropped = page.evaluate_handle(
        """bytes => {
            const transfer = new DataTransfer();
            const file = new File([new Uint8Array(bytes)], "dropped.jpg", {type: "image/jpeg"});
            transfer.items.add(file);
            return transfer;
        }""",
        list(photo),
    )
    page.dispatch_event("[data-dropzone]", "dragover", {"dataTransfer": dropped})
    assert "dragging" in (page.get_attribute("[data-dropzone]", "class") or "")
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": dropped})
    assert page.inner_text("[data-file-list]").startswith("dropped.jpg")
    page.click("button:has-text('Upload')")
    page.wait_for_selector(".results-table")
    assert "added" in page.inner_text(".results-table")


@SCRIPTS_ONLY
def test_other_pages_render(page: Any, site: Site, backend: str) -> None:
    sign_in(page, site)
    page.goto(site.url + "/?has_duplicates=1&stack=off")
    # The stored groups: the near pair (original, similar) and the same-pixels pair.
    grouped = {"original.jpg", "similar.jpg", "same-pixels-a.jpg", "same-pixels-b.jpg"}
    shown = {
        anchor.get_attribute("id") for anchor in page.locator(".card .card-image").element_handles()
    }
    assert shown == {f"p{site.ids[name]}" for name in grouped}
    page.goto(site.url + "/articles")
    shot(page, backend, "articles")
    page.click("text=Countdown at the Cape")
    page.wait_for_selector("text=Images as published")
    shot(page, backend, "article")
    page.goto(f"{site.url}/photos/{site.ids['iptc-utf8.jpg']}")
    assert "Café in Zürich" in page.input_value("#credit-line")
    page.click("summary:has-text('IPTC')")
    shot(page, backend, "photo-embedded")


@SCRIPTS_ONLY
def test_review_a_duplicate_group(page: Any, site: Site, backend: str) -> None:
    sign_in(page, site)
    page.click("nav >> text=Duplicates")
    page.wait_for_selector(".group-row")
    first, second = site.ids["same-pixels-a.jpg"], site.ids["same-pixels-b.jpg"]
    with site.database.session_scope(write=False) as session:
        group = dupes.group_of(session, first)
    assert group is not None and {m.asset_id for m in group.members} >= {first, second}
    shot(page, backend, "duplicates")
    page.click(f".group-row a.group-title[href='/duplicates/{group.id}']")
    page.wait_for_selector(".compare-table")
    assert page.locator(".member").count() == len(group.members)
    assert all(
        width > 0
        for width in page.locator(".member-image img").evaluate_all(
            f"imgs => Promise.all(imgs.map({LOADED_WIDTH}))"
        )
    )
    shot(page, backend, "group")
    other = next(m.asset_id for m in group.members if m.asset_id != group.master)
    page.click(f"#member-{other} button:has-text('Set as master')")
    page.wait_for_selector(".flash-success")
    assert f"Photo #{other} is now the master" in page.inner_text(".flash-success")
    assert "chosen by ana" in page.inner_text(".photo-header")
    assert page.locator(f"#member-{other}.is-master").count() == 1
    with site.database.session_scope(write=False) as session:
        saved = dupes.group_of(session, first)
    assert saved is not None and saved.master == other and saved.master_chosen_by == "ana"


def test_auditor_reads_the_reuse_report(page: Any, site: Site, backend: str) -> None:
    add_user(site.database, "audrey", "auditor")
    sign_in(page, site, "audrey")
    page.click("nav >> text=Reports")
    page.wait_for_selector("#reuse")
    photo = site.ids["original.jpg"]
    assert "2 open findings" in page.inner_text("#reuse")
    shot(page, backend, "reports")
    page.click("text=Open the audit")
    page.wait_for_selector(".finding-list")
    assert page.locator(".finding").count() == 2
    assert page.locator(f".finding a[href='/photos/{photo}']").count() >= 2
    assert page.locator(".audit-thumb img").first.evaluate(LOADED_WIDTH) > 0
    page.fill("#f-since", "2030-01-01")
    page.click(".audit-filters button:has-text('Filter')")
    page.wait_for_url(re.compile(r".*since=2030-01-01.*"))
    assert page.locator(".finding").count() == 0
    page.goto(f"{site.url}/photos/{photo}")
    page.wait_for_selector("#usages .caption-diff")
    assert page.locator("#usages .badge:has-text('no credit')").count() == 2
    page.locator("#usages").scroll_into_view_if_needed()
    if backend == "sqlite":
        page.locator("#usages").screenshot(path=str(ARTIFACTS / "photo-usages.png"))


def _focused_card(tab: Any) -> str:
    """The id of the card link that has the focus (cards are #p<photo id>)."""
    return tab.evaluate("document.activeElement.id")  # type: ignore[no-any-return]


@SCRIPTS_ONLY
def test_caption_a_take_from_the_keyboard(page: Any, site: Site) -> None:
    """An editor captions three photos of a search without the mouse and lands back on the grid."""
    sign_in(page, site)
    search_url = site.url + "/?q=the&archive=no"
    with site.database.session_scope(write=False) as session:
        found = queries.find_photos(session, "the", queries.PhotoFilter(archive=False, stack=True))
    take = [asset.id for asset in found.assets][:3]
    assert len(take) == 3
    context = re.compile(r".*\?q=the&archive=no$")
    page.goto(search_url)

    page.keyboard.press("?")
    page.wait_for_selector("#shortcuts[open]")
    page.keyboard.press("Escape")
    page.wait_for_selector("#shortcuts", state="hidden")

    page.keyboard.press("j")
    assert _focused_card(page) == f"p{take[0]}"
    page.keyboard.press("x")
    assert page.inner_text("[data-selected-count]") == "1 selected"
    page.keyboard.press("x")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/photos/{take[0]}\?q=the&archive=no$"))

    captions = [f"Frame {n} of the take, captioned from the keyboard." for n in (1, 2, 3)]
    # First photo: type, Ctrl+Enter saves in place, ] goes on.
    page.keyboard.press("Control+A")
    page.keyboard.type(captions[0])
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-save-status] .flash-success")
    first_version = asset_values(site.database, take[0]).version
    assert page.inner_text("[data-version-label]") == f"version {first_version}"
    assert context.match(page.url)
    page.keyboard.press("]")
    page.wait_for_url(re.compile(rf".*/photos/{take[1]}\?q=the&archive=no$"))

    # Second: Ctrl+Shift+Enter is "Save and next".
    page.keyboard.press("Control+A")
    page.keyboard.type(captions[1])
    page.keyboard.press("Control+Shift+Enter")
    page.wait_for_url(re.compile(rf".*/photos/{take[2]}\?q=the&archive=no$"))

    # Third: save, then Esc goes back to the same search, on this photo's card.
    page.keyboard.press("Control+A")
    page.keyboard.type(captions[2])
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-save-status] .flash-success")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(rf".*/\?q=the&archive=no&at={take[2]}#p{take[2]}$"))
    page.wait_for_selector(f"#p{take[2]}:focus")
    assert page.input_value("input[name=q]") == "the"
    for asset_id, caption in zip(take, captions, strict=True):
        assert asset_values(site.database, asset_id).caption == caption

    # On the grid, / goes to the search box and letters typed there stay letters.
    page.keyboard.press("/")
    page.keyboard.type("jk")
    assert page.input_value("input[name=q]") == "jk"


@SCRIPTS_ONLY
def test_leaving_a_half_typed_caption_warns(page: Any, site: Site) -> None:
    sign_in(page, site)
    photo = site.ids["similar.jpg"]
    page.goto(f"{site.url}/photos/{photo}")
    dialogs: list[str] = []

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.keyboard.type(" Half a thought")
    with page.expect_event("dialog"):
        page.keyboard.press("Escape")
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/photos/{photo}")
    assert page.input_value("textarea[name=caption]").endswith("Half a thought")

    # Saved, the same key leaves without asking.
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-save-status] .flash-success")
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(rf".*/\?at={photo}#p{photo}$"))
    assert dialogs == ["beforeunload"]


#: How wide the page is drawn, against the window: more means a sideways scroll.
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def _phone(chromium: Any) -> Any:
    return open_tab(chromium, 390, 844, device_scale_factor=2, is_mobile=True, has_touch=True)


@SCRIPTS_ONLY
def test_phone_session(chromium: Any, site: Site, backend: str) -> None:
    """A writer at 390 px: menu collapsed, search first, filters in a drawer, photo stacked."""
    add_user(site.database, "ada", "admin")
    with site.database.session_scope() as session:
        edits.edit_asset(
            session,
            site.ids["different.jpg"],
            {"instructions": "MANDATORY CREDIT. NO SALES. Not for use after 31 Dec 2030."},
            "desk",
        )
    phone = _phone(chromium)
    phone.goto(site.url + "/")
    assert phone.evaluate(OVERFLOW) <= 0
    sign_in(phone, site, "ada")

    # The menu is one button; the search box is the first thing on the page.
    assert phone.is_visible("[data-menu-toggle]") and not phone.is_visible("#main-nav")
    assert not phone.is_visible(".filters")
    search_top = phone.locator(".searchbar input[name=q]").bounding_box()["y"]
    first_card = phone.locator(".card").first.bounding_box()
    assert search_top < first_card["y"] and search_top < 844 / 3
    # Two cards a row, each inside the screen.
    boxes = [phone.locator(".card").nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[1]["x"] + boxes[1]["width"] <= 390
    assert phone.evaluate(OVERFLOW) <= 0
    shot(phone, backend, "phone-grid")

    phone.click("[data-menu-toggle]")
    assert phone.get_attribute("[data-menu-toggle]", "aria-expanded") == "true"
    assert phone.is_visible("#main-nav >> text=Reports")
    phone.click("[data-menu-toggle]")
    assert not phone.is_visible("#main-nav")

    # Filters slide in as a drawer over the grid, and apply from there.
    phone.click("[data-drawer-open]")
    assert (
        phone.is_visible(".filters")
        and phone.get_attribute("[data-drawer-open]", "aria-expanded") == "true"
    )
    drawer = phone.locator(".filters").bounding_box()
    assert drawer["x"] + drawer["width"] <= 390 and drawer["x"] > 0
    assert accessibility_problems(phone) == []
    shot(phone, backend, "phone-filters")
    phone.keyboard.press("Escape")
    assert not phone.is_visible(".filters")
    phone.click("[data-drawer-open]")
    phone.select_option("select[name=archive]", "yes")
    phone.click(".filters button:has-text('Apply filters')")
    phone.wait_for_url(re.compile(r".*archive=yes.*"))
    assert phone.locator(".card").count() == 1

    # The photo page: the preview first, the form below it, the terms beside Download.
    phone.click(".card .card-image")
    phone.wait_for_selector("text=Caption + credit")
    preview = phone.locator(".preview").bounding_box()
    form = phone.locator("form.meta-form").bounding_box()
    assert preview["y"] + preview["height"] <= form["y"]
    assert preview["width"] <= 390 and form["width"] <= 390
    assert "NO SALES" in phone.inner_text("#download-terms")
    assert phone.evaluate(OVERFLOW) <= 0
    shot(phone, backend, "phone-photo")

    # No page is wider than the screen; wide tables scroll inside themselves.
    for path in (
        "/reports",
        "/duplicates",
        "/articles",
        "/users",
        "/users/ada",
        "/upload",
        f"/duplicates/g{site.ids['original.jpg']}",
        f"/?group=g{site.ids['original.jpg']}",
    ):
        phone.goto(site.url + path)
        assert phone.evaluate(OVERFLOW) <= 0, path
    phone.goto(site.url + "/reports")
    scrolling = phone.evaluate(
        """() => [...document.querySelectorAll("table")].every(t =>
            t.getBoundingClientRect().right <= window.innerWidth + 0.5)"""
    )
    assert scrolling
    shot(phone, backend, "phone-reports")
    settle(phone)
    assert phone.problems == []
    phone.context.close()


# axe-core reads the HTML and CSS the gallery serves, which do not depend on the
# catalog's database: one backend is enough (the other pages' tests run on both).
@SCRIPTS_ONLY
def test_every_page_passes_axe(chromium: Any, site: Site) -> None:
    """axe-core on every page and state the desk uses, at desk and phone width."""
    add_user(site.database, "ada", "admin")
    photo, copy = site.ids["original.jpg"], site.ids["similar.jpg"]
    with site.database.session_scope() as session:
        edits.edit_asset(session, photo, {"usage_terms": "Editorial use only. No archive."}, "ada")
    group = f"g{photo}"
    pages = [
        "/", "/?q=rocket+-gantry", "/?has_duplicates=1&stack=off", f"/?group={group}",
        f"/photos/{photo}", f"/photos/{copy}?group={group}", f"/photos/{photo}/download",
        "/articles", "/articles/1", "/duplicates", f"/duplicates/{group}", "/reports",
        "/upload", "/users", "/users/ada", "/photos/999999", "/?status=nonsense",
    ]  # fmt: skip
    # At phone width the pages a writer opens away from the desk: the others share their
    # layout rules, and each page checked costs about a second and a half in CI.
    phone = {"/", "/?q=rocket+-gantry", f"/photos/{photo}", f"/photos/{photo}/download"}
    phone |= {"/articles/1", "/upload", "/photos/999999"}
    for width in (1400, 390):
        tab = open_tab(chromium, width, 900)
        tab.goto(site.url + "/")
        assert accessibility_problems(tab) == [], "login"
        sign_in(tab, site, "ada")
        for path in pages if width > 600 else [p for p in pages if p in phone]:
            tab.goto(site.url + path)
            # Every page has a way past the menu and one top heading.
            assert tab.locator("a.skip-link[href='#main']").count() == 1, path
            assert tab.locator("h1").count() == 1, path
            assert accessibility_problems(tab) == [], path
        # States reached by acting: the shortcuts dialog, a refused value, the bulk form.
        tab.goto(site.url + "/")
        tab.keyboard.press("?")
        tab.wait_for_selector("#shortcuts[open]")
        assert accessibility_problems(tab) == [], "shortcuts"
        tab.keyboard.press("Escape")
        tab.keyboard.press("j")
        ring = tab.evaluate(
            """() => { const card = getComputedStyle(document.activeElement.closest('.card'));
                return [card.outlineStyle, card.outlineWidth, card.outlineColor]; }"""
        )
        assert ring == ["solid", "3px", "rgb(31, 95, 191)"]  # the focused card, ringed in blue
        tab.goto(f"{site.url}/photos/{photo}")
        tab.fill("input[name=original_date]", "soon")
        tab.keyboard.press("Control+Enter")
        tab.wait_for_selector("input[name=original_date][aria-invalid=true]")
        assert "Original date" in tab.inner_text("[data-save-status]")
        assert accessibility_problems(tab) == [], "refused value"
        tab.goto(site.url + "/?stack=off")
        tab.check(f"input[name=ids][value='{copy}']")
        tab.click("button[data-needs-selection]")
        tab.wait_for_selector("text=Bulk edit 1 photo")
        assert accessibility_problems(tab) == [], "bulk"
        settle(tab)
        assert tab.problems == [], width
        tab.context.close()
