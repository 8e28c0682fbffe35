"""Running the gallery in production: waitress until SIGINT or SIGTERM, then a clean stop.

waitress handles Ctrl+C itself, but SIGTERM (systemd, docker stop) would end
the process without running any clean-up; here it stops the server the same
way, and what the gallery started is closed: the shared exiftool (downloads
write metadata with it) and the catalog's connections. A server killed
outright still takes exiftool with it (see library/files/exiftool.py).
"""

from __future__ import annotations

import signal
from types import FrameType

from flask import Flask

from library.files import exiftool


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(app: Flask, host: str, port: int, threads: int = 8) -> None:
    """Serve ``app`` until interrupted or terminated; returns after cleaning up."""
    import waitress

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="photodesk")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        exiftool.close_shared()
        app.extensions["photodesk"].database.dispose()
