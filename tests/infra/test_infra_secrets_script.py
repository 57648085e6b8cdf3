"""Issue 18: uat/prod's app vault has no public endpoint, so its generated secrets are created inside
the VNet by a deployment script (infra/secrets.bicep) under the secrets identity, whose only Key Vault
right is to list names and set a secret on that one vault; the one generator (ensure_secrets.py)
never sets a name that exists. dev keeps the runner path."""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import bicep_model as bm
import pytest

SECRETS = bm.INFRA / "secrets.bicep"
RUN_SH = bm.INFRA / "secrets" / "run.sh"
GENERATOR = bm.INFRA / "hooks" / "ensure_secrets.py"
PRIVATE = ("uat", "prod")
FILE_PRIVILEGED_CONTRIBUTOR = "69566ab7-960f-475b-8e7c-b3118f30c6bd"
CREATE_ONLY_DATA_ACTIONS = [
    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    "Microsoft.KeyVault/vaults/secrets/setSecret/action",
]

_spec = importlib.util.spec_from_file_location("ensure_secrets", GENERATOR)
ensure_secrets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ensure_secrets)


def one(resources, resource_type, name=None):
    found = [r for r in resources if r.type == resource_type and (name is None or r.full_name == name)]
    assert len(found) == 1, f"{resource_type} {name}: {[r.full_name for r in found]}"
    return found[0]


def script_of(env, **overrides):
    arguments = {"environmentName": env, "owner": "o", "costCentre": "c", "runId": "4242-1"} | overrides
    return one(bm.Deployment(SECRETS, arguments).resources(), "Microsoft.Resources/deploymentScripts")


def roles_of(resources, principal):
    return [r for r in resources if r.type == "Microsoft.Authorization/roleAssignments"
            and str(r.properties["principalId"]) == principal]


# ---- the script: in the delegated subnet, as the secrets identity, running the one generator ----
@pytest.mark.parametrize("env", PRIVATE)
def test_the_secrets_script_runs_in_the_delegated_subnet_as_the_secrets_identity(env):
    main = bm.deploy(env).resources()
    script = script_of(env)
    assert script.config["kind"] == "AzureCLI"
    identity = one(main, "Microsoft.ManagedIdentity/userAssignedIdentities", f"devopps-id-secrets-{env}")
    assert list(script.config["identity"]["userAssignedIdentities"]) == [identity.id]
    vnet = one(main, "Microsoft.Network/virtualNetworks", f"devopps-vnet-{env}")
    assert script.properties["containerSettings"]["subnetIds"] == [{"id": f"{vnet.id}/subnets/scripts"}]
    (subnet,) = [s for s in vnet.properties["subnets"] if s["name"] == "scripts"]
    assert [d["properties"]["serviceName"] for d in subnet["properties"]["delegations"]] == [
        "Microsoft.ContainerInstance/containerGroups"]
    storage = one(main, "Microsoft.Storage/storageAccounts", f"devoppsscr{env}")
    assert script.properties["storageAccountSettings"] == {"storageAccountName": storage.name}
    assert "storageAccountKey" not in json.dumps(script.properties, default=str)
    # The app's vault, which is private and reached through its endpoint in the same VNet.
    vault = one(main, "Microsoft.KeyVault/vaults", f"devopps-kv-{env}")
    assert vault.properties["publicNetworkAccess"] == "Disabled"
    variables = {v["name"]: v["value"] for v in script.properties["environmentVariables"]}
    assert variables["KEY_VAULT"] == vault.name
    assert variables["GENERATOR"] == GENERATOR.read_text()
    assert script.properties["scriptContent"] == RUN_SH.read_text()
    assert '--backend cli' in RUN_SH.read_text()
    assert script.properties["forceUpdateTag"] == "4242-1"
    assert script.properties["cleanupPreference"] == "OnSuccess"
    assert set(script.config["tags"]) >= {"environment", "application", "owner", "costCentre"}
    # No secret value travels in the template: only the generator and the vault's name.
    assert set(variables) == {"GENERATOR", "KEY_VAULT"}


def test_the_secrets_template_refuses_dev_which_keeps_the_runner_path():
    with pytest.raises(bm.BicepModelError, match="not in"):
        script_of("dev")
    dev = bm.deploy("dev").resources()
    assert [r for r in dev if "secrets" in r.name and r.type.endswith("userAssignedIdentities")] == []
    assert [r for r in dev if r.type == "Microsoft.Authorization/roleDefinitions"] == []


