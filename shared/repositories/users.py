"""Users, the sign-in throttles, and the back office's view of customers."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from shared.db import Reader, Row, UnitOfWork
from shared.domain import CustomerSummary, User
from shared.repositories import throttle

_COLUMNS = "id, username, full_name, email, country, role, active, created_at, second_factor_required"


def _user(row: Row) -> User:
    return User(**{key: row[key] for key in User.__dataclass_fields__})


async def by_id(db: Reader, user_id: UUID) -> User | None:
    row = await db.fetch_one("SELECT " + _COLUMNS + " FROM users WHERE id = %s", (user_id,))
    return _user(row) if row is not None else None


async def by_username(db: Reader, username: str) -> User | None:
    row = await db.fetch_one("SELECT " + _COLUMNS + " FROM users WHERE lower(username) = lower(%s)", (username,))
    return _user(row) if row is not None else None


async def exists(db: Reader, user_id: UUID) -> bool:
    return await db.fetch_one("SELECT 1 FROM users WHERE id = %s", (user_id,)) is not None


async def country(db: Reader, user_id: UUID) -> str | None:
    row = await db.fetch_one("SELECT country FROM users WHERE id = %s", (user_id,))
    return row["country"] if row is not None else None


_TAKEN = """SELECT coalesce(bool_or(lower(username) = lower(%(username)s)), false) AS username,
                  coalesce(bool_or(lower(email) = lower(%(email)s)), false) AS email
             FROM users WHERE lower(username) = lower(%(username)s) OR lower(email) = lower(%(email)s)"""


async def taken(db: Reader, username: str, email: str) -> tuple[bool, bool]:
    """Whether the username, and whether the email, belong to someone already."""
    row = await db.fetch_one(_TAKEN, {"username": username, "email": email})
    assert row is not None
    return row["username"], row["email"]


async def insert(uow: UnitOfWork, username: str, password_hash: str, full_name: str, email: str, country: str,
                 role: str) -> User:
    row = await uow.fetch_one(
        "INSERT INTO users (username, password_hash, full_name, email, country, role)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING " + _COLUMNS,
        (username, password_hash, full_name, email, country, role))
    assert row is not None
    return _user(row)


async def require_second_factor(uow: UnitOfWork, user_id: UUID) -> None:
    await uow.execute("UPDATE users SET second_factor_required = true WHERE id = %s", (user_id,))


async def lock(uow: UnitOfWork, user_id: UUID) -> User | None:
    row = await uow.fetch_one("SELECT " + _COLUMNS + " FROM users WHERE id = %s FOR UPDATE", (user_id,))
    return _user(row) if row is not None else None


async def lock_by_username(uow: UnitOfWork, username: str) -> tuple[User, str] | None:
    """The user and their password hash, locked."""
    row = await uow.fetch_one("SELECT " + _COLUMNS + ", password_hash FROM users WHERE lower(username) = lower(%s)"
                              " FOR UPDATE", (username,))
    return (_user(row), row["password_hash"]) if row is not None else None


async def update(uow: UnitOfWork, user_id: UUID, fields: dict[str, Any]) -> None:
    """Sets full_name, email, country, role and active (all five, as given)."""
    await uow.execute("UPDATE users SET full_name = %(full_name)s, email = %(email)s, country = %(country)s,"
                      " role = %(role)s, active = %(active)s, updated_at = now() WHERE id = %(id)s",
                      {**fields, "id": user_id})


async def set_password_hash(uow: UnitOfWork, user_id: UUID, password_hash: str) -> None:
    await uow.execute("UPDATE users SET password_hash = %s, updated_at = now() WHERE id = %s",
                      (password_hash, user_id))


async def deactivate(uow: UnitOfWork, user_id: UUID) -> None:
    await uow.execute("UPDATE users SET active = false, updated_at = now() WHERE id = %s", (user_id,))


async def active_admin_ids(uow: UnitOfWork) -> set[UUID]:
    return {row["id"] for row in await uow.fetch_all("SELECT id FROM users WHERE role = 'admin' AND active")}


# Any constant works; every transaction that may change who is an active admin takes it first.
_ADMIN_SET_LOCK = 0x1EBAD


async def serialize_admin_changes(uow: UnitOfWork) -> None:
    """Changes to roles and active flags run one at a time, so two staff demoting each other at
    once can neither leave the bank without an admin nor deadlock on each other's rows."""
    await uow.execute("SELECT pg_advisory_xact_lock(%s)", (_ADMIN_SET_LOCK,))


