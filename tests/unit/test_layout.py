"""The shape the code keeps: async triggers, SQL only in repositories, use cases free of HTTP."""

import ast
import inspect
import re
from pathlib import Path

import function_app
from shared.openapi import registered_functions

ROOT = Path(__file__).resolve().parents[2]
_SQL = re.compile(r"\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b")


def _string_constants(path: Path) -> list[str]:
    return [node.value for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_every_http_trigger_is_async_and_takes_exactly_req():
    triggers = [fn for fn in registered_functions(function_app.app) if fn.get_trigger().get_binding_name() == "httpTrigger"]
    assert len(triggers) >= 15
    for function in triggers:
        user_function = function.get_user_function()
        assert inspect.iscoroutinefunction(user_function), function.get_function_name()
        assert list(inspect.signature(user_function).parameters) == ["req"], function.get_function_name()


def test_sql_lives_only_in_the_repositories_and_the_data_layer():
    allowed = {ROOT / "shared" / "db.py"}
    offenders = []
    for path in [*(ROOT / "shared").glob("*.py"), *(ROOT / "functions").glob("*.py")]:
        if path in allowed:
            continue
        offenders += [f"{path.relative_to(ROOT)}: {text[:40]!r}" for text in _string_constants(path)
                      if _SQL.search(text)]
    assert offenders == []


def test_use_cases_know_nothing_of_http():
    use_cases = ["accounts", "audit", "backoffice", "history", "ledger", "maintenance", "users", "health", "payees"]
    for name in use_cases:
        tree = ast.parse((ROOT / "shared" / f"{name}.py").read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    for alias in node.names} | {node.module for node in ast.walk(tree)
                                                if isinstance(node, ast.ImportFrom) and node.module}
        assert "azure.functions" not in imported and "shared.endpoint" not in imported, name
        assert not {symbol for symbol in imported if symbol and symbol.endswith("Out")}, name
