"""Volume checks (TDL7xx): references between volumes, mount points and containers, the one-configuration
rule for each volume, and the EFS / S3 Files / Docker volume settings that the ECS API model restricts.

Sources are named on each rule in rules/TDL7nn-*.toml; the facts come from the ECS API model (botocore
`Volume`, `MountPoint`, `VolumeFrom`, `EFSVolumeConfiguration`, `S3FilesVolumeConfiguration`,
`DockerVolumeConfiguration`, `HostVolumeProperties`) as collected in shared/ecs-facts.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from taskdeflint.model import TaskDef

# The members of `Volume` that each choose a volume type; a volume names at most one of them (ECS API
# model, Volume shape). `configuredAtLaunch` counts only when true: false is the same as leaving it out.
VOLUME_TYPES = (
    "configuredAtLaunch",
    "dockerVolumeConfiguration",
    "efsVolumeConfiguration",
    "fsxWindowsFileServerVolumeConfiguration",
    "host",
    "s3filesVolumeConfiguration",
)


def _text(value: object) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def _quote(value: str) -> str:
    return json.dumps(value)


def _volume_label(index: int, volume: dict[str, Any], lower: bool = False) -> str:
    """`Volume "data"`, or `Volume #2` for a volume without a name."""
    word = "volume" if lower else "Volume"
    name = _text(volume.get("name"))
    return f"{word} {_quote(name)}" if name else f"{word} #{index}"


def _volume_types(volume: dict[str, Any]) -> list[str]:
    found = []
    for key in VOLUME_TYPES:
        if key not in volume or volume[key] is None:
            continue
        if key == "configuredAtLaunch" and volume[key] is not True:
            continue
        found.append(key)
    return found


def _volume_names(td: TaskDef) -> set[str] | None:
    """Names of the task's volumes, or None when the document cannot tell (a bare container list, or a
    `volumes` member that is not a list)."""
    if td.kind == "CONTAINERS":
        return None
    raw = td.data.get("volumes", [])
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        return None
    return {name for _, volume in td.iter_items("volumes") if (name := _text(volume.get("name")))}


def _mounts(td: TaskDef) -> Iterator[tuple[str, str, Any]]:
    """(pointer to sourceVolume, container label, sourceVolume value) for every mount point."""
    for container in td.containers:
        mounts = container.data.get("mountPoints")
        if not isinstance(mounts, list):
            continue
        for index, mount in enumerate(mounts):
            if isinstance(mount, dict) and "sourceVolume" in mount:
                pointer = f"{container.pointer}/mountPoints/{index}/sourceVolume"
                yield pointer, container.label, mount["sourceVolume"]


def undefined_mount_volume(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL700: a mount point names a volume that the task definition does not define."""
    names = _volume_names(td)
    if names is None:
        return
    for pointer, label, source in _mounts(td):
        if isinstance(source, str) and source not in names:
            known = ", ".join(_quote(n) for n in sorted(names)) if names else "none"
            yield (
                pointer,
                f"{label} mounts volume {_quote(source)}, which is not defined in volumes (defined: {known})",
            )


