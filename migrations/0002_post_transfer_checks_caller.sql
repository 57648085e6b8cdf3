-- post_transfer checks the caller, in the same transaction as the posting.
--
-- Before this, every transfer cost the API two statements: a read of the caller's active flag,
-- then post_transfer. Now post_transfer refuses a caller who is no longer active itself
-- ('caller_inactive'), so a transfer is one statement and one round trip (docs/benchmarks.md).
-- The row locks on the two accounts are FOR NO KEY UPDATE, the level a balance update takes.
-- Everything else is as in 0001_core.sql.

CREATE OR REPLACE FUNCTION post_transfer(
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
    -- The caller's current state, read in the transaction that moves the money: a user
    -- deactivated since their token was issued moves nothing, and the API needs no read of its own.
    IF p_initiator IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p_initiator AND u.active) THEN
        RETURN QUERY SELECT 'caller_inactive', NULL::uuid, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::timestamptz;
        RETURN;
    END IF;

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

    -- Lock both rows in one fixed order (by id), so concurrent transfers never deadlock. NO KEY
    -- UPDATE is the lock a balance update needs: unlike FOR UPDATE it does not block other
    -- transactions' foreign-key checks on these accounts (entries and transfers naming them).
    PERFORM 1 FROM accounts a WHERE a.number IN (v_from_number, p_to) ORDER BY a.id FOR NO KEY UPDATE;
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
