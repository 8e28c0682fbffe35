"""When a file in a drop folder is finished: its size and modification time stopped changing.

An FTP upload or a camera card copy grows a file over seconds or minutes, and
nothing on disk says "done". A file whose size and modification time have stayed
the same for the settle time is taken as complete; a change starts its wait over.
The clock is a parameter, so tests move time instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float


@dataclass(frozen=True)
class Settled:
    """A file that stopped changing, as it was when it did."""

    path: str
    size: int
    mtime_ns: int


class Settler:
    """Files being watched and since when each has looked the same."""

    def __init__(self, settle: float, clock: Callable[[], float] = time.monotonic):
        if settle < 0:
            raise ValueError("settle time must not be negative")
        self.settle = settle
        self.clock = clock
        self._files: dict[str, _Seen] = {}

    def observe(self, path: str, size: int, mtime_ns: int) -> None:
        """Record what the file looks like now; a change restarts its wait."""
        seen = self._files.get(path)
        if seen is None or (seen.size, seen.mtime_ns) != (size, mtime_ns):
            self._files[path] = _Seen(size, mtime_ns, self.clock())

    def forget(self, path: str) -> None:
        self._files.pop(path, None)

    def paths(self) -> list[str]:
        return sorted(self._files)

    def settled(self) -> list[Settled]:
        """Files unchanged for the settle time at their last observation, in path order.

        Observe every file just before asking: the answer is only as fresh as the
        last look. An empty file waits: a transfer that has created it but not yet
        written a byte is the common case, not an empty photo.
        """
        now = self.clock()
        return [
            Settled(path, seen.size, seen.mtime_ns)
            for path, seen in sorted(self._files.items())
            if seen.size > 0 and now - seen.since >= self.settle
        ]

    def unsettled(self) -> int:
        """Files still within their settle time. An empty file past it is not counted:
        nothing is arriving, and a run that ingests what is there (--once) need not wait
        for it."""
        now = self.clock()
        return sum(1 for seen in self._files.values() if now - seen.since < self.settle)

    def __len__(self) -> int:
        return len(self._files)
