"""The reuse audit and the credits report, on the demo library whose articles plant every problem."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from library.catalog.edits import edit_asset
from library.cli.main import cli
from library.config import LibraryConfig
from library.db.engine import Database, init_library
from library.db.models import Change, Usage
from library.demo import build_demo
from library.errors import InvalidValueError
from library.reports import findings
from library.reports.credits import credit_counts
from library.reports.rendering import report_csv, report_html, report_json
from library.reports.reuse import places, reuse_report

KINDS = {
    "missing_credit",
    "credit_mismatch",
    "archive_without_note",
    "archive_date_conflict",
    "caption_date_conflict",
    "caption_place_conflict",
    "name_variant",
    "byline_typo",
    "credit_typo",
    "derivative_without_credit",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = init_library(LibraryConfig(tmp_path_factory.mktemp("demo") / "library"))
    build_demo(database)
    yield database
    database.dispose()


def test_every_kind_of_finding_is_found(demo: Database) -> None:
    with demo.session_scope(write=False) as session:
        reports = reuse_report(session)
    found = {f.kind for r in reports for f in r.findings}
    assert found >= KINDS
    assert all(len({u.article_id for u in r.usages}) >= 2 for r in reports)
    for report in reports:
        dates = [u.published for u in report.usages if u.published]
        assert dates == sorted(dates)
        for finding in report.findings:
            assert finding.severity in ("high", "medium", "low") and finding.detail


def test_duplicates_count_as_one_photo(demo: Database) -> None:
    with demo.session_scope(write=False) as session:
        reports = reuse_report(session)
        from sqlalchemy import select

        from library.db.models import Asset

        names = {a.id: a.original_name for a in session.scalars(select(Asset))}
    rocket = next(r for r in reports if names[r.master].startswith("rocket-falcon9"))
    members = {names[i] for i in rocket.asset_ids}
    assert "rocket-falcon9-dscovr-launch--crop80.jpg" in members
    assert names[rocket.original] == "rocket-falcon9-dscovr-launch.jpg"
    copy = [f for f in rocket.findings if "a copy (photo" in f.detail]
    assert copy and "crop80" not in copy[0].detail  # explained by photo id
    assert names[copy[0].asset_id or 0].endswith("--crop80.jpg")


def test_one_finding_per_cause_and_honest_severities(demo: Database) -> None:
    """Issue 13: a usage without a credit is one finding, and high means an agency's credit."""
    with demo.session_scope(write=False) as session:
        reports = reuse_report(session)
    for report in reports:
        credit_kinds = ("missing_credit", "derivative_without_credit")
        named = [u for f in report.findings if f.kind in credit_kinds for u in f.usage_ids]
        assert len(named) == len(set(named)), report.findings
        for finding in report.findings:
            if finding.severity == "high":
                assert report.agencies and finding.kind in (*credit_kinds, "credit_mismatch")
            if finding.kind in ("archive_without_note", "caption_date_conflict"):
                assert finding.severity == "medium"
            if finding.kind in ("name_variant", "credit_typo", "byline_typo"):
                assert finding.severity == "low"
    severities = {f.severity for r in reports for f in r.findings}
    assert severities == {"high", "medium", "low"}


def test_specific_planted_problems(demo: Database) -> None:
    with demo.session_scope(write=False) as session:
        details = [f.detail for r in reuse_report(session) for f in r.findings]
    text = "\n".join(details)
    assert "“Stuff Writer” looks like a typo of “Staff Writer”" in text
    assert "Farahzadi" in text and "Farazhzadi" in text
    assert "Shaqaqi" in text and "Shaghaghi" in text
    assert "Hosseinzadeh" in text and "Hossein-Zadeh" in text
    assert "dates the photo 2001, but its EXIF date is 1998-10-03" in text
    assert "Cape Canaveral" in text and "Vandenberg" in text


