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


def die_with_parent() -> None:
    """Make this process end when its parent does (Linux: ``PR_SET_PDEATHSIG``).

    Called first thing in a worker; elsewhere it does nothing.
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
