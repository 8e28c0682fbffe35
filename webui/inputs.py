"""Bad input answered with 400 and a message at the door, never a 500 further in.

Everything a request carries is checked once before any view runs: text may
not contain NUL (PostgreSQL refuses it, and no field needs it) or lone
surrogates (JSON can spell them, UTF-8 cannot store them), and a JSON body
must be parseable without blowing the stack. Numbers from the query string
and forms go through ``int_arg``, which bounds them to what a 64-bit
database column holds.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter

#: The largest value a signed 64-bit database integer holds (SQLite and PostgreSQL BIGINT).
MAX_INT = 2**63 - 1

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def int_arg(name: str, value: str | None, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """A whole number from a query string or form, None when empty; 400 when out of bounds.

    ``str.isdigit`` alone is not enough: it accepts "²", which ``int`` refuses,
    and it says nothing about size, and a number past 64 bits fails inside
    the database driver.
    """
    text = (value or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.lstrip("-").isdigit()):
        abort(400, description=f"{name}: expected a whole number, got {text[:40]!r}")
    number = int(text)
    if not minimum <= number <= maximum:
        abort(400, description=f"{name}: must be between {minimum} and {maximum}")
    return number


def cursor_arg(name: str, value: str | None) -> str | None:
    """A page cursor (``ID`` or ``COUNT.ID``) whose numbers fit the database, or None.

    Only the size is checked here; the search module knows the cursor's shape
    and refuses a malformed one itself.
    """
    if not value:
        return None
    for part in value.split("."):
        if part.isascii() and part.isdigit() and int(part) > MAX_INT:
            abort(400, description=f"{name}: not a page cursor: {value[:40]!r}")
    return value


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in a URL, but only numbers a database id can have (others are 404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def bad_text(value: str) -> str | None:
    """Why a text value cannot be stored, or None when it can."""
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character"
    return "contains a lone surrogate (not valid Unicode)"


def has_control(value: str) -> bool:
    """True when the text has a control character or a line break of any kind."""
    return _CONTROL.search(value) is not None


def check_request() -> None:
    """Refuse a request whose query, form, path or JSON carries text the catalog cannot hold."""
    for where, items in (
        ("query", request.args.items(multi=True)),
        ("path", (request.view_args or {}).items()),
    ):
        for key, value in items:
            _refuse_text(where, key, value)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in request.form.items(multi=True):
                _refuse_text("form", key, value)
        elif request.is_json and request.content_length != 0:
            _check_json()


def _refuse_text(where: str, key: str, value: Any) -> None:
    for text in (key, value):
        if isinstance(text, str):
            problem = bad_text(text)
            if problem:
                abort(400, description=f"{where} value {key[:40]!r} {problem}")


def _check_json() -> None:
    """Parse the body once (the view reuses the cached result) and walk every string in it."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        abort(400, description="the JSON body is nested too deeply")
    stack: list[Any] = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                problem = bad_text(key)
                if problem:
                    abort(400, description=f"JSON key {key[:40]!r} {problem}")
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            problem = bad_text(item)
            if problem:
                abort(400, description=f"a JSON string {problem}")
