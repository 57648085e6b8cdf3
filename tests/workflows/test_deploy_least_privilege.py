"""Issue 18, the pipeline's part: a fork never deploys, the database firewall is never opened to
an address looked up from a third-party service, and the app identity never runs migrations."""

import json
import subprocess
import sys
from pathlib import Path

import yaml

DEPLOY = yaml.safe_load((Path(__file__).resolve().parents[2] / ".github/workflows/deploy.yml").read_text())
JOB = DEPLOY["jobs"]["deploy"]
SCRIPTS = "\n".join(step.get("run", "") for step in JOB["steps"])


def test_the_deploy_job_never_runs_in_a_fork():
    assert JOB["if"].replace(" ", "") == "${{!github.event.repository.fork}}"


def test_no_step_looks_up_an_address_or_opens_the_database_firewall():
    for lookup in ("ipify", "ifconfig.me", "icanhazip", "checkip", "curl"):
        assert lookup not in SCRIPTS
    assert "firewall-rule create" not in SCRIPTS


def test_the_template_makes_the_pipeline_identity_the_database_administrator_and_migrations_run_as_it():
    for step in JOB["steps"]:
        if "az deployment group" in step.get("run", "") and "infra/migrate.bicep" not in step["run"] \
                and "infra/secrets.bicep" not in step["run"]:
            assert 'deployerPrincipalId="$DEPLOYER_ID"' in step["run"], step["name"]
            assert step["env"]["DEPLOYER_NAME"] == "${{ secrets.AZURE_PIPELINE_PRINCIPAL_NAME }}"
    (migrate,) = [s for s in JOB["steps"] if "python -m ops migrate" in s.get("run", "")]
    assert migrate["env"]["PG_ROLE"] == "${{ secrets.AZURE_PIPELINE_PRINCIPAL_NAME }}"
    assert '--app-role "$APP_DB_ROLE"' in migrate["run"]


def test_the_slack_webhook_goes_to_the_relay_vault_not_the_apps():
    (secrets_step,) = [s for s in JOB["steps"] if "slack-webhook-url" in s.get("run", "")]
    assert 'set_secret slack-webhook-url "$ALERT_KEY_VAULT"' in secrets_step["run"]


def test_a_push_to_a_forks_branch_deploys_to_development_nowhere():
    import workflow_rules as rules

    ci = rules.load_workflows()["ci.yml"]
    ours = rules.Event("push", ref="refs/heads/feature/x", extra={"event": {"repository": {"fork": False}}})
    fork = rules.Event("push", ref="refs/heads/feature/x", extra={"event": {"repository": {"fork": True}}})
    assert rules.environments_deployed(ci, ours) == ["development"]
    assert rules.environments_deployed(ci, fork) == []


# ---- uat/prod: migrations inside the VNet (infra/migrate.bicep), never from the runner -----------
ROOT = Path(__file__).resolve().parents[2]


def steps_that_run(private_networking):
    import workflow_rules as rules

    context = {"steps": {"resources": {"outputs": {"private-networking": private_networking}}},
               "github": {"event_name": "push"}}
    return [s for s in JOB["steps"] if "if" not in s or rules.evaluate(str(s["if"]), context)]


def test_uat_and_prod_run_the_migration_template_and_never_ops_migrate_from_the_runner():
    private = steps_that_run("true")
    assert [s for s in private if "python -m ops migrate" in s.get("run", "")] == []
    (migrate,) = [s for s in private if "--template-file infra/migrate.bicep" in s.get("run", "")]
    assert "python infra/migration/payload.py" in migrate["run"]
    assert '--run-id "${GITHUB_RUN_ID}-${GITHUB_RUN_ATTEMPT}"' in migrate["run"]
    assert "firewall" not in migrate["run"] and "public-access" not in migrate["run"]
    # After the infrastructure it needs, before the code that needs the schema.
    order = [s.get("name", "") for s in private]
    infra = next(i for i, s in enumerate(private) if "--template-file \"$TEMPLATE_FILE\"" in s.get("run", "")
                 and "az deployment group create" in s["run"])
    code = next(i for i, s in enumerate(private) if "config-zip" in s.get("run", ""))
    assert infra < order.index(migrate["name"]) < code
    dev = steps_that_run("false")
    assert [s for s in dev if "--template-file infra/migrate.bicep" in s.get("run", "")] == []
    assert len([s for s in dev if "python -m ops migrate" in s.get("run", "")]) == 1


