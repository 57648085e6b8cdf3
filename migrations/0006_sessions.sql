-- Server-side sessions, temporary passwords set by staff, and emailed password-reset links.
--
-- A session is what a sign-in creates. The browser holds it as an opaque cookie secret, of which
-- only the SHA-256 digest is stored; scripts hold short access tokens naming its id. Either way
-- every request is checked against this row (revoked, idle, past its absolute end, user
-- inactive), inside the statement that already checks the caller, so revocation costs no round
-- trip. idle_seconds is the setting at sign-in, so a change of SESSION_IDLE_SECONDS never
-- stretches a session that exists.
CREATE TABLE sessions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash    bytea NOT NULL UNIQUE CHECK (octet_length(secret_hash) = 32),
    -- 'password_change': signed in with a temporary password; only the password change answers.
    purpose        text NOT NULL DEFAULT 'full' CHECK (purpose IN ('full', 'password_change')),
    user_agent     text CHECK (char_length(user_agent) <= 256),
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz NOT NULL DEFAULT now(),
    idle_seconds   integer NOT NULL CHECK (idle_seconds > 0),
    expires_at     timestamptz NOT NULL,
    revoked_at     timestamptz,
    revoked_reason text CHECK (revoked_reason IN ('logout', 'revoked', 'revoked_all', 'password_changed',
                                                 'password_reset', 'deactivated'))
);
-- A user's live sessions (the Security page, sign out everywhere, revoke on password change).
CREATE INDEX sessions_user_live_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- A password set by staff at a branch: the holder may sign in with it only to choose a new one.
CREATE TABLE temporary_passwords (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    issued_by  uuid NOT NULL REFERENCES users (id),
    expires_at timestamptz NOT NULL
);

-- A forgotten-password link: single use, 30 minutes, stored only as the digest of its token.
CREATE TABLE password_reset_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
-- How many links a user was sent lately (a per-user cap on reset emails).
CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (user_id, created_at);

-- post_transfer refuses a session that may only change its password.
ALTER TYPE posting_outcome ADD VALUE 'caller_restricted' AFTER 'caller_inactive';

GRANT SELECT, INSERT, UPDATE (last_used_at, purpose, revoked_at, revoked_reason), DELETE ON sessions TO iebank_runtime;
GRANT SELECT, INSERT, UPDATE (issued_by, expires_at), DELETE ON temporary_passwords TO iebank_runtime;
GRANT SELECT, INSERT, UPDATE (used_at), DELETE ON password_reset_tokens TO iebank_runtime;
