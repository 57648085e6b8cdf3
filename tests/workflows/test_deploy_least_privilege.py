"""Issue 18, the pipeline's part: a fork never deploys, the database firewall is never opened to
an address looked up from a third-party service, and the app identity never runs migrations."""

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
        if "az deployment group" in step.get("run", ""):
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
