"""Saved edit templates (Photo Mechanic's stationery pad): named edits applied to photos.

They live in the catalog (table ``edit_templates``), so several gallery
processes share them and a save is one row under the database's locking.

A template's spec is plain data: per field a mode (``set`` or ``append``)
and a text that may hold variables (library.text.variables) filled from each
photo: ``{city}, {date:%B %-d, %Y} – ``. The spec is checked when it is saved
and again before it is applied, so an unknown variable is an error before
anything is written. Applying fills every photo first; a photo without a
value the template needs (no city) stops the whole application with the
photos named, before any of them is changed. Every value a template writes
is a new version whose source is ``template:NAME``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from library.catalog import edits
from library.db.models import STATUSES, Asset, EditTemplate
from library.errors import InvalidValueError, PhotodeskError
from library.text.variables import MissingValueError, Pattern, When, parse

#: The file earlier versions kept templates in; adopted once, then renamed.
LEGACY_FILE = "bulk-templates.json"
MAX_NAME = 60

#: Text fields a template fills, in the order forms show them.
TEXT_FIELDS: tuple[str, ...] = (
    "caption",
    "headline",
    "title",
    "alt_text",
    "credit",
    "creator",
    "source",
    "copyright",
    "keywords",
    "instructions",
    "usage_terms",
    "original_date",
)
#: Every field a template can fill: the text fields, the archive flag and the status.
FIELDS: tuple[str, ...] = (*TEXT_FIELDS, "archive", "status")
MODES = ("set", "append")
#: How many photos an error names before it says "and N more".
_NAMED = 10


class TemplateNotFoundError(PhotodeskError):
    """No saved template has that name."""


def source_of(name: str) -> str:
    """The source recorded on every value the template writes."""
    return f"template:{name}"


def check_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A spec with only what it changes, every text's variables checked.

    Accepts the form's shape (``{"credit": {"mode": "set", "value": "..."}}``,
    ``"archive": "yes"``, ``"status": "approved"``, ``keep`` and empty
    entries ignored) and a plain text for "set" (``{"credit": "Reuters"}``).
    Raises InvalidValueError naming the field.
    """
    if not isinstance(spec, Mapping):
        raise InvalidValueError("a template is a set of fields")
    checked: dict[str, Any] = {}
    for name, entry in spec.items():
        if name not in FIELDS:
            raise InvalidValueError(f"{name}: not a field a template fills")
        if name == "archive":
            value = entry if isinstance(entry, str) else ("yes" if entry else "no")
            if entry is None or value in ("", "keep"):
                continue
            if value not in ("yes", "no"):
                raise InvalidValueError(f"archive: expected yes, no or keep, got {entry!r}")
            checked[name] = value
        elif name == "status":
            if entry in (None, "", "keep"):
                continue
            if entry not in STATUSES:
                raise InvalidValueError(f"status: expected one of {', '.join(STATUSES)}")
            checked[name] = entry
        else:
            mode, text = _entry(name, entry)
            if mode is None:
                continue
            if mode == "append" and not text.strip():
                continue
            if mode == "append" and name not in edits.APPENDABLE:
                raise InvalidValueError(f"{name}: can be replaced, not added to")
            try:
                parse(text)
            except InvalidValueError as exc:
                raise InvalidValueError(f"{name}: {exc}") from None
            checked[name] = {"mode": mode, "value": text}
    return checked


def _entry(name: str, entry: Any) -> tuple[str | None, str]:
    if isinstance(entry, str):
        return "set", entry
    if isinstance(entry, Mapping):
        mode = entry.get("mode", "set")
        if mode in (None, "", "keep"):
            return None, ""
        if mode not in MODES:
            raise InvalidValueError(f"{name}: mode must be set, append or keep, got {mode!r}")
        value = entry.get("value", "")
        return mode, "" if value is None else str(value)
    raise InvalidValueError(f"{name}: expected a text or a mode and a value")


