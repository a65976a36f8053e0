"""Ports and networking checks (TDL6xx): network modes, port mappings, links, hostname and extraHosts.

Sources are the ECS API model (botocore ecs 2014-11-13: RegisterTaskDefinitionRequest.networkMode,
ContainerDefinition.portMappings/links/hostname/extraHosts, the PortMapping shape) and the observed
RegisterTaskDefinition errors collected in shared/ecs-facts.md (sections 3.4 and 4). Every function takes
a `TaskDef` and yields `(pointer, message)`; none trusts the document's types.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from taskdeflint.checks.common import cycles, integer, is_windows
from taskdeflint.model import Container, TaskDef

NETWORK_MODES = frozenset({"bridge", "host", "awsvpc", "none"})  # the NetworkMode enum of the model
MAX_PORT = 65535
MAX_PORT_RANGES = 100  # PortMapping.containerPortRange: "a maximum of 100 port ranges per container"
RESERVED_HOST_PORTS = frozenset({22, 2375, 2376, 51678, 51679, 51680})  # PortMapping.hostPort
# PortMapping.hostPort: "In general, ports below 32768 are outside of the ephemeral port range"; without
# the kernel parameter the range is 49153-65535 (Linux) or 49152-65535 (Windows).
EPHEMERAL_FROM_LINUX = 32768
EPHEMERAL_FROM_WINDOWS = 49152
_PORT_NAME = re.compile(r"[a-z0-9_][a-z0-9_-]{0,63}")
_PORT_RANGE = re.compile(r"([0-9]+)-([0-9]+)")


def network_mode(td: TaskDef) -> str | None:
    """The task's network mode, or None when it cannot be known.

    An absent (or null) networkMode means bridge on Linux; on Windows it means the `<default>` NAT
    network, which maps ports the way bridge does, so port checks treat both alike. A bare container
    list has no task-level members, so there the mode is unknown; so is a networkMode of the wrong type, or
    one the API model does not list (TDL040 warns about it; ECS may take it, with a meaning not documented).
    """
    raw = td.data.get("networkMode")
    if isinstance(raw, str):
        return raw if raw in NETWORK_MODES else None
    if raw is not None or td.kind == "CONTAINERS":
        return None
    return "bridge"


@dataclass(frozen=True, slots=True)
class Mapping:
    """One port mapping object of one container."""

    container: Container
    index: int
    data: dict[str, Any]

    @property
    def pointer(self) -> str:
        return f"{self.container.pointer}/portMappings/{self.index}"

    @property
    def where(self) -> str:
        return f"portMappings[{self.index}]"

    @property
    def protocol(self) -> str:
        raw = self.data.get("protocol")
        return raw.lower() if isinstance(raw, str) else "tcp"

    @property
    def container_port(self) -> int | None:
        return integer(self.data.get("containerPort"))

    @property
    def host_port(self) -> int | None:
        return integer(self.data.get("hostPort"))

    @property
    def port_range(self) -> str | None:
        raw = self.data.get("containerPortRange")
        return raw if isinstance(raw, str) else None


def mappings(container: Container) -> Iterator[Mapping]:
    raw = container.data.get("portMappings")
    if isinstance(raw, list):
        for index, item in enumerate(raw):
            if isinstance(item, dict):
                yield Mapping(container, index, item)


def all_mappings(td: TaskDef) -> Iterator[Mapping]:
    for container in td.containers:
        yield from mappings(container)


def parse_port_range(text: str) -> tuple[int, int] | None:
    """`"first-last"` as two integers, or None when the text has another shape."""
    match = _PORT_RANGE.fullmatch(text)
    if match is None:
        return None
    return _port_number(match.group(1)), _port_number(match.group(2))


def _port_number(digits: str) -> int:
    """Digits as a number. Any number of more than six digits is just out of range: `int` refuses strings of
    thousands of digits (a ValueError that crashed the linter)."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 6 else MAX_PORT + 1


def valid_port_range(text: str) -> tuple[int, int] | None:
    parsed = parse_port_range(text)
    if parsed is None:
        return None
    first, last = parsed
    if 1 <= first < last <= MAX_PORT:
        return parsed
    return None


# TDL600 -------------------------------------------------------------------------------------------


