"""Hostile configuration, output targets, signals, lost workers, secrets in messages, and custom rules that
misbehave: each run ends quickly, in bounded memory, with exit 0, 1 or 2 and a one-line error, never a
traceback. Every run here is a separate process under a time and address-space limit."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.capped import set_caps
from tests.conftest import lint

# What one lint run may use: a few seconds, and far less memory than a pathological input would take.
TIMEOUT = 20
ADDRESS_SPACE = 1 << 30

GOOD = '{"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "memory": 512}]}\n'

PRIVILEGED = GOOD.replace('"memory": 512', '"memory": 512, "privileged": true')


def _limits() -> None:
    set_caps(ADDRESS_SPACE, TIMEOUT)


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
        ("config.toml", "rule-timeout = nan\n", ("t.json",), ("rule-timeout", "nan")),
    ],
    ids=[
        "deep-toml",
        "deep-parent-pyproject",
        "huge-max-file-size",
        "absolute-include",
        "deep-baseline",
        "nan-rule-timeout",
    ],
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
    # A link loop is an error, and stays a link loop.
    (tmp_path / "loop-a").symlink_to("loop-b")
    (tmp_path / "loop-b").symlink_to("loop-a")
    looped = capped(tmp_path, option, "loop-a", "t.json")
    assert looped.returncode == 2
    assert looped.stderr == "taskdeflint: error: loop-a: cannot write: Too many levels of symbolic links\n"
    assert (tmp_path / "loop-a").is_symlink()


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


# --- the user's rules: refused on request, checked at load time, kept from harming the run ---------------


def user_rule(rule_id: str, logic: str) -> str:
    """A rule file of the user's: `logic` is its `check = ...` or `schema = ...` (and `message = ...`)."""
    bad = '{"family": "boom", "containerDefinitions": [{"name": "a", "image": "a:1"}]}'
    return f"""
id = "{rule_id}"
name = "rule-{rule_id.lower()}"
severity = "error"
summary = "A rule of the user's."
source = "This test."
docs = "A rule with a bug, as a user's own rule may have."
{logic}

[[examples]]
kind = "good"
document = '{{"family": "a", "containerDefinitions": [{{"name": "a", "image": "a:1"}}]}}'

[[examples]]
kind = "bad"
document = '{bad}'
pointers = ["/family"]
"""


MISBEHAVING = """
import sys
import time


def leaves(td):
    if td.data.get("family") == "boom":
        sys.exit(3)
    return []


def raises(td):
    if td.data.get("family") == "boom":
        raise RuntimeError("the value s3cr3t")
    return []


def garbage(td):
    return None if td.data.get("family") == "boom" else []


def garbage_items(td):
    return [42] if td.data.get("family") == "boom" else []


def prints(td):
    print('{"forged": "report"}')
    return [("/family", "Family is checked")] if td.data.get("family") == "boom" else []


def loops(td):
    while td.data.get("family") == "boom":
        try:
            pass
        except Exception:
            pass
    return []
"""


def _policies(folder: Path, rules: dict[str, str], code: str = MISBEHAVING) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "checks.py").write_text(code, encoding="utf-8")
    for rule_id, logic in rules.items():
        (folder / f"{rule_id}.toml").write_text(user_rule(rule_id, logic), encoding="utf-8")


