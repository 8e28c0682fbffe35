"""Versioned edits of a photo's metadata fields: edit, bulk edit, history and revert.

Every edit names the asset version it started from. The version is checked
and incremented in the same transaction that writes the change rows, so two
editors can never silently overwrite each other: the second one gets a
VersionConflictError that carries both values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from library.dates import parse_partial_date
from library.db.models import EDITABLE_FIELDS, STATUSES, Asset, AssetKeyword, Change, utcnow
from library.errors import ChangeNotFoundError, InvalidValueError, VersionConflictError

_TEXT_LIMIT = 20_000
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

#: At most this many keywords per photo, each at most this many characters: enough
#: for any real tagging, and a bound on the work every edit does with them.
MAX_KEYWORDS = 200
MAX_KEYWORD_LENGTH = 64

#: Fields that can be appended to in a bulk edit, and how.
APPENDABLE = ("credit", "source", "keywords", "caption", "instructions")


@dataclass
class EditResult:
    """What an edit did: the new version and the change rows it wrote."""

    asset_id: int
    version: int
    changes: list[Change] = field(default_factory=list)


def unique_keywords(items: Iterable[Any]) -> list[str]:
    """Keywords stripped, empty ones dropped, each kept once (the first spelling, any case).

    One pass with one set: a photo can arrive with thousands of keywords
    (an XMP packet, a script), and this runs inside write transactions.
    """
    seen: set[str] = set()
    kept: list[str] = []
    for item in items:
        text = str(item).strip()
        key = text.casefold()
        if text and key not in seen:
            seen.add(key)
            kept.append(text)
    return kept


def _keyword_items(value: Any) -> list[Any]:
    return value.split(",") if isinstance(value, str) else list(value or [])


def check_keywords(value: Any) -> list[str]:
    """Keywords someone typed or sent: de-duplicated, or refused past the limits.

    The form, the API, bulk edits and the command line use this, so a person
    learns which limit they hit instead of losing keywords without notice.
    """
    kept = unique_keywords(_keyword_items(value))
    for keyword in kept:
        _check_storable("keywords", keyword)
    if len(kept) > MAX_KEYWORDS:
        raise InvalidValueError(f"keywords: at most {MAX_KEYWORDS} per photo, got {len(kept)}")
    long = [k for k in kept if len(k) > MAX_KEYWORD_LENGTH]
    if long:
        raise InvalidValueError(
            f"keywords: each at most {MAX_KEYWORD_LENGTH} characters, "
            f"{len(long)} longer (“{long[0][:20]}…”)"
        )
    return kept


@dataclass
class KeywordCut:
    """Keywords within the limits, and what was cut to get there."""

    keywords: list[str]
    dropped: int = 0  # keywords past MAX_KEYWORDS
    shortened: int = 0  # keywords cut to MAX_KEYWORD_LENGTH

    def message(self) -> str | None:
        """One line for a warning, or None when nothing was cut."""
        parts = []
        if self.dropped:
            parts.append(f"{self.dropped} keywords past the limit of {MAX_KEYWORDS} dropped")
        if self.shortened:
            parts.append(f"{self.shortened} keywords cut to {MAX_KEYWORD_LENGTH} characters")
        return "; ".join(parts) or None


def cut_keywords(value: Any) -> KeywordCut:
    """Keywords from a file or an import, brought within the limits instead of refused.

    Nobody is there to shorten them by hand, so long ones are cut (on a
    character boundary), the ones past the cap are dropped, and the result
    says how many, for the run's warnings.
    """
    shortened = 0
    items: list[str] = []
    for item in unique_keywords(_keyword_items(value)):
        if len(item) > MAX_KEYWORD_LENGTH:
            shortened += 1
            item = item[:MAX_KEYWORD_LENGTH].rstrip()
        items.append(item)
    # Two long keywords may be the same once cut.
    kept = unique_keywords(items)
    return KeywordCut(kept[:MAX_KEYWORDS], max(0, len(kept) - MAX_KEYWORDS), shortened)


def normalize_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every value of an edit checked and cleaned, before any transaction is opened."""
    return {name: normalize(name, value) for name, value in values.items()}


