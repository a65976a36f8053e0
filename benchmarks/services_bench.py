"""What linting services costs: a repository-sized set, with and without its services, in one run.

    python benchmarks/services_bench.py                     # builds the wheel, as lint_bench.py does
    python benchmarks/services_bench.py --taskdeflint .venv/bin/taskdeflint --repeat 3
    python benchmarks/services_bench.py --profile           # and where the whole set's time goes

It generates, in a temporary folder, 1,000 task definitions (lint_bench.py's corpus) and 300 ECS services
for 300 of them, each in its own folder beside its task definition, in the forms users keep them:
create-service input, describe-services output, ecspresso's service definition with its `ecspresso.yml`,
and CloudFormation templates (a target group, a listener rule and the service). Every service names its
task definition the way those forms do: by family, `family:revision` or ARN, which the run resolves
across files in its second pass, or through ecspresso's config. The same task definitions without the
services are the peer: `taskdeflint lint` on each folder, on one core (`--jobs 1`) and on every core,
medians of `--repeat` runs of wall and CPU time (the CPU of the worker processes included; the two
folders are linted in turn), and the ratio whole/alone. The issue's target is at most 2x.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lint_bench import corpus, install_taskdeflint, version

ACCOUNT = "123456789012"
REGION = "eu-west-1"
FORMS = ("create", "describe", "ecspresso", "cloudformation")


def _port(taskdef: dict[str, Any]) -> tuple[str, int, str | None] | None:
    """The first container with a port mapping: its name, container port and the mapping's name."""
    for container in taskdef["containerDefinitions"]:
        for mapping in container.get("portMappings", []):
            if isinstance(mapping.get("containerPort"), int):
                return container["name"], mapping["containerPort"], mapping.get("name")
    return None


def _target_group_arn(name: str) -> str:
    return f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{name[:32]}/0123456789abcdef"


def service(taskdef: dict[str, Any], name: str, reference: str | None, rng: random.Random) -> dict[str, Any]:
    """A create-service input for `taskdef`, shaped by its network mode and launch types: a load
    balancer on its first mapped port, Service Connect on a named one, a worker without either."""
    mode = taskdef.get("networkMode", "bridge")
    fargate = "FARGATE" in taskdef.get("requiresCompatibilities", [])
    data: dict[str, Any] = {"cluster": "main", "serviceName": name}
    if reference is not None:
        data["taskDefinition"] = reference
    port = _port(taskdef)
    if mode == "host" and not fargate:
        data["launchType"] = "EC2"
        data["schedulingStrategy"] = "DAEMON"
        return data
    data["desiredCount"] = rng.choice([2, 3, 4, 6])
    if fargate and rng.random() < 0.3:
        data["capacityProviderStrategy"] = [
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3},
        ]
    else:
        data["launchType"] = "FARGATE" if fargate else "EC2"
    data["deploymentConfiguration"] = {
        "minimumHealthyPercent": rng.choice([50, 100]),
        "maximumPercent": 200,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    }
    if mode == "awsvpc":
        data["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
                "securityGroups": ["sg-0a1b2c3d4e5f60003"],
                "assignPublicIp": "DISABLED",
            }
        }
    if port is not None:
        container, container_port, port_name = port
        data["loadBalancers"] = [
            {
                "targetGroupArn": _target_group_arn(name),
                "containerName": container,
                "containerPort": container_port,
            }
        ]
        data["healthCheckGracePeriodSeconds"] = 30
        if port_name and mode == "awsvpc":
            data["serviceConnectConfiguration"] = {
                "enabled": True,
                "namespace": "internal",
                "services": [{"portName": port_name, "discoveryName": name}],
            }
    data["enableExecuteCommand"] = False
    data["propagateTags"] = "SERVICE"
    return data


def _cloudformation(value: Any, key: str = "") -> Any:
    """create-service input as AWS::ECS::Service properties (the same names, capitalised)."""
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: _cloudformation(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_cloudformation(item, key) for item in value]
    return value


