-- Attempts per bucket for everything anonymous that costs the bank bcrypt work or tells a
-- stranger something: sign-in per (username, client address) and per client address, and
-- registration and password-reset requests per client address. Shared by every instance, as
-- login_throttle (now the account-wide count, which only delays) is.
--
-- A fixed window per bucket: `attempts` in the `window_seconds` from `window_started`; the
-- first attempt after the window ended starts a new one. The window length is stored with the
-- row, so housekeeping knows when a row is over without knowing which rule wrote it.
CREATE TABLE auth_throttle (
    bucket         text PRIMARY KEY CHECK (char_length(bucket) <= 512),
    attempts       integer NOT NULL CHECK (attempts >= 0),  -- 0: an attempt refused as busy was given back
    window_seconds integer NOT NULL CHECK (window_seconds > 0),
    window_started timestamptz NOT NULL
);
-- Housekeeping deletes rows whose window ended.
CREATE INDEX auth_throttle_window_started_idx ON auth_throttle (window_started);

GRANT SELECT, INSERT, UPDATE, DELETE ON auth_throttle TO iebank_runtime;
