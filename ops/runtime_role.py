"""Makes the app's login role a member of iebank_runtime (migrations/0004_runtime_role.sql), the
role that owns nothing and holds only the grants the app's queries need.

In Azure the login role is the Function App identity's Entra principal. Only an Entra
administrator (the deployment identity that runs the migrations) can create it, with
pgaadauth_create_principal; on a plain PostgreSQL the role must already exist.
"""

import psycopg
from psycopg import sql

RUNTIME_ROLE = "iebank_runtime"


def grant_runtime_role(database_url: str, login_role: str) -> str:
    """Returns 'created' when it made the Entra principal, else 'granted'.

    Raises RuntimeError when the role does not exist and cannot be created here, or when it owns
    an object of this database or holds an attribute a runtime role must not have.
    """
    with psycopg.connect(database_url, autocommit=True) as conn:
        outcome = "granted"
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login_role,)).fetchone() is None:
            if conn.execute("SELECT 1 FROM pg_proc WHERE proname = 'pgaadauth_create_principal'").fetchone() is None:
                raise RuntimeError(f"database role {login_role} does not exist")
            # (name, is admin, is MFA): an ordinary principal, found by name in Entra ID.
            conn.execute("SELECT * FROM pgaadauth_create_principal(%s, false, false)", (login_role,))
            outcome = "created"
        powers = conn.execute(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls FROM pg_roles WHERE rolname = %s",
            (login_role,)).fetchone()
        owns = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
            " WHERE r.rolname = %s AND c.relnamespace = 'public'::regnamespace", (login_role,)).fetchone()
        if (powers and powers[0]) or (owns and owns[0]):
            raise RuntimeError(f"database role {login_role} is an administrator or owns tables: "
                               "the app must not run as it (run the migrations as another role)")
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(RUNTIME_ROLE), sql.Identifier(login_role)))
    return outcome
