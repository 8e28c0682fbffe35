"""A saved signal index: `check`'s candidates from memory-mapped files, not B-tree descents.

At a million photos the catalog's substring indexes (lookup.py) answer one check
with about 60,000 B-tree descents (84 rules, 3 substrings, some 250 keys each):
near 200 ms, over the 50 ms a check may take. The same look-up over sorted arrays
in memory takes a few milliseconds. Loading the arrays from the catalog takes
minutes at that size, so they are saved in the library folder (``signal-index/``)
and memory-mapped: a new process pays nothing up front, and the page cache keeps
them warm between processes.

Each stored signal is kept once per substring (four of 16 bits, or three of 21-22 for
a layer of millions: :func:`parts_for`), rotated so that substring is the top bits,
and sorted: every hash whose substring equals a key is then one contiguous run, which
a directory of offsets finds.

It stays correct without a rebuild. The manifest records the matcher generation
its layers are complete to. A photo whose signals change enters the backlog in the
same transaction and leaves it only with a newer generation (`backlog.mark_matched`),
so the photos the layers may hold stale or lack are those `backlog.changed_since`
names; they are read from the catalog at every check. And every candidate's
signals are read back from the catalog and its distances computed again, so a
stale value (a photo since refreshed or deleted) never makes a candidate. So the
saved index gives the candidates `CatalogLookup` gives, whatever its age; its age
only costs time. `update` appends a layer for the photos changed since, folds small
layers together, and rebuilds from the catalog when asked.
"""

from __future__ import annotations

import fcntl
import json
import logging
import mmap
import os
import secrets
import shutil
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select, text

from assets import similarity
from library.db.models import Asset
from library.duplicates import backlog
from library.duplicates.hamming import _flip_masks, _split, _Substring, _substring_radii
from library.duplicates.hashbits import hamming_distance
from library.duplicates.pairs import (
    Candidate,
    SignalIndex,
    closest,
    load_signals,
    stored_signals,
)
from library.duplicates.stored import signals_of
from library.errors import PhotodeskError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from library.db.engine import Database

#: The folder in the library root.
FOLDER = "signal-index"
MANIFEST = "manifest.json"
#: Bumped when the files' layout changes; an index of another format is not read.
FORMAT = 4
#: A layer of fewer photos than this sorts each signal by four 16-bit substrings; a
#: larger one by three of 21-22 bits. At radius 8, four substrings need 137 + 3 × 17
#: keys per rule and three need 762, but a 16-bit key holds N / 65,536 hashes (15 at a
#: million photos, 150 at ten million) and a 21-bit one N / 2^21. Measured crossover
#: in benchmarks/saved_index.py. Each substring has a directory of 2^bits + 1 offsets
#: (256 KiB for 16 bits, 8-16 MiB for 21-22), so a key's run is found without a search;
#: a small layer's directory has fewer bits (`_directory_bits`).
THREE_PARTS_FROM = 4_000_000
#: `keep_current` appends a layer once this many photos changed since the last one
#: (each check reads their signals from the catalog into a small index).
APPEND_AT = 200
#: An ingest or a rescan builds a saved index for a library of this many photos or
#: more (0.1 s at 1,000 photos, 5 s at 50,000, 90 s at a million), so that `check` and the
#: next ingest are fast without anyone having heard of `photodesk dupes index`. Without
#: one, a check asks the catalog some 64,000 index probes whatever its size (about
#: 250 ms on PostgreSQL) and every ingest run loads every stored signal (1.2 s at 20,000
#: photos), which a hot folder's jobs each paid; benchmarks/README.md, "Saved index from
#: 1,000 photos".
BUILD_FROM = 1_000
#: More photos changed since the layers than this, and the catalog's indexes (check)
#: or a loaded `SignalIndex` (ingest) answer instead.
MAX_CHANGED = 20_000
#: The newest layers are folded into one when there are more than this, or when the
#: newest holds at least `FOLD_SHARE` of the photos of the layer before it. Layers then
#: grow geometrically, as in a log-structured merge, and a photo is rewritten about
#: log2(N / APPEND_AT) times while a library grows to N photos. Folding every later layer
#: into one at each fold, as before, rewrote every photo added since the build each time:
#: hundreds of times the library for one that grew by hot-folder jobs (`fold_plan`).
MAX_LAYERS = 6
FOLD_SHARE = 0.5
#: Signals read from the catalog at a time when building: 10^7 photos × 8 signals of
#: COPY output is about 3 GB.
SIGNALS_PER_READ = 8

