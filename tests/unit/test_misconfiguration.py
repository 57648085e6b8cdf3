"""A bad or missing setting on Azure: every route answers 503 problem+json naming the variable."""

import asyncio
import json

import azure.functions as func
import pytest

from functions import accounts, health
from shared import runtime


@pytest.fixture
def misconfigured(monkeypatch):
    saved = runtime._runtime
    runtime.set_runtime(None)
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("JWT_SIGNING_KEY", "a-signing-key-of-more-than-32-characters-0123")
    yield
    runtime.set_runtime(saved)


def _trigger(module, name):
    return next(fn for fn in module.bp._function_builders if fn._function._name == name)._function._func


@pytest.mark.parametrize(("module", "name", "path"), [(health, "health_check", "/api/health"),
                                                     (accounts, "list_accounts", "/api/accounts")])
def test_a_missing_setting_makes_every_route_503_naming_the_variable_not_its_value(misconfigured, module, name,
                                                                                   path):
    headers = {"authorization": "Bearer x"} if name != "health_check" else {}
    request = func.HttpRequest("GET", "http://localhost" + path, body=b"", headers=headers)
    response = asyncio.run(_trigger(module, name)(request))
    body = json.loads(response.get_body())
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert "DATABASE_URL" in body["detail"] and body["type"].endswith("/service-unavailable")
    assert "a-signing-key" not in response.get_body().decode()
    assert response.headers["retry-after"] == "30"
