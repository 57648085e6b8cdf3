"""Issue 17 in Azure: the settings strong customer authentication needs, under their exact names.
The TOTP key is a Key Vault reference (generated once by the pipeline and the azd hook), SCA is
enforced everywhere, required of customers in prod only, and passkeys are bound to the site's host."""

from __future__ import annotations

import bicep_model as bm
import pytest
import yaml

ROOT = bm.INFRA.parent
SCA_SETTINGS = ("TOTP_ENCRYPTION_KEY", "SCA_MODE", "SCA_REQUIRED_FOR_CUSTOMERS", "WEBAUTHN_RP_ID", "WEBAUTHN_ORIGINS")


def app_settings(env: str) -> dict[str, object]:
    (site,) = [r for r in bm.deploy(env).resources() if r.type == "Microsoft.Web/sites"]
    return {s["name"]: s["value"] for s in site.properties["siteConfig"]["appSettings"]}


@pytest.mark.parametrize("env, required", [("dev", "false"), ("uat", "false"), ("prod", "true")])
def test_sca_is_enforced_everywhere_and_required_of_customers_in_prod_only(env, required):
    settings = app_settings(env)
    assert set(SCA_SETTINGS) <= set(settings)
    assert settings["SCA_MODE"] == "enforced"
    assert settings["SCA_REQUIRED_FOR_CUSTOMERS"] == required


@pytest.mark.parametrize("env", bm.ENVIRONMENTS)
def test_the_totp_key_is_a_key_vault_reference_resolved_with_the_app_identity(env):
    settings = app_settings(env)
    assert settings["TOTP_ENCRYPTION_KEY"] == (
        f"@Microsoft.KeyVault(SecretUri=<devopps-kv-{env}.properties.vaultUri>secrets/totp-encryption-key/)"
    )
    (site,) = [r for r in bm.deploy(env).resources() if r.type == "Microsoft.Web/sites"]
    assert site.properties["keyVaultReferenceIdentity"] == f"id(Microsoft.ManagedIdentity/userAssignedIdentities/devopps-id-be-{env})"


@pytest.mark.parametrize("env", bm.ENVIRONMENTS)
def test_passkeys_are_bound_to_the_static_web_app_host(env):
    settings = app_settings(env)
    host = f"<devopps-swa-{env}.properties.defaultHostname>"
    assert str(settings["WEBAUTHN_RP_ID"]) == host
    assert str(settings["WEBAUTHN_ORIGINS"]) == f"https://{host}"
    # The same host the reset links point at: one site, one origin.
    assert str(settings["PUBLIC_BASE_URL"]) == str(settings["WEBAUTHN_ORIGINS"])


def test_an_azd_environment_takes_devs_choice_for_customers():
    azd = bm.load_parameter_file(bm.INFRA / "main.parameters.json")
    assert azd["scaRequiredForCustomers"] is False


def test_the_pipeline_and_the_azd_hook_generate_the_totp_key_when_missing():
    deploy = yaml.safe_load((ROOT / ".github/workflows/deploy.yml").read_text())
    # Both paths run the one generator: dev from the runner, uat/prod inside the VNet (infra/secrets.bicep).
    steps = [s for s in deploy["jobs"]["deploy"]["steps"] if s.get("name", "").startswith("Make sure the app's Key Vault secrets exist")]
    assert len(steps) == 2
    assert any("python infra/hooks/ensure_secrets.py" in s["run"] for s in steps)
    assert any("--template-file infra/secrets.bicep" in s["run"] for s in steps)
    assert "loadTextContent('hooks/ensure_secrets.py')" in (bm.INFRA / "secrets.bicep").read_text()
    import importlib.util

    spec = importlib.util.spec_from_file_location("ensure_secrets", bm.INFRA / "hooks" / "ensure_secrets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert "totp-encryption-key" in module.GENERATED