# ---- its roles: list names + set on the app vault only, and the script share -----------------
@pytest.mark.parametrize("env", PRIVATE)
def test_the_secrets_identity_can_list_names_and_set_on_the_app_vault_only(env):
    main = bm.deploy(env).resources()
    roles = roles_of(main, f"<devopps-id-secrets-{env}.properties.principalId>")
    scopes = sorted((r.config["scope"].type, r.config["scope"].name) for r in roles)
    assert scopes == [("Microsoft.KeyVault/vaults", f"devopps-kv-{env}"),
                      ("Microsoft.Storage/storageAccounts", f"devoppsscr{env}")]
    (on_vault,) = [r for r in roles if r.config["scope"].name == f"devopps-kv-{env}"]
    (definition,) = [d for d in main if d.type == "Microsoft.Authorization/roleDefinitions"]
    assert on_vault.properties["roleDefinitionId"] == definition.id
    assert definition.properties["type"] == "CustomRole"
    (permissions,) = definition.properties["permissions"]
    # No getSecret (it never reads a value), no delete/purge, no control-plane action.
    assert permissions["dataActions"] == CREATE_ONLY_DATA_ACTIONS
    assert permissions["actions"] == [] and permissions["notDataActions"] == []
    # Assignable in the environment's resource group only, never the subscription.
    assert [str(scope) for scope in definition.properties["assignableScopes"]] == ["<resourceGroup().id>"]
    (on_share,) = [r for r in roles if r.config["scope"].name == f"devoppsscr{env}"]
    assert on_share.properties["roleDefinitionId"] == \
        f"id(Microsoft.Authorization/roleDefinitions/{FILE_PRIVILEGED_CONTRIBUTOR})"
    # Not on the relay's vault, the app's storage or anything else.
    assert not any(r.config["scope"].name in (f"devopps-al-{env}", f"devoppsst{env}") for r in roles)


@pytest.mark.parametrize("env", PRIVATE)
def test_only_the_secrets_identity_holds_the_create_only_role_and_the_migration_identity_no_vault_role(env):
    main = bm.deploy(env).resources()
    (definition,) = [d for d in main if d.type == "Microsoft.Authorization/roleDefinitions"]
    holders = {str(r.properties["principalId"]) for r in main if r.type == "Microsoft.Authorization/roleAssignments"
               and r.properties["roleDefinitionId"] == definition.id}
    assert holders == {f"<devopps-id-secrets-{env}.properties.principalId>"}
    migration = roles_of(main, f"<devopps-id-deploy-{env}.properties.principalId>")
    assert [r.config["scope"].name for r in migration] == [f"devoppsscr{env}"]


# ---- the generator: creates what is missing, never overwrites, never prints a value -------------
class FakeVault:
    def __init__(self, names):
        self.names, self.set_calls = list(names), []

    def create(self, name, value):
        self.set_calls.append((name, value))


def test_the_generator_creates_only_the_missing_secrets_and_never_sets_an_existing_one(capsys):
    vault = FakeVault(["jwt-signing-key", "slack-webhook-url"])
    created = ensure_secrets.ensure(vault.names, vault.create, new_value=lambda: "v" * 64)
    assert created == ["admin-password", "totp-encryption-key"]
    assert [name for name, _ in vault.set_calls] == ["admin-password", "totp-encryption-key"]
    out = capsys.readouterr().out
    assert "jwt-signing-key: present, kept" in out and "v" * 64 not in out


def test_a_full_vault_is_left_alone_and_names_match_without_regard_to_case():
    vault = FakeVault(["JWT-Signing-Key", "admin-password", "totp-encryption-key"])
    assert ensure_secrets.ensure(vault.names, vault.create) == []
    assert vault.set_calls == []


def test_an_empty_vault_gets_every_generated_secret_each_a_distinct_random_value():
    vault = FakeVault([])
    ensure_secrets.ensure(vault.names, vault.create)
    assert [name for name, _ in vault.set_calls] == list(ensure_secrets.GENERATED)
    values = [value for _, value in vault.set_calls]
    assert len(set(values)) == len(values) and all(len(v) == 64 for v in values)


