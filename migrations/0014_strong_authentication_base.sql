-- The base that strong customer authentication (PSD2 Art. 97) builds on: which sessions were
-- strongly authenticated and when, and which users must hold a second factor.
--
-- A session signed in with a password alone has strongly_authenticated_at NULL; a sign-in
-- completed with a second factor, or with a passkey (possession + inherence), sets it, and a
-- later step-up (a factor change, a payment confirmation) moves it forward. "A fresh SCA" is a
-- comparison with this instant.
ALTER TABLE sessions ADD COLUMN strongly_authenticated_at timestamptz;

-- Set for staff (the default admin is created with it) and, when the bank requires it, for
-- every customer: such a user is sent to enrol a second factor before anything else answers.
ALTER TABLE users ADD COLUMN second_factor_required boolean NOT NULL DEFAULT false;

GRANT UPDATE (strongly_authenticated_at) ON sessions TO iebank_runtime;
GRANT UPDATE (second_factor_required) ON users TO iebank_runtime;
