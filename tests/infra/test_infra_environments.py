"""Per environment: the resources of issue 5's table, their settings, security and alerting."""

from __future__ import annotations

import json
import re

import bicep_model as bm
import pytest

TAG_KEYS = {"environment", "application", "owner", "costCentre"}
# Resource kinds Azure does not tag: extension and child resources, budgets, role definitions.
UNTAGGED = {
    "Microsoft.Authorization/roleAssignments",
    "Microsoft.Authorization/roleDefinitions",
    "Microsoft.Insights/diagnosticSettings",
    "Microsoft.Consumption/budgets",
}

# Issue 5's table: what differs by environment.
EXPECTED = {
    "dev": {"backup_days": 7, "geo": "Disabled", "purge": None, "acr_sku": "Basic", "availability": False},
    "uat": {"backup_days": 7, "geo": "Disabled", "purge": True, "acr_sku": "Basic", "availability": True},
    "prod": {"backup_days": 35, "geo": "Enabled", "purge": True, "acr_sku": "Standard", "availability": True},
}


@pytest.fixture(scope="module", params=bm.ENVIRONMENTS)
def env(request):
    return request.param


@pytest.fixture(scope="module")
def resources(env):
    return bm.deploy(env).resources()


def one(resources, resource_type, name=None):
    found = [r for r in resources if r.type == resource_type and (name is None or r.full_name == name)]
    assert len(found) == 1, f"{resource_type} {name}: {[r.full_name for r in found]}"
    return found[0]


def app_settings(resources, env):
    site = one(resources, "Microsoft.Web/sites", f"devopps-be-{env}")
    return {s["name"]: s["value"] for s in site.properties["siteConfig"]["appSettings"]}


