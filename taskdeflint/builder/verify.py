"""`taskdeflint verify`: are the images that task definitions name in their registries, and for the
platform the task runs on?

For every container image of the given task definitions (the images the builder pinned, and sidecars it
did not build: Envoy, FireLens, agents), the registry is asked for the manifest (Registry HTTP API v2,
with the builder's credentials: the Docker config and its helpers, an ECR token through the `ecr` extra,
anonymous bearer tokens for public registries). Findings point at the container's `image`:

* TDL557 image-not-found (error): no such tag or digest; ECS would stop the task with
  CannotPullContainerError.
* TDL558 image-platform-mismatch (error): neither the image nor any entry of its index is for the task's
  `runtimePlatform` (os and CPU architecture; a Fargate task without one runs Linux on X86_64); the
  container would fail with `exec format error`.
* TDL559 image-not-verifiable (warning): the registry could not be asked (unreachable, refused the login).

Images written as templates (`${IMAGE}`, `{{ .Image }}`) are passed over.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from taskdeflint.builder.auth import CredentialSource
from taskdeflint.builder.platforms import split_image
from taskdeflint.builder.references import Repository
from taskdeflint.builder.registry import Registries, RegistryClient, RegistryError
from taskdeflint.findings import Finding, Severity
from taskdeflint.formats import escape_controls

NOT_FOUND = ("TDL557", "image-not-found", Severity.ERROR)
PLATFORM_MISMATCH = ("TDL558", "image-platform-mismatch", Severity.ERROR)
NOT_VERIFIABLE = ("TDL559", "image-not-verifiable", Severity.WARNING)
_INDEXES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class VerifySettings:
    files: tuple[Path, ...]
    output_format: str = "text"  # text or json
    insecure: tuple[str, ...] = ()  # registries spoken to over plain HTTP (loopback ones always are)


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What the registry says of one reference: its platforms (`linux/arm64`), or why it cannot say."""

    found: bool
    platforms: tuple[str, ...] = ()
    error: str | None = None


@dataclass(slots=True)
class Verifier:
    insecure: tuple[str, ...] = ()
    credentials: CredentialSource = field(default_factory=CredentialSource)
    registries: Registries | None = None
    cache: dict[str, ImageFacts] = field(default_factory=dict)

    def client(self, repository: Repository) -> RegistryClient:
        if self.registries is None:
            self.registries = Registries(self.credentials.for_repository, self.insecure)
        return self.registries.for_repository(repository)

    def facts(self, image: str) -> ImageFacts | None:
        """None for what is not an image reference (a template)."""
        if image in self.cache:
            return self.cache[image]
        parsed = split_image(image)
        if parsed is None:
            return None
        repository, tag, digest = parsed
        try:
            facts = self._ask(repository, digest or tag)
        except RegistryError as error:
            facts = ImageFacts(found=False, error=str(error))
        self.cache[image] = facts
        return facts

    def _ask(self, repository: Repository, reference: str) -> ImageFacts:
        client = self.client(repository)
        found = client.manifest(repository.path, reference)
        if found is None:
            return ImageFacts(found=False)
        media_type, body, _ = found
        document: Any = json.loads(body)
        if media_type in _INDEXES or "manifests" in document:
            platforms = []
            for entry in document.get("manifests") or []:
                platform = entry.get("platform") or {}
                described = f"{platform.get('os')}/{platform.get('architecture')}"
                if described != "unknown/unknown":  # attestation manifests
                    platforms.append(described)
            return ImageFacts(found=True, platforms=tuple(platforms))
        config_digest = (document.get("config") or {}).get("digest")
        if not isinstance(config_digest, str):
            return ImageFacts(found=True)  # a schema 1 manifest: no platform to compare
        config = json.loads(client.blob(repository.path, config_digest))
        return ImageFacts(found=True, platforms=(f"{config.get('os')}/{config.get('architecture')}",))


