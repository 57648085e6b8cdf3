-- Second factors of strong customer authentication (issue 17): an authenticator app (TOTP) per
-- user, ten single-use recovery codes, and the count of consecutive wrong answers that blocks
-- them for a while (Delegated Regulation (EU) 2018/389, Art. 4(3)(b): at most 5 in a row).
--
-- The TOTP secret is stored encrypted (AES-GCM under TOTP_ENCRYPTION_KEY, the user id as the
-- associated data, so a ciphertext copied to another user's row does not decrypt); the database
-- never sees it in clear. last_time_step is the last 30-second step whose code was accepted: a
-- code is accepted once, and never one of an earlier step. confirmed_at is NULL while an
-- enrolment waits for its first code; such a row is not a factor.
CREATE TABLE totp_factors (
    user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret         bytea NOT NULL CHECK (octet_length(secret) BETWEEN 28 AND 200),
    created_at     timestamptz NOT NULL DEFAULT now(),
    confirmed_at   timestamptz,
    last_time_step bigint
);

-- A recovery code is high-entropy, so its sha256 is a safe digest; regenerating deletes them all.
CREATE TABLE recovery_codes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL CHECK (octet_length(code_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Consecutive wrong second-factor answers of a user, any factor, any challenge; reset by a right one.
CREATE TABLE factor_failures (
    user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    failures      integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    blocked_until timestamptz
);

GRANT SELECT, INSERT, UPDATE (secret, created_at, confirmed_at, last_time_step), DELETE ON totp_factors TO iebank_runtime;
GRANT SELECT, INSERT, UPDATE (used_at), DELETE ON recovery_codes TO iebank_runtime;
GRANT SELECT, INSERT, UPDATE (failures, blocked_until), DELETE ON factor_failures TO iebank_runtime;
