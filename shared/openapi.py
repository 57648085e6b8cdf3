"""The OpenAPI 3.1 document, built from the registered functions and their pydantic models.

Every HTTP function carries an `api_operation` (set by shared.endpoint.endpoint); its route and
methods come from the Functions trigger itself, so the document cannot drift from what is served.
"""

import re
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.endpoint import Operation
from shared.models import Problem
from shared.problems import INTERNAL_ERROR, METHOD_NOT_ALLOWED, PROBLEM_CONTENT_TYPE, PROBLEMS

ROUTE_PREFIX = "/api/"
_REASONS = {400: "Malformed JSON", 401: "Not signed in or token not valid", 403: "Not allowed",
            404: "Not found", 409: "Conflict with the current state", 413: "Body too large",
            415: "Body is not JSON", 422: "Validation failed", 428: "Idempotency-Key missing",
            429: "Too many attempts",
            503: "Temporarily unavailable; retry after Retry-After seconds"}


def _path(route: str) -> str:
    # Functions templates allow constraints ({id:int}) that OpenAPI paths do not.
    return ROUTE_PREFIX + re.sub(r"\{([^}:?]+)[^}]*\}", r"{\1}", route.strip("/"))


def registered_functions(app: Any) -> list[Any]:
    """app.get_functions(), callable more than once.

    azure-functions remembers the names it has seen in `functions_bindings` and raises "does not
    have a unique function name" on a second call; the worker calls it once, the docs route and
    tests call it again.
    """
    app.functions_bindings = {}
    return list(app.get_functions())


def _operations(functions: Iterable[Any]) -> list[tuple[str, str, str, Operation]]:
    found = []
    for function in functions:
        operation = getattr(function.get_user_function(), "api_operation", None)
        trigger = function.get_trigger()
        if operation is None or trigger is None or getattr(trigger, "route", None) is None:
            continue
        for method in trigger.methods or ():
            found.append((_path(trigger.route), str(getattr(method, "value", method)).lower(),
                          function.get_function_name(), operation))
    return found


def build_document(functions: Iterable[Any]) -> dict[str, Any]:
    operations = _operations(functions)
    models: set[type[BaseModel]] = {Problem}
    for _, _, _, op in operations:
        models.update(cls for cls in (op.body, op.response) if cls is not None)
        models.update(op.other_responses.values())
    keyed: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (cls, "validation" if _is_request(cls, operations) else "serialization")
        for cls in sorted(models, key=lambda m: m.__name__)]
    refs, definitions = models_json_schema(keyed, ref_template="#/components/schemas/{model}")

    def ref(cls: type[BaseModel], mode: str) -> dict[str, Any]:
        return refs[(cls, mode)]  # type: ignore[index]

    paths: dict[str, dict[str, Any]] = {}
    for path, method, name, op in operations:
        item: dict[str, Any] = {"operationId": name, "summary": op.summary, "responses": {}}
        if op.access != "public":
            item["security"] = [{"bearerAuth": []}]
            item["tags"] = ["back office"] if op.access == "admin" else ["customer"]
        else:
            item["tags"] = ["public"]
        parameters = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                      for p in re.findall(r"\{([^}]+)\}", path)]
        if op.query is not None:
            schema = op.query.model_json_schema()
            for field_name, prop in schema.get("properties", {}).items():
                parameters.append({"name": field_name, "in": "query",
                                   "required": field_name in schema.get("required", []), "schema": prop})
        if op.idempotency_key:
            parameters.append({"name": "Idempotency-Key", "in": "header", "required": True,
                               "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                               "description": "Required (428 without it). Retries with the same key and "
                                              "body return the first result and move no money."})
        if parameters:
            item["parameters"] = parameters
        if op.body is not None:
            item["requestBody"] = {"required": True,
                                   "content": {"application/json": {"schema": ref(op.body, "validation")}}}
        success: dict[str, Any] = {"description": "Success"}
        if op.response is not None:
            success["content"] = {"application/json": {"schema": ref(op.response, "serialization")}}
        if op.files:
            success["content"] = {media: {"schema": {"type": "string", "format": "binary"}} for media in op.files}
            success["headers"] = {"Content-Disposition": {
                "description": "attachment, with the file's name", "schema": {"type": "string"}}}
        item["responses"][str(op.status)] = success
        for status, model in op.other_responses.items():
            item["responses"][str(status)] = {"description": "Success",
                                              "content": {"application/json": {"schema": ref(model, "serialization")}}}
        statuses = set(op.errors) | {500}
        if op.access != "public":
            statuses |= {401, 503}
        if op.access == "admin" or (op.access != "public" and not op.during_enrolment):
            statuses.add(403)  # not staff; or a second factor to set up first (factor-enrolment-required)
        if op.body is not None or op.query is not None:
            statuses.add(422)
        if op.body is not None:
            statuses |= {400, 413, 415}
        if op.idempotency_key:
            statuses |= {409, 428}
        for status in sorted(statuses - {op.status, *op.other_responses}):
            item["responses"][str(status)] = {
                "description": _REASONS.get(status, "Unexpected error"),
                "content": {PROBLEM_CONTENT_TYPE: {"schema": ref(Problem, "serialization")}},
            }
        paths.setdefault(path, {})[method] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "IE Bank API", "version": "1.0.0",
                 "description": "Retail banking API: customers, accounts, transfers, history, back office."},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {**definitions.get("$defs", {}), "ProblemType": _problem_types()},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _problem_types() -> dict[str, Any]:
    """Every problem slug the API can answer (the last segment of a problem's `type`): the SPA's
    generated types name them, so a slug renamed here breaks its build, not its users."""
    slugs = {kind.slug for kind in (*PROBLEMS.values(), INTERNAL_ERROR, METHOD_NOT_ALLOWED)}
    return {"type": "string", "enum": sorted(slugs),
            "description": "The last path segment of a problem's type URI."}


def _is_request(cls: type[BaseModel], operations: list[tuple[str, str, str, Operation]]) -> bool:
    return any(op.body is cls for _, _, _, op in operations)
