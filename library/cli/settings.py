"""`photodesk setting`: library-wide settings kept in the catalog (today: the base URL)."""

from __future__ import annotations

import click

from library.catalog import settings
from library.cli.base import Context, cli, pass_context


@cli.command(name="setting")
@click.argument("name", type=click.Choice(sorted(settings.SETTINGS)))
@click.argument("value", required=False)
@click.option("--unset", is_flag=True, help="Remove the setting.")
@pass_context
def setting(ctx: Context, name: str, value: str | None, unset: bool) -> None:
    """Show a library setting, or set it to VALUE.

    base-url is the gallery's public address (https://photos.example.org):
    links in report files are built on it, by the gallery and by
    `photodesk report reuse`, never from the address a request came in on.

    \b
    Example:
        photodesk setting base-url https://photos.example.org
        photodesk setting base-url
        photodesk setting base-url --unset
    """
    if value is not None and unset:
        raise click.UsageError("give a VALUE or --unset, not both")
    if value is None and not unset:
        with ctx.session() as session:
            current = settings.get_setting(session, name)
        click.echo(current if current is not None else f"{name} is not set", err=current is None)
        return
    with ctx.session(write=True) as session:
        stored = settings.set_setting(session, name, None if unset else value)
    click.echo(f"{name} = {stored}" if stored is not None else f"{name} removed")