def template(data: dict[str, Any]) -> dict[str, Any]:
    """A stack of its own for one service: its target group and listener rule on a shared listener,
    the service waiting for the rule."""
    properties = _cloudformation(data)
    resources: dict[str, Any] = {}
    service_resource: dict[str, Any] = {"Type": "AWS::ECS::Service", "Properties": properties}
    if "LoadBalancers" in properties:
        awsvpc = "NetworkConfiguration" in properties
        resources["TargetGroup"] = {
            "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
            "Properties": {
                "VpcId": {"Fn::ImportValue": "network-VpcId"},
                "TargetType": "ip" if awsvpc else "instance",
                "Protocol": "HTTP",
                "Port": properties["LoadBalancers"][0]["ContainerPort"],
                "HealthCheckPath": "/health",
            },
        }
        resources["ListenerRule"] = {
            "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
            "Properties": {
                "ListenerArn": {"Fn::ImportValue": "edge-HttpsListener"},
                "Priority": {"Ref": "Priority"},
                "Conditions": [
                    {"Field": "path-pattern", "PathPatternConfig": {"Values": [f"/{data['serviceName']}/*"]}}
                ],
                "Actions": [{"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}],
            },
        }
        properties["LoadBalancers"][0]["TargetGroupArn"] = {"Ref": "TargetGroup"}
        service_resource["DependsOn"] = "ListenerRule"
    resources["Service"] = service_resource
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Priority": {"Type": "Number"}},
        "Resources": resources,
    }


def described(data: dict[str, Any]) -> dict[str, Any]:
    """create-service input as describe-services output shows the service: ARNs for the cluster and the
    task definition, counts, and Service Connect in the primary deployment rather than in the service."""
    name = data["serviceName"]
    family = data["taskDefinition"].rsplit("/", 1)[-1].split(":")[0]
    arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:7"
    service = {k: v for k, v in data.items() if k not in ("cluster", "serviceConnectConfiguration")}
    deployment: dict[str, Any] = {
        "id": "ecs-svc/1234567890123456789",
        "status": "PRIMARY",
        "taskDefinition": arn,
        "desiredCount": data.get("desiredCount", 0),
        "runningCount": data.get("desiredCount", 0),
        "pendingCount": 0,
        "rolloutState": "COMPLETED",
    }
    if "serviceConnectConfiguration" in data:
        deployment["serviceConnectConfiguration"] = data["serviceConnectConfiguration"]
    service.update(
        {
            "serviceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/main/{name}",
            "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/main",
            "taskDefinition": arn,
            "status": "ACTIVE",
            "runningCount": data.get("desiredCount", 0),
            "pendingCount": 0,
            "deployments": [deployment],
        }
    )
    return {"services": [service], "failures": []}


def _reference(taskdef: dict[str, Any], rng: random.Random) -> str:
    family = taskdef["family"]
    pick = rng.random()
    if pick < 0.7:
        return family
    revision = rng.randrange(1, 60)
    if pick < 0.9:
        return f"{family}:{revision}"
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}"


def generate(root: Path, taskdefs: int, services: int, templates: int, seed: int = 11) -> dict[str, int]:
    """The repository in `root/whole` and its task definitions alone in `root/alone`; how many services
    of each form were written."""
    rng = random.Random(seed)
    definitions = corpus(taskdefs)
    with_service = set(rng.sample(range(taskdefs), min(services, taskdefs)))
    in_templates = set(rng.sample(sorted(with_service), min(templates, len(with_service))))
    counts = dict.fromkeys(FORMS, 0)
    for number, taskdef in enumerate(definitions):
        text = json.dumps(taskdef, indent=2) + "\n"
        if number not in with_service:
            for tree in ("alone", "whole"):
                folder = root / tree / "taskdefs"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"td-{number:05}.json").write_text(text)
            continue
        name = f"app-{number:05}"
        for tree in ("alone", "whole"):
            (root / tree / "apps" / name).mkdir(parents=True, exist_ok=True)
            (root / tree / "apps" / name / "taskdef.json").write_text(text)
        folder = root / "whole" / "apps" / name
        weighted = rng.choices(FORMS[:3], weights=(80, 12, 8))[0]
        form = "cloudformation" if number in in_templates else weighted
        counts[form] += 1
        if form == "ecspresso":
            data = service(taskdef, name, None, rng)
            for key in ("cluster", "serviceName"):
                data.pop(key)
            (folder / "ecs-service-def.json").write_text(json.dumps(data, indent=2) + "\n")
            (folder / "ecspresso.yml").write_text(
                f"region: {REGION}\ncluster: main\nservice: {name}\n"
                "service_definition: ecs-service-def.json\ntask_definition: taskdef.json\n"
            )
            continue
        data = service(taskdef, name, _reference(taskdef, rng), rng)
        if form == "cloudformation":
            (folder / "service.template.json").write_text(json.dumps(template(data), indent=2) + "\n")
        elif form == "describe":
            (folder / "service.json").write_text(json.dumps(described(data), indent=2) + "\n")
        else:
            (folder / "service.json").write_text(json.dumps(data, indent=2) + "\n")
    return counts


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, of the process and the workers it waited for) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def paired_runs(commands: list[list[str]], cwd: Path, repeat: int) -> list[tuple[float, float]]:
    """Median wall and CPU seconds of each command, the commands run in turn `repeat` times: on a machine
    that others share, a busy spell then slows both sides of a ratio, not one."""
    runs: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(repeat):
        for index, command in enumerate(commands):
            runs[index].append(measure(command, cwd))
    return [(statistics.median(r[0] for r in each), statistics.median(r[1] for r in each)) for each in runs]


