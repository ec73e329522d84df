"""One job: grade one submitted notebook, a :class:`JobSpec` in, a :class:`JobResult` out.

``cs231n-kit grade-one SPEC.json`` (or ``python -m cs231n_utils.grader.job SPEC.json``) is the
job's process: a new one for every notebook (the local backend forks it from a preloaded
:mod:`.forker`), so the tests of one student never share a process with another's, and the same
wherever it runs (a local worker, a Slurm array task, a Kubernetes
pod, Gradescope). It reads the spec, stages a scratch copy of the submission folder, grades with
:func:`~cs231n_utils.grader.execute.grade_submission` (the student's code in the sandbox) and
writes the executed notebook and the result, each atomically, so a result file is either
complete or absent. ``--list FILE --index I`` runs the I-th spec of a list (one path per line):
what an array task is given.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

from .records import JobResult, JobSpec

#: Environment every job runs under: one BLAS thread (as in the sandbox: the same sums in the same
#: order on both sides) and no display.
JOB_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "MPLBACKEND": "Agg"}


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes ("" if it cannot be read)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def run_job(spec: JobSpec) -> JobResult:
    """Grade the notebook ``spec`` describes, in this process; write its outputs."""
    os.environ.update(spec.env)  # before numpy is imported: the data variables, BLAS threads
    import nbformat

    from .collect import stage
    from .execute import grade_submission

    start = time.perf_counter()
    source_nb = nbformat.read(spec.source, as_version=4)
    release_nb = nbformat.read(spec.release, as_version=4)
    scratch = None
    submission, workdir, problem = spec.submission, spec.workdir, spec.problem
    try:
        if spec.folder is not None:
            scratch, workdir, staged_problem = stage(spec.student or "student", spec.folder,
                                                     spec.assignment)
            submission, problem = workdir / spec.notebook, problem or staged_problem
        if submission is None or workdir is None:
            raise ValueError("a JobSpec needs either folder or both submission and workdir")
        graded = grade_submission(source_nb, release_nb, submission, workdir, spec.limits,
                                  slot=spec.slot, readonly=list(spec.readonly), isolation=spec.isolation,
                                  expected=spec.expected, problem=problem)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    result = JobResult(graded.tests, graded.flags, graded.isolation, time.perf_counter() - start,
                       digest=spec.digest, host=socket.gethostname())
    write_atomic(spec.out_notebook, nbformat.writes(graded.notebook))
    write_atomic(spec.out_result, result.to_json())
    return result


def spec_from_list(listing: Path, index: int) -> Path:
    """The ``index``-th (from 0) spec path of a list file, one path per line."""
    lines = [line.strip() for line in Path(listing).read_text().splitlines() if line.strip()]
    if not 0 <= index < len(lines):
        raise SystemExit(f"error: {listing} lists {len(lines)} jobs, there is no job {index}")
    return Path(lines[index])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cs231n-kit grade-one",
                                     description="Grade one submitted notebook: a JSON job spec in, "
                                                 "a JSON result out.")
    parser.add_argument("spec", nargs="?", help="the job's JobSpec (JSON)")
    parser.add_argument("--list", help="a file of spec paths, one per line (with --index)")
    parser.add_argument("--index", type=int, help="which spec of --list to run (from 0); default: "
                        "$SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX")
    parser.add_argument("--slot", type=int, help="the sandbox slot (its own uid when run as root)")
    args = parser.parse_args(argv)
    if args.list:
        index = args.index
        if index is None:
            found = os.environ.get("SLURM_ARRAY_TASK_ID") or os.environ.get("JOB_COMPLETION_INDEX")
            if found is None:
                parser.error("--list needs --index (or $SLURM_ARRAY_TASK_ID / $JOB_COMPLETION_INDEX)")
            index = int(found)
        path = spec_from_list(Path(args.list), index)
    elif args.spec:
        path = Path(args.spec)
    else:
        parser.error("give a SPEC.json, or --list FILE")
    try:
        spec = JobSpec.from_json(path.read_text())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"error: {path} is not a readable job spec ({exc})") from None
    if args.slot is not None:
        spec = JobSpec(**{**spec.__dict__, "slot": args.slot})
    result = run_job(spec)
    review = " (needs review)" if result.needs_review else ""
    print(f"{spec.student or spec.out_result.stem}: {result.score:g} / {result.max_score:g}{review} "
          f"in {result.seconds:.1f} s -> {spec.out_result}")
    return 0


if __name__ == "__main__":
    from ..config import skip_slow_optional_imports

    skip_slow_optional_imports()
    for _key, _value in JOB_ENV.items():
        os.environ.setdefault(_key, _value)
    sys.exit(main())
