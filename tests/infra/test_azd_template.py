"""Issue 18: `azd up` works for a developer's own environment. azd cannot be installed here, so
these tests hold azure.yaml to the rules of azd's schema (schemas/v1.0/azure.yaml.json in
Azure/azure-dev) for every field it uses, and check what azd would rely on: project paths, the
tagged resources, the parameter mapping, the hooks (run here in their dry-run modes), and
Azure's naming rules for any name an azd environment may have.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import bicep_model as bm
import pytest
import yaml

ROOT = bm.INFRA.parent
AZURE_YAML = yaml.safe_load((ROOT / "azure.yaml").read_text())
AZD_PARAMETERS = bm.INFRA / "main.parameters.json"

# ---- the schema's rules, as we read them (v1.0) ---------------------------------------------
NAME_PATTERN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")  # and minLength 2
PROJECT_HOSTS = {"appservice", "function", "springapp", "staticwebapp"}  # project required; no image/docker/k8s/env
COMMAND_HOOKS = {
    f"{when}{event}"
    for when in ("pre", "post")
    for event in ("provision", "infracreate", "infradelete", "down", "up", "package", "publish", "deploy", "restore")
}
SERVICE_HOOKS = {f"{when}{event}" for when in ("pre", "post") for event in ("deploy", "restore", "build", "package", "publish")}
HOOK_FIELDS = {"shell", "kind", "dir", "run", "continueOnError", "interactive", "windows", "posix", "secrets", "config"}
SHELLS = {"sh", "pwsh"}


def hook_problems(hook: object) -> list[str]:
    if isinstance(hook, list):
        return [p for h in hook for p in hook_problems(h)]
    if not isinstance(hook, dict):
        return ["a hook is an object or a list of objects"]
    problems = [f"unknown hook field {f}" for f in sorted(set(hook) - HOOK_FIELDS)]
    if "shell" in hook and hook["shell"] not in SHELLS:
        problems.append(f"shell {hook['shell']} not in {sorted(SHELLS)}")
    if set(hook) & {"shell", "interactive", "continueOnError", "secrets", "kind", "dir", "config"} and "run" not in hook:
        problems.append("run is required")
    return problems


def schema_problems(document: dict) -> list[str]:
    problems = []
    name = document.get("name")
    if not isinstance(name, str) or len(name) < 2 or not NAME_PATTERN.match(name):
        problems.append(f"name {name!r} breaks ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ (min 2)")
    infra = document.get("infra", {})
    if "provider" in infra and not re.match(r"^[a-z0-9.]+$", infra["provider"]):
        problems.append("infra.provider pattern")
    services = document.get("services", {})
    if len(services) < 1:
        problems.append("services needs at least one")
    for service_name, service in services.items():
        if "host" not in service:
            problems.append(f"{service_name}: host is required")
        if service.get("host") in PROJECT_HOSTS:
            if "project" not in service:
                problems.append(f"{service_name}: project is required for host {service['host']}")
            for forbidden in ("image", "docker", "k8s", "apiVersion", "env"):
                if forbidden in service:
                    problems.append(f"{service_name}: {forbidden} is not allowed for host {service['host']}")
        if "remoteBuild" in service and service.get("host") != "function":
            problems.append(f"{service_name}: remoteBuild is for host function only")
        for hook_name, hook in service.get("hooks", {}).items():
            if hook_name not in SERVICE_HOOKS:
                problems.append(f"{service_name}: unknown service hook {hook_name}")
            problems += [f"{service_name}.{hook_name}: {p}" for p in hook_problems(hook)]
    for hook_name, hook in document.get("hooks", {}).items():
        if hook_name not in COMMAND_HOOKS:
            problems.append(f"unknown command hook {hook_name}")
        problems += [f"{hook_name}: {p}" for p in hook_problems(hook)]
    return problems


def test_azure_yaml_meets_the_schema_rules_for_every_field_it_uses():
    assert schema_problems(AZURE_YAML) == []


@pytest.mark.parametrize("broken, problem", [
    ({"name": "IE_Bank"}, "name"),
    ({"name": "a"}, "name"),
    ({"services": {"api": {"project": "."}}}, "host is required"),
    ({"services": {"api": {"host": "function"}}}, "project is required"),
    ({"services": {"web": {"host": "staticwebapp", "project": "frontend", "docker": {}}}}, "docker is not allowed"),
    ({"services": {"web": {"host": "staticwebapp", "project": "frontend", "image": "x"}}}, "image is not allowed"),
    ({"hooks": {"afterprovision": {"run": "x", "shell": "sh"}}}, "unknown command hook"),
    ({"hooks": {"postprovision": {"shell": "bash", "run": "x"}}}, "shell bash"),
    ({"hooks": {"postprovision": {"shell": "sh"}}}, "run is required"),
])
def test_the_schema_check_catches_what_azd_would_refuse(broken, problem):
    document = {**AZURE_YAML, **broken}
    assert any(problem in p for p in schema_problems(document)), schema_problems(document)


def test_the_services_are_the_function_api_and_the_static_web_app_with_their_languages():
    services = AZURE_YAML["services"]
    assert services["api"]["host"] == "function" and services["api"]["language"] == "python"
    assert services["web"] == {**services["web"], "host": "staticwebapp", "language": "ts",
                               "project": "frontend", "dist": "dist"}
    assert AZURE_YAML["infra"] == {"provider": "bicep", "path": "infra", "module": "main"}
    assert (ROOT / AZURE_YAML["infra"]["path"] / f"{AZURE_YAML['infra']['module']}.bicep").is_file()


@pytest.mark.parametrize("service", sorted(AZURE_YAML["services"]))
def test_every_service_project_path_exists(service):
    assert (ROOT / AZURE_YAML["services"][service]["project"]).is_dir()


def test_the_api_project_ships_exactly_the_app_through_funcignore():
    # azd zips the project folder minus .funcignore, as the pipeline's package does.
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".funcignore").read_text().splitlines() if line.strip()}
    assert {"tests", "frontend", "infra", "ops", "migrations", "devhost", "docs", "bench"} <= ignored
    assert not {"functions", "shared", "function_app.py", "host.json", "requirements.txt"} & ignored
    assert AZURE_YAML["services"]["api"]["project"] == "."


# ---- the azd deployment -----------------------------------------------------------------------
def azd_arguments(env_name: str, **env: str) -> dict:
    """infra/main.parameters.json after azd's ${VAR} substitution (an unset variable is empty)."""
    values = {"AZURE_ENV_NAME": env_name, "AZURE_LOCATION": "westeurope",
              "AZURE_PRINCIPAL_ID": "00000000-0000-0000-0000-00000000a11c",
              "AZURE_PRINCIPAL_NAME": "alice@example.com", **env}
    text = re.sub(r"\$\{(\w+)\}", lambda m: values.get(m.group(1), ""), AZD_PARAMETERS.read_text())
    return {name: entry["value"] for name, entry in json.loads(text)["parameters"].items()}


