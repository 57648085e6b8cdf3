"""Account numbers: Irish-IBAN shaped (IE + 2 check digits + IEBK + 14 digits), random, mod 97 checked.

The check digits follow ISO 7064 mod 97-10, as in every IBAN, so a mistyped number (one wrong
digit, two swapped digits) is rejected as invalid instead of reaching somebody else's account.
"""

import re
import secrets

COUNTRY = "IE"
BANK_CODE = "IEBK"
LENGTH = 22
_SHAPE = re.compile(r"^IE[0-9]{2}IEBK[0-9]{14}$")


# Letters count as 10..35, as ISO 13616 says: A -> "10" ... Z -> "35".
_LETTER_VALUES = str.maketrans({chr(ord("A") + n): str(10 + n) for n in range(26)})


def _as_digits(text: str) -> int:
    return int(text.translate(_LETTER_VALUES))


def _check_digits(bban: str) -> str:
    remainder = _as_digits(bban + COUNTRY + "00") % 97
    return f"{98 - remainder:02d}"


def from_digits(digits: str) -> str:
    """The account number for 14 given digits (used for the well-known system accounts)."""
    if len(digits) != 14 or not digits.isdigit():
        raise ValueError("an account number needs exactly 14 digits")
    bban = BANK_CODE + digits
    return COUNTRY + _check_digits(bban) + bban


def generate() -> str:
    """A new random account number; uniqueness is the database's job (a unique index)."""
    return from_digits(f"{secrets.randbelow(10**14):014d}")


def normalize(text: str) -> str:
    """Accept the number as people type it: spaces allowed, any letter case."""
    return "".join(text.split()).upper()


def is_valid(number: str) -> bool:
    """True for a number of the right shape whose check digits match."""
    if not _SHAPE.match(number):
        return False
    rearranged = number[4:] + number[:4]
    return _as_digits(rearranged) % 97 == 1
