"""``python -m devhost``: serve the function app's HTTP functions and run its timers locally (see devhost/README.md)."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import signal
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devhost.asgi import CONFIG_ENV, FunctionsHost, HostConfig, configure_logging, create_host
from devhost.routing import ALL_METHODS, AppConfigError
from devhost.timers import next_after, now

log = logging.getLogger("devhost")


def _default_threads() -> int:
    value = os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT", "")
    return int(value) if value.isdigit() and int(value) > 0 else 8


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devhost",
        description="Local Azure Functions host for the IE Bank function app (development only).",
    )
    parser.add_argument(
        "--app",
        default="function_app:app",
        help="module:attribute of the FunctionApp (default %(default)s)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or 7071),
        help="port; 0 picks a free one (default $PORT or 7071)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes, like scale-out (default 1)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=_default_threads(),
        help="threads per worker for sync functions (default $PYTHON_THREADPOOL_THREAD_COUNT or 8)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds a function may run before the host answers 504 (default: host.json functionTimeout, else 30)",
    )
    parser.add_argument(
        "--no-access-log",
        action="store_true",
        help="no request lines from the host (the app's own log records still print)",
    )
    parser.add_argument(
        "--app-logs-requests",
        action="store_true",
        help="the app logs one line per request itself: the host logs only the answers it makes (404, 405, 413, 5xx)",
    )
    parser.add_argument(
        "--no-timers",
        action="store_true",
        help="do not run the timer-triggered functions",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=os.environ.get("LOG_FORMAT") or ("text" if sys.stderr.isatty() else "json"),
        help="request and app log lines (default $LOG_FORMAT, else text on a terminal, json otherwise)",
    )
    parser.add_argument(
        "--no-embedded",
        action="store_true",
        help="never start the embedded PostgreSQL, even without DATABASE_URL",
    )
    parser.add_argument(
        "--migrate",
        action="store_true",
        help="with DATABASE_URL set: apply migrations and ensure the admin before serving",
    )
    args = parser.parse_args(argv)
    if args.workers < 1 or args.threads < 1 or (args.timeout is not None and args.timeout <= 0):
        parser.error("--workers and --threads must be at least 1, --timeout above 0")
    return args


def _app_dir(spec: str) -> Path:
    """The folder of the app module, found without importing it (the database comes first)."""
    found = importlib.util.find_spec(spec.partition(":")[0])
    if found is None or found.origin is None:
        raise SystemExit(
            f"devhost: cannot find the app module {spec.partition(':')[0]!r} (run from the project root or pass --app)"
        )
    return Path(found.origin).resolve().parent


def _print_banner(
    url: str,
    host: FunctionsHost,
    prefix: str,
    config: HostConfig,
    workers: int,
    database: str,
    credentials: list[dict[str, Any]],
    embedded: bool,
    mail_port: int | None = None,
) -> None:
    routes = host.router.routes
    lines = [
        "",
        f"IE Bank dev host: {len(routes)} HTTP functions loaded from {config.app} (routePrefix {prefix!r})",
        f"  listening on {url}  (workers {workers}, threads {config.threads}, timeout {host.timeout:g} s)",
        f"  database: {database}",
        "  routes:",
    ]
    for route in sorted(routes, key=lambda r: (r.template.path, sorted(r.methods))):
        methods = ",".join(m for m in ALL_METHODS if m in route.methods)
        lines.append(f"    {methods:<12} {url}{route.template.path}  [{route.function_name}]")
    if host.timers:
        where = "off (--no-timers)" if not config.timers else ("in one worker" if workers > 1 else "on")
        lines.append(f"  timers (NCRONTAB, UTC), {where}:")
        for timer in host.timers:
            upcoming = "at start, then " if timer.run_on_startup else ""
            upcoming += next_after(timer.schedule, now()).strftime("next %Y-%m-%d %H:%M:%SZ")
            lines.append(f"    {timer.schedule:<20} [{timer.function_name}]  {upcoming}")
    if mail_port is not None:
        lines.append(f"  mail sink: smtp://127.0.0.1:{mail_port}, what the app sends is at {url}/_dev/mail")
    if credentials:
        lines.append("  demo users (local data only):")
        rows = [("username", "password", "role")]
        rows += [(str(c.get("username", "")), str(c.get("password", "")), str(c.get("role", ""))) for c in credentials]
        user_width = max(len(r[0]) for r in rows)
        password_width = max(len(r[1]) for r in rows)
        lines += [f"    {u:<{user_width}}  {p:<{password_width}}  {role}" for u, p, role in rows]
    lines.append("  Ctrl+C stops the host" + (" and the embedded PostgreSQL." if embedded else "."))
    print("\n".join(lines), flush=True)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(args.log_format)
    config = HostConfig(
        app=args.app,
        threads=args.threads,
        timeout=args.timeout,
        log_format=args.log_format,
        access_log=not args.no_access_log,
        app_logs_requests=args.app_logs_requests,
        timers=not args.no_timers,
    )
    # uvicorn hands SIGTERM back to the default action once it has drained requests, which
    # would end the process before the finally below stops the embedded PostgreSQL.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())

    embedded = None
    sink = None
    credentials: list[dict[str, Any]] = []
    try:
        from devhost import database, mail_sink

        if mail_sink.wanted():
            sink = mail_sink.MailSink(int(os.environ.get("SMTP_PORT") or 1025))
            if not sink.start():
                sink = None

        url = os.environ.get("DATABASE_URL")
        if url:
            where = database.describe_url(url)
            if args.migrate:
                database.prepare(url, seed=False)
        elif args.no_embedded:
            where = "none (DATABASE_URL not set, --no-embedded)"
        else:
            pgdata = Path(os.environ.get("IEBANK_PGDATA") or _app_dir(args.app) / ".data" / "pg")
            embedded = database.EmbeddedPostgres(pgdata)
            url = embedded.start()
            os.environ["DATABASE_URL"] = url
            where = f"embedded PostgreSQL, data in {pgdata}"
            credentials = database.prepare(url, seed=True)

        try:
            host, prefix = create_host(config)
            _check_app_settings()
        except AppConfigError as exc:
            print(f"devhost: refusing to start: {exc}", file=sys.stderr, flush=True)
            return 3
        if not host.router.routes:
            log.warning("the app registers no HTTP functions")
        return _serve(args, config, host, prefix, where, credentials, embedded is not None,
                      sink.port if sink else None)
    finally:
        if sink is not None:
            sink.stop()
        if embedded is not None:
            embedded.stop()


def _check_app_settings() -> None:
    """A bad or missing setting stops the host here, naming the variable, not at the first
    request: when the app can check its settings (shared.runtime.check_settings), it does."""
    try:
        from shared.runtime import check_settings
    except ImportError:
        return
    try:
        check_settings()
    except RuntimeError as exc:  # the app's ConfigurationError
        raise AppConfigError(str(exc)) from None


def _listen(host: str, port: int) -> socket.socket:
    """Bind and listen before the banner, so the URL it prints (port 0 resolved) accepts.

    Not uvicorn's bind_socket: it creates the socket with proto 0, and asyncio sets
    TCP_NODELAY only on accepted sockets whose proto is IPPROTO_TCP. Without it a
    response written as headers then body waits for a delayed ACK: ~40 ms a request.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"devhost: cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    sock.set_inheritable(True)  # worker processes receive it
    return sock


