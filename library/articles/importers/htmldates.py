"""Dates as pages print them: ISO, compact, Unix times, zone names, day-first and written-out forms."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from library.articles.importers.html import _Page

_ZONES = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2,
    "MEZ": 1, "MESZ": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5, "HKT": 8, "SGT": 8,
    "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "EST": -5, "EDT": -4, "CST": -6,
    "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "HST": -10,
}  # fmt: skip


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            "january jan enero ene janvier janv januar gennaio genn janeiro",
            "february feb febrero febr février févr fevrier februar febbraio fevereiro fev",
            "march mar marzo mars märz maerz março marco",
            "april apr abril avril aprile",
            "may mayo mai maggio maio mag",
            "june jun junio juin juni giugno junho giu",
            "july jul julio juillet juil juli luglio julho lug",
            "august aug agosto août aout ago",
            "september sep sept septiembre setiembre septembre settembre setembro set",
            "october oct octubre octobre oktober okt ottobre outubro ott out",
            "november nov noviembre novembre noviembre novembro",
            "december dec diciembre dic décembre decembre dezember dez dicembre dezembro",
        ],
        start=1,
    )
    for name in names.split()
}


_MONTH = r"([^\W\d_]{3,10})\.?"


_TEXT_DATES = (
    re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"),  # Aug. 17, 2010
    re.compile(rf"\b(\d{{1,2}})(?:\.|º|er)?\s+(?:de\s+)?{_MONTH}\s+(?:de\s+)?(\d{{4}})\b"),
)


_CLOCK = re.compile(r"\b(\d{1,2})[:h](\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)


def _zone(name: str) -> timezone | None:
    hours = _ZONES.get(name.upper())
    return None if hours is None else timezone(timedelta(hours=hours))


def parse_date(value: str | int | float | None) -> datetime | date | None:
    """A publication date as pages write it: ISO 8601 (basic or extended, any offset or a
    zone name), Unix seconds or milliseconds, YYYYMMDD, RFC 822, or a written date in
    English, Spanish, French, German, Italian or Portuguese. The offset is kept."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return _epoch(float(value))
    text = " ".join((value or "").split())
    if not text or len(text) > 200:
        return None
    if re.fullmatch(r"\d{12,13}|\d{9,10}", text):
        return _epoch(float(text))
    if re.fullmatch(r"\d{8}", text):
        with contextlib.suppress(ValueError):
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    iso = _iso(text)
    if iso is not None:
        return iso
    with contextlib.suppress(TypeError, ValueError, IndexError, OverflowError):
        parsed = parsedate_to_datetime(text)
        if 1900 < parsed.year < 2200:
            return parsed
    return _written(text) or _numeric_in(text)


_YEAR_FIRST = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年\s]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})日?(?!\d)"
    r"(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)


# 19.06.2018 (day first, as written in most of Europe); slashes are left alone, since
# 06/07/2018 means June 7 in the US and July 6 elsewhere
_DAY_FIRST = re.compile(
    r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?((?:19|20)\d{2})(?!\d)"
    r"(?:[,\s]+(?:um\s+|à\s+|alle\s+|a las\s+)?(\d{1,2})[:h.](\d{2})(?::(\d{2}))?)?"
)


def _numeric_in(text: str) -> datetime | date | None:
    """A date written with numbers inside other words: '2023-11-17 20:52:15 来源',
    '2014年1月9日', '19.06.2018, 05:50 Uhr'."""
    for pattern in (_YEAR_FIRST, _DAY_FIRST):
        match = pattern.search(text)
        if not match:
            continue
        first, second, third, hour, minute, seconds = match.groups()
        year, month, day = (
            (first, second, third) if pattern is _YEAR_FIRST else (third, second, first)
        )
        with contextlib.suppress(ValueError):
            if hour is None:
                return date(int(year), int(month), int(day))
            return datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(seconds or 0)
            )
    return None


