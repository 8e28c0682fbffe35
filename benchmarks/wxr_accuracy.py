"""WordPress export import accuracy: galleries, --media resolution, statuses, dates, tags.

The truth is read from each export independently of the importer, with a plain XML
parse and the WordPress rules the importer is meant to follow:

* galleries: a ``[gallery]`` shortcode shows the images of its ``ids=`` (or ``include=``)
  list, else the post's own image attachments (minus ``exclude=``); a gallery block shows
  the ``<img>`` elements inside it (else its ``ids``); a cover block shows its background
  image (never a video). Each is counted as a (post, upload path) pair;
* resolution: a usage whose referenced upload path (``YYYY/MM/name``) exists under
  ``--media`` is right when its photo is that file, wrong when it is another file;
* posts: post and page items by ``wp:status``, against the catalog's articles, and the
  report's created/updated counts on a fresh library;
* dates: each article's date against the post's ``wp:post_date`` (the site's local time);
* tags: ``post_tag`` terms and WXR 1.0 ``tag`` terms against each article's tags;
* captions: a usage's published caption must be text the post shows: in its content, or
  an attachment caption that a ``[gallery]`` shortcode of the post prints.

Each export is imported into its own fresh SQLite library, as ``photodesk import-articles
EXPORT --media MEDIA`` does.

Usage:
    .venv/bin/python benchmarks/wxr_accuracy.py [--corpus DIR] [--media DIR]
        [--include-unpublished] [--json]
"""

from __future__ import annotations

import argparse
import html
import inspect
import json
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from library.articles import imports  # noqa: E402
from library.config import LibraryConfig  # noqa: E402
from library.db.engine import init_library  # noqa: E402
from library.db.models import Article, AssetPath, Usage  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora" / "articles"
IMAGE = re.compile(r"\.(?:jpe?g|png|gif|webp|tiff?|heic)$", re.I)
GALLERY_SHORTCODE = re.compile(r"\[gallery\b([^\]]*)\]", re.I)
ATTRIBUTE = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'\]]+))""")
BLOCK = re.compile(r"<!--\s*wp:(gallery|cover)\b\s*(\{.*?\})?\s*(/)?-->", re.S)
IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)", re.I)
STATUSES = ("publish", "draft", "future", "pending", "private")


