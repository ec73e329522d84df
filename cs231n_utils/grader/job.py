"""One job: grade one submitted notebook, a :class:`JobSpec` in, a :class:`JobResult` out.

``python -m cs231n_utils.grader.job SPEC.json`` is the job's process: a fresh one for every
notebook, so the tests of one student never share a process with another's. It reads the
spec, grades with :func:`~cs231n_utils.grader.execute.grade_submission` (the student's code in
the sandbox) and writes the executed notebook and the result, atomically. :func:`launch` starts
that process and turns any crash of the grader itself into a flagged result.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from .. import course
from .records import Flag, FlagKind, JobResult, JobSpec


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def run_job(spec: JobSpec) -> JobResult:
    """Grade the notebook ``spec`` describes, in this process; write its outputs."""
    from .execute import grade_submission

    start = time.perf_counter()
    source_nb = nbformat.read(spec.source, as_version=4)
    release_nb = nbformat.read(spec.release, as_version=4)
    graded = grade_submission(source_nb, release_nb, spec.submission, spec.workdir, spec.limits,
                              slot=spec.slot, readonly=list(spec.readonly), isolate=spec.isolate,
                              problem=spec.problem)
    result = JobResult(graded.tests, graded.flags, graded.isolation, time.perf_counter() - start)
    _write_atomic(spec.out_notebook, nbformat.writes(graded.notebook))
    _write_atomic(spec.out_result, result.to_json())
    return result


def launch(spec: JobSpec, timeout: float) -> JobResult:
    """Run one job in a fresh process; a crash of the grader itself is flagged, not raised."""
    spec_path = spec.out_result.with_suffix(".job.json")
    _write_atomic(spec_path, spec.to_json())
    env = course.nbgrader_env()
    env.setdefault("MPLBACKEND", "Agg")
    # One BLAS thread, as in the sandbox: the same sums in the same order on both sides.
    env.update(spec.env, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        proc = subprocess.run([sys.executable, "-m", "cs231n_utils.grader.job", str(spec_path)],
                              env=env, capture_output=True, text=True, timeout=timeout)
        failed = proc.returncode != 0
        detail = proc.stderr[-2000:]
    except subprocess.TimeoutExpired:
        failed, detail = True, f"grading this submission took longer than {timeout:.0f} s"
    if not failed and spec.out_result.is_file():
        return JobResult.from_json(spec.out_result.read_text())
    spec.out_notebook.unlink(missing_ok=True)  # half-written: nbgrader's pass would stop on it
    return JobResult(flags=[Flag(FlagKind.GRADER_FAILED,
                                 f"the grader could not grade this submission: {detail.strip()[-500:]}")])


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit("usage: python -m cs231n_utils.grader.job SPEC.json")
    run_job(JobSpec.from_json(Path(argv[0]).read_text()))


if __name__ == "__main__":
    main()
