"""The gallery's commands: `photodesk user …`, `photodesk reindex` and `photodesk serve`."""

from __future__ import annotations

from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from library.catalog import users
from library.cli.base import Context, PhotodeskGroup
from library.cli.catalog import reindex
from library.cli.users import user
from library.cli.web import serve
from library.config import LibraryConfig
from library.db.engine import Database
from tests.webui.webutil import create_asset


@click.group(cls=PhotodeskGroup)
@click.option("--library")
@click.option("--database-url")
@click.pass_context
def main(ctx: click.Context, library: str | None, database_url: str | None) -> None:
    """Stand-in for the photodesk group until the lead registers these commands.

    \b
    Example:
        photodesk user list
    """
    ctx.obj = Context(library, database_url)


for command in (user, reindex, serve):
    main.add_command(command)


def run(config: LibraryConfig, *args: str, input: str | None = None) -> Result:
    base = ["--library", str(config.root)]
    if config.database_url:
        base += ["--database-url", config.database_url]
    return CliRunner().invoke(main, [*base, *args], input=input)


def all_commands() -> list[tuple[str, click.Command]]:
    found = [("user", user), ("reindex", reindex), ("serve", serve)]
    found += [(f"user {name}", sub) for name, sub in user.commands.items()]
    return found


@pytest.mark.parametrize("name,command", all_commands(), ids=lambda v: str(v))
def test_help_ends_with_an_example(name: str, command: click.Command) -> None:
    assert command.help and "Example:" in command.help, name


def test_user_add_reads_password_from_stdin(config: LibraryConfig, database: Database) -> None:
    result = run(config, "user", "add", "ana", "--role", "editor", input="long-password\n")
    assert result.exit_code == 0, result.output
    assert "added user ana (editor)" in result.output
    with database.session_scope() as session:
        assert users.authenticate(session, "ana", "long-password").role == "editor"


def test_user_add_prompts_twice_on_a_terminal(
    config: LibraryConfig, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from library.cli import users as cli_users

    monkeypatch.setattr(cli_users, "_stdin_is_terminal", lambda: True)
    mismatch = run(config, "user", "add", "bob", "--role", "viewer", input="pass-word-1\nother\n")
    assert "do not match" in mismatch.output
    result = run(
        config, "user", "add", "bob", "--role", "viewer", input="pass-word-1\npass-word-1\n"
    )
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output and "pass-word-1" not in result.output
    with database.session_scope() as session:
        assert users.authenticate(session, "bob", "pass-word-1").role == "viewer"


@pytest.mark.parametrize(
    "args,stdin,code,message",
    [
        (["user", "add", "ana", "--role", "viewer"], "short\n", 1, "at least 10"),
        (["user", "add", "ana", "--role", "boss"], "long-password\n", 2, "boss"),
        (["user", "add", "taken", "--role", "viewer"], "long-password\n", 1, "already"),
        (["user", "token", "ghost"], None, 1, "no user called ghost"),
    ],
)
def test_user_errors_are_one_line(
    config: LibraryConfig,
    database: Database,
    args: list[str],
    stdin: str | None,
    code: int,
    message: str,
) -> None:
    with database.session_scope() as session:
        users.create_user(session, "taken", "viewer", "long-password")
    result = run(config, *args, input=stdin)
    assert result.exit_code == code
    assert message in result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_user_token_prints_a_working_token_last(config: LibraryConfig, database: Database) -> None:
    run(config, "user", "add", "ana", "--role", "editor", input="long-password\n")
    result = run(config, "user", "token", "ana")
    assert result.exit_code == 0
    token = result.output.split()[-1]
    with database.session_scope() as session:
        found = users.user_for_token(session, token)
        assert found is not None and found.name == "ana"


def test_user_list(config: LibraryConfig, database: Database) -> None:
    assert "no users yet" in run(config, "user", "list").stderr
    run(config, "user", "add", "zoe", "--role", "admin", input="long-password\n")
    run(config, "user", "add", "ana", "--role", "viewer", input="long-password\n")
    lines = run(config, "user", "list").output.splitlines()
    assert [line.split()[:2] for line in lines] == [["ana", "viewer"], ["zoe", "admin"]]


def test_reindex(config: LibraryConfig, database: Database) -> None:
    create_asset(database, caption="one")
    create_asset(database, caption="two")
    result = run(config, "reindex")
    assert result.exit_code == 0 and "indexed 2 photos" in result.output


def test_serve_runs_the_app_with_waitress(
    config: LibraryConfig, database: Database, served: list[dict[str, Any]]
) -> None:
    result = run(config, "serve", "--port", "8123", "--threads", "3")
    assert result.exit_code == 0, result.output
    assert "photodesk gallery on http://127.0.0.1:8123/" in result.stderr
    (call,) = served
    assert call["ran"] and call["closed"]
    assert (call["host"], call["port"], call["threads"]) == ("127.0.0.1", 8123, 3)
    client = call["app"].test_client()
    assert client.get("/login").status_code == 200
    call["app"].extensions["photodesk"].database.dispose()
