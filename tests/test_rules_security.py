"""Edge cases of the security and hygiene rules (TDL101-TDL115) and of the size rule (TDL030).

Each rule has catches and catches-not as (document, expected pointers) pairs, one test of exact line and
column on a multi-line document, one of the message text, and tests that wrong types do not crash.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from taskdeflint.checks.security import secret_looking_name, secret_value_kind
from tests.conftest import pointers

Doc = dict[str, Any]


def td(*containers: Doc, **task: Any) -> str:
    """A task definition with the given containers (name and image filled in) and task-level members."""
    filled = []
    for n, c in enumerate(containers):
        filled.append({"name": f"c{n}", "image": "example/app:1.0", **c})
    return json.dumps({"family": "f", **task, "containerDefinitions": filled})


def only(result: Any, rule: str) -> dict[str, Any]:
    matches = [f for f in result.findings if f["rule"] == rule]
    assert len(matches) == 1, result.findings
    return matches[0]


C0 = "/containerDefinitions/0"
C1 = "/containerDefinitions/1"
FARGATE: Doc = {
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
}
WINDOWS: Doc = {"runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}}


def check(lint_text: Any, rule: str, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), rule) == sorted(expected)


# --- TDL101 privileged-container ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (td({"privileged": True}), [f"{C0}/privileged"]),
        (td({"privileged": True}, requiresCompatibilities=["EC2"]), [f"{C0}/privileged"]),
        (td({"privileged": True}, requiresCompatibilities=["EXTERNAL"]), [f"{C0}/privileged"]),
        (td({}, {"privileged": True}), [f"{C1}/privileged"]),
        (td({"privileged": False}), []),
        (td({}), []),
        # Fargate and Windows reject the member: their rules report it.
        (td({"privileged": True}, **FARGATE), []),
        (td({"privileged": True}, requiresCompatibilities=["EC2", "FARGATE"]), []),
        (td({"privileged": True}, **WINDOWS), []),
        # Wrong types are the schema's business.
        (td({"privileged": "true"}), []),
        (td({"privileged": 1}), []),
    ],
)
def test_privileged_container(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL101", document, expected)


def test_privileged_container_position_and_message(lint_text: Any) -> None:
    text = (
        '{\n  "family": "f",\n  "containerDefinitions": [\n    {"name": "agent", "image": "a:1",\n'
        '     "privileged": true}\n  ]\n}\n'
    )
    finding = only(lint_text(text), "TDL101")
    assert (finding["line"], finding["column"], finding["severity"]) == (5, 6, "warning")
    assert finding["message"] == (
        'Container "agent" runs privileged, with root-like access to the host container instance'
    )


# --- TDL102..TDL104 host namespaces ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "member", "value", "task", "expected"),
    [
        ("TDL102", "networkMode", "host", {}, ["/networkMode"]),
        ("TDL102", "networkMode", "host", {"requiresCompatibilities": ["EC2"]}, ["/networkMode"]),
        ("TDL102", "networkMode", "bridge", {}, []),
        ("TDL102", "networkMode", "awsvpc", {}, []),
        ("TDL102", "networkMode", "none", {}, []),
        ("TDL102", "networkMode", "HOST", {}, []),
        ("TDL102", "networkMode", "host", {"requiresCompatibilities": ["FARGATE"]}, []),
        ("TDL102", "networkMode", "host", WINDOWS, []),
        ("TDL103", "pidMode", "host", {}, ["/pidMode"]),
        ("TDL103", "pidMode", "task", {}, []),
        ("TDL103", "pidMode", "host", {"requiresCompatibilities": ["FARGATE"]}, []),
        ("TDL103", "pidMode", "host", WINDOWS, []),
        ("TDL104", "ipcMode", "host", {}, ["/ipcMode"]),
        ("TDL104", "ipcMode", "task", {}, []),
        ("TDL104", "ipcMode", "none", {}, []),
        ("TDL104", "ipcMode", "host", {"requiresCompatibilities": ["FARGATE"]}, []),
        ("TDL104", "ipcMode", "host", WINDOWS, []),
    ],
)
def test_host_namespaces(
    lint_text: Any, rule: str, member: str, value: str, task: Doc, expected: list[str]
) -> None:
    check(lint_text, rule, td({}, **{member: value}, **task), expected)


def test_host_namespaces_absent_in_a_bare_container_list(lint_text: Any) -> None:
    result = lint_text(json.dumps([{"name": "a", "image": "a:1"}]))
    assert not [f for f in result.findings if f["rule"] in ("TDL102", "TDL103", "TDL104", "TDL114")]


def test_host_namespaces_positions_and_messages(lint_text: Any) -> None:
    text = (
        '{\n  "family": "agent",\n  "networkMode": "host",\n  "pidMode": "host",\n'
        '    "ipcMode": "host",\n  "containerDefinitions": [{"name": "a", "image": "a:1"}]\n}\n'
    )
    result = lint_text(text)
    network, pid, ipc = only(result, "TDL102"), only(result, "TDL103"), only(result, "TDL104")
    assert (network["line"], network["column"]) == (3, 3)
    assert (pid["line"], pid["column"]) == (4, 3)
    assert (ipc["line"], ipc["column"]) == (5, 5)
    assert network["message"] == (
        'Task definition uses networkMode "host": its containers share the network stack of the host '
        "container instance"
    )
    assert pid["message"].startswith('Task definition uses pidMode "host"')
    assert ipc["message"].startswith('Task definition uses ipcMode "host"')


# --- TDL105 added-linux-capability ----------------------------------------------------------------------

ADD = f"{C0}/linuxParameters/capabilities/add"


def caps(add: Any, drop: Any = None) -> Doc:
    capabilities: Doc = {"add": add}
    if drop is not None:
        capabilities["drop"] = drop
    return {"linuxParameters": {"capabilities": capabilities}}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (td(caps(["NET_ADMIN"])), [f"{ADD}/0"]),
        (td(caps(["SYS_PTRACE"])), [f"{ADD}/0"]),
        (td(caps(["ALL"])), [f"{ADD}/0"]),
        (td(caps(["NET_BIND_SERVICE", "SYS_ADMIN"], ["ALL"])), [f"{ADD}/0", f"{ADD}/1"]),
        (td(caps([]), {}), []),
        (td({"linuxParameters": {"capabilities": {"drop": ["ALL"]}}}), []),
        (td({"linuxParameters": {"initProcessEnabled": True}}), []),
        # Fargate: SYS_PTRACE is the only one it accepts, and still reported; the rest is an error elsewhere.
        (td(caps(["SYS_PTRACE", "NET_ADMIN"]), **FARGATE), [f"{ADD}/0"]),
        (td(caps(["SYS_PTRACE"]), **WINDOWS), []),
        # Wrong types.
        (td(caps("NET_ADMIN")), []),
        (td(caps([1, None, {"x": 1}, "KILL"])), [f"{ADD}/3"]),
        (td({"linuxParameters": {"capabilities": ["NET_ADMIN"]}}), []),
        (td({"linuxParameters": "NET_ADMIN"}), []),
    ],
)
def test_added_linux_capability(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL105", document, expected)


def test_added_linux_capability_position_and_messages(lint_text: Any) -> None:
    text = (
        '{"family": "f", "containerDefinitions": [\n'
        '  {"name": "dbg", "image": "a:1",\n'
        '   "linuxParameters": {"capabilities": {"add": [\n'
        '     "SYS_PTRACE",\n'
        '     "ALL", "NET_RAW"]}}}]}\n'
    )
    result = lint_text(text)
    findings = sorted((f for f in result.findings if f["rule"] == "TDL105"), key=lambda f: f["pointer"])
    assert [(f["line"], f["column"]) for f in findings] == [(4, 6), (5, 6), (5, 13)]
    assert [f["message"] for f in findings] == [
        'Container "dbg" adds Linux capability "SYS_PTRACE" (commonly added for debugging; remove it when '
        "it is not needed)",
        'Container "dbg" adds all Linux capabilities ("ALL")',
        'Container "dbg" adds Linux capability "NET_RAW"',
    ]


# --- TDL106 secret-in-environment ------------------------------------------------------------------------


def env(*pairs: tuple[Any, Any]) -> Doc:
    return {"environment": [{"name": n, "value": v} for n, v in pairs]}


def value_at(index: int, container: str = C0) -> str:
    return f"{container}/environment/{index}/value"


@pytest.mark.parametrize(
    ("name", "value", "flagged"),
    [
        # Names.
        ("DB_PASSWORD", "correct-horse-battery", True),
        ("db_password", "correct-horse-battery", True),
        ("dbPassword", "correct-horse-battery", True),
        ("POSTGRES_PASSWD", "correct-horse", True),
        ("JWT_SECRET", "some-signing-material", True),
        ("CLIENT_SECRET", "abc", True),
        ("GITHUB_TOKEN", "abcdef", True),
        ("authToken", "abcdef", True),
        ("STRIPE_API_KEY", "sk_test_abc", True),
        ("apiKey", "abcdef", True),
        ("X_APIKEY", "abcdef", True),
        ("SSH_PRIVATE_KEY", "abcdef", True),
        ("SIGNING_KEY", "abcdef", True),
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", True),
        ("AWS_SECRET_ACCESS_KEY", "secret", True),
        ("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLE", True),
        ("ECS_ENGINE_AUTH_DATA", '{"https://index.docker.io/v1/": {}}', True),
        ("SERVICE_CREDENTIALS", "user:pass", True),
        ("DB_PASSWORD", "123456", True),
        ("PGPASSWORD", "correct-horse", True),
        ("DB_PASS", "correct-horse", True),
        ("SMTP_PWD", "correct-horse", True),
        ("NEW_RELIC_LICENSE_KEY", "eu01xx0123456789abcdef", True),
        ("SECRET_KEY_BASE", "b7e1d9c0", True),
        # Not secrets: references to secrets or settings about them.
        ("DB_PASSWORD_FILE", "/run/secrets/db", False),
        ("JWT_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:jwt-AbCdEf", False),
        ("TOKEN_URL", "https://auth.example.com/oauth/token", False),
        ("SECRET_NAME", "prod/api/db", False),
        ("CLIENT_SECRET_ID", "prod-client", False),
        ("TOKEN_TTL", "3600", False),
        ("PASSWORD_MIN_LENGTH", "12", False),
        ("MFA_TOKEN_ENABLED", "true", False),
        ("AWS_ACCESS_KEY_ID_PARAM", "/prod/key", False),
        # KEY alone is no secret.
        ("CACHE_KEY", "users-v2", False),
        ("PARTITION_KEY", "tenantId", False),
        ("KEYCLOAK_REALM", "main", False),
        # Values that cannot be a secret.
        ("DB_PASSWORD", "", False),
        ("API_TOKEN", "true", False),
        ("DB_PASSWORD", "${DB_PASSWORD}", False),
        ("DB_PASSWORD", "{{ db_password }}", False),
        ("DB_PASSWORD", "<password>", False),
        ("DB_PASSWORD", "arn:aws:ssm:eu-west-1:123456789012:parameter/db", False),
        ("GOOGLE_APPLICATION_CREDENTIALS", "/etc/gcp/key.json", False),
        ("SECRET_ROTATION_DAYS", "30", False),
        # Ordinary variables.
        ("LOG_LEVEL", "info", False),
        ("PWD", "/app", False),
        ("PASSAGE_COUNT", "3", False),
        ("TOKENIZER", "bpe", False),
        ("PASS_THROUGH", "yes-please", False),
        ("BYPASS_CACHE", "sometimes", False),
        ("SECRETARY_EMAIL", "office@example.com", False),
        ("CSRF_TOKEN_HEADER", "X-CSRF-Token", False),
    ],
)
def test_secret_in_environment_by_name(lint_text: Any, name: str, value: str, flagged: bool) -> None:
    check(lint_text, "TDL106", td(env((name, value))), [value_at(0)] if flagged else [])


GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("AKIAIOSFODNN7EXAMPLE", "an AWS access key ID"),
        ("ASIAY34FZKBOKMUTVV7A", "an AWS access key ID"),
        ("key=AKIAIOSFODNN7EXAMPLE;", "an AWS access key ID"),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "a private key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
        ("-----BEGIN PRIVATE KEY-----", "a private key"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----", "a private key"),
        (GITHUB, "a GitHub token"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "a GitHub token"),
        ("xoxb-1234567890-abcdefghij", "a Slack token"),
        (JWT, "a JSON Web Token"),
        ("postgres://app:s3cr3t@db.internal:5432/app", "a URL with an embedded password"),
        ("redis://:s3cr3t@cache:6379/0", "a URL with an embedded password"),
        ("Server=db;Database=app;User Id=app;Password=s3cr3t;", "a connection string with a password"),
    ],
)
def test_secret_value_kinds(value: str, kind: str) -> None:
    assert secret_value_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "",
        "info",
        "AKIA",  # too short
        "AKIAIOSFODNN7EXAMPLEX",  # too long to be one key id
        "0123456789abcdef0123456789abcdef01234567",  # a git commit id
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmn",  # letters only
        "/opt/App/Lib/Python3/Site/Packages/Mod1",  # a path, not base64
        "https://api.example.com/v1/users",
        "postgres://db.internal:5432/app",  # no password
        "postgres://app@db.internal:5432/app",
        "smtp://smtp.example.com:587?from=noreply@example.com",  # a query is no password
        "https://cdn.example.com:443/#/users/@me",
        "-----BEGIN CERTIFICATE-----",
        "eyJhbGciOiJIUzI1NiJ9",  # a header alone
        "550e8400-e29b-41d4-a716-446655440000",
    ],
)
def test_secret_value_kinds_not(value: str) -> None:
    assert secret_value_kind(value) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DB_PASSWORD", True),
        ("dbPassword", True),
        ("apiKey", True),
        ("PRIVATE_KEY_PEM", True),
        ("privateKeyFile", False),
        ("PRIVATE_KEY_PATH", False),
        ("KEY", False),
        ("SECRET", True),
        ("", False),
        ("___", False),
    ],
)
def test_secret_looking_name(name: str, expected: bool) -> None:
    assert secret_looking_name(name) is expected


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        # A value that looks like a credential is reported whatever the name.
        (td(env(("UPLOADER", "AKIAIOSFODNN7EXAMPLE"))), [value_at(0)]),
        (td(env(("DATABASE_URL", "postgres://app:s3cr3t@db:5432/app"))), [value_at(0)]),
        (td(env(("SECRET_NAME", "AKIAIOSFODNN7EXAMPLE"))), [value_at(0)]),
        # One finding per entry, in each container.
        (
            td(env(("A", "1"), ("DB_PASSWORD", "x1y2z3w4")), env(("API_TOKEN", "abcdef"))),
            [value_at(1), value_at(0, C1)],
        ),
        # A URL with a placeholder for the password is a template, not a secret.
        (td(env(("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db:5432/app"))), []),
        # Secrets passed the right way.
        (
            td(
                {
                    "secrets": [
                        {
                            "name": "DB_PASSWORD",
                            "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/db",
                        }
                    ]
                }
            ),
            [],
        ),
        # Wrong types: nothing to read, no crash.
        (td({"environment": [{"name": "DB_PASSWORD", "value": 12345678}]}), []),
        (td({"environment": [{"name": 7, "value": "AKIAIOSFODNN7EXAMPLE"}]}), [value_at(0)]),
        (td({"environment": [{"value": "AKIAIOSFODNN7EXAMPLE"}]}), [value_at(0)]),
        (td({"environment": {"DB_PASSWORD": "x1y2z3w4"}}), []),
        (td({"environment": ["DB_PASSWORD=x1y2z3w4", None]}), []),
        (td({"environment": "DB_PASSWORD=x1y2z3w4"}), []),
    ],
)
def test_secret_in_environment(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL106", document, expected)


def test_secret_in_environment_never_prints_the_value(lint_text: Any) -> None:
    secrets = [
        ("DB_PASSWORD", "Sup3r-S3cret-Passw0rd"),
        ("X", "AKIAIOSFODNN7EXAMPLE"),
        ("Y", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("Z", GITHUB),
        ("JWT", JWT),
        ("DATABASE_URL", "postgres://app:Hunter2Hunter2@db:5432/app"),
    ]
    document = td(env(*secrets))
    for output_format in ("json", "text", "sarif", "github", "junit"):
        result = lint_text(document, format=output_format)
        assert result.code in (0, 1), result.stderr
        for _, value in secrets:
            assert value not in result.stdout
            assert value not in result.stderr
        for fragment in ("Sup3r", "IOSFODNN", "Hunter2", "bPxRfiCY", "a1B2c3D4"):
            assert fragment not in result.stdout
    findings = [f for f in lint_text(document).findings if f["rule"] == "TDL106"]
    assert len(findings) == len(secrets)


def test_secret_in_environment_position_and_messages(lint_text: Any) -> None:
    text = (
        "{\n"
        '  "family": "api",\n'
        '  "containerDefinitions": [\n'
        "    {\n"
        '      "name": "api", "image": "a:1",\n'
        '      "environment": [\n'
        '        {"name": "DB_PASSWORD",\n'
        '         "value": "hunter2-but-longer"},\n'
        '        {"name": "UPLOADER", "value": "AKIAIOSFODNN7EXAMPLE"}\n'
        "      ]\n"
        "    }\n"
        "  ]\n"
        "}\n"
    )
    result = lint_text(text)
    findings = sorted((f for f in result.findings if f["rule"] == "TDL106"), key=lambda f: f["line"])
    assert [(f["line"], f["column"], f["severity"]) for f in findings] == [
        (8, 10, "warning"),
        (9, 30, "warning"),
    ]
    assert [f["message"] for f in findings] == [
        'Container "api" environment variable "DB_PASSWORD" has a secret-looking name and a plaintext '
        'value; pass it through "secrets" (Secrets Manager or SSM Parameter Store) instead',
        'Container "api" environment variable "UPLOADER" holds what looks like an AWS access key ID in '
        'plaintext; pass it through "secrets" (Secrets Manager or SSM Parameter Store) instead',
    ]


# --- TDL107 variable-in-environment-and-secrets ----------------------------------------------------------


def secrets(*names: Any) -> list[Doc]:
    return [{"name": n, "valueFrom": f"arn:aws:ssm:eu-west-1:123456789012:parameter/{n}"} for n in names]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (td({**env(("DB_USER", "api")), "secrets": secrets("DB_USER")}), [f"{C0}/environment/0/name"]),
        (
            td({**env(("A", "1"), ("B", "2"), ("C", "3")), "secrets": secrets("C", "A")}),
            [f"{C0}/environment/0/name", f"{C0}/environment/2/name"],
        ),
        (td({**env(("DB_USER", "api")), "secrets": secrets("DB_PASS")}), []),
        # Case matters on Linux, not on Windows.
        (td({**env(("db_user", "api")), "secrets": secrets("DB_USER")}), []),
        (
            td({**env(("db_user", "api")), "secrets": secrets("DB_USER")}, **WINDOWS),
            [f"{C0}/environment/0/name"],
        ),
        # Different containers do not conflict.
        (td(env(("DB_USER", "api")), {"secrets": secrets("DB_USER")}), []),
        # Wrong types.
        (td({**env(("DB_USER", "api")), "secrets": {"DB_USER": "x"}}), []),
        (td({**env(("DB_USER", "api")), "secrets": [None, "DB_USER", {"name": 3}]}), []),
        (td({"environment": [{"name": None}], "secrets": secrets("DB_USER")}), []),
    ],
)
def test_variable_in_environment_and_secrets(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL107", document, expected)


def test_variable_in_environment_and_secrets_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "f", "containerDefinitions": [{"name": "api", "image": "a:1",\n'
        '  "secrets": [{"name": "DB_USER", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/u"}],\n'
        '  "environment": [\n'
        '    {"name": "DB_USER", "value": "api"}]}]}\n'
    )
    finding = only(lint_text(text), "TDL107")
    assert (finding["line"], finding["column"]) == (4, 6)
    assert finding["message"] == (
        'Container "api" sets "DB_USER" both in environment[0] and in secrets[0]; ECS does not document '
        "which one the container gets"
    )


# --- TDL108 duplicate-environment-name -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (td(env(("PORT", "1"), ("PORT", "2"))), [f"{C0}/environment/1/name"]),
        (td(env(("PORT", "1"), ("X", "2"), ("PORT", "1"))), [f"{C0}/environment/2/name"]),
        (
            td(env(("A", "1"), ("A", "2"), ("A", "3"))),
            [f"{C0}/environment/1/name", f"{C0}/environment/2/name"],
        ),
        (td({"secrets": secrets("TOKEN", "TOKEN")}), [f"{C0}/secrets/1/name"]),
        # Case-sensitive on Linux, not on Windows.
        (td(env(("Path", "1"), ("PATH", "2"))), []),
        (td(env(("Path", "1"), ("PATH", "2")), **WINDOWS), [f"{C0}/environment/1/name"]),
        # Across containers, and across the two lists (TDL107), is not a duplicate here.
        (td(env(("PORT", "1")), env(("PORT", "2"))), []),
        (td({**env(("A", "1")), "secrets": secrets("A")}), []),
        # Empty and wrong-typed names are other rules' business.
        (td(env(("", "1"), ("", "2"))), []),
        (td({"environment": [{"name": 1}, {"name": 1}, {"value": "x"}, {"value": "y"}]}), []),
        (td({"environment": [["PORT", "1"], ["PORT", "2"]]}), []),
    ],
)
def test_duplicate_environment_name(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL108", document, expected)


def test_duplicate_environment_name_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "f",\n "containerDefinitions": [\n  {"name": "api", "image": "a:1", "environment": [\n'
        '   {"name": "PORT", "value": "8080"},\n'
        '   {"name": "PORT", "value": "9090"}]}]}\n'
    )
    finding = only(lint_text(text), "TDL108")
    assert (finding["line"], finding["column"], finding["severity"]) == (5, 5, "warning")
    assert finding["message"] == (
        'Container "api" environment[1] repeats variable "PORT" from environment[0]; only one of the values '
        "reaches the container"
    )


# --- TDL109 empty-environment-name -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (td(env(("", "x"))), [f"{C0}/environment/0/name"]),
        (td(env(("  ", "x"))), [f"{C0}/environment/0/name"]),
        (td({"environment": [{"value": "x"}]}), [f"{C0}/environment/0"]),
        (td({"environment": [{"name": None, "value": "x"}]}), [f"{C0}/environment/0"]),
        (td({"environment": [{}]}), [f"{C0}/environment/0"]),
        (td({"secrets": [{"name": "", "valueFrom": "p"}]}), [f"{C0}/secrets/0/name"]),
        (td({"secrets": [{"valueFrom": "p"}]}), []),  # the schema requires Secret.name: TDL003
        (td(env(("A", ""))), []),
        (td({"environment": [{"name": "A"}]}), []),
        # Wrong types.
        (td({"environment": [{"name": 0, "value": "x"}]}), []),
        (td({"environment": [None, 1, "x"]}), []),
        (td({"environment": {"name": ""}}), []),
    ],
)
def test_empty_environment_name(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL109", document, expected)


def test_empty_environment_name_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "f", "containerDefinitions": [\n  {"name": "api", "image": "a:1",\n'
        '   "environment": [{"name": "A", "value": "1"},\n     {"value": "info"}]}]}\n'
    )
    finding = only(lint_text(text), "TDL109")
    assert (finding["line"], finding["column"]) == (4, 6)
    assert finding["message"] == 'Container "api" environment[1] has no name'


# --- TDL110 run-as-root, TDL111 unset-user -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "root"),
    [
        ("root", True),
        ("0", True),
        ("0:0", True),
        ("root:root", True),
        ("0:1000", True),
        ("root:wheel", True),
        ("00", True),
        (" root ", True),
        ("1000", False),
        ("1000:0", False),
        ("app", False),
        ("app:root", False),
        ("www-data", False),
        ("rootless", False),
        ("65534:65534", False),
    ],
)
def test_run_as_root(lint_text: Any, user: str, root: bool) -> None:
    check(lint_text, "TDL110", td({"user": user}), [f"{C0}/user"] if root else [])


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (td({"user": "root"}, **WINDOWS), []),
        (td({}), []),
        (td({"user": 0}), []),
        (td({"user": ["root"]}), []),
        (td({"user": ""}), []),
    ],
)
def test_run_as_root_edges(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL110", document, expected)


def test_run_as_root_position_and_messages(lint_text: Any) -> None:
    text = (
        '{"family": "f",\n "containerDefinitions": [{"name": "api", "image": "a:1",\n    "user": "0:0"}]}\n'
    )
    finding = only(lint_text(text), "TDL110")
    assert (finding["line"], finding["column"], finding["severity"]) == (3, 5, "warning")
    assert finding["message"] == 'Container "api" runs as root (user "0:0")'
    host = only(lint_text(td({"user": "root"}, networkMode="host")), "TDL110")
    assert host["message"] == (
        'Container "c0" runs as root (user "root"); ECS advises against root containers in host network mode'
    )


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (td({}), [C0]),
        (td({}, {"user": "1000"}), [C0]),
        (td({"user": ""}), [f"{C0}/user"]),
        (td({"user": "  "}), [f"{C0}/user"]),
        (td({"user": "1000:1000"}), []),
        (td({"user": "root"}), []),  # TDL110's
        (td({}, **WINDOWS), []),
        (td({"user": 1000}), []),
    ],
)
def test_unset_user(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL111", document, expected)


def test_unset_user_position_and_message(lint_text: Any) -> None:
    text = '{"family": "f",\n "containerDefinitions": [\n   {"name": "api", "image": "a:1"}]}\n'
    finding = only(lint_text(text), "TDL111")
    assert (finding["line"], finding["column"], finding["severity"]) == (3, 4, "info")
    assert finding["message"] == (
        'Container "api" sets no user, so it runs as the image\'s default user (root unless the image sets '
        "another)"
    )


# --- TDL112 writable-root-filesystem ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (td({}), [C0]),
        (td({"readonlyRootFilesystem": False}), [f"{C0}/readonlyRootFilesystem"]),
        (td({"readonlyRootFilesystem": True}), []),
        (td({"readonlyRootFilesystem": True}, {}), [C1]),
        (td({}, **WINDOWS), []),
        (td({"readonlyRootFilesystem": "true"}), []),
        (td({"readonlyRootFilesystem": 1}), []),
    ],
)
def test_writable_root_filesystem(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL112", document, expected)


def test_writable_root_filesystem_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "f", "containerDefinitions": [{"name": "api", "image": "a:1",\n'
        '  "readonlyRootFilesystem": false}]}'
    )
    finding = only(lint_text(text), "TDL112")
    assert (finding["line"], finding["column"], finding["severity"]) == (2, 3, "info")
    assert (
        finding["message"]
        == 'Container "api" has a writable root filesystem (readonlyRootFilesystem is false)'
    )


# --- TDL113 missing-log-configuration --------------------------------------------------------------------

AWSLOGS: Doc = {
    "logDriver": "awslogs",
    "options": {"awslogs-group": "g", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "p"},
}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (td({}), [C0]),
        (td({"logConfiguration": None}), [C0]),
        (td({"logConfiguration": AWSLOGS}, {}), [C1]),
        (td({"logConfiguration": AWSLOGS}), []),
        (td({"logConfiguration": {"logDriver": "json-file"}}), []),
        (td({"logConfiguration": "awslogs"}), []),  # wrong type: the schema's
        (json.dumps([{"name": "a", "image": "a:1"}]), [C0.replace("/containerDefinitions", "")]),
    ],
)
def test_missing_log_configuration(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL113", document, expected)


def test_missing_log_configuration_position_and_message(lint_text: Any) -> None:
    text = '{\n  "family": "f",\n  "containerDefinitions": [\n      {"name": "api", "image": "a:1"}\n  ]\n}\n'
    finding = only(lint_text(text), "TDL113")
    assert (finding["line"], finding["column"], finding["severity"]) == (4, 7, "warning")
    assert finding["message"] == (
        'Container "api" has no logConfiguration, so its output goes to the Docker daemon\'s default log '
        "driver"
    )


# --- TDL114 task-role-is-execution-role ------------------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/ecs-api"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({"taskRoleArn": ROLE, "executionRoleArn": ROLE}, ["/taskRoleArn"]),
        ({"taskRoleArn": f" {ROLE}", "executionRoleArn": ROLE}, ["/taskRoleArn"]),
        ({"taskRoleArn": "ecs-api", "executionRoleArn": ROLE}, ["/taskRoleArn"]),
        (
            {"taskRoleArn": "ecs-api", "executionRoleArn": "arn:aws:iam::123456789012:role/team/ecs-api"},
            ["/taskRoleArn"],
        ),
        (
            {
                "taskRoleArn": "arn:aws-cn:iam::123456789012:role/x",
                "executionRoleArn": "arn:aws-cn:iam::123456789012:role/x",
            },
            ["/taskRoleArn"],
        ),
        ({"taskRoleArn": "arn:aws:iam::123456789012:role/api", "executionRoleArn": ROLE}, []),
        # Same role name in another account is another role.
        ({"taskRoleArn": "arn:aws:iam::210987654321:role/ecs-api", "executionRoleArn": ROLE}, []),
        ({"taskRoleArn": "other", "executionRoleArn": ROLE}, []),
        ({"taskRoleArn": ROLE}, []),
        ({"executionRoleArn": ROLE}, []),
        ({"taskRoleArn": "", "executionRoleArn": ""}, []),
        ({"taskRoleArn": 1, "executionRoleArn": 1}, []),
        ({"taskRoleArn": [ROLE], "executionRoleArn": ROLE}, []),
    ],
)
def test_task_role_is_execution_role(lint_text: Any, task: Doc, expected: list[str]) -> None:
    check(lint_text, "TDL114", td({}, **task), expected)


def test_task_role_is_execution_role_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "f",\n'
        f'  "executionRoleArn": "{ROLE}",\n'
        f'    "taskRoleArn": "{ROLE}",\n'
        '  "containerDefinitions": [{"name": "a", "image": "a:1"}]}\n'
    )
    finding = only(lint_text(text), "TDL114")
    assert (finding["line"], finding["column"], finding["severity"]) == (3, 5, "info")
    assert finding["message"] == (
        f'taskRoleArn names the same role as executionRoleArn ("{ROLE}"); the application gets the '
        "permissions ECS needs to pull images, read secrets and write logs"
    )


# --- TDL115 unconfined-security-option -------------------------------------------------------------------

OPTIONS = f"{C0}/dockerSecurityOptions"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (td({"dockerSecurityOptions": ["apparmor:unconfined"]}), [f"{OPTIONS}/0"]),
        (td({"dockerSecurityOptions": ["no-new-privileges", "label:disable"]}), [f"{OPTIONS}/1"]),
        (
            td({"dockerSecurityOptions": ["apparmor=unconfined", "LABEL:DISABLE"]}),
            [f"{OPTIONS}/0", f"{OPTIONS}/1"],
        ),
        (td({"dockerSecurityOptions": ["apparmor: unconfined"]}), [f"{OPTIONS}/0"]),
        (td({"dockerSecurityOptions": ["apparmor:docker-default"]}), []),
        (td({"dockerSecurityOptions": ["label:type:container_t", "no-new-privileges"]}), []),
        (td({"dockerSecurityOptions": ["credentialspec:arn:aws:s3:::bucket/spec.json"]}), []),
        (td({"dockerSecurityOptions": ["apparmor:unconfined"]}, **FARGATE), []),
        (td({"dockerSecurityOptions": "apparmor:unconfined"}), []),
        (td({"dockerSecurityOptions": [None, 3, {"apparmor": "unconfined"}]}), []),
    ],
)
def test_unconfined_security_option(lint_text: Any, document: str, expected: list[str]) -> None:
    check(lint_text, "TDL115", document, expected)


def test_unconfined_security_option_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "f", "containerDefinitions": [{"name": "legacy", "image": "a:1",\n'
        '  "dockerSecurityOptions": [\n'
        '    "no-new-privileges", "label:disable"]}]}\n'
    )
    finding = only(lint_text(text), "TDL115")
    assert (finding["line"], finding["column"], finding["severity"]) == (3, 26, "warning")
    assert finding["message"] == 'Container "legacy" turns off SELinux labeling ("label:disable")'


# --- Wrong types anywhere: no crash ---------------------------------------------------------------------

SECURITY_RULES = [f"TDL1{n:02d}" for n in range(1, 16)]


@pytest.mark.parametrize(
    "document",
    [
        '{"family": "f", "containerDefinitions": 5}',
        '{"family": "f", "containerDefinitions": [5, "x", null, [], true]}',
        '{"family": "f", "containerDefinitions": {"name": "a"}}',
        '{"family": 3, "networkMode": 4, "pidMode": [], "ipcMode": {}, "requiresCompatibilities": "FARGATE",'
        ' "runtimePlatform": "LINUX", "taskRoleArn": {}, "executionRoleArn": [], "containerDefinitions": []}',
        '{"family": "f", "runtimePlatform": {"operatingSystemFamily": 7}, "containerDefinitions": ['
        '{"name": 1, "image": 2, "privileged": "yes", "user": {}, "environment": 3, "secrets": "s",'
        ' "linuxParameters": [], "dockerSecurityOptions": {}, "readonlyRootFilesystem": [],'
        ' "logConfiguration": 1}]}',
        '{"family": "f", "requiresCompatibilities": [1, null], "containerDefinitions": ['
        '{"name": "a", "image": "a:1", "environment": [{"name": [], "value": {}}, {"name": {}, "value": []}],'
        ' "secrets": [{"name": [], "valueFrom": 1}], "linuxParameters": {"capabilities": {"add": {}}}}]}',
        '{"taskDefinition": {"family": "f",'
        ' "containerDefinitions": [{"name": "a", "image": "a", "user": "0"}]}}',
        '[{"name": "a", "image": "a:latest", "privileged": true,'
        ' "environment": [{"name": "", "value": "x"}]}]',
    ],
)
def test_wrong_types_do_not_crash(lint_text: Any, document: str) -> None:
    result = lint_text(document)
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    for finding in result.findings:
        assert isinstance(finding["message"], str)


def test_bare_container_list_pointers_map_to_the_document(lint_text: Any) -> None:
    result = lint_text(json.dumps([{"name": "a", "image": "a:1", "privileged": True, "user": "root"}]))
    assert pointers(result, "TDL101") == ["/0/privileged"]
    assert pointers(result, "TDL110") == ["/0/user"]


def test_describe_output_is_checked_inside_the_wrapper(lint_text: Any) -> None:
    document = json.dumps(
        {
            "taskDefinition": {
                "family": "f",
                "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/f:1",
                "revision": 1,
                "pidMode": "host",
                "containerDefinitions": [{"name": "a", "image": "a:1", "privileged": True}],
            }
        }
    )
    result = lint_text(document)
    assert pointers(result, "TDL103") == ["/taskDefinition/pidMode"]
    assert pointers(result, "TDL101") == ["/taskDefinition/containerDefinitions/0/privileged"]


def test_every_security_rule_is_in_the_catalogue() -> None:
    from taskdeflint.engine.catalogue import builtin_rules

    ids = {rule.id for rule in builtin_rules()}
    assert set(SECURITY_RULES) <= ids


# --- TDL030 task-definition-too-large --------------------------------------------------------------------


def sized(total: int, filler: str = "x", **task: Any) -> dict[str, Any]:
    """A task definition whose compact UTF-8 JSON is exactly `total` bytes (filler: any character)."""
    document: dict[str, Any] = {
        "family": "f",
        **task,
        "containerDefinitions": [
            {"name": "a", "image": "a:1", "environment": [{"name": "BLOB", "value": ""}]}
        ],
    }
    base = len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    count, rest = divmod(total - base, len(filler.encode()))
    document["containerDefinitions"][0]["environment"][0]["value"] = filler * count + "x" * rest
    assert len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()) == total
    return document


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (sized(65537), [""]),
        (sized(65536), []),
        (sized(40000), []),
        # A non-ASCII character counts once: the smallest plausible count (issue 12).
        (sized(65538, "é"), []),
        (sized(131074, "é"), [""]),
    ],
)
def test_task_definition_too_large(lint_text: Any, document: Doc, expected: list[str]) -> None:
    check(lint_text, "TDL030", json.dumps(document, ensure_ascii=False), expected)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (sized(65537), []),  # TDL030's
        (sized(40000), []),
        # Over 64 KiB only as the AWS CLI sends it: with blanks, or é as a six-byte escape.
        (sized(65538, "é"), [""]),
        (sized(24000, "é"), [""]),
        (sized(10000, "é"), []),
        (sized(65530), [""]),  # the blanks after separators push it over
    ],
)
def test_task_definition_may_be_too_large(lint_text: Any, document: Doc, expected: list[str]) -> None:
    check(lint_text, "TDL041", json.dumps(document, ensure_ascii=False), expected)


def test_task_definition_size_ignores_whitespace_and_escapes_in_the_file(lint_text: Any) -> None:
    document = sized(65536, "é")
    # Indented, and with every é written as an escape: the file is far over 64 KiB, the body is not.
    text = json.dumps(document, indent=4, ensure_ascii=True)
    assert len(text.encode()) > 150000
    check(lint_text, "TDL030", text, [])


def test_task_definition_size_of_describe_output_leaves_out_read_only_members(lint_text: Any) -> None:
    inner = sized(65500)
    inner.update(
        {
            "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/f:1",
            "revision": 1,
            "status": "ACTIVE",
            "registeredBy": "arn:aws:iam::123456789012:role/deployer",
            "registeredAt": "2026-01-01T00:00:00+00:00",
            "compatibilities": ["EC2", "FARGATE"],
            "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}],
        }
    )
    assert len(json.dumps(inner, separators=(",", ":")).encode()) > 65536
    check(lint_text, "TDL030", json.dumps({"taskDefinition": inner}), [])
    check(lint_text, "TDL030", json.dumps(inner), [])
    bigger = {**sized(70000), "revision": 3, "status": "ACTIVE"}
    check(lint_text, "TDL030", json.dumps({"taskDefinition": bigger}), ["/taskDefinition"])


def test_task_definition_too_large_position_and_message(lint_text: Any) -> None:
    document = sized(70000)
    text = "\n\n  " + json.dumps(document, indent=2)
    finding = only(lint_text(text), "TDL030")
    assert (finding["line"], finding["column"], finding["severity"]) == (3, 3, "error")
    assert finding["message"] == (
        "Task definition is 70,000 characters as compact JSON, over the 65,536-byte (64 KiB) limit on a "
        "registered task definition however it is counted"
    )
    finding = only(lint_text(json.dumps(sized(40000, "é"))), "TDL041")
    assert finding["severity"] == "warning"
    assert finding["message"] == (
        "Task definition is 119,791 bytes as the AWS CLI sends it (20,055 characters as compact JSON), over "
        "the 65,536-byte (64 KiB) limit on a registered task definition by one way of counting"
    )


def test_task_definition_too_large_bare_container_list(lint_text: Any) -> None:
    containers = sized(70000)["containerDefinitions"]
    finding = only(lint_text(json.dumps(containers)), "TDL030")
    assert finding["pointer"] == ""
    assert finding["message"].startswith("Container definitions alone are ")
    assert "over the 65,536-byte (64 KiB) limit" in finding["message"]


def test_task_definition_size_with_lone_surrogates_does_not_crash(lint_text: Any) -> None:
    text = '{"family": "f", "containerDefinitions": [{"name": "a", "image": "a:1", "command": ["\\ud800"]}]}'
    result = lint_text(text)
    assert result.code in (0, 1), result.stderr
    assert pointers(result, "TDL030") == []


@pytest.mark.parametrize(
    "value",
    [
        "x" * 1_000_000,
        "a:" * 500_000,
        "http://" + "a" * 1_000_000,
        "-----BEGIN " + "A " * 500_000,
        "A1a/" * 250_000,
    ],
)
def test_secret_value_scan_is_linear(value: str) -> None:
    import time

    started = time.perf_counter()
    secret_value_kind(value)
    assert time.perf_counter() - started < 2.0