def test_the_switch_is_the_templates_private_networking_true_in_uat_and_prod_only():
    (read,) = [s for s in JOB["steps"] if s.get("id") == "resources"]
    assert "'.privateNetworking.value'" in read["run"]
    assert 'echo "private-networking=$private_networking"' in read["run"]
    assert "output privateNetworking bool = privateNetworking" in (ROOT / "infra/main.bicep").read_text()
    for env, expected in (("dev", False), ("uat", True), ("prod", True)):
        document = json.loads((ROOT / f"infra/parameters/{env}.parameters.json").read_text())
        assert document["parameters"]["privateNetworking"]["value"] is expected, env


def test_the_payload_step_writes_exactly_the_parameters_the_migration_template_declares(tmp_path):
    from pycep import BicepParser

    out = tmp_path / "migrate.parameters.json"
    result = subprocess.run(
        [sys.executable, "infra/migration/payload.py", "--parameter-file", "infra/parameters/prod.parameters.json",
         "--app-role", "devopps-id-be-prod", "--database-host", "h", "--run-id", "7-1", "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    given = json.loads(out.read_text())["parameters"]
    declared = BicepParser().parse(file_path=ROOT / "infra/migrate.bicep")["parameters"]
    required = {name for name, p in declared.items() if p["default"] is None}
    assert required <= set(given) <= set(declared)
    assert given["environmentName"]["value"] == "prod" and given["runId"]["value"] == "7-1"


# ---- uat/prod: the app's secrets are generated inside the VNet (infra/secrets.bicep) ------------
def test_uat_and_prod_never_touch_the_app_vault_from_the_runner_and_run_the_secrets_template():
    private = steps_that_run("true")
    for step in private:
        run = step.get("run", "")
        # The runner reaches no app secret: no generator, no `az keyvault secret` on the app's vault.
        assert "ensure_secrets.py" not in run, step["name"]
        assert "KEY_VAULT" not in step.get("env", {}), step["name"]
        if "az keyvault secret" in run:
            assert step["env"] == {"ALERT_KEY_VAULT": "${{ steps.resources.outputs.alert-key-vault }}",
                                   "SLACK_WEBHOOK_URL": "${{ secrets.SLACK_WEBHOOK_URL }}"}, step["name"]
            assert "--vault-name \"$2\"" in run and 'set_secret slack-webhook-url "$ALERT_KEY_VAULT"' in run
            assert "secret list" not in run and "secret show" not in run
    (secrets,) = [s for s in private if "--template-file infra/secrets.bicep" in s.get("run", "")]
    assert 'runId="${GITHUB_RUN_ID}-${GITHUB_RUN_ATTEMPT}"' in secrets["run"]
    assert "firewall" not in secrets["run"] and "network-rule" not in secrets["run"]
    assert "public-network-access" not in SCRIPTS and "network-rule add" not in SCRIPTS
    assert "az deployment-scripts show-log" in secrets["run"] and "devopps-secrets-$env_name" in secrets["run"]
    # Secrets before the migrations and the code that reads them.
    names = [s.get("name", "") for s in private]
    migrate = next(s for s in private if "--template-file infra/migrate.bicep" in s.get("run", ""))
    code = next(s for s in private if "config-zip" in s.get("run", ""))
    assert names.index(secrets["name"]) < names.index(migrate["name"]) < names.index(code["name"])


def test_dev_runs_the_one_generator_from_the_runner_and_not_the_secrets_template():
    dev = steps_that_run("false")
    assert [s for s in dev if "--template-file infra/secrets.bicep" in s.get("run", "")] == []
    (generator,) = [s for s in dev if "ensure_secrets.py" in s.get("run", "")]
    assert generator["run"].strip() == 'python infra/hooks/ensure_secrets.py --vault "$KEY_VAULT" --backend cli'
    assert generator["env"]["KEY_VAULT"] == "${{ steps.resources.outputs.key-vault }}"
    # The Slack webhook goes to the relay's public vault in every environment.
    assert [s["name"] for s in dev if "slack-webhook-url" in s.get("run", "")] == \
        [s["name"] for s in steps_that_run("true") if "slack-webhook-url" in s.get("run", "")]


def test_the_secrets_template_is_compiled_with_the_others():
    (build,) = [s for s in JOB["steps"] if s.get("name") == "Compile Bicep"]
    assert "az bicep build --file infra/secrets.bicep" in build["run"]
