"""The reuse audit: every photo used in more than one article, and what is inconsistent.

A photo's duplicates and derivatives count as the same photo, so a crop used
in one article and the original in another are one reused picture. For each
such photo the usages are listed in date order and checked for: missing or
differing credits, archive photos reused without a note, archive notes whose
date contradicts the photo, captions that contradict each other on dates or
places, names spelled differently, likely typos in bylines and credits, and
derivatives published without the original's credit.

Links to photos come from a link builder the caller passes in (asset id →
URL, or None for no links): the gallery knows its routes and its public
address, the library knows neither."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from library.db.engine import chunked
from library.db.models import Article, Asset, Usage
from library.duplicates import membership
from library.duplicates.review import original_of
from library.text.captions import agencies_in, normalize_credit, parse_caption
from library.text.names import fold_name, likely_typo, name_variants
from library.text.variables import MONTHS

#: An archive photo is one taken or first published this many days before the article.
ARCHIVE_AFTER_DAYS = 365


Severity = Literal["high", "medium", "low"]


SEVERITIES: tuple[Severity, ...] = get_args(Severity)


FindingKind = Literal[
    "missing_credit",
    "credit_mismatch",
    "credit_typo",
    "byline_typo",
    "archive_without_note",
    "archive_date_conflict",
    "caption_date_conflict",
    "caption_place_conflict",
    "name_variant",
    "derivative_without_credit",
]


FINDING_KINDS: tuple[FindingKind, ...] = get_args(FindingKind)


#: asset id → the URL of the photo's page, supplied by whoever renders the report.
LinkBuilder = Callable[[int], str]


def _link(link: LinkBuilder | None, asset_id: int | None) -> str | None:
    return link(asset_id) if link is not None and asset_id is not None else None


@dataclass
class Finding:
    """One inconsistency across a photo's usages, with how much it matters."""

    kind: FindingKind
    severity: Severity
    detail: str
    asset_id: int | None = None
    usage_ids: list[int] = field(default_factory=list)

    def to_json(self, link: LinkBuilder | None = None) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "detail": self.detail,
            "asset_id": self.asset_id,
            "link": _link(link, self.asset_id),
        }


@dataclass
class UsageRow:
    usage_id: int
    asset_id: int
    article_id: int
    article: str
    url: str | None
    published: date | None
    role: str
    caption: str | None
    credit: str | None
    byline: str | None
    archive: bool
    derivative: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "asset_id": self.asset_id,
            "article": self.article,
            "article_id": self.article_id,
            "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "role": self.role,
            "caption": self.caption,
            "credit": self.credit,
            "byline": self.byline,
            "archive_note": self.archive,
            "derivative": self.derivative,
        }


@dataclass
class PhotoAudit:
    asset_ids: list[int]
    master: int
    usages: list[UsageRow]
    findings: list[Finding]
    #: The earliest, largest copy (`library.duplicates.review.original_of`): what
    #: "derivative" is measured against, whoever the desk made master.
    original: int = 0
    #: The credit the picture should carry: the original's, else its first published one.
    credit: str | None = None
    #: The agencies that credit (or any published credit of the picture) names.
    agencies: list[str] = field(default_factory=list)

    def to_json(self, link: LinkBuilder | None = None) -> dict[str, Any]:
        return {
            "asset_ids": self.asset_ids,
            "master": self.master,
            "original": self.original,
            "credit": self.credit,
            "agencies": self.agencies,
            "link": _link(link, self.original),
            "usages": [u.to_json() for u in self.usages],
            "findings": [f.to_json(link) for f in self.findings],
        }


def _photo_date(assets: Sequence[PhotoFacts]) -> tuple[date | None, str]:
    """The earliest known date of the picture itself, and where it came from."""
    found: list[tuple[date, str]] = []
    for asset in assets:
        for value, source in (
            (asset.taken_at, "EXIF date"),
            (asset.original_date, "original date"),
        ):
            parsed = _parse_day(value)
            if parsed:
                found.append((parsed, source))
    return min(found) if found else (None, "")


def _parse_day(value: str | None) -> date | None:
    if not value:
        return None
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value)
    if not match:
        return None
    year, month, day = match.groups()
    try:
        return date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None


