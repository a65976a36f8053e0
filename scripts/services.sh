#!/usr/bin/env bash
# Start the local services the taskdeflint test suite needs, idempotently:
#
#   * a Docker engine (dockerd) answering on /var/run/docker.sock
#   * a Docker registry (distribution v2) answering on http://127.0.0.1:5000/v2/
#   * emulation of the other CPU architecture (qemu-user-static registered with
#     binfmt_misc), so that an arm64 image builds on an amd64 host
#   * a static busybox for arm64 in ${STATE_DIR}/busybox-arm64 (from Debian's
#     busybox-static:arm64), which the tests import as an arm64 base image
#
# Usage:
#   scripts/services.sh          # install what is missing, start what is down
#   scripts/services.sh start    # same
#   scripts/services.sh stop     # stop what this script started (pid files)
#   scripts/services.sh status   # say what answers
#
# Safe to run twice: a service that already answers is left alone (whoever
# started it), and concurrent runs are serialised with a lock.  It exports
# nothing; the tests find the engine at /var/run/docker.sock (the default of
# the docker CLI and of the Python SDK's docker.from_env()) and the registry
# at 127.0.0.1:5000.
#
# State (logs, pid files, registry config and storage) lives in
# ${TASKDEFLINT_SERVICES_DIR:-/tmp/taskdeflint-services}.
#
# Environment knobs (all optional):
#   TASKDEFLINT_SERVICES_DIR        state dir (default /tmp/taskdeflint-services)
#   TASKDEFLINT_SERVICES_WAIT       seconds to wait for each service (default 60)
#   TASKDEFLINT_DOCKERD_STORAGE_DRIVER
#                                   force a storage driver (e.g. vfs) instead of
#                                   letting dockerd pick one (overlay2 here);
#                                   vfs works here too.  dockerd refuses to
#                                   start once /var/lib/docker holds images of
#                                   two drivers, so don't switch back and forth
#
# Needs root (it installs Debian packages and runs dockerd).
set -euo pipefail

STATE_DIR="${TASKDEFLINT_SERVICES_DIR:-/tmp/taskdeflint-services}"
WAIT_SECONDS="${TASKDEFLINT_SERVICES_WAIT:-60}"
STORAGE_DRIVER="${TASKDEFLINT_DOCKERD_STORAGE_DRIVER:-}"

DOCKER_SOCK=/var/run/docker.sock
REGISTRY_ADDR=127.0.0.1:5000
REGISTRY_URL="http://${REGISTRY_ADDR}/v2/"

DOCKERD_PIDFILE="${STATE_DIR}/dockerd.pid"
DOCKERD_LOG="${STATE_DIR}/dockerd.log"
DOCKERD_SYSTEM_PIDFILE=/var/run/docker.pid # dockerd's own --pidfile default
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid # dockerd's containerd
REGISTRY_PIDFILE="${STATE_DIR}/registry.pid"
REGISTRY_LOG="${STATE_DIR}/registry.log"
REGISTRY_CONFIG="${STATE_DIR}/registry-config.yml"
APT_LOG="${STATE_DIR}/apt.log"

# Debian packages: docker.io brings dockerd plus its runtime (containerd,
# runc, tini as docker-init); docker-registry brings `docker-registry serve`;
# busybox-static gives the tests a static /bin/busybox to `docker import` as
# an offline base image (no Docker Hub here); qemu-user-static brings the
# emulators (with binfmt_misc configs in /usr/lib/binfmt.d) for building
# images of another architecture.
PACKAGES=(docker.io docker-registry busybox-static qemu-user-static)
BUSYBOX_ARM64="${STATE_DIR}/busybox-arm64"

say() { printf '%s\n' "$*"; }
warn() { printf 'services.sh: %s\n' "$*" >&2; }
die() {
    warn "error: $*"
    exit 1
}

# ---------------------------------------------------------------- probes --

docker_answers() {
    # dockerd's /_ping answers "OK"; a stale socket file of a dead daemon
    # refuses the connection.
    [ -S "$DOCKER_SOCK" ] || return 1
    [ "$(curl -s --max-time 3 --unix-socket "$DOCKER_SOCK" http://localhost/_ping 2>/dev/null)" = OK ]
}

registry_answers() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$REGISTRY_URL" 2>/dev/null)" = 200 ]
}

# pid_alive PIDFILE NAME: true when PIDFILE names a live process whose command
# line mentions NAME (so a recycled pid is not mistaken for our daemon).  A
# zombie (killed, not yet reaped: PID 1 on these machines does not reap
# orphans) has an empty command line and counts as dead.
pid_alive() {
    local pidfile=$1 name=$2 pid
    [ -s "$pidfile" ] || return 1
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name"
}

