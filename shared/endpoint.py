"""The edge of every HTTP function: parse, validate, authenticate, call, answer.

A trigger in functions/ is a small async handler decorated with `@endpoint(...)`, under the
Functions `route` decorator; the Python worker runs it on its event loop. The decorator does what
all of them share: body size, content type and JSON checks, pydantic validation (unknown fields
refused) against the models the handler's annotation names (`Call[Body, Query]`), the bearer
token and the caller's current state, the correlation id, problem+json for every failure, and one
log line per request. The handler parses path parameters (`call.account_number`, `call.user_id`),
calls one use case and maps its result to a response model (shared/responses.py), or a `Reply`
for another status, or a `FileReply` for a download.

Cold start is import time, so this module and the function modules import nothing heavy: the
annotations are strings (resolved against shared.models on first use), handlers import their use
case module when first called, and the database driver, JWT and settings libraries load with
shared.runtime on the first request.
"""

import json
import logging
import time
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar
from uuid import UUID

import azure.functions as func

from shared import observability
from shared.auth import Credentials, Principal
from shared.errors import (
    BankError,
    ConfigurationError,
    Conflict,
    IdempotencyKeyRequired,
    MalformedJson,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    UserNotFound,
    ValidationFailed,
)
from shared.problems import INTERNAL_ERROR, PROBLEM_CONTENT_TYPE, problem_body, problem_kind, retry_after

if TYPE_CHECKING:
    from pydantic import BaseModel

    from shared.auth import Credentials
    from shared.domain import Session
    from shared.runtime import Runtime

MAX_BODY_BYTES = 64 * 1024
Access = Literal["public", "user", "admin"]
BodyT = TypeVar("BodyT")
QueryT = TypeVar("QueryT")
ResponseT = TypeVar("ResponseT")

log = logging.getLogger("iebank.request")


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says about a handler. The body, query and response models are
    the handler's annotations (`Call[Body, Query]` and its return type), read on first use."""

    summary: str
    access: Access
    status: int
    errors: tuple[int, ...]
    idempotency_key: bool
    # The handler's own statement refuses a caller who is no longer active (post_transfer does),
    # so the edge skips its read of the user: one round trip less on the busiest route.
    caller_checked_by_handler: bool
    # Answers a session signed in with a temporary password (everything else says 403 until the
    # password is changed): the password change itself, the session's own state, sign-out.
    during_password_change: bool
    handler: Callable[..., Any] = field(repr=False, compare=False)
    # Other success answers the handler sends as a Reply: (status, name of its model in shared.models),
    # e.g. a deposit above the approval threshold answers 202 with the pending approval.
    other_success: tuple[tuple[int, str], ...] = ()
    # The content types of a handler answering a FileReply (a download), for the OpenAPI document.
    files: tuple[str, ...] = ()
    # Answers a user who must set up a second factor and has not yet (shared/strong_auth.py): the
    # enrolment routes themselves, the session's own state, the password change, sign-out.
    during_enrolment: bool = False

    @property
    def other_responses(self) -> "dict[int, type[BaseModel]]":
        from shared import models

        return {status: getattr(models, name) for status, name in self.other_success}

    @cached_property
    def _models(self) -> "tuple[type[BaseModel] | None, type[BaseModel] | None, type[BaseModel] | None]":
        from shared import models

        hints = typing.get_type_hints(self.handler, localns={**vars(models), "Call": Call, "Reply": Reply,
                                                            "FileReply": FileReply})
        call_type, returned = next(iter(hints.values())), hints.get("return")
        body, query = (None if arg is type(None) else arg for arg in typing.get_args(call_type))
        if typing.get_origin(returned) is Reply:
            returned = typing.get_args(returned)[0]
        elif typing.get_args(returned) and typing.get_origin(returned) is not None:
            # `Model | Reply[Other]`: Model is the default status's body; Other is in other_success.
            returned = next(arg for arg in typing.get_args(returned) if typing.get_origin(arg) is not Reply)
        return body, query, None if returned in (type(None), FileReply) else returned

    @property
    def body(self) -> "type[BaseModel] | None":
        return self._models[0]

    @property
    def query(self) -> "type[BaseModel] | None":
        return self._models[1]

    @property
    def response(self) -> "type[BaseModel] | None":
        return self._models[2]


@dataclass
class Reply(Generic[ResponseT]):
    """A response with a status other than the operation's default (or no body at all)."""

    status: int
    body: ResponseT | None = None
    headers: dict[str, str] = field(default_factory=dict)  # e.g. Set-Cookie


@dataclass
class FileReply:
    """A file to download instead of a JSON body: its bytes, content type and a file name. The
    edge sends it as an attachment (Content-Disposition with a name of safe characters only),
    never cached. The operation lists its content types in `endpoint(files=...)`."""

    content: bytes
    media_type: str
    filename: str


def _safe_filename(name: str) -> str:
    kept = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name)
    return kept.lstrip(".")[:120] or "download"


