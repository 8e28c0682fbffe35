"""The design's one-way dependencies, checked on every module's imports and calls.

webui → library → assets. Only `library.cli.web` (which starts the server)
may import webui; only the CLI may import click; webui asks library for data
and never runs SQL itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assets", "library", "webui")
SERVER_STARTER = "library.cli.web"
#: What running SQL looks like: SQLAlchemy's statement builders and a session's query calls.
SQL_NAMES = {"select", "insert", "update", "delete", "text", "func", "and_", "or_", "exists"}
SQL_CALLS = {"execute", "scalars", "scalar", "query", "exec_driver_sql"}


def modules() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            if "demo_data" in parts:
                continue  # generator scripts for the shipped demo files, not the product
            yield ".".join(parts), ast.parse(path.read_text(encoding="utf-8"), str(path))


def imported(tree: ast.Module, module: str) -> set[str]:
    """Every module name an import statement names, relative imports resolved."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: -node.level]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def top(name: str) -> str:
    return name.split(".")[0]


MODULES = dict(modules())


def test_every_package_is_seen() -> None:
    assert {top(m) for m in MODULES} == set(PACKAGES)
    assert SERVER_STARTER in MODULES


@pytest.mark.parametrize("module", sorted(MODULES))
def test_dependencies_point_one_way(module: str) -> None:
    names = {top(n) for n in imported(MODULES[module], module)}
    if module.startswith("assets"):
        assert not names & {"library", "webui"}, f"{module} imports {names & {'library', 'webui'}}"
    if module.startswith("library") and module != SERVER_STARTER:
        assert "webui" not in names, f"{module} imports webui"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_cli_speaks_click(module: str) -> None:
    if module.startswith("library.cli"):
        return
    assert "click" not in {top(n) for n in imported(MODULES[module], module)}, module


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("webui")))
def test_webui_runs_no_sql(module: str) -> None:
    tree = MODULES[module]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and top(node.module or "") == "sqlalchemy":
            used = {alias.name for alias in node.names} & SQL_NAMES
            assert not used, f"{module} imports SQL builders {used} from {node.module}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in SQL_CALLS, (
                f"{module}:{node.lineno} calls .{node.func.attr}(): ask library/ instead"
            )


def test_the_checks_catch_what_they_forbid() -> None:
    """The rules above must be able to fail: feed them the shapes they forbid."""
    bad = ast.parse("from library.catalog import search\nimport webui.db\nimport click")
    assert imported(bad, "assets.x") >= {"library.catalog", "webui.db", "click"}
    relative = ast.parse("from ..catalog import queries")
    assert "library.catalog.queries" in imported(relative, "library.cli.photos")
    sql = ast.parse("session.execute(select(Asset))")
    calls = [
        n.func.attr
        for n in ast.walk(sql)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    ]
    assert "execute" in calls


#: What each part of library/ may import of the rest of library/, as the README's
#: package map says. Small modules at the top (errors, config, dates, processes) serve
#: everyone.
COMMON = {"errors", "config", "dates", "processes"}
ALLOWED: dict[str, set[str]] = {
    "db": set(),
    "text": set(),
    "dates": set(),
    "config": set(),
    "errors": set(),
    "processes": set(),
    "catalog": {"db", "text"},
    "duplicates": {"catalog", "db"},
    "ingest": {"catalog", "duplicates", "db"},
    "articles": {"catalog", "ingest", "text", "db"},
    "files": {"catalog", "duplicates", "db"},
    "reports": {"catalog", "duplicates", "text", "db"},
    "demo": {"articles", "catalog", "db", "ingest"},
    "jobs": {"articles", "catalog", "db", "duplicates", "files", "ingest", "reports"},
    "watch": {"db", "ingest", "jobs"},
}
#: Known, named exceptions: data migrations that fill the index or groups they create, and
#: edits, which keep the stored duplicate groups current (the master choice reads fields).
EXCEPTIONS = {
    ("library.db.migrations.versions.0009_search_stemming", "catalog"),
    ("library.db.migrations.versions.0004_duplicate_groups", "duplicates"),
    ("library.catalog.edits", "duplicates"),
}


def part(module: str) -> str | None:
    pieces = module.split(".")
    return pieces[1] if pieces[0] == "library" and len(pieces) > 1 else None


@pytest.mark.parametrize("module", sorted(m for m in MODULES if part(m) in ALLOWED))
def test_library_parts_import_only_what_the_package_map_allows(module: str) -> None:
    mine = part(module)
    assert mine is not None
    used = {part(n) for n in imported(MODULES[module], module)} - {None, mine}
    used = {u for u in used if (module, u) not in EXCEPTIONS}
    allowed = ALLOWED[mine] | COMMON
    assert used <= allowed, (
        f"{module} imports {sorted(used - allowed)} (allowed: {sorted(allowed)})"
    )