_SEARCH = """
SELECT u.id, u.username, u.full_name, u.email, u.country, u.role, u.active, u.created_at, u.second_factor_required,
       lower(u.username) AS position,
       (SELECT count(*) FROM accounts a WHERE a.owner_id = u.id) AS account_count,
       (SELECT coalesce(json_object_agg(b.currency, b.total), '{}'::json)
          FROM (SELECT currency, sum(balance) AS total FROM accounts a WHERE a.owner_id = u.id
                 GROUP BY currency) b) AS balances
  FROM users u
 WHERE (%(after)s::text IS NULL OR lower(u.username) > %(after)s::text)
   AND (%(pattern)s::text IS NULL OR u.username ILIKE %(pattern)s OR u.full_name ILIKE %(pattern)s
        OR u.email ILIKE %(pattern)s
        -- at most one account has the number (a unique index): looked up once, not per user
        OR u.id = (SELECT a.owner_id FROM accounts a WHERE a.number = %(number)s::text))
 ORDER BY lower(u.username)
 LIMIT %(limit)s
"""


async def search(db: Reader, text: str | None, account_number: str | None, after: str | None,
                 limit: int) -> list[tuple[str, CustomerSummary]]:
    """(position, summary) pairs in username order after `after`, matching text in username,
    name or email, or owning the account with exactly that number; the position is the next
    page's cursor."""
    pattern = None
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await db.fetch_all(_SEARCH, {"after": after, "pattern": pattern, "number": account_number,
                                        "limit": limit})
    return [(row["position"], CustomerSummary(
        user=_user(row), account_count=row["account_count"],
        balances={currency: int(total) for currency, total in sorted(row["balances"].items())}))
        for row in rows]


# A sign-in spends three counts in one statement with the user's lookup: the client address's
# (every sign-in from it), the (username, address) pair's and the username's (failures from
# anywhere), all before the slow password check, so parallel guesses count too. Once the address
# is past its limit nothing else is counted: a flood from one address writes one row, not one per
# username it tries.
_COUNT_SIGN_IN = ("WITH " + throttle.spend_cte("address") + ",\n"
                  + throttle.spend_cte("pair", "FROM address WHERE address.attempts <= %(address_limit)s")
                  + """, attempt AS (
    INSERT INTO login_throttle AS t (username_key, attempts, window_started)
    SELECT %(key)s, 1, now() FROM address WHERE address.attempts <= %(address_limit)s
    ON CONFLICT (username_key) DO UPDATE SET
        attempts = CASE WHEN t.window_started <= now() - make_interval(secs => %(pair_window)s)
                        THEN 1 ELSE t.attempts + 1 END,
        window_started = CASE WHEN t.window_started <= now() - make_interval(secs => %(pair_window)s)
                              THEN now() ELSE t.window_started END
    RETURNING attempts
)
SELECT d.attempts AS address_attempts, d.retry_after AS address_retry_after,
       coalesce(p.attempts, 0) AS pair_attempts, coalesce(p.retry_after, 1) AS pair_retry_after,
       coalesce(a.attempts, 0) AS attempts,
       u.id, u.username, u.full_name, u.email, u.country, u.role, u.active, u.created_at, u.second_factor_required,
       u.password_hash
  FROM address d
  LEFT JOIN pair p ON true
  LEFT JOIN attempt a ON true
  LEFT JOIN users u ON lower(u.username) = %(key)s AND d.attempts <= %(address_limit)s
""")


