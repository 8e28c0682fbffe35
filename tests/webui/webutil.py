"""Fixtures and factories for the gallery tests: an app per test, users, photos and articles.

Test modules import the fixtures by their function names
(``from tests.webui.webutil import app_fixture, client_fixture``); tests ask for
them as ``app`` and ``client``.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from PIL import Image
from sqlalchemy import func, select

from library.catalog import search, users
from library.catalog.store import Store
from library.config import LibraryConfig
from library.db.engine import Database
from library.db.models import Article, Asset, AssetKeyword, Rendition, Usage
from library.duplicates import membership
from library.jobs import running
from library.text.captions import parse_caption
from webui import create_app

PASSWORD = "correct-horse-battery"
ROLES = ("viewer", "editor", "auditor", "admin")


@pytest.fixture(name="app")
def app_fixture(config: LibraryConfig, database: Database) -> Iterator[Flask]:
    flask_app = make_app(config)
    yield flask_app
    # Jobs the test started on the gallery's job thread end before their catalog goes.
    assert running.wait_for_background(120)
    flask_app.extensions["photodesk"].database.dispose()


@pytest.fixture(name="client")
def client_fixture(app: Flask) -> FlaskClient:
    return app.test_client()


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates kept across the suite's apps. Every test builds its own app,
    and compiling the templates again each time was a tenth of the gallery tests' time;
    a template's key includes its source's checksum, so an edited one compiles anew."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _SharedTemplateCode()


def make_app(config: LibraryConfig, **settings: Any) -> Flask:
    flask_app = create_app(
        {
            "LIBRARY": config.root,
            "DATABASE_URL": config.database_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            **settings,
        }
    )
    flask_app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    return flask_app


def add_user(database: Database, name: str, role: str, password: str = PASSWORD) -> None:
    with database.session_scope() as session:
        users.create_user(session, name, role, password)


def new_token(database: Database, name: str) -> str:
    with database.session_scope() as session:
        return users.create_token(session, name)


def csrf(client: FlaskClient) -> str:
    """The CSRF token of the client's session (made on first use, as a page would)."""
    with client.session_transaction() as session:
        token = session.get("csrf")
        if not token:
            token = session["csrf"] = "test-csrf-token-" + "x" * 20
    return str(token)


