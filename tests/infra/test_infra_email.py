"""Issue 15: password-reset mail goes through Azure Communication Services Email, which the
Function App reaches with its managed identity: no key, no connection string, a send-only role."""

from __future__ import annotations

import re

import bicep_model as bm
import pytest

# Microsoft.Communication offers no data action for sending mail and documents a custom role only
# for SMTP, so the app holds the built-in role Microsoft names, on its one resource (issue 18).
COMMUNICATION_AND_EMAIL_SERVICE_OWNER = "09976791-48a7-449e-bb21-39d1a415f350"


@pytest.fixture(scope="module", params=bm.ENVIRONMENTS)
def env(request):
    return request.param


@pytest.fixture(scope="module")
def deployment(env):
    return bm.deploy(env)


@pytest.fixture(scope="module")
def resources(deployment):
    return deployment.resources()


def one(resources, resource_type):
    found = [r for r in resources if r.type == resource_type]
    assert len(found) == 1, f"{resource_type}: {[r.full_name for r in found]}"
    return found[0]


def app_settings(resources):
    site = one(resources, "Microsoft.Web/sites")
    return {s["name"]: s["value"] for s in site.properties["siteConfig"]["appSettings"]}


def test_an_email_service_with_an_azure_managed_domain_is_linked_to_the_communication_service(resources, env):
    email = one(resources, "Microsoft.Communication/emailServices")
    assert email.name == f"devopps-ecs-{env}"
    assert email.config["location"] == "global"
    assert email.properties["dataLocation"] == "Europe"
    domain = one(resources, "Microsoft.Communication/emailServices/domains")
    assert domain.full_name == f"{email.name}/AzureManagedDomain"
    assert domain.config["location"] == "global"
    assert domain.properties == {"domainManagement": "AzureManaged", "userEngagementTracking": "Disabled"}
    acs = one(resources, "Microsoft.Communication/communicationServices")
    assert acs.name == f"devopps-acs-{env}"
    assert acs.config["location"] == "global"
    assert acs.properties["dataLocation"] == email.properties["dataLocation"]
    assert acs.properties["linkedDomains"] == [domain.id]


def test_the_data_location_is_one_parameter_for_both_services(env):
    resources = bm.deploy(env, emailDataLocation="United States").resources()
    for kind in ("Microsoft.Communication/emailServices", "Microsoft.Communication/communicationServices"):
        assert one(resources, kind).properties["dataLocation"] == "United States"


def test_the_app_gets_the_four_mail_settings_from_the_resources_themselves(deployment, resources, env):
    settings = app_settings(resources)
    assert settings["MAIL_TRANSPORT"] == "acs"
    assert settings["ACS_EMAIL_ENDPOINT"] == f"https://<devopps-acs-{env}.properties.hostName>"
    assert settings["MAIL_SENDER"] == f"DoNotReply@<devopps-ecs-{env}/AzureManagedDomain.properties.mailFromSenderDomain>"
    assert settings["PUBLIC_BASE_URL"] == f"https://<devopps-swa-{env}.properties.defaultHostname>"
    # The reset link points at the site the SPA is served from.
    assert settings["PUBLIC_BASE_URL"] == deployment.output("AZURE_SITE_URL")


def test_the_communication_service_accepts_no_key_and_no_setting_carries_one(resources):
    acs = one(resources, "Microsoft.Communication/communicationServices")
    assert acs.properties["disableLocalAuth"] is True
    settings = app_settings(resources)
    for name, value in settings.items():
        squashed = name.replace("_", "").lower()
        if "connectionstring" in squashed or squashed.endswith("key"):
            # A key is only ever a Key Vault reference (TOTP_ENCRYPTION_KEY), never its value.
            assert name == "APPLICATIONINSIGHTS_CONNECTION_STRING" or str(value).startswith("@Microsoft.KeyVault("), name
        text = str(value).lower()
        assert "accesskey=" not in text and "communication.azure.com" not in text, name
        assert not re.search(r"<list\w*\(\)", text), f"{name} reads a list*() secret: {value}"


COMMUNICATION_SYMBOL = re.compile(r"^resource\s+(\w+)\s+'Microsoft\.Communication/", re.MULTILINE)
LIST_CALL = re.compile(r"\blist\w*\(([^)]*)\)|\.(list\w*)\(", re.IGNORECASE)


@pytest.mark.parametrize("path", sorted(bm.INFRA.rglob("*.bicep")), ids=lambda p: p.name)
def test_no_template_lists_keys_or_connection_strings_of_a_communication_resource(path):
    text = path.read_text()
    symbols = set(COMMUNICATION_SYMBOL.findall(text))
    for match in LIST_CALL.finditer(text):
        line = text[text.rfind("\n", 0, match.start()) + 1 : text.find("\n", match.end())]
        assert "Microsoft.Communication" not in line, f"{path.name}: {line.strip()}"
        assert not any(re.search(rf"\b{symbol}\b", line) for symbol in symbols), f"{path.name}: {line.strip()}"


def test_the_app_identity_holds_the_built_in_email_role_on_its_communication_service_only(resources, env):
    acs = one(resources, "Microsoft.Communication/communicationServices")
    # No custom role for mail; the only custom role is the uat/prod secrets identity's (test_infra_secrets_script.py).
    assert [r.properties["roleName"] for r in resources if r.type == "Microsoft.Authorization/roleDefinitions"] in (
        [], ["IE Bank secret creator (<resourceGroup().name>)"])
    owner = [
        r
        for r in resources
        if r.type == "Microsoft.Authorization/roleAssignments"
        and COMMUNICATION_AND_EMAIL_SERVICE_OWNER in r.properties["roleDefinitionId"]
    ]
    (assignment,) = owner
    assert assignment.config["scope"].name == acs.name
    assert str(assignment.properties["principalId"]) == f"<devopps-id-be-{env}.properties.principalId>"
    assert assignment.properties["principalType"] == "ServicePrincipal"
    assert assignment.name.startswith("guid:")
    on_acs = [r for r in resources if r.type == "Microsoft.Authorization/roleAssignments"
              and r.config["scope"].name == acs.name]
    assert on_acs == [assignment]


def test_the_app_accepts_the_settings_the_template_writes(resources):
    # The contract end to end: shared/settings.py refuses to start outside development without
    # MAIL_TRANSPORT=acs, ACS_EMAIL_ENDPOINT and an https PUBLIC_BASE_URL.
    from shared.settings import Settings

    def deployed(value):  # a host name Azure fills in at deployment time
        return re.sub(r"<[^>]*>", "deployed.example", str(value))

    settings = Settings(**{name.lower(): deployed(value) for name, value in app_settings(resources).items()})
    assert settings.mail_transport == "acs"
    assert settings.acs_email_endpoint == "https://deployed.example"
    assert settings.mail_sender == "DoNotReply@deployed.example"
    assert settings.public_base_url == "https://deployed.example"
