"""`photodesk serve`: the gallery under waitress. The one library module that imports webui."""

from __future__ import annotations

import click

from library.cli.base import Context, cli, pass_context
from library.config import LibraryConfig


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option(
    "--threads", type=click.IntRange(min=1), default=8, show_default=True, help="Worker threads."
)
@pass_context
def serve(ctx: Context, host: str, port: int, threads: int) -> None:
    """Serve the gallery and the JSON API with waitress.

    Put it behind an HTTPS proxy before exposing it beyond this machine.

    \b
    Example:
        photodesk user add ana --role admin
        photodesk serve --port 8080
    """
    serve_app(ctx.config, host, port, threads)


def serve_app(config: LibraryConfig, host: str, port: int, threads: int = 8) -> None:
    """Run the gallery for a library until interrupted (also used by `photodesk demo`)."""
    import waitress

    from webui import create_app, waitress_settings

    app = create_app({"LIBRARY": config.root, "DATABASE_URL": config.database_url})
    click.echo(f"photodesk gallery on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, **waitress_settings(app))