# ---- the table ---------------------------------------------------------------------------
def test_function_app_runs_python_311_on_flex_consumption(resources, env):
    plan = one(resources, "Microsoft.Web/serverfarms", f"devopps-asp-{env}")
    assert plan.config["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan.properties["reserved"] is True  # Linux
    site = one(resources, "Microsoft.Web/sites", f"devopps-be-{env}")
    assert site.config["kind"] == "functionapp,linux"
    assert site.properties["serverFarmId"] == plan.id
    assert site.properties["httpsOnly"] is True
    config = site.properties["functionAppConfig"]
    assert config["runtime"] == {"name": "python", "version": "3.11"}
    assert config["scaleAndConcurrency"]["maximumInstanceCount"] >= 1


def test_only_prod_keeps_an_always_ready_instance(resources, env):
    site = one(resources, "Microsoft.Web/sites", f"devopps-be-{env}")
    always_ready = site.properties["functionAppConfig"]["scaleAndConcurrency"]["alwaysReady"]
    if env == "prod":
        assert always_ready == [{"name": "http", "instanceCount": 1}]
    else:
        assert always_ready == []


def test_function_app_runs_as_a_user_assigned_identity(resources, env):
    identity = one(resources, "Microsoft.ManagedIdentity/userAssignedIdentities", f"devopps-id-be-{env}")
    site = one(resources, "Microsoft.Web/sites", f"devopps-be-{env}")
    assert site.config["identity"]["type"] == "UserAssigned"
    assert list(site.config["identity"]["userAssignedIdentities"]) == [identity.id]
    deployment = site.properties["functionAppConfig"]["deployment"]["storage"]
    assert deployment["authentication"]["userAssignedIdentityResourceId"] == identity.id


def test_storage_account_is_lowercase_without_dashes_and_refuses_shared_keys(resources, env):
    storage = one(resources, "Microsoft.Storage/storageAccounts", f"devoppsst{env}")
    assert storage.name.isalnum() and storage.name.islower() and len(storage.name) <= 24
    assert storage.properties["allowSharedKeyAccess"] is False
    assert storage.properties["allowBlobPublicAccess"] is False
    assert storage.properties["minimumTlsVersion"] == "TLS1_2"
    settings = app_settings(resources, env)
    assert settings["AzureWebJobsStorage__accountName"] == storage.name
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert not any(k.startswith("AzureWebJobsStorage") and "Key" in str(v) for k, v in settings.items())


def test_static_web_app_is_standard_and_links_the_function_app(resources, env):
    swa = one(resources, "Microsoft.Web/staticSites", f"devopps-swa-{env}")
    assert swa.config["sku"] == {"name": "Standard", "tier": "Standard"}
    site = one(resources, "Microsoft.Web/sites", f"devopps-be-{env}")
    link = one(resources, "Microsoft.Web/staticSites/linkedBackends")
    assert link.parent is not None and link.parent.name == swa.name
    assert link.properties["backendResourceId"] == site.id


def test_postgres_is_version_16_burstable_b1ms_with_the_table_backups(resources, env):
    server = one(resources, "Microsoft.DBforPostgreSQL/flexibleServers", f"devopps-dbsrv-{env}")
    assert server.config["sku"] == {"name": "Standard_B1ms", "tier": "Burstable"}
    assert server.properties["version"] == "16"
    backup = server.properties["backup"]
    assert backup["backupRetentionDays"] == EXPECTED[env]["backup_days"]
    assert backup["geoRedundantBackup"] == EXPECTED[env]["geo"]
    database = one(resources, "Microsoft.DBforPostgreSQL/flexibleServers/databases")
    assert database.full_name == f"{server.name}/iebank"


DEPLOYER = {"deployerPrincipalId": "11111111-2222-3333-4444-555555555555", "deployerPrincipalName": "iebank-pipeline"}


def test_postgres_is_passwordless_and_its_entra_administrator_is_the_deployer_never_the_app(resources, env):
    server = one(resources, "Microsoft.DBforPostgreSQL/flexibleServers", f"devopps-dbsrv-{env}")
    auth = server.properties["authConfig"]
    assert auth["activeDirectoryAuth"] == "Enabled"
    assert auth["passwordAuth"] == "Disabled"
    assert "administratorLoginPassword" not in server.properties
    if env != "dev":
        return  # uat/prod: the migration identity, whoever deploys (test_infra_migrations.py)
    assert [r for r in resources if r.type.endswith("/administrators")] == []
    with_deployer = bm.deploy(env, **DEPLOYER).resources()
    admin = one(with_deployer, "Microsoft.DBforPostgreSQL/flexibleServers/administrators")
    assert admin.parent.name == server.name
    assert admin.name == DEPLOYER["deployerPrincipalId"]
    assert admin.properties["principalName"] == "iebank-pipeline"
    assert admin.properties["principalType"] == "ServicePrincipal"
    assert f"devopps-id-be-{env}" not in json.dumps(admin.config, default=str)


def test_postgres_requires_tls(resources, env):
    configs = {
        r.name: r.properties["value"]
        for r in resources
        if r.type == "Microsoft.DBforPostgreSQL/flexibleServers/configurations"
    }
    assert configs["require_secure_transport"].lower() == "on"
    assert configs["ssl_min_protocol_version"] == "TLSv1.2"
    assert "sslmode=require" in app_settings(resources, env)["DATABASE_URL"]


def test_no_firewall_rule_opens_the_whole_internet(resources, env):
    rules = [r for r in resources if r.type.endswith("/firewallRules")]
    for rule in rules:
        start, end = rule.properties["startIpAddress"], rule.properties["endIpAddress"]
        assert (start, end) != ("0.0.0.0", "255.255.255.255"), rule.full_name
        assert end != "255.255.255.255", rule.full_name
    # dev: only Azure's "allow Azure services" marker (0.0.0.0-0.0.0.0); uat/prod: no rule at all.
    expected = [("0.0.0.0", "0.0.0.0")] if env == "dev" else []
    assert [(r.properties["startIpAddress"], r.properties["endIpAddress"]) for r in rules] == expected


def test_key_vault_is_standard_rbac_soft_delete_and_purge_protected_outside_dev(resources, env):
    for name in (f"devopps-kv-{env}", f"devopps-al-{env}"):
        props = one(resources, "Microsoft.KeyVault/vaults", name).properties
        assert props["sku"] == {"family": "A", "name": "standard"}
        assert props["enableRbacAuthorization"] is True
        assert props["enableSoftDelete"] is True
        assert props["enablePurgeProtection"] is EXPECTED[env]["purge"]
        assert "accessPolicies" not in props


def test_log_analytics_and_workspace_based_application_insights(resources, env):
    workspace = one(resources, "Microsoft.OperationalInsights/workspaces", f"devopps-law-{env}")
    assert workspace.properties["sku"] == {"name": "PerGB2018"}
    assert workspace.properties["retentionInDays"] == 30
    insights = one(resources, "Microsoft.Insights/components", f"devopps-insights-{env}")
    assert insights.properties["WorkspaceResourceId"] == workspace.id
    assert insights.properties["RetentionInDays"] == 90


def test_container_registry_only_when_asked(resources, env):
    assert [r for r in resources if r.type == "Microsoft.ContainerRegistry/registries"] == []
    acr_pull = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
    assert all(acr_pull not in json.dumps(r.config, default=str) for r in resources)
    with_registry = bm.deploy(env, deployContainerRegistry=True).resources()
    registry = one(with_registry, "Microsoft.ContainerRegistry/registries", f"devoppsacr{env}")
    assert registry.name.isalnum()
    assert registry.config["sku"] == {"name": EXPECTED[env]["acr_sku"]}
    assert registry.properties["adminUserEnabled"] is False
    pulls = [
        r
        for r in with_registry
        if r.type == "Microsoft.Authorization/roleAssignments" and acr_pull in r.properties["roleDefinitionId"]
    ]
    assert len(pulls) == 1 and pulls[0].config["scope"].name == registry.name


def test_every_taggable_resource_carries_the_four_tags(resources, env):
    taggable = [r for r in resources if r.type.count("/") == 1 and r.type not in UNTAGGED]
    assert len(taggable) >= 15
    for resource in taggable:
        tags = resource.config.get("tags")
        assert isinstance(tags, dict), resource.full_name
        assert set(tags) >= TAG_KEYS, resource.full_name
        assert tags["environment"] == env
        assert tags["application"] == "iebank"


# ---- identity and access -------------------------------------------------------------------
ROLE_IDS = {
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Communication and Email Service Owner": "09976791-48a7-449e-bb21-39d1a415f350",
    "Storage File Data Privileged Contributor": "69566ab7-960f-475b-8e7c-b3118f30c6bd",
}


def role_assignments(resources, principal):
    """(role name, scope name) of every assignment to the principal; a custom role by its roleName."""
    names = {role_id: name for name, role_id in ROLE_IDS.items()}
    names |= {r.name: r.properties["roleName"] for r in resources if r.type == "Microsoft.Authorization/roleDefinitions"}
    return sorted(
        (names[r.properties["roleDefinitionId"].split("/")[-1].rstrip(")")], r.config["scope"].name)
        for r in resources
        if r.type == "Microsoft.Authorization/roleAssignments" and str(r.properties["principalId"]) == principal
    )


def test_app_identity_has_least_privilege_roles_with_deterministic_names(resources, env):
    assert role_assignments(resources, f"<devopps-id-be-{env}.properties.principalId>") == [
        # The documented role for sending, on its Communication Services resource only (test_infra_email.py).
        ("Communication and Email Service Owner", f"devopps-acs-{env}"),
        ("Key Vault Secrets User", f"devopps-kv-{env}"),
        ("Monitoring Metrics Publisher", f"devopps-insights-{env}"),
        # Its own containers only: no role over the account, no data owner (issue 18).
        ("Storage Blob Data Contributor", f"devoppsst{env}/default/app-package"),
        ("Storage Blob Data Contributor", f"devoppsst{env}/default/azure-webjobs-hosts"),
        ("Storage Blob Data Contributor", f"devoppsst{env}/default/azure-webjobs-secrets"),
    ]
    assignments = [r for r in resources if r.type == "Microsoft.Authorization/roleAssignments"]
    assert ROLE_IDS["Storage Blob Data Owner"] not in json.dumps([a.config for a in assignments], default=str)
    for assignment in assignments:
        assert assignment.name.startswith("guid:"), assignment.name
    assert len({a.name for a in assignments}) == len(assignments)


def test_the_slack_relay_reads_only_its_own_vault_which_holds_no_app_secret(resources, env):
    relay = one(resources, "Microsoft.Logic/workflows")
    assert role_assignments(resources, f"<{relay.name}.identity.principalId>") == [
        ("Key Vault Secrets User", f"devopps-al-{env}")
    ]


def test_only_the_app_and_the_relay_hold_roles_unless_the_deployer_is_asked_to_write_secrets(resources, env):
    principals = {
        str(r.properties["principalId"]) for r in resources if r.type == "Microsoft.Authorization/roleAssignments"
    }
    expected = {f"<devopps-id-be-{env}.properties.principalId>", f"<devopps-logic-slack-{env}.identity.principalId>"}
    if env != "dev":
        # The migration identity, on its script storage account only (test_infra_migrations.py).
        expected.add(f"<devopps-id-deploy-{env}.properties.principalId>")
        # The secrets identity: list names + set on the app vault, and the script share (issue 18).
        expected.add(f"<devopps-id-secrets-{env}.properties.principalId>")
        assert role_assignments(resources, f"<devopps-id-secrets-{env}.properties.principalId>") == [
            ("IE Bank secret creator (<resourceGroup().name>)", f"devopps-kv-{env}"),
            ("Storage File Data Privileged Contributor", f"devoppsscr{env}"),
        ]
        assert role_assignments(resources, f"<devopps-id-deploy-{env}.properties.principalId>") == [
            ("Storage File Data Privileged Contributor", f"devoppsscr{env}"),
        ]
    assert principals == expected
    writes = bm.deploy(env, deployerWritesSecrets=True, **DEPLOYER).resources()
    assert role_assignments(writes, DEPLOYER["deployerPrincipalId"]) == [
        ("Key Vault Secrets Officer", f"devopps-al-{env}"),
        ("Key Vault Secrets Officer", f"devopps-kv-{env}"),
    ]


# ---- settings and secrets ------------------------------------------------------------------
def test_app_settings_follow_the_contract_and_hold_no_secret(resources, env):
    settings = app_settings(resources, env)
    assert settings["APP_ENV"] == env
    assert str(settings["KEY_VAULT_URL"]) == f"<devopps-kv-{env}.properties.vaultUri>"
    assert settings["DATABASE_AUTH"] == "entra"
    assert settings["DATABASE_URL"] == (
        f"postgresql://devopps-id-be-{env}@<devopps-dbsrv-{env}.properties.fullyQualifiedDomainName>"
        ":5432/iebank?sslmode=require"
    )
    assert settings["DB_PGBOUNCER"] == "false"
    assert str(settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]) == (
        f"<devopps-insights-{env}.properties.ConnectionString>"
    )
    assert {"JWT_ISSUER", "JWT_AUDIENCE", "DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT_SECONDS"} <= set(
        settings
    )
    for forbidden in ("JWT_SIGNING_KEY", "JWT_PREVIOUS_SIGNING_KEY", "ADMIN_PASSWORD"):
        assert forbidden not in settings