def _serve(
    args: argparse.Namespace,
    config: HostConfig,
    host: FunctionsHost,
    prefix: str,
    where: str,
    credentials: list[dict[str, Any]],
    embedded: bool,
    mail_port: int | None,
) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    multi = args.workers > 1
    lock_dir = None
    if multi:
        if config.timers and host.timers:
            # The worker that locks this file first runs the timers; the others never do.
            lock_dir = tempfile.TemporaryDirectory(prefix="devhost-")
            config.timer_lock = str(Path(lock_dir.name) / "timers.lock")
        # Workers are spawned processes: each imports the app again through this factory,
        # reading the settings from the environment (DATABASE_URL is already set there).
        os.environ[CONFIG_ENV] = config.to_env()
    uv_config = uvicorn.Config(
        "devhost.asgi:create_app_from_env" if multi else host,
        factory=multi,
        host=args.host,
        port=args.port,
        workers=args.workers,
        http="httptools",
        loop="auto",  # uvloop where installed (requirements-dev.txt), else asyncio
        interface="asgi3",
        lifespan="on",
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
        backlog=2048,
    )
    sock = _listen(args.host, args.port)
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    _print_banner(
        f"http://{shown_host}:{sock.getsockname()[1]}",
        host,
        prefix,
        config,
        args.workers,
        where,
        credentials,
        embedded,
        mail_port,
    )
    server = uvicorn.Server(uv_config)
    try:
        if multi:
            Multiprocess(uv_config, sockets=[sock]).run()
        else:
            server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        if lock_dir is not None:
            lock_dir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
