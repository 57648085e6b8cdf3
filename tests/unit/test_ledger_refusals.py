"""Every word post_transfer can answer is either a posting or a refusal the client is told about."""

from shared.errors import BankError
from shared.ledger import REFUSALS
from shared.outcomes import PostingOutcome
from shared.problems import INTERNAL_ERROR, problem_kind


def test_every_refusal_word_of_post_transfer_has_a_named_failure_and_nothing_else_does():
    refusals = set(PostingOutcome) - {PostingOutcome.POSTED, PostingOutcome.REPLAYED}
    assert set(REFUSALS) == refusals


def test_every_refusal_answers_a_client_error_with_its_own_problem_type():
    for outcome, failure in REFUSALS.items():
        error = failure()
        assert isinstance(error, BankError) and error.detail, outcome
        kind = problem_kind(error)
        assert kind is not INTERNAL_ERROR and 400 <= kind.status < 500, outcome
