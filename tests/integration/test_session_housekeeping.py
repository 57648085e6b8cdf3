"""The nightly purge forgets sessions and reset links nobody can use any more, and nothing that
still decides who may sign in (issue 15)."""

import secrets

from shared.auth import secret_digest
from shared.maintenance import purge_expired
from tests.helpers import register_body, signed_in


def a_user(run, runtime):
    from shared import users
    from shared.models import RegisterRequest

    return run(users.register(runtime.db, runtime.passwords, runtime.login_policy, RegisterRequest(**register_body()),
                              "127.0.0.1", "test")).user


def test_ended_sessions_go_after_a_week_live_ones_never(run, runtime, sql):
    user = a_user(run, runtime)
    live, revoked_lately, revoked_long_ago, idle_long_ago = (signed_in(run, runtime, user.id).session_id
                                                             for _ in range(4))
    sql.execute("UPDATE sessions SET revoked_at = now() - interval '1 day', revoked_reason = 'logout'"
                " WHERE id = %s", (revoked_lately,))
    sql.execute("UPDATE sessions SET revoked_at = now() - interval '8 days', revoked_reason = 'logout'"
                " WHERE id = %s", (revoked_long_ago,))
    sql.execute("UPDATE sessions SET created_at = now() - interval '9 days',"
                " last_used_at = now() - interval '8 days' WHERE id = %s", (idle_long_ago,))
    assert run(purge_expired(runtime.db)).sessions >= 2
    left = {row[0] for row in sql.execute("SELECT id FROM sessions WHERE user_id = %s", (user.id,))}
    assert left == {live, revoked_lately}


def test_reset_links_go_a_day_after_they_expire_temporary_passwords_stay(run, runtime, sql):
    user = a_user(run, runtime)
    for age in ("2 days", "1 hour"):
        sql.execute("INSERT INTO password_reset_tokens (user_id, token_hash, expires_at)"
                    " VALUES (%s, %s, now() - %s::interval)", (user.id, secret_digest(secrets.token_hex()), age))
    # An expired temporary password must keep its row: without it, it would be an ordinary password.
    sql.execute("INSERT INTO temporary_passwords (user_id, issued_by, expires_at)"
                " VALUES (%s, %s, now() - interval '30 days')", (user.id, user.id))
    assert run(purge_expired(runtime.db)).reset_links >= 1
    assert sql.execute("SELECT count(*) FROM password_reset_tokens WHERE user_id = %s", (user.id,)).fetchone()[0] == 1
    assert sql.execute("SELECT count(*) FROM temporary_passwords WHERE user_id = %s", (user.id,)).fetchone()[0] == 1


def test_address_throttles_go_once_their_window_ended_running_ones_stay(run, runtime, sql):
    from shared.repositories import throttle

    ended, running = f"addr:test-{secrets.token_hex(4)}", f"addr:test-{secrets.token_hex(4)}"
    for bucket in (ended, running):
        async def spend(bucket: str = bucket) -> throttle.Spent:
            async with runtime.db.unit_of_work() as uow:
                return await throttle.spend(uow, bucket, 60)
        assert run(spend()).attempts == 1
    sql.execute("UPDATE auth_throttle SET window_started = now() - interval '61 seconds' WHERE bucket = %s", (ended,))
    assert run(purge_expired(runtime.db)).auth_throttles >= 1
    left = {row[0] for row in sql.execute("SELECT bucket FROM auth_throttle WHERE bucket = ANY(%s)", ([ended, running],))}
    assert left == {running}
