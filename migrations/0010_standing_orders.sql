-- Scheduled and standing orders (issue 16): a customer's instruction to pay an amount from one of
-- their accounts once on a future date, or weekly, or monthly on a day, and each occurrence's
-- execution with its outcome.
--
-- The schedule itself is computed in Python (shared/schedules.py) from first_date, frequency,
-- day_of_month, end_date and max_count; next_index counts the occurrences consumed (posted,
-- failed or skipped by a pause), next_date is the occurrence at next_index (NULL when none is
-- left). The timer (functions/standing_orders.py) claims a due order with FOR UPDATE SKIP LOCKED
-- and posts through post_transfer in the same transaction as the execution's row, so an
-- occurrence is paid at most once however many runners there are, and a run that dies posts
-- nothing.
CREATE TABLE standing_orders (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id        uuid NOT NULL REFERENCES users (id),
    from_account_id bigint NOT NULL REFERENCES accounts (id),
    -- The recipient: an account number now; a saved payee (issue: payees) later. Exactly one.
    to_account      text CHECK (to_account ~ '^IE[0-9]{2}IEBK[0-9]{14}$'),
    payee_id        uuid,
    amount          bigint NOT NULL CHECK (amount > 0 AND amount <= 100000000000),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 140),
    frequency       text NOT NULL CHECK (frequency IN ('once', 'weekly', 'monthly')),
    first_date      date NOT NULL,
    day_of_month    smallint CHECK (day_of_month BETWEEN 1 AND 31),
    end_date        date CHECK (end_date >= first_date),
    max_count       integer CHECK (max_count BETWEEN 1 AND 1000),
    -- active: runs; paused: skipped until resumed; cancelled by the owner; completed: no
    -- occurrence left; stopped: its account was frozen or closed (or the owner deactivated).
    status          text NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'paused', 'cancelled', 'completed', 'stopped')),
    stopped_reason  text,
    next_index      integer NOT NULL DEFAULT 0 CHECK (next_index >= 0),
    next_date       date,
    -- The current occurrence's failed attempts (insufficient funds) and when to try again.
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    retry_at        timestamptz,
    -- The Idempotency-Key it was created with: a retried creation returns this order, never a second one.
    idempotency_key text NOT NULL CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    request_hash    bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT standing_orders_idempotency_key UNIQUE (owner_id, idempotency_key),
    CONSTRAINT standing_orders_one_recipient CHECK ((to_account IS NULL) <> (payee_id IS NULL)),
    CONSTRAINT standing_orders_monthly_day CHECK ((frequency = 'monthly') = (day_of_month IS NOT NULL)),
    CONSTRAINT standing_orders_next_when_live CHECK (status NOT IN ('active', 'paused') OR next_date IS NOT NULL)
);
-- What the timer scans: active orders by due date.
CREATE INDEX standing_orders_due_idx ON standing_orders (next_date, id) WHERE status = 'active';
CREATE INDEX standing_orders_owner_idx ON standing_orders (owner_id, created_at, id);
-- Closing an account asks whether it still has a live order.
CREATE INDEX standing_orders_live_account_idx ON standing_orders (from_account_id)
    WHERE status IN ('active', 'paused');

-- One row per occurrence that was attempted: retrying (insufficient funds, tried again later the
-- same day), posted (with its transfer), or failed (with post_transfer's outcome word).
CREATE TABLE standing_order_executions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        uuid NOT NULL REFERENCES standing_orders (id),
    occurrence_date date NOT NULL,
    status          text NOT NULL CHECK (status IN ('retrying', 'posted', 'failed')),
    attempts        integer NOT NULL CHECK (attempts >= 1),
    outcome         text NOT NULL,
    transfer_id     uuid UNIQUE REFERENCES transfers (id),
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT standing_order_executions_once UNIQUE (order_id, occurrence_date),
    CONSTRAINT standing_order_executions_posted_has_transfer CHECK ((status = 'posted') = (transfer_id IS NOT NULL))
);

GRANT SELECT, INSERT, UPDATE ON standing_orders TO iebank_runtime;
GRANT SELECT, INSERT, UPDATE ON standing_order_executions TO iebank_runtime;
