from __future__ import annotations

import logging

import azure.functions as func

bp = func.Blueprint()


@bp.timer_trigger(schedule="0 15 3 * * *", arg_name="timer", run_on_startup=False, use_monitor=True)
async def purge_expired_keys(timer: func.TimerRequest) -> None:
    """Every night at 03:15 UTC: forget idempotency keys older than 48 hours, stale throttles,
    sessions ended a week ago and reset links expired a day ago."""
    from shared.maintenance import purge_expired
    from shared.runtime import get_runtime

    purged = await purge_expired(get_runtime().db)
    logging.getLogger("iebank.maintenance").info(
        "purged %d idempotency keys, %d login throttles, %d sessions, %d reset links, %d address throttles",
        *purged)
