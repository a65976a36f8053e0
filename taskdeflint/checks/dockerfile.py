"""Dockerfile cross-checks (TDL55x): what a service's Dockerfile says against the task definition that runs
its image.

These checks see a container only when `taskdeflint lint` found the service that builds its image in the
config's services manifest and could read the service's Dockerfile (`TaskDef.dockerfiles`); otherwise
they are silent. Findings point into the task definition (the member to change, or the container when the
member is missing) and name the Dockerfile line they rest on. What a base image pulled from a registry
says (its own EXPOSE, USER, HEALTHCHECK) is not known, and the checks take care not to guess it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from taskdeflint.checks.common import is_windows
from taskdeflint.checks.images import parse_image
from taskdeflint.model import Container, TaskDef

if TYPE_CHECKING:  # the parser loads only when a service's Dockerfile is checked
    from taskdeflint.readers.dockerfile import DockerfileFacts, ExposedPort

Finding = Iterator[tuple[str, str]]


def _built(td: TaskDef) -> Iterator[tuple[Container, DockerfileFacts]]:
    """The containers whose image a service of the manifest builds, with that service's Dockerfile."""
    if not td.dockerfiles:
        return
    for container in td.containers:
        facts = td.dockerfiles.get(container.name)
        if facts is not None:
            yield container, facts


def _mappings(container: Container) -> Iterator[tuple[int, int, int, str, bool]]:
    """(index, first port, last port, protocol, is a range) of each readable port mapping."""
    raw = container.data.get("portMappings")
    if not isinstance(raw, list):
        return
    for index, mapping in enumerate(raw):
        if not isinstance(mapping, dict):
            continue
        protocol = mapping.get("protocol", "tcp")
        protocol = protocol.lower() if isinstance(protocol, str) else "tcp"
        port = mapping.get("containerPort")
        if isinstance(port, int) and not isinstance(port, bool):
            yield index, port, port, protocol, False
        ports = mapping.get("containerPortRange")
        if isinstance(ports, str):
            first, dash, last = ports.partition("-")
            if dash and _number(first) and _number(last):
                yield index, int(first), int(last), protocol, True


def _number(text: str) -> bool:
    """Digits int() takes: ASCII ("²" is a digit to str.isdigit) and not thousands of them."""
    text = text.strip()
    return text.isascii() and text.isdigit() and len(text) <= 10


def _unmapped(port: ExposedPort, mapped: list[tuple[int, int, str]]) -> bool:
    ranges = [(first, last) for first, last, protocol in mapped if protocol == port.protocol]
    return any(
        not any(first <= p <= last for first, last in ranges) for p in range(port.first, port.last + 1)
    )


# --- TDL550 exposed-port-not-mapped -------------------------------------------------------------------------


def exposed_port_not_mapped(td: TaskDef) -> Finding:
    if td.network_mode == "none":
        return  # no network at all; port mappings are not allowed (TDL602)
    for c, facts in _built(td):
        mapped = [(first, last, protocol) for _, first, last, protocol, _ in _mappings(c)]
        pointer = f"{c.pointer}/portMappings" if isinstance(c.data.get("portMappings"), list) else c.pointer
        for port in facts.exposed:
            if port.protocol not in ("tcp", "udp") or not _unmapped(port, mapped):
                continue  # ECS maps tcp and udp only
            what = f"port {port.text}" if port.first == port.last else f"every port of {port.text}"
            yield pointer, f"{c.label} does not map {what}, which {facts.at(port.line)} EXPOSEs"


# --- TDL551 mapped-port-not-exposed -------------------------------------------------------------------------


def mapped_port_not_exposed(td: TaskDef) -> Finding:
    for c, facts in _built(td):
        if not facts.exposed or not facts.exposed_known:
            continue  # a Dockerfile that EXPOSEs nothing leaves its ports to the base image or to docs
        listed = ", ".join(dict.fromkeys(p.text for p in facts.exposed))
        for index, port, _, protocol, is_range in _mappings(c):
            if is_range or any(p.covers(port, protocol) for p in facts.exposed):
                continue
            shown = str(port) if protocol == "tcp" else f"{port}/{protocol}"
            yield (
                f"{c.pointer}/portMappings/{index}/containerPort",
                f"{c.label} maps port {shown}, which {facts.path} does not EXPOSE (it EXPOSEs {listed})",
            )


# --- TDL552 image-healthcheck-not-in-task-definition --------------------------------------------------------


def image_healthcheck_not_in_task_definition(td: TaskDef) -> Finding:
    for c, facts in _built(td):
        check = facts.healthcheck
        if check is None or check.none or "healthCheck" in c.data:
            continue
        yield (
            c.pointer,
            f"{c.label} has no healthCheck, so ECS ignores the HEALTHCHECK at {facts.at(check.line)}",
        )


# --- TDL553 dockerfile-root-user ----------------------------------------------------------------------------


