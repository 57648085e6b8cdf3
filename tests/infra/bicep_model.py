"""Offline model of a Bicep deployment, built on pycep-parser's JSON output.

There is no Bicep CLI or Azure here, so the tests evaluate the parsed templates themselves:
a parameter file plus main.bicep gives the list of resources each environment would get,
with every value that is known before deployment (names, SKUs, retention, settings)
computed, and runtime values (principal ids, host names) kept as `Unknown` placeholders.

pycep quirks this code relies on (pycep-parser 0.7.1):
- identifiers and string literals both come out as plain `str`; a string is read as a
  reference when it is exactly the name of a parameter, variable, resource, module or loop
  variable in scope (templates avoid literals that equal a symbol name);
- interpolated strings stay raw (`'a-${b}'`); the `${...}` parts are parsed again here;
- `a == 'x' ? 1 : 2` parses as `a == ('x' ? 1 : 2)`, so templates parenthesise
  comparisons before `?` (tests/infra/test_infra_templates.py checks for the pattern).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pycep import BicepParser

INFRA = Path(__file__).resolve().parents[2] / "infra"
MAIN = INFRA / "main.bicep"
ENVIRONMENTS = ("dev", "uat", "prod")

_PARSER = BicepParser()
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class BicepModelError(Exception):
    """A template or parameter file that Azure would reject (or this model cannot read)."""


@cache
def parse(path: Path) -> dict[str, Any]:
    return _PARSER.parse(file_path=path)


@cache
def _parse_expression(text: str) -> Any:
    return _PARSER.parse(text=f"var x = {text}\n")["variables"]["x"]["value"]


def load_parameter_file(path: Path) -> dict[str, Any]:
    """Values of an ARM JSON parameter file; a Key Vault reference stays a dict."""
    document = json.loads(path.read_text())
    values = {}
    for name, entry in document["parameters"].items():
        if "value" in entry:
            values[name] = entry["value"]
        elif "reference" in entry:
            values[name] = Unknown(f"keyvault-reference:{name}")
        else:
            raise BicepModelError(f"{path.name}: parameter {name} has neither value nor reference")
    return values


@dataclass(frozen=True)
class Unknown:
    """A value only Azure knows at deployment time."""

    description: str

    def __str__(self) -> str:
        return f"<{self.description}>"


@dataclass(frozen=True)
class ResourceRef:
    type: str
    name: str

    @property
    def id(self) -> str:
        return resource_id(self.type, self.name)


def resource_id(resource_type: str, name: str) -> str:
    return f"id({resource_type}/{name})"


@dataclass
class Resource:
    symbol: str
    type: str
    name: str
    config: dict[str, Any]
    template: Path
    parent: ResourceRef | None = None

    @property
    def properties(self) -> dict[str, Any]:
        return self.config.get("properties", {})

    @property
    def id(self) -> str:
        return resource_id(self.type, self.full_name)

    @property
    def full_name(self) -> str:
        return f"{self.parent.name}/{self.name}" if self.parent else self.name


@dataclass
class _ModuleRef:
    deployment: Deployment


@dataclass
class Deployment:
    """One template deployed with one set of parameter values."""

    template: Path
    arguments: dict[str, Any]
    _values: dict[str, Any] = field(default_factory=dict)
    _evaluating: set[str] = field(default_factory=set)
    _children: dict[str, Deployment | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ast = parse(self.template)
        declared = self.ast.get("parameters", {})
        unknown = sorted(set(self.arguments) - set(declared))
        if unknown:
            raise BicepModelError(f"{self.template.name}: unknown parameters {unknown}")
        missing = sorted(name for name, p in declared.items() if p["default"] is None and name not in self.arguments)
        if missing:
            raise BicepModelError(f"{self.template.name}: required parameters missing {missing}")
        for name in self.arguments:
            check_parameter_value(self.template, name, declared[name], self.arguments[name])

    # ---- symbols -------------------------------------------------------------------------
    def symbols(self) -> set[str]:
        names: set[str] = set()
        for section in ("parameters", "variables", "resources", "modules"):
            names |= set(self.ast.get(section, {}))
        return names

    def lookup(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        if name in self._evaluating:
            raise BicepModelError(f"{self.template.name}: cycle through {name}")
        self._evaluating.add(name)
        try:
            value = self._resolve(name)
        finally:
            self._evaluating.discard(name)
        self._values[name] = value
        return value

    def _resolve(self, name: str) -> Any:
        ast = self.ast
        if name in ast.get("parameters", {}):
            if name in self.arguments:
                return self.arguments[name]
            return self.evaluate(ast["parameters"][name]["default"])
        if name in ast.get("variables", {}):
            return self.evaluate(ast["variables"][name]["value"])
        if name in ast.get("resources", {}):
            resource = ast["resources"][name]
            loop, body, _ = _unwrap(resource["config"])
            refs = []
            for scope in self._loop_scopes(loop):
                own = self._resource_name(body, scope)
                parent = self.evaluate(body["parent"], scope) if "parent" in body else None
                full = f"{parent.name}/{own}" if isinstance(parent, ResourceRef) else own
                refs.append(ResourceRef(resource["type"], full))
            # A resource loop is referenced by index (zones[0]).
            return refs if loop is not None else refs[0]
        if name in ast.get("modules", {}):
            child = self.module(name)
            if child is None:
                return Unknown(f"module {name} not deployed")
            return _ModuleRef(child)
        raise BicepModelError(f"{self.template.name}: unknown symbol {name}")

    def _resource_name(self, body: dict[str, Any], scope: dict[str, Any] | None = None) -> str:
        name = self.evaluate(body["name"], scope)
        return str(name)

    # ---- modules and resources -------------------------------------------------------------
    def module(self, symbol: str) -> Deployment | None:
        if symbol not in self._children:
            module = self.ast["modules"][symbol]
            loop, body, condition = _unwrap(module["config"])
            if loop is not None:
                raise BicepModelError("module loops are not modelled")
            if condition is not None and not _truthy(self.evaluate(condition)):
                self._children[symbol] = None
            else:
                path = (self.template.parent / module["detail"]["path"]).resolve()
                params = {k: self.evaluate(v) for k, v in body.get("params", {}).items()}
                self._children[symbol] = Deployment(path, params)
        return self._children[symbol]

    def resources(self) -> list[Resource]:
        """Every resource this deployment creates, modules included (existing ones excluded)."""
        found: list[Resource] = []
        for symbol, resource in self.ast.get("resources", {}).items():
            if resource["existing"]:
                continue
            loop, body, condition = _unwrap(resource["config"])
            for scope in self._loop_scopes(loop):
                if condition is not None and not _truthy(self.evaluate(condition, scope)):
                    continue
                config = {key: self.evaluate(value, scope) for key, value in body.items() if key not in ("dependsOn",)}
                parent = config.pop("parent", None)
                found.append(
                    Resource(
                        symbol=symbol,
                        type=resource["type"],
                        name=str(config["name"]),
                        config=config,
                        template=self.template,
                        parent=parent if isinstance(parent, ResourceRef) else None,
                    )
                )
        for symbol in self.ast.get("modules", {}):
            child = self.module(symbol)
            if child is not None:
                found.extend(child.resources())
        return found

    def output(self, name: str) -> Any:
        return self.evaluate(self.ast["outputs"][name]["value"])

    def _loop_scopes(self, loop: dict[str, Any] | None, scope: dict[str, Any] | None = None):
        if loop is None:
            yield dict(scope or {})
            return
        detail = loop["detail"]
        items = self.evaluate(detail["array_name"], scope)
        if not isinstance(items, list):
            raise BicepModelError(f"{self.template.name}: loop over {items!r}")
        for index, item in enumerate(items):
            inner = dict(scope or {})
            inner[detail["item_name"]] = item
            if "index_name" in detail:
                inner[detail["index_name"]] = index
            yield inner

    # ---- expressions -----------------------------------------------------------------------
    def evaluate(self, expr: Any, scope: dict[str, Any] | None = None) -> Any:
        scope = scope or {}
        if isinstance(expr, str):
            return self._string(expr, scope)
        if isinstance(expr, list):
            return [self.evaluate(item, scope) for item in expr]
        if isinstance(expr, dict):
            if "loop_type" in expr:
                result = []
                for inner in self._loop_scopes(expr["loop_type"], scope):
                    if expr.get("condition") is not None and not _truthy(self.evaluate(expr["condition"], inner)):
                        continue
                    result.append(self.evaluate(expr["config"], inner))
                return result
            if set(expr) == {"operator"}:
                return self._operator(expr["operator"], scope)
            if set(expr) == {"function"}:
                return self._function(expr["function"], scope)
            return {
                str(self._string(_unquote(key), scope, interpolate_only=True)): self.evaluate(value, scope)
                for key, value in expr.items()
            }
        return expr  # int, bool, None, float

    def _string(self, text: str, scope: dict[str, Any], interpolate_only: bool = False) -> Any:
        if not interpolate_only and _IDENTIFIER.match(text):
            if text in scope:
                return scope[text]
            if text in self.symbols():
                return self.lookup(text)
            return text
        if "${" not in text:
            return text
        parts = []
        for literal, inner in _split_interpolation(text):
            parts.append(literal)
            if inner is not None:
                parts.append(_to_text(self.evaluate(_parse_expression(inner), scope)))
        return "".join(parts)

    def _operator(self, op: dict[str, Any], scope: dict[str, Any]) -> Any:
        kind, operands = op["type"], op["operands"]
        if kind == "property_accessor":
            return self._access(self.evaluate(operands["operand_1"], scope), operands["operand_2"], scope)
        if kind == "index_accessor":
            base = self.evaluate(operands["operand_1"], scope)
            return _index(base, self.evaluate(operands["operand_2"], scope))
        if kind == "conditional":
            condition = self.evaluate(operands["condition"], scope)
            if isinstance(condition, Unknown):
                return Unknown(f"conditional on {condition}")
            branch = "true_value" if _truthy(condition) else "false_value"
            return self.evaluate(operands[branch], scope)
        if kind == "not":
            value = self.evaluate(operands["bool_value"], scope)
            return value if isinstance(value, Unknown) else not value
        if kind == "minus":
            return -self.evaluate(operands["integer_value"], scope)
        a = self.evaluate(operands["operand_1"], scope)
        b = self.evaluate(operands["operand_2"], scope)
        if isinstance(a, Unknown) or isinstance(b, Unknown):
            return Unknown(f"{kind}({a}, {b})")
        binary = {
            "equals": lambda: a == b,
            "not_equals": lambda: a != b,
            "equals_case_insensitive": lambda: str(a).lower() == str(b).lower(),
            "not_equals_case_insensitive": lambda: str(a).lower() != str(b).lower(),
            "greater_than": lambda: a > b,
            "greater_than_or_equals": lambda: a >= b,
            "less_than": lambda: a < b,
            "less_than_or_equals": lambda: a <= b,
            "and": lambda: a and b,
            "or": lambda: a or b,
            "add": lambda: a + b,
            "substract": lambda: a - b,
            "multiply": lambda: a * b,
            "divide": lambda: a // b,
            "modulo": lambda: a % b,
            "coalesce": lambda: a if a is not None else b,
        }
        if kind not in binary:
            raise BicepModelError(f"operator {kind} is not modelled")
        return binary[kind]()

    def _access(self, base: Any, path: Any, scope: dict[str, Any]) -> Any:
        """Walk `base.<path>`, where path is pycep's right-nested accessor chain."""
        if isinstance(path, dict) and "operator" in path:
            op = path["operator"]
            if op["type"] == "property_accessor":
                head = op["operands"]["operand_1"]
                return self._access(self._access(base, head, scope), op["operands"]["operand_2"], scope)
            if op["type"] == "index_accessor":
                inner = self._access(base, op["operands"]["operand_1"], scope)
                return _index(inner, self.evaluate(op["operands"]["operand_2"], scope))
            raise BicepModelError(f"accessor {op['type']} is not modelled")
        key = str(path)
        if isinstance(base, Unknown):
            return Unknown(f"{base.description}.{key}")
        if isinstance(base, _ModuleRef):
            if key != "outputs":
                raise BicepModelError(f"module property {key}")
            return _Outputs(base.deployment)
        if isinstance(base, _Outputs):
            return base.deployment.output(key)
        if isinstance(base, ResourceRef):
            if key == "id":
                return base.id
            if key == "name":
                return base.name
            return Unknown(f"{base.name}.{key}")
        if isinstance(base, dict):
            if key not in base:
                raise BicepModelError(f"no property {key} in {sorted(base)}")
            return base[key]
        raise BicepModelError(f"cannot read .{key} of {base!r}")

    def _function(self, fn: dict[str, Any], scope: dict[str, Any]) -> Any:
        kind, raw = fn["type"], fn.get("parameters") or {}
        if kind == "load_text_content":
            return (self.template.parent / raw["file_path"]).read_text()
        if kind == "load_json_content":
            return json.loads((self.template.parent / raw["file_path"]).read_text())
        if kind == "list_func" or kind.startswith("list"):
            return Unknown(f"{kind}()")
        args = {k: self.evaluate(v, scope) for k, v in raw.items()}
        values = [v for v in args.values() if v is not None]
        if kind == "environment":
            return {"name": "AzureCloud", "suffixes": {"storage": "core.windows.net"}}
        if kind == "resource_group":
            return {
                "id": Unknown("resourceGroup().id"),
                "name": Unknown("resourceGroup().name"),
                "location": Unknown("resourceGroup().location"),
            }
        if kind == "subscription":
            return {
                "id": Unknown("subscription().id"),
                "subscriptionId": Unknown("subscription().subscriptionId"),
                "tenantId": Unknown("subscription().tenantId"),
            }
        if kind == "guid":
            digest = hashlib.sha1("|".join(_to_text(v) for v in values).encode()).hexdigest()[:12]
            return f"{kind}:{digest}"
        if kind == "unique_string":
            # Like Bicep's: 13 characters, lowercase letters and digits, the same for the same input.
            digest = int(hashlib.sha1("|".join(_to_text(v) for v in values).encode()).hexdigest(), 16)
            return "".join("abcdefghijklmnopqrstuvwxyz234567"[(digest >> (5 * i)) & 31] for i in range(13))
        if kind == "subscription_resource_id":
            text = [_to_text(v) for v in values]
            return resource_id(text[0], "/".join(text[1:]))
        if kind == "string":
            return _to_text(values[0])
        if kind == "json":
            return json.loads(values[0])
        if kind == "to_lower":
            return _to_text(values[0]).lower()
        if kind == "replace":
            return _to_text(args["original_string"]).replace(args["old_string"], args["new_string"])
        if kind == "union":
            merged: dict[str, Any] = {}
            for value in values:
                merged.update(value)
            return merged
        if kind == "empty":
            value = values[0] if values else None
            return value is None or len(value) == 0
        if kind == "take":
            return args["original_value"][: args["number_to_take"]]
        if kind == "length":
            return len(values[0])
        if kind == "contains":
            return args["item_to_find"] in args["container"]
        if kind in ("max", "min"):
            return (max if kind == "max" else min)(values)
        raise BicepModelError(f"function {kind} is not modelled")


