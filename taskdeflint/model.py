"""A typed view of one task definition, as rules see it.

Rules speak in JSON Pointers relative to the task definition (`/containerDefinitions/0/image`); the
engine maps them to the document they came from (a describe wrapper, a bare container list) and from
there to line and column. Nothing here trusts the document's types: the schema stage reports wrong types,
and these accessors simply skip what is not of the expected shape, so no rule crashes on bad input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from taskdeflint.positions import split

if TYPE_CHECKING:
    from taskdeflint.readers.dockerfile import DockerfileFacts


@dataclass(frozen=True, slots=True)
class Container:
    index: int
    data: dict[str, Any]

    @property
    def pointer(self) -> str:
        return f"/containerDefinitions/{self.index}"

    @property
    def name(self) -> str:
        name = self.data.get("name")
        return name if isinstance(name, str) and name else f"#{self.index}"

    @property
    def label(self) -> str:
        return f'Container "{self.name}"'

    @property
    def essential(self) -> bool:
        """An omitted `essential` means true."""
        return self.data.get("essential", True) is not False


class TaskDef:
    """One task definition: register input, the inside of describe output, or a bare container list.

    `dockerfiles` holds, by container name, what the Dockerfile of the service that builds that
    container's image says (set by `lint` for files the services manifest names; empty otherwise).
    """

    __slots__ = ("_containers", "data", "dockerfiles", "kind")

    def __init__(self, data: dict[str, Any], kind: str) -> None:
        self.data = data
        self.kind = kind
        self.dockerfiles: dict[str, DockerfileFacts] = {}
        self._containers: list[Container] | None = None

    @property
    def containers(self) -> list[Container]:
        """The containers that are objects, with their indexes. Every check asks for them, so they are
        listed once; the task definition's data is not changed after it is made."""
        if self._containers is None:
            raw = self.data.get("containerDefinitions")
            self._containers = (
                [Container(i, c) for i, c in enumerate(raw) if isinstance(c, dict)]
                if isinstance(raw, list)
                else []
            )
        return self._containers

    def container_at(self, pointer: str) -> Container | None:
        """The container a pointer lies inside, if any."""
        tokens = split(pointer)
        if (
            len(tokens) >= 2
            and tokens[0] == "containerDefinitions"
            and tokens[1].isascii()  # "²" is a digit to isdigit(), not to int()
            and tokens[1].isdigit()
            and len(tokens[1]) <= 10  # int() refuses thousands of digits
        ):
            raw = self.data.get("containerDefinitions")
            index = int(tokens[1])
            if isinstance(raw, list) and index < len(raw) and isinstance(raw[index], dict):
                return Container(index, raw[index])
        return None

    def where(self, pointer: str) -> str:
        """Words for the object a pointer names, for messages: `Container "web" logConfiguration`."""
        return self.phrase(pointer, split(pointer))

    def phrase(self, pointer: str, names: list[str]) -> str:
        """`where` for a pointer whose members are shown as `names` (another form's names, such as a
        template's `ContainerDefinitions`)."""
        container = self.container_at(pointer)
        if container is not None:
            rest = dotted(names[2:])
            return f"{container.label} {rest}" if rest else container.label
        return dotted(names) or "Task definition"

    @property
    def network_mode(self) -> str:
        mode = self.data.get("networkMode")
        return mode if isinstance(mode, str) else "bridge"

    @property
    def compatibilities(self) -> set[str]:
        raw = self.data.get("requiresCompatibilities")
        if not isinstance(raw, list):
            return set()
        return {c for c in raw if isinstance(c, str)}

    @property
    def fargate(self) -> bool:
        return "FARGATE" in self.compatibilities

    def iter_items(self, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
        raw = self.data.get(key)
        if isinstance(raw, list):
            for index, item in enumerate(raw):
                if isinstance(item, dict):
                    yield index, item


def dotted(names: list[str]) -> str:
    """`containerDefinitions[0].logConfiguration`: names joined with dots, indices in brackets."""
    out = ""
    for name in names:
        if name.isdigit():
            out += f"[{name}]"
        else:
            out += f".{name}" if out else name
    return out


class Resource:
    """A resource that is not a task definition (a service, a target group, a listener, a listener rule,
    a Cloud Map service), as rules see it.

    `data` is in its API's names: the ECS API's for a service (`loadBalancers/0/containerName`), the
    Elastic Load Balancing and Cloud Map APIs' for the others (`TargetType`, `DnsConfig/DnsRecords`).
    `key` is its id in its document (a CloudFormation logical id, a Terraform address; empty in a file
    that holds one resource), `label` names it in messages. `refs` maps the API pointer of each value that
    refers to another resource of the same document to that resource's key, and `depends_on` lists the
    keys it waits for besides (`DependsOn`, `depends_on`). `condition` names the condition it is created
    under (CloudFormation's `Condition`; empty: always). `graph` is the document's resources.
    """

    kind = "resource"
    __slots__ = ("condition", "data", "depends_on", "graph", "key", "label", "refs")

    def __init__(
        self,
        data: dict[str, Any],
        key: str = "",
        label: str = "",
        refs: dict[str, str] | None = None,
        depends_on: tuple[str, ...] = (),
    ) -> None:
        self.data = data
        self.key = key
        self.label = label
        self.refs: dict[str, str] = refs if refs is not None else {}
        self.depends_on = depends_on
        self.condition = ""
        self.graph: Graph | None = None

    def items(self, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
        """The objects of a list member, with their indexes."""
        raw = self.data.get(key)
        if isinstance(raw, list):
            for index, item in enumerate(raw):
                if isinstance(item, dict):
                    yield index, item

    def linked(self, pointer: str) -> Resource | None:
        """The resource of the same document that the value at `pointer` refers to."""
        key = self.refs.get(pointer)
        if key is None or self.graph is None:
            return None
        return self.graph.resources.get(key)

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        return value if isinstance(value, str) else None


class Service(Resource):
    """An ECS service, in the ECS API's names (`CreateService` input).

    `taskdef` is its task definition once the run has found it (in the same document by reference, in
    another file by family or ARN, or through ecspresso's config).
    """

    kind = "service"
    __slots__ = ("form", "taskdef")

    def __init__(
        self,
        data: dict[str, Any],
        key: str = "",
        label: str = "",
        refs: dict[str, str] | None = None,
        depends_on: tuple[str, ...] = (),
    ) -> None:
        super().__init__(data, key, label, refs, depends_on)
        self.taskdef: TaskDef | None = None
        # What the document is (`readers.base.Placed.form`, set by `engine.links.connect`), for checks
        # whose answer depends on the tool that deploys it: ecspresso reads its service definition as
        # the ECS API's Service; a Terraform plan or state reports what the provider read back.
        self.form = ""

    @property
    def name(self) -> str:
        """Its `serviceName`, or "service" when the file does not give it (a template's generated name,
        ecspresso's config): messages then say "the service", and the resource's label names it."""
        return self.text("serviceName") or "service"

    @property
    def launch_type(self) -> str | None:
        return self.text("launchType")

    @property
    def awsvpc_configuration(self) -> dict[str, Any] | None:
        network = self.data.get("networkConfiguration")
        inner = network.get("awsvpcConfiguration") if isinstance(network, dict) else None
        return inner if isinstance(inner, dict) else None

    def target_group(self, index: int) -> TargetGroup | None:
        """The target group of `loadBalancers[index]`, when it is in the same document."""
        found = self.linked(f"/loadBalancers/{index}/targetGroupArn")
        return found if isinstance(found, TargetGroup) else None

    def registry(self, index: int) -> DiscoveryService | None:
        """The Cloud Map service of `serviceRegistries[index]`, when it is in the same document."""
        found = self.linked(f"/serviceRegistries/{index}/registryArn")
        return found if isinstance(found, DiscoveryService) else None


class TargetGroup(Resource):
    """An Elastic Load Balancing v2 target group (`CreateTargetGroup` input: `TargetType`, `Port` ...)."""

    kind = "target-group"
    __slots__ = ()

    @property
    def target_type(self) -> str | None:
        """`TargetType`; None when it is set to a value not known before deployment. Omitted is
        `instance`, as both the API and CloudFormation default it."""
        if "TargetType" not in self.data:
            return "instance"
        return self.text("TargetType")


class Listener(Resource):
    """An Elastic Load Balancing v2 listener (`CreateListener` input: `DefaultActions`, `Port` ...)."""

    kind = "listener"
    __slots__ = ()


class ListenerRule(Resource):
    """An Elastic Load Balancing v2 listener rule (`CreateRule` input: `ListenerArn`, `Priority`,
    `Actions`, `Conditions`)."""

    kind = "listener-rule"
    __slots__ = ()


class DiscoveryService(Resource):
    """A Cloud Map service (`CreateService` input of the Cloud Map API: `DnsConfig/DnsRecords` ...)."""

    kind = "discovery-service"
    __slots__ = ()

    @property
    def record_types(self) -> set[str] | None:
        """The DNS record types it registers (`A`, `AAAA`, `SRV`, `CNAME`); empty without a DNS config,
        None when they are not known from the document."""
        dns = self.data.get("DnsConfig")
        if dns is None:
            return set()
        if not isinstance(dns, dict) or not isinstance(dns.get("DnsRecords"), list):
            return None
        types = set()
        for record in dns["DnsRecords"]:
            kind = record.get("Type") if isinstance(record, dict) else None
            if not isinstance(kind, str):
                return None
            types.add(kind)
        return types


class Graph:
    """The resources of one document by key, its task definitions by key, and the references between
    them: what a check needs to follow a service to its target group and on to a listener."""

    __slots__ = ("_budget", "_waiters", "_waiting", "_work", "resources", "taskdefs")

    # How many resources `reaches` may visit in all, at least, for one document (or per edge of its graph,
    # beyond this): past it, it answers yes, as for a wait it cannot rule out.
    MIN_WORK = 1_000_000
    WORK_PER_EDGE = 16

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.taskdefs: dict[str, TaskDef] = {}
        self._waiters: dict[str, list[str]] | None = None
        self._waiting: dict[frozenset[str], frozenset[str]] = {}
        self._work = 0
        self._budget = self.MIN_WORK

    def add(self, resource: Resource) -> None:
        resource.graph = self
        if resource.key:
            self.resources[resource.key] = resource
            self._waiters = None
            self._waiting.clear()

    def of_kind(self, kind: type[R]) -> Iterator[R]:
        for resource in self.resources.values():
            if isinstance(resource, kind):
                yield resource

    def reaches(self, start: str, goals: set[str]) -> bool:
        """Whether the resource `start` waits, directly or through others, for one of `goals`: it refers
        to it or depends on it (CloudFormation and Terraform create a resource after what it needs).

        The resources that wait for a set of goals are found once, by following the waits backwards from
        the goals, and kept for the next service of the same target group. A document whose graph would
        take more than its budget to search is answered yes."""
        wanted = frozenset(goals)
        waiting = self._waiting.get(wanted)
        if waiting is None:
            found = self._waiting_for(wanted)
            if found is None:
                return True
            waiting = self._waiting[wanted] = found
        return start in waiting

    def _waiting_for(self, goals: frozenset[str]) -> frozenset[str] | None:
        """The resources that wait for one of `goals`, directly or through others; None past the budget."""
        if self._waiters is None:
            waiters: dict[str, list[str]] = {}
            for key, resource in self.resources.items():
                for target in {*resource.refs.values(), *resource.depends_on}:
                    waiters.setdefault(target, []).append(key)
            self._waiters = waiters
            self._budget = max(self.MIN_WORK, self.WORK_PER_EDGE * sum(map(len, waiters.values())))
        found: set[str] = set()
        stack = list(goals)
        while stack:
            for waiter in self._waiters.get(stack.pop(), ()):
                self._work += 1
                if self._work > self._budget:
                    return None
                if waiter not in found:
                    found.add(waiter)
                    stack.append(waiter)
        return frozenset(found)


R = TypeVar("R", bound=Resource)