def runs_on(data: dict[str, Any]) -> tuple[str, str] | None:
    """(docker platform, as the task definition says it) of the task, None when it is not known."""
    runtime = data.get("runtimePlatform")
    runtime = runtime if isinstance(runtime, dict) else {}
    arch, family = runtime.get("cpuArchitecture"), runtime.get("operatingSystemFamily")
    compatibilities = data.get("requiresCompatibilities")
    fargate = isinstance(compatibilities, list) and "FARGATE" in compatibilities
    if not isinstance(arch, str) and not isinstance(family, str) and not fargate:
        return None  # an EC2 task runs on whatever instance it is placed on
    arch_text = arch if isinstance(arch, str) else "X86_64"
    family_text = family if isinstance(family, str) else "LINUX"
    cpu = {"X86_64": "amd64", "ARM64": "arm64"}.get(arch_text.upper())
    if cpu is None:
        return None
    system = "windows" if family_text.upper().startswith("WINDOWS") else "linux"
    said = f"{family_text}/{arch_text}" + ("" if runtime else " (the Fargate default)")
    return f"{system}/{cpu}", said


def verify_file(path: Path, shown: str, verifier: Verifier) -> list[Finding] | str:
    """The findings of one task definition file, or why it cannot be read as one."""
    from taskdeflint.positions import PositionMap
    from taskdeflint.readers import document as doc

    try:
        data = path.read_bytes()
    except OSError as error:
        return f"cannot read {shown}: {error.strerror or error}"
    loaded = doc.load(data, explicit=True, name=str(path))
    if loaded is None or not loaded.targets:
        reason = loaded.raws[0].message if loaded is not None and loaded.raws else "not a task definition"
        return f"{shown}: {reason} (taskdeflint lint says more)"
    positions = loaded.positions or PositionMap(loaded.text)
    findings: list[Finding] = []

    def finding(kind: tuple[str, str, Severity], pointer: str, message: str) -> None:
        line, column, end_line, end_column = positions.locate(pointer)
        rule, name, severity = kind
        findings.append(
            Finding(shown, line, column, rule, end_line, end_column, name, severity, message, pointer)
        )

    for target in loaded.targets:
        task = target.taskdef
        platform = runs_on(task.data)
        for container in task.containers:
            image = container.data.get("image")
            # A placeholder (`${IMAGE}`, `<IMAGE1_NAME>`) is read as an unknown value, not a string.
            if not isinstance(image, str) or not image:
                continue
            facts = verifier.facts(image)
            if facts is None:
                continue
            pointer = target.to_document(f"{container.pointer}/image")
            label = f'{container.label} image "{image}"'
            if facts.error is not None:
                finding(NOT_VERIFIABLE, pointer, f"{label} cannot be checked: {facts.error}")
            elif not facts.found:
                registry = split_image(image)
                host = registry[0].registry if registry else "its registry"
                finding(NOT_FOUND, pointer, f"{label} is not in {host} (no such tag or digest)")
            elif platform is not None and facts.platforms and platform[0] not in facts.platforms:
                listed = ", ".join(facts.platforms)
                finding(
                    PLATFORM_MISMATCH,
                    pointer,
                    f"{label} is for {listed}, but the task runs on {platform[1]} ({platform[0]})",
                )
    return sorted(findings)


def run(settings: VerifySettings, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    verifier = Verifier(insecure=settings.insecure)
    findings: list[Finding] = []
    problems = 0
    for path in settings.files:
        found = verify_file(path, path.as_posix(), verifier)
        if isinstance(found, str):
            print(f"taskdeflint: error: {found}", file=stderr)
            problems += 1
            continue
        findings += found
    if settings.output_format == "json":
        print(json.dumps([f.as_dict() for f in findings], indent=2), file=stdout)
    else:
        for f in findings:
            where = f"{escape_controls(f.path)}:{f.line}:{f.column}:"
            print(f"{where} {f.severity.label} {f.rule} {escape_controls(f.message)}", file=stdout)
    if problems:
        return EXIT_USAGE
    return EXIT_FINDINGS if any(f.severity >= Severity.ERROR for f in findings) else EXIT_OK
