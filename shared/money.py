"""Money: integer minor units (cents) inside, decimal strings like "12.50" outside. Never a float."""

from decimal import Decimal, InvalidOperation

MINOR_UNITS_PER_UNIT = 100
MAX_AMOUNT_MINOR = 1_000_000_000 * MINOR_UNITS_PER_UNIT  # 1,000,000,000.00
CURRENCIES = ("EUR", "USD", "GBP", "INR")


def parse_amount(value: object) -> int:
    """A positive amount with at most 2 decimals, from a JSON string or number, as minor units.

    JSON numbers reach here as Decimal or int (the body is parsed with parse_float=Decimal), so no
    binary float ever touches money. Raises ValueError with a message fit for the client.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError("must be a decimal string like \"12.50\" or a number")
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise ValueError("must be a decimal number like \"12.50\"") from None
    if isinstance(value, str) and not _plain_decimal(value.strip()):
        raise ValueError("must be a decimal number like \"12.50\"")
    if not amount.is_finite():
        raise ValueError("must be a finite number")
    if amount <= 0:
        raise ValueError("must be greater than zero")
    if amount > Decimal(MAX_AMOUNT_MINOR) / MINOR_UNITS_PER_UNIT:
        raise ValueError("must be at most 1000000000.00")
    return _exact_minor_units(amount)


def _exact_minor_units(amount: Decimal) -> int:
    """The amount in cents, from its digits: no arithmetic under the decimal context, which
    rounds to 28 digits (0.0099999999999999999999999999999 would become 0.01) and flushes tiny
    exponents to zero (1e-1000030 would become 0). Trailing zeros add no decimals (1.500)."""
    _, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    while exponent < -2 and digits and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    if exponent < -2:
        raise ValueError("must have at most 2 decimals")
    minor: int = int("".join(map(str, digits)) or "0") * 10 ** (exponent + 2)
    return minor


def _plain_decimal(text: str) -> bool:
    # Digits with an optional single point; no sign, exponent, spaces or thousands separators.
    whole, _, fraction = text.partition(".")
    return bool(whole or fraction) and (whole + fraction).isascii() and (whole + fraction).isdigit()


def format_minor(minor: int) -> str:
    """12345 -> "123.45"; -5 -> "-0.05"."""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), MINOR_UNITS_PER_UNIT)
    return f"{sign}{units}.{cents:02d}"
