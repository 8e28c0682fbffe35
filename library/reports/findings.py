"""The reuse audit as a work list: findings an auditor filters, pages through and resolves.

`reuse.reuse_report` computes the findings from the catalog; this module
gives each one a stable key (its cause: kind, photo, usages, wording) and
joins the auditors' verdicts (``finding_resolutions``):

* **fixed**: the problem was corrected; linked to the catalog edit that did it
  when there is one (a credit fixed in the CMS has none);
* **accepted**: known and fine (a handout needs no credit);
* **wrong**: not a problem at all.

A resolved finding stays out of the default view and the exports. When its
facts change (another usage, another credit, the photo joins another group)
it is a different finding with a different key, so it comes back open: a
verdict never hides a problem it did not see.

Computing the audit reads every reused photo, which takes seconds on a big
archive; the result is kept per process and recomputed only when the
catalog's usages, edits, groups or decisions changed (`catalog_signature`).
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from library.db.models import (
    Article,
    Change,
    DuplicateDecision,
    DuplicateGroup,
    FindingResolution,
    Usage,
)
from library.errors import InvalidValueError
from library.reports.reuse import (
    FINDING_KINDS,
    SEVERITIES,
    Finding,
    PhotoAudit,
    UsageRow,
    reuse_report,
)

STATES = ("open", "fixed", "accepted", "wrong")
RESOLVED = STATES[1:]
#: What the state filter offers besides one state.
STATE_FILTERS = ("open", "resolved", "all", *RESOLVED)
MAX_NOTE = 500
PER_PAGE = 50


def finding_key(finding: Finding) -> str:
    """The finding's cause as a short, stable id."""
    usages = ",".join(str(u) for u in sorted(finding.usage_ids))
    cause = f"{finding.kind}|{finding.asset_id}|{usages}|{finding.detail}"
    return hashlib.sha256(cause.encode()).hexdigest()[:32]


@dataclass
class AuditRow:
    key: str
    finding: Finding
    photo: PhotoAudit
    #: The usages the finding names, in publication order (none for name and typo findings).
    usages: list[UsageRow]
    state: str = "open"
    resolution: Verdict | None = None
    #: Publication dates of the usages it names (of every usage when it names none).
    dates: list[date] = field(default_factory=list)
    #: The credits ``credit=`` looks in, case-folded once (the rows are kept between
    #: requests, and a filter reads all 150,000 of them at a million photos).
    credits: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.credits:
            named = [self.photo.credit, *self.photo.agencies]
            named += [u.credit for u in self.usages or self.photo.usages]
            self.credits = tuple((c or "").casefold() for c in named)


@dataclass
class AuditFilter:
    severity: str | None = None
    kind: str | None = None
    since: date | None = None
    until: date | None = None
    #: A credit or agency, matched without case inside the picture's credits.
    credit: str | None = None
    state: str = "open"

    def check(self) -> None:
        for name, value, allowed in (
            ("severity", self.severity, SEVERITIES),
            ("kind", self.kind, FINDING_KINDS),
            ("state", self.state, STATE_FILTERS),
        ):
            if value is not None and value not in allowed:
                raise InvalidValueError(
                    f"{name}: expected one of {', '.join(allowed)}, got {value!r}"
                )

    def matches(self, row: AuditRow) -> bool:
        finding = row.finding
        if self.severity and finding.severity != self.severity:
            return False
        if self.kind and finding.kind != self.kind:
            return False
        if self.since or self.until:
            since, until = self.since or date.min, self.until or date.max
            if not any(since <= day <= until for day in row.dates):
                return False
        if self.credit:
            wanted = self.credit.casefold()
            if not any(wanted in c for c in row.credits):
                return False
        return _state_matches(self.state, row.state)


def _state_matches(wanted: str, state: str) -> bool:
    if wanted == "all":
        return True
    if wanted == "resolved":
        return state in RESOLVED
    return state == wanted


@dataclass
class Summary:
    """What the desk must fix first: open findings by kind and severity, and by credit."""

    by_severity: dict[str, int]
    by_kind: dict[str, dict[str, int]]
    by_credit: list[tuple[str, int, int]]  # credit, findings, of which high
    open: int
    resolved: int


@dataclass
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int
    summary: Summary
    filters: AuditFilter = field(default_factory=AuditFilter)


# --- reading ----------------------------------------------------------------------------


def audit_rows(session: Session, filters: AuditFilter | None = None) -> list[AuditRow]:
    """Every finding that passes the filters, most severe first, then by first publication."""
    filters = filters or AuditFilter()
    filters.check()
    return list(_kept(_stated_entry(session), filters))


