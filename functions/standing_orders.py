from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import azure.functions as func

from shared.endpoint import Call, endpoint

if TYPE_CHECKING:
    from shared.domain import TransferPreview
    from shared.models import (
        ExecutionList,
        StandingOrderList,
        StandingOrderOut,
        StandingOrderRequest,
        UpdateStandingOrderRequest,
    )

bp = func.Blueprint()


def _now() -> datetime:
    return datetime.now(UTC)


def _order_id(call: Call[Any, Any]) -> UUID:
    from shared.standing_orders import parse_order_id

    return parse_order_id(str(call.request.route_params.get("order_id", "")))


@bp.route(route="standing-orders", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Set up a payment on a future date, or a weekly or monthly standing order (403 sca-required "
                  "when it needs a fresh second factor first)", access="user",
          status=201, idempotency_key=True, errors=(400, 401, 403, 404, 409, 413, 415, 422))
async def create_standing_order(call: Call[StandingOrderRequest, None]) -> StandingOrderOut:
    from shared import payment_authentication, responses, standing_orders

    async def authenticate(target: TransferPreview) -> None:
        await payment_authentication.require_sca_to_set_up_series(call.runtime, call.session, call.principal.id,
                                                                  target)

    order = await standing_orders.create(call.runtime.db, call.principal.id, call.body, call.idempotency_key,
                                         _now(), authenticate)
    return responses.standing_order_out(order)


@bp.route(route="standing-orders", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The caller's scheduled and standing orders, with their next date", access="user",
          errors=(401,))
async def list_standing_orders(call: Call[None, None]) -> StandingOrderList:
    from shared import responses, standing_orders
    return responses.standing_order_list(await standing_orders.list_orders(call.runtime.db, call.principal.id))


@bp.route(route="standing-orders/{order_id}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="One of the caller's standing orders", access="user", errors=(401, 404))
async def get_standing_order(call: Call[None, None]) -> StandingOrderOut:
    from shared import responses, standing_orders
    order = await standing_orders.get(call.runtime.db, call.principal.id, _order_id(call))
    return responses.standing_order_out(order)


@bp.route(route="standing-orders/{order_id}", methods=["PATCH"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Pause, resume or cancel one of the caller's standing orders", access="user",
          errors=(400, 401, 404, 409, 413, 415, 422))
async def update_standing_order(call: Call[UpdateStandingOrderRequest, None]) -> StandingOrderOut:
    from shared import responses, standing_orders
    order = await standing_orders.change_status(call.runtime.db, call.principal.id, _order_id(call),
                                                call.body.status, _now())
    return responses.standing_order_out(order)


@bp.route(route="standing-orders/{order_id}/executions", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Each attempted payment of one of the caller's standing orders, newest first, with its outcome",
          access="user", errors=(401, 404))
async def list_standing_order_executions(call: Call[None, None]) -> ExecutionList:
    from shared import responses, standing_orders
    found = await standing_orders.executions(call.runtime.db, call.principal.id, _order_id(call))
    return responses.execution_list(found)


@bp.timer_trigger(schedule="0 */10 * * * *", arg_name="timer", run_on_startup=False, use_monitor=True)
async def run_standing_orders(timer: func.TimerRequest) -> None:
    """Every 10 minutes: pay the standing-order occurrences due today (Europe/Dublin), and retry
    those refused for insufficient funds once their retry time has come."""
    from shared.runtime import get_runtime
    from shared.standing_orders import RetryPolicy, run_due

    runtime = get_runtime()
    policy = RetryPolicy(runtime.settings.standing_order_retry_minutes, runtime.settings.standing_order_max_attempts)
    report = await run_due(runtime.db, _now(), policy)
    logging.getLogger("iebank.standing_orders").info(
        "standing orders: %d posted, %d to retry, %d failed, %d stopped", *report)
