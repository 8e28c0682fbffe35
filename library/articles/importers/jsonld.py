"""schema.org JSON-LD in a page: the article node, its people, its images."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from library.articles.importers.htmltree import clean_text
from library.articles.importers.media import canonical_media_name


@dataclass
class _ImageInfo:
    url: str | None
    caption: str | None = None
    credit: str | None = None
    copyright: str | None = None
    description: str | None = None


def _json_nodes(blocks: list[str]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    for block in blocks:
        text = block.strip().removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
        try:
            data = json.loads(text, strict=False)
        except (ValueError, RecursionError):
            continue
        _collect(data, nodes, 0)
    return nodes


def _collect(value: object, out: list[dict[str, Any]], depth: int) -> None:
    if depth > 12 or len(out) > 1000:
        return
    if isinstance(value, dict):
        out.append(value)
        for item in value.values():
            _collect(item, out, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _collect(item, out, depth + 1)


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [k for k in kinds if isinstance(k, str)]


def _is_article(node: dict[str, Any]) -> bool:
    return any(k.endswith("Article") or k in ("BlogPosting", "Report") for k in _types(node))


_ORGANISATIONS = ("Organization", "NewsMediaOrganization", "Corporation", "WebSite", "Brand")


class _Graph:
    """JSON-LD nodes with @id references resolved, as Yoast-style @graph pages need."""

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        self.nodes = nodes
        self.ids = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 1}
        self.article = next((n for n in nodes if _is_article(n)), None)

    def resolve(self, value: object) -> object:
        if isinstance(value, dict) and set(value) == {"@id"}:
            return self.ids.get(value["@id"], value) if isinstance(value["@id"], str) else value
        return value

    def text(self, key: str) -> str | None:
        value = self.article.get(key) if self.article else None
        return clean_text(value) if isinstance(value, str) else None

    def value(self, key: str) -> object:
        return self.article.get(key) if self.article else None

    def people(self, value: object, depth: int = 0) -> list[str]:
        """Author names, organisations left out: a publisher is not a byline."""
        value = self.resolve(value)
        if isinstance(value, str):
            return [t for t in [clean_text(value)] if t]
        if isinstance(value, dict):
            kinds = _types(value)
            if kinds and all(k in _ORGANISATIONS for k in kinds):
                return []
            return self.people(value.get("name"), depth + 1) if depth < 4 else []
        if isinstance(value, list) and depth < 4:
            return [name for item in value for name in self.people(item, depth + 1)]
        return []

    def organisation_names(self) -> list[str]:
        names: list[str] = []
        for node in self.nodes:
            kinds = _types(node)
            if kinds and all(k in _ORGANISATIONS for k in kinds):
                name = node.get("name")
                if isinstance(name, str) and clean_text(name):
                    names.append(clean_text(name) or "")
        publisher = self.resolve(self.value("publisher"))
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(clean_text(publisher["name"]) or "")
        return [n for n in names if n]

    def words(self, key: str) -> list[str]:
        value = self.value(key)
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list):
            return []
        return [t for t in (clean_text(v) for v in value if isinstance(v, str)) if t]

    def images(self, value: object, depth: int = 0) -> list[_ImageInfo]:
        value = self.resolve(value)
        if isinstance(value, str):
            return [_ImageInfo(value.strip())]
        if isinstance(value, list) and depth < 4:
            return [info for item in value for info in self.images(item, depth + 1)]
        if not isinstance(value, dict):
            return []
        url = value.get("url") or value.get("contentUrl")
        return [
            _ImageInfo(
                url=url.strip() if isinstance(url, str) else None,
                caption=_json_text(value.get("caption")),
                credit=_json_text(value.get("creditText")),
                copyright=_json_text(value.get("copyrightNotice")),
                description=_json_text(value.get("description")),
            )
        ]

    def all_images(self) -> list[_ImageInfo]:
        article_images = self.images(self.value("image"))
        objects = [n for n in self.nodes if "ImageObject" in _types(n)]
        return article_images + [info for node in objects for info in self.images(node)]


def _json_text(value: object) -> str | None:
    return clean_text(value) if isinstance(value, str) else None


def _match(reference: str | None, infos: list[_ImageInfo]) -> _ImageInfo | None:
    """Same URL, else same original file name: pages quote sized copies of one upload."""
    if not reference:
        return None
    exact = [i for i in infos if i.url == reference]
    name = canonical_media_name(reference)
    same = exact or [i for i in infos if i.url and name and canonical_media_name(i.url) == name]
    richest = sorted(same, key=lambda i: -sum(v is not None for v in vars(i).values()))
    return richest[0] if richest else None


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for value in values:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


def _byline(names: list[str]) -> str | None:
    names = _unique(names)
    if len(names) <= 1:
        return names[0] if names else None
    return ", ".join(names[:-1]) + " and " + names[-1]
