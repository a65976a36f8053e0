"""Sizing and Fargate checks: task-level cpu and memory, the Fargate size table, and how container cpu and
memory add up against the task's.

Task-level `cpu` and `memory` are strings in the API ("1024", "1 vCPU", "2 GB"); they are converted with
`taskdeflint.checks.common.task_cpu` / `task_memory`. Container-level `cpu`, `memory` and
`memoryReservation` are integers. Values of any other type are left to the schema rule (TDL003).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from taskdeflint.checks.common import integer, is_windows, task_cpu, task_memory
from taskdeflint.model import Container, TaskDef


def _steps(low: int, high: int, step: int) -> tuple[int, ...]:
    return tuple(range(low, high + 1, step))


# The Fargate task sizes: task cpu (CPU units) -> the task memory values (MiB) allowed with it.
# Source: AWS "Troubleshoot Amazon ECS task definition invalid CPU or memory errors",
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html (all 7 rows, OS
# column); the same table is in the ECS API model, RegisterTaskDefinitionRequest.memory (botocore 1.43.11).
# 74 pairs; a third-party probe of RegisterTaskDefinition (Aug 2026) found exactly these.
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _steps(1024, 4096, 1024),
    1024: _steps(2048, 8192, 1024),
    2048: _steps(4096, 16384, 1024),
    4096: _steps(8192, 30720, 1024),
    8192: _steps(16384, 61440, 4096),  # Linux platform 1.4.0+
    16384: _steps(32768, 122880, 8192),  # Linux platform 1.4.0+
    # The 32 vCPU tier, reported in 2026 by aws-cloudformation/cfn-lint PR #4668 and pulumi/pulumi-awsx
    # PR #2053 (citing the AWS task-size docs); not yet seen by the Aug 2026 probe, so possibly rolling out
    # by Region. Accepted, with exactly these three memory values (a false error would block real users).
    32768: (61440, 122880, 249856),
}

# Windows containers on Fargate: "The CPU units cannot be less than 1 vCPU" (ECS API model,
# RegisterTaskDefinitionRequest.memory; AWS docs fargate-tasks-services.html); the 8, 16 and 32 vCPU rows
# are Linux only (task-cpu-memory-error.html OS column).
FARGATE_WINDOWS_CPU: tuple[int, ...] = (1024, 2048, 4096)

# EC2 / external: "Supported values are between 128 CPU units (0.125 vCPUs) and 196608 CPU units
# (192 vCPUs)" (ECS API model, RegisterTaskDefinitionRequest.cpu). The current AWS doc
# (task-cpu-memory-error.html) says "between 0.25 vCPU and 192 vCPU".
EC2_TASK_CPU_MIN = 128
EC2_TASK_CPU_DOCUMENTED_MIN = 256
EC2_TASK_CPU_MAX = 196608

# "The Docker 20.10.0 or later daemon reserves a minimum of 6 MiB of memory for a container. So, don't
# specify less than 6 MiB" (ECS API model, ContainerDefinition.memory and .memoryReservation).
CONTAINER_MEMORY_MIN = 6


def fargate_memory_choices(cpu: int, windows: bool = False) -> tuple[int, ...]:
    """The task memory values (MiB) Fargate accepts with a task cpu, empty if the cpu is no Fargate size."""
    if windows and cpu not in FARGATE_WINDOWS_CPU:
        return ()
    return FARGATE_MEMORY.get(cpu, ())


def is_fargate_size(cpu: int, memory: int, windows: bool = False) -> bool:
    return memory in fargate_memory_choices(cpu, windows)


# -- helpers -----------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _quote(raw: str) -> str:
    """A raw string for a message, shortened if absurdly long."""
    return f'"{raw}"' if len(raw) <= 40 else f'"{raw[:37]}..."'


def _convert(raw: str, key: str) -> int | None:
    """Task cpu (CPU units) or memory (MiB) from its string, or None if ECS would not convert it.

    Guards the shared parser against strings Python cannot turn into an int (over 4300 digits).
    """
    try:
        return task_cpu(raw) if key == "cpu" else task_memory(raw)
    except ValueError:
        return None


def _or_list(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def _cpu_text(raw: str, units: int) -> str:
    if units > 10**12:  # too large to be anything but a mistake; no vCPU arithmetic
        return _quote(raw)
    if raw.strip() == str(units):
        return f"{units} ({_number(units / 1024)} vCPU)"
    return f"{_quote(raw)} ({units} CPU units)"


def _memory_text(raw: str, mib: int) -> str:
    if mib > 10**12:
        return _quote(raw)
    if raw.strip() == str(mib):
        return f"{mib} MiB"
    return f"{_quote(raw)} ({mib} MiB)"


def _memory_choices_text(choices: tuple[int, ...]) -> str:
    steps = {b - a for a, b in pairwise(choices)}
    if len(choices) > 3 and len(steps) == 1:
        return f"{choices[0]}-{choices[-1]} MiB in steps of {steps.pop()}"
    return _or_list([str(c) for c in choices]) + " MiB"


def _task_value(td: TaskDef, key: str) -> tuple[str, int] | None:
    """The raw string and the converted value of task-level cpu or memory, if given and convertible."""
    raw = td.data.get(key)
    if not isinstance(raw, str):
        return None
    value = _convert(raw, key)
    return None if value is None else (raw, value)


def _task_level_used(td: TaskDef) -> bool:
    """False where ECS ignores task-level cpu and memory: Windows containers outside Fargate.

    "Task-level CPU and memory parameters are ignored for Windows containers" (ECS API model,
    RegisterTaskDefinitionRequest.cpu/.memory); Fargate still requires them, whatever the OS.
    """
    return td.fargate or not is_windows(td)


def _effective_task_value(td: TaskDef, key: str) -> tuple[str, int] | None:
    """`_task_value`, or None where ECS ignores task-level cpu and memory."""
    return _task_value(td, key) if _task_level_used(td) else None


def _absent(td: TaskDef, key: str) -> bool:
    return td.data.get(key) is None


# -- TDL200 ------------------------------------------------------------------------------------------


def fargate_missing_task_size(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Fargate needs task-level cpu and memory."""
    if not td.fargate:
        return
    missing = [key for key in ("cpu", "memory") if _absent(td, key)]
    if missing:
        what = " or ".join(missing)
        yield (
            "",
            f"Task definition requires FARGATE but sets no task-level {what}; Fargate requires both "
            "(ECS: \"Fargate requires that 'cpu' be defined at the task level.\")",
        )


