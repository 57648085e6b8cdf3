"""Issue 10: the pool's budget settings have defaults that suit Functions, and a request that waits
for a connection is refused (503) before the host's function timeout could cut it off (a hang)."""

import json
from pathlib import Path

import pytest

from shared.settings import ConfigurationError, Settings

ROOT = Path(__file__).resolve().parents[2]


def _function_timeout_seconds() -> float:
    hours, minutes, seconds = json.loads((ROOT / "host.json").read_text())["functionTimeout"].split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _parameters(env: str) -> dict:
    path = ROOT / "infra" / "parameters" / f"{env}.parameters.json"
    return {name: p["value"] for name, p in json.loads(path.read_text())["parameters"].items()}


def test_the_pool_defaults_are_small_per_instance_with_a_short_wait(monkeypatch):
    for name in ("DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT_SECONDS", "DB_STATEMENT_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(app_env="test")
    assert (settings.db_pool_min_size, settings.db_pool_max_size, settings.db_pool_timeout_seconds) == (1, 4, 5.0)
    # Waiting for a connection plus the slowest statement still ends well before the host's timeout.
    assert settings.db_pool_timeout_seconds + settings.db_statement_timeout_ms / 1000 < _function_timeout_seconds()


def test_the_pool_budget_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("DB_POOL_MIN_SIZE", "0")
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "2")
    monkeypatch.setenv("DB_POOL_TIMEOUT_SECONDS", "0.5")
    settings = Settings(app_env="test")
    assert (settings.db_pool_min_size, settings.db_pool_max_size, settings.db_pool_timeout_seconds) == (0, 2, 0.5)


def test_a_minimum_above_the_maximum_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("DB_POOL_MIN_SIZE", "3")
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "2")
    with pytest.raises(ConfigurationError, match="DB_POOL_MIN_SIZE"):
        Settings(app_env="test")


@pytest.mark.parametrize("env", ["dev", "uat", "prod"])
def test_each_environment_refuses_a_waiting_request_before_the_host_times_it_out(env):
    parameters = _parameters(env)
    assert 1 <= parameters["dbPoolMinSize"] <= parameters["dbPoolMaxSize"] <= 10
    assert parameters["dbPoolTimeoutSeconds"] < _function_timeout_seconds() / 2