U64 = np.uint64
log = logging.getLogger(__name__)
IdArray = npt.NDArray[np.int64]
HashArray = npt.NDArray[np.uint64]


class SavedIndexError(PhotodeskError):
    """The saved index cannot be written (its folder, its files)."""


@dataclass(frozen=True)
class UpdateResult:
    action: str  # "built", "appended", "folded", "up to date"
    photos: int  # photos the new layer holds (all of them for a build)
    layers: int
    generation: int
    size: int  # bytes on disk


def _rotate_left(values: HashArray, by: int) -> HashArray:
    by %= 64
    if by == 0:
        return values.copy()
    return (values << U64(by)) | (values >> U64(64 - by))


def _to_top(values: HashArray, shift: int, bits: int) -> HashArray:
    """Bits [shift, shift + bits) moved to the top: sorting by the result sorts by the key."""
    return _rotate_left(values, 64 - shift - bits)


def _from_top(rotated: HashArray, shift: int, bits: int) -> HashArray:
    return _rotate_left(rotated, shift + bits)


def _catalog_identity(session: Session) -> str:
    """Which catalog an index belongs to: the database, without any password, and on
    PostgreSQL the database's oid, which a dropped and re-created database does not keep."""
    url = session.get_bind().engine.url
    name = str(url.set(password=None) if url.password else url)
    if url.get_backend_name() == "postgresql":
        oid = session.scalar(text("SELECT oid FROM pg_database WHERE datname = current_database()"))
        name += f"#{oid}"
    return name


# --- reading --------------------------------------------------------------------------


def parts_for(photos: int) -> tuple[_Substring, ...]:
    """The substrings a layer of this many photos sorts each signal by."""
    return _split(4) if photos < THREE_PARTS_FROM else _split(3)


def _parts_from(listed: Any) -> tuple[_Substring, ...]:
    """A manifest's substrings, which must cover the 64 bits in order."""
    parts = tuple(_Substring(int(shift), int(bits)) for shift, bits in listed)
    if [p.shift for p in parts] != [sum(q.bits for q in parts[:i]) for i in range(len(parts))]:
        raise ValueError("substrings out of order")
    if sum(p.bits for p in parts) != 64 or not all(0 < p.bits <= 24 for p in parts):
        raise ValueError("substrings do not cover a hash")
    return parts


def _directory_bits(photos: int, part: _Substring) -> int:
    """A directory no larger than the layer needs: a small layer's 65,537 entries per
    substring would be 40 MB for a few hundred photos, so its directory is indexed by
    the key's top bits only, and a run holds the hashes of several keys."""
    return min(part.bits, max(8, photos.bit_length()))


def _part_bytes(count: int, directory_bits: int) -> int:
    """Hashes (8 bytes each), ids (4), the directory (4 per entry), padded to 8."""
    size = count * 12 + ((1 << directory_bits) + 1) * 4
    return size + size % 8


