"""Role, secret and environment-file checks (TDL40x, TDL42x, TDL43x): when a task definition needs an
execution role, what `secrets[].valueFrom`, `repositoryCredentials` and `environmentFiles` may name, and
the container that `proxyConfiguration` names.

Sources are named on each rule in rules/TDL4nn-*.toml: the ECS API model (botocore 1.43.11), the AWS page
"Amazon ECS task execution IAM role" and the observed RegisterTaskDefinition errors collected in
shared/ecs-facts.md sections 3.11, 3.13 and 4. Task-level rules stay silent on a bare container list, which
cannot show `executionRoleArn` or `proxyConfiguration`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from taskdeflint.model import Container, TaskDef

Finding = Iterator[tuple[str, str]]

# A private Amazon ECR image (shared/ecs-facts.md section 3.13 [INF]); public.ecr.aws needs no role.
ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/", re.IGNORECASE)
# arn:partition:service:region:account:resource. The partition is aws, aws-cn, aws-us-gov or another
# aws-* partition (the isolated Regions); "don't hard-code aws" (shared/ecs-facts.md section 3.11).
ARN = re.compile(r"^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$", re.DOTALL)
PARTITION = re.compile(r"^aws(-[a-z]+)*$")
S3_OBJECT_ARN = re.compile(r"^arn:aws(-[a-z]+)*:s3:::[^/]+/.+$", re.DOTALL)


def _quote(value: str) -> str:
    return json.dumps(value)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _names(labels: list[str]) -> str:
    return ", ".join(labels)


def execution_role_missing(td: TaskDef) -> bool:
    """True when the task definition has no usable executionRoleArn.

    A bare container list cannot show one, and an executionRoleArn of the wrong type is the schema
    stage's to report: both count as "not missing" so that no role rule fires on them.
    """
    if td.kind == "CONTAINERS":
        return False
    role = td.data.get("executionRoleArn")
    if role is None:
        return True
    return isinstance(role, str) and not role.strip()


def _log_driver(c: Container) -> object:
    return _dict(c.data.get("logConfiguration")).get("logDriver")


def _awslogs_users(td: TaskDef) -> list[str]:
    return [c.label for c in td.containers if _log_driver(c) == "awslogs"]


def _ecr_users(td: TaskDef) -> list[str]:
    out = []
    for c in td.containers:
        image = c.data.get("image")
        if isinstance(image, str) and ECR_IMAGE.match(image.strip()):
            out.append(c.label)
    return out


# --- TDL400 fargate-awslogs-without-execution-role -------------------------------------------------------


def fargate_awslogs_without_execution_role(td: TaskDef) -> Finding:
    if not td.fargate or not execution_role_missing(td):
        return
    users = _awslogs_users(td)
    if users:
        yield (
            "",
            f"Task definition has no executionRoleArn, which Fargate requires for the awslogs log driver "
            f"(used by {_names(users)})",
        )


# --- TDL401 fargate-ecr-image-without-execution-role -----------------------------------------------------


def fargate_ecr_image_without_execution_role(td: TaskDef) -> Finding:
    if not td.fargate or not execution_role_missing(td):
        return
    users = _ecr_users(td)
    if users:
        yield (
            "",
            f"Task definition has no executionRoleArn, which Fargate requires to pull private Amazon ECR "
            f"images (used by {_names(users)})",
        )


# --- TDL402 awslogs-or-ecr-without-execution-role --------------------------------------------------------


def awslogs_or_ecr_without_execution_role(td: TaskDef) -> Finding:
    """External and Managed Instances tasks need the role too; Fargate is TDL400/TDL401's."""
    platforms = sorted(td.compatibilities & {"EXTERNAL", "MANAGED_INSTANCES"})
    if td.fargate or not platforms or not execution_role_missing(td):
        return
    uses = []
    if awslogs := _awslogs_users(td):
        uses.append(f"the awslogs log driver ({_names(awslogs)})")
    if ecr := _ecr_users(td):
        uses.append(f"private Amazon ECR images ({_names(ecr)})")
    if uses:
        yield (
            "",
            f"Task definition requires {' and '.join(platforms)} but has no executionRoleArn, which ECS "
            f"needs there for {' and '.join(uses)}",
        )


# --- TDL403 secrets-or-env-files-without-execution-role --------------------------------------------------


def secrets_or_env_files_without_execution_role(td: TaskDef) -> Finding:
    """secretOptions, repositoryCredentials or environmentFiles without executionRoleArn (container
    `secrets` are TDL404's: there the refusal is observed)."""
    if not execution_role_missing(td):
        return
    uses = []
    for c in td.containers:
        what = []
        if _list(_dict(c.data.get("logConfiguration")).get("secretOptions")):
            what.append("logConfiguration.secretOptions")
        if _dict(c.data.get("repositoryCredentials")):
            what.append("repositoryCredentials")
        if _list(c.data.get("environmentFiles")):
            what.append("environmentFiles")
        if what:
            uses.append(f"{c.label} ({', '.join(what)})")
    if uses:
        yield (
            "",
            f"Task definition has no executionRoleArn, which ECS needs to read log secrets, private registry "
            f"credentials and environment files, so the containers cannot start: {'; '.join(uses)}",
        )