show_log() {
    local logfile=$1
    warn "last lines of ${logfile}:"
    if [ -f "$logfile" ]; then
        tail -n 40 "$logfile" >&2
    else
        warn "(no log file)"
    fi
}

# wait_for PROBE PIDFILE PROCNAME: poll PROBE until it succeeds (0), the
# process in PIDFILE dies (1), or WAIT_SECONDS pass (2).
wait_for() {
    local probe=$1 pidfile=$2 procname=$3
    local deadline=$((SECONDS + WAIT_SECONDS))
    while ! "$probe"; do
        pid_alive "$pidfile" "$procname" || return 1
        [ "$SECONDS" -lt "$deadline" ] || return 2
        sleep 0.5
    done
}

# wait_failed NAME STATUS LOG: report a failed wait_for and exit non-zero.
wait_failed() {
    local name=$1 status=$2 logfile=$3
    if [ "$status" -eq 1 ]; then
        warn "${name} exited before it answered"
    else
        warn "${name} did not answer within ${WAIT_SECONDS}s"
    fi
    show_log "$logfile"
    exit 1
}

# drop_stale_pidfile FILE NAME: remove FILE unless it names a live NAME.
drop_stale_pidfile() {
    if [ -e "$1" ] && ! pid_alive "$1" "$2"; then
        rm -f "$1"
    fi
}

# --------------------------------------------------------------- install --

