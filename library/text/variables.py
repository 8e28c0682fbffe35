"""Template variables: ``{city}``, ``{date:%B %-d, %Y}``, ``{credit|}`` filled in from a photo.

A template's text is parsed once, before any photo is touched, so an unknown
variable, a stray brace or a date format photodesk cannot write is an error
the editor sees before anything is saved. Filling it in is separate: a photo
that has no value for a variable (no city in its metadata) is a
MissingValueError naming it, unless the template gave a fallback after a bar
(``{city|}`` leaves it blank, ``{city|Tehran}`` writes "Tehran").

Dates are written by this module, not by ``strftime``: the result must not
depend on the server's locale or C library (``%-d`` is a glibc extension),
and a date known only to the month (an archive scan dated ``1979-03``) can
fill ``{date:%B %Y}`` but not ``{date:%-d %B}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from library.errors import InvalidValueError

#: Every variable, with what it holds (for error messages and the help text).
VARIABLES: dict[str, str] = {
    "date": "the capture date",
    "today": "today's date",
    "credit": "the photo's credit",
    "creator": "the photo's creator (by-line)",
    "camera": "the camera make and model",
    "filename": "the photo's original file name",
    "city": "the city from the IPTC/XMP location fields",
    "user": "the editor applying the template",
}
#: Variables that take a date format after a colon.
DATE_VARIABLES = frozenset({"date", "today"})
#: What ``{date}`` and ``{today}`` write without a format: "March 3, 2024".
DEFAULT_DATE_FORMAT = "%B %-d, %Y"

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class MissingValueError(InvalidValueError):
    """A photo has no value for a variable the template uses (and no fallback)."""

    def __init__(self, names: list[str]):
        self.names = names
        shown = ", ".join("{" + n + "}" for n in names)
        super().__init__(f"no value for {shown}")


@dataclass(frozen=True)
class When:
    """A date as precise as it is known: a year, a month, a day, or a day and a time."""

    year: int
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> When | None:
        """``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or ISO 8601 with a time; None if unreadable."""
        match = re.match(
            r"\s*(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?)?)?",
            text or "",
        )
        if not match:
            return None
        parts = [int(p) if p is not None else None for p in match.groups()]
        year, month, day, hour, minute, second = parts
        assert year is not None
        if year == 0 or (month is not None and not 1 <= month <= 12):
            return None
        if day is not None and not 1 <= day <= 31:
            return None
        return cls(year, month, day, hour, minute, second if hour is not None else None)

    def weekday(self) -> int:
        from datetime import date

        assert self.month is not None and self.day is not None
        return date(self.year, self.month, self.day).weekday()


def _month(w: When) -> int:
    assert w.month is not None
    return w.month


def _day(w: When) -> int:
    assert w.day is not None
    return w.day


def _hour(w: When) -> int:
    assert w.hour is not None
    return w.hour


def _hour12(w: When) -> int:
    return _hour(w) % 12 or 12


#: directive → (what it needs: "year", "month", "day" or "time"; how it writes).
_DIRECTIVES: dict[str, tuple[str, Callable[[When], str]]] = {
    "Y": ("year", lambda w: f"{w.year:04d}"),
    "y": ("year", lambda w: f"{w.year % 100:02d}"),
    "m": ("month", lambda w: f"{_month(w):02d}"),
    "-m": ("month", lambda w: str(_month(w))),
    "B": ("month", lambda w: MONTHS[_month(w) - 1]),
    "b": ("month", lambda w: MONTHS[_month(w) - 1][:3]),
    "d": ("day", lambda w: f"{_day(w):02d}"),
    "-d": ("day", lambda w: str(_day(w))),
    "e": ("day", lambda w: f"{_day(w):>2}"),
    "A": ("day", lambda w: WEEKDAYS[w.weekday()]),
    "a": ("day", lambda w: WEEKDAYS[w.weekday()][:3]),
    "H": ("time", lambda w: f"{_hour(w):02d}"),
    "-H": ("time", lambda w: str(_hour(w))),
    "I": ("time", lambda w: f"{_hour12(w):02d}"),
    "-I": ("time", lambda w: str(_hour12(w))),
    "M": ("time", lambda w: f"{w.minute or 0:02d}"),
    "S": ("time", lambda w: f"{w.second or 0:02d}"),
    "p": ("time", lambda w: "AM" if _hour(w) < 12 else "PM"),
}
_DIRECTIVE = re.compile(r"%(-?[A-Za-z]|%)|%")


def _check_date_format(variable: str, fmt: str) -> None:
    for match in _DIRECTIVE.finditer(fmt):
        code = match.group(1)
        if code == "%":
            continue
        if code is None or code not in _DIRECTIVES:
            shown = match.group(0) if code else "%"
            known = " ".join("%" + k for k in _DIRECTIVES)
            raise InvalidValueError(
                f"{{{variable}:{fmt}}}: {shown} is not a date format this template "
                f"can write (known: {known} %%)"
            )


def _has(when: When, need: str) -> bool:
    if need == "year":
        return True
    if need == "month":
        return when.month is not None
    if need == "day":
        return when.day is not None
    return when.hour is not None and when.minute is not None and when.day is not None


def format_date(when: When, fmt: str) -> str | None:
    """``when`` written in ``fmt``; None when it is not precise enough for the format."""

    def write(match: re.Match[str]) -> str:
        code = match.group(1)
        if code == "%":
            return "%"
        need, render = _DIRECTIVES[code]
        if not _has(when, need):
            raise LookupError(need)
        return render(when)

    try:
        return _DIRECTIVE.sub(write, fmt)
    except LookupError:
        return None


@dataclass(frozen=True)
class Slot:
    """One ``{name:format|fallback}`` in a template text."""

    name: str
    format: str | None = None
    fallback: str | None = None


@dataclass(frozen=True)
class Pattern:
    """A template text split into literal text and slots, checked and ready to fill."""

    pieces: tuple[str | Slot, ...]

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(p.name for p in self.pieces if isinstance(p, Slot)))

    def fill(self, values: Mapping[str, str | When | None]) -> str:
        """The text for one photo; MissingValueError lists every variable it lacks."""
        out: list[str] = []
        missing: list[str] = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            value = values.get(piece.name)
            text: str | None
            if isinstance(value, When):
                text = format_date(value, piece.format or DEFAULT_DATE_FORMAT)
            else:
                text = value.strip() if isinstance(value, str) and value.strip() else None
            if text is None:
                if piece.fallback is None:
                    missing.append(piece.name)
                    continue
                text = piece.fallback
            out.append(text)
        if missing:
            raise MissingValueError(list(dict.fromkeys(missing)))
        return "".join(out)


_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def parse(text: str) -> Pattern:
    """Split ``text`` into literals and slots; InvalidValueError names what is wrong.

    ``{{`` and ``}}`` write a literal brace.
    """
    pieces: list[str | Slot] = []
    literal: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        literal.append(text[position : match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
            continue
        if match.group(1) is None:
            raise InvalidValueError(
                f"a lone “{token}” at character {match.start() + 1}: variables are written "
                "{name}, and a brace itself as {{ or }}"
            )
        if "".join(literal):
            pieces.append("".join(literal))
        literal = []
        pieces.append(_slot(match.group(1)))
    literal.append(text[position:])
    if "".join(literal):
        pieces.append("".join(literal))
    return Pattern(tuple(pieces))


def _slot(body: str) -> Slot:
    inner, bar, fallback = body.partition("|")
    name, colon, fmt = inner.partition(":")
    name = name.strip()
    if name not in VARIABLES:
        known = ", ".join("{" + n + "}" for n in VARIABLES)
        raise InvalidValueError(f"unknown variable {{{name}}} (known: {known})")
    if colon:
        if name not in DATE_VARIABLES:
            raise InvalidValueError(f"{{{inner}}}: only {{date}} and {{today}} take a format")
        if not fmt:
            raise InvalidValueError(f"{{{inner}}}: the format after “:” is empty")
        _check_date_format(name, fmt)
    return Slot(name, fmt if colon else None, fallback if bar else None)