# -- TDL201 ------------------------------------------------------------------------------------------


def fargate_invalid_cpu_memory(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Task cpu and memory must be one of the Fargate task sizes."""
    if not td.fargate:
        return
    cpu = _task_value(td, "cpu")
    memory = _task_value(td, "memory")
    if cpu is None or memory is None:
        return
    (cpu_raw, cpu_units), (memory_raw, memory_mib) = cpu, memory
    windows = is_windows(td)
    choices = fargate_memory_choices(cpu_units, windows)
    if not choices:
        if windows:
            allowed = _or_list([str(c) for c in FARGATE_WINDOWS_CPU])
            yield (
                "/cpu",
                f"Task cpu {_cpu_text(cpu_raw, cpu_units)} is not available for Windows containers on "
                f"Fargate; use {allowed} CPU units (1, 2 or 4 vCPU)",
            )
        else:
            allowed = _or_list([str(c) for c in FARGATE_MEMORY])
            yield (
                "/cpu",
                f"Task cpu {_cpu_text(cpu_raw, cpu_units)} is not a Fargate task size; "
                f"use {allowed} CPU units",
            )
        return
    if memory_mib not in choices:
        yield (
            "/memory",
            f"Task memory {_memory_text(memory_raw, memory_mib)} is not a Fargate size for task cpu "
            f"{_cpu_text(cpu_raw, cpu_units)}; use {_memory_choices_text(choices)} "
            '(ECS: "No Fargate configuration exists for given values.")',
        )


# -- TDL202 ------------------------------------------------------------------------------------------


def unparseable_task_cpu_memory(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Task cpu/memory strings that are neither a plain number nor a vCPU / GB string."""
    raw = td.data.get("cpu")
    if isinstance(raw, str) and _convert(raw, "cpu") is None:
        yield (
            "/cpu",
            f'Task cpu {_quote(raw)} is not a whole number of CPU units ("1024") or of vCPUs that converts '
            'to whole CPU units ("1 vCPU", "0.5 vcpu")',
        )
    raw = td.data.get("memory")
    if isinstance(raw, str) and _convert(raw, "memory") is None:
        yield (
            "/memory",
            f'Task memory {_quote(raw)} is not a whole number of MiB ("2048") or of GB that converts to '
            'whole MiB ("2 GB", "2GB")',
        )


# -- TDL203, TDL204 ----------------------------------------------------------------------------------


def task_cpu_out_of_range(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Outside Fargate, task cpu must be 128-196608 CPU units."""
    if td.fargate or not _task_level_used(td):
        return
    cpu = _task_value(td, "cpu")
    if cpu is None:
        return
    raw, units = cpu
    if units < EC2_TASK_CPU_MIN or units > EC2_TASK_CPU_MAX:
        yield (
            "/cpu",
            f"Task cpu {_cpu_text(raw, units)} is outside the supported range of "
            f"{EC2_TASK_CPU_MIN}-{EC2_TASK_CPU_MAX} CPU units (0.125-192 vCPU)",
        )


def task_cpu_below_quarter_vcpu(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Outside Fargate, task cpu 128-255 units: allowed by the API model, below the current docs' minimum."""
    if td.fargate or not _task_level_used(td):
        return
    cpu = _task_value(td, "cpu")
    if cpu is None:
        return
    raw, units = cpu
    if EC2_TASK_CPU_MIN <= units < EC2_TASK_CPU_DOCUMENTED_MIN:
        yield (
            "/cpu",
            f"Task cpu {_cpu_text(raw, units)} is below 256 CPU units (0.25 vCPU), the smallest task size "
            "the current ECS documentation supports",
        )


# -- TDL205, TDL206, TDL207 --------------------------------------------------------------------------


def _over_task_memory(td: TaskDef, memory_mib: int) -> list[Container]:
    """Containers whose hard memory limit is above the task memory."""
    return [c for c in td.containers if (m := integer(c.data.get("memory"))) is not None and m > memory_mib]


def container_memory_exceeds_task_memory(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Each container's memory must not exceed the task's memory."""
    memory = _effective_task_value(td, "memory")
    if memory is None:
        return
    raw, mib = memory
    for container in _over_task_memory(td, mib):
        yield (
            f"{container.pointer}/memory",
            f"{container.label} memory {container.data['memory']} MiB is more than the task memory "
            f"{_memory_text(raw, mib)}",
        )


def _reservation(container: Container) -> tuple[int | None, int | None]:
    """(memoryReservation, memory) of a container, each None unless an integer."""
    return integer(container.data.get("memoryReservation")), integer(container.data.get("memory"))


def _parts(items: list[tuple[Container, int]]) -> str:
    return ", ".join(f'"{c.name}" {value}' for c, value in items)


def memory_reservations_exceed_task_memory(td: TaskDef) -> Iterator[tuple[str, str]]:
    """The containers' memoryReservation values must not add up to more than the task memory."""
    memory = _effective_task_value(td, "memory")
    if memory is None:
        return
    raw, mib = memory
    items = [(c, r) for c in td.containers if (r := _reservation(c)[0]) is not None]
    total = sum(value for _, value in items)
    if total > mib:
        yield (
            "/memory",
            f"The containers' memoryReservation values add up to {total} MiB ({_parts(items)}), more than "
            f"the task memory {_memory_text(raw, mib)}",
        )


def container_memory_total_exceeds_task_memory(td: TaskDef) -> Iterator[tuple[str, str]]:
    """What the containers reserve (memoryReservation, else memory) must fit in the task memory."""
    memory = _effective_task_value(td, "memory")
    if memory is None:
        return
    raw, mib = memory
    if _over_task_memory(td, mib):
        return  # TDL205 reports the container whose memory alone is too large
    items: list[tuple[Container, int]] = []
    explicit = 0
    for container in td.containers:
        reservation, limit = _reservation(container)
        if reservation is not None:
            explicit += reservation
            items.append((container, reservation))
        elif limit is not None:
            items.append((container, limit))
    total = sum(value for _, value in items)
    if total > mib and explicit <= mib:
        yield (
            "/memory",
            f"The containers reserve {total} MiB in total ({_parts(items)}; memoryReservation, else "
            f"memory), more than the task memory {_memory_text(raw, mib)}",
        )


# -- TDL208 ------------------------------------------------------------------------------------------


def container_cpu_exceeds_task_cpu(td: TaskDef) -> Iterator[tuple[str, str]]:
    """The containers' cpu values must not add up to more than the task cpu (equality is allowed)."""
    cpu = _effective_task_value(td, "cpu")
    if cpu is None:
        return
    raw, units = cpu
    items = [(c, v) for c in td.containers if (v := integer(c.data.get("cpu"))) is not None]
    total = sum(value for _, value in items)
    if total > units:
        yield (
            "/cpu",
            f"The containers' cpu values add up to {total} CPU units ({_parts(items)}), more than the task "
            f"cpu {_cpu_text(raw, units)}",
        )


# -- TDL209, TDL210 ----------------------------------------------------------------------------------


def memory_reservation_exceeds_memory(td: TaskDef) -> Iterator[tuple[str, str]]:
    """A container's soft limit must be below its hard limit."""
    for container in td.containers:
        reservation, limit = _reservation(container)
        if reservation is not None and limit is not None and limit < reservation:
            yield (
                f"{container.pointer}/memoryReservation",
                f"{container.label} memoryReservation {reservation} MiB is more than its memory limit "
                f"{limit} MiB; memory must be greater than memoryReservation",
            )


def memory_equals_memory_reservation(td: TaskDef) -> Iterator[tuple[str, str]]:
    """memory equal to memoryReservation: the API model says memory must be greater."""
    for container in td.containers:
        reservation, limit = _reservation(container)
        if reservation is not None and limit is not None and limit == reservation:
            yield (
                f"{container.pointer}/memoryReservation",
                f"{container.label} memoryReservation equals its memory limit ({limit} MiB); the ECS API "
                "says memory must be greater than memoryReservation",
            )


# -- TDL211 ------------------------------------------------------------------------------------------


def _memory_given(value: object) -> bool:
    """Whether a container memory member counts as given: anything but absent, null or 0."""
    return value is not None and integer(value) != 0


def container_memory_unset(td: TaskDef) -> Iterator[tuple[str, str]]:
    """With no task memory, every container needs memory or memoryReservation."""
    if td.kind == "CONTAINERS" or td.fargate or not _absent(td, "memory"):
        return
    for container in td.containers:
        if not _memory_given(container.data.get("memory")) and not _memory_given(
            container.data.get("memoryReservation")
        ):
            yield (
                container.pointer,
                f"{container.label} sets neither memory nor memoryReservation and the task sets no memory "
                f"(ECS: \"Invalid setting for container '{container.name}'. At least one of 'memory' or "
                "'memoryReservation' must be specified.\")",
            )


# -- TDL212 ------------------------------------------------------------------------------------------


def container_memory_below_minimum(td: TaskDef) -> Iterator[tuple[str, str]]:
    """Container memory or memoryReservation below the 6 MiB that Docker reserves."""
    for container in td.containers:
        for key in ("memory", "memoryReservation"):
            value = integer(container.data.get(key))
            if value is not None and value < CONTAINER_MEMORY_MIN:
                yield (
                    f"{container.pointer}/{key}",
                    f"{container.label} {key} {value} MiB is below {CONTAINER_MEMORY_MIN} MiB, the least "
                    "Docker 20.10 and later reserve for a container",
                )