def _cut(day: date, precision: str) -> str:
    return {"year": f"{day.year:04d}", "month": f"{day.year:04d}-{day.month:02d}"}.get(
        precision, day.isoformat()
    )


@dataclass(frozen=True)
class UsageFacts:
    """What the audit reads of a usage, without an ORM object (millions at scale)."""

    id: int
    asset_id: int | None
    position: int
    role: str
    caption: str | None
    credit: str | None
    archive: bool
    dates: list[Any] | None
    description: str | None


@dataclass(frozen=True)
class ArticleFacts:
    """What the audit reads of an article."""

    id: int
    title: str
    url: str | None
    published: datetime | None
    byline: str | None


@dataclass(frozen=True)
class PhotoFacts:
    """What the audit reads of a photo: its dates, size and credit."""

    id: int
    taken_at: str | None
    original_date: str | None
    width: int
    height: int
    credit: str | None
    source: str | None


_USAGE_COLUMNS = (
    Usage.id,
    Usage.asset_id,
    Usage.position,
    Usage.role,
    Usage.caption,
    Usage.credit,
    Usage.archive,
    Usage.dates,
    Usage.description,
)
_ARTICLE_COLUMNS = (Article.id, Article.title, Article.url, Article.published, Article.byline)
_PHOTO_COLUMNS = (
    Asset.id,
    Asset.taken_at,
    Asset.original_date,
    Asset.width,
    Asset.height,
    Asset.credit,
    Asset.source,
)


def reuse_report(session: Session, since: date | None = None) -> list[PhotoAudit]:
    """Every photo (with its duplicates) used in more than one article, with findings.

    At millions of usages the audit first reads only which photo ran in which article,
    then the details of the reused ones, and their photos in a few batched queries, all
    as plain columns: ORM objects and one photo query per picture did not finish at 10M.
    """
    clusters, masters = _clusters(session)
    placed = session.execute(
        select(Usage.id, Usage.asset_id, Usage.article_id, Article.published)
        .join(Article, Usage.article_id == Article.id)
        .where(Usage.asset_id.is_not(None))
    ).all()
    in_cluster: dict[int, list[tuple[int, int, datetime | None]]] = defaultdict(list)
    for usage_id, asset_id, article_id, published in placed:
        assert asset_id is not None
        in_cluster[clusters.get(asset_id, asset_id)].append((usage_id, article_id, published))
    reused = {
        key
        for key, rows in in_cluster.items()
        if len({article for _, article, _ in rows}) >= 2
        and (not since or any(p and p.date() >= since for _, _, p in rows))
    }
    del placed, in_cluster
    by_cluster = _reused_usages(session, clusters, reused)
    bylines = Counter(b for b in session.scalars(select(Article.byline)) if b)
    members: dict[int, set[int]] = defaultdict(set)
    for member, cluster in clusters.items():
        if cluster in reused:
            members[cluster].add(member)
    wanted = {u.asset_id for pairs in by_cluster.values() for u, _ in pairs if u.asset_id}
    photos = _photos(session, wanted | {m for ids in members.values() for m in ids})
    reports = []
    for key, pairs in by_cluster.items():
        ids = sorted({u.asset_id for u, _ in pairs if u.asset_id} | members.get(key, set()))
        master = masters.get(key, key)
        assets = {i: photos[i] for i in ids if i in photos}
        # The usage id last: two usages at one position of an article keep one order.
        pairs.sort(key=lambda p: (p[1].published or datetime.max, p[1].id, p[0].position, p[0].id))
        firsts: dict[int, datetime] = {}
        for u, a in pairs:
            if u.asset_id and a.published and u.asset_id not in firsts:
                firsts[u.asset_id] = a.published
        original = original_of(
            (i, assets[i].taken_at, assets[i].width * assets[i].height, firsts.get(i))
            for i in ids
            if i in assets
        )
        usages = [
            UsageRow(
                usage_id=u.id,
                asset_id=u.asset_id or master,
                article_id=a.id,
                article=a.title,
                url=a.url,
                published=a.published.date() if a.published else None,
                role=u.role,
                caption=u.caption,
                credit=u.credit,
                byline=a.byline,
                archive=u.archive,
                derivative=(u.asset_id != original),
            )
            for u, a in pairs
        ]
        audit = PhotoAudit(ids, master, usages, [], original)
        audit.findings = find_problems(audit, assets, [u for u, _ in pairs], bylines)
        reports.append(audit)
    reports.sort(key=lambda r: (-len(r.usages), r.master))
    return reports


