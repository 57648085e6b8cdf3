"""Rules the GitHub Actions workflows must follow, as functions that return problems.

Each check returns a list of human-readable problems (empty = fine), so the tests can run
it on the real workflows (expecting none) and on broken examples (expecting some).
Also a small evaluator for the `if:` expressions the deploy jobs use, so the tests can
ask which environment an event deploys to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"
SHA_PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\b")
AZURE_LOGIN = re.compile(r"^azure/login@", re.IGNORECASE)


@dataclass
class Workflow:
    path: Path
    text: str
    doc: dict[Any, Any]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def triggers(self) -> dict[str, Any]:
        # YAML 1.1 reads the bare key `on` as the boolean True.
        raw = self.doc.get("on", self.doc.get(True))
        if isinstance(raw, str):
            return {raw: None}
        if isinstance(raw, list):
            return {name: None for name in raw}
        return dict(raw or {})

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        return dict(self.doc.get("jobs") or {})


def parse_workflow(path: Path, text: str | None = None) -> Workflow:
    text = path.read_text(encoding="utf-8") if text is None else text
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict):
        raise TypeError(f"{path.name}: not a YAML mapping")
    return Workflow(path, text, doc)


def load_workflows(directory: Path = WORKFLOWS_DIR) -> dict[str, Workflow]:
    files = sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")])
    return {path.name: parse_workflow(path) for path in files}


def iter_uses(workflow: Workflow) -> list[tuple[str, str]]:
    """(location, uses) for every job-level and step-level `uses:`."""
    found: list[tuple[str, str]] = []
    for job_id, job in workflow.jobs.items():
        if "uses" in job:
            found.append((f"jobs.{job_id}", str(job["uses"])))
        for index, step in enumerate(job.get("steps") or []):
            if isinstance(step, dict) and "uses" in step:
                found.append((f"jobs.{job_id}.steps[{index}]", str(step["uses"])))
    return found


def called_workflow(workflow: Workflow, job: dict[str, Any]) -> Workflow | None:
    """The local reusable workflow a job calls (`uses: ./.github/workflows/x.yml`)."""
    uses = job.get("uses")
    if not isinstance(uses, str) or not uses.startswith("./"):
        return None
    target = (REPO_ROOT / uses).resolve()
    if workflow.path.parent != WORKFLOWS_DIR:
        target = (workflow.path.parent / Path(uses).name).resolve()
    return parse_workflow(target) if target.is_file() else None


# ---------------------------------------------------------------- checks


def check_no_pull_request_target(workflow: Workflow) -> list[str]:
    problems = []
    if "pull_request_target" in workflow.triggers:
        problems.append(f"{workflow.name}: triggers on pull_request_target")
    elif re.search(r"\bpull_request_target\b", workflow.text):
        problems.append(f"{workflow.name}: mentions pull_request_target")
    return problems


def check_actions_pinned(workflow: Workflow) -> list[str]:
    problems = []
    lines = workflow.text.splitlines()
    for location, uses in iter_uses(workflow):
        if uses.startswith("./"):
            continue
        if uses.startswith("docker://"):
            if not re.search(r"@sha256:[0-9a-f]{64}$", uses):
                problems.append(f"{workflow.name} {location}: docker image not pinned by digest: {uses}")
            continue
        if not SHA_PINNED.match(uses):
            problems.append(f"{workflow.name} {location}: not pinned to a 40-hex commit SHA: {uses}")
            continue
        source_lines = [line for line in lines if uses in line]
        if not source_lines or not all(VERSION_COMMENT.search(line) for line in source_lines):
            problems.append(f"{workflow.name} {location}: {uses} lacks a '# vX.Y.Z' comment")
    return problems


def check_timeouts(workflow: Workflow) -> list[str]:
    problems = []
    for job_id, job in workflow.jobs.items():
        if "uses" in job:
            called = called_workflow(workflow, job)
            if called is None:
                problems.append(f"{workflow.name} jobs.{job_id}: calls a workflow that is not local: {job['uses']}")
                continue
            problems += [f"{workflow.name} jobs.{job_id} -> {p}" for p in check_timeouts(called)]
            continue
        timeout = job.get("timeout-minutes")
        if not isinstance(timeout, int) or isinstance(timeout, bool) or not 0 < timeout <= 120:
            problems.append(f"{workflow.name} jobs.{job_id}: timeout-minutes missing or not in 1..120")
    return problems


def check_permissions(workflow: Workflow) -> list[str]:
    problems = []
    top = workflow.doc.get("permissions", None)
    if top is None:
        problems.append(f"{workflow.name}: no top-level permissions (the default token is broad)")
    elif top not in ({}, {"contents": "read"}):
        problems.append(f"{workflow.name}: top-level permissions must be {{}} or contents: read, got {top!r}")
    for job_id, job in workflow.jobs.items():
        perms = job.get("permissions", top)
        if perms is None:
            problems.append(f"{workflow.name} jobs.{job_id}: no permissions at job or workflow level")
        elif isinstance(perms, str):
            problems.append(f"{workflow.name} jobs.{job_id}: permissions must be a mapping, got {perms!r}")
    return problems


def _job_signs_in_to_azure(workflow: Workflow, job: dict[str, Any]) -> bool:
    if "uses" in job:
        called = called_workflow(workflow, job)
        return called is not None and any(_job_signs_in_to_azure(called, inner) for inner in called.jobs.values())
    return any(
        isinstance(step, dict) and AZURE_LOGIN.match(str(step.get("uses", ""))) for step in job.get("steps") or []
    )


def check_id_token(workflow: Workflow) -> list[str]:
    problems = []
    top = workflow.doc.get("permissions") or {}
    if isinstance(top, dict) and top.get("id-token") == "write":
        problems.append(f"{workflow.name}: id-token: write at workflow level")
    for job_id, job in workflow.jobs.items():
        perms = job.get("permissions") or {}
        writes_id_token = isinstance(perms, dict) and perms.get("id-token") == "write"
        signs_in = _job_signs_in_to_azure(workflow, job)
        if writes_id_token and not signs_in:
            problems.append(f"{workflow.name} jobs.{job_id}: id-token: write without azure/login")
        if signs_in and not writes_id_token:
            problems.append(f"{workflow.name} jobs.{job_id}: azure/login without id-token: write")
    return problems


_UNTRUSTED_IN_RUN = re.compile(r"\$\{\{\s*(secrets\.|inputs\.|github\.event\.|github\.head_ref)")


def check_no_expressions_in_run(workflow: Workflow) -> list[str]:
    """Secrets and caller/event data reach scripts through env:, never spliced into the script."""
    problems = []
    for job_id, job in workflow.jobs.items():
        for index, step in enumerate(job.get("steps") or []):
            run = step.get("run") if isinstance(step, dict) else None
            if isinstance(run, str) and _UNTRUSTED_IN_RUN.search(run):
                problems.append(f"{workflow.name} jobs.{job_id}.steps[{index}]: expression spliced into run:")
    return problems


def check_caller_inputs(workflow: Workflow) -> list[str]:
    """Jobs calling a local reusable workflow pass every required input and no unknown one."""
    problems = []
    for job_id, job in workflow.jobs.items():
        called = called_workflow(workflow, job)
        if called is None:
            continue
        declared = (called.triggers.get("workflow_call") or {}).get("inputs") or {}
        given = job.get("with") or {}
        for name in given:
            if name not in declared:
                problems.append(f"{workflow.name} jobs.{job_id}: unknown input {name!r}")
        for name, spec in declared.items():
            if (spec or {}).get("required") and name not in given:
                problems.append(f"{workflow.name} jobs.{job_id}: missing required input {name!r}")
    return problems


ALL_CHECKS = (
    check_no_pull_request_target,
    check_actions_pinned,
    check_timeouts,
    check_permissions,
    check_id_token,
    check_no_expressions_in_run,
    check_caller_inputs,
)


# ---------------------------------------------------------------- `if:` evaluation


@dataclass
class Event:
    """The parts of the github context the deploy conditions look at."""

    event_name: str
    ref: str = ""
    base_ref: str = ""
    actor: str = "alice"
    repository: str = "iebank/iebank"
    head_repository: str = "iebank/iebank"
    extra: dict[str, Any] = field(default_factory=dict)

    def context(self) -> dict[str, Any]:
        github: dict[str, Any] = {
            "event_name": self.event_name,
            "ref": self.ref,
            "base_ref": self.base_ref,
            "actor": self.actor,
            "repository": self.repository,
            "event": {},
        }
        if self.event_name == "pull_request":
            github["event"] = {"pull_request": {"head": {"repo": {"full_name": self.head_repository}}}}
        github.update(self.extra)
        return {"github": github}


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<word>[A-Za-z_][A-Za-z0-9_.\-]*))")


class ExpressionError(ValueError):
    pass


def evaluate(expression: str, context: dict[str, Any]) -> bool:
    """Evaluate the subset of GitHub expressions used in `if:` (==, !=, &&, ||, !, ())."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ExpressionError(f"cannot read {text[position:]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1

    def lookup(name: str) -> Any:
        if name in ("true", "false"):
            return name == "true"
        if name == "null":
            return None
        value: Any = context
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    index = 0

    def peek() -> str | None:
        return tokens[index][1] if index < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal index
        if index >= len(tokens):
            raise ExpressionError("unexpected end of expression")
        index += 1
        return tokens[index - 1]

    def primary() -> Any:
        kind, value = take()
        if value == "(":
            result = disjunction()
            if take()[1] != ")":
                raise ExpressionError("missing )")
            return result
        if value == "!":
            return not primary()
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "word":
            return lookup(value)
        raise ExpressionError(f"unexpected {value!r}")

    def comparison() -> Any:
        left = primary()
        while peek() in ("==", "!="):
            op = take()[1]
            right = primary()
            equal = (
                (str(left).lower() == str(right).lower())
                if isinstance(left, str) and isinstance(right, str)
                else left == right
            )
            left = equal if op == "==" else not equal
        return left

    def conjunction() -> Any:
        left = comparison()
        while peek() == "&&":
            take()
            right = comparison()
            left = left and right
        return left

    def disjunction() -> Any:
        left = conjunction()
        while peek() == "||":
            take()
            right = conjunction()
            left = left or right
        return left

    result = disjunction()
    if index != len(tokens):
        raise ExpressionError(f"trailing tokens in {expression!r}")
    return bool(result)


def deploy_jobs(workflow: Workflow, deploy_file: str = "deploy.yml") -> dict[str, dict[str, Any]]:
    return {
        job_id: job for job_id, job in workflow.jobs.items() if str(job.get("uses", "")).endswith(f"/{deploy_file}")
    }


def environments_deployed(workflow: Workflow, event: Event) -> list[str]:
    """Which environments the workflow's deploy jobs would deploy for this event."""
    triggers = workflow.triggers
    if event.event_name not in triggers or not _trigger_matches(triggers[event.event_name], event):
        return []
    chosen = []
    for job in deploy_jobs(workflow).values():
        condition = job.get("if")
        if condition is None or evaluate(str(condition), event.context()):
            chosen.append(str((job.get("with") or {}).get("environment")))
    return sorted(chosen)


def _trigger_matches(spec: Any, event: Event) -> bool:
    if not spec:
        return True
    if event.event_name == "push":
        if not event.ref.startswith("refs/heads/"):
            # A tag push: a `branches` filter without `tags` never matches it.
            return "branches" not in spec or "tags" in spec
        branch = event.ref.removeprefix("refs/heads/")
    elif event.event_name == "pull_request":
        branch = event.base_ref
    else:
        return True
    patterns = spec.get("branches")
    if patterns is None:
        return True
    return any(_branch_glob(pattern).match(branch) for pattern in patterns)


def _branch_glob(pattern: str) -> re.Pattern[str]:
    regex = re.escape(pattern).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    return re.compile(f"^{regex}$")
