"""Inputs built to crash the linter, or to make it slow or hungry by what they expand to, each linted by
the CLI in a child process capped in time and address space (see `capped.py`): the run ends with a
finding or a one-line error and exit 0, 1 or 2, never a traceback, and the other files are still linted."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskdeflint import lint
from taskdeflint.engine.catalogue import load_catalogue
from taskdeflint.engine.linter import Linter, Policy
from taskdeflint.positions import byte_limit
from taskdeflint.readers import cloudformation, files
from taskdeflint.readers import document as doc
from taskdeflint.readers.base import Loaded
from tests.capped import capped_lint

# Linted beside each hostile file: its one finding shows that the run went on to it.
OTHER = '{"family": "web",}'


def template(properties: dict[str, Any], **sections: Any) -> str:
    document = {
        "AWSTemplateFormatVersion": "2010-09-09",
        **sections,
        "Resources": {"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": properties}},
    }
    return json.dumps(document)


def container(**members: Any) -> dict[str, Any]:
    return {"Name": "web", "Image": "nginx:1.27", "Memory": 512, **members}


YAML_HEAD = "Resources:\n  Task:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n"
HUGE = "9" * 4300
TERRAFORM_WHOLLY_UNKNOWN = {
    "format_version": "1.2",
    "planned_values": {
        "root_module": {
            "resources": [
                {
                    "address": "aws_ecs_task_definition.web",
                    "mode": "managed",
                    "type": "aws_ecs_task_definition",
                    "name": "web",
                    "values": {},
                }
            ]
        }
    },
    "resource_changes": [{"address": "aws_ecs_task_definition.web", "change": {"after_unknown": True}}],
}

# name: (file name suffix, text, the rule ids its findings must include)
CRASHES = {
    "bool-maybe": (
        "yaml",
        YAML_HEAD + "      ContainerDefinitions:\n        - Name: web\n          Essential: !!bool maybe\n",
        {"TDL008"},
    ),
    "huge-hex": ("yaml", YAML_HEAD + "      Cpu: 0x" + "f" * 20000 + "\n", set()),
    "huge-sexagesimal": ("yaml", YAML_HEAD + "      Cpu: 1" + ":59" * 3000 + "\n", set()),
    "huge-int-in-bits": ("yaml", YAML_HEAD + "      Memory: 0x" + "f" * 3990 + "\n", set()),
    "huge-cpu-and-reservation-sums": (
        "json",
        json.dumps(
            {
                "family": "web",
                "cpu": "256",
                "memory": "512",
                "containerDefinitions": [
                    {"name": name, "image": "x:1", "cpu": 0, "memoryReservation": 0} for name in "abc"
                ],
            }
        )
        .replace('"cpu": 0', f'"cpu": {HUGE}')
        .replace('"memoryReservation": 0', f'"memoryReservation": {HUGE}'),
        {"TDL003"},
    ),
    "split-empty-delimiter": (
        "json",
        template({"ContainerDefinitions": [container(Command={"Fn::Split": ["", "a b"]})]}),
        set(),
    ),
    "base64-lone-surrogate": (
        "json",
        template({"ContainerDefinitions": [container(Command=[{"Fn::Base64": "\ud800"}])]}),
        set(),
    ),
    "terraform-resource-wholly-unknown": ("json", json.dumps(TERRAFORM_WHOLLY_UNKNOWN), set()),
}


def test_inputs_that_crashed_get_findings_and_the_other_files_are_linted(tmp_path: Path) -> None:
    names = []
    for case, (suffix, text, _) in CRASHES.items():
        (tmp_path / f"{case}.{suffix}").write_text(text, encoding="utf-8", errors="surrogatepass")
        names.append(f"{case}.{suffix}")
    (tmp_path / "other.json").write_text(OTHER, encoding="utf-8")
    result = capped_lint(tmp_path, *names, "other.json")
    assert result.stderr == ""
    for case, (suffix, _, rules) in CRASHES.items():
        assert rules <= {f["rule"] for f in result.findings if f["path"] == f"{case}.{suffix}"}, case
    assert [f["rule"] for f in result.findings if f["path"] == "other.json"] == ["TDL001"]


UNREADABLE = {
    "trailing-comma.json": ('{"family": "web",}', "TDL001"),
    "empty.json": ("", "TDL001"),
    "tabs.yaml": ("Resources:\n\tTask: 1\n", "TDL008"),
    "latin1.json": ("", "TDL005"),
}


@pytest.mark.parametrize("option", [("--select", "TDL2"), ("--ignore", "TDL0")])
def test_no_selection_hides_that_a_file_could_not_be_read(tmp_path: Path, option: tuple[str, str]) -> None:
    for name, (text, _) in UNREADABLE.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "latin1.json").write_bytes(b'{"family": "caf\xe9"}')
    result = capped_lint(tmp_path, *option, *UNREADABLE)
    assert result.code == 1
    assert sorted((f["path"], f["rule"]) for f in result.findings) == sorted(
        (name, rule) for name, (_, rule) in UNREADABLE.items()
    )


def test_the_same_file_named_twice_is_linted_once(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "web.json").write_text('{"family": "web",}', encoding="utf-8")
    absolute = str(tmp_path / "deploy" / "web.json")
    result = capped_lint(
        tmp_path, "deploy/web.json", "./deploy/web.json", "deploy/../deploy/web.json", absolute
    )
    assert [(f["path"], f["rule"]) for f in result.findings] == [("deploy/web.json", "TDL001")]


def _nested_merges() -> str:
    """Merge keys five levels deep, each merging the level below twenty times: 20**5 members."""
    lines = ["Base0: &m0 {" + ", ".join(f"k{i}: {i}" for i in range(20)) + "}"]
    lines += [f"Base{n}: &m{n}\n  <<: [" + ", ".join([f"*m{n - 1}"] * 20) + "]" for n in range(1, 6)]
    return "\n".join(lines) + "\n" + YAML_HEAD + "      <<: *m5\n      Family: web\n"


def _key_at_every_level() -> str:
    """A 10 KB key, anchored once and used as the key at fifty levels, above 2,000 values."""
    text = "Anchor: &k " + "k" * 10_000 + "\n" + YAML_HEAD + "      Deep:\n"
    for level in range(50):
        text += " " * (8 + 2 * level) + "*k :\n"
    return text + " " * 108 + "[" + ", ".join(["1"] * 2000) + "]\n"


def _aliased_duplicate_keys() -> str:
    text = "Anchor: &k " + "d" * 100_000 + "\n" + YAML_HEAD + "      Dup:\n"
    return text + "        *k : 1\n" * 3000


def _aliased_scalar() -> str:
    """A 1 MB scalar named 5,000 times: 5 GB once expanded."""
    return (
        "Anchor: &s " + "x" * 1_000_000 + "\n" + YAML_HEAD + "      Cmd: [" + ", ".join(["*s"] * 5000) + "]\n"
    )


def _json_key_above_many_members() -> str:
    labels = {"k" * 100_000: {f"x{i}": 1 for i in range(20_000)}}
    return json.dumps({"family": "web", "containerDefinitions": [], "dockerLabels": labels})


# name: (text, the rule and message start of the finding that stops reading; None: linted, no stop)
EXPANSIONS = {
    "nested-merges.yaml": (_nested_merges(), None),
    "key-at-every-level.yaml": (_key_at_every_level(), ("TDL008", "YAML values and member names")),
    "aliased-duplicate-keys.yaml": (_aliased_duplicate_keys(), ("TDL008", "YAML values and member names")),
    "aliased-scalar.yaml": (_aliased_scalar(), ("TDL008", "YAML values and member names")),
    "key-above-many-members.json": (_json_key_above_many_members(), ("TDL007", "Member names so long")),
    # Quotes inside a plain scalar, then 3,000 open brackets: PyYAML's scanner and the search for where
    # the nesting went too deep were both quadratic (a minute for 160 KB).
    "quotes-then-deep.yaml": (
        "k: x" + '"\\' * 40_000 + "\na: " + "[" * 3000 + "\n",
        ("TDL006", "YAML is nested"),
    ),
}


def test_what_aliases_merges_and_long_keys_expand_to_is_bounded(tmp_path: Path) -> None:
    for name, (text, _) in EXPANSIONS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "other.json").write_text(OTHER, encoding="utf-8")
    result = capped_lint(tmp_path, *EXPANSIONS, "other.json", address_space=512 * 1024 * 1024)
    for name, (_, stop) in EXPANSIONS.items():
        findings = [f for f in result.findings if f["path"] == name]
        if stop is None:
            assert findings, name
        else:
            assert any(f["rule"] == stop[0] and f["message"].startswith(stop[1]) for f in findings), name
        # Messages and pointers stay short whatever the keys are.
        assert all(len(f["message"]) < 400 for f in findings), name
    assert [f["rule"] for f in result.findings if f["path"] == "other.json"] == ["TDL001"]


def _find_in_map_chain() -> str:
    """Mapping values that look each other up twice, thirty levels down: 2**30 lookups if evaluated."""
    levels = {f"L{n}": {"x": [{"Fn::FindInMap": ["M", f"L{n + 1}", "x"]}] * 2} for n in range(30)}
    levels["L30"] = {"x": "leaf"}
    return template(
        {"ContainerDefinitions": [container(Command={"Fn::FindInMap": ["M", "L0", "x"]})]},
        Mappings={"M": levels},
    )


def _find_in_map_of_itself() -> str:
    return template(
        {"ContainerDefinitions": [container(Command=[{"Fn::FindInMap": ["M", "A", "x"]}])]},
        Mappings={"M": {"A": {"x": {"Fn::FindInMap": ["M", "A", "x"]}}}},
    )


def _thousands_of_conditions() -> str:
    containers = [
        container(
            Name=f"c{n}",
            Memory={"Fn::If": [f"C{n}", 64, 128]},
            Privileged={"Fn::If": [f"C{n}", True, False]},
        )
        for n in range(300)
    ]
    conditions = {f"C{n}": {"Fn::Equals": ["a", "b"]} for n in range(300)}
    return template({"ContainerDefinitions": containers}, Conditions=conditions)


def _names_and_links_by_sub() -> str:
    names = [{"Fn::Sub": f"${{AWS::StackName}}-c{n}"} for n in range(40)]
    containers = [
        container(Name=name, Links=[other for other in names if other is not name]) for name in names
    ]
    return template({"ContainerDefinitions": containers})


def _parameter_defaults_that_refer_to_each_other() -> str:
    parameters = {"A": {"Type": "String", "Default": {"Ref": "B"}}, "B": {"Default": {"Ref": "A"}}}
    return template(
        {"ContainerDefinitions": [container(Name={"Ref": "A"}, User={"Ref": "B"})]}, Parameters=parameters
    )


# name: (text, rules its findings must include)
TEMPLATES = {
    "parameter-ref-cycle.json": (_parameter_defaults_that_refer_to_each_other(), {"TDL502"}),
    "find-in-map-chain.json": (_find_in_map_chain(), {"TDL111"}),
    "find-in-map-of-itself.json": (_find_in_map_of_itself(), {"TDL111"}),
    "thousands-of-conditions.json": (_thousands_of_conditions(), {"TDL031"}),
    "names-and-links-by-sub.json": (_names_and_links_by_sub(), {"TDL031"}),
}


def test_intrinsic_functions_cost_what_the_template_holds(tmp_path: Path) -> None:
    for name, (text, _) in TEMPLATES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "other.json").write_text(OTHER, encoding="utf-8")
    result = capped_lint(tmp_path, *TEMPLATES, "other.json")
    for name, (_, rules) in TEMPLATES.items():
        assert rules <= {f["rule"] for f in result.findings if f["path"] == name}, name
    assert [f["rule"] for f in result.findings if f["path"] == "other.json"] == ["TDL001"]


def _module_waiting_for_module(count: int) -> str:
    """A Terraform plan: `count` services in a module that depends on a module of `count` target groups
    and the listener rules that attach them, `count` squared waits if each were kept (TDL818 asks, for
    each service, whether it waits for its target group's rule)."""
    arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:"

    def resource(module: str, kind: str, name: str, index: int, values: dict[str, Any]) -> dict[str, Any]:
        address = f"module.{module}.{kind}.{name}[{index}]"
        return {
            "address": address,
            "mode": "managed",
            "type": kind,
            "name": name,
            "index": index,
            "values": values,
        }

    services = [
        resource(
            "a",
            "aws_ecs_service",
            "s",
            i,
            {
                "name": f"s{i}",
                "load_balancer": [
                    {
                        "container_name": "web",
                        "container_port": 80,
                        "target_group_arn": f"{arn}targetgroup/t{i}/0",
                    }
                ],
            },
        )
        for i in range(count)
    ]
    groups = [
        resource("b", "aws_lb_target_group", "t", i, {"arn": f"{arn}targetgroup/t{i}/0"})
        for i in range(count)
    ]
    rules = [
        resource(
            "b",
            "aws_lb_listener_rule",
            "r",
            i,
            {
                "priority": i + 1,
                "listener_arn": f"{arn}listener/app/x/0/0",
                "action": [{"type": "forward", "target_group_arn": f"{arn}targetgroup/t{i}/0"}],
            },
        )
        for i in range(count)
    ]

    def configured(*kinds: tuple[str, str]) -> dict[str, Any]:
        return {
            "resources": [{"address": f"{k}.{n}", "type": k, "name": n, "expressions": {}} for k, n in kinds]
        }

    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "child_modules": [
                    {"address": "module.a", "resources": services},
                    {"address": "module.b", "resources": groups + rules},
                ]
            }
        },
        "configuration": {
            "root_module": {
                "module_calls": {
                    "a": {"depends_on": ["module.b"], "module": configured(("aws_ecs_service", "s"))},
                    "b": {"module": configured(("aws_lb_target_group", "t"), ("aws_lb_listener_rule", "r"))},
                }
            }
        },
    }
    return json.dumps(plan)


