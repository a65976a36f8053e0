#!/usr/bin/env python3
"""Generate the ECS task-definition JSON Schema from botocore's ECS service model.

Usage::

    python scripts/generate_schema.py          # (re)write schemas/*.json (task definitions, services)
    python scripts/generate_schema.py --check  # verify the checked-in schema

The schema root validates ``RegisterTaskDefinitionRequest`` (the document
``aws ecs register-task-definition --cli-input-json`` accepts).  ``$defs`` holds
every structure shape reachable from it and from the ``TaskDefinition`` output
shape (describe-task-definition), keyed by model shape name.

botocore is a development-only dependency: this script reads the gzipped model
file shipped inside the installed botocore package and never imports botocore
itself, and the linter only ever reads the generated JSON.

Exit codes: 0 success / up to date, 1 ``--check`` found a difference (or a
checked-in file is missing), 2 ``--check`` refused because the installed
botocore version differs from the one recorded in PROVENANCE.json and the
regenerated schema is not identical.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import difflib
import gzip
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

SERVICE = "ecs"
API_VERSION = "2014-11-13"
ROOT_SHAPE = "RegisterTaskDefinitionRequest"
EXTRA_ROOTS: tuple[str, ...] = ("TaskDefinition",)
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
TITLE = "Amazon ECS task definition (RegisterTaskDefinitionRequest)"

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = REPO_ROOT / "schemas" / "task-definition.schema.json"
# The services' schema: its root validates CreateServiceRequest (`aws ecs create-service
# --cli-input-json`), $defs/UpdateServiceRequest update-service input and $defs/Service the items of
# describe-services output.
SERVICE_SCHEMA_PATH = REPO_ROOT / "schemas" / "service.schema.json"
SERVICE_ROOT_SHAPE = "CreateServiceRequest"
SERVICE_EXTRA_ROOTS: tuple[str, ...] = ("UpdateServiceRequest", "Service")
SERVICE_TITLE = "Amazon ECS service (CreateServiceRequest)"
PROVENANCE_PATH = REPO_ROOT / "schemas" / "PROVENANCE.json"
GENERATED_BY = "scripts/generate_schema.py"

# Unicode property escapes (\p{L}, \P{N}, ...) are not supported by Python's re.
_UNICODE_PROPERTY = re.compile(r"\\[pP]\{")

JSONDict = dict[str, Any]


class GenerationError(Exception):
    """The model contains something this generator does not know how to map."""


# --------------------------------------------------------------------------- #
# Model loading
# --------------------------------------------------------------------------- #


def model_path() -> Path:
    """Path of the gzipped ECS service model inside the installed botocore."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise GenerationError(
            "botocore is not installed; it is a dev dependency "
            "(pip install botocore) needed only to regenerate the schema"
        )
    pkg_dir = Path(next(iter(spec.submodule_search_locations)))
    path = pkg_dir / "data" / SERVICE / API_VERSION / "service-2.json.gz"
    if not path.is_file():
        raise GenerationError(f"ECS service model not found at {path}")
    return path


def botocore_version() -> str:
    return importlib.metadata.version("botocore")


def load_model_bytes() -> bytes:
    """The decompressed service-2.json bytes."""
    with gzip.open(model_path(), "rb") as fh:
        data: bytes = fh.read()
    return data


def load_model(raw: bytes | None = None) -> JSONDict:
    model: JSONDict = json.loads(raw if raw is not None else load_model_bytes())
    api = model.get("metadata", {}).get("apiVersion")
    if api != API_VERSION:
        raise GenerationError(f"expected ECS apiVersion {API_VERSION}, model has {api!r}")
    return model


# --------------------------------------------------------------------------- #
# Shape -> JSON Schema mapping
# --------------------------------------------------------------------------- #


