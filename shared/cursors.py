"""Opaque keyset-pagination cursors: the position after the last row of a page."""

import base64
import binascii

from shared.errors import ValidationFailed

_PREFIX = "v1:"


def encode(position: int | str) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode().rstrip("=")


def _payload(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        text = ""
    if not text.startswith(_PREFIX):
        raise ValidationFailed([("cursor", "is not a cursor this API returned")])
    return text.removeprefix(_PREFIX)


def decode_int(cursor: str | None) -> int | None:
    """The numeric position inside a cursor; ValidationFailed for anything this API did not hand out."""
    if cursor is None:
        return None
    digits = _payload(cursor)
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise ValidationFailed([("cursor", "is not a cursor this API returned")])
    return int(digits)


# Above every id a bigint column can hold: the first page of a newest-first list starts below it.
_ABOVE_EVERY_ID = 2**63 - 1


def page_below(cursor: str | None) -> int:
    """The id a newest-first page starts below: the cursor's position, or above every id for the
    first page (no cursor)."""
    position = decode_int(cursor)
    return _ABOVE_EVERY_ID if position is None else position


def decode_text(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    text = _payload(cursor)
    if not text or len(text) > 64 or not text.isprintable():
        raise ValidationFailed([("cursor", "is not a cursor this API returned")])
    return text
