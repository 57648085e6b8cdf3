-- Strong customer authentication of payments (PSD2 Art. 97, Delegated Regulation (EU) 2018/389).
--
-- post_transfer (R__post_transfer.sql) answers 'authentication_required', moving nothing, when a
-- customer who holds a second factor (R__holds_second_factor.sql) sends money that no exemption
-- covers; the API then issues a payment challenge (sca_challenges, purpose 'payment') bound to the
-- amount, currency, source and payee (Art. 5), and the confirmation posts exactly that payment
-- under the original Idempotency-Key. The word is not kept under the key: the key stays free for
-- the confirmation (shared/outcomes.py KEPT_UNDER_KEY does not list it).
ALTER TYPE posting_outcome ADD VALUE 'authentication_required' AFTER 'insufficient_funds';

-- Art. 16 (low-value payments): what a customer has sent without SCA since their last payment
-- confirmed with it, per currency (the limits apply in each currency's own minor units). Written
-- by post_transfer under the row's lock (INSERT ... ON CONFLICT DO UPDATE ... WHERE), so
-- concurrent payments cannot both use the last of the allowance; a payment confirmed with SCA
-- deletes the user's rows.
CREATE TABLE sca_low_value_spend (
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    currency char(3) NOT NULL,
    total    bigint NOT NULL CHECK (total >= 0),
    payments integer NOT NULL CHECK (payments >= 0),
    PRIMARY KEY (user_id, currency)
);

-- A retry of a payment waiting for its confirmation finds the challenge it was given.
CREATE INDEX sca_challenges_pending_payment_idx ON sca_challenges (user_id, (binding ->> 'idempotency_key'))
    WHERE purpose = 'payment';

GRANT SELECT, INSERT, UPDATE (total, payments), DELETE ON sca_low_value_spend TO iebank_runtime;
