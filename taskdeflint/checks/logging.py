"""Logging checks (TDL41x): the options the awslogs and splunk drivers need, and the FireLens log router.

Sources are named on each rule in rules/TDL41n-*.toml: the ECS API model (botocore 1.43.11,
LogConfiguration.options, FirelensConfiguration), the observed error "Log driver awslogs requires options:
awslogs-region, awslogs-group", and the archived FireLens pages, as collected in shared/ecs-facts.md
section 3.12. Fargate-only driver restrictions are in the platform checks (TDL254, TDL255).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from taskdeflint.checks.roles import S3_OBJECT_ARN
from taskdeflint.model import Container, TaskDef
from taskdeflint.positions import join

Finding = Iterator[tuple[str, str]]


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _log(c: Container) -> dict[str, Any] | None:
    config = c.data.get("logConfiguration")
    return config if isinstance(config, dict) else None


def _option_names(config: dict[str, Any]) -> set[str]:
    """Option names given in `options` or, by name, in `secretOptions` (a token may come from a secret)."""
    names: set[str] = set(_dict(config.get("options")))
    secret_options = config.get("secretOptions")
    if isinstance(secret_options, list):
        names |= {o["name"] for o in secret_options if isinstance(o, dict) and isinstance(o.get("name"), str)}
    return names


def _options_pointer(c: Container, config: dict[str, Any]) -> str:
    """Where to report a missing option: at `options` when there is one, else at `logConfiguration`."""
    base = f"{c.pointer}/logConfiguration"
    return f"{base}/options" if isinstance(config.get("options"), dict) else base


def _with_driver(td: TaskDef, driver: str) -> Iterator[tuple[Container, dict[str, Any]]]:
    for c in td.containers:
        config = _log(c)
        if config is not None and config.get("logDriver") == driver:
            yield c, config


# --- TDL410 awslogs-missing-required-option --------------------------------------------------------------

AWSLOGS_REQUIRED = ("awslogs-group", "awslogs-region")


def awslogs_missing_required_option(td: TaskDef) -> Finding:
    for c, config in _with_driver(td, "awslogs"):
        if config.get("options") is not None and not isinstance(config.get("options"), dict):
            continue  # a wrong type: the schema stage reports it
        given = _option_names(config)
        missing = [name for name in AWSLOGS_REQUIRED if name not in given]
        if missing:
            yield (
                _options_pointer(c, config),
                f"{c.label} uses the awslogs log driver without the required option(s) {', '.join(missing)}",
            )


# --- TDL411 fargate-awslogs-without-stream-prefix --------------------------------------------------------


def fargate_awslogs_without_stream_prefix(td: TaskDef) -> Finding:
    if not td.fargate:
        return
    for c, config in _with_driver(td, "awslogs"):
        options = config.get("options")
        if options is not None and not isinstance(options, dict):
            continue
        prefix = _dict(options).get("awslogs-stream-prefix")
        if prefix is None or (isinstance(prefix, str) and not prefix.strip()):
            yield (
                _options_pointer(c, config),
                f"{c.label} uses the awslogs log driver on Fargate without awslogs-stream-prefix, which the "
                "API documentation says Fargate requires",
            )


# --- TDL412 awslogs-datetime-format-with-multiline-pattern -----------------------------------------------


def awslogs_datetime_format_with_multiline_pattern(td: TaskDef) -> Finding:
    for c, config in _with_driver(td, "awslogs"):
        options = _dict(config.get("options"))
        if "awslogs-datetime-format" in options and "awslogs-multiline-pattern" in options:
            yield (
                f"{c.pointer}/logConfiguration/options/awslogs-multiline-pattern",
                f"{c.label} sets both awslogs-datetime-format and awslogs-multiline-pattern; only one may be "
                "set, and the multiline pattern is ignored",
            )


# --- TDL413 splunk-missing-required-option ---------------------------------------------------------------

SPLUNK_REQUIRED = ("splunk-token", "splunk-url")


def splunk_missing_required_option(td: TaskDef) -> Finding:
    for c, config in _with_driver(td, "splunk"):
        if config.get("options") is not None and not isinstance(config.get("options"), dict):
            continue
        if config.get("secretOptions") is not None and not isinstance(config.get("secretOptions"), list):
            continue
        given = _option_names(config)
        missing = [name for name in SPLUNK_REQUIRED if name not in given]
        if missing:
            yield (
                _options_pointer(c, config),
                f"{c.label} uses the splunk log driver without {' and '.join(missing)} (in options or "
                "secretOptions)",
            )


# --- TDL414..TDL416 FireLens ----------------------------------------------------------------------------


def _routers(td: TaskDef) -> list[Container] | None:
    """Containers with a firelensConfiguration, or None when one of the wrong type makes it unclear."""
    routers = []
    for c in td.containers:
        config = c.data.get("firelensConfiguration")
        if isinstance(config, dict):
            routers.append(c)
        elif config is not None:
            return None  # the schema stage reports the type
    return routers


def awsfirelens_without_log_router(td: TaskDef) -> Finding:
    if _routers(td) != []:
        return
    for c, _config in _with_driver(td, "awsfirelens"):
        yield (
            f"{c.pointer}/logConfiguration/logDriver",
            f"{c.label} uses the awsfirelens log driver, but no container of the task has a "
            "firelensConfiguration (the FireLens log router)",
        )


def multiple_firelens_containers(td: TaskDef) -> Finding:
    routers = _routers(td) or []
    for c in routers[1:]:
        yield (
            f"{c.pointer}/firelensConfiguration",
            f"{c.label} has a firelensConfiguration, as does {routers[0].label}; a task has one FireLens log "
            "router",
        )


def firelens_without_awsfirelens_container(td: TaskDef) -> Finding:
    routers = _routers(td)
    if not routers:
        return
    for c in td.containers:
        config = c.data.get("logConfiguration")
        if config is None:
            continue
        if not isinstance(config, dict) or not isinstance(config.get("logDriver"), str):
            return  # cannot tell which drivers are used; the schema stage reports the type
        if config["logDriver"] == "awsfirelens":
            return
    for c in routers:
        yield (
            f"{c.pointer}/firelensConfiguration",
            f"{c.label} is a FireLens log router, but no container of the task uses the awsfirelens log "
            "driver",
        )


# --- TDL417 awslogs-unknown-option -----------------------------------------------------------------------

# The options that the ECS API model documents for awslogs, plus the two it documents for every driver.
AWSLOGS_OPTIONS = frozenset(
    {
        "awslogs-create-group",
        "awslogs-region",
        "awslogs-group",
        "awslogs-stream-prefix",
        "awslogs-datetime-format",
        "awslogs-multiline-pattern",
        "mode",
        "max-buffer-size",
    }
)


def awslogs_unknown_option(td: TaskDef) -> Finding:
    for c, config in _with_driver(td, "awslogs"):
        for key in _dict(config.get("options")):
            if key not in AWSLOGS_OPTIONS:
                yield (
                    join(f"{c.pointer}/logConfiguration/options", key),
                    f"{c.label} gives awslogs option {json.dumps(key)}, which ECS does not document for the "
                    "awslogs driver (ECS refuses options it does not know)",
                )


# TDL418 -------------------------------------------------------------------------------------------


def firelens_s3_config_not_arn(td: TaskDef) -> Finding:
    """FireLens config-file-type "s3" whose config-file-value is not the ARN of an S3 object."""
    for c in td.containers:
        options = _dict(_dict(c.data.get("firelensConfiguration")).get("options"))
        value = options.get("config-file-value")
        if options.get("config-file-type") != "s3" or not isinstance(value, str):
            continue
        if not S3_OBJECT_ARN.match(value):
            yield (
                f"{c.pointer}/firelensConfiguration/options/config-file-value",
                f"{c.label} loads its FireLens configuration from S3, but config-file-value "
                f"{json.dumps(value)} is not the ARN of an S3 object (arn:aws:s3:::bucket/key.conf); ECS "
                'refuses it ("Invalid arn syntax.")',
            )
