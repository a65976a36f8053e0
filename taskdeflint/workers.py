"""Worker processes for large runs: results in input order, nothing left running after the run, and a
worker the kernel kills (out of memory, say) costs only the item it was working on.

Workers are forked: they inherit the items and the function, and are sent chunks of item indexes. Each
worker keeps the index it is working on in a slot of shared memory, so that when it dies the parent knows
which item killed it; that one is reported through `failed`, the rest of its chunks go to other workers.
A worker ignores SIGINT (a terminal sends it to the whole process group; the parent decides) and ends when
the parent's end of its pipe closes, so even a parent killed outright leaves no worker waiting for work.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

# Chunks sent to a worker ahead of its answers, so that it need not wait for the parent between chunks.
DEPTH = 2
# Items per chunk, at most: fewer messages than one per item, and little work redone after a lost worker.
MAX_CHUNK = 32
_IDLE = -1

T = TypeVar("T")
R = TypeVar("R")


def available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    connection: Connection
    current: Any  # a shared c_long: the index being worked on, or _IDLE
    # The chunks sent and not yet answered, in order: the first is the one being worked on.
    sent: deque[list[int]] = field(default_factory=deque)


def _serve(
    connection: Connection,
    current: Any,
    inherited: list[Connection],
    function: Callable[[T], R],
    items: Sequence[T],
    failed: Callable[[T, str], R],
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for other in inherited:  # the parent's ends: held here, they would keep a dead parent's pipes open
        other.close()
    while True:
        try:
            chunk = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if chunk is None:
            return
        results = []
        for index in chunk:
            current.value = index
            try:
                result = function(items[index])
            except BaseException as error:  # the function catches what it can; this is the last guard
                why = f"internal error ({type(error).__name__}); please report this bug"
                result = failed(items[index], why)
            results.append(result)
        try:
            connection.send(results)
        except (OSError, EOFError):
            return
        except Exception as error:  # a result that cannot be pickled
            why = f"its result could not be sent ({type(error).__name__})"
            connection.send([failed(items[index], why) for index in chunk])
        current.value = _IDLE


class Pool(Generic[T, R]):
    """`function` over `items` in `jobs` forked processes (never more than the items). `failed(item, why)`
    is the result for an item whose worker died."""

    def __init__(
        self, function: Callable[[T], R], items: Sequence[T], jobs: int, failed: Callable[[T, str], R]
    ) -> None:
        self.function = function
        self.items = items
        self.jobs = max(1, min(jobs, len(items)))
        self.failed = failed
        self.context = multiprocessing.get_context("fork")
        self.workers: list[_Worker] = []
        self.chunk = max(1, min(MAX_CHUNK, len(items) // (self.jobs * 8)))
        self.pending: deque[int] = deque(range(len(items)))

    def _start(self) -> _Worker:
        mine, theirs = self.context.Pipe()
        current = self.context.RawValue("l", _IDLE)
        inherited = [w.connection for w in self.workers] + [mine]
        process = self.context.Process(
            target=_serve,
            args=(theirs, current, inherited, self.function, self.items, self.failed),
            daemon=True,
            name="taskdeflint-worker",
        )
        process.start()
        theirs.close()
        worker = _Worker(process, mine, current)
        self.workers.append(worker)
        return worker

    def _dispatch(self, worker: _Worker) -> None:
        """Keep the worker `DEPTH` chunks ahead, or tell it to stop when nothing is left for it."""
        while self.pending and len(worker.sent) < DEPTH:
            chunk = [self.pending.popleft() for _ in range(min(self.chunk, len(self.pending)))]
            worker.sent.append(chunk)
            with suppress(OSError):  # it died: its sentinel says so
                worker.connection.send(chunk)
        if not worker.sent:
            with suppress(OSError):
                worker.connection.send(None)
            self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        worker.connection.close()
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        self.workers.remove(worker)

    def _lost(self, worker: _Worker) -> tuple[int, R] | None:
        """The result for the item a dead worker was working on; its other items go back to the queue."""
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        index = worker.current.value
        self._retire(worker)
        unanswered = [i for chunk in worker.sent for i in chunk]
        if index not in unanswered:  # it died between chunks: nothing of its own was lost
            self.pending.extendleft(reversed(unanswered))
            return None
        unanswered.remove(index)
        self.pending.extendleft(reversed(unanswered))
        if code is not None and code < 0:
            try:
                why = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                why = f"killed by signal {-code}"
        else:
            why = f"ended with exit status {code}"
        return index, self.failed(self.items[index], f"the worker process linting it was {why}")

    def __iter__(self) -> Iterator[R]:
        results: dict[int, R] = {}
        emitted = 0
        try:
            for _ in range(self.jobs):
                self._dispatch(self._start())
            while emitted < len(self.items):
                while emitted in results:
                    yield results.pop(emitted)
                    emitted += 1
                if emitted >= len(self.items):
                    break
                if not self.workers:
                    raise RuntimeError("no worker process left")  # cannot happen: a lost one is replaced
                waited = [w.connection for w in self.workers] + [w.process.sentinel for w in self.workers]
                ready = set(wait(waited))
                for worker in list(self.workers):
                    if worker not in self.workers:
                        continue  # retired during this round
                    died = worker.process.sentinel in ready
                    # Results sent just before the worker died are still in the pipe.
                    if worker.connection in ready or (died and worker.connection.poll()):
                        try:
                            while worker.sent and worker.connection.poll():  # all it has sent so far
                                answered = worker.connection.recv()
                                results.update(zip(worker.sent.popleft(), answered, strict=True))
                        except (EOFError, OSError):
                            lost = self._lost(worker)
                        else:
                            self._dispatch(worker)
                            continue
                    elif died:
                        lost = self._lost(worker)
                    else:
                        continue
                    if lost is not None:
                        results[lost[0]] = lost[1]
                    if self.pending:
                        self._dispatch(self._start())  # a replacement, for the items left
        finally:
            self.close()

    def close(self) -> None:
        """Stop every worker now (on an interrupt, or when the results are no longer wanted)."""
        for worker in self.workers:
            worker.connection.close()
            if worker.process.is_alive():
                worker.process.kill()
        for worker in self.workers:
            worker.process.join()
        self.workers.clear()