def fargate_requires_awsvpc(td: TaskDef) -> Iterator[tuple[str, str]]:
    """requiresCompatibilities names FARGATE, but networkMode is not awsvpc."""
    if not td.fargate:
        return
    raw = td.data.get("networkMode")
    if raw is None:
        yield (
            "",
            'Fargate requires networkMode "awsvpc", but networkMode is not set (the default is not awsvpc)',
        )
    elif isinstance(raw, str) and raw != "awsvpc":
        yield "/networkMode", f'Fargate requires networkMode "awsvpc", not "{raw}"'


# TDL601 -------------------------------------------------------------------------------------------


def mismatched_host_port(td: TaskDef) -> Iterator[tuple[str, str]]:
    """In awsvpc and host mode a hostPort, when given, must equal the containerPort."""
    mode = network_mode(td)
    if mode not in ("awsvpc", "host"):
        return
    for mapping in all_mappings(td):
        host, container = mapping.host_port, mapping.container_port
        if host is None or container is None or host == container:
            continue
        yield (
            f"{mapping.pointer}/hostPort",
            f"{mapping.container.label} {mapping.where} maps container port {container} to host port "
            f"{host}; in {mode} mode the hostPort must be omitted or equal the containerPort",
        )


# TDL603 -------------------------------------------------------------------------------------------


def duplicate_host_port(td: TaskDef) -> Iterator[tuple[str, str]]:
    """The same host port (per protocol) is taken twice in one task.

    bridge: static host ports (hostPort > 0) across all mappings of all containers. awsvpc and host:
    the containers share one network namespace and the host port is the container port, so the same
    containerPort twice (in any containers) is the same conflict.
    """
    mode = network_mode(td)
    if mode == "none":
        return
    shared = mode in ("awsvpc", "host")
    seen: dict[tuple[str, int], Mapping] = {}
    for mapping in all_mappings(td):
        if mapping.port_range is not None:
            continue
        if shared:
            port, member = mapping.container_port, "containerPort"
        else:
            port, member = mapping.host_port, "hostPort"
            if port == 0:
                continue  # dynamic host port
        if port is None:
            continue
        key = (mapping.protocol, port)
        first = seen.setdefault(key, mapping)
        if first is mapping:
            continue
        owner = (
            f"by {first.where} of the same container"
            if first.container.index == mapping.container.index
            else f'by "{first.container.name}"'
        )
        if shared:
            text = (
                f"{mapping.container.label} {mapping.where} exposes {mapping.protocol.upper()} port {port}, "
                f"already exposed {owner}; in {mode} mode all containers of a task share one network "
                "namespace"
            )
        else:
            text = (
                f"{mapping.container.label} {mapping.where} maps {mapping.protocol.upper()} host port "
                f"{port}, already mapped {owner}"
            )
        yield f"{mapping.pointer}/{member}", text


# TDL604 -------------------------------------------------------------------------------------------


def _spans(container: Container) -> list[tuple[Mapping, int, int]]:
    """(mapping, first port, last port) of each mapping with a containerPort or a valid range."""
    spans: list[tuple[Mapping, int, int]] = []
    for mapping in mappings(container):
        text = mapping.port_range
        if text is not None:
            parsed = valid_port_range(text)
            if parsed is not None:
                spans.append((mapping, parsed[0], parsed[1]))
        elif mapping.container_port is not None:
            spans.append((mapping, mapping.container_port, mapping.container_port))
    return spans


def _port_member(mapping: Mapping) -> str:
    return "containerPortRange" if mapping.port_range is not None else "containerPort"


def _shared(low: int, high: int, other_low: int, other_high: int) -> str | None:
    start, end = max(low, other_low), min(high, other_high)
    if start > end:
        return None
    return f"port {start}" if start == end else f"ports {start}-{end}"