install_packages() {
    local missing=() pkg
    for pkg in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    [ "${#missing[@]}" -eq 0 ] && return 0

    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
    [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; run as root to install them"
    say "installing ${missing[*]} (log: ${APT_LOG})"
    # The packages' scripts start docker and docker-registry through
    # invoke-rc.d, which without systemd falls back to /etc/init.d: that would
    # start a dockerd with the default flags (docker0 bridge, iptables rules)
    # and a registry on :5000 with Debian's config.  We start both ourselves,
    # so forbid that with a policy-rc.d (exit 101 = "action forbidden") unless
    # the machine has one (this one does: the image's own, also exit 101).
    local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# temporary, from taskdeflint scripts/services.sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        made_policy=1
    fi
    # The lock timeout makes a concurrent apt/dpkg wait instead of failing.
    {
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update &&
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y \
                --no-install-recommends "${missing[@]}"
    } </dev/null >>"$APT_LOG" 2>&1 || rc=$?
    if [ "$made_policy" -eq 1 ]; then
        rm -f "$policy"
    fi
    if [ "$rc" -ne 0 ]; then
        show_log "$APT_LOG"
        die "apt-get install ${missing[*]} failed"
    fi
}

# --------------------------------------------------------------- dockerd --

launch_dockerd() {
    local dockerd_bin
    dockerd_bin=$(command -v dockerd || echo /usr/sbin/dockerd)
    [ -x "$dockerd_bin" ] || die "dockerd not found (is docker.io installed?)"
    # A dockerd or its containerd that was killed leaves its pid file behind,
    # and the new dockerd trusts a pid that still exists in /proc, which a
    # zombie does (PID 1 here does not reap orphans): it then refuses to start
    # ("pid file found") or waits for a containerd that is gone and gives up
    # ("timeout waiting for containerd to start").  Drop pid files that no
    # live process owns.
    drop_stale_pidfile "$DOCKERD_SYSTEM_PIDFILE" dockerd
    drop_stale_pidfile "$CONTAINERD_PIDFILE" containerd
    # Flags, as found on this machine (Debian bookworm, docker.io 20.10,
    # kernel with cgroup v1, no systemd, root with all capabilities):
    #   --host unix:///var/run/docker.sock
    #       the default socket, spelled out: tests and the Python SDK's
    #       docker.from_env() use it without DOCKER_HOST.
    #   --bridge=none
    #       do not create the docker0 bridge (172.17.0.0/16).  Build
    #       containers (RUN steps) then get only a loopback interface, so
    #       nothing the tests build or run can reach any network: there is
    #       none to reach here but the package registries anyway.
    #   --iptables=false --ip6tables=false
    #       do not touch the host's firewall (dockerd would otherwise add
    #       NAT/MASQUERADE chains and flip the FORWARD policy to DROP).
    # Not needed here: a storage driver (dockerd picks overlay2 on this ext4
    # root, and would fall back to others, vfs last, where overlay does not
    # work; TASKDEFLINT_DOCKERD_STORAGE_DRIVER forces one), --insecure-registry
    # (127.0.0.0/8 is insecure, i.e. plain HTTP, by default, which covers
    # 127.0.0.1:5000 and localhost:5000), and a containerd of our own (dockerd
    # starts and supervises one under /var/run/docker/containerd).
    local args=(
        --host "unix://${DOCKER_SOCK}"
        --bridge=none
        --iptables=false
        --ip6tables=false
    )
    if [ -n "$STORAGE_DRIVER" ]; then
        args+=(--storage-driver "$STORAGE_DRIVER")
    fi
    printf '\n==== %s: starting %s %s\n' "$(date -u +%FT%TZ)" "$dockerd_bin" "${args[*]}" >>"$DOCKERD_LOG"
    # setsid: own session, so a Ctrl-C in the terminal that ran the tests
    # does not stop the daemon; all three std streams go to files so the
    # daemon never holds the caller's pipe open (CI waits for its EOF);
    # 9>&- keeps the lock fd out of the daemon (else the lock outlives us).
    setsid "$dockerd_bin" "${args[@]}" </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
    echo $! >"$DOCKERD_PIDFILE"
}

start_dockerd() {
    if docker_answers; then
        say "dockerd: up (unix://${DOCKER_SOCK}, already running)"
        return 0
    fi
    local watch=$DOCKERD_PIDFILE status=0 attempt
    if pid_alive "$DOCKERD_PIDFILE" dockerd; then
        # Ours, still starting: wait for it.
        wait_for docker_answers "$watch" dockerd || status=$?
    elif pid_alive "$DOCKERD_SYSTEM_PIDFILE" dockerd; then
        # Someone else's dockerd (e.g. systemd's) is starting: wait for it.
        watch=$DOCKERD_SYSTEM_PIDFILE
        wait_for docker_answers "$watch" dockerd || status=$?
    else
        for attempt in 1 2; do
            status=0
            launch_dockerd
            wait_for docker_answers "$watch" dockerd || status=$?
            # A daemon that died at start (leftovers of a killed one that it
            # cleaned up on its way out) gets one more try.
            if [ "$status" -ne 1 ] || [ "$attempt" -eq 2 ]; then
                break
            fi
            warn "dockerd exited before it answered; trying once more (log: ${DOCKERD_LOG})"
        done
    fi
    [ "$status" -eq 0 ] || wait_failed dockerd "$status" "$DOCKERD_LOG"
    say "dockerd: up (unix://${DOCKER_SOCK}, pid $(cat "$watch"), log ${DOCKERD_LOG})"
}

# -------------------------------------------------------------- registry --

start_registry() {
    if registry_answers; then
        say "registry: up (${REGISTRY_URL}, already running)"
        return 0
    fi
    if ! pid_alive "$REGISTRY_PIDFILE" docker-registry; then
        command -v docker-registry >/dev/null 2>&1 || die "docker-registry not found"
        # Storage of a registry that is down is garbage: start empty.
        rm -rf "${STATE_DIR}"/registry-data.*
        local data_dir
        data_dir=$(mktemp -d "${STATE_DIR}/registry-data.XXXXXX")
        cat >"$REGISTRY_CONFIG" <<EOF
# Generated by scripts/services.sh; rewritten at every start.
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: ${data_dir}
  delete:
    enabled: true
http:
  addr: ${REGISTRY_ADDR}
EOF
        printf '\n==== %s: starting docker-registry serve %s\n' \
            "$(date -u +%FT%TZ)" "$REGISTRY_CONFIG" >>"$REGISTRY_LOG"
        # REGISTRY_* variables would override the config file: drop them.
        local unset_args=() var
        while IFS= read -r var; do
            unset_args+=(-u "$var")
        done < <(compgen -e | grep '^REGISTRY_' || true)
        setsid env "${unset_args[@]}" docker-registry serve "$REGISTRY_CONFIG" \
            </dev/null >>"$REGISTRY_LOG" 2>&1 9>&- &
        echo $! >"$REGISTRY_PIDFILE"
    fi
    local status=0
    wait_for registry_answers "$REGISTRY_PIDFILE" docker-registry || status=$?
    [ "$status" -eq 0 ] || wait_failed registry "$status" "$REGISTRY_LOG"
    say "registry: up (${REGISTRY_URL}, pid $(cat "$REGISTRY_PIDFILE"), log ${REGISTRY_LOG})"
}

# ------------------------------------------------------------- emulation --

# The binfmt_misc entry that runs binaries of the other architecture through
# qemu: the builder runs RUN steps of an arm64 image on an amd64 host (and
# the reverse) this way.  The F flag (in Debian's config) opens the emulator
# at registration, so it works inside build containers too.
setup_emulation() {
    local machine other conf entry
    machine=$(uname -m)
    case $machine in
    x86_64) other=aarch64 ;;
    aarch64) other=x86_64 ;;
    *) die "no emulation set-up for a ${machine} host" ;;
    esac
    entry=/proc/sys/fs/binfmt_misc/qemu-${other}
    if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
            die "cannot mount binfmt_misc (needs root and a kernel with binfmt_misc)"
    fi
    if [ ! -e "$entry" ]; then
        conf=/usr/lib/binfmt.d/qemu-${other}.conf
        [ -f "$conf" ] || die "${conf} is missing (is qemu-user-static installed?)"
        grep -v '^#' "$conf" >/proc/sys/fs/binfmt_misc/register ||
            die "cannot register ${conf} with binfmt_misc"
    fi
    grep -q '^enabled' "$entry" || die "${entry} is not enabled"
    say "emulation: ${other} binaries run through $(sed -n 's/^interpreter //p' "$entry")"
}