def test_what_terraform_modules_wait_for_is_bounded(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text(_module_waiting_for_module(4000), encoding="utf-8")
    (tmp_path / "other.json").write_text(OTHER, encoding="utf-8")
    result = capped_lint(tmp_path, "--ignore", "TDL817", "plan.json", "other.json")
    # Each service waits for its rule, or, past the budget, is not found not to.
    assert [f for f in result.findings if f["path"] == "plan.json"] == []
    assert [f["rule"] for f in result.findings if f["path"] == "other.json"] == ["TDL001"]


# --- property tests: generated anchors, merges and intrinsic functions -----------------------------------

LINTER = Linter(load_catalogue(), Policy())
RULE_IDS = {rule.id for rule in LINTER.catalogue.rules}
SCALARS = st.sampled_from(["1", "web", "0x1f", "1:30", "true", "~", "'q'", '"d"', "!Ref P0", "!GetAtt R.Arn"])


@st.composite
def yaml_with_aliases(draw: st.DrawFn) -> str:
    """A template whose values and keys are anchors, aliases and merge keys of each other, nested."""
    lines = ["Defs:"]
    count = draw(st.integers(1, 8))
    for n in range(count):
        earlier = [f"*a{m}" for m in range(n)] or [draw(SCALARS)]
        pick = st.sampled_from(earlier)
        kind = draw(st.sampled_from(["scalar", "map", "merge", "list", "keys"]))
        if kind == "scalar":
            body = draw(SCALARS)
        elif kind == "map":
            body = "{" + ", ".join(f"k{i}: {draw(pick)}" for i in range(draw(st.integers(0, 4)))) + "}"
        elif kind == "merge":
            merged = ", ".join(draw(st.lists(pick, min_size=1, max_size=6)))
            body = "{<<: [" + merged + "], m: " + draw(pick) + "}"
        elif kind == "list":
            body = "[" + ", ".join(draw(st.lists(pick, max_size=8))) + "]"
        else:
            body = "{" + ", ".join(f"{draw(pick)} : {i}" for i in range(draw(st.integers(1, 4)))) + "}"
        lines.append(f"  d{n}: &a{n} {body}")
    use = st.sampled_from([f"*a{n}" for n in range(count)])
    lines += [
        "Resources:",
        "  Task:",
        "    Type: AWS::ECS::TaskDefinition",
        "    Properties:",
        f"      <<: {draw(use)}",
        "      ContainerDefinitions:",
        f"        - Name: {draw(use)}",
        "          Image: nginx:1.27",
        f"          Memory: {draw(use)}",
        f"          Command: [{', '.join(draw(st.lists(use, max_size=6)))}]",
        f"          DockerLabels: {{{draw(use)} : {draw(use)}}}",
        "  Web:",
        "    Type: AWS::ECS::Service",
        "    Properties:",
        f"      <<: {draw(use)}",
        f"      DesiredCount: {draw(use)}",
        f"      LoadBalancers: [{{ContainerName: {draw(use)}, TargetGroupArn: {draw(use)}}}]",
    ]
    return "\n".join(lines) + "\n"


def _pointer_bytes(loaded: Loaded) -> int:
    return sum(len(pointer) for pointer in loaded.positions.spans) if loaded.positions else 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_with_aliases())
