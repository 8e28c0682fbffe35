"""Read saved news article pages, and find captioned images in any HTML (WXR content too).

A saved page says the same thing in several places that may disagree or be missing, so the
page is read into a small element tree and each field is looked for in a fixed order:

* headline: the <h1> (or hAtom ``entry-title``) that agrees with the page's own titles
  (og:title, JSON-LD headline, <title>), else an <h1> over paragraphs of text; the site's
  name in an <h1> (or one that only links to the front page) is no headline
* title:  og:title, JSON-LD headline, the headline, <title>, each without the site name
  that pages add to it ("… | CNN Politics"); when the headline is one part of such a
  title, the headline
* date:   article:published_time and the other publication metas, JSON-LD datePublished,
  <time pubdate>/itemprop=datePublished, hAtom ``published``, a <time> in the article,
  then a date printed near the headline; a date given in UTC is replaced by the same
  instant written elsewhere with the site's own offset, or by the neighbouring day the
  page prints, because the day is the site's day (05:50+09:00 is June 19)
* author: JSON-LD Person names, then rel=author links, itemprop=author and byline
  elements, then author metas; names of the site or publisher, "admin", addresses and
  profile links are never bylines
* tags:   article:tag (one meta may hold "a, b, c"), keywords metas, JSON-LD keywords
* url:    <link rel=canonical>, og:url, JSON-LD url / mainEntityOfPage

A page is an article when it says so (JSON-LD Article, og:type article, a publication
time meta, one hAtom ``hentry``) or when it has a title and a headline; a front page,
archive or tag page (several entries, or linked headings for other stories) is refused. What cannot be read (no date, no byline) is
listed in the article's warnings.

The article body is the smallest element around the headline that holds most of the
page's prose, so a headline outside <article> still finds its body; without a headline,
the article element with the most prose, else <main>, else figures anywhere. Inside it,
page furniture is skipped: nav/aside/footer/forms, related/share/comment/ad/teaser/author
boxes, logos, avatars, headshots, spinners, icons and pixels — but never an element that
holds the headline or most of the article's text, so ``<html class="ads-enabled">``
marks nothing. A caption is the figure's <figcaption>, the ``wp-caption`` box's
``wp-caption-text`` (p or div), or a caption-class element just after the image; a
``credit`` element in it is the credit, stated apart from the caption.

The featured image is og:image (else twitter:image, else the JSON-LD article image),
completed from the JSON-LD ImageObject of the same file (caption, creditText,
copyrightNotice) and, failing a caption there, from the in-body figure of the same file."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from library.articles.importers.htmldates import page_published
from library.articles.importers.htmlimages import FoundImage, _collect_images
from library.articles.importers.htmltree import (
    _CHROME_TAGS,
    _HEADLINE_CLASSES,
    _SEPARATORS,
    _chrome_marks,
    _decode,
    _has_words,
    _is_scope,
    _Node,
    _norm,
    _tree,
    clean_text,
)
from library.articles.importers.jsonld import (
    _byline,
    _first,
    _Graph,
    _ImageInfo,
    _json_nodes,
    _match,
    _unique,
)
from library.articles.importers.media import canonical_media_name
from library.articles.importers.model import ArticleFormatError, ParsedArticle, ParsedImage

_AUTHOR_KEYS = (
    "author", "article:author", "og:author", "byl", "byline", "sailthru.author",
    "parsely-author", "dc.creator", "dcterms.creator", "search.byline", "citation_author",
)  # fmt: skip


_NOT_NAMES = re.compile(
    r"^(?:admin|administrator|root|webmaster|editor|editors|staff|redaction|rédaction|"
    r"redacción|guest|anonymous|unknown|null|none|n/a)$|https?:|www\.|@|\bprofile\b|"
    r"^(?:(?:senior|chief|staff|special|contributing|associate)\s+)*"
    r"(?:staff|writer|reporter|correspondent|editor|contributor)s?$|"
    r"\.(?:com|net|org|co|fr|es|de|it|uk|jp|kr|cn|ru|info)\b",
    re.IGNORECASE,
)


_BY = re.compile(
    r"^(?:(?:written|posted|reported|story|text|words|analysis)\s+)?"
    r"(?:by|par|por|von|di|door|av|af|przez|from|de)\s*:?\s+",
    re.IGNORECASE,
)


_COMMENTS = frozenset({"comment", "comments"})


_ORGANISATION_NAME = re.compile(
    r"^[A-Z]{2,5}$|\b(?:press|news|agency|agencies|wire|wires|service|times|post|herald|"
    r"tribune|journal|daily|staff|reporters?|correspondents?|editors?|writers?|"
    r"contributors?|desk|bureau|network|media|tv|radio|reuters)\b",
    re.IGNORECASE,
)


_DATE_TAIL = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|updated|published|posted)\b"
    r"|\d",
    re.IGNORECASE,
)


_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\by\b|\bet\b|\bund\b|\be\b|\bog\b|·|\|)\s*")


class _Page:
    """The parsed page with its metadata looked up by key and its article located."""

    def __init__(self, root: _Node) -> None:
        self.root = root
        self.metas: list[tuple[str, str]] = []
        self.titles: list[str] = []
        self.canonical: str | None = None
        blocks: list[str] = []
        for node in root.elements():
            tag = node.tag
            if tag == "meta":
                key = (node.get("property") or node.get("name") or node.get("itemprop")).lower()
                content = node.get("content")
                if key and content:
                    self.metas.append((key.strip(), content))
            elif tag == "title" and not self.titles:
                title = clean_text(node.raw())
                if title:
                    self.titles.append(title)
            elif tag == "link" and "canonical" in node.get("rel").lower().split():
                self.canonical = self.canonical or node.get("href").strip() or None
            elif tag == "script" and node.get("type").lower() == "application/ld+json":
                blocks.append(node.raw())
        self.graph = _Graph(_json_nodes(blocks))
        self.sites = self._site_names()
        self.headline = self._headline()
        self.container = self._container()
        self._printed_dates: list[str] = []

    # -- metadata ------------------------------------------------------------------

    def meta(self, *keys: str) -> list[str]:
        found = [clean_text(v) for k, v in self.metas if k in keys]
        return [v for v in found if v]

    def one(self, *keys: str) -> str | None:
        values = self.meta(*keys)
        return values[0] if values else None

    def url(self) -> str | None:
        main = self.graph.resolve(self.graph.value("mainEntityOfPage"))
        main_url = main.get("@id") if isinstance(main, dict) else main
        return _first(
            self.canonical,
            self.one("og:url"),
            self.graph.text("url"),
            main_url.strip() if isinstance(main_url, str) else None,
        )

    def _site_names(self) -> set[str]:
        """The site's and publisher's names as the page gives them, to keep out of bylines
        and titles; the host name too ("lefigaro.fr", "CNN.com")."""
        names = [
            *self.meta("og:site_name", "application-name", "apple-mobile-web-app-title"),
            *self.meta("dc.publisher", "article_publication_name", "twitter:site", "publisher"),
            *self.graph.organisation_names(),
        ]
        sites = {_norm(n.lstrip("@")) for n in names if n}
        for reference in (self.canonical, self.one("og:url")):
            host = urlsplit(reference or "").hostname or ""
            host = host.removeprefix("www.")
            if host:
                sites.add(host)
                sites.add(host.split(".")[0])
        return {s for s in sites if s}

    def site_like(self, text: str) -> bool:
        """The site's name, its host, or the name with a section ("CNN Politics")."""
        value = _norm(text)
        if not value:
            return True
        squashed = re.sub(r"[\W_]+", "", value)
        for site in self.sites:
            site_squashed = re.sub(r"[\W_]+", "", site)
            if value == site or (site_squashed and squashed == site_squashed):
                return True
            affixed = value.startswith(site + " ") or value.endswith(" " + site)
            if len(site) >= 3 and affixed and len(value.split()) <= len(site.split()) + 2:
                return True
            if len(value) >= 3 and site.startswith(value + " "):
                return True
            if "." in site and site.split(".")[0] == squashed:
                return True
        return False

    # -- the headline and the article body -------------------------------------------

    def references(self) -> list[str]:
        values = [
            self.one("og:title"),
            self.one("twitter:title"),
            self.graph.text("headline"),
            self.titles[0] if self.titles else None,
        ]
        return [v for v in values if v]

    def _headline(self) -> _Node | None:
        """The <h1> (or entry-title) that agrees most with the page's titles.

        A marked-up hAtom entry-title counts on its own: old news pages (AP hosted
        stories) have a generic <title> but mark the headline.
        """
        references = [_norm(r) for r in self.references()]
        parts = {
            _norm(p)
            for r in self.references()
            for p in _SEPARATORS.split(r)
            if len(p.strip()) >= 4 and not self.site_like(p)
        }
        best: tuple[float, int, _Node] | None = None
        for node in self.root.elements():
            classes = set(node.get("class").lower().split())
            marked = "entry-title" in classes or node.get("itemprop").lower() == "headline"
            if node.tag in ("h2", "h3"):
                marked = (
                    marked
                    or bool(classes & _HEADLINE_CLASSES)
                    or any(
                        bool(set(c.get("class").lower().split()) & _HEADLINE_CLASSES)
                        for c in node.elements()
                        if c is not node
                    )
                )
            if node.tag not in ("h1", "h2") and not marked:
                continue
            text = node.text()
            if not text or len(text) > 400 or self.site_like(text) or _links_home(node, text):
                continue
            agreement = max((_agreement(_norm(text), r) for r in references), default=0.0)
            if _norm(text) in parts:
                agreement = max(agreement, 0.8)  # "Site » Blog Archive » Headline"
            if "entry-title" in classes:
                agreement = max(agreement, 0.5)
            if node.tag == "h2" and not marked:
                agreement = agreement * 0.8 if agreement >= 0.5 else 0.0  # teasers are h2 too
            if agreement < 0.3:
                continue
            if best is None or agreement > best[0]:
                best = (agreement, node.index, node)
        return best[2] if best else self._lone_heading()

    def _lone_heading(self) -> _Node | None:
        """An <h1> whose words differ from the page's SEO title still heads an article when
        paragraphs of text follow it; a site name, a menu or an error message does not."""
        headings = [n for n in self.root.elements() if n.tag == "h1"]
        for node in headings[:5]:  # the headline comes early; a page of <h1>s is no story
            text = node.text()
            words = len(text.split())
            if not (words >= 3 or (len(text) >= 8 and words < 2)) or len(text) > 300:
                continue
            if self.site_like(text) or _links_home(node, text):
                continue
            if any(a.tag in _CHROME_TAGS or _chrome_marks(a.marks) for a in node.ancestors()):
                continue
            holder = node
            for _ in range(4):
                holder = holder.parent or holder
            following = (
                n.text() for n in holder.elements() if n.tag == "p" and n.index > node.index
            )
            if sum(len(t) for t in following if len(t) >= 40) >= 300:
                return node
        return None

    def _container(self) -> _Node | None:
        """The smallest element around the headline that holds most of the page's prose."""
        body = next((n for n in self.root.elements() if n.tag == "body"), self.root)
        total = body.prose
        if self.headline is not None:
            chain = list(self.headline.ancestors())
            for number, ancestor in enumerate(chain):
                if ancestor.prose * 2 >= total or ancestor is body:
                    # an article element around it also holds the lead photo and the byline
                    above = (a for a in chain[number:] if a is not body and a.depth > body.depth)
                    return next((a for a in above if _is_scope(a)), ancestor)
            return body
        scopes = [n for n in body.elements() if _is_scope(n)]
        if scopes:
            return max(scopes, key=lambda n: n.prose)
        return next(
            (n for n in body.elements() if n.tag == "main" or n.get("role") == "main"), None
        )

    def is_article(self) -> bool:
        """Declared (JSON-LD Article, og:type article, a publication time, one hAtom entry),
        or a headline that agrees with the page's title on a page that is no listing."""
        entries = [n for n in self.root.elements() if "hentry" in n.get("class").lower().split()]
        declared = (
            self.graph.article is not None
            or (self.one("og:type") or "").lower() == "article"
            or bool(self.meta("article:published_time"))
            or len(entries) == 1
        )
        if declared:
            return True
        if self.headline is None or not self.references() or len(entries) > 1:
            return False
        return not self._listing()

    def _listing(self) -> bool:
        """A front page, archive or tag page: several linked headings for other stories
        in the page's main text, outside related-story and sidebar boxes."""
        scope = self.container or self.root
        teasers = 0
        for node in scope.elements():
            if node.tag not in ("h2", "h3") or len(node.text()) < 12:
                continue
            if any(_chrome_marks(a.marks) or a.tag in _CHROME_TAGS for a in node.ancestors()):
                continue
            links = (c for c in node.elements() if c.tag == "a")
            if any(urlsplit(c.get("href")).path.strip("/") for c in links):
                teasers += 1
        return teasers >= 3

    # -- fields ----------------------------------------------------------------------

    def title(self) -> str | None:
        headline = self.headline.text() if self.headline is not None else None
        for reference in self.references():
            generic = self.titles and reference == self.titles[0]
            if headline and generic and _agreement(_norm(headline), _norm(reference)) < 0.3:
                continue  # a generic page title ("News from The Associated Press")
            if headline and _norm(headline) == _norm(reference):
                return headline
            if headline and _norm(headline) in _norm(reference):
                rest = _norm(reference).replace(_norm(headline), " ", 1)
                rest = re.sub(r"[\W_]+", " ", rest).strip()
                if not rest or self.site_like(rest) or len(rest) * 2 < len(_norm(headline)):
                    return headline
            parts = [p for p in _SEPARATORS.split(reference) if p.strip()]
            if headline and len(parts) > 1 and _norm(headline) in {_norm(p) for p in parts}:
                return headline
            stripped = self._strip_site(reference, parts)
            if stripped:
                return stripped
        return headline

    def _strip_site(self, reference: str, parts: list[str]) -> str | None:
        if self.site_like(reference):
            return None
        if len(parts) <= 1:
            return reference
        pieces = [m for m in re.split(f"({_SEPARATORS.pattern})", reference) if m is not None]
        # pieces alternate text, separator, text …; drop site-like text at either end
        texts, seps = pieces[0::2], pieces[1::2]
        while len(texts) > 1 and self.site_like(texts[-1]):
            texts, seps = texts[:-1], seps[:-1]
        while len(texts) > 1 and self.site_like(texts[0]):
            texts, seps = texts[1:], seps[1:]
        if len(texts) >= 3:  # "Headline » Section » Site": the headline is the long part
            longest = max(texts, key=len)
            if len(longest) * 2 > sum(len(t) for t in texts):
                return longest.strip()
        joined = texts[0] + "".join(s + t for s, t in zip(seps, texts[1:], strict=False))
        return joined.strip() or None

    def published(self) -> datetime | date | None:
        """The first date found, written as the site writes it (see `htmldates.page_published`)."""
        return page_published(self)

    def byline(self) -> str | None:
        people = self._people(self.graph.people(self.graph.value("author")))
        if not people:
            people = self._people(self._byline_markup())
        for name in self._people(self.meta("author", "og:author", "byl", "sailthru.author")):
            known = {p.casefold() for p in people}
            if people and name.casefold() not in known and self._byline_supported(name):
                people.append(name)
        if not people:
            people = self._people(self.meta(*_AUTHOR_KEYS))
        return _byline(people)

    def _byline_supported(self, name: str) -> bool:
        """A meta author beside JSON-LD ones joins them only when the article shows the name."""
        return self.container is not None and name.casefold() in self.container.text().casefold()

    def _byline_markup(self) -> list[str]:
        names: list[str] = []
        scope = self.container or self.root
        region = [n for n in self.root.elements() if not self._in_furniture(n)]
        for node in self.root.elements():
            rel = node.get("rel").lower().split()
            in_comments = any(_has_words(a, _COMMENTS) for a in node.ancestors())
            if node.tag == "a" and "author" in rel and not in_comments:
                names.append(node.text())
        if names:
            return names
        for node in region:
            if node.get("itemprop").lower() in ("author", "creator"):
                named = next(
                    (n for n in node.elements() if n.get("itemprop").lower() == "name"), None
                )
                value = (named.get("content") or named.text()) if named else node.text()
                if value:
                    names.append(value)
        if names:
            return names
        for node in region:
            if not (scope.contains(node) or (self.headline and node.index > self.headline.index)):
                continue
            words = {w for c in node.get("class").lower().split() for w in re.split(r"[-_]+", c)}
            if words & {"byline", "author", "fn", "contributor", "writer"} and not (
                words & {"bio", "box", "image", "img", "photo", "avatar", "title", "date"}
            ):
                text = node.text()
                if text and len(text) < 120:
                    names.append(text)
                    break
        if names or self.headline is None:
            return names
        # "By Maria Lopez | Tuesday …" printed under the headline without any markup
        holder = self.headline.parent or self.headline
        following = (n for n in holder.elements() if n.index > self.headline.index)
        for number, node in enumerate(following):
            if number > 20:
                break
            own = node.text()
            if len(own) < 160 and _BY.match(own):
                return [own]
        return names

    def _in_furniture(self, node: _Node) -> bool:
        return any(
            a.tag in ("aside", "footer", "nav")
            or _has_words(a, frozenset({"comment", "comments", "related", "sidebar", "teaser"}))
            for a in node.ancestors()
        )

    def _people(self, raw: list[str]) -> list[str]:
        """Names of people: prefixes ("By"), trailing agencies and non-names removed."""
        people: list[str] = []
        for value in raw:
            text = _DATE_TAIL.split(" ".join(value.split()))[0]
            text = _BY.sub("", text).strip(" ,;:|·-")
            names = [
                _BY.sub("", part.strip(" ,;:|·-–—")).strip(" ,;:|·-")
                for part in _NAME_SPLIT.split(text)
            ]
            names = [n for n in names if self._is_person(n)]
            if len(names) > 1:  # "Jane Doe, Reuters": the agency beside a person is no author
                names = [n for n in names if not _ORGANISATION_NAME.search(n)] or names
            people.extend(names)
        return _unique(people)

    def _is_person(self, name: str) -> bool:
        if not name or len(name) > 60 or _NOT_NAMES.search(name) or self.site_like(name):
            return False
        if re.search(r"\d", name) or len(name.split()) > 5:
            return False
        letters = [c for c in name if c.isalpha()]
        if not letters:
            return False
        latin = all(ord(c) < 0x250 for c in letters)
        return not latin or any(c.isupper() for c in letters)

    def tags(self) -> list[str]:
        tags = [t for v in self.meta("article:tag", "og:article:tag") for t in v.split(",")]
        keywords = [k for v in self.meta("keywords", "news_keywords") for k in v.split(",")]
        linked = self._rel_links("tag")
        for found in (tags, keywords, self.graph.words("keywords"), linked):
            cleaned = _unique([t for t in (clean_text(v) for v in found) if t])
            if cleaned:
                return cleaned
        return []

    def categories(self) -> list[str]:
        declared = self.meta("article:section") or self.graph.words("articleSection")
        return _unique(declared or self._rel_links("category"))

    def _rel_links(self, kind: str) -> list[str]:
        """WordPress themes link the post's tags (rel=tag) and categories (rel="category
        tag") in the article; a category link is no tag."""
        scope = self.container or self.root
        found = []
        for node in scope.elements():
            rel = node.get("rel").lower().split()
            wanted = kind in rel and (kind == "category" or "category" not in rel)
            if node.tag == "a" and wanted and not self._in_furniture(node):
                found.append(node.text())
        return [t for t in found if t and len(t) < 80]

    # -- images ----------------------------------------------------------------------

    def body_images(self) -> list[FoundImage]:
        container = self.container
        if container is None:
            body = next((n for n in self.root.elements() if n.tag == "body"), self.root)
            return [i for i in _collect_images(body, [], []) if i.in_figure]
        keep = [container]
        if self.headline is not None:
            keep.extend(a for a in self.headline.ancestors())
        prose = container.prose
        keep.extend(n for n in container.elements() if prose and n.prose * 2 >= prose)
        teasers = [
            n
            for n in container.elements()
            if n is not container
            and _is_scope(n)
            and n.tag == "article"
            and not (self.headline is not None and n.contains(self.headline))
            and n.prose * 4 < prose
        ]
        found = _collect_images(container, teasers, keep)
        if container.tag in ("body", "#root"):
            # no element holds the article apart from the page: only what looks like a photo
            found = [i for i in found if i.in_figure or i.caption or (i.width or 0) >= 200]
        return found

    def images(self) -> list[ParsedImage]:
        infos = self.graph.all_images()
        body = self.body_images()
        featured = self._featured(infos, body)
        images = [featured] if featured else []
        for position, found in enumerate(body, start=1):
            info = _match(found.src, infos) or _ImageInfo(None)
            images.append(
                ParsedImage(
                    role="inline",
                    position=position,
                    reference=found.src,
                    alt=found.alt,
                    caption=found.caption or info.caption,
                    credit=info.credit or found.credit,
                    copyright=info.copyright,
                    description=info.description,
                )
            )
        return images

    def _featured(self, infos: list[_ImageInfo], body: list[FoundImage]) -> ParsedImage | None:
        declared = self.graph.images(self.graph.value("image"))
        reference = _first(
            self.one("og:image", "og:image:url", "og:image:secure_url"),
            self.one("twitter:image", "twitter:image:src"),
            next((i.url for i in declared if i.url), None),
        )
        if reference is None:
            return None
        probe = FoundImage(
            reference, None, "", None, None, None, file=urlsplit(reference).path.lower()
        )
        if probe.looks_like_chrome() and not any(b.src == reference for b in body):
            return None  # a site logo or icon shared for social media is no article photo
        info = _match(reference, infos) or _ImageInfo(reference)
        name = canonical_media_name(reference)
        twin = next((b for b in body if b.src and canonical_media_name(b.src) == name), None)
        return ParsedImage(
            role="featured",
            position=0,
            reference=reference,
            alt=self.one("og:image:alt") or (twin.alt if twin else None),
            caption=info.caption or (twin.caption if twin else None),
            credit=info.credit or (twin.credit if twin else None),
            copyright=info.copyright,
            description=info.description,
        )


