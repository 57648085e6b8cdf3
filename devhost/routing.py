"""Route templates and the route table: the part of the Functions host's routing our app uses.

Pure code (no I/O, no azure.functions import) so it can be unit-tested on its own. A template
is a list of segments, each a literal (matched case-insensitively) or a whole-segment
parameter ``{name}``; a trailing slash is ignored and a literal segment wins over a parameter
at the same place, as in ASP.NET Core routing, which the Functions host uses. The rest of that
grammar (``{id:int}``, ``{name?}``, ``{*rest}``, defaults) is refused at start: no function of
ours uses it, and a template the dev host cannot read must not be served differently from Azure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

# Why: the Functions host serves its own management API under /admin; a function whose
# route or name starts with "admin" is refused (or silently unreachable) in Azure.
RESERVED_PREFIX = "admin"

_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class AppConfigError(ValueError):
    """The function app declares something the Functions host would refuse (or the dev host cannot serve)."""


@dataclass(frozen=True)
class Template:
    path: str  # what logs and the start banner show: "/api/accounts/{number}"
    segments: tuple[str | None, ...]  # lower-cased literal, or None for a parameter
    names: tuple[str, ...]  # parameter names, in order

    @property
    def is_literal(self) -> bool:
        return not self.names

    @property
    def precedence(self) -> tuple[int, ...]:
        """Sorts literal segments before parameters, place by place."""
        return tuple(0 if segment is not None else 1 for segment in self.segments)

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """Route params when the (decoded) path segments fit this template, else None."""
        if len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        names = iter(self.names)
        for expected, given in zip(self.segments, segments, strict=True):
            if expected is None:
                if not given:
                    return None
                params[next(names)] = given
            elif given.lower() != expected:
                return None
        return params


def compile_template(template: str, prefix: str) -> Template:
    """The template ``prefix/template`` (both without outer slashes). Raises AppConfigError."""
    full = "/".join(part for part in (prefix.strip("/"), template.strip().strip("/")) if part)
    segments: list[str | None] = []
    names: list[str] = []
    for segment in full.split("/") if full else []:
        parameter = _PARAMETER.fullmatch(segment)
        if parameter:
            name = parameter.group(1)
            if name.lower() in (n.lower() for n in names):
                raise AppConfigError(f"route parameter {name!r} appears twice in {template!r}")
            names.append(name)
            segments.append(None)
        elif not segment or "{" in segment or "}" in segment:
            raise AppConfigError(
                f"route template {template!r}: the dev host serves literal segments and whole-segment "
                "{name} parameters only (no empty segments, constraints, optional, default or catch-all parameters)"
            )
        else:
            segments.append(segment.lower())
    return Template("/" + full, tuple(segments), tuple(names))


@dataclass
class Route:
    function_name: str
    template: Template
    methods: frozenset[str]
    auth_level: str
    target: Any = field(default=None, repr=False)  # whatever the host calls (opaque here)


class NotFound(Exception):
    pass


class MethodNotAllowed(Exception):
    def __init__(self, allowed: Iterable[str]) -> None:
        super().__init__()
        self.allow = ", ".join(m for m in ALL_METHODS if m in set(allowed))


def check_reserved(function_name: str, route: str, prefix: str) -> None:
    """Refuse names and routes the Functions host reserves for itself."""
    if function_name.lower().startswith(RESERVED_PREFIX):
        raise AppConfigError(
            f"function {function_name!r}: function names starting with 'admin' are reserved by the "
            "Azure Functions host; rename it (back-office routes live under /api/manage/)"
        )
    if route.strip().lstrip("/").lower().startswith(RESERVED_PREFIX):
        raise AppConfigError(
            f"function {function_name!r}: route {route!r} starts with 'admin', which the Azure Functions "
            f"host reserves (it would be /{prefix.strip('/')}/{route.strip('/')}); use /api/manage/..."
        )
    if prefix.strip("/").lower().startswith(RESERVED_PREFIX):
        raise AppConfigError(f"routePrefix {prefix!r} starts with 'admin', which the Functions host reserves")


class Router:
    """Route table: literal routes by dictionary, then parameterised ones of the same length by precedence."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._literal: dict[tuple[str | None, ...], list[Route]] = {}
        self._by_length: dict[int, list[Route]] = {}
        seen: dict[tuple[tuple[str | None, ...], str], str] = {}
        for route in routes:
            template = route.template
            for method in route.methods:
                other = seen.setdefault((template.segments, method), route.function_name)
                if other != route.function_name:
                    raise AppConfigError(
                        f"functions {other!r} and {route.function_name!r} both serve {method} {template.path}"
                    )
            if template.is_literal:
                self._literal.setdefault(template.segments, []).append(route)
            else:
                self._by_length.setdefault(len(template.segments), []).append(route)
        for same_length in self._by_length.values():
            same_length.sort(key=lambda r: r.template.precedence)  # stable: keeps declaration order

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]]:
        """The route serving ``method raw_path`` (as sent: percent-encoded) and its route params.

        Each segment is decoded on its own, so an encoded slash (%2F) stays inside its segment.
        Raises NotFound, or MethodNotAllowed when the path exists for other methods only.
        """
        segments = raw_path.split("/")[1:]
        if "%" in raw_path:
            segments = [unquote(segment) for segment in segments]
        if len(segments) > 1 and segments[-1] == "":
            segments.pop()
        allowed: set[str] = set()
        for route in self._literal.get(tuple(segment.lower() for segment in segments), ()):
            if method in route.methods:
                return route, {}
            allowed |= route.methods
        for route in self._by_length.get(len(segments), ()):
            params = route.template.match(segments)
            if params is None:
                continue
            if method in route.methods:
                return route, params
            allowed |= route.methods
        if allowed:
            raise MethodNotAllowed(allowed)
        raise NotFound()
