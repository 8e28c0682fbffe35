"""Edit templates in the catalog: saved, replaced, listed in order, deleted, names checked."""

from __future__ import annotations

import pytest

from library.catalog import templates
from library.db.engine import Database
from library.errors import InvalidValueError


def test_save_replace_list_delete(database: Database) -> None:
    with database.session_scope() as session:
        templates.save_template(session, "  Reuters wire ", {"credit": "Reuters"}, "ana")
        templates.save_template(session, "Archive scan", {"archive": "yes"}, "ana")
    with database.session_scope() as session:
        templates.save_template(session, "Reuters wire", {"credit": "REUTERS"}, "bob")
    with database.session_scope(write=False) as session:
        assert list(templates.list_templates(session)) == ["Archive scan", "Reuters wire"]
        assert templates.get_template(session, "Reuters wire") == {
            "credit": {"mode": "set", "value": "REUTERS"}
        }
    with database.session_scope() as session:
        assert templates.delete_template(session, "Archive scan") is True
        assert templates.delete_template(session, "Archive scan") is False
    with database.session_scope(write=False) as session:
        assert list(templates.list_templates(session)) == ["Reuters wire"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_bad_names_are_refused(database: Database, name: str) -> None:
    with database.session_scope() as session, pytest.raises(InvalidValueError):
        templates.save_template(session, name, {}, "ana")