def _links_home(heading: _Node, text: str) -> bool:
    """A heading that is only a link to the site's front page is the site's name."""
    for link in heading.elements():
        if link.tag == "a" and link.text() == text:
            path = urlsplit(link.get("href")).path.strip("/")
            return path.count("/") == 0 and "." not in path and len(path) < 30
    return False


def _agreement(text: str, reference: str) -> float:
    """How much of a title a headline covers: 1.0 when they are the same text."""
    if not text or not reference:
        return 0.0
    if text == reference:
        return 1.0
    if text in reference:
        return len(text) / len(reference)
    if reference in text:
        return len(reference) / len(text)
    words, other = set(text.split()), set(reference.split())
    if len(words) >= 3 and len(other) >= 3:
        return 0.9 * len(words & other) / len(words | other)
    if len(text) < 8 or len(reference) < 8:
        return 0.0
    # scripts written without spaces: compare pairs of characters
    pairs = {text[i : i + 2] for i in range(len(text) - 1)}
    others = {reference[i : i + 2] for i in range(len(reference) - 1)}
    return 0.9 * len(pairs & others) / len(pairs | others)


def parse_html(path: Path) -> list[ParsedArticle]:
    """The one article of a saved page; a page that is not an article is an error."""
    text = _decode(path.read_bytes(), path)
    page = _Page(_tree(text, path))
    if not page.is_article():
        raise ArticleFormatError(
            path,
            "no article content (no headline over the text or matching the page title, "
            "no JSON-LD Article, og:type article or publication date)",
        )
    title = page.title()
    if title is None:
        raise ArticleFormatError(path, "no article title (no og:title, headline, <h1> or <title>)")
    source = str(path.resolve())
    url = page.url()
    published = page.published()
    byline = page.byline()
    warnings = [
        problem
        for problem, missing in (
            ("no publication date found", published is None),
            ("no byline found", byline is None),
        )
        if missing
    ]
    return [
        ParsedArticle(
            key=url or source,
            title=title,
            url=url,
            published=published,
            byline=byline,
            tags=page.tags(),
            categories=page.categories(),
            source_path=source,
            format="html",
            images=page.images(),
            warnings=warnings,
        )
    ]
