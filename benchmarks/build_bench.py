"""Wall times of `taskdeflint build` against the real engine and the loopback registry: the BuildKit
builder against the legacy one (`--builder legacy`) in the same run, and an arm64 build under emulation.

    python benchmarks/build_bench.py [--repeat N] [--size-mb M] [--registry HOST:PORT]

Three services: two `FROM scratch` images that COPY M MiB of random data, and one on a busybox base
(imported from the static busybox; nothing is pulled) whose RUN step writes M MiB. For each builder, each
round makes fresh content in fresh repositories, so no layer is cached or already in the registry, and
measures, with --jobs 3:

  * first build + push of the 3 services
  * the rerun with nothing changed (every service skipped by its content tag)
  * the rerun after one file of one service changed (that service is rebuilt and pushed)

Then one service whose RUN step hashes M MiB is built for linux/amd64 (native) and for linux/arm64 (under
qemu, on the arm64 busybox that scripts/services.sh fetches). It prints the median of each over --repeat
rounds and the ratios, then removes the images it made from the engine (the registry keeps its blobs
until it is restarted).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

import docker  # type: ignore[import-untyped]

from taskdeflint.builder import buildkit

BUILDERS = ("legacy", "buildkit")
BUSYBOX_ARM64 = (
    Path(os.environ.get("TASKDEFLINT_SERVICES_DIR", "/tmp/taskdeflint-services")) / "busybox-arm64"
)


def busybox_base(api: docker.APIClient, folder: Path) -> str:
    busybox = shutil.which("busybox") or "/bin/busybox"
    tarball = folder / "bb.tar"
    with tarfile.open(tarball, "w") as archive:
        info = archive.gettarinfo(busybox, arcname="bin/busybox")
        info.mode = 0o755
        with Path(busybox).open("rb") as stream:
            archive.addfile(info, stream)
        link = tarfile.TarInfo("bin/sh")
        link.type = tarfile.SYMTYPE
        link.linkname = "busybox"
        archive.addfile(link)
    name = f"taskdeflint-bench-busybox-{uuid.uuid4().hex[:8]}"
    api.import_image(src=str(tarball), repository=name, tag="latest", changes=['CMD ["/bin/sh"]'])
    return f"{name}:latest"


def arm64_base(folder: Path) -> str:
    """The arm64 busybox as an image, built FROM scratch for linux/arm64 with the BuildKit CLI."""
    if not BUSYBOX_ARM64.exists():
        sys.exit(f"{BUSYBOX_ARM64} is missing: run bash scripts/services.sh")
    cli = buildkit.find_cli()
    context = folder / "arm64-base"
    context.mkdir()
    shutil.copy(BUSYBOX_ARM64, context / "busybox")
    (context / "Dockerfile").write_text(
        'FROM scratch\nCOPY busybox /bin/busybox\nSHELL ["/bin/busybox", "sh", "-c"]\n'
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
    )
    name = f"taskdeflint-bench-busybox-arm64-{uuid.uuid4().hex[:8]}:latest"
    argv = [cli.path, *(["buildx", "build", "--load"] if cli.buildx else ["build"])]
    argv += ["--platform", "linux/arm64", "--network", "none", "--tag", name, str(context)]
    subprocess.run(argv, env={**os.environ, "DOCKER_BUILDKIT": "1"}, check=True, capture_output=True)
    return name


def project(folder: Path, registry: str, base: str, size_mb: int) -> list[str]:
    """A project with three services; returns their repositories."""
    prefix = f"taskdeflint-bench/{uuid.uuid4().hex[:10]}"
    services = {
        "web": "FROM scratch\nCOPY data.bin /data.bin\n",
        "api": "FROM scratch\nCOPY data.bin /srv/data.bin\n",
        "worker": f"FROM {base}\nCOPY seed.txt /seed.txt\n"
        f"RUN cat /seed.txt > /data.bin && head -c {size_mb * 1048576} /dev/urandom >> /data.bin\n",
    }
    config = []
    for name, dockerfile in services.items():
        context = folder / "services" / name
        context.mkdir(parents=True)
        (context / "Dockerfile").write_text(dockerfile)
        (context / "seed.txt").write_text(uuid.uuid4().hex)
        (context / "data.bin").write_bytes(os.urandom(size_mb * 1048576))
        repository = f"{registry}/{prefix}/{name}"
        config += [f"[services.{name}]", f'context = "services/{name}"', f'repository = "{repository}"', ""]
    (folder / ".taskdeflint.toml").write_text("\n".join(config))
    return [f"{registry}/{prefix}/{name}" for name in services]


def platform_project(folder: Path, registry: str, base: str, platform: str, size_mb: int) -> str:
    prefix = f"taskdeflint-bench/{uuid.uuid4().hex[:10]}"
    context = folder / "services" / "hash"
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(
        f"FROM {base}\nCOPY seed.txt /seed.txt\n"
        f"RUN head -c {size_mb * 1048576} /dev/urandom | sha256sum > /sum && cat /seed.txt /sum\n"
    )
    (context / "seed.txt").write_text(uuid.uuid4().hex)
    repository = f"{registry}/{prefix}/hash"
    (folder / ".taskdeflint.toml").write_text(
        f'[services.hash]\ncontext = "services/hash"\nrepository = "{repository}"\nplatform = "{platform}"\n'
    )
    return repository


def timed_build(folder: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "taskdeflint", "build", "--push", "--progress", "plain", "--jobs", "3", *args],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"build failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size-mb", type=int, default=16, help="random data per image (MiB)")
    parser.add_argument("--registry", default=os.environ.get("TASKDEFLINT_REGISTRY", "127.0.0.1:5000"))
    options = parser.parse_args()

    api = docker.APIClient(version="auto", **docker.utils.kwargs_from_env())
    repositories: list[str] = []
    times: dict[str, list[float]] = {
        f"{builder}-{what}": [] for builder in BUILDERS for what in ("first", "rerun", "change")
    }
    times |= {"amd64": [], "arm64": []}
    with tempfile.TemporaryDirectory(prefix="taskdeflint-bench-") as scratch:
        root = Path(scratch)
        base = busybox_base(api, root)
        base_arm64 = arm64_base(root)
        try:
            for round_ in range(options.repeat):
                for builder in BUILDERS:
                    folder = root / f"r{round_}-{builder}"
                    repositories += project(folder, options.registry, base, options.size_mb)
                    flags = ("--builder", builder)
                    times[f"{builder}-first"].append(timed_build(folder, *flags))
                    times[f"{builder}-rerun"].append(timed_build(folder, *flags))
                    (folder / "services" / "web" / "data.bin").write_bytes(
                        os.urandom(options.size_mb * 1048576)
                    )
                    times[f"{builder}-change"].append(timed_build(folder, *flags))
                for platform, image in (("amd64", base), ("arm64", base_arm64)):
                    folder = root / f"r{round_}-{platform}"
                    repositories.append(
                        platform_project(
                            folder, options.registry, image, f"linux/{platform}", options.size_mb
                        )
                    )
                    times[platform].append(timed_build(folder))
                print(
                    f"round {round_ + 1}: "
                    + "  ".join(f"{key} {values[-1]:.2f}s" for key, values in times.items()),
                    flush=True,
                )
        finally:
            for repository in repositories:
                for image in api.images(name=repository):
                    api.remove_image(image["Id"], force=True)
            api.remove_image(base, force=True)
            api.remove_image(base_arm64, force=True)

    median = {key: statistics.median(values) for key, values in times.items()}
    print(
        f"\n3 services, {options.size_mb} MiB each, --jobs 3, registry {options.registry}, "
        f"median of {options.repeat}:"
    )
    print(f"  {'':28} {'legacy':>8} {'buildkit':>9} {'buildkit/legacy':>16}")
    for what, label in (
        ("first", "first build+push"),
        ("rerun", "no-change rerun"),
        ("change", "one service changed"),
    ):
        legacy, kit = median[f"legacy-{what}"], median[f"buildkit-{what}"]
        print(f"  {label:<28} {legacy:7.2f}s {kit:8.2f}s {kit / legacy:15.2f}x")
    print(
        f"\none service hashing {options.size_mb} MiB in a RUN step, BuildKit: linux/amd64 (native) "
        f"{median['amd64']:.2f}s, linux/arm64 (emulated) {median['arm64']:.2f}s, "
        f"ratio {median['arm64'] / median['amd64']:.2f}x"
    )


if __name__ == "__main__":
    main()