class _PortSpans:
    """Port spans added in order, answering "which is the first added span that shares a port with
    [low, high]?" in logarithmic time: a segment tree over the ports 1-65535, stored sparsely. (Comparing
    every mapping with every earlier one took minutes for a file of a few thousand mappings.) A single port
    outside 1-65535 can share a port only with the same single port, and is kept apart.
    """

    _SIZE = 1 << 17  # the tree's leaves: ports 0-131071

    def __init__(self) -> None:
        self.cover: dict[int, int] = {}  # node -> first span that covers all the node's ports
        self.touch: dict[int, int] = {}  # node -> first span that covers any of the node's ports
        self.outside: dict[int, int] = {}

    def add(self, low: int, high: int, number: int) -> None:
        if 1 <= low <= high <= MAX_PORT:
            self._add(1, 0, self._SIZE - 1, low, high, number)
        else:
            self.outside.setdefault(low, number)

    def _add(self, node: int, lo: int, hi: int, low: int, high: int, number: int) -> None:
        self.touch.setdefault(node, number)  # spans come in order: the first one stays
        if low <= lo and hi <= high:
            self.cover.setdefault(node, number)
            return
        mid = (lo + hi) // 2
        if low <= mid:
            self._add(2 * node, lo, mid, low, high, number)
        if high > mid:
            self._add(2 * node + 1, mid + 1, hi, low, high, number)

    def first(self, low: int, high: int) -> int | None:
        if 1 <= low <= high <= MAX_PORT:
            return self._first(1, 0, self._SIZE - 1, low, high)
        return self.outside.get(low) if low == high else None

    def _first(self, node: int, lo: int, hi: int, low: int, high: int) -> int | None:
        if node not in self.touch:
            return None
        if low <= lo and hi <= high:
            return self.touch[node]
        found = [self.cover[node]] if node in self.cover else []
        mid = (lo + hi) // 2
        for child, child_lo, child_hi in ((2 * node, lo, mid), (2 * node + 1, mid + 1, hi)):
            if low <= child_hi and high >= child_lo:
                number = self._first(child, child_lo, child_hi, low, high)
                if number is not None:
                    found.append(number)
        return min(found, default=None)


def _first_of(trees: Iterable[_PortSpans], low: int, high: int) -> int | None:
    return min((n for tree in trees if (n := tree.first(low, high)) is not None), default=None)


def container_port_multiple_protocols(td: TaskDef) -> Iterator[tuple[str, str]]:
    """One container exposes a container port (or a port of a range) for both tcp and udp."""
    for container in td.containers:
        spans = _spans(container)
        by_protocol: dict[str, _PortSpans] = {}
        for later, (mapping, low, high) in enumerate(spans):
            protocol = mapping.protocol
            others = (tree for name, tree in by_protocol.items() if name != protocol)
            first = _first_of(others, low, high)
            by_protocol.setdefault(protocol, _PortSpans()).add(low, high, later)
            if first is None:
                continue
            earlier, e_low, e_high = spans[first]
            yield (
                f"{mapping.pointer}/{_port_member(mapping)}",
                f"{container.label} exposes container {_shared(low, high, e_low, e_high)} for both "
                f"{earlier.protocol} ({earlier.where}) and {mapping.protocol} ({mapping.where}); the ECS API "
                "says one container port cannot be exposed for several protocols",
            )


# TDL605 -------------------------------------------------------------------------------------------