def test_outputs_agree(demo: Database) -> None:
    with demo.session_scope(write=False) as session:
        found = findings.export(session)
    reports = found.reports
    link = "https://photos.example.org/p/{}".format
    data = report_json(reports, link)
    rows = list(csv.DictReader(io.StringIO(report_csv(found.rows, link).decode("utf-8-sig"))))
    page = report_html(reports, link, found.summary)
    assert len(data["photos"]) == len(reports)
    # One CSV row per finding, with its photo, articles, kind, severity and state.
    assert len(rows) == len(found.rows) == sum(len(p["findings"]) for p in data["photos"])
    for photo in data["photos"]:
        mine = [r for r in rows if r["photo"] == str(photo["original"])]
        assert sorted(r["kind"] for r in mine) == sorted(f["kind"] for f in photo["findings"])
        assert f"href='https://photos.example.org/p/{photo['original']}'" in page
        assert photo["link"] == f"https://photos.example.org/p/{photo['original']}"
        for finding in photo["findings"]:
            assert finding["link"].startswith("https://photos.example.org/p/")
    assert all(r["link"].startswith("https://photos.example.org/p/") for r in rows)
    assert all(r["state"] == "open" and r["article"] and r["date"] for r in rows)
    assert {r["severity"] for r in rows} == {"high", "medium", "low"}
    assert page.count("<section>") == len(reports)
    assert f"{found.summary.open} open findings" in page


def test_without_a_link_builder_there_are_no_links(demo: Database) -> None:
    """The library knows no routes: no builder, no links (issue 14)."""
    with demo.session_scope(write=False) as session:
        found = findings.export(session)
    reports = found.reports
    assert reports
    data = report_json(reports)
    rows = list(csv.DictReader(io.StringIO(report_csv(found.rows).decode("utf-8-sig"))))
    page = report_html(reports)
    assert all(photo["link"] is None for photo in data["photos"])
    assert all(f["link"] is None for photo in data["photos"] for f in photo["findings"])
    assert all(r["link"] == "" for r in rows)
    assert "<a " not in page and "/photos/" not in page
    assert page.count("<section>") == len(reports)


def test_html_escapes_captions(tmp_path: Path) -> None:
    from library.reports.reuse import PhotoAudit, UsageRow

    usage = UsageRow(
        1,
        1,
        1,
        "<script>alert(1)</script>",
        None,
        None,
        "inline",
        "<img src=x onerror=alert(1)>",
        None,
        None,
        False,
        False,
    )
    page = report_html([PhotoAudit([1], 1, [usage], [])])
    assert "<script>alert" not in page and "&lt;img src=x" in page


def test_since_filters_photos(demo: Database) -> None:
    with demo.session_scope(write=False) as session:
        everything = reuse_report(session)
        recent = reuse_report(session, since=date(2024, 1, 1))
    assert 0 < len(recent) < len(everything)


def test_credit_counts(demo: Database) -> None:
    with demo.session_scope(write=False) as session:
        counts = credit_counts(session)
        later = credit_counts(session, since=date(2020, 1, 1))
    by_credit = {c.credit: c for c in counts}
    assert by_credit["SpaceX"].usages >= 2
    assert by_credit["(no credit)"].usages >= 3
    assert sum(c.usages for c in later) < sum(c.usages for c in counts)


def test_places_are_read_from_captions() -> None:
    assert places("A rocket lifts off at Cape Canaveral, Florida, on Feb. 11") == {"Cape Canaveral"}
    assert places("Seen in March at night") == set()


