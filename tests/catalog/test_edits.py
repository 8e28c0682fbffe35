"""The one policy for stale edits: merge untouched fields, refuse real clashes."""

from __future__ import annotations

import pytest

from library.catalog import edits
from library.db.engine import Database
from library.errors import VersionConflictError
from tests.webui.webutil import asset_values, create_asset


def edit(database: Database, asset: int, user: str, version: int, **values: object) -> int:
    with database.session_scope() as session:
        return edits.merge_edit(session, asset, values, user, expected_version=version).version


def test_current_version_applies(database: Database) -> None:
    asset = create_asset(database, caption="Old")
    assert edit(database, asset, "ana", 1, caption="New") == 2
    assert asset_values(database, asset).caption == "New"


def test_stale_edit_of_other_fields_merges_on_top(database: Database) -> None:
    asset = create_asset(database, caption="Old", credit="AP")
    edit(database, asset, "ana", 1, credit="Reuters")
    assert edit(database, asset, "bob", 1, caption="Bob's caption") == 3
    stored = asset_values(database, asset)
    assert (stored.caption, stored.credit) == ("Bob's caption", "Reuters")


def test_stale_edit_of_the_same_field_is_a_conflict_and_writes_nothing(
    database: Database,
) -> None:
    asset = create_asset(database, caption="Old", credit="AP")
    edit(database, asset, "ana", 1, caption="Ana's")
    with pytest.raises(VersionConflictError) as raised:
        edit(database, asset, "bob", 1, caption="Bob's", credit="Bob's credit")
    assert raised.value.conflicts == {"caption": ("Bob's", "Ana's")}
    assert raised.value.current == 2
    stored = asset_values(database, asset)
    assert (stored.caption, stored.credit, stored.version) == ("Ana's", "AP", 2)


def test_same_value_written_by_both_is_no_conflict(database: Database) -> None:
    asset = create_asset(database, caption="Old")
    edit(database, asset, "ana", 1, caption="Agreed")
    assert edit(database, asset, "bob", 1, caption="Agreed") == 2


def test_a_field_changed_and_changed_back_still_counts_as_touched(database: Database) -> None:
    asset = create_asset(database, caption="Old")
    edit(database, asset, "ana", 1, caption="Ana's")
    edit(database, asset, "ana", 2, caption="Old")
    with pytest.raises(VersionConflictError):
        edit(database, asset, "bob", 1, caption="Bob's")


def test_a_version_from_the_future_is_refused(database: Database) -> None:
    asset = create_asset(database, caption="Old")
    with pytest.raises(VersionConflictError):
        edit(database, asset, "bob", 7, caption="Bob's")