def _reused_usages(
    session: Session, clusters: dict[int, int], reused: set[int]
) -> dict[int, list[tuple[UsageFacts, ArticleFacts]]]:
    """The usages of the reused pictures with their articles, by cluster key."""
    by_cluster: dict[int, list[tuple[UsageFacts, ArticleFacts]]] = defaultdict(list)
    if not reused:
        return by_cluster
    rows = session.execute(
        select(*_USAGE_COLUMNS, *_ARTICLE_COLUMNS)
        .join(Article, Usage.article_id == Article.id)
        .where(Usage.asset_id.is_not(None))
    )
    articles: dict[int, ArticleFacts] = {}
    split = len(_USAGE_COLUMNS)
    for row in rows:
        asset_id = row[1]
        key = clusters.get(asset_id, asset_id)
        if key not in reused:
            continue
        article = articles.get(row[split])
        if article is None:
            article = articles[row[split]] = ArticleFacts(*row[split:])
        by_cluster[key].append((UsageFacts(*row[:split]), article))
    return by_cluster


def _photos(session: Session, ids: Iterable[int]) -> dict[int, PhotoFacts]:
    found: dict[int, PhotoFacts] = {}
    for chunk in chunked(sorted(ids)):
        rows = session.execute(select(*_PHOTO_COLUMNS).where(Asset.id.in_(chunk)))
        found.update({row[0]: PhotoFacts(*row) for row in rows})
    return found


def _clusters(session: Session) -> tuple[dict[int, int], dict[int, int]]:
    """asset → cluster key (its group's master), and cluster key → master."""
    clusters = membership.masters(session)
    return clusters, {master: master for master in clusters.values()}


