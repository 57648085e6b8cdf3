-- Payees (issue 16): the accounts a customer saved to pay again, each under the name the customer
-- gave it. Per user; one row per (owner, account), so a number is saved once and history can show
-- the saved name beside a counterparty with one index lookup (payees_owner_account_key).
--
-- The account is the number as saved, not a reference to accounts: deleting a payee, or the
-- account it names being closed, changes no ledger row, and history stays as it was.
-- Verification of Payee is asked before saving (POST /api/payees/verify); its answer is not
-- stored. The account cannot be changed: a new number is a new payee, checked again.
CREATE TABLE payees (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    account      text NOT NULL CHECK (account ~ '^IE[0-9]{2}IEBK[0-9]{14}$'),
    reference    text CHECK (char_length(reference) <= 140),
    -- Set by the customer; the strong customer authentication work exempts trusted payees.
    trusted      boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_paid_at timestamptz,
    CONSTRAINT payees_owner_account_key UNIQUE (owner_id, account)
);
-- The payee list, newest first.
CREATE INDEX payees_owner_created_idx ON payees (owner_id, created_at DESC, id);

GRANT SELECT, INSERT, UPDATE (name, reference, trusted, last_paid_at), DELETE ON payees TO iebank_runtime;
