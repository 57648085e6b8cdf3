from decimal import Decimal

import pytest

from shared.money import format_minor, parse_amount


@pytest.mark.parametrize(("given", "minor"), [
    ("12.50", 1250), ("12.5", 1250), ("0.01", 1), (5, 500), (Decimal("1.23"), 123),
    ("1000000000.00", 100_000_000_000), (" 7 ", 700), ("1.500", 150), (Decimal("2.5000000"), 250),
    (Decimal("1E+2"), 10_000),
])
def test_amounts_are_read_exactly_as_minor_units(given, minor):
    assert parse_amount(given) == minor


@pytest.mark.parametrize("given", [
    "0", "-1", "12.345", "NaN", "Infinity", "1e3", "", "abc", "1,000.00", "1; DROP TABLE accounts",
    True, 1.5, None, [], Decimal("NaN"), Decimal("Infinity"), Decimal("1E+309"), "1000000000.01", "١٢",
    Decimal("-0.01"), Decimal("0.001"),
    # Rounded by Decimal's 28-digit context before amounts were read digit by digit: became 0.01.
    "0.0099999999999999999999999999999", Decimal("0.0099999999999999999999999999999"),
    "999999999.9999999999999999999999", Decimal("0.01000000000000000000000000001"),
    # A tiny JSON number flushed to 0 by the context, then a 500 from the database's CHECK.
    Decimal("1e-1000030"), Decimal("1e-30"),
])
def test_amounts_that_are_not_positive_two_decimal_numbers_are_refused(given):
    with pytest.raises(ValueError):
        parse_amount(given)


def test_binary_floats_are_refused_so_money_never_passes_through_one():
    with pytest.raises(ValueError, match="decimal string"):
        parse_amount(0.1)


@pytest.mark.parametrize(("minor", "text"), [(0, "0.00"), (5, "0.05"), (1250, "12.50"), (-5, "-0.05"),
                                             (100_000_000_000, "1000000000.00")])
def test_minor_units_are_shown_as_two_decimal_strings(minor, text):
    assert format_minor(minor) == text
