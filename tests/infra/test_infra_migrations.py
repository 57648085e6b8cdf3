"""Issue 18: uat/prod's migrations run inside the VNet as a deployment script (infra/migrate.bicep)
under the migration identity, the private PostgreSQL's Entra administrator; dev keeps its runner path."""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import bicep_model as bm
import pytest

ROOT = bm.INFRA.parent
MIGRATE = bm.INFRA / "migrate.bicep"
RUN_SH = bm.INFRA / "migration" / "run.sh"
PRIVATE = ("uat", "prod")
ENV_LIMIT = 64 * 1024  # Microsoft: "The maximum allowed size for environment variables is 64 KB."
FILE_PRIVILEGED_CONTRIBUTOR = "69566ab7-960f-475b-8e7c-b3118f30c6bd"
DEPLOYER = {"deployerPrincipalId": "11111111-2222-3333-4444-555555555555", "deployerPrincipalName": "iebank-pipeline"}

_spec = importlib.util.spec_from_file_location("migration_payload", bm.INFRA / "migration" / "payload.py")
payload = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(payload)
PAYLOAD = payload.build()


def script_deployment(env, **overrides):
    document = payload.parameters(bm.INFRA / "parameters" / f"{env}.parameters.json", f"devopps-id-be-{env}",
                                  f"devopps-dbsrv-{env}.postgres.database.azure.com", "4242-1", PAYLOAD)
    arguments = {name: entry["value"] for name, entry in document["parameters"].items()} | overrides
    return bm.Deployment(MIGRATE, arguments)


def one(resources, resource_type, name=None):
    found = [r for r in resources if r.type == resource_type and (name is None or r.full_name == name)]
    assert len(found) == 1, f"{resource_type} {name}: {[r.full_name for r in found]}"
    return found[0]


def script_of(env):
    return one(script_deployment(env).resources(), "Microsoft.Resources/deploymentScripts")


def environment_variables(script):
    return {v["name"]: v["value"] for v in script.properties["environmentVariables"]}


# ---- the script: in the delegated subnet, as the migration identity ---------------------------
@pytest.mark.parametrize("env", PRIVATE)
def test_the_script_runs_in_the_vnets_delegated_subnet_as_the_migration_identity(env):
    main = bm.deploy(env).resources()
    script = script_of(env)
    assert script.config["kind"] == "AzureCLI"
    identity = one(main, "Microsoft.ManagedIdentity/userAssignedIdentities", f"devopps-id-deploy-{env}")
    assert script.config["identity"]["type"] == "UserAssigned"
    assert list(script.config["identity"]["userAssignedIdentities"]) == [identity.id]
    vnet = one(main, "Microsoft.Network/virtualNetworks", f"devopps-vnet-{env}")
    assert script.properties["containerSettings"]["subnetIds"] == [{"id": f"{vnet.id}/subnets/scripts"}]
    (subnet,) = [s for s in vnet.properties["subnets"] if s["name"] == "scripts"]
    delegations = subnet["properties"]["delegations"]
    assert [d["properties"]["serviceName"] for d in delegations] == ["Microsoft.ContainerInstance/containerGroups"]
    # Outbound for the image (mcr.microsoft.com) and pip (PyPI): the subnet's default outbound access.
    assert subnet["properties"]["defaultOutboundAccess"] is True
    storage = one(main, "Microsoft.Storage/storageAccounts", f"devoppsscr{env}")
    assert script.properties["storageAccountSettings"] == {"storageAccountName": storage.name}
    assert "storageAccountKey" not in json.dumps(script.properties, default=str)


@pytest.mark.parametrize("env", PRIVATE)
def test_the_script_runs_ops_migrate_with_the_app_role_and_entra_auth_again_on_every_run(env):
    script = script_of(env)
    assert script.properties["scriptContent"] == RUN_SH.read_text()
    assert 'python3 -m ops migrate --app-role "$APP_DB_ROLE"' in RUN_SH.read_text()
    variables = environment_variables(script)
    assert variables["DATABASE_AUTH"] == "entra"
    assert variables["APP_DB_ROLE"] == f"devopps-id-be-{env}"
    assert variables["PG_ROLE"] == f"devopps-id-deploy-{env}"
    assert str(variables["AZURE_CLIENT_ID"]) == f"<devopps-id-deploy-{env}.properties.clientId>"
    assert variables["IEBANK_PAYLOAD"] == PAYLOAD
    assert script.properties["forceUpdateTag"] == "4242-1"
    assert script.properties["cleanupPreference"] == "OnSuccess"
    assert set(script.config["tags"]) >= {"environment", "application", "owner", "costCentre"}