def normalize(name: str, value: Any, limits: bool = True) -> Any:
    """Validate and clean one field value; raises InvalidValueError naming the field.

    ``limits=False`` skips the keyword limits: for comparing a form's values
    with the ones it was loaded with, which may predate the limits.
    """
    if name not in EDITABLE_FIELDS:
        raise InvalidValueError(f"{name}: not an editable field")
    if name == "keywords":
        return check_keywords(value) if limits else unique_keywords(_keyword_items(value))
    if name == "archive":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise InvalidValueError(f"archive: expected yes or no, got {value!r}")
    if name == "status":
        text = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
        if text not in STATUSES:
            raise InvalidValueError(f"status: expected one of {', '.join(STATUSES)}, got {value!r}")
        return text
    if value is None:
        return None
    text = str(value).replace("\r\n", "\n").strip()
    if name == "original_date" and text:
        text = parse_partial_date(text, "original_date")
    if len(text) > _TEXT_LIMIT:
        raise InvalidValueError(f"{name}: longer than {_TEXT_LIMIT} characters")
    _check_storable(name, text)
    return text or None


def _check_storable(name: str, text: str) -> None:
    """NUL and lone surrogates cannot be stored (PostgreSQL refuses NUL, UTF-8 surrogates)."""
    found = _UNSTORABLE.search(text)
    if found:
        what = "a NUL character" if found.group() == "\x00" else "a lone surrogate"
        raise InvalidValueError(f"{name}: contains {what}")


def edit_asset(
    session: Session,
    asset_id: int,
    values: Mapping[str, Any],
    user: str,
    expected_version: int | None = None,
    source: str | None = None,
    note: str | None = None,
) -> EditResult:
    """Apply field values to one asset as one new version.

    ``expected_version`` None skips the check (bulk edits and imports, which
    state their intent for every photo); the web and the API always pass it.
    """
    cleaned = normalize_values(values)
    asset = _locked(session, asset_id)
    if expected_version is not None and expected_version != asset.version:
        conflicts = {
            name: (value, getattr(asset, name))
            for name, value in cleaned.items()
            if value != getattr(asset, name)
        }
        raise VersionConflictError(asset_id, expected_version, asset.version, conflicts)
    source = source or f"user:{user}"
    changed = {n: v for n, v in cleaned.items() if v != getattr(asset, n)}
    result = EditResult(asset_id, asset.version)
    if not changed:
        return result
    asset.version += 1
    now = utcnow()
    sources = dict(asset.field_sources or {})
    for name, value in changed.items():
        change = Change(
            asset_id=asset.id,
            version=asset.version,
            field=name,
            old_value=getattr(asset, name),
            new_value=value,
            old_source=sources.get(name),
            source=source,
            user=user,
            changed_at=now,
            note=note,
        )
        session.add(change)
        result.changes.append(change)
        setattr(asset, name, value)
        sources[name] = source
    asset.field_sources = sources
    asset.updated_at = now
    if "keywords" in changed:
        _sync_keywords(session, asset)
    session.flush()
    from library.catalog import search

    search.reindex_assets(session, [asset.id])
    # The suggested master is the best-described copy, so an edit can change
    # its group (imported here: duplicates builds on catalog, not the reverse).
    from library.duplicates import membership

    membership.refresh_if_grouped(session, asset.id)
    result.version = asset.version
    return result


def merge_edit(
    session: Session,
    asset_id: int,
    values: Mapping[str, Any],
    user: str,
    expected_version: int,
    source: str | None = None,
    note: str | None = None,
) -> EditResult:
    """Apply an edit that started from ``expected_version``, whatever happened since.

    The one policy for a stale edit, used by the photo page and the API alike:
    fields that nobody else changed since that version are applied on top of
    the current version; a field that somebody else did change, to a value
    other than this one, is a conflict, and nothing is written
    (VersionConflictError with both values of each clashing field).
    """
    cleaned = {name: normalize(name, value) for name, value in values.items()}
    asset = _locked(session, asset_id)
    if expected_version != asset.version:
        if expected_version > asset.version:
            touched = set(cleaned)  # a version from the future: trust nothing
        else:
            touched = set(
                session.scalars(
                    select(Change.field).where(
                        Change.asset_id == asset_id, Change.version > expected_version
                    )
                )
            )
        clashes = {
            name: (value, getattr(asset, name))
            for name, value in cleaned.items()
            if name in touched and value != getattr(asset, name)
        }
        if clashes:
            raise VersionConflictError(asset_id, expected_version, asset.version, clashes)
    return edit_asset(session, asset_id, cleaned, user, source=source, note=note)