def sign_in(client: FlaskClient, name: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the sign-in form has no CSRF token"
    return client.post(
        "/login", data={"name": name, "password": password, "csrf_token": token.group(1)}
    )


def signed_in(client: FlaskClient, database: Database, role: str, name: str | None = None) -> str:
    name = name or role
    add_user(database, name, role)
    response = sign_in(client, name)
    assert response.status_code == 303, response.text
    return name


def finished_job(client: FlaskClient, location: str) -> dict[str, Any]:
    """The job a form started (its page's address ends in the id), once the gallery's
    job thread has run it: its /api/jobs JSON."""
    job_id = int(location.split("?")[0].rstrip("/").rsplit("/", 1)[-1])
    assert running.wait_for_background(120)
    data: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json
    return data


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """A form post with the session's CSRF token, as the browser sends it."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client)}, **kw)


def jpeg(seed: int = 0, size: tuple[int, int] = (160, 120)) -> bytes:
    image = Image.new("RGB", size, ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def create_asset(database: Database, files: bool = False, **values: Any) -> int:
    """One photo row with sensible defaults (beets' create_item); ``files`` also stores
    an original and both renditions, so pages can show and download it."""
    return create_assets(database, 1, files, **values)[0]


def create_assets(database: Database, count: int, files: bool = False, **values: Any) -> list[int]:
    """``count`` photos as `create_asset` makes them, in one transaction: the look-up
    tests need hundreds, and a transaction each was most of their time."""
    seed = values.pop("seed", None)
    with database.session_scope() as session:
        first = (session.scalar(select(func.count(Asset.id))) or 0) + 1
        made = [
            _new_asset(first + n, seed if seed is not None and count == 1 else first + n, values)
            for n in range(count)
        ]
        session.add_all(asset for asset, _ in made)
        session.flush()
        ids = [asset.id for asset, _ in made]
        # As ingest does: a photo with another's pixels joins its duplicate group.
        membership.refresh_groups(session, ids)
        if files:
            store = Store(database.config.store_root)
            for asset, data in made:
                store.write_bytes(asset.store_path, data)
                for kind in ("thumb", "web"):
                    relative = store.rendition_path(asset.sha256, kind)
                    store.write_bytes(relative, data)
                    session.add(
                        Rendition(
                            asset_id=asset.id,
                            kind=kind,
                            store_path=relative,
                            width=160,
                            height=120,
                            file_size=len(data),
                        )
                    )
        search.reindex_assets(session, ids)
        return ids


def _new_asset(number: int, seed: int, given: dict[str, Any]) -> tuple[Asset, bytes]:
    values = dict(given)
    data = jpeg(seed)
    sha = hashlib.sha256(data + str(seed).encode()).hexdigest()
    asset = Asset(
        sha256=sha,
        content_digest=values.pop("content_digest", f"pixels:{sha}"),
        format="jpeg",
        width=values.pop("width", 160),
        height=values.pop("height", 120),
        file_size=len(data),
        store_path=f"originals/{sha[:2]}/{sha[2:4]}/{sha}.jpg",
        original_name=values.pop("original_name", f"photo-{number}.jpg"),
        keywords=values.pop("keywords", []),
        field_sources={},
        embedded=values.pop("embedded", {"exif": {"make": "Canon"}, "iptc": {}, "xmp": {}}),
        status=values.pop("status", "new"),
        archive=values.pop("archive", False),
        version=1,
        **values,
    )
    asset.tags = [AssetKeyword(keyword=k) for k in asset.keywords]
    return asset, data


def add_article(
    database: Database,
    title: str,
    images: list[tuple[int | None, str | None, str | None]],
    published: datetime | None = None,
    credit: str | None = None,
) -> int:
    """An article using photos: each image is (asset id, caption as published, alt).

    The caption is taken apart as the article importer does (its description
    is what the photo page diffs); ``credit`` is the credit every image ran with.
    """
    with database.session_scope() as session:
        article = Article(
            key=f"test:{title}",
            title=title,
            url="https://example.org/" + title.lower().replace(" ", "-"),
            published=published or datetime(2024, 5, 1, 9, 30),
            byline="Desk Reporter",
            tags=["news"],
            categories=[],
            format="html",
            source_path="/dev/null",
        )
        session.add(article)
        session.flush()
        for position, (asset_id, caption, alt) in enumerate(images):
            session.add(
                Usage(
                    article_id=article.id,
                    asset_id=asset_id,
                    role="inline",
                    position=position,
                    caption=caption,
                    alt=alt,
                    credit=credit,
                    archive=False,
                    dates=[],
                    description=parse_caption(caption).description or None if caption else None,
                )
            )
        session.flush()
        search.reindex_assets(session, [a for a, _, _ in images if a is not None])
        return article.id


def asset_values(database: Database, asset_id: int) -> Asset:
    with database.session_scope(write=False) as session:
        asset = session.get(Asset, asset_id)
        assert asset is not None
        session.expunge(asset)
        return asset


def store_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


class _FormReader(HTMLParser):
    """Collects the fields of one form the way a browser would submit them."""

    def __init__(self, action: str):
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
            return
        if not self.inside or "name" not in a:
            if tag == "option" and self.inside and self._select and "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "file"):
                return
            self.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select = a["name"]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> dict[str, str]:
    """The values the form posting to ``action`` would send (last value wins)."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.fields, f"no form posting to {action}"
    return dict(reader.fields)


def near_pair(database: Database, a: int, b: int, distance: int, refresh: bool = True) -> None:
    """A verified near-duplicate pair, stored as the finder stores one (unless one is),
    then the groups around it brought up to date."""
    from library.db.models import DuplicatePair

    low, high = min(a, b), max(a, b)
    with database.session_scope() as session:
        known = select(DuplicatePair.id).where(
            DuplicatePair.asset_a == low, DuplicatePair.asset_b == high
        )
        if session.scalar(known) is not None:
            return
        session.add(
            DuplicatePair(
                asset_a=low,
                asset_b=high,
                signal="phash→phash",
                distance=distance,
                score=0.97,
                method="full",
                detail="full frame; NCC 0.970 (robust 0.980, fine detail 0.60) → same photo",
                signals_version="test",
            )
        )
        session.flush()
        if refresh:
            membership.refresh_groups(session, [low, high])
