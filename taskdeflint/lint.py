"""`taskdeflint lint`: settings in, exit code out. The CLI only parses options into `LintSettings`."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from taskdeflint import baseline as baseline_file
from taskdeflint import files
from taskdeflint.atomic import write_text
from taskdeflint.catalogue import CatalogueError, load_catalogue
from taskdeflint.config import Config, ConfigError, discover
from taskdeflint.document import MAX_BYTES
from taskdeflint.engine import FileResult, Linter, Policy, glob_match
from taskdeflint.findings import Finding, Severity

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
UNUSED_SUPPRESSION = "TDL901"


@dataclass(frozen=True, slots=True)
class LintSettings:
    paths: tuple[str, ...] = ()
    format: str = "text"
    output: Path | None = None
    fail_on: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    config: Path | None = None
    rules_dirs: tuple[Path, ...] = ()
    baseline: Path | None = None
    write_baseline: Path | None = None
    quiet: bool = False
    verbose: bool = False
    color: str = "auto"
    cwd: Path = field(default_factory=Path.cwd)


class UsageError(Exception):
    pass


def _policy(settings: LintSettings, config: Config) -> Policy:
    select = settings.select or config.select or ("ALL",)
    return Policy(
        select=select,
        ignore=config.ignore + settings.ignore,
        severity=config.severity,
        per_file_ignores=tuple(
            (_relative_glob(pattern, config, settings.cwd), ids) for pattern, ids in config.per_file_ignores
        ),
        suppressions=tuple(
            s if s.files is None else replace(s, files=_relative_glob(s.files, config, settings.cwd))
            for s in config.suppressions
        ),
        max_bytes=config.max_file_size or MAX_BYTES,
    )


def _relative_glob(pattern: str, config: Config, cwd: Path) -> str:
    """Config globs are relative to the config's folder; findings' paths to the working folder."""
    try:
        prefix = config.root.relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return (config.root / pattern).as_posix()
    return pattern if prefix == "." else f"{prefix}/{pattern}"


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _unused_suppressions(config: Config, results: list[FileResult], cwd: Path) -> list[Finding]:
    """Suppressions whose files were linted and that silenced nothing (like ruff's RUF100)."""
    if config.path is None or not config.suppressions:
        return []
    used = set().union(*(r.used_suppressions for r in results)) if results else set()
    shown = files.display_path(config.path.resolve(), cwd.resolve())
    found = []
    for s in config.suppressions:
        if s.index in used:
            continue
        pattern = None if s.files is None else _relative_glob(s.files, config, cwd)
        if not any(pattern is None or glob_match(r.path, pattern) for r in results):
            continue
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
                name="unused-suppression",
                severity=Severity.WARNING,
                message=f"Suppression of {s.rule}{target} matched no finding; remove it",
                pointer=f"/suppress/{s.index}",
            )
        )
    return found


def run(settings: LintSettings, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        return _run(settings, stdout, stderr)
    except (ConfigError, CatalogueError, baseline_file.BaselineError, UsageError) as error:
        print(f"taskdeflint: error: {error}", file=stderr)
        return EXIT_ERROR


def _run(settings: LintSettings, stdout: TextIO, stderr: TextIO) -> int:
    from taskdeflint.formats import Report, renderer

    config = discover(settings.cwd, settings.config)
    catalogue = load_catalogue(config.rules_dirs + settings.rules_dirs)
    for rule_id in config.severity:
        if catalogue.get(rule_id) is None:
            raise ConfigError(f"{config.path}: severity: unknown rule {rule_id}")
    policy = _policy(settings, config)
    fail_on = settings.fail_on or config.fail_on or "error"
    known = None
    baseline_path = settings.baseline or config.baseline
    if baseline_path is not None and settings.write_baseline is None:
        known = baseline_file.read(baseline_path)

    if settings.paths:
        sources, errors = files.expand(list(settings.paths), settings.cwd, config.exclude)
    elif config.include:
        sources, errors = files.from_globs(config.include, config.root, settings.cwd), []
    else:
        sources, errors = files.expand(["."], settings.cwd, config.exclude)
    missing = [e for e in errors if e.message == "no such file or folder"]
    if missing:
        for error in missing:
            print(f"taskdeflint: error: {error.display}: {error.message}", file=stderr)
        return EXIT_ERROR

    linter = Linter(catalogue, policy)
    results: list[FileResult] = []
    for source in sources:
        data = files.read(source, policy.max_bytes)
        if data is None:
            continue
        if isinstance(data, files.ReadError):
            errors.append(data)
            continue
        result = linter.lint(source.display, data, explicit=source.explicit)
        if result is None:
            if settings.verbose:
                print(f"taskdeflint: skipped {source.display}: not a task definition", file=stderr)
            continue
        results.append(result)
    results.sort(key=lambda r: r.path)

    unused = _unused_suppressions(config, results, settings.cwd)
    if unused and policy.selected(UNUSED_SUPPRESSION):
        results.append(FileResult(unused[0].path, unused))

    if settings.write_baseline is not None:
        baseline_file.write(settings.write_baseline, [f for r in results for f in r.findings])
        print(
            f"taskdeflint: wrote {sum(len(r.findings) for r in results)} findings to "
            f"{settings.write_baseline}",
            file=stderr,
        )
        return EXIT_ERROR if errors else EXIT_OK
    if known is not None:
        for result in results:
            result.findings = baseline_file.filter_new(result.findings, known)

    for error in errors:
        print(f"taskdeflint: error: {error.display}: {error.message}", file=stderr)
    out_stream = stdout if settings.output is None else None
    report = Report(
        results,
        catalogue,
        color=out_stream is not None and settings.format == "text" and _use_color(settings.color, stdout),
        quiet=settings.quiet,
    )
    text = renderer(settings.format)(report)
    if settings.output is not None:
        write_text(settings.output, text)
    else:
        stdout.write(text)
        stdout.flush()
    if settings.verbose:
        print(f"taskdeflint: linted {len(results)} files", file=stderr)

    if errors:
        return EXIT_ERROR
    if fail_on == "never":
        return EXIT_OK
    threshold = Severity.parse(fail_on)
    failing = any(f.severity >= threshold for r in results for f in r.findings)
    return EXIT_FINDINGS if failing else EXIT_OK
