-- An Idempotency-Key remembers a refusal as well as a transfer.
--
-- A request refused by a business rule (no such account, frozen, closed, currency mismatch,
-- insufficient funds) is an answer like a posting: post_transfer (migrations/R__post_transfer.sql)
-- now keeps it under the key, so a retry with the same key and body gets the same refusal for as
-- long as the key is kept, and never moves money, even after funds arrive or the account is
-- unfrozen. A key row holds exactly one of the two: the transfer it posted, or the refusal word.
-- Which words are kept is post_transfer's choice (shared/outcomes.py KEPT_UNDER_KEY names them);
-- the table only refuses a row that is both, neither, or a refusal named 'posted' or 'replayed'.

ALTER TABLE idempotency_keys
    ALTER COLUMN transfer_id DROP NOT NULL,
    ADD COLUMN refusal posting_outcome,
    ADD CONSTRAINT idempotency_keys_one_answer CHECK (
        (transfer_id IS NOT NULL AND refusal IS NULL)
        OR (transfer_id IS NULL AND refusal IS NOT NULL AND refusal NOT IN ('posted', 'replayed')));
