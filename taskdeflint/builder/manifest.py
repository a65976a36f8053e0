"""The services manifest: `[services.NAME]` tables in the linter's config file.

```toml
[services.threads]
context = "services/threads"                  # required
dockerfile = "Dockerfile"                     # relative to context
repository = "localhost:5000/forum/threads"   # required, no tag
target = "runtime"
build-args = { NODE_ENV = "production" }
platform = "linux/amd64"                      # default: the task definition's runtimePlatform
platforms = ["linux/amd64", "linux/arm64"]    # instead of platform: one image each, pushed as an index
secrets = [{ id = "npm", env = "NPM_TOKEN" }, { id = "pip", src = "secrets/pip.conf" }]
ssh = ["default"]
network = "none"                              # the network of RUN steps
cache-from = ["type=registry,ref=localhost:5000/forum/threads:cache"]
cache-to = ["type=inline"]
builder = "buildkit"                          # or "legacy" (no RUN --mount, heredocs, secrets)
task-definition = "deploy/threads.json"
container = "threads"                         # default: the service name
tags = ["stable"]
```

`load_services` checks every table and reports every problem at once (`ManifestError.problems`), before
anything is built.
"""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskdeflint.builder.references import Repository, check_tag, parse_repository
from taskdeflint.builder.render import TaskDefinitionError, TaskDefinitionFile, load_task_definition
from taskdeflint.config import Config

KEYS = (
    "context",
    "dockerfile",
    "repository",
    "target",
    "build-args",
    "platform",
    "platforms",
    "secrets",
    "ssh",
    "network",
    "cache-from",
    "cache-to",
    "builder",
    "task-definition",
    "container",
    "tags",
)
BUILDERS = ("buildkit", "legacy")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_PLATFORM = re.compile(r"^[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?$")
_ARG = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_SSH = re.compile(r"^[A-Za-z0-9_.-]+(?:=[^,\s]+(?:,[^,\s]+)*)?$")


class ManifestError(Exception):
    """A manifest that cannot be used; `problems` holds one message per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    context: Path  # absolute
    dockerfile: str  # relative to the context, `/`-separated (may start with `../`)
    repository: Repository
    target: str | None
    build_args: tuple[tuple[str, str], ...]
    platform: str | None
    task_definition: Path | None  # absolute
    container: str
    tags: tuple[str, ...]
    platforms: tuple[str, ...] = ()  # two or more: one image each, pushed as an image index
    secrets: tuple[tuple[str, str, str], ...] = ()  # (id, "src" or "env", absolute path or variable)
    ssh: tuple[str, ...] = ()
    network: str | None = None
    cache_from: tuple[str, ...] = ()
    cache_to: tuple[str, ...] = ()
    builder: str | None = None  # "buildkit" or "legacy"; None: the run's choice

    @property
    def dockerfile_path(self) -> Path:
        return (self.context / self.dockerfile).resolve()

    @property
    def build_platforms(self) -> tuple[str | None, ...]:
        """The platforms to build: several, one, or (None,) for the engine's own."""
        return self.platforms or (self.platform,)


