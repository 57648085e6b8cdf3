"""Names, usernames and descriptions refuse what a person cannot see but a screen obeys."""

import pytest
from pydantic import ValidationError

from shared.models import (
    ChangePasswordRequest,
    DepositRequest,
    LoginRequest,
    OpenAccountRequest,
    RegisterRequest,
    UpdateProfileRequest,
    visible_text,
)

INVISIBLE = {
    "zero-width space": "Bank administrator\u200b",
    "right-to-left override": "Rent \u202efdp.exe",
    "left-to-right embedding": "\u202aIE Bank",
    "zero-width no-break space (BOM)": "IE\ufeffBank",
    "soft hyphen": "IE\u00adBank",
    "C1 control": "IE\u0085Bank",
    "line separator": "IE\u2028Bank",
    "paragraph separator": "IE\u2029Bank",
    "private use": "IE\ue000Bank",
    "lone surrogate": "IE\ud800Bank",
    "joiner at the edge": "Bank\u200d",
    "joiner beside a space": "Bank \u200dadmin",
}

VISIBLE = {
    "accents": "Siobhán Ó Briain",
    "emoji joined into a family": "Rent \U0001F468\u200d\U0001F469\u200d\U0001F467",
    "Devanagari half form": "\u0915\u094d\u200d\u0937",
    "Persian with a non-joiner": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    "Arabic (right to left by itself, no override needed)": "\u0645\u062d\u0645\u062f",
}


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_and_control_characters_are_refused_naming_the_code_point(text):
    with pytest.raises(ValueError, match=r"invisible or control characters \(found U\+[0-9A-F]{4}\)"):
        visible_text(text)


@pytest.mark.parametrize("text", VISIBLE.values(), ids=VISIBLE.keys())
def test_every_script_and_emoji_sequence_a_person_writes_still_passes(text):
    assert visible_text(text) == text


def _field_of(exc: ValidationError) -> list[str]:
    return [str(error["loc"][-1]) for error in exc.errors()]


@pytest.mark.parametrize(("model", "data", "field"), [
    (RegisterRequest, {"username": "alice\u200b", "password": "Passw0rd-long", "password_confirmation": "Passw0rd-long",
                       "full_name": "Alice", "email": "alice@example.com", "country": "IE"}, "username"),
    (RegisterRequest, {"username": "alice", "password": "Passw0rd-long", "password_confirmation": "Passw0rd-long",
                       "full_name": "Bank administrator\u200b", "email": "alice@example.com", "country": "IE"},
     "full_name"),
    (RegisterRequest, {"username": "alice", "password": "Passw0rd-long", "password_confirmation": "Passw0rd-long",
                       "full_name": "Alice", "email": "al\u200bice@example.com", "country": "IE"}, "email"),
    (UpdateProfileRequest, {"full_name": "\u202eenecilA"}, "full_name"),
    (OpenAccountRequest, {"name": "Savings\u2066", "currency": "EUR"}, "name"),
    (DepositRequest, {"amount": "1.00", "description": "Salary\u200b"}, "description"),
    (LoginRequest, {"username": "admin\u200b", "password": "x"}, "username"),
])
def test_each_name_and_description_field_refuses_them(model, data, field):
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    assert _field_of(caught.value) == [field]


def test_a_password_may_hold_any_typed_character_but_not_a_lone_surrogate():
    fine = ChangePasswordRequest.model_validate({"current_password": "old\u200bpass1", "new_password": "Nëw-pässwörd-1",
                                                 "new_password_confirmation": "Nëw-pässwörd-1"})
    assert fine.current_password == "old\u200bpass1"
    with pytest.raises(ValidationError) as caught:
        LoginRequest.model_validate({"username": "alice", "password": "pass\udc00word1"})
    assert _field_of(caught.value) == ["password"]
