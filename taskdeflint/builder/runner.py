"""`taskdeflint build`: settings in, exit code out.

For each service: resolve its base images to digests, compute its content tag, ask the registry whether
that tag exists (then the service is skipped: no build; with `--push` its other tags are added to the
existing manifest in the registry), else build with BuildKit through the Docker CLI (or, with `--builder
legacy`, through the engine API), once per platform, tag, and with `--push` push every tag (the content tag
last, so that a push cut short is built again next time) and take the digest from the push stream. A
service with several platforms is pushed as an OCI image index that lists one image per platform. Then
pin the digests into the services' task definitions (`--render-dir`), lint what was rendered, and
write `--metadata-file`.

Exit codes: 0 all good; 1 a check, build, push or render failed, or a rendered task definition has
errors; 2 a usage, config or manifest error (nothing was built); 130 interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from taskdeflint.atomic import write_text
from taskdeflint.builder import buildkit, dockersdk, platforms
from taskdeflint.builder import context as build_context
from taskdeflint.builder.auth import CredentialSource
from taskdeflint.builder.display import Display, choose
from taskdeflint.builder.manifest import ManifestError, Service, load_services
from taskdeflint.builder.references import Repository, check_tag
from taskdeflint.builder.registry import Registries, RegistryClient, RegistryError
from taskdeflint.builder.render import TaskDefinitionError, load_task_definition, render
from taskdeflint.config import Config, ConfigError, discover

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
METADATA_VERSION = 1


@dataclass(frozen=True, slots=True)
class BuildSettings:
    services: tuple[str, ...] = ()
    push: bool = False
    tags: tuple[str, ...] = ()
    jobs: int | None = None
    metadata_file: Path | None = None
    render_dir: Path | None = None
    dry_run: bool = False
    no_cache: bool = False
    keep_going: bool = False
    config: Path | None = None
    progress: str = "auto"  # auto, plain, tty
    cwd: Path = field(default_factory=Path.cwd)
    builder: str | None = None  # buildkit or legacy; None: each service's `builder`, else buildkit
    docker: str | None = None  # the Docker CLI to build with; None: found (see buildkit.find_cli)


def default_jobs() -> int:
    """Builds wait on the engine and the network more than on this process: a few at a time."""
    return min(4, max(2, os.cpu_count() or 2))


class UsageError(Exception):
    pass


class StepFailed(Exception):
    """A service's check, build, push or render failed; the message is one line."""


class Interrupted(Exception):
    pass


@dataclass(slots=True)
class Plan:
    service: Service
    inputs: build_context.BuildInputs | None = None
    tags: list[str] = field(default_factory=list)  # every tag, the content tag last
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    builder: str = "buildkit"

    @property
    def content_tag(self) -> str | None:
        return self.inputs.content_tag if self.inputs else None


@dataclass(slots=True)
class Outcome:
    """What happened to one service. `digest` is set only for an image that is in the registry: pushed by
    this run (taken from the push stream) or found there by its content tag."""

    name: str
    status: str = "not-started"  # pushed, built, skipped, failed, not-started, would-build, would-skip
    digest: str | None = None
    image_id: str | None = None
    tags: list[str] = field(default_factory=list)
    error: str | None = None
    rendered: Path | None = None
    platforms: dict[str, str] = field(default_factory=dict)  # platform -> digest, for an image index
    lint_errors: int = 0
    render_failed: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "failed" or self.render_failed or self.lint_errors > 0


