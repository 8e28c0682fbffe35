"""`photodesk user`: who may sign in to the gallery and the API, and their tokens.

Each command parses, calls one function of library/catalog/users.py and
prints; disabling a user or changing a password also ends their gallery
sessions, which the library does.
"""

from __future__ import annotations

import sys

import click

from library.catalog import users
from library.cli.base import Context, cli, emit_json, pass_context


@cli.group()
def user() -> None:
    """Manage who may sign in to the gallery and the API.

    Roles: viewer (read, search, download), editor (+ edit, upload, bulk edit,
    duplicates), auditor (read + reports and history), admin (everything + users).

    \b
    Example:
        photodesk user add ana --role editor
        photodesk user token ana --name laptop
        photodesk user tokens ana
        photodesk user revoke ana 3
        photodesk user disable ana
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
    password = _read_password()
    with ctx.session(write=True) as session:
        created = users.create_user(session, name, role, password)
        label = f"{created.name} ({created.role})"
    click.echo(f"added user {label}")


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_password() -> str:
    """Asked twice at a terminal; otherwise the first line of stdin (for scripts)."""
    if _stdin_is_terminal():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\r\n")


@user.command(name="token")
@click.argument("name")
@click.option(
    "--name",
    "token_name",
    default=users.DEFAULT_TOKEN_NAME,
    show_default=True,
    help="What the token is for; a live token of this user with the same name is revoked.",
)
@click.option(
    "--days",
    type=click.IntRange(1, users.MAX_TOKEN_DAYS),
    default=users.DEFAULT_TOKEN_DAYS,
    show_default=True,
    help="Days until the token stops working.",
)
@pass_context
def user_token(ctx: Context, name: str, token_name: str, days: int) -> None:
    """Issue a new API token for a user; it is shown once, as the last word.

    Send it as ``Authorization: Bearer TOKEN``. Only its hash is stored. It
    expires after --days; issuing another under the same --name replaces it.

    \b
    Example:
        photodesk user token ana
        photodesk user token ingest-bot --name nightly --days 30
        curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/photos
    """
    with ctx.session(write=True) as session:
        issued = users.issue_token(session, name, token_name, days)
    if issued.replaced:
        click.echo(f"revoked the previous {issued.name!r} token of {name}", err=True)
    click.echo(
        f"new API token {issued.id} {issued.name!r} for {name}, valid until "
        f"{issued.expires_at:%Y-%m-%d %H:%M} UTC (store it now, it is not shown again): "
        f"{issued.token}"
    )


@user.command(name="tokens")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per token, in a list.")
@pass_context
def user_tokens(ctx: Context, name: str, as_json: bool) -> None:
    """List a user's API tokens: id, name, state, expiry and last use (never the token).

    \b
    Example:
        photodesk user tokens ana
    """
    with ctx.session() as session:
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "state": users.token_state(t),
                "created_at": t.created_at.isoformat(),
                "expires_at": t.expires_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in users.list_tokens(session, name)
        ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo(f"{name} has no API tokens", err=True)
    for row in rows:
        last = str(row["last_used_at"] or "never")[:16].replace("T", " ")
        click.echo(
            f"{row['id']:>5}  {row['name']:<20} {row['state']:<8} "
            f"expires {str(row['expires_at'])[:10]}  last used {last}"
        )


@user.command(name="revoke")
@click.argument("name")
@click.argument("token_id", metavar="TOKEN-ID", type=int)
@pass_context
def user_revoke(ctx: Context, name: str, token_id: int) -> None:
    """Stop one of a user's API tokens from working (ids from `photodesk user tokens`).

    \b
    Example:
        photodesk user revoke ana 3
    """
    with ctx.session(write=True) as session:
        users.revoke_token(session, name, token_id)
    click.echo(f"revoked token {token_id} of {name}")


@user.command(name="disable")
@click.argument("name")
@pass_context
def user_disable(ctx: Context, name: str) -> None:
    """Stop a user from signing in: their sessions end now and their tokens stop working.

    The name stays in the history. The last enabled admin cannot be disabled.

    \b
    Example:
        photodesk user disable ana
    """
    with ctx.session(write=True) as session:
        users.set_disabled(session, name, True)
    click.echo(f"disabled {name}; their sessions have ended")


@user.command(name="enable")
@click.argument("name")
@pass_context
def user_enable(ctx: Context, name: str) -> None:
    """Let a disabled user sign in again (their unexpired, unrevoked tokens work again).

    \b
    Example:
        photodesk user enable ana
    """
    with ctx.session(write=True) as session:
        users.set_disabled(session, name, False)
    click.echo(f"enabled {name}")


@user.command(name="passwd")
@click.argument("name")
@pass_context
def user_passwd(ctx: Context, name: str) -> None:
    """Set a user's password (asked twice, or read from stdin when piped).

    At least 10 characters, not only spaces, not a common password. Every
    gallery session of the user ends; API tokens stay (revoke them separately).

    \b
    Example:
        photodesk user passwd ana
        printf '%s\\n' "$PASSWORD" | photodesk user passwd bot
    """
    password = _read_password()
    with ctx.session(write=True) as session:
        users.set_password(session, name, password)
    click.echo(f"changed the password of {name}; their sessions have ended")


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
