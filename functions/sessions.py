from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    from shared.models import RevokedSessionsOut, SessionList

bp = func.Blueprint()


@bp.route(route="me/sessions", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Your signed-in sessions (browsers and clients)", access="user", errors=(401, 403))
async def list_sessions(call: Call[None, None]) -> SessionList:
    from shared import responses, sessions
    return responses.session_list(await sessions.list_live(call.runtime.db, call.principal), call.principal.session_id)


@bp.route(route="me/sessions/{session_id}", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Sign out one of your sessions", access="user", status=204, errors=(401, 403, 404))
async def revoke_session(call: Call[None, None]) -> Reply[None]:
    from shared import sessions
    await sessions.revoke(call.runtime.db, call.principal, call.session_id("session_id"), call.correlation_id)
    return Reply(204)


@bp.route(route="me/sessions/revoke-all", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Sign out everywhere else (every session but this one)", access="user", errors=(401, 403))
async def revoke_other_sessions(call: Call[None, None]) -> RevokedSessionsOut:
    from shared import sessions
    from shared.models import RevokedSessionsOut
    return RevokedSessionsOut(revoked=await sessions.revoke_others(call.runtime.db, call.principal,
                                                                   call.correlation_id))