def azd_deploy(env_name: str = "alice-dev", **env: str) -> bm.Deployment:
    return bm.Deployment(bm.MAIN, azd_arguments(env_name, **env))


def test_every_parameter_main_parameters_maps_exists_in_main_bicep_with_an_allowed_value():
    declared = bm.parse(bm.MAIN)["parameters"]
    given = azd_arguments("alice-dev")
    assert sorted(set(given) - set(declared)) == []
    for name, value in given.items():
        bm.check_parameter_value(bm.MAIN, name, declared[name], value)
    raw = json.loads(AZD_PARAMETERS.read_text())["parameters"]
    assert raw["azdEnvironmentName"]["value"] == "${AZURE_ENV_NAME}"
    assert raw["location"]["value"] == "${AZURE_LOCATION}"
    assert raw["deployerPrincipalId"]["value"] == "${AZURE_PRINCIPAL_ID}"


def test_an_azd_environment_has_the_dev_sizes():
    dev = bm.load_parameter_file(bm.INFRA / "parameters" / "dev.parameters.json")
    azd = azd_arguments("alice-dev")
    assert azd["environmentName"] == "dev"
    for name, value in dev.items():
        assert azd[name] == value, name


def resources_by_type(deployment: bm.Deployment) -> dict[str, list[bm.Resource]]:
    found: dict[str, list[bm.Resource]] = {}
    for resource in deployment.resources():
        found.setdefault(resource.type, []).append(resource)
    return found


@pytest.mark.parametrize("service, resource_type", [("api", "Microsoft.Web/sites"), ("web", "Microsoft.Web/staticSites")])
def test_each_service_host_is_provisioned_with_its_azd_service_name_tag(service, resource_type):
    assert {"api": "function", "web": "staticwebapp"}[service] == AZURE_YAML["services"][service]["host"]
    tagged = [r for r in azd_deploy().resources() if r.config.get("tags", {}).get("azd-service-name") == service]
    assert [r.type for r in tagged] == [resource_type]


def test_every_azd_resource_carries_the_azd_env_name_and_dev_uat_prod_carry_no_azd_tag():
    taggable = [r for r in azd_deploy().resources() if isinstance(r.config.get("tags"), dict)]
    assert len(taggable) >= 15
    assert {r.config["tags"]["azd-env-name"] for r in taggable} == {"alice-dev"}
    for env in bm.ENVIRONMENTS:
        for resource in bm.deploy(env).resources():
            assert not any(key.startswith("azd-") for key in resource.config.get("tags") or {}), resource.name