def test_the_migration_template_refuses_dev_which_keeps_the_runner_path():
    with pytest.raises(bm.BicepModelError, match="not in"):
        script_deployment("uat", environmentName="dev")
    dev = bm.deploy("dev").resources()
    assert [r for r in dev if "deploy" in r.name and r.type.endswith("userAssignedIdentities")] == []
    assert [r.name for r in dev if r.type == "Microsoft.Storage/storageAccounts"] == ["devoppsstdev"]
    assert bm.deploy("dev").output("privateNetworking") is False
    assert all(bm.deploy(env).output("privateNetworking") is True for env in PRIVATE)


# ---- its storage: private, and nothing but the script's share ---------------------------------
@pytest.mark.parametrize("env", PRIVATE)
def test_the_script_storage_is_private_and_reached_through_a_file_endpoint_in_the_vnet(env):
    main = bm.deploy(env).resources()
    storage = one(main, "Microsoft.Storage/storageAccounts", f"devoppsscr{env}")
    assert storage.properties["publicNetworkAccess"] == "Disabled"
    assert storage.properties["networkAcls"]["defaultAction"] == "Deny"
    assert storage.properties["allowBlobPublicAccess"] is False
    assert storage.properties["minimumTlsVersion"] == "TLS1_2"
    (endpoint,) = [
        e for e in main if e.type == "Microsoft.Network/privateEndpoints"
        and e.properties["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"] == storage.id
    ]
    assert endpoint.properties["privateLinkServiceConnections"][0]["properties"]["groupIds"] == ["file"]
    vnet = one(main, "Microsoft.Network/virtualNetworks")
    assert endpoint.properties["subnet"]["id"] == f"{vnet.id}/subnets/endpoints"
    zone = one(main, "Microsoft.Network/privateDnsZones", "privatelink.file.core.windows.net")
    group = one([r for r in main if r.parent and r.parent.name == endpoint.name],
                "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    assert group.properties["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"] == zone.id
    link = one([r for r in main if r.parent and r.parent.name == zone.name],
               "Microsoft.Network/privateDnsZones/virtualNetworkLinks")
    assert link.properties["virtualNetwork"]["id"] == vnet.id


@pytest.mark.parametrize("env", PRIVATE)
def test_shared_keys_are_on_only_for_the_script_storage_which_holds_nothing_else(env):
    main = bm.deploy(env).resources()
    shared_keys = {r.name for r in main if r.type == "Microsoft.Storage/storageAccounts"
                   and r.properties["allowSharedKeyAccess"] is not False}
    # ACI mounts the script's share only with an account key (checkov skip with the reason).
    assert shared_keys == {f"devoppsscr{env}"}
    children = [r for r in main if r.type.startswith("Microsoft.Storage/storageAccounts/")
                and r.full_name.startswith(f"devoppsscr{env}/")]
    assert children == []


# ---- identities: the migration identity administers the database, the app never ---------------
@pytest.mark.parametrize("env", PRIVATE)
@pytest.mark.parametrize("deployer", [{}, DEPLOYER], ids=["no-deployer", "pipeline-given"])
def test_the_migration_identity_is_the_only_entra_administrator_in_uat_and_prod(env, deployer):
    main = bm.deploy(env, **deployer).resources()
    admin = one(main, "Microsoft.DBforPostgreSQL/flexibleServers/administrators")
    assert admin.parent.name == f"devopps-dbsrv-{env}"
    assert admin.name == f"<devopps-id-deploy-{env}.properties.principalId>"
    assert admin.properties["principalName"] == f"devopps-id-deploy-{env}"
    assert admin.properties["principalType"] == "ServicePrincipal"
    text = json.dumps(admin.config, default=str)
    assert f"devopps-id-be-{env}" not in text and "iebank-pipeline" not in text and DEPLOYER["deployerPrincipalId"] not in text


@pytest.mark.parametrize("env", PRIVATE)
def test_the_migration_identity_holds_one_role_the_file_share_role_on_its_own_storage(env):
    main = bm.deploy(env).resources()
    principal = f"<devopps-id-deploy-{env}.properties.principalId>"
    roles = [(r.properties["roleDefinitionId"], r.config["scope"].name) for r in main
             if r.type == "Microsoft.Authorization/roleAssignments" and str(r.properties["principalId"]) == principal]
    assert roles == [(f"id(Microsoft.Authorization/roleDefinitions/{FILE_PRIVILEGED_CONTRIBUTOR})", f"devoppsscr{env}")]


# ---- the payload: small enough, complete, and the code ops migrate runs -------------------------
def test_the_payload_and_every_environment_variable_fit_the_64_kb_limit():
    assert len(PAYLOAD) <= payload.LIMIT
    variables = environment_variables(script_of("prod"))
    total = sum(len(name) + len(str(value)) + 2 for name, value in variables.items())
    assert total < ENV_LIMIT
    declared = bm.parse(MIGRATE)["parameters"]["payload"]
    assert {"type": "max_length", "argument": payload.LIMIT} in declared["decorators"]
    with pytest.raises(bm.BicepModelError, match="longer than"):
        script_deployment("uat", payload="A" * (payload.LIMIT + 1))


def test_the_payload_builder_refuses_a_payload_over_the_limit(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(payload, "LIMIT", 100)
    out = tmp_path / "p.json"
    status = payload.main(["--parameter-file", str(bm.INFRA / "parameters" / "uat.parameters.json"),
                           "--app-role", "a", "--database-host", "h", "--run-id", "1", "--output", str(out)])
    assert status == 1 and not out.exists()
    assert "over 100" in capsys.readouterr().err


def test_the_payload_is_reproducible_and_carries_every_migration():
    assert payload.build() == PAYLOAD
    names = [name for name, _ in payload.files()]
    assert {f"migrations/{p.name}" for p in (ROOT / "migrations").glob("*.sql")} <= set(names)
    assert len(names) == len(set(names))


def _extract(tmp_path):
    import base64
    import io
    import lzma
    import tarfile

    target = tmp_path / "payload"
    with tarfile.open(fileobj=io.BytesIO(lzma.decompress(base64.b64decode(PAYLOAD))), mode="r:") as archive:
        archive.extractall(target, filter="data")
    return target


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL", "KEY_VAULT_URL")}
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    return env | extra


def test_run_sh_extracts_the_payload_and_runs_ops_migrate_from_it(tmp_path):
    result = subprocess.run(
        ["bash", str(RUN_SH)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env=_clean_env(IEBANK_PAYLOAD=PAYLOAD, PG_HOST="h", PG_ROLE="devopps-id-deploy-uat",
                       APP_DB_ROLE="devopps-id-be-uat", MIGRATION_DRY_RUN="1"),
    )
    assert result.returncode == 0, result.stderr
    applied = result.stdout.splitlines()[0].split(": ", 2)[-1].split(", ")
    expected = sorted(p.name for p in (ROOT / "migrations").glob("[0-9]*.sql")) + sorted(
        p.name for p in (ROOT / "migrations").glob("R__*.sql"))
    assert applied == expected
    assert "would set up the runtime database role devopps-id-be-uat" in result.stdout


def test_run_sh_refuses_to_start_without_its_variables(tmp_path):
    result = subprocess.run(["bash", str(RUN_SH)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env=_clean_env(IEBANK_PAYLOAD=PAYLOAD, PG_HOST="h", PG_ROLE="r"))
    assert result.returncode == 2 and "APP_DB_ROLE is not set" in result.stderr


def test_every_module_the_migration_imports_comes_from_the_payload(tmp_path):
    target = _extract(tmp_path)
    code = (
        "import importlib, sys, pathlib; root = pathlib.Path.cwd().resolve()\n"
        "for name in ('ops.__main__', 'ops.migrations', 'ops.runtime_role', 'shared.keyvault', 'shared.settings'):\n"
        "    module = importlib.import_module(name)\n"
        "    assert pathlib.Path(module.__file__).resolve().is_relative_to(root), (name, module.__file__)\n"
        "from shared.keyvault import entra_database_password\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=target, capture_output=True, text=True,
                            timeout=60, env=_clean_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# Third-party import -> the requirement that provides it (azure.core comes with azure-identity).
PROVIDED_BY = {"psycopg": "psycopg", "pydantic": "pydantic", "pydantic_settings": "pydantic-settings",
               "azure.identity": "azure-identity", "azure.core": "azure-identity",
               "azure.keyvault": "azure-keyvault-secrets"}


def test_the_payload_installs_every_third_party_package_its_modules_import_at_the_apps_pins():
    requirements = payload.pinned_requirements()
    pinned = {line.split("==")[0].split("[")[0].lower(): line for line in requirements.splitlines()}
    app_pins = {line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()}
    assert set(pinned.values()) <= app_pins
    imported = set()
    for name in payload.MODULES:
        for node in ast.walk(ast.parse((ROOT / name).read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module)
    third_party = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names
                   and m.split(".")[0] not in ("ops", "shared", "function_app")}
    # ops/__main__.py's other commands import more of shared/ lazily; migrate reaches only MODULES.
    assert third_party
    for module in sorted(third_party):
        provider = next((p for prefix, p in PROVIDED_BY.items() if module == prefix or module.startswith(prefix + ".")),
                        None)
        assert provider in pinned, module
