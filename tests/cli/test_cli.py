"""The command line: help, errors as one line, and the catalog commands."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from library.cli.main import cli
from library.config import LibraryConfig
from tests.conftest import make_jpeg


def all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []

    def visit(prefix: str, command: click.Command) -> None:
        found.append((prefix, command))
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                visit(f"{prefix} {name}".strip(), sub)

    visit("", cli)
    return found


@pytest.mark.parametrize("name,command", all_commands(), ids=lambda v: str(v) or "photodesk")
def test_every_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    assert command.help, f"{name or 'photodesk'} has no help"
    assert "Example:" in command.help, f"{name or 'photodesk'} help lacks an example"


def test_every_command_is_in_the_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for name, _ in all_commands():
        if name:
            assert f"photodesk {name}" in readme, f"README does not mention `photodesk {name}`"


@pytest.mark.parametrize(
    ("url", "shown"),
    [("mysql://desk:secret@db/photos", "mysql://…"), ("photos.db", "'photos.db'")],
)
def test_a_database_url_of_another_kind_is_one_line(tmp_path: Path, url: str, shown: str) -> None:
    """Not PostgreSQL nor SQLite: said in one line, without the password, before any
    connection is tried (SQLAlchemy would go looking for a MySQL driver)."""
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--library", str(tmp_path), "--database-url", url, "info"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"photodesk: error: database URL {shown}: the catalog is PostgreSQL "
        "(postgresql://user@host/database) or, with no URL, SQLite in the library folder\n"
    )
    assert not any(tmp_path.iterdir())


def test_a_postgresql_server_that_refuses_is_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tests.jobs.services import spare_port

    url = f"postgresql://postgres@127.0.0.1:{spare_port()}/photos"
    result = CliRunner().invoke(cli, ["--library", str(tmp_path), "--database-url", url, "info"])
    assert result.exit_code == 1
    assert result.stderr.startswith("photodesk: error: ") and "cannot open catalog" in result.stderr
    assert result.stderr.count("\n") == 1  # libpq's hint joins the line


def test_missing_library_is_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--library", str(tmp_path / "none"), "info"])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no photodesk library here" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_ingest_into_a_new_library_says_it_made_one(tmp_path: Path) -> None:
    """`ingest` makes a library where there is none; a mistyped --library is seen at once."""
    from click.testing import CliRunner

    make_jpeg(tmp_path / "in" / "a.jpg", seed=1)
    args = ["--library", str(tmp_path / "typo"), "ingest", str(tmp_path / "in")]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.stderr
    assert first.stderr.splitlines()[0] == f"new library at {tmp_path / 'typo'}"
    again = CliRunner().invoke(cli, args)
    assert "new library" not in again.stderr


def test_a_sqlite_url_outside_the_library_is_the_catalog_everywhere(tmp_path: Path) -> None:
    """The file a ``sqlite:///`` URL names is the one checked, created, named in messages
    and snapshotted, not a catalog in the library folder."""
    from click.testing import CliRunner

    library, elsewhere = tmp_path / "library", tmp_path / "db" / "desk.sqlite3"
    elsewhere.parent.mkdir()
    options = ["--library", str(library), "--database-url", f"sqlite:///{elsewhere}"]
    missing = CliRunner().invoke(cli, [*options, "info"])
    assert missing.exit_code == 1
    assert missing.stderr == (
        f"photodesk: error: {elsewhere}: no photodesk library here (run `photodesk init` first)\n"
    )
    assert CliRunner().invoke(cli, [*options, "init"]).exit_code == 0
    assert elsewhere.stat().st_size > 0
    assert not (library / "catalog.sqlite3").exists()
    assert LibraryConfig(library, f"sqlite:///{elsewhere}").sqlite_path == elsewhere
    assert CliRunner().invoke(cli, [*options, "info"]).exit_code == 0


def test_a_mistyped_path_stops_ingest_before_anything(run: object, tmp_path: Path) -> None:
    make_jpeg(tmp_path / "in" / "a.jpg", seed=1)
    assert run("init").exit_code == 0  # type: ignore[operator]
    for queue in ((), ("--queue",)):
        result = run("ingest", str(tmp_path / "in"), str(tmp_path / "nope"), *queue)  # type: ignore[operator]
        assert result.exit_code == 1
        assert result.stderr == f"photodesk: error: {tmp_path / 'nope'}: no such file or folder\n"
    assert json.loads(run("info", "--json").stdout)["assets"] == 0  # type: ignore[operator]
    assert json.loads(run("jobs", "--json").stdout) == []  # type: ignore[operator]


def test_info_show_ls(run: object, tmp_path: Path) -> None:
    make_jpeg(tmp_path / "in" / "a.jpg", seed=1)
    make_jpeg(tmp_path / "in" / "b.png".replace(".png", ".jpg"), seed=2)
    assert run("ingest", str(tmp_path / "in")).exit_code == 0  # type: ignore[operator]
    info = json.loads(run("info", "--json").stdout)  # type: ignore[operator]
    assert info["assets"] == 2 and info["store_bytes"] > 0
    # A number on both databases (PostgreSQL's sum of bigints is a numeric).
    assert info["original_bytes"] == sum(f.stat().st_size for f in (tmp_path / "in").iterdir())
    listing = json.loads(run("ls", "--json").stdout)  # type: ignore[operator]
    assert sorted(row["id"] for row in listing) == [1, 2]
    assert all(row["credit"] is None for row in listing)
    missing = json.loads(run("ls", "--missing-credit", "--json").stdout)  # type: ignore[operator]
    assert len(missing) == 2
    run("edit", "1", "--credit", "AP Photo/Jane Roe", "--user", "ana")  # type: ignore[operator]
    missing = json.loads(run("ls", "--missing-credit", "--json").stdout)  # type: ignore[operator]
    assert [row["id"] for row in missing] == [2]
    assert json.loads(run("ls", "--format", "png", "--json").stdout) == []  # type: ignore[operator]
    shown = json.loads(run("show", str(tmp_path / "in" / "a.jpg"), "--json").stdout)  # type: ignore[operator]
    assert shown["id"] == 1 and shown["fields"]["credit"] == "AP Photo/Jane Roe"
    assert shown["sources"]["credit"] == "user:ana"
    assert shown["paths"] == [str(tmp_path / "in" / "a.jpg")]
    text = run("show", "1").stdout  # type: ignore[operator]
    assert "AP Photo/Jane Roe   [user:ana]" in text


def test_show_unknown_is_one_line_error(run: object, tmp_path: Path) -> None:
    run("init")  # type: ignore[operator]
    result = run("show", "999")  # type: ignore[operator]
    assert result.exit_code == 1 and result.stderr == "photodesk: error: no photo with id 999\n"
    result = run("show", str(tmp_path / "nowhere.jpg"))  # type: ignore[operator]
    assert result.exit_code == 1 and "nowhere.jpg" in result.stderr


def test_edit_history_revert(run: object, tmp_path: Path) -> None:
    make_jpeg(tmp_path / "in" / "a.jpg", seed=3)
    run("ingest", str(tmp_path / "in"))  # type: ignore[operator]
    out = run(
        "edit",
        "1",
        "--caption",
        "Rally in Tehran",
        "--archive",
        "--original-date",
        "2018-10",  # type: ignore[operator]
        "--add-keyword",
        "protest",
        "--user",
        "ana",
        "--json",
    )
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["version"] == 2
    assert {c["field"] for c in data["changes"]} == {
        "caption",
        "archive",
        "original_date",
        "keywords",
    }
    run("edit", "1", "--caption", "Rally in Tehran, Iran", "--user", "bob")  # type: ignore[operator]
    history = json.loads(run("history", "1", "--json").stdout)  # type: ignore[operator]
    caption_changes = [h for h in history if h["field"] == "caption"]
    assert [c["new"] for c in caption_changes] == ["Rally in Tehran", "Rally in Tehran, Iran"]
    assert caption_changes[1]["old"] == "Rally in Tehran" and caption_changes[1]["user"] == "bob"
    result = run("revert", "1", str(caption_changes[1]["id"]), "--user", "ana")  # type: ignore[operator]
    assert result.exit_code == 0
    shown = json.loads(run("show", "1", "--json").stdout)  # type: ignore[operator]
    assert shown["fields"]["caption"] == "Rally in Tehran" and shown["version"] == 4
    # An edit started from version 2: the credit, which nobody changed since, is merged;
    # the caption, which bob changed, is refused with both values, and nothing is written.
    merged = run("edit", "1", "--credit", "X", "--expect-version", "2")  # type: ignore[operator]
    assert merged.exit_code == 0 and "credit" in merged.stdout and "v5" in merged.stdout
    stale = run(  # type: ignore[operator]
        "edit", "1", "--caption", "Mine", "--headline", "H", "--expect-version", "2"
    )
    assert stale.exit_code == 1
    assert stale.stderr.strip() == (
        "photodesk: error: photo 1: changed by someone else since version 2 (now 5): "
        'caption is now "Rally in Tehran", yours "Mine"; nothing was written'
    )
    assert json.loads(run("show", "1", "--json").stdout)["fields"]["headline"] is None  # type: ignore[operator]
    bad = run("edit", "1", "--original-date", "2019-13")  # type: ignore[operator]
    assert bad.exit_code == 1 and "original_date" in bad.stderr
    assert run("revert", "1", "9999").exit_code == 1  # type: ignore[operator]
    assert run("edit", "1").exit_code == 2  # type: ignore[operator]
