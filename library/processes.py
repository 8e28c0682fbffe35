"""What every worker process of ours needs, whoever starts it.

Ingest's decoders, the Hamming search's workers and the signal refresh all fork
workers that hold large arrays. A parent killed outright (SIGKILL, the OOM killer)
cannot shut its pool down, and forked workers keep each other's pipes open, so they
would wait for work forever, holding gigabytes at ten million photos.
"""

from __future__ import annotations

import os
import signal
import sys


def die_with_parent(owner: int | None = None) -> None:
    """Make this process end when its parent does (Linux: ``PR_SET_PDEATHSIG``), and
    when ``owner`` does, the process that made the pool.

    Called first thing in a worker; elsewhere it does nothing. A worker started by a
    forkserver has the server for a parent, and the server lives as long as any of its
    workers holds the owner's end of its pipe: a watcher or a gallery stopped at once
    (Ctrl-C ends it with ``os._exit``) or killed left both behind for ever. So the
    worker also watches the owner itself.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)
    if owner is not None and owner != os.getppid():
        _exit_with(owner)


def _exit_with(owner: int) -> None:
    import threading

    try:
        handle = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(1)  # already gone
    except OSError:
        handle = None  # no pidfd (an old kernel): look once a second

    def watch() -> None:
        import select
        import time

        if handle is not None:
            select.select([handle], [], [])  # readable once the owner has exited
            os._exit(1)
        while True:
            time.sleep(1)
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="photodesk-owner", daemon=True).start()