def test_rules_that_exit_raise_return_garbage_print_or_loop_are_named_and_the_report_stands(
    tmp_path: Path,
) -> None:
    functions = ["leaves", "raises", "garbage", "garbage_items", "prints", "loops"]
    _policies(
        tmp_path / "policies",
        {f"ORG00{n}": f'check = "checks.py:{f}"' for n, f in enumerate(functions, 1)},
    )
    (tmp_path / ".taskdeflint.toml").write_text(
        'rules-dir = ["policies"]\nrule-timeout = 0.5\n', encoding="utf-8"
    )
    (tmp_path / "boom.json").write_text(PRIVILEGED.replace('"web", "c', '"boom", "c'), encoding="utf-8")
    (tmp_path / "t.json").write_text(PRIVILEGED, encoding="utf-8")
    started = time.monotonic()
    completed = capped(tmp_path, "--format", "json", ".")
    assert time.monotonic() - started < TIMEOUT / 2
    assert completed.returncode == 2, completed.stderr
    findings = json.loads(completed.stdout)  # stdout holds the report alone
    assert {(f["path"], f["rule"]) for f in findings if f["rule"].startswith("ORG")} == {
        ("boom.json", "ORG005")
    }
    assert {f["path"] for f in findings if f["rule"] == "TDL101"} == {"boom.json", "t.json"}
    errors = [line for line in completed.stderr.splitlines() if line.startswith("taskdeflint: error:")]
    assert errors == [
        "taskdeflint: error: boom.json: rule ORG001 (policies/checks.py:leaves) called sys.exit(3); its findings "
        "are missing",
        "taskdeflint: error: boom.json: rule ORG002 (policies/checks.py:raises) raised RuntimeError at "
        "checks.py:14; its findings are missing",
        "taskdeflint: error: boom.json: rule ORG003 (policies/checks.py:garbage) returned NoneType, not "
        "(pointer, message) pairs; its findings are missing",
        "taskdeflint: error: boom.json: rule ORG004 (policies/checks.py:garbage_items) gave int where a "
        "(pointer, message) pair of strings is expected; its findings are missing",
        "taskdeflint: error: boom.json: rule ORG006 (policies/checks.py:loops) took longer than 0.5 s "
        "(rule-timeout) and was stopped; its findings are missing",
    ]
    assert '{"forged": "report"}' in completed.stderr  # what a check prints goes to stderr
    assert "s3cr3t" not in completed.stdout + completed.stderr


LOAD_ERRORS = {
    "syntax": (
        'check = "broken.py:f"',
        "def f(td):\n    return [\n",
        "cannot load the check: SyntaxError at broken.py:",
    ),
    "import": (
        'check = "broken.py:f"',
        "import no_such_module_here\n",
        "cannot load the check: raised ModuleNotFoundError",
    ),
    "exit-on-import": (
        'check = "broken.py:f"',
        "raise SystemExit(4)\n",
        "cannot load the check: called sys.exit(4)",
    ),
    "missing-function": ('check = "broken.py:nothing"', "x = 1\n", "is not a function"),
    "bad-ref": (
        'schema = \'{"$ref": "#/$defs/nowhere"}\'',
        "",
        "$ref '#/$defs/nowhere' at '/' does not resolve",
    ),
    "bad-type": ('schema = \'{"type": "text"}\'', "", "invalid schema fragment at '/type'"),
    "bad-regex": (
        'schema = \'{"properties": {"family": {"pattern": "([a-z"}}}\'',
        "",
        "invalid schema fragment",
    ),
    "bad-placeholder": (
        'schema = \'{"required": ["cpu"]}\'\nmessage = "{container} lacks {what}"',
        "",
        "uses {what}",
    ),
    "bad-format": ('schema = \'{"required": ["cpu"]}\'\nmessage = "{container"', "", "message template"),
}


@pytest.mark.parametrize("case", LOAD_ERRORS)
def test_a_rule_that_cannot_load_is_a_config_error_that_names_it(tmp_path: Path, case: str) -> None:
    logic, code, words = LOAD_ERRORS[case]
    if logic.startswith("schema") and "message" not in logic:
        logic += '\nmessage = "{container} is wrong"'
    (tmp_path / "t.json").write_text(GOOD, encoding="utf-8")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "broken.py").write_text(code, encoding="utf-8")
    (tmp_path / "policies" / "ORG001.toml").write_text(user_rule("ORG001", logic), encoding="utf-8")
    if case == "syntax":  # one in its own capped process; the others in this one, for speed
        completed = capped(tmp_path, "--rules-dir", "policies", "t.json")
        assert completed.stdout == ""
        _one_error(completed, "ORG001 (policies/broken.py:f): ", words)
        return
    result = lint(tmp_path, "t.json", rules_dirs=(tmp_path / "policies",))
    assert result.code == 2 and result.stdout == ""
    _one_error(subprocess.CompletedProcess((), result.code, result.stdout, result.stderr), "ORG001 (", words)


