from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    from shared.models import HealthOut, ReadinessOut

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Liveness: the app answers and reaches its database", access="public", errors=(503,))
async def health_check(call: Call[None, None]) -> Reply[HealthOut]:
    from shared import health
    from shared.models import HealthOut

    status = "ok" if await health.liveness(call.runtime.db) else "unavailable"
    return Reply(200 if status == "ok" else 503, HealthOut(status=status, database=status))


@bp.route(route="health/ready", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Readiness: each dependency checked, with its latency", access="public", errors=(503,))
async def readiness_check(call: Call[None, None]) -> Reply[ReadinessOut]:
    from shared import health
    from shared.models import ReadinessCheck, ReadinessOut

    checks = await health.readiness(call.runtime.db, call.runtime.settings)
    ok = all(check.ok for check in checks.values())
    return Reply(200 if ok else 503, ReadinessOut(status="ok" if ok else "unavailable", checks={
        name: ReadinessCheck(status="ok" if check.ok else "unavailable", latency_ms=check.latency_ms)
        for name, check in checks.items()}))
