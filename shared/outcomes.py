"""The outcome words of the ledger function post_transfer, one Python name each.

The SQL enum type posting_outcome (migrations/0003_posting_outcome.sql) is this enum's twin:
post_transfer returns its outcome as that type, so the database cannot answer a word outside it,
and tests/integration/test_ledger_contract.py fails when the two lists differ. psycopg hands the
value over as text, which compares equal to the member (a StrEnum is a str).
"""

from enum import StrEnum, unique


@unique
class PostingOutcome(StrEnum):
    POSTED = "posted"
    REPLAYED = "replayed"
    CALLER_INACTIVE = "caller_inactive"
    CALLER_RESTRICTED = "caller_restricted"
    SOURCE_NOT_FOUND = "source_not_found"
    RECIPIENT_NOT_FOUND = "recipient_not_found"
    SAME_ACCOUNT = "same_account"
    SOURCE_FROZEN = "source_frozen"
    SOURCE_CLOSED = "source_closed"
    RECIPIENT_FROZEN = "recipient_frozen"
    RECIPIENT_CLOSED = "recipient_closed"
    CURRENCY_MISMATCH = "currency_mismatch"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    # Not a refusal: the payment waits for a second factor (shared/payment_authentication.py).
    AUTHENTICATION_REQUIRED = "authentication_required"
    IDEMPOTENCY_REUSED = "idempotency_reused"
    IDEMPOTENCY_IN_PROGRESS = "idempotency_in_progress"


# The refusals of a business rule, which post_transfer keeps under the request's Idempotency-Key
# like a transfer: the same key and body get the same refusal again, and never move money, even
# once the rule would let them through. A refusal of the caller (session, password change) or of
# the key itself, and same_account (an invalid body), are not kept: the same key may be tried again.
KEPT_UNDER_KEY = frozenset({
    PostingOutcome.SOURCE_NOT_FOUND, PostingOutcome.RECIPIENT_NOT_FOUND,
    PostingOutcome.SOURCE_FROZEN, PostingOutcome.SOURCE_CLOSED,
    PostingOutcome.RECIPIENT_FROZEN, PostingOutcome.RECIPIENT_CLOSED,
    PostingOutcome.CURRENCY_MISMATCH, PostingOutcome.INSUFFICIENT_FUNDS,
})
