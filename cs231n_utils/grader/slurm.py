"""The ``slurm`` backend: one Slurm job array over the class, results on the shared filesystem.

Every job is one array task running ``python -m cs231n_utils.grader.job --list LIST`` (the task
picks its spec by ``$SLURM_ARRAY_TASK_ID``) with the sandbox's limits as the task's: ``--mem``
the sandbox's memory plus the grader's own, one CPU, ``--time`` the job's wall-clock budget.
``--array=0-N%K`` throttles the class to K tasks at once; a class larger than the cluster's
``MaxArraySize`` is split into several arrays. Completion is known from ``squeue`` (no
accounting database needed: ``sacct`` is often unavailable) and the result files themselves;
a progress bar counts the results as they land.

Requirements on a cluster: the course folder on a filesystem every node mounts at the same path,
the same Python environment (with the kit) on the nodes. Each task probes the isolation where it
runs (bubblewrap where the nodes allow user namespaces, else Landlock and seccomp; limits only,
flagged for review, where neither starts) and its result says which ran. See the README's Slurm section.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .job import JOB_ENV
from .local import job_timeout
from .sandbox import Limits

#: Memory the grader's own process (the test cells, numpy, the data) needs beside the sandbox's.
GRADER_MEMORY_MB = 1024
#: Seconds between two looks at the queue.
POLL_SECONDS = 2.0


class SlurmError(RuntimeError):
    """Slurm refused or failed to run the array (the message says what Slurm said)."""


def _run(cmd: list[str], env: dict[str, str] | None = None) -> str:
    if shutil.which(cmd[0]) is None:
        raise SlurmError(f"{cmd[0]} is not on PATH: the slurm backend needs Slurm's command-line tools "
                         "(run on a login node of the cluster)")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if proc.returncode != 0:
        raise SlurmError(f"{' '.join(cmd[:2])} failed ({proc.returncode}): {proc.stderr.strip()[-1000:]}")
    return proc.stdout


def max_array_size(env: dict[str, str] | None = None) -> int:
    """The cluster's MaxArraySize (array indices run from 0 to MaxArraySize - 1)."""
    out = _run(["scontrol", "show", "config"], env)
    match = re.search(r"^MaxArraySize\s*=\s*(\d+)", out, re.MULTILINE)
    return int(match.group(1)) if match else 1001


def task_script(python: str = sys.executable) -> str:
    """The batch script of every array task: run the task's spec, its output beside the spec."""
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in JOB_ENV.items())
    return f"""#!/bin/bash
# One array task: grade the submission whose job spec is line $SLURM_ARRAY_TASK_ID (from 0) of $1.
set -euo pipefail
spec=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$1")
export {exports}
exec {shlex.quote(python)} -m cs231n_utils.grader.job "$spec" --slot $((SLURM_ARRAY_TASK_ID % 1000)) \\
    > "${{spec%.json}}.log" 2>&1
"""


def sbatch_command(script: Path, listing: Path, count: int, limits: Limits, throttle: int,
                   job_name: str, log_dir: Path, extra: Sequence[str] = ()) -> list[str]:
    """The ``sbatch`` command line of one array of ``count`` tasks."""
    minutes = max(1, math.ceil(job_timeout(limits) / 60))
    return ["sbatch", "--parsable", f"--array=0-{count - 1}%{max(1, throttle)}", f"--job-name={job_name}",
            f"--mem={limits.memory_mb + GRADER_MEMORY_MB}M", "--cpus-per-task=1", "--ntasks=1",
            f"--time={minutes}", f"--output={log_dir / '%A_%a.out'}", "--export=ALL", *extra,
            str(script), str(listing)]


class SlurmBackend:
    """Submit the jobs as Slurm job arrays and wait for them.

    Parameters
    ----------
    throttle : int
        Tasks of an array running at once (``%K``).
    sbatch_args : sequence of str
        Further ``sbatch`` options, e.g. ``["--partition=short", "--account=cs231n"]``.
    python : str
        The interpreter on the nodes (default: this one, which a shared environment provides).
    env : dict, optional
        Environment for Slurm's tools (e.g. ``SLURM_CONF``); default: this process's.
    timeout : float, optional
        Give up waiting after this many seconds (jobs still queued are cancelled); default: none.
    """

    name = "slurm"

    def __init__(self, throttle: int = 50, sbatch_args: Sequence[str] = (), python: str = sys.executable,
                 env: dict[str, str] | None = None, timeout: float | None = None):
        self.throttle = throttle
        self.sbatch_args = list(sbatch_args)
        self.python = python
        self.env = env
        self.timeout = timeout
        self.job_ids: list[str] = []

    def run(self, specs: Sequence[Path], limits: Limits, done: Callable[[Path], None] | None = None) -> None:
        """Submit ``specs`` (split into arrays of at most MaxArraySize tasks) and wait until all end."""
        specs = [Path(s) for s in specs]
        if not specs:
            return
        folder = specs[0].parent / "slurm"
        folder.mkdir(parents=True, exist_ok=True)
        script = folder / "task.sh"
        script.write_text(task_script(self.python))
        script.chmod(0o755)
        size = max(1, max_array_size(self.env))  # indices 0 .. MaxArraySize - 1
        chunks = [specs[i:i + size] for i in range(0, len(specs), size)]
        first = len(list(folder.glob("array_*.list")))  # earlier runs' lists stay, for the record
        for n, chunk in enumerate(chunks, first):
            listing = folder / f"array_{n:03d}.list"
            listing.write_text("".join(f"{s}\n" for s in chunk))
            cmd = sbatch_command(script, listing, len(chunk), limits, self.throttle,
                                 f"kit-{specs[0].parent.parent.name}", folder, self.sbatch_args)
            self.job_ids.append(_run(cmd, self.env).strip().split(";")[0])
        self.wait(specs, done)

    def pending(self) -> set[str]:
        """Ids of this backend's arrays that still have tasks queued or running."""
        if not self.job_ids:
            return set()
        out = _run(["squeue", "-h", "-r", "-o", "%F", "-j", ",".join(self.job_ids)], self.env)
        return {line.strip() for line in out.splitlines() if line.strip()}

    def wait(self, specs: Sequence[Path], done: Callable[[Path], None] | None = None) -> None:
        """Poll the queue until the arrays have ended, reporting each result as it lands."""
        reported: set[Path] = set()
        start = time.monotonic()
        while True:
            still = self.pending()
            for spec in specs:
                if spec not in reported and _result_of(spec).is_file():
                    reported.add(spec)
                    if done is not None:
                        done(spec)
            if not still:
                break
            if self.timeout is not None and time.monotonic() - start > self.timeout:
                self.cancel()
                break
            time.sleep(POLL_SECONDS)
        for spec in specs:  # the ones that died: reported too, so a progress bar completes
            if spec not in reported and done is not None:
                done(spec)

    def cancel(self) -> None:
        if self.job_ids:
            subprocess.run(["scancel", *self.job_ids], capture_output=True, env=self.env, timeout=60)


def _result_of(spec: Path) -> Path:
    """The result file a spec names (read from the spec, so the layout lives in one place)."""
    from .records import JobSpec

    return JobSpec.from_json(Path(spec).read_text()).out_result


def available() -> bool:
    return shutil.which("sbatch") is not None and shutil.which("squeue") is not None


def describe(env: dict[str, str] | None = None) -> str:
    conf = (env or os.environ).get("SLURM_CONF", "the default slurm.conf")
    return f"slurm: job arrays through sbatch ({conf})"
