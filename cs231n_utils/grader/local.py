"""The ``local`` backend: run jobs as processes on this machine, ``workers`` at a time.

Each job is a process of its own, forked from one preloaded :mod:`.forker` process (so it does not
import numpy, nbformat and matplotlib again); where forking is not available, or the forker
cannot start, each job is a fresh ``python -m cs231n_utils.grader.job`` instead. Either way a
job that crashes or hangs ends alone: no result, and the batch grades it once more.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import select
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import course
from .job import JOB_ENV
from .sandbox import Limits, close_pipes


class LocalBackend:
    """A process pool: each job is ``cs231n_utils.grader.job SPEC.json --slot N`` in a process of its own.

    Parameters
    ----------
    workers : int
        Jobs run at once; each has its own slot (its own uid in the sandbox when run as root).
    fork : bool
        Fork the jobs from a preloaded process (default, where the platform can); False starts
        a fresh interpreter for each.
    """

    name = "local"

    def __init__(self, workers: int = 2, fork: bool = True):
        self.workers = max(1, int(workers))
        self.fork = fork and hasattr(os, "fork")

    def run(self, specs: Sequence[Path], limits: Limits, done: Callable[[Path], None] | None = None) -> None:
        """Run every job; ``done(spec)`` after each. A job that fails leaves no result (the batch retries)."""
        slots: queue.Queue[int] = queue.Queue()
        for i in range(self.workers):
            slots.put(i)
        env = course.nbgrader_env(extra=JOB_ENV)
        timeout = job_timeout(limits)
        forker = Forker.start(env, preload=_local_imports(specs)) if self.fork and specs else None

        def one(spec: Path) -> None:
            slot = slots.get()
            argv = [str(spec), "--slot", str(slot)]
            try:
                finished = (forker.run(argv, log_path(spec), timeout) if forker is not None
                            else _run_fresh(argv, log_path(spec), env, timeout))
                if not finished:  # no result: retried once, then flagged
                    with open(log_path(spec), "a") as log:
                        log.write(f"\nthe job took longer than {timeout:.0f} s and was stopped\n")
            finally:
                slots.put(slot)
                if done is not None:
                    done(spec)

        try:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                list(pool.map(one, specs))
        finally:
            if forker is not None:
                forker.close()


def _local_imports(specs: Sequence[Path]) -> list[str]:
    """What the jobs' test and setup cells import, over the source notebooks of ``specs``."""
    import nbformat

    from .execute import local_imports
    from .records import JobSpec

    sources, names = [], []
    for spec in specs:
        try:
            sources.append(JobSpec.from_json(Path(spec).read_text()).source)
        except (OSError, ValueError, TypeError, KeyError):  # the job itself reports what is wrong
            continue
    for source in dict.fromkeys(sources):
        try:
            names += local_imports(nbformat.read(source, as_version=4))
        except (OSError, ValueError, TypeError):
            continue
    return list(dict.fromkeys(names))


def _run_fresh(argv: list[str], log: Path, env: dict[str, str], timeout: float) -> bool:
    """One job in a fresh interpreter; False if it ran out of time (and was killed)."""
    with open(log, "w") as out:
        try:
            subprocess.run([sys.executable, "-m", "cs231n_utils.grader.job", *argv], env=env, stdout=out,
                           stderr=subprocess.STDOUT, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return False
    return True


#: How long the forker may take to import what it preloads before jobs run fresh instead.
READY_SECONDS = 120.0


class Forker:
    """The backend's end of :mod:`.forker`: ask for a job, wait for its end, kill it if it is late."""

    def __init__(self, proc: subprocess.Popen, env: dict[str, str]):
        self.proc, self.env = proc, env
        self._ids = itertools.count(1)
        self._replies: dict[int, queue.Queue[dict]] = {}
        self._lock = threading.Lock()
        self._alive = True
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, env: dict[str, str], preload: Sequence[str] = ()) -> Forker | None:
        """The forker, preloaded (with the modules ``preload`` names too) and ready; None if it
        does not start (jobs then run fresh)."""
        try:
            proc = subprocess.Popen([sys.executable, "-m", "cs231n_utils.grader.forker", *preload], env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL)
        except OSError:
            return None
        ready = False
        if select.select([proc.stdout], [], [], READY_SECONDS)[0]:  # preloading takes a second or two
            try:
                ready = json.loads(proc.stdout.readline()).get("op") == "ready"
            except ValueError:
                pass
        if not ready:
            proc.kill()
            proc.wait()
            close_pipes(proc)
            return None
        return cls(proc, env)

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            box = self._replies.get(message.get("id"))
            if box is not None:
                box.put(message)
        self._alive = False  # the forker is gone: whoever still waits hears it
        for box in list(self._replies.values()):
            box.put({"op": "gone"})

    def _send(self, message: dict) -> bool:
        with self._lock:
            try:
                self.proc.stdin.write((json.dumps(message) + "\n").encode())
                self.proc.stdin.flush()
                return True
            except (BrokenPipeError, OSError, ValueError):
                return False

    def run(self, argv: list[str], log: Path, timeout: float) -> bool:
        """Run one job; False if it ran out of time (and was killed). A job the forker could not
        start runs in a fresh interpreter instead."""
        key = next(self._ids)
        box: queue.Queue[dict] = queue.Queue()
        self._replies[key] = box
        try:
            if not self._alive or not self._send({"op": "run", "id": key, "argv": argv, "log": str(log)}):
                return _run_fresh(argv, log, self.env, timeout)
            try:
                started = box.get(timeout=60).get("op") == "started"
            except queue.Empty:
                started = False
            if not started:
                return _run_fresh(argv, log, self.env, timeout)
            try:
                box.get(timeout=timeout)  # "ended" (or "gone": the job is killed with the forker)
                return True
            except queue.Empty:
                self._send({"op": "kill", "id": key})
                with contextlib.suppress(queue.Empty):
                    box.get(timeout=60)
                return False
        finally:
            self._replies.pop(key, None)

    def close(self) -> None:
        """Stop the forker (it kills whatever still runs)."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=10)  # it reads to the end of the forker's output, then stops
        if not self._reader.is_alive():
            close_pipes(self.proc)


def log_path(spec: Path) -> Path:
    """Where a job's own output goes, whatever the backend: beside its spec."""
    return Path(spec).with_suffix(".log")


def job_timeout(limits: Limits) -> float:
    """Wall-clock seconds a whole job may take: twice the sandbox's CPU budget, plus start-up."""
    return limits.cpu_seconds * 2 + 120


def describe(workers: int) -> str:
    return f"local: {workers} worker(s) on {os.cpu_count() or 1} CPU(s)"
