"""`photodesk template`, `photodesk replacement` and `photodesk credit`: the desk's stationery.

Each command opens the catalog, calls one function of library/catalog/
(templates, replacements, credits) and prints.
"""

from __future__ import annotations

import json
from typing import Any

import click

from library.catalog import credits, replacements, templates
from library.catalog import photos as catalog
from library.cli.base import Context, cli, default_user, emit_json, pass_context
from library.errors import InvalidValueError


@cli.group()
def template() -> None:
    """Saved edit templates: list, show, save from JSON, apply to photos, delete.

    \b
    Example:
        photodesk template list
        photodesk template apply "Tehran desk" 12 13 14 --user ana
    """


@template.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def template_list(ctx: Context, as_json: bool) -> None:
    """Every template with what it fills.

    \b
    Example:
        photodesk template list --json
    """
    with ctx.session() as session:
        found = templates.list_templates(session)
    if as_json:
        emit_json(found)
        return
    if not found:
        click.echo("no templates", err=True)
    for name, spec in found.items():
        click.echo(f"{name}: {describe(spec)}")


def describe(spec: dict[str, Any]) -> str:
    """One line: ``caption = “{city} – ”; keywords + “news”; archive yes``."""
    parts = []
    for name, entry in spec.items():
        if isinstance(entry, dict):
            sign = "+" if entry.get("mode") == "append" else "="
            parts.append(f"{name} {sign} “{entry.get('value', '')}”")
        else:
            parts.append(f"{name} {entry}")
    return "; ".join(parts) or "(changes nothing)"


@template.command(name="save")
@click.argument("name")
@click.argument("spec_json", metavar="JSON")
@click.option("--user", default=default_user, show_default="the login name", help="Who saves it.")
@pass_context
def template_save(ctx: Context, name: str, spec_json: str, user: str) -> None:
    """Create or replace a template from JSON: field → text, or field → {mode, value}.

    Fields: caption, headline, title, alt_text, credit, creator, source,
    copyright, keywords, instructions, usage_terms, original_date, archive
    (yes/no) and status. Mode "append" adds to caption, credit, source,
    keywords or instructions. Texts may hold variables: {date:%B %-d, %Y},
    {today}, {credit}, {creator}, {camera}, {filename}, {city}, {user};
    {city|} leaves a missing value blank.

    \b
    Example:
        photodesk template save "Tehran desk" \\
          '{"caption": "{city}, {date:%B %-d, %Y} – ", "credit": "Reza Farahzadi/AP"}'
    """
    try:
        spec = json.loads(spec_json)
    except ValueError as exc:
        raise InvalidValueError(f"JSON: {exc}") from None
    with ctx.session(write=True) as session:
        templates.save_template(session, name, spec, user)
        saved = templates.get_template(session, name.strip()) or {}
    click.echo(f"{name.strip()}: {describe(saved)}")


@template.command(name="apply")
@click.argument("name")
@click.argument("refs", nargs=-1, required=True, metavar="ID|PATH...")
@click.option("--user", default=default_user, show_default="the login name", help="Who applies it.")
@pass_context
def template_apply(ctx: Context, name: str, refs: tuple[str, ...], user: str) -> None:
    """Apply a template to photos; each value is versioned with source template:NAME.

    Nothing is changed when a photo lacks a value the template needs.

    \b
    Example:
        photodesk template apply "Tehran desk" 12 13 14 --user ana
    """
    with ctx.session(write=True) as session:
        ids = [catalog.find_asset(session, ref).id for ref in refs]
        results = templates.apply_template(session, name, ids, user)
    for result in results:
        changed = ", ".join(c.field for c in result.changes) or "nothing changed"
        click.echo(f"photo {result.asset_id} v{result.version}: {changed}")


@template.command(name="delete")
@click.argument("name")
@pass_context
def template_delete(ctx: Context, name: str) -> None:
    """Forget a template.

    \b
    Example:
        photodesk template delete "Tehran desk"
    """
    with ctx.session(write=True) as session:
        if not templates.delete_template(session, name):
            raise templates.TemplateNotFoundError(f"there is no template called “{name}”")
    click.echo(f"deleted {name}")


@cli.group()
def replacement() -> None:
    """Code replacements: =rf typed in a gallery field becomes "Reza Farahzadi".

    \b
    Example:
        photodesk replacement set rf "Reza Farahzadi"
        photodesk replacement list
    """


@replacement.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def replacement_list(ctx: Context, as_json: bool) -> None:
    """Every code and its text.

    \b
    Example:
        photodesk replacement list --json
    """
    with ctx.session() as session:
        found = replacements.list_replacements(session)
    if as_json:
        emit_json(found)
        return
    if not found:
        click.echo("no code replacements", err=True)
    for code, text in found.items():
        click.echo(f"={code}\t{text}")


@replacement.command(name="set")
@click.argument("code")
@click.argument("text")
@click.option("--user", default=default_user, show_default="the login name", help="Who sets it.")
@pass_context
def replacement_set(ctx: Context, code: str, text: str, user: str) -> None:
    """Add a code, or change what it stands for (1–20 letters or digits).

    \b
    Example:
        photodesk replacement set rf "Reza Farahzadi"
    """
    with ctx.session(write=True) as session:
        stored = replacements.set_replacement(session, code, text, user)
    click.echo(f"={stored} → {' '.join(text.split())}")


@replacement.command(name="remove")
@click.argument("code")
@pass_context
def replacement_remove(ctx: Context, code: str) -> None:
    """Forget a code.

    \b
    Example:
        photodesk replacement remove rf
    """
    with ctx.session(write=True) as session:
        if not replacements.delete_replacement(session, code):
            raise InvalidValueError(f"there is no code ={code.lstrip('=')}")
    click.echo(f"removed ={code.lstrip('=').lower()}")


@cli.group()
def credit() -> None:
    """Credits the library uses, and the house style for them.

    \b
    Example:
        photodesk credit list --limit 20
        photodesk credit check "AP Photo/Jane Roe"
    """


@credit.command(name="list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def credit_list(ctx: Context, limit: int, as_json: bool) -> None:
    """Credit and source values on the library's photos, most used first.

    \b
    Example:
        photodesk credit list --limit 20
    """
    with ctx.session() as session:
        found = credits.used_credits(session, limit)
    if as_json:
        emit_json([{"credit": c.text, "photos": c.count} for c in found])
        return
    for known in found:
        click.echo(f"{known.count:>7}  {known.text}")


@credit.command(name="check")
@click.argument("text")
@pass_context
def credit_check(ctx: Context, text: str) -> None:
    """Is TEXT in house style and spelled as the library spells it? Exit 1 when not.

    \b
    Example:
        photodesk credit check "AP Photo/Jane Roe"
    """
    with ctx.session() as session:
        fixes = credits.check_credit(session, text)
    if not fixes:
        click.echo(f"“{text}” is fine")
        return
    for fix in fixes:
        click.echo(f"use “{fix.value}”: {fix.reason}")
    raise SystemExit(1)