def _epoch(seconds: float) -> datetime | None:
    if seconds > 1e11:
        seconds /= 1000
    if not 0 < seconds < 7e9:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def _iso(text: str) -> datetime | date | None:
    match = re.fullmatch(
        r"(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})(?:[T ](\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?"
        r"\s*(Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z]{2,5})?",
        text,
    )
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        if hour is None:
            if zone is not None and zone.upper() != "Z":
                return None
            return date(int(year), int(month), int(day))
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        tzinfo: timezone | None = None
        if zone:
            if zone[0] in "+-":
                digits = zone[1:].replace(":", "").ljust(4, "0")
                offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
                tzinfo = timezone(offset if zone[0] == "+" else -offset)
            else:
                tzinfo = _zone(zone)
                if tzinfo is None:
                    return None
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro,
            tzinfo=tzinfo,
        )  # fmt: skip
    except ValueError:
        return None


def _written(text: str) -> datetime | date | None:
    """'Tuesday, Aug. 17, 2010', 'Saturday, December 27, 2014, 12:06 PM', '9 janvier 2020'."""
    for number, pattern in enumerate(_TEXT_DATES):
        match = pattern.search(text)
        if not match:
            continue
        if number == 0:
            month_name, day_text, year = match.groups()
        else:
            day_text, month_name, year = match.groups()
        month = _MONTHS.get(month_name.lower())
        if month is None:
            continue
        try:
            day = date(int(year), month, int(day_text))
        except ValueError:
            continue
        clock = _CLOCK.search(text, match.end())
        if not clock:
            return day
        hour, minute = int(clock.group(1)), int(clock.group(2))
        meridiem = (clock.group(4) or "").lower().replace(".", "")
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
        zone = re.match(r"\s*([A-Z]{2,5})\b", text[clock.end() :])
        tzinfo = _zone(zone.group(1)) if zone else None
        with contextlib.suppress(ValueError):
            return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tzinfo)
        return day
    return None


def _as_printed(instant: datetime, shown: datetime | date | None) -> datetime | date | None:
    """`instant` (in UTC) as the page prints it, when the page prints a neighbouring day:
    with the offset its printed time implies, or as that day when no time is printed."""
    if shown is None or isinstance(shown, datetime) and shown.tzinfo is not None:
        return None
    day = shown.date() if isinstance(shown, datetime) else shown
    if abs((day - instant.date()).days) != 1:
        return None
    if not isinstance(shown, datetime):
        earliest = instant + timedelta(hours=-12)
        latest = instant + timedelta(hours=14)
        return day if earliest.date() <= day <= latest.date() else None
    offset = shown - instant.replace(tzinfo=None)
    quarters = round(offset.total_seconds() / 900)
    if abs(offset.total_seconds() - quarters * 900) > 120 or not -48 <= quarters <= 56:
        return None
    return instant.astimezone(timezone(timedelta(minutes=15 * quarters)))


def _utc_or_naive(value: datetime) -> bool:
    offset = value.utcoffset()
    return offset is None or offset == timedelta(0)


def _same_instant(first: datetime, second: datetime) -> bool:
    """A UTC or unzoned time and a zoned one that name the same moment (within minutes)."""
    if first.tzinfo is None:
        if second.tzinfo is None:
            return False
        candidates = [first.replace(tzinfo=UTC), first.replace(tzinfo=second.tzinfo)]
    else:
        candidates = [first]
    return any(abs((c - second).total_seconds()) <= 300 for c in candidates)


# --- a page's publication date ------------------------------------------------------


_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "article:published",
    "datepublished", "pubdate", "publishdate", "publish_date", "publish-date", "pub_date",
    "publication_date", "publication-date", "sailthru.date", "dc.date.issued", "dcterms.issued",
    "dc.date.created", "dcterms.created", "originalpublicationdate", "rnews:datepublished",
    "parsely-pub-date", "article_date_original", "datecreated", "date", "dc.date",
    "dcterms.date", "displaydate", "cxenseparse:recs:publishtime", "epoch-publish-date",
)  # fmt: skip


_DATE_KEY = re.compile(r"publi(?:sh|cation)|pub_?date|issued|created")


_NOT_PUBLISHED = re.compile(r"modif|updat|expir|end|revis|archiv|release")


