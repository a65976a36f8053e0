"""Hostile configuration, output targets, signals, lost workers, secrets in messages, and custom rules that
misbehave: each run ends quickly, in bounded memory, with exit 0, 1 or 2 and a one-line error, never a
traceback. Every run here is a separate process under a time and address-space limit."""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

# What one lint run may use: a few seconds, and far less memory than a pathological input would take.
TIMEOUT = 20
ADDRESS_SPACE = 1 << 30

GOOD = '{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512}]}\n'

PRIVILEGED = GOOD.replace('"memory": 512', '"memory": 512, "privileged": true')


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CPU, (TIMEOUT, TIMEOUT))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "TASKDEFLINT_"))}
    env.update(extra)
    return env


def start(cwd: Path, *args: str, close_stdin: bool = False, **popen: object) -> subprocess.Popen[str]:
    def limits() -> None:
        _limits()
        if close_stdin:
            os.close(0)

    popen.setdefault("env", _env())
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "taskdeflint", "lint", *args],
        cwd=cwd,
        text=True,
        preexec_fn=limits,
        **popen,
    )


def capped(cwd: Path, *args: str, **options: object) -> subprocess.CompletedProcess[str]:
    """`taskdeflint lint ARGS` in `cwd`, under the limits; a traceback on stderr fails the test."""
    process = start(cwd, *args, **options)  # type: ignore[arg-type]
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert "Traceback" not in stderr, stderr
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _one_error(completed: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2 and one `taskdeflint: error:` line that holds `words`."""
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("taskdeflint: error: "), completed.stderr
    for word in words:
        assert word in lines[0], lines[0]


# --- config problems are config errors ------------------------------------------------------------------

NESTED = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize(
    ("name", "text", "args", "words"),
    [
        ("config.toml", f"select = {NESTED}\n", ("t.json",), ("nested too deeply",)),
        (
            "pyproject.toml",
            f'[tool.taskdeflint]\nselect = ["TDL"]\n[tool.other]\na = {NESTED}\n',
            ("t.json",),
            ("nested",),
        ),
        ("config.toml", "max-file-size = 99999999999999999999\n", ("t.json",), ("max-file-size", "maximum")),
        ("config.toml", 'include = ["/etc/*.json"]\n', (), ("include", "absolute")),
        (
            "baseline.json",
            '{"version": 1, "findings": ' + "[" * 100_000 + "]" * 100_000 + "}",
            ("--baseline", "baseline.json", "t.json"),
            ("baseline.json", "nested"),
        ),
    ],
    ids=["deep-toml", "deep-parent-pyproject", "huge-max-file-size", "absolute-include", "deep-baseline"],
)
def test_a_config_problem_is_one_error_line_and_exit_2(
    tmp_path: Path, name: str, text: str, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    work = tmp_path / "project"
    work.mkdir()
    (work / "t.json").write_text(GOOD, encoding="utf-8")
    if name == "pyproject.toml":
        (tmp_path / name).write_text(text, encoding="utf-8")  # a parent folder's
    elif name == "config.toml":
        (work / ".taskdeflint.toml").write_text(text, encoding="utf-8")
    else:
        (work / name).write_text(text, encoding="utf-8")
    _one_error(capped(work, *args), *words)


def test_lint_stdin_when_stdin_is_closed(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(PRIVILEGED, encoding="utf-8")
    completed = capped(tmp_path, "t.json", "-", "--format", "json", close_stdin=True)
    assert completed.returncode == 2
    assert completed.stderr == "taskdeflint: error: <stdin>: cannot read stdin: stdin is closed\n"
    assert {f["path"] for f in json.loads(completed.stdout)} == {"t.json"}  # the other file is linted


# --- -o and --write-baseline: atomic for regular files, straight to anything else ------------------------


@pytest.mark.parametrize("option", ["-o", "--write-baseline"])
def test_a_symlinked_output_is_written_through_the_link(tmp_path: Path, option: str) -> None:
    (tmp_path / "t.json").write_text(PRIVILEGED, encoding="utf-8")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "real.json").write_text("old\n", encoding="utf-8")
    (tmp_path / "report.json").symlink_to("reports/real.json")
    completed = capped(tmp_path, "--format", "json", "--fail-on", "never", option, "report.json", "t.json")
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "report.json").is_symlink()
    written = json.loads((tmp_path / "reports" / "real.json").read_text(encoding="utf-8"))
    found = written if option == "-o" else written["findings"]
    assert {f["path"] for f in found} == {"t.json"}
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["real.json"]  # no temporary left


@pytest.mark.parametrize("option", ["-o", "--write-baseline"])
def test_a_fifo_or_a_device_is_written_straight_not_replaced(tmp_path: Path, option: str) -> None:
    (tmp_path / "t.json").write_text(PRIVILEGED, encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that the run's open does not wait
    try:
        process = start(tmp_path, "--format", "json", "--fail-on", "never", option, str(fifo), "t.json")
        _, stderr = process.communicate(timeout=TIMEOUT)
        received = os.read(reader, 1 << 20).decode("utf-8")
    finally:
        os.close(reader)
    assert process.returncode == 0, stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert "t.json" in json.dumps(json.loads(received))
    # /dev/null stays a device (as root, renaming over it would have made it a regular file).
    completed = capped(tmp_path, "--fail-on", "never", option, os.devnull, "t.json")
    assert completed.returncode == 0, completed.stderr
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
