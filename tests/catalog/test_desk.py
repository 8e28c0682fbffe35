"""Templates applied to photos, code replacements and the library's credits, on both databases."""

from __future__ import annotations

from datetime import datetime

import pytest

from library.catalog import credits, edits, replacements, templates
from library.db.engine import Database
from library.errors import InvalidValueError, VersionConflictError
from tests.webui.webutil import asset_values, create_asset

NOW = datetime(2024, 5, 1, 9, 30)

DESK = {
    "caption": {"mode": "set", "value": "{city}, {date:%B %-d, %Y} – Smoke rises. ({user})"},
    "credit": "Reza Farahzadi/AP",
    "keywords": {"mode": "append", "value": "{city}, news"},
    "instructions": {"mode": "set", "value": "From {filename}, shot on {camera}"},
    "archive": "no",
    "status": "approved",
    "headline": {"mode": "keep", "value": "ignored"},
}


def tehran(database: Database, **values: object) -> int:
    embedded = {"exif": {}, "iptc": {"city": "Teheran"}, "xmp": {"city": "Tehran"}}
    return create_asset(
        database,
        embedded=values.pop("embedded", embedded),
        taken_at=values.pop("taken_at", "2024-03-03T14:05:00+03:30"),
        camera_make="Canon",
        camera_model="Canon EOS R5",
        **values,
    )


def test_a_template_fills_every_field_with_its_source(database: Database) -> None:
    photo = tehran(database, keywords=["iran"], original_name="IMG_7.jpg")
    with database.session_scope() as session:
        templates.save_template(session, "Tehran desk", DESK, "ana")
    with database.session_scope() as session:
        results = templates.apply_template(session, "Tehran desk", [photo], "bob", now=NOW)
    assert results[0].version == 2
    stored = asset_values(database, photo)
    assert stored.caption == "Tehran, March 3, 2024 – Smoke rises. (bob)"
    assert stored.credit == "Reza Farahzadi/AP"
    assert stored.keywords == ["iran", "Tehran", "news"]
    assert stored.instructions == "From IMG_7.jpg, shot on Canon EOS R5"
    assert stored.status == "approved"
    assert stored.headline is None
    changed = {"caption", "credit", "keywords", "instructions", "status"}
    assert {name: stored.field_sources[name] for name in changed} == dict.fromkeys(
        changed, "template:Tehran desk"
    )
    with database.session_scope(write=False) as session:
        history = edits.history(session, photo)
    assert {c.source for c in history} == {"template:Tehran desk"}
    assert {c.user for c in history} == {"bob"}


def test_the_stored_spec_keeps_only_what_changes(database: Database) -> None:
    with database.session_scope() as session:
        templates.save_template(session, "Tehran desk", DESK, "ana")
        saved = templates.get_template(session, "Tehran desk")
    assert saved is not None
    assert "headline" not in saved
    assert saved["credit"] == {"mode": "set", "value": "Reza Farahzadi/AP"}
    assert saved["archive"] == "no"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"caption": "{cty}, smoke"}, "caption: unknown variable {cty}"),
        ({"headline": "{date:%Q}"}, "headline: {date:%Q}: %Q is not a date format"),
        ({"copyright": {"mode": "append", "value": "x"}}, "copyright: can be replaced, not added"),
        ({"status": "killed"}, "status: expected one of"),
        ({"width": "2"}, "width: not a field a template fills"),
    ],
)
def test_a_bad_template_is_refused_before_anything_is_saved(
    database: Database, spec: dict[str, object], message: str
) -> None:
    photo = tehran(database, caption="Old")
    with (
        database.session_scope() as session,
        pytest.raises(
            InvalidValueError, match=r"^" + message.replace("{", r"\{").replace("}", r"\}")
        ),
    ):
        templates.save_template(session, "Bad", spec, "ana")
    with database.session_scope() as session, pytest.raises(InvalidValueError):
        templates.apply_spec(session, spec, [photo], "ana", "template:Bad")
    assert asset_values(database, photo).version == 1


def test_a_photo_without_a_value_stops_the_whole_application(database: Database) -> None:
    first = tehran(database, caption="One")
    bare = [tehran(database, caption="Two", embedded={"iptc": {}, "xmp": {}}) for _ in range(2)]
    undated = tehran(database, caption="Three", taken_at=None)
    spec = {"caption": "{city}, {date:%Y}"}
    with database.session_scope() as session, pytest.raises(InvalidValueError) as raised:
        templates.apply_spec(session, spec, [first, *bare, undated], "ana", "template:T", now=NOW)
    message = str(raised.value)
    assert f"{{city}}: photos {bare[0]}, {bare[1]} have no value" in message
    assert f"{{date}}: photo {undated} has no value" in message
    assert "Nothing was changed" in message
    assert [asset_values(database, p).version for p in (first, *bare, undated)] == [1, 1, 1, 1]
    # A fallback lets the desk go on: blank, or a default.
    with database.session_scope() as session:
        templates.apply_spec(
            session,
            {"caption": "{city|Somewhere}: {date:%Y|}"},
            [first, *bare, undated],
            "ana",
            "t",
        )
    assert asset_values(database, bare[0]).caption == "Somewhere: 2024"
    assert asset_values(database, undated).caption == "Tehran:"


def test_an_archive_date_fills_what_it_knows(database: Database) -> None:
    scan = create_asset(database, original_date="1979-03")
    with database.session_scope() as session:
        templates.apply_spec(session, {"caption": "FILE – {date:%B %Y}"}, [scan], "ana", "t")
    assert asset_values(database, scan).caption == "FILE – March 1979"