@dataclass
class Call(Generic[BodyT, QueryT]):
    request: func.HttpRequest
    body: BodyT
    query: QueryT
    principal: Principal
    correlation_id: str
    runtime: "Runtime" = field(repr=False)
    # Set (and required, else 428) on operations declared with idempotency_key=True.
    idempotency_key: str = ""
    # What the request proved (cookie or token), and the live session the database found for it
    # (None on public routes, and where the handler's own statement checks the caller).
    credentials: Credentials | None = None
    session: "Session | None" = None

    @property
    def client_address(self) -> str:
        """The address throttles count this request under (shared/client_address.py)."""
        from shared.client_address import from_headers

        return from_headers(self.request.headers)

    def account_number(self, name: str) -> str:
        """An account number from the path; 404 when it cannot be one."""
        from shared.accounts import parse_account_number

        return parse_account_number(str(self.request.route_params.get(name, "")))

    def session_id(self, name: str) -> UUID:
        """A session id from the path; 404 when it cannot be one."""
        from shared.errors import NotFound

        try:
            return UUID(str(self.request.route_params.get(name, "")))
        except ValueError:
            raise NotFound("You have no live session with that id.") from None

    def payee_id(self, name: str) -> UUID:
        """A payee id from the path; 404 when it cannot be one."""
        from shared.errors import PayeeNotFound

        try:
            return UUID(str(self.request.route_params.get(name, "")))
        except ValueError:
            raise PayeeNotFound("You have no payee with that id.") from None

    def user_id(self, name: str) -> UUID:
        """A user id from the path; 404 when it cannot be one."""
        try:
            return UUID(str(self.request.route_params.get(name, "")))
        except ValueError:
            raise UserNotFound("No such user.") from None


def _idempotency_key(req: func.HttpRequest) -> str:
    """The request's Idempotency-Key. Required where money moves: without one a client that
    lost the answer (a timeout, a dropped connection) cannot retry without paying twice."""
    header: str | None = req.headers.get("idempotency-key")
    if header is None:
        raise IdempotencyKeyRequired("Send an Idempotency-Key header (a new random value per payment, "
                                     "the same one when you retry it).")
    key = header.strip().strip('"')
    if not 1 <= len(key) <= 255 or not key.isascii() or not key.isprintable():
        raise ValidationFailed([("Idempotency-Key", "must be 1 to 255 printable ASCII characters")])
    return key


_ANONYMOUS = Principal(id=None, username="", role="anonymous")  # type: ignore[arg-type]


def endpoint(*, summary: str, access: Access, status: int = 200, errors: tuple[int, ...] = (),
             idempotency_key: bool = False, caller_checked_by_handler: bool = False,
             during_password_change: bool = False, other_success: tuple[tuple[int, str], ...] = (),
             files: tuple[str, ...] = (), during_enrolment: bool = False,
             ) -> Callable[[Callable[..., Awaitable[Any]]], Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]]:
    if caller_checked_by_handler and access != "user":
        raise ValueError("only a customer route may leave the caller check to its handler: staff routes need the role")

    def decorate(handler: Callable[..., Awaitable[Any]]
                 ) -> Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]:
        operation = Operation(summary, access, status, errors, idempotency_key, caller_checked_by_handler,
                              during_password_change, handler, other_success, files,
                              during_enrolment or during_password_change)

        # The Functions worker binds the trigger by parameter name, so the signature must be
        # exactly (req): no functools.wraps, whose __wrapped__ would show the handler's (call).
        async def trigger(req: func.HttpRequest) -> func.HttpResponse:
            return await _serve(operation, handler, req)

        trigger.__name__ = handler.__name__
        trigger.__qualname__ = handler.__qualname__
        trigger.__doc__ = handler.__doc__
        trigger.__module__ = handler.__module__
        trigger.api_operation = operation  # type: ignore[attr-defined]
        return trigger

    return decorate


