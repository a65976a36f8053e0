"""Platforms and base images of a build: emulation for another CPU architecture, the base images a
Dockerfile builds FROM, and the entries of an OCI image index."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from taskdeflint.builder.manifest import Service
from taskdeflint.builder.references import Repository, check_tag, parse_repository

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
BINFMT = Path("/proc/sys/fs/binfmt_misc")

# Docker's architecture names, and the names of the machines (uname -m, qemu) that run them.
_MACHINES = {
    "amd64": ("x86_64",),
    "arm64": ("aarch64",),
    "arm": ("arm",),
    "386": ("i386", "i686"),
    "ppc64le": ("ppc64le",),
    "s390x": ("s390x",),
    "riscv64": ("riscv64",),
}


def _architecture(machine: str) -> str:
    for arch, machines in _MACHINES.items():
        if machine == arch or machine in machines:
            return arch
    return machine


def _local_engine() -> bool:
    host = os.environ.get("DOCKER_HOST", "")
    return not host or host.startswith("unix://")


def emulation_problem(platform: str, engine_machine: str, binfmt: Path = BINFMT) -> str | None:
    """Why the engine cannot build for `platform` (an architecture it does not run), or None.

    An engine builds RUN steps of another architecture through an emulator registered with the kernel's
    binfmt_misc (qemu-user-static). Only a local engine's kernel can be looked at."""
    parts = platform.split("/")
    wanted = _architecture(parts[1]) if len(parts) > 1 else ""
    host = _architecture(engine_machine)
    if not wanted or wanted == host or (host == "arm64" and wanted == "arm") or not _local_engine():
        return None
    names = _MACHINES.get(wanted, (wanted,))
    if binfmt.is_dir():
        for entry in binfmt.iterdir():
            if entry.name in ("register", "status") or not any(n in entry.name for n in names):
                continue
            try:
                if entry.read_text(encoding="utf-8", errors="replace").startswith("enabled"):
                    return None
            except OSError:
                continue
        where = f"no emulator for {names[0]} is registered in {binfmt}"
    else:
        where = f"{binfmt} is not mounted"
    return (
        f"cannot build for {platform} on this {engine_machine} engine: {where}. Install qemu-user-static and "
        f"register it (as root: mount -t binfmt_misc binfmt_misc {binfmt}; then write "
        f"/usr/lib/binfmt.d/qemu-{names[0]}.conf to {binfmt}/register; scripts/services.sh does both), or "
        "build on a machine of that architecture"
    )


def buildkit_features(dockerfile: Path) -> list[tuple[int, str]]:
    """What in the Dockerfile needs BuildKit; [] when it cannot be read (the build reports that)."""
    from taskdeflint.readers.dockerfile import buildkit_features as features

    try:
        text = dockerfile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return features(text)


def base_images(service: Service) -> list[tuple[str, int]] | str:
    """(image, line) of each base image from a registry that the build uses (not `scratch`, not a
    stage), or why the Dockerfile cannot tell."""
    from taskdeflint.readers.dockerfile import parse

    try:
        text = service.dockerfile_path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"cannot read {service.dockerfile}: {error.strerror or error}"
    parsed = parse(text.removeprefix("\ufeff"), target=service.target, build_args=dict(service.build_args))
    if isinstance(parsed, str):
        return f"{service.dockerfile}: {parsed}"
    found: list[tuple[str, int]] = []
    for base in parsed.bases:
        if not base.external:
            continue
        if base.image is None:
            return (
                f"{service.dockerfile}:{base.line}: FROM {base.written} uses a build argument without a "
                "value, so the base image is not known"
            )
        if (base.image, base.line) not in found:
            found.append((base.image, base.line))
    return found


def split_image(image: str) -> tuple[Repository, str, str | None] | None:
    """(repository, tag, digest) of an image reference; the tag is `latest` when none is given."""
    rest, at, digest = image.partition("@")
    slash, colon = rest.rfind("/"), rest.rfind(":")
    name, tag = (rest[:colon], rest[colon + 1 :]) if colon > slash else (rest, "latest")
    repository = parse_repository(name)
    if isinstance(repository, str) or check_tag(tag) is not None or (at and not _DIGEST.match(digest)):
        return None
    return repository, tag, digest if at else None


def index_entry(platform: str, media_type: str, size: int, digest: str) -> dict[str, Any]:
    """One `manifests` entry of an OCI image index."""
    parts = platform.split("/")
    described: dict[str, str] = {"architecture": parts[1], "os": parts[0]}
    if len(parts) > 2:
        described["variant"] = parts[2]
    return {"mediaType": media_type, "digest": digest, "size": size, "platform": described}