class _Converter:
    def __init__(self, shapes: JSONDict) -> None:
        self.shapes = shapes
        self.defs: dict[str, JSONDict] = {}

    def shape(self, name: str) -> JSONDict:
        try:
            shape: JSONDict = self.shapes[name]
        except KeyError:
            raise GenerationError(f"shape {name!r} is referenced but not defined") from None
        return shape

    def ref(self, name: str) -> JSONDict:
        """Schema for a reference to shape ``name`` (a $ref for structures)."""
        shape = self.shape(name)
        if shape["type"] == "structure":
            self.define(name)
            return {"$ref": f"#/$defs/{name}"}
        return self.inline(name, shape)

    def define(self, name: str) -> None:
        if name in self.defs:
            return
        shape = self.shape(name)
        if shape["type"] != "structure":
            raise GenerationError(f"only structures go into $defs, {name} is {shape['type']}")
        schema: JSONDict = {"type": "object"}
        if shape.get("deprecated"):
            schema["deprecated"] = True
        # Reserve the slot before recursing so recursive shapes terminate.
        self.defs[name] = schema
        members: JSONDict = shape.get("members", {})
        properties: JSONDict = {}
        for member_name, member in members.items():
            prop = self.ref(member["shape"])
            if member.get("deprecated") and not prop.get("deprecated"):
                prop = {**prop, "deprecated": True}
            properties[member_name] = prop
        schema["properties"] = properties
        required: list[str] = list(shape.get("required", []))
        unknown = [r for r in required if r not in members]
        if unknown:
            raise GenerationError(f"{name} requires undeclared members {unknown}")
        if required:
            schema["required"] = required
        schema["additionalProperties"] = False

    def inline(self, name: str, shape: JSONDict) -> JSONDict:
        kind = shape["type"]
        schema: JSONDict
        if kind == "string":
            schema = {"type": "string"}
            if "enum" in shape:
                schema["enum"] = list(shape["enum"])
            _length_bounds(schema, shape, "minLength", "maxLength")
            if "pattern" in shape:
                _add_pattern(schema, name, shape["pattern"])
        elif kind in ("integer", "long"):
            schema = {"type": "integer"}
            _length_bounds(schema, shape, "minimum", "maximum")
        elif kind in ("double", "float"):
            schema = {"type": "number"}
            _length_bounds(schema, shape, "minimum", "maximum")
        elif kind == "boolean":
            schema = {"type": "boolean"}
        elif kind == "timestamp":
            # The JSON protocol sends epoch seconds; the CLI prints ISO 8601.
            schema = {"type": ["string", "number"]}
        elif kind == "blob":
            schema = {"type": "string"}
        elif kind == "list":
            schema = {"type": "array", "items": self.ref(shape["member"]["shape"])}
            _length_bounds(schema, shape, "minItems", "maxItems")
        elif kind == "map":
            schema = {"type": "object"}
            key_schema = self.ref(shape["key"]["shape"])
            if set(key_schema) - {"type"}:
                schema["propertyNames"] = key_schema
            schema["additionalProperties"] = self.ref(shape["value"]["shape"])
            _length_bounds(schema, shape, "minProperties", "maxProperties")
        else:
            raise GenerationError(f"shape {name!r} has unsupported type {kind!r}")
        if shape.get("deprecated"):
            schema["deprecated"] = True
        return schema


def _length_bounds(schema: JSONDict, shape: JSONDict, lo: str, hi: str) -> None:
    if "min" in shape:
        schema[lo] = shape["min"]
    if "max" in shape:
        schema[hi] = shape["max"]


def _add_pattern(schema: JSONDict, name: str, pattern: str) -> None:
    """Copy a model pattern, or drop it (with a $comment) if Python re can't use it."""
    if _UNICODE_PROPERTY.search(pattern):
        reason = "uses \\p{..} Unicode property classes, which Python re does not support"
        if _matches_everything(pattern):
            reason += (
                "; it is unanchored and can match the empty string, so under "
                "JSON Schema's search semantics it accepts every string and "
                "dropping it loses nothing"
            )
        schema["$comment"] = f"model pattern for {name} dropped: {pattern} ({reason})"
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        schema["$comment"] = f"model pattern for {name} dropped: {pattern} (invalid in re: {exc})"
        return
    schema["pattern"] = pattern


def _matches_everything(pattern: str) -> bool:
    """True for the unanchored ``(...[...]*)`` form, which matches '' everywhere."""
    return (
        not pattern.startswith("^")
        and not pattern.endswith("$")
        and re.fullmatch(r"\(?\[[^\]]*\]\*\)?", pattern) is not None
    )


def generate(model: JSONDict | None = None, *, services: bool = False) -> JSONDict:
    """Build the JSON Schema document (a dict) from the ECS service model: the task definitions' schema,
    or with `services` the services' one."""
    if model is None:
        model = load_model()
    root, extras, title = (
        (SERVICE_ROOT_SHAPE, SERVICE_EXTRA_ROOTS, SERVICE_TITLE)
        if services
        else (ROOT_SHAPE, EXTRA_ROOTS, TITLE)
    )
    conv = _Converter(model["shapes"])
    conv.define(root)
    for extra in extras:
        conv.define(extra)
    api = model["metadata"]["apiVersion"]
    version = botocore_version()
    described = (
        "$defs/UpdateServiceRequest validates update-service input and $defs/Service the services of "
        "describe-services output"
        if services
        else "$defs/TaskDefinition validates describe-task-definition output"
    )
    return {
        "$schema": SCHEMA_DIALECT,
        "title": title,
        "$comment": (
            f"Generated by {GENERATED_BY} from the botocore {version} ECS service "
            f"model (apiVersion {api}); do not edit by hand. The root validates "
            f"{root}; {described}; every $defs entry is named after its model shape."
        ),
        "$ref": f"#/$defs/{root}",
        "$defs": {name: conv.defs[name] for name in sorted(conv.defs)},
    }


