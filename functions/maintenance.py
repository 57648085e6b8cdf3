from __future__ import annotations

import logging

import azure.functions as func

bp = func.Blueprint()


@bp.timer_trigger(schedule="0 15 3 * * *", arg_name="timer", run_on_startup=False, use_monitor=True)
async def purge_expired_keys(timer: func.TimerRequest) -> None:
    """Every night at 03:15 UTC: forget idempotency keys older than 48 hours and stale throttles."""
    from shared.maintenance import purge_expired
    from shared.runtime import get_runtime

    keys, throttles = await purge_expired(get_runtime().db)
    logging.getLogger("iebank.maintenance").info("purged %d idempotency keys, %d login throttles", keys, throttles)
