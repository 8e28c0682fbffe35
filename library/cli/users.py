"""`photodesk user`: who may sign in to the gallery and the API, and their tokens."""

from __future__ import annotations

import sys

import click

from library.catalog import users
from library.cli.base import Context, cli, pass_context


@cli.group()
def user() -> None:
    """Manage who may sign in to the gallery and the API.

    Roles: viewer (read, search, download), editor (+ edit, upload, bulk edit,
    duplicates), auditor (read + reports and history), admin (everything + users).

    \b
    Example:
        photodesk user add ana --role editor
        photodesk user token ana
    """


@user.command(name="add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(users.ROLES),
    required=True,
    help="What the user may do (see `photodesk user --help`).",
)
@pass_context
def user_add(ctx: Context, name: str, role: str) -> None:
    """Add a user; the password is asked twice, or read from stdin when piped.

    \b
    Example:
        photodesk user add ana --role editor
        printf '%s\\n' "$PASSWORD" | photodesk user add bot --role viewer
    """
    if _stdin_is_terminal():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with ctx.session(write=True) as session:
        created = users.create_user(session, name, role, password)
        label = f"{created.name} ({created.role})"
    click.echo(f"added user {label}")


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


@user.command(name="token")
@click.argument("name")
@pass_context
def user_token(ctx: Context, name: str) -> None:
    """Issue a new API token for a user; it is shown once, as the last word.

    Send it as ``Authorization: Bearer TOKEN``. Only its hash is stored.

    \b
    Example:
        photodesk user token ana
        curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/photos
    """
    with ctx.session(write=True) as session:
        token = users.create_token(session, name)
    click.echo(f"new API token for {name} (store it now, it is not shown again): {token}")


@user.command(name="list")
@pass_context
def user_list(ctx: Context) -> None:
    """List users with their role and whether they are disabled.

    \b
    Example:
        photodesk user list
    """
    with ctx.session() as session:
        rows = [(u.name, u.role, u.disabled) for u in users.list_users(session)]
    if not rows:
        click.echo("no users yet (add one with `photodesk user add NAME --role admin`)", err=True)
    for name, role, disabled in rows:
        click.echo(f"{name:<24} {role:<8}" + ("  disabled" if disabled else ""))