async def _serve(operation: Operation, handler: Callable[..., Awaitable[Any]],
                 req: func.HttpRequest) -> func.HttpResponse:
    started = time.perf_counter()
    correlation_id = observability.correlation_id(req.headers)
    user_id: str | None = None
    try:
        from shared.runtime import get_runtime

        # A caller without a valid token or cookie learns nothing more than 401, not even how a
        # body should look: the token's signature (or the cookie's shape and CSRF header) is
        # checked before the body, the session (a database read) after it, here or in the
        # handler's own statement.
        creds = None
        if operation.access != "public":
            from shared.auth import credentials

            creds = credentials(req.headers, get_runtime().tokens)
        parsed_body = _parse_body(req, operation.body) if operation.body else None
        parsed_query = _validate(operation.query, dict(req.params), "query") if operation.query else None
        key = _idempotency_key(req) if operation.idempotency_key else ""
        runtime = get_runtime()
        principal, session = _ANONYMOUS, None
        if creds is not None and (not operation.caller_checked_by_handler or _may_need_enrolment(runtime, creds)):
            from shared.auth import EnrolmentGate, authenticate

            settings = runtime.settings
            gate = None if operation.during_enrolment else EnrolmentGate(settings.sca_enforced,
                                                                         settings.sca_required_for_customers)
            principal, session = await authenticate(runtime.db, creds, operation.access == "admin",
                                                    operation.during_password_change, gate)
        elif creds is not None and creds.user_id is not None:
            principal = Principal(creds.user_id, "", creds.role, creds.session_id)
        if creds is not None:
            user_id = str(principal.id) if principal.id else None
        result = await handler(Call(req, parsed_body, parsed_query, principal, correlation_id, runtime, key,
                                    creds, session))
        response = _success(operation, result, correlation_id)
    except BankError as error:
        response = _problem(error, correlation_id)
    except ConfigurationError as error:
        # A bad or missing setting on Azure: every route (health included) says so, naming the
        # variable (the message never holds a value), instead of an anonymous 500.
        observability.log_exception(log, correlation_id)
        response = _problem(ServiceUnavailable(f"The service is misconfigured: {error}. Operators: see the logs.",
                                               retry_after_seconds=30), correlation_id)
    except Exception:
        observability.log_exception(log, correlation_id)
        response = _internal_error(correlation_id)
    observability.log_request(log, req, response.status_code, started, correlation_id, user_id,
                              function=handler.__name__)
    return response


def _may_need_enrolment(runtime: "Runtime", creds: "Credentials") -> bool:
    """Whether a route that checks its caller in its own statement (a transfer) must still read the
    session at the edge: only when this caller may be one the enrolment gate stops. With customers
    not required to enrol, a customer's transfer keeps its single round trip."""
    settings = runtime.settings
    return bool(settings.sca_enforced and (settings.sca_required_for_customers or creds.role == "admin"))


def _parse_body(req: func.HttpRequest, model: "type[BaseModel]") -> "BaseModel":
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body must be at most {MAX_BODY_BYTES // 1024} KB.")
    content_type = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json" and not (content_type.startswith("application/")
                                                   and content_type.endswith("+json")):
        raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
    try:
        data = json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise MalformedJson("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ValidationFailed([("body", "must be a JSON object")])
    return _validate(model, data, "body")


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _validate(model: "type[BaseModel]", data: dict[str, Any], where: str) -> "BaseModel":
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed([(_field_name(err["loc"], where), _message(err)) for err in exc.errors()]) from None


def _field_name(loc: tuple[Any, ...], where: str) -> str:
    parts = [str(part) for part in loc if not str(part).startswith(("function-", "union["))]
    return ".".join(parts) if parts else where


def _message(err: Any) -> str:
    if err.get("type") == "string_pattern_mismatch" and err.get("loc"):
        from shared.models import FIELD_SHAPES

        shape = FIELD_SHAPES.get(str(err["loc"][-1]))
        if shape:
            return shape
    message = str(err.get("msg", "is not valid"))
    # pydantic prefixes messages raised by our own validators; the client needs only the reason.
    return message.removeprefix("Value error, ")


def _success(operation: Operation, result: Any, correlation_id: str) -> func.HttpResponse:
    status = operation.status
    headers = {"x-correlation-id": correlation_id, "cache-control": "no-store"}
    if isinstance(result, FileReply):
        headers["content-disposition"] = f'attachment; filename="{_safe_filename(result.filename)}"'
        headers["x-content-type-options"] = "nosniff"
        return func.HttpResponse(result.content, status_code=status, headers=headers, mimetype=result.media_type)
    if isinstance(result, Reply):
        status, headers, result = result.status, {**headers, **result.headers}, result.body
    if result is None:
        return func.HttpResponse(status_code=status, headers=headers)
    return func.HttpResponse(result.model_dump_json(), status_code=status, headers=headers,
                             mimetype="application/json", charset="utf-8")


def _problem(error: BankError, correlation_id: str) -> func.HttpResponse:
    kind = problem_kind(error)
    headers = {"x-correlation-id": correlation_id, "cache-control": "no-store"}
    seconds = retry_after(error)
    if seconds is not None:
        headers["retry-after"] = str(seconds)
    field_errors = error.errors if isinstance(error, ValidationFailed | Conflict) else None
    return func.HttpResponse(problem_body(kind, error.detail, correlation_id, field_errors),
                             status_code=kind.status, headers=headers, mimetype=PROBLEM_CONTENT_TYPE)


def _internal_error(correlation_id: str) -> func.HttpResponse:
    body = problem_body(INTERNAL_ERROR, f"Unexpected error. Quote {correlation_id} if you contact us.",
                        correlation_id)
    return func.HttpResponse(body, status_code=500, mimetype=PROBLEM_CONTENT_TYPE,
                             headers={"x-correlation-id": correlation_id, "cache-control": "no-store"})
