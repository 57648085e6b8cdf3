-- A second factor blocked until the bank unblocks it (issue 17; Delegated Regulation (EU)
-- 2018/389, Art. 4(3)(b): the user is told before a permanent block). Every FACTOR_MAX_FAILURES
-- wrong answers in a row block the user's factors for FACTOR_BLOCK_SECONDS and count one block;
-- at FACTOR_MAX_BLOCKS blocks in a row (no right answer between them) the factors are locked
-- (locked_at) until staff unblock them (POST /api/manage/users/{id}/unlock). A right answer
-- deletes the row, so the count starts again.
ALTER TABLE factor_failures
    ADD COLUMN blocks    integer NOT NULL DEFAULT 0 CHECK (blocks >= 0),
    ADD COLUMN locked_at timestamptz;

GRANT UPDATE (blocks, locked_at) ON factor_failures TO iebank_runtime;
