"""Verification of Payee's name check on real-world cases: what a payer types against the holder's
name as the bank knows it (shared/name_matching.py, no I/O)."""

import uuid

import pytest

from shared.models import TransferRequest
from shared.name_matching import Thresholds, compare, normalise

CASES = [
    # (typed by the payer, holder's full name, answer)
    ("John Murphy", "John Murphy", "match"),
    ("john  MURPHY ", "John Murphy", "match"),                   # case and spacing
    ("Seán Ó Briain", "Sean O Briain", "match"),                 # accents
    ("Siobhan Kelly", "Siobhán Kelly", "match"),
    ("Sean O'Brien", "Seán O’Brien", "match"),                   # apostrophes, typed or curly
    ("Anne MacDonald", "Anne Mac Donald", "match"),              # spacing inside a name
    ("Mary-Kate Walsh", "Mary Kate Walsh", "match"),             # hyphen
    ("Mr John Murphy", "John Murphy", "match"),                  # titles
    ("Dr. Aoife Ní Bhriain", "Aoife Ni Bhriain", "match"),
    ("Acme Ltd", "ACME Limited", "match"),                       # company suffixes
    ("Acme", "Acme Teoranta", "match"),
    ("Murphy John", "John Murphy", "match"),                     # first and last names swapped
    ("J. Murphy", "John Murphy", "close_match"),                 # initials
    ("J P Murphy", "John Patrick Murphy", "close_match"),
    ("J Murphy", "John Patrick Murphy", "close_match"),
    ("John Murphy", "John Patrick Murphy", "close_match"),       # a middle name left out
    ("Jon Murphy", "John Murphy", "close_match"),                # typos
    ("John Murphey", "John Murphy", "close_match"),
    ("Aoife Ni Bhriainn", "Aoife Ni Bhriain", "close_match"),
    ("Mary Byrne", "John Murphy", "no_match"),                   # a completely different name
    ("P. Murphy", "John Murphy", "no_match"),                    # an initial of nobody's name
    ("Ann Murphy", "John Murphy", "no_match"),                   # the same surname is not enough
    ("Murphy", "John Murphy", "no_match"),
    ("John Murray", "John Murphy", "no_match"),
    ("Sinead Kelly", "Siobhan Kelly", "no_match"),
    ("Mr", "John Murphy", "no_match"),                           # nothing but a title
]


@pytest.mark.parametrize(("typed", "holder", "answer"), CASES)
def test_a_typed_name_is_answered_as_a_bank_would(typed, holder, answer):
    assert compare(typed, holder) == answer


def test_the_answer_is_the_same_whichever_name_is_the_holders_for_plain_reorderings_and_typos():
    assert compare("John Murphy", "Murphy John") == "match"
    assert compare("John Murphy", "Jon Murphy") == "close_match"


def test_normalising_keeps_the_name_parts_only():
    assert normalise("  Dr. Seán  Ó'Briain, Ltd ") == ["sean", "obriain"]
    assert normalise("Ltd") == ["ltd"]  # a name that is only a suffix is kept as it is


def test_thresholds_are_settings_a_stricter_close_match_score_turns_a_typo_into_no_match():
    assert compare("Jon Murphy", "John Murphy", Thresholds(match=100, close_match=96)) == "no_match"
    assert compare("Jon Murphy", "John Murphy", Thresholds(match=95, close_match=85)) == "match"
    # initials never make a match, whatever the thresholds
    assert compare("J Murphy", "John Murphy", Thresholds(match=50, close_match=50)) == "close_match"


ACCOUNT_A, ACCOUNT_B = "IE16IEBK00000000000001", "IE86IEBK00000000000002"


def _refused_at(body: dict) -> list[str]:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as refused:
        TransferRequest.model_validate(body)
    return [str(error["loc"][0]) for error in refused.value.errors()]


def test_a_transfer_names_exactly_one_recipient_an_account_or_a_payee():
    payee = str(uuid.uuid4())
    base = {"from_account": ACCOUNT_A, "amount": "1.00"}
    assert TransferRequest.model_validate({**base, "payee_id": payee}).to_account is None
    assert TransferRequest.model_validate({**base, "to_account": ACCOUNT_B}).payee_id is None
    assert _refused_at(base) == ["to_account"]
    assert _refused_at({**base, "to_account": ACCOUNT_B, "payee_id": payee}) == ["to_account"]
    assert _refused_at({**base, "payee_id": "not-a-uuid"}) == ["payee_id"]
    assert _refused_at({**base, "to_account": ACCOUNT_A}) == ["to_account"]


def test_a_close_match_score_above_the_match_score_is_refused_at_start_naming_both_settings():
    from shared.errors import ConfigurationError
    from shared.settings import Settings

    with pytest.raises(ConfigurationError, match="VOP_CLOSE_MATCH_SCORE must not exceed VOP_MATCH_SCORE"):
        Settings(app_env="test", vop_match_score=90, vop_close_match_score=95)
    assert Settings(app_env="test").vop_checks_per_hour == 20
