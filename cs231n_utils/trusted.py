"""Grade a whole class in sandboxes, in parallel, then record the scores with nbgrader.

``cs231n-kit grade <assignment>`` drives this module:

1. every ``submitted/<student>/<assignment>/<notebook>.ipynb`` becomes a job, run by a
   fresh ``python -m cs231n_utils.trusted job.json`` process (the tests of one student never
   share a process with another's) using :mod:`cs231n_utils.runner`, which keeps the
   student's code in a sandbox; ``--workers`` jobs run at once;
2. the executed notebooks go through nbgrader's own autograde with execution switched off,
   so nbgrader's gradebook, feedback and export work as usual;
3. a class report lists, per student, the score, each test's outcome and message, and the
   flags that need a human look (unreadable notebooks, deleted or duplicated cells, edited
   tests, a process killed by a limit or a timeout).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from . import course
from .sandbox import Limits, describe_isolation

WORK_DIR = "grading"


@dataclass
class StudentReport:
    """One student's outcome on one assignment."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    tests: list[dict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    needs_review: bool = False
    seconds: float = 0.0


def _data_paths() -> list[Path]:
    from .datasets import get_data_home

    paths = [get_data_home()]
    subset = os.environ.get("CS231N_CIFAR10_SUBSET")
    if subset:
        paths.append(Path(subset))
    return [p.resolve() for p in paths if p.exists()]


def run_job(spec: dict) -> dict:
    """Grade one notebook as described by ``spec`` (runs in its own process)."""
    from .runner import grade_submission

    start = time.perf_counter()
    source_nb = nbformat.read(spec["source"], as_version=4)
    release_nb = nbformat.read(spec["release"], as_version=4)
    result = grade_submission(source_nb, release_nb, Path(spec["submission"]), Path(spec["workdir"]),
                              Limits(**spec["limits"]), slot=spec["slot"],
                              readonly=[Path(p) for p in spec["readonly"]], isolate=spec["isolate"],
                              problem=spec.get("problem"))
    Path(spec["out_notebook"]).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(result.notebook, spec["out_notebook"])
    summary = {
        "score": result.score, "max_score": result.max_score,
        "tests": [asdict(t) for t in result.tests], "flags": result.flags,
        "needs_review": result.needs_review, "isolation": result.isolation,
        "seconds": time.perf_counter() - start,
    }
    Path(spec["out_result"]).write_text(json.dumps(summary, indent=1))
    return summary


def _launch(spec: dict, timeout: float) -> dict:
    """Run one job in a fresh process; a crash of the grader itself is reported, not raised."""
    spec_path = Path(spec["out_result"]).with_suffix(".job.json")
    spec_path.parent.mkdir(parents=True, exist_ok=True)
    spec_path.write_text(json.dumps(spec))
    env = course.nbgrader_env()
    env.setdefault("MPLBACKEND", "Agg")
    # One BLAS thread, as in the sandbox: the same sums in the same order on both sides.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        proc = subprocess.run([sys.executable, "-m", "cs231n_utils.trusted", str(spec_path)],
                              env=env, capture_output=True, text=True, timeout=timeout)
        failed = proc.returncode != 0
        detail = proc.stderr[-2000:]
    except subprocess.TimeoutExpired:
        failed, detail = True, f"grading this submission took longer than {timeout:.0f} s"
    if not failed and Path(spec["out_result"]).is_file():
        return json.loads(Path(spec["out_result"]).read_text())
    Path(spec["out_notebook"]).unlink(missing_ok=True)  # half-written: nbgrader's pass would stop on it
    return {"score": 0.0, "max_score": 0.0, "tests": [], "needs_review": True, "isolation": "",
            "flags": [f"the grader could not grade this submission: {detail.strip()[-500:]}"],
            "seconds": 0.0}


def _skip_in_copy(folder: str, names: list[str]) -> set[str]:
    """Checkpoints, and symbolic links other than notebooks (which the grader refuses itself)."""
    return {n for n in names if n == ".ipynb_checkpoints"
            or (os.path.islink(os.path.join(folder, n)) and not n.endswith(".ipynb"))}


def find_submissions(course_root: Path, assignment: str) -> list[tuple[str, Path]]:
    """(student, submission folder) for every ``submitted/<student>/<assignment>/``."""
    base = Path(course_root) / "submitted"
    if not base.is_dir():
        return []
    return sorted((d.name, d / assignment) for d in base.iterdir() if (d / assignment).is_dir())


