"""The photos of an article body: images with their figure captions and credits, chrome left out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from library.articles.importers.htmltree import (
    _CAPTION_WORDS,
    _CHROME_IMAGE_WORDS,
    _CHROME_TAGS,
    _CREDIT_WORDS,
    _FILE_ONLY_WORDS,
    _MIN_SIZE,
    _PHOTO_BOX,
    _TRACKERS,
    _chrome_marks,
    _has_words,
    _is_scope,
    _Node,
    _tree,
    clean_text,
)
from library.articles.importers.media import canonical_media_name


@dataclass
class FoundImage:
    """An <img> as the markup gives it, with the caption of the figure that holds it."""

    src: str | None
    alt: str | None
    marks: str  # class and id, lower-cased, to recognise chrome
    width: int | None
    height: int | None
    attachment_id: str | None
    caption: str | None = None
    credit: str | None = None
    in_figure: bool = False
    file: str = ""  # the path of the file, lower-cased

    def looks_like_chrome(self) -> bool:
        """Logos, avatars, headshots, spinners, ads, icons and pixels are never news photos."""
        if not self.src:
            return True
        sizes = [s for s in (self.width, self.height) if s is not None]
        if any(s < _MIN_SIZE for s in sizes):
            return True
        lowered = self.src.lower()
        if any(t in lowered for t in _TRACKERS):
            return True
        words = {w for w in re.split(r"[^a-z0-9]+", self.marks) if w}
        named = {w for w in re.split(r"[^a-z0-9]+", self.file) if w}
        return bool(words & _CHROME_IMAGE_WORDS or named & (_CHROME_IMAGE_WORDS | _FILE_ONLY_WORDS))


def _size(value: str | None) -> int | None:
    match = re.match(r"\s*(\d{1,6})\s*(?:px)?\s*$", value or "")
    return int(match.group(1)) if match else None


_PLACEHOLDER = re.compile(r"^data:|placeholder|blank\.|spacer|lazy|loading|grey\.gif|1x1")


def _image_source(attrs: dict[str, str]) -> str | None:
    """Lazy-loading pages put a placeholder in src and the real file in a data- attribute."""
    src = attrs.get("src", "").strip()
    lazy = [
        attrs.get(name, "").strip()
        for name in ("data-src", "data-lazy-src", "data-original", "data-orig-file")
        + ("data-full-src", "data-hi-res-src", "data-lazy")
    ]
    sets = [attrs.get(name, "") for name in ("srcset", "data-srcset", "data-lazy-srcset")]
    from_set = [s.strip().split(",")[0].split()[0] for s in sets if s.strip()]
    ordered = [src, *lazy, *from_set]
    if not src or _PLACEHOLDER.search(src.lower()):
        ordered = [*lazy, *from_set, src]
    for value in ordered:
        if value and not value.startswith("data:"):
            return value
    return None


def _is_figure(node: _Node) -> bool:
    classes = node.get("class").lower().split()
    return node.tag == "figure" or "wp-caption" in classes


def _caption_of(image: _Node, stop: _Node) -> tuple[str | None, str | None, bool]:
    """(caption, credit, in a figure) for an image: its figure's caption, else a caption
    element right after it, within a few levels and before the next image."""
    for level, holder in enumerate(image.ancestors()):
        if holder is stop or level > 5:
            break
        if _is_figure(holder):
            marked = [n for n in holder.elements() if n.tag == "figcaption"] + [
                n for n in holder.elements() if n is not holder and _has_words(n, _CAPTION_WORDS)
            ]
            caption = next((n for n in marked if n.text(visible=True)), None)
            if caption is not None:
                return _caption_parts(caption) + (True,)
            return None, _credit_in(holder), True
    # no figure: a caption element printed after the image, before any other image
    for seen, node in enumerate(_after(image, stop, levels=5)):
        if node.tag in ("img", "amp-img") or seen >= 40:
            break
        if (node.tag == "figcaption" or _has_words(node, _CAPTION_WORDS)) and node.text():
            return _caption_parts(node) + (False,)
    return None, None, False


def _after(start: _Node, stop: _Node, levels: int) -> Iterator[_Node]:
    """The elements after `start` in document order, within `levels` of its ancestors
    (and never beyond `stop`): where a caption printed below a photo can be."""
    node = start
    for _ in range(levels):
        parent = node.parent
        if parent is None or node is stop:
            return
        for sibling in parent.children[node.slot + 1 :]:
            if isinstance(sibling, _Node):
                yield from sibling.elements()
        if parent is stop:
            return
        node = parent


def _caption_parts(caption: _Node) -> tuple[str | None, str | None]:
    """The caption as published, and a credit element in it or beside it."""
    credit = _credit_in(caption)
    if credit is None and caption.parent is not None:
        images = [n for n in caption.parent.elements() if n.tag in ("img", "amp-img")]
        credit = _credit_in(caption.parent) if len(images) <= 1 else None
    return caption.text(visible=True) or None, credit


def _credit_in(node: _Node) -> str | None:
    credit = next((n for n in node.elements() if _has_words(n, _CREDIT_WORDS)), None)
    if credit is None:
        credit = next(
            (n for n in node.elements() if n.get("itemprop").lower() in ("copyrightholder",)),
            None,
        )
    return credit.text(visible=True) or None if credit is not None else None


def _found(node: _Node, stop: _Node) -> FoundImage:
    attrs = node.attrs
    src = _image_source(attrs)
    path = urlsplit(src).path.lower() if src else ""
    caption, credit, in_figure = _caption_of(node, stop)
    figure = next((a for a in node.ancestors() if _is_figure(a)), None)
    # WordPress names the upload on the img (wp-image-N, a gallery's data-id) or on the
    # caption figure (attachment_N); the img's own mark wins.
    own = re.search(r"\bwp-image-(\d+)\b", attrs.get("class", "")) or re.fullmatch(
        r"\s*(\d+)\s*", attrs.get("data-id", "")
    )
    ident = own or (
        re.fullmatch(r"attachment_(\d+)", figure.get("id")) if figure is not None else None
    )
    return FoundImage(
        src=src,
        alt=clean_text(attrs.get("alt")),
        marks=node.marks,
        width=_size(attrs.get("width")),
        height=_size(attrs.get("height")),
        attachment_id=ident.group(1) if ident else None,
        caption=clean_text(caption),
        credit=clean_text(credit),
        in_figure=in_figure,
        file=path,
    )


@dataclass
class _Recorded:
    src: str | None
    node: _Node


_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|tiff?|bmp|heic)$", re.IGNORECASE)


def _links_elsewhere(chain: list[_Node]) -> bool:
    """An uncaptioned image that links to another page is a teaser for that page; photos
    link to their own larger file, if anywhere."""
    link = next((a for a in chain if a.tag == "a"), None)
    if link is None:
        return False
    target = urlsplit(link.get("href").strip())
    if not (target.path.strip("/") or target.netloc) or _IMAGE_FILE.search(target.path):
        return False
    return not re.search(
        r"(?:^|/)(?:attachment|media|image|photo|gallery)s?(?:/|$|[-_?])", target.path
    )


def _collect_images(container: _Node, skip: list[_Node], keep: list[_Node]) -> list[FoundImage]:
    """The photos under `container`, furniture and the `skip` subtrees left out; elements in
    `keep` (around the headline or most of the text) are never furniture."""
    kept = {id(n) for n in keep}
    images: list[FoundImage] = []
    last_plain: _Recorded | None = None
    for node in container.elements():
        if node.tag not in ("img", "amp-img"):
            continue
        chain = []
        for ancestor in node.ancestors():
            if ancestor is container:
                break
            chain.append(ancestor)
        if any(a in skip for a in chain):
            continue
        if any(
            id(a) not in kept
            and (
                (a.tag in _CHROME_TAGS and not (a.tag == "aside" and _has_words(a, _PHOTO_BOX)))
                or (a.tag == "header" and not any(_is_scope(b) for b in a.ancestors()))
                or _chrome_marks(a.marks)
            )
            for a in chain
        ):
            continue
        in_noscript = any(a.tag == "noscript" for a in chain)
        found = _found(node, container)
        if in_noscript and last_plain is not None:
            same = canonical_media_name(found.src or "") == canonical_media_name(
                last_plain.src or ""
            )
            near = any(a.contains(last_plain.node) for a in chain[:3] if a.tag != "noscript")
            if same or near:
                continue  # the <noscript> twin of a lazy-loaded image already recorded
        if found.looks_like_chrome() or (not found.in_figure and _links_elsewhere(chain[:3])):
            continue
        if not in_noscript:
            last_plain = _Recorded(found.src, node)
        images.append(found)
    return images


def find_images(fragment: str) -> list[FoundImage]:
    """Images of a content fragment in document order, chrome dropped; tolerant of bad HTML."""
    root = _tree(fragment)
    return _collect_images(root, [], [])


def figure_html(ident: str, image_html: str, caption_html: str) -> str:
    """A figure equivalent to a WordPress caption box, so one scanner reads both forms."""
    return (
        f'<figure id="{escape(ident)}" class="wp-caption">{image_html}'
        f"<figcaption>{caption_html}</figcaption></figure>"
    )