def run(settings: BuildSettings, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        return _Run(settings, stdout, stderr).main()
    except (ConfigError, UsageError) as error:
        print(f"taskdeflint: error: {error}", file=stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\ntaskdeflint: interrupted", file=stderr)
        return EXIT_INTERRUPTED
    except ManifestError as error:
        for problem in error.problems:
            print(f"taskdeflint: error: {problem}", file=stderr)
        count = len(error.problems)
        print(
            f"taskdeflint: nothing was built ({count} manifest problem{'' if count == 1 else 's'})",
            file=stderr,
        )
        return EXIT_USAGE


def _display_path(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return str(path)


class _Run:
    def __init__(self, settings: BuildSettings, stdout: TextIO, stderr: TextIO) -> None:
        self.settings = settings
        self.stdout = stdout
        self.stderr = stderr
        self.stop = threading.Event()  # no new service starts (a failure without --keep-going)
        self.abort = threading.Event()  # Ctrl-C: running steps stop too
        self.lock = threading.Lock()
        self.credentials = CredentialSource()
        self.registries = Registries(self.credentials.for_repository)
        self.engine: dockersdk.Engine | None = None
        self.display: Display = Display(stdout, stderr)
        self.metadata_failed = False
        self.cli: buildkit.DockerCLI | None = None
        self.bridge: bool | None = None
        self.secret_values: dict[str, frozenset[str]] = {}  # by service, read once per run
        self.running: set[buildkit.Build] = set()  # the CLI builds under way, stopped on Ctrl-C

    # -- set-up -------------------------------------------------------------------------------------

    def main(self) -> int:
        settings = self.settings
        for tag in settings.tags:
            message = check_tag(tag)
            if message:
                raise UsageError(f"--tag: {message}")
        if settings.jobs is not None and settings.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        config = discover(settings.cwd, settings.config)
        services = load_services(config, settings.services)
        self.config = config
        if settings.builder is not None and settings.builder not in ("buildkit", "legacy"):
            raise UsageError(f"--builder must be buildkit or legacy, not {settings.builder!r}")
        self.linter = (
            self._linter(config) if settings.render_dir is not None and not settings.dry_run else None
        )

        try:
            self.engine = dockersdk.Engine()
        except dockersdk.EngineUnavailable as error:
            if not settings.dry_run:
                print(f"taskdeflint: error: {error}", file=self.stderr)
                return EXIT_FAILED
        if self.engine is not None:
            try:
                cidrs, names = self.engine.insecure_registries()
            except dockersdk.EngineError:
                cidrs, names = [], []
            self.registries = Registries(self.credentials.for_repository, names, cidrs)
        plans = self._plans(services, config)
        if settings.dry_run:
            return self._dry_run(plans)

        self.display = choose(
            settings.progress,
            self.stdout,
            self.stderr,
            [p.service.name for p in plans],
            jobs=settings.jobs or default_jobs(),
        )
        previous = self._trap_sigterm()
        try:
            outcomes = self._execute(plans)
        except KeyboardInterrupt:
            self.abort.set()
            self.stop.set()
            self.display.silence()
            with self.lock:
                running = list(self.running)
            for build in running:
                build.kill()
            print("\ntaskdeflint: interrupted; no metadata or task definition was written", file=self.stderr)
            self.stderr.flush()
            return EXIT_INTERRUPTED
        finally:
            self._restore_sigterm(previous)
        self.display.close()
        return self._finish(plans, outcomes)

    def _trap_sigterm(self) -> Any:
        if threading.current_thread() is not threading.main_thread():
            return None

        def interrupt(_signum: int, _frame: FrameType | None) -> None:
            raise KeyboardInterrupt

        return signal.signal(signal.SIGTERM, interrupt)

    def _restore_sigterm(self, previous: Any) -> None:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)

    def _linter(self, config: Config) -> Any:
        from taskdeflint.engine.catalogue import CatalogueError, load_catalogue, python_rules_refused
        from taskdeflint.engine.linter import Linter, Policy
        from taskdeflint.engine.userrules import check_user_rules
        from taskdeflint.readers.base import MAX_BYTES

        try:
            catalogue = load_catalogue(config.rules_dirs)
            check_user_rules(catalogue, python_rules_refused())
        except CatalogueError as error:
            raise UsageError(str(error)) from None
        policy = Policy(
            select=config.select or ("ALL",),
            ignore=config.ignore,
            severity=config.severity,
            per_file_ignores=config.per_file_ignores,
            suppressions=config.suppressions,
            max_bytes=config.max_file_size or MAX_BYTES,
        )
        return Linter(catalogue, policy)

    def _plans(self, services: list[Service], config: Config) -> list[Plan]:
        commit = build_context.git_commit(config.root)
        plans = []
        machine = None
        if self.engine is not None and any(p for s in services for p in s.build_platforms):
            try:
                machine = self.engine.architecture()
            except dockersdk.EngineError:
                machine = None
        for service in services:
            plan = Plan(service)
            plan.builder = self.settings.builder or service.builder or "buildkit"
            problem = self._check_service(plan, machine)
            bases = self._bases(service) if problem is None else problem
            if isinstance(bases, str):
                plan.error = bases
                plans.append(plan)
                continue
            try:
                plan.inputs = build_context.inputs(service, bases)
            except build_context.ContextError as error:
                plan.error = str(error)
                plans.append(plan)
                continue
            tags: list[str] = []
            if commit is not None:
                paths = [service.context, service.dockerfile_path]
                if build_context.git_clean(config.root, paths):
                    tags.append(commit)
                else:
                    plan.notes.append(f"no git tag: {commit} has uncommitted changes in the context")
            elif shutil.which("git") is None:
                plan.notes.append("no git tag: git is not installed")
            for tag in (*service.tags, *self.settings.tags):
                if tag not in tags and tag != plan.inputs.content_tag:
                    tags.append(tag)
            plan.tags = [*tags, plan.inputs.content_tag]
            plans.append(plan)
        return plans

    def _check_service(self, plan: Plan, machine: str | None) -> str | None:
        """Why `plan` cannot be built with its builder and platforms, before anything starts."""
        service = plan.service
        if plan.builder == "legacy":
            if service.secrets or service.ssh or service.cache_to or service.platforms:
                return "'secrets', 'ssh', 'cache-to' and 'platforms' need BuildKit, not --builder legacy"
            features = platforms.buildkit_features(service.dockerfile_path)
            if features:
                line, what = features[0]
                return (
                    f"{service.dockerfile}:{line} uses {what}, which needs BuildKit; the legacy builder "
                    'cannot build it (drop --builder legacy / builder = "legacy")'
                )
        for secret_id, kind, where in service.secrets:
            if kind == "env" and where not in os.environ:
                return f"secret {secret_id!r}: the environment variable {where} is not set"
        if machine:
            for platform in service.build_platforms:
                if platform is not None:
                    problem = platforms.emulation_problem(platform, machine)
                    if problem:
                        return problem
        return None

    def _bases(self, service: Service) -> tuple[tuple[str, str], ...] | str:
        """(image, digest) of each external base image of the build, or why one cannot be resolved."""
        found = platforms.base_images(service)
        if isinstance(found, str):
            return found
        resolved: list[tuple[str, str]] = []
        for image, line in found:
            where = f"base image {image} ({service.dockerfile}:{line})"
            parsed = platforms.split_image(image)
            if parsed is None:
                return f"{where} is not an image reference"
            repository, tag, digest = parsed
            if digest is not None:
                resolved.append((image, digest))
                continue
            if self.engine is not None:
                try:
                    local = self.engine.local_image_id(image)
                except dockersdk.EngineError as error:
                    return f"{where} cannot be resolved: {error}"
                if local is not None:
                    resolved.append((image, local))
                    continue
            try:
                remote = self._registry_for(repository).manifest_digest(repository.path, tag)
            except RegistryError as error:
                return f"{where} cannot be resolved: {error}"
            if remote is None:
                return f"{where} is neither in the engine nor in {repository.registry} (no such tag)"
            resolved.append((image, remote))
        return tuple(resolved)

    def _registry(self, service: Service) -> RegistryClient:
        return self._registry_for(service.repository)

    def _registry_for(self, repository: Repository) -> RegistryClient:
        return self.registries.for_repository(repository)

    # -- dry run ------------------------------------------------------------------------------------

    def _dry_run(self, plans: list[Plan]) -> int:
        width = max(len(p.service.name) for p in plans)
        failed = False
        action = "build and push" if self.settings.push else "build"
        for plan in plans:
            name = plan.service.name
            repository = str(plan.service.repository)
            if plan.error or plan.inputs is None:
                print(f"{name:<{width}}  error: {plan.error}", file=self.stdout)
                failed = True
                continue
            try:
                digest = self._registry(plan.service).manifest_digest(
                    plan.service.repository.path, plan.inputs.content_tag
                )
            except RegistryError as error:
                print(f"{name:<{width}}  unknown: {error}", file=self.stdout)
                failed = True
                continue
            if digest:
                line = f"{name:<{width}}  skip   {repository}:{plan.inputs.content_tag} exists ({digest})"
            else:
                line = f"{name:<{width}}  {action}  {repository}  tags: {', '.join(plan.tags)}"
            print(line, file=self.stdout)
            for note in plan.notes:
                print(f"{' ' * width}  ({note})", file=self.stdout)
        return EXIT_FAILED if failed else EXIT_OK

    # -- the builds ---------------------------------------------------------------------------------

    def _execute(self, plans: list[Plan]) -> dict[str, Outcome]:
        outcomes = {p.service.name: Outcome(p.service.name) for p in plans}
        queue: deque[Plan] = deque(plans)
        jobs = min(self.settings.jobs or default_jobs(), len(plans))

        def worker() -> None:
            while True:
                with self.lock:
                    if self.stop.is_set() or not queue:
                        return
                    plan = queue.popleft()
                outcome = outcomes[plan.service.name]
                started = time.monotonic()
                try:
                    self._service(plan, outcome)
                except (StepFailed, dockersdk.EngineError, RegistryError) as error:
                    outcome.status = "failed"
                    outcome.error = self._mask(str(error), plan.service)
                    outcome.digest = None
                except Interrupted:
                    return
                except Exception as error:  # a bug: report it as this service's failure, go on with others
                    outcome.status = "failed"
                    outcome.error = self._mask(
                        f"internal error: {type(error).__name__}: {error}", plan.service
                    )
                    outcome.digest = None
                outcome.seconds = time.monotonic() - started
                if outcome.status == "failed":
                    self.display.state(plan.service.name, "failed", final=True)
                    self.display.failed(plan.service.name)
                    self.display.error(f"{plan.service.name}: {outcome.error}")
                    if not self.settings.keep_going:
                        self.stop.set()

        threads = [threading.Thread(target=worker, name=f"build-{i}", daemon=True) for i in range(jobs)]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            for thread in threads:
                thread.join(0.1)
        for plan in plans:
            outcome = outcomes[plan.service.name]
            if outcome.status == "not-started":
                self.display.state(plan.service.name, "not started (an earlier service failed)", final=True)
        return outcomes

    def _service(self, plan: Plan, outcome: Outcome) -> None:
        service = plan.service
        name = service.name
        if plan.error or plan.inputs is None:
            raise StepFailed(plan.error or "no build inputs")
        content_tag = plan.inputs.content_tag
        for note in plan.notes:
            self.display.state(name, note)
        self.display.state(name, f"checking {service.repository}:{content_tag}")
        registry = self._registry(service)
        try:
            existing = registry.manifest_digest(service.repository.path, content_tag)
        except RegistryError as error:
            if self.settings.push:
                raise
            self.display.warning(f"{name}: {error}; building without the registry check")
            existing = None
        if existing:
            outcome.status = "skipped"
            outcome.digest = existing
            outcome.tags = [content_tag]
            if self.settings.push and len(plan.tags) > 1:
                outcome.tags = self._tag_existing(plan, registry, existing)
            self.display.state(name, f"up to date: {content_tag} is in the registry ({existing})", final=True)
            return
        if service.platforms:
            self._multi_platform(plan, outcome, registry)
            return
        image_id = self._build(plan, service.platform, f"{service.repository}:{content_tag}")
        outcome.image_id = image_id
        assert self.engine is not None
        repository = str(service.repository)
        for tag in plan.tags:
            if tag != content_tag:  # the build tagged the content tag
                self.engine.tag(image_id, repository, tag)
        outcome.tags = list(plan.tags)
        if not self.settings.push:
            outcome.status = "built"
            self.display.state(name, f"built {image_id[:19]} as {repository}:{content_tag}", final=True)
            return
        digest = self._push(plan, plan.tags)
        outcome.status = "pushed"
        outcome.digest = digest
        self.display.state(name, f"pushed {service.repository.pinned(digest)}", final=True)

    def _tag_existing(self, plan: Plan, registry: RegistryClient, digest: str) -> list[str]:
        """Add the plan's other tags to the manifest its content tag names, in the registry (no pull)."""
        service = plan.service
        path = service.repository.path
        found = registry.manifest(path, digest)
        if found is None:
            raise StepFailed(f"{service.repository}@{digest} vanished from the registry")
        media_type, body, _ = found
        for tag in plan.tags[:-1]:
            if registry.manifest_digest(path, tag) == digest:
                continue
            self.display.state(service.name, f"tagging {service.repository}:{tag} (no build)")
            registry.put_manifest(path, tag, media_type, body)
        return list(plan.tags)

    def _multi_platform(self, plan: Plan, outcome: Outcome, registry: RegistryClient) -> None:
        """One image per platform, each pushed under a tag of its own, then an OCI index listing them,
        pushed under every tag of the plan (the content tag last)."""
        assert plan.inputs is not None and self.engine is not None
        service = plan.service
        repository = str(service.repository)
        platform_tags: dict[str, str] = {}
        for platform in service.platforms:
            tag = f"{plan.inputs.content_tag}-{platform.replace('/', '-')}"
            self._build(plan, platform, f"{repository}:{tag}")
            platform_tags[platform] = tag
        if not self.settings.push:
            outcome.status = "built"
            outcome.tags = list(platform_tags.values())
            self.display.state(service.name, f"built {len(platform_tags)} platforms", final=True)
            return
        entries = []
        for platform, tag in platform_tags.items():
            digest = self._push(plan, [tag])
            outcome.platforms[platform] = digest
            found = registry.manifest(service.repository.path, digest)
            if found is None:
                raise StepFailed(f"{repository}@{digest} is not in the registry after its push")
            media_type, body, _ = found
            entries.append(platforms.index_entry(platform, media_type, len(body), digest))
        index = json.dumps(
            {"schemaVersion": 2, "mediaType": platforms.OCI_INDEX, "manifests": entries}, indent=2
        ).encode()
        digests = set()
        for tag in plan.tags:  # the content tag is last
            self.display.state(service.name, f"pushing the image index as {repository}:{tag}")
            digests.add(registry.put_manifest(service.repository.path, tag, platforms.OCI_INDEX, index))
        if len(digests) != 1:
            raise StepFailed(f"the registry gave different digests for one image index: {sorted(digests)}")
        outcome.digest = digests.pop()
        outcome.tags = list(plan.tags)
        outcome.status = "pushed"
        self.display.state(service.name, f"pushed {service.repository.pinned(outcome.digest)}", final=True)

    def _check_abort(self) -> None:
        if self.abort.is_set():
            raise Interrupted

    def _build(self, plan: Plan, platform: str | None, tag: str) -> str:
        """Build one image of `plan` for `platform`, tagged `tag`; its image id."""
        if plan.builder != "legacy":
            self._find_cli()  # no CLI: the service fails before "building"
        shown = f" for {platform}" if plan.service.platforms and platform else ""
        self.display.state(plan.service.name, f"building{shown}")
        if plan.builder == "legacy":
            return self._build_legacy(plan, tag)
        return self._build_buildkit(plan, platform, tag)

    def _find_cli(self) -> buildkit.DockerCLI:
        """The Docker CLI to build with, looked for at the first build (a run with every service up to
        date needs none)."""
        with self.lock:
            if self.cli is None:
                try:
                    self.cli = buildkit.find_cli(self.settings.docker)
                except buildkit.CLIError as error:
                    raise StepFailed(str(error)) from None
            return self.cli

    def _build_buildkit(self, plan: Plan, platform: str | None, tag: str) -> str:
        assert plan.inputs is not None
        cli = self._find_cli()
        service = plan.service
        if service.cache_to and not cli.supports_cache_to:
            raise StepFailed(f"'cache-to' needs docker buildx, and {cli.describe()} has no buildx plugin")
        last: deque[str] = deque(maxlen=20)
        with tempfile.TemporaryDirectory(prefix="taskdeflint-build-") as scratch:
            iidfile = Path(scratch) / "iid"
            request = buildkit.BuildRequest(
                dockerfile=plan.inputs.dockerfile,
                tag=tag,
                build_args=service.build_args,
                target=service.target,
                platform=platform,
                secrets=service.secrets,
                ssh=service.ssh,
                network=service.network or (None if self._has_bridge() else "none"),
                cache_from=service.cache_from,
                cache_to=service.cache_to,
                no_cache=self.settings.no_cache,
                iidfile=iidfile,
            )
            with build_context.archive(service, plan.inputs, for_cli=True) as tarball:
                build = buildkit.Build(cli, request, tarball)
                with self.lock:
                    self.running.add(build)
                held: str | None = None  # the last line is shown only once the build succeeded: a
                try:  # failed build's last line is its error, which the error message says
                    for line in build.lines():
                        if self.abort.is_set():
                            build.kill()
                            raise Interrupted
                        line = self._mask(line, service)
                        if not line.strip():
                            continue
                        last.append(line)
                        if held is not None:
                            self.display.log(service.name, held)
                        held = line
                finally:
                    build.kill()
                    with self.lock:
                        self.running.discard(build)
                if held is not None and build.returncode == 0:
                    self.display.log(service.name, held)
            if build.returncode != 0:
                reason = buildkit.error_line(list(last)) or f"{cli.path} exited with {build.returncode}"
                if "network bridge not found" in reason:
                    reason += (
                        '; the engine has no default bridge (dockerd --bridge=none): set network = "none" '
                        '(or "host") in the service'
                    )
                raise StepFailed(f"build failed: {reason}")
            try:
                image_id = iidfile.read_text(encoding="utf-8").strip()
            except OSError:
                image_id = ""
        if not image_id:
            raise StepFailed("build failed: the build wrote no image id")
        return image_id

    def _mask(self, text: str, service: Service) -> str:
        with self.lock:
            values = self.secret_values.get(service.name)
            if values is None:
                values = self.secret_values[service.name] = secret_values(service)
        return mask(text, service, values)

    def _has_bridge(self) -> bool:
        """RUN steps get the engine's default network, its bridge; an engine without one (dockerd
        --bridge=none) gives them none with the legacy builder, and BuildKit needs to be told so."""
        with self.lock:
            if self.bridge is None:
                assert self.engine is not None
                try:
                    self.bridge = self.engine.has_bridge()
                except dockersdk.EngineError:
                    self.bridge = True
            return self.bridge

    def _build_legacy(self, plan: Plan, tag: str) -> str:
        assert self.engine is not None and plan.inputs is not None
        service = plan.service
        name = service.name
        image_id: str | None = None
        pending = ""
        with build_context.archive(service, plan.inputs) as tarball:
            stream = self.engine.build(
                tarball,
                dockerfile=plan.inputs.dockerfile,
                tag=tag,
                buildargs=dict(service.build_args),
                target=service.target,
                platform=service.platform,
                nocache=self.settings.no_cache,
            )
            for chunk in stream:
                self._check_abort()
                _raise_stream_error(chunk, "build failed")
                text = chunk.get("stream")
                if isinstance(text, str):
                    pending += text
                    *lines, pending = pending.split("\n")
                    for line in lines:
                        if line.strip():
                            self.display.log(name, self._mask(line.rstrip(), service))
                aux = chunk.get("aux")
                if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
                    image_id = aux["ID"]
                status = chunk.get("status")
                if isinstance(status, str) and not chunk.get("progressDetail"):
                    self.display.log(name, self._mask(status, service))
        if pending.strip():
            self.display.log(name, self._mask(pending.rstrip(), service))
        if not image_id:
            raise StepFailed("build failed: the engine reported no image")
        return image_id

    def _push(self, plan: Plan, tags: list[str]) -> str:
        """Push `tags` of the plan's repository (the content tag last); the one digest they have."""
        assert self.engine is not None
        service = plan.service
        name = service.name
        repository = str(service.repository)
        auth = self.credentials.push_auth(service.repository)
        digests: dict[str, str] = {}
        for tag in tags:  # the content tag is last
            self.display.state(name, f"pushing {repository}:{tag}")
            digest = None
            shown: set[tuple[str, str]] = set()
            for chunk in self.engine.push(repository, tag, auth):
                self._check_abort()
                _raise_stream_error(chunk, f"push of {repository}:{tag} failed")
                aux = chunk.get("aux")
                if isinstance(aux, dict) and isinstance(aux.get("Digest"), str):
                    digest = aux["Digest"]
                status = chunk.get("status")
                if not isinstance(status, str):
                    continue
                layer = str(chunk.get("id") or "")
                if chunk.get("progressDetail") or status.startswith(("Retrying in", "Waiting", "Preparing")):
                    self.display.progress(name, f"{layer} {status} {chunk.get('progress') or ''}".strip())
                    if status.startswith("Retrying in") and (layer, "retry") not in shown:
                        shown.add((layer, "retry"))
                        self.display.log(name, f"{layer}: retrying the upload")
                    continue
                if (layer, status) not in shown:
                    shown.add((layer, status))
                    self.display.log(name, f"{layer}: {status}" if layer else status)
            if digest is None:
                raise StepFailed(f"push of {repository}:{tag} failed: the engine reported no digest")
            digests[tag] = digest
        if len(set(digests.values())) != 1:
            listed = ", ".join(f"{t}={d}" for t, d in digests.items())
            raise StepFailed(f"push gave different digests for the tags of one image: {listed}")
        return digests[tags[-1]]

    # -- render, lint, metadata ---------------------------------------------------------------------

    def _finish(self, plans: list[Plan], outcomes: dict[str, Outcome]) -> int:
        settings = self.settings
        if settings.render_dir is not None:
            self._render(plans, outcomes)
        if settings.metadata_file is not None:
            self._write_metadata(plans, outcomes)
        self._summary(plans, outcomes)
        failed = self.metadata_failed or any(o.failed for o in outcomes.values())
        return EXIT_FAILED if failed else EXIT_OK

    def _render(self, plans: list[Plan], outcomes: dict[str, Outcome]) -> None:
        assert self.settings.render_dir is not None
        render_dir = self.settings.cwd / self.settings.render_dir
        pins: dict[Path, dict[str, str]] = {}
        for plan in plans:
            service, outcome = plan.service, outcomes[plan.service.name]
            if service.task_definition is not None and outcome.digest:
                pins.setdefault(service.task_definition, {})[service.container] = service.repository.pinned(
                    outcome.digest
                )
        for plan in plans:
            service, outcome = plan.service, outcomes[plan.service.name]
            if service.task_definition is None:
                continue
            if not outcome.digest:
                if outcome.status == "built":
                    self.display.warning(
                        f"{service.name}: not rendered: the image was not pushed (use --push)"
                    )
                continue
            target = render_dir / f"{service.name}.json"
            try:
                text = render(load_task_definition(service.task_definition), pins[service.task_definition])
                write_text(target, text)
            except TaskDefinitionError as error:
                outcome.error = f"render failed: {error}"
            except OSError as error:
                outcome.error = f"render failed: cannot write {target}: {error.strerror or error}"
            if outcome.error:
                outcome.render_failed = True
                self.display.error(f"{service.name}: {outcome.error}")
                continue
            outcome.rendered = target
            try:
                outcome.lint_errors, failures = self._lint(service, target, text)
            except Exception as error:  # a bug in a rule: this service's failure, not a crash of the run
                from taskdeflint.lint import internal_error

                failures = [internal_error(error)]
            if failures:
                outcome.error = f"{target}: {'; '.join(failures)}"
                outcome.render_failed = True
                self.display.error(f"{service.name}: {outcome.error}")

    def _lint(self, service: Service, target: Path, text: str) -> tuple[int, list[str]]:
        """Lint the rendered file in-process, matching config globs and suppressions as for its source: the
        number of errors found, and what a rule of the user's that failed on it (raised, exited, ran out of
        time) left unchecked, as `lint` says it."""
        from taskdeflint.findings import Severity

        assert service.task_definition is not None
        shown = _display_path(target, self.settings.cwd)
        try:
            match_path = service.task_definition.relative_to(self.config.root).as_posix()
        except ValueError:
            match_path = service.task_definition.as_posix()
        assert self.linter is not None
        result = self.linter.lint(
            shown, text.encode("utf-8"), explicit=True, match_path=match_path, rule_failures=True
        )
        if result is None:
            return 0, []
        errors = 0
        for finding in sorted(result.findings):
            print(
                f"{finding.path}:{finding.line}:{finding.column}: {finding.severity.label} {finding.rule} "
                f"{finding.message}",
                file=self.stdout,
            )
            if finding.severity >= Severity.ERROR:
                errors += 1
        if errors:
            self.display.error(
                f"{service.name}: the rendered task definition {shown} has {errors} "
                f"error{'' if errors == 1 else 's'} (the image was pushed; fix the task definition)"
            )
        return errors, result.errors

    def _write_metadata(self, plans: list[Plan], outcomes: dict[str, Outcome]) -> None:
        assert self.settings.metadata_file is not None
        cwd = self.settings.cwd
        entries: dict[str, Any] = {}
        for plan in plans:
            service, outcome = plan.service, outcomes[plan.service.name]
            in_registry = outcome.status in ("pushed", "skipped") and outcome.digest is not None
            entries[service.name] = {
                "repository": str(service.repository),
                "status": outcome.status,
                "skipped": outcome.status == "skipped",
                "pushed": outcome.status == "pushed",
                "content_tag": plan.content_tag,
                "tags": outcome.tags if outcome.status in ("pushed", "skipped", "built") else [],
                "digest": outcome.digest if in_registry else None,
                "image": service.repository.pinned(outcome.digest)
                if in_registry and outcome.digest
                else None,
                "image_id": outcome.image_id,
                "platforms": outcome.platforms or None,
                "task_definition": _display_path(outcome.rendered, cwd) if outcome.rendered else None,
                "lint_errors": outcome.lint_errors,
                "error": outcome.error,
            }
        text = json.dumps({"version": METADATA_VERSION, "services": entries}, indent=2) + "\n"
        target = cwd / self.settings.metadata_file
        try:
            write_text(target, text)
        except OSError as error:
            self.display.error(f"cannot write the metadata file {target}: {error.strerror or error}")
            self.metadata_failed = True

    def _summary(self, plans: list[Plan], outcomes: dict[str, Outcome]) -> None:
        width = max(len(p.service.name) for p in plans)
        words = {
            "pushed": "pushed",
            "built": "built",
            "skipped": "up to date",
            "failed": "FAILED",
            "not-started": "not started",
        }
        for plan in plans:
            outcome = outcomes[plan.service.name]
            if outcome.digest:
                what = plan.service.repository.pinned(outcome.digest)
            elif outcome.image_id:
                what = f"{plan.service.repository}:{plan.content_tag} ({outcome.image_id[:19]})"
            else:
                what = outcome.error or ""
            extra = ""
            if outcome.render_failed:
                extra = "  (render failed)"
            elif outcome.lint_errors:
                extra = f"  ({outcome.lint_errors} lint error{'' if outcome.lint_errors == 1 else 's'})"
            word = words.get(outcome.status, outcome.status)
            print(f"{plan.service.name:<{width}}  {word:<11} {what}{extra}".rstrip(), file=self.stdout)
        self.stdout.flush()


# Build-argument values shorter than this are not masked: hiding "1" or "yes" everywhere would make the log
# unreadable, and nothing that short is a secret.
MASK_MIN_LENGTH = 4
MASK = "***"


def mask(text: str, service: Service, secrets: frozenset[str] = frozenset()) -> str:
    """`text` with the service's build-argument values and the values of its build secrets (`secrets`,
    from `secret_values`) replaced by `***`.

    Build arguments often carry tokens (`NPM_TOKEN`), and a RUN step that prints one, or an error that
    quotes it, would put it in the CI log. What the builder prints from the engine goes through here, as
    GitHub Actions masks its secrets. (The engine itself still records build arguments in the image's
    history: a real secret belongs in a BuildKit secret mount, not a build argument.)
    """
    values = {v for _, v in service.build_args if len(v) >= MASK_MIN_LENGTH} | secrets
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def secret_values(service: Service) -> frozenset[str]:
    """The values of the service's build secrets (and each of their lines), to hide in what is printed:
    a RUN step may print a secret it mounts, and BuildKit shows RUN output."""
    values: set[str] = set()
    for _, kind, where in service.secrets:
        if kind == "env":
            text = os.environ.get(where, "")
        else:
            try:
                text = Path(where).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
        for value in (text, text.strip(), *text.splitlines()):
            if len(value.strip()) >= MASK_MIN_LENGTH:
                values.add(value.strip())
    return frozenset(values)


def _raise_stream_error(chunk: dict[str, Any], what: str) -> None:
    """Errors come inside the stream, after an HTTP 200: `{"error": ..., "errorDetail": {...}}`."""
    if "error" in chunk or "errorDetail" in chunk:
        detail = chunk.get("errorDetail")
        message = chunk.get("error") or (detail.get("message") if isinstance(detail, dict) else None)
        raise StepFailed(f"{what}: {' '.join(str(message or detail).split())}")
