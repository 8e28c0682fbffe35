"""The demo library: shipped photos, their duplicate variants, articles and sign-ins.

Building it again is harmless: ingest and article import are idempotent and
existing demo users are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from library.articles.imports import import_articles
from library.db.engine import Database
from library.ingest.pipeline import IngestOptions, IngestSession

DEMO_DATA = Path(__file__).parent / "demo_data"

#: Demo sign-ins, one per role, printed by `photodesk demo`.
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("editor", "editor", "demo-editor"),
    ("writer", "viewer", "demo-writer"),
    ("auditor", "auditor", "demo-auditor"),
    ("admin", "admin", "demo-admin"),
)


@dataclass
class DemoReport:
    photos: int = 0
    articles: int = 0
    usages: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)


def build_demo(database: Database) -> DemoReport:
    """Ingest the demo photos and variants, import the demo articles, add the demo users."""
    report = DemoReport()
    folders = [str(DEMO_DATA / "photos"), str(DEMO_DATA / "variants")]
    ingest = IngestSession(database, IngestOptions()).run(folders)
    report.photos = ingest.ingested + ingest.already_present
    articles_dir = DEMO_DATA / "articles"
    if articles_dir.is_dir():
        imported = import_articles(database, [str(articles_dir)])
        report.articles = imported.articles_created + imported.articles_updated
        report.usages = imported.usages
    report.users = _add_users(database)
    _add_stationery(database)
    return report


#: The demo desk's templates and code replacements, so the photo page has some to try.
DEMO_TEMPLATES: dict[str, dict[str, Any]] = {
    "Dateline": {"caption": {"mode": "set", "value": "{city|}, {date:%B %-d, %Y|} – "}},
    "NASA handout": {
        "credit": "NASA",
        "source": "NASA",
        "usage_terms": "Public domain; credit NASA",
        "keywords": {"mode": "append", "value": "space, handout"},
    },
    "Archive scan": {"archive": "yes", "instructions": "Archive scan, check the date ({user})"},
}
DEMO_CODES = {"rf": "Reza Farahzadi", "nasa": "NASA/JPL-Caltech", "ap": "The Associated Press"}


def _add_stationery(database: Database) -> None:
    """Templates and codes the demo desk uses; ones a person changed since are left alone."""
    from library.catalog import replacements, templates

    with database.session_scope() as session:
        existing = templates.list_templates(session)
        for name, spec in DEMO_TEMPLATES.items():
            if name not in existing:
                templates.save_template(session, name, spec, "demo")
        codes = replacements.list_replacements(session)
        for code, text in DEMO_CODES.items():
            if code not in codes:
                replacements.set_replacement(session, code, text, "demo")


def _add_users(database: Database) -> list[tuple[str, str, str]]:
    try:
        from library.catalog import users
    except ImportError:  # pragma: no cover - users arrive with the gallery
        return []
    from sqlalchemy import select

    from library.db.models import User

    with database.session_scope() as session:
        existing = set(session.scalars(select(User.name)))
        for name, role, password in DEMO_USERS:
            if name not in existing:
                users.create_user(session, name, role, password)
    return list(DEMO_USERS)
