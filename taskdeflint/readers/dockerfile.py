"""What the Dockerfiles of the services manifest say, for the Dockerfile cross-checks (TDL55x).

When `taskdeflint lint` lints a task definition that a service of the config's services manifest names
(`[services.NAME] task-definition = ...`), that service's Dockerfile is read here and its facts are
attached to the task definition (`TaskDef.dockerfiles`, by container name), so that checks can compare
the two: EXPOSE with portMappings, HEALTHCHECK with healthCheck, USER with user, FROM with runtimePlatform.

The facts are about the image the builder makes: the final stage (the service's `target`, else the last
stage), together with the stages it builds FROM inside the same Dockerfile (their EXPOSE, USER and
HEALTHCHECK carry over). What a base image pulled from a registry says is not known here.

Reading is robust and quiet: a service whose table, Dockerfile or target cannot be used is skipped (the
reason goes to `warn`, which `lint -v` prints); `taskdeflint build` is where manifest problems are
reported. `dockerfile_parse` is imported only when a linted file is named by a service.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskdeflint.config import Config

MAX_DOCKERFILE_BYTES = 4 * 1024 * 1024
# A value that grows past this while variables are replaced (`ENV A=$A$A`, over and over) is not read.
MAX_VALUE_CHARS = 64 * 1024
ROOT_USERS = frozenset({"root", "0"})


@dataclass(frozen=True, slots=True)
class ExposedPort:
    """One port or range of an EXPOSE instruction (`8080`, `53/udp`, `8000-8010/tcp`)."""

    first: int
    last: int
    protocol: str  # "tcp", "udp" or "sctp", lower-case
    line: int

    def covers(self, port: int, protocol: str) -> bool:
        return self.protocol == protocol and self.first <= port <= self.last

    @property
    def text(self) -> str:
        """`8080`, `53/udp`, `8000-8010`: the port as a message says it (tcp is the default)."""
        ports = str(self.first) if self.first == self.last else f"{self.first}-{self.last}"
        return ports if self.protocol == "tcp" else f"{ports}/{self.protocol}"


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """The HEALTHCHECK that takes effect (the last one of the final stage chain)."""

    line: int
    none: bool  # HEALTHCHECK NONE: turns off a base image's check
    command: str  # as written after CMD; empty for NONE


@dataclass(frozen=True, slots=True)
class User:
    """The USER that takes effect in the final stage chain."""

    line: int
    written: str
    user: str | None  # the user part of user[:group], variables resolved; None when one cannot be

    @property
    def root(self) -> bool:
        return self.user in ROOT_USERS


@dataclass(frozen=True, slots=True)
class BaseImage:
    """One FROM instruction."""

    line: int
    written: str  # the image as written: `python:3.12`, `${BASE}`, a stage name
    image: str | None  # with variables resolved; None when an ARG has no value
    args: tuple[tuple[str, str], ...]  # the ARGs used to resolve it, with their values
    platform_written: str | None  # the --platform flag as written
    platform: str | None  # resolved (`linux/arm64`); None when absent or not resolvable
    stage: str | None  # the name after AS
    parent: int | None  # index of the earlier stage it builds on, None for an image

    @property
    def scratch(self) -> bool:
        return self.parent is None and (self.image or self.written).lower() == "scratch"

    @property
    def external(self) -> bool:
        """A FROM of an image from a registry (not `scratch`, not an earlier stage)."""
        return self.parent is None and not self.scratch


@dataclass(frozen=True, slots=True)
class DockerfileFacts:
    """What the image of one service is built from, for the container the service names."""

    path: str  # the Dockerfile, shown relative to the config's folder
    service: str
    config: str  # the config file that holds the manifest, shown relative to its folder
    target: str | None
    exposed: tuple[ExposedPort, ...]
    exposed_known: bool  # False when an EXPOSE of the chain could not be read (a variable without value)
    healthcheck: HealthCheck | None
    user: User | None
    bases: tuple[BaseImage, ...]  # the FROMs of every stage the build uses, in file order
    root: BaseImage  # the FROM at the top of the final stage chain: the image it starts from
    image_platform: tuple[str, int] | None  # a fixed --platform of the final chain, and its line
    platform: str | None  # the service's `platform` key
    builder: str | None = None  # the service's `builder` key ("buildkit", "legacy")
    buildkit_features: tuple[tuple[int, str], ...] = ()  # (line, what) of what needs BuildKit

    def at(self, line: int) -> str:
        return f"{self.path}:{line}"


# --- variables -------------------------------------------------------------------------------------------

_VARIABLE = re.compile(
    r"\\\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^}]*))?\}"
    r"|\$(?P<plain>[A-Za-z_][A-Za-z0-9_]*)|(?P<unknown>\$\{)"
)


def expand(text: str, env: Mapping[str, str], used: list[tuple[str, str]] | None = None) -> str | None:
    """`$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME:+word}` (and `-`, `+`) replaced from `env`; None when
    a variable that has no value is needed. `used` collects the names and values that were read."""
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        if match.group(0) == "\\$":
            return "$"
        if match.group("unknown"):  # a form not handled here (`${NAME:?message}`) or not closed
            missing = True
            return ""
        name = match.group("braced") or match.group("plain")
        value = env.get(name)
        op = match.group("op")
        if value is not None and used is not None and (name, value) not in used:
            used.append((name, value))
        if op is None:
            if value is None:
                missing = True
                return ""
            return value
        word = expand(match.group("word") or "", env, used)
        if word is None:
            missing = True
            return ""
        if op == ":-":
            return value if value else word
        if op == "-":
            return value if value is not None else word
        if op == ":+":
            return word if value else ""
        return word if value is not None else ""  # "+"

    result = _VARIABLE.sub(replace, text)
    return None if missing or len(result) > MAX_VALUE_CHARS else result


def _words(value: str) -> list[str]:
    """Words of an instruction, quotes removed (ENV, ARG)."""
    from dockerfile_parse.util import WordSplitter  # type: ignore[import-untyped]

    return [str(word) for word in WordSplitter(value).split()]


# --- parsing ---------------------------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$")
_HEREDOC = re.compile(r"(?<!<)<<(?!<)(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_PORT = re.compile(r"^([0-9]{1,5})(?:-([0-9]{1,5}))?(?:/([A-Za-z]+))?$")
_HEALTHCHECK = re.compile(r"^\s*(?:--\S+\s+)*(CMD|NONE)\b(.*)$", re.IGNORECASE | re.DOTALL)


def _blank_heredocs(text: str) -> str:
    """The text with the bodies of heredocs (`RUN <<EOF ... EOF`) blanked, keeping line numbers, so that
    their lines are not read as instructions (dockerfile-parse does not know heredocs)."""
    lines = text.splitlines(keepends=True)
    escape = "\\"
    for line in lines:
        directive = _DIRECTIVE.match(line)
        if directive is None:
            break
        if directive.group(1).lower() == "escape" and directive.group(2) in ("\\", "`"):
            escape = directive.group(2)
    out: list[str] = []
    pending: list[tuple[str, bool]] = []
    continuing = False
    keyword = ""
    for line in lines:
        if pending:
            word, strip_tabs = pending[0]
            body = line.rstrip("\r\n")
            if (body.lstrip("\t") if strip_tabs else body) == word:
                pending.pop(0)
            out.append("\n")
            continue
        stripped = line.strip()
        if stripped.startswith("#"):
            out.append(line)
            continue
        if not continuing:
            keyword = stripped.split(None, 1)[0].upper() if stripped else ""
        continuing = stripped.endswith(escape)
        if keyword in ("RUN", "COPY", "ADD") and not continuing:
            pending = [(m.group(3), m.group(1) == "-") for m in _HEREDOC.finditer(line)]
        out.append(line)
    return "".join(out)


@dataclass(slots=True)
class _Stage:
    base: BaseImage
    name: str | None  # lower-case
    env: dict[str, str]
    exposed: list[ExposedPort]
    exposed_known: bool = True
    healthcheck: HealthCheck | None = None
    user: User | None = None
    depends: set[int] | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    """A Dockerfile read for one target: the final stage chain's facts."""

    exposed: tuple[ExposedPort, ...]
    exposed_known: bool
    healthcheck: HealthCheck | None
    user: User | None
    bases: tuple[BaseImage, ...]
    root: BaseImage
    image_platform: tuple[str, int] | None


