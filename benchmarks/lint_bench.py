"""Lint speed and memory, side by side with cfn-lint, in one run on this machine.

    python benchmarks/lint_bench.py                          # taskdeflint only
    python benchmarks/lint_bench.py --cfn-lint PATH/TO/cfn-lint
    python benchmarks/lint_bench.py --install-peer /tmp/peer  # make a venv with cfn-lint there first

It builds taskdeflint's wheel and installs it in a fresh venv (what users run, with the precompiled rule
catalogue), generates a corpus of task definitions of realistic variety (and the same definitions as
CloudFormation templates for cfn-lint), then prints medians of repeated runs and the ratios:

- one file in a new process: wall time and peak memory (each tool on its own input form);
- `taskdeflint --version` and `taskdeflint rules`: start-up alone;
- the whole corpus in one invocation, on one core (`--jobs 1`) and on every core.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"

# Members whose values are maps with user-chosen keys: CloudFormation keeps those keys as they are.
_MAPS = {"dockerLabels", "options", "driverOpts", "labels"}
_CFN_NAMES = {
    "efsVolumeConfiguration": "EFSVolumeConfiguration",
    "fileSystemId": "FilesystemId",
    "properties": "ProxyConfigurationProperties",
}


def to_cloudformation(value: Any, key: str | None = None) -> Any:
    """Register-task-definition JSON as AWS::ECS::TaskDefinition properties (enough for the corpus)."""
    if isinstance(value, dict):
        if key in _MAPS:
            return dict(value)
        if key == "properties":  # proxyConfiguration.properties: a list of name/value in both
            return value
        return {_CFN_NAMES.get(k, k[:1].upper() + k[1:]): to_cloudformation(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key == "properties":
            return [{"Name": p.get("name"), "Value": p.get("value")} for p in value]
        return [to_cloudformation(item, key) for item in value]
    return value


def template(taskdef: dict[str, Any]) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "TaskDef": {"Type": "AWS::ECS::TaskDefinition", "Properties": to_cloudformation(taskdef)}
        },
    }


def corpus(size: int, seed: int = 7) -> list[dict[str, Any]]:
    """`size` task definitions varied from the golden files: names, images, ports, environments, sizes."""
    rng = random.Random(seed)
    bases = [
        json.loads(p.read_text())
        for p in sorted(GOLDEN.glob("*.json"))
        if not p.name.endswith(".expected.json")
    ]
    out = []
    for number in range(size):
        td = copy.deepcopy(rng.choice(bases))
        td["family"] = f"{td['family']}-{number}"
        for container in td["containerDefinitions"]:
            container.setdefault("environment", [])
            for index in range(rng.randrange(0, 12)):
                container["environment"].append(
                    {"name": f"SETTING_{index}", "value": f"value-{rng.random():.6f}"}
                )
            if "image" in container and "@" not in container["image"]:
                repository = container["image"].rsplit(":", 1)[0]
                container["image"] = f"{repository}:{rng.randrange(1, 40)}.{rng.randrange(0, 9)}"
            for mapping in container.get("portMappings", []):
                if "containerPort" in mapping and rng.random() < 0.3:
                    mapping["containerPort"] = rng.choice([80, 443, 3000, 8000, 8080, 9090])
                    if "hostPort" in mapping:
                        mapping["hostPort"] = mapping["containerPort"]
        out.append(td)
    return out


def install_taskdeflint(work: Path) -> Path:
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    (wheel,) = dist.glob("*.whl")
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], check=True, capture_output=True
    )
    return venv / "bin" / "taskdeflint"


def install_peer(folder: Path) -> Path:
    if not (folder / "bin" / "cfn-lint").exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "pip"), "install", "--quiet", "cfn-lint"], check=True)
    return folder / "bin" / "cfn-lint"


GNU_TIME = Path("/usr/bin/time")


def measure(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KiB) of one run of `command` in a new process.

    Memory comes from GNU time (Debian package `time`) when it is there: the kernel's ru_maxrss of a child
    of this benchmark would count this process's own memory, which the child shares until it execs.
    Without GNU time, memory is reported as 0.
    """
    use_time = GNU_TIME.exists()
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        wrapped = [str(GNU_TIME), "-f", "%M", "-o", report.name, *command] if use_time else command
        start = time.perf_counter()
        subprocess.run(wrapped, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        seconds = time.perf_counter() - start
        text = Path(report.name).read_text().strip().splitlines()
    return seconds, int(text[-1]) if use_time and text else 0


def median_run(command: list[str], cwd: Path, repeat: int) -> tuple[float, int]:
    runs = [measure(command, cwd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def version(command: list[str]) -> str:
    completed = subprocess.run([*command, "--version"], capture_output=True, text=True, check=False)
    return (completed.stdout or completed.stderr).strip().splitlines()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="corpus size (default 1000)")
    parser.add_argument("--repeat", type=int, default=7, help="runs per single-file measurement")
    parser.add_argument("--cfn-lint", type=Path, help="a cfn-lint executable to compare with")
    parser.add_argument("--install-peer", type=Path, metavar="DIR", help="create a venv with cfn-lint in DIR")
    parser.add_argument("--taskdeflint", type=Path, help="use this taskdeflint instead of building the wheel")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="taskdeflint-bench-"))
    try:
        tool = args.taskdeflint or install_taskdeflint(work)
        peer = args.cfn_lint
        if args.install_peer is not None:
            peer = install_peer(args.install_peer)
        definitions = corpus(args.files)
        (work / "json").mkdir()
        (work / "cfn").mkdir()
        for number, td in enumerate(definitions):
            (work / "json" / f"td-{number:05}.json").write_text(json.dumps(td, indent=2))
            (work / "cfn" / f"td-{number:05}.json").write_text(json.dumps(template(td), indent=2))
        one_json = work / "json" / "td-00000.json"
        one_cfn = work / "cfn" / "td-00000.json"
        cores = os.cpu_count() or 1

        print(f"machine: {cores} cores; corpus: {args.files} task definitions; {args.repeat} runs per median")
        print(f"taskdeflint: {version([str(tool)])}")
        rows: list[tuple[str, float, int | None]] = []
        t_one, m_one = median_run([str(tool), "lint", "-q", str(one_json)], work, args.repeat)
        rows.append(("taskdeflint lint ONE_FILE", t_one, m_one))
        t_version, m_version = median_run([str(tool), "--version"], work, args.repeat)
        rows.append(("taskdeflint --version", t_version, m_version))
        t_rules, m_rules = median_run([str(tool), "rules"], work, args.repeat)
        rows.append(("taskdeflint rules", t_rules, m_rules))
        t_peer = m_peer = None
        if peer is not None:
            print(f"cfn-lint: {version([str(peer)])}")
            t_peer, m_peer = median_run([str(peer), str(one_cfn)], work, args.repeat)
            rows.append(("cfn-lint ONE_TEMPLATE", t_peer, m_peer))
        for label, seconds, memory in rows:
            print(f"  {label:<28} {seconds * 1000:8.1f} ms   peak {memory / 1024:6.1f} MiB")
        if t_peer is not None and m_peer is not None:
            print(
                f"  one file: taskdeflint is {t_peer / t_one:.1f}x faster than cfn-lint, "
                f"with {m_one / m_peer:.2f}x its peak memory"
            )

        corpus_runs = []
        for jobs in sorted({1, cores}):
            seconds, memory = median_run(
                [str(tool), "lint", "-q", "--jobs", str(jobs), "--fail-on", "never", str(work / "json")],
                work,
                3,
            )
            corpus_runs.append((jobs, seconds))
            print(
                f"  {args.files} files, --jobs {jobs}: {seconds:6.2f} s = "
                f"{args.files / seconds:7.0f} files/s "
                f"(peak {memory / 1024:.1f} MiB)"
            )
        if len(corpus_runs) > 1:
            print(f"  --jobs {cores} vs --jobs 1: {corpus_runs[0][1] / corpus_runs[-1][1]:.2f}x")
        if peer is not None:
            sample = min(args.files, 50)
            files = [str(work / "cfn" / f"td-{n:05}.json") for n in range(sample)]
            seconds, _ = median_run([str(peer), *files], work, 1)
            print(
                f"  cfn-lint, {sample} templates in one run: {seconds:6.2f} s = "
                f"{sample / seconds:5.1f} files/s"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
