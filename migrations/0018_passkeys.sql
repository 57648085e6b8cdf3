-- Passkeys (WebAuthn credentials, issue 17): a customer registers one or more, and signs in with
-- one alone (possession + inherence, user verification required) or answers a second-factor
-- challenge with one. Only the public key is kept; sign_count is the authenticator's counter,
-- which must grow on every use when the authenticator keeps one (a cloned key shows as a counter
-- that does not).
CREATE TABLE passkeys (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id bytea NOT NULL CHECK (octet_length(credential_id) BETWEEN 1 AND 1023),
    public_key    bytea NOT NULL,
    sign_count    bigint NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
    transports    text[] NOT NULL DEFAULT '{}',
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id)
);
-- The Security page's list, and "does this user hold a passkey".
CREATE INDEX passkeys_user_created_idx ON passkeys (user_id, created_at, id);

GRANT SELECT, INSERT, UPDATE (name, sign_count, last_used_at), DELETE ON passkeys TO iebank_runtime;