def _stages(dockerfile: Path) -> list[str] | str:
    """The named stages (`FROM image AS name`) of a Dockerfile, or why it cannot be read."""
    from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]

    try:
        data = dockerfile.read_bytes()
    except OSError as error:
        return f"cannot read {dockerfile}: {error.strerror or error}"
    # A file object, never a path: the parser writes to its path when its content is set.
    parser = DockerfileParser(fileobj=io.BytesIO(data), env_replace=False)
    stages: list[str] = []
    froms = 0
    for instruction in parser.structure:
        if str(instruction.get("instruction", "")).upper() != "FROM":
            continue
        froms += 1
        words = str(instruction.get("value", "")).split()
        words = [w for w in words if not w.startswith("--")]
        if len(words) >= 3 and words[1].lower() == "as":
            stages.append(words[2])
    if froms == 0:
        return f"{dockerfile} has no FROM instruction"
    return stages


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _service(name: str, table: Any, config: Config, problems: list[str]) -> Service | None:
    where = f"services.{name}"
    before = len(problems)

    def problem(message: str) -> None:
        problems.append(f"{where}: {message}")

    if not _NAME.match(name):
        problem("a service name may hold only letters, digits, '_', '.' and '-' (it names output files)")
    if not isinstance(table, dict):
        problem("must be a table")
        return None
    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(KEYS)})"
            problem(f"unknown key {key!r}{hint}")

    def string(key: str, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                problem(f"{key!r} is required")
            return None
        if not isinstance(value, str) or not value.strip():
            problem(f"{key!r} must be a non-empty string")
            return None
        return value

    root = config.root
    context_text = string("context", required=True)
    context = (root / context_text).resolve() if context_text else None
    if context is not None and not context.is_dir():
        problem(f"context {context_text!r} is not a folder ({_relative(context, root)} does not exist)")
        context = None
    dockerfile = string("dockerfile") or "Dockerfile"
    dockerfile_path = None
    if context is not None:
        dockerfile_path = (context / dockerfile).resolve()
        if not dockerfile_path.is_file():
            problem(f"Dockerfile {_relative(dockerfile_path, root)} does not exist")
            dockerfile_path = None

    repository: Repository | None = None
    repository_text = string("repository", required=True)
    if repository_text is not None:
        parsed = parse_repository(repository_text)
        if isinstance(parsed, str):
            problem(f"repository {parsed}")
        else:
            repository = parsed

    target = string("target")
    if target is not None and dockerfile_path is not None:
        stages = _stages(dockerfile_path)
        if isinstance(stages, str):
            problem(stages)
        elif target not in stages:
            known = (
                f"its stages: {', '.join(stages)}" if stages else "it has no named stages (FROM ... AS name)"
            )
            problem(f"target {target!r} is not a stage of {_relative(dockerfile_path, root)} ({known})")

    build_args: list[tuple[str, str]] = []
    raw_args = table.get("build-args", {})
    if not isinstance(raw_args, dict):
        problem("'build-args' must be a table of NAME = \"value\"")
    else:
        for arg, value in raw_args.items():
            if not _ARG.match(arg):
                problem(f"build-args: {arg!r} is not a valid build argument name")
            elif isinstance(value, bool) or not isinstance(value, str | int | float):
                problem(f"build-args.{arg} must be a string")
            else:
                build_args.append((arg, str(value)))

    platform = string("platform")
    if platform is not None and not _PLATFORM.match(platform):
        problem(f"platform {platform!r} is not os/arch[/variant], e.g. linux/amd64 or linux/arm64")

    platforms: list[str] = []
    raw_platforms = table.get("platforms")
    if raw_platforms is not None:
        if not isinstance(raw_platforms, list) or not all(isinstance(p, str) for p in raw_platforms):
            problem("'platforms' must be a list of os/arch strings")
        elif "platform" in table:
            problem("give 'platform' or 'platforms', not both")
        else:
            for item in raw_platforms:
                if not _PLATFORM.match(item):
                    problem(f"platforms: {item!r} is not os/arch[/variant], e.g. linux/arm64")
                elif item in platforms:
                    problem(f"platforms: {item!r} is listed twice")
                else:
                    platforms.append(item)
            if len(platforms) == 1:
                platform, platforms = platforms[0], []

    secrets: list[tuple[str, str, str]] = []
    raw_secrets = table.get("secrets", [])
    if not isinstance(raw_secrets, list) or not all(isinstance(s, dict) for s in raw_secrets):
        problem('\'secrets\' must be a list of tables: { id = "npm", env = "NPM_TOKEN" } or { id, src }')
    else:
        for secret in raw_secrets:
            secret_id = secret.get("id")
            sources = [k for k in ("src", "env") if k in secret]
            unknown = sorted(set(secret) - {"id", "src", "env"})
            if not isinstance(secret_id, str) or not _SECRET_ID.match(secret_id):
                problem(f"secrets: {secret_id!r} is not a valid secret id (letters, digits, '_', '.', '-')")
                continue
            if unknown or len(sources) != 1 or not isinstance(secret[sources[0]], str):
                problem(f'secrets: {secret_id!r} needs exactly one of src = "FILE" or env = "VARIABLE"')
                continue
            if any(s[0] == secret_id for s in secrets):
                problem(f"secrets: {secret_id!r} is listed twice")
                continue
            where = str(secret[sources[0]])
            if sources[0] == "src":
                path = (root / where).resolve()
                if not path.is_file():
                    problem(f"secrets: {secret_id!r}: file {where!r} does not exist")
                    continue
                where = str(path)
            elif not _ARG.match(where):
                problem(f"secrets: {secret_id!r}: {where!r} is not an environment variable name")
                continue
            secrets.append((secret_id, sources[0], where))

    def strings(key: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problem(f"{key!r} must be a list of non-empty strings")
            return []
        return list(dict.fromkeys(value))

    ssh = strings("ssh")
    for item in ssh:
        if not _SSH.match(item):
            problem(f'ssh: {item!r} is not ID or ID=PATH (e.g. "default")')
    cache_from = strings("cache-from")
    cache_to = strings("cache-to")
    network = string("network")
    builder = string("builder")
    if builder is not None and builder not in BUILDERS:
        problem(f"builder {builder!r} is not one of {', '.join(BUILDERS)}")
    if builder == "legacy" and (secrets or ssh or cache_to or platforms):
        problem("'secrets', 'ssh', 'cache-to' and 'platforms' need builder = \"buildkit\"")

    tags: list[str] = []
    raw_tags = table.get("tags", [])
    if not isinstance(raw_tags, list) or not all(isinstance(t, str) for t in raw_tags):
        problem("'tags' must be a list of strings")
    else:
        for tag in raw_tags:
            message = check_tag(tag)
            if message:
                problem(f"tags: {message}")
            elif tag not in tags:
                tags.append(tag)

    container = string("container") or name
    taskdef_text = string("task-definition")
    taskdef_path = (root / taskdef_text).resolve() if taskdef_text else None
    if taskdef_path is not None:
        taskdef: TaskDefinitionFile | None = None
        try:
            taskdef = load_task_definition(taskdef_path)
        except TaskDefinitionError as error:
            problem(str(error).replace(str(taskdef_path), _relative(taskdef_path, root)))
        if taskdef is not None:
            names = taskdef.container_names()
            if container not in names:
                how = (
                    f"'container' is {container!r}"
                    if "container" in table
                    else (f"'container' defaults to the service name {container!r}")
                )
                listed = ", ".join(repr(n) for n in names) or "none"
                problem(
                    f"{_relative(taskdef_path, root)} has no container named {container!r} ({how}; its "
                    f"containers: {listed})"
                )
            if platform is None and not platforms:
                platform = taskdef.runtime_platform()
    elif "container" in table:
        problem("'container' needs 'task-definition'")

    if len(problems) > before or context is None or repository is None:
        return None
    return Service(
        name=name,
        context=context,
        dockerfile=Path(dockerfile).as_posix(),
        repository=repository,
        target=target,
        build_args=tuple(sorted(build_args)),
        platform=platform,
        task_definition=taskdef_path,
        container=container,
        tags=tuple(tags),
        platforms=tuple(platforms),
        secrets=tuple(secrets),
        ssh=tuple(ssh),
        network=network,
        cache_from=tuple(cache_from),
        cache_to=tuple(cache_to),
        builder=builder,
    )


def load_services(config: Config, selected: tuple[str, ...] = ()) -> list[Service]:
    """The services to build (all, or `selected` in manifest order), or `ManifestError` with every
    problem of the manifest."""
    source = str(config.path) if config.path else "config"
    if not config.services:
        where = (
            f"{config.path}" if config.path else "no config file found (.taskdeflint.toml or pyproject.toml)"
        )
        raise ManifestError([f"{where}: no services to build; add a [services.NAME] table per image"])
    problems: list[str] = []
    services = [_service(name, table, config, problems) for name, table in config.services.items()]
    for name in selected:
        if name not in config.services:
            close = difflib.get_close_matches(name, list(config.services), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(f"unknown service {name!r} ({hint}services: {', '.join(config.services)})")
    if problems:
        raise ManifestError([f"{source}: {p}" for p in problems])
    chosen = [s for s in services if s is not None and (not selected or s.name in selected)]
    return chosen
