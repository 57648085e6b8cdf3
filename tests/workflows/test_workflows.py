"""The GitHub Actions workflows keep the release rules of docs/release.md.

Every rule runs on the real workflow files (no problem expected) and on a broken
example (the problem must be found), so a rule that silently stops checking fails here.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import workflow_rules as rules
import yaml
from workflow_rules import Event

WORKFLOWS = rules.load_workflows()
CI = WORKFLOWS["ci.yml"]
DEPLOY = WORKFLOWS["deploy.yml"]
DEPLOY_JOB = DEPLOY.jobs["deploy"]
NON_DEPLOY_CI_JOBS = sorted(set(CI.jobs) - set(rules.deploy_jobs(CI)))


def broken(tmp_path: Path, text: str, name: str = "broken.yml") -> rules.Workflow:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return rules.parse_workflow(path)


def test_the_expected_workflows_exist() -> None:
    assert {"ci.yml", "deploy.yml", "codeql.yml", "scorecard.yml"} <= set(WORKFLOWS)


# ---------------------------------------------------------------- trigger -> environment


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (Event("push", ref="refs/heads/feature/transfers"), ["development"]),
        (Event("push", ref="refs/heads/fix-login"), ["development"]),
        (Event("pull_request", base_ref="main", ref="refs/pull/7/merge"), ["uat"]),
        (Event("push", ref="refs/heads/main"), ["production"]),
    ],
    ids=["push-feature-branch", "push-other-branch", "pr-into-main", "push-main"],
)
def test_each_trigger_deploys_to_exactly_its_environment(event: Event, expected: list[str]) -> None:
    assert rules.environments_deployed(CI, event) == expected


@pytest.mark.parametrize(
    "event",
    [
        Event("pull_request", base_ref="release/1", ref="refs/pull/8/merge"),
        Event("pull_request", base_ref="main", head_repository="someone/fork"),
        Event("push", ref="refs/heads/dependabot/pip/pydantic-2", actor="dependabot[bot]"),
        Event("pull_request", base_ref="main", actor="dependabot[bot]"),
        Event("push", ref="refs/tags/v1.0.0"),
    ],
    ids=[
        "pr-into-other-branch",
        "pr-from-fork",
        "dependabot-push",
        "dependabot-pr",
        "tag-push",
    ],
)
def test_events_without_deployment_secrets_deploy_nowhere(event: Event) -> None:
    assert rules.environments_deployed(CI, event) == []


def test_ci_runs_on_every_push_and_pull_request() -> None:
    triggers = CI.triggers
    assert set(triggers) == {"push", "pull_request"}
    assert triggers["push"] == {"branches": ["**"]}
    assert not (triggers["pull_request"] or {}).get("branches")


def test_each_environment_gets_its_own_resource_group_and_parameter_file() -> None:
    calls = {job["with"]["environment"]: job["with"] for job in rules.deploy_jobs(CI).values()}
    assert set(calls) == {"development", "uat", "production"}
    for environment, short in [
        ("development", "dev"),
        ("uat", "uat"),
        ("production", "prod"),
    ]:
        assert calls[environment]["resource-group"].endswith(f"-{short.upper()}")
        assert calls[environment]["parameter-file"] == f"infra/parameters/{short}.parameters.json"


def test_every_deployment_needs_every_ci_job_so_only_a_passing_build_ships() -> None:
    for job_id, job in rules.deploy_jobs(CI).items():
        assert sorted(job.get("needs") or []) == NON_DEPLOY_CI_JOBS, job_id


def test_deployment_ships_the_artifacts_built_and_tested_in_this_run() -> None:
    build_steps = CI.jobs["build"]["steps"]
    uploaded = {s["with"]["name"] for s in build_steps if "upload-artifact" in s.get("uses", "")}
    downloaded = {s["with"]["name"] for s in DEPLOY_JOB["steps"] if "download-artifact" in s.get("uses", "")}
    assert uploaded == downloaded == {"functionapp-package", "frontend-dist"}
    deploy_scripts = " ".join(s.get("run", "") for s in DEPLOY_JOB["steps"])
    assert "npm run" not in deploy_scripts and "package_function_app" not in deploy_scripts


def test_the_make_jobs_run_the_same_make_targets_as_local_development() -> None:
    runs = {job_id: [s.get("run", "") for s in job.get("steps", [])] for job_id, job in CI.jobs.items()}
    assert "make lint" in runs["lint"]
    assert "make test-python" in runs["test-python"]
    assert "make test-frontend" in runs["test-frontend"]
    assert "make system-deps" in runs["test-frontend"]
    assert "make infra-check" in runs["infra-check"]


def test_python_tests_get_a_postgresql_16_service_and_its_url() -> None:
    job = CI.jobs["test-python"]
    assert job["services"]["postgres"]["image"] == "postgres:16"
    assert job["env"]["DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:5432/" in job["env"]["DATABASE_URL"]


# ---------------------------------------------------------------- the deploy workflow


def test_deploy_workflow_is_reusable_with_environment_resource_group_and_parameter_file() -> None:
    assert set(DEPLOY.triggers) == {"workflow_call"}
    inputs = DEPLOY.triggers["workflow_call"]["inputs"]
    assert {name for name, spec in inputs.items() if spec.get("required")} == {
        "environment",
        "resource-group",
        "parameter-file",
    }


def test_deploy_job_runs_in_the_github_environment_it_was_called_for() -> None:
    assert DEPLOY_JOB["environment"]["name"] == "${{ inputs.environment }}"


def test_two_deployments_to_one_environment_never_overlap_or_cancel_each_other() -> None:
    concurrency = DEPLOY_JOB["concurrency"]
    assert "${{ inputs.environment }}" in concurrency["group"]
    assert concurrency["cancel-in-progress"] is False


def _step_index(predicate: Any) -> int:
    matches = [i for i, step in enumerate(DEPLOY_JOB["steps"]) if predicate(step)]
    assert matches, "step not found"
    return matches[0]


def _runs(fragment: str) -> Any:
    return lambda step: fragment in step.get("run", "")


def test_deploy_steps_run_in_release_order() -> None:
    login = _step_index(lambda s: str(s.get("uses", "")).startswith("azure/login@"))
    bicep = _step_index(_runs("az bicep build"))
    what_if = _step_index(_runs("az deployment group what-if"))
    infra = _step_index(_runs("az deployment group create"))
    migrate = _step_index(_runs("python -m ops migrate"))
    functions = _step_index(_runs("az functionapp deployment source config-zip"))
    frontend = _step_index(lambda s: "static-web-apps-deploy" in str(s.get("uses", "")))
    smoke = _step_index(_runs(".github/scripts/smoke_test.py"))
    assert login < bicep < what_if < infra < migrate < functions < frontend < smoke
    assert smoke == len(DEPLOY_JOB["steps"]) - 1


def test_what_if_runs_only_on_pull_requests() -> None:
    step = DEPLOY_JOB["steps"][_step_index(_runs("az deployment group what-if"))]
    assert step["if"] == "github.event_name == 'pull_request'"


def test_azure_sign_in_uses_oidc_and_no_client_secret() -> None:
    logins = [s for s in DEPLOY_JOB["steps"] if str(s.get("uses", "")).startswith("azure/login@")]
    assert logins
    for step in logins:
        assert set(step["with"]) == {"client-id", "tenant-id", "subscription-id"}
    assert "creds" not in DEPLOY.text and "client-secret" not in DEPLOY.text


def test_migrations_run_as_the_pipeline_identity_with_entra_auth() -> None:
    step = DEPLOY_JOB["steps"][_step_index(_runs("python -m ops migrate"))]
    assert step["env"]["DATABASE_AUTH"] == "entra"
    # The URL names a user and no password: the app fetches an Entra token as the password.
    assert "postgresql://%s@%s:5432/" in step["run"]
    assert "PGPASSWORD" not in step["run"] and "PGPASSWORD" not in step.get("env", {})


def test_swa_deployment_token_is_fetched_at_run_time_and_masked() -> None:
    fetch = DEPLOY_JOB["steps"][_step_index(_runs("az staticwebapp secrets list"))]
    assert "::add-mask::" in fetch["run"]
    assert "GITHUB_ENV" not in fetch["run"]
    upload = DEPLOY_JOB["steps"][_step_index(lambda s: "static-web-apps-deploy" in str(s.get("uses", "")))]
    assert upload["with"]["azure_static_web_apps_api_token"] == "${{ steps.swa-token.outputs.token }}"
    assert not any("STATIC_WEB_APPS_API_TOKEN" in name for name in re.findall(r"secrets\.(\w+)", DEPLOY.text))


def test_smoke_test_gets_the_test_user_from_secrets_through_env() -> None:
    step = DEPLOY_JOB["steps"][_step_index(_runs(".github/scripts/smoke_test.py"))]
    assert step["env"]["SMOKE_TEST_USERNAME"] == "${{ secrets.SMOKE_TEST_USERNAME }}"
    assert step["env"]["SMOKE_TEST_PASSWORD"] == "${{ secrets.SMOKE_TEST_PASSWORD }}"


# ---------------------------------------------------------------- hardening rules


@pytest.mark.parametrize("check", rules.ALL_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_workflow_keeps_the_hardening_rules(check: Any, name: str) -> None:
    assert check(WORKFLOWS[name]) == []


def test_a_pull_request_target_trigger_is_caught(tmp_path: Path) -> None:
    workflow = broken(
        tmp_path,
        """\
        on: pull_request_target
        permissions: {}
        jobs: {}
        """,
    )
    assert rules.check_no_pull_request_target(workflow)


@pytest.mark.parametrize(
    "uses",
    [
        "actions/checkout@v4",
        "actions/checkout@main",
        "actions/checkout@11bd719",
        "someone/action@11bd71901bbe5b1630ceea73d27597364c9af683",  # pinned, no version comment
        "docker://alpine:3",
    ],
)
def test_an_unpinned_action_is_caught(tmp_path: Path, uses: str) -> None:
    workflow = broken(
        tmp_path,
        f"""\
        on: push
        permissions: {{}}
        jobs:
          a:
            runs-on: ubuntu-latest
            timeout-minutes: 5
            permissions: {{}}
            steps:
              - uses: {uses}
        """,
    )
    assert rules.check_actions_pinned(workflow)


def test_a_job_without_timeout_is_caught(tmp_path: Path) -> None:
    workflow = broken(
        tmp_path,
        """\
        on: push
        permissions: {}
        jobs:
          a:
            runs-on: ubuntu-latest
            steps: [{run: "true"}]
        """,
    )
    assert rules.check_timeouts(workflow)


def test_a_called_workflow_without_timeout_is_caught(tmp_path: Path) -> None:
    broken(
        tmp_path,
        """\
        on: {workflow_call: {}}
        permissions: {}
        jobs:
          inner:
            runs-on: ubuntu-latest
            steps: [{run: "true"}]
        """,
        name="inner.yml",
    )
    caller = broken(
        tmp_path,
        """\
        on: push
        permissions: {}
        jobs:
          call:
            uses: ./.github/workflows/inner.yml
        """,
    )
    assert rules.check_timeouts(caller)


@pytest.mark.parametrize(
    "permissions_block",
    ["", "permissions: write-all", "permissions: {contents: write}"],
    ids=["missing", "write-all", "contents-write"],
)
def test_broad_or_missing_permissions_are_caught(tmp_path: Path, permissions_block: str) -> None:
    workflow = broken(
        tmp_path,
        f"""\
        on: push
        {permissions_block}
        jobs:
          a:
            runs-on: ubuntu-latest
            timeout-minutes: 5
            steps: [{{run: "true"}}]
        """,
    )
    assert rules.check_permissions(workflow)


def test_id_token_write_without_azure_login_is_caught(tmp_path: Path) -> None:
    workflow = broken(
        tmp_path,
        """\
        on: push
        permissions: {}
        jobs:
          a:
            runs-on: ubuntu-latest
            timeout-minutes: 5
            permissions: {contents: read, id-token: write}
            steps: [{run: "true"}]
        """,
    )
    assert rules.check_id_token(workflow)


def test_id_token_write_at_workflow_level_is_caught(tmp_path: Path) -> None:
    workflow = broken(
        tmp_path,
        """\
        on: push
        permissions: {id-token: write}
        jobs: {}
        """,
    )
    assert rules.check_id_token(workflow)


def test_a_secret_spliced_into_a_script_is_caught(tmp_path: Path) -> None:
    workflow = broken(
        tmp_path,
        """\
        on: push
        permissions: {}
        jobs:
          a:
            runs-on: ubuntu-latest
            timeout-minutes: 5
            steps: [{run: "echo ${{ secrets.SMOKE_TEST_PASSWORD }}"}]
        """,
    )
    assert rules.check_no_expressions_in_run(workflow)


def test_a_wrong_input_to_the_deploy_workflow_is_caught(tmp_path: Path) -> None:
    broken(tmp_path, DEPLOY.text, name="deploy.yml")
    caller = broken(
        tmp_path,
        """\
        on: push
        permissions: {}
        jobs:
          d:
            permissions: {contents: read, id-token: write}
            uses: ./.github/workflows/deploy.yml
            with: {environment: development, resource_group: rg}
        """,
    )
    assert len(rules.check_caller_inputs(caller)) == 3  # unknown resource_group, 2 missing


def test_a_deploy_condition_that_lets_main_into_development_is_caught(
    tmp_path: Path,
) -> None:
    text = CI.text.replace("github.ref != 'refs/heads/main' && ", "")
    assert text != CI.text
    mutated = broken(tmp_path, text, name="ci.yml")
    event = Event("push", ref="refs/heads/main")
    assert rules.environments_deployed(mutated, event) == ["development", "production"]


def test_the_expression_evaluator_reads_what_github_reads() -> None:
    context = Event("pull_request", base_ref="Main").context()
    assert rules.evaluate("github.base_ref == 'main'", context)  # comparison ignores case
    assert rules.evaluate("${{ !(github.event_name == 'push') }}", context)
    assert not rules.evaluate("github.event_name == 'push' || github.actor == 'bob'", context)
    with pytest.raises(rules.ExpressionError):
        rules.evaluate("contains(github.ref, 'x')", context)


# ---------------------------------------------------------------- security workflows


def test_codeql_analyses_python_and_javascript_typescript() -> None:
    job = WORKFLOWS["codeql.yml"].jobs["analyze"]
    assert sorted(job["strategy"]["matrix"]["language"]) == [
        "javascript-typescript",
        "python",
    ]
    assert job["permissions"]["security-events"] == "write"


def test_scorecard_uploads_sarif_to_code_scanning() -> None:
    steps = WORKFLOWS["scorecard.yml"].jobs["analysis"]["steps"]
    scorecard = next(s for s in steps if str(s.get("uses", "")).startswith("ossf/scorecard-action@"))
    assert scorecard["with"]["results_format"] == "sarif"
    upload = next(s for s in steps if "codeql-action/upload-sarif@" in str(s.get("uses", "")))
    assert upload["with"]["sarif_file"] == scorecard["with"]["results_file"]


def test_dependabot_watches_pip_npm_and_github_actions() -> None:
    config = yaml.safe_load((rules.REPO_ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    watched = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert {("pip", "/"), ("npm", "/frontend"), ("github-actions", "/")} <= watched


def test_the_required_checks_named_in_docs_release_md_exist() -> None:
    doc = (rules.REPO_ROOT / "docs" / "release.md").read_text(encoding="utf-8")
    start = re.search(r"Required\s+checks", doc)
    assert start, "docs/release.md no longer lists the required checks"
    paragraph = doc[start.start() : doc.index("- Do not allow force pushes")]
    named = re.findall(r"`([^`]+)`", paragraph)
    assert len(named) >= 8
    check_names = {job["name"] for job in CI.jobs.values() if "uses" not in job}
    check_names |= {f"Analyze ({language})" for language in ["python", "javascript-typescript"]}
    uat = rules.deploy_jobs(CI)["deploy-uat"]
    check_names.add(f"{uat['name']} / {DEPLOY_JOB['name'].replace('${{ inputs.environment }}', 'uat')}")
    assert set(named) <= check_names, set(named) - check_names