def local(element: ElementTree.Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        if "wordpress.org/export" in namespace:
            return ("excerpt:" if namespace.rstrip("/").endswith("excerpt") else "wp:") + name
        if "purl.org/rss/1.0/modules/content" in namespace:
            return "content:" + name
        return name
    return tag


def plain(text: str) -> str:
    """A title as text: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", text)).split())


def upload_path(url: str) -> str:
    """``YYYY/MM/name`` (or the part below uploads/), case-folded, query dropped."""
    path = unquote(urlsplit(url.strip()).path).casefold()
    dated = re.search(r"(?:^|/)(\d{4}/\d{2}/[^/]+)$", path)
    if dated:
        return dated.group(1)
    return path.split("/uploads/", 1)[-1].lstrip("/")


@dataclass
class Post:
    post_id: str
    title: str
    link: str
    status: str
    post_type: str
    date: str
    tags: list[str]
    content: str
    thumbnail: str | None


@dataclass
class Export:
    posts: list[Post] = field(default_factory=list)
    attachments: dict[str, str] = field(default_factory=dict)  # id → url
    captions: dict[str, str] = field(default_factory=dict)  # id → library caption, as text
    parents: dict[str, list[str]] = field(default_factory=dict)  # post id → image attachment ids


def read_export(path: Path) -> Export | None:
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError:
        return None
    channel = root.find("channel")
    if channel is None:
        return None
    export = Export()
    for item in channel.iter("item"):
        fields: dict[str, str] = {}
        tags: list[str] = []
        meta: dict[str, str] = {}
        for child in item:
            name = local(child)
            if name == "category" and child.get("domain") in ("post_tag", "tag"):
                tags.append(" ".join((child.text or "").split()))
            elif name == "wp:postmeta":
                parts = {local(p): (p.text or "") for p in child}
                meta.setdefault(parts.get("wp:meta_key", ""), parts.get("wp:meta_value", ""))
            else:
                fields.setdefault(name, child.text or "")
        kind = fields.get("wp:post_type", "").strip()
        post_id = fields.get("wp:post_id", "").strip()
        if kind == "attachment":
            url = (fields.get("wp:attachment_url") or fields.get("guid") or "").strip()
            export.attachments[post_id] = url
            export.captions[post_id] = plain(fields.get("excerpt:encoded", ""))
            if IMAGE.search(urlsplit(url).path):
                parent = fields.get("wp:post_parent", "").strip()
                export.parents.setdefault(parent, []).append(post_id)
        elif kind in ("post", "page"):
            export.posts.append(
                Post(
                    post_id=post_id,
                    title=plain(fields.get("title", "")),
                    link=fields.get("link", "").strip(),
                    status=fields.get("wp:status", "").strip(),
                    post_type=kind,
                    date=fields.get("wp:post_date", "").strip(),
                    tags=sorted({t for t in tags if t}, key=str.casefold),
                    content=fields.get("content:encoded", ""),
                    thumbnail=meta.get("_thumbnail_id", "").strip() or None,
                )
            )
    return export


def gallery_truth(post: Post, export: Export) -> Counter[str]:
    """Upload paths the post's galleries and cover blocks show, counted per use."""
    shown: Counter[str] = Counter()
    images = {i: u for i, u in export.attachments.items() if IMAGE.search(urlsplit(u).path)}
    for match in GALLERY_SHORTCODE.finditer(post.content):
        attributes = {
            m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
            for m in ATTRIBUTE.finditer(match.group(1))
        }
        listed = attributes.get("ids") or attributes.get("include")
        if listed:
            ids = [i.strip() for i in listed.split(",") if i.strip()]
        else:
            parent = attributes.get("id", post.post_id)
            excluded = {i.strip() for i in attributes.get("exclude", "").split(",")}
            ids = [i for i in export.parents.get(parent, []) if i not in excluded]
        shown.update(upload_path(images[i]) for i in ids if i in images)
    for match in BLOCK.finditer(post.content):
        attributes = json.loads(match.group(2)) if match.group(2) else {}
        if match.group(1) == "cover":
            if attributes.get("backgroundType", "image") == "image" and attributes.get("url"):
                shown[upload_path(attributes["url"])] += 1
            continue
        end = post.content.find("<!-- /wp:gallery", match.end())
        inner = post.content[match.end() : end if end >= 0 else None]
        sources = IMG_SRC.findall(inner)
        if sources:
            shown.update(upload_path(s) for s in sources)
        else:
            ids = [str(i) for i in attributes.get("ids", [])]
            shown.update(upload_path(images[i]) for i in ids if i in images)
    return shown


def caption_shown(caption: str, post: Post, export: Export) -> bool:
    """Whether readers see this caption: it is in the post, or a [gallery] prints it."""
    text = plain(post.content).casefold()
    if plain(caption).casefold() in text:
        return True
    return bool(GALLERY_SHORTCODE.search(post.content)) and plain(caption) in set(
        export.captions.values()
    )


def import_one(
    path: Path, media: Path | None, workdir: Path, include_unpublished: bool
) -> tuple[Any, Any]:
    config = LibraryConfig(workdir / path.stem)
    database = init_library(config)
    options: dict[str, Any] = {"media": media}
    if "include_unpublished" in inspect.signature(imports.import_articles).parameters:
        options["include_unpublished"] = include_unpublished
    report = imports.import_articles(database, [path], **options)
    return database, report


def measure(corpus: Path, media: Path | None, include_unpublished: bool) -> dict[str, Any]:
    totals: Counter[str] = Counter()
    by_status: dict[str, Counter[str]] = {}
    media_files = (
        {str(p.relative_to(media)).casefold(): p for p in media.rglob("*") if p.is_file()}
        if media
        else {}
    )
    with tempfile.TemporaryDirectory(prefix="wxr-accuracy-") as work:
        for path in sorted(corpus.glob("*.xml")):
            export = read_export(path)
            if export is None:
                totals["malformed_exports"] += 1
                continue
            database, report = import_one(path, media, Path(work), include_unpublished)
            totals["fresh_import_created"] += report.articles_created
            totals["fresh_import_updated"] += report.articles_updated
            for post in export.posts:
                by_status.setdefault(post.status, Counter())["in_export"] += 1
            with database.session_scope(write=False) as session:
                articles = list(session.scalars(select(Article)))
                paths: dict[int, set[str]] = {}
                for asset_id, file in session.execute(select(AssetPath.asset_id, AssetPath.path)):
                    paths.setdefault(asset_id, set()).add(file)
                usages: dict[int, list[Usage]] = {}
                for usage in session.scalars(select(Usage)):
                    usages.setdefault(usage.article_id, []).append(usage)
                claimed: set[int] = set()
                for post in export.posts:
                    article = next(
                        (
                            a
                            for a in articles
                            if a.id not in claimed
                            and (a.url or "") == post.link
                            and plain(a.title) in (post.title, "(untitled)")
                        ),
                        None,
                    )
                    counts = by_status[post.status]
                    if article is None:
                        continue
                    claimed.add(article.id)
                    counts["imported"] += 1
                    status = getattr(article, "status", None)
                    if status == post.status:
                        counts["flagged_with_status"] += 1
                    expected_date = post.date[:19]
                    if article.published is not None and expected_date[:4] not in ("0000",):
                        got = article.published.strftime("%Y-%m-%d %H:%M:%S")
                        totals["dates_right" if got == expected_date else "dates_wrong"] += 1
                    if post.tags:
                        totals["tags_in_export"] += len(post.tags)
                        have = {t.casefold() for t in article.tags or []}
                        totals["tags_read"] += sum(t.casefold() in have for t in post.tags)
                    found = Counter(
                        upload_path(u.reference) for u in usages.get(article.id, []) if u.reference
                    )
                    expected = gallery_truth(post, export)
                    totals["gallery_images_expected"] += sum(expected.values())
                    totals["gallery_images_found"] += sum((expected & found).values())
                    for usage in usages.get(article.id, []):
                        if usage.caption:
                            shown = caption_shown(usage.caption, post, export)
                            totals["captions_shown" if shown else "captions_never_shown"] += 1
                        if not usage.reference:
                            continue
                        file = media_files.get(upload_path(usage.reference))
                        if file is None:
                            if media_files and IMAGE.search(upload_path(usage.reference)):
                                totals["usages_without_exact_file"] += 1
                            continue
                        totals["usages_with_exact_file"] += 1
                        if usage.asset_id is None:
                            totals["usages_unresolved"] += 1
                        elif str(file.absolute()) in paths.get(usage.asset_id, set()):
                            totals["usages_right_photo"] += 1
                        else:
                            totals["usages_wrong_photo"] += 1
                claimed_total = len(claimed)
                totals["articles_not_matched_to_a_post"] += len(articles) - claimed_total
            database.dispose()
    return {
        "totals": dict(sorted(totals.items())),
        "posts_by_status": {s: dict(c) for s, c in sorted(by_status.items())},
        "when": datetime.now().isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPORA / "wxr")
    parser.add_argument("--media", type=Path, default=CORPORA / "media-wptt")
    parser.add_argument("--include-unpublished", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    media = args.media if args.media.is_dir() else None
    result = measure(args.corpus, media, args.include_unpublished)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for name, value in result["totals"].items():
        print(f"{name:40} {value}")
    print("posts by status: in export / imported / flagged")
    for status, counts in result["posts_by_status"].items():
        print(
            f"  {status:10} {counts.get('in_export', 0):5} {counts.get('imported', 0):5} "
            f"{counts.get('flagged_with_status', 0):5}"
        )


if __name__ == "__main__":
    main()