def test_python_rules_can_be_refused(tmp_path: Path) -> None:
    _policies(tmp_path / "policies", {"ORG001": 'check = "checks.py:raises"'})
    (tmp_path / "policies" / "checks.py").write_text("raise SystemExit('the module ran')\n", encoding="utf-8")
    (tmp_path / "t.json").write_text(GOOD, encoding="utf-8")
    (tmp_path / ".taskdeflint.toml").write_text('rules-dir = ["policies"]\n', encoding="utf-8")
    flag = start(tmp_path, "--no-python-rules", "t.json")
    variable = start(tmp_path, "t.json", env=_env(TASKDEFLINT_NO_PYTHON_RULES="1"))
    for process in (flag, variable):
        stdout, stderr = process.communicate(timeout=TIMEOUT)
        completed = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        _one_error(completed, "ORG001 (policies/checks.py:raises): Python checks are refused")
        assert "the module ran" not in stderr


# --- signals and workers ---------------------------------------------------------------------------------

SLOW = "import time\n\n\ndef slow(td):\n    time.sleep(float(td.data.get('family', '0')[1:] or 0))\n    return []\n"


def _slow_project(folder: Path, files: int, seconds: float) -> None:
    """`files` task definitions that a rule of the user's takes `seconds` each to lint."""
    _policies(folder / "policies", {"ORG001": 'check = "checks.py:slow"'}, code=SLOW)
    (folder / ".taskdeflint.toml").write_text('rules-dir = ["policies"]\n', encoding="utf-8")
    for number in range(files):
        text = PRIVILEGED.replace('"family": "web"', f'"family": "s{seconds}"')
        (folder / f"t{number:03}.json").write_text(text, encoding="utf-8")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _workers(process: subprocess.Popen[str], count: int) -> set[int]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        found = _children(process.pid)
        if len(found) >= count:
            return found
        time.sleep(0.02)
    raise AssertionError("the worker processes did not start")


def _gone(pids: set[int]) -> bool:
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize(
    ("sent", "code", "said"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]
)
def test_a_signal_stops_a_parallel_run_promptly_and_leaves_no_worker(
    tmp_path: Path, sent: signal.Signals, code: int, said: str
) -> None:
    _slow_project(tmp_path, 80, 0.5)  # 20 s of work on two workers
    process = start(tmp_path, "--jobs", "2", ".")
    workers = _workers(process, 2)
    time.sleep(0.3)
    signalled = time.monotonic()
    process.send_signal(sent)
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert time.monotonic() - signalled < 10  # not after the queued files, however busy the machine
    assert (process.returncode, stdout, stderr) == (code, "", f"taskdeflint: {said}\n")
    assert _gone(workers)


def test_a_worker_killed_by_the_kernel_costs_its_file_only(tmp_path: Path) -> None:
    _slow_project(tmp_path, 80, 0.02)
    process = start(tmp_path, "--jobs", "2", "--format", "json", ".")
    victim = min(_workers(process, 2))
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 2, stderr
    (line,) = stderr.splitlines()
    assert line.startswith("taskdeflint: error: t") and line.endswith(
        ": not linted: the worker process linting it was killed by SIGKILL"
    ), line
    lost = line.split(": ")[2]
    reported = {f["path"] for f in json.loads(stdout)}
    assert reported == {f"t{n:03}.json" for n in range(80)} - {lost}
    assert not _children(process.pid)


def test_jobs_is_never_more_than_the_items() -> None:
    from taskdeflint.workers import Pool

    pool = Pool(lambda item: (item, os.getpid()), [1, 2, 3], 50, lambda item, why: (item, 0))
    results = list(pool)
    assert [item for item, _ in results] == [1, 2, 3]
    assert pool.jobs == 3 and len({pid for _, pid in results}) <= 3
    assert 0 not in {pid for _, pid in results} and os.getpid() not in {pid for _, pid in results}


