"""The ASGI app that turns HTTP requests into ``func.HttpRequest`` calls of the registered functions.

Hand-written (no framework) to keep per-request work small: one dict of headers, one
``func.HttpRequest``, one call, one list of response headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import json
import logging
import os
import queue
import re
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import azure.functions as func

from devhost import logs
from devhost.routing import (
    ALL_METHODS,
    MethodNotAllowed,
    NotFound,
    Route,
    RouteConfigError,
    Router,
    check_reserved,
    compile_template,
)

# Bodies up to this size reach the app whole, larger ones are cut to this size so the app
# still sees "more than 64 KiB" and answers 413 itself (one place decides, the app).
APP_BODY_CAP = 64 * 1024 + 1
# Beyond this the host answers 413 without reading further.
HOST_BODY_LIMIT = 1024 * 1024
PROBLEM_BASE = "https://iebank.example/problems/"
CONFIG_ENV = "DEVHOST_CONFIG"

access_log = logging.getLogger(logs.ACCESS_LOGGER)
log = logging.getLogger("devhost")


@dataclass
class HostConfig:
    app: str = "function_app:app"
    threads: int = 8
    timeout: float | None = None  # None: host.json functionTimeout, else 30 s
    log_format: str = "text"
    access_log: bool = True
    app_logs_requests: bool = False

    def to_env(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_env(cls) -> HostConfig:
        return cls(**json.loads(os.environ[CONFIG_ENV]))


class DaemonThreadPool:
    """A fixed pool of daemon threads that runs the synchronous functions for the event loop.

    Unlike ThreadPoolExecutor, a function stuck past its timeout does not keep the process alive
    at exit (ThreadPoolExecutor joins its threads at interpreter exit). And unlike
    ``loop.run_in_executor``, the loop's future is settled straight from the thread, without a
    second (concurrent) future and the callbacks chaining the two: about a tenth of the host's
    work per request (docs/benchmarks.md).
    """

    def __init__(self, max_workers: int, name: str = "devhost-worker") -> None:
        self._work: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True) for i in range(max_workers)
        ]
        for thread in self._threads:
            thread.start()

    def run(self, fn: Callable[[Any], Any], arg: Any) -> asyncio.Future[Any]:
        """`fn(arg)` on a pool thread, as a future of the running loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._work.put((loop, future, fn, arg))
        return future

    def _run(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            loop, future, fn, arg = item
            try:
                outcome, failed = fn(arg), False
            except BaseException as exc:
                outcome, failed = exc, True
            with contextlib.suppress(RuntimeError):  # the loop closed while the function ran
                loop.call_soon_threadsafe(_settle, future, outcome, failed)
            del item, loop, future, fn, arg, outcome

    def shutdown(self, wait: bool = True) -> None:
        for _ in self._threads:
            self._work.put(None)
        if wait:
            for thread in self._threads:
                thread.join()


def _settle(future: asyncio.Future[Any], outcome: Any, failed: bool) -> None:
    if future.cancelled():  # the host gave up waiting (function timeout)
        return
    if failed:
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class _Context:
    """The subset of ``func.Context`` a function may ask for with a ``context`` parameter."""

    __slots__ = (
        "function_directory",
        "function_name",
        "invocation_id",
        "retry_context",
        "trace_context",
    )

    def __init__(self, function_name: str, function_directory: str) -> None:
        self.invocation_id = str(uuid.uuid4())
        self.function_name = function_name
        self.function_directory = function_directory
        self.trace_context = None
        self.retry_context = None


@dataclass
class Target:
    """What the host calls for one function."""

    call: Callable[[func.HttpRequest], Any]  # sync: run in the pool; async: returns an awaitable
    is_async: bool


def _make_target(fn: Any, trigger: Any, directory: str) -> Target:
    user_function = fn.get_user_function()
    name = fn.get_function_name()
    arg = getattr(trigger, "name", None) or "req"
    wants_context = "context" in inspect.signature(user_function).parameters

    if wants_context:

        def call(req: func.HttpRequest) -> Any:
            return user_function(**{arg: req, "context": _Context(name, directory)})

    elif arg == "req":

        def call(req: func.HttpRequest) -> Any:
            return user_function(req=req)

    else:

        def call(req: func.HttpRequest) -> Any:
            return user_function(**{arg: req})

    return Target(call, inspect.iscoroutinefunction(user_function))


def read_host_json(app_dir: Path) -> dict[str, Any]:
    """host.json next to the app ({} when there is none)."""
    host_json = app_dir / "host.json"
    if not host_json.is_file():
        return {}
    try:
        config: dict[str, Any] = json.loads(host_json.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RouteConfigError(f"{host_json} is not valid JSON: {exc}") from exc
    return config


def route_prefix(host_json: dict[str, Any]) -> str:
    """``extensions.http.routePrefix`` (default "api")."""
    return str(host_json.get("extensions", {}).get("http", {}).get("routePrefix", "api")).strip("/")


def function_timeout(host_json: dict[str, Any], default: float = 30.0) -> float:
    """``functionTimeout`` ("hh:mm:ss") in seconds; the default when absent or unbounded ("-1")."""
    text = str(host_json.get("functionTimeout", "")).strip()
    parts = text.split(":")
    if len(parts) != 3:
        return default
    try:
        seconds = int(parts[0]) * 3600 + int(parts[1]) * 60 + float(parts[2])
    except ValueError as exc:
        raise RouteConfigError(f"host.json functionTimeout {text!r} is not hh:mm:ss") from exc
    return seconds if seconds > 0 else default


def load_app(spec: str) -> tuple[Any, Path]:
    """Import ``module:attr`` and return the FunctionApp and the folder holding host.json."""
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    app = getattr(module, attr or "app")
    return app, Path(module.__file__ or ".").resolve().parent


def build_routes(app: Any, prefix: str, app_dir: Path) -> list[Route]:
    """Read every HTTP function of ``app`` (``get_functions()``, called once) into routes.

    Raises RouteConfigError for what the Functions host would refuse.
    """
    routes = []
    for fn in app.get_functions():
        trigger = fn.get_trigger()
        name = fn.get_function_name()
        if trigger is None or not hasattr(trigger, "route") or type(trigger).__name__ != "HttpTrigger":
            log.warning("function %s has a non-HTTP trigger; the dev host does not run it", name)
            continue
        route_text = trigger.route if trigger.route is not None else name
        check_reserved(name, route_text, prefix)
        template = compile_template(route_text, prefix)
        methods = (
            frozenset(str(getattr(m, "value", m)).upper() for m in trigger.methods)
            if trigger.methods
            else frozenset(ALL_METHODS)
        )
        auth = str(getattr(trigger.auth_level, "value", trigger.auth_level) or "function").lower()
        routes.append(Route(name, template, methods, auth, _make_target(fn, trigger, str(app_dir))))
    return routes


_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
_GIVEN_CORRELATION_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _correlation_id(headers: dict[str, str]) -> str:
    """For answers the host makes itself: the W3C traceparent's trace id, else the caller's
    x-correlation-id, else a new one (the same order the app uses, see issue 7)."""
    parent = _TRACEPARENT.fullmatch(headers.get("traceparent", "").strip().lower())
    if parent and parent.group(1) != "0" * 32:
        return parent.group(1)
    given = headers.get("x-correlation-id", "").strip()
    if _GIVEN_CORRELATION_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def problem(status: int, slug: str, title: str, detail: str, correlation_id: str) -> func.HttpResponse:
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "correlation_id": correlation_id,
    }
    return func.HttpResponse(
        json.dumps(body),
        status_code=status,
        mimetype="application/problem+json",
        headers={"x-correlation-id": correlation_id},
    )


class _ClientGone(Exception):
    pass


class FunctionsHost:
    """ASGI 3 app serving a Router of Functions HTTP triggers."""

    def __init__(self, router: Router, threads: int = 8, timeout: float = 30.0, access_log: bool = True,
                 app_logs_requests: bool = False) -> None:
        self.router = router
        # When the app logs its own line per request, the host logs only the answers it makes
        # itself (404, 405, 413, 504), so each request shows once.
        self.app_logs_requests = app_logs_requests
        self.timeout = timeout
        self.access_log = access_log
        self.threads = threads
        self.executor: DaemonThreadPool | None = None

    def _pool(self) -> DaemonThreadPool:
        if self.executor is None:
            self.executor = DaemonThreadPool(self.threads)
        return self.executor

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._pool()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.executor is not None:
                    self.executor.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = time.perf_counter()
        method: str = scope["method"]
        path: str = scope["path"]
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1")
            value = raw_value.decode("latin-1")
            if name in headers:
                headers[name] += ", " + value
            else:
                headers[name] = value

        route: Route | None = None
        try:
            route, route_params = self.router.match(method, path)
        except NotFound:
            response = problem(
                404,
                "not-found",
                "Not Found",
                "No function serves this path.",
                _correlation_id(headers),
            )
        except MethodNotAllowed as exc:
            response = problem(
                405,
                "method-not-allowed",
                "Method Not Allowed",
                f"Allowed: {exc.allow}.",
                _correlation_id(headers),
            )
            response.headers["Allow"] = exc.allow
        else:
            try:
                body = await self._read_body(receive, headers)
            except _ClientGone:
                return  # mid-body: the function never runs, nobody would read its answer
            if body is None:
                response = problem(
                    413,
                    "payload-too-large",
                    "Payload Too Large",
                    "The request body is too large.",
                    _correlation_id(headers),
                )
            else:
                response = await self._invoke(route, route_params, scope, headers, body)

        await self._send(send, response, method)
        if self.access_log and not (self.app_logs_requests and getattr(response, "answered_by_function", False)):
            self._log(
                method,
                route.template.path if route else path,
                route,
                response,
                started,
                headers,
            )

    async def _read_body(self, receive: Any, headers: dict[str, str]) -> bytes | None:
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > HOST_BODY_LIMIT:
            return None
        message = await receive()
        body: bytes = message.get("body", b"")
        if not message.get("more_body", False):
            return body if len(body) <= APP_BODY_CAP else body[:APP_BODY_CAP]
        chunks = [body]
        total = len(body)
        while message.get("more_body", False):
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone()
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > HOST_BODY_LIMIT:
                return None
            chunks.append(chunk)
        joined = b"".join(chunks)
        return joined if len(joined) <= APP_BODY_CAP else joined[:APP_BODY_CAP]

    async def _invoke(
        self,
        route: Route,
        route_params: dict[str, str],
        scope: dict[str, Any],
        headers: dict[str, str],
        body: bytes,
    ) -> func.HttpResponse:
        query = scope["query_string"]
        params: dict[str, str] = {}
        if query:
            for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                # The Functions host joins repeated query keys with commas.
                params[key] = params[key] + "," + value if key in params else value
        server = scope.get("server") or ("localhost", 80)
        host = headers.get("host") or f"{server[0]}:{server[1]}"
        url = f"{scope.get('scheme', 'http')}://{host}{scope.get('raw_path', b'').decode('latin-1') or scope['path']}"
        if query:
            url += "?" + query.decode("latin-1")
        request = func.HttpRequest(
            scope["method"],
            url,
            headers=headers,
            params=params,
            route_params=route_params,
            body=body,
        )
        target: Any = route.target
        try:
            async with asyncio.timeout(self.timeout):
                if target.is_async:
                    result = await target.call(request)
                else:
                    result = await self._pool().run(target.call, request)
        except TimeoutError:
            cid = _correlation_id(headers)
            log.error(
                "function %s did not answer within %.1f s (correlation id %s)%s",
                route.function_name,
                self.timeout,
                cid,
                "" if target.is_async else "; its thread runs on until the function returns",
            )
            return problem(
                504,
                "gateway-timeout",
                "Gateway Timeout",
                "The function did not answer in time.",
                cid,
            )
        except Exception:
            cid = _correlation_id(headers)
            log.exception("function %s raised (correlation id %s)", route.function_name, cid)
            return problem(
                500,
                "internal-error",
                "Internal Server Error",
                "An unexpected error occurred.",
                cid,
            )
        if isinstance(result, func.HttpResponse):
            result.answered_by_function = True  # type: ignore[attr-defined]
            return result
        if isinstance(result, (str, bytes)):
            return func.HttpResponse(result)
        cid = _correlation_id(headers)
        log.error(
            "function %s returned %s, not func.HttpResponse",
            route.function_name,
            type(result).__name__,
        )
        return problem(
            500,
            "internal-error",
            "Internal Server Error",
            "An unexpected error occurred.",
            cid,
        )

    @staticmethod
    async def _send(send: Any, response: func.HttpResponse, method: str) -> None:
        body = response.get_body()
        raw_headers: list[tuple[bytes, bytes]] = []
        has_type = False
        for name, value in response.headers.items():
            lower = name.lower()
            if lower in ("content-length", "transfer-encoding"):
                continue
            if lower == "content-type":
                has_type = True
            raw_headers.append((lower.encode("latin-1"), str(value).encode("latin-1")))
        if not has_type:
            # As the Python worker does: a charset only for text/* types.
            mimetype = response.mimetype
            content_type = f"{mimetype}; charset={response.charset}" if mimetype.startswith("text/") else mimetype
            raw_headers.append((b"content-type", content_type.encode("latin-1")))
        raw_headers.append((b"content-length", str(len(body)).encode("latin-1")))
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": raw_headers,
            }
        )
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})

    @staticmethod
    def _log(
        method: str,
        route_path: str,
        route: Route | None,
        response: func.HttpResponse,
        started: float,
        headers: dict[str, str],
    ) -> None:
        if not access_log.isEnabledFor(logging.INFO):
            return
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        status = response.status_code
        if len(route_path) > 200:
            route_path = route_path[:200] + "..."
        # makeRecord + handle rather than .info(): skips the caller lookup (a stack walk),
        # which cost as much as the rest of the host's work for a request.
        record = access_log.makeRecord(
            logs.ACCESS_LOGGER,
            logging.INFO,
            "devhost",
            0,
            "%s %s %s %.1f ms",
            (method, route_path, status, duration_ms),
            None,
            extra={
                "method": method,
                "route": route_path,
                "function": route.function_name if route else None,
                "status": status,
                "duration_ms": duration_ms,
                "correlation_id": response.headers.get("x-correlation-id") or headers.get("x-correlation-id"),
            },
        )
        access_log.handle(record)


def create_host(config: HostConfig) -> tuple[FunctionsHost, list[Route], str]:
    """Import the app, read its routes and host.json, and build the ASGI host.

    Raises RouteConfigError when the app declares something the Functions host refuses.
    """
    app, app_dir = load_app(config.app)
    host_json = read_host_json(app_dir)
    prefix = route_prefix(host_json)
    routes = build_routes(app, prefix, app_dir)
    timeout = config.timeout or function_timeout(host_json)
    host = FunctionsHost(Router(routes), threads=config.threads, timeout=timeout, access_log=config.access_log,
                         app_logs_requests=config.app_logs_requests)
    return host, routes, prefix


def create_app_from_env() -> FunctionsHost:
    """uvicorn factory for worker processes: config comes from the parent through the environment."""
    config = HostConfig.from_env()
    logs.configure(config.log_format)
    host, _, _ = create_host(config)
    return host