# --- TDL404 secrets-without-execution-role ---------------------------------------------------------------


def secrets_without_execution_role(td: TaskDef) -> Finding:
    if not execution_role_missing(td):
        return
    for c in td.containers:
        if _list(c.data.get("secrets")):
            yield (
                f"{c.pointer}/secrets",
                f"{c.label} has secrets, but the task definition has no executionRoleArn; ECS refuses it "
                '("When you are specifying container secrets, you must also specify a value for '
                "'executionRoleArn'.\")",
            )


# --- TDL420 invalid-secret-value-from / TDL421 malformed-secret-arn-suffix --------------------------------


def _secret_refs(td: TaskDef) -> Iterator[tuple[str, str, str]]:
    """(pointer, words, valueFrom) for every secrets[] and logConfiguration.secretOptions[] entry; the
    words name the container and the secret: `Container "web" secret "DB_PASSWORD"`."""
    for c in td.containers:
        places = (
            ("secrets", "secret", c.data.get("secrets")),
            (
                "logConfiguration/secretOptions",
                "log secret option",
                _dict(c.data.get("logConfiguration")).get("secretOptions"),
            ),
        )
        for path, kind, raw in places:
            for index, secret in enumerate(_list(raw)):
                if not isinstance(secret, dict) or not isinstance(secret.get("valueFrom"), str):
                    continue
                name = secret.get("name")
                words = (
                    f"{c.label} {kind} {_quote(name)}"
                    if isinstance(name, str)
                    else f"{c.label} {kind} #{index}"
                )
                yield f"{c.pointer}/{path}/{index}/valueFrom", words, secret["valueFrom"]


def secret_reference_problem(value: str) -> str | None:
    """Why a valueFrom can name neither a Secrets Manager secret nor an SSM parameter, or None."""
    if not value.strip():
        return "is empty"
    match = ARN.match(value)
    if match is None:
        if value.startswith("arn:"):
            return "is not a well-formed ARN (arn:partition:service:region:account:resource)"
        return None  # an SSM parameter name in the task's Region
    partition, service, region, account, resource = match.groups()
    if not PARTITION.match(partition):
        return f"names partition {_quote(partition)}, not an AWS partition (aws, aws-cn, aws-us-gov)"
    if service == "secretsmanager":
        name = resource.removeprefix("secret:").split(":", 1)[0]
        if not resource.startswith("secret:") or not name:
            return (
                "is a Secrets Manager ARN but not of a secret (...:secretsmanager:REGION:ACCOUNT:secret:NAME)"
            )
    elif service == "ssm":
        if not resource.startswith("parameter/") or resource == "parameter/":
            return "is an SSM ARN but not of a parameter (arn:...:ssm:REGION:ACCOUNT:parameter/NAME)"
    else:
        return f"is an ARN of service {_quote(service)}, not of a Secrets Manager secret or an SSM parameter"
    if not region or not account:
        return "lacks the Region or the account ID"
    return None


def invalid_secret_value_from(td: TaskDef) -> Finding:
    for pointer, words, value in _secret_refs(td):
        problem = secret_reference_problem(value)
        if problem is not None:
            yield pointer, f"{words}: valueFrom {_quote(value)} {problem}"


def secret_arn_suffix_problem(value: str) -> str | None:
    """A Secrets Manager secret ARN whose json-key:version-stage:version-id suffix is malformed."""
    match = ARN.match(value)
    if match is None or match.group(2) != "secretsmanager" or not match.group(5).startswith("secret:"):
        return None
    fields = match.group(5).split(":")[2:]  # after "secret" and the name
    if not fields:
        return None
    if len(fields) != 3:
        return (
            f"has {len(fields)} field(s) after the secret name; give all three, "
            "json-key:version-stage:version-id, leaving unused ones empty (e.g. name:key::)"
        )
    if fields[1] and fields[2]:
        return "gives both a version stage and a version ID; give one or the other"
    return None


def malformed_secret_arn_suffix(td: TaskDef) -> Finding:
    for pointer, words, value in _secret_refs(td):
        if secret_reference_problem(value) is not None:
            continue
        problem = secret_arn_suffix_problem(value)
        if problem is not None:
            yield pointer, f"{words}: valueFrom {_quote(value)} {problem}"


# --- TDL422 invalid-repository-credentials-parameter -----------------------------------------------------