def _instructions(text: str) -> list[tuple[str, str, int]]:
    """(instruction, value, 1-based line) of each instruction, comments left out."""
    from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]

    # A file object, never a path: the parser writes to its path when its content is set.
    parser = DockerfileParser(fileobj=io.BytesIO(_blank_heredocs(text).encode("utf-8")), env_replace=False)
    found = []
    for item in parser.structure:
        instruction = str(item.get("instruction") or "").upper()
        if instruction and instruction != "COMMENT":
            found.append((instruction, str(item.get("value") or ""), int(item.get("startline", 0)) + 1))
    return found


def _flags(words: list[str]) -> tuple[dict[str, str], list[str]]:
    """Leading `--name=value` flags of an instruction, and the words after them."""
    flags: dict[str, str] = {}
    index = 0
    while index < len(words) and words[index].startswith("--"):
        name, _, value = words[index][2:].partition("=")
        flags.setdefault(name.lower(), value)
        index += 1
    return flags, words[index:]


# Instruction flags that only BuildKit knows (the legacy builder stops at them).
_BUILDKIT_FLAGS = {
    "RUN": ("mount", "network", "security"),
    "COPY": ("link", "chmod", "parents", "exclude"),
    "ADD": ("link", "chmod", "checksum", "keep-git-dir", "parents", "exclude"),
}