SENSITIVE_WORDS = {"password", "secret", "token", "webhook", "credential", "credentials"}


def looks_secret(name):
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", name)]
    return bool(SENSITIVE_WORDS & set(words)) or (words[-1:] == ["key"])


@pytest.mark.parametrize("path", sorted(bm.INFRA.rglob("*.bicep")), ids=lambda p: p.name)
def test_secure_parameters_are_secure_and_have_no_default(path):
    for name, parameter in bm.parse(path)["parameters"].items():
        secure = any(d["type"] == "secure" for d in parameter["decorators"])
        if secure or looks_secret(name):
            assert secure, f"{path.name}: {name} looks secret but is not @secure()"
            assert parameter["default"] is None, f"{path.name}: secure {name} has a default"


def test_the_secret_name_check_recognises_secrets():
    assert looks_secret("slackWebhookUrl") and looks_secret("jwtSigningKey") and looks_secret("adminPassword")
    assert not looks_secret("keyVaultUri") and not looks_secret("keyVaultPurgeProtection")


def test_parameter_files_carry_no_secret_values():
    main = bm.parse(bm.MAIN)["parameters"]
    for path in sorted((bm.INFRA / "parameters").glob("*.json")):
        document = json.loads(path.read_text())
        for name, entry in document["parameters"].items():
            secure = any(d["type"] == "secure" for d in main[name]["decorators"])
            assert not (secure and "value" in entry), f"{path.name}: {name} inlines a secure value"
        text = path.read_text().lower()
        assert "hooks.slack.com" not in text and "password" not in text


