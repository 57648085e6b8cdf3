"""Issue 10: the Function App cannot open more database connections than the server accepts.

Every Flex Consumption instance runs FUNCTIONS_WORKER_PROCESS_COUNT worker processes and each
holds its own pool, so the worst case is maximumInstanceCount x workers x dbPoolMaxSize
connections. That must fit the server's user connections minus a reserve for migrations and
operators. Per-instance HTTP concurrency may exceed the pool (requests wait for a connection up
to DB_POOL_TIMEOUT_SECONDS), but not by so much that they queue past it.
"""

from __future__ import annotations

import bicep_model as bm
import pytest

# Max connections and max user connections per SKU, from Microsoft's
# "Limits in Azure Database for PostgreSQL - Flexible Server" page (concepts-limits,
# https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-limits):
# the service keeps 15 connections for replication and monitoring.
MAX_CONNECTIONS = {
    "Standard_B1ms": (50, 35),
    "Standard_B2s": (429, 414),
    "Standard_B2ms": (859, 844),
    "Standard_D2ds_v5": (859, 844),
    "Standard_D4ds_v5": (1718, 1703),
}
PGBOUNCER_PORT, POSTGRES_PORT = "6432", "5432"


def budget(deployment: bm.Deployment) -> dict:
    resources = deployment.resources()
    (server,) = [r for r in resources if r.type == "Microsoft.DBforPostgreSQL/flexibleServers"]
    (site,) = [r for r in resources if r.type == "Microsoft.Web/sites"]
    settings = {s["name"]: s["value"] for s in site.properties["siteConfig"]["appSettings"]}
    pgbouncer = {
        r.name: r.properties["value"]
        for r in resources
        if r.type == "Microsoft.DBforPostgreSQL/flexibleServers/configurations"
    }["pgbouncer.enabled"]
    scale = site.properties["functionAppConfig"]["scaleAndConcurrency"]
    return {
        "sku": server.config["sku"],
        "instances": scale["maximumInstanceCount"],
        "workers": int(settings["FUNCTIONS_WORKER_PROCESS_COUNT"]),
        "http_concurrency": scale["triggers"]["http"]["perInstanceConcurrency"],
        "pool_max": int(settings["DB_POOL_MAX_SIZE"]),
        "pool_min": int(settings["DB_POOL_MIN_SIZE"]),
        "reserve": deployment.lookup("databaseConnectionReserve"),
        "pgbouncer": pgbouncer,
        "app_pgbouncer": settings["DB_PGBOUNCER"],
        "url": settings["DATABASE_URL"],
    }


def fits(b: dict) -> bool:
    user_connections = MAX_CONNECTIONS[b["sku"]["name"]][1]
    return b["instances"] * b["workers"] * b["pool_max"] <= user_connections - b["reserve"]


@pytest.mark.parametrize("env", bm.ENVIRONMENTS)
def test_instances_times_pool_fit_the_server_user_connections_minus_reserve(env):
    b = budget(bm.deploy(env))
    assert b["sku"]["name"] in MAX_CONNECTIONS, "add the SKU to the table from the limits page"
    assert b["reserve"] >= 3
    assert 1 <= b["pool_min"] <= b["pool_max"]
    assert fits(b), (
        f"{env}: {b['instances']} instances x {b['workers']} workers x {b['pool_max']} connections > "
        f"{MAX_CONNECTIONS[b['sku']['name']][1]} - {b['reserve']}"
    )


@pytest.mark.parametrize("env", bm.ENVIRONMENTS)
def test_the_budget_check_fails_when_scale_out_is_raised_to_the_flex_default(env):
    # The Flex Consumption default of 100 instances would exhaust a B1ms server.
    assert not fits(budget(bm.deploy(env, maximumInstanceCount=100)))


@pytest.mark.parametrize("env", bm.ENVIRONMENTS)
def test_pgbouncer_is_off_on_burstable_and_the_app_uses_the_server_port(env):
    b = budget(bm.deploy(env))
    assert b["sku"]["tier"] == "Burstable"
    assert b["pgbouncer"] == "false" and b["app_pgbouncer"] == "false"
    assert f":{POSTGRES_PORT}/" in b["url"]


def test_one_parameter_switches_prod_to_general_purpose_with_pgbouncer_and_the_app_follows():
    b = budget(bm.deploy("prod", pgbouncerEnabled=True))
    assert b["sku"] == {"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"}
    assert b["pgbouncer"] == "true"
    assert b["app_pgbouncer"] == "true"
    assert f":{PGBOUNCER_PORT}/" in b["url"]
    assert fits(b)
    # With PgBouncer and General Purpose, prod could scale much further within budget.
    assert fits(budget(bm.deploy("prod", pgbouncerEnabled=True, maximumInstanceCount=100, dbPoolMaxSize=5)))


@pytest.mark.parametrize("env", bm.ENVIRONMENTS)
def test_one_worker_per_instance_and_http_concurrency_between_one_and_four_pools(env):
    b = budget(bm.deploy(env))
    assert b["workers"] == 1
    # At least one request per connection (else connections idle while instances are added),
    # at most four (else requests queue on the pool past its timeout).
    assert b["pool_max"] <= b["http_concurrency"] <= 4 * b["pool_max"]


@pytest.mark.parametrize("env", bm.ENVIRONMENTS)
def test_a_second_worker_process_per_instance_counts_against_the_budget(env):
    # 2 workers double every instance's connections: prod's 7 x 2 x 4 = 56 > 30.
    assert not fits(budget(bm.deploy(env, workerProcessCount=2, maximumInstanceCount=7)))
