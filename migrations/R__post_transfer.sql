-- post_transfer: posts one transfer atomically, in one statement and one round trip: the caller's
-- state, idempotency, locks, rules, balances, ledger.
--
-- This is the function's one current source. It is a repeatable migration: ops/migrations.py runs
-- it again whenever this file changes, so a rule change is a diff here, never a new copy of the
-- function. (Its history: 0001_core.sql, then 0002_post_transfer_checks_caller.sql.)
--
-- Returns one row. `outcome` is 'posted' or 'replayed' with the transfer, or the reason for
-- refusing with every other column NULL; a refusal moves nothing. Its type is posting_outcome
-- (0003_posting_outcome.sql), the twin of shared/outcomes.py.
-- A refusal by a business rule (shared/outcomes.py KEPT_UNDER_KEY) is kept under the request's
-- Idempotency-Key like a transfer (0008_idempotency_keys_keep_refusals.sql): the same key and
-- request get the same refusal word again, whatever changed since. Nothing else is written.
-- p_from NULL means "the bank's system account in the recipient's currency" (a cash deposit).
--
-- DROP then CREATE, not CREATE OR REPLACE: that cannot change a function's result type (the
-- outcome was text before 0003). The whole file runs in the migration's transaction, so callers
-- never see the function missing.

DROP FUNCTION IF EXISTS post_transfer(uuid, text, text, bigint, text, text, text, bytea, boolean);
DROP FUNCTION IF EXISTS post_transfer(uuid, text, text, bigint, text, text, text, bytea, boolean, uuid, bytea);
DROP FUNCTION IF EXISTS post_transfer(uuid, text, text, bigint, text, text, text, bytea, boolean, uuid, bytea, jsonb);