def check_set(tool: Path, root: Path) -> tuple[int, list[str], int]:
    """Linted once, untimed: how many files of the whole set were linted, which service files were
    skipped (a form this taskdeflint does not read), and how many services did not find their task
    definition (TDL800). The timings measure what the set was built for only if the last two are empty."""
    completed = subprocess.run(
        [str(tool), "lint", "-v", "--format", "json", "--show", "info", "--fail-on", "never", "whole"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    linted, skipped = 0, []
    for line in completed.stderr.splitlines():
        if line.startswith("taskdeflint: linted "):
            linted = int(line.split()[2])
        elif line.startswith("taskdeflint: skipped ") and not line.endswith(
            "ecspresso.yml: not a task definition"
        ):
            skipped.append(line.split()[2].rstrip(":"))
    findings = json.loads(completed.stdout or "[]")  # the json format: a list of findings
    return linted, skipped, sum(1 for f in findings if f.get("rule") == "TDL800")


def profile(root: Path, top: int) -> str:
    """Where the whole set's time goes on one core, in this process (the source tree's taskdeflint)."""
    from taskdeflint.lint import LintSettings, run

    settings = LintSettings(paths=("whole",), jobs=1, fail_on="never", quiet=True, cwd=root)
    profiler = cProfile.Profile()
    sink = io.StringIO()
    profiler.enable()
    run(settings, stdout=sink, stderr=sink)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taskdefs", type=int, default=1000, help="task definitions (default 1000)")
    parser.add_argument("--services", type=int, default=300, help="services among them (default 300)")
    parser.add_argument(
        "--templates", type=int, default=60, help="of the services, how many in CloudFormation (default 60)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per median (default 5)")
    parser.add_argument("--jobs", type=int, action="append", help="--jobs values (default: 1 and every core)")
    parser.add_argument("--taskdeflint", type=Path, help="use this taskdeflint instead of building the wheel")
    parser.add_argument(
        "--profile", action="store_true", help="also profile the whole set (cProfile, --jobs 1)"
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="generate the set in DIR and keep it")
    args = parser.parse_args()

    if args.keep is not None and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep}: the folder is not empty")
    work = Path(tempfile.mkdtemp(prefix="taskdeflint-services-bench-"))
    root = args.keep or work / "set"
    try:
        tool = args.taskdeflint.resolve() if args.taskdeflint else install_taskdeflint(work)
        counts = generate(root, args.taskdefs, args.services, args.templates)
        cores = os.cpu_count() or 1
        written = sum(counts.values())
        print(
            f"machine: {cores} cores; set: {args.taskdefs} task definitions, {written} services "
            f"({', '.join(f'{n} {form}' for form, n in counts.items())}); {args.repeat} runs per median"
        )
        print(f"taskdeflint: {version([str(tool)])}")
        linted, skipped, not_found = check_set(tool, root)
        print(f"  whole set: {linted} files linted")
        if skipped:
            kinds = sorted({Path(path).name for path in skipped})
            print(
                f"  note: {len(skipped)} service files were skipped as holding no task definition "
                f"({', '.join(kinds)})"
            )
        if not_found:
            print(f"  note: {not_found} services did not find their task definition (TDL800)")
        ratios = []
        for jobs in sorted(set(args.jobs or [1, cores])):
            commands = [
                [str(tool), "lint", "-q", "--jobs", str(jobs), "--fail-on", "never", tree]
                for tree in ("alone", "whole")
            ]
            (alone_wall, alone_cpu), (whole_wall, whole_cpu) = paired_runs(commands, root, args.repeat)
            ratios.append(whole_wall / alone_wall)
            print(
                f"  --jobs {jobs}: task definitions alone {alone_wall:6.2f} s wall {alone_cpu:6.2f} s CPU; "
                f"with services {whole_wall:6.2f} s wall {whole_cpu:6.2f} s CPU; "
                f"ratio {whole_wall / alone_wall:.2f}x wall, {whole_cpu / alone_cpu:.2f}x CPU"
            )
        print(f"  worst wall ratio {max(ratios):.2f}x (target: at most 2x; CPU time varies less)")
        if args.profile:
            print(profile(root, 25))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
