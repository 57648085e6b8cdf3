"""Route templates and the route table, the way the Functions host reads them.

Pure code (no I/O, no azure.functions import) so it can be unit-tested on its own.
Templates follow ASP.NET Core attribute routing, which the Functions host uses:
``{name}``, ``{name:int}`` (and other constraints), ``{name?}`` optional,
``{name=default}``, ``{*rest}`` catch-all. Literal segments match case-insensitively
and a trailing slash is ignored.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

# Why: the Functions host serves its own management API under /admin; a function whose
# route or name starts with "admin" is refused (or silently unreachable) in Azure.
RESERVED_PREFIX = "admin"


class RouteConfigError(ValueError):
    """The function app declares a route the Functions host would refuse."""


_TOKEN = re.compile(r"\{([^{}]*)\}")
_PARAM = re.compile(
    r"^(?P<star>\*{1,2})?(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?P<constraints>(?::[A-Za-z]+(?:\([^()]*\))?)*)"
    r"(?P<optional>\?)?(?:=(?P<default>.*))?$"
)
_CONSTRAINT = re.compile(r":([A-Za-z]+)(?:\(([^()]*)\))?")

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def _in_range(lo: int, hi: int) -> Callable[[str], bool]:
    return lambda value: lo <= int(value) <= hi


def _valid_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _constraint(name: str, args: str | None, template: str) -> tuple[str, Callable[[str], bool] | None]:
    """Return (regex for one segment value, optional extra validator)."""
    name = name.lower()
    nums = [int(a) for a in args.split(",")] if args else []
    if name == "int":
        return r"-?[0-9]+", _in_range(*_INT32)
    if name == "long":
        return r"-?[0-9]+", _in_range(*_INT64)
    if name in ("decimal", "double", "float"):
        return r"-?[0-9]+(?:\.[0-9]+)?", None
    if name == "bool":
        return r"(?:true|false)", None
    if name == "alpha":
        return r"[A-Za-z]+", None
    if name == "guid":
        return (
            r"\{?[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}\}?",
            _valid_guid,
        )
    if name in ("min", "max", "range") and nums:
        lo = nums[0] if name in ("min", "range") else _INT64[0]
        hi = nums[-1] if name in ("max", "range") else _INT64[1]
        return r"-?[0-9]+", _in_range(lo, hi)
    if name in ("minlength", "maxlength", "length") and nums:
        lo = nums[0] if name in ("minlength", "length") else 0
        hi = nums[-1] if name in ("maxlength", "length") else 1 << 30
        return r"[^/]+", lambda value: lo <= len(value) <= hi
    raise RouteConfigError(f"unsupported route constraint ':{name}' in route template {template!r}")


@dataclass
class CompiledTemplate:
    template: str  # normalised, without prefix: "accounts/{number}"
    path: str  # what logs and the start banner show: "/api/accounts/{number}"
    literal_key: str | None  # lower-cased path when the template has no parameters
    regex: re.Pattern[str] | None
    groups: list[tuple[str, str, str | None]]  # (regex group, route param name, default)
    validators: list[tuple[str, Callable[[str], bool]]]
    precedence: tuple[int, ...]

    def match(self, path: str) -> dict[str, str] | None:
        """Route params for ``path`` (already stripped of one trailing slash), or None."""
        if self.regex is None:
            return {} if path.lower() == self.literal_key else None
        m = self.regex.fullmatch(path)
        if m is None:
            return None
        params: dict[str, str] = {}
        for group, name, default in self.groups:
            value = m.group(group)
            if value is None or value == "":
                if default is None:
                    continue
                value = default
            params[name] = value
        for name, ok in self.validators:
            value = params.get(name)
            if value is not None and not ok(value):
                return None
        return params


def compile_template(template: str, prefix: str) -> CompiledTemplate:
    """Compile a Functions route template (relative to ``prefix``) into a matcher.

    Raises RouteConfigError for templates the host would refuse.
    """
    route = template.strip().strip("/")
    segments = [s for s in (prefix.strip("/"), route) if s]
    full = "/" + "/".join(segments)
    if "//" in full:
        raise RouteConfigError(f"empty segment in route template {template!r}")
    if not _TOKEN.search(full):
        if "{" in full or "}" in full:
            raise RouteConfigError(f"unbalanced brace in route template {template!r}")
        literal = full.rstrip("/") or "/"
        return CompiledTemplate(route, literal, literal.lower(), None, [], [], (0,) * literal.count("/"))

    parts = full.split("/")[1:]
    pattern = ""
    groups: list[tuple[str, str, str | None]] = []
    validators: list[tuple[str, Callable[[str], bool]]] = []
    precedence: list[int] = []
    seen: set[str] = set()
    for index, segment in enumerate(parts):
        last = index == len(parts) - 1
        if segment == "":
            raise RouteConfigError(f"empty segment in route template {template!r}")
        tokens = list(_TOKEN.finditer(segment))
        if not tokens:
            if "{" in segment or "}" in segment:
                raise RouteConfigError(f"unbalanced brace in route template {template!r}")
            pattern += "/" + re.escape(segment)
            precedence.append(0)
            continue
        seg_pattern = ""
        pos = 0
        rank = 2
        whole = len(tokens) == 1 and tokens[0].span() == (0, len(segment))
        for token in tokens:
            literal = segment[pos : token.start()]
            if "{" in literal or "}" in literal:
                raise RouteConfigError(f"unbalanced brace in route template {template!r}")
            seg_pattern += re.escape(literal)
            pos = token.end()
            spec = _PARAM.match(token.group(1))
            if spec is None:
                raise RouteConfigError(f"invalid route parameter {token.group(0)!r} in {template!r}")
            name = spec["name"]
            if name.lower() in seen:
                raise RouteConfigError(f"route parameter {name!r} appears twice in {template!r}")
            seen.add(name.lower())
            group = f"p{len(groups)}"
            value_re = "[^/]+"
            for cname, cargs in _CONSTRAINT.findall(spec["constraints"] or ""):
                value_re, check = _constraint(cname, cargs or None, template)
                if check is not None:
                    validators.append((name, check))
                rank = 1
            optional = bool(spec["optional"]) or spec["default"] is not None
            if spec["star"]:
                if not (last and whole):
                    raise RouteConfigError(f"a catch-all parameter must be the whole last segment: {template!r}")
                groups.append((group, name, spec["default"]))
                pattern += f"(?:/(?P<{group}>.*))?"
                precedence.append(4)
                break
            if optional and not (last and whole):
                raise RouteConfigError(f"an optional parameter must be the whole last segment: {template!r}")
            groups.append((group, name, spec["default"]))
            if not whole:
                value_re += "?"  # complex segment such as {file}.{ext}: let literals split it
            seg_pattern += f"(?P<{group}>{value_re})"
            if optional:
                rank = 3
        else:
            tail = segment[pos:]
            if "{" in tail or "}" in tail:
                raise RouteConfigError(f"unbalanced brace in route template {template!r}")
            seg_pattern += re.escape(tail)
            if optional:
                pattern += f"(?:/{seg_pattern})?"
            else:
                pattern += "/" + seg_pattern
            precedence.append(rank if whole else 1)
    return CompiledTemplate(
        route,
        full,
        None,
        re.compile(pattern, re.IGNORECASE),
        groups,
        validators,
        tuple(precedence),
    )


@dataclass
class Route:
    function_name: str
    template: CompiledTemplate
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
        raise RouteConfigError(
            f"function {function_name!r}: function names starting with 'admin' are reserved by the "
            "Azure Functions host; rename it (back-office routes live under /api/manage/)"
        )
    if route.strip().lstrip("/").lower().startswith(RESERVED_PREFIX):
        raise RouteConfigError(
            f"function {function_name!r}: route {route!r} starts with 'admin', which the Azure Functions "
            f"host reserves (it would be /{prefix.strip('/')}/{route.strip('/')}); use /api/manage/..."
        )
    if prefix.strip("/").lower().startswith(RESERVED_PREFIX):
        raise RouteConfigError(f"routePrefix {prefix!r} starts with 'admin', which the Functions host reserves")


class Router:
    """Route table: literal routes first, then parameterised ones by ASP.NET precedence."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self._literal: dict[str, list[Route]] = {}
        param: list[Route] = []
        seen: dict[tuple[str, str], str] = {}
        for route in routes:
            key = route.template.path.lower()
            for method in route.methods:
                other = seen.setdefault((key, method), route.function_name)
                if other != route.function_name:
                    raise RouteConfigError(
                        f"functions {other!r} and {route.function_name!r} both serve {method} {route.template.path}"
                    )
            if route.template.regex is None:
                self._literal.setdefault(route.template.literal_key or "", []).append(route)
            else:
                param.append(route)
        self._param = sorted(param, key=lambda r: r.template.precedence)  # stable: keeps declaration order

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route serving ``method path`` and its route params.

        Raises NotFound, or MethodNotAllowed when the path exists for other methods only.
        """
        if len(path) > 1 and path[-1] == "/":
            path = path[:-1]
        allowed: set[str] = set()
        for route in self._literal.get(path.lower(), ()):
            if method in route.methods:
                return route, {}
            allowed |= route.methods
        for route in self._param:
            params = route.template.match(path)
            if params is None:
                continue
            if method in route.methods:
                return route, params
            allowed |= route.methods
        if allowed:
            raise MethodNotAllowed(allowed)
        raise NotFound()
