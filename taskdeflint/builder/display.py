"""Showing what the builds do: plain prefixed lines (`[threads] #5 [2/3] RUN make`) for logs and CI, on
a terminal a live block with one line per service that is redrawn as they progress, and on GitHub Actions
one folded `::group::` per service."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import deque
from typing import TextIO

_KEEP = 15  # log lines kept per service, shown when its build fails on a terminal


class Display:
    """Plain output: every log line, prefixed with its service. Thread-safe."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self._lock = threading.RLock()
        self._silent = False

    def _write(self, stream: TextIO, text: str) -> None:
        with self._lock:
            if self._silent:
                return
            stream.write(text)
            stream.flush()

    def log(self, service: str, line: str) -> None:
        """A line of the engine's output for `service`."""
        self._write(self.out, f"[{service}] {line}\n")

    def progress(self, service: str, text: str) -> None:
        """Transient progress (push percentages): shown only by the live display."""

    def state(self, service: str, text: str, *, final: bool = False) -> None:
        """A change of phase: checking, building, pushing; `final` for the last one (pushed, failed)."""
        self._write(self.out, f"[{service}] {text}\n")

    def error(self, text: str) -> None:
        self._write(self.err, f"taskdeflint: error: {text}\n")

    def warning(self, text: str) -> None:
        self._write(self.err, f"taskdeflint: warning: {text}\n")

    def failed(self, service: str) -> None:
        """`service` failed; the live display shows its last lines of output."""

    def close(self) -> None:
        """Stop drawing; after this only plain writes happen."""

    def silence(self) -> None:
        """Write nothing more (after Ctrl-C, while worker threads wind down)."""
        with self._lock:
            self.close()
            self._silent = True


class LiveDisplay(Display):
    """A block of one line per service at the bottom of the terminal, redrawn at most 10 times a second."""

    def __init__(self, out: TextIO, err: TextIO, services: list[str]) -> None:
        super().__init__(out, err)
        self._order = services
        self._width = max(len(s) for s in services) if services else 0
        self._state = dict.fromkeys(services, "waiting")
        self._detail = dict.fromkeys(services, "")
        self._logs: dict[str, deque[str]] = {s: deque(maxlen=_KEEP) for s in services}
        self._started: dict[str, float] = {}
        self._finished: dict[str, float] = {}
        self._drawn = 0
        self._last = 0.0
        self._closed = False

    def _columns(self) -> int:
        try:
            return max(40, os.get_terminal_size(self.out.fileno()).columns)
        except (OSError, ValueError, AttributeError):
            return shutil.get_terminal_size().columns

    def _clear(self) -> None:
        if self._drawn:
            self.out.write(f"\x1b[{self._drawn}F\x1b[J")
            self._drawn = 0

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._closed or self._silent or (not force and now - self._last < 0.1):
            return
        self._last = now
        columns = self._columns()
        lines = []
        for name in self._order:
            elapsed = ""
            if name in self._started:
                elapsed = f" {self._finished.get(name, now) - self._started[name]:.1f}s"
            text = f"{name:<{self._width}} {self._state[name]}{elapsed}"
            if self._detail[name]:
                text += f"  {self._detail[name]}"
            lines.append(text[: columns - 1])
        self._clear()
        self.out.write("".join(f"\x1b[2K{line}\n" for line in lines))
        self._drawn = len(lines)
        self.out.flush()

    def _above(self, stream: TextIO, text: str) -> None:
        with self._lock:
            if self._silent:
                return
            self._clear()
            self.out.flush()
            stream.write(text)
            stream.flush()
            self._draw(force=True)

    def log(self, service: str, line: str) -> None:
        with self._lock:
            self._logs.setdefault(service, deque(maxlen=_KEEP)).append(line)
            self._detail[service] = line.strip()
            self._draw()

    def progress(self, service: str, text: str) -> None:
        with self._lock:
            self._detail[service] = text
            self._draw()

    def state(self, service: str, text: str, *, final: bool = False) -> None:
        with self._lock:
            now = time.monotonic()
            if final:
                self._finished[service] = now
            elif service not in self._started:
                self._started[service] = now
            self._state[service] = text
            self._detail[service] = ""
            self._draw(force=True)

    def error(self, text: str) -> None:
        self._above(self.err, f"taskdeflint: error: {text}\n")

    def warning(self, text: str) -> None:
        self._above(self.err, f"taskdeflint: warning: {text}\n")

    def failed(self, service: str) -> None:
        lines = list(self._logs.get(service, ()))
        if lines:
            self._above(self.out, "".join(f"[{service}] {line}\n" for line in lines))

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._draw(force=True)
                self._closed = True


class GroupedDisplay(Display):
    """GitHub Actions: each service's log folded into one `::group::`. A group must be contiguous, so with
    several builds at once a service's lines are held until it finishes; with one at a time they stream
    as they come. Lines keep their `[service]` prefix, so none can start a workflow command."""

    def __init__(self, out: TextIO, err: TextIO, live: bool) -> None:
        super().__init__(out, err)
        self._live = live
        self._held: dict[str, list[str]] = {}
        self._open: str | None = None
        self._last: dict[str, deque[str]] = {}

    def _line(self, service: str, text: str) -> None:
        with self._lock:
            self._last.setdefault(service, deque(maxlen=_KEEP)).append(text)
            if self._live:
                if self._open != service:
                    if self._open is not None:
                        self._write(self.out, "::endgroup::\n")
                    self._write(self.out, f"::group::{service}\n")
                    self._open = service
                self._write(self.out, f"[{service}] {text}\n")
            else:
                self._held.setdefault(service, []).append(f"[{service}] {text}\n")

    def log(self, service: str, line: str) -> None:
        self._line(service, line)

    def state(self, service: str, text: str, *, final: bool = False) -> None:
        with self._lock:
            if not final:
                self._line(service, text)
                return
            if self._live:
                if self._open == service:
                    self._write(self.out, "::endgroup::\n")
                    self._open = None
            else:
                held = self._held.pop(service, [])
                if held:
                    self._write(self.out, f"::group::{service}\n{''.join(held)}::endgroup::\n")
            self._write(self.out, f"[{service}] {text}\n")

    def failed(self, service: str) -> None:
        lines = list(self._last.get(service, ()))
        if lines:
            self._write(self.out, "".join(f"[{service}] {line}\n" for line in lines))

    def close(self) -> None:
        with self._lock:
            if self._open is not None:
                self._write(self.out, "::endgroup::\n")
                self._open = None


def choose(mode: str, out: TextIO, err: TextIO, services: list[str], jobs: int = 1) -> Display:
    """`auto`: live on a terminal, plain in CI, when TERM=dumb, or when output goes to a file or pipe;
    folded groups on GitHub Actions."""
    if mode in ("auto", "plain") and os.environ.get("GITHUB_ACTIONS") == "true":
        return GroupedDisplay(out, err, live=jobs == 1 or len(services) == 1)
    if mode == "auto":
        tty = hasattr(out, "isatty") and out.isatty()
        ci = os.environ.get("CI", "").lower() in ("true", "1") or bool(os.environ.get("GITHUB_ACTIONS"))
        mode = "tty" if tty and not ci and os.environ.get("TERM") != "dumb" else "plain"
    if mode == "tty":
        return LiveDisplay(out, err, services)
    return Display(out, err)
