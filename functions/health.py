from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    pass

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Liveness: the app answers and reaches its database", access="public",
          response="HealthOut", errors=(503,))
def health_check(call: Call[None, None]) -> Reply:
    from shared import health
    result = health.liveness(call.runtime.db)
    return Reply(200 if result.status == "ok" else 503, result)


@bp.route(route="health/ready", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Readiness: each dependency checked, with its latency", access="public",
          response="ReadinessOut", errors=(503,))
def readiness_check(call: Call[None, None]) -> Reply:
    from shared import health
    result = health.readiness(call.runtime.db, call.runtime.settings)
    return Reply(200 if result.status == "ok" else 503, result)