def test_city_follows_the_iptc_digest_and_camera_is_not_doubled(database: Database) -> None:
    stale = tehran(
        database,
        embedded={
            "iptc": {"city": "Esfahan"},
            "xmp": {"city": "Tehran"},
            "iptc_digest": "mismatch",
        },
    )
    with database.session_scope() as session:
        templates.apply_spec(session, {"caption": "{city} {camera}"}, [stale], "ana", "t")
    assert asset_values(database, stale).caption == "Esfahan Canon EOS R5"
    assert templates.camera_name("NIKON CORPORATION", "NIKON D750") == "NIKON D750"
    assert templates.camera_name("FUJIFILM", "X-T4") == "FUJIFILM X-T4"
    assert templates.camera_name(None, None) is None


def test_applying_on_a_page_merges_like_a_save(database: Database) -> None:
    photo = tehran(database, caption="Old", credit="AP")
    with database.session_scope() as session:
        edits.edit_asset(session, photo, {"headline": "Bob's"}, "bob")
    with database.session_scope() as session:  # started from version 1: credit untouched since
        templates.apply_spec(session, {"credit": "Jane Roe/AP"}, [photo], "ana", "t", 1)
    assert asset_values(database, photo).credit == "Jane Roe/AP"
    with database.session_scope() as session, pytest.raises(VersionConflictError):
        templates.apply_spec(session, {"headline": "Ana's"}, [photo], "ana", "t", 1)


def test_appending_respects_the_keyword_limit_per_photo(database: Database) -> None:
    full = create_asset(database, keywords=[f"k{n}" for n in range(200)])
    with (
        database.session_scope() as session,
        pytest.raises(InvalidValueError, match=f"photo {full}"),
    ):
        templates.apply_spec(
            session, {"keywords": {"mode": "append", "value": "one more"}}, [full], "ana", "t"
        )


def test_code_replacements(database: Database) -> None:
    with database.session_scope() as session:
        assert replacements.set_replacement(session, "=RF", "Reza  Farahzadi", "ana") == "rf"
        replacements.set_replacement(session, "ap", "Associated Press", "ana")
        replacements.set_replacement(session, "ap", "AP", "bob")
    with database.session_scope(write=False) as session:
        assert replacements.list_replacements(session) == {"ap": "AP", "rf": "Reza Farahzadi"}
        text = replacements.expand(session, "Photo =rf/=AP. x=rf =rfx =ap")
    assert text == "Photo Reza Farahzadi/AP. x=rf =rfx AP"
    with database.session_scope() as session:
        assert replacements.delete_replacement(session, "rf") is True
        assert replacements.delete_replacement(session, "rf") is False
        for bad in ("", "r f", "x" * 21, "é"):
            with pytest.raises(InvalidValueError):
                replacements.set_replacement(session, bad, "text", "ana")
        with pytest.raises(InvalidValueError):
            replacements.set_replacement(session, "ok", " ", "ana")


def test_used_credits_most_used_first_and_near_duplicates(database: Database) -> None:
    for _ in range(3):
        create_asset(database, credit="NASA/ESA", source="NASA")
    create_asset(database, credit="Nasa/ESA")
    create_asset(database, credit="Jane Roe/AP")
    create_asset(database, credit="x" * 121)
    create_asset(database, source="Collins Family Archive")
    create_asset(database, source="Collins Family Archive")
    create_asset(database, source="Collins family archive")
    with database.session_scope(write=False) as session:
        used = credits.used_credits(session)
        assert [(c.text, c.count) for c in used] == [
            ("NASA", 3),
            ("NASA/ESA", 3),
            ("Collins Family Archive", 2),
            ("Collins family archive", 1),
            ("Jane Roe/AP", 1),
            ("Nasa/ESA", 1),
        ]
        assert [c.text for c in credits.used_credits(session, limit=1)] == ["NASA"]
        fix = credits.check_credit(session, "NASA, ESA")
        assert [f.value for f in fix] == ["NASA/ESA"]
        assert fix[0].reason == "house style is “NASA/ESA”, as on 3 photos"
        assert [f.value for f in credits.check_credit(session, "Nasa/ESA")] == ["NASA/ESA"]
        archive = credits.check_credit(session, "Collins family  archive.")
        assert [(f.value, f.reason) for f in archive] == [
            (
                "Collins Family Archive",
                "the library writes it “Collins Family Archive” on 2 photos",
            )
        ]
        assert credits.check_credit(session, "NASA/ESA") == []
        assert [f.value for f in credits.check_credit(session, "AP Photo/Jane Roe")] == [
            "Jane Roe/AP"
        ]
        assert credits.check_credit(session, "Somebody New/AFP") == []
        assert credits.check_credit(session, "  ") == []


def test_the_credit_count_is_kept_until_the_catalog_changes(database: Database) -> None:
    create_asset(database, credit="NASA/ESA")
    with database.session_scope(write=False) as session:
        first = credits.known_credits(session)
        assert credits.known_credits(session) is first  # nothing changed: the same count
    photo = create_asset(database, credit="Jane Roe/AP")
    with database.session_scope(write=False) as session:
        # Within max_age a count may lag behind a change; without it, never.
        assert credits.known_credits(session, max_age=3600) is first
        assert [c.text for c in credits.known_credits(session)] == ["Jane Roe/AP", "NASA/ESA"]
    with database.session_scope() as session:
        edits.edit_asset(session, photo, {"credit": "NASA/ESA"}, "ana")
    with database.session_scope(write=False) as session:
        assert [(c.text, c.count) for c in credits.known_credits(session)] == [("NASA/ESA", 2)]
