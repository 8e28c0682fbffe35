"""Waking the hot folders with watchdog: inotify where it works, polling where it does not.

Events only say where to look; HotFolders decides from what is on disk, so a
missed or repeated event costs a little time, never a file.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from library.watch import mounts
from library.watch.folders import HotFolders

#: Seconds between polls when polling (network mounts, containers without inotify).
POLL_EVERY = 1.0

#: Seconds between looks at the mount table for shares mounted after the start.
MOUNTS_EVERY = 10.0

#: A poll rests at least this many times as long as its last walk of the folder took,
#: so a share of many thousand files is not walked over the network every second.
POLL_PACE = 20.0


def start_observer(
    hot: HotFolders,
    polling: bool = False,
    poll_every: float = POLL_EVERY,
    mountinfo: Path = mounts.MOUNTINFO,
) -> Observers:
    """Running watchdog observers over the folders: inotify where it hears the writes,
    polling for folders on a network mount (or all, when ``polling``), and for all when
    the system observer cannot start (no inotify, its watch limit reached)."""
    polled = dict.fromkeys(hot.folders, "asked") if polling else _network(hot, mountinfo)
    # A share mounted inside a local folder is polled too; inotify still hears the rest.
    local = [f for f in hot.folders if f not in polled]
    running = []
    if local:
        from watchdog.observers import Observer

        try:
            running.append(_started(Observer(), hot, local))
        except OSError as exc:  # inotify unavailable or exhausted: poll instead
            reason = f"inotify cannot start ({exc.strerror or exc})"
            polled.update(dict.fromkeys(local, reason))
    observers = Observers(hot, running, {}, poll_every)
    observers.poll(polled)
    return observers


def _network(hot: HotFolders, mountinfo: Path) -> dict[str, str]:
    return {
        folder: f"on a {fstype} mount, where other machines' writes send no events"
        for folder, fstype in mounts.network_folders(hot.folders, mountinfo).items()
    }


def paced(every: float, walked: float) -> float:
    """Seconds until the next poll: ``every``, or longer when the last walk took long."""
    return max(every, POLL_PACE * walked)


def _paced_emitter() -> type:
    from watchdog.observers.polling import PollingEmitter

    class PacedEmitter(PollingEmitter):  # type: ignore[misc]
        """watchdog's polling emitter, timing its walks through the stat and listdir
        functions it takes, and resting in proportion."""

        def __init__(self, *args: Any, **kwargs: Any):
            self.walked = self.last_walk = 0.0
            super().__init__(*args, stat=self._stat, listdir=self._listdir, **kwargs)

        def _stat(self, path: str) -> os.stat_result:
            started = time.perf_counter()
            try:
                return os.stat(path)
            finally:
                self.walked += time.perf_counter() - started

        def _listdir(self, path: str | None) -> Iterator[os.DirEntry[str]]:
            started = time.perf_counter()
            try:
                with os.scandir(path) as entries:
                    return iter(list(entries))
            finally:
                self.walked += time.perf_counter() - started

        def queue_events(self, timeout: float) -> None:
            self.last_walk, self.walked = self.walked, 0.0
            super().queue_events(paced(timeout, self.last_walk))

    return PacedEmitter


def _paced_observer(every: float) -> Any:
    """A polling observer whose emitters pace themselves (watchdog is imported when a
    folder is polled, not by every command)."""
    from watchdog.observers.api import BaseObserver

    return BaseObserver(_paced_emitter(), timeout=every)


class Observers:
    """The observers of one watcher, stopped together; ``polled`` gives each polled
    folder's reason: ``asked``, or why inotify would not hear it, in words."""

    def __init__(self, hot: HotFolders, running: list[Any], polled: dict[str, str], every: float):
        self.hot = hot
        self.running = running
        self.polled = polled
        self._every = every
        self._poller: Any = None

    def poll(self, folders: dict[str, str]) -> dict[str, str]:
        """Poll these folders too; those that were not polled yet."""
        new = {f: why for f, why in folders.items() if f not in self.polled}
        if not new:
            return {}
        if self._poller is None:
            self._poller = _started(_paced_observer(self._every), self.hot, list(new))
            self.running.append(self._poller)
        else:
            handler = _Handler(self.hot)
            for folder in new:
                self._poller.schedule(handler, folder, recursive=True)
        self.polled.update(new)
        return new

    def remount(self, mountinfo: Path = mounts.MOUNTINFO) -> dict[str, str]:
        """Poll the folders that a network share was mounted on, or in, since the start
        (an automount, a share mounted after the watcher at boot); those newly polled."""
        return self.poll(_network(self.hot, mountinfo))

    def stop(self) -> None:
        for observer in self.running:
            observer.stop()

    def join(self, timeout: float | None = None) -> None:
        for observer in self.running:
            observer.join(timeout=timeout)


def _started(observer: Any, hot: HotFolders, folders: list[str]) -> Any:
    handler = _Handler(hot)
    for folder in folders:
        observer.schedule(handler, folder, recursive=True)
    observer.daemon = True
    observer.start()
    return observer


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
    on_polled: Callable[[dict[str, str]], None] | None = None,
    mountinfo: Path = mounts.MOUNTINFO,
) -> None:
    """Tick until ``stop`` is set (or, with ``once``, until nothing is left settling).

    Jobs the folders queued before a restart are picked up first. ``on_jobs`` is
    called with the ids of each tick's new jobs, ``on_polled`` with the folders that
    are polled and why (the command prints both).
    """
    interval = tick_every if tick_every is not None else max(0.2, min(1.0, hot.settler.settle / 4))
    observer = start_observer(hot, polling, mountinfo=mountinfo)
    if observer.polled and on_polled is not None:
        on_polled(observer.polled)
    mounts_at = time.monotonic() + MOUNTS_EVERY
    try:
        resumed = hot.resume()
        if resumed and on_jobs is not None:
            on_jobs(resumed)
        while not stop.is_set():
            if not polling and time.monotonic() >= mounts_at:
                mounts_at = time.monotonic() + MOUNTS_EVERY
                remounted = observer.remount(mountinfo)
                if remounted:
                    hot.scan_everything()  # what the share brought is looked at now
                    if on_polled is not None:
                        on_polled(remounted)
            queued = hot.tick()
            if queued and on_jobs is not None:
                on_jobs(queued)
            if once and not hot.waiting():
                return
            stop.wait(interval)
    finally:
        observer.stop()
        observer.join(timeout=10)
