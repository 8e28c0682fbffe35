"""Duplicate review and the reuse audit in real Chromium, as an editor and an auditor act.

Uses the gallery served by tests/webui/test_browser.py's fixtures.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from library.duplicates import membership
from library.reports import findings
from tests.webui import test_browser as served
from tests.webui.test_browser import LOADED_WIDTH, Site, shot, sign_in
from tests.webui.webutil import add_article, add_user, near_pair

pytestmark = pytest.mark.browser

# The served gallery and the browser, from the main browser tests.
chromium = served.chromium
site = served.site
page = served.page


def test_review_with_the_compare_view_then_split_a_copy(
    page: Any, site: Site, backend: str
) -> None:
    master, middle, far = (
        site.ids["original.jpg"],
        site.ids["similar.jpg"],
        site.ids["oriented-6.jpg"],
    )
    near_pair(site.database, master, middle, 2)
    near_pair(site.database, middle, far, 4)
    with site.database.session_scope(write=False) as session:
        group = membership.group_of(session, far)
    assert group is not None and {master, middle, far} <= {m.asset_id for m in group.members}
    sign_in(page, site)
    page.goto(f"{site.url}/duplicates/{group.id}?with={far}")
    page.wait_for_selector("#compare [data-compare-tools]:not([hidden])")
    panes = page.locator("#compare .compare-viewport img")
    assert panes.count() == 2
    assert all(w > 0 for w in panes.evaluate_all(f"imgs => Promise.all(imgs.map({LOADED_WIDTH}))"))
    # Zoom and pan move both pictures together.
    page.click("[data-compare='zoom-in']")
    page.click("[data-compare='zoom-in']")
    box = panes.first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2 + 10)
    page.mouse.up()
    transforms = panes.evaluate_all("imgs => imgs.map(i => i.style.transform)")
    assert transforms[0] == transforms[1] and "scale(2.25)" in transforms[0]
    assert "translate(0%, 0%)" not in transforms[0]
    assert page.inner_text("[data-compare-zoom]") == "225 %"
    # Flip shows one picture at a time in the same place.
    page.click("[data-compare='flip']")
    assert page.locator(".compare-pane:visible").count() == 1
    first_shown = page.locator(".compare-pane:visible img").get_attribute("src")
    page.click("[data-compare='flip']")
    assert page.locator(".compare-pane:visible img").get_attribute("src") != first_shown
    shot(page, backend, "group-compare")
    # Words, not numbers, with the numbers behind Details.
    card = page.locator(f"#member-{far}")
    assert card.locator(".member-words").inner_text().startswith(f"Linked through #{middle}")
    assert not card.locator(".why").is_visible()
    card.locator(".why-details summary").click()
    assert "Hamming" in card.locator(".why").inner_text()
    # "Not a duplicate" on a member linked only through another copy splits it off.
    page.once("dialog", lambda dialog: dialog.accept())
    card.locator("button:has-text('Not a duplicate')").click()
    page.wait_for_selector(".flash-success")
    assert f"#{far} is not a duplicate of #{master}; it is now in no group" in page.inner_text(
        ".flash-success"
    )
    assert page.locator(f"#member-{far}").count() == 0
    with site.database.session_scope(write=False) as session:
        assert membership.group_of(session, far) is None
    # The decision is listed, and undone from the list.
    pair = f"#{min(far, master)} and #{max(far, master)} marked as different"
    decision = page.locator("#decisions li", has_text=pair)
    assert "by ana" in decision.inner_text()
    decision.locator("button:has-text('Undo')").click()
    page.wait_for_selector(f"#member-{far}")
    with site.database.session_scope(write=False) as session:
        assert membership.group_of(session, far) is not None


def test_auditor_resolves_and_filters_findings(page: Any, site: Site, backend: str) -> None:
    photo = site.ids["original.jpg"]
    for day, title, credit in ((3, "Shuttle crew named", "NASA"), (4, "Crew portrait", "Jim Ross")):
        add_article(
            site.database,
            title,
            [(photo, "Eileen Collins at Kennedy Space Center", None)],
            published=datetime(2024, 5, day),
            credit=credit,
        )
    with site.database.session_scope(write=False) as session:
        rows = findings.audit_rows(session)
    assert len(rows) == 3 and {r.finding.kind for r in rows} == {
        "missing_credit",
        "credit_mismatch",
    }
    add_user(site.database, "audrey", "auditor")
    sign_in(page, site, "audrey")
    page.goto(site.url + "/reports/audit")
    page.wait_for_selector(".finding-list")
    assert "3 findings" in page.text_content("#findings-title")
    shot(page, backend, "audit")
    # Filtering: one kind.
    page.select_option("#f-kind", "credit_mismatch")
    page.click(".audit-filters button:has-text('Filter')")
    page.wait_for_url(re.compile(r".*kind=credit_mismatch.*"))
    assert page.locator(".finding").count() == 1
    assert "severity=" not in page.url  # empty filters stay out of the address
    page.goto(site.url + "/reports/audit")
    # Three findings, one into each state, each with a note.
    for state, note in (("fixed", "credit added"), ("accepted", "handout"), ("wrong", "same")):
        finding = page.locator(".finding").first
        finding.locator("input[name=note]").fill(note)
        finding.locator(f"button[value={state}]").click()
        page.wait_for_selector(".flash-success")
    assert page.locator(".finding").count() == 0
    assert "No findings match: nothing open is left to do" in page.inner_text("#findings")
    page.select_option("#f-state", "resolved")
    page.click(".audit-filters button:has-text('Filter')")
    page.wait_for_url(re.compile(r".*state=resolved.*"))
    assert page.locator(".finding").count() == 3
    text = page.inner_text(".finding-list")
    for state, note in (("Fixed", "credit added"), ("Accepted", "handout"), ("Wrong", "same")):
        assert f"{state} by audrey" in text and f"“{note}”" in text
    with site.database.session_scope(write=False) as session:
        states = sorted(
            r.state for r in findings.audit_rows(session, findings.AuditFilter(state="all"))
        )
    assert states == ["accepted", "fixed", "wrong"]
    # Reopening brings one back.
    page.locator(".finding").first.locator("button:has-text('Reopen')").click()
    page.wait_for_selector(".flash-success")
    assert page.locator(".finding").count() == 2