def test_generated_anchors_and_merges_cost_what_the_text_allows(text: str) -> None:
    loaded = doc.load(text.encode(), name="t.yaml")
    assert loaded is not None
    # What the aliases expanded to, pointers included, stays within the budget for the text.
    assert _pointer_bytes(loaded) <= byte_limit(text)
    result = LINTER.lint("t.yaml", text.encode())
    assert result is not None
    assert {f.rule for f in result.findings} <= RULE_IDS
    assert all(len(f.message) < 1000 for f in result.findings)


NAMES = st.sampled_from(["P0", "P1", "M", "A", "B", "x", "AWS::Region", "AWS::NoValue", "R"])
LEAVES = st.one_of(
    st.sampled_from(["", "web", "a,b", "512", "\ud800", "${P0}"]),
    st.integers(-3, 3),
    st.booleans(),
    st.builds(lambda name: {"Ref": name}, NAMES),
    st.just({"Fn::GetAtt": ["R", "Arn"]}),
)


def _intrinsics(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    def function(name: str, argument: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.builds(lambda value: {name: value}, argument)

    delimiters = st.sampled_from(["", ",", "-"])
    return st.one_of(
        function("Fn::If", st.tuples(st.sampled_from(["C0", "C1"]), inner, inner).map(list)),
        function("Fn::FindInMap", st.tuples(st.one_of(NAMES, inner), inner, inner).map(list)),
        function("Fn::Join", st.tuples(delimiters, st.lists(inner, max_size=3)).map(list)),
        function("Fn::Select", st.tuples(st.one_of(st.sampled_from(["0", "1"]), inner), inner).map(list)),
        function("Fn::Split", st.tuples(delimiters, inner).map(list)),
        function("Fn::Sub", st.one_of(inner, st.tuples(inner, st.dictionaries(NAMES, inner, max_size=2)))),
        function("Fn::Base64", inner),
        function("Fn::ToJsonString", inner),
        function("Fn::Length", inner),
        st.lists(inner, max_size=3),
    )


EXPRESSIONS = st.recursive(LEAVES, _intrinsics, max_leaves=24)


@st.composite
def templates_with_intrinsics(draw: st.DrawFn) -> dict[str, Any]:
    expression = EXPRESSIONS
    containers = [
        {
            "Name": draw(expression),
            "Image": draw(expression),
            "Memory": draw(expression),
            "Essential": draw(expression),
            "Links": draw(expression),
            "Environment": [{"Name": "A", "Value": draw(expression)}],
        }
        for _ in range(draw(st.integers(1, 3)))
    ]
    if draw(st.booleans()):
        containers.append({"Fn::If": ["C0", containers[0], {"Ref": "AWS::NoValue"}]})
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "P0": {"Type": "String", "Default": draw(LEAVES)},
            "P1": {"Type": "CommaDelimitedList", "AllowedValues": ["a", "b,c"]},
        },
        # Mapping values may look each other (and themselves) up: CloudFormation forbids it.
        "Mappings": {"M": {"A": {"x": draw(expression)}, "B": {"x": draw(expression)}}},
        "Conditions": {"C0": {"Fn::Equals": ["a", "b"]}, "C1": {"Fn::Equals": ["a", "a"]}},
        "Resources": {
            "Task": {
                "Type": "AWS::ECS::TaskDefinition",
                "Properties": {
                    "Cpu": draw(expression),
                    "NetworkMode": draw(expression),
                    "ContainerDefinitions": containers,
                },
            },
            # A service and a target group beside it, read by the same evaluation of the template.
            "Web": {
                "Type": "AWS::ECS::Service",
                "DependsOn": draw(st.sampled_from(["R", ["Task", "R"], 5])),
                "Properties": {
                    "TaskDefinition": {"Ref": "Task"},
                    "DesiredCount": draw(expression),
                    "LoadBalancers": [
                        {"ContainerName": draw(expression), "TargetGroupArn": draw(expression)}
                    ],
                },
            },
            "R": {
                "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
                "Properties": {"Port": draw(expression), "TargetType": draw(expression)},
            },
        },
    }


