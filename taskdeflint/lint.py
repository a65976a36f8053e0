"""`taskdeflint lint`: settings in, exit code out. The CLI only parses options into `LintSettings`."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from taskdeflint import baseline as baseline_file
from taskdeflint.atomic import write_text
from taskdeflint.config import Config, ConfigError, discover, glob_match
from taskdeflint.engine.catalogue import Catalogue, CatalogueError, load_catalogue, python_rules_refused
from taskdeflint.engine.links import Links
from taskdeflint.engine.linter import FileResult, Linter, Policy
from taskdeflint.engine.userrules import DEFAULT_TIMEOUT, check_user_rules
from taskdeflint.findings import Finding, Severity
from taskdeflint.readers import files
from taskdeflint.readers.base import MAX_BYTES

if TYPE_CHECKING:
    from taskdeflint.readers.dockerfile import DockerfileFacts

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# As a shell reports a process ended by SIGINT or SIGTERM: 128 + the signal's number.
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143
UNUSED_SUPPRESSION = "TDL901"


@dataclass(frozen=True, slots=True)
class LintSettings:
    paths: tuple[str, ...] = ()
    format: str = "text"
    output: Path | None = None
    fail_on: str | None = None
    show: str | None = None
    allow_empty: bool = False
    pre_commit: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    config: Path | None = None
    rules_dirs: tuple[Path, ...] = ()
    baseline: Path | None = None
    write_baseline: Path | None = None
    quiet: bool = False
    verbose: bool = False
    color: str = "auto"
    jobs: int | None = None
    no_python_rules: bool = False
    cwd: Path = field(default_factory=Path.cwd)


class UsageError(Exception):
    pass


def display_threshold(show: str | None, fail_on: str) -> Severity:
    """The lowest severity shown: `show` (default: warning), lowered to `fail_on`, since a finding that
    fails the run is always shown."""
    threshold = Severity.parse(show or "warning")
    if fail_on != "never":
        threshold = min(threshold, Severity.parse(fail_on))
    return threshold


def _policy(settings: LintSettings, config: Config) -> Policy:
    """The merged policy. Its globs stay as the config wrote them, relative to the config's folder; each
    file is matched by its path relative to that folder (see `_relative_path`)."""
    select = settings.select or config.select or ("ALL",)
    return Policy(
        select=select,
        ignore=config.ignore + settings.ignore,
        severity=config.severity,
        per_file_ignores=config.per_file_ignores,
        suppressions=config.suppressions,
        max_bytes=config.max_file_size or MAX_BYTES,
        rule_timeout=DEFAULT_TIMEOUT if config.rule_timeout is None else config.rule_timeout,
        placeholders=config.placeholder_patterns if config.placeholders else None,
    )


def _relative_path(display: str, cwd: Path, folder: Path) -> str:
    """A shown path (relative to the working folder, or absolute) made relative to `folder`.

    Findings show paths relative to the working folder, but the config's globs are relative to the
    config's folder and a baseline's paths to the baseline's folder, which may lie above it.
    """
    if display == "<stdin>":
        return display
    absolute = Path(os.path.normpath(cwd.resolve() / display))
    try:
        return absolute.relative_to(folder.resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(absolute, folder.resolve())).as_posix()


def _check_prefixes(catalogue: Catalogue, config: Config, settings: LintSettings) -> None:
    """A rule prefix that names no rule is an error, not a silent no-op (`--select TDL02` that should have
    been `TDL002` would otherwise pass every file)."""
    ids = [rule.id for rule in catalogue.rules]
    choices: list[tuple[str, tuple[str, ...]]] = [
        ("--select", settings.select),
        ("--ignore", settings.ignore),
        (f"{config.path}: select", config.select),
        (f"{config.path}: ignore", config.ignore),
    ]
    choices += [(f"{config.path}: per-file-ignores", p) for _, p in config.per_file_ignores]
    for option, prefixes in choices:
        for prefix in prefixes:
            if prefix != "ALL" and not any(rule_id.startswith(prefix) for rule_id in ids):
                raise UsageError(
                    f"{option}: {prefix!r} matches no rule id (ids look like TDL003; `taskdeflint rules` "
                    "lists them)"
                )


def _cannot_write(path: Path, error: OSError) -> str:
    if (
        isinstance(error, FileExistsError | NotADirectoryError)
        and error.filename
        and Path(error.filename).is_file()
    ):
        return f"{path}: cannot write: {error.filename} is a file, not a folder"
    detail = error.strerror or str(error)
    if error.filename and Path(error.filename).name != path.name:
        detail += f" ({error.filename})"
    return f"{path}: cannot write: {detail}"


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _unused_suppressions(
    config: Config, results: list[FileResult], cwd: Path, policy: Policy, catalogue: Catalogue
) -> list[Finding]:
    """Suppressions whose files were linted and that silenced nothing (like ruff's RUF100).

    A suppression of a rule that did not run (not selected, or ignored) cannot be judged.
    """
    if config.path is None or not config.suppressions:
        return []
    rule = catalogue.get(UNUSED_SUPPRESSION)
    used = set().union(*(r.used_suppressions for r in results)) if results else set()
    shown = files.display_path(config.path.resolve(), cwd.resolve())
    found = []
    for s in config.suppressions:
        if s.index in used or not policy.selected(s.rule):
            continue
        message = "matched no finding; remove it"
        if not any(s.files is None or glob_match(r.match_path, s.files) for r in results):
            # Its files were not linted in this run (pre-commit names only the changed files): it can be
            # judged only when its glob matches no file at all (a typo, or a file since removed).
            if s.files is None or files.any_match(config.root, s.files):
                continue
            message = f'has files = "{s.files}", which matches no file; fix or remove it'
        target = f' for pointer "{s.pointer}"' if s.pointer else ""
        target += f' for container "{s.container}"' if s.container else ""
        found.append(
            Finding(
                path=shown,
                line=s.line,
                column=1,
                rule=UNUSED_SUPPRESSION,
                end_line=s.line,
                end_column=1,
                name=rule.name if rule else "unused-suppression",
                severity=policy.severity.get(UNUSED_SUPPRESSION)
                or (rule.severity if rule else Severity.WARNING),
                message=f"Suppression of {s.rule}{target} {message}",
                pointer=f"/suppress/{s.index}",
            )
        )
    return found


# What each file needs, set before linting starts; worker processes inherit it when they fork.
_WORKER: tuple[Linter, int, Path, Path] | None = None
# What the services' Dockerfiles say, for the files the services manifest names (by `Source.path`).
_DOCKERFILES: dict[Path, dict[str, DockerfileFacts]] = {}
# The containers whose images `taskdeflint build` renders, for the files the services manifest names.
_BUILT: dict[Path, frozenset[str]] = {}
# Below this many files, starting worker processes costs more than it saves.
PARALLEL_MIN_FILES = 64


def _lint_source(source: files.Source, data: bytes | None = None) -> FileResult | files.ReadError | None:
    """One file's result; `data` is its bytes when they are read already."""
    assert _WORKER is not None
    linter, max_bytes, cwd, root = _WORKER
    if data is None:
        read = files.read(source, max_bytes)
        if read is None or isinstance(read, files.ReadError):
            return read
        data = read
    match_path = _relative_path(source.display, cwd, root)
    dockerfiles = _DOCKERFILES.get(source.path) if _DOCKERFILES and source.path is not None else None
    built = _BUILT.get(source.path, ()) if _BUILT and source.path is not None else ()
    try:
        return linter.lint(
            source.display,
            data,
            explicit=source.explicit,
            match_path=match_path,
            dockerfiles=dockerfiles,
            rule_failures=True,
            built=built,
            location=source.path,
        )
    except Exception as error:  # a bug in a rule must not stop the other files from being linted
        return files.ReadError(source.display, internal_error(error))


def _say(stderr: TextIO, text: str) -> None:
    """One line on stderr. File names in it may hold line breaks or escape sequences: they are escaped as
    the report formats escape them, so that no name can forge a line (a GitHub workflow command, say)."""
    from taskdeflint.formats import escape_controls

    print(f"taskdeflint: {escape_controls(text)}", file=stderr)


def internal_error(error: BaseException) -> str:
    """One line for an exception that is a bug in taskdeflint: its type and where it was raised. Not its
    message, which may quote a value of the file (a secret, even), and not the traceback."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return (
        f"internal error while linting ({type(error).__name__}{where}); the file was not linted: "
        "please report this bug"
    )


def _not_linted(source: files.Source, why: str) -> files.ReadError:
    return files.ReadError(source.display, f"not linted: {why}")


def _lint_all(sources: list[files.Source], jobs: int | None) -> Iterator[FileResult | files.ReadError | None]:
    """Results in the order of `sources`, from `jobs` processes (default: one per core) for many files;
    never more processes than files. A file whose worker process dies is reported as not linted."""
    if len(sources) < PARALLEL_MIN_FILES or any(source.path is None for source in sources):
        # Few files, or stdin (which only this process can read): no workers, and no import of
        # multiprocessing, which would cost a one-file lint a tenth of its time.
        yield from map(_lint_source, sources)
        return
    from taskdeflint import workers

    jobs = min(jobs or workers.cpu_count(), len(sources))
    if jobs < 2 or not workers.available():
        yield from map(_lint_source, sources)
        return
    # A large file is linted here, one at a time, while the workers lint the others: `--jobs 8` on a
    # folder of large files would otherwise need eight times the memory of the largest.
    heavy = [_is_heavy(source) for source in sources]
    light = [source for source, is_heavy in zip(sources, heavy, strict=True) if not is_heavy]
    if len(light) < 2:
        yield from map(_lint_source, sources)
        return
    results = iter(workers.Pool(_lint_source, light, min(jobs, len(light)), _not_linted))
    try:
        for source, is_heavy in zip(sources, heavy, strict=True):
            yield _lint_source(source) if is_heavy else next(results)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()


# Files larger than this are linted one at a time (see `_lint_all`).
HEAVY_BYTES = 1024 * 1024


def _is_heavy(source: files.Source) -> bool:
    try:
        return source.path is not None and source.path.stat().st_size > HEAVY_BYTES
    except OSError:
        return False


def _families(done: list[tuple[files.Source, FileResult | files.ReadError | None]]) -> dict[str, list[Path]]:
    """For each family of the task definitions linted, the files that hold it."""
    families: dict[str, list[Path]] = {}
    for source, result in done:
        if isinstance(result, FileResult) and source.path is not None:
            for family in dict.fromkeys(result.families):
                families.setdefault(family, []).append(source.path)
    return families


def _second_pass(
    linter: Linter,
    done: list[tuple[files.Source, FileResult | files.ReadError | None]],
    repository: _Repository | None = None,
) -> list[tuple[files.Source, FileResult | files.ReadError | None]]:
    """Lint again, now that every file is read, the files whose services name a task definition by
    family or ARN: the run's task definitions are looked up by family among the files that have it, and
    (for pre-commit) a family the run lacks among the repository's files."""
    if not any(isinstance(result, FileResult) and result.pending for _, result in done):
        return done
    families = _families(done)
    linter.links = Links(
        linter.read_taskdefs, families, search=repository.taskdef_files if repository is not None else None
    )
    try:
        return [
            (source, _lint_source(source, result.data))
            if isinstance(result, FileResult) and result.pending
            else (source, result)
            for source, result in done
        ]
    finally:
        linter.links = None


class _Repository:
    """The repository's JSON and YAML files below the config's folder (without its `exclude`), found once
    and only when asked: pre-commit passes only the files of the commit, and what they hold is tied to
    files it does not pass (a service to its task definition, a task definition to its services)."""

    def __init__(self, config: Config, settings: LintSettings, max_bytes: int) -> None:
        self.config = config
        self.settings = settings
        self.max_bytes = max_bytes
        self._sources: list[files.Source] | None = None
        self._taskdefs: dict[Path, bytes] | None = None

    def sources(self) -> list[files.Source]:
        if self._sources is None:
            root = os.path.relpath(self.config.root, self.settings.cwd.resolve())
            self._sources, _ = files.expand([root], self.settings.cwd, self.config.exclude, self.config.root)
        return self._sources

    def read(self, source: files.Source) -> bytes | None:
        data = files.read(source, self.max_bytes)
        return data if isinstance(data, bytes) else None

    def taskdef_files(self, family: str) -> list[Path]:
        """The files that may hold a task definition of `family` (the caller reads them to be sure)."""
        if self._taskdefs is None:
            self._taskdefs = {}
            for source in self.sources():
                data = self.read(source)
                if source.path is not None and data is not None and _taskdef_marked(data):
                    self._taskdefs[source.path] = data
        needle = family.encode()
        return [path for path, data in self._taskdefs.items() if needle in data]


def _taskdef_marked(data: bytes) -> bool:
    return any(
        marker in data
        for marker in (b"containerDefinitions", b"AWS::ECS::TaskDefinition", b"aws_ecs_task_definition")
    )


def _service_marked(data: bytes) -> bool:
    from taskdeflint.readers.services import has_marker

    return has_marker(data) or any(
        marker in data for marker in (b"serviceName", b"AWS::ECS::Service", b"aws_ecs_service")
    )


def _services_of_changed(
    linter: Linter,
    done: list[tuple[files.Source, FileResult | files.ReadError | None]],
    repository: _Repository,
) -> list[tuple[files.Source, FileResult | files.ReadError | None]]:
    """pre-commit names only the files of the commit, but a task definition's change (a container
    renamed, a port or network mode changed) breaks the services that run it, which usually live in
    other files. So the repository's services that run a task definition of the commit (by family, or
    through the ecspresso config beside it) are checked against it too, and what the change brings is
    reported at the service: the findings the service has with these task definitions and not without
    them. The service's own findings that need no task definition are left to the commits that change it.
    """
    changed = _families(done)
    linted = {os.path.realpath(source.path) for source, _ in done if source.path is not None}
    if not changed:
        return []
    paths = frozenset(p.resolve() for found in changed.values() for p in found)
    folders = {p.parent for p in paths}
    needles = [family.encode() for family in changed]
    found: list[tuple[files.Source, FileResult | files.ReadError | None]] = []
    for source in repository.sources():
        if source.path is None or os.path.realpath(source.path) in linted:
            continue
        data = repository.read(source)
        if data is None or not _service_marked(data):
            continue
        if not (any(needle in data for needle in needles) or source.path.parent.resolve() in folders):
            continue
        linter.links = Links(linter.read_taskdefs, {}, ecspresso=False)
        before = _lint_source(source, data)
        linter.links = Links(linter.read_taskdefs, changed, only=paths)
        after = _lint_source(source, data)
        linter.links = None
        if not isinstance(before, FileResult) or not isinstance(after, FileResult):
            continue
        had = {(f.rule, f.line, f.column, f.message) for f in before.findings}
        new = [f for f in after.findings if (f.rule, f.line, f.column, f.message) not in had]
        if new:
            after.findings = new
            found.append((source, after))
    return found


def _manifest_facts(
    config: Config, sources: list[files.Source], stderr: TextIO | None
) -> tuple[dict[Path, dict[str, DockerfileFacts]], dict[Path, frozenset[str]]]:
    """For the files among `sources` that services of the manifest name as their task definitions (read
    here, once, before any worker starts): what the services' Dockerfiles say, and the containers whose
    image the builder renders (a placeholder there is by design). Services that cannot be used are
    skipped; with -v, saying why."""
    if not config.services:
        return {}, {}
    from taskdeflint.readers.dockerfile import facts_for, services_of

    def warn(message: str) -> None:
        if stderr is not None:
            _say(stderr, message)

    wanted = services_of(config, [s.path for s in sources if s.path is not None], warn)
    built = {path: frozenset(service.container for service in services) for path, services in wanted.items()}
    return facts_for(config, wanted, warn), built


def _empty(yielded: dict[str, bool], config: Config, settings: LintSettings) -> list[files.ReadError]:
    """An error for each path, folder or include glob that gave no task definition to lint."""
    found = []
    hint = "; pass --allow-empty (or set allow-empty in the config) if that is expected"
    for origin, ok in yielded.items():
        if ok:
            continue
        if settings.paths:
            folder = (settings.cwd / origin).is_dir()
            what = "no task definition found in this folder" if folder else "no task definition"
            found.append(files.ReadError(origin, what + hint))
        elif config.include:
            found.append(
                files.ReadError(f"{config.path}: include {origin!r}", "matches no task definition" + hint)
            )
        else:
            found.append(files.ReadError(".", "no task definition found in the working folder" + hint))
    return found


class _Terminated(BaseException):
    """SIGTERM arrived; raised where the run is, so that its workers are stopped on the way out."""


@contextmanager
def _terminable() -> Iterator[None]:
    """SIGTERM raises `_Terminated` for the duration (in the main thread; elsewhere it cannot be set)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(settings: LintSettings, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        with _terminable():
            return _run(settings, stdout, stderr)
    except (ConfigError, CatalogueError, baseline_file.BaselineError, UsageError) as error:
        _say(stderr, f"error: {error}")
        return EXIT_ERROR
    except KeyboardInterrupt:  # the worker processes are stopped by now
        print("taskdeflint: interrupted", file=stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        print("taskdeflint: terminated", file=stderr)
        return EXIT_TERMINATED


def _run(settings: LintSettings, stdout: TextIO, stderr: TextIO) -> int:
    from taskdeflint.formats import Report, renderer

    config = discover(settings.cwd, None if settings.config is None else settings.cwd / settings.config)
    catalogue = load_catalogue(config.rules_dirs + settings.rules_dirs)
    check_user_rules(catalogue, python_rules_refused(settings.no_python_rules))
    for rule_id in config.severity:
        if catalogue.get(rule_id) is None:
            raise ConfigError(f"{config.path}: severity: unknown rule {rule_id}")
    _check_prefixes(catalogue, config, settings)
    policy = _policy(settings, config)
    fail_on = settings.fail_on or config.fail_on or "error"
    known = None
    baseline_path = settings.baseline or config.baseline
    if baseline_path is not None and settings.write_baseline is None:
        known = baseline_file.read(settings.cwd / baseline_path)

    named = not settings.pre_commit  # pre-commit passes every JSON and YAML file: judge each by content
    if settings.paths:
        sources, errors = files.expand(
            list(settings.paths), settings.cwd, config.exclude, config.root, named=named
        )
    elif config.include:
        sources = files.from_globs(config.include, config.root, settings.cwd, config.exclude)
        errors = []
    else:
        sources, errors = files.expand(["."], settings.cwd, config.exclude, config.root)
    missing = [e for e in errors if e.message == "no such file or folder"]
    if missing:
        for error in missing:
            _say(stderr, f"error: {error.display}: {error.message}")
        return EXIT_ERROR

    global _WORKER, _DOCKERFILES, _BUILT
    _WORKER = (Linter(catalogue, policy), policy.max_bytes, settings.cwd, config.root)
    _DOCKERFILES, _BUILT = _manifest_facts(config, sources, stderr if settings.verbose else None)
    results: list[FileResult] = []
    # What each path, folder or include glob gave: a lint that finds nothing to lint is no pass.
    if settings.paths:
        yielded = dict.fromkeys((p for p in settings.paths if p != "-"), False)
    else:
        yielded = dict.fromkeys(config.include or (".",), False)
    repository = _Repository(config, settings, policy.max_bytes) if settings.pre_commit else None
    done = list(zip(sources, _lint_all(sources, settings.jobs), strict=True))
    done = _second_pass(_WORKER[0], done, repository)
    if repository is not None:
        done += _services_of_changed(_WORKER[0], done, repository)
    for source, result in done:
        if isinstance(result, files.ReadError):
            errors.append(result)
            yielded.update(dict.fromkeys(source.origins, True))  # reported already
            continue
        if result is None:
            if settings.verbose:
                _say(stderr, f"skipped {source.display}: not a task definition")
            continue
        # A user's rule that failed on this file: its other findings are reported, the failure too.
        errors.extend(files.ReadError(result.path, message) for message in result.errors)
        if not result.no_task_definition:
            yielded.update(dict.fromkeys(source.origins, True))
        results.append(result)
    linted = len(results)

    unused = _unused_suppressions(config, results, settings.cwd, policy, catalogue)
    if unused and policy.selected(UNUSED_SUPPRESSION):
        results.append(FileResult(unused[0].path, unused))
    results.sort(key=lambda r: r.path)

    if settings.write_baseline is not None:
        folder = (settings.cwd / settings.write_baseline).parent
        found = [f for r in results for f in r.findings]
        try:
            baseline_file.write(
                settings.cwd / settings.write_baseline,
                found,
                lambda p: _relative_path(p, settings.cwd, folder),
            )
        except OSError as failure:
            raise UsageError(_cannot_write(settings.write_baseline, failure)) from None
        count = len(found)
        _say(stderr, f"wrote {count} finding{'' if count == 1 else 's'} to {settings.write_baseline}")
        for error in errors:
            _say(stderr, f"error: {error.display}: {error.message}")
        return EXIT_ERROR if errors else EXIT_OK
    if known is not None and baseline_path is not None:
        folder = (settings.cwd / baseline_path).parent
        for result in results:
            result.findings = baseline_file.filter_new(
                result.findings, known, lambda p: _relative_path(p, settings.cwd, folder)
            )

    if not (settings.allow_empty or config.allow_empty or settings.pre_commit):
        errors += _empty(yielded, config, settings)
    for error in errors:
        _say(stderr, f"error: {error.display}: {error.message}")
    # Every format shows the same findings: those at or above the display threshold.
    threshold = display_threshold(settings.show or config.show, fail_on)
    hidden = 0
    for result in results:
        shown = [f for f in result.findings if f.severity >= threshold]
        hidden += len(result.findings) - len(shown)
        result.findings = shown
    out_stream = stdout if settings.output is None else None
    report = Report(
        results,
        catalogue,
        color=out_stream is not None and settings.format == "text" and _use_color(settings.color, stdout),
        quiet=settings.quiet,
        fail_on=None if fail_on == "never" else Severity.parse(fail_on),
        hidden=hidden,
    )
    # A lone surrogate (`"\\ud800"` in a key) is valid JSON but cannot be written as UTF-8.
    text = renderer(settings.format)(report).encode("utf-8", "backslashreplace").decode("utf-8")
    if settings.output is not None:
        try:
            write_text(settings.cwd / settings.output, text)
        except OSError as failure:
            raise UsageError(_cannot_write(settings.output, failure)) from None
    else:
        stdout.write(text)
        stdout.flush()
    if settings.verbose:
        print(f"taskdeflint: linted {linted} file{'' if linted == 1 else 's'}", file=stderr)

    if errors:
        return EXIT_ERROR
    if fail_on == "never":
        return EXIT_OK
    threshold = Severity.parse(fail_on)
    failing = any(f.severity >= threshold for r in results for f in r.findings)
    return EXIT_FINDINGS if failing else EXIT_OK
