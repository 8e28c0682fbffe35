"""Saved edit templates: named edits an editor loads, checks and applies to a selection.

They live in the catalog (table ``edit_templates``), so several gallery
processes share them and a save is one row under the database's locking.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from library.db.models import EditTemplate
from library.errors import InvalidValueError

#: The file earlier versions kept templates in; adopted once, then renamed.
LEGACY_FILE = "bulk-templates.json"
MAX_NAME = 60


def list_templates(session: Session) -> dict[str, dict[str, Any]]:
    """Every template by name, in name order."""
    rows = session.scalars(select(EditTemplate).order_by(EditTemplate.name))
    return {row.name: dict(row.spec) for row in rows}


def get_template(session: Session, name: str) -> dict[str, Any] | None:
    row = session.scalar(select(EditTemplate).where(EditTemplate.name == name))
    return dict(row.spec) if row else None


def save_template(session: Session, name: str, spec: dict[str, Any], user: str | None) -> None:
    """Create or replace a template; the name is trimmed and must be 1–60 characters."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidValueError(f"template name: 1 to {MAX_NAME} characters, got {len(name)}")
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
                save_template(session, name, spec, None)
                adopted += 1
    session.flush()
    path.rename(path.with_name(LEGACY_FILE + ".adopted"))
    return adopted
