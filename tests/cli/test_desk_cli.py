"""`photodesk template`, `replacement` and `credit`: the library's functions, one line per error."""

from __future__ import annotations

import json
from typing import Any

from library.db.engine import Database
from tests.webui.webutil import asset_values, create_asset


def test_templates_from_the_command_line(run: Any, database: Database) -> None:
    photo = create_asset(database, embedded={"iptc": {"city": "Tehran"}, "xmp": {}})
    spec = json.dumps({"caption": "{city}: smoke", "credit": "Reza Farahzadi/AP"})
    saved = run("template", "save", "Tehran desk", spec, "--user", "ana")
    assert saved.exit_code == 0 and "caption = “{city}: smoke”" in saved.stdout
    listed = run("template", "list", "--json")
    assert json.loads(listed.stdout)["Tehran desk"]["credit"]["value"] == "Reza Farahzadi/AP"
    applied = run("template", "apply", "Tehran desk", str(photo), "--user", "bob")
    assert applied.exit_code == 0 and f"photo {photo} v2: caption, credit" in applied.stdout
    stored = asset_values(database, photo)
    assert stored.caption == "Tehran: smoke"
    assert stored.field_sources["caption"] == "template:Tehran desk"

    bad = run("template", "save", "Bad", '{"caption": "{cty}"}')
    assert bad.exit_code == 1
    assert bad.stderr.strip() == (
        "photodesk: error: caption: unknown variable {cty} (known: {date}, {today}, "
        "{credit}, {creator}, {camera}, {filename}, {city}, {user})"
    )
    bare = create_asset(database)
    lacking = run("template", "apply", "Tehran desk", str(bare))
    assert lacking.exit_code == 1 and f"{{city}}: photo {bare} has no value" in lacking.stderr
    assert "Traceback" not in lacking.stderr
    assert run("template", "apply", "Nope", str(photo)).stderr.startswith(
        "photodesk: error: there is no template called “Nope”"
    )
    assert run("template", "delete", "Tehran desk").exit_code == 0
    assert run("template", "delete", "Tehran desk").exit_code == 1


def test_replacements_and_credits_from_the_command_line(run: Any, database: Database) -> None:
    assert (
        run("replacement", "set", "=RF", "Reza Farahzadi").stdout.strip() == "=rf → Reza Farahzadi"
    )
    assert run("replacement", "list").stdout == "=rf\tReza Farahzadi\n"
    assert run("replacement", "set", "r f", "x").exit_code == 1
    assert run("replacement", "remove", "rf").exit_code == 0
    assert run("replacement", "remove", "rf").exit_code == 1

    for _ in range(2):
        create_asset(database, credit="NASA/ESA")
    assert run("credit", "list").stdout.split() == ["2", "NASA/ESA"]
    flagged = run("credit", "check", "AP Photo/Jane Roe")
    assert flagged.exit_code == 1 and "use “Jane Roe/AP”: house style" in flagged.stdout
    assert run("credit", "check", "NASA/ESA").exit_code == 0
