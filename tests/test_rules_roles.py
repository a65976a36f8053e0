"""Edge cases of the roles, logging and secrets rules (TDL400..TDL404, TDL410..TDL415, TDL420..TDL426,
TDL430): catches and catches-not, positions, messages, and documents with wrong types in the members these
rules read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import pointers, rule_findings

FARGATE: dict[str, Any] = {
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
}
ROLE = "arn:aws:iam::111122223333:role/ecsTaskExecutionRole"
ECR = "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1.0"
AWSLOGS = {
    "logDriver": "awslogs",
    "options": {"awslogs-group": "/ecs/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"},
}
C = "/containerDefinitions/0"


def task(*containers: dict[str, Any], **members: Any) -> str:
    data: dict[str, Any] = {"family": "t"}
    data.update(members)
    data["containerDefinitions"] = [
        {"name": f"c{i}", "image": "app:1", "memory": 256, **c} for i, c in enumerate(containers or ({},))
    ]
    return json.dumps(data, indent=2)


def fargate(*containers: dict[str, Any], **members: Any) -> str:
    return task(*containers, **{**FARGATE, **members})


def bare(*containers: dict[str, Any]) -> str:
    return json.dumps([{"name": f"c{i}", "image": "app:1", **c} for i, c in enumerate(containers)])


# --- TDL400 fargate-awslogs-without-execution-role --------------------------------------------------------

TDL400 = [
    (fargate({"logConfiguration": AWSLOGS}), [""]),
    (fargate({"logConfiguration": AWSLOGS}, executionRoleArn=ROLE), []),
    (fargate({"logConfiguration": AWSLOGS}, executionRoleArn=""), [""]),
    (fargate({"logConfiguration": AWSLOGS}, executionRoleArn="  "), [""]),
    (fargate({"logConfiguration": AWSLOGS}, executionRoleArn=None), [""]),
    (fargate({"logConfiguration": AWSLOGS}, executionRoleArn=5), []),  # wrong type: the schema's
    (fargate({"logConfiguration": AWSLOGS}, {"logConfiguration": AWSLOGS}), [""]),  # one finding per task
    (fargate({"logConfiguration": {"logDriver": "splunk"}}), []),
    (task({"logConfiguration": AWSLOGS}), []),  # EC2: the instance role writes the logs
    (task({"logConfiguration": AWSLOGS}, requiresCompatibilities=["EC2", "FARGATE"]), [""]),
    (bare({"logConfiguration": AWSLOGS}), []),
    (fargate({"logConfiguration": "awslogs"}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL400)
def test_tdl400(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL400") == expected


def test_tdl400_position_and_message(lint_text: Any) -> None:
    document = fargate({"logConfiguration": AWSLOGS}, {"name": "web", "logConfiguration": AWSLOGS}, {})
    [finding] = rule_findings(lint_text(document), "TDL400")
    assert (finding["line"], finding["column"], finding["severity"]) == (1, 1, "error")
    assert finding["message"] == (
        "Task definition has no executionRoleArn, which Fargate requires for the awslogs log driver (used by "
        'Container "c0", Container "web")'
    )


def test_tdl400_describe_output_points_at_the_inner_object(lint_text: Any) -> None:
    inner = json.loads(fargate({"logConfiguration": AWSLOGS}))
    text = '{\n  "taskDefinition": ' + json.dumps({**inner, "revision": 3}) + "\n}\n"
    [finding] = rule_findings(lint_text(text), "TDL400")
    assert finding["pointer"] == "/taskDefinition"
    assert (finding["line"], finding["column"]) == (2, 3)


# --- TDL401 fargate-ecr-image-without-execution-role ------------------------------------------------------

TDL401 = [
    (fargate({"image": ECR}), [""]),
    (fargate({"image": ECR}, executionRoleArn=ROLE), []),
    (fargate({"image": "111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app:1"}), [""]),
    (fargate({"image": "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1"}), [""]),
    (fargate({"image": "111122223333.DKR.ECR.us-east-1.AMAZONAWS.COM/app:1"}), [""]),
    (fargate({"image": "public.ecr.aws/nginx/nginx:1.27"}), []),
    (fargate({"image": "docker.io/library/nginx:1.27"}), []),
    (fargate({"image": "1111222233.dkr.ecr.us-east-1.amazonaws.com/app:1"}), []),  # 10 digits: not ECR
    (fargate({"image": "evil.com/111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1"}), []),
    (task({"image": ECR}), []),
    (bare({"image": ECR}), []),
    (fargate({"image": ["x"]}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL401)
def test_tdl401(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL401") == expected


def test_tdl401_position_and_message(lint_text: Any) -> None:
    text = (
        "\n"
        '  {"family": "t", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",\n'
        '   "cpu": "256", "memory": "512",\n'
        f'   "containerDefinitions": [{{"name": "api", "image": "{ECR}"}}]}}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL401")
    assert (finding["line"], finding["column"]) == (2, 3)
    assert finding["message"] == (
        "Task definition has no executionRoleArn, which Fargate requires to pull private Amazon ECR images "
        '(used by Container "api")'
    )


# --- TDL402 awslogs-or-ecr-without-execution-role ---------------------------------------------------------

TDL402 = [
    (task({"image": ECR}, requiresCompatibilities=["EXTERNAL"]), [""]),
    (task({"logConfiguration": AWSLOGS}, requiresCompatibilities=["MANAGED_INSTANCES"]), [""]),
    (task({"image": ECR}, requiresCompatibilities=["EXTERNAL"], executionRoleArn=ROLE), []),
    (task({"image": ECR}, requiresCompatibilities=["EC2"]), []),
    (task({"image": ECR}), []),
    (
        task(
            {"image": ECR},
            requiresCompatibilities=["EXTERNAL", "FARGATE"],
            **{k: v for k, v in FARGATE.items() if k != "requiresCompatibilities"},
        ),
        [],
    ),  # TDL401's
    (task({"image": "nginx:1.27"}, requiresCompatibilities=["EXTERNAL"]), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL402)
def test_tdl402(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL402") == expected


def test_tdl402_position_and_message(lint_text: Any) -> None:
    document = task(
        {"image": ECR, "logConfiguration": AWSLOGS}, requiresCompatibilities=["MANAGED_INSTANCES", "EXTERNAL"]
    )
    [finding] = rule_findings(lint_text(document), "TDL402")
    assert (finding["line"], finding["column"], finding["severity"]) == (1, 1, "warning")
    assert finding["message"] == (
        "Task definition requires EXTERNAL and MANAGED_INSTANCES but has no executionRoleArn, which ECS needs "
        'there for the awslogs log driver (Container "c0") and private Amazon ECR images (Container "c0")'
    )


# --- TDL403 secrets-or-env-files-without-execution-role, TDL404 secrets-without-execution-role -------------

SECRET = [{"name": "A", "valueFrom": "/prod/a"}]
TDL404 = [
    (task({"secrets": SECRET}), [f"{C}/secrets"]),
    (fargate({"secrets": SECRET}), [f"{C}/secrets"]),
    (task({"secrets": SECRET}, executionRoleArn=ROLE), []),
    (task({"secrets": SECRET}, executionRoleArn=" "), [f"{C}/secrets"]),
    (task({"secrets": []}), []),
    (bare({"secrets": SECRET}), []),
    (task({"secrets": "A"}), []),
    (task({"secrets": SECRET}, executionRoleArn=["x"]), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL404)
def test_tdl404(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL404") == expected


TDL403 = [
    (task({"secrets": SECRET}), []),  # TDL404's
    (task({"secrets": SECRET}, executionRoleArn=ROLE), []),
    (task({"logConfiguration": {"logDriver": "splunk", "secretOptions": SECRET}}), [""]),
    (task({"repositoryCredentials": {"credentialsParameter": "registry"}}), [""]),
    (task({"repositoryCredentials": {}}), []),
    (task({"environmentFiles": [{"type": "s3", "value": "arn:aws:s3:::b/a.env"}]}), [""]),
    (task({"environmentFiles": []}), []),
    (bare({"secrets": SECRET}), []),
    (task({"secrets": "A"}), []),
    (task({"secrets": SECRET}, executionRoleArn=["x"]), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL403)
def test_tdl403(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL403") == expected


def test_tdl403_position_and_message(lint_text: Any) -> None:
    text = (
        '\t{"family": "t", "containerDefinitions": [\n'
        '  {"name": "api", "image": "a:1", "memory": 1, "secrets": [{"name": "A", "valueFrom": "/a"}],\n'
        '   "repositoryCredentials": {"credentialsParameter": "reg"}},\n'
        '  {"name": "log", "image": "a:1", "memory": 1,\n'
        '   "logConfiguration": {"logDriver": "splunk", "secretOptions": [{"name": "splunk-token", "valueFrom": "/t"}]}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL403")
    assert (finding["line"], finding["column"], finding["severity"]) == (1, 2, "error")
    assert finding["message"] == (
        "Task definition has no executionRoleArn, which ECS needs to read log secrets, private registry "
        'credentials and environment files, so the containers cannot start: Container "api" '
        '(repositoryCredentials); Container "log" (logConfiguration.secretOptions)'
    )
    [finding] = rule_findings(lint_text(text), "TDL404")
    assert (finding["line"], finding["column"], finding["severity"]) == (2, 48, "error")
    assert finding["message"] == (
        'Container "api" has secrets, but the task definition has no executionRoleArn; ECS refuses it ("When '
        "you are specifying container secrets, you must also specify a value for 'executionRoleArn'.\")"
    )


# --- TDL410 awslogs-missing-required-option ---------------------------------------------------------------


def awslogs(options: Any = None, **config: Any) -> dict[str, Any]:
    log: dict[str, Any] = {"logDriver": "awslogs", **config}
    if options is not None:
        log["options"] = options
    return {"logConfiguration": log}


OPTS = f"{C}/logConfiguration/options"
TDL410 = [
    (task(awslogs({"awslogs-group": "g", "awslogs-region": "r"})), []),
    (task(awslogs({"awslogs-group": "g"})), [OPTS]),
    (task(awslogs({})), [OPTS]),
    (task(awslogs()), [f"{C}/logConfiguration"]),
    (task(awslogs({"awslogs-group": "", "awslogs-region": ""})), []),  # present: values are not judged
    (
        task(awslogs({"awslogs-group": "g"}, secretOptions=[{"name": "awslogs-region", "valueFrom": "/r"}])),
        [],
    ),
    (task({"logConfiguration": {"logDriver": "json-file"}}), []),
    (bare(awslogs({"awslogs-region": "r"})), ["/0/logConfiguration/options"]),
    (task(awslogs(["awslogs-group"])), []),  # wrong type
    (task(awslogs({"awslogs-group": "g"}, secretOptions="x")), [OPTS]),
]


@pytest.mark.parametrize(("document", "expected"), TDL410)
def test_tdl410(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL410") == expected


def test_tdl410_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "containerDefinitions": [\n'
        '  {"name": "web", "image": "a:1", "memory": 1,\n'
        '   "logConfiguration": {"logDriver": "awslogs",\n'
        '     "options": {"awslogs-stream-prefix": "web"}}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL410")
    assert (finding["line"], finding["column"], finding["severity"]) == (4, 6, "error")
    assert finding["message"] == (
        'Container "web" uses the awslogs log driver without the required option(s) awslogs-group, awslogs-region'
    )


# --- TDL411 fargate-awslogs-without-stream-prefix ---------------------------------------------------------

GR = {"awslogs-group": "g", "awslogs-region": "r"}
TDL411 = [
    (fargate(awslogs(GR), executionRoleArn=ROLE), [OPTS]),
    (fargate(awslogs({**GR, "awslogs-stream-prefix": "app"}), executionRoleArn=ROLE), []),
    (fargate(awslogs({**GR, "awslogs-stream-prefix": " "}), executionRoleArn=ROLE), [OPTS]),
    (fargate(awslogs(), executionRoleArn=ROLE), [f"{C}/logConfiguration"]),
    (task(awslogs(GR)), []),  # optional on EC2
    (fargate(awslogs({**GR, "awslogs-stream-prefix": 1}), executionRoleArn=ROLE), []),  # wrong type, present
    (fargate(awslogs("x"), executionRoleArn=ROLE), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL411)
def test_tdl411(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL411") == expected


def test_tdl411_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",\n'
        f' "cpu": "256", "memory": "512", "executionRoleArn": "{ROLE}",\n'
        ' "containerDefinitions": [{"name": "web", "image": "a:1",\n'
        '   "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "r"}}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL411")
    assert (finding["line"], finding["column"], finding["severity"]) == (4, 49, "warning")
    assert finding["message"] == (
        'Container "web" uses the awslogs log driver on Fargate without awslogs-stream-prefix, which the API '
        "documentation says Fargate requires"
    )


# --- TDL412 awslogs-datetime-format-with-multiline-pattern ------------------------------------------------

BOTH = {**GR, "awslogs-datetime-format": "%Y", "awslogs-multiline-pattern": "^x"}
TDL412 = [
    (task(awslogs(BOTH)), [f"{OPTS}/awslogs-multiline-pattern"]),
    (task(awslogs({**GR, "awslogs-datetime-format": "%Y"})), []),
    (task(awslogs({**GR, "awslogs-multiline-pattern": "^x"})), []),
    (task({"logConfiguration": {"logDriver": "splunk", "options": BOTH}}), []),
    (task(awslogs([BOTH])), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL412)
def test_tdl412(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL412") == expected


def test_tdl412_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "containerDefinitions": [{"name": "web", "image": "a:1", "memory": 1,\n'
        '   "logConfiguration": {"logDriver": "awslogs", "options": {\n'
        '     "awslogs-group": "g", "awslogs-region": "r",\n'
        '     "awslogs-multiline-pattern": "^x",\n'
        '     "awslogs-datetime-format": "%Y"}}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL412")
    assert (finding["line"], finding["column"]) == (4, 6)
    assert finding["message"] == (
        'Container "web" sets both awslogs-datetime-format and awslogs-multiline-pattern; only one may be set, '
        "and the multiline pattern is ignored"
    )


# --- TDL413 splunk-missing-required-option ----------------------------------------------------------------


def splunk(options: Any = None, **config: Any) -> dict[str, Any]:
    log: dict[str, Any] = {"logDriver": "splunk", **config}
    if options is not None:
        log["options"] = options
    return {"logConfiguration": log}


TDL413 = [
    (task(splunk({"splunk-url": "https://s:8088", "splunk-token": "t"})), []),
    (task(splunk({"splunk-url": "https://s:8088"})), [OPTS]),
    (task(splunk()), [f"{C}/logConfiguration"]),
    (task(splunk({"splunk-url": "u"}, secretOptions=[{"name": "splunk-token", "valueFrom": "/t"}])), []),
    (task(splunk(secretOptions=[{"name": "splunk-token", "valueFrom": "/t"}])), [f"{C}/logConfiguration"]),
    (task(splunk({"splunk-url": "u"}, secretOptions={"splunk-token": "/t"})), []),  # wrong type: silent
    (task(splunk("splunk-url")), []),
    (task(awslogs({"awslogs-group": "g", "awslogs-region": "r"})), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL413)
def test_tdl413(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL413") == expected


def test_tdl413_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "containerDefinitions": [{"name": "web", "image": "a:1", "memory": 1,\n'
        '   "logConfiguration": {\n'
        '      "logDriver": "splunk"}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL413")
    assert (finding["line"], finding["column"], finding["severity"]) == (2, 4, "warning")
    assert finding["message"] == (
        'Container "web" uses the splunk log driver without splunk-token and splunk-url (in options or '
        "secretOptions)"
    )


# --- TDL414 awsfirelens-without-log-router / TDL415 multiple-firelens-containers --------------------------

ROUTER = {"firelensConfiguration": {"type": "fluentbit"}}
FIRELENS = {"logConfiguration": {"logDriver": "awsfirelens", "options": {"Name": "cloudwatch"}}}
TDL414 = [
    (task(FIRELENS), [f"{C}/logConfiguration/logDriver"]),
    (
        task(FIRELENS, FIRELENS),
        [f"{C}/logConfiguration/logDriver", "/containerDefinitions/1/logConfiguration/logDriver"],
    ),
    (task(ROUTER, FIRELENS), []),
    (task(FIRELENS, {"firelensConfiguration": {"type": "fluentd"}}), []),
    (bare(FIRELENS), ["/0/logConfiguration/logDriver"]),
    (task(FIRELENS, {"firelensConfiguration": "fluentbit"}), []),  # wrong type: cannot tell
    (task({"logConfiguration": {"logDriver": ["awsfirelens"]}}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL414)
def test_tdl414(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL414") == expected


def test_tdl414_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "containerDefinitions": [{"name": "web", "image": "a:1", "memory": 1,\n'
        '   "logConfiguration": {"options": {"Name": "cloudwatch"},\n'
        '      "logDriver": "awsfirelens"}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL414")
    assert (finding["line"], finding["column"], finding["severity"]) == (3, 7, "error")
    assert finding["message"] == (
        'Container "web" uses the awsfirelens log driver, but no container of the task has a '
        "firelensConfiguration (the FireLens log router)"
    )


TDL415 = [
    (task(ROUTER, FIRELENS), []),
    (
        task(ROUTER, ROUTER, ROUTER),
        ["/containerDefinitions/1/firelensConfiguration", "/containerDefinitions/2/firelensConfiguration"],
    ),
    (task(ROUTER, {"firelensConfiguration": None}), []),
    (bare(ROUTER, ROUTER), ["/1/firelensConfiguration"]),
]


@pytest.mark.parametrize(("document", "expected"), TDL415)
def test_tdl415(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL415") == expected


def test_tdl415_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "containerDefinitions": [\n'
        '  {"name": "fluent_bit", "image": "a:1", "memory": 1, "firelensConfiguration": {"type": "fluentbit"}},\n'
        '  {"name": "fluentd", "image": "a:1", "memory": 1, "firelensConfiguration": {"type": "fluentd"}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL415")
    assert (finding["line"], finding["column"]) == (3, 52)
    assert finding["message"] == (
        'Container "fluentd" has a firelensConfiguration, as does Container "fluent_bit"; a task has one '
        "FireLens log router"
    )


TDL416 = [
    (task(ROUTER, FIRELENS), []),
    (task(ROUTER), ["/containerDefinitions/0/firelensConfiguration"]),
    (
        task(ROUTER, awslogs({"awslogs-group": "g", "awslogs-region": "r"})),
        ["/containerDefinitions/0/firelensConfiguration"],
    ),
    (
        task(ROUTER, ROUTER, {"logConfiguration": {"logDriver": "json-file"}}),
        ["/containerDefinitions/0/firelensConfiguration", "/containerDefinitions/1/firelensConfiguration"],
    ),
    (task({"logConfiguration": {"logDriver": "json-file"}}), []),  # no router
    (bare(ROUTER, {"logConfiguration": {"logDriver": "awsfirelens"}}), []),
    # wrong types: cannot tell
    (task(ROUTER, {"logConfiguration": "awsfirelens"}), []),
    (task(ROUTER, {"logConfiguration": {"logDriver": ["awsfirelens"]}}), []),
    (task({"firelensConfiguration": "fluentbit"}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL416)
def test_tdl416(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL416") == expected


def test_tdl416_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "containerDefinitions": [\n'
        '  {"name": "log_router", "image": "a:1", "memory": 1,\n'
        '   "firelensConfiguration": {"type": "fluentbit"}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL416")
    assert (finding["line"], finding["column"], finding["severity"]) == (3, 4, "error")
    assert finding["message"] == (
        'Container "log_router" is a FireLens log router, but no container of the task uses the awsfirelens '
        "log driver"
    )


# --- TDL417 awslogs-unknown-option ------------------------------------------------------------------------

TDL417 = [
    (
        task(
            awslogs(
                {
                    **GR,
                    "awslogs-stream-prefix": "p",
                    "awslogs-create-group": "true",
                    "mode": "blocking",
                    "max-buffer-size": "1m",
                }
            )
        ),
        [],
    ),
    (task(awslogs({**GR, "awslogs-datetime-format": "%Y", "awslogs-multiline-pattern": "^x"})), []),
    (task(awslogs({**GR, "log_key": "log", "tag": "x"})), [f"{OPTS}/log_key", f"{OPTS}/tag"]),
    (
        task(awslogs({**GR, "Awslogs-Group": "g"})),
        [f"{OPTS}/Awslogs-Group"],
    ),  # option names are case-sensitive
    (task(awslogs({**GR, "a/b~c": "x"})), [f"{OPTS}/a~1b~0c"]),  # pointer escaping
    (
        task(
            {
                "logConfiguration": {
                    "logDriver": "splunk",
                    "options": {"splunk-url": "u", "splunk-token": "t", "tag": "x"},
                }
            }
        ),
        [],
    ),
    (task(awslogs(["log_key"])), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL417)
def test_tdl417(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL417") == expected


def test_tdl417_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t", "containerDefinitions": [{"name": "web", "image": "a:1", "memory": 1,\n'
        '   "logConfiguration": {"logDriver": "awslogs", "options": {\n'
        '     "awslogs-group": "g", "awslogs-region": "r",\n'
        '       "log_key": "log"}}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL417")
    assert (finding["line"], finding["column"], finding["severity"]) == (4, 8, "warning")
    assert finding["message"] == (
        'Container "web" gives awslogs option "log_key", which ECS does not document for the awslogs driver '
        "(ECS refuses options it does not know)"
    )


# --- TDL420 invalid-secret-value-from / TDL421 malformed-secret-arn-suffix --------------------------------

SM = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf"
SSM = "arn:aws:ssm:us-east-1:111122223333:parameter/prod/db"


def secrets(*values: Any) -> str:
    return task(
        {"secrets": [{"name": f"S{i}", "valueFrom": v} for i, v in enumerate(values)]}, executionRoleArn=ROLE
    )


def vf(i: int) -> str:
    return f"{C}/secrets/{i}/valueFrom"


VALID_VALUE_FROM = [
    SM,
    SM + ":password::",
    SM + "::AWSPREVIOUS:",
    SM + ":::9d4cb84b-ad69-40c0-a0ab-cead3EXAMPLE",
    SSM,
    "arn:aws:ssm:us-east-1:111122223333:parameter/name",
    "arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:x-AbCdEf",
    "arn:aws-us-gov:ssm:us-gov-west-1:111122223333:parameter/x",
    "arn:aws-iso:ssm:us-iso-east-1:111122223333:parameter/x",  # another aws-* partition
    "prod-db-password",  # an SSM parameter name
    "/prod/db/password",
    "/aws/reference/secretsmanager/db",
]
INVALID_VALUE_FROM = [
    "",
    "   ",
    "arn:aws:s3:::bucket/key",
    "arn:aws:kms:us-east-1:111122223333:key/1234",
    "arn:aws:secretsmanager:us-east-1:111122223333:db-AbCdEf",  # no secret:
    "arn:aws:secretsmanager:us-east-1:111122223333:secret:",
    "arn:aws:ssm:us-east-1:111122223333:db",  # no parameter/
    "arn:aws:ssm:us-east-1:111122223333:parameter/",
    "arn:aws:ssm:::parameter/x",  # no Region or account
    "arn:aws:ssm",
    "arn:amazon:ssm:us-east-1:111122223333:parameter/x",
]


@pytest.mark.parametrize("value", VALID_VALUE_FROM)
def test_tdl420_accepts(lint_text: Any, value: str) -> None:
    assert pointers(lint_text(secrets(value)), "TDL420") == []


@pytest.mark.parametrize("value", INVALID_VALUE_FROM)
def test_tdl420_flags(lint_text: Any, value: str) -> None:
    assert pointers(lint_text(secrets(value)), "TDL420") == [vf(0)]


TDL420_MORE = [
    (
        task(
            {
                "logConfiguration": {
                    "logDriver": "splunk",
                    "options": {"splunk-url": "u"},
                    "secretOptions": [{"name": "splunk-token", "valueFrom": "arn:aws:s3:::b/k"}],
                }
            },
            executionRoleArn=ROLE,
        ),
        [f"{C}/logConfiguration/secretOptions/0/valueFrom"],
    ),
    (task({"secrets": [{"name": "A", "valueFrom": 5}, "x", None]}, executionRoleArn=ROLE), []),
    (task({"secrets": {"name": "A", "valueFrom": ""}}, executionRoleArn=ROLE), []),
    (bare({"secrets": [{"name": "A", "valueFrom": "arn:aws:s3:::b/k"}]}), ["/0/secrets/0/valueFrom"]),
]


@pytest.mark.parametrize(("document", "expected"), TDL420_MORE)
def test_tdl420(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL420") == expected


def test_tdl420_position_and_message(lint_text: Any) -> None:
    text = (
        f'{{"family": "t", "executionRoleArn": "{ROLE}",\n'
        ' "containerDefinitions": [{"name": "api", "image": "a:1", "memory": 1, "secrets": [\n'
        '    {"name": "CONFIG",\n'
        '     "valueFrom": "arn:aws:s3:::my-bucket/config.json"}]}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL420")
    assert (finding["line"], finding["column"], finding["severity"]) == (4, 6, "error")
    assert finding["message"] == (
        'Container "api" secret "CONFIG": valueFrom "arn:aws:s3:::my-bucket/config.json" is an ARN of service '
        '"s3", not of a Secrets Manager secret or an SSM parameter'
    )


TDL421 = [
    (secrets(SM), []),
    (secrets(SM + ":password::", SM + "::AWSCURRENT:", SM + ":::v1"), []),
    (secrets(SM + ":password"), [vf(0)]),
    (secrets(SM + ":password:AWSCURRENT"), [vf(0)]),
    (secrets(SM + ":k:s:i:extra"), [vf(0)]),
    (secrets(SM + "::AWSCURRENT:v1"), [vf(0)]),  # stage and version ID
    (secrets("arn:aws:s3:::b/k:x"), []),  # TDL420's
    (secrets(SSM + ":1"), []),
    (secrets("/prod/a:b"), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL421)
def test_tdl421(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL421") == expected


def test_tdl421_position_and_message(lint_text: Any) -> None:
    text = (
        f'{{"family": "t", "executionRoleArn": "{ROLE}",\n'
        ' "containerDefinitions": [{"name": "api", "image": "a:1", "memory": 1, "secrets": [\n'
        f'    {{"valueFrom": "{SM}:password", "name": "DB_PASSWORD"}}]}}]}}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL421")
    assert (finding["line"], finding["column"], finding["severity"]) == (3, 6, "warning")
    assert finding["message"] == (
        f'Container "api" secret "DB_PASSWORD": valueFrom "{SM}:password" has 1 field(s) after the secret name; '
        "give all three, json-key:version-stage:version-id, leaving unused ones empty (e.g. name:key::)"
    )


# --- TDL422 invalid-repository-credentials-parameter ------------------------------------------------------


def registry(value: Any) -> str:
    return task({"repositoryCredentials": {"credentialsParameter": value}}, executionRoleArn=ROLE)


CP = f"{C}/repositoryCredentials/credentialsParameter"
TDL422 = [
    (registry(SM), []),
    (registry("arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:reg-AbCdEf"), []),
    (registry("registry-credentials"), []),  # a secret name in the same Region
    (registry(SSM), [CP]),
    (registry("arn:aws:s3:::b/k"), [CP]),
    (registry("arn:aws:secretsmanager:us-east-1:111122223333:db"), [CP]),
    (registry("arn:nope:secretsmanager:us-east-1:111122223333:secret:x"), [CP]),
    (registry("arn:aws"), [CP]),
    (registry(""), [CP]),
    (registry(7), []),
    (task({"repositoryCredentials": SM}, executionRoleArn=ROLE), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL422)
def test_tdl422(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL422") == expected


def test_tdl422_position_and_message(lint_text: Any) -> None:
    text = (
        f'{{"family": "t", "executionRoleArn": "{ROLE}",\n'
        ' "containerDefinitions": [{"name": "api", "image": "reg.example.com/a:1", "memory": 1,\n'
        f'   "repositoryCredentials": {{"credentialsParameter": "{SSM}"}}}}]}}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL422")
    assert (finding["line"], finding["column"]) == (3, 30)
    assert finding["message"] == (
        f'Container "api" repositoryCredentials.credentialsParameter "{SSM}" is not the ARN of a Secrets '
        "Manager secret; it takes a Secrets Manager secret ARN (or, in the same Region, its name)"
    )


# --- TDL425 invalid-environment-file / TDL426 too-many-environment-files ----------------------------------


def env_files(*values: Any) -> str:
    return task({"environmentFiles": [{"type": "s3", "value": v} for v in values]}, executionRoleArn=ROLE)


def ef(i: int) -> str:
    return f"{C}/environmentFiles/{i}/value"


TDL425 = [
    (env_files("arn:aws:s3:::bucket/app.env", "arn:aws:s3:::bucket/dir/sub/app.env"), []),
    (env_files("arn:aws-cn:s3:::bucket/app.env", "arn:aws-us-gov:s3:::bucket/app.ENV"), []),
    (env_files("arn:aws:s3:::bucket/app.txt"), []),  # TDL427's
    (env_files("s3://bucket/app.env"), [ef(0)]),
    (env_files("https://bucket.s3.amazonaws.com/app.env"), [ef(0)]),
    (env_files("arn:aws:s3:::bucket"), [ef(0)]),
    (env_files("arn:aws:s3:::bucket/"), [ef(0)]),
    (env_files("arn:aws:s3:us-east-1:111122223333:accesspoint/ap/object/app.env"), [ef(0)]),
    (env_files("arn:nope:s3:::bucket/app.env", ""), [ef(0), ef(1)]),
    (env_files(5, None), []),
    (task({"environmentFiles": "arn:aws:s3:::bucket/app.env"}), []),
    (task({"environmentFiles": ["s3://bucket/app.env"]}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL425)
def test_tdl425(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL425") == expected


TDL427 = [
    (env_files("arn:aws:s3:::bucket/app.env", "arn:aws:s3:::bucket/APP.ENV"), []),
    (env_files("arn:aws:s3:::bucket/app.env.bak", "arn:aws:s3:::bucket/appenv"), [ef(0), ef(1)]),
    (env_files("arn:aws:s3:::bucket/.env"), []),
    (env_files("s3://bucket/app.txt"), []),  # TDL425's
    (env_files(["arn:aws:s3:::bucket/app.txt"]), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL427)
def test_tdl427(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL427") == expected


def test_tdl425_tdl427_positions_and_messages(lint_text: Any) -> None:
    text = (
        '{"family": "t", "containerDefinitions": [{"name": "api", "image": "a:1", "memory": 1,\n'
        '  "environmentFiles": [\n'
        '    {"type": "s3", "value": "s3://b/app.env"},\n'
        '    {"value": "arn:aws:s3:::b/app.txt", "type": "s3"}]}]}\n'
    )
    [arn] = rule_findings(lint_text(text), "TDL425")
    [extension] = rule_findings(lint_text(text), "TDL427")
    assert (arn["line"], arn["column"], arn["severity"]) == (3, 20, "error")
    assert arn["message"] == (
        'Container "api" environment file "s3://b/app.env" is not the ARN of an S3 object (arn:aws:s3:::bucket/key.env)'
    )
    assert (extension["line"], extension["column"], extension["severity"]) == (4, 6, "warning")
    assert (
        extension["message"]
        == 'Container "api" environment file "arn:aws:s3:::b/app.txt" does not have the .env extension'
    )


TDL426 = [
    (env_files(*[f"arn:aws:s3:::b/{i}.env" for i in range(10)]), []),
    (env_files(*[f"arn:aws:s3:::b/{i}.env" for i in range(11)]), [f"{C}/environmentFiles"]),
    (
        bare({"environmentFiles": [{"type": "s3", "value": f"arn:aws:s3:::b/{i}.env"} for i in range(11)]}),
        ["/0/environmentFiles"],
    ),
    (task({"environmentFiles": {"a": 1}}), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL426)
def test_tdl426(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL426") == expected


def test_tdl426_position_and_message(lint_text: Any) -> None:
    files = ", ".join(f'{{"type": "s3", "value": "arn:aws:s3:::b/{i}.env"}}' for i in range(11))
    text = (
        '{"family": "t", "containerDefinitions": [{"name": "api", "image": "a:1", "memory": 1,\n'
        f'   "environmentFiles": [{files}]}}]}}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL426")
    assert (finding["line"], finding["column"], finding["severity"]) == (2, 4, "error")
    assert finding["message"] == 'Container "api" lists more than 10 environmentFiles'


# --- TDL430 proxy-container-not-defined -------------------------------------------------------------------


def proxy(name: Any, **members: Any) -> str:
    return task(
        {"name": "app"},
        {"name": "envoy"},
        proxyConfiguration={"type": "APPMESH", "containerName": name},
        **members,
    )


TDL430 = [
    (proxy("envoy"), []),
    (proxy("Envoy"), ["/proxyConfiguration/containerName"]),
    (proxy(""), ["/proxyConfiguration/containerName"]),
    (proxy(1), []),
    (task(proxyConfiguration="envoy"), []),
    (task(), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL430)
def test_tdl430(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL430") == expected


def test_tdl430_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "proxyConfiguration": {"type": "APPMESH",\n'
        '    "containerName": "envoy-proxy"},\n'
        ' "containerDefinitions": [{"name": "envoy", "image": "a:1", "memory": 1}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL430")
    assert (finding["line"], finding["column"], finding["severity"]) == (3, 5, "error")
    assert finding["message"] == (
        'proxyConfiguration names container "envoy-proxy", which is not a container of this task definition'
    )


# --- wrong types anywhere do not crash these rules --------------------------------------------------------

WRONG_TYPES = [
    '{"family": "t", "requiresCompatibilities": ["FARGATE", "EXTERNAL"], "executionRoleArn": {},'
    ' "containerDefinitions": [1, null, "x", {"name": 2, "image": 3, "secrets": [1, {"valueFrom": []}],'
    ' "logConfiguration": {"logDriver": "awslogs", "options": [], "secretOptions": {}},'
    ' "repositoryCredentials": [], "environmentFiles": [1, {"value": {}}], "firelensConfiguration": []}]}',
    '{"family": "t", "requiresCompatibilities": ["EXTERNAL"], "containerDefinitions": [{"name": "a", "image": 3,'
    ' "logConfiguration": {"logDriver": "splunk", "options": null, "secretOptions": [1, {"name": 2}]}}],'
    ' "proxyConfiguration": {"containerName": ["a"]}}',
    '{"family": "t", "containerDefinitions": {"name": "a"}, "proxyConfiguration": {"containerName": "a"}}',
    '{"family": "t", "containerDefinitions": [{"name": "a", "image": "a", "logConfiguration": "awslogs",'
    ' "secrets": {"a": "b"}, "repositoryCredentials": {"credentialsParameter": null}}]}',
    '[{"name": "a", "image": "a", "logConfiguration": {"logDriver": "awsfirelens"}, "environmentFiles": 3}]',
    '"just a string"',
]


@pytest.mark.parametrize("document", WRONG_TYPES)
def test_wrong_types_do_not_crash(lint_text: Any, document: str) -> None:
    result = lint_text(document, select=("TDL4",))
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