FAKE_AZ = """#!/usr/bin/env bash
# Records each call; `secret list` answers with FAKE_NAMES, `secret set` records the value file's mode.
printf '%s\\n' "$*" >> "$FAKE_LOG"
case "$3" in
  list) [ -n "${FAKE_LIST_FAILS:-}" ] && exit 1; printf '%s' "$FAKE_NAMES" ;;
  set) for ((i = 1; i <= $#; i++)); do if [ "${!i}" = "--file" ]; then j=$((i + 1)); stat -c '%a' "${!j}" >> "$FAKE_LOG"; fi; done ;;
esac
"""


def run_cli(tmp_path, names, **extra):
    az = tmp_path / "bin" / "az"
    az.parent.mkdir(exist_ok=True)
    az.write_text(FAKE_AZ)
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "az.log"
    log.write_text("")
    env = {**os.environ, "PATH": f"{az.parent}:{os.environ['PATH']}", "FAKE_LOG": str(log),
           "FAKE_NAMES": json.dumps(names), **extra}
    result = subprocess.run([sys.executable, str(GENERATOR), "--vault", "devopps-kv-uat", "--backend", "cli"],
                            capture_output=True, text=True, env=env, timeout=60)
    return result, log.read_text().splitlines()


def test_the_cli_backend_lists_names_then_sets_only_the_missing_one_through_a_private_file(tmp_path):
    result, calls = run_cli(tmp_path, ["jwt-signing-key", "admin-password"])
    assert result.returncode == 0, result.stderr
    assert calls[0] == "keyvault secret list --vault-name devopps-kv-uat --query [].name --output json"
    sets = [c for c in calls if c.startswith("keyvault secret set")]
    assert len(sets) == 1 and "--name totp-encryption-key" in sets[0] and "--value" not in sets[0]
    assert calls[-1] == "600"  # the value file only this process can read
    assert not any("secret show" in c or "secret delete" in c for c in calls)
    assert "totp-encryption-key: created (random)" in result.stdout


def test_the_cli_backend_sets_nothing_when_the_list_fails(tmp_path):
    result, calls = run_cli(tmp_path, [], FAKE_LIST_FAILS="1")
    assert result.returncode != 0
    assert [c for c in calls if "secret set" in c] == []


# ---- run.sh: what the container runs ---------------------------------------------------------
def test_run_sh_writes_the_generator_and_runs_it_against_the_vault_in_dry_run(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    result = subprocess.run(["bash", str(RUN_SH)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env=env | {"GENERATOR": GENERATOR.read_text(), "KEY_VAULT": "devopps-kv-uat",
                                       "SECRETS_DRY_RUN": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "dry run: would create in devopps-kv-uat when missing: jwt-signing-key, admin-password, totp-encryption-key")


def test_run_sh_refuses_to_start_without_its_variables(tmp_path):
    result = subprocess.run(["bash", str(RUN_SH)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={"PATH": os.environ["PATH"], "GENERATOR": "x"})
    assert result.returncode == 2 and "KEY_VAULT is not set" in result.stderr


FLAKY_GENERATOR = """import pathlib, sys
counter = pathlib.Path(sys.argv[0]).parent.parent / "count"
n = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(n))
print("run", n, sys.argv[1:])
sys.exit(0 if n >= 3 else 1)
"""


def test_run_sh_tries_the_generator_again_while_a_new_role_assignment_applies_then_gives_up(tmp_path):
    env = {"PATH": os.environ["PATH"], "GENERATOR": FLAKY_GENERATOR, "KEY_VAULT": "devopps-kv-uat",
           "SECRETS_RETRY_SECONDS": "0", "TMPDIR": str(tmp_path / "t")}
    (tmp_path / "t").mkdir()
    passed = subprocess.run(["bash", str(RUN_SH)], capture_output=True, text=True, timeout=60, env=env)
    assert passed.returncode == 0, passed.stderr
    assert passed.stdout.splitlines()[-1] == "run 3 ['--vault', 'devopps-kv-uat', '--backend', 'cli']"
    (tmp_path / "t" / "count").unlink()
    failed = subprocess.run(["bash", str(RUN_SH)], capture_output=True, text=True, timeout=60,
                            env=env | {"SECRETS_ATTEMPTS": "2"})
    assert failed.returncode == 1 and "still failing after 2 attempts" in failed.stderr
