"""The one date parser: what people type, what is refused and how it is said."""

from __future__ import annotations

from datetime import date

import pytest

from library.dates import parse_day, parse_partial_date
from library.errors import InvalidValueError


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2024-05-02", date(2024, 5, 2)),
        (" 2024-12-31 ", date(2024, 12, 31)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_days(typed: str, day: date) -> None:
    assert parse_day(typed) == day


@pytest.mark.parametrize(
    "typed", ["2023-02-29", "2024-13-01", "2024-5-2", "20240502", "May 2", "", "2024-05-02T10:00"]
)
def test_bad_days_name_the_field_and_the_form(typed: str) -> None:
    with pytest.raises(InvalidValueError) as raised:
        parse_day(typed, "since")
    assert str(raised.value).startswith("since: ") and "YYYY-MM-DD" in str(raised.value)


@pytest.mark.parametrize("typed", ["1998", "1998-07", "1998-07-14"])
def test_partial_dates(typed: str) -> None:
    assert parse_partial_date(typed) == typed


@pytest.mark.parametrize("typed", ["98", "1998-00", "1998-13", "2023-02-30", "1998-7", "July 1998"])
def test_impossible_partial_dates_are_refused(typed: str) -> None:
    with pytest.raises(InvalidValueError):
        parse_partial_date(typed, "original_date")