@dataclass
class Compiled:
    """A checked spec, its texts parsed: ready to fill for each photo."""

    sets: dict[str, Pattern] = field(default_factory=dict)
    appends: dict[str, Pattern] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.sets or self.appends or self.fixed)

    def fill(
        self, variables: Mapping[str, str | When | None]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(values to set, values to append) for one photo; MissingValueError lists what it lacks."""
        missing: list[str] = []
        filled: dict[str, dict[str, Any]] = {"set": dict(self.fixed), "append": {}}
        for mode, patterns in (("set", self.sets), ("append", self.appends)):
            for name, pattern in patterns.items():
                try:
                    filled[mode][name] = pattern.fill(variables)
                except MissingValueError as exc:
                    missing.extend(exc.names)
        if missing:
            raise MissingValueError(list(dict.fromkeys(missing)))
        return filled["set"], filled["append"]


def compile_spec(spec: Mapping[str, Any]) -> Compiled:
    """Check a spec and parse its texts (no database needed: call it before a write opens)."""
    compiled = Compiled()
    for name, entry in check_spec(spec).items():
        if name == "archive":
            compiled.fixed[name] = entry == "yes"
        elif name == "status":
            compiled.fixed[name] = entry
        elif entry["mode"] == "append":
            compiled.appends[name] = parse(entry["value"])
        else:
            compiled.sets[name] = parse(entry["value"])
    return compiled


def camera_name(make: str | None, model: str | None) -> str | None:
    """The make only when the model lacks it: "Canon EOS R5", not "Canon Canon EOS R5"."""
    make, model = (make or "").strip(), (model or "").strip()
    if not model:
        return make or None
    first = make.split()[0].casefold() if make else ""
    if not first or model.casefold().startswith(first):
        return model
    return f"{make} {model}"


def city_of(asset: Asset) -> str | None:
    """The city the photo's IPTC or XMP names, reconciled as ingest reconciles fields.

    XMP first (the MWG rule), unless the IPTC digest says an older tool
    changed IPTC after the XMP was written.
    """
    embedded = asset.embedded or {}
    order = ("iptc", "xmp") if embedded.get("iptc_digest") == "mismatch" else ("xmp", "iptc")
    for block in order:
        value = (embedded.get(block) or {}).get("city")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def photo_variables(asset: Asset, user: str, now: datetime) -> dict[str, str | When | None]:
    """What the variables stand for on one photo, as it is before the template is applied."""
    taken = When.parse(asset.taken_at) or When.parse(asset.original_date)
    return {
        "date": taken,
        "today": When(now.year, now.month, now.day, now.hour, now.minute, now.second),
        "credit": asset.credit,
        "creator": asset.creator,
        "camera": camera_name(asset.camera_make, asset.camera_model),
        "filename": asset.original_name,
        "city": city_of(asset),
        "user": user,
    }


def _named(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:_NAMED])
    more = f" and {len(ids) - _NAMED} more" if len(ids) > _NAMED else ""
    return f"photo{'s' if len(ids) > 1 else ''} {shown}{more}"


def apply_spec(
    session: Session,
    spec: Mapping[str, Any] | Compiled,
    asset_ids: Iterable[int],
    user: str,
    source: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> list[edits.EditResult]:
    """Fill the spec for every photo, then write each photo's values as a new version.

    Nothing is written unless every photo can be filled: a missing value is
    an InvalidValueError naming the variables and the photos. With
    ``expected_version`` (one photo, from its page) a stale edit is merged as
    the page's own saves are (edits.merge_edit).
    """
    compiled = spec if isinstance(spec, Compiled) else compile_spec(spec)
    if compiled.empty:
        raise InvalidValueError("the template changes nothing: choose at least one field")
    now = now or datetime.now()
    ids = list(dict.fromkeys(asset_ids))
    planned: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    lacking: dict[str, list[int]] = {}
    for asset_id in sorted(ids):  # locked in id order, so two applications cannot deadlock
        asset = edits.locked_asset(session, asset_id)
        try:
            set_values, append_values = compiled.fill(photo_variables(asset, user, now))
        except MissingValueError as exc:
            for name in exc.names:
                lacking.setdefault(name, []).append(asset_id)
            continue
        try:
            edits.normalize_values(set_values)
            edits.normalize_values(append_values)
        except InvalidValueError as exc:
            raise InvalidValueError(f"photo {asset_id}: {exc}") from None
        planned.append((asset_id, set_values, append_values))
    if lacking:
        raise InvalidValueError(
            "; ".join(
                f"{{{name}}}: {_named(found)} ha{'ve' if len(found) > 1 else 's'} no value"
                for name, found in lacking.items()
            )
            + ". Nothing was changed. Write {name|} to leave a missing value blank,"
            " or {name|text} for a default."
        )
    by_id = {asset_id: (s, a) for asset_id, s, a in planned}
    results = []
    for asset_id in ids:
        set_values, append_values = by_id[asset_id]
        asset = edits.locked_asset(session, asset_id)
        values = dict(set_values)
        for name, extra in append_values.items():
            values[name] = edits.appended(name, getattr(asset, name), extra)
        try:
            if expected_version is not None:
                result = edits.merge_edit(
                    session, asset_id, values, user, expected_version, source=source
                )
            else:
                result = edits.edit_asset(session, asset_id, values, user, source=source)
        except InvalidValueError as exc:
            # Appending can push one photo past a limit the others are within.
            raise InvalidValueError(f"photo {asset_id}: {exc}") from None
        results.append(result)
    return results


def apply_template(
    session: Session,
    name: str,
    asset_ids: Iterable[int],
    user: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> list[edits.EditResult]:
    """Apply a saved template (see apply_spec); every value it writes has source ``template:NAME``."""
    spec = get_template(session, name)
    if spec is None:
        raise TemplateNotFoundError(f"there is no template called “{name}”")
    return apply_spec(
        session, spec, asset_ids, user, source_of(name), expected_version=expected_version, now=now
    )


def list_templates(session: Session) -> dict[str, dict[str, Any]]:
    """Every template by name, in name order."""
    rows = session.scalars(select(EditTemplate).order_by(EditTemplate.name))
    return {row.name: dict(row.spec) for row in rows}


def get_template(session: Session, name: str) -> dict[str, Any] | None:
    row = session.scalar(select(EditTemplate).where(EditTemplate.name == name))
    return dict(row.spec) if row else None


def save_template(session: Session, name: str, spec: dict[str, Any], user: str | None) -> None:
    """Create or replace a template; the name is trimmed and must be 1–60 characters.

    The spec is checked (check_spec) and stored with only what it changes.
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidValueError(f"template name: 1 to {MAX_NAME} characters, got {len(name)}")
    spec = check_spec(spec)
    row = session.scalar(select(EditTemplate).where(EditTemplate.name == name).with_for_update())
    if row is None:
        session.add(EditTemplate(name=name, spec=spec, created_by=user))
    else:
        row.spec = spec
        row.created_by = user
    session.flush()


def delete_template(session: Session, name: str) -> bool:
    """Forget a template; False when there was none by that name."""
    result = session.execute(delete(EditTemplate).where(EditTemplate.name == name))
    return bool(getattr(result, "rowcount", 0))


def adopt_legacy_file(session: Session, root: Path) -> int:
    """Move templates from an older library's JSON file into the catalog, once.

    The file is renamed (not deleted) after its templates are in, so nothing a
    user saved is lost and a second start does not import them twice. A
    template already in the catalog under the same name wins.
    """
    path = root / LEGACY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 0
    except (OSError, ValueError):
        return 0  # unreadable: leave it where it is for a person to look at
    adopted = 0
    if isinstance(data, dict):
        existing = set(list_templates(session))
        for name, spec in data.items():
            usable = isinstance(name, str) and 0 < len(name.strip()) <= MAX_NAME
            if usable and isinstance(spec, dict) and name.strip() not in existing:
                try:
                    save_template(session, name, spec, None)
                except InvalidValueError:
                    continue  # kept in the renamed file for a person to look at
                adopted += 1
    session.flush()
    path.rename(path.with_name(LEGACY_FILE + ".adopted"))
    return adopted