def page_published(page: _Page) -> datetime | date | None:
    """The first date found, written as the site writes it.

    A time in UTC (or without zone) is replaced by the same moment given elsewhere with
    the site's offset; failing that, when the page prints the next or previous day
    (a Tokyo story at 05:50 on June 19 is 20:50Z on June 18), the printed day wins,
    with the offset that the printed time implies.
    """
    candidates = _date_candidates(page)
    parsed = [p for p in (parse_date(c) for c in candidates) if p is not None]
    if not parsed:
        return None
    chosen = parsed[0]
    if not (isinstance(chosen, datetime) and _utc_or_naive(chosen)):
        return chosen
    for other in parsed[1:]:
        zoned = isinstance(other, datetime) and not _utc_or_naive(other)
        if zoned and isinstance(other, datetime) and _same_instant(chosen, other):
            return other
    if chosen.tzinfo is None:
        return chosen
    printed = [parse_date(t) for t in page._printed_dates]
    for shown in printed:
        local = _as_printed(chosen, shown)
        if local is not None:
            return local
    return chosen


def _date_candidates(page: _Page) -> list[str | int | float]:
    found: list[str | int | float] = []
    for key in _DATE_KEYS:
        found.extend(page.meta(key))
    for key, value in page.metas:
        if _DATE_KEY.search(key) and not _NOT_PUBLISHED.search(key) and key not in _DATE_KEYS:
            found.append(value)
    for key in ("datePublished", "dateCreated", "uploadDate"):
        declared = page.graph.value(key)
        if isinstance(declared, str | int | float) and not isinstance(declared, bool):
            found.append(declared)
    found.extend(_parsely_date(page))
    marked: list[str] = []
    scoped: list[str] = []
    anywhere: list[str] = []
    written: list[str] = []
    for node in page.root.elements():
        itemprop = node.get("itemprop").lower()
        classes = node.get("class").lower().split()
        value = node.get("datetime") or node.get("content") or node.get("title")
        if itemprop in ("datepublished", "datecreated") and value:
            marked.append(value)
        elif {"published", "updated"} & set(classes) and (
            node.get("title") or node.get("datetime")
        ):  # hAtom: the machine date sits in the title attribute
            target = marked if "published" in classes else written
            target.append(node.get("datetime") or node.get("title"))
        elif node.tag == "time" and node.get("datetime"):
            if "pubdate" in node.attrs:
                marked.append(node.get("datetime"))
            elif page.container is not None and page.container.contains(node):
                scoped.append(node.get("datetime"))
            else:
                anywhere.append(node.get("datetime"))
        elif any(w in ("date", "dateline", "timestamp", "pubdate", "time") for w in (
            x for c in classes for x in re.split(r"[-_]+", c)
        )) and (page.container is None or page.container.contains(node)):  # fmt: skip
            text = node.text()
            if 6 <= len(text) <= 80:
                written.append(text)
    found.extend(marked)
    found.extend(scoped)
    if anywhere and page.container is not None:
        found.append(anywhere[0])
    page._printed_dates = [*written[:3], *_dates_after_headline(page)]
    found.extend(page._printed_dates)
    return found


def _dates_after_headline(page: _Page) -> list[str]:
    """Short texts just below the headline, where pages print the date without markup."""
    if page.headline is None:
        return []
    texts: list[str] = []
    holder = page.headline.parent or page.headline
    holder = holder.parent or holder
    following = (n for n in holder.elements() if n.index > page.headline.index)
    for number, node in enumerate(following):
        if number > 40:
            break
        own = " ".join(node.raw().split())
        if 6 <= len(own) <= 80 and re.search(r"\d{4}", own):
            texts.append(own)
    return texts[:3]


def _parsely_date(page: _Page) -> list[str]:
    dates: list[str] = []
    for raw in page.meta("parsely-page"):
        with contextlib.suppress(ValueError, RecursionError):
            data = json.loads(raw)
            if isinstance(data, dict) and isinstance(data.get("pub_date"), str):
                dates.append(data["pub_date"])
    return dates
