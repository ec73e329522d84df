"""The ``local`` backend: run jobs as processes on this machine, ``workers`` at a time."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import course
from .job import JOB_ENV
from .sandbox import Limits


class LocalBackend:
    """A process pool: each job is ``python -m cs231n_utils.grader.job SPEC.json --slot N``.

    Parameters
    ----------
    workers : int
        Jobs run at once; each has its own slot (its own uid in the sandbox when run as root).
    """

    name = "local"

    def __init__(self, workers: int = 2):
        self.workers = max(1, int(workers))

    def run(self, specs: Sequence[Path], limits: Limits, done: Callable[[Path], None] | None = None) -> None:
        """Run every job; ``done(spec)`` after each. A job that fails leaves no result (the batch retries)."""
        slots: queue.Queue[int] = queue.Queue()
        for i in range(self.workers):
            slots.put(i)
        env = course.nbgrader_env()
        env.update(JOB_ENV)
        timeout = job_timeout(limits)

        def one(spec: Path) -> None:
            slot = slots.get()
            try:
                with open(log_path(spec), "w") as log:
                    cmd = [sys.executable, "-m", "cs231n_utils.grader.job", str(spec), "--slot", str(slot)]
                    subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout,
                                   stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                with open(log_path(spec), "a") as log:  # no result: retried once, then flagged
                    log.write(f"\nthe job took longer than {timeout:.0f} s and was stopped\n")
            finally:
                slots.put(slot)
                if done is not None:
                    done(spec)

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            list(pool.map(one, specs))


def log_path(spec: Path) -> Path:
    """Where a job's own output goes, whatever the backend: beside its spec."""
    return Path(spec).with_suffix(".log")


def job_timeout(limits: Limits) -> float:
    """Wall-clock seconds a whole job may take: twice the sandbox's CPU budget, plus start-up."""
    return limits.cpu_seconds * 2 + 120


def describe(workers: int) -> str:
    return f"local: {workers} worker(s) on {os.cpu_count() or 1} CPU(s)"
