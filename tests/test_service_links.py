"""How a service finds its task definition: in another file of the run by family, `family:revision` or
ARN (a second pass once every file is read, with or without worker processes), through ecspresso's
config, or not at all (TDL800, once)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from taskdeflint.engine.links import parse_reference
from taskdeflint.lint import PARALLEL_MIN_FILES
from tests.conftest import lint, rule_findings

TASKDEF = {
    "family": "web",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        {"name": "app", "image": "nginx:1.27", "essential": True, "portMappings": [{"containerPort": 80}]}
    ],
}


def service(reference: str | None, container: str = "web") -> str:
    data: dict[str, object] = {
        "cluster": "main",
        "serviceName": "web",
        "desiredCount": 1,
        "loadBalancers": [
            {
                "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123",
                "containerName": container,
                "containerPort": 80,
            }
        ],
    }
    if reference is None:  # ecspresso's: its config names the cluster and the service
        del data["serviceName"], data["cluster"]
    else:
        data["taskDefinition"] = reference
    return json.dumps(data, indent=2) + "\n"


def write(folder: Path, name: str, text: str | dict[str, object]) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if isinstance(text, str) else json.dumps(text, indent=2) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("web", ("web", None)),
        ("web:12", ("web", 12)),
        ("arn:aws:ecs:eu-west-1:123456789012:task-definition/web:12", ("web", 12)),
        ("arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/web", ("web", None)),
        ("web:latest", None),
        ("", None),
    ],
)
def test_references(reference: str, expected: tuple[str, int | None] | None) -> None:
    assert parse_reference(reference) == expected


@pytest.mark.parametrize(
    "reference", ["web", "web:3", "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"]
)
def test_a_service_finds_its_task_definition_in_another_file(tmp_path: Path, reference: str) -> None:
    write(tmp_path, "taskdefs/web.json", TASKDEF)
    write(tmp_path, "services/web.json", service(reference))
    result = lint(tmp_path, ".")
    found = rule_findings(result, "TDL801")
    assert [(f["path"], f["line"], f["column"]) for f in found] == [("services/web.json", 8, 7)]
    assert rule_findings(result, "TDL800") == []
    assert result.code == 1


def test_a_revision_that_the_run_does_not_have_is_not_matched(tmp_path: Path) -> None:
    write(tmp_path, "web.json", {"taskDefinition": {**TASKDEF, "revision": 4, "status": "ACTIVE"}})
    write(tmp_path, "service.json", service("web:3"))
    result = lint(tmp_path, ".")
    assert rule_findings(result, "TDL801") == []
    [note] = rule_findings(result, "TDL800")
    assert (note["path"], note["line"], note["severity"]) == ("service.json", 12, "info")
    assert note["message"] == (
        'Task definition "web:3" of service web is not among the files linted; the checks that compare '
        "the service with it were skipped"
    )


def test_a_service_alone_gets_one_note_and_passes(tmp_path: Path) -> None:
    write(tmp_path, "service.json", service("web"))
    result = lint(tmp_path, "service.json", show=None)
    assert result.findings == []
    assert result.code == 0
    shown = lint(tmp_path, "service.json")
    # One note on the task definition; the service's own notes (its rolling deployment has no circuit
    # breaker: TDL817) come from the checks that need nothing else.
    assert sorted(f["rule"] for f in shown.findings) == ["TDL800", "TDL817"]
    assert {f["severity"] for f in shown.findings} == {"info"}


def test_with_several_task_definitions_of_the_family_a_finding_must_hold_for_each(tmp_path: Path) -> None:
    other = {**TASKDEF, "containerDefinitions": [{**TASKDEF["containerDefinitions"][0], "name": "web"}]}  # type: ignore[index]
    write(tmp_path, "staging/web.json", TASKDEF)
    write(tmp_path, "production/web.json", other)
    write(tmp_path, "services/web.json", service("web"))
    assert rule_findings(lint(tmp_path, "."), "TDL801") == []
    # Beside the service, its own folder's task definition is the one it runs.
    write(tmp_path, "staging/service.json", service("web"))
    found = rule_findings(lint(tmp_path, "."), "TDL801")
    assert [f["path"] for f in found] == ["staging/service.json"]


def test_the_second_pass_works_with_worker_processes(tmp_path: Path) -> None:
    for number in range(PARALLEL_MIN_FILES):
        write(tmp_path, f"taskdefs/td{number:03}.json", {**TASKDEF, "family": f"td{number:03}"})
    for number in range(0, PARALLEL_MIN_FILES, 8):
        write(tmp_path, f"services/svc{number:03}.json", service(f"td{number:03}"))
    result = lint(tmp_path, ".", jobs=2)
    found = sorted(f["path"] for f in rule_findings(result, "TDL801"))
    assert found == [f"services/svc{n:03}.json" for n in range(0, PARALLEL_MIN_FILES, 8)]


def test_a_service_on_stdin_is_linted_once_the_run_is_read(tmp_path: Path) -> None:
    write(tmp_path, "web.json", TASKDEF)
    completed = subprocess.run(
        [sys.executable, "-m", "taskdeflint", "lint", "--format", "json", "-", "web.json"],
        input=service("web").encode(),
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    found = [f for f in json.loads(completed.stdout) if f["rule"] == "TDL801"]
    assert [(f["path"], f["line"]) for f in found] == [("<stdin>", 8)]


ECSPRESSO = """\
region: eu-west-1
cluster: main
service: web
service_definition: ecs-service-def.json
task_definition: ecs-task-def.json
timeout: "10m0s"
"""


def test_an_ecspresso_service_finds_its_task_definition_through_the_config(tmp_path: Path) -> None:
    write(tmp_path, "deploy/ecspresso.yml", ECSPRESSO)
    write(tmp_path, "deploy/ecs-task-def.json", TASKDEF)
    write(tmp_path, "deploy/ecs-service-def.json", service(None))
    # Only the service definition is named (as pre-commit names a changed file): the config ties it.
    result = lint(tmp_path, "deploy/ecs-service-def.json")
    found = rule_findings(result, "TDL801")
    assert [(f["path"], f["line"], f["column"]) for f in found] == [("deploy/ecs-service-def.json", 6, 7)]
    assert rule_findings(result, "TDL800") == []


def test_an_ecspresso_config_that_names_another_file_ties_nothing(tmp_path: Path) -> None:
    write(tmp_path, "ecspresso.yml", ECSPRESSO.replace("ecs-service-def.json", "other.json"))
    write(tmp_path, "ecs-task-def.json", TASKDEF)
    write(tmp_path, "ecs-service-def.json", service(None))
    result = lint(tmp_path, "ecs-service-def.json")
    assert rule_findings(result, "TDL801") == []


def test_a_folder_search_finds_service_files(tmp_path: Path) -> None:
    write(tmp_path, "web.json", TASKDEF)
    write(tmp_path, "service.json", service("web"))
    write(tmp_path, "package.json", {"name": "web", "version": "1.0.0"})
    result = lint(tmp_path, ".", verbose=True)
    assert "linted 2 files" in result.stderr


def test_service_json_is_checked_against_the_api_model(tmp_path: Path) -> None:
    write(
        tmp_path,
        "service.json",
        '{\n  "cluster": "main",\n  "serviceName": "web",\n  "taskDefinition": "web",\n'
        '  "desiredCount": "2",\n  "launchtype": "FARGATE",\n  "schedulingStrategy": "replica"\n}\n',
    )
    result = lint(tmp_path, "service.json")
    rows = [
        (f["rule"], f["line"], f["column"], f["message"]) for f in result.findings if f["rule"] != "TDL800"
    ]
    assert rows == [
        ("TDL003", 5, 3, 'desiredCount must be an integer, not string "2"'),
        ("TDL003", 6, 3, 'Service: unknown member "launchtype" (did you mean "launchType"?)'),
        (
            "TDL040",
            7,
            3,
            'schedulingStrategy is string "replica"; expected one of: REPLICA, DAEMON (did you mean "REPLICA"?)',
        ),
    ]
    assert result.code == 1


def test_ecspresso_drops_an_unknown_member_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path, "ecspresso.yml", ECSPRESSO)
    write(tmp_path, "ecs-task-def.json", TASKDEF)
    text = service(None, container="app").replace('"loadBalancers"', '"loadBalancer"')
    # Fargate, with its network configuration (an awsvpc task definition needs one: TDL804).
    network = '"networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d"]}},'
    text = text.replace('"desiredCount": 1,', f'"desiredCount": 1,\n  "launchType": "FARGATE", {network}')
    write(tmp_path, "ecs-service-def.json", text)
    result = lint(tmp_path, "ecs-service-def.json", show=None)
    rows = [(f["rule"], f["severity"], f["line"], f["column"]) for f in result.findings]
    assert rows == [("TDL023", "warning", 4, 3)]
    assert result.code == 0


def test_an_ecspresso_config_of_another_name_ties_its_files(tmp_path: Path) -> None:
    write(tmp_path, "staging.yml", ECSPRESSO.replace("ecs-", "staging-"))
    write(tmp_path, "staging-task-def.json", TASKDEF)
    write(tmp_path, "staging-service-def.json", service(None))
    result = lint(tmp_path, "staging-service-def.json")
    assert [f["line"] for f in rule_findings(result, "TDL801")] == [6]


def test_an_ecspresso_service_without_a_config_says_so_once(tmp_path: Path) -> None:
    write(tmp_path, "ecs-service-def.json", service(None))
    [note] = rule_findings(lint(tmp_path, "ecs-service-def.json"), "TDL800")
    assert (note["line"], note["column"]) == (1, 1)
    assert "no ecspresso config beside it names the file as its service_definition" in note["message"]


def test_a_service_definition_is_found_in_a_folder_by_its_service_members(tmp_path: Path) -> None:
    # An ecspresso daemon service: no serviceName, no desiredCount, no load balancer.
    write(
        tmp_path,
        "ecspresso.yml",
        "service_definition: ecs-service-def.json\ntask_definition: ecs-task-def.json\n",
    )
    write(tmp_path, "ecs-task-def.json", {**TASKDEF, "family": "agent"})
    daemon = {
        "launchType": "EC2",
        "schedulingStrategy": "DAEMON",
        "deploymentController": {"type": "EXTERNAL"},
    }
    write(tmp_path, "ecs-service-def.json", daemon)
    found = rule_findings(lint(tmp_path, "."), "TDL820")
    assert [(f["path"], f["line"], f["column"]) for f in found] == [("ecs-service-def.json", 3, 3)]


def test_run_task_input_is_no_service(tmp_path: Path) -> None:
    """`aws ecs run-task --cli-input-json` input names a task definition, a launch type and a network
    configuration too (aws-samples/amazon-ecs-firelens-examples keeps such files beside its task
    definitions): a folder search skips it, and named, it is no task definition."""
    run_task = {
        "cluster": "default",
        "taskDefinition": "web:4",
        "launchType": "FARGATE",
        "networkConfiguration": {
            "awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "ENABLED"}
        },
    }
    write(tmp_path, "runtask.json", run_task)
    write(tmp_path, "count.json", {**run_task, "count": 2, "cluster": None})
    write(tmp_path, "web.json", TASKDEF)
    assert lint(tmp_path, ".", verbose=True).stderr.count("not a task definition") == 2
    assert [f["rule"] for f in lint(tmp_path, "runtask.json").findings] == ["TDL004"]


def test_pre_commit_checks_the_services_that_run_a_changed_task_definition(tmp_path: Path) -> None:
    """pre-commit passes only the commit's files: a task definition whose container was renamed breaks
    the service in an unchanged file, which is reported there; that service's own old findings, which the
    commit did not bring, are not."""
    write(tmp_path, "taskdefs/web.json", TASKDEF)
    text = service("web").replace('"desiredCount": 1,', '"desiredCount": 1,\n  "launchType": "FARGATE",')
    text = text.replace(
        '"cluster": "main",',
        '"cluster": "main",\n  "capacityProviderStrategy": [{"capacityProvider": "FARGATE"}],',
    )
    write(tmp_path, "services/web.json", text)
    write(tmp_path, "services/other.json", service("other"))
    result = lint(tmp_path, "taskdefs/web.json", pre_commit=True, show=None)
    rows = [(f["path"], f["rule"], f["line"]) for f in result.findings if f["path"] != "taskdefs/web.json"]
    # Checked against it: the renamed container, and the network configuration its awsvpc mode needs.
    assert rows == [("services/web.json", "TDL804", 1), ("services/web.json", "TDL801", 10)]
    assert result.code == 1
    # Linting the whole repository gives the service's own finding too.
    found = {f["rule"] for f in lint(tmp_path, "services", "taskdefs", show=None).findings}
    assert found >= {"TDL801", "TDL804", "TDL806"}
    # A task definition that no service runs brings nothing.
    write(tmp_path, "taskdefs/web.json", {**TASKDEF, "family": "batch"})
    result = lint(tmp_path, "taskdefs/web.json", pre_commit=True, show=None)
    assert {f["path"] for f in result.findings} == {"taskdefs/web.json"}


def test_pre_commit_checks_the_ecspresso_service_beside_a_changed_task_definition(tmp_path: Path) -> None:
    write(tmp_path, "app/ecspresso.yml", ECSPRESSO)
    write(tmp_path, "app/ecs-task-def.json", TASKDEF)
    write(tmp_path, "app/ecs-service-def.json", service(None))
    write(tmp_path, "other/ecs-task-def.json", {**TASKDEF, "family": "other"})
    write(tmp_path, "other/ecs-service-def.json", service(None))
    result = lint(tmp_path, "app/ecs-task-def.json", pre_commit=True, show=None)
    rows = [(f["path"], f["rule"]) for f in result.findings if f["path"].endswith("service-def.json")]
    assert rows == [("app/ecs-service-def.json", "TDL804"), ("app/ecs-service-def.json", "TDL801")]


def test_pre_commit_finds_a_changed_services_task_definition_in_the_repository(tmp_path: Path) -> None:
    """The other way round: a service changed alone is checked against its task definition, which the
    commit does not hold."""
    write(tmp_path, "taskdefs/web.json", TASKDEF)
    write(tmp_path, "taskdefs/webapp.json", {**TASKDEF, "family": "webapp"})
    write(tmp_path, "services/web.json", service("web"))
    result = lint(tmp_path, "services/web.json", pre_commit=True)
    rows = [(f["path"], f["rule"], f["line"]) for f in result.findings if f["rule"] in ("TDL800", "TDL801")]
    assert rows == [("services/web.json", "TDL801", 8)]
    # Named without --pre-commit, the run holds what it is given, and says so.
    rules = {f["rule"] for f in lint(tmp_path, "services/web.json").findings}
    assert "TDL800" in rules and "TDL801" not in rules


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(TASKDEF),
        '{"family": "web", "containerDefinitions": [{"name": "app", "image": "repo:${TAG}", "memory": ${MEM}}]}',
        '{"family": "web", "cpu": null, "containerDefinitions": [{"name": "app", "image": "x"}]}',
    ],
)
def test_a_task_definition_read_for_a_service_is_the_one_linted(text: str) -> None:
    """For a service of another file a task definition is read without mapping its positions; what the
    checks see of it is the same."""
    from taskdeflint.readers.document import load

    mapped = load(text.encode(), name="web.json")
    bare = load(text.encode(), name="web.json", positions=False)
    assert mapped is not None and bare is not None
    assert [repr(t.taskdef.data) for t in bare.targets] == [repr(t.taskdef.data) for t in mapped.targets]
    assert [t.taskdef.data for t in bare.targets]


def test_an_ecspresso_service_definition_of_one_member_is_one_when_its_config_names_it(
    tmp_path: Path,
) -> None:
    """ecspresso's own DAEMON example is `{"schedulingStrategy": "DAEMON"}`: too little to tell a service
    by, unless the config beside it names it as the service definition."""
    write(tmp_path, "ecs-service-def.json", {"schedulingStrategy": "DAEMON"})
    write(tmp_path, "ecs-task-def.json", TASKDEF)
    alone = lint(tmp_path, "ecs-service-def.json")
    assert [f["rule"] for f in alone.findings] == ["TDL004"]
    write(tmp_path, "ecspresso.yml", ECSPRESSO)
    result = lint(tmp_path, ".")
    found = [
        (f["path"], f["rule"], f["line"]) for f in result.findings if f["path"] == "ecs-service-def.json"
    ]
    assert found == [("ecs-service-def.json", "TDL804", 1)]