def dockerfile_root_user(td: TaskDef) -> Finding:
    if is_windows(td):
        return  # Windows containers take no user (TDL270)
    for c, facts in _built(td):
        user: Any = c.data.get("user")
        if user is not None and (not isinstance(user, str) or user.strip()):
            continue  # the task definition chooses (an explicit root user is TDL110)
        pointer = f"{c.pointer}/user" if "user" in c.data else c.pointer
        if facts.user is not None:
            if facts.user.root:
                yield (
                    pointer,
                    f"{c.label} runs as root: it sets no user, and {facts.at(facts.user.line)} says "
                    f"USER {facts.user.written}",
                )
            continue
        base = facts.root
        if base.scratch:
            yield (
                pointer,
                f"{c.label} runs as root: it sets no user, and {facts.path} builds FROM scratch with no USER",
            )
            continue
        image = f"the user of {base.image}" if base.image else "the base image's user"
        yield (
            pointer,
            f"{c.label} sets no user, and {facts.path} sets no USER, so it runs as {image} (root, unless "
            "that image chose another)",
        )


# --- TDL554 unpinned-base-image -----------------------------------------------------------------------------


def unpinned_base_image(td: TaskDef) -> Finding:
    for c, facts in _built(td):
        for base in facts.bases:
            if not base.external or base.image is None:
                continue
            ref = parse_image(base.image)
            if ref is None or ref.digest is not None:
                continue  # pinned, or not a plain reference
            via = f" (ARG {', '.join(name for name, _ in base.args)})" if base.args else ""
            yield (
                f"{c.pointer}/image",
                f"{c.label} is built FROM {base.image}{via} at {facts.at(base.line)}, which is not pinned by "
                "digest (@sha256:...)",
            )


# --- TDL555 dockerfile-platform-mismatch --------------------------------------------------------------------

_ARCHITECTURES = {
    "amd64": "X86_64",
    "x86_64": "X86_64",
    "x86-64": "X86_64",
    "arm64": "ARM64",
    "aarch64": "ARM64",
}


def _runs_on(td: TaskDef) -> tuple[tuple[str, str, str] | None, tuple[str, str, str] | None]:
    """What the task runs on: (value, words, pointer) for the CPU architecture (`X86_64`, `ARM64`) and for
    the operating system (`linux`, `windows`), each None when it is not known. Without runtimePlatform,
    Fargate runs Linux on X86_64; on EC2 the container instance decides, so nothing is known. The pointer
    is empty when the task definition does not have the member."""
    runtime = td.data.get("runtimePlatform")
    runtime = runtime if isinstance(runtime, dict) else None
    parent = "/runtimePlatform" if runtime is not None else ""
    arch = system = None
    value = runtime.get("cpuArchitecture") if runtime else None
    if isinstance(value, str) and value.upper() in ("X86_64", "ARM64"):
        arch = (value.upper(), value, "/runtimePlatform/cpuArchitecture")
    elif value is None and td.fargate:
        arch = ("X86_64", "X86_64 (the Fargate default)", parent)
    family = runtime.get("operatingSystemFamily") if runtime else None
    if isinstance(family, str) and family:
        name = "windows" if family.upper().startswith("WINDOWS") else "linux"
        system = (name, family, "/runtimePlatform/operatingSystemFamily")
    elif family is None and td.fargate:
        system = ("linux", "LINUX (the Fargate default)", parent)
    return arch, system


def _mismatch(platform: str, td: TaskDef) -> tuple[str, str] | None:
    """(pointer, what the task runs on) when an image built for `platform` (os/arch[/variant]) cannot run
    where the task runs; None when it can, or when that is not known."""
    parts = platform.lower().split("/")
    if len(parts) < 2:
        return None
    arch, system = _runs_on(td)
    if system is not None and parts[0] != system[0]:
        return system[2], system[1]
    if arch is not None and _ARCHITECTURES.get(parts[1], parts[1]) != arch[0]:
        return arch[2], arch[1]
    return None


def dockerfile_platform_mismatch(td: TaskDef) -> Finding:
    for c, facts in _built(td):
        sources = []
        if facts.image_platform is not None:
            platform, line = facts.image_platform
            sources.append((platform, f"FROM --platform at {facts.at(line)}"))
        if facts.platform is not None:
            sources.append((facts.platform, f"services.{facts.service}.platform in {facts.config}"))
        for platform, where in sources:
            found = _mismatch(platform, td)
            if found is not None:
                pointer, runs_on = found
                yield (
                    pointer or f"{c.pointer}/image",
                    f"{c.label} image is built for {platform} ({where}), but the task runs on {runs_on}",
                )


# --- TDL556 dockerfile-needs-buildkit -----------------------------------------------------------------------


def dockerfile_needs_buildkit(td: TaskDef) -> Finding:
    for c, facts in _built(td):
        if facts.builder != "legacy" or not facts.buildkit_features:
            continue
        line, what = facts.buildkit_features[0]
        more = len(facts.buildkit_features) - 1
        also = f" (and {more} more)" if more else ""
        yield (
            f"{c.pointer}/image",
            f'{c.label} image is built by services.{facts.service} with builder = "legacy", which cannot '
            f"build {what} at {facts.at(line)}{also}: only BuildKit can",
        )
