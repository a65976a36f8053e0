"""The `taskdeflint` command. Callbacks turn options into settings and call plain functions."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from taskdeflint import __version__

if TYPE_CHECKING:
    from taskdeflint.engine.catalogue import Catalogue

_FORMATS = ("text", "json", "sarif", "github", "junit")


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Rule lists may be repeated or comma-separated: `--select TDL1 --select TDL2,TDL3`. Rule ids are
    upper case; `--select tdl002` means TDL002."""
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())


# Options that several commands share.
F = TypeVar("F", bound=Callable[..., Any])
config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: nearest .taskdeflint.toml or pyproject.toml [tool.taskdeflint]).",
)


def rules_dir_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--rules-dir",
        multiple=True,
        metavar="DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help=help_text,
    )


class _Group(click.Group):
    """Every usage error, click's own included, is one line on stderr with the prefix of taskdeflint's other
    errors, and exit code 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("standalone_mode", True) is False:
            return super().main(*args, **kwargs)
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as error:  # `taskdeflint` alone: the usage, as click has it
            error.show()
            sys.exit(2)
        except click.ClickException as error:
            hint = ""
            if isinstance(error, click.UsageError) and error.ctx is not None:
                hint = f" (see '{error.ctx.command_path} --help')"
            click.echo(f"taskdeflint: error: {error.format_message()}{hint}", err=True)
            sys.exit(2)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="taskdeflint")
def main() -> None:
    """Lint Amazon ECS task definitions against what AWS accepts, and build, push and pin the images
    they run.

    \b
    taskdeflint lint deploy/             lint every task definition under deploy/
    taskdeflint rules                    list the rule catalogue
    taskdeflint rule TDL003              explain one rule, with examples
    taskdeflint build --push --render-dir rendered
                                         build, push and pin the services' images
    taskdeflint verify rendered/*.json   check their images are in the registry, for the task's platform

    `taskdeflint COMMAND --help` describes each command. Configuration: the nearest .taskdeflint.toml or
    [tool.taskdeflint] in pyproject.toml. Documentation: README.md and docs/ in the source distribution.
    """


@main.command(short_help="Lint task definitions in files, folders or stdin.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(_FORMATS),
    default=None,
    help="Output format. Default: text, or github when GITHUB_ACTIONS=true.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE (atomically) instead of stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice(("error", "warning", "info", "never")),
    default=None,
    help="Lowest severity that makes the exit code 1. Default: error.",
)
@click.option(
    "--show",
    type=click.Choice(("error", "warning", "info")),
    default=None,
    help="Lowest severity shown, in every format (a finding that fails the run is always shown). "
    "Default: warning.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="RULE",
    help="Only these rules: id prefixes, repeatable or comma-separated (--select TDL0,TDL2).",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="RULE",
    help="Skip these rules: id prefixes, repeatable or comma-separated.",
)
@config_option
@rules_dir_option("A folder of extra rule files (repeatable).")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report only findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record all current findings in FILE and exit 0.",
)
@click.option(
    "-j",
    "--jobs",
    metavar="N",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for large runs (64 files or more). Default: one per CPU core. Output order is the same.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Pass when a path, folder or include glob holds no task definition (default: exit code 2).",
)
@click.option(
    "--pre-commit",
    "pre_commit",
    is_flag=True,
    help="The paths are the files pre-commit passes: skip any that holds no task definition, and pass "
    "when none does; check the repository's services that run a task definition among them.",
)
@click.option(
    "--no-python-rules",
    is_flag=True,
    help="Refuse rules whose check is Python code (a rules-dir runs the repository's code otherwise). "
    "Also TASKDEFLINT_NO_PYTHON_RULES=1.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("-v", "--verbose", is_flag=True, help="Also say which files were skipped and linted.")
@click.option(
    "--color",
    type=click.Choice(("auto", "always", "never")),
    default="auto",
    show_default=True,
    help="Colour in text output (NO_COLOR is honoured).",
)
def lint(
    paths: tuple[str, ...],
    output_format: str | None,
    output: Path | None,
    fail_on: str | None,
    show: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config: Path | None,
    rules_dir: tuple[Path, ...],
    baseline: Path | None,
    write_baseline: Path | None,
    jobs: int | None,
    allow_empty: bool,
    pre_commit: bool,
    no_python_rules: bool,
    quiet: bool,
    verbose: bool,
    color: str,
) -> None:
    """Lint task definitions in PATHS (files, folders, or - for stdin).

    Folders are searched for files (*.json, *.yaml, *.yml, *.template) that hold task definitions, by
    content: register-task-definition input, describe-task-definition output and the console's JSON export,
    lists of container definitions, CloudFormation templates (JSON or YAML, CDK output included) and
    Terraform plans or states. A file named in PATHS is always linted. With no PATHS, the config's include
    globs are linted, or else the current folder.

    Templates are linted before the deploy step renders them: placeholders (<IMAGE1_NAME>, ${VAR}, $VAR,
    {{ must_env `VAR` }}, <+artifact.image>, #{Var}, %VAR%), quoted or not, are values only the deployment
    knows (config: placeholder-patterns, placeholders = false). A null member, as the console's export
    writes it, is read as absent and reported once per file (TDL020).

    Findings below --show (default: warning, so info findings are hidden) are left out of every format;
    the text summary counts them.

    Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage, config or I/O
    error, or a path, folder or include glob that holds no task definition (unless --allow-empty), 130
    interrupted (SIGINT), 143 terminated (SIGTERM).
    """
    from taskdeflint.lint import LintSettings, run

    if output_format is None:
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    settings = LintSettings(
        paths=paths,
        format=output_format,
        output=output,
        fail_on=fail_on,
        show=show,
        allow_empty=allow_empty,
        pre_commit=pre_commit,
        select=_split(select),
        ignore=_split(ignore),
        config=config,
        rules_dirs=rules_dir,
        baseline=baseline,
        write_baseline=write_baseline,
        jobs=jobs,
        no_python_rules=no_python_rules,
        quiet=quiet,
        verbose=verbose,
        color=color,
    )
    sys.exit(run(settings))


def _catalogue(config: Path | None, rules_dir: tuple[Path, ...]) -> Catalogue:
    """The rules `lint` would run: the built-in ones, the config's rules-dir and `--rules-dir`."""
    from taskdeflint.config import ConfigError, discover
    from taskdeflint.engine.catalogue import CatalogueError, load_catalogue

    cwd = Path.cwd()
    try:
        found = discover(cwd, None if config is None else cwd / config)
        return load_catalogue(found.rules_dirs + rules_dir)
    except (ConfigError, CatalogueError) as error:
        raise click.ClickException(str(error)) from None


@main.command("rules", short_help="List the rule catalogue.")
@config_option
@rules_dir_option("Also list the rules in this folder (repeatable).")
def rules_command(config: Path | None, rules_dir: tuple[Path, ...]) -> None:
    """List the rule catalogue: id, default severity, name and summary. Rules of your own in the
    config's rules-dir are listed too."""
    catalogue = _catalogue(config, rules_dir)
    width = max((len(rule.name) for rule in catalogue.rules), default=0)
    for rule in catalogue.rules:
        click.echo(f"{rule.id}  {rule.severity.label:<7}  {rule.name:<{width}}  {rule.summary}")


@main.command("rule", short_help="Explain one rule, with its source and examples.")
@click.argument("rule_id")
@config_option
@rules_dir_option("Also look for RULE_ID in this folder of rules (repeatable).")
def rule_command(rule_id: str, config: Path | None, rules_dir: tuple[Path, ...]) -> None:
    """Explain one rule: what it checks, why it matters, the AWS source it rests on, and a bad and a good
    example. RULE_ID is an id (TDL201) or a name (fargate-invalid-cpu-memory), built in or in the config's
    rules-dir."""
    from taskdeflint.engine.explain import explain

    catalogue = _catalogue(config, rules_dir)
    rule = catalogue.get(rule_id.upper()) or catalogue.get(rule_id)
    if rule is None:
        raise click.ClickException(f"no rule {rule_id!r}; `taskdeflint rules` lists them")
    click.echo(explain(rule), nl=False)


@main.command("build", short_help="Build, push and pin the images of the services manifest.")
@click.argument("services", nargs=-1)
@click.option("--push", is_flag=True, help="Push every tag to the registry and pin the pushed digests.")
@click.option(
    "--tag", "tags", multiple=True, metavar="TAG", help="An extra tag for every image (repeatable)."
)
@click.option(
    "-j",
    "--jobs",
    metavar="N",
    type=click.IntRange(min=1),
    default=None,
    help="Services built at the same time. Default: min(4, CPUs), at least 2.",
)
@click.option(
    "--metadata-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write JSON metadata (repository, tags, pushed digest, image id, skipped, rendered file) to FILE.",
)
@click.option(
    "--render-dir",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Pin the pushed digests into each service's task definition, write DIR/<service>.json, lint it.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan (services, tags, which are up to date).")
@click.option("--no-cache", is_flag=True, help="Do not use the engine's build cache.")
@click.option("--keep-going", is_flag=True, help="After a failure, still build the remaining services.")
@config_option
@click.option(
    "--progress",
    type=click.Choice(("auto", "plain", "tty")),
    default="auto",
    show_default=True,
    help="Build output: a live display (tty) or prefixed lines (plain). auto: plain in CI or when piped.",
)
@click.option(
    "--builder",
    type=click.Choice(("buildkit", "legacy")),
    default=None,
    help="buildkit (the default): build through the Docker CLI. legacy: the engine's old builder, without "
    "RUN --mount, heredocs, secrets or platforms.",
)
@click.option(
    "--docker",
    "docker_cli",
    metavar="PATH",
    help="The Docker CLI to build with (default: TASKDEFLINT_DOCKER, else the first of docker on PATH, "
    "/usr/bin/docker, /usr/local/bin/docker that can build with BuildKit).",
)
def build_command(
    services: tuple[str, ...],
    push: bool,
    tags: tuple[str, ...],
    jobs: int | None,
    metadata_file: Path | None,
    render_dir: Path | None,
    dry_run: bool,
    no_cache: bool,
    keep_going: bool,
    config: Path | None,
    progress: str,
    builder: str | None,
    docker_cli: str | None,
) -> None:
    """Build the images of the services manifest (all, or SERVICES), push them, and pin them.

    Each image gets a content tag computed from its build inputs; a service whose content tag is already in
    the registry is skipped. With --render-dir, the pushed digests are pinned into the services' task
    definitions, which are then linted.

    The manifest is the [services.NAME] tables of the config (the nearest .taskdeflint.toml, or
    [tool.taskdeflint.services.NAME] in pyproject.toml); its paths are relative to the config's folder.
    Needs the Docker SDK (pip install 'taskdeflint[build]') and, except with --dry-run, a Docker engine
    (DOCKER_HOST selects one); registry logins come from the Docker config.

    Exit codes: 0 all good, 1 a build, push or render failed or a rendered task definition has errors,
    2 usage, config or manifest error.
    """
    try:
        import docker  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
        import dockerfile_parse  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
    except ImportError as error:
        click.echo(
            f"taskdeflint: error: `taskdeflint build` needs the Docker SDK ({error.name} is not installed): "
            "pip install 'taskdeflint[build]'",
            err=True,
        )
        sys.exit(2)
    from taskdeflint.builder.runner import BuildSettings, run

    settings = BuildSettings(
        services=services,
        push=push,
        tags=tags,
        jobs=jobs,
        metadata_file=metadata_file,
        render_dir=render_dir,
        dry_run=dry_run,
        no_cache=no_cache,
        keep_going=keep_going,
        config=config,
        progress=progress,
        builder=builder,
        docker=docker_cli,
    )
    sys.exit(run(settings))


@main.command("verify", short_help="Check that the images of task definitions are in their registries.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Findings as path:line:col lines, or a JSON list.",
)
@click.option(
    "--insecure-registry",
    "insecure",
    multiple=True,
    metavar="HOST[:PORT]",
    help="Speak plain HTTP to this registry (loopback registries always are). Repeatable.",
)
def verify_command(files: tuple[Path, ...], output_format: str, insecure: tuple[str, ...]) -> None:
    """Ask the registries whether every container image of FILES (sidecars included) exists, and is for
    the task's runtimePlatform (os and CPU architecture; Fargate's default is Linux on X86_64).

    Findings point at each container's image: TDL557 image-not-found and TDL558 image-platform-mismatch
    are errors (CannotPullContainerError, exec format error), TDL559 image-not-verifiable is a warning (the
    registry could not be asked). Logins come from the Docker config, as for `taskdeflint build`; Amazon ECR
    tokens need the ecr extra. Needs the build extra (pip install 'taskdeflint[build]').

    Exit codes: 0 every image is there, 1 an error finding, 2 a file that is not a task definition.
    """
    try:
        import docker  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
    except ImportError as error:
        click.echo(
            f"taskdeflint: error: `taskdeflint verify` needs the Docker SDK for registry logins "
            f"({error.name} is not installed): pip install 'taskdeflint[build]'",
            err=True,
        )
        sys.exit(2)
    from taskdeflint.builder.verify import VerifySettings, run

    sys.exit(run(VerifySettings(files=files, output_format=output_format, insecure=insecure)))
