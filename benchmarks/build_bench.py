"""Wall times of `taskdeflint build` against the real engine and the loopback registry.

    python benchmarks/build_bench.py [--repeat N] [--size-mb M] [--registry HOST:PORT]

Three services: two `FROM scratch` images that COPY M MiB of random data, and one on a busybox base
(imported from the static busybox; nothing is pulled) whose RUN step writes M MiB. Each measurement
builds fresh content into fresh repositories, so no layer is cached or already in the registry:

  * first build + push of the 3 services with --jobs 1
  * first build + push of the 3 services with --jobs 3
  * the rerun with nothing changed (every service skipped by its content tag)

It prints the median of each over --repeat runs and the --jobs 1 / --jobs 3 ratio, then removes the
images it made from the engine (the registry keeps its blobs until it is restarted).
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


def timed_build(folder: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "taskdeflint", "build", "--push", "--progress", "plain", *args],
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
    times: dict[str, list[float]] = {"jobs1": [], "jobs3": [], "rerun": []}
    with tempfile.TemporaryDirectory(prefix="taskdeflint-bench-") as scratch:
        root = Path(scratch)
        base = busybox_base(api, root)
        try:
            for round_ in range(options.repeat):
                for jobs in (1, 3):
                    folder = root / f"r{round_}-j{jobs}"
                    repositories += project(folder, options.registry, base, options.size_mb)
                    times[f"jobs{jobs}"].append(timed_build(folder, "--jobs", str(jobs)))
                    if jobs == 3:
                        times["rerun"].append(timed_build(folder, "--jobs", "3"))
                print(
                    f"round {round_ + 1}: jobs1 {times['jobs1'][-1]:.2f}s  jobs3 {times['jobs3'][-1]:.2f}s  "
                    f"rerun {times['rerun'][-1]:.2f}s",
                    flush=True,
                )
        finally:
            for repository in repositories:
                for image in api.images(name=repository):
                    api.remove_image(image["Id"], force=True)
            api.remove_image(base, force=True)

    median = {key: statistics.median(values) for key, values in times.items()}
    print(
        f"\n3 services, {options.size_mb} MiB each, registry {options.registry}, median of {options.repeat}:"
    )
    print(f"  first build+push, --jobs 1: {median['jobs1']:6.2f} s")
    print(f"  first build+push, --jobs 3: {median['jobs3']:6.2f} s")
    print(f"  no-change rerun:            {median['rerun']:6.2f} s")
    print(f"  ratio jobs1/jobs3:          {median['jobs1'] / median['jobs3']:6.2f}x")
    print(f"  ratio first(jobs3)/rerun:   {median['jobs3'] / median['rerun']:6.1f}x")


if __name__ == "__main__":
    main()
