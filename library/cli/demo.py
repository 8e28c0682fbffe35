"""`photodesk demo`: build the demo library and open it in the gallery."""

from __future__ import annotations

import click

from library import demo
from library.cli.base import (
    Context,
    cli,
    pass_context,
)


@cli.command(name="demo")
@click.option(
    "--no-serve", is_flag=True, help="Build the demo library but do not start the gallery."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@pass_context
def demo_command(ctx: Context, no_serve: bool, host: str, port: int) -> None:
    """Build a demo library (photos, duplicates, articles) and open it in the gallery.

    The demo photos are public-domain and CC0 pictures with newsroom captions
    and credits, plus copies made from them (web size, recompressed, cropped,
    captioned, mirrored) so duplicate groups show up.

    \b
    Example:
        photodesk --library demo-library demo
        photodesk --library /tmp/demo demo --no-serve
    """
    database = ctx.database(create=True)
    report = demo.build_demo(database)
    click.echo(
        f"demo library at {ctx.config.root}: {report.photos} photos, "
        f"{report.articles} articles, {report.usages} published images"
    )
    for name, role, password in report.users:
        click.echo(f"  sign in as {name} / {password} ({role})")
    if no_serve:
        return
    from library.cli.web import serve_app

    serve_app(ctx.config, host, port)