def invalid_repository_credentials_parameter(td: TaskDef) -> Finding:
    for c in td.containers:
        value = _dict(c.data.get("repositoryCredentials")).get("credentialsParameter")
        if not isinstance(value, str):
            continue
        pointer = f"{c.pointer}/repositoryCredentials/credentialsParameter"
        match = ARN.match(value)
        problem: str | None
        if not value.strip():
            problem = "is empty"
        elif match is None:
            problem = "is not a well-formed ARN" if value.startswith("arn:") else None
        elif not PARTITION.match(match.group(1)):
            problem = f"names partition {_quote(match.group(1))}, not an AWS partition"
        elif match.group(2) != "secretsmanager" or not match.group(5).startswith("secret:"):
            problem = "is not the ARN of a Secrets Manager secret"
        else:
            problem = None
        if problem is not None:
            yield (
                pointer,
                f"{c.label} repositoryCredentials.credentialsParameter {_quote(value)} {problem}; it takes a "
                "Secrets Manager secret ARN (or, in the same Region, its name)",
            )


# --- TDL425 environment-file-not-s3-object / TDL427 environment-file-without-env-extension ----------------


def _environment_files(td: TaskDef) -> Iterator[tuple[str, Container, str]]:
    for c in td.containers:
        for index, entry in enumerate(_list(c.data.get("environmentFiles"))):
            if isinstance(entry, dict) and isinstance(entry.get("value"), str):
                yield f"{c.pointer}/environmentFiles/{index}/value", c, entry["value"]


def environment_file_not_s3_object(td: TaskDef) -> Finding:
    for pointer, c, value in _environment_files(td):
        if not S3_OBJECT_ARN.match(value):
            yield (
                pointer,
                f"{c.label} environment file {_quote(value)} is not the ARN of an S3 object "
                "(arn:aws:s3:::bucket/key.env)",
            )


def environment_file_without_env_extension(td: TaskDef) -> Finding:
    for pointer, c, value in _environment_files(td):
        if S3_OBJECT_ARN.match(value) and not value.lower().endswith(".env"):
            yield pointer, f"{c.label} environment file {_quote(value)} does not have the .env extension"


# --- TDL430 proxy-container-not-defined ------------------------------------------------------------------


def proxy_container_not_defined(td: TaskDef) -> Finding:
    proxy = td.data.get("proxyConfiguration")
    if not isinstance(proxy, dict):
        return
    name = proxy.get("containerName")
    if not isinstance(name, str):
        return
    names = {n for c in td.containers if isinstance(n := c.data.get("name"), str)}
    if name not in names:
        yield (
            "/proxyConfiguration/containerName",
            f"proxyConfiguration names container {_quote(name)}, which is not a container of this task "
            "definition",
        )


# --- TDL431 proxy-configuration-without-awsvpc ------------------------------------------------------------


def proxy_configuration_without_awsvpc(td: TaskDef) -> Finding:
    if td.kind == "CONTAINERS" or not isinstance(td.data.get("proxyConfiguration"), dict):
        return
    mode = td.data.get("networkMode")
    if mode is None or mode in ("bridge", "host", "none"):
        shown = "bridge, the default" if mode is None else mode
        yield (
            "/proxyConfiguration",
            f'Task definition sets proxyConfiguration (App Mesh) with networkMode "{shown}"; the App Mesh '
            'proxy configuration needs networkMode "awsvpc"',
        )


# --- TDL423 ssm-parameter-empty-path-segment --------------------------------------------------------------


def _parameter_name(value: str) -> str | None:
    """The SSM parameter name a valueFrom gives (in an ARN, after `parameter/`), or None if it names
    none (a Secrets Manager secret, or a value TDL420 reports)."""
    match = ARN.match(value)
    if match is None:
        return None if value.startswith("arn:") else value
    if match.group(2) != "ssm" or not match.group(5).startswith("parameter/"):
        return None
    return match.group(5)[len("parameter") :]  # keeps the slash: the name of a path starts with "/"


def ssm_parameter_empty_path_segment(td: TaskDef) -> Finding:
    for pointer, words, value in _secret_refs(td):
        name = _parameter_name(value)
        if name is None or not name.strip("/"):
            continue
        parts = name.removeprefix("/").split("/")
        if all(parts):
            continue
        fixed = "/" + "/".join(p for p in parts if p)
        if value.startswith("arn:"):
            fixed = value[: len(value) - len(name)] + fixed
            where = "path (an ARN writes the parameter /db/password as parameter/db/password)"
        else:
            fixed = fixed if name.startswith("/") else fixed[1:]
            where = "name"
        yield (
            pointer,
            f"{words}: valueFrom {_quote(value)} has an empty segment in the parameter {where}; "
            f"did you mean {_quote(fixed)}?",
        )