def bulk_edit(
    session: Session,
    asset_ids: Iterable[int],
    user: str,
    set_values: Mapping[str, Any] | None = None,
    append_values: Mapping[str, Any] | None = None,
) -> list[EditResult]:
    """Set or append fields on many photos at once, each as its own new version."""
    for name in append_values or {}:
        if name not in APPENDABLE:
            raise InvalidValueError(f"{name}: cannot be appended to")
    # Checked once for all photos, and before the first photo is locked.
    set_values = normalize_values(set_values or {})
    append_values = normalize_values(append_values or {})
    results = []
    for asset_id in asset_ids:
        asset = _locked(session, asset_id)
        values = dict(set_values)
        for name, extra in append_values.items():
            values[name] = appended(name, getattr(asset, name), extra)
        try:
            result = edit_asset(session, asset_id, values, user, source=f"user:{user}:bulk")
        except InvalidValueError as exc:
            # Appending can push one photo past a limit the others are within.
            raise InvalidValueError(f"photo {asset_id}: {exc}") from None
        results.append(result)
    return results


def appended(name: str, current: Any, extra: Any) -> Any:
    """``current`` with ``extra`` added: keywords joined, texts after a separator, once."""
    if name == "keywords":
        return list(current or []) + normalize("keywords", extra)
    extra_text = normalize(name, extra)
    if not extra_text:
        return current
    if not current:
        return extra_text
    if extra_text.casefold() in str(current).casefold():
        return current
    separator = "; " if name in ("credit", "source") else " "
    return f"{current}{separator}{extra_text}"


def history(session: Session, asset_id: int) -> list[Change]:
    """Every change of one asset, oldest first."""
    _locked(session, asset_id, lock=False)
    return list(
        session.scalars(select(Change).where(Change.asset_id == asset_id).order_by(Change.id))
    )


def revert_change(
    session: Session,
    asset_id: int,
    change_id: int,
    user: str,
    expected_version: int | None = None,
) -> EditResult:
    """Put a field back to the value it had before one change, as a new change."""
    change = session.get(Change, change_id)
    if change is None or change.asset_id != asset_id:
        raise ChangeNotFoundError(f"photo {asset_id} has no change {change_id}")
    result = edit_asset(
        session,
        asset_id,
        {change.field: change.old_value},
        user,
        expected_version=expected_version,
        source=f"user:{user}",
        note=f"revert of change {change_id}",
    )
    for row in result.changes:
        row.reverts_id = change_id
        if change.old_source:
            asset = session.get(Asset, asset_id)
            assert asset is not None
            asset.field_sources = {**asset.field_sources, change.field: change.old_source}
    return result


def change_record(change: Change) -> dict[str, Any]:
    return {
        "id": change.id,
        "version": change.version,
        "field": change.field,
        "old": change.old_value,
        "new": change.new_value,
        "source": change.source,
        "user": change.user,
        "at": change.changed_at.isoformat(timespec="seconds"),
        "reverts": change.reverts_id,
        "note": change.note,
    }


def locked_asset(session: Session, asset_id: int) -> Asset:
    """The photo, locked for this transaction's edit (on PostgreSQL; SQLite's write lock is whole)."""
    return _locked(session, asset_id)


def _locked(session: Session, asset_id: int, lock: bool = True) -> Asset:
    from library.errors import AssetNotFoundError

    query = select(Asset).where(Asset.id == asset_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    asset = session.scalars(query).one_or_none()
    if asset is None:
        raise AssetNotFoundError(f"no photo with id {asset_id}")
    return asset


def _sync_keywords(session: Session, asset: Asset) -> None:
    session.execute(delete(AssetKeyword).where(AssetKeyword.asset_id == asset.id))
    session.add_all(AssetKeyword(asset_id=asset.id, keyword=k) for k in asset.keywords or [])