def test_the_developer_is_the_database_administrator_and_may_write_the_secrets_the_app_only_reads():
    resources = azd_deploy().resources()
    (admin,) = [r for r in resources if r.type.endswith("/administrators")]
    assert admin.name == "00000000-0000-0000-0000-00000000a11c"
    assert admin.properties["principalName"] == "alice@example.com" and admin.properties["principalType"] == "User"
    officer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
    writes = [r for r in resources if r.type == "Microsoft.Authorization/roleAssignments"
              and officer in r.properties["roleDefinitionId"]]
    assert {str(r.properties["principalId"]) for r in writes} == {"00000000-0000-0000-0000-00000000a11c"}


def test_the_client_ip_rule_exists_only_when_the_developer_sets_one():
    rules = lambda d: sorted(r.name for r in d.resources() if r.type.endswith("/firewallRules"))  # noqa: E731
    assert rules(azd_deploy()) == ["AllowAllAzureServicesAndResourcesWithinAzureIps"]
    with_ip = azd_deploy(AZURE_CLIENT_IP="203.0.113.7")
    assert rules(with_ip) == ["AllowAllAzureServicesAndResourcesWithinAzureIps", "deployment-client"]
    (rule,) = [r for r in with_ip.resources() if r.name == "deployment-client"]
    assert (rule.properties["startIpAddress"], rule.properties["endIpAddress"]) == ("203.0.113.7", "203.0.113.7")


