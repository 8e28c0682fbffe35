"""The one parser for dates people type: options, filters, form fields and report ranges.

Every front end used to call ``date.fromisoformat`` with its own message; one
parser gives one accepted form and one error wording everywhere.
"""

from __future__ import annotations

import re
from datetime import date

from library.errors import InvalidValueError

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_day(value: str | date, what: str = "date") -> date:
    """A calendar day written YYYY-MM-DD; InvalidValueError naming ``what`` otherwise."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _DAY.match(text)
    try:
        if match is None:
            raise ValueError(text)
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise InvalidValueError(f"{what}: {text!r} is not a date (YYYY-MM-DD)") from None


def parse_partial_date(value: str, what: str = "date") -> str:
    """A date known to the year, month or day (YYYY, YYYY-MM or YYYY-MM-DD), checked.

    Archive photos are often dated only to a year or month; a day that does
    not exist (2023-02-30) is refused rather than stored.
    """
    text = str(value).strip()
    match = _PARTIAL.match(text)
    if match is not None:
        year, month, day = (int(p) if p else 1 for p in match.groups())
        try:
            date(year, month, day)
        except ValueError:
            pass
        else:
            return text
    raise InvalidValueError(f"{what}: expected YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
