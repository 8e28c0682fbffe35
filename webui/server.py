"""Running the gallery in production: waitress until SIGINT or SIGTERM, then a clean stop.

waitress handles Ctrl+C itself, but SIGTERM (systemd, docker stop) would end
the process without running any clean-up; here it stops the server the same
way, and what the gallery started is closed: the shared exiftool (downloads
write metadata with it) and the catalog's connections. A server killed
outright still takes exiftool with it (see library/files/exiftool.py).
"""

from __future__ import annotations

import gc
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

from flask import Flask

from library.errors import InvalidValueError
from library.files import exiftool


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def waitress_settings(app: Flask) -> dict[str, Any]:
    """What waitress is given besides the address: the body limit, the proxy headers'
    fate and our name.

    waitress refuses a body larger than the upload limit from its
    Content-Length (or as soon as a chunked body passes it) before reading it,
    so an oversized upload costs neither the transfer nor a spooled temp file.
    It also strips X-Forwarded-* from every request unless told otherwise; behind
    a proxy they must reach the app, whose ProxyFix believes the proxy's own entry
    only (the client addresses the sign-in limit counts, HTTPS for HSTS).
    """
    return {
        "max_request_body_size": app.config["MAX_CONTENT_LENGTH"],
        "clear_untrusted_proxy_headers": not app.config["BEHIND_PROXY"],
        "ident": "photodesk",
    }


def freeze_startup_objects() -> None:
    """Keep what the server loaded at start out of the garbage collector's full passes.

    The modules, templates, mapped classes and caches of a started gallery are
    some 100,000 objects that live as long as the process; every full
    collection walked them all again, 50 to 120 ms on this kind of machine,
    landing on whichever request happened to trigger it (the slowest 5 % of
    pages at 100,000 photos). Frozen, they are never examined again; what
    requests allocate is collected as before.
    """
    gc.collect()
    gc.freeze()


def serve(
    app: Flask,
    host: str,
    port: int,
    threads: int = 8,
    listening: Callable[[], None] | None = None,
) -> None:
    """Serve ``app`` until interrupted or terminated; returns after cleaning up.

    The address is taken before ``listening`` is called, so a port in use is one
    line (InvalidValueError) and the command never claims a gallery it is not running.
    """
    import waitress.server

    try:
        server = waitress.server.create_server(
            app, host=host, port=port, threads=threads, **waitress_settings(app)
        )
    except OSError as exc:
        app.extensions["photodesk"].database.dispose()
        raise InvalidValueError(f"cannot serve on {host}:{port} ({exc.strerror or exc})") from None
    freeze_startup_objects()
    if listening is not None:
        listening()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()
        exiftool.close_shared()
        app.extensions["photodesk"].database.dispose()
