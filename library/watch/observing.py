"""Waking the hot folders with watchdog: inotify where it works, polling where it does not.

Events only say where to look; HotFolders decides from what is on disk, so a
missed or repeated event costs a little time, never a file.
"""

from __future__ import annotations

import threading
from typing import Any

from library.watch.folders import HotFolders

#: Seconds between polls when polling (network mounts, containers without inotify).
POLL_EVERY = 1.0


def start_observer(hot: HotFolders, polling: bool = False, poll_every: float = POLL_EVERY) -> Any:
    """A running watchdog observer over the folders; falls back to polling when the
    system observer cannot start (no inotify, its watch limit reached)."""
    from watchdog.observers.polling import PollingObserver

    if not polling:
        from watchdog.observers import Observer

        try:
            return _started(Observer(), hot)
        except OSError:
            pass  # inotify unavailable or exhausted: poll instead
    return _started(PollingObserver(timeout=poll_every), hot)


def _started(observer: Any, hot: HotFolders) -> Any:
    handler = _Handler(hot)
    for folder in hot.folders:
        observer.schedule(handler, folder, recursive=True)
    observer.daemon = True
    observer.start()
    return observer


def is_polling(observer: Any) -> bool:
    from watchdog.observers.polling import PollingObserver

    return isinstance(observer, PollingObserver)


class _Handler:
    """Every event names a path to look at; a moved file is looked at where it went."""

    def __init__(self, hot: HotFolders):
        self.hot = hot

    def dispatch(self, event: Any) -> None:
        if event.event_type in ("opened", "deleted"):
            return
        if event.event_type == "moved":
            self.hot.notice(_text(event.dest_path))
            return
        self.hot.notice(_text(event.src_path))


def _text(path: str | bytes) -> str:
    return path.decode() if isinstance(path, bytes) else path


def watch(
    hot: HotFolders,
    stop: threading.Event,
    *,
    polling: bool = False,
    tick_every: float | None = None,
    once: bool = False,
    on_jobs: Any = None,
) -> None:
    """Tick until ``stop`` is set (or, with ``once``, until nothing is left settling).

    Jobs the folders queued before a restart are picked up first. ``on_jobs`` is
    called with the ids of each tick's new jobs (the command prints them).
    """
    interval = tick_every if tick_every is not None else max(0.2, min(1.0, hot.settler.settle / 4))
    observer = start_observer(hot, polling)
    try:
        resumed = hot.resume()
        if resumed and on_jobs is not None:
            on_jobs(resumed)
        while not stop.is_set():
            queued = hot.tick()
            if queued and on_jobs is not None:
                on_jobs(queued)
            if once and not hot.waiting():
                return
            stop.wait(interval)
    finally:
        observer.stop()
        observer.join(timeout=10)
