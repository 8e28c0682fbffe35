"""Templates, code replacements and credit advice in the gallery, over plain HTTP and JSON."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient

from library.catalog import edits, replacements, templates
from library.db.engine import Database
from tests.webui.webutil import (
    app_fixture,  # noqa: F401
    asset_values,
    client_fixture,  # noqa: F401
    create_asset,
    csrf,
    finished_job,
    form_fields,
    jpeg,
    post,
    signed_in,
)

JSON = {"Accept": "application/json"}
TEHRAN = {"exif": {}, "iptc": {}, "xmp": {"city": "Tehran"}}


def save_template(database: Database, name: str, spec: dict[str, Any]) -> None:
    with database.session_scope() as session:
        templates.save_template(session, name, spec, "setup")


def in_place(client: FlaskClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(
        url,
        data={**data, "csrf_token": csrf(client)},
        headers={**JSON, "X-CSRF-Token": csrf(client)},
    )


def test_a_template_applies_in_place_on_the_photo_page(
    client: FlaskClient, database: Database
) -> None:
    photo = create_asset(
        database, embedded=TEHRAN, taken_at="2024-03-03T10:00:00", credit="AP", caption="Old"
    )
    save_template(
        database,
        "Tehran desk",
        {"caption": "{city}, {date:%B %-d, %Y} – ", "credit": "Reza Farahzadi/AP"},
    )
    signed_in(client, database, "editor", "ana")
    page = client.get(f"/photos/{photo}?q=old").text
    assert "data-template-picker" in page and '<option value="Tehran desk">' in page
    assert f'action="/photos/{photo}/template?q=old"' in page
    answer = in_place(
        client, f"/photos/{photo}/template?q=old", {"template": "Tehran desk", "version": "1"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json
    assert body["applied"] == ["caption", "credit"]
    assert body["version"] == 2
    assert body["values"]["caption"] == "Tehran, March 3, 2024 –"
    assert body["message"] == "Applied “Tehran desk”: caption, credit (version 2)."
    stored = asset_values(database, photo)
    assert stored.field_sources["caption"] == "template:Tehran desk"
    page = client.get(f"/photos/{photo}").text
    assert "from template:Tehran desk" in page


def test_a_template_the_photo_cannot_fill_saves_nothing(
    client: FlaskClient, database: Database
) -> None:
    photo = create_asset(database, caption="Old")
    save_template(database, "Tehran desk", {"caption": "{city}: smoke", "credit": "AP"})
    signed_in(client, database, "editor")
    answer = in_place(
        client, f"/photos/{photo}/template", {"template": "Tehran desk", "version": "1"}
    )
    assert answer.status_code == 400
    assert answer.json["error"].startswith(
        f"Template “Tehran desk” not applied: {{city}}: photo {photo} has no value"
    )
    assert asset_values(database, photo).version == 1
    # Without JavaScript: the page again, with the message.
    page = post(client, f"/photos/{photo}/template", {"template": "Tehran desk", "version": "1"})
    assert page.status_code == 400 and "has no value" in page.text
    missing = in_place(client, f"/photos/{photo}/template", {"template": "Nope", "version": "1"})
    assert missing.status_code == 404


def test_a_stale_page_applying_a_template_merges_or_clashes(
    client: FlaskClient, database: Database
) -> None:
    photo = create_asset(database, caption="Old", credit="AP")
    with database.session_scope() as session:
        edits.edit_asset(session, photo, {"credit": "Bob's credit"}, "bob")
    save_template(database, "Wire", {"credit": "Reuters"})
    save_template(database, "Note", {"instructions": "No sales"})
    signed_in(client, database, "editor")
    clash = in_place(client, f"/photos/{photo}/template", {"template": "Wire", "version": "1"})
    assert clash.status_code == 409 and clash.json["conflict"][0]["field"] == "credit"
    merged = in_place(client, f"/photos/{photo}/template", {"template": "Note", "version": "1"})
    assert merged.status_code == 200 and merged.json["version"] == 3
    plain = post(client, f"/photos/{photo}/template", {"template": "Wire", "version": "3"})
    assert plain.status_code == 303
    assert asset_values(database, photo).credit == "Reuters"


def test_codes_left_in_a_saved_form_are_expanded(client: FlaskClient, database: Database) -> None:
    photo = create_asset(database, caption="Old")
    with database.session_scope() as session:
        replacements.set_replacement(session, "rf", "Reza Farahzadi", "setup")
    signed_in(client, database, "editor")
    page = client.get(f"/photos/{photo}").text
    assert """<div hidden id="code-replacements" data-codes='{"rf": "Reza Farahzadi"}'>""" in page
    with database.session_scope() as session:
        replacements.set_replacement(session, "ob", "O'Brien </div><script>", "setup")
    attribute = client.get(f"/photos/{photo}").text.split("data-codes='")[1].split("'")[0]
    assert "\\u0027Brien \\u003c/div\\u003e\\u003cscript\\u003e" in attribute
    form = form_fields(page, f"/photos/{photo}")
    form.update(caption="Smoke rises, said =rf", credit="=RF/AP", instructions="x=rf")
    assert client.post(f"/photos/{photo}", data=form).status_code == 303
    stored = asset_values(database, photo)
    assert (stored.caption, stored.credit) == (
        "Smoke rises, said Reza Farahzadi",
        "Reza Farahzadi/AP",
    )
    assert stored.instructions == "x=rf"


def test_the_replacements_page(client: FlaskClient, database: Database) -> None:
    signed_in(client, database, "editor", "ana")
    added = post(client, "/replacements", {"code": "=RF", "text": "Reza Farahzadi"})
    assert added.status_code == 303
    page = client.get("/replacements").text
    assert "<code>=rf</code></td><td>Reza Farahzadi" in page
    assert "AP Photo/Jane Roe" in page and "Jane Roe/AP" in page  # the house-style table
    bad = post(client, "/replacements", {"code": "r f", "text": "x"})
    assert bad.status_code == 400 and "1 to 20 letters or digits" in bad.text
    assert 'value="r f"' in bad.text
    assert post(client, "/replacements/delete", {"code": "rf"}).status_code == 303
    with database.session_scope(write=False) as session:
        assert replacements.list_replacements(session) == {}


def test_the_templates_page_checks_variables_before_saving(
    client: FlaskClient, database: Database
) -> None:
    signed_in(client, database, "editor")
    bad = post(
        client,
        "/templates",
        {"template_name": "Desk", "caption_mode": "set", "caption": "{cty}, {date}"},
    )
    assert bad.status_code == 400
    assert "caption: unknown variable {cty}" in bad.text and "{cty}, {date}" in bad.text
    with database.session_scope(write=False) as session:
        assert templates.list_templates(session) == {}
    good = post(
        client,
        "/templates",
        {
            "template_name": "Desk",
            "caption_mode": "set",
            "caption": "{city|}, {date:%-d %B}",
            "copyright_mode": "set",
            "copyright": "© =ap",
            "archive_mode": "no",
        },
    )
    assert good.status_code == 303
    page = client.get("/templates?edit=Desk").text
    form = form_fields(page, "/templates")
    assert form["caption"] == "{city|}, {date:%-d %B}" and form["copyright_mode"] == "set"
    assert form["archive_mode"] == "no" and form["template_name"] == "Desk"
    assert post(client, "/templates/delete", {"template": "Desk"}).status_code == 303


def test_bulk_edit_fills_every_field_and_records_the_template(
    client: FlaskClient, database: Database
) -> None:
    a, b = (create_asset(database, embedded=TEHRAN, original_name=f"IMG_{n}.jpg") for n in (1, 2))
    signed_in(client, database, "editor", "ana")
    page = post(client, "/bulk", {"ids": [str(a), str(b)]}).text
    for name in templates.TEXT_FIELDS:
        assert f'name="{name}_mode"' in page, name
    applied = post(
        client,
        "/bulk",
        {
            "ids": [str(a), str(b)],
            "op": "apply",
            "headline_mode": "set",
            "headline": "{city} protest",
            "copyright_mode": "set",
            "copyright": "© Desk",
            "usage_terms_mode": "set",
            "usage_terms": "Editorial use only",
            "alt_text_mode": "set",
            "alt_text": "Crowd in {city}, file {filename}",
        },
    )
    assert applied.status_code == 303
    stored = asset_values(database, a)
    assert (stored.headline, stored.copyright) == ("Tehran protest", "© Desk")
    assert stored.alt_text == "Crowd in Tehran, file IMG_1.jpg"
    assert stored.field_sources["headline"] == "user:ana:bulk"

    save_template(
        database, "Wire", {"credit": "Reuters", "caption": {"mode": "append", "value": "({user})"}}
    )
    direct = post(
        client, "/bulk", {"ids": [str(a), str(b)], "op": "apply_template", "template": "Wire"}
    )
    assert direct.status_code == 303
    stored = asset_values(database, b)
    assert stored.credit == "Reuters" and stored.caption == "(ana)"
    assert stored.field_sources["credit"] == "template:Wire"

    # Loaded into the form and applied as it is: still the template's values.
    loaded = post(client, "/bulk", {"ids": str(a), "op": "load_template", "template": "Wire"})
    form = form_fields(loaded.text, "/bulk")
    form.update(op="apply", credit="Reuters/AP")
    assert client.post("/bulk", data=form).status_code == 303
    assert asset_values(database, a).field_sources["credit"] == "user:ana:bulk"


def test_bulk_edit_refuses_what_a_photo_cannot_fill(
    client: FlaskClient, database: Database
) -> None:
    a = create_asset(database, embedded=TEHRAN)
    b = create_asset(database)
    signed_in(client, database, "editor")
    answer = post(
        client,
        "/bulk",
        {"ids": [str(a), str(b)], "op": "apply", "headline_mode": "set", "headline": "{city}"},
    )
    assert answer.status_code == 400
    assert f"{{city}}: photo {b} has no value" in answer.text
    assert asset_values(database, a).version == 1


def test_upload_applies_a_template_to_the_new_photos(
    client: FlaskClient, database: Database
) -> None:
    save_template(database, "Upload desk", {"caption": "Frame {filename}", "status": "approved"})
    save_template(database, "Needs city", {"caption": "{city}"})
    signed_in(client, database, "editor")
    assert '<option value="Upload desk"' in client.get("/upload").text

    def upload(template: str, *files: tuple[bytes, str]) -> Any:
        return post(
            client,
            "/upload",
            {"template": template, "files": [(io.BytesIO(d), n) for d, n in files]},
            content_type="multipart/form-data",
        )

    def finished(response: Any) -> Any:
        assert response.status_code == 303, response.text[:300]
        finished_job(client, response.headers["Location"])
        return client.get(response.headers["Location"])

    done = finished(upload("Upload desk", (jpeg(1), "first.jpg")))
    assert "template “Upload desk” applied" in done.text
    assert '<option value="Upload desk" selected' in done.text
    photo = client.get("/api/photos").json["photos"][0]["id"]
    stored = asset_values(database, photo)
    assert stored.caption == "Frame first.jpg" and stored.status == "approved"
    assert stored.field_sources["caption"] == "template:Upload desk"
    lacking = finished(upload("Needs city", (jpeg(2), "second.jpg")))
    assert "template “Needs city” not applied: {city}" in lacking.text
    unknown = upload("Nope", (jpeg(3), "third.jpg"))
    assert unknown.status_code == 400 and "no template called “Nope”" in unknown.text
    assert len(client.get("/api/photos").json["photos"]) == 2


def test_credit_suggestions_and_advice(client: FlaskClient, database: Database) -> None:
    for _ in range(2):
        create_asset(database, credit="NASA/ESA")
    create_asset(database, credit="Jane Roe/AP", source="AP")
    signed_in(client, database, "editor")
    used = client.get("/credits.json")
    assert used.json["credits"][0] == {"credit": "NASA/ESA", "photos": 2}
    assert "private" in used.headers["Cache-Control"]
    advice = client.get("/credits/check?value=nasa, esa").json
    assert advice["fixes"] == [
        {"value": "NASA/ESA", "reason": "house style is “NASA/ESA”, as on 2 photos"}
    ]
    assert client.get("/credits/check?value=NASA/ESA").json["fixes"] == []
    page = client.get(f"/photos/{create_asset(database)}").text
    assert 'list="credit-suggestions" data-credit-check' in page
    assert 'data-source="/credits.json"' in page
