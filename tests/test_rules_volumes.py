"""Edge cases of the volume rules (TDL700..TDL712): catches and catches-not, positions, messages, and
documents with wrong types in the members these rules read."""

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


def task(containers: list[Any] | None = None, volumes: Any = None, **members: Any) -> str:
    data: dict[str, Any] = {"family": "t"}
    data.update(members)
    data["containerDefinitions"] = (
        containers if containers is not None else [{"name": "app", "image": "app:1", "memory": 256}]
    )
    if volumes is not None:
        data["volumes"] = volumes
    return json.dumps(data, indent=2)


def mounting(*names: str, name: str = "app") -> dict[str, Any]:
    return {
        "name": name,
        "image": "app:1",
        "memory": 256,
        "mountPoints": [{"sourceVolume": n, "containerPath": f"/mnt/{n}"} for n in names],
    }


# --- TDL700 mount-of-undefined-volume ---------------------------------------------------------------------

TDL700 = [
    (task([mounting("data")], [{"name": "data"}]), []),
    (task([mounting("data")], [{"name": "Data"}]), ["/containerDefinitions/0/mountPoints/0/sourceVolume"]),
    (task([mounting("data")]), ["/containerDefinitions/0/mountPoints/0/sourceVolume"]),  # no volumes at all
    (task([mounting("data")], []), ["/containerDefinitions/0/mountPoints/0/sourceVolume"]),
    (
        task([mounting("a", "b"), mounting("b", name="other")], [{"name": "b"}]),
        ["/containerDefinitions/0/mountPoints/0/sourceVolume"],
    ),
    # a bare container list cannot show the volumes
    (json.dumps([mounting("data")]), []),
    # wrong types: volumes not a list, mount not an object, sourceVolume not a string
    (task([mounting("data")], {"name": "data"}), []),
    (task([{"name": "app", "image": "app:1", "memory": 256, "mountPoints": ["data"]}], []), []),
    (task([{"name": "app", "image": "app:1", "memory": 256, "mountPoints": [{"sourceVolume": 7}]}], []), []),
    (task([{"name": "app", "image": "app:1", "memory": 256, "mountPoints": {"sourceVolume": "x"}}], []), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL700)
def test_tdl700(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL700") == expected


def test_tdl700_position_and_message(lint_text: Any) -> None:
    text = (
        "{\n"
        '  "family": "t",\n'
        '  "containerDefinitions": [\n'
        '    {"name": "web", "image": "app:1", "memory": 256,\n'
        '     "mountPoints": [{"containerPath": "/d", "sourceVolume": "date"}]}\n'
        "  ],\n"
        '  "volumes": [{"name": "data"}, {"name": "cache"}]\n'
        "}\n"
    )
    [finding] = rule_findings(lint_text(text), "TDL700")
    assert (finding["line"], finding["column"]) == (5, 46)
    assert finding["severity"] == "error"
    assert finding["message"] == (
        'Container "web" mounts volume "date", which is not defined in volumes (defined: "cache", "data")'
    )


# --- TDL701 volumes-from-unknown-container ----------------------------------------------------------------


def taking(source: Any, name: str = "b") -> dict[str, Any]:
    return {"name": name, "image": "b:1", "memory": 128, "volumesFrom": [{"sourceContainer": source}]}


APP = {"name": "a", "image": "a:1", "memory": 128}

TDL701 = [
    (task([APP, taking("a")]), []),
    (task([APP, taking("A")]), ["/containerDefinitions/1/volumesFrom/0/sourceContainer"]),
    (task([APP, taking("b")]), ["/containerDefinitions/1/volumesFrom/0/sourceContainer"]),  # itself
    (task([APP, taking("")]), ["/containerDefinitions/1/volumesFrom/0/sourceContainer"]),
    (json.dumps([APP, taking("zzz")]), ["/1/volumesFrom/0/sourceContainer"]),  # a bare container list
    (task([APP, taking(1)]), []),
    (task([APP, {"name": "b", "image": "b:1", "memory": 128, "volumesFrom": "a"}]), []),
    (task([APP, {"name": "b", "image": "b:1", "memory": 128, "volumesFrom": [None, "a"]}]), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL701)
def test_tdl701(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL701") == expected


def test_tdl701_position_and_messages(lint_text: Any) -> None:
    text = (
        "{\n"
        '  "family": "t",\n'
        '  "containerDefinitions": [\n'
        '    {"name": "a", "image": "a:1", "memory": 128,\n'
        '     "volumesFrom": [{"sourceContainer": "a"},\n'
        '                     {"sourceContainer": "ghost"}]}\n'
        "  ]\n"
        "}\n"
    )
    found = rule_findings(lint_text(text), "TDL701")
    assert [(f["line"], f["column"], f["message"]) for f in found] == [
        (5, 23, 'Container "a" takes volumesFrom itself'),
        (6, 23, 'Container "a" takes volumesFrom "ghost", not a container of this task'),
    ]


# --- TDL702 duplicate-volume-name -------------------------------------------------------------------------

TDL702 = [
    (task([mounting("a", "b")], [{"name": "a"}, {"name": "b"}]), []),
    (
        task([mounting("a")], [{"name": "a"}, {"name": "a"}, {"name": "a"}]),
        ["/volumes/1/name", "/volumes/2/name"],
    ),
    (task([mounting("a", "A")], [{"name": "a"}, {"name": "A"}]), []),  # case-sensitive
    (task([mounting()], [{}, {}]), []),  # unnamed volumes are not duplicates
    (task([mounting()], [{"name": 1}, {"name": 1}]), []),
    (task([mounting()], [None, "a", {"name": "a"}]), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL702)
def test_tdl702(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL702") == expected


def test_tdl702_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 128}],\n'
        ' "volumes": [\n'
        '   {"name": "data"},\n'
        '   {"host": {}, "name": "data"}\n'
        " ]}\n"
    )
    [finding] = rule_findings(lint_text(text), "TDL702")
    assert (finding["line"], finding["column"], finding["severity"]) == (5, 17, "warning")
    assert finding["message"] == 'Volume name "data" is already used by volumes[0]'


# --- TDL703 volume-with-multiple-configurations -----------------------------------------------------------

EFS = {"fileSystemId": "fs-1"}
TDL703 = [
    (task(volumes=[{"name": "v", "host": {}}]), []),
    (task(volumes=[{"name": "v"}]), []),
    (task(volumes=[{"name": "v", "host": {}, "efsVolumeConfiguration": EFS}]), ["/volumes/0/host"]),
    (
        task(volumes=[{"name": "v", "configuredAtLaunch": True, "efsVolumeConfiguration": EFS}]),
        ["/volumes/0/efsVolumeConfiguration"],
    ),
    (task(volumes=[{"name": "v", "configuredAtLaunch": False, "efsVolumeConfiguration": EFS}]), []),
    (task(volumes=[{"name": "v", "host": None, "efsVolumeConfiguration": EFS}]), []),
    (
        task(
            volumes=[
                {
                    "name": "v",
                    "dockerVolumeConfiguration": {"scope": "task"},
                    "fsxWindowsFileServerVolumeConfiguration": {
                        "fileSystemId": "fs-1",
                        "rootDirectory": "\\share",
                        "authorizationConfig": {
                            "credentialsParameter": "arn:aws:ssm:r:1:parameter/x",
                            "domain": "d",
                        },
                    },
                    "s3filesVolumeConfiguration": {"fileSystemArn": "arn:aws:s3files:r:1:file-system/fs-1"},
                }
            ]
        ),
        ["/volumes/0/fsxWindowsFileServerVolumeConfiguration"],
    ),
    (
        task(volumes=[{"name": "v", "host": "x", "efsVolumeConfiguration": 3}]),
        ["/volumes/0/host"],
    ),  # wrong types
]


@pytest.mark.parametrize(("document", "expected"), TDL703)
def test_tdl703(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL703") == expected


def test_tdl703_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 128}],\n'
        ' "volumes": [{"name": "data",\n'
        '              "efsVolumeConfiguration": {"fileSystemId": "fs-1"},\n'
        '              "host": {"sourcePath": "/srv"}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL703")
    assert (finding["line"], finding["column"]) == (5, 15)
    assert finding["message"] == (
        'Volume "data" gives 2 volume types (efsVolumeConfiguration, host); a volume takes exactly one'
    )


# --- TDL704 multiple-configured-at-launch-volumes ---------------------------------------------------------

TDL704 = [
    (
        task(volumes=[{"name": "a", "configuredAtLaunch": True}, {"name": "b", "configuredAtLaunch": False}]),
        [],
    ),
    (
        task(volumes=[{"name": "a", "configuredAtLaunch": True}, {"name": "b", "configuredAtLaunch": True}]),
        ["/volumes/1/configuredAtLaunch"],
    ),
    (
        task(volumes=[{"name": n, "configuredAtLaunch": True} for n in "abc"]),
        ["/volumes/1/configuredAtLaunch", "/volumes/2/configuredAtLaunch"],
    ),
    (task(volumes=[{"name": "a", "configuredAtLaunch": "true"}, {"name": "b", "configuredAtLaunch": 1}]), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL704)
def test_tdl704(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL704") == expected


def test_tdl704_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 128}],\n'
        ' "volumes": [\n'
        '   {"name": "data", "configuredAtLaunch": true},\n'
        '   {"name": "wal", "configuredAtLaunch": true}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL704")
    assert (finding["line"], finding["column"]) == (5, 20)
    assert finding["message"] == (
        'Volume "wal" is configured at launch, as is volume "data" (volumes[0]); a task definition may have '
        "only one"
    )


# --- TDL705 fargate-docker-volume / TDL706 fargate-host-source-path ---------------------------------------

DOCKER = {"name": "v", "dockerVolumeConfiguration": {"scope": "task", "driver": "local"}}
TDL705 = [
    (task(volumes=[DOCKER], **FARGATE), ["/volumes/0/dockerVolumeConfiguration"]),
    (
        task(volumes=[DOCKER], **{**FARGATE, "requiresCompatibilities": ["EC2", "FARGATE"]}),
        ["/volumes/0/dockerVolumeConfiguration"],
    ),
    (task(volumes=[DOCKER], requiresCompatibilities=["EC2"]), []),
    (task(volumes=[DOCKER]), []),
    (task(volumes=[{"name": "v", "dockerVolumeConfiguration": None}], **FARGATE), []),
    (task(volumes=[{"name": "v", "dockerVolumeConfiguration": "local"}], **FARGATE), []),
    (task(volumes=[DOCKER], requiresCompatibilities="FARGATE"), []),  # wrong type: not a list
]


@pytest.mark.parametrize(("document", "expected"), TDL705)
def test_tdl705(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL705") == expected


TDL706 = [
    (
        task(volumes=[{"name": "v", "host": {"sourcePath": "/srv"}}], **FARGATE),
        ["/volumes/0/host/sourcePath"],
    ),
    (task(volumes=[{"name": "v", "host": {"sourcePath": ""}}], **FARGATE), []),
    (task(volumes=[{"name": "v", "host": {}}], **FARGATE), []),
    (task(volumes=[{"name": "v", "host": {"sourcePath": "/srv"}}], requiresCompatibilities=["EC2"]), []),
    (task(volumes=[{"name": "v", "host": {"sourcePath": 5}}], **FARGATE), []),
    (task(volumes=[{"name": "v", "host": ["/srv"]}], **FARGATE), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL706)
def test_tdl706(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL706") == expected


def test_tdl705_tdl706_positions_and_messages(lint_text: Any) -> None:
    text = (
        "{\n"
        '  "family": "t", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",\n'
        '  "cpu": "256", "memory": "512",\n'
        '  "containerDefinitions": [{"name": "a", "image": "a:1"}],\n'
        '  "volumes": [\n'
        '    {"name": "d", "dockerVolumeConfiguration": {"scope": "task"}},\n'
        '    {"name": "h", "host": {"sourcePath": "/srv/h"}}\n'
        "  ]\n"
        "}\n"
    )
    [docker] = rule_findings(lint_text(text), "TDL705")
    [host] = rule_findings(lint_text(text), "TDL706")
    assert (docker["line"], docker["column"]) == (6, 19)
    assert docker["message"] == 'Volume "d" is a Docker volume, which tasks on Fargate do not support'
    assert (host["line"], host["column"]) == (7, 28)
    assert (
        host["message"] == 'Volume "h" sets host sourcePath "/srv/h", which tasks on Fargate do not support'
    )


# --- TDL707 efs-without-transit-encryption / TDL708 access-point-with-root-directory ----------------------


def efs(**config: Any) -> str:
    return task(volumes=[{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1", **config}}])


TDL707 = [
    (efs(), []),
    (efs(transitEncryption="DISABLED"), []),
    (efs(authorizationConfig={"iam": "DISABLED"}), []),
    (efs(authorizationConfig={"iam": "ENABLED"}), ["/volumes/0/efsVolumeConfiguration"]),
    (efs(authorizationConfig={"accessPointId": "fsap-1"}), ["/volumes/0/efsVolumeConfiguration"]),
    (efs(authorizationConfig={"accessPointId": ""}), []),
    (
        efs(transitEncryption="DISABLED", authorizationConfig={"accessPointId": "fsap-1"}),
        ["/volumes/0/efsVolumeConfiguration/transitEncryption"],
    ),
    (efs(transitEncryption="ENABLED", authorizationConfig={"iam": "ENABLED", "accessPointId": "fsap-1"}), []),
    (efs(authorizationConfig="fsap-1"), []),  # wrong type
    (
        efs(transitEncryption=True, authorizationConfig={"iam": "ENABLED"}),
        ["/volumes/0/efsVolumeConfiguration"],
    ),
]


@pytest.mark.parametrize(("document", "expected"), TDL707)
def test_tdl707(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL707") == expected


def test_tdl707_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 128}],\n'
        ' "volumes": [{"name": "v", "efsVolumeConfiguration": {\n'
        '    "fileSystemId": "fs-1", "transitEncryption": "DISABLED",\n'
        '    "authorizationConfig": {"iam": "ENABLED", "accessPointId": "fsap-9"}}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL707")
    assert (finding["line"], finding["column"]) == (4, 29)
    assert finding["message"] == (
        'Volume "v" uses IAM authorization and access point "fsap-9", but transitEncryption is DISABLED; '
        "it must be ENABLED"
    )


def s3files(**config: Any) -> str:
    volume = {
        "name": "v",
        "s3filesVolumeConfiguration": {"fileSystemArn": "arn:aws:s3files:r:1:fs/x", **config},
    }
    return task(volumes=[volume], taskRoleArn="arn:aws:iam::111122223333:role/t")


AP = {"accessPointId": "fsap-1"}
TDL708 = [
    (efs(rootDirectory="/app"), []),
    (efs(rootDirectory="/", transitEncryption="ENABLED", authorizationConfig=AP), []),
    (efs(rootDirectory="", transitEncryption="ENABLED", authorizationConfig=AP), []),
    (
        efs(rootDirectory="/app", transitEncryption="ENABLED", authorizationConfig=AP),
        ["/volumes/0/efsVolumeConfiguration/rootDirectory"],
    ),
    (
        efs(rootDirectory="//", transitEncryption="ENABLED", authorizationConfig=AP),
        ["/volumes/0/efsVolumeConfiguration/rootDirectory"],
    ),
    (efs(rootDirectory=["/app"], transitEncryption="ENABLED", authorizationConfig=AP), []),
    (s3files(rootDirectory="/data"), []),
    (
        s3files(rootDirectory="/data", accessPointArn="arn:aws:s3files:r:1:ap/x"),
        ["/volumes/0/s3filesVolumeConfiguration/rootDirectory"],
    ),
    (s3files(rootDirectory="/", accessPointArn="arn:aws:s3files:r:1:ap/x"), []),
    (s3files(rootDirectory=1, accessPointArn="arn:aws:s3files:r:1:ap/x"), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL708)
def test_tdl708(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL708") == expected


def test_tdl708_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 128}],\n'
        ' "volumes": [{"name": "v", "efsVolumeConfiguration": {\n'
        '    "fileSystemId": "fs-1", "transitEncryption": "ENABLED",\n'
        '    "rootDirectory": "/app",\n'
        '    "authorizationConfig": {"accessPointId": "fsap-9"}}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL708")
    assert (finding["line"], finding["column"]) == (5, 5)
    assert finding["message"] == (
        'Volume "v" uses EFS access point "fsap-9" with rootDirectory "/app"; with an access point '
        'rootDirectory must be omitted or "/"'
    )


# --- TDL709 s3files-volume-without-task-role --------------------------------------------------------------

S3 = {"name": "v", "s3filesVolumeConfiguration": {"fileSystemArn": "arn:aws:s3files:r:1:fs/x"}}
TDL709 = [
    (task(volumes=[S3]), ["/volumes/0/s3filesVolumeConfiguration"]),
    (task(volumes=[S3], taskRoleArn=""), ["/volumes/0/s3filesVolumeConfiguration"]),
    (task(volumes=[S3], taskRoleArn="web-task"), []),  # a short role name
    (task(volumes=[S3], taskRoleArn="arn:aws:iam::111122223333:role/t"), []),
    (task(volumes=[S3], taskRoleArn=12), []),  # wrong type: the schema's to report
    (task(volumes=[{"name": "v", "s3filesVolumeConfiguration": "x"}]), []),
    (task(volumes=[{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL709)
def test_tdl709(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL709") == expected


def test_tdl709_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 128}],\n'
        ' "volumes": [\n'
        '  {"name": "objects",\n'
        '   "s3filesVolumeConfiguration": {"fileSystemArn": "arn:aws:s3files:r:1:fs/x"}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL709")
    assert (finding["line"], finding["column"]) == (5, 4)
    assert finding["message"] == (
        'Volume "objects" is an S3 Files volume, but the task definition has no taskRoleArn; S3 Files volumes '
        "need a task IAM role"
    )


# --- TDL710 autoprovision-with-task-scope -----------------------------------------------------------------


def docker(**config: Any) -> str:
    return task([mounting("v")], [{"name": "v", "dockerVolumeConfiguration": config}])


TDL710 = [
    (docker(scope="task", autoprovision=True), ["/volumes/0/dockerVolumeConfiguration/autoprovision"]),
    (docker(scope="task", autoprovision=False), ["/volumes/0/dockerVolumeConfiguration/autoprovision"]),
    (docker(scope="task"), []),
    (docker(scope="task", autoprovision=None), []),
    (docker(scope="shared", autoprovision=True), []),
    (docker(scope="shared", autoprovision=False), []),
    (docker(autoprovision=True), []),  # scope not given: the default is not documented
    (docker(scope="task", autoprovision="true"), []),  # wrong type: the schema's to report
    (docker(scope=["task"], autoprovision=True), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL710)
def test_tdl710(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL710") == expected


def test_tdl710_position_and_messages(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 128,\n'
        '   "mountPoints": [{"sourceVolume": "cache", "containerPath": "/c"}]}],\n'
        ' "volumes": [{"name": "cache", "dockerVolumeConfiguration": {\n'
        '    "scope": "task",\n'
        '    "autoprovision": true}},\n'
        '   {"name": "tmp", "dockerVolumeConfiguration": {"autoprovision": false, "scope": "task"}}]}\n'
    )
    found = rule_findings(lint_text(text), "TDL710")
    assert [(f["line"], f["column"], f["severity"]) for f in found] == [(6, 5, "error"), (7, 50, "error")]
    assert [f["message"] for f in found] == [
        'Volume "cache" sets autoprovision true with scope "task"; the ECS agent then fails the task (task '
        "scoped volume could not be autoprovisioned). Leave autoprovision out of a task-scoped volume",
        'Volume "tmp" sets autoprovision false with scope "task"; ECS refuses to register it. Leave '
        "autoprovision out of a task-scoped volume",
    ]


# --- TDL711 unused-volume ---------------------------------------------------------------------------------

TDL711 = [
    (task([mounting("a")], [{"name": "a"}]), []),
    (task([mounting("a")], [{"name": "a"}, {"name": "b"}]), ["/volumes/1"]),
    (task([mounting("a"), mounting("b", name="x")], [{"name": "a"}, {"name": "b"}]), []),
    (task([mounting()], [{"name": "a", "configuredAtLaunch": True}]), ["/volumes/0"]),
    (task([mounting()], [{}]), []),  # unnamed: cannot be mounted, not reported here
    (task([mounting("a")], [{"name": "A"}]), ["/volumes/0"]),  # case-sensitive
    # volumesFrom does not name volumes: the volume is still unmounted
    (
        task(
            [mounting(), {**APP, "name": "b", "volumesFrom": [{"sourceContainer": "app"}]}], [{"name": "v"}]
        ),
        ["/volumes/0"],
    ),
    # cannot tell what is mounted: silent
    (task([{"name": "app", "image": "a:1", "memory": 1, "mountPoints": "a"}], [{"name": "b"}]), []),
    (
        task(
            [{"name": "app", "image": "a:1", "memory": 1, "mountPoints": [{"sourceVolume": 3}]}],
            [{"name": "b"}],
        ),
        [],
    ),
]


@pytest.mark.parametrize(("document", "expected"), TDL711)
def test_tdl711(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL711") == expected


def test_tdl711_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 128}],\n'
        ' "volumes": [\n'
        '     {"name": "old-cache"}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL711")
    assert (finding["line"], finding["column"], finding["severity"]) == (4, 6, "warning")
    assert finding["message"] == 'Volume "old-cache" is not mounted by any container'


# --- TDL712 volume-without-name ---------------------------------------------------------------------------

TDL712 = [
    (task(volumes=[{"efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]), ["/volumes/0"]),
    (task(volumes=[{"name": "", "configuredAtLaunch": True}]), ["/volumes/0"]),
    (task(volumes=[{"configuredAtLaunch": False}]), []),
    (task(volumes=[{"s3filesVolumeConfiguration": {"fileSystemArn": "x"}}], taskRoleArn="r"), ["/volumes/0"]),
    (task(volumes=[{"host": {"sourcePath": "/srv"}}]), []),  # name optional for other types
    (task(volumes=[{}]), []),
    (task(volumes=[{"name": 5, "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]), []),  # wrong type
]


@pytest.mark.parametrize(("document", "expected"), TDL712)
def test_tdl712(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL712") == expected


def test_tdl712_position_and_message(lint_text: Any) -> None:
    text = (
        '{"family": "t",\n'
        ' "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 128}],\n'
        ' "volumes": [{"name": "ok"},\n'
        '   {"efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]}\n'
    )
    [finding] = rule_findings(lint_text(text), "TDL712")
    assert (finding["line"], finding["column"]) == (4, 4)
    assert finding["message"] == "Volume #1 is an EFS volume and needs a name"


# --- TDL713 invalid-volume-name ---------------------------------------------------------------------------

TDL713 = [
    (task(volumes=[{"name": "data_01-x"}, {"name": "A" * 255}]), []),
    (task(volumes=[{"name": "docker.sock"}]), ["/volumes/0/name"]),
    (task(volumes=[{"name": "/var/run"}]), ["/volumes/0/name"]),
    (task(volumes=[{"name": "my data"}]), ["/volumes/0/name"]),
    (task(volumes=[{"name": "donn\u00e9es"}]), ["/volumes/0/name"]),  # ASCII letters only
    (task(volumes=[{"name": "a" * 256}]), ["/volumes/0/name"]),
    (task(volumes=[{"name": ""}]), []),  # empty: TDL712's business where a name is needed
    (task(volumes=[{"name": 5}, {"name": ["a.b"]}]), []),
]


@pytest.mark.parametrize(("document", "expected"), TDL713)
def test_tdl713(lint_text: Any, document: str, expected: list[str]) -> None:
    assert pointers(lint_text(document), "TDL713") == expected


def test_tdl713_position_and_messages(lint_text: Any) -> None:
    long_name = "v" * 300
    text = (
        '{"family": "t",\n'
        ' "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 128}],\n'
        ' "volumes": [\n'
        '  {"name": "docker.sock/x"},\n'
        f'  {{"host": {{}}, "name": "{long_name}"}}]}}\n'
    )
    found = rule_findings(lint_text(text), "TDL713")
    assert [(f["line"], f["column"], f["message"]) for f in found] == [
        (
            4,
            4,
            'Volume name "docker.sock/x" contains "." "/"; a volume name may contain only letters, digits, '
            "underscores and hyphens",
        ),
        (5, 16, "Volume name is 300 characters long; the limit is 255"),
    ]


# --- wrong types anywhere do not crash the volume rules ---------------------------------------------------

WRONG_TYPES = [
    '{"family": "t", "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 1}], "volumes": 3}',
    '{"family": "t", "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 1}], "volumes": [1, "x", null, []]}',
    '{"family": "t", "containerDefinitions": 5, "volumes": [{"name": "a"}]}',
    '{"family": "t", "containerDefinitions": [7, null, {"name": 3, "mountPoints": 1, "volumesFrom": {}}], "volumes": {}}',
    '{"family": "t", "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 1}], "volumes": [{"name": ["a"],'
    ' "efsVolumeConfiguration": {"authorizationConfig": [], "transitEncryption": 1, "rootDirectory": {}},'
    ' "s3filesVolumeConfiguration": [], "dockerVolumeConfiguration": {"scope": 1, "autoprovision": "yes"},'
    ' "host": {"sourcePath": []}, "configuredAtLaunch": "yes"}], "requiresCompatibilities": ["FARGATE", 1]}',
    '[{"name": "a", "image": "a:1", "mountPoints": [{"sourceVolume": null}], "volumesFrom": [{"sourceContainer": null}]}]',
    '{"taskDefinition": {"family": "t", "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 1,'
    ' "mountPoints": [{"sourceVolume": "x"}]}], "volumes": [{"name": "y"}], "revision": 1}}',
]


@pytest.mark.parametrize("document", WRONG_TYPES)
def test_wrong_types_do_not_crash(lint_text: Any, document: str) -> None:
    result = lint_text(document, select=("TDL7",))
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


def test_describe_output_pointers_are_prefixed(lint_text: Any) -> None:
    document = (
        '{"taskDefinition": {"family": "t", "containerDefinitions": [{"name": "a", "image": "a:1", "memory": 1,'
        ' "mountPoints": [{"sourceVolume": "x", "containerPath": "/x"}]}], "volumes": [{"name": "y"}],'
        ' "revision": 1}}'
    )
    result = lint_text(document, select=("TDL700", "TDL711"))
    assert sorted((f["rule"], f["pointer"]) for f in result.findings) == [
        ("TDL700", "/taskDefinition/containerDefinitions/0/mountPoints/0/sourceVolume"),
        ("TDL711", "/taskDefinition/volumes/0"),
    ]


# --- TDL116 efs-unencrypted-in-transit ------------------------------------------------------------------


def _efs_document(efs: str) -> str:
    return (
        '{\n  "family": "files",\n  "volumes": [\n'
        f'    {{"name": "shared", "efsVolumeConfiguration": {efs}}}\n'
        '  ],\n  "containerDefinitions": [{"name": "app", "image": "example/app:1.0", "memory": 512,\n'
        '    "mountPoints": [{"sourceVolume": "shared", "containerPath": "/data"}]}]\n}\n'
    )


@pytest.mark.parametrize(
    ("efs", "pointers"),
    [
        ('{"fileSystemId": "fs-1"}', ["/volumes/0/efsVolumeConfiguration"]),
        (
            '{"fileSystemId": "fs-1", "transitEncryption": "DISABLED"}',
            ["/volumes/0/efsVolumeConfiguration/transitEncryption"],
        ),
        ('{"fileSystemId": "fs-1", "transitEncryption": "ENABLED"}', []),
        # IAM or an access point make it an error of TDL707 instead.
        ('{"fileSystemId": "fs-1", "authorizationConfig": {"iam": "ENABLED"}}', []),
        ('{"fileSystemId": "fs-1", "authorizationConfig": {"accessPointId": "fsap-1"}}', []),
    ],
)
def test_efs_unencrypted_in_transit(lint_text, efs: str, pointers: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = lint_text(_efs_document(efs))
    assert [f["pointer"] for f in result.findings if f["rule"] == "TDL116"] == pointers


def test_efs_unencrypted_in_transit_position_and_message(lint_text) -> None:  # type: ignore[no-untyped-def]
    result = lint_text(_efs_document('{"fileSystemId": "fs-1", "transitEncryption": "DISABLED"}'))
    (finding,) = [f for f in result.findings if f["rule"] == "TDL116"]
    assert (finding["line"], finding["column"], finding["severity"]) == (4, 75, "warning")
    assert finding["message"] == (
        'Volume "shared" sends file data to EFS unencrypted (transitEncryption is DISABLED); '
        'set "transitEncryption": "ENABLED"'
    )