@dataclass
class _Outputs:
    deployment: Deployment


def _unwrap(config: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any], Any]:
    """(loop, body, condition) of a resource or module config."""
    if "loop_type" in config:
        return config["loop_type"], config["config"], config.get("condition")
    if set(config) == {"condition", "config"}:
        return None, config["config"], config["condition"]
    return None, config, None


def _unquote(key: str) -> str:
    """pycep keeps the quotes of quoted object keys ('odata.type')."""
    if len(key) >= 2 and key[0] == key[-1] == "'":
        return key[1:-1]
    return key


def _truthy(value: Any) -> bool:
    if isinstance(value, Unknown):
        raise BicepModelError(f"condition depends on a runtime value: {value}")
    return bool(value)


def _index(base: Any, index: Any) -> Any:
    if isinstance(base, Unknown) or isinstance(index, Unknown):
        return Unknown(f"{base}[{index}]")
    return base[index]


def _to_text(value: Any) -> str:
    """Bicep's string(): booleans lowercase, objects and arrays as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)


def _split_interpolation(text: str):
    """Yield (literal, inner expression or None) pairs of a Bicep interpolated string."""
    i, literal = 0, []
    while i < len(text):
        if text.startswith("${", i):
            depth, j, quoted = 1, i + 2, False
            while depth:
                ch = text[j]
                if ch == "'":
                    quoted = not quoted
                elif not quoted and ch == "{":
                    depth += 1
                elif not quoted and ch == "}":
                    depth -= 1
                j += 1
            yield "".join(literal), text[i + 2 : j - 1]
            literal, i = [], j
        else:
            literal.append(text[i])
            i += 1
    yield "".join(literal), None


def check_parameter_value(template: Path, name: str, declared: dict[str, Any], value: Any) -> None:
    """Raise BicepModelError when `value` breaks the parameter's type or decorators."""
    if isinstance(value, Unknown):
        return
    expected = {
        "string": str,
        "int": int,
        "bool": bool,
        "array": list,
        "object": dict,
    }.get(declared["type"])
    if expected is not None:
        wrong_bool = declared["type"] == "int" and isinstance(value, bool)
        if not isinstance(value, expected) or wrong_bool:
            raise BicepModelError(f"{template.name}: {name} must be {declared['type']}, got {value!r}")
    for decorator in declared["decorators"]:
        kind, argument = decorator["type"], decorator.get("argument")
        if kind == "allowed" and value not in argument:
            raise BicepModelError(f"{template.name}: {name}={value!r} not in {argument}")
        if kind == "min_value" and value < argument:
            raise BicepModelError(f"{template.name}: {name}={value} below {argument}")
        if kind == "max_value" and value > argument:
            raise BicepModelError(f"{template.name}: {name}={value} above {argument}")
        if kind == "min_length" and len(value) < argument:
            raise BicepModelError(f"{template.name}: {name} shorter than {argument}")
        if kind == "max_length" and len(value) > argument:
            raise BicepModelError(f"{template.name}: {name} longer than {argument}")


def deploy(environment: str, **overrides: Any) -> Deployment:
    """main.bicep with infra/parameters/<environment>.parameters.json (plus overrides)."""
    arguments = load_parameter_file(INFRA / "parameters" / f"{environment}.parameters.json")
    arguments.update(overrides)
    return Deployment(MAIN, arguments)
