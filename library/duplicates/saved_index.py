"""A saved signal index: `check`'s candidates from memory-mapped files, not B-tree descents.

At a million photos the catalog's substring indexes (lookup.py) answer one check
with about 60,000 B-tree descents (84 rules, 3 substrings, some 250 keys each):
near 200 ms, over the 50 ms a check may take. The same look-up over sorted arrays
is a binary search per key in memory. Loading the arrays from the catalog takes
minutes at that size, so they are saved in the library folder (``signal-index/``)
and memory-mapped: a new process pays nothing up front, and the page cache keeps
them warm between processes.

Each stored signal is kept three times, once per substring of :data:`KEY_PARTS`,
rotated so that substring is the top bits and sorted: every hash whose substring
equals a key is then one contiguous run, found by two binary searches.

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
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import text

from assets import similarity
from library.duplicates import backlog
from library.duplicates.hamming import _flip_masks, _substring_radii
from library.duplicates.lookup import KEY_PARTS, best_candidates
from library.duplicates.pairs import Candidate, load_signals, stored_signals
from library.duplicates.stored import signals_of
from library.errors import PhotodeskError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from library.db.engine import Database

#: The folder in the library root.
FOLDER = "signal-index"
MANIFEST = "manifest.json"
#: Bumped when the files' layout changes; an index of another format is not read.
FORMAT = 1
#: `keep_current` appends a layer once this many photos changed since the last one.
APPEND_AT = 500
#: Layers after the first one are folded into one when there are more than this.
MAX_LAYERS = 6
#: Signals read from the catalog at a time when building: 10^7 photos × 8 signals of
#: COPY output is about 3 GB.
SIGNALS_PER_READ = 8

U64 = np.uint64
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


class _Layer:
    """One file: per signal, for each substring, the rotated hashes sorted and their ids."""

    def __init__(self, path: Path, arrays: dict[str, int]):
        self.counts = arrays
        self.offsets: dict[str, int] = {}
        offset = 0
        for name, count in arrays.items():
            self.offsets[name] = offset
            offset += count * 12 * len(KEY_PARTS)
        self.data = np.memmap(path, dtype=np.uint8, mode="r") if offset else None

    def part(self, name: str, part: int) -> tuple[HashArray, npt.NDArray[np.uint32]]:
        count = self.counts.get(name, 0)
        if not count or self.data is None:
            return np.empty(0, U64), np.empty(0, np.uint32)
        start = self.offsets[name] + part * count * 12
        keys = self.data[start : start + count * 8].view(U64)
        ids = self.data[start + count * 8 : start + count * 12].view(np.uint32)
        return keys, ids

    def signal(self, name: str) -> tuple[IdArray, HashArray]:
        """Every (id, value) of a signal, from its first substring's arrays."""
        keys, ids = self.part(name, 0)
        first = KEY_PARTS[0]
        return ids.astype(np.int64), _from_top(np.asarray(keys), first.shift, first.bits)


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
        and manifest.get("parts") == [[p.shift, p.bits] for p in KEY_PARTS]
        and manifest.get("catalog") == _catalog_identity(session)
        # A catalog restored from an older backup: its generations are not ours.
        and int(manifest.get("generation", -1)) <= backlog.generation(session)
    )


class SavedIndex:
    """`SignalIndex.candidates` from the saved layers plus the photos changed since."""

    def __init__(self, session: Session, layers: list[_Layer], generation: int):
        self._session = session
        self._layers = layers
        self.generation = generation
        self.changed = backlog.changed_since(session, generation)

    @classmethod
    def open(cls, session: Session, root: Path) -> SavedIndex | None:
        """The library's saved index, or None when it has none that fits this catalog."""
        folder = Path(root) / FOLDER
        manifest = _read_manifest(folder)
        if manifest is None or not _usable(manifest, session):
            return None
        try:
            layers = [
                _Layer(folder / layer["file"], layer["arrays"]) for layer in manifest["layers"]
            ]
        except (OSError, ValueError, KeyError):
            return None  # folded away by a writer meanwhile: the catalog answers
        return cls(session, layers, int(manifest["generation"]))

    def candidates(self, signals: dict[str, int], exclude: int | None = None) -> list[Candidate]:
        rules = [
            (query, stored, radius)
            for query, stored, radius in similarity.CANDIDATE_RULES
            if query in signals
        ]
        if not rules:
            return []
        found: set[int] = set(self.changed)
        by_stored: dict[str, list[tuple[int, int]]] = {}
        for query, stored, radius in rules:
            target = int(signals[query]) & ((1 << 64) - 1)
            by_stored.setdefault(stored, []).append((target, radius))
        for layer in self._layers:
            for stored, targets in by_stored.items():
                found.update(_probe(layer, stored, targets))
        if not found:
            return []
        current = signals_of(self._session, found)
        rows: dict[int, list[tuple[int, int]]] = {}
        for number, (query, stored, radius) in enumerate(rules):
            target = int(signals[query]) & ((1 << 64) - 1)
            for asset_id in sorted(current):
                value = current[asset_id].get(stored)
                if value is not None and ((value & ((1 << 64) - 1)) ^ target).bit_count() <= radius:
                    rows.setdefault(number, []).append((asset_id, value))
        return best_candidates(rules, signals, rows, exclude)


