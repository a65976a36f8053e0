"""Robustness: whatever is in the repository, the linter neither crashes, nor hangs, nor misleads.

What test_documents.py and test_cli.py already pin (syntax errors at every position, trailing commas,
comments, duplicate keys, byte order marks, UTF-16, Latin-1, binary, empty files, `null`, lists of
non-objects, 100,000 levels of nesting, `1e400`, `NaN`, long strings, hand-picked wrong types, folder
symlink loops, unreadable files, paths with spaces and non-ASCII names) is not repeated here. This file
adds: every member of the schema at every level replaced by every wrong JSON type; files over the size
limit; thousands of files; FIFOs, devices and file symlink loops in a searched folder; file and member
names that no output format may choke on or be forged by; a rule that raises; and property tests:
generated valid task definitions give no finding, each kind of single defect gives its rule at its
pointer, arbitrary JSON never crashes any rule or format, and rendering keeps every member.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from taskdeflint.data import task_definition_schema
from taskdeflint.engine.catalogue import load_catalogue
from taskdeflint.engine.linter import FileResult, Linter, Policy
from taskdeflint.findings import Finding
from taskdeflint.formats import FORMATS, Report, renderer
from taskdeflint.readers.base import READ_ONLY_MEMBERS
from tests.conftest import lint
from tests.test_hostile import user_rule

CATALOGUE = load_catalogue()
LINTER = Linter(CATALOGUE, Policy())
RULE_IDS = {rule.id for rule in CATALOGUE.rules}

GOOD = '{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512}]}\n'
BROKEN = (
    '{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memroy": 512}]}\n'
)


def lint_value(value: Any, path: str = "taskdef.json") -> FileResult:
    """Lint a JSON value in-process with every rule; the value is written as a file would hold it."""
    result = LINTER.lint(path, json.dumps(value, indent=2).encode("utf-8"))
    assert result is not None
    return result


def render_all(results: list[FileResult]) -> dict[str, str]:
    """Every output format's report, encoded as the CLI writes it."""
    report = Report(results, CATALOGUE)
    return {
        name: renderer(name)(report).encode("utf-8", "backslashreplace").decode("utf-8") for name in FORMATS
    }


# --- every member of the schema, at every level, of every wrong type -------------------------------------

SCHEMA = task_definition_schema()
JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
WRONG_VALUES: dict[str, Any] = {
    "null": None,
    "boolean": True,
    "integer": 7,
    "number": 2.5,
    "string": "x",
    "array": [],
    "object": {},
}


def _accepts(schema_type: str | list[str], value_type: str) -> bool:
    types = [schema_type] if isinstance(schema_type, str) else schema_type
    return value_type in types or (value_type == "integer" and "number" in types)


def schema_example(
    schema: dict[str, Any], pointer: str = "", found: list[tuple[str, Any]] | None = None
) -> Any:
    """A value with every member the schema knows, at every level (one item per array, one member per map),
    and, in `found`, each position's pointer with the JSON type(s) the schema wants there."""
    found = [] if found is None else found
    if "$ref" in schema:
        return schema_example(SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[-1]], pointer, found)
    kind = schema.get("type")
    if pointer:
        found.append((pointer, kind))
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        value = {
            k: schema_example(v, f"{pointer}/{k}", found) for k, v in schema.get("properties", {}).items()
        }
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            value["key"] = schema_example(extra, f"{pointer}/key", found)
        return value
    if kind == "array":
        return [schema_example(schema.get("items", {}), f"{pointer}/0", found)]
    return {"string": "x", "integer": 1, "number": 1, "boolean": True}[kind]


def _set(document: Any, pointer: str, value: Any) -> Any:
    document = copy.deepcopy(document)
    *parents, last = pointer[1:].split("/")
    node = document
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return document


def _wrong_type_cases() -> list[tuple[str, str, Any]]:
    found: list[tuple[str, Any]] = []
    schema_example(SCHEMA["$defs"]["RegisterTaskDefinitionRequest"], "", found)
    return [
        (pointer, value_type, WRONG_VALUES[value_type])
        for pointer, wanted in found
        for value_type in JSON_TYPES
        if not _accepts(wanted, value_type)
    ]


FULL_DOCUMENT = schema_example(SCHEMA["$defs"]["RegisterTaskDefinitionRequest"])
WRONG_TYPES = _wrong_type_cases()


def test_the_full_document_reaches_every_level() -> None:
    # The walk covers the schema: ~200 positions, the deepest five levels down.
    pointers = {pointer for pointer, _, _ in WRONG_TYPES}
    assert len(pointers) > 180
    assert "/containerDefinitions/0/linuxParameters/capabilities/add/0" in pointers
    assert "/volumes/0/efsVolumeConfiguration/authorizationConfig/iam" in pointers
    assert "/containerDefinitions/0/dockerLabels/key" in pointers
    assert len(WRONG_TYPES) > 1000


def test_every_member_of_every_wrong_type_is_a_schema_finding_and_no_rule_crashes() -> None:
    """~1,100 documents: each has one member (of the ~200 the schema knows, at every level) replaced by a
    value of a type the schema does not allow. Every rule runs on each; none may raise, and the schema
    rule reports the member, at its own pointer, as of the wrong type."""
    started = time.perf_counter()
    missed = []
    for pointer, value_type, value in WRONG_TYPES:
        result = lint_value(_set(FULL_DOCUMENT, pointer, value))
        if value is None and not pointer.rsplit("/", 1)[-1].isdigit():
            # A null member is read as absent, and reported once as null-member.
            if not any(f.rule == "TDL020" and f.pointer == pointer for f in result.findings):
                missed.append((pointer, value_type, [f.rule for f in result.findings]))
            continue
        messages = [f.message for f in result.findings if f.rule == "TDL003" and f.pointer == pointer]
        if not any(" must be " in m for m in messages):
            missed.append((pointer, value_type, messages))
    assert missed == []
    assert time.perf_counter() - started < 30


@pytest.mark.parametrize("form", ["describe", "containers"])
def test_wrong_types_in_the_other_input_forms(form: str) -> None:
    """The same mutations in describe output and in a bare container list (every third, to stay fast):
    reported at the pointer of that form."""
    for pointer, _value_type, value in WRONG_TYPES[::3]:
        document = _set(FULL_DOCUMENT, pointer, value)
        if form == "describe":
            wrapped: Any = {"taskDefinition": document, "tags": [{"key": "k", "value": "v"}]}
            expected = "/taskDefinition" + pointer
        else:
            if not pointer.startswith("/containerDefinitions/"):
                continue
            wrapped = document["containerDefinitions"]
            expected = pointer[len("/containerDefinitions") :]
        result = lint_value(wrapped)
        # At the member, or at an ancestor: describe output has no "tags" inside "taskDefinition" (an
        # unknown member there), and an item of a bare list that is not an object makes the whole file "not
        # a list of containers".
        rules = {
            f.rule for f in result.findings if expected == f.pointer or expected.startswith(f.pointer + "/")
        }
        assert rules & {"TDL003", "TDL004", "TDL020"}, (form, pointer, value)


# --- files: size, number, kind -------------------------------------------------------------------------


