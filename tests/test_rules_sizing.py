"""Sizing and Fargate rules (TDL200-TDL214): catches and catches-not, positions, messages, wrong types,
and a property test of the Fargate cpu/memory table."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskdeflint.checks.sizing import fargate_invalid_cpu_memory
from taskdeflint.engine.catalogue import load_catalogue
from taskdeflint.engine.linter import Linter, Policy
from taskdeflint.model import TaskDef
from tests.conftest import pointers

FARGATE: dict[str, Any] = {"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc"}
WINDOWS = {
    "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"}
}
WEB = {"name": "web", "image": "nginx:1.27"}


def doc(containers: list[Any] | None = None, **top: Any) -> str:
    data = {"family": "web", **top, "containerDefinitions": [WEB] if containers is None else containers}
    return json.dumps(data, indent=2)


def c(name: str = "web", **members: Any) -> dict[str, Any]:
    return {"name": name, "image": "nginx:1.27", **members}


# The Fargate table, written out independently of taskdeflint.checks.sizing (AWS task-cpu-memory-error.html;
# the 32 vCPU tier per the facts file).
TABLE: dict[int, set[int]] = {
    256: {512, 1024, 2048},
    512: set(range(1024, 4097, 1024)),
    1024: set(range(2048, 8193, 1024)),
    2048: set(range(4096, 16385, 1024)),
    4096: set(range(8192, 30721, 1024)),
    8192: set(range(16384, 61441, 4096)),
    16384: set(range(32768, 122881, 8192)),
    32768: {61440, 122880, 249856},
}
WINDOWS_CPU = {1024, 2048, 4096}
VALID_PAIRS = sorted((cpu, mem) for cpu, mems in TABLE.items() for mem in mems)

# One linter for the table tests, running every sizing rule and the schema.
_LINTER = Linter(load_catalogue(), Policy(select=("TDL2", "TDL003")))


def lint_fast(text: str) -> list[dict[str, Any]]:
    result = _LINTER.lint("taskdef.json", text.encode("utf-8"))
    assert result is not None
    return [f.as_dict() for f in result.findings]


def pair_doc(cpu: str, memory: str, compat: list[str], windows: bool = False) -> str:
    top: dict[str, Any] = {
        "requiresCompatibilities": compat,
        "networkMode": "awsvpc",
        "cpu": cpu,
        "memory": memory,
    }
    if windows:
        top.update(WINDOWS)
    return doc(**top)


def test_table_has_the_documented_pairs() -> None:
    assert len(VALID_PAIRS) == 74 + 3


def test_table_matches_the_shared_machine_readable_copy() -> None:
    path = Path("/work/shared/fargate-cpu-memory.json")
    if not path.exists():
        pytest.skip("shared facts file not present")
    data = json.loads(path.read_text())
    shared = {row["cpu"]: set(row["memory_mib"]) for row in data["combinations"]}
    for row in data["recent_additions"]:
        shared[row["cpu"]] = set(row["memory_mib"])
    assert shared == TABLE
    assert set(data["windows"]["allowed_cpu"]) == WINDOWS_CPU


@pytest.mark.parametrize(("cpu", "memory"), VALID_PAIRS)
def test_every_valid_fargate_pair_passes(cpu: int, memory: int) -> None:
    findings = lint_fast(pair_doc(str(cpu), str(memory), ["FARGATE"]))
    assert [f for f in findings if f["rule"] in ("TDL201", "TDL003")] == []


@pytest.mark.parametrize(
    ("cpu", "memory", "pointer"),
    [
        # out of range and off-step pairs that a 2026 probe saw rejected
        (1024, 9216, "/memory"),
        (2048, 17408, "/memory"),
        (4096, 31744, "/memory"),
        (8192, 62464, "/memory"),
        (16384, 131072, "/memory"),
        (1024, 2560, "/memory"),
        (8192, 17408, "/memory"),
        (8192, 18432, "/memory"),
        (16384, 33792, "/memory"),
        (16384, 36864, "/memory"),
        (32768, 65536, "/memory"),
        (32768, 249855, "/memory"),
        (128, 512, "/cpu"),
        (768, 2048, "/cpu"),
        (65536, 131072, "/cpu"),
    ],
)
def test_invalid_fargate_pairs_fail(cpu: int, memory: int, pointer: str) -> None:
    findings = lint_fast(pair_doc(str(cpu), str(memory), ["FARGATE"]))
    assert [f["pointer"] for f in findings if f["rule"] == "TDL201"] == [pointer]


def _decimal(value: int) -> str:
    return str(Decimal(value) / Decimal(1024))


CPU_OFF = [0, 1, 128, 255, 300, 384, 768, 1000, 1536, 3072, 6144, 10240, 12288, 24576, 65536]
CPU_CANDIDATES = [*sorted(TABLE), *CPU_OFF]
NEAR = [-8192, -4096, -2048, -1024, -512, 512, 1024, 2048, 4096, 8192]
MEMORY_ODD = [1, 6, 511, 1000, 1023, 2047, 2049, 3000, 8191, 30721, 61439, 249855, 249857, 300000]


@st.composite
def cpu_memory(draw: st.DrawFn) -> tuple[int, int]:
    """A third valid pairs, a third a valid pair with its memory moved off the step or out of the row, a
    third anything."""
    branch = draw(st.integers(0, 2))
    if branch == 0:
        return draw(st.sampled_from(VALID_PAIRS))
    if branch == 1:
        cpu = draw(st.sampled_from(sorted(TABLE)))
        row = sorted(TABLE[cpu])
        memory = draw(st.sampled_from([row[0], row[-1], *row]))  # the row's ends twice as often
        return cpu, max(1, memory + draw(st.sampled_from(NEAR)))
    cpu = draw(st.sampled_from(CPU_CANDIDATES))
    memory = draw(st.one_of(st.integers(1, 512).map(lambda n: n * 512), st.sampled_from(MEMORY_ODD)))
    return cpu, memory


@settings(max_examples=1000, deadline=None)
@given(
    pair=cpu_memory(),
    cpu_form=st.sampled_from(["{n}", "{v} vCPU", "{v} vcpu", "{v}vCPU"]),
    memory_form=st.sampled_from(["{n}", "{g} GB", "{g}GB", "{g} gb"]),
    compat=st.sampled_from([["FARGATE"], ["EC2", "FARGATE"], ["FARGATE", "EC2"]]),
    windows=st.booleans(),
)
def test_pair_rule_fires_exactly_for_pairs_outside_the_table(
    pair: tuple[int, int], cpu_form: str, memory_form: str, compat: list[str], windows: bool
) -> None:
    cpu, memory = pair
    cpu_text = cpu_form.format(n=cpu, v=_decimal(cpu))
    memory_text = memory_form.format(n=memory, g=_decimal(memory))
    findings = lint_fast(pair_doc(cpu_text, memory_text, compat, windows))
    valid = memory in TABLE.get(cpu, set()) and (not windows or cpu in WINDOWS_CPU)
    pair_findings = [f for f in findings if f["rule"] == "TDL201"]
    assert bool(pair_findings) == (not valid), (cpu_text, memory_text, windows, pair_findings)
    assert [f for f in findings if f["rule"] in ("TDL202", "TDL003")] == []


def test_pair_rule_over_the_whole_grid() -> None:
    """Every candidate cpu with every multiple of 512 MiB up to 256 GiB, Linux and Windows, by direct call."""
    for windows in (False, True):
        for cpu in CPU_CANDIDATES:
            for memory in [*range(512, 262145, 512), *MEMORY_ODD]:
                data: dict[str, Any] = {
                    "family": "web",
                    "requiresCompatibilities": ["FARGATE"],
                    "cpu": str(cpu),
                    "memory": str(memory),
                    "containerDefinitions": [WEB],
                }
                if windows:
                    data.update(WINDOWS)
                found = list(fargate_invalid_cpu_memory(TaskDef(data, "REGISTER")))
                valid = memory in TABLE.get(cpu, set()) and (not windows or cpu in WINDOWS_CPU)
                assert bool(found) == (not valid), (cpu, memory, windows, found)


@settings(max_examples=60, deadline=None)
@given(pair=cpu_memory(), compat=st.sampled_from([None, ["EC2"], ["EXTERNAL"], ["MANAGED_INSTANCES"]]))
def test_pair_rule_is_silent_outside_fargate(pair: tuple[int, int], compat: list[str] | None) -> None:
    top: dict[str, Any] = {"cpu": str(pair[0]), "memory": str(pair[1])}
    if compat is not None:
        top["requiresCompatibilities"] = compat
    assert [f for f in lint_fast(doc(**top)) if f["rule"] in ("TDL200", "TDL201")] == []


# -- catches and catches-not, per rule -----------------------------------------------------------------

CASES: list[tuple[str, str, str, list[str]]] = [
    # TDL200 fargate-missing-task-size
    ("TDL200", "no cpu and no memory", doc(**FARGATE), [""]),
    ("TDL200", "no cpu", doc(**FARGATE, memory="512"), [""]),
    ("TDL200", "no memory", doc(**FARGATE, cpu="256"), [""]),
    ("TDL200", "null cpu", doc(**FARGATE, cpu=None, memory="512"), [""]),
    ("TDL200", "EC2 and FARGATE", doc(requiresCompatibilities=["EC2", "FARGATE"], cpu="256"), [""]),
    ("TDL200", "windows fargate too", doc(**FARGATE, **WINDOWS), [""]),
    ("TDL200", "both given", doc(**FARGATE, cpu="256", memory="512"), []),
    ("TDL200", "unit strings count", doc(**FARGATE, cpu="1 vCPU", memory="2 GB"), []),
    ("TDL200", "wrong type counts as present", doc(**FARGATE, cpu=256, memory="512"), []),
    ("TDL200", "EC2 only", doc(requiresCompatibilities=["EC2"]), []),
    ("TDL200", "no compatibilities", doc(), []),
    ("TDL200", "compatibilities not a list", doc(requiresCompatibilities="FARGATE"), []),
    # TDL201 fargate-invalid-cpu-memory
    ("TDL201", "memory off the row", doc(**FARGATE, cpu="256", memory="4096"), ["/memory"]),
    ("TDL201", "cpu not a size", doc(**FARGATE, cpu="1000", memory="2048"), ["/cpu"]),
    ("TDL201", "16 vCPU off-step", doc(**FARGATE, cpu="16 vCPU", memory="36 GB"), ["/memory"]),
    ("TDL201", "16 vCPU on-step", doc(**FARGATE, cpu="16 vCPU", memory="40 GB"), []),
    ("TDL201", "8 vCPU 60 GB", doc(**FARGATE, cpu="8192", memory="61440"), []),
    ("TDL201", "32 vCPU 244 GB", doc(**FARGATE, cpu="32 vCPU", memory="244GB"), []),
    ("TDL201", "32 vCPU 64 GB", doc(**FARGATE, cpu="32768", memory="65536"), ["/memory"]),
    ("TDL201", "half GB", doc(**FARGATE, cpu=".25 vcpu", memory="0.5 GB"), []),
    (
        "TDL201",
        "EC2 too",
        doc(requiresCompatibilities=["EC2", "FARGATE"], cpu="512", memory="512"),
        ["/memory"],
    ),
    ("TDL201", "EC2 only is free", doc(requiresCompatibilities=["EC2"], cpu="512", memory="512"), []),
    ("TDL201", "windows 0.5 vCPU", doc(**FARGATE, **WINDOWS, cpu="512", memory="1024"), ["/cpu"]),
    ("TDL201", "windows 8 vCPU", doc(**FARGATE, **WINDOWS, cpu="8192", memory="16384"), ["/cpu"]),
    ("TDL201", "windows 4 vCPU", doc(**FARGATE, **WINDOWS, cpu="4096", memory="30720"), []),
    ("TDL201", "windows memory off", doc(**FARGATE, **WINDOWS, cpu="1024", memory="1024"), ["/memory"]),
    (
        "TDL201",
        "linux platform given",
        doc(**FARGATE, runtimePlatform={"operatingSystemFamily": "LINUX"}, cpu="8192", memory="16384"),
        [],
    ),
    ("TDL201", "unparseable cpu left to TDL202", doc(**FARGATE, cpu="1 CPU", memory="2048"), []),
    ("TDL201", "missing memory left to TDL200", doc(**FARGATE, cpu="300"), []),
    # TDL202 unparseable-task-cpu-memory
    ("TDL202", "MB suffix", doc(cpu="256", memory="512MB"), ["/memory"]),
    ("TDL202", "GiB suffix", doc(memory="1 GiB"), ["/memory"]),
    ("TDL202", "CPU word", doc(cpu="1 CPU"), ["/cpu"]),
    ("TDL202", "fractional units", doc(cpu="1.5"), ["/cpu"]),
    ("TDL202", "fraction of a unit", doc(cpu="0.1 vCPU"), ["/cpu"]),
    ("TDL202", "empty strings", doc(cpu="", memory=""), ["/cpu", "/memory"]),
    ("TDL202", "negative", doc(cpu="-256"), ["/cpu"]),
    ("TDL202", "leading decimal point, as the AWS table writes it", doc(cpu=".25 vCPU", memory=".5 GB"), []),
    ("TDL202", "template placeholders", doc(cpu="${TASK_CPU}", memory="{{ memory }}"), []),
    ("TDL202", "vcpu on memory", doc(memory="2 vCPU"), ["/memory"]),
    ("TDL202", "documented forms", doc(cpu="1 vCPU", memory="2GB"), []),
    ("TDL202", "lower case forms", doc(cpu="0.5 vcpu", memory="2 gb"), []),
    ("TDL202", "plain numbers", doc(cpu="1024", memory="2048"), []),
    ("TDL202", "numbers are for TDL003", doc(cpu=1024, memory=2048), []),
    ("TDL202", "absent", doc(), []),
    # TDL203 task-cpu-out-of-range
    ("TDL203", "below 128", doc(cpu="127"), ["/cpu"]),
    ("TDL203", "zero", doc(cpu="0"), ["/cpu"]),
    ("TDL203", "above 192 vCPU", doc(requiresCompatibilities=["EC2"], cpu="196609"), ["/cpu"]),
    ("TDL203", "external", doc(requiresCompatibilities=["EXTERNAL"], cpu="200 vCPU"), ["/cpu"]),
    ("TDL203", "lowest", doc(cpu="128"), []),
    ("TDL203", "highest", doc(cpu="196608"), []),
    ("TDL203", "fargate is TDL201's", doc(**FARGATE, cpu="64", memory="512"), []),
    ("TDL203", "ignored for windows on EC2", doc(**WINDOWS, cpu="64"), []),
    # TDL204 task-cpu-below-quarter-vcpu
    ("TDL204", "128", doc(cpu="128"), ["/cpu"]),
    ("TDL204", "255", doc(requiresCompatibilities=["EC2"], cpu="255"), ["/cpu"]),
    ("TDL204", "256", doc(cpu="256"), []),
    ("TDL204", "below 128 is TDL203's", doc(cpu="100"), []),
    ("TDL204", "fargate", doc(**FARGATE, cpu="128", memory="512"), []),
    ("TDL204", "windows on EC2", doc(**WINDOWS, cpu="128"), []),
    # TDL205 container-memory-exceeds-task-memory
    ("TDL205", "over", doc([c(memory=2048)], memory="1024"), ["/containerDefinitions/0/memory"]),
    ("TDL205", "over, GB", doc([c(memory=1025)], memory="1 GB"), ["/containerDefinitions/0/memory"]),
    (
        "TDL205",
        "two over",
        doc([c("a", memory=600), c("b", memory=700)], memory="512"),
        ["/containerDefinitions/0/memory", "/containerDefinitions/1/memory"],
    ),
    ("TDL205", "equal", doc([c(memory=1024)], memory="1024"), []),
    ("TDL205", "reservation only", doc([c(memoryReservation=2048)], memory="1024"), []),
    ("TDL205", "no task memory", doc([c(memory=99999)]), []),
    ("TDL205", "unparseable task memory", doc([c(memory=2048)], memory="1 GiB"), []),
    ("TDL205", "windows on EC2", doc([c(memory=2048)], memory="1024", **WINDOWS), []),
    (
        "TDL205",
        "windows on fargate",
        doc([c(memory=4096)], **FARGATE, **WINDOWS, cpu="1024", memory="2048"),
        ["/containerDefinitions/0/memory"],
    ),
    # TDL206 memory-reservations-exceed-task-memory
    (
        "TDL206",
        "over",
        doc([c("a", memoryReservation=512), c("b", memoryReservation=513)], memory="1024"),
        ["/memory"],
    ),
    ("TDL206", "single over", doc([c(memoryReservation=2048)], memory="1 GB"), ["/memory"]),
    (
        "TDL206",
        "equal",
        doc([c("a", memoryReservation=512), c("b", memoryReservation=512)], memory="1024"),
        [],
    ),
    (
        "TDL206",
        "memory-only containers are TDL207's",
        doc([c("a", memoryReservation=512), c("b", memory=1024)], memory="1024"),
        [],
    ),
    ("TDL206", "no task memory", doc([c(memoryReservation=4096)]), []),
    ("TDL206", "windows on EC2", doc([c(memoryReservation=4096)], memory="1024", **WINDOWS), []),
    # TDL207 container-memory-total-exceeds-task-memory
    (
        "TDL207",
        "memory counts",
        doc([c("a", memoryReservation=512), c("b", memory=768)], memory="1024"),
        ["/memory"],
    ),
    ("TDL207", "two hard limits", doc([c("a", memory=512), c("b", memory=768)], memory="1024"), ["/memory"]),
    (
        "TDL207",
        "reservation replaces memory",
        doc([c("a", memoryReservation=256, memory=1024), c("b", memory=768)], memory="1024"),
        [],
    ),
    (
        "TDL207",
        "explicit over is TDL206's",
        doc([c("a", memoryReservation=2048), c("b", memory=8)], memory="1024"),
        [],
    ),
    ("TDL207", "one container over is TDL205's", doc([c("a", memory=2048)], memory="1024"), []),
    ("TDL207", "equal", doc([c("a", memory=512), c("b", memory=512)], memory="1024"), []),
    ("TDL207", "unset counts 0", doc([c("a", memory=1024), c("b")], memory="1024"), []),
    # TDL208 container-cpu-exceeds-task-cpu
    ("TDL208", "over", doc([c("a", cpu=512), c("b", cpu=513)], cpu="1024"), ["/cpu"]),
    ("TDL208", "over vCPU", doc([c("a", cpu=300)], cpu="0.25 vCPU"), ["/cpu"]),
    ("TDL208", "equal", doc([c("a", cpu=512), c("b", cpu=512)], cpu="1 vcpu"), []),
    ("TDL208", "no task cpu", doc([c("a", cpu=99999)]), []),
    ("TDL208", "no container cpu", doc([c("a"), c("b")], cpu="256"), []),
    ("TDL208", "windows on EC2", doc([c("a", cpu=4096)], cpu="1024", **WINDOWS), []),
    # TDL209 memory-reservation-exceeds-memory
    (
        "TDL209",
        "over",
        doc([c(memory=256, memoryReservation=512)]),
        ["/containerDefinitions/0/memoryReservation"],
    ),
    (
        "TDL209",
        "second container",
        doc([c("a", memory=64), c("b", memory=100, memoryReservation=101)]),
        ["/containerDefinitions/1/memoryReservation"],
    ),
    ("TDL209", "under", doc([c(memory=512, memoryReservation=256)]), []),
    ("TDL209", "equal is TDL210's", doc([c(memory=512, memoryReservation=512)]), []),
    ("TDL209", "reservation alone", doc([c(memoryReservation=512)]), []),
    # TDL210 memory-equals-memory-reservation
    (
        "TDL210",
        "equal",
        doc([c(memory=512, memoryReservation=512)]),
        ["/containerDefinitions/0/memoryReservation"],
    ),
    ("TDL210", "under", doc([c(memory=512, memoryReservation=511)]), []),
    ("TDL210", "over is TDL209's", doc([c(memory=512, memoryReservation=513)]), []),
    # TDL211 container-memory-unset
    ("TDL211", "none anywhere", doc([c()]), ["/containerDefinitions/0"]),
    ("TDL211", "second container", doc([c("a", memory=64), c("b")]), ["/containerDefinitions/1"]),
    ("TDL211", "zero is not set", doc([c("a", memory=0, memoryReservation=0)]), ["/containerDefinitions/0"]),
    ("TDL211", "null is not set", doc([c("a", memory=None)]), ["/containerDefinitions/0"]),
    ("TDL211", "EC2", doc([c()], requiresCompatibilities=["EC2"]), ["/containerDefinitions/0"]),
    ("TDL211", "memory", doc([c(memory=64)]), []),
    ("TDL211", "reservation", doc([c(memoryReservation=64)]), []),
    ("TDL211", "task memory", doc([c()], memory="512"), []),
    ("TDL211", "unparseable task memory still given", doc([c()], memory="512MB"), []),
    ("TDL211", "fargate is TDL200's", doc([c()], **FARGATE, cpu="256"), []),
    ("TDL211", "wrong type counts as given", doc([c(memory="512")]), []),
    # TDL212 container-memory-below-minimum
    ("TDL212", "4 MiB", doc([c(memory=4)]), ["/containerDefinitions/0/memory"]),
    (
        "TDL212",
        "both",
        doc([c(memory=5, memoryReservation=0)]),
        ["/containerDefinitions/0/memory", "/containerDefinitions/0/memoryReservation"],
    ),
    ("TDL212", "6 MiB", doc([c(memory=6, memoryReservation=6)]), []),
    ("TDL212", "bool is not a number", doc([c(memory=True)]), []),
    # TDL213 ephemeral-storage-out-of-range
    ("TDL213", "20", doc(ephemeralStorage={"sizeInGiB": 20}), ["/ephemeralStorage/sizeInGiB"]),
    ("TDL213", "201", doc(ephemeralStorage={"sizeInGiB": 201}), ["/ephemeralStorage/sizeInGiB"]),
    ("TDL213", "0", doc(ephemeralStorage={"sizeInGiB": 0}), ["/ephemeralStorage/sizeInGiB"]),
    ("TDL213", "21", doc(ephemeralStorage={"sizeInGiB": 21}), []),
    ("TDL213", "200", doc(ephemeralStorage={"sizeInGiB": 200}), []),
    ("TDL213", "a string is TDL003's", doc(ephemeralStorage={"sizeInGiB": "10"}), []),
    ("TDL213", "absent", doc(), []),
    # TDL214 fargate-container-timeout-out-of-range
    (
        "TDL214",
        "stop 121",
        doc([c(stopTimeout=121)], **FARGATE, cpu="256", memory="512"),
        ["/containerDefinitions/0/stopTimeout"],
    ),
    (
        "TDL214",
        "start 0",
        doc([c(startTimeout=0)], requiresCompatibilities=["EC2", "FARGATE"]),
        ["/containerDefinitions/0/startTimeout"],
    ),
    (
        "TDL214",
        "second container",
        doc([c("a"), c("b", stopTimeout=1)], **FARGATE),
        ["/containerDefinitions/1/stopTimeout"],
    ),
    ("TDL214", "bounds", doc([c(stopTimeout=2, startTimeout=120)], **FARGATE), []),
    ("TDL214", "EC2", doc([c(stopTimeout=600, memory=64)], requiresCompatibilities=["EC2"]), []),
    ("TDL214", "no compatibilities", doc([c(stopTimeout=600, memory=64)]), []),
]


@pytest.mark.parametrize(
    ("rule", "title", "text", "expected"), CASES, ids=[f"{r}-{t}" for r, t, _, _ in CASES]
)
def test_rule_cases(rule: str, title: str, text: str, expected: list[str], lint_text: Any) -> None:
    result = lint_text(text)
    assert result.code in (0, 1), result.stderr
    assert pointers(result, rule) == sorted(expected)


# -- positions and messages ----------------------------------------------------------------------------

EXACT: list[tuple[str, str, list[tuple[int, int, str, str]]]] = [
    (
        "TDL200",
        """{
  "family": "web",
  "requiresCompatibilities": ["FARGATE"],
  "networkMode": "awsvpc",
  "memory": "512",
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27"}]
}""",
        [
            (
                1,
                1,
                "",
                "Task definition requires FARGATE but sets no task-level cpu; Fargate requires both "
                "(ECS: \"Fargate requires that 'cpu' be defined at the task level.\")",
            )
        ],
    ),
    (
        "TDL201",
        """{
  "family": "web",
  "requiresCompatibilities": ["FARGATE"],
  "networkMode": "awsvpc",
  "cpu": "1 vCPU",
  "memory": "1024",
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27"}]
}""",
        [
            (
                6,
                3,
                "/memory",
                'Task memory 1024 MiB is not a Fargate size for task cpu "1 vCPU" (1024 CPU units); use '
                '2048-8192 MiB in steps of 1024 (ECS: "No Fargate configuration exists for given values.")',
            )
        ],
    ),
    (
        "TDL202",
        """{
  "family": "web",
  "cpu": "256",
  "memory": "512 MiB",
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27"}]
}""",
        [
            (
                4,
                3,
                "/memory",
                'Task memory "512 MiB" is not a whole number of MiB ("2048") or of GB that converts to whole '
                'MiB ("2 GB", "2GB")',
            )
        ],
    ),
    (
        "TDL203",
        """{
  "family": "web",
  "requiresCompatibilities": ["EC2"],
  "cpu": "64",
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 64}]
}""",
        [
            (
                4,
                3,
                "/cpu",
                "Task cpu 64 (0.0625 vCPU) is outside the supported range of 128-196608 CPU units "
                "(0.125-192 vCPU)",
            )
        ],
    ),
    (
        "TDL204",
        """{
  "family": "web",

  "cpu": "0.125 vCPU",
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 64}]
}""",
        [
            (
                4,
                3,
                "/cpu",
                'Task cpu "0.125 vCPU" (128 CPU units) is below 256 CPU units (0.25 vCPU), the smallest task '
                "size the current ECS documentation supports",
            )
        ],
    ),
    (
        "TDL205",
        """{
  "family": "web",
  "memory": "0.5 GB",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27",
     "memory": 1024}
  ]
}""",
        [
            (
                6,
                6,
                "/containerDefinitions/0/memory",
                'Container "web" memory 1024 MiB is more than the task memory "0.5 GB" (512 MiB)',
            )
        ],
    ),
    (
        "TDL206",
        """{
  "family": "web",
  "memory": "1024",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "memoryReservation": 768},
    {"name": "log", "image": "fluent/fluent-bit:3.0", "memoryReservation": 512}
  ]
}""",
        [
            (
                3,
                3,
                "/memory",
                'The containers\' memoryReservation values add up to 1280 MiB ("web" 768, "log" 512), more '
                "than the task memory 1024 MiB",
            )
        ],
    ),
    (
        "TDL207",
        """{
  "family": "web",
  "memory": "1024",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "memory": 768},
    {"name": "log", "image": "fluent/fluent-bit:3.0", "memoryReservation": 512}
  ]
}""",
        [
            (
                3,
                3,
                "/memory",
                'The containers reserve 1280 MiB in total ("web" 768, "log" 512; memoryReservation, else '
                "memory), more than the task memory 1024 MiB",
            )
        ],
    ),
    (
        "TDL208",
        """{
  "family": "web",
  "memory": "1024",
    "cpu": "256",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "cpu": 256},
    {"name": "log", "image": "fluent/fluent-bit:3.0", "cpu": 10}
  ]
}""",
        [
            (
                4,
                5,
                "/cpu",
                'The containers\' cpu values add up to 266 CPU units ("web" 256, "log" 10), more than the '
                "task cpu 256 (0.25 vCPU)",
            )
        ],
    ),
    (
        "TDL209",
        """{
  "family": "web",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "memory": 256, "memoryReservation": 512}
  ]
}""",
        [
            (
                4,
                59,
                "/containerDefinitions/0/memoryReservation",
                'Container "web" memoryReservation 512 MiB is more than its memory limit 256 MiB; memory must '
                "be greater than memoryReservation",
            )
        ],
    ),
    (
        "TDL210",
        """{
  "family": "web",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "memory": 256,
      "memoryReservation": 256}
  ]
}""",
        [
            (
                5,
                7,
                "/containerDefinitions/0/memoryReservation",
                'Container "web" memoryReservation equals its memory limit (256 MiB); the ECS API says memory '
                "must be greater than memoryReservation",
            )
        ],
    ),
    (
        "TDL211",
        """{
  "family": "web",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "memory": 256},
      {"name": "log", "image": "fluent/fluent-bit:3.0"}
  ]
}""",
        [
            (
                5,
                7,
                "/containerDefinitions/1",
                'Container "log" sets neither memory nor memoryReservation and the task sets no memory (ECS: '
                "\"Invalid setting for container 'log'. At least one of 'memory' or 'memoryReservation' must "
                'be specified.")',
            )
        ],
    ),
    (
        "TDL212",
        """{
  "family": "web",
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27", "memory": 256, "memoryReservation": 4}
  ]
}""",
        [
            (
                4,
                59,
                "/containerDefinitions/0/memoryReservation",
                'Container "web" memoryReservation 4 MiB is below 6 MiB, the least Docker 20.10 and later '
                "reserve for a container",
            )
        ],
    ),
    (
        "TDL213",
        """{
  "family": "web",
  "ephemeralStorage": {
    "sizeInGiB": 500
  },
  "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 256}]
}""",
        [
            (
                4,
                5,
                "/ephemeralStorage/sizeInGiB",
                "ephemeralStorage.sizeInGiB is 500 GiB; it must be between 21 and 200 GiB",
            )
        ],
    ),
    (
        "TDL214",
        """{
  "family": "web",
  "requiresCompatibilities": ["FARGATE"],
  "containerDefinitions": [
    {"name": "web", "image": "nginx:1.27",
     "stopTimeout": 300}
  ]
}""",
        [
            (
                6,
                6,
                "/containerDefinitions/0/stopTimeout",
                'Container "web" stopTimeout is 300 seconds; on Fargate it must be between 2 and 120',
            )
        ],
    ),
]


@pytest.mark.parametrize(("rule", "text", "expected"), EXACT, ids=[r for r, _, _ in EXACT])
def test_positions_and_messages(rule: str, text: str, expected: list[Any], lint_text: Any) -> None:
    result = lint_text(text)
    found = [
        (f["line"], f["column"], f["pointer"], f["message"]) for f in result.findings if f["rule"] == rule
    ]
    assert found == expected


def test_severities(lint_text: Any) -> None:
    text = doc([c(memory=256, memoryReservation=256)], cpu="512MB")
    severities = {f["rule"]: f["severity"] for f in lint_text(text).findings}
    assert severities["TDL210"] == "warning"
    assert severities["TDL202"] == "error"  # "Invalid 'cpu' setting for task." (issue 12)


def test_fargate_cpu_message_lists_the_sizes(lint_text: Any) -> None:
    result = lint_text(doc(**FARGATE, cpu="768", memory="2048"))
    assert [f["message"] for f in result.findings if f["rule"] == "TDL201"] == [
        "Task cpu 768 (0.75 vCPU) is not a Fargate task size; use 256, 512, 1024, 2048, 4096, 8192, 16384 or "
        "32768 CPU units"
    ]
    result = lint_text(doc(**FARGATE, **WINDOWS, cpu="0.25 vCPU", memory="512"))
    assert [f["message"] for f in result.findings if f["rule"] == "TDL201"] == [
        'Task cpu "0.25 vCPU" (256 CPU units) is not available for Windows containers on Fargate; use 1024, '
        "2048 or 4096 CPU units (1, 2 or 4 vCPU)"
    ]
    result = lint_text(doc(**FARGATE, cpu="256", memory="3072"))
    assert [f["message"] for f in result.findings if f["rule"] == "TDL201"] == [
        "Task memory 3072 MiB is not a Fargate size for task cpu 256 (0.25 vCPU); use 512, 1024 or 2048 MiB "
        '(ECS: "No Fargate configuration exists for given values.")'
    ]


# -- other document kinds ------------------------------------------------------------------------------


def test_describe_output_pointers_are_inside_task_definition(lint_text: Any) -> None:
    inner = json.loads(doc([c(memory=8192)], **FARGATE, cpu="256", memory="4096"))
    inner["taskDefinitionArn"] = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1"
    result = lint_text(json.dumps({"taskDefinition": inner}, indent=2))
    assert pointers(result, "TDL201") == ["/taskDefinition/memory"]
    assert pointers(result, "TDL205") == ["/taskDefinition/containerDefinitions/0/memory"]


def test_bare_container_list_skips_task_level_rules(lint_text: Any) -> None:
    text = json.dumps([c("a"), c("b", memory=4, memoryReservation=8, cpu=99999)], indent=2)
    result = lint_text(text)
    assert result.code in (0, 1), result.stderr
    rules = {f["rule"] for f in result.findings}
    assert rules.isdisjoint({"TDL200", "TDL201", "TDL203", "TDL205", "TDL206", "TDL207", "TDL208", "TDL211"})
    assert pointers(result, "TDL209") == ["/1/memoryReservation"]
    assert pointers(result, "TDL212") == ["/1/memory"]


# -- wrong types never crash ---------------------------------------------------------------------------

WRONG_TYPES = [
    doc(**FARGATE, cpu=256, memory=512),
    doc(**FARGATE, cpu=["256"], memory={"mib": 512}),
    doc(**FARGATE, cpu=True, memory=None),
    doc(requiresCompatibilities="FARGATE", cpu="256", memory="512"),
    doc(requiresCompatibilities=[1, None, {"x": "FARGATE"}], cpu="256", memory="512"),
    doc(**FARGATE, runtimePlatform="WINDOWS", cpu="512", memory="1024"),
    doc(**FARGATE, runtimePlatform={"operatingSystemFamily": 7}, cpu="512", memory="1024"),
    doc([c(memory="512", memoryReservation=[1], cpu="1024")], cpu="256", memory="512"),
    doc([c(memory=True, memoryReservation=False, cpu=None)], cpu="256", memory="512"),
    doc([c(memory=1.5, memoryReservation=2.5, cpu=1e3)], cpu="256", memory="512"),
    doc([5, "web", None, [], c()], cpu="256", memory="512"),
    doc([c(stopTimeout="30", startTimeout=[1])], **FARGATE, cpu="256", memory="512"),
    doc(ephemeralStorage=[21]),
    doc(ephemeralStorage={"sizeInGiB": True}),
    doc(ephemeralStorage={"sizeInGiB": None}),
    json.dumps({"family": "web", "containerDefinitions": {"web": c()}, "cpu": "256", "memory": "512"}),
    json.dumps({"family": "web", "containerDefinitions": "web", "requiresCompatibilities": ["FARGATE"]}),
    json.dumps({"taskDefinition": {"family": "web", "containerDefinitions": [c(memory=99)], "memory": 5}}),
    json.dumps([{"name": "a", "memory": "x"}, {"image": "b", "cpu": []}]),
    doc(cpu="9" * 400, memory="9" * 400),
    doc(**FARGATE, cpu="9" * 5000, memory="9" * 5000),
    doc(cpu="9" * 5000 + " vCPU", memory="1" + "0" * 30),
    doc(**FARGATE, cpu="1e3", memory="0x800"),
    doc(**FARGATE, cpu="١٠٢٤", memory="٢٠٤٨"),
]


@pytest.mark.parametrize("text", WRONG_TYPES, ids=[str(i) for i in range(len(WRONG_TYPES))])
def test_wrong_types_do_not_crash(text: str, lint_text: Any) -> None:
    result = lint_text(text)
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