def buildkit_features(text: str) -> list[tuple[int, str]]:
    """(line, what) of each thing in a Dockerfile that only BuildKit builds: BuildKit-only flags
    (`RUN --mount`, `COPY --link`, ...) and heredocs (`RUN <<EOF`). A `# syntax=` directive is not one: the
    legacy builder reads it as a comment and builds the rest."""
    found: list[tuple[int, str]] = []
    for instruction, value, start in _instructions(text):
        flags, _ = _flags(value.split())
        for flag in _BUILDKIT_FLAGS.get(instruction, ()):
            if flag in flags:
                found.append((start, f"{instruction} --{flag}"))
        if instruction in _BUILDKIT_FLAGS and _HEREDOC.search(value.split("\n", 1)[0]):
            found.append((start, f"a heredoc ({instruction} <<)"))
    return found


def _arg_pairs(value: str) -> Iterator[tuple[str, str | None]]:
    for word in _words(value):
        name, equals, default = word.partition("=")
        if name:
            yield name, default if equals else None


def _env_pairs(value: str) -> Iterator[tuple[str, str]]:
    words = _words(value)
    if words and "=" not in words[0]:
        # The legacy form `ENV NAME value with spaces`.
        yield words[0], value.strip()[len(words[0]) :].strip()
        return
    for word in words:
        name, equals, setting = word.partition("=")
        if name and equals:
            yield name, setting


def parse(
    text: str, *, target: str | None = None, build_args: Mapping[str, str] | None = None
) -> Parsed | str:
    """The facts of a Dockerfile's final stage chain (`target`'s, else the last stage's), or why it cannot
    be read."""
    build_args = dict(build_args or {})
    global_args: dict[str, str] = {}
    stages: list[_Stage] = []
    for instruction, value, line in _instructions(text):
        if instruction == "FROM":
            stages.append(_from_stage(value, line, stages, global_args))
            continue
        if not stages:
            if instruction == "ARG":
                for name, default in _arg_pairs(value):
                    setting = build_args.get(name, default)
                    if setting is None:
                        global_args.pop(name, None)
                    else:
                        global_args[name] = setting
            continue  # anything else before the first FROM is a build error, not ours to report
        _stage_instruction(stages[-1], instruction, value, line, stages, build_args, global_args)
    if not stages:
        return "it has no FROM instruction"
    final = len(stages) - 1
    if target is not None:
        names = [stage.name for stage in stages]
        if target.lower() not in names:
            return f"target {target!r} is not one of its stages"
        final = names.index(target.lower())
    chain = [final]
    while (parent := stages[chain[-1]].base.parent) is not None and parent not in chain:
        chain.append(parent)
    chain.reverse()  # from the image at the top down to the final stage
    exposed: list[ExposedPort] = []
    known = True
    healthcheck = user = None
    image_platform = None
    for index in chain:
        stage = stages[index]
        exposed += [p for p in stage.exposed if p not in exposed]
        known = known and stage.exposed_known
        healthcheck = stage.healthcheck or healthcheck
        user = stage.user or user
        if stage.base.platform_written is not None:
            # The nearest --platform to the final stage fixes the platform of what it builds on.
            base = stage.base
            image_platform = (base.platform, base.line) if base.platform else None
    return Parsed(
        exposed=tuple(exposed),
        exposed_known=known,
        healthcheck=healthcheck,
        user=user,
        bases=tuple(stages[i].base for i in sorted(_used_stages(stages, final))),
        root=stages[chain[0]].base,
        image_platform=image_platform,
    )