def _probe(layer: _Layer, stored: str, targets: list[tuple[int, int]]) -> list[int]:
    """Ids of the layer's hashes of ``stored`` within each (target, radius)."""
    hits: list[IdArray] = []
    for number, part in enumerate(KEY_PARTS):
        keys_of, ids_of = layer.part(stored, number)
        if not len(keys_of):
            return []
        key_list: list[npt.NDArray[np.uint64]] = []
        target_list: list[npt.NDArray[np.uint64]] = []
        radius_list: list[npt.NDArray[np.int64]] = []
        for target, radius in targets:
            part_radius = _substring_radii(radius, len(KEY_PARTS))[number]
            if part_radius < 0:
                continue
            # XOR is one-to-one, so the keys are distinct without np.unique.
            keys = (part.key(target) ^ _flip_masks(part.bits, part_radius)).astype(U64)
            key_list.append(keys)
            target_list.append(np.full(len(keys), target, dtype=U64))
            radius_list.append(np.full(len(keys), radius, dtype=np.int64))
        if not key_list:
            continue
        keys = np.concatenate(key_list)
        low = keys << U64(64 - part.bits)
        high = low | U64((1 << (64 - part.bits)) - 1)
        starts = np.searchsorted(keys_of, low, side="left")
        stops = np.searchsorted(keys_of, high, side="right")
        counts = stops - starts
        if not counts.any():
            continue
        owner = np.repeat(np.arange(len(keys)), counts)
        positions = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(
            int(counts.sum())
        )
        values = _from_top(np.asarray(keys_of[positions]), part.shift, part.bits)
        near = (
            np.bitwise_count(values ^ np.concatenate(target_list)[owner])
            <= np.concatenate(radius_list)[owner]
        )
        hits.append(np.asarray(ids_of[positions][near], dtype=np.int64))
    return np.unique(np.concatenate(hits)).tolist() if hits else []


# --- writing --------------------------------------------------------------------------


def _write_layer(folder: Path, tables: Iterable[tuple[str, IdArray, IdArray]]) -> dict[str, Any]:
    """One layer file for these (signal, ids, signed values), in that order; returns its
    manifest entry. Nothing is left behind if it fails half-way."""
    name = f"layer-{secrets.token_hex(6)}.bin"
    temporary = folder / f".{name}.tmp"
    arrays: dict[str, int] = {}
    photos = np.empty(0, np.int64)
    try:
        with open(temporary, "wb") as out:
            for signal, ids, signed in tables:
                if not len(ids):
                    continue
                if int(ids.max()) >= 1 << 32:
                    raise SavedIndexError(f"photo id {int(ids.max())} does not fit the saved index")
                values = signed.astype(np.int64).view(U64)
                for part in KEY_PARTS:
                    rotated = _to_top(values, part.shift, part.bits)
                    order = np.argsort(rotated)
                    out.write(rotated[order].tobytes())
                    out.write(ids[order].astype(np.uint32).tobytes())
                arrays[signal] = len(ids)
                photos = np.union1d(photos, ids)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, folder / name)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return {"file": name, "arrays": arrays, "photos": len(photos)}


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
    opened = [_Layer(folder / layer["file"], layer["arrays"]) for layer in layers]

    def tables() -> Iterator[tuple[str, IdArray, IdArray]]:
        for name in sorted({n for layer in layers for n in layer["arrays"]}):
            pieces = [layer.signal(name) for layer in reversed(opened)]  # newest first
            ids = np.concatenate([p[0] for p in pieces])
            values = np.concatenate([p[1] for p in pieces])
            _, first = np.unique(ids, return_index=True)  # the newest occurrence of each id
            yield name, ids[first], values[first].view(np.int64)

    return _write_layer(folder, tables())


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
                layers = [_write_layer(folder, _catalog_tables(session))]
                action = "built"
                photos = layers[0]["photos"]
            else:
                changed = backlog.changed_since(session, int(manifest["generation"]))
                layers = list(manifest["layers"])
                photos = len(changed)
                action = "up to date"
                if changed:
                    tables = _as_tables(signals_of(session, changed))
                    layers.append(_write_layer(folder, tables))
                    action = "appended"
                if len(layers) > MAX_LAYERS:
                    layers = [layers[0], _fold(folder, layers[1:])]
                    action = "folded"
            manifest = {
                "format": FORMAT,
                "signals_version": similarity.SIGNALS_VERSION,
                "parts": [[p.shift, p.bits] for p in KEY_PARTS],
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


def keep_current(database: Database) -> UpdateResult | None:
    """Append a layer when many photos changed since the last one; nothing without a saved
    index. Cheap when little changed: one manifest read and one indexed count."""
    root = database.config.root
    if not exists(root):
        return None
    with database.session_scope(write=False) as session:
        manifest = _read_manifest(Path(root) / FOLDER)
        if manifest is None or not _usable(manifest, session):
            return None
        if len(backlog.changed_since(session, int(manifest["generation"]))) < APPEND_AT:
            return None
    with database.session_scope(write=False) as session:
        return update(session, root)
