"""Peak memory and time of linting one large file, against its size, for JSON and YAML.

    python benchmarks/large_files.py                       # 1, 4 and 16 MiB
    python benchmarks/large_files.py --sizes 1,8,30        # sizes in MiB
    python benchmarks/large_files.py --pythonpath OLD/TREE # another checkout's code (to compare)

Each file is linted by `python -m taskdeflint lint --format json` in a child process of its own; its peak
resident memory and wall time come from GNU time (/usr/bin/time). The peer, measured on the same file in
the same run, is the parser alone in a child of its own (`json.loads`, or PyYAML composing the node graph
with libyaml, which is what the YAML reader starts from). The table gives taskdeflint's peak memory per
byte of input (above that of linting a small file) and its ratios to the peer; the budget is `BUDGET`
bytes per byte of input, checked at the end.

The files are shaped like real large inputs: a task definition with thousands of containers (JSON), and
a CloudFormation template with hundreds of task definitions (YAML, and the same template as JSON),
and the densest JSON: a command of millions of one-letter arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# Peak resident memory per byte of input, above what a lint of a small task definition takes. With the
# default size limit (8 MiB, `readers.base.MAX_BYTES`) a file at the limit needs at most about 640 MiB.
BUDGET = 80

MIB = 1024 * 1024


def _container(n: int) -> dict[str, Any]:
    return {
        "name": f"app-{n}",
        "image": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app-{n}:1.{n}",
        "cpu": 16,
        "memoryReservation": 64,
        "essential": n % 7 == 0,
        "portMappings": [{"containerPort": 8000 + n % 1000, "protocol": "tcp"}],
        "environment": [{"name": f"VAR_{i}", "value": f"value-{n}-{i}"} for i in range(8)],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": f"/ecs/app-{n}", "awslogs-region": "eu-west-1"},
        },
        "mountPoints": [{"sourceVolume": "data", "containerPath": f"/data/{n}"}],
        "dockerLabels": {"team": "platform", "service": f"app-{n}"},
    }


def _cfn(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        if key in ("options", "dockerLabels"):
            return value
        return {k[:1].upper() + k[1:]: _cfn(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_cfn(item) for item in value]
    return value


def _yaml(value: Any, indent: int = 0) -> list[str]:
    """Block-style YAML (written here: PyYAML's emitter is slow on megabytes)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines += _yaml(item, indent + 2)
            else:
                lines.append(f"{pad}{key}: {json.dumps(item)}")
    else:
        for item in value:
            inner = _yaml(item, indent + 2)
            if isinstance(item, dict | list) and item:
                inner[0] = f"{pad}- {inner[0].lstrip()}"
                lines += inner
            else:
                lines.append(f"{pad}- {json.dumps(item)}")
    return lines


def task_definition(size: int) -> bytes:
    containers: list[dict[str, Any]] = []
    document: dict[str, Any] = {
        "family": "large",
        "volumes": [{"name": "data"}],
        "containerDefinitions": containers,
    }
    one = len(json.dumps(_container(0), indent=2)) + 4
    containers += [_container(n) for n in range(max(1, size // one))]
    return json.dumps(document, indent=2).encode()


def dense(size: int) -> bytes:
    """The most values per byte a task definition can hold: a command of one-letter arguments."""
    command = ",".join(['"a"'] * (size // 4))
    text = '{"family": "f", "containerDefinitions": [{"name": "a", "image": "b:1", "command": [%s]}]}'
    return (text % command).encode()


def template(size: int) -> dict[str, Any]:
    per_resource = 10
    one = len(json.dumps(_container(0), indent=2)) * per_resource
    resources = {
        f"Task{r}": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": _cfn(
                {
                    "family": f"task-{r}",
                    "volumes": [{"name": "data"}],
                    "containerDefinitions": [_container(n) for n in range(per_resource)],
                }
            ),
        }
        for r in range(max(1, size // one))
    }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def _measure(command: list[str], env: dict[str, str], cwd: str) -> tuple[float, int, int]:
    """Wall time, peak RSS in bytes, and exit code of one child, measured by GNU time (a small process
    that forks it: the child of this large one would count this one's pages as its own)."""
    report = Path(cwd) / "time.out"
    process = subprocess.run(
        ["/usr/bin/time", "-q", "-o", str(report), "-f", "%e %M", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        check=False,
    )
    if process.returncode not in (0, 1):
        print(
            f"  exit {process.returncode}: {process.stderr.decode(errors='replace')[:200]}", file=sys.stderr
        )
    seconds, kib = report.read_text().split()[-2:]
    return float(seconds), int(kib) * 1024, process.returncode


PEERS = {
    "json": "import json,sys; json.loads(open(sys.argv[1], encoding='utf-8').read())",
    "yaml": (
        "import yaml,sys; yaml.compose(open(sys.argv[1], encoding='utf-8').read(), "
        "Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))"
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1,4,16", help="file sizes in MiB, comma-separated")
    parser.add_argument("--pythonpath", help="lint with the taskdeflint package found here")
    parser.add_argument("--kinds", default="json,dense,cfn-json,cfn-yaml")
    arguments = parser.parse_args()
    env = dict(os.environ)
    if arguments.pythonpath:
        env["PYTHONPATH"] = arguments.pythonpath
    sizes = [float(s) for s in arguments.sizes.split(",")]
    over = 0
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "small.json"
        base.write_text('{"family": "f", "containerDefinitions": [{"name": "a", "image": "b:1"}]}')
        lint = [sys.executable, "-m", "taskdeflint", "lint", "--format", "json"]
        _, floor, _ = _measure([*lint, str(base)], env, folder)
        print(f"baseline (a small file): peak RSS {floor / MIB:.0f} MiB")
        print(
            f"{'kind':9} {'MiB':>6} {'seconds':>8} {'peak MiB':>9} {'B/B':>5} {'peer s':>7} {'peer MiB':>9} "
            f"{'time x':>7} {'mem x':>6}"
        )
        for kind in arguments.kinds.split(","):
            for size_mib in sizes:
                size = int(size_mib * MIB)
                if kind == "json":
                    data = task_definition(size)
                elif kind == "dense":
                    data = dense(size)
                elif kind == "cfn-json":
                    data = json.dumps(template(size), indent=1).encode()
                else:
                    data = ("\n".join(_yaml(template(int(size / 1.3)))) + "\n").encode()
                path = Path(folder) / ("big.yaml" if kind == "cfn-yaml" else "big.json")
                path.write_bytes(data)
                # Whatever the default limit, the file is read.
                config = Path(folder) / ".taskdeflint.toml"
                config.write_text(f"max-file-size = {len(data) + 1}\n")
                seconds, peak, _ = _measure([*lint, str(path)], env, folder)
                peer = PEERS["yaml" if kind == "cfn-yaml" else "json"]
                peer_seconds, peer_peak, _ = _measure([sys.executable, "-c", peer, str(path)], env, folder)
                per_byte = (peak - floor) / len(data)
                over += per_byte > BUDGET
                print(
                    f"{kind:9} {len(data) / MIB:6.1f} {seconds:8.2f} {peak / MIB:9.0f} {per_byte:5.1f} "
                    f"{peer_seconds:7.2f} {peer_peak / MIB:9.0f} {seconds / peer_seconds:7.1f} "
                    f"{peak / peer_peak:6.1f}"
                )
    print(f"budget: {BUDGET} bytes of peak memory per byte of input; {over} file(s) over it")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
