"""Liveness and readiness: is the database (and Key Vault, when used) answering, and how fast."""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.errors import BankError
from shared.models import HealthOut, ReadinessCheck, ReadinessOut

if TYPE_CHECKING:
    from shared.db import Database
    from shared.settings import Settings

READY_TIMEOUT_SECONDS = 2.0


def _database_answers(db: "Database", timeout: float | None = None) -> bool:
    try:
        return db.ping(timeout)
    except BankError:
        return False


def liveness(db: "Database") -> HealthOut:
    ok = _database_answers(db)
    return HealthOut(status="ok" if ok else "unavailable", database="ok" if ok else "unavailable")


def _timed(check: Callable[[], bool]) -> ReadinessCheck:
    started = time.perf_counter()
    ok = check()
    return ReadinessCheck(status="ok" if ok else "unavailable",
                          latency_ms=round((time.perf_counter() - started) * 1000, 2))


def readiness(db: "Database", settings: "Settings") -> ReadinessOut:
    checks = {"database": _timed(lambda: _database_answers(db, READY_TIMEOUT_SECONDS))}
    if settings.key_vault_url:
        from shared.keyvault import key_vault_answers

        checks["key_vault"] = _timed(lambda: key_vault_answers(str(settings.key_vault_url)))
    ok = all(check.status == "ok" for check in checks.values())
    return ReadinessOut(status="ok" if ok else "unavailable", checks=checks)