def _from_stage(value: str, line: int, stages: list[_Stage], global_args: dict[str, str]) -> _Stage:
    flags, words = _flags(value.split())
    written = words[0] if words else ""
    name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
    used: list[tuple[str, str]] = []
    image = expand(written, global_args, used) if written else None
    parent = None
    if image is not None:
        earlier = [stage.name for stage in stages]
        if image.lower() in earlier:
            parent = earlier.index(image.lower())
    platform_written = flags.get("platform")
    platform = expand(platform_written, global_args) if platform_written is not None else None
    base = BaseImage(
        line=line,
        written=written,
        image=image or None,
        args=tuple(used),
        platform_written=platform_written,
        platform=platform.lower() if platform else None,
        stage=name,
        parent=parent,
    )
    env: dict[str, str] = {}
    if parent is not None:
        env = dict(stages[parent].env)  # ENV (and ARG values) carry over to stages built FROM a stage
    return _Stage(base=base, name=name, env=env, exposed=[], depends=set() if parent is None else {parent})


def _stage_instruction(
    stage: _Stage,
    instruction: str,
    value: str,
    line: int,
    stages: list[_Stage],
    build_args: Mapping[str, str],
    global_args: Mapping[str, str],
) -> None:
    env = stage.env
    if instruction == "ARG":
        for name, default in _arg_pairs(value):
            setting = build_args.get(name)
            if setting is None:
                setting = global_args.get(name) if default is None else expand(default, env)
            if setting is None:
                env.pop(name, None)
            else:
                env[name] = setting
    elif instruction == "ENV":
        for name, setting in _env_pairs(value):
            resolved = expand(setting, env)
            if resolved is None:
                env.pop(name, None)
            else:
                env[name] = resolved
    elif instruction == "EXPOSE":
        for word in value.split():
            resolved = expand(word, env)
            match = _PORT.match(resolved) if resolved is not None else None
            if match is None:
                stage.exposed_known = False
                continue
            first = int(match.group(1))
            last = int(match.group(2) or first)
            if not 0 < first <= last <= 65535:
                stage.exposed_known = False
                continue
            stage.exposed.append(ExposedPort(first, last, (match.group(3) or "tcp").lower(), line))
    elif instruction == "USER":
        written = value.strip()
        resolved = expand(written, env)
        user = resolved.split(":", 1)[0].strip() if resolved is not None else None
        stage.user = User(line, written, user or None)
    elif instruction == "HEALTHCHECK":
        match = _HEALTHCHECK.match(value)
        if match is not None:
            none = match.group(1).upper() == "NONE"
            stage.healthcheck = HealthCheck(line, none, "" if none else match.group(2).strip())
    elif instruction in ("COPY", "ADD", "RUN"):
        assert stage.depends is not None
        flags, _ = _flags(value.split())
        sources = [flags["from"]] if "from" in flags else []
        if instruction == "RUN" and "mount" in flags:
            for part in flags["mount"].split(","):
                key, _, setting = part.partition("=")
                if key.strip().lower() == "from":
                    sources.append(setting)
        for source in sources:
            stage.depends.update(_stage_index(source, stages))


def _stage_index(reference: str, stages: list[_Stage]) -> Iterator[int]:
    """The earlier stage a `--from` names (by name or number); nothing for an image."""
    current = len(stages) - 1
    if reference.isascii() and reference.isdigit() and len(reference) <= 10 and int(reference) < current:
        yield int(reference)
        return
    for index, stage in enumerate(stages[:current]):
        if stage.name == reference.lower():
            yield index
            return


def _used_stages(stages: list[_Stage], final: int) -> set[int]:
    """The stages the build of `final` runs: it and every stage it builds FROM or copies or mounts from."""
    seen: set[int] = set()
    todo = [final]
    while todo:
        index = todo.pop()
        if index in seen:
            continue
        seen.add(index)
        todo.extend(stages[index].depends or ())
    return seen


# --- the services manifest --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceRef:
    """What the Dockerfile checks need of one `[services.NAME]` table."""

    name: str
    dockerfile: Path  # absolute
    task_definition: Path  # absolute, resolved
    container: str
    target: str | None
    platform: str | None
    build_args: tuple[tuple[str, str], ...]
    builder: str | None = None


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()


