"""Container restart and resource-limit checks (TDL316, TDL317): what keeps a container from starting or
from being restarted as asked.

Sources: the ECS API model (botocore 1.43.11): ContainerRestartPolicy ("You can set a minimum
restartAttemptPeriod of 60 seconds and a maximum restartAttemptPeriod of 1800 seconds", "You can specify a
maximum of 50 container exit codes") and Ulimit; setrlimit(2), which refuses a soft limit above the hard
limit (shared/ecs-facts.md section 4.1). Every function takes a `TaskDef` and yields `(pointer, message)`.
"""

from __future__ import annotations

from collections.abc import Iterator

from taskdeflint.checks.common import integer
from taskdeflint.model import TaskDef

RESTART_PERIOD_MIN = 60
RESTART_PERIOD_MAX = 1800
MAX_IGNORED_EXIT_CODES = 50


def restart_policy_out_of_range(td: TaskDef) -> Iterator[tuple[str, str]]:
    """restartPolicy.restartAttemptPeriod outside 60-1800 s, or more than 50 ignoredExitCodes."""
    for container in td.containers:
        policy = container.data.get("restartPolicy")
        if not isinstance(policy, dict):
            continue
        pointer = f"{container.pointer}/restartPolicy"
        period = integer(policy.get("restartAttemptPeriod"))
        if period is not None and not RESTART_PERIOD_MIN <= period <= RESTART_PERIOD_MAX:
            yield (
                f"{pointer}/restartAttemptPeriod",
                f"{container.label} restartPolicy.restartAttemptPeriod is {period}; ECS accepts "
                f"{RESTART_PERIOD_MIN}-{RESTART_PERIOD_MAX} seconds",
            )
        codes = policy.get("ignoredExitCodes")
        if isinstance(codes, list) and len(codes) > MAX_IGNORED_EXIT_CODES:
            yield (
                f"{pointer}/ignoredExitCodes",
                f"{container.label} restartPolicy.ignoredExitCodes lists {len(codes)} exit codes; ECS "
                f"accepts at most {MAX_IGNORED_EXIT_CODES}",
            )


def ulimit_soft_above_hard(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A ulimit whose softLimit is above its hardLimit."""
    for container in td.containers:
        ulimits = container.data.get("ulimits")
        if not isinstance(ulimits, list):
            continue
        for index, ulimit in enumerate(ulimits):
            if not isinstance(ulimit, dict):
                continue
            soft = integer(ulimit.get("softLimit"))
            hard = integer(ulimit.get("hardLimit"))
            if soft is None or hard is None or soft <= hard:
                continue
            name = ulimit.get("name")
            shown = f'"{name}"' if isinstance(name, str) else f"#{index}"
            yield (
                f"{container.pointer}/ulimits/{index}/softLimit",
                f"{container.label} ulimit {shown} has softLimit {soft} above its hardLimit {hard}; the "
                "kernel refuses a soft limit above the hard one, so the container cannot start",
            )