def test_outputs_give_api_url_site_host_and_vault_uri(env):
    deployment = bm.deploy(env)
    assert deployment.output("apiBaseUrl") == f"https://<devopps-swa-{env}.properties.defaultHostname>/api"
    assert str(deployment.output("staticWebAppHostName")) == f"<devopps-swa-{env}.properties.defaultHostname>"
    assert str(deployment.output("keyVaultUri")) == f"<devopps-kv-{env}.properties.vaultUri>"


# ---- monitoring -----------------------------------------------------------------------------
def test_diagnostic_settings_send_app_database_vault_and_site_to_the_workspace(resources, env):
    workspace = one(resources, "Microsoft.OperationalInsights/workspaces")
    targets = {
        r.config["scope"].name
        for r in resources
        if r.type == "Microsoft.Insights/diagnosticSettings" and r.properties["workspaceId"] == workspace.id
    }
    assert targets == {
        f"devopps-be-{env}", f"devopps-dbsrv-{env}", f"devopps-kv-{env}", f"devopps-al-{env}", f"devopps-swa-{env}"
    }


def test_every_alert_goes_to_the_action_group(resources, env):
    group = one(resources, "Microsoft.Insights/actionGroups", f"devopps-ag-{env}")
    metric_alerts = [r for r in resources if r.type == "Microsoft.Insights/metricAlerts"]
    log_alerts = [r for r in resources if r.type == "Microsoft.Insights/scheduledQueryRules"]
    assert len(metric_alerts) >= 5 and len(log_alerts) >= 2
    for alert in metric_alerts:
        assert [a["actionGroupId"] for a in alert.properties["actions"]] == [group.id], alert.name
    for alert in log_alerts:
        assert alert.properties["actions"]["actionGroups"] == [group.id], alert.name
    budgets = [r for r in resources if r.type == "Microsoft.Consumption/budgets"]
    for budget in budgets:
        for notification in budget.properties["notifications"].values():
            assert notification["contactGroups"] == [group.id]