def render(schema: JSONDict) -> str:
    return json.dumps(schema, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def provenance(raw_model: bytes, today: datetime.date | None = None) -> JSONDict:
    day = today if today is not None else datetime.datetime.now(datetime.UTC).date()
    return {
        "source": "botocore ECS service model",
        "botocore_version": botocore_version(),
        "api_version": API_VERSION,
        "model_file": f"botocore/data/{SERVICE}/{API_VERSION}/service-2.json.gz",
        "model_sha256": hashlib.sha256(raw_model).hexdigest(),
        "model_sha256_of": "decompressed service-2.json bytes (not the .gz file)",
        "generated_by": GENERATED_BY,
        "generated_on": day.isoformat(),
    }


# --------------------------------------------------------------------------- #
# File handling
# --------------------------------------------------------------------------- #


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def _read_json(path: Path) -> JSONDict | None:
    try:
        data: JSONDict = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return data


def diff_summary(old_text: str, new_text: str, max_lines: int = 20) -> str:
    lines: list[str] = []
    try:
        old: JSONDict = json.loads(old_text)
    except json.JSONDecodeError:
        old = {}
        lines.append("checked-in schema is not valid JSON")
    new: JSONDict = json.loads(new_text)
    old_defs: JSONDict = old.get("$defs", {}) if isinstance(old.get("$defs"), dict) else {}
    new_defs: JSONDict = new["$defs"]
    added = sorted(set(new_defs) - set(old_defs))
    removed = sorted(set(old_defs) - set(new_defs))
    changed = sorted(n for n in set(new_defs) & set(old_defs) if new_defs[n] != old_defs[n])
    top = sorted(k for k in set(old) | set(new) if k != "$defs" and old.get(k) != new.get(k))
    for label, names in (
        ("added $defs", added),
        ("removed $defs", removed),
        ("changed $defs", changed),
        ("changed top-level keys", top),
    ):
        if names:
            lines.append(f"{label}: {', '.join(names)}")
    if not lines and old_text != new_text:
        lines.append("formatting/ordering differs (content is equal)")
    udiff = list(
        difflib.unified_diff(
            old_text.splitlines(),
            new_text.splitlines(),
            "checked-in",
            "regenerated",
            lineterm="",
            n=1,
        )
    )
    lines.append(f"unified diff: {len(udiff)} lines; first {min(max_lines, len(udiff))}:")
    lines.extend("  " + line for line in udiff[:max_lines])
    return "\n".join(lines)


def check_all() -> int:
    """Check both schemas; the worse exit code of the two."""
    return max(check(), check(SERVICE_SCHEMA_PATH, services=True))


def check(
    schema_path: Path = SCHEMA_PATH, provenance_path: Path = PROVENANCE_PATH, *, services: bool = False
) -> int:
    new_text = render(generate(services=services))
    installed = botocore_version()
    try:
        old_text = schema_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        print(f"{schema_path} is missing; run {GENERATED_BY}", file=sys.stderr)
        return 1
    prov = _read_json(provenance_path)
    recorded = prov.get("botocore_version") if prov is not None else None

    if old_text == new_text:
        if prov is None:
            print(f"{provenance_path} is missing; run {GENERATED_BY}", file=sys.stderr)
            return 1
        note = ""
        if recorded != installed:
            note = f" (recorded botocore {recorded}; installed {installed} gives the same schema)"
        print(f"{schema_path.name} is up to date{note}")
        return 0

    if recorded != installed:
        print(
            f"refusing to check: installed botocore {installed} differs from botocore "
            f"{recorded} recorded in {provenance_path.name}, and the regenerated schema differs.\n"
            f"Install botocore=={recorded} to check, or run {GENERATED_BY} to regenerate "
            "from the installed version and commit the result.",
            file=sys.stderr,
        )
        return 2

    print(f"{schema_path.name} is out of date (botocore {installed}):", file=sys.stderr)
    print(diff_summary(old_text, new_text), file=sys.stderr)
    print(f"run {GENERATED_BY} to regenerate", file=sys.stderr)
    return 1


def write_all() -> int:
    """Write both schemas (each only when it changed) and the provenance they share."""
    return max(write(), write(SERVICE_SCHEMA_PATH, services=True))


def write(
    schema_path: Path = SCHEMA_PATH, provenance_path: Path = PROVENANCE_PATH, *, services: bool = False
) -> int:
    raw = load_model_bytes()
    text = render(generate(load_model(raw), services=services))
    prov = provenance(raw)
    old_prov = _read_json(provenance_path)
    old_text = schema_path.read_text(encoding="utf-8") if schema_path.exists() else None
    if (
        old_text == text
        and old_prov is not None
        and {k: v for k, v in old_prov.items() if k != "generated_on"}
        == {k: v for k, v in prov.items() if k != "generated_on"}
    ):
        # Nothing changed: keep the recorded date so re-running causes no churn.
        print(f"{schema_path.name} and {provenance_path.name} already up to date")
        return 0
    write_atomic(schema_path, text)
    write_atomic(provenance_path, json.dumps(prov, indent=1) + "\n")
    n_defs = len(json.loads(text)["$defs"])
    print(f"wrote {schema_path} ({len(text.encode())} bytes, {n_defs} $defs) and {provenance_path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory and exit 1 if the checked-in schema differs",
    )
    args = parser.parse_args(argv)
    try:
        return check_all() if args.check else write_all()
    except GenerationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