def service_refs(config: Config) -> Iterator[ServiceRef | tuple[str, str]]:
    """Each service that names a task definition, or (service, why it cannot be used). Cheap: no file is
    read. Tables without `task-definition` have nothing to check and are passed over."""
    root = config.root
    for name, table in config.services.items():
        if not isinstance(table, dict) or "task-definition" not in table:
            continue

        def text(key: str, table: dict[str, object] = table) -> str | None:
            value = table.get(key)
            return value if isinstance(value, str) and value.strip() else None

        taskdef = text("task-definition")
        context = text("context")
        if taskdef is None or context is None:
            yield name, "'context' and 'task-definition' must be non-empty strings"
            continue
        raw_args = table.get("build-args", {})
        args = (
            tuple((str(k), str(v)) for k, v in raw_args.items() if isinstance(v, str | int | float))
            if isinstance(raw_args, dict)
            else ()
        )
        try:
            taskdef_path = (root / taskdef).resolve()
            dockerfile = (root / context / (text("dockerfile") or "Dockerfile")).resolve()
        except (OSError, RuntimeError, ValueError) as error:
            yield name, f"cannot resolve its paths: {error}"
            continue
        yield ServiceRef(
            name=name,
            dockerfile=dockerfile,
            task_definition=taskdef_path,
            container=text("container") or name,
            target=text("target"),
            platform=text("platform"),
            build_args=args,
            builder=text("builder"),
        )


def read_facts(service: ServiceRef, config: Config) -> DockerfileFacts | str:
    """The facts of one service's Dockerfile, or why it cannot be read."""
    shown = _shown(service.dockerfile, config.root)
    try:
        with service.dockerfile.open("rb") as handle:
            data = handle.read(MAX_DOCKERFILE_BYTES + 1)
    except FileNotFoundError:
        return f"{shown} does not exist"
    except OSError as error:
        return f"cannot read {shown}: {error.strerror or error}"
    if len(data) > MAX_DOCKERFILE_BYTES:
        return f"{shown} is larger than {MAX_DOCKERFILE_BYTES // (1024 * 1024)} MiB"
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    try:
        parsed = parse(text, target=service.target, build_args=dict(service.build_args))
    except Exception as error:  # a parser bug must not stop linting
        return f"cannot parse {shown}: {error}"
    if isinstance(parsed, str):
        return f"{shown}: {parsed}"
    config_shown = config.path.name if config.path is not None else ".taskdeflint.toml"
    return DockerfileFacts(
        path=shown,
        service=service.name,
        config=config_shown,
        target=service.target,
        exposed=parsed.exposed,
        exposed_known=parsed.exposed_known,
        healthcheck=parsed.healthcheck,
        user=parsed.user,
        bases=parsed.bases,
        root=parsed.root,
        image_platform=parsed.image_platform,
        platform=service.platform,
        builder=service.builder,
        buildkit_features=tuple(buildkit_features(text)) if service.builder == "legacy" else (),
    )


def services_of(
    config: Config, paths: Iterable[Path], warn: Callable[[str], None] | None = None
) -> dict[Path, list[ServiceRef]]:
    """For each of `paths` (files about to be linted) that a service of the manifest names as its task
    definition, those services. Keys are the given path objects; services that cannot be used are passed
    over, with a word to `warn`."""
    refs: dict[Path, list[ServiceRef]] = {}
    for ref in service_refs(config):
        if isinstance(ref, tuple):
            if warn is not None:
                warn(f"services.{ref[0]}: Dockerfile checks skipped: {ref[1]}")
            continue
        refs.setdefault(ref.task_definition, []).append(ref)
    wanted: dict[Path, list[ServiceRef]] = {}
    if not refs:
        return wanted
    for path in paths:
        try:
            services = refs.get(path.resolve())
        except (OSError, RuntimeError):
            continue
        if services:
            wanted[path] = services
    return wanted


def facts_for(
    config: Config, wanted: dict[Path, list[ServiceRef]], warn: Callable[[str], None] | None = None
) -> dict[Path, dict[str, DockerfileFacts]]:
    """For each file of `wanted` (see `services_of`), the facts of its services' Dockerfiles by container
    name."""
    if not wanted:
        return {}
    try:
        import dockerfile_parse  # noqa: F401
    except ImportError:
        if warn is not None:
            warn("Dockerfile checks skipped: they need dockerfile-parse (pip install 'taskdeflint[build]')")
        return {}
    found: dict[Path, dict[str, DockerfileFacts]] = {}
    read: dict[ServiceRef, DockerfileFacts | str] = {}
    problems: list[str] = []
    for path, services in wanted.items():
        facts: dict[str, DockerfileFacts] = {}
        for service in services:
            if service not in read:
                read[service] = read_facts(service, config)
            result = read[service]
            if isinstance(result, str):
                problems.append(f"services.{service.name}: Dockerfile checks skipped: {result}")
            else:
                facts.setdefault(service.container, result)
        if facts:
            found[path] = facts
    if warn is not None:
        for message in dict.fromkeys(problems):
            warn(message)
    return found
