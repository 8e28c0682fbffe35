"""`photodesk serve`: the gallery under waitress. The one library module that imports webui."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from library.catalog.settings import normalize_base_url
from library.cli.base import INTERRUPTS, Context, cli, pass_context
from library.config import LibraryConfig
from library.errors import InvalidValueError

if TYPE_CHECKING:
    from library.reports.reuse import LinkBuilder


class BaseUrlType(click.ParamType):
    """An absolute http(s) URL, checked as the library setting is."""

    name = "URL"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        try:
            return normalize_base_url(str(value))
        except InvalidValueError as exc:
            self.fail(str(exc), param, ctx)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option(
    "--threads", type=click.IntRange(min=1), default=8, show_default=True, help="Worker threads."
)
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="Trust X-Forwarded-For and X-Forwarded-Proto from one HTTPS proxy in front: "
    "real client addresses, Secure cookies and HSTS.",
)
@click.option(
    "--base-url",
    type=BaseUrlType(),
    help="The gallery's public address, for links in report files "
    "(default: the library's base-url setting).",
)
@pass_context
def serve(
    ctx: Context,
    host: str,
    port: int,
    threads: int,
    behind_proxy: bool,
    base_url: str | None,
) -> None:
    """Serve the gallery and the JSON API with waitress.

    Put it behind an HTTPS proxy before exposing it beyond this machine, and
    say so with --behind-proxy (see "Deploying" in the README). SIGINT and
    SIGTERM stop it cleanly.

    \b
    Example:
        photodesk user add ana --role admin
        photodesk serve --port 8080
        photodesk serve --behind-proxy --base-url https://photos.example.org
    """
    serve_app(
        ctx.config,
        host,
        port,
        threads,
        behind_proxy=behind_proxy,
        base_url=base_url,
        broker=ctx.broker_url,
    )


def serve_app(
    config: LibraryConfig,
    host: str,
    port: int,
    threads: int = 8,
    behind_proxy: bool = False,
    base_url: str | None = None,
    broker: str | None = None,
) -> None:
    """Run the gallery for a library until stopped (also used by `photodesk demo`)."""
    from webui import create_app
    from webui.server import serve as run

    app = create_app(
        {
            "LIBRARY": config.root,
            "DATABASE_URL": config.database_url,
            "BEHIND_PROXY": behind_proxy,
            "BASE_URL": base_url,
            "BROKER_URL": broker,
        }
    )
    from library.jobs import running

    def listening() -> None:
        click.echo(f"photodesk gallery on http://{host}:{port}/ (Ctrl+C to stop)", err=True)

    try:
        with INTERRUPTS.stops_on_interrupt():
            run(app, host, port, threads, listening)
    finally:
        # Jobs run on the gallery's thread end with it; their pages must say so.
        running.abandon_background("the gallery stopped before this job ended")


def photo_links(base_url: str) -> LinkBuilder:
    """Links to the gallery's photo pages under ``base_url``, for reports written here."""
    from webui.links import photo_links as links

    return links(base_url)
