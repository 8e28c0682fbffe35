"""The desk's stationery at 100,000 photos: credit suggestions, credit advice, a template applied in place.

The catalog is gallery_speed.py's (seeded captions, credits from 40 names x
agencies, 15 % missing), filled the same way. A signed-in editor requests
each page through Flask's test client, so the time is the server's. The
baselines, in the same process, are the same photo page for a viewer (no
template picker, no code list) and, for applying a template, one field
saved through the API (both write a version, reindex the photo and refresh
its duplicate group).

Usage:
    .venv/bin/python benchmarks/desk_speed.py [--count 100000] [--runs 40]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench] [--keep DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from itertools import cycle
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.gallery_speed import TARGET_MS, fill, measure  # noqa: E402
from library.catalog import credits, replacements, templates, users  # noqa: E402
from library.config import LibraryConfig  # noqa: E402
from library.db.engine import init_library  # noqa: E402


def _client(app: object, name: str) -> object:
    client = app.test_client()  # type: ignore[attr-defined]
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    signed = client.post(
        "/login", data={"name": name, "password": "bench-password", "csrf_token": token}
    )
    assert signed.status_code == 303, signed.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is emptied!)")
    parser.add_argument("--keep", type=Path, help="Build the library here and keep it.")
    parser.add_argument("--reuse", action="store_true", help="Time a library kept by --keep.")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="photodesk-desk-bench-"))
    config = LibraryConfig(folder / "library", args.database_url)
    if not args.reuse:
        if args.database_url:
            from tests.conftest import reset_postgres

            reset_postgres(args.database_url)
        database = init_library(config)
        print(f"filling {args.count:,} photos")
        for phase, seconds in fill(database, args.count, min(10_000, args.count // 10)).items():
            print(f"  {phase:<36} {seconds:6.1f} s")
    database = init_library(config)
    with database.session_scope(write=True) as session:
        try:
            users.get_user(session, "desk-editor")
        except users.UserNotFoundError:
            users.create_user(session, "desk-editor", "editor", "bench-password")
        for n in range(30):
            replacements.set_replacement(session, f"c{n}", f"Photographer Number {n}", "bench")
        templates.save_template(
            session, "Dateline", {"caption": "{city|Somewhere}, {date:%B %-d, %Y|} –"}, "bench"
        )
        templates.save_template(
            session,
            "Wire",
            {"credit": "{creator|Staff}/AP", "usage_terms": "Editorial use"},
            "bench",
        )
        templates.save_template(session, "Plain", {"caption": "Frame {filename}"}, "bench")

    from webui import create_app

    app = create_app(
        {"LIBRARY": config.root, "DATABASE_URL": args.database_url, "SECRET_KEY": "bench"}
    )
    viewer, editor = _client(app, "bench"), _client(app, "desk-editor")
    photos = [f"/photos/{i}" for i in range(1, args.count, max(1, args.count // 20))]
    turn = cycle(photos)
    # Three templates over 20 photos: every application changes something.
    flip = cycle(["Dateline", "Wire", "Plain"])
    page = editor.get(photos[0]).text  # type: ignore[attr-defined]
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    versions: dict[str, int] = {}

    def version_of(url: str) -> int:
        """The photo's version, read once (a kept library has edits from earlier runs)."""
        if url not in versions:
            versions[url] = editor.get("/api" + url).json["version"]  # type: ignore[attr-defined]
        return versions[url]

    def apply_template() -> None:
        url = next(turn)
        answer = editor.post(  # type: ignore[attr-defined]
            url + "/template",
            data={"template": next(flip), "version": str(version_of(url))},
            headers={"Accept": "application/json", "X-CSRF-Token": token},
        )
        assert answer.status_code == 200, answer.text[:200]
        versions[url] = answer.json["version"]

    saves = cycle(range(10**6))
    own = [f"/photos/{i}" for i in range(2, args.count, max(1, args.count // 20))]
    own_turn = cycle(own)

    def save_caption() -> None:
        """The baseline for a write: one field saved through the API (edits.merge_edit)."""
        url = next(own_turn)
        version = version_of(url)
        answer = editor.patch(  # type: ignore[attr-defined]
            "/api" + url,
            json={"version": version, "caption": f"Caption {next(saves)}"},
            headers={"X-CSRF-Token": token},
        )
        assert answer.status_code == 200, answer.text[:200]
        versions[url] = answer.json["version"]

    rows = [
        ("photo page, viewer (baseline)", lambda: viewer.get(next(turn))),  # type: ignore[attr-defined]
        ("photo page, editor (template picker, codes)", lambda: editor.get(next(turn))),  # type: ignore[attr-defined]
        ("GET /credits.json (200 most used)", lambda: editor.get("/credits.json")),  # type: ignore[attr-defined]
        (
            "GET /credits/check?value=AP Photo/…",
            lambda: editor.get("/credits/check?value=AP+Photo/Jane+Roe"),  # type: ignore[attr-defined]
        ),
        ("PATCH /api/photos/ID, a caption (baseline)", save_caption),
        ("POST /photos/ID/template (in place)", apply_template),
    ]
    print(f"\n{'page':<48} {'median':>8} {'p95':>8}")
    worst = 0.0
    for label, call in rows:
        median, p95 = measure(call, args.runs)
        worst = max(worst, p95)
        print(f"{label:<48} {median:7.1f}ms {p95:7.1f}ms")
    with database.session_scope(write=False) as session:
        median, p95 = measure(lambda: credits.used_credits(session, 200), args.runs)
    print(f"{'library: used_credits() alone':<48} {median:7.1f}ms {p95:7.1f}ms")
    print(f"\nworst p95 {worst:.1f} ms (target {TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