def audit_page(
    session: Session, filters: AuditFilter | None = None, page: int = 1, per_page: int = PER_PAGE
) -> AuditPage:
    """One page of findings, the total, and the summary of the findings in view."""
    filters = filters or AuditFilter()
    filters.check()
    entry = _stated_entry(session)
    everything = _kept(entry, replace(filters, state="all"))
    rows = _kept(entry, filters, everything)
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    return AuditPage(
        rows[(page - 1) * per_page : page * per_page],
        len(rows),
        page,
        pages,
        _summary(entry, filters, everything),
        filters,
    )


def summarize(rows: Sequence[AuditRow]) -> Summary:
    open_rows = [r for r in rows if r.state == "open"]
    by_severity: dict[str, int] = {s: 0 for s in SEVERITIES}
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: {s: 0 for s in SEVERITIES})
    credits: Counter[str] = Counter()
    high: Counter[str] = Counter()
    for row in open_rows:
        severity = row.finding.severity
        by_severity[severity] += 1
        by_kind[row.finding.kind][severity] += 1
        name = row.photo.credit or "(no credit known)"
        credits[name] += 1
        if severity == "high":
            high[name] += 1
    ranked = sorted(credits, key=lambda c: (-high[c], -credits[c], c.casefold()))
    return Summary(
        by_severity,
        dict(sorted(by_kind.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))),
        [(c, credits[c], high[c]) for c in ranked[:10]],
        len(open_rows),
        len(rows) - len(open_rows),
    )


def resolution_history(session: Session, key: str) -> list[FindingResolution]:
    """Every verdict on one finding, newest first."""
    return list(
        session.scalars(
            select(FindingResolution)
            .where(FindingResolution.key == key)
            .order_by(FindingResolution.id.desc())
        )
    )


# --- writing ----------------------------------------------------------------------------


def resolve_finding(
    session: Session,
    key: str,
    state: str,
    user: str,
    note: str = "",
    change_id: int | None = None,
) -> FindingResolution:
    """Record a verdict on a current finding ("open" reopens it).

    "fixed" links the given edit, or else the latest edit of the finding's
    photos, if any: a fix made in the CMS has no edit in the catalog.
    """
    if state not in STATES:
        raise InvalidValueError(f"state: expected one of {', '.join(STATES)}, got {state!r}")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidValueError(f"note: at most {MAX_NOTE} characters, got {len(note)}")
    row = next((r for r in _all_rows(session) if r.key == key), None)
    if row is None:
        raise InvalidValueError(f"no current finding {key}: its facts may have changed")
    photos = row.photo.asset_ids
    if change_id is not None:
        change = session.get(Change, change_id)
        if change is None or change.asset_id not in photos:
            raise InvalidValueError(f"change {change_id} is not an edit of this finding's photos")
    elif state == "fixed":
        change_id = session.scalar(select(func.max(Change.id)).where(Change.asset_id.in_(photos)))
    if state != "fixed":
        change_id = None
    resolution = FindingResolution(
        key=key, state=state, note=note or None, change_id=change_id, user=user
    )
    session.add(resolution)
    session.flush()
    return resolution


# --- the computed audit, kept while the catalog stands still -------------------------


@dataclass
class _Computed:
    """The audit of the whole catalog and each finding's key, as of one signature."""

    signature: tuple[Any, ...]
    reports: list[PhotoAudit]
    #: (key, finding, photo, usages it names, their dates), in the audit's order.
    keyed: list[tuple[str, Finding, PhotoAudit, list[UsageRow], list[date]]]


_cache: dict[str, _Computed] = {}
_cache_lock = threading.Lock()


def catalog_signature(session: Session) -> tuple[Any, ...]:
    """Changes whenever something the audit reads changes (indexed aggregates only)."""
    return tuple(
        session.execute(
            select(
                select(func.max(Usage.id)).scalar_subquery(),
                select(func.count(Usage.id)).scalar_subquery(),
                select(func.max(Article.imported_at)).scalar_subquery(),
                select(func.max(Change.id)).scalar_subquery(),
                select(func.max(DuplicateGroup.id)).scalar_subquery(),
                select(func.count(DuplicateGroup.id)).scalar_subquery(),
                select(func.max(DuplicateDecision.id)).scalar_subquery(),
                select(func.count(DuplicateDecision.id)).scalar_subquery(),
            )
        ).one()
    )


def cached_reports(session: Session) -> list[PhotoAudit]:
    """`reuse_report` for the whole catalog, recomputed only after a change."""
    return _computed(session).reports


def _computed(session: Session) -> _Computed:
    where = str(session.get_bind().engine.url)
    signature = catalog_signature(session)
    with _cache_lock:
        held = _cache.get(where)
        if held is not None and held.signature == signature:
            return held
    reports = reuse_report(session)
    keyed = []
    order = {s: i for i, s in enumerate(SEVERITIES)}
    for photo in reports:
        by_usage = {u.usage_id: u for u in photo.usages}
        for finding in photo.findings:
            named = [by_usage[u] for u in finding.usage_ids if u in by_usage]
            dates = [u.published for u in named or photo.usages if u.published]
            keyed.append((finding_key(finding), finding, photo, named, dates))
    keyed.sort(key=lambda k: (order[k[1].severity], min(k[4], default=date.max), k[1].kind, k[0]))
    computed = _Computed(signature, reports, keyed)
    with _cache_lock:
        _cache[where] = computed
    return computed


