"""Grade a whole class: plan a job per submitted notebook, run them on a backend, record the results.

``cs231n-kit grade <assignment> [--backend local|slurm]`` calls :func:`grade_class`, which

1. finds every ``submitted/<student>/<assignment>/`` (:mod:`.collect`) and writes one
   :class:`~.records.JobSpec` per notebook to ``grading/<assignment>/jobs/`` (:func:`plan_jobs`);
2. runs the jobs that have no result yet for the submitted file on the backend (:mod:`.local`:
   a process pool; :mod:`.slurm`: a job array), each job a fresh process that stages its own
   scratch copy (:mod:`.job`), and runs once more the ones that died; a job that dies twice gets a
   flagged result (a human must look), never a silent 0;
3. reads the results, records the executed notebooks in nbgrader's gradebook, marks flagged ones
   for a manual look (:mod:`.gradebook`), and writes the class report (:mod:`.report`).

A re-run grades only what has no result yet (or was submitted again since): an interrupted batch
resumes where it stopped. ``fresh=True`` starts over.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import nbformat

from .. import config, course
from ..outcomes import TestOutcome
from ..submissions import is_test_cell, nbgrader_meta
from .collect import find_submissions
from .gradebook import flag_for_review, record_in_gradebook
from .isolation import choose as choose_isolation
from .job import file_digest, write_atomic
from .local import LocalBackend, log_path
from .rebuild import read_submission, rebuild
from .records import Flag, FlagKind, JobResult, JobSpec, StudentReport
from .report import read_rows, write_report
from .sandbox import Limits

#: The grader's folder in the course: grading/<assignment>/{jobs,executed,results,report.md}.
WORK_DIR = "grading"
#: Runs of a job before it is flagged: the first, and one retry.
ATTEMPTS = 2


class Backend(Protocol):
    """Where jobs run. ``run`` returns when every job has ended, with or without a result."""

    name: str

    def run(self, specs: Sequence[Path], limits: Limits, done: Callable[[Path], None] | None = None) -> None:
        ...


@dataclass(frozen=True)
class PlannedJob:
    """One notebook of one student: the spec's file and the spec."""

    path: Path
    spec: JobSpec

    def finished(self) -> bool:
        """Whether a result exists for the file that was submitted (not an older one)."""
        result = self.spec.out_result
        if not result.is_file():
            return False
        try:
            return JobResult.from_json(result.read_text()).digest == self.spec.digest
        except (OSError, ValueError, KeyError, TypeError):
            return False  # unreadable: grade again


def plan_jobs(course_root: Path, assignment: str, limits: Limits, isolation: str = "auto",
              students: list[str] | None = None, env: dict[str, str] | None = None,
              expected: str = "") -> list[PlannedJob]:
    """Write one JobSpec per (student, notebook) under ``grading/<assignment>/jobs/``.

    ``isolation`` is the mode asked for, ``expected`` the one the batch's probe found ("": each
    job probes where it runs, as on a cluster)."""
    course_root = Path(course_root).resolve()
    env = dict(env or {})
    sources = sorted((course_root / "solutions" / assignment).glob("*.ipynb"))
    if not sources:
        raise course.CourseError(f"no notebook in solutions/{assignment}/")
    if not (course_root / "assignments" / assignment).is_dir():
        course.release(course_root, [assignment])
    subs = [(s, p) for s, p in find_submissions(course_root, assignment) if not students or s in students]
    if not subs:
        raise course.CourseError(f"nothing to grade: no submitted/<student>/{assignment}/ folder")
    work = course_root / WORK_DIR / assignment
    readonly = tuple(config.data_paths(env))
    planned = []
    for student, folder in subs:
        for src in sources:
            name = f"{student}__{src.stem}"
            spec = JobSpec(source=src, release=course_root / "assignments" / assignment / src.name,
                           out_notebook=work / "executed" / student / assignment / src.name,
                           out_result=work / "results" / f"{name}.json", folder=folder, student=student,
                           assignment=assignment, limits=limits, env=env, readonly=readonly,
                           isolation=isolation, expected=expected, digest=file_digest(folder / src.name))
            path = work / "jobs" / f"{name}.json"
            write_atomic(path, spec.to_json())
            planned.append(PlannedJob(path, spec))
    return planned


def _died(job: PlannedJob, attempts: int) -> JobResult:
    """The flagged result of a job that never wrote one, and its notebook for the gradebook.

    The notebook is the submission rebuilt from the source, every test cell showing why it has
    no score, so the gradebook has the student (at 0, marked for a manual grade) rather than
    nothing.
    """
    log = log_path(job.path)
    tail = log.read_text(errors="replace").strip()[-500:] if log.is_file() else ""
    text = (f"the grader could not grade this submission (the job ended without a result "
            f"{attempts} time{'s' if attempts > 1 else ''})" + (f": {tail}" if tail else ""))
    source_nb = nbformat.read(job.spec.source, as_version=4)
    release_nb = nbformat.read(job.spec.release, as_version=4)
    submission, _ = read_submission(job.spec.folder / job.spec.notebook) if job.spec.folder else (None, None)
    nb, _ = rebuild(source_nb, release_nb, submission)
    tests = []
    for cell in filter(is_test_cell, nb.cells):
        meta = nbgrader_meta(cell)
        cell.outputs = [nbformat.v4.new_output("error", ename="GraderFailed", evalue=text, traceback=[text])]
        tests.append(TestOutcome(meta["grade_id"], float(meta.get("points", 0)), 0.0, text))
    write_atomic(job.spec.out_notebook, nbformat.writes(nb))
    return JobResult(tests, [Flag(FlagKind.GRADER_FAILED, text)], digest=job.spec.digest,
                     attempts=attempts)