class _Layer:
    """One file: per signal, for each substring, the rotated hashes sorted, their ids, and
    a directory of where each key's run starts."""

    def __init__(
        self,
        path: Path,
        arrays: dict[str, int],
        parts: tuple[_Substring, ...],
        directories: tuple[int, ...],
    ):
        self.counts = arrays
        self.parts = parts
        self.directories = directories
        self.starts: dict[tuple[str, int], int] = {}
        offset = 0
        for name, count in arrays.items():
            for number, bits in enumerate(directories):
                self.starts[name, number] = offset
                offset += _part_bytes(count, bits)
        self.data: npt.NDArray[np.uint8] | None = None
        if offset:
            with open(path, "rb") as handle:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            if len(mapped) != offset:
                raise ValueError(f"{path}: {len(mapped)} bytes, {offset} expected")
            # Plain arrays over the mapping: numpy.memmap's slicing costs more than the
            # look-ups it serves.
            self.data = np.frombuffer(mapped, dtype=np.uint8)
            self.u64 = np.frombuffer(mapped, dtype=U64)
            self.u32 = np.frombuffer(mapped, dtype=np.uint32)

    def bases(self, sections: list[tuple[str, int]]) -> tuple[IdArray, IdArray, IdArray]:
        """Where each (signal, substring) section's hashes start in ``u64``, and its ids and
        directory in ``u32``; -1 for a signal the layer does not hold."""
        hashes_at, ids_at, directory_at = [], [], []
        for name, number in sections:
            count = self.counts.get(name, 0)
            if not count:
                hashes_at.append(-1)
                ids_at.append(-1)
                directory_at.append(-1)
                continue
            start = self.starts[name, number]
            hashes_at.append(start // 8)
            ids_at.append((start + count * 8) // 4)
            directory_at.append((start + count * 12) // 4)
        return (
            np.array(hashes_at, dtype=np.int64),
            np.array(ids_at, dtype=np.int64),
            np.array(directory_at, dtype=np.int64),
        )

    def signal(self, name: str) -> tuple[IdArray, HashArray]:
        """Every (id, value) of a signal, from its first substring's arrays."""
        count = self.counts.get(name, 0)
        if not count or self.data is None:
            return np.empty(0, np.int64), np.empty(0, U64)
        start = self.starts[name, 0]
        hashes = self.data[start : start + count * 8].view(U64)
        ids = self.data[start + count * 8 : start + count * 12].view(np.uint32)
        first = self.parts[0]
        return ids.astype(np.int64), _from_top(hashes, first.shift, first.bits)


def _open_layer(folder: Path, entry: dict[str, Any]) -> _Layer:
    parts = _parts_from(entry["parts"])
    directories = tuple(int(bits) for bits in entry["directories"])
    if len(directories) != len(parts) or not all(
        8 <= bits <= part.bits for bits, part in zip(directories, parts, strict=True)
    ):
        raise ValueError("directories do not fit the substrings")
    return _Layer(folder / entry["file"], entry["arrays"], parts, directories)


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads((folder / MANIFEST).read_text()))
    except (OSError, ValueError):
        return None


def _usable(manifest: dict[str, Any] | None, session: Session) -> bool:
    return (
        manifest is not None
        and manifest.get("format") == FORMAT
        and manifest.get("signals_version") == similarity.SIGNALS_VERSION
        and manifest.get("catalog") == _catalog_identity(session)
        # A catalog restored from an older backup: its generations are not ours.
        and int(manifest.get("generation", -1)) <= backlog.generation(session)
    )


class SavedIndex:
    """What a loaded `SignalIndex` answers (hits, candidates, new photos added), from the
    saved layers and a small index in memory of the photos changed since them."""

    def __init__(
        self,
        session: Session,
        layers: list[_Layer],
        generation: int,
        photos: int,
        changed: list[int],
        hide: Collection[int] = (),
    ):
        self._session = session
        self._layers = layers
        self._photos = photos
        self.generation = generation
        self.changed = changed
        # Their values as the catalog has them now; the layers' may be stale or missing.
        # A hidden photo is left out of both until it is added (`add_assets`).
        hidden = set(hide)
        self._recent = SignalIndex.of(
            signals_of(session, [i for i in self.changed if i not in hidden])
        )
        self._recent_ids = set(self.changed) | hidden
        self._hidden = hidden

    @classmethod
    def open(cls, session: Session, root: Path, hide: Collection[int] = ()) -> SavedIndex | None:
        """The library's saved index, or None when it has none that fits this catalog.

        ``hide`` are photos it must not find until they are added, as the matcher leaves
        the backlog out of its index so that photos find each other in commit order.
        """
        folder = Path(root) / FOLDER
        manifest = _read_manifest(folder)
        if manifest is None or not _usable(manifest, session):
            return None
        try:
            layers = [_open_layer(folder, entry) for entry in manifest["layers"]]
            photos = sum(int(entry["photos"]) for entry in manifest["layers"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # folded away by a writer meanwhile: the catalog answers
        generation = int(manifest["generation"])
        changed = backlog.changed_since(session, generation)
        if len(changed) > MAX_CHANGED:
            return None  # far behind (a bulk ingest still being matched)
        return cls(session, layers, generation, photos, changed, hide)

    def __len__(self) -> int:
        """About how many photos it holds (a photo changed since counts twice)."""
        return self._photos + len(self._recent_ids)

    def bind(self, session: Session) -> None:
        """Read the catalog in this session from now on (see `pairs.LookupIndex.bind`)."""
        self._session = session

    def add_assets(self, session: Session, asset_ids: Sequence[int]) -> None:
        """Photos committed since it was opened (an ingest run's batches)."""
        new = [
            asset_id
            for asset_id in asset_ids
            if asset_id not in self._recent_ids or asset_id in self._hidden
        ]
        if new:
            self._recent.add_assets(session, new)
            self._recent_ids.update(new)
            self._hidden.difference_update(new)

    def hits(
        self, signals: dict[str, int], exclude: int | None = None
    ) -> list[tuple[int, int, int]]:
        """(rule position, stored photo, distance) for every rule and every stored photo it
        brings within its radius, in rule order, as `SignalIndex.hits` gives them."""
        rules = [
            (query, stored, radius)
            for query, stored, radius in similarity.CANDIDATE_RULES
            if query in signals
        ]
        found: set[int] = set()
        probes: dict[tuple[tuple[_Substring, ...], tuple[int, ...]], _Probes] = {}
        for layer in self._layers if rules else []:
            shape = (layer.parts, layer.directories)
            if shape not in probes:
                probes[shape] = _Probes(rules, signals, *shape)
            found.update(probes[shape].run(layer))
        # The catalog's values decide: the layers only said which photos to ask about,
        # and the photos changed since are in the small index with their values now.
        current = signals_of(self._session, found - self._recent_ids - {exclude})
        rows = self._recent.hits(signals, exclude)
        for position, (query, stored, radius) in enumerate(similarity.CANDIDATE_RULES):
            if query not in signals:
                continue
            for asset_id in sorted(current):
                value = current[asset_id].get(stored)
                if value is None:
                    continue
                distance = hamming_distance(signals[query], value)
                if distance <= radius:
                    rows.append((position, asset_id, distance))
        rows.sort(key=lambda row: (row[0], row[2], row[1]))
        return rows

    def candidates(self, signals: dict[str, int], exclude: int | None = None) -> list[Candidate]:
        """Every stored photo some rule brings within its radius, with the closest rule."""
        return closest(self.hits(signals, exclude))

    def hits_many(self, signals: Sequence[tuple[int, dict[str, int]]]) -> npt.NDArray[np.int64]:
        """(photo, stored photo, distance, rule position) rows, as `SignalIndex.hits_many`
        gives them; each photo is one `hits` of the layers, which probe per photo."""
        rows = [
            (asset_id, found, distance, position)
            for asset_id, values in signals
            for position, found, distance in self.hits(values, exclude=asset_id)
        ]
        return np.array(rows, dtype=np.int64).reshape(-1, 4)


class _Probes:
    """Every key one look-up asks, over all signals and substrings at once.

    One set of numpy operations per layer, instead of one per signal and substring:
    at a check's 160 (signal, substring) sections the per-call overhead was most of
    the cost. A key's section is found through its section number (``group``).
    """

    def __init__(
        self,
        rules: list[tuple[str, str, int]],
        signals: dict[str, int],
        parts: tuple[_Substring, ...],
        directories: tuple[int, ...],
    ):
        self.sections: list[tuple[str, int]] = []
        by_section: dict[tuple[str, int, int], list[int]] = {}
        for query, stored, radius in rules:
            target = int(signals[query]) & ((1 << 64) - 1)
            for number, part_radius in enumerate(_substring_radii(radius, len(parts))):
                if part_radius >= 0:
                    by_section.setdefault((stored, number, radius), []).append(target)
        keys: list[IdArray] = []
        targets: list[HashArray] = []
        radii: list[IdArray] = []
        groups: list[IdArray] = []
        section_of: dict[tuple[str, int], int] = {}
        for (stored, number, radius), hashes in by_section.items():
            group = section_of.setdefault((stored, number), len(section_of))
            part = parts[number]
            masks = _flip_masks(part.bits, _substring_radii(radius, len(parts))[number])
            wanted = np.array(hashes, dtype=U64)
            own = ((wanted >> U64(part.shift)) & U64((1 << part.bits) - 1)).astype(np.int64)
            # XOR is one-to-one, so each target's keys are distinct. The targets are
            # rotated as the section's hashes are: a rotation keeps distances.
            rotated = _to_top(wanted, part.shift, part.bits)
            asked = own[:, None] ^ masks[None, :]
            coarse = part.bits - directories[number]
            if coarse:
                # A directory of the keys' top bits: each target asks each run once.
                runs = np.unique(
                    (np.arange(len(wanted))[:, None] << directories[number]) | (asked >> coarse)
                )
                owner = runs >> directories[number]
                keys.append(runs & ((1 << directories[number]) - 1))
                targets.append(rotated[owner])
            else:
                keys.append(asked.ravel())
                targets.append(np.repeat(rotated, len(masks)))
            radii.append(np.full(len(keys[-1]), radius, dtype=np.int64))
            groups.append(np.full(len(keys[-1]), group, dtype=np.int64))
        self.sections = list(section_of)
        empty = np.empty(0, np.int64)
        self.keys = np.concatenate(keys) if keys else empty
        self.targets = np.concatenate(targets) if targets else np.empty(0, U64)
        self.groups = np.concatenate(groups) if groups else empty
        every = np.concatenate(radii) if radii else empty
        # One radius for every rule (today's case) is compared as a number.
        self.radii: IdArray | int = int(every[0]) if len(set(every.tolist())) == 1 else every

    def run(self, layer: _Layer) -> list[int]:
        """Ids of the layer's hashes within a key's radius of its target."""
        if not len(self.keys) or layer.data is None:
            return []
        hashes_at, ids_at, directory_at = layer.bases(self.sections)
        keys, groups, targets, radii = self.keys, self.groups, self.targets, self.radii
        if (directory_at < 0).any():  # signals this layer holds no photo with
            present = directory_at[groups] >= 0
            keys, groups, targets = keys[present], groups[present], targets[present]
            if not isinstance(radii, int):
                radii = radii[present]
        slot = directory_at[groups] + keys
        starts = layer.u32[slot].astype(np.int64)
        counts = layer.u32[slot + 1].astype(np.int64) - starts
        total = int(counts.sum())
        if not total:
            return []
        # Each key's run of hashes, one after another: run k covers output positions
        # [first[k], first[k] + counts[k]) and reads u64 from hashes_at + starts onwards.
        first = np.cumsum(counts) - counts
        positions = np.repeat(hashes_at[groups] + starts - first, counts) + np.arange(total)
        distances = np.bitwise_count(layer.u64[positions] ^ np.repeat(targets, counts))
        limit = radii if isinstance(radii, int) else np.repeat(radii, counts)
        near = np.flatnonzero(distances <= limit)
        if not len(near):
            return []
        run = np.searchsorted(first, near, side="right") - 1
        ids = layer.u32[ids_at[groups[run]] + starts[run] + (near - first[run])]
        return np.unique(ids).tolist()


# --- writing --------------------------------------------------------------------------


def _write_layer(
    folder: Path, tables: Iterable[tuple[str, IdArray, IdArray]], photos: int
) -> dict[str, Any]:
    """One layer file for these (signal, ids, signed values), in that order, sorted by the
    substrings a layer of ``photos`` photos uses; returns its manifest entry. Nothing is
    left behind if it fails half-way."""
    parts = parts_for(photos)
    directories = tuple(_directory_bits(photos, part) for part in parts)
    name = f"layer-{secrets.token_hex(6)}.bin"
    temporary = folder / f".{name}.tmp"
    arrays: dict[str, int] = {}
    try:
        with open(temporary, "wb") as out:
            for signal, ids, signed in tables:
                if not len(ids):
                    continue
                if int(ids.max()) >= 1 << 32:
                    raise SavedIndexError(f"photo id {int(ids.max())} does not fit the saved index")
                values = signed.astype(np.int64).view(U64)
                for part, bits in zip(parts, directories, strict=True):
                    rotated = _to_top(values, part.shift, part.bits)
                    order = np.argsort(rotated)
                    rotated = rotated[order]
                    starts = np.searchsorted(
                        rotated >> U64(64 - bits), np.arange((1 << bits) + 1, dtype=U64)
                    )
                    out.write(rotated.tobytes())
                    out.write(ids[order].astype(np.uint32).tobytes())
                    out.write(starts.astype(np.uint32).tobytes())
                    written = len(ids) * 12 + len(starts) * 4
                    out.write(b"\0" * (_part_bytes(len(ids), bits) - written))
                arrays[signal] = len(ids)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return {
        "file": name,
        "arrays": arrays,
        "photos": photos,
        "parts": [[p.shift, p.bits] for p in parts],
        "directories": list(directories),
    }


def _catalog_tables(session: Session) -> Iterator[tuple[str, IdArray, IdArray]]:
    """Every photo's stored signals, a few signals per read: at ten million photos all
    forty at once would not fit in memory."""
    names = stored_signals()
    for start in range(0, len(names), SIGNALS_PER_READ):
        tables = load_signals(session, names[start : start + SIGNALS_PER_READ])
        for name in sorted(tables):
            yield name, *tables.pop(name)


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    temporary = folder / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=1))
    os.replace(temporary, folder / MANIFEST)
    keep = {layer["file"] for layer in manifest["layers"]}
    for path in folder.glob("layer-*.bin"):
        if path.name not in keep:
            path.unlink(missing_ok=True)  # readers that still map it keep their copy


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer at a time per library folder (readers never wait)."""
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _snapshot(session: Session) -> None:
    """Everything an update reads must come from one snapshot of the catalog."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _as_tables(current: dict[int, dict[str, int]]) -> list[tuple[str, IdArray, IdArray]]:
    """Rows of photos' signals as the writer takes them."""
    columns: dict[str, tuple[list[int], list[int]]] = {}
    for asset_id in sorted(current):
        for name, value in current[asset_id].items():
            ids, values = columns.setdefault(name, ([], []))
            ids.append(asset_id)
            values.append(value)
    wanted = set(stored_signals())
    return [
        (name, np.array(ids, dtype=np.int64), np.array(values, dtype=np.int64))
        for name, (ids, values) in sorted(columns.items())
        if name in wanted
    ]


def _fold(folder: Path, layers: list[dict[str, Any]]) -> dict[str, Any]:
    """The given layers as one, each photo's values from the newest layer holding it."""
    opened = [_open_layer(folder, entry) for entry in layers]
    names = sorted({n for entry in layers for n in entry["arrays"]})
    # The layout is chosen from the manifest's counts, an upper bound (a photo in two layers
    # counts twice), not by reading every id of every signal first: gigabytes once the
    # first layer is folded in at millions of photos. The entry then gets the true count.
    estimate = max((sum(int(e["arrays"].get(n, 0)) for e in layers) for n in names), default=0)
    seen = np.zeros(0, dtype=bool)  # by photo id (ids fit in 32 bits: `_write_layer`)

    def tables() -> Iterator[tuple[str, IdArray, IdArray]]:
        nonlocal seen
        for name in names:
            pieces = [layer.signal(name) for layer in reversed(opened)]  # newest first
            ids = np.concatenate([p[0] for p in pieces])
            values = np.concatenate([p[1] for p in pieces])
            _, first = np.unique(ids, return_index=True)  # the newest occurrence of each id
            if len(ids) and int(ids.max()) >= len(seen):
                seen = np.concatenate([seen, np.zeros(int(ids.max()) + 1 - len(seen), bool)])
            seen[ids] = True
            yield name, ids[first], values[first].view(np.int64)

    entry = _write_layer(folder, tables(), estimate)
    return {**entry, "photos": int(seen.sum())}


def fold_plan(sizes: Sequence[int]) -> int:
    """How many of the newest layers (``sizes``: their photos, oldest first) to fold into
    one: 0, or 2 and more. The fold takes in older layers while the result would still
    hold `FOLD_SHARE` of the next older one, or while there would be too many layers;
    the first layer is taken in too once the rest have grown to half of it."""
    count, photos = 1, sizes[-1] if sizes else 0
    while count < len(sizes) and (
        len(sizes) - count + 1 > MAX_LAYERS or photos >= FOLD_SHARE * sizes[-count - 1]
    ):
        photos += sizes[-count - 1]
        count += 1
    return count if count > 1 else 0


def update(session: Session, root: Path, rebuild: bool = False) -> UpdateResult:
    """Bring the library's saved index up to date: build it (or ``rebuild``), or append the
    photos changed since, folding small layers together. ``session`` must be fresh:
    everything is read from one snapshot of the catalog."""
    folder = Path(root) / FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder):
            _snapshot(session)
            generation = backlog.generation(session)
            manifest = _read_manifest(folder)
            if rebuild or manifest is None or not _usable(manifest, session):
                photos = session.scalar(select(func.count()).select_from(Asset)) or 0
                layers = [_write_layer(folder, _catalog_tables(session), photos)]
                action = "built"
                photos = layers[0]["photos"]
            else:
                changed = backlog.changed_since(session, int(manifest["generation"]))
                layers = list(manifest["layers"])
                photos = len(changed)
                action = "up to date"
                if changed:
                    tables = _as_tables(signals_of(session, changed))
                    layers.append(_write_layer(folder, tables, len(changed)))
                    action = "appended"
                folded = fold_plan([int(layer["photos"]) for layer in layers])
                if folded:
                    layers = [*layers[:-folded], _fold(folder, layers[-folded:])]
                    action = "folded"
            manifest = {
                "format": FORMAT,
                "signals_version": similarity.SIGNALS_VERSION,
                "catalog": _catalog_identity(session),
                "generation": generation,
                "layers": layers,
            }
            _write_manifest(folder, manifest)
    except OSError as exc:
        raise SavedIndexError(f"{folder}: cannot write the saved signal index ({exc})") from exc
    size = sum((folder / layer["file"]).stat().st_size for layer in layers)
    return UpdateResult(action, photos, len(layers), generation, size)


def discard(root: Path) -> None:
    """Forget the saved index (a restored catalog has another history than the one it
    followed); the next `photodesk dupes index` builds a new one."""
    shutil.rmtree(Path(root) / FOLDER, ignore_errors=True)


def exists(root: Path) -> bool:
    return (Path(root) / FOLDER / MANIFEST).is_file()


def kept_current(
    database: Database, build: bool = False, warn: Callable[[str], None] | None = None
) -> None:
    """`keep_current` for the callers that go on either way: a saved index that cannot be
    written only makes checks slower, so what could not be written is a warning (logged,
    or given to ``warn``)."""
    try:
        keep_current(database, build=build)
    except SavedIndexError as exc:
        (warn or log.warning)(str(exc))


def keep_current(database: Database, build: bool = False) -> UpdateResult | None:
    """Append a layer when many photos changed since the last one; nothing without a saved
    index, unless ``build`` (after an ingest or a rescan) and the library holds
    `BUILD_FROM` photos or more. Cheap when little changed: one manifest read and one
    indexed count. A saved
    index that no longer fits (an upgrade changed the signals) is not rebuilt here, which
    takes minutes at millions of photos: SavedIndexError says what to run."""
    root = database.config.root
    if not exists(root):
        if not build:
            return None
        with database.session_scope(write=False) as session:
            photos = session.scalar(select(func.count()).select_from(Asset)) or 0
        if photos < BUILD_FROM:
            return None
        with database.session_scope(write=False) as session:
            return update(session, root)
    with database.session_scope(write=False) as session:
        manifest = _read_manifest(Path(root) / FOLDER)
        if manifest is None or not _usable(manifest, session):
            raise SavedIndexError(
                f"{Path(root) / FOLDER}: the saved signal index does not fit this catalog "
                "(made by another version or for another catalog), so check asks the "
                "catalog; run `photodesk dupes index --rebuild`"
            )
        if len(backlog.changed_since(session, int(manifest["generation"]))) < APPEND_AT:
            return None
    with database.session_scope(write=False) as session:
        return update(session, root)
