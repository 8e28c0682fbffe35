"""Template variables: parsed before anything is saved, filled per photo, dates written by hand."""

from __future__ import annotations

import re

import pytest

from library.errors import InvalidValueError
from library.text.variables import MissingValueError, When, format_date, parse

TAKEN = When.parse("2024-03-03T14:05:09+03:30")


def test_a_caption_pattern_fills_from_the_photo() -> None:
    pattern = parse("{city}, {date:%B %-d, %Y} – Photo {filename} by {creator} ({camera})")
    assert pattern.names == ["city", "date", "filename", "creator", "camera"]
    text = pattern.fill(
        {
            "city": "Tehran",
            "date": TAKEN,
            "filename": "IMG_0042.jpg",
            "creator": "Reza Farahzadi",
            "camera": "Canon EOS R5",
        }
    )
    assert text == "Tehran, March 3, 2024 – Photo IMG_0042.jpg by Reza Farahzadi (Canon EOS R5)"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("%B %-d, %Y", "March 3, 2024"),
        ("%d.%m.%y", "03.03.24"),
        ("%-m/%-d/%Y", "3/3/2024"),
        ("%A %e %b", "Sunday  3 Mar"),
        ("%a %H:%M:%S", "Sun 14:05:09"),
        ("%-I %p", "2 PM"),
        ("100%% %Y", "100% 2024"),
    ],
)
def test_date_formats_are_written_the_same_on_every_platform(fmt: str, expected: str) -> None:
    assert TAKEN is not None
    assert format_date(TAKEN, fmt) == expected


def test_default_date_format_and_braces() -> None:
    assert parse("{date} {{x}}").fill({"date": TAKEN}) == "March 3, 2024 {x}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{cty}", "unknown variable {cty}"),
        ("{City}", "unknown variable {City}"),
        ("{city:%Y}", "only {date} and {today} take a format"),
        ("{date:%Q}", "%Q is not a date format"),
        ("{date:%}", "% is not a date format"),
        ("{date:}", "the format after “:” is empty"),
        ("Smoke { rises", "a lone “{” at character 7"),
        ("}", "a lone “}”"),
    ],
)
def test_mistakes_are_errors_before_filling(text: str, message: str) -> None:
    with pytest.raises(InvalidValueError, match=re.escape(message)):
        parse(text)


def test_missing_values_are_named_unless_a_fallback_is_given() -> None:
    with pytest.raises(MissingValueError) as raised:
        parse("{city}: {credit} {city}").fill({"city": None, "credit": "  "})
    assert raised.value.names == ["city", "credit"]
    assert parse("{city|}{credit|Staff}").fill({}) == "Staff"


def test_a_date_fills_only_formats_it_is_precise_enough_for() -> None:
    month = When.parse("1979-03")
    assert month is not None
    assert parse("{date:%B %Y}").fill({"date": month}) == "March 1979"
    with pytest.raises(MissingValueError):
        parse("{date:%-d %B}").fill({"date": month})
    with pytest.raises(MissingValueError):
        parse("{date:%H:%M}").fill({"date": When.parse("1979-03-04")})
    assert When.parse("not a date") is None
    assert When.parse("2019-13-01") is None