# --- secrets in messages, and file names on stderr -------------------------------------------------------

TOKEN = "tok" + os.urandom(8).hex()
IN_ARN = "pw" + os.urandom(8).hex()
REGISTRY = "reg" + os.urandom(8).hex()
URL_PASSWORD = "url" + os.urandom(8).hex()
SIGNATURE = os.urandom(8).hex()
USER_PASSWORD = "Usr" + os.urandom(8).hex()
CURL_PASSWORD = "curl" + os.urandom(8).hex()
QUOTED = [TOKEN, IN_ARN, REGISTRY, URL_PASSWORD, SIGNATURE, USER_PASSWORD, CURL_PASSWORD]


def _quoting_secrets() -> str:
    web = {
        "name": "web",
        "image": "nginx:1.27",
        "memory": 512,
        "user": f"root:{USER_PASSWORD}!",
        "healthCheck": {
            "command": [f"curl -fsS -H 'Authorization: Bearer {TOKEN}' http://localhost/ || exit 1"]
        },
        "secrets": [{"name": "DB", "valueFrom": f"arn:{IN_ARN}"}],
        "repositoryCredentials": {"credentialsParameter": f"arn:{REGISTRY}"},
        "environmentFiles": [
            {
                "type": "s3",
                "value": f"https://deploy:{URL_PASSWORD}@b.example.com/a.env?X-Amz-Signature={SIGNATURE}",
            }
        ],
    }
    side = {
        "name": "side",
        "image": "busybox:1.36",
        "memory": 64,
        "healthCheck": {"command": [f"curl -u admin:{CURL_PASSWORD} http://localhost/"]},
    }
    return json.dumps({"family": "web", "containerDefinitions": [web, side]}, indent=2)


def test_no_message_echoes_a_credential_or_a_secret_where_an_arn_belongs(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text(_quoting_secrets(), encoding="utf-8")
    completed = capped(tmp_path, "--format", "json", "t.json")
    assert completed.returncode == 1, completed.stderr
    messages = {f["pointer"]: f["message"] for f in json.loads(completed.stdout)}
    web = "/containerDefinitions/0"
    assert messages[f"{web}/healthCheck/command/0"].startswith(
        'Container "web" healthCheck.command starts with "curl -fsS -H \'Authorization: Bearer ***\' '
        'http://localhost/ || exit 1"'
    )
    assert messages[f"{web}/secrets/0/valueFrom"].startswith(
        'Container "web" secret "DB": valueFrom "arn:***" '
    )
    assert messages[f"{web}/repositoryCredentials/credentialsParameter"].startswith(
        'Container "web" repositoryCredentials.credentialsParameter "arn:***" '
    )
    assert messages[f"{web}/environmentFiles/0/value"].startswith(
        'Container "web" environment file "http***" '
    )
    assert messages[f"{web}/user"] == 'Container "web" runs as root (user "root***")'
    assert "curl -u admin:*** http://localhost/" in messages["/containerDefinitions/1/healthCheck/command/0"]
    github = capped(tmp_path, "--format", "github", "t.json")
    for text in (completed.stdout, github.stdout, github.stderr):
        assert not [secret for secret in QUOTED if secret in text]


def test_file_names_on_stderr_cannot_forge_lines(tmp_path: Path) -> None:
    name = "x\n::error file=forged.json::forged\n.json"
    (tmp_path / name).symlink_to("nowhere.json")
    (tmp_path / "t.json").write_text(PRIVILEGED, encoding="utf-8")
    completed = capped(tmp_path, "-v", "--format", "github", name, "t.json", "gone\n::warning::x.json")
    assert completed.returncode == 2
    assert completed.stderr == "taskdeflint: error: gone\\n::warning::x.json: no such file or folder\n"
    completed = capped(tmp_path, "-v", "--format", "github", name, "t.json")
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [
        "taskdeflint: error: x\\n::error file=forged.json::forged\\n.json: cannot read file: No such file or "
        "directory",
        "taskdeflint: linted 1 file",
    ]
