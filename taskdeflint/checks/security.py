"""Security and hygiene checks (TDL1xx): privileges, host namespaces, capabilities, plaintext secrets,
environment hygiene, users, root filesystems, logging and roles.

These are warnings and advice modelled on AWS Security Hub's ECS controls (ECS.3, ECS.4, ECS.5, ECS.8,
ECS.9, ECS.17, ECS.20), checkov and Trivy. Where a member is not accepted at all on a platform (privileged
or pidMode host on Fargate, privileged on Windows), the platform rules report it as an error and these
checks stay silent, so that one defect gives one finding.

Nothing here prints the value of an environment variable: a message names the variable, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from taskdeflint.checks.common import is_windows
from taskdeflint.model import Container, TaskDef

Finding = Iterator[tuple[str, str]]

_SECRETS_ADVICE = 'pass it through "secrets" (Secrets Manager or SSM Parameter Store) instead'


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


# --- TDL101 privileged-container ----------------------------------------------------------------------------


def privileged_container(td: TaskDef) -> Finding:
    """`privileged: true` on a task that can run on EC2 (Fargate and Windows reject it: other rules)."""
    if td.fargate or is_windows(td):
        return
    for c in td.containers:
        if c.data.get("privileged") is True:
            yield (
                f"{c.pointer}/privileged",
                f"{c.label} runs privileged, with root-like access to the host container instance",
            )


# --- TDL102..TDL104 host namespaces -------------------------------------------------------------------------


def host_network_mode(td: TaskDef) -> Finding:
    if td.fargate or is_windows(td):
        return
    if td.data.get("networkMode") == "host":
        yield (
            "/networkMode",
            'Task definition uses networkMode "host": its containers share the network stack of the '
            "host container instance",
        )


def host_pid_mode(td: TaskDef) -> Finding:
    if td.fargate or is_windows(td):
        return
    if td.data.get("pidMode") == "host":
        yield (
            "/pidMode",
            'Task definition uses pidMode "host": its containers can see and signal every process on the '
            "host container instance",
        )


def host_ipc_mode(td: TaskDef) -> Finding:
    if td.fargate or is_windows(td):
        return
    if td.data.get("ipcMode") == "host":
        yield (
            "/ipcMode",
            'Task definition uses ipcMode "host": its containers share IPC resources (shared memory, '
            "semaphores, message queues) with the host container instance",
        )


# --- TDL105 added-linux-capability --------------------------------------------------------------------------


def added_linux_capability(td: TaskDef) -> Finding:
    """Each entry of linuxParameters.capabilities.add.

    Fargate accepts only SYS_PTRACE; anything else there is the Fargate rules' error, so on Fargate only
    SYS_PTRACE is reported here. Windows does not support linuxParameters at all (another rule).
    """
    if is_windows(td):
        return
    for c in td.containers:
        params = c.data.get("linuxParameters")
        if not isinstance(params, dict):
            continue
        capabilities = params.get("capabilities")
        if not isinstance(capabilities, dict):
            continue
        for index, capability in enumerate(_list(capabilities.get("add"))):
            if not isinstance(capability, str):
                continue
            if td.fargate and capability != "SYS_PTRACE":
                continue
            pointer = f"{c.pointer}/linuxParameters/capabilities/add/{index}"
            if capability == "ALL":
                yield pointer, f'{c.label} adds all Linux capabilities ("ALL")'
            elif capability == "SYS_PTRACE":
                yield (
                    pointer,
                    f'{c.label} adds Linux capability "SYS_PTRACE" (commonly added for debugging; '
                    "remove it when it is not needed)",
                )
            else:
                yield pointer, f'{c.label} adds Linux capability "{capability}"'


# --- TDL106 secret-in-environment ---------------------------------------------------------------------------

# Names that AWS Security Hub ECS.8 (AWS Config rule ecs-no-environment-secrets) looks for, plus the
# session token that goes with them.
_SECRET_NAMES = frozenset(
    {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "ECS_ENGINE_AUTH_DATA"}
)
# One word of a name that marks a secret on its own ...
_SECRET_WORDS = frozenset(
    {
        "PASSWORD",
        "PASSWORDS",
        "PASSWD",
        "PASSPHRASE",
        "SECRET",
        "SECRETS",
        "TOKEN",
        "TOKENS",
        "APIKEY",
        "PRIVATEKEY",
        "CREDENTIAL",
        "CREDENTIALS",
    }
)
# A word ending in one of these is one too (PGPASSWORD, APITOKEN, CLIENTSECRET).
_SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "APIKEY")
# ... or two adjacent words that do (KEY alone names cache keys, sort keys, key prefixes).
_SECRET_PAIRS = frozenset(
    {
        ("API", "KEY"),
        ("PRIVATE", "KEY"),
        ("ACCESS", "KEY"),
        ("SECRET", "KEY"),
        ("ENCRYPTION", "KEY"),
        ("SIGNING", "KEY"),
        ("MASTER", "KEY"),
        ("CLIENT", "KEY"),
        ("AUTH", "KEY"),
        ("LICENSE", "KEY"),
        ("AUTH", "DATA"),
    }
)
# A last word that makes the variable a reference to a secret or a setting about it, not the secret:
# DB_PASSWORD_FILE, SECRET_ARN, TOKEN_URL, JWT_SECRET_NAME, TOKEN_TTL, PASSWORD_MIN_LENGTH ...
_REFERENCE_WORDS = frozenset(
    {
        "FILE",
        "FILES",
        "PATH",
        "DIR",
        "ARN",
        "URL",
        "URI",
        "ENDPOINT",
        "HOST",
        "PORT",
        "NAME",
        "ID",
        "IDS",
        "HEADER",
        "PREFIX",
        "TYPE",
        "ALGORITHM",
        "ALG",
        "REGION",
        "VERSION",
        "POLICY",
        "ENABLED",
        "DISABLED",
        "REQUIRED",
        "TTL",
        "TIMEOUT",
        "EXPIRY",
        "EXPIRES",
        "EXPIRATION",
        "LIFETIME",
        "LENGTH",
        "SIZE",
        "MIN",
        "MAX",
        "COUNT",
        "LIMIT",
        "MODE",
        "FORMAT",
        "ISSUER",
        "AUDIENCE",
        "SCOPE",
        "SCOPES",
        "PARAM",
        "PARAMETER",
        "LOCATION",
    }
)

_VALUE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key ID", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a Slack token", re.compile(r"\bxox[abeprs]-[A-Za-z0-9-]{10,}")),
    # A token starts where a run of base64url characters starts (not at every `\b`, which lets "eyJ-eyJ-..."
    # start a match at each "eyJ" and scan to the end of the run from each: quadratic).
    (
        "a JSON Web Token",
        re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    ),
    (
        "a URL with an embedded password",
        re.compile(
            r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}://[^/?#\[\]@\s:]{0,256}:[^/?#\[\]@\s]{1,256}@"
        ),
    ),
    ("a connection string with a password", re.compile(r"(?i)(?:^|;)\s*(?:password|pwd)\s*=\s*[^;\s]")),
)
# An AWS secret access key is 40 characters of base64; demand mixed case and a digit so that a git
# commit id (40 hex digits) or a word does not match.
_AWS_SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_PLACEHOLDER = re.compile(r"\$\{|\{\{|^<[^<>]*>$|^arn:", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[A-Za-z0-9]+")


def _words(name: str) -> list[str]:
    return [w.upper() for w in _WORD.findall(_CAMEL.sub("_", name))]


def secret_looking_name(name: str) -> bool:
    """True for names such as DB_PASSWORD, apiKey or GITHUB_TOKEN, false for DB_PASSWORD_FILE."""
    if name.upper() in _SECRET_NAMES:
        return True
    words = _words(name)
    if not words:
        return False
    if words[-1] in _REFERENCE_WORDS:
        return False
    if any(w in _SECRET_WORDS or w.endswith(_SECRET_SUFFIXES) for w in words):
        return True
    if len(words) > 1 and words[-1] in ("PASS", "PWD", "PW"):
        return True
    return any(pair in _SECRET_PAIRS for pair in pairwise(words))


def _looks_like_aws_secret_key(value: str) -> bool:
    for match in _AWS_SECRET_KEY.finditer(value):
        text = match.group()
        if re.fullmatch(r"[0-9a-fA-F]+", text) or text.startswith("/") or text.count("/") > 2:
            continue
        classes = (str.isupper, str.islower, str.isdigit)
        if all(any(test(ch) for ch in text) for test in classes):
            return True
    return False


def secret_value_kind(value: str) -> str | None:
    """What a plaintext value looks like (`"an AWS access key ID"`), or None. Never returns the value."""
    for kind, pattern in _VALUE_PATTERNS:
        if pattern.search(value):
            return kind
    if _looks_like_aws_secret_key(value):
        return "an AWS secret access key"
    return None


def _trivial(value: str) -> bool:
    """Values that cannot be a secret: empty, booleans, small numbers, absolute paths, placeholders."""
    text = value.strip()
    if not text or text.lower() in ("true", "false", "yes", "no", "none", "null"):
        return True
    if text.isdigit() and len(text) <= 5:
        return True
    if re.fullmatch(r"/[\w./-]*", text):
        return True
    return _PLACEHOLDER.search(text) is not None


def secret_in_environment(td: TaskDef) -> Finding:
    for c in td.containers:
        for index, entry in enumerate(_list(c.data.get("environment"))):
            if not isinstance(entry, dict):
                continue
            name, value = entry.get("name"), entry.get("value")
            if not isinstance(value, str) or not value:
                continue
            label = f'"{name}"' if isinstance(name, str) and name else f"environment[{index}]"
            pointer = f"{c.pointer}/environment/{index}/value"
            kind = None if re.search(r"\$\{|\{\{", value) else secret_value_kind(value)
            if kind is not None:
                yield (
                    pointer,
                    f"{c.label} environment variable {label} holds what looks like {kind} in plaintext; "
                    f"{_SECRETS_ADVICE}",
                )
            elif isinstance(name, str) and secret_looking_name(name) and not _trivial(value):
                yield (
                    pointer,
                    f"{c.label} environment variable {label} has a secret-looking name and a plaintext "
                    f"value; {_SECRETS_ADVICE}",
                )


# --- TDL107..TDL109 environment hygiene: variable-in-environment-and-secrets, duplicate and empty names -----


def _names(c: Container, key: str) -> Iterator[tuple[int, str]]:
    for index, entry in enumerate(_list(c.data.get(key))):
        if isinstance(entry, dict):
            name = entry.get("name")
            if isinstance(name, str) and name:
                yield index, name


def _fold(td: TaskDef) -> bool:
    """Windows environment variable names are case-insensitive."""
    return is_windows(td)


def variable_in_environment_and_secrets(td: TaskDef) -> Finding:
    fold = _fold(td)
    for c in td.containers:
        secrets: dict[str, int] = {}
        for index, name in _names(c, "secrets"):
            secrets.setdefault(name.casefold() if fold else name, index)
        if not secrets:
            continue
        for index, name in _names(c, "environment"):
            found = secrets.get(name.casefold() if fold else name)
            if found is not None:
                yield (
                    f"{c.pointer}/environment/{index}/name",
                    f'{c.label} sets "{name}" both in environment[{index}] and in secrets[{found}]; '
                    "ECS does not document which one the container gets",
                )


def duplicate_environment_name(td: TaskDef) -> Finding:
    fold = _fold(td)
    for c in td.containers:
        for key in ("environment", "secrets"):
            first: dict[str, int] = {}
            for index, name in _names(c, key):
                folded = name.casefold() if fold else name
                if folded in first:
                    yield (
                        f"{c.pointer}/{key}/{index}/name",
                        f'{c.label} {key}[{index}] repeats variable "{name}" from {key}[{first[folded]}]; '
                        "only one of the values reaches the container",
                    )
                else:
                    first[folded] = index


def empty_environment_name(td: TaskDef) -> Finding:
    for c in td.containers:
        for key in ("environment", "secrets"):
            for index, entry in enumerate(_list(c.data.get(key))):
                if not isinstance(entry, dict):
                    continue
                if entry.get("name") is None:
                    # A secret without a name breaks the schema (Secret.name is required): TDL003's.
                    if key == "environment":
                        yield f"{c.pointer}/{key}/{index}", f"{c.label} {key}[{index}] has no name"
                elif isinstance(entry["name"], str) and not entry["name"].strip():
                    yield f"{c.pointer}/{key}/{index}/name", f"{c.label} {key}[{index}] has an empty name"


# --- TDL110 run-as-root, TDL111 unset-user ------------------------------------------------------------------


def _is_root(user: str) -> bool:
    uid = user.strip().split(":", 1)[0].strip()
    # UID 0 written with any number of zeros. Not int() after isdigit(): int() refuses 5,000 digits, and
    # isdigit() takes "²" for a digit.
    return uid == "root" or (uid.isascii() and uid.isdigit() and not uid.strip("0"))


def run_as_root(td: TaskDef) -> Finding:
    if is_windows(td):
        return
    host = td.data.get("networkMode") == "host"
    for c in td.containers:
        user = c.data.get("user")
        if isinstance(user, str) and user.strip() and _is_root(user):
            extra = "; ECS advises against root containers in host network mode" if host else ""
            yield f"{c.pointer}/user", f'{c.label} runs as root (user "{user}"){extra}'


def unset_user(td: TaskDef) -> Finding:
    if is_windows(td):
        return
    for c in td.containers:
        user = c.data.get("user")
        if user is None:
            pointer = c.pointer
        elif isinstance(user, str) and not user.strip():
            pointer = f"{c.pointer}/user"
        else:
            continue
        yield (
            pointer,
            f"{c.label} sets no user, so it runs as the image's default user (root unless the image "
            "sets another)",
        )


# --- TDL112 writable-root-filesystem ------------------------------------------------------------------------


def writable_root_filesystem(td: TaskDef) -> Finding:
    if is_windows(td):
        return
    for c in td.containers:
        value = c.data.get("readonlyRootFilesystem")
        if value is True:
            continue
        if value is False:
            yield (
                f"{c.pointer}/readonlyRootFilesystem",
                f"{c.label} has a writable root filesystem (readonlyRootFilesystem is false)",
            )
        elif value is None:
            yield (
                c.pointer,
                f"{c.label} has a writable root filesystem (readonlyRootFilesystem is not set)",
            )


# --- TDL113 missing-log-configuration -----------------------------------------------------------------------


def missing_log_configuration(td: TaskDef) -> Finding:
    for c in td.containers:
        if c.data.get("logConfiguration") is None:
            yield (
                c.pointer,
                f"{c.label} has no logConfiguration, so its output goes to the Docker daemon's default "
                "log driver",
            )


# --- TDL114 task-role-is-execution-role ---------------------------------------------------------------------

_ROLE_ARN = re.compile(r"^arn:[^:]+:iam::[^:]*:role/(?:.*/)?([^/]+)$")


def _role_name(value: str) -> str | None:
    match = _ROLE_ARN.match(value)
    return match.group(1) if match else None


def task_role_is_execution_role(td: TaskDef) -> Finding:
    task, execution = td.data.get("taskRoleArn"), td.data.get("executionRoleArn")
    if not isinstance(task, str) or not isinstance(execution, str):
        return
    task, execution = task.strip(), execution.strip()
    if not task or not execution:
        return
    same = task == execution
    if not same and not task.startswith("arn:"):
        # taskRoleArn may be a short role name in the same account.
        same = task == _role_name(execution)
    if same:
        yield (
            "/taskRoleArn",
            f'taskRoleArn names the same role as executionRoleArn ("{execution}"); the application '
            "gets the permissions ECS needs to pull images, read secrets and write logs",
        )


# --- TDL115 unconfined-security-option ----------------------------------------------------------------------

_UNCONFINED = {
    "apparmor:unconfined": "turns off AppArmor confinement",
    "label:disable": "turns off SELinux labeling",
}


def unconfined_security_option(td: TaskDef) -> Finding:
    if td.fargate:
        return
    for c in td.containers:
        for index, option in enumerate(_list(c.data.get("dockerSecurityOptions"))):
            if not isinstance(option, str):
                continue
            normal = re.sub(r"\s+", "", option).lower().replace("=", ":", 1)
            what = _UNCONFINED.get(normal)
            if what is not None:
                yield (
                    f"{c.pointer}/dockerSecurityOptions/{index}",
                    f'{c.label} {what} ("{option}")',
                )