# A static arm64 busybox (Debian's busybox-static:arm64, unpacked, not
# installed) for the tests' arm64 base image.
fetch_busybox_arm64() {
    [ -x "$BUSYBOX_ARM64" ] && return 0
    [ "$(id -u)" -eq 0 ] || die "no ${BUSYBOX_ARM64}; run as root to fetch it"
    local work rc=0
    work=$(mktemp -d "${STATE_DIR}/busybox-arm64.XXXXXX")
    say "fetching busybox-static:arm64 (log: ${APT_LOG})"
    {
        if ! dpkg --print-foreign-architectures | grep -qx arm64; then
            dpkg --add-architecture arm64
        fi
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update &&
            (cd "$work" && apt-get download busybox-static:arm64) &&
            dpkg-deb -x "$work"/busybox-static_*_arm64.deb "$work/root"
    } </dev/null >>"$APT_LOG" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] || [ ! -x "$work/root/bin/busybox" ]; then
        show_log "$APT_LOG"
        rm -rf "$work"
        die "could not fetch busybox-static:arm64"
    fi
    mv "$work/root/bin/busybox" "${BUSYBOX_ARM64}.new"
    mv "${BUSYBOX_ARM64}.new" "$BUSYBOX_ARM64"
    rm -rf "$work"
    say "busybox-arm64: ${BUSYBOX_ARM64}"
}

# ------------------------------------------------------------------ stop --

# stop_one NAME PIDFILE PROCNAME
stop_one() {
    local name=$1 pidfile=$2 procname=$3 pid _
    if ! pid_alive "$pidfile" "$procname"; then
        rm -f "$pidfile"
        say "${name}: not running from ${STATE_DIR} (nothing to stop)"
        return 0
    fi
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    # dockerd shuts its containers and containerd down first: allow 30 s.
    for _ in $(seq 60); do
        pid_alive "$pidfile" "$procname" || break
        sleep 0.5
    done
    if pid_alive "$pidfile" "$procname"; then
        warn "${name} (pid ${pid}) did not stop on SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    say "${name}: stopped (pid ${pid})"
}

stop_all() {
    stop_one registry "$REGISTRY_PIDFILE" docker-registry
    rm -rf "${STATE_DIR}"/registry-data.*
    stop_one dockerd "$DOCKERD_PIDFILE" dockerd
}

status_all() {
    local rc=0
    if docker_answers; then say "dockerd: up (unix://${DOCKER_SOCK})"; else say "dockerd: down"; rc=1; fi
    if registry_answers; then say "registry: up (${REGISTRY_URL})"; else say "registry: down"; rc=1; fi
    return "$rc"
}

# ------------------------------------------------------------------ main --

main() {
    local cmd=${1:-start}
    mkdir -p "$STATE_DIR"
    # One run at a time (two test runs starting together must not both start
    # a dockerd).
    exec 9>"${STATE_DIR}/lock"
    flock -w 600 9 || die "another services.sh run holds ${STATE_DIR}/lock"

    case $cmd in
    start)
        install_packages
        # Emulation and the arm64 busybox are for the builder's arm64 tests: a machine without them
        # can still run the rest, except in CI, where the tests must not be left out.
        if ! (setup_emulation && fetch_busybox_arm64); then
            [ "${CI:-}" = true ] && die "CI=true: the arm64 build tests need emulation and the arm64 busybox"
            warn "the arm64 build tests will be skipped"
        fi
        start_dockerd
        start_registry
        ;;
    stop) stop_all ;;
    status) status_all ;;
    *) die "usage: $0 [start|stop|status]" ;;
    esac
}

main "$@"