def find_problems(
    audit: PhotoAudit,
    assets: dict[int, PhotoFacts],
    usages: Sequence[UsageFacts],
    bylines: Counter[str],
) -> list[Finding]:
    """One finding per cause, named after the original and graded by what it risks.

    A usage without a credit is one finding, whether it ran the original or a
    copy (one fix clears it). High is kept for credits missing or wrong on an
    agency's photo, the findings that cost money or a client; dates, places and
    archive notes are medium; typos and name variants are low.
    """
    findings: list[Finding] = []
    original = assets.get(audit.original)
    rows = audit.usages
    by_id = {u.id: u for u in usages}
    credited = [r for r in rows if r.credit]
    # The credit the picture should carry, and whether an agency owns it.
    reference_credit = original.credit if original and original.credit else None
    if reference_credit is None:
        firsts = [r for r in credited if not r.derivative] or credited
        reference_credit = firsts[0].credit if firsts else None
    audit.credit = reference_credit
    named = [reference_credit, original.source if original else None] + [r.credit for r in rows]
    audit.agencies = sorted({a for c in named for a in agencies_in(c)}, key=str.casefold)
    agency = bool(audit.agencies)
    credit_severity: Severity = "high" if agency else "medium"
    owner = f" (an agency photo: {', '.join(audit.agencies)})" if agency else ""
    for row in rows:
        if not row.credit:
            copy = f" a copy (photo {row.asset_id}) of" if row.derivative else ""
            findings.append(
                Finding(
                    "missing_credit",
                    credit_severity,
                    f"“{row.article}” ({_day(row.published)}) publishes{copy} the photo "
                    f"without a credit{owner}",
                    row.asset_id,
                    [row.usage_id],
                )
            )
    forms: dict[str, list[UsageRow]] = defaultdict(list)
    for row in credited:
        forms[normalize_credit(row.credit)].append(row)
    if len(forms) > 1:
        listed = "; ".join(f"“{rs[0].credit}” ({len(rs)}×)" for rs in forms.values())
        # "NASA/ESA" and "NASA, ESA" name the same parties: a style slip, not a dispute.
        parties = {
            frozenset(w.casefold() for r in group for w in re.findall(r"\w+", r.credit or ""))
            for group in forms.values()
        }
        same_parties = len(parties) == 1
        findings.append(
            Finding(
                "credit_mismatch",
                "low" if same_parties else credit_severity,
                f"different credits for the same photo: {listed}"
                + (" (the same names, written differently)" if same_parties else owner),
                audit.original,
                [r.usage_id for r in credited],
            )
        )
    raw_credits = sorted({r.credit for r in credited if r.credit})
    for a, b in _pairs(raw_credits):
        if likely_typo(a, b):
            findings.append(
                Finding(
                    "credit_typo",
                    "low",
                    f"credit “{a}” and “{b}” look like one name mistyped",
                    audit.original,
                )
            )
    # Bylines of the articles that used it, against every byline the site uses.
    for byline in sorted({r.byline for r in rows if r.byline}):
        for other, count in bylines.items():
            if other != byline and count >= bylines[byline] and likely_typo(byline, other):
                findings.append(
                    Finding(
                        "byline_typo",
                        "low",
                        f"byline “{byline}” looks like a typo of “{other}” (used {count}×)",
                        audit.original,
                    )
                )
    # Archive use.
    photo_day, day_source = _photo_date(list(assets.values()))
    first_use = min((r.published for r in rows if r.published), default=None)
    earliest = min(d for d in (photo_day, first_use) if d) if (photo_day or first_use) else None
    for row in rows:
        if row.published is None or earliest is None:
            continue
        old = (row.published - earliest).days >= ARCHIVE_AFTER_DAYS
        # Only a reuse needs the note; the photo's first publication is not a reuse.
        reused = first_use is not None and row.published > first_use
        if old and reused and not row.archive:
            source = day_source if earliest == photo_day else "first publication"
            findings.append(
                Finding(
                    "archive_without_note",
                    "medium",
                    f"“{row.article}” ({_day(row.published)}) reuses a photo from {_day(earliest)} "
                    f"({source}) without an archive note",
                    row.asset_id,
                    [row.usage_id],
                )
            )
        usage = by_id[row.usage_id]
        if row.archive:
            findings.extend(_archive_date_conflicts(row, usage, photo_day, day_source, first_use))
    findings.extend(_caption_contradictions(rows, by_id, audit.original))
    # The same name spelled differently.
    captions = [r.caption for r in rows if r.caption]
    for a, b, score in name_variants(captions):
        findings.append(
            Finding(
                "name_variant",
                "low",
                f"the same name is spelled “{a}” and “{b}” across captions (similarity {score:.2f})",
                audit.original,
            )
        )
    # Copies published under another credit than the original's (no credit at all is
    # already a missing credit: one fix, one finding).
    reference = normalize_credit(reference_credit) if reference_credit else None
    for row in rows:
        if not row.derivative or not row.credit or reference is None:
            continue
        if normalize_credit(row.credit) != reference:
            findings.append(
                Finding(
                    "derivative_without_credit",
                    credit_severity,
                    f"a copy (photo {row.asset_id}) runs in “{row.article}” credited "
                    f"“{row.credit}”; the original (photo {audit.original}) is credited "
                    f"“{reference_credit}”",
                    row.asset_id,
                    [row.usage_id],
                )
            )
    order = {s: i for i, s in enumerate(SEVERITIES)}
    unique: dict[tuple[str, str], Finding] = {}
    for finding in findings:  # a photo both featured and inline gives one finding
        kept = unique.setdefault((finding.kind, finding.detail), finding)
        if kept is not finding:
            kept.usage_ids.extend(finding.usage_ids)
    return sorted(unique.values(), key=lambda f: (order[f.severity], f.kind))


def _archive_date_conflicts(
    row: UsageRow,
    usage: UsageFacts,
    photo_day: date | None,
    day_source: str,
    first_use: date | None,
) -> list[Finding]:
    findings = []
    for mention in usage.dates or []:
        precision, value = mention["precision"], mention["value"]
        if row.published and value >= _cut(row.published, precision):
            continue  # a date about the story itself, not the picture
        if photo_day and value != _cut(photo_day, precision):
            findings.append(
                Finding(
                    "archive_date_conflict",
                    "medium",
                    f"the archive note in “{row.article}” dates the photo {mention['text']}, "
                    f"but its {day_source} is {_day(photo_day)}",
                    row.asset_id,
                    [row.usage_id],
                )
            )
            break
        if first_use and value > _cut(first_use, precision):
            findings.append(
                Finding(
                    "archive_date_conflict",
                    "medium",
                    f"the archive note in “{row.article}” dates the photo {mention['text']}, "
                    f"after it was first published on {_day(first_use)}",
                    row.asset_id,
                    [row.usage_id],
                )
            )
            break
    return findings


