"""Write the fuzzer's seed inputs into a folder: every rule's good and bad example, the golden files and
the example project's task definitions, each also prefixed with the bytes that make the fuzzer
re-serialise, wrap or amplify it (see `_variant` in fuzz_lint.py)."""

from __future__ import annotations

import hashlib
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seeds() -> list[bytes]:
    found: list[bytes] = []
    for rule in sorted((ROOT / "rules").glob("*.toml")):
        data = tomllib.loads(rule.read_text(encoding="utf-8"))
        for example in data.get("examples", []):
            document = example.get("document")
            if isinstance(document, str):
                found.append(document.encode("utf-8"))
    for folder in (ROOT / "tests" / "golden", ROOT / "tests" / "cfn", ROOT / "examples"):
        for path in sorted(folder.rglob("*.json")):
            if not path.name.endswith(".expected.json"):
                found.append(path.read_bytes())
        for path in sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]):
            found.append(b"\x04" + path.read_bytes())  # the byte that has it linted as YAML
    return found


def main() -> None:
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for data in seeds():
        # As it is; as a CloudFormation template; re-serialised; wrapped as describe output; with one of
        # its first runs of a repeated character made 8,192 characters long.
        amplified = [b"\x05" + bytes([run, 127]) + data for run in range(8)]
        for variant in (data, b"\x03" + data, b"\x06" + data, b"\x07" + data, *amplified):
            name = hashlib.sha1(variant).hexdigest()
            (target / name).write_bytes(variant)
            count += 1
    print(f"make_seeds: {count} seeds in {target}")


if __name__ == "__main__":
    main()
