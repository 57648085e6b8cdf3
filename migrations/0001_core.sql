-- IE Bank core schema: users, accounts, an append-only double-entry ledger, idempotency keys,
-- login throttling and the staff audit trail.
-- Money is an integer number of minor units (cents); never a float.

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username      text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{3,32}$'),
    password_hash text NOT NULL,
    full_name     text NOT NULL CHECK (char_length(full_name) BETWEEN 1 AND 100),
    email         text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    country       char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
-- Keyset pagination of the back office's user list.
CREATE INDEX users_created_at_id_idx ON users (created_at DESC, id DESC);

-- Customer accounts belong to a user and can never go negative. System accounts belong to the
-- bank (one per currency): money enters the bank only through them, so their balance mirrors,
-- with the opposite sign, every deposit, and the balances of all accounts sum to zero.
CREATE TABLE accounts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number     text NOT NULL UNIQUE CHECK (number ~ '^IE[0-9]{2}IEBK[0-9]{14}$'),
    owner_id   uuid REFERENCES users (id),
    kind       text NOT NULL DEFAULT 'customer' CHECK (kind IN ('customer', 'system')),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    currency   char(3) NOT NULL CHECK (currency IN ('EUR', 'USD', 'GBP', 'INR')),
    country    char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen', 'closed')),
    balance    bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_customer_balance_not_negative CHECK (kind = 'system' OR balance >= 0),
    CONSTRAINT accounts_owner_matches_kind CHECK ((kind = 'system') = (owner_id IS NULL))
);
CREATE INDEX accounts_owner_id_idx ON accounts (owner_id, id);
CREATE UNIQUE INDEX accounts_one_system_account_per_currency ON accounts (currency) WHERE kind = 'system';

INSERT INTO accounts (number, kind, name, currency, country) VALUES
    ('IE16IEBK00000000000001', 'system', 'IE Bank EUR cash', 'EUR', 'IE'),
    ('IE86IEBK00000000000002', 'system', 'IE Bank USD cash', 'USD', 'IE'),
    ('IE59IEBK00000000000003', 'system', 'IE Bank GBP cash', 'GBP', 'IE'),
    ('IE32IEBK00000000000004', 'system', 'IE Bank INR cash', 'INR', 'IE');

-- One row per movement of money: it debits one account and credits another.
CREATE TABLE transfers (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    debit_account_id  bigint NOT NULL REFERENCES accounts (id),
    credit_account_id bigint NOT NULL REFERENCES accounts (id),
    amount            bigint NOT NULL CHECK (amount > 0 AND amount <= 100000000000),
    currency          char(3) NOT NULL,
    description       text NOT NULL DEFAULT '' CHECK (char_length(description) <= 140),
    kind              text NOT NULL CHECK (kind IN ('transfer', 'deposit')),
    initiated_by      uuid REFERENCES users (id),
    idempotency_key   text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (debit_account_id <> credit_account_id)
);

-- The two legs of every transfer: a negative entry on the debited account, a positive one on the
-- credited account. An account's balance always equals the sum of its entries.
CREATE TABLE entries (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transfer_id             uuid NOT NULL REFERENCES transfers (id),
    account_id              bigint NOT NULL REFERENCES accounts (id),
    counterparty_account_id bigint NOT NULL REFERENCES accounts (id),
    amount                  bigint NOT NULL CHECK (amount <> 0),
    created_at              timestamptz NOT NULL
);
-- History is read newest first, one page after another: an index scan, never OFFSET.
CREATE INDEX entries_account_id_id_idx ON entries (account_id, id DESC);
CREATE INDEX entries_transfer_id_idx ON entries (transfer_id);