@dataclass(frozen=True)
class SignInCounts:
    address_attempts: int  # every sign-in from the client address this minute, this one included
    address_retry_after_seconds: int
    pair_attempts: int  # for this username from this address in the window (0: not counted)
    pair_retry_after_seconds: int
    account_attempts: int  # for this username from anywhere in the window (0: not counted)
    user: User | None
    password_hash: str | None


async def count_sign_in_and_find_user(uow: UnitOfWork, username_key: str, client_address: str,
                                      address_limit: int, address_window_seconds: int,
                                      window_seconds: int) -> SignInCounts:
    row = await uow.commit_with(_COUNT_SIGN_IN, {
        "key": username_key, "address_bucket": throttle.address_bucket(client_address),
        "address_window": address_window_seconds, "address_limit": address_limit,
        "pair_bucket": throttle.pair_bucket(username_key, client_address), "pair_window": window_seconds})
    assert row is not None
    known = row["id"] is not None
    return SignInCounts(row["address_attempts"], row["address_retry_after"], row["pair_attempts"],
                        row["pair_retry_after"], row["attempts"], _user(row) if known else None,
                        row["password_hash"] if known else None)


# After a right password: the username's and this address's pair counts go. Losing this in a
# crash only leaves counts that expire with their window, so its commit does not wait for the
# disk (set_config(..., true) is SET LOCAL, for this one-statement transaction; the attempt
# itself is still counted durably above). The address's count stays: it counts requests, not
# failures.
_FORGET_ATTEMPTS = """
WITH forgotten AS (DELETE FROM login_throttle WHERE username_key = %(key)s),
     forgotten_pair AS (DELETE FROM auth_throttle WHERE bucket = %(pair_bucket)s)
SELECT set_config('synchronous_commit', 'off', true)
"""


async def forget_attempts(uow: UnitOfWork, username_key: str, client_address: str | None = None) -> None:
    """Forgets the username's failures, and those of the pair with the address when given."""
    await uow.commit_with(_FORGET_ATTEMPTS, {
        "key": username_key,
        "pair_bucket": throttle.pair_bucket(username_key, client_address) if client_address else None})


# A sign-in refused as busy (503) before its password was checked was no guess: its pair and
# username counts are given back, so a holder retrying through a busy minute is never locked out.
_GIVE_BACK = """
WITH pair AS (UPDATE auth_throttle SET attempts = attempts - 1 WHERE bucket = %(pair_bucket)s AND attempts > 0)
UPDATE login_throttle SET attempts = attempts - 1 WHERE username_key = %(key)s AND attempts > 0
"""


async def give_back_attempt(uow: UnitOfWork, username_key: str, client_address: str) -> None:
    await uow.execute(_GIVE_BACK, {"key": username_key,
                                   "pair_bucket": throttle.pair_bucket(username_key, client_address)})
    await uow.commit()


async def replace_password_hash(uow: UnitOfWork, user_id: UUID, old_hash: str, new_hash: str) -> bool:
    """The same password hashed again (at the current cost), unless it changed meanwhile."""
    return await uow.execute("UPDATE users SET password_hash = %s WHERE id = %s AND password_hash = %s",
                             (new_hash, user_id, old_hash)) == 1


async def clear_attempts(uow: UnitOfWork, username_key: str) -> int:
    """Forgets the sign-in attempts counted for the key, from anywhere and per address (a staff
    unlock, a password reset); how many failures there were from anywhere."""
    await throttle.forget_prefixed(uow, throttle.pair_prefix(username_key))
    row = await uow.fetch_one("DELETE FROM login_throttle WHERE username_key = %s RETURNING attempts",
                              (username_key,))
    return int(row["attempts"]) if row is not None else 0