def grade_class(course_root: Path, assignment: str, workers: int = 2, limits: Limits | None = None,
                isolate: bool = True, progress: bool = True,
                students: list[str] | None = None) -> list[StudentReport]:
    """Grade every submission of ``assignment`` and record the scores in the gradebook."""
    course_root = Path(course_root).resolve()
    limits = limits or Limits()
    sources = sorted((course_root / "solutions" / assignment).glob("*.ipynb"))
    if not sources:
        raise course.CourseError(f"no notebook in solutions/{assignment}/")
    if not (course_root / "assignments" / assignment).is_dir():
        course.release(course_root, [assignment])
    subs = [(s, p) for s, p in find_submissions(course_root, assignment)
            if not students or s in students]
    if not subs:
        raise course.CourseError(f"nothing to grade: no submitted/<student>/{assignment}/ folder")
    work = course_root / WORK_DIR / assignment
    staged = work / "executed"
    shutil.rmtree(work, ignore_errors=True)
    staged.mkdir(parents=True)
    readonly = _data_paths()
    slots: queue.Queue[int] = queue.Queue()
    for i in range(max(1, workers)):
        slots.put(i)
    per_job_timeout = limits.cpu_seconds * 2 + 120

    def job(student: str, folder: Path, src: Path) -> tuple[str, dict]:
        slot = slots.get()
        scratch = Path(tempfile.mkdtemp(prefix=f"kit-{student[:20]}-"))
        try:
            workdir = scratch / "work"
            link = next((p for p in (folder.parent, folder) if p.is_symlink()), None)
            if link is None:
                shutil.copytree(folder, workdir, symlinks=True, ignore=_skip_in_copy)
            else:  # never follow a link out of the student's own folder
                workdir.mkdir()
            spec = {
                "problem": (f"submitted/{student}{'/' + assignment if link == folder else ''} is a "
                            "symbolic link (not followed): submit the files themselves") if link else None,
                "source": str(src), "release": str(course_root / "assignments" / assignment / src.name),
                "submission": str(workdir / src.name), "workdir": str(workdir),
                "limits": asdict(limits), "slot": slot, "readonly": [str(p) for p in readonly],
                "isolate": isolate,
                "out_notebook": str(staged / student / assignment / src.name),
                "out_result": str(work / "results" / f"{student}__{src.stem}.json"),
            }
            return student, _launch(spec, per_job_timeout)
        finally:
            slots.put(slot)
            shutil.rmtree(scratch, ignore_errors=True)

    reports: dict[str, StudentReport] = {s: StudentReport(s) for s, _ in subs}
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(subs) * len(sources), desc=f"grading {assignment}", unit="nb")
    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(job, s, p, src) for s, p in subs for src in sources]
        for fut in as_completed(futures):
            student, summary = fut.result()
            with lock:
                r = reports[student]
                r.score += summary["score"]
                r.max_score += summary["max_score"]
                r.tests += summary["tests"]
                r.flags += summary["flags"]
                r.needs_review |= summary["needs_review"]
                r.seconds += summary["seconds"]
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    record_in_gradebook(course_root, assignment, staged, list(reports))
    flag_for_review(course_root, assignment, [r for r in reports.values() if r.needs_review])
    rows = [reports[s] for s in sorted(reports)]
    (work / "report.json").write_text(json.dumps([asdict(r) for r in rows], indent=1))
    (work / "report.md").write_text(format_report(rows, assignment))
    return rows


def record_in_gradebook(course_root: Path, assignment: str, staged: Path, students: list[str]) -> None:
    """Run nbgrader's autograde on the executed notebooks, with execution switched off."""
    rel = os.path.relpath(staged, course_root)
    sanitize = ["nbgrader.preprocessors.DeduplicateIds", "nbgrader.preprocessors.OverwriteKernelspec",
                "nbgrader.preprocessors.OverwriteCells", "nbgrader.preprocessors.CheckCellMetadata"]
    grade = ["nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
             "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]
    args = ["autograde", assignment, "--create", "--force",
            f"--CourseDirectory.submitted_directory={rel}",
            f"--Autograde.sanitize_preprocessors={json.dumps(sanitize)}",
            f"--Autograde.autograde_preprocessors={json.dumps(grade)}"]
    course.run_nbgrader(args, course_root, quiet=True)


def flag_for_review(course_root: Path, assignment: str, reports: list[StudentReport]) -> None:
    """Mark failed test cells of flagged submissions as needing a manual grade in nbgrader."""
    if not reports:
        return
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{Path(course_root) / 'gradebook.db'}") as gb:
        for r in reports:
            try:
                sub = gb.find_submission(assignment, r.student)
            except MissingEntry:
                continue
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.cell_type == "code" and (grade.auto_score or 0) < grade.max_score:
                        grade.needs_manual_grade = True
        gb.db.commit()


def format_report(rows: list[StudentReport], assignment: str) -> str:
    """The class report as markdown."""
    lines = [f"# {assignment}: class report", "", describe_isolation(), "",
             "| student | score | review | tests that lost points | flags |", "|---|---|---|---|---|"]
    for r in rows:
        lost = "; ".join(f"{t['grade_id']} ({t.get('score', 0):g}/{t['points']:g}): {t['message'][:200]}"
                         for t in r.tests if not t["passed"])
        lines.append(f"| {r.student} | {r.score:g} / {r.max_score:g} | {'YES' if r.needs_review else ''} "
                     f"| {lost.replace('|', '/') or 'none'} | {'; '.join(r.flags).replace('|', '/')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    run_job(json.loads(Path(sys.argv[1]).read_text()))