_PLACE = re.compile(
    r"\b(?:in|at|near|from|outside)\s+((?-i:[A-Z][\w'’-]+)(?:[\s,]+(?-i:[A-Z][\w'’-]+)){0,3})",
)


_NOT_PLACES = {
    *MONTHS,
    "The",
    "This",
    "A",
    "An",
}


def places(text: str) -> set[str]:
    found = set()
    for match in _PLACE.finditer(text):
        words = [w.strip(",") for w in match.group(1).split() if w.strip(",")]
        while words and words[0] in _NOT_PLACES:
            words = words[1:]
        phrase: list[str] = []
        for word in match.group(1).split():
            if word.strip(",") in _NOT_PLACES and not phrase:
                continue
            phrase.append(word.strip(","))
            if word.endswith(","):
                break
        if words and phrase:
            found.add(" ".join(phrase))
    return found


def _caption_contradictions(
    rows: Sequence[UsageRow], by_id: dict[int, UsageFacts], asset_id: int
) -> list[Finding]:
    """Captions describing the same scene with other dates or other places.

    Each caption is read once, and usages printing the same caption facts are
    compared once: a picture run 500 times in a few caption versions costs a
    few comparisons, not 125,000 caption parses.
    """
    findings: list[Finding] = []
    versions: dict[tuple[frozenset[str], frozenset[str], frozenset[str]], UsageRow] = {}
    folded: dict[frozenset[str], frozenset[str]] = {}
    for row in rows:
        if not row.caption:
            continue
        usage = by_id[row.usage_id]
        days = frozenset(d["value"] for d in usage.dates or [] if d["precision"] == "day")
        # The importer stored the caption's description (its text without credit and
        # notes); older rows without one are read again.
        description = usage.description
        if description is None:
            description = parse_caption(row.caption).description
        where = frozenset(places(description))
        if where not in folded:
            folded[where] = _folded_places(where)
        versions.setdefault((days, where, _words(row.caption)), row)
    seen: set[tuple[str, str]] = set()
    for ((days_a, places_a, words_a), ra), ((days_b, places_b, words_b), rb) in _pairs(
        list(versions.items())
    ):
        if days_a and days_b and not days_a & days_b:
            key = ("date", f"{sorted(days_a)}|{sorted(days_b)}")
            if key not in seen and _same_year(set(days_a), set(days_b)):
                seen.add(key)
                findings.append(
                    Finding(
                        "caption_date_conflict",
                        "medium",
                        f"“{ra.article}” dates the scene {', '.join(sorted(days_a))} but "
                        f"“{rb.article}” says {', '.join(sorted(days_b))}",
                        asset_id,
                        [ra.usage_id, rb.usage_id],
                    )
                )
        if (
            places_a
            and places_b
            and not (places_a & places_b or folded[places_a] & folded[places_b])
            and _similar(words_a, words_b)
        ):
            key = ("place", f"{sorted(places_a)}|{sorted(places_b)}")
            if key not in seen:
                seen.add(key)
                findings.append(
                    Finding(
                        "caption_place_conflict",
                        "medium",
                        f"“{ra.article}” places the scene in {', '.join(sorted(places_a))} but "
                        f"“{rb.article}” in {', '.join(sorted(places_b))}",
                        asset_id,
                        [ra.usage_id, rb.usage_id],
                    )
                )
    return findings


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.casefold()))


def _folded_places(places: frozenset[str]) -> frozenset[str]:
    """The places' words folded, so other spellings of one place still count as the same
    (those are reported as name variants)."""
    return frozenset(fold_name(word) for place in places for word in place.split())


def _same_year(a: set[str], b: set[str]) -> bool:
    return bool({v[:4] for v in a} & {v[:4] for v in b})


def _similar(words_a: frozenset[str], words_b: frozenset[str]) -> bool:
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / len(words_a | words_b) >= 0.3


def _pairs(items: Sequence[Any]) -> Iterable[tuple[Any, Any]]:
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            yield a, b


def _day(value: date | None) -> str:
    return value.isoformat() if value else "undated"