def volumes_from_unknown_container(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL701: volumesFrom names a container that is not in the task definition, or the container itself."""
    containers = td.containers
    names = {n for c in containers if (n := _text(c.data.get("name")))}
    for container in containers:
        sources = container.data.get("volumesFrom")
        if not isinstance(sources, list):
            continue
        for index, entry in enumerate(sources):
            if not isinstance(entry, dict):
                continue
            source = entry.get("sourceContainer")
            if not isinstance(source, str):
                continue
            pointer = f"{container.pointer}/volumesFrom/{index}/sourceContainer"
            if source == container.data.get("name"):
                yield pointer, f"{container.label} takes volumesFrom itself"
            elif source not in names:
                yield (
                    pointer,
                    f"{container.label} takes volumesFrom {_quote(source)}, not a container of this task",
                )


def duplicate_volume_name(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL702: two volumes share a name."""
    first: dict[str, int] = {}
    for index, volume in td.iter_items("volumes"):
        name = _text(volume.get("name"))
        if name is None:
            continue
        if name in first:
            yield (
                f"/volumes/{index}/name",
                f"Volume name {_quote(name)} is already used by volumes[{first[name]}]",
            )
        else:
            first[name] = index


def volume_with_multiple_configurations(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL703: one volume gives more than one of the volume-type members."""
    for index, volume in td.iter_items("volumes"):
        kinds = _volume_types(volume)
        if len(kinds) > 1:
            yield (
                f"/volumes/{index}/{kinds[1]}",
                f"{_volume_label(index, volume)} gives {len(kinds)} volume types ({', '.join(kinds)}); "
                "a volume takes exactly one",
            )


def multiple_configured_at_launch_volumes(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL704: more than one volume has configuredAtLaunch true."""
    first: tuple[int, dict[str, Any]] | None = None
    for index, volume in td.iter_items("volumes"):
        if volume.get("configuredAtLaunch") is not True:
            continue
        if first is None:
            first = (index, volume)
            continue
        yield (
            f"/volumes/{index}/configuredAtLaunch",
            f"{_volume_label(index, volume)} is configured at launch, as is "
            f"{_volume_label(*first, lower=True)} (volumes[{first[0]}]); a task definition may have only one",
        )


def fargate_docker_volume(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL705: a Docker volume in a task definition that requires Fargate."""
    if not td.fargate:
        return
    for index, volume in td.iter_items("volumes"):
        if isinstance(volume.get("dockerVolumeConfiguration"), dict):
            yield (
                f"/volumes/{index}/dockerVolumeConfiguration",
                f"{_volume_label(index, volume)} is a Docker volume, which tasks on Fargate do not support",
            )


def fargate_host_source_path(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL706: a bind mount with a host sourcePath in a task definition that requires Fargate."""
    if not td.fargate:
        return
    for index, volume in td.iter_items("volumes"):
        host = volume.get("host")
        if isinstance(host, dict) and (path := _text(host.get("sourcePath"))):
            yield (
                f"/volumes/{index}/host/sourcePath",
                f"{_volume_label(index, volume)} sets host sourcePath {_quote(path)}, "
                "which tasks on Fargate do not support",
            )


def _efs(td: TaskDef) -> Iterator[tuple[int, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """(index, volume, efsVolumeConfiguration, authorizationConfig or {}) for each EFS volume."""
    for index, volume in td.iter_items("volumes"):
        efs = volume.get("efsVolumeConfiguration")
        if isinstance(efs, dict):
            auth = efs.get("authorizationConfig")
            yield index, volume, efs, auth if isinstance(auth, dict) else {}


def efs_without_transit_encryption(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL707: EFS IAM authorization or an access point without transitEncryption ENABLED."""
    for index, volume, efs, auth in _efs(td):
        reasons = []
        if auth.get("iam") == "ENABLED":
            reasons.append("IAM authorization")
        if access_point := _text(auth.get("accessPointId")):
            reasons.append(f"access point {_quote(access_point)}")
        if not reasons or efs.get("transitEncryption") == "ENABLED":
            continue
        base = f"/volumes/{index}/efsVolumeConfiguration"
        current = efs.get("transitEncryption")
        if isinstance(current, str):
            pointer, state = f"{base}/transitEncryption", f"transitEncryption is {current}"
        else:
            pointer, state = base, "transitEncryption is not set (default DISABLED)"
        yield (
            pointer,
            f"{_volume_label(index, volume)} uses {' and '.join(reasons)}, but {state}; it must be ENABLED",
        )


def efs_unencrypted_in_transit(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL116: an EFS volume whose traffic is not encrypted in transit (where TDL707 does not already
    require it)."""
    for index, volume, efs, auth in _efs(td):
        if efs.get("transitEncryption") == "ENABLED":
            continue
        if auth.get("iam") == "ENABLED" or _text(auth.get("accessPointId")):
            continue  # TDL707 reports it as an error
        current = efs.get("transitEncryption")
        base = f"/volumes/{index}/efsVolumeConfiguration"
        pointer = f"{base}/transitEncryption" if isinstance(current, str) else base
        state = (
            f"transitEncryption is {current}" if isinstance(current, str) else "transitEncryption is not set"
        )
        yield (
            pointer,
            f"{_volume_label(index, volume)} sends file data to EFS unencrypted ({state}); "
            'set "transitEncryption": "ENABLED"',
        )


def access_point_with_root_directory(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL708: an EFS or S3 Files access point together with a rootDirectory other than "/"."""
    for index, volume, efs, auth in _efs(td):
        root = efs.get("rootDirectory")
        access_point = _text(auth.get("accessPointId"))
        if access_point and isinstance(root, str) and root not in ("", "/"):
            yield (
                f"/volumes/{index}/efsVolumeConfiguration/rootDirectory",
                f"{_volume_label(index, volume)} uses EFS access point {_quote(access_point)} with "
                f'rootDirectory {_quote(root)}; with an access point rootDirectory must be omitted or "/"',
            )
    for index, volume in td.iter_items("volumes"):
        s3 = volume.get("s3filesVolumeConfiguration")
        if not isinstance(s3, dict):
            continue
        root = s3.get("rootDirectory")
        access_point = _text(s3.get("accessPointArn"))
        if access_point and isinstance(root, str) and root not in ("", "/"):
            yield (
                f"/volumes/{index}/s3filesVolumeConfiguration/rootDirectory",
                f"{_volume_label(index, volume)} uses S3 Files access point {_quote(access_point)} with "
                f'rootDirectory {_quote(root)}; with an access point rootDirectory must be omitted or "/"',
            )


def s3files_volume_without_task_role(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL709: an S3 Files volume in a task definition without taskRoleArn."""
    role = td.data.get("taskRoleArn")
    if isinstance(role, str) and role.strip():
        return
    if role is not None and not isinstance(role, str):
        return  # a wrong type: the schema stage reports it
    for index, volume in td.iter_items("volumes"):
        if isinstance(volume.get("s3filesVolumeConfiguration"), dict):
            yield (
                f"/volumes/{index}/s3filesVolumeConfiguration",
                f"{_volume_label(index, volume)} is an S3 Files volume, but the task definition has no "
                "taskRoleArn; S3 Files volumes need a task IAM role",
            )


def autoprovision_with_task_scope(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL710: a Docker volume with scope task that sets autoprovision (true or false).

    ECS refuses `false` at registration ("When 'scope' parameter is 'task', 'autoprovision' must either not
    be specified or set to 'True'."), and the container agent refuses `true` when it starts the task ("task
    scoped volume could not be autoprovisioned"), so with scope task the member must be left out.
    """
    for index, volume in td.iter_items("volumes"):
        docker = volume.get("dockerVolumeConfiguration")
        if not isinstance(docker, dict) or docker.get("scope") != "task":
            continue
        autoprovision = docker.get("autoprovision")
        if autoprovision is True:
            why = "the ECS agent then fails the task (task scoped volume could not be autoprovisioned)"
        elif autoprovision is False:
            why = "ECS refuses to register it"
        else:
            continue
        yield (
            f"/volumes/{index}/dockerVolumeConfiguration/autoprovision",
            f"{_volume_label(index, volume)} sets autoprovision {str(autoprovision).lower()} with scope "
            f'"task"; {why}. Leave autoprovision out of a task-scoped volume',
        )


def unused_volume(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL711: a named volume that no container mounts."""
    mounted: set[str] = set()
    for container in td.containers:
        mounts = container.data.get("mountPoints")
        if mounts is None:
            continue
        if not isinstance(mounts, list):
            return  # cannot tell what this container mounts; the schema stage reports the type
        for mount in mounts:
            if not isinstance(mount, dict):
                continue
            source = mount.get("sourceVolume")
            if source is not None and not isinstance(source, str):
                return
            if source:
                mounted.add(source)
    for index, volume in td.iter_items("volumes"):
        name = _text(volume.get("name"))
        if name is not None and name not in mounted:
            yield f"/volumes/{index}", f"{_volume_label(index, volume)} is not mounted by any container"


def volume_without_name(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL712: an EFS, S3 Files or configured-at-launch volume without a name."""
    required_for = {
        "efsVolumeConfiguration": "an EFS volume",
        "s3filesVolumeConfiguration": "an S3 Files volume",
        "configuredAtLaunch": "a volume configured at launch",
    }
    for index, volume in td.iter_items("volumes"):
        if _text(volume.get("name")) is not None:
            continue
        if "name" in volume and volume["name"] is not None and not isinstance(volume["name"], str):
            continue  # a wrong type: the schema stage reports it
        for kind in _volume_types(volume):
            if kind in required_for:
                yield f"/volumes/{index}", f"Volume #{index} is {required_for[kind]} and needs a name"
                break


# Volume.name: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed."
_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
MAX_NAME = 255


def invalid_volume_name(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL713: a volume name with characters other than letters, digits, `_` and `-`, or over 255."""
    for index, volume in td.iter_items("volumes"):
        name = _text(volume.get("name"))
        if name is None:
            continue
        bad = sorted(set(_NAME_CHARS.findall(name)))
        if bad:
            shown = " ".join(json.dumps(ch) for ch in bad)
            yield (
                f"/volumes/{index}/name",
                f"Volume name {_quote(name)} contains {shown}; a volume name may contain only letters, "
                "digits, underscores and hyphens",
            )
        elif len(name) > MAX_NAME:
            yield (
                f"/volumes/{index}/name",
                f"Volume name is {len(name)} characters long; the limit is {MAX_NAME}",
            )


def docker_volume_without_driver(td: TaskDef) -> Iterator[tuple[str, str]]:
    """TDL714: a Docker volume configuration without a driver."""
    for index, volume in td.iter_items("volumes"):
        docker = volume.get("dockerVolumeConfiguration")
        if not isinstance(docker, dict):
            continue
        driver = docker.get("driver")
        if driver is None or (isinstance(driver, str) and not driver.strip()):
            yield (
                f"/volumes/{index}/dockerVolumeConfiguration",
                f"{_volume_label(index, volume)} gives no Docker volume driver; ECS has refused that "
                '("volume.dockerVolumeConfiguration.driver should not be null or empty."): give "driver": '
                '"local" for a volume on the instance',
            )
