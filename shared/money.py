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
    minor = amount * MINOR_UNITS_PER_UNIT
    if minor != minor.to_integral_value():
        raise ValueError("must have at most 2 decimals")
    return int(minor)


def _plain_decimal(text: str) -> bool:
    # Digits with an optional single point; no sign, exponent, spaces or thousands separators.
    whole, _, fraction = text.partition(".")
    return bool(whole or fraction) and (whole + fraction).isascii() and (whole + fraction).isdigit()


def format_minor(minor: int) -> str:
    """12345 -> "123.45"; -5 -> "-0.05"."""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), MINOR_UNITS_PER_UNIT)
    return f"{sign}{units}.{cents:02d}"