def _functions(value: object) -> int:
    if isinstance(value, dict):
        inner = sum(_functions(item) for item in value.values())
        return inner + (len(value) == 1 and next(iter(value)) in ("Ref", *_FUNCTION_NAMES))
    if isinstance(value, list):
        return sum(_functions(item) for item in value)
    return 0


_FUNCTION_NAMES = ("Fn::If", "Fn::FindInMap", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::Sub")
_FUNCTION_NAMES += ("Fn::Base64", "Fn::ToJsonString", "Fn::Length", "Fn::GetAtt")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates_with_intrinsics())
def test_generated_intrinsics_are_each_evaluated_once(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    calls = 0
    evaluate = cloudformation.Template._function

    def counted(self: cloudformation.Template, value: dict[str, Any]) -> object:
        nonlocal calls
        calls += 1
        return evaluate(self, value)

    cloudformation.Template._function = counted  # type: ignore[method-assign]
    try:
        result = LINTER.lint("t.json", text.encode("utf-8", "surrogatepass"))
    finally:
        cloudformation.Template._function = evaluate  # type: ignore[method-assign]
    assert result is not None
    assert {f.rule for f in result.findings} <= RULE_IDS
    # Each function of the text is evaluated at most once, whatever it nests or refers to.
    assert calls <= _functions(json.loads(text))


def _linted_where(source: files.Source) -> tuple[str, int]:
    return source.display, os.getpid()


def test_jobs_lint_large_files_one_at_a_time_in_the_main_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers lint the small files; each large one is linted by the main process, one after another, so
    that `--jobs N` never holds N large files in memory at once."""
    names = [f"f{n:03}.json" for n in range(lint.PARALLEL_MIN_FILES + 6)]
    large = set(names[3::20])
    for name in names:
        padding = " " * (lint.HEAVY_BYTES + 1) if name in large else ""
        (tmp_path / name).write_text(OTHER + padding, encoding="utf-8")
    sources, _ = files.expand(names, tmp_path)
    monkeypatch.setattr(lint, "_lint_source", _linted_where)
    done = list(lint._lint_all(sources, 3))
    assert [name for name, _ in done] == names  # in order
    assert {name for name, pid in done if pid == os.getpid()} == large
