"""Every template parses, every parameter file and module call matches what it feeds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bicep_model as bm
import pytest

BICEP_FILES = sorted(bm.INFRA.rglob("*.bicep"))
PARAMETER_FILES = sorted((bm.INFRA / "parameters").glob("*.json"))


def _id(path: Path) -> str:
    return str(path.relative_to(bm.INFRA))


def test_the_infra_folder_has_main_modules_and_one_parameter_file_per_environment():
    assert bm.MAIN in BICEP_FILES
    assert len(BICEP_FILES) >= 10
    assert [p.name for p in PARAMETER_FILES] == [f"{env}.parameters.json" for env in sorted(bm.ENVIRONMENTS)]


@pytest.mark.parametrize("path", BICEP_FILES, ids=_id)
def test_every_bicep_file_parses(path):
    ast = bm.parse(path)
    assert ast.get("resources") or ast.get("modules"), f"{path.name} declares nothing"


@pytest.mark.parametrize("path", BICEP_FILES, ids=_id)
def test_comparisons_before_a_ternary_are_parenthesised(path):
    # pycep reads `a == 'x' ? 1 : 2` as `a == ('x' ? 1 : 2)`; Bicep reads it the other way.
    # Parenthesised comparisons mean the same to both, so the tests see what Azure sees.
    offenders = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        code = line.split("//")[0]
        for match in re.finditer(r"(==|!=|>=|<=| > | < )([^?'\n]*)\?", code):
            if ")" not in match.group(2):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize("path", PARAMETER_FILES, ids=_id)
def test_parameter_file_names_only_declared_parameters_and_every_required_one(path):
    declared = bm.parse(bm.MAIN)["parameters"]
    given = bm.load_parameter_file(path)
    assert sorted(set(given) - set(declared)) == []
    required = {name for name, p in declared.items() if p["default"] is None}
    assert sorted(required - set(given)) == []
    for name, value in given.items():
        bm.check_parameter_value(bm.MAIN, name, declared[name], value)


@pytest.mark.parametrize("path", PARAMETER_FILES, ids=_id)
def test_parameter_files_are_arm_deployment_parameter_documents(path):
    document = json.loads(path.read_text())
    assert document["$schema"].endswith("/deploymentParameters.json#")
    assert document["contentVersion"] == "1.0.0.0"
    assert document["parameters"]["environmentName"]["value"] == path.name.split(".")[0]


def test_an_unknown_parameter_is_refused():
    with pytest.raises(bm.BicepModelError, match="unknown parameters"):
        bm.deploy("dev", notAParameter=1)


def test_a_missing_required_parameter_is_refused():
    arguments = bm.load_parameter_file(bm.INFRA / "parameters" / "dev.parameters.json")
    del arguments["maximumInstanceCount"]
    with pytest.raises(bm.BicepModelError, match="required parameters missing"):
        bm.Deployment(bm.MAIN, arguments)


def test_a_value_outside_allowed_is_refused():
    with pytest.raises(bm.BicepModelError, match="not in"):
        bm.deploy("dev", environmentName="staging")


@pytest.mark.parametrize("path", BICEP_FILES, ids=_id)
def test_every_module_call_passes_declared_parameters_and_all_required_ones(path):
    ast = bm.parse(path)
    for symbol, module in ast.get("modules", {}).items():
        target = (path.parent / module["detail"]["path"]).resolve()
        assert target.exists(), f"{symbol}: {target} missing"
        declared = bm.parse(target)["parameters"]
        body = bm._unwrap(module["config"])[1]
        passed = set(body.get("params", {}))
        assert sorted(passed - set(declared)) == [], f"{symbol} passes unknown parameters"
        required = {name for name, p in declared.items() if p["default"] is None}
        assert sorted(required - passed) == [], f"{symbol} misses required parameters"


@pytest.mark.parametrize("path", BICEP_FILES, ids=_id)
def test_files_loaded_by_templates_exist(path):
    for relative in re.findall(r"load(?:Text|Json)Content\('([^']+)'\)", path.read_text()):
        assert (path.parent / relative).is_file(), relative


def test_every_query_file_is_used_by_the_templates():
    loaded = set()
    for path in BICEP_FILES:
        for relative in re.findall(r"loadTextContent\('([^']+\.kql)'\)", path.read_text()):
            loaded.add((path.parent / relative).resolve())
    queries = {p.resolve() for p in (bm.INFRA / "queries").glob("*.kql")}
    assert queries, "no KQL files"
    assert queries == loaded


def test_the_slack_relay_workflow_is_valid_json_with_secure_webhook_handling():
    workflow = json.loads((bm.INFRA / "workflows" / "slack-alert-relay.json").read_text())
    read, post = workflow["actions"]["Read_webhook_url"], workflow["actions"]["Post_to_Slack"]
    assert "secrets/slack-webhook-url" in read["inputs"]["uri"]
    assert read["inputs"]["authentication"]["type"] == "ManagedServiceIdentity"
    assert set(read["runtimeConfiguration"]["secureData"]["properties"]) == {"inputs", "outputs"}
    assert "inputs" in post["runtimeConfiguration"]["secureData"]["properties"]


@pytest.mark.parametrize("path", BICEP_FILES, ids=_id)
def test_a_negation_before_and_or_is_parenthesised(path):
    # pycep reads `!a && b` as `!(a && b)`; Bicep reads `(!a) && b`. Written `(!a) && b`, both agree.
    offenders = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        code = line.split("//")[0]
        if re.search(r"(?<!\()!\w+(\([^()]*\))?\s*(&&|\|\|)", code):
            offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