# ---- Azure naming rules for any azd environment name ------------------------------------------
# azd accepts letters, digits, '-', '_', '.', '(' and ')', up to 64 characters.
AZD_NAMES = ["a", "dev", "prod", "Alice-Dev", "x" * 64, "team_a.(feature-42)", "---", "9lives", "UPPER.CASE"]
RULES = {
    # type: (pattern, min length, max length), from Microsoft's "Naming rules and restrictions for Azure resources".
    "Microsoft.Storage/storageAccounts": (r"^[a-z0-9]+$", 3, 24),
    "Microsoft.KeyVault/vaults": (r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$", 3, 24),
    "Microsoft.DBforPostgreSQL/flexibleServers": (r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", 3, 63),
    "Microsoft.Web/sites": (r"^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$", 2, 60),
    "Microsoft.Web/serverfarms": (r"^[a-zA-Z0-9-]+$", 1, 60),
    "Microsoft.Web/staticSites": (r"^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$", 1, 40),
    "Microsoft.ManagedIdentity/userAssignedIdentities": (r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$", 3, 128),
    "Microsoft.OperationalInsights/workspaces": (r"^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$", 4, 63),
    "Microsoft.Insights/components": (r"^[^%&\\?/]+$", 1, 260),
    "Microsoft.Logic/workflows": (r"^[a-zA-Z0-9_.()-]+$", 1, 43),
    "Microsoft.Insights/actionGroups": (r"^[^%&\\?/]+$", 1, 260),
    "Microsoft.Insights/metricAlerts": (r"^[^*#&+:<>?@%{}\\/]+$", 1, 260),
    "Microsoft.ContainerRegistry/registries": (r"^[a-zA-Z0-9]+$", 5, 50),
    # The resource provider's own patterns (azure-rest-api-specs, 2025-09-01); the host name
    # <name>.<geo>.communication.azure.com also rules out a leading or trailing hyphen.
    "Microsoft.Communication/communicationServices": (r"^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$", 1, 63),
    "Microsoft.Communication/emailServices": (r"^[a-zA-Z0-9-]+$", 1, 63),
}


@pytest.mark.parametrize("env_name", AZD_NAMES)
def test_every_name_meets_azure_naming_rules_for_any_azd_environment_name(env_name):
    # With the optional registry too, so its name is checked as well.
    resources = bm.Deployment(bm.MAIN, {**azd_arguments(env_name), "deployContainerRegistry": True}).resources()
    checked = set()
    for resource in resources:
        if resource.type in RULES:
            pattern, shortest, longest = RULES[resource.type]
            assert shortest <= len(resource.name) <= longest, (resource.type, resource.name)
            assert re.match(pattern, resource.name), (resource.type, resource.name)
            checked.add(resource.type)
        if resource.type == "Microsoft.Insights/actionGroups":
            assert 1 <= len(resource.properties["groupShortName"]) <= 12, resource.properties["groupShortName"]
    assert checked == set(RULES)


def test_two_azd_environments_never_share_a_globally_unique_name_nor_take_dev_uat_or_prod_names():
    def global_names(deployment):
        kinds = ("Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults",
                 "Microsoft.DBforPostgreSQL/flexibleServers", "Microsoft.Web/sites",
                 "Microsoft.Communication/communicationServices")
        return {r.name for r in deployment.resources() if r.type in kinds}
    alice, bob = global_names(azd_deploy("alice")), global_names(azd_deploy("bob"))
    assert alice and not alice & bob
    assert not global_names(azd_deploy("dev")) & global_names(bm.deploy("dev"))


# ---- the hooks ------------------------------------------------------------------------------
def hook_commands() -> list[str]:
    hooks = list(AZURE_YAML["hooks"].values())
    for service in AZURE_YAML["services"].values():
        hooks += list(service.get("hooks", {}).values())
    return [h["run"] for h in hooks]


def test_the_hooks_are_post_provision_migrations_and_secrets_and_the_web_build_before_packaging():
    assert AZURE_YAML["hooks"]["postprovision"]["run"] == "bash infra/hooks/postprovision.sh"
    assert AZURE_YAML["services"]["web"]["hooks"]["prepackage"]["run"] == "bash ../infra/hooks/build-web.sh"
    postprovision = (bm.INFRA / "hooks" / "postprovision.sh").read_text()
    assert '-m ops migrate --app-role "$AZURE_APP_DB_ROLE"' in postprovision
    assert "infra/hooks/ensure_secrets.py" in postprovision


def test_every_hook_script_exists_relative_to_where_azd_runs_it():
    for service_name, service in [("", {"project": "."}), *list(AZURE_YAML["services"].items())]:
        hooks = AZURE_YAML["hooks"] if not service_name else service.get("hooks", {})
        for hook in hooks.values():
            script = hook["run"].split()[-1]
            assert (ROOT / service["project"] / script).is_file(), hook["run"]


def test_the_commands_the_hooks_call_exist():
    build = (bm.INFRA / "hooks" / "build-web.sh").read_text()
    scripts = json.loads((ROOT / "frontend" / "package.json").read_text())["scripts"]
    assert "npm run build" in build and "build" in scripts
    assert "make venv" in (bm.INFRA / "hooks" / "preprovision.sh").read_text()
    assert subprocess.run(["make", "-n", "venv"], cwd=ROOT, capture_output=True).returncode == 0
    helped = subprocess.run([sys.executable, "-m", "ops", "migrate", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert "--app-role" in helped.stdout and "--dry-run" in helped.stdout


def run_hook(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DRY_RUN": "1", "PYTHON": sys.executable, **env}
    return subprocess.run(["bash", str(bm.INFRA / "hooks" / script)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


OUTPUTS = {"AZURE_POSTGRES_HOST": "devopps-dbsrv-x.postgres.database.azure.com", "AZURE_APP_DB_ROLE": "devopps-id-be-x",
           "AZURE_KEY_VAULT_NAME": "devopps-kv-x", "AZURE_PRINCIPAL_NAME": "alice@example.com"}


def test_postprovision_runs_in_dry_run_mode_naming_every_migration_the_app_role_and_the_secrets():
    done = run_hook("postprovision.sh", **OUTPUTS)
    assert done.returncode == 0, done.stderr
    migrations = sorted(p.name for p in (ROOT / "migrations").glob("*.sql"))
    assert all(name in done.stdout for name in migrations)
    assert "runtime database role devopps-id-be-x" in done.stdout
    assert "would create in devopps-kv-x when missing: jwt-signing-key, admin-password, totp-encryption-key" in done.stdout


@pytest.mark.parametrize("missing", sorted(OUTPUTS))
def test_postprovision_stops_when_an_output_it_needs_is_missing(missing):
    environment = {k: v for k, v in {**os.environ, "DRY_RUN": "1", **OUTPUTS}.items() if k != missing}
    done = subprocess.run(["bash", str(bm.INFRA / "hooks" / "postprovision.sh")], cwd=ROOT, capture_output=True,
                          text=True, env=environment, timeout=60)
    assert done.returncode != 0 and missing in done.stderr


def test_the_template_outputs_every_variable_the_hooks_read():
    outputs = set(bm.parse(bm.MAIN)["outputs"])
    assert {"AZURE_POSTGRES_HOST", "AZURE_APP_DB_ROLE", "AZURE_KEY_VAULT_NAME"} <= outputs


def test_preprovision_and_the_web_build_run_in_dry_run_mode():
    refused = run_hook("preprovision.sh", AZURE_PRINCIPAL_NAME="")
    assert refused.returncode == 1 and "azd env set AZURE_PRINCIPAL_NAME" in refused.stderr
    ready = run_hook("preprovision.sh", AZURE_PRINCIPAL_NAME="alice@example.com", AZURE_CLIENT_IP="203.0.113.7")
    assert ready.returncode == 0 and "dry run: make venv" in ready.stdout
    built = run_hook("build-web.sh")
    assert built.returncode == 0
    assert built.stdout.splitlines() == ["dry run: npm ci --no-audit --no-fund", "dry run: npm run build",
                                         "dry run: cp staticwebapp.config.json dist/staticwebapp.config.json"]
    assert (ROOT / "frontend" / "staticwebapp.config.json").is_file()
