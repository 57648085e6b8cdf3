"""A small FunctionApp the dev host tests serve: one route per routing, body and timeout rule."""

import asyncio
import json
import logging
import os
import time

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def _json(data, status=200, headers=None):
    return func.HttpResponse(
        json.dumps(data),
        status_code=status,
        mimetype="application/json",
        headers=headers,
    )


@app.route(route="ping", methods=["GET"])
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        "pong",
        headers={"x-correlation-id": req.headers.get("x-correlation-id", "none")},
    )


@app.route(route="items/special", methods=["GET"])
def item_special(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"function": "item_special"})


@app.route(route="items/{name}", methods=["GET", "DELETE"])
def item_by_name(req: func.HttpRequest) -> func.HttpResponse:
    logging.getLogger("demo_app").info("item %s", req.route_params["name"])  # a name a client chose, logged
    return _json({"function": "item_by_name", "route_params": dict(req.route_params)})


@app.route(route="users/{user_id}/transactions", methods=["GET"])
async def user_transactions(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"route_params": dict(req.route_params), "params": dict(req.params)})


@app.route(route="echo", methods=["POST", "PUT"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    body = req.get_body()
    if len(body) > 64 * 1024:
        return func.HttpResponse(status_code=413)
    resp = _json(
        {
            "method": req.method,
            "url": req.url,
            "length": len(body),
            "json": req.get_json() if body else None,
            "content_type": req.headers.get("Content-Type"),
            "forwarded_for": req.headers.get("X-Forwarded-For"),
        },
        status=201,
    )
    resp.headers.add("Set-Cookie", "a=1")
    resp.headers.add("Set-Cookie", "b=2")
    return resp


@app.route(route="slow", methods=["GET"])
def slow(req: func.HttpRequest) -> func.HttpResponse:
    """Sleeps ?seconds in its thread; with ?marker=FILE it first writes "started" there."""
    logging.getLogger("demo_app").info("slow started")
    if "marker" in req.params:
        with open(req.params["marker"], "a") as marker:
            marker.write("started\n")
    time.sleep(float(req.params.get("seconds", "3")))
    return func.HttpResponse("finally")


@app.route(route="async-slow", methods=["GET"])
async def async_slow(req: func.HttpRequest) -> func.HttpResponse:
    """Awaits ?seconds, then writes "finished" to ?marker; a cancellation writes "cancelled" instead."""
    try:
        await asyncio.sleep(float(req.params.get("seconds", "3")))
    except asyncio.CancelledError:
        with open(req.params["marker"], "a") as marker:
            marker.write("cancelled\n")
        raise
    with open(req.params["marker"], "a") as marker:
        marker.write("finished\n")
    return func.HttpResponse("finally")


@app.route(route="async-hello", methods=["GET"])
async def async_hello(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(0)
    return func.HttpResponse("hello from a coroutine")


@app.route(route="async-thread", methods=["GET"])
async def async_thread(req: func.HttpRequest) -> func.HttpResponse:
    """Which thread an async function runs on: the event loop's (the main thread), not a pool thread."""
    import threading

    return _json({"thread": threading.current_thread().name})


@app.route(route="pid", methods=["GET"])
def pid(req: func.HttpRequest) -> func.HttpResponse:
    return _json({"pid": os.getpid()})


@app.route(route="boom", methods=["GET"])
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("secret internals that must not reach the client")


@app.route(route="database", methods=["GET"])
def database(req: func.HttpRequest) -> func.HttpResponse:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        rows = conn.execute("SELECT name FROM devhost_probe ORDER BY name").fetchall()
    return _json({"names": [r[0] for r in rows]})
