"""Image references: a repository (`registry/path`, no tag) and tags, checked by the rules of the
distribution reference grammar that the engine applies."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"

_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_HOST = re.compile(
    r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$"
)
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
ECR_HOST = re.compile(r"^[0-9]{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")


@dataclass(frozen=True, slots=True)
class Repository:
    """`localhost:5000/forum/threads`: the registry host (`localhost:5000`) and the path in it."""

    registry: str
    path: str

    def __str__(self) -> str:
        if self.registry == DOCKER_HUB:
            return self.path.removeprefix("library/")
        return f"{self.registry}/{self.path}"

    @property
    def api_host(self) -> str:
        """The host the Registry HTTP API answers on."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def ecr_region(self) -> str | None:
        match = ECR_HOST.match(self.registry.split(":")[0])
        return match.group(1) if match else None

    def pinned(self, digest: str) -> str:
        """The digest-pinned reference ECS should run: `registry/path@sha256:...`."""
        return f"{self}@{digest}"


def parse_repository(text: str) -> Repository | str:
    """The repository, or a message saying what is wrong with `text`."""
    if not text or text != text.strip():
        return "must be a repository name such as registry.example.com/team/app"
    if "@" in text:
        return f"{text!r} holds a digest; give the repository only (registry/path, no tag or digest)"
    parts = text.split("/")
    if len(parts) > 1 and (
        "." in parts[0] or ":" in parts[0] or parts[0] == "localhost" or parts[0].startswith("[")
    ):
        registry, rest = parts[0], parts[1:]
        if not _HOST.match(registry):
            return f"{text!r}: {registry!r} is not a registry host (host or host:port)"
    else:
        registry, rest = DOCKER_HUB, parts
    if ":" in rest[-1]:
        name, tag = rest[-1].split(":", 1)
        return (
            f"{text!r} holds a tag ({tag!r}); give the repository without a tag "
            f"({'/'.join([*parts[:-1], name])!r}) and put extra tags in 'tags'"
        )
    for component in rest:
        if not _COMPONENT.match(component):
            hint = " (repository names are lower case)" if component.lower() != component else ""
            return f"{text!r}: path component {component!r} is not a valid repository name{hint}"
    path = "/".join(rest)
    if registry == DOCKER_HUB and len(rest) == 1:
        path = f"library/{path}"
    if len(str(Repository(registry, path))) > 255:
        return f"{text!r} is longer than 255 characters"
    return Repository(registry, path)


def check_tag(tag: str) -> str | None:
    """None for a valid tag, else why it is not."""
    if TAG.match(tag):
        return None
    return (
        f"{tag!r} is not a valid tag (up to 128 letters, digits, '_', '.' and '-', not starting with "
        "'.' or '-')"
    )


def is_loopback(host: str) -> bool:
    """`localhost:5000`, `127.0.0.1:5000`, `[::1]:5000`: the engine reaches these over plain HTTP."""
    name = host
    if name.startswith("["):
        name = name[1 : name.find("]")]
    elif name.count(":") == 1:
        name = name.split(":")[0]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def in_cidrs(host: str, cidrs: list[str]) -> bool:
    name = (
        host[1 : host.find("]")]
        if host.startswith("[")
        else host.rsplit(":", 1)[0]
        if host.count(":") == 1
        else host
    )
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    for cidr in cidrs:
        try:
            if address in ipaddress.ip_network(cidr, strict=False):
                return True
        except ValueError:
            continue
    return False
