"""Grade a whole class: a job per submitted notebook, run on a local pool, then recorded.

``cs231n-kit grade <assignment>`` calls :func:`grade_class`, which

1. finds every ``submitted/<student>/<assignment>/`` and stages a scratch copy of it
   (:mod:`.collect`);
2. writes one :class:`~.records.JobSpec` per notebook and runs ``--workers`` of them at once,
   each in a fresh process (:mod:`.job`);
3. records the executed notebooks in nbgrader's gradebook, marks flagged ones for a manual
   look (:mod:`.gradebook`), and writes the class report (:mod:`.report`).
"""

from __future__ import annotations

import queue
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .. import config, course
from .collect import find_submissions, stage
from .gradebook import flag_for_review, record_in_gradebook
from .job import launch
from .records import JobResult, JobSpec, StudentReport
from .report import write_report
from .sandbox import Limits

#: The grader's folder in the course: grading/<assignment>/{executed,results,report.md}.
WORK_DIR = "grading"


def grade_class(course_root: Path, assignment: str, workers: int = 2, limits: Limits | None = None,
                isolate: bool = True, progress: bool = True, students: list[str] | None = None,
                dataset: str | None = None, data_env: dict[str, str] | None = None) -> list[StudentReport]:
    """Grade every submission of ``assignment`` and record the scores in the gradebook.

    Parameters
    ----------
    course_root : Path
        The course folder (nbgrader's layout).
    assignment : str
        A folder of ``solutions/``.
    workers : int
        Notebooks graded at once.
    limits : Limits, optional
        The sandbox's limits (defaults if omitted).
    isolate : bool
        Use bubblewrap where available.
    progress : bool
        Show a progress bar.
    students : list of str, optional
        Grade only these.
    dataset : str, optional
        The notebooks' dataset (``CS231N_DATASET``); default: the environment's.
    data_env : dict, optional
        Further data variables (e.g. ``CS231N_CIFAR10_SUBSET``), see :func:`cs231n_utils.config.data_env`.

    Returns
    -------
    list of StudentReport
        One per student, sorted by student id.
    """
    course_root = Path(course_root).resolve()
    limits = limits or Limits()
    env = {**config.data_env(dataset=dataset), **(data_env or {})}
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
    readonly = tuple(config.data_paths(env))
    slots: queue.Queue[int] = queue.Queue()
    for i in range(max(1, workers)):
        slots.put(i)
    per_job_timeout = limits.cpu_seconds * 2 + 120

    def job(student: str, folder: Path, src: Path) -> tuple[str, JobResult]:
        slot = slots.get()
        scratch, workdir, problem = stage(student, folder, assignment)
        try:
            spec = JobSpec(source=src, release=course_root / "assignments" / assignment / src.name,
                           submission=workdir / src.name, workdir=workdir,
                           out_notebook=staged / student / assignment / src.name,
                           out_result=work / "results" / f"{student}__{src.stem}.json",
                           limits=limits, env=env, readonly=readonly, slot=slot, isolate=isolate,
                           problem=problem)
            return student, launch(spec, per_job_timeout)
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
            student, result = fut.result()
            with lock:
                reports[student].add(result)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    record_in_gradebook(course_root, assignment, staged, list(reports))
    flag_for_review(course_root, assignment, [r for r in reports.values() if r.needs_review])
    rows = [reports[s] for s in sorted(reports)]
    write_report(work, rows, assignment)
    return rows
