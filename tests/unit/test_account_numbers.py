from shared import account_numbers


def test_generated_numbers_are_valid_irish_iban_shaped_and_random():
    numbers = {account_numbers.generate() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert len(number) == 22 and number.startswith("IE") and number[4:8] == "IEBK"
        assert account_numbers.is_valid(number)


def test_any_single_mistyped_digit_is_caught_by_the_check_digits():
    number = account_numbers.generate()
    for position in range(2, 22):
        if position in range(4, 8):
            continue
        for digit in "0123456789":
            if digit == number[position]:
                continue
            typo = number[:position] + digit + number[position + 1:]
            assert not account_numbers.is_valid(typo), typo


def test_swapped_neighbouring_digits_are_caught():
    number = account_numbers.from_digits("12345678901234")
    swapped = number[:10] + number[11] + number[10] + number[12:]
    assert not account_numbers.is_valid(swapped)


def test_numbers_are_accepted_as_people_type_them():
    number = account_numbers.from_digits("00000000000001")
    typed = " ".join(number[i:i + 4] for i in range(0, 22, 4)).lower()
    assert account_numbers.normalize(typed) == number


def test_known_real_world_check_digits():
    # The system accounts' numbers, computed independently with the IBAN algorithm.
    assert account_numbers.from_digits("00000000000001") == "IE16IEBK00000000000001"
    assert not account_numbers.is_valid("IE00IEBK00000000000001")
    assert not account_numbers.is_valid("GB16IEBK00000000000001")
