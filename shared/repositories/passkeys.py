"""Passkeys (table passkeys, migration 0018), read and changed through their owner, except the
lookup of a sign-in's assertion, which names only its credential."""

from uuid import UUID

from shared.db import Reader, Row, UnitOfWork
from shared.domain import Passkey

_COLUMNS = "id, user_id, credential_id, public_key, sign_count, transports, name, created_at, last_used_at"


def _passkey(row: Row) -> Passkey:
    return Passkey(**{**row, "credential_id": bytes(row["credential_id"]), "public_key": bytes(row["public_key"]),
                      "transports": tuple(row["transports"])})


async def of_user(db: Reader, user_id: UUID) -> list[Passkey]:
    rows = await db.fetch_all("SELECT " + _COLUMNS + " FROM passkeys WHERE user_id = %s ORDER BY created_at, id",
                              (user_id,))
    return [_passkey(row) for row in rows]


async def held_by(db: Reader, user_id: UUID) -> bool:
    row = await db.fetch_one("SELECT EXISTS (SELECT 1 FROM passkeys WHERE user_id = %s) AS held", (user_id,))
    return bool(row and row["held"])


async def insert(uow: UnitOfWork, user_id: UUID, credential_id: bytes, public_key: bytes, sign_count: int,
                 transports: list[str], name: str) -> Passkey:
    """Raises DuplicateKey('passkeys_credential_id_key') when the credential is registered already."""
    row = await uow.fetch_one(
        "INSERT INTO passkeys (user_id, credential_id, public_key, sign_count, transports, name)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING " + _COLUMNS,
        (user_id, credential_id, public_key, sign_count, transports, name))
    assert row is not None
    return _passkey(row)


async def lock_by_credential(uow: UnitOfWork, credential_id: bytes, user_id: UUID | None = None) -> Passkey | None:
    """The passkey with that credential id (of that user, when given), locked until commit so two
    assertions cannot both pass with the same counter."""
    row = await uow.fetch_one(
        "SELECT " + _COLUMNS + " FROM passkeys WHERE credential_id = %s"
        " AND (%s::uuid IS NULL OR user_id = %s::uuid) FOR UPDATE", (credential_id, user_id, user_id))
    return _passkey(row) if row is not None else None


async def record_use(uow: UnitOfWork, passkey_id: UUID, sign_count: int) -> None:
    await uow.execute("UPDATE passkeys SET sign_count = %s, last_used_at = now() WHERE id = %s",
                      (sign_count, passkey_id))


async def rename(uow: UnitOfWork, user_id: UUID, passkey_id: UUID, name: str) -> Passkey | None:
    row = await uow.fetch_one("UPDATE passkeys SET name = %s WHERE id = %s AND user_id = %s RETURNING " + _COLUMNS,
                              (name, passkey_id, user_id))
    return _passkey(row) if row is not None else None


async def delete(uow: UnitOfWork, user_id: UUID, passkey_id: UUID) -> Passkey | None:
    row = await uow.fetch_one("DELETE FROM passkeys WHERE id = %s AND user_id = %s RETURNING " + _COLUMNS,
                              (passkey_id, user_id))
    return _passkey(row) if row is not None else None


async def delete_all(uow: UnitOfWork, user_id: UUID) -> int:
    """Removes every passkey of the user; how many there were."""
    return await uow.execute("DELETE FROM passkeys WHERE user_id = %s", (user_id,))
