"""The ASGI app that turns HTTP requests into ``func.HttpRequest`` calls of the registered functions,
and runs the timer-triggered ones on their schedule.

Hand-written (no framework) to keep per-request work small: one dict of headers, one
``func.HttpRequest``, one call, one list of response headers. Async functions are awaited on the
server's event loop, sync ones run in a small thread pool. Problem bodies, correlation ids and
log lines are the app's own (shared.problems, shared.observability).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib
import inspect
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import azure.functions as func
from azure.functions.timer import TimerRequest

from devhost import mail_sink, timers
from devhost.routing import (
    ALL_METHODS,
    AppConfigError,
    MethodNotAllowed,
    NotFound,
    Route,
    Router,
    check_reserved,
    compile_template,
)
from shared import errors, observability
from shared.problems import (
    INTERNAL_ERROR,
    METHOD_NOT_ALLOWED,
    PROBLEM_CONTENT_TYPE,
    ProblemKind,
    problem_body,
    problem_kind,
)

# Bodies up to this size reach the app whole, larger ones are cut to this size so the app
# still sees "more than 64 KiB" and answers 413 itself (one place decides, the app).
APP_BODY_CAP = 64 * 1024 + 1
# Beyond this the host answers 413 without reading further.
HOST_BODY_LIMIT = 1024 * 1024
CONFIG_ENV = "DEVHOST_CONFIG"
ACCESS_LOGGER = "devhost.access"

NOT_FOUND = problem_kind(errors.NotFound())
PAYLOAD_TOO_LARGE = problem_kind(errors.PayloadTooLarge())
# Answers only a host makes (the app never does): the call never started, or started and ran late.
NOT_STARTED = problem_kind(errors.ServiceUnavailable())
GATEWAY_TIMEOUT = ProblemKind(504, "gateway-timeout", "The function did not answer in time")

access_log = logging.getLogger(ACCESS_LOGGER)
timer_log = logging.getLogger("devhost.timer")
log = logging.getLogger("devhost")


@dataclass
class HostConfig:
    app: str = "function_app:app"
    threads: int = 8
    timeout: float | None = None  # None: host.json functionTimeout, else 30 s
    log_format: str = "text"
    access_log: bool = True
    app_logs_requests: bool = False
    timers: bool = True
    # With several workers: the file whose lock elects the one worker that runs the timers.
    timer_lock: str | None = None

    def to_env(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_env(cls) -> HostConfig:
        return cls(**json.loads(os.environ[CONFIG_ENV]))


def configure_logging(log_format: str) -> None:
    """Every record (ours, the app's) through the app's formatter on stderr; uvicorn and pgserver quiet."""
    observability.configure_logging(log_format)
    # uvicorn's access log would duplicate ours (and print query strings); its lifecycle chatter
    # repeats the start banner. Warnings and errors still come through.
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in ("uvicorn", "uvicorn.error", "pgserver", "azure", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class NotStarted(Exception):
    """No pool thread took a sync call within the timeout: it was withdrawn and will never run."""


class GaveUp(Exception):
    """The call started but did not finish within the timeout (an async one was cancelled)."""


_QUEUED, _RUNNING, _WITHDRAWN = range(3)


class _Job:
    __slots__ = ("arg", "fn", "future", "handle", "loop", "started_at", "state")

    def __init__(self, loop: asyncio.AbstractEventLoop, fn: Callable[[Any], Any], arg: Any) -> None:
        self.loop, self.fn, self.arg = loop, fn, arg
        self.future: asyncio.Future[Any] = loop.create_future()
        self.state = _QUEUED
        self.started_at = 0.0  # time.monotonic() when a thread took it
        self.handle: asyncio.TimerHandle | None = None


class ThreadPool:
    """Daemon threads that run the sync functions; a call is either started by a thread or withdrawn, never both.

    Daemon threads, unlike ThreadPoolExecutor's: a function stuck past its timeout does not keep
    the process alive at exit. The loop's future is settled straight from the thread, without
    run_in_executor's second future and the callbacks chaining the two.
    """

    def __init__(self, max_workers: int) -> None:
        self._work: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()  # guards every _Job.state change
        self._threads = [
            threading.Thread(target=self._run, name=f"devhost-worker-{i}", daemon=True) for i in range(max_workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[[Any], Any], arg: Any) -> _Job:
        job = _Job(asyncio.get_running_loop(), fn, arg)
        self._work.put(job)
        return job

    def withdraw(self, job: _Job) -> bool:
        """True when ``job`` had not started: it never will. False: a thread already runs it."""
        with self._lock:
            if job.state == _QUEUED:
                job.state = _WITHDRAWN
            return job.state == _WITHDRAWN

    def _run(self) -> None:
        while True:
            job = self._work.get()
            if job is None:
                return
            with self._lock:
                if job.state != _QUEUED:  # withdrawn: the host has answered for it already
                    continue
                job.state = _RUNNING
                job.started_at = time.monotonic()
            try:
                outcome, failed = job.fn(job.arg), False
            except BaseException as exc:
                outcome, failed = exc, True
            with contextlib.suppress(RuntimeError):  # the loop closed while the function ran
                job.loop.call_soon_threadsafe(_settle, job.future, outcome, failed)
            del job, outcome

    def shutdown(self) -> None:
        for _ in self._threads:
            self._work.put(None)


def _settle(future: asyncio.Future[Any], outcome: Any, failed: bool) -> None:
    if future.done():
        return
    if failed:
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


@dataclass
class Target:
    """What the host calls for one function: ``call(trigger_argument)``."""

    call: Callable[[Any], Any]  # sync: run in the pool; async: returns a coroutine
    is_async: bool


def _make_target(fn: Any, arg: str) -> Target:
    user_function = fn.get_user_function()
    parameters = list(inspect.signature(user_function).parameters.values())
    if [p.name for p in parameters] != [arg]:
        raise AppConfigError(
            f"function {fn.get_function_name()!r} takes ({', '.join(p.name for p in parameters)}): the dev host "
            f"passes its trigger argument {arg!r} only"
        )
    call = user_function
    if parameters[0].kind is inspect.Parameter.KEYWORD_ONLY:

        def call(value: Any) -> Any:
            return user_function(**{arg: value})

    return Target(call, inspect.iscoroutinefunction(user_function))


def read_host_json(app_dir: Path) -> dict[str, Any]:
    """host.json next to the app ({} when there is none)."""
    host_json = app_dir / "host.json"
    if not host_json.is_file():
        return {}
    try:
        config: dict[str, Any] = json.loads(host_json.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise AppConfigError(f"{host_json} is not valid JSON: {exc}") from exc
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
        raise AppConfigError(f"host.json functionTimeout {text!r} is not hh:mm:ss") from exc
    return seconds if seconds > 0 else default


def load_app(spec: str) -> tuple[Any, Path]:
    """Import ``module:attr`` and return the FunctionApp and the folder holding host.json."""
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    app = getattr(module, attr or "app")
    return app, Path(module.__file__ or ".").resolve().parent


def read_functions(app: Any, prefix: str) -> tuple[list[Route], list[timers.Timer]]:
    """Every HTTP and timer function of ``app`` (``get_functions()``, called once).

    Raises AppConfigError for what the Functions host would refuse.
    """
    routes, scheduled = [], []
    for fn in app.get_functions():
        trigger = fn.get_trigger()
        name = fn.get_function_name()
        kind = type(trigger).__name__
        if kind == "HttpTrigger":
            route_text = trigger.route if trigger.route is not None else name
            check_reserved(name, route_text, prefix)
            methods = (
                frozenset(str(getattr(m, "value", m)).upper() for m in trigger.methods)
                if trigger.methods
                else frozenset(ALL_METHODS)
            )
            auth = str(getattr(trigger.auth_level, "value", trigger.auth_level) or "function").lower()
            target = _make_target(fn, trigger.name or "req")
            routes.append(Route(name, compile_template(route_text, prefix), methods, auth, target))
        elif kind == "TimerTrigger":
            check_reserved(name, "", prefix)
            timers.check_schedule(name, trigger.schedule)
            target = _make_target(fn, trigger.name)
            scheduled.append(timers.Timer(name, trigger.schedule, bool(trigger.run_on_startup), target))
        else:
            log.warning("function %s has a %s; the dev host runs HTTP and timer triggers only", name, kind)
    return routes, scheduled


class _ClientGone(Exception):
    pass


def problem(kind: ProblemKind, detail: str, correlation_id: str) -> func.HttpResponse:
    return func.HttpResponse(
        problem_body(kind, detail, correlation_id),
        status_code=kind.status,
        mimetype=PROBLEM_CONTENT_TYPE,
        headers={"x-correlation-id": correlation_id, "cache-control": "no-store"},
    )


class FunctionsHost:
    """ASGI 3 app serving a Router of HTTP triggers, and the timers' schedule in its lifespan."""

    def __init__(
        self,
        router: Router,
        scheduled: list[timers.Timer] | None = None,
        threads: int = 8,
        timeout: float = 30.0,
        access_log: bool = True,
        app_logs_requests: bool = False,
        run_timers: bool = True,
        timer_lock: str | None = None,
    ) -> None:
        self.router = router
        self.timers = scheduled or []
        self.threads = threads
        self.timeout = timeout
        self.access_log = access_log
        # When the app logs its own line per request, the host logs only the answers it makes
        # itself (404, 405, 413, 500, 503, 504), so each request shows once.
        self.app_logs_requests = app_logs_requests
        self.run_timers = run_timers
        self.timer_lock = timer_lock
        self._pool: ThreadPool | None = None
        self._timer_tasks: list[asyncio.Task[None]] = []
        self._lock_file: Any = None

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

    # -- calling a function ------------------------------------------------------------------

    async def call(self, target: Target, argument: Any) -> Any:
        """``target(argument)`` within the timeout, counted from the moment the function starts.

        Raises GaveUp after the timeout (an async function is cancelled there; a sync one's
        thread cannot be stopped and runs on), NotStarted when a sync call waited the timeout for
        a thread and was withdrawn (it never runs), or whatever the function raised.
        """
        if target.is_async:
            deadline = asyncio.timeout(self.timeout)
            try:
                async with deadline:
                    return await target.call(argument)
            except TimeoutError:
                if deadline.expired():
                    raise GaveUp() from None
                raise
        if self._pool is None:
            self._pool = ThreadPool(self.threads)
        job = self._pool.submit(target.call, argument)
        # One timer handle, not asyncio.wait's waiter and callbacks (23k vs 16k trivial sync calls a second).
        job.handle = job.loop.call_later(self.timeout, self._check, job)
        try:
            return await job.future
        except asyncio.CancelledError:
            self._pool.withdraw(job)  # shutdown or a cancelled request: a queued call must not start later
            raise
        finally:
            job.handle.cancel()

    def _check(self, job: _Job) -> None:
        """The timeout of a sync call fired: withdraw it if no thread took it, else time it from its start."""
        assert self._pool is not None
        if job.future.done():
            return
        if self._pool.withdraw(job):
            job.future.set_exception(NotStarted())
            return
        remaining = self.timeout - (time.monotonic() - job.started_at)
        if remaining > 0:  # a thread took it during the wait: the function gets its full time from its start
            job.handle = job.loop.call_later(remaining, self._check, job)
        else:
            job.future.set_exception(GaveUp())

    # -- lifespan: timers ----------------------------------------------------------------------

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.run_timers and self.timers and self._elected():
                    self._timer_tasks = [asyncio.create_task(self._keep_schedule(t)) for t in self.timers]
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in self._timer_tasks:
                    task.cancel()
                for task in self._timer_tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                if self._pool is not None:
                    self._pool.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _elected(self) -> bool:
        """True in the one process that runs the timers: the only one, or the worker holding the lock.

        The lock is held until the process exits; a worker that dies releases it, and the one
        uvicorn starts in its place takes it.
        """
        if self.timer_lock is None:
            return True
        lock_file = open(self.timer_lock, "a")  # noqa: SIM115 (held open for the life of the process)
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            return False
        self._lock_file = lock_file
        timer_log.info("this worker (pid %d) runs the timer functions", os.getpid())
        return True

    async def _keep_schedule(self, timer: timers.Timer) -> None:
        if timer.run_on_startup:
            await self._fire(timer, timers.now(), past_due=False)
        scheduled, missed = timers.next_after(timer.schedule, timers.now()), False
        while True:
            while (delay := (scheduled - timers.now()).total_seconds()) > 0:
                await asyncio.sleep(delay)
            late = (timers.now() - scheduled).total_seconds()
            await self._fire(timer, scheduled, past_due=missed or late >= timers.PAST_DUE_SECONDS)
            scheduled, missed = timers.next_after(timer.schedule, scheduled), False
            current = timers.now()
            if scheduled < current:
                # The run overran later occurrences (the Functions host never overlaps two runs of
                # a timer): they collapse into one past-due run, now.
                scheduled, missed = timers.latest_before(timer.schedule, current), True

    async def _fire(self, timer: timers.Timer, scheduled: Any, past_due: bool) -> None:
        following = timers.next_after(timer.schedule, scheduled)
        request = TimerRequest(
            past_due=past_due,
            schedule_status={"Last": scheduled.isoformat(), "Next": following.isoformat(),
                             "LastUpdated": timers.now().isoformat()},
            schedule={"AdjustForDST": False},
        )
        started = time.perf_counter()
        outcome, exc_info = "ran", False
        try:
            await self.call(timer.target, request)
        except GaveUp:
            outcome = f"did not finish within {self.timeout:g} s"
        except NotStarted:
            outcome = f"found no free thread within {self.timeout:g} s and did not run"
        except Exception:
            outcome, exc_info = "raised", True
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        timer_log.log(
            logging.INFO if outcome == "ran" else logging.ERROR,
            "timer %s %s (%.1fms, scheduled %s%s)",
            timer.function_name,
            outcome,
            duration_ms,
            scheduled.strftime("%H:%M:%SZ"),
            ", past due" if past_due else "",
            exc_info=exc_info,
            extra={"function": timer.function_name, "duration_ms": duration_ms, "past_due": past_due,
                   "outcome": outcome},
        )

    # -- HTTP ----------------------------------------------------------------------------------

    async def _http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = time.perf_counter()
        method: str = scope["method"]
        raw_path = (scope.get("raw_path") or b"").decode("latin-1") or scope["path"]
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1")
            value = raw_value.decode("latin-1")
            if name in headers:
                headers[name] += ", " + value
            else:
                headers[name] = value
        # As Azure's front end does: the TCP peer is appended to whatever the client sent, so the
        # app's throttles (shared/client_address.py) read the same header shape locally.
        peer = scope.get("client")
        if peer:
            forwarded = headers.get("x-forwarded-for")
            headers["x-forwarded-for"] = f"{forwarded}, {peer[0]}" if forwarded else str(peer[0])

        route: Route | None = None
        by_function = False
        mail_dir = os.environ.get(mail_sink.MAIL_DIR_ENV)
        if mail_dir and method == "GET" and raw_path == mail_sink.PAGE:
            page = func.HttpResponse(mail_sink.page_body(mail_dir), mimetype="application/json",
                                     headers={"Cache-Control": "no-store"})
            await self._send(send, page, method)
            return
        try:
            route, route_params = self.router.match(method, raw_path)
        except NotFound:
            response = problem(NOT_FOUND, "No function serves this path.", observability.correlation_id(headers))
        except MethodNotAllowed as exc:
            response = problem(METHOD_NOT_ALLOWED, f"Allowed: {exc.allow}.", observability.correlation_id(headers))
            response.headers["Allow"] = exc.allow
        else:
            try:
                body = await self._read_body(receive, headers)
            except _ClientGone:
                return  # mid-body: the function never runs, nobody would read its answer
            if body is None:
                response = problem(PAYLOAD_TOO_LARGE, f"The body is over {HOST_BODY_LIMIT // 1024 // 1024} MiB.",
                                   observability.correlation_id(headers))
            else:
                response, by_function = await self._invoke(route, route_params, scope, raw_path, headers, body)

        await self._send(send, response, method)
        if self.access_log and not (self.app_logs_requests and by_function):
            # The route template, or for no route the path as sent (percent-encoded, cut short).
            shown = route.template.path if route else (raw_path if len(raw_path) <= 200 else raw_path[:200] + "...")
            correlation = response.headers.get("x-correlation-id") or (
                observability.correlation_id(headers) if "x-correlation-id" in headers or "traceparent" in headers
                else None)  # an id made up here would name nothing the client or the app knows
            observability.log_answer(access_log, method, shown, response.status_code, started, correlation, None,
                                     route.function_name if route else None)

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
        raw_path: str,
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[func.HttpResponse, bool]:
        """The function's response (and True), or the host's own answer for it (and False)."""
        query = scope["query_string"]
        params: dict[str, str] = {}
        if query:
            for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                # The Functions host joins repeated query keys with commas.
                params[key] = params[key] + "," + value if key in params else value
        server = scope.get("server") or ("localhost", 80)
        host = headers.get("host") or f"{server[0]}:{server[1]}"
        url = f"{scope.get('scheme', 'http')}://{host}{raw_path}"
        if query:
            url += "?" + query.decode("latin-1")
        request = func.HttpRequest(
            scope["method"], url, headers=headers, params=params, route_params=route_params, body=body
        )
        try:
            result = await self.call(route.target, request)
        except GaveUp:
            cid = observability.correlation_id(headers)
            log.error(
                "function %s did not answer within %g s%s",
                route.function_name,
                self.timeout,
                " and was cancelled" if route.target.is_async else "; its thread runs on until the function returns",
                extra={"correlation_id": cid, "function": route.function_name},
            )
            detail = f"The function did not answer within {self.timeout:g} s; it may still have taken effect."
            return problem(GATEWAY_TIMEOUT, detail, cid), False
        except NotStarted:
            cid = observability.correlation_id(headers)
            log.error("function %s found no free thread within %g s and did not run", route.function_name,
                      self.timeout, extra={"correlation_id": cid, "function": route.function_name})
            response = problem(NOT_STARTED, "The function did not start: the host is saturated. Retry shortly.", cid)
            response.headers["retry-after"] = "1"
            return response, False
        except Exception:
            cid = observability.correlation_id(headers)
            log.exception("function %s raised", route.function_name,
                          extra={"correlation_id": cid, "function": route.function_name})
            return problem(INTERNAL_ERROR, f"Unexpected error. Quote {cid} if you contact us.", cid), False
        if isinstance(result, func.HttpResponse):
            return result, True
        if isinstance(result, str | bytes):
            return func.HttpResponse(result), True
        cid = observability.correlation_id(headers)
        log.error("function %s returned %s, not func.HttpResponse", route.function_name, type(result).__name__,
                  extra={"correlation_id": cid, "function": route.function_name})
        return problem(INTERNAL_ERROR, f"Unexpected error. Quote {cid} if you contact us.", cid), False

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
        await send({"type": "http.response.start", "status": response.status_code, "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


def create_host(config: HostConfig) -> tuple[FunctionsHost, str]:
    """Import the app, read its functions and host.json, and build the ASGI host (and the route prefix).

    Raises AppConfigError when the app declares something the Functions host refuses.
    """
    app, app_dir = load_app(config.app)
    host_json = read_host_json(app_dir)
    prefix = route_prefix(host_json)
    routes, scheduled = read_functions(app, prefix)
    host = FunctionsHost(
        Router(routes),
        scheduled,
        threads=config.threads,
        timeout=config.timeout or function_timeout(host_json),
        access_log=config.access_log,
        app_logs_requests=config.app_logs_requests,
        run_timers=config.timers,
        timer_lock=config.timer_lock,
    )
    return host, prefix


def create_app_from_env() -> FunctionsHost:
    """uvicorn factory for worker processes: config comes from the parent through the environment."""
    config = HostConfig.from_env()
    configure_logging(config.log_format)
    host, _ = create_host(config)
    return host
