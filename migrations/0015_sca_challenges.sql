-- A challenge of strong authentication: issued, then answered once before it expires.
--
-- One table for every kind: the second step of a sign-in, a passkey sign-in (the user not known
-- until the assertion names its credential), a passkey registration, a step-up before a factor
-- change, and a payment's confirmation. `challenge` is the random value a WebAuthn ceremony
-- signs; for a payment it is derived from what the payment is bound to (dynamic linking,
-- Delegated Regulation (EU) 2018/389 Art. 5), which `binding` keeps to compare on confirmation.
-- A row is answered under its own row lock, so two answers at once cannot both use it.
CREATE TABLE sca_challenges (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('sign_in', 'passkey_sign_in', 'passkey_registration',
                                                'step_up', 'payment')),
    challenge  bytea NOT NULL CHECK (octet_length(challenge) BETWEEN 16 AND 64),
    binding    jsonb,
    attempts   integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CHECK (user_id IS NOT NULL OR purpose = 'passkey_sign_in')
);
-- Housekeeping deletes what expired.
CREATE INDEX sca_challenges_expires_at_idx ON sca_challenges (expires_at);

GRANT SELECT, INSERT, UPDATE (attempts, used_at), DELETE ON sca_challenges TO iebank_runtime;