def duplicate_port_mapping_name(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Two port mappings of one task carry the same name."""
    seen: dict[str, Mapping] = {}
    for mapping in all_mappings(td):
        name = mapping.data.get("name")
        if not isinstance(name, str):
            continue
        first = seen.setdefault(name, mapping)
        if first is mapping:
            continue
        owner = (
            first.where
            if first.container.index == mapping.container.index
            else f'"{first.container.name}" {first.where}'
        )
        yield (
            f"{mapping.pointer}/name",
            f'{mapping.container.label} {mapping.where} is named "{name}", a name already used by {owner}',
        )


# TDL606 -------------------------------------------------------------------------------------------


def invalid_port_mapping_name(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A port mapping name that is not 1-64 lowercase letters, digits, `_` and `-`, or starts with `-`."""
    for mapping in all_mappings(td):
        name = mapping.data.get("name")
        if not isinstance(name, str) or _PORT_NAME.fullmatch(name):
            continue
        if not name:
            why = "is empty"
        elif len(name) > 64:
            why = f"is {len(name)} characters long (at most 64)"
        elif name.startswith("-"):
            why = "starts with a hyphen"
        else:
            why = "may hold only lowercase letters, digits, '_' and '-'"
        yield f"{mapping.pointer}/name", f'{mapping.container.label} {mapping.where} name "{name}" {why}'


# TDL608 -------------------------------------------------------------------------------------------


def container_port_range_network_mode(td: TaskDef) -> Iterator[tuple[str, str]]:
    """containerPortRange needs the bridge or awsvpc network mode (`none` is TDL602's)."""
    mode = network_mode(td)
    if mode != "host":
        return
    for mapping in all_mappings(td):
        if mapping.port_range is not None:
            yield (
                f"{mapping.pointer}/containerPortRange",
                f"{mapping.container.label} {mapping.where} uses containerPortRange "
                f'"{mapping.port_range}", which needs networkMode "bridge" or "awsvpc", not "{mode}"',
            )


# TDL609 -------------------------------------------------------------------------------------------


def container_port_range_with_host_port(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A mapping with containerPortRange must leave hostPort empty."""
    for mapping in all_mappings(td):
        if mapping.port_range is None or mapping.data.get("hostPort") is None:
            continue
        yield (
            f"{mapping.pointer}/hostPort",
            f"{mapping.container.label} {mapping.where} sets hostPort together with containerPortRange "
            f'"{mapping.port_range}"; leave hostPort empty, ECS assigns the host ports of a range',
        )


# TDL610 / TDL611 ----------------------------------------------------------------------------------


def malformed_container_port_range(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A containerPortRange that is not written `first-last` with two decimal numbers."""
    for mapping in all_mappings(td):
        text = mapping.port_range
        if text is not None and parse_port_range(text) is None:
            yield (
                f"{mapping.pointer}/containerPortRange",
                f'{mapping.container.label} {mapping.where} containerPortRange "{text}" is not written '
                'as "first-last" (for example "8000-8099")',
            )


def invalid_container_port_range(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A containerPortRange whose ports are outside 1-65535, or whose first port is not below the last."""
    for mapping in all_mappings(td):
        text = mapping.port_range
        parsed = parse_port_range(text) if text is not None else None
        if parsed is None:
            continue
        first, last = parsed
        if not (1 <= first <= MAX_PORT and 1 <= last <= MAX_PORT):
            why = "has a port outside 1-65535"
        elif first >= last:
            why = "does not have its first port below its last port"
        else:
            continue
        yield (
            f"{mapping.pointer}/containerPortRange",
            f'{mapping.container.label} {mapping.where} containerPortRange "{text}" {why}',
        )


# TDL612 -------------------------------------------------------------------------------------------


def overlapping_container_ports(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Within one container and protocol, a port lies in a containerPortRange and in another mapping."""
    for container in td.containers:
        spans = _spans(container)
        # Per protocol: every earlier span, and the earlier ranges only (two single ports: TDL603 / TDL604).
        every: dict[str, _PortSpans] = {}
        ranges: dict[str, _PortSpans] = {}
        for later, (mapping, low, high) in enumerate(spans):
            protocol = mapping.protocol
            tree = (every if mapping.port_range is not None else ranges).get(protocol)
            first = tree.first(low, high) if tree is not None else None
            every.setdefault(protocol, _PortSpans()).add(low, high, later)
            if mapping.port_range is not None:
                ranges.setdefault(protocol, _PortSpans()).add(low, high, later)
            if first is None:
                continue
            earlier, e_low, e_high = spans[first]
            shared = _shared(low, high, e_low, e_high)
            yield (
                f"{mapping.pointer}/{_port_member(mapping)}",
                f"{container.label} {mapping.where} overlaps {earlier.where} ({shared}, {mapping.protocol}); "
                "a port can be in only one port mapping of a container",
            )


# TDL613 -------------------------------------------------------------------------------------------


def too_many_container_port_ranges(td: TaskDef) -> Iterator[tuple[str, str]]:
    """More than 100 containerPortRange mappings in one container."""
    for container in td.containers:
        count = sum(1 for mapping in mappings(container) if mapping.port_range is not None)
        if count > MAX_PORT_RANGES:
            yield (
                f"{container.pointer}/portMappings",
                f"{container.label} has {count} port ranges; ECS allows at most "
                f"{MAX_PORT_RANGES} per container",
            )


# TDL614 / TDL615 ----------------------------------------------------------------------------------


def _static_host_ports(td: TaskDef) -> Iterator[tuple[Mapping, int, str]]:
    """(mapping, host port, member) for mappings that bind a fixed port on the container instance.

    bridge: an explicit hostPort above 0. host: the hostPort, else the containerPort. awsvpc and none
    bind nothing on the instance. In a bare container list the mode is unknown; a hostPort that differs
    from its containerPort can only be bridge, a hostPort equal to it is left alone.
    """
    mode = network_mode(td)
    for mapping in all_mappings(td):
        if mapping.port_range is not None:
            continue
        host, container = mapping.host_port, mapping.container_port
        if mode == "host":
            if host is not None:
                yield mapping, host, "hostPort"
            elif container is not None:
                yield mapping, container, "containerPort"
        elif host is not None and host > 0 and (mode == "bridge" or (mode is None and host != container)):
            yield mapping, host, "hostPort"


def reserved_host_port(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A static host port that the container instance reserves (SSH, Docker, ECS agent)."""
    for mapping, port, member in _static_host_ports(td):
        if port in RESERVED_HOST_PORTS:
            yield (
                f"{mapping.pointer}/{member}",
                f"{mapping.container.label} {mapping.where} binds host port {port}, one of the ports a "
                "container instance reserves by default (22, 2375, 2376, 51678-51680)",
            )


def ephemeral_host_port(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A static host port in the range ECS keeps for dynamic host ports."""
    windows = is_windows(td)
    start = EPHEMERAL_FROM_WINDOWS if windows else EPHEMERAL_FROM_LINUX
    for mapping, port, member in _static_host_ports(td):
        if start <= port <= MAX_PORT:
            where = (
                "the Windows ephemeral port range (49152-65535)"
                if windows
                else "the ephemeral port range of a Linux instance (in general from 32768 up; 49153-65535 "
                "when the kernel does not say)"
            )
            yield (
                f"{mapping.pointer}/{member}",
                f"{mapping.container.label} {mapping.where} binds host port {port}, inside {where}, which "
                "ECS keeps for dynamic host ports",
            )


# TDL616 / TDL617 ----------------------------------------------------------------------------------


def _links(container: Container) -> Iterator[tuple[int, str]]:
    raw = container.data.get("links")
    if isinstance(raw, list):
        for index, item in enumerate(raw):
            if isinstance(item, str):
                yield index, item


def links_outside_bridge_mode(td: TaskDef) -> Iterator[tuple[str, str]]:
    """links are only supported in the bridge network mode."""
    mode = network_mode(td)
    if mode is None or mode == "bridge":
        return
    for container in td.containers:
        raw = container.data.get("links")
        if isinstance(raw, list) and raw:
            yield (
                f"{container.pointer}/links",
                f'{container.label} has links, which ECS supports only in networkMode "bridge", not "{mode}"',
            )


def unknown_link_target(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A links entry (`name` or `name:alias`) that does not name another container of the task."""
    names = {c.data["name"] for c in td.containers if isinstance(c.data.get("name"), str)}
    for container in td.containers:
        for index, entry in _links(container):
            target = entry.split(":", 1)[0]
            pointer = f"{container.pointer}/links/{index}"
            if target == container.data.get("name"):
                yield pointer, f'{container.label} links to itself ("{entry}")'
            elif target not in names:
                yield (
                    pointer,
                    f'{container.label} links to "{target}", which is not a container of this '
                    "task definition",
                )


# TDL621 -------------------------------------------------------------------------------------------


def link_cycle(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Containers that link to each other in a ring ("Container links should not have a cycle"), each
    cycle once, at the links entry of its first container (in document order). Links to itself are
    TDL617's; with duplicate names the first container of a name takes part."""
    first: dict[str, Container] = {}
    for container in td.containers:
        name = container.data.get("name")
        if isinstance(name, str):
            first.setdefault(name, container)
    edges: dict[int, list[tuple[int, str]]] = {}
    for container in td.containers:
        name = container.data.get("name")
        if not isinstance(name, str) or first.get(name) is not container:
            continue
        for index, entry in _links(container):
            target = first.get(entry.split(":", 1)[0])
            if target is None or target.index == container.index:
                continue
            out = edges.setdefault(container.index, [])
            if all(j != target.index for j, _ in out):
                out.append((target.index, f"{container.pointer}/links/{index}"))
    by_index = {c.index: c for c in td.containers}
    for start, cycle in cycles(edges):
        chain = " -> ".join(f'"{by_index[n].name}"' for n in [start, *(n for n, _ in cycle)])
        yield cycle[0][1], f"Containers link to each other in a cycle: {chain}; ECS refuses links in a cycle"


# TDL618 / TDL619 ----------------------------------------------------------------------------------


def _set_with_awsvpc(td: TaskDef, member: str, kind: type) -> Iterator[tuple[str, str]]:
    """Containers that set a non-empty `member` (of type `kind`) in the awsvpc network mode."""
    if network_mode(td) != "awsvpc":
        return
    for container in td.containers:
        value = container.data.get(member)
        if isinstance(value, kind) and value:
            yield (
                f"{container.pointer}/{member}",
                f'{container.label} sets {member}, which ECS does not support in networkMode "awsvpc"',
            )


def hostname_with_awsvpc(td: TaskDef) -> Iterator[tuple[str, str]]:
    """hostname is not supported in the awsvpc network mode."""
    return _set_with_awsvpc(td, "hostname", str)


def extra_hosts_with_awsvpc(td: TaskDef) -> Iterator[tuple[str, str]]:
    """extraHosts is not supported in the awsvpc network mode."""
    return _set_with_awsvpc(td, "extraHosts", list)


# TDL620 -------------------------------------------------------------------------------------------


def missing_container_port(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A port mapping with neither containerPort nor containerPortRange."""
    for mapping in all_mappings(td):
        if mapping.data.get("containerPort") is None and mapping.data.get("containerPortRange") is None:
            yield (
                mapping.pointer,
                f"{mapping.container.label} {mapping.where} has no containerPort (nor a containerPortRange)",
            )


# TDL622 -------------------------------------------------------------------------------------------


def external_with_awsvpc(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A task definition for ECS Anywhere (EXTERNAL) in the awsvpc network mode."""
    if "EXTERNAL" in td.compatibilities and network_mode(td) == "awsvpc":
        yield (
            "/networkMode",
            'Task definition requires EXTERNAL (ECS Anywhere) and uses networkMode "awsvpc"; external '
            'instances support only "bridge", "host" and "none"',
        )


# TDL623 -------------------------------------------------------------------------------------------


def container_port_and_range(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A port mapping with both containerPort and containerPortRange."""
    for mapping in all_mappings(td):
        if mapping.data.get("containerPort") is not None and mapping.port_range is not None:
            yield (
                f"{mapping.pointer}/containerPortRange",
                f"{mapping.container.label} {mapping.where} sets both containerPort "
                f'{json.dumps(mapping.data["containerPort"])} and containerPortRange "{mapping.port_range}"; '
                "a mapping gives one or the other",
            )


# TDL624 / TDL625 ----------------------------------------------------------------------------------


def _given(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def app_protocol_without_name(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A port mapping with appProtocol but no name: Service Connect, its only user, needs the name."""
    for mapping in all_mappings(td):
        if _given(mapping.data.get("appProtocol")) and not _given(mapping.data.get("name")):
            yield (
                f"{mapping.pointer}/appProtocol",
                f'{mapping.container.label} {mapping.where} sets appProtocol "{mapping.data["appProtocol"]}" '
                "but no name; appProtocol applies only to Service Connect, which finds a mapping by its "
                "name",
            )


def service_connect_fields_in_host_or_none_mode(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Port mapping name or appProtocol (Service Connect fields) in the host or none network mode."""
    mode = network_mode(td)
    if mode not in ("host", "none"):
        return
    for mapping in all_mappings(td):
        for member in ("name", "appProtocol"):
            if _given(mapping.data.get(member)):
                yield (
                    f"{mapping.pointer}/{member}",
                    f"{mapping.container.label} {mapping.where} sets {member}, a Service Connect field, in "
                    f'networkMode "{mode}"; Service Connect needs "bridge" or "awsvpc"',
                )
