-- The outcome words of post_transfer, as a type of their own.
--
-- post_transfer (migrations/R__post_transfer.sql) returns its outcome as this type, so it cannot
-- answer a word the type lacks: a misspelt or new word fails inside the database, in the
-- transaction, instead of reaching the API as text nobody maps. Its twin in Python is
-- shared/outcomes.py (PostingOutcome); tests/integration/test_ledger_contract.py fails when the
-- two lists differ.
--
-- Adding a word: a new versioned file with ALTER TYPE posting_outcome ADD VALUE '...', the member
-- in shared/outcomes.py, then the rule in R__post_transfer.sql. Removing one needs a new type.

CREATE TYPE posting_outcome AS ENUM (
    'posted',                  -- the transfer was made now
    'replayed',                -- the same request under the same Idempotency-Key: the earlier transfer
    'caller_inactive',         -- the initiating user has been deactivated
    'source_not_found',        -- no such account, or not the caller's, or not a customer account
    'recipient_not_found',
    'same_account',
    'source_frozen',
    'source_closed',
    'recipient_frozen',
    'recipient_closed',
    'currency_mismatch',
    'insufficient_funds',
    'idempotency_reused',      -- the key was used before for a different request
    'idempotency_in_progress'  -- a request with the same key is being posted right now
);