def test_metric_alerts_cover_latency_5xx_database_cpu_memory_and_vault_availability(resources, env):
    criteria = {}
    for alert in resources:
        if alert.type == "Microsoft.Insights/metricAlerts" and "allOf" in alert.properties["criteria"]:
            for criterion in alert.properties["criteria"]["allOf"]:
                criteria[criterion["metricName"]] = (criterion["operator"], criterion["threshold"], alert)
    assert criteria["HttpResponseTime"][:1] == ("GreaterThan",)
    assert criteria["Http5xx"][:1] == ("GreaterThan",)
    assert criteria["cpu_percent"][:2] == ("GreaterThan", 90)
    assert criteria["memory_percent"][:2] == ("GreaterThan", 90)
    assert criteria["Availability"][:2] == ("LessThan", 99.9)
    assert criteria["cpu_percent"][2].properties["scopes"] == [
        one(resources, "Microsoft.DBforPostgreSQL/flexibleServers").id
    ]
    app_vault = one(resources, "Microsoft.KeyVault/vaults", f"devopps-kv-{env}")
    assert criteria["Availability"][2].properties["scopes"] == [app_vault.id]


def test_action_group_relays_to_slack_through_the_logic_app(resources, env):
    group = one(resources, "Microsoft.Insights/actionGroups", f"devopps-ag-{env}")
    relay = one(resources, "Microsoft.Logic/workflows")
    receivers = group.properties["logicAppReceivers"]
    assert [r["resourceId"] for r in receivers] == [relay.id]
    assert str(relay.properties["parameters"]["keyVaultUri"]["value"]) == f"<devopps-al-{env}.properties.vaultUri>"
    assert "slack-webhook-url" in json.dumps(relay.properties["definition"], default=str)


def test_workbook_and_log_alerts_use_the_query_files(resources, env):
    queries = {p.stem: p.read_text() for p in (bm.INFRA / "queries").glob("*.kql")}
    workbook = one(resources, "Microsoft.Insights/workbooks")
    content = json.loads(workbook.properties["serializedData"])
    panels = {item["name"]: item["content"]["query"] for item in content["items"]}
    for name in ("request-rate", "failures", "latency-percentiles", "transfer-count", "database-load"):
        assert panels[name] == queries[name]
    log_queries = [
        c["query"]
        for r in resources
        if r.type == "Microsoft.Insights/scheduledQueryRules"
        for c in r.properties["criteria"]["allOf"]
    ]
    assert queries["api-availability"] in log_queries
    assert queries["transfer-latency"] in log_queries


def test_availability_test_hits_health_on_uat_and_prod_only(resources, env):
    tests = [r for r in resources if r.type == "Microsoft.Insights/webtests"]
    if not EXPECTED[env]["availability"]:
        assert tests == []
        return
    (test,) = tests
    assert test.config["kind"] == "standard"
    assert (
        test.properties["Request"]["RequestUrl"] == f"https://<devopps-swa-{env}.properties.defaultHostname>/api/health"
    )
    insights = one(resources, "Microsoft.Insights/components")
    assert test.config["tags"][f"hidden-link:{insights.id}"] == "Resource"
    alert = one(resources, "Microsoft.Insights/metricAlerts", f"devopps-alert-availability-{env}")
    assert alert.properties["criteria"]["webTestId"] == test.id


def test_budget_is_optional(env):
    with_budget = bm.deploy(env).resources()
    assert len([r for r in with_budget if r.type == "Microsoft.Consumption/budgets"]) == 1
    without = bm.deploy(env, budgetAmount=0).resources()
    assert [r for r in without if r.type == "Microsoft.Consumption/budgets"] == []