@dataclass
class _Stated:
    """Every finding with its verdict, as of (catalog signature, latest verdict id), and
    what filters made of them since: a filter's rows and summary are asked again by every
    page of it, and finding them reads every row (130 ms at a million photos)."""

    signature: tuple[Any, ...]
    rows: list[AuditRow]
    kept: dict[Any, list[AuditRow]] = field(default_factory=dict)
    summaries: dict[Any, Summary] = field(default_factory=dict)


#: The findings with their states, per database.
_stated: dict[str, _Stated] = {}

#: Filter combinations remembered per state of the audit before starting over.
_VIEWS = 64

T = TypeVar("T")


def _stated_entry(session: Session) -> _Stated:
    """Every finding with its verdict, in order; rebuilt only after a change or a verdict."""
    computed = _computed(session)
    verdicts = session.scalar(select(func.max(FindingResolution.id)))
    signature = (computed.signature, verdicts)
    where = str(session.get_bind().engine.url)
    with _cache_lock:
        held = _stated.get(where)
        if held is not None and held.signature == signature:
            return held
    latest = _latest_resolutions(session)
    rows = [
        AuditRow(key, finding, photo, named, _state_of(latest.get(key)), latest.get(key), dates)
        for key, finding, photo, named, dates in computed.keyed
    ]
    entry = _Stated(signature, rows)
    with _cache_lock:
        _stated[where] = entry
    return entry


def _kept(
    entry: _Stated, filters: AuditFilter, among: Sequence[AuditRow] | None = None
) -> list[AuditRow]:
    """The rows ``filters`` keep (do not change the list: it is kept for the next page);
    ``among``, when given, already holds every row they keep, in order."""
    if filters == AuditFilter(state="all"):
        return entry.rows
    source = entry.rows if among is None else among
    return _remembered(
        entry.kept, astuple(filters), lambda: [r for r in source if filters.matches(r)]
    )


def _summary(entry: _Stated, filters: AuditFilter, everything: Sequence[AuditRow]) -> Summary:
    """The summary of ``everything`` (the rows the filters keep, in any state), kept with
    the rows it was counted from."""
    key = astuple(replace(filters, state="all"))
    return _remembered(entry.summaries, key, lambda: summarize(everything))


def _remembered(memo: dict[Any, T], key: Any, make: Callable[[], T]) -> T:
    """``memo[key]``, made once; many combinations start the memo over rather than grow it.
    Made outside the lock: requests for other filters need not wait for it."""
    with _cache_lock:
        held = memo.get(key)
    if held is None:
        held = make()
        with _cache_lock:
            if len(memo) >= _VIEWS:
                memo.clear()
            memo[key] = held
    return held


def _all_rows(session: Session) -> list[AuditRow]:
    return _stated_entry(session).rows


@dataclass(frozen=True)
class Verdict:
    """The latest verdict on a finding, as plain data: rows are kept between requests,
    so they must not hold database objects."""

    state: str
    note: str | None
    change_id: int | None
    user: str
    resolved_at: datetime


def _latest_resolutions(session: Session) -> dict[str, Verdict]:
    newest = (
        select(func.max(FindingResolution.id)).group_by(FindingResolution.key).scalar_subquery()
    )
    rows = session.scalars(select(FindingResolution).where(FindingResolution.id.in_(newest)))
    return {r.key: Verdict(r.state, r.note, r.change_id, r.user, r.resolved_at) for r in rows}


def _state_of(resolution: Verdict | None) -> str:
    return resolution.state if resolution is not None else "open"


@dataclass
class Export:
    """What a report file holds: the photos, their findings in view, and the summary."""

    reports: list[PhotoAudit]
    rows: list[AuditRow]
    summary: Summary


def export(session: Session, filters: AuditFilter | None = None) -> Export:
    """The audit for a file: open findings by default, the filters applied.

    Without filters beyond the state, every reused photo is listed (a photo
    with no open finding is still a reuse worth seeing); with filters, only
    the photos that have a finding in view.
    """
    filters = filters or AuditFilter()
    filters.check()
    entry = _stated_entry(session)
    everything = _kept(entry, replace(filters, state="all"))
    rows = [r for r in everything if _state_matches(filters.state, r.state)]
    summary = _summary(entry, filters, everything)
    kept = {id(r.finding) for r in rows}
    narrowed = replace(filters, state="open") != AuditFilter()
    reports = []
    for photo in cached_reports(session):
        findings = [f for f in photo.findings if id(f) in kept]
        if findings or not narrowed:
            reports.append(replace(photo, findings=findings))
    return Export(reports, rows, summary)
