-- The role the app runs as owns nothing and has only the grants its queries need: no DDL, no
-- TRUNCATE, no trigger changes (those need ownership), no UPDATE or DELETE on the ledger or the
-- audit trail. Migrations run as another role, which owns the schema. The app's login role
-- (its Entra principal in Azure) is made a member by `python -m ops migrate --app-role NAME`.
-- Roles belong to the server, not the database: created once, granted again in every database.
DO $$
BEGIN
    CREATE ROLE iebank_runtime NOLOGIN;
EXCEPTION
    -- Another database on the server made it first (or is making it right now).
    WHEN duplicate_object OR unique_violation THEN NULL;
END;
$$;

-- PostgreSQL before 15 lets every role create objects in public; nobody but the owner should.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO iebank_runtime;

GRANT SELECT, INSERT ON users TO iebank_runtime;
GRANT UPDATE (password_hash, full_name, email, country, role, active, updated_at) ON users TO iebank_runtime;
GRANT SELECT, INSERT ON accounts TO iebank_runtime;
-- balance: post_transfer runs with the caller's rights. Number, owner, kind and currency never change.
GRANT UPDATE (name, country, status, balance) ON accounts TO iebank_runtime;
GRANT SELECT, INSERT ON transfers, entries, audit_log TO iebank_runtime;
GRANT SELECT, INSERT, DELETE ON idempotency_keys TO iebank_runtime;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO iebank_runtime;