def run_jobs(jobs: Sequence[PlannedJob], backend: Backend, limits: Limits, progress: bool = True,
             label: str = "grading") -> None:
    """Run the jobs without a result on ``backend``; retry the ones that died; flag what died twice."""
    todo = [j for j in jobs if not j.finished()]
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc=label, unit="nb")
    lock = threading.Lock()

    def done(_spec: Path) -> None:
        if bar is not None:
            with lock:
                bar.update(1)

    for attempt in range(1, ATTEMPTS + 1):
        if not todo:
            break
        if bar is not None and attempt > 1:
            bar.total += len(todo)
            bar.set_description(f"{label} (retry)")
        backend.run([j.path for j in todo], limits, done)
        if attempt > 1:  # the report counts the retries: say so in the results a retry wrote
            for job in filter(PlannedJob.finished, todo):
                result = JobResult.from_json(job.spec.out_result.read_text())
                result.attempts = attempt
                write_atomic(job.spec.out_result, result.to_json())
        todo = [j for j in todo if not j.finished()]
    if bar is not None:
        bar.close()
    for job in todo:
        write_atomic(job.spec.out_result, _died(job, ATTEMPTS).to_json())


def grade_class(course_root: Path, assignment: str, workers: int = 2, limits: Limits | None = None,
                isolation: str = "auto", progress: bool = True, students: list[str] | None = None,
                dataset: str | None = None, data_env: dict[str, str] | None = None,
                backend: Backend | None = None, fresh: bool = False,
                record: bool = True) -> list[StudentReport]:
    """Grade every submission of ``assignment`` and record the scores in the gradebook.

    Parameters
    ----------
    course_root : Path
        The course folder (nbgrader's layout).
    assignment : str
        A folder of ``solutions/``.
    workers : int
        Notebooks graded at once by the default local backend.
    limits : Limits, optional
        The sandbox's limits (defaults if omitted); a cluster backend asks for them per task.
    isolation : str
        ``auto`` (the strongest mode that works here) or one of :data:`.sandbox.MODES`, required.
        With the local backend the modes are probed here before anyone is graded; a cluster's
        jobs probe where they run.
    progress : bool
        Show a progress bar.
    students : list of str, optional
        Grade only these.
    dataset : str, optional
        The notebooks' dataset (``CS231N_DATASET``); default: the environment's.
    data_env : dict, optional
        Further data variables (e.g. ``CS231N_CIFAR10_SUBSET``), see :func:`cs231n_utils.config.data_env`.
    backend : Backend, optional
        Where the jobs run: :class:`~.local.LocalBackend` (default, ``workers`` processes) or
        :class:`~.slurm.SlurmBackend`.
    fresh : bool
        Forget the earlier results of these submissions and grade them again (default: resume,
        grading only the notebooks with no result for the file submitted).
    record : bool
        Record the scores in nbgrader's gradebook and mark flagged submissions for a manual grade
        there (default); False leaves the gradebook alone (the results and the report are
        written either way).

    Returns
    -------
    list of StudentReport
        One per student, sorted by student id.

    Raises
    ------
    IsolationUnavailable
        When the isolation asked for cannot run here (nobody is graded).
    """
    course_root = Path(course_root).resolve()
    limits = limits or Limits()
    env = {**config.data_env(dataset=dataset), **(data_env or {})}
    work = course_root / WORK_DIR / assignment
    backend = backend or LocalBackend(workers)
    expected = ""
    if backend.name == "local" or isolation != "auto":
        expected = choose_isolation(isolation, limits, config.data_paths(env)).mode
    jobs = plan_jobs(course_root, assignment, limits, isolation=isolation, students=students, env=env,
                     expected=expected)
    if fresh:  # forget the results of these jobs (other students' stay)
        for job in jobs:
            job.spec.out_result.unlink(missing_ok=True)
    run_jobs(jobs, backend, limits, progress=progress, label=f"grading {assignment}")
    reports: dict[str, StudentReport] = {}
    for job in jobs:
        report = reports.setdefault(job.spec.student, StudentReport(job.spec.student))
        report.add(JobResult.from_json(job.spec.out_result.read_text()))
    if record:
        record_in_gradebook(course_root, assignment, work / "executed", list(reports))
        flag_for_review(course_root, assignment, [r for r in reports.values() if r.needs_review])
    rows = [reports[s] for s in sorted(reports)]
    write_report(work, _with_the_others(work, rows) if students else rows, assignment)
    return rows


def _with_the_others(work: Path, rows: list[StudentReport]) -> list[StudentReport]:
    """The class for the report after grading a few students (``--student``): ``rows`` and, from
    the last report, every student not regraded now (a full grading reports only what it found)."""
    graded = {r.student for r in rows}
    try:
        earlier = [r for r in read_rows(work) if r.student not in graded]
    except (FileNotFoundError, ValueError):
        earlier = []
    return sorted([*rows, *earlier], key=lambda r: r.student)