def test_a_50_mb_file_is_refused_with_a_clear_message_and_not_read(tmp_path: Path) -> None:
    big = tmp_path / "deploy" / "huge.json"
    big.parent.mkdir()
    with big.open("wb") as stream:
        stream.write(b'{"family": "web", "containerDefinitions": [')
        item = b'{"name": "web", "image": "nginx:1.27", "memory": 512},\n'
        stream.write(item * (50 * 1024 * 1024 // len(item)))
        stream.write(b'{"name": "last", "image": "nginx:1.27"}]}')
    assert big.stat().st_size > 50 * 1024 * 1024
    (tmp_path / "deploy" / "good.json").write_text(GOOD, encoding="utf-8")
    started = time.perf_counter()
    result = lint(tmp_path, "deploy", select=("TDL0",))
    assert time.perf_counter() - started < 10
    # A warning: the limit is the linter's own, not a fault of the file (issue 12).
    assert result.code == 0 and result.stderr == ""
    assert [(f["path"], f["rule"], f["line"], f["column"], f["message"]) for f in result.findings] == [
        (
            "deploy/huge.json",
            "TDL007",
            1,
            1,
            "File is larger than 8 MiB, the most taskdeflint reads, so it was not linted (see max-file-size)",
        )
    ]


def test_a_50_mb_stdin_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "taskdeflint", "lint", "--select", "TDL007", "-"],
        input=b"[" + b" " * (50 * 1024 * 1024) + b"]",
        capture_output=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.decode().startswith("<stdin>:1:1: warning TDL007 File is larger than 8 MiB")
    assert completed.stderr == b""


def _large(size: int) -> Iterator[tuple[str, bytes]]:
    """Documents of about `size` bytes, each made large in one way; the first few were slower than linear
    (a rule compared every port mapping with every other one, regular expressions backtracked
    quadratically), the last crashed."""

    def container(inside: bytes) -> bytes:
        return (
            b'{"family": "f", "containerDefinitions": [{"name": "a", "image": "b:1", "memory": 8, '
            + inside
            + b"}]}"
        )

    def repeat(item: bytes) -> bytes:
        return b", ".join([item] * (size // (len(item) + 2)))

    yield (
        "port mappings",
        container(b'"portMappings": [' + repeat(b'{"containerPort": 80, "hostPort": 80}') + b"]"),
    )
    mixed = b", ".join(
        b'{"containerPort": %d, "protocol": "%s"}' % (n, b"udp" if n % 2 else b"tcp")
        for n in range(size // 40)
    )
    yield "mixed protocols", container(b'"portMappings": [' + mixed + b"]")
    yield "port ranges", container(b'"portMappings": [' + repeat(b'{"containerPortRange": "80-90"}') + b"]")
    yield (
        "task cpu of blanks",
        container(b'"user": "1"').replace(b'"f",', b'"f", "cpu": "1' + b" " * size + b'x",'),
    )
    yield (
        "memory of blanks",
        container(b'"user": "1"').replace(b'"f",', b'"f", "memory": "1' + b"\t" * size + b'x",'),
    )
    jwt = b"eyJ-" * (size // 4)
    yield "token-like value", container(b'"environment": [{"name": "X", "value": "' + jwt + b'"}]')
    items = b", ".join(
        b'{"name": "n%d", "image": "x:1", "memory": 6, "links": ["n%d"]}' % (n, n + 1)
        for n in range(size // 60)
    )
    yield "containers", b"[" + items + b"]"
    yield (
        "environment",
        container(b'"environment": [' + repeat(b'{"name": "A", "value": "b", "x": 1}') + b"]"),
    )
    yield (
        "volumes",
        container(b'"user": "1"').replace(b'"f",', b'"f", "volumes": [' + repeat(b'{"name": "v"}') + b"],"),
    )
    yield "members", container(b", ".join(b'"k%d": 1' % n for n in range(size // 12)))
    yield (
        "port range of many digits",
        container(b'"portMappings": [{"containerPortRange": "' + b"1" * size + b'-2"}]'),
    )


def _seconds(data: bytes) -> float:
    """The least CPU time of three lints: this process's own time, which other processes on a busy machine
    do not add to as they do to the wall clock."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        result = LINTER.lint("big.json", data)
        best = min(best, time.process_time() - started)
        assert result is not None and result.findings
    return best


def test_linting_time_grows_linearly_with_the_size_of_the_file() -> None:
    """The limit is 8 MiB, 128 times what ECS registers: every way of making a file large must cost time
    in proportion, or a large file in a repository stalls CI for hours. Eight times the size may take at most
    twenty times as long (quadratic work takes sixty-four times as long)."""
    small, large = dict(_large(10_000)), dict(_large(80_000))
    slow = {}
    for name in small:
        ratio = _seconds(large[name]) / max(_seconds(small[name]), 0.002)
        if ratio > 20:
            slow[name] = round(ratio, 1)
    assert slow == {}


def test_thousands_of_files_with_bad_ones_among_them(tmp_path: Path) -> None:
    """3,000 files in 30 folders, linted by worker processes: every bad file is reported, none stops the
    others, the order is stable, and files that are not task definitions are skipped."""
    kinds: list[tuple[str, bytes, str | None]] = [
        ("good", GOOD.encode(), None),
        ("broken", BROKEN.encode(), "TDL003"),
        ("syntax", b'{"containerDefinitions": [,]}', "TDL001"),
        ("utf16", GOOD.encode("utf-16"), "TDL005"),
        ("deep", b'{"containerDefinitions": ' + b"[" * 1000 + b"]" * 1000 + b"}", "TDL006"),
        ("other", b'{"name": "package", "version": "1.0.0"}', None),
    ]
    expected: dict[str, str] = {}
    for folder in range(30):
        (tmp_path / f"d{folder:02}").mkdir()
        for number in range(100):
            name, data, rule = kinds[(folder * 100 + number) % len(kinds)]
            path = f"d{folder:02}/{name}-{number:03}.json"
            (tmp_path / path).write_bytes(data)
            if rule:
                expected[path] = rule
    started = time.perf_counter()
    result = lint(tmp_path, ".", select=("TDL0",), jobs=2, verbose=True)
    elapsed = time.perf_counter() - started
    assert result.code == 1
    found = {f["path"]: f["rule"] for f in result.findings}
    assert found == expected
    assert [f["path"] for f in result.findings] == sorted(f["path"] for f in result.findings)
    assert result.stderr.splitlines()[-1] == "taskdeflint: linted 2500 files"
    assert result.stderr.count("not a task definition") == 500
    assert elapsed < 60, elapsed


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_or_a_device_in_a_searched_folder_is_skipped_not_waited_on(tmp_path: Path) -> None:
    # Opening a FIFO waits for a writer forever: a folder search used to hang on one.
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "good.json").write_text(BROKEN, encoding="utf-8")
    os.mkfifo(tmp_path / "deploy" / "pipe.json")
    (tmp_path / "deploy" / "zero.json").symlink_to("/dev/zero")
    completed = subprocess.run(
        [sys.executable, "-m", "taskdeflint", "lint", "-v", "--select", "TDL0", "--format", "json", "deploy"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert {f["path"] for f in json.loads(completed.stdout)} == {"deploy/good.json"}
    assert completed.stderr.splitlines() == [
        "taskdeflint: skipped deploy/pipe.json: not a task definition",
        "taskdeflint: skipped deploy/zero.json: not a task definition",
        "taskdeflint: linted 1 file",
    ]


def test_a_device_named_explicitly_is_read_up_to_the_limit(tmp_path: Path) -> None:
    # /dev/zero never ends: the read stops at the size limit, and the NULs are reported as binary.
    (tmp_path / ".taskdeflint.toml").write_text("max-file-size = 4096\n", encoding="utf-8")
    result = lint(tmp_path, "/dev/zero", select=("TDL0",))
    assert [(f["rule"], f["message"][:28]) for f in result.findings] == [
        ("TDL007", "File is larger than 4 KiB, t")
    ]


def test_a_file_symlink_loop_is_an_io_error_and_the_others_are_linted(tmp_path: Path) -> None:
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    (tmp_path / "self.json").symlink_to(tmp_path / "self.json")
    (tmp_path / "broken.json").write_text(BROKEN, encoding="utf-8")
    for paths in ((".",), ("a.json", "self.json", "broken.json")):
        result = lint(tmp_path, *paths, select=("TDL0",))
        assert result.code == 2
        assert result.stderr.splitlines() == [
            f"taskdeflint: error: {name}: cannot read file: Too many levels of symbolic links"
            for name in ("a.json", *(("b.json",) if paths == (".",) else ()), "self.json")
        ]
        assert {f["path"] for f in result.findings} == {"broken.json"}


# --- names no output may choke on, or be forged by --------------------------------------------------------

FORGED = "\nforged.json:1:1: error TDL999 forged finding\n::error file=x::forged annotation"
HOSTILE_KEY = "memroy" + FORGED + "\x1b[2J\x07\x00\u2028\u0085\ufffe"


def _hostile_file(tmp_path: Path) -> None:
    text = json.dumps(
        {"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", HOSTILE_KEY: 1}]}
    )
    (tmp_path / "hostile.json").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("output_format", FORMATS)
def test_control_characters_in_member_names_cannot_forge_output(tmp_path: Path, output_format: str) -> None:
    """A member name may hold line breaks, escape sequences and characters XML forbids: no format may then
    print a forged finding line or annotation, drive the terminal, or become unparseable."""
    _hostile_file(tmp_path)
    result = lint(tmp_path, "hostile.json", select=("TDL003",), format=output_format)
    assert result.code == 1 and result.stderr == ""
    out = result.stdout
    assert not re.search(r"^(forged\.json|::error file=x)", out, re.MULTILINE)
    if output_format in ("json", "sarif"):
        # JSON escapes what must be escaped; the member name comes back exactly, nothing is lost.
        data = json.loads(out)
        message = (
            data[0]["message"]
            if output_format == "json"
            else data["runs"][0]["results"][0]["message"]["text"]
        )
        assert HOSTILE_KEY in message
        return
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe]", out)
    shown = (
        "memroy\\nforged.json:1:1: error TDL999 forged finding\\n::error file=x::forged annotation\\u001b[2J"
    )
    if output_format == "junit":
        failure = ET.fromstring(out).find("testsuite/testcase/failure")
        assert failure is not None and shown in failure.get("message", "")
    elif output_format == "text":
        assert out.count("\n") == 2  # one finding line and the summary
        assert shown in out
    else:
        assert out.count("\n") == 1
        assert shown.replace("\\n", "%0A") in out


@pytest.mark.skipif(sys.platform != "linux", reason="file names of arbitrary bytes are a Linux thing")
@pytest.mark.parametrize("output_format", FORMATS)
def test_file_names_that_are_not_utf8_or_hold_line_breaks(tmp_path: Path, output_format: str) -> None:
    folder = os.fsencode(tmp_path / "deploy")
    os.mkdir(folder)
    for name in (b"caf\xe9.json", b"two\nlines.json", b"tab\there.json"):
        with open(os.path.join(folder, name), "wb") as stream:
            stream.write(BROKEN.encode())
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskdeflint",
            "lint",
            "--select",
            "TDL003",
            "--format",
            output_format,
            "deploy",
        ],
        capture_output=True,
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert completed.stderr == b""
    out = completed.stdout.decode("utf-8")  # always valid UTF-8, whatever the file names
    if output_format == "text":
        assert out.splitlines() == [
            'deploy/caf\\udce9.json:1:83: error TDL003 Container "web": unknown member "memroy" (did you mean '
            '"memory"?)',
            'deploy/tab\\there.json:1:83: error TDL003 Container "web": unknown member "memroy" (did you mean '
            '"memory"?)',
            'deploy/two\\nlines.json:1:83: error TDL003 Container "web": unknown member "memroy" (did you mean '
            '"memory"?)',
            "Found 3 errors in 3 of 3 files.",
        ]
    elif output_format == "sarif":
        uris = [
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]
        ]
        assert uris == ["deploy/caf%E9.json", "deploy/tab%09here.json", "deploy/two%0Alines.json"]
    elif output_format == "junit":
        names = [case.get("name") for case in ET.fromstring(out).iter("testcase")]
        assert names == ["deploy/caf\\udce9.json", "deploy/tab\\there.json", "deploy/two\\nlines.json"]
    elif output_format == "json":
        assert len(json.loads(out)) == 3
    else:
        assert len(out.splitlines()) == 3


# --- one bad file never stops the others --------------------------------------------------------------------

EXPLODING_RULE = user_rule("ORG001", 'check = "checks.py:explode"')
EXPLODING_CHECK = """
def explode(td):
    if td.data.get("family") == "boom":
        return {}["the secret value s3cr3t-in-a-key-error"]
    return iter(())
"""


@pytest.mark.parametrize("files", [3, 80])  # sequential, and in worker processes
def test_a_rule_that_raises_on_one_file_does_not_stop_the_others(tmp_path: Path, files: int) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "ORG001.toml").write_text(EXPLODING_RULE, encoding="utf-8")
    (tmp_path / "policies" / "checks.py").write_text(EXPLODING_CHECK, encoding="utf-8")
    for number in range(files):
        (tmp_path / f"t{number:02}.json").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "t01.json").write_text(BROKEN.replace('"web", "c', '"boom", "c'), encoding="utf-8")
    result = lint(tmp_path, ".", rules_dirs=(tmp_path / "policies",), select=("TDL003", "ORG"), jobs=2)
    assert result.code == 2
    check = (tmp_path / "policies" / "checks.py").as_posix()
    assert result.stderr == (
        f"taskdeflint: error: t01.json: rule ORG001 ({check}:explode) raised KeyError at checks.py:4; its "
        "findings are missing\n"
    )
    assert "s3cr3t" not in result.stdout + result.stderr
    linted = sorted({f["path"] for f in result.findings})
    assert linted == [f"t{n:02}.json" for n in range(files)]  # t01.json's other findings too


# --- property tests: a generator of realistic valid task definitions ------------------------------------------

ACCOUNT = "123456789012"
REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2")
HEX = "0123456789abcdef"
NAMES = st.from_regex(r"[a-z][a-z0-9]{1,8}(-[a-z0-9]{1,6})?", fullmatch=True)
WORDS = st.from_regex(r"[a-z]{1,10}", fullmatch=True)
# Environment names that look like nothing secret (TDL106 reads PASSWORD, TOKEN, KEY pairs ... as secrets).
ENV_NAMES = st.sampled_from(
    [
        "NODE_ENV",
        "PORT",
        "LOG_LEVEL",
        "APP_MODE",
        "REGION",
        "WORKERS",
        "FEATURE_FLAGS",
        "SERVICE_URL",
        "TZ",
        "LANG",
    ]
)
ENV_VALUES = st.one_of(
    WORDS,
    st.integers(0, 99999).map(str),
    st.sampled_from(["true", "false", "http://api.local:8080", "/data"]),
)
SECRET_NAMES = st.sampled_from(["DB_PASSWORD", "API_TOKEN", "SESSION_SECRET", "STRIPE_API_KEY", "JWT_KEY"])

# Fargate task sizes (cpu units -> memory MiB), and the forms ECS converts.
FARGATE_SIZES = [
    (256, (512, 1024, 2048)),
    (512, (1024, 2048, 3072, 4096)),
    (1024, tuple(range(2048, 8193, 1024))),
    (2048, tuple(range(4096, 16385, 1024))),
    (4096, tuple(range(8192, 30721, 1024))),
    (8192, tuple(range(16384, 61441, 4096))),
    (16384, tuple(range(32768, 122881, 8192))),
]


@st.composite
def fargate_size(draw: st.DrawFn) -> tuple[int, int]:
    cpu, memories = draw(st.sampled_from(FARGATE_SIZES))
    return cpu, draw(st.sampled_from(memories))


def _cpu_text(draw: st.DrawFn, cpu: int) -> str:
    forms = [str(cpu)] + ([f"{cpu // 1024} vCPU"] if cpu % 1024 == 0 else [])
    return draw(st.sampled_from(forms))


def _memory_text(draw: st.DrawFn, memory: int) -> str:
    forms = [str(memory)] + ([f"{memory // 1024} GB", f"{memory // 1024}GB"] if memory % 1024 == 0 else [])
    return draw(st.sampled_from(forms))


@st.composite
def image(draw: st.DrawFn, region: str) -> tuple[str, bool]:
    """A digest-pinned image, and whether it is a private ECR image (which needs an execution role)."""
    digest = "sha256:" + draw(st.text(HEX, min_size=64, max_size=64))
    name = draw(NAMES)
    kind = draw(st.sampled_from(["ecr", "public", "hub", "hub-tagged"]))
    if kind == "ecr":
        return f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{name}@{digest}", True
    if kind == "public":
        return f"public.ecr.aws/{name}/{name}@{digest}", False
    if kind == "hub":
        return f"{name}@{digest}", False
    return f"{name}:1.{draw(st.integers(0, 30))}@{digest}", False


@st.composite
def valid_task_definitions(draw: st.DrawFn) -> dict[str, Any]:
    """A task definition that AWS would register and that no rule should flag.

    Fargate (awsvpc, a size from the Fargate table; Linux, or Windows with 1-4 vCPU and none of the members
    Windows lacks) or EC2 (bridge or awsvpc, static or dynamic host ports outside the reserved and ephemeral
    ones, host and Docker volumes, tmpfs and shared memory). Unique container names, host ports and port
    names; port ranges that overlap no port; dependencies that form no cycle and wait for health only on
    containers with a health check and for completion only on non-essential ones; health checks and timeouts
    in range; memory and cpu that add up; every volume mounted; an execution role wherever awslogs, ECR,
    secrets, environment files or registry credentials need one; a FireLens router used by the others; an
    App Mesh proxy that exists; images pinned by digest, non-root users, read-only root filesystems and a log
    configuration everywhere (except what Windows does not support)."""
    fargate = draw(st.booleans())
    windows = fargate and draw(st.integers(0, 5)) == 0
    region = draw(st.sampled_from(REGIONS))
    network = "awsvpc" if fargate else draw(st.sampled_from(["bridge", "awsvpc"]))
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    task: dict[str, Any] = {"family": draw(NAMES)}
    if network != "bridge" or draw(st.booleans()):  # bridge is the default: often left out
        task["networkMode"] = network
    task["requiresCompatibilities"] = ["FARGATE"] if fargate else ["EC2"]

    # Sizes: Fargate needs a task size from the table (Windows: 1, 2 or 4 vCPU); on EC2 it is optional.
    task_cpu: int | None
    task_memory: int | None
    if windows:
        task_cpu, task_memory = draw(fargate_size().filter(lambda size: size[0] in (1024, 2048, 4096)))
    elif fargate:
        task_cpu, task_memory = draw(fargate_size())
    elif draw(st.booleans()):
        task_cpu, task_memory = draw(st.sampled_from([256, 512, 1024, 2048])), draw(st.integers(512, 8192))
    else:
        task_cpu, task_memory = None, None
    if task_cpu is not None and task_memory is not None:
        task["cpu"] = _cpu_text(draw, task_cpu)
        task["memory"] = _memory_text(draw, task_memory)
    container_cpu_budget = (task_cpu or 4096) // len(names)
    memory_budget = (task_memory or 4096) // len(names)
    # A FireLens log router (the first container) that every other container logs through.
    firelens = not windows and len(names) > 1 and draw(st.booleans())

    needs_execution_role = False
    used_ports: set[int] = set()
    next_range = 10000
    volumes: list[dict[str, Any]] = []
    containers: list[dict[str, Any]] = []
    with_health: set[str] = set()
    essential_names: set[str] = set()
    for position, name in enumerate(names):
        reference, private = draw(image(region))
        needs_execution_role |= private
        container: dict[str, Any] = {
            "name": name,
            "image": reference,
            "essential": position == 0 or draw(st.booleans()),
        }
        if not windows:
            container["user"] = draw(st.sampled_from(["1000", "1000:1000", "app", "nobody", "65534"]))
            container["readonlyRootFilesystem"] = True
        if firelens and position == 0:
            container["firelensConfiguration"] = {
                "type": draw(st.sampled_from(["fluentbit", "fluentd"])),
                "options": {"enable-ecs-log-metadata": "true"},
            }
        if firelens and position > 0:
            container["logConfiguration"] = {
                "logDriver": "awsfirelens",
                "options": {"Name": "cloudwatch_logs", "region": region, "log_group_name": f"/ecs/{name}"},
            }
        else:
            container["logConfiguration"] = {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": f"/ecs/{task['family']}",
                    "awslogs-region": region,
                    "awslogs-stream-prefix": name,
                    **draw(st.sampled_from([{}, {"mode": "non-blocking", "max-buffer-size": "25m"}])),
                },
            }
            needs_execution_role = True  # awslogs
        if container["essential"]:
            essential_names.add(name)
        # Memory: a limit, a reservation below it, or both; within the task's share.
        limit = draw(st.integers(64, max(64, memory_budget)))
        choices = ["memory", "reservation", "both"] if task_memory else ["memory", "both"]
        choice = "memory" if windows else draw(st.sampled_from(choices))
        if choice in ("memory", "both"):
            container["memory"] = limit
        if choice in ("reservation", "both"):
            container["memoryReservation"] = draw(st.integers(6, limit - 1)) if choice == "both" else limit
        if draw(st.booleans()):
            container["cpu"] = draw(st.integers(0, container_cpu_budget))
        # Ports: in awsvpc the host port is the container port; in bridge a static one or 0 (dynamic).
        # Ranges lie above the single ports, so none overlaps another.
        mappings: list[dict[str, Any]] = []
        for number in range(draw(st.integers(0, 2))):
            # (2375 and 2376 are ports a container instance reserves: TDL614. The generator first drew them.)
            port = draw(st.integers(1024, 9999).filter(lambda p: p not in used_ports | {2375, 2376}))
            used_ports.add(port)
            mapping: dict[str, Any] = {"containerPort": port, "protocol": "tcp", "name": f"{name}-{number}"}
            if network == "awsvpc":
                if draw(st.booleans()):
                    mapping["hostPort"] = port
            else:
                mapping["hostPort"] = draw(st.sampled_from([0, port]))
            mapping.update(draw(st.sampled_from([{}, {"appProtocol": "http"}, {"appProtocol": "grpc"}])))
            mappings.append(mapping)
        if not windows and draw(st.integers(0, 3)) == 0:
            width = draw(st.integers(1, 20))
            protocol = draw(st.sampled_from(["tcp", "udp"]))
            mappings.append(
                {"containerPortRange": f"{next_range}-{next_range + width}", "protocol": protocol}
            )
            next_range += width + 1
        if mappings:
            container["portMappings"] = mappings
        environment = draw(st.dictionaries(ENV_NAMES, ENV_VALUES, max_size=4))
        if environment:
            container["environment"] = [{"name": k, "value": v} for k, v in environment.items()]
        if not windows and draw(st.integers(0, 4)) == 0:
            container["environmentFiles"] = [{"value": f"arn:aws:s3:::{name}-config/app.env", "type": "s3"}]
            needs_execution_role = True
        if "@" in reference and "/" not in reference.split("@")[0] and draw(st.integers(0, 3)) == 0:
            container["repositoryCredentials"] = {
                "credentialsParameter": f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:dockerhub-AbCdEf"
            }
            needs_execution_role = True
        secrets = draw(st.lists(SECRET_NAMES, max_size=2, unique=True))
        if secrets:
            needs_execution_role = True
            container["secrets"] = [
                {
                    "name": secret,
                    "valueFrom": draw(
                        st.sampled_from(
                            [
                                f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}/{secret.lower()}-AbC123",
                                f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-AbC123:password::",
                                f"arn:aws:ssm:{region}:{ACCOUNT}:parameter/{name}/{secret.lower()}",
                                f"/{name}/{secret.lower()}",
                            ]
                        )
                    ),
                }
                for secret in secrets
            ]
        if draw(st.booleans()):
            interval = draw(st.integers(5, 300))
            container["healthCheck"] = {
                "command": draw(
                    st.sampled_from(
                        [["CMD-SHELL", "curl -f http://localhost/ || exit 1"], ["CMD", "/bin/check"]]
                    )
                ),
                "interval": interval,
                "timeout": draw(st.integers(2, min(60, interval - 1))),
                "retries": draw(st.integers(1, 10)),
                "startPeriod": draw(st.integers(0, 300)),
            }
            with_health.add(name)
        if draw(st.booleans()):
            container["stopTimeout"] = draw(st.integers(2, 120))
        if draw(st.integers(0, 3)) == 0:
            container["startTimeout"] = draw(st.integers(2, 120))
        if draw(st.integers(0, 3)) == 0:
            container["entryPoint"] = ["/bin/app"]
            container["command"] = draw(st.lists(WORDS, max_size=3))
            container["workingDirectory"] = "/app"
            container["dockerLabels"] = {"team": draw(WORDS)}
        if not windows and draw(st.booleans()):
            linux: dict[str, Any] = {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}}
            if not fargate and draw(st.booleans()):
                linux.update({"sharedMemorySize": 64, "tmpfs": [{"containerPath": "/run", "size": 64}]})
            container["linuxParameters"] = linux
            container["ulimits"] = [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}]
        if not windows and network == "awsvpc" and draw(st.integers(0, 3)) == 0:
            container["systemControls"] = [{"namespace": "net.core.somaxconn", "value": "1024"}]
        if not windows and draw(st.booleans()):
            volume = f"{name}-data"
            if fargate:
                definition: dict[str, Any] = draw(
                    st.sampled_from(
                        [
                            {"name": volume},
                            {
                                "name": volume,
                                "efsVolumeConfiguration": {
                                    "fileSystemId": "fs-0123456789abcdef0",
                                    "transitEncryption": "ENABLED",
                                    "authorizationConfig": {
                                        "iam": "ENABLED",
                                        "accessPointId": "fsap-0123456789abcdef0",
                                    },
                                },
                            },
                        ]
                    )
                )
            else:
                definition = draw(
                    st.sampled_from(
                        [
                            {"name": volume},
                            {"name": volume, "host": {"sourcePath": f"/srv/{name}"}},
                            {
                                "name": volume,
                                "dockerVolumeConfiguration": {
                                    "scope": "shared",
                                    "autoprovision": True,
                                    "driver": "local",
                                },
                            },
                            {
                                "name": volume,
                                "dockerVolumeConfiguration": {"scope": "task", "driver": "local"},
                            },
                        ]
                    )
                )
            volumes.append(definition)
            container["mountPoints"] = [
                {"sourceVolume": volume, "containerPath": f"/data/{name}", "readOnly": False}
            ]
        # Dependencies only on earlier containers: no cycle.
        earlier = names[:position]
        depends = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2)) if earlier else []
        dependencies = []
        for target in depends:
            conditions = ["START"]
            if target in with_health:
                conditions.append("HEALTHY")
            if target not in essential_names:
                conditions += ["COMPLETE", "SUCCESS"]
            dependencies.append({"containerName": target, "condition": draw(st.sampled_from(conditions))})
        if dependencies:
            container["dependsOn"] = dependencies
        containers.append(container)
    task["containerDefinitions"] = containers
    if volumes:
        task["volumes"] = volumes
    role = f"arn:aws:iam::{ACCOUNT}:role/{task['family']}"
    if needs_execution_role or draw(st.booleans()):
        task["executionRoleArn"] = role + "-execution"
    if draw(st.booleans()) or any("efsVolumeConfiguration" in v for v in volumes):
        task["taskRoleArn"] = role + "-task"
    if windows:
        task["runtimePlatform"] = {
            "operatingSystemFamily": draw(
                st.sampled_from(
                    ["WINDOWS_SERVER_2019_CORE", "WINDOWS_SERVER_2022_CORE", "WINDOWS_SERVER_2022_FULL"]
                )
            ),
            "cpuArchitecture": "X86_64",
        }
    elif fargate and draw(st.booleans()):
        task["runtimePlatform"] = {
            "operatingSystemFamily": "LINUX",
            "cpuArchitecture": draw(st.sampled_from(["X86_64", "ARM64"])),
        }
    if fargate and not windows and draw(st.booleans()):
        task["ephemeralStorage"] = {"sizeInGiB": draw(st.integers(21, 200))}
    if network == "awsvpc" and not windows and len(names) > 1 and draw(st.integers(0, 3)) == 0:
        task["proxyConfiguration"] = {
            "type": "APPMESH",
            "containerName": names[-1],
            "properties": [
                {"name": "AppPorts", "value": "8080"},
                {"name": "ProxyIngressPort", "value": "15000"},
            ],
        }
    if draw(st.booleans()):
        task["tags"] = [{"key": "team", "value": draw(WORDS)}]
    return task


def _shown(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.rule, f.pointer, f.message) for f in findings]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_task_definitions())
def test_generated_valid_task_definitions_have_no_finding(document: dict[str, Any]) -> None:
    """Every rule, every severity: a definition that AWS registers and that follows every practice the rules
    check gets no finding at all. A finding here means the generator or a rule is wrong."""
    assert _shown(lint_value(document).findings) == []
    # The same definition as describe output, and its containers as a bare list, are clean too.
    described = {"taskDefinition": {**document, "revision": 1, "status": "ACTIVE"}}
    tags = described["taskDefinition"].pop("tags", None)
    if tags:
        described["tags"] = tags
    assert _shown(lint_value(described).findings) == []


# --- property tests: one defect of each kind, reported by its rule at its pointer --------------------------

Mutation = Callable[[dict[str, Any], st.DrawFn], tuple[str, str] | None]


def _container(document: dict[str, Any], draw: st.DrawFn) -> tuple[int, dict[str, Any]]:
    index = draw(st.integers(0, len(document["containerDefinitions"]) - 1))
    return index, document["containerDefinitions"][index]


def _windows(document: dict[str, Any]) -> bool:
    return "WINDOWS" in str(document.get("runtimePlatform", {}).get("operatingSystemFamily", ""))


def _c(index: int, *rest: str | int) -> str:
    return "/containerDefinitions/" + "/".join(str(t) for t in (index, *rest))


def m_unknown_member(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["enviroment"] = []
    return "TDL003", _c(index, "enviroment")


def m_task_cpu_number(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    doc["cpu"] = 1024
    doc.setdefault("memory", "2048")
    return "TDL003", "/cpu"


def m_container_memory_string(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["memory"] = "512"
    container.pop("memoryReservation", None)
    return "TDL003", _c(index, "memory")


def m_privileged(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    if _windows(doc):
        return None  # Windows containers have no user, read-only root or privileged mode (TDL270)
    index, container = _container(doc, draw)
    container["privileged"] = True
    return ("TDL250" if doc["requiresCompatibilities"] == ["FARGATE"] else "TDL101"), _c(index, "privileged")


def m_root_user(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    if _windows(doc):
        return None  # Windows containers have no user, read-only root or privileged mode (TDL270)
    index, container = _container(doc, draw)
    container["user"] = draw(st.sampled_from(["root", "0", "0:0"]))
    return "TDL110", _c(index, "user")


def m_no_user(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    if _windows(doc):
        return None  # Windows containers have no user, read-only root or privileged mode (TDL270)
    index, container = _container(doc, draw)
    del container["user"]
    return "TDL111", _c(index)


def m_writable_root(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    if _windows(doc):
        return None  # Windows containers have no user, read-only root or privileged mode (TDL270)
    index, container = _container(doc, draw)
    container["readonlyRootFilesystem"] = False
    return "TDL112", _c(index, "readonlyRootFilesystem")


def m_no_logs(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    del container["logConfiguration"]
    return "TDL113", _c(index)


def m_awslogs_without_group(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    index, container = _container(doc, draw)
    if container["logConfiguration"]["logDriver"] != "awslogs":
        return None
    del container["logConfiguration"]["options"]["awslogs-group"]
    return "TDL410", _c(index, "logConfiguration", "options")


def m_duplicate_name(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    containers = doc["containerDefinitions"]
    if len(containers) < 2:
        return None
    containers[1]["name"] = containers[0]["name"]
    return "TDL015", _c(1, "name")


def m_bad_container_name(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["name"] = container["name"] + draw(st.sampled_from([" x", "!", "é", "/"]))
    return "TDL014", _c(index, "name")


def m_missing_image(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    del container["image"]
    return "TDL016", _c(index)


def m_latest(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["image"] = draw(st.sampled_from(["nginx", "nginx:latest", "public.ecr.aws/nginx/nginx:latest"]))
    return "TDL501", _c(index, "image")


def m_not_pinned(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["image"] = "nginx:1.27"
    return "TDL502", _c(index, "image")


def m_bad_image(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["image"] = "nginx@sha256:" + "0" * 10
    return "TDL017", _c(index, "image")


def m_plaintext_secret(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    environment = container.setdefault("environment", [])
    name, value = draw(
        st.sampled_from(
            [
                ("DB_PASSWORD", "correct-horse-battery"),
                ("GITHUB_TOKEN", "ghp_" + "a1B2" * 9),
                ("AWS_ACCESS_KEY_ID", "AKIA" + "ABCDEFGH23456789"),
                ("DATABASE_URL", "postgres://app:hunter22@db.internal:5432/app"),
            ]
        )
    )
    environment.append({"name": name, "value": value})
    return "TDL106", _c(index, "environment", len(environment) - 1, "value")


def m_duplicate_environment(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["environment"] = [{"name": "MODE", "value": "a"}, {"name": "MODE", "value": "b"}]
    return "TDL108", _c(index, "environment", 1, "name")


def m_environment_and_secret(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["environment"] = [{"name": "DB_PASSWORD", "value": "${DB_PASSWORD}"}]
    container["secrets"] = [{"name": "DB_PASSWORD", "valueFrom": "/app/db-password"}]
    doc.setdefault("executionRoleArn", f"arn:aws:iam::{ACCOUNT}:role/exec")
    return "TDL107", _c(index, "environment", 0, "name")


def m_self_dependency(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["dependsOn"] = [{"containerName": container["name"], "condition": "START"}]
    return "TDL301", _c(index, "dependsOn", 0, "containerName")


def m_unknown_dependency(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["dependsOn"] = [{"containerName": "ghost", "condition": "START"}]
    return "TDL300", _c(index, "dependsOn", 0, "containerName")


def m_dependency_cycle(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    containers = doc["containerDefinitions"]
    if len(containers) < 2:
        return None
    containers[0]["dependsOn"] = [{"containerName": containers[1]["name"], "condition": "START"}]
    containers[1]["dependsOn"] = [{"containerName": containers[0]["name"], "condition": "START"}]
    return "TDL302", _c(0, "dependsOn", 0, "containerName")


def m_health_timeout(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    seconds = draw(st.integers(5, 60))
    container["healthCheck"] = {"command": ["CMD", "/bin/check"], "interval": seconds, "timeout": seconds}
    return "TDL314", _c(index, "healthCheck", "timeout")


def m_health_command(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["healthCheck"] = {"command": ["curl -f http://localhost/"]}
    return "TDL311", _c(index, "healthCheck", "command", 0)


def m_memory_reservation_above_limit(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["memory"] = 64
    container["memoryReservation"] = 65
    return "TDL209", _c(index, "memoryReservation")


def m_container_memory_above_task(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    if "memory" not in doc:
        return None
    index, container = _container(doc, draw)
    container["memory"] = 200_000
    container.pop("memoryReservation", None)
    return "TDL205", _c(index, "memory")


def m_mount_undefined_volume(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["mountPoints"] = [{"sourceVolume": "ghost", "containerPath": "/ghost"}]
    return "TDL700", _c(index, "mountPoints", 0, "sourceVolume")


def m_unused_volume(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    volumes = doc.setdefault("volumes", [])
    volumes.append({"name": "spare"})
    return "TDL711", f"/volumes/{len(volumes) - 1}"


def m_bad_family(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    doc["family"] = draw(st.sampled_from(["", "web app", "web/app", "x" * 256]))
    return "TDL010", "/family"


def m_no_containers(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    doc["containerDefinitions"] = []
    doc.pop("volumes", None)
    return "TDL012", "/containerDefinitions"


def m_too_many_containers(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    first = doc["containerDefinitions"][0]
    doc["containerDefinitions"] = [
        {**copy.deepcopy(first), "name": f"c{n}", "dependsOn": [], "memory": 64, "portMappings": []}
        for n in range(11)
    ]
    for container in doc["containerDefinitions"]:
        container.pop("memoryReservation", None)
    return "TDL011", "/containerDefinitions"


def m_no_essential(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    for container in doc["containerDefinitions"]:
        container["essential"] = False
        container.pop("dependsOn", None)
    return "TDL018", "/containerDefinitions"


def m_fargate_bridge(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    if doc["requiresCompatibilities"] != ["FARGATE"]:
        return None
    doc["networkMode"] = "bridge"
    return "TDL600", "/networkMode"


def m_fargate_size(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    if doc["requiresCompatibilities"] != ["FARGATE"]:
        return None
    doc["cpu"], doc["memory"] = "256", "4096"
    # 256 CPU units exist on Fargate only for Linux: for Windows the cpu is what is wrong.
    return "TDL201", "/cpu" if _windows(doc) else "/memory"


def m_fargate_without_execution_role(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    if doc["requiresCompatibilities"] != ["FARGATE"]:
        return None
    del doc["executionRoleArn"]
    return "TDL400", ""  # a missing member is reported at its parent


def m_awsvpc_host_port(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    if doc.get("networkMode") != "awsvpc":
        return None
    index, container = _container(doc, draw)
    container["portMappings"] = [{"containerPort": 10080, "hostPort": 10081}]
    return "TDL601", _c(index, "portMappings", 0, "hostPort")


def m_duplicate_host_port(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["portMappings"] = [{"containerPort": 10080, "hostPort": 10080}] * 2
    # In awsvpc mode the host port is the container port: the message and pointer say so.
    return "TDL603", _c(
        index, "portMappings", 1, "containerPort" if doc.get("networkMode") == "awsvpc" else "hostPort"
    )


def m_port_out_of_range(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    index, container = _container(doc, draw)
    container["portMappings"] = [{"containerPort": draw(st.sampled_from([0, 65536, 100000]))}]
    return "TDL607", _c(index, "portMappings", 0, "containerPort")


def m_links_in_awsvpc(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str] | None:
    if doc.get("networkMode") != "awsvpc":
        return None
    index, container = _container(doc, draw)
    container["links"] = [doc["containerDefinitions"][0]["name"]]
    return "TDL616", _c(index, "links")


def m_efs_without_encryption(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    volumes = doc.setdefault("volumes", [])
    volumes.append(
        {
            "name": "shared",
            "efsVolumeConfiguration": {"fileSystemId": "fs-1", "authorizationConfig": {"iam": "ENABLED"}},
        }
    )
    _, container = _container(doc, draw)
    container["mountPoints"] = [{"sourceVolume": "shared", "containerPath": "/shared"}]
    return "TDL707", f"/volumes/{len(volumes) - 1}/efsVolumeConfiguration"


def m_ephemeral_storage(doc: dict[str, Any], draw: st.DrawFn) -> tuple[str, str]:
    doc["ephemeralStorage"] = {"sizeInGiB": draw(st.sampled_from([1, 20, 201]))}
    return "TDL213", "/ephemeralStorage/sizeInGiB"


MUTATIONS: dict[str, Mutation] = {
    name.removeprefix("m_"): function for name, function in globals().items() if name.startswith("m_")
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), valid_task_definitions(), st.sampled_from(sorted(MUTATIONS)))
def test_each_kind_of_defect_is_reported_by_its_rule_at_its_pointer(
    data: st.DataObject, document: dict[str, Any], mutation: str
) -> None:
    """A valid definition with one defect: the defect's rule reports it at the defect's pointer."""
    expected = MUTATIONS[mutation](document, data.draw)
    assume(expected is not None)
    assert expected is not None
    found = [(f.rule, f.pointer) for f in lint_value(document).findings]
    assert expected in found, (mutation, expected, _shown(lint_value(document).findings))


def test_every_mutation_is_exercised() -> None:
    # Each mutation applies to some generated definition (the two Fargate/awsvpc-only ones included).
    assert len(MUTATIONS) >= 35


# --- property tests: arbitrary JSON never crashes a rule or a format ----------------------------------------

KEYS = st.sampled_from(
    [
        "name",
        "image",
        "memory",
        "cpu",
        "memoryReservation",
        "portMappings",
        "containerPort",
        "hostPort",
        "containerPortRange",
        "protocol",
        "essential",
        "environment",
        "secrets",
        "value",
        "valueFrom",
        "dependsOn",
        "containerName",
        "condition",
        "links",
        "volumesFrom",
        "sourceContainer",
        "mountPoints",
        "sourceVolume",
        "healthCheck",
        "command",
        "interval",
        "timeout",
        "logConfiguration",
        "logDriver",
        "options",
        "linuxParameters",
        "capabilities",
        "add",
        "user",
        "privileged",
        "networkMode",
        "requiresCompatibilities",
        "volumes",
        "efsVolumeConfiguration",
        "runtimePlatform",
        "operatingSystemFamily",
        "ephemeralStorage",
        "sizeInGiB",
        "proxyConfiguration",
        "firelensConfiguration",
        "executionRoleArn",
        "taskRoleArn",
        "x/y~z",
        "\u2028\x1b",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "FARGATE",
            "EC2",
            "awsvpc",
            "host",
            "bridge",
            "none",
            "tcp",
            "udp",
            "awslogs",
            "awsfirelens",
            "splunk",
            "HEALTHY",
            "COMPLETE",
            "START",
            "80-90",
            "1-65535",
            "70000-1",
            "256",
            "1 vCPU",
            "2 GB",
            "CMD-SHELL",
            "NONE",
            "root",
            "0",
            "WINDOWS_SERVER_2022_CORE",
            "LINUX",
            "ARM64",
            "arn:aws:iam::1:role/x",
            "a@sha256:",
        ]
    ),
)
ANY_JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)),
    max_leaves=30,
)


def _pointers(value: Any, pointer: str = "") -> Iterator[str]:
    yield pointer
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _pointers(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _pointers(item, f"{pointer}/{index}")


def _assert_sane(result: FileResult, text: str) -> None:
    lines = text.split("\n")
    for finding in result.findings:
        assert finding.rule in RULE_IDS, finding
        assert 1 <= finding.line <= len(lines), finding
        assert 1 <= finding.column <= len(lines[finding.line - 1]) + 1, finding
    reports = render_all([result])
    assert len(json.loads(reports["json"])) == len(result.findings)
    ET.fromstring(reports["junit"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), valid_task_definitions(), ANY_JSON)
def test_any_value_anywhere_in_a_valid_definition_crashes_no_rule(
    data: st.DataObject, document: dict[str, Any], value: Any
) -> None:
    """Replace any member of a realistic definition (or add one) with any JSON: every rule still runs, every
    finding is placed inside the text, and every format renders the report."""
    pointer = data.draw(st.sampled_from([p for p in _pointers(document) if p]))
    if data.draw(st.booleans()):
        pointer = (
            pointer.rsplit("/", 1)[0] + "/" + data.draw(KEYS).replace("/", "_")
            if pointer.count("/") > 1
            else pointer
        )
    try:
        mutated = _set(document, pointer, value)
    except (IndexError, KeyError, TypeError, ValueError):
        assume(False)
        return
    text = json.dumps(mutated, indent=data.draw(st.sampled_from([None, 1, 2])))
    result = LINTER.lint("taskdef.json", text.encode("utf-8", "surrogatepass"))
    assert result is not None
    _assert_sane(result, text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.fixed_dictionaries({"family": ANY_JSON, "containerDefinitions": st.lists(ANY_JSON, max_size=4)}),
        st.fixed_dictionaries({"taskDefinition": st.dictionaries(KEYS, ANY_JSON, max_size=8)}),
        st.lists(st.dictionaries(KEYS, ANY_JSON, min_size=1, max_size=8), min_size=1, max_size=4),
        st.dictionaries(KEYS, ANY_JSON, max_size=10).map(
            lambda d: {**d, "containerDefinitions": d.get("volumes")}
        ),
    )
)
def test_arbitrary_json_in_every_shape_crashes_no_rule_and_no_format(document: Any) -> None:
    """test_documents.py runs the document-stage rules on arbitrary JSON; here every rule runs."""
    text = json.dumps(document, indent=1)
    result = LINTER.lint("taskdef.json", text.encode("utf-8", "surrogatepass"))
    assert result is not None
    _assert_sane(result, text)


# --- property tests: rendering keeps every member ------------------------------------------------------------

EXTRA_KEYS = st.text(min_size=1, max_size=12).filter(lambda k: k not in READ_ONLY_MEMBERS)
PINNED = "127.0.0.1:5000/team/app@sha256:" + "ab" * 32


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.data(),
    valid_task_definitions(),
    st.sampled_from(["register", "describe", "containers"]),
    st.sampled_from([None, 1, 2, 4]),
)
def test_rendering_changes_only_the_image_and_keeps_every_other_member(
    data: st.DataObject, document: dict[str, Any], form: str, indent: int | None
) -> None:
    """Members newer than our schema (anywhere, of any JSON type, under any name), key order and every value
    survive rendering; only the pinned container's image changes, and the result is UTF-8 that parses."""
    import tempfile

    from taskdeflint.builder.render import load_task_definition, render

    for container in document["containerDefinitions"]:
        extra = data.draw(st.dictionaries(EXTRA_KEYS, ANY_JSON, max_size=2))
        container.update({k: v for k, v in extra.items() if k not in container})
    document.update(
        data.draw(st.dictionaries(EXTRA_KEYS.filter(lambda k: k not in document), ANY_JSON, max_size=3))
    )
    names = [c["name"] for c in document["containerDefinitions"]]
    pinned = data.draw(st.sampled_from(names))
    expected = copy.deepcopy(document)
    for container in expected["containerDefinitions"]:
        if container["name"] == pinned:
            container["image"] = PINNED
    if form == "describe":
        inner = {k: v for k, v in document.items() if k != "tags"}
        source: Any = {"taskDefinition": {**inner, "revision": 3, "status": "ACTIVE"}}
        if "tags" in document:
            source["tags"] = document["tags"]
            expected = {**{k: v for k, v in expected.items() if k != "tags"}, "tags": expected["tags"]}
    elif form == "containers":
        source = document["containerDefinitions"]
        expected = expected["containerDefinitions"]
    else:
        source = document
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "taskdef.json"
        path.write_text(
            json.dumps(source, indent=indent, ensure_ascii=data.draw(st.booleans())) + "\n",
            encoding="utf-8",
            errors="surrogatepass",
        )
        text = render(load_task_definition(path), {pinned: PINNED})
    text.encode("utf-8")  # what the builder writes
    rendered = json.loads(text)
    assert json.dumps(rendered) == json.dumps(expected)  # same members, same values, same order


# --- regressions: inputs that crashed or stalled the linter ----------------------------------------------


def _doc(container: str, task: str = "") -> bytes:
    return (
        '{"family": "f", '
        + task
        + '"containerDefinitions": [{"name": "a", "image": "b:1", "memory": 8, '
        + container
        + "}]}"
    ).encode()


REGRESSIONS = {
    # int() of a containerPortRange of thousands of digits: ValueError out of TDL604/TDL610-612.
    "port range of 5,000 digits": _doc('"portMappings": [{"containerPortRange": "' + "1" * 5000 + '-2"}]'),
    "port range ending in 5,000 digits": _doc(
        '"portMappings": [{"containerPortRange": "1-' + "9" * 5000 + '"}]'
    ),
    # Quadratic backtracking in the task cpu/memory and JSON Web Token patterns: minutes for one value.
    "task cpu of 200,000 blanks": _doc('"user": "1"', '"cpu": "1' + " " * 200_000 + 'x", '),
    "task memory of 200,000 blanks": _doc('"user": "1"', '"memory": "2' + " " * 200_000 + 'GBx", '),
    "token-like value": _doc('"environment": [{"name": "X", "value": "' + "eyJ-" * 50_000 + '"}]'),
    # Every port mapping compared with every other one (TDL604, TDL612): minutes for a few thousand.
    "3,000 tcp/udp port mappings": _doc(
        '"portMappings": ['
        + ", ".join(
            f'{{"containerPort": {n}, "protocol": "{"udp" if n % 2 else "tcp"}"}}' for n in range(1, 3001)
        )
        + "]"
    ),
    "3,000 port ranges": _doc(
        '"portMappings": [' + ", ".join(['{"containerPortRange": "80-90"}'] * 3000) + "]"
    ),
    # Found by the fuzzer (amplified variant): int() of a user of 8,197 zeros in TDL110 run-as-root.
    "user of 8,197 zeros": _doc('"user": "' + "0" * 8197 + '"'),
    # Found reviewing int() after str.isdigit(): "²" is a digit to isdigit() and not to int().
    "user of a superscript digit": _doc('"user": "\u00b2:1"'),
    "CloudFormation Fn::Select of a superscript index": (
        b'{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"T": {"Type": "AWS::ECS::TaskDefinition", '
        b'"Properties": {"Family": {"Fn::Select": ["\\u00b2", ["a", "b"]]}, "ContainerDefinitions": '
        b'[{"Name": "a", "Image": "b:1", "Memory": 64}]}}}}'
    ),
}
YAML_REGRESSIONS = {
    # PyYAML's int() of a scalar of 5,000 digits: ValueError out of the YAML reader.
    "template integer of 5,000 digits": (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  T:\n    Type: AWS::ECS::TaskDefinition\n"
        "    Properties:\n      Family: web\n      ContainerDefinitions:\n        - Name: a\n          Image: b:1\n"
        "          Memory: " + "9" * 5000 + "\n"
    ).encode()
}


@pytest.mark.parametrize("name", sorted(REGRESSIONS) + sorted(YAML_REGRESSIONS))
def test_inputs_that_crashed_or_stalled_the_linter(name: str) -> None:
    data = REGRESSIONS.get(name) or YAML_REGRESSIONS[name]
    started = time.perf_counter()
    result = LINTER.lint("template.yaml" if name in YAML_REGRESSIONS else "taskdef.json", data)
    assert result is not None
    _assert_sane(result, data.decode())
    assert time.perf_counter() - started < 5


def test_port_overlap_rules_still_name_the_first_overlapping_mapping() -> None:
    """The segment tree that replaced the pairwise comparison reports what the comparison did: for each
    mapping, the first earlier one that shares a port (TDL604 across protocols, TDL612 within one)."""
    mappings = [
        {"containerPortRange": "100-200"},  # 0
        {"containerPort": 150, "protocol": "udp"},  # 1: tcp 0 shares 150 -> TDL604 names portMappings[0]
        {"containerPortRange": "190-300"},  # 2: overlaps 0 (tcp) -> TDL612 names portMappings[0]
        {"containerPort": 250},  # 3: inside 2 (tcp) -> TDL612 names portMappings[2]
        {"containerPortRange": "140-160", "protocol": "udp"},  # 4: shares 150 with 1 (udp) -> TDL612, and tcp
        {"containerPort": 70000},  # 5: out of range, overlaps nothing
        {"containerPort": 70000, "protocol": "udp"},  # 6: same port as 5, other protocol -> TDL604
    ]
    document = {
        "family": "f",
        "networkMode": "awsvpc",
        "containerDefinitions": [{"name": "a", "image": "b:1", "memory": 8, "portMappings": mappings}],
    }
    found = [
        (f.rule, f.pointer.rsplit("/portMappings/", 1)[1], f.message.split(" (", 1)[0])
        for f in lint_value(document).findings
        if f.rule in ("TDL604", "TDL612")
    ]
    assert found == [
        ("TDL604", "1/containerPort", 'Container "a" exposes container port 150 for both tcp'),
        ("TDL612", "2/containerPortRange", 'Container "a" portMappings[2] overlaps portMappings[0]'),
        ("TDL612", "3/containerPort", 'Container "a" portMappings[3] overlaps portMappings[2]'),
        ("TDL604", "4/containerPortRange", 'Container "a" exposes container ports 140-160 for both tcp'),
        ("TDL612", "4/containerPortRange", 'Container "a" portMappings[4] overlaps portMappings[1]'),
        ("TDL604", "6/containerPort", 'Container "a" exposes container port 70000 for both tcp'),
    ]


def test_dockerfile_stage_numbers_and_port_ranges_int_refuses(tmp_path: Path) -> None:
    """`COPY --from=²` and a stage number of 5,000 digits in a Dockerfile, a containerPortRange of
    superscript digits in the task definition of a service the manifest builds: int() raised on each."""
    from taskdeflint.readers.dockerfile import parse

    for reference in ("\u00b2", "0" * 5000):
        parse(f"FROM scratch AS a\nFROM scratch\nCOPY --from={reference} /a /b\n")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text("FROM scratch\nEXPOSE 80\n", encoding="utf-8")
    (tmp_path / ".taskdeflint.toml").write_text(
        '[services.web]\ncontext = "svc"\nrepository = "127.0.0.1:5000/x/web"\ntask-definition = "td.json"\n',
        encoding="utf-8",
    )
    for ports in ("\u00b2-\u00b3", "1-" + "9" * 5000):
        container = {"name": "web", "image": "127.0.0.1:5000/x/web:1", "memory": 64}
        container["portMappings"] = [{"containerPortRange": ports}]
        (tmp_path / "td.json").write_text(
            json.dumps({"family": "web", "containerDefinitions": [container]}), encoding="utf-8"
        )
        result = lint(tmp_path, "td.json")
        assert result.stderr == "" and result.code in (0, 1), result.stderr
        assert {"TDL610", "TDL611"} & {f["rule"] for f in result.findings}


def test_a_container_suppression_and_a_pointer_of_superscript_digits(tmp_path: Path) -> None:
    """A duplicate key "²" in a containerDefinitions object gives the pointer /containerDefinitions/²; a
    suppression by container name looked the container up with int("²")."""
    (tmp_path / ".taskdeflint.toml").write_text(
        '[[suppress]]\nrule = "TDL002"\ncontainer = "web"\nreason = "test"\n', encoding="utf-8"
    )
    (tmp_path / "td.json").write_text('{"family": "web", "containerDefinitions": {"\u00b2": 1, "\u00b2": 2}}')
    result = lint(tmp_path, "td.json")
    assert result.stderr == "" and result.code == 1, result.stderr
    assert ("TDL002", "/containerDefinitions/\u00b2") in {(f["rule"], f["pointer"]) for f in result.findings}