CREATE FUNCTION post_transfer(
    p_initiator       uuid,
    p_from            text,
    p_to              text,
    p_amount          bigint,
    p_description     text,
    p_kind            text,
    p_idempotency_key text,
    p_request_hash    bytea,
    p_require_owner   boolean,
    -- The caller's session (shared/sessions.py): its id, and the digest of the cookie's secret when
    -- the request came with the cookie (an access token's signature already proves the id). NULL
    -- for callers without one: staff deposits name p_initiator, whose active flag is checked.
    p_session         uuid DEFAULT NULL,
    p_session_secret  bytea DEFAULT NULL,
    -- Strong customer authentication (0019_payment_authentication.sql): NULL for postings it does
    -- not apply to (deposits, standing orders, SCA_MODE=off); {"mode": "proven"} for a payment
    -- confirmed with a second factor; {"mode": "check", "own_accounts": bool, "trusted_payees":
    -- bool, "low_value_max", "low_value_total": minor units, "low_value_payments": a count,
    -- "by_currency": {"GBP": {the same three}, ...}, the limits of a currency that has its own} for
    -- a customer's transfer, which the exemptions it names may let through without one.
    p_sca             jsonb DEFAULT NULL
) RETURNS TABLE (
    outcome      posting_outcome,
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
    v_refusal     posting_outcome;
    v_known_hash  bytea;
    v_known_id    uuid;
    v_known_refusal posting_outcome;
    v_key_is_new  boolean := false;  -- the key's lock is ours and no answer is stored under it yet
    v_from_number text := p_from;
    v_from        accounts%ROWTYPE;
    v_to          accounts%ROWTYPE;
    v_id          uuid;
    v_now         timestamptz := now();
    v_session     sessions%ROWTYPE;
    v_exempt      boolean;
    v_low_value   jsonb;  -- the low-value limits of the source account's currency
BEGIN
    -- Each rule below either returns a transfer or names its refusal and leaves this block; the
    -- one refusal row is built after it. (A plain block: no EXCEPTION clause, no subtransaction.)
    <<rules>>
    BEGIN
        -- The caller's current state, read in the transaction that moves the money: a session
        -- signed out, revoked, idle or past its end, or a user deactivated since, moves nothing, and
        -- the API needs no read of its own. The session names the caller (a cookie carries no user id).
        IF p_session IS NOT NULL THEN
            SELECT s.* INTO v_session
              FROM sessions s JOIN users u ON u.id = s.user_id AND u.active
             WHERE s.id = p_session AND (p_session_secret IS NULL OR s.secret_hash = p_session_secret)
               AND s.revoked_at IS NULL AND s.expires_at > v_now
               AND s.last_used_at > v_now - s.idle_seconds * interval '1 second';
            IF NOT FOUND OR v_session.user_id IS DISTINCT FROM coalesce(p_initiator, v_session.user_id) THEN
                v_refusal := 'caller_inactive';
                EXIT rules;
            END IF;
            IF v_session.purpose <> 'full' THEN
                v_refusal := 'caller_restricted';
                EXIT rules;
            END IF;
            p_initiator := v_session.user_id;
            -- Activity, written at most every thirtieth of the idle limit (shared/repositories/sessions.py
            -- does the same), so concurrent requests of one session seldom queue on its row.
            IF v_session.last_used_at < v_now - v_session.idle_seconds * interval '1 second' / 30 THEN
                UPDATE sessions s SET last_used_at = v_now WHERE s.id = p_session;
            END IF;
        ELSIF p_initiator IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p_initiator AND u.active) THEN
            v_refusal := 'caller_inactive';
            EXIT rules;
        END IF;

        IF p_idempotency_key IS NOT NULL THEN
            -- Held until commit: a concurrent request with the same key is told it is in progress
            -- instead of waiting, and the key's row below cannot appear behind our back.
            IF NOT pg_try_advisory_xact_lock(hashtextextended(p_initiator::text || '/' || p_idempotency_key, 0)) THEN
                v_refusal := 'idempotency_in_progress';
                EXIT rules;
            END IF;
            SELECT k.request_hash, k.transfer_id, k.refusal INTO v_known_hash, v_known_id, v_known_refusal
              FROM idempotency_keys k WHERE k.user_id = p_initiator AND k.key = p_idempotency_key;
            IF FOUND THEN
                -- A key names one request: the same one gets the first answer again, another is refused.
                IF v_known_hash <> p_request_hash THEN
                    v_refusal := 'idempotency_reused';
                    EXIT rules;
                END IF;
                -- The first answer was a refusal: the same word again, the rules not run again.
                IF v_known_refusal IS NOT NULL THEN
                    v_refusal := v_known_refusal;
                    EXIT rules;
                END IF;
                RETURN QUERY
                    SELECT 'replayed'::posting_outcome, t.id, fa.number, ta.number, t.amount, t.currency::text,
                           t.description, t.kind, t.created_at
                      FROM transfers t
                      JOIN accounts fa ON fa.id = t.debit_account_id
                      JOIN accounts ta ON ta.id = t.credit_account_id
                     WHERE t.id = v_known_id;
                RETURN;
            END IF;
            v_key_is_new := true;
        END IF;

        IF v_from_number IS NULL THEN
            -- A deposit: the money comes from the bank's account in the recipient's currency. No
            -- such pair means the recipient does not exist (every currency has a system account).
            SELECT s.number INTO v_from_number
              FROM accounts s JOIN accounts r ON r.currency = s.currency
             WHERE s.kind = 'system' AND r.number = p_to;
            IF NOT FOUND THEN
                v_refusal := 'recipient_not_found';
                EXIT rules;
            END IF;
        END IF;

        -- Lock both rows in one fixed order (by id), so concurrent transfers never deadlock. NO KEY
        -- UPDATE is the lock a balance update needs: unlike FOR UPDATE it does not block other
        -- transactions' foreign-key checks on these accounts (entries and transfers naming them).
        -- Every check below reads the rows under these locks, so none can be outrun.
        PERFORM 1 FROM accounts a WHERE a.number IN (v_from_number, p_to) ORDER BY a.id FOR NO KEY UPDATE;
        SELECT * INTO v_from FROM accounts a WHERE a.number = v_from_number;
        -- Someone else's account is "not found" to the caller, so refusals do not reveal which
        -- account numbers exist; money leaves the bank's own accounts only by deposit.
        IF NOT FOUND OR (p_require_owner AND v_from.owner_id IS DISTINCT FROM p_initiator)
           OR (p_kind = 'transfer' AND v_from.kind <> 'customer') THEN
            v_refusal := 'source_not_found';
            EXIT rules;
        END IF;
        SELECT * INTO v_to FROM accounts a WHERE a.number = p_to;
        IF NOT FOUND OR v_to.kind <> 'customer' THEN
            v_refusal := 'recipient_not_found';
            EXIT rules;
        END IF;
        IF v_from.id = v_to.id THEN
            v_refusal := 'same_account';
            EXIT rules;
        END IF;
        -- The cast fails loudly, rather than answer a word posting_outcome lacks, if accounts ever
        -- gain a status without its source_/recipient_ words.
        IF v_from.status <> 'active' THEN
            v_refusal := ('source_' || v_from.status)::posting_outcome;
            EXIT rules;
        END IF;
        IF v_to.status <> 'active' THEN
            v_refusal := ('recipient_' || v_to.status)::posting_outcome;
            EXIT rules;
        END IF;
        -- A deactivated customer's accounts stay 'active' (reactivation restores them as they
        -- were) but receive nothing meanwhile: money sent there would reach nobody who can use it.
        IF NOT EXISTS (SELECT 1 FROM users u WHERE u.id = v_to.owner_id AND u.active) THEN
            v_refusal := 'recipient_frozen';
            EXIT rules;
        END IF;
        IF v_from.currency <> v_to.currency THEN
            v_refusal := 'currency_mismatch';
            EXIT rules;
        END IF;
        -- System accounts mirror every deposit with the opposite sign, so only customers need funds.
        IF v_from.kind = 'customer' AND v_from.balance < p_amount THEN
            v_refusal := 'insufficient_funds';
            EXIT rules;
        END IF;

        -- SCA last, so a payment that would be refused anyway is refused without a challenge. A
        -- customer without a second factor is not asked (the enrolment gate sends those who must
        -- hold one to enrol first). Exemptions: between the customer's own accounts (RTS Art. 15),
        -- to an account the customer saved as a trusted payee (Art. 13), and low-value payments
        -- while the spend since the last SCA allows (Art. 16), counted per currency in minor units
        -- under the spend row's lock (taken after the accounts', as every posting takes them).
        IF p_sca ->> 'mode' = 'check' AND holds_second_factor(p_initiator)
           AND NOT (coalesce((p_sca ->> 'own_accounts')::boolean, false) AND v_to.owner_id = p_initiator)
           AND NOT (coalesce((p_sca ->> 'trusted_payees')::boolean, false)
                    AND EXISTS (SELECT 1 FROM payees p
                                 WHERE p.owner_id = p_initiator AND p.account = v_to.number AND p.trusted)) THEN
            v_low_value := coalesce(p_sca -> 'by_currency' -> v_from.currency, p_sca);
            IF p_amount <= (v_low_value ->> 'low_value_max')::bigint
               AND p_amount <= (v_low_value ->> 'low_value_total')::bigint
               AND (v_low_value ->> 'low_value_payments')::integer >= 1 THEN
                INSERT INTO sca_low_value_spend AS s (user_id, currency, total, payments)
                     VALUES (p_initiator, v_from.currency, p_amount, 1)
                ON CONFLICT (user_id, currency) DO UPDATE
                        SET total = s.total + excluded.total, payments = s.payments + 1
                      WHERE s.total + excluded.total <= (v_low_value ->> 'low_value_total')::bigint
                        AND s.payments + 1 <= (v_low_value ->> 'low_value_payments')::integer
                  RETURNING true INTO v_exempt;
            END IF;
            IF v_exempt IS NOT TRUE THEN
                v_refusal := 'authentication_required';
                EXIT rules;
            END IF;
        ELSIF p_sca ->> 'mode' = 'proven' THEN
            DELETE FROM sca_low_value_spend s WHERE s.user_id = p_initiator;
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

        RETURN QUERY SELECT 'posted'::posting_outcome, v_id, v_from.number, v_to.number, p_amount,
                            v_from.currency::text, p_description, p_kind, v_now;
        RETURN;
    END rules;

    -- Only a refusal gets here, and it has moved nothing. A business rule's refusal is the key's
    -- answer from now on (shared/outcomes.py KEPT_UNDER_KEY lists the same words); the caller's
    -- state, the key's own refusals and same_account (an invalid body) leave the key free.
    IF v_key_is_new AND v_refusal IN ('source_not_found', 'recipient_not_found', 'source_frozen', 'source_closed',
                                      'recipient_frozen', 'recipient_closed', 'currency_mismatch',
                                      'insufficient_funds') THEN
        INSERT INTO idempotency_keys (user_id, key, request_hash, refusal)
             VALUES (p_initiator, p_idempotency_key, p_request_hash, v_refusal);
    END IF;
    RETURN QUERY SELECT v_refusal, NULL::uuid, NULL::text, NULL::text, NULL::bigint, NULL::text,
                        NULL::text, NULL::text, NULL::timestamptz;
END;
$$;
