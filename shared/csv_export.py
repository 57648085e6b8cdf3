"""CSV files that open safely in a spreadsheet (RFC 4180, UTF-8 with a byte-order mark so Excel
reads accents, CRLF line ends, every cell quoted).

A cell a spreadsheet would run as a formula (one starting with = + - @, a tab or a carriage
return: OWASP's CSV injection list) gets a leading apostrophe, so `=HYPERLINK(...)` typed into a
name shows as text instead of running when staff open the file."""

import csv
import io
from collections.abc import Iterable, Sequence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def render(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
