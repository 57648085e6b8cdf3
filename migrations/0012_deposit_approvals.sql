-- Dual control of large cash deposits (issue 16): a deposit above DEPOSIT_APPROVAL_THRESHOLD is
-- not posted when a staff member (the maker) takes it; it waits here until a second admin (the
-- checker) approves it, which posts it through post_transfer in the same transaction, or rejects it.
--
-- The rules that keep a deposit from being posted twice or by its own maker live in the table too,
-- not only in shared/approvals.py: a decided approval can never change again (trigger), one
-- approval names at most one transfer (unique), and the checker is never the maker (CHECK).
-- Pending approvals do not expire: the cash is already at the bank, so one stays pending until an
-- admin approves it or rejects it (with a reason).

CREATE TABLE deposit_approvals (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Keyset order of the staff list (newest first within pending, then within decided).
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    account_id      bigint NOT NULL REFERENCES accounts (id),
    amount          bigint NOT NULL CHECK (amount > 0 AND amount <= 100000000000),
    currency        char(3) NOT NULL,
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 140),
    maker_id        uuid NOT NULL REFERENCES users (id),
    -- The maker's Idempotency-Key and the digest of the request it came with: a retry of the same
    -- request returns this approval, another request under the key is refused (422).
    idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    request_hash    bytea NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    checker_id      uuid REFERENCES users (id),
    reason          text CHECK (char_length(reason) BETWEEN 1 AND 200),
    transfer_id     uuid UNIQUE REFERENCES transfers (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    UNIQUE (maker_id, idempotency_key),
    CONSTRAINT deposit_approvals_four_eyes CHECK (checker_id IS DISTINCT FROM maker_id),
    CONSTRAINT deposit_approvals_decision CHECK (
        (status = 'pending' AND checker_id IS NULL AND decided_at IS NULL AND transfer_id IS NULL AND reason IS NULL)
        OR (status = 'approved' AND checker_id IS NOT NULL AND decided_at IS NOT NULL AND transfer_id IS NOT NULL)
        OR (status = 'rejected' AND checker_id IS NOT NULL AND decided_at IS NOT NULL AND transfer_id IS NULL
            AND reason IS NOT NULL))
);
CREATE INDEX deposit_approvals_pending_idx ON deposit_approvals (seq DESC) WHERE status = 'pending';
CREATE INDEX deposit_approvals_status_seq_idx ON deposit_approvals (status, seq DESC);

-- Pending is the only state that changes, and only once; nothing is ever deleted.
CREATE FUNCTION refuse_decided_approval_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'deposit approval % is decided (or history): % refused', OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER deposit_approvals_decided_once BEFORE UPDATE OR DELETE ON deposit_approvals
    FOR EACH ROW EXECUTE FUNCTION refuse_decided_approval_change();
CREATE TRIGGER deposit_approvals_no_truncate BEFORE TRUNCATE ON deposit_approvals
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

GRANT SELECT, INSERT, UPDATE (status, checker_id, reason, transfer_id, decided_at) ON deposit_approvals
    TO iebank_runtime;
