"""Liveness and readiness: is the database (and Key Vault, when used) answering, and how fast."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.db import Database
from shared.errors import BankError
from shared.settings import Settings

READY_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    ok: bool
    latency_ms: float


async def _database_answers(db: Database, timeout: float | None = None) -> bool:
    try:
        return await db.ping(timeout)
    except BankError:
        return False


async def liveness(db: Database) -> bool:
    return await _database_answers(db)


async def _timed(check: Callable[[], Awaitable[bool]]) -> Check:
    started = time.perf_counter()
    ok = await check()
    return Check(ok, round((time.perf_counter() - started) * 1000, 2))


async def readiness(db: Database, settings: Settings) -> dict[str, Check]:
    """Each dependency's check, run at once."""
    checks: dict[str, Callable[[], Awaitable[bool]]] = {
        "database": lambda: _database_answers(db, READY_TIMEOUT_SECONDS)}
    if settings.key_vault_url:
        from shared.keyvault import key_vault_answers

        vault = str(settings.key_vault_url)
        checks["key_vault"] = lambda: asyncio.to_thread(key_vault_answers, vault)
    results = await asyncio.gather(*(_timed(check) for check in checks.values()))
    return dict(zip(checks, results, strict=True))