def test_cli_reports(demo: Database, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--library", str(demo.config.root)]
    out = runner.invoke(cli, [*base, "report", "reuse"])
    assert out.exit_code == 0 and json.loads(out.stdout)["photos"]
    target = tmp_path / "reuse.html"
    out = runner.invoke(cli, [*base, "report", "reuse", "--format", "html", "-o", str(target)])
    assert out.exit_code == 0 and target.read_text().startswith("<!doctype html>")
    out = runner.invoke(cli, [*base, "report", "reuse", "--since", "yesterday"])
    assert out.exit_code == 2 and "not a date" in out.stderr
    out = runner.invoke(cli, [*base, "report", "credits", "--format", "csv"])
    assert out.exit_code == 0 and out.stdout.startswith("\ufeffcredit,usages,articles,photos")


@pytest.fixture
def library(tmp_path: Path, backend: str, config: LibraryConfig) -> Iterator[Database]:
    """A demo library of this test's own: verdicts change it."""
    database = init_library(config)
    build_demo(database)
    yield database
    database.dispose()


def test_findings_are_resolved_kept_out_and_come_back(library: Database) -> None:
    with library.session_scope(write=False) as session:
        rows = findings.audit_rows(session)
    missing = next(r for r in rows if r.finding.kind == "missing_credit")
    variant = next(r for r in rows if r.finding.kind == "name_variant")
    typo = next(r for r in rows if r.finding.kind == "byline_typo")
    with library.session_scope() as session:
        findings.resolve_finding(session, variant.key, "wrong", "aud", "the same person")
        findings.resolve_finding(session, typo.key, "accepted", "aud", "a column name")
    with library.session_scope(write=False) as session:
        open_keys = {r.key for r in findings.audit_rows(session)}
        resolved = findings.audit_rows(session, findings.AuditFilter(state="resolved"))
        exported = findings.export(session)
        summary = findings.audit_page(session).summary
    assert variant.key not in open_keys and typo.key not in open_keys
    assert {(r.key, r.state, r.resolution.user) for r in resolved if r.resolution} == {
        (variant.key, "wrong", "aud"),
        (typo.key, "accepted", "aud"),
    }
    assert variant.key not in {r.key for r in exported.rows}
    assert all(variant.finding not in p.findings for p in exported.reports)
    assert summary.resolved == 2 and summary.open == len(rows) - 2
    # "fixed" links the edit that fixed it: here, the photo's credit set in the catalog.
    with library.session_scope() as session:
        edit_asset(session, missing.photo.original, {"credit": "SpaceX/NASA"}, "ed")
        fixed = findings.resolve_finding(session, missing.key, "fixed", "aud")
        assert fixed.change_id is not None
        assert session.get(Change, fixed.change_id).asset_id == missing.photo.original  # type: ignore[union-attr]
        history = findings.resolution_history(session, missing.key)
        assert [h.state for h in history] == ["fixed"]
    # A verdict on facts that changed does not hide the new facts: another usage
    # without a credit changes the credit-mismatch finding, which comes back open.
    with library.session_scope(write=False) as session:
        mismatch = next(
            r for r in findings.audit_rows(session) if r.finding.kind == "credit_mismatch"
        )
    with library.session_scope() as session:
        findings.resolve_finding(session, mismatch.key, "accepted", "aud")
        usage = session.get(Usage, mismatch.finding.usage_ids[0])
        assert usage is not None
        session.add(
            Usage(
                article_id=usage.article_id,
                asset_id=usage.asset_id,
                role="inline",
                position=99,
                caption=usage.caption,
                credit="Someone Else/Reuters",
                dates=[],
            )
        )
    with library.session_scope(write=False) as session:
        again = [r for r in findings.audit_rows(session) if r.finding.kind == "credit_mismatch"]
    assert any(r.photo.original == mismatch.photo.original and r.state == "open" for r in again)


def test_filters_and_pages(library: Database) -> None:
    with library.session_scope(write=False) as session:
        everything = findings.audit_rows(session)
        high = findings.audit_rows(session, findings.AuditFilter(severity="high"))
        kind = findings.audit_rows(session, findings.AuditFilter(kind="archive_without_note"))
        agency = findings.audit_rows(session, findings.AuditFilter(credit="ap"))
        recent = findings.audit_rows(session, findings.AuditFilter(since=date(2020, 1, 1)))
        pages = [findings.audit_page(session, page=n, per_page=5) for n in (1, 2, 99)]
    assert high and all(r.finding.severity == "high" for r in high)
    assert kind and all(r.finding.kind == "archive_without_note" for r in kind)
    assert (
        agency and all("AP" in r.photo.agencies for r in agency) and len(agency) < len(everything)
    )
    assert recent and all(max(r.dates) >= date(2020, 1, 1) for r in recent)
    assert len(recent) < len(everything)
    assert [len(p.rows) for p in pages[:2]] == [5, 5] and pages[2].page == pages[2].pages
    assert pages[0].total == len(everything)
    order = [r.finding.severity for r in everything]
    assert order == sorted(order, key=("high", "medium", "low").index)
    with pytest.raises(InvalidValueError, match="severity: expected one of"):
        findings.audit_rows(session, findings.AuditFilter(severity="urgent"))


def test_a_bad_verdict_is_refused(library: Database) -> None:
    with library.session_scope() as session:
        key = findings.audit_rows(session)[0].key
        with pytest.raises(InvalidValueError, match="state: expected one of"):
            findings.resolve_finding(session, key, "done", "aud")
        with pytest.raises(InvalidValueError, match="no current finding"):
            findings.resolve_finding(session, "0" * 32, "wrong", "aud")
        with pytest.raises(InvalidValueError, match="note: at most 500"):
            findings.resolve_finding(session, key, "wrong", "aud", "x" * 501)


def test_cli_resolves_and_filters(library: Database) -> None:
    runner = CliRunner()
    base = ["--library", str(library.config.root)]
    if library.config.database_url:
        base += ["--database-url", library.config.database_url]
    listed = runner.invoke(cli, [*base, "report", "reuse", "--format", "csv", "--severity", "high"])
    assert listed.exit_code == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout.lstrip("\ufeff"))))
    assert rows and {r["severity"] for r in rows} == {"high"}
    key = rows[0]["finding"]
    done = runner.invoke(cli, [*base, "report", "resolve", key, "accepted", "--note", "handout"])
    assert done.exit_code == 0 and done.stdout.strip() == f"finding {key}: accepted"
    after = runner.invoke(cli, [*base, "report", "reuse", "--format", "csv", "--severity", "high"])
    assert key not in after.stdout
    resolved = runner.invoke(
        cli, [*base, "report", "reuse", "--format", "json", "--state", "resolved"]
    )
    found = json.loads(resolved.stdout)["findings"]
    assert [(f["key"], f["state"], f["note"]) for f in found] == [(key, "accepted", "handout")]
    bad = runner.invoke(cli, [*base, "report", "resolve", "nope", "wrong"])
    assert bad.exit_code == 1 and "no current finding nope" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_filter_asked_again_follows_a_verdict(library: Database) -> None:
    """A filter's rows are kept for its next page, but a verdict or a change starts over."""
    wanted = findings.AuditFilter(severity="high", state="open")
    with library.session_scope(write=False) as session:
        first = findings.audit_rows(session, wanted)
        first.clear()  # the caller's copy: the kept rows stay whole
        again = findings.audit_rows(session, wanted)
        page = findings.audit_page(session, wanted, per_page=1000)
    assert again and [r.key for r in page.rows] == [r.key for r in again]
    with library.session_scope() as session:
        findings.resolve_finding(session, again[0].key, "accepted", "aud")
    with library.session_scope(write=False) as session:
        after = findings.audit_rows(session, wanted)
        accepted = findings.audit_rows(session, replace(wanted, state="accepted"))
        page = findings.audit_page(session, wanted, per_page=1000)
    assert [r.key for r in after] == [r.key for r in again[1:]]
    assert [r.key for r in accepted] == [again[0].key]
    assert page.total == len(after) and page.summary.by_severity["high"] == len(after)