CREATE TABLE idempotency_keys (
    user_id      uuid NOT NULL REFERENCES users (id),
    key          text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    request_hash bytea NOT NULL,
    transfer_id  uuid NOT NULL REFERENCES transfers (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

-- Failed (and in-flight) login attempts per username, shared by every function instance.
CREATE TABLE login_throttle (
    username_key   text PRIMARY KEY,
    attempts       integer NOT NULL,
    window_started timestamptz NOT NULL
);

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id       uuid REFERENCES users (id),
    actor_username text NOT NULL,
    action         text NOT NULL,
    target_type    text NOT NULL,
    target_id      text NOT NULL,
    changes        jsonb NOT NULL DEFAULT '{}'::jsonb,
    correlation_id text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- The ledger and the audit trail are history: rows are added, never changed or removed.
CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- Posts one transfer atomically, in one round trip: idempotency, locks, rules, balances, ledger.
-- Returns an outcome word ('posted', 'replayed' or the reason for refusing) and, when posted or
-- replayed, the transfer. A refusal changes nothing.
-- p_from NULL means "the bank's system account in the recipient's currency" (a cash deposit).
CREATE FUNCTION post_transfer(
    p_initiator       uuid,
    p_from            text,
    p_to              text,
    p_amount          bigint,
    p_description     text,
    p_kind            text,
    p_idempotency_key text,
    p_request_hash    bytea,
    p_require_owner   boolean
) RETURNS TABLE (
    outcome      text,
    id           uuid,
    from_account text,
    to_account   text,
    amount       bigint,
    currency     text,
    description  text,
    kind         text,
    created_at   timestamptz
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_known_hash  bytea;
    v_known_id    uuid;
    v_from_number text := p_from;
    v_from        accounts%ROWTYPE;
    v_to          accounts%ROWTYPE;
    v_id          uuid;
    v_now         timestamptz := now();
BEGIN
    IF p_idempotency_key IS NOT NULL THEN
        -- Held until commit: a concurrent request with the same key is told it is in progress.
        IF NOT pg_try_advisory_xact_lock(hashtextextended(p_initiator::text || '/' || p_idempotency_key, 0)) THEN
            RETURN QUERY SELECT 'idempotency_in_progress', NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
            RETURN;
        END IF;
        SELECT k.request_hash, k.transfer_id INTO v_known_hash, v_known_id
          FROM idempotency_keys k WHERE k.user_id = p_initiator AND k.key = p_idempotency_key;
        IF FOUND THEN
            IF v_known_hash <> p_request_hash THEN
                RETURN QUERY SELECT 'idempotency_reused', NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
                RETURN;
            END IF;
            RETURN QUERY
                SELECT 'replayed', t.id, fa.number, ta.number, t.amount, t.currency::text, t.description, t.kind, t.created_at
                  FROM transfers t
                  JOIN accounts fa ON fa.id = t.debit_account_id
                  JOIN accounts ta ON ta.id = t.credit_account_id
                 WHERE t.id = v_known_id;
            RETURN;
        END IF;
    END IF;

    IF v_from_number IS NULL THEN
        SELECT s.number INTO v_from_number
          FROM accounts s JOIN accounts r ON r.currency = s.currency
         WHERE s.kind = 'system' AND r.number = p_to;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'recipient_not_found', NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
            RETURN;
        END IF;
    END IF;

    -- Lock both rows in one fixed order (by id), so concurrent transfers never deadlock.
    PERFORM 1 FROM accounts a WHERE a.number IN (v_from_number, p_to) ORDER BY a.id FOR UPDATE;
    SELECT * INTO v_from FROM accounts a WHERE a.number = v_from_number;
    IF NOT FOUND OR (p_require_owner AND v_from.owner_id IS DISTINCT FROM p_initiator)
       OR (p_kind = 'transfer' AND v_from.kind <> 'customer') THEN
        RETURN QUERY SELECT 'source_not_found', NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
        RETURN;
    END IF;
    SELECT * INTO v_to FROM accounts a WHERE a.number = p_to;
    IF NOT FOUND OR v_to.kind <> 'customer' THEN
        RETURN QUERY SELECT 'recipient_not_found', NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
        RETURN;
    END IF;
    IF v_from.id = v_to.id THEN
        RETURN QUERY SELECT 'same_account', NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
        RETURN;
    END IF;
    IF v_from.status <> 'active' THEN
        RETURN QUERY SELECT 'source_' || v_from.status, NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
        RETURN;
    END IF;
    IF v_to.status <> 'active' THEN
        RETURN QUERY SELECT 'recipient_' || v_to.status, NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
        RETURN;
    END IF;
    IF v_from.currency <> v_to.currency THEN
        RETURN QUERY SELECT 'currency_mismatch', NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
        RETURN;
    END IF;
    IF v_from.kind = 'customer' AND v_from.balance < p_amount THEN
        RETURN QUERY SELECT 'insufficient_funds', NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
        RETURN;
    END IF;

    UPDATE accounts a SET balance = a.balance - p_amount WHERE a.id = v_from.id;
    UPDATE accounts a SET balance = a.balance + p_amount WHERE a.id = v_to.id;
    INSERT INTO transfers (debit_account_id, credit_account_id, amount, currency, description, kind,
                           initiated_by, idempotency_key, created_at)
         VALUES (v_from.id, v_to.id, p_amount, v_from.currency, p_description, p_kind,
                 p_initiator, p_idempotency_key, v_now)
      RETURNING transfers.id INTO v_id;
    INSERT INTO entries (transfer_id, account_id, counterparty_account_id, amount, created_at)
         VALUES (v_id, v_from.id, v_to.id, -p_amount, v_now),
                (v_id, v_to.id, v_from.id, p_amount, v_now);
    IF p_idempotency_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (user_id, key, request_hash, transfer_id)
             VALUES (p_initiator, p_idempotency_key, p_request_hash, v_id);
    END IF;

    RETURN QUERY SELECT 'posted', v_id, v_from.number, v_to.number, p_amount, v_from.currency::text,
                        p_description, p_kind, v_now;
END;
$$;
