"""Dates as pages print them: ISO, compact, Unix times, zone names, day-first and written-out forms."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

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
