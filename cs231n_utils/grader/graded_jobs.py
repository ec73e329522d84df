"""The jobs of a graded assignment as the report needs them: who, which notebook, what came out.

A batch leaves ``grading/<assignment>/jobs/<student>__<notebook>.json`` (the
:class:`~.records.JobSpec`) and ``results/<same name>.json`` (the :class:`~.records.JobResult`)
for every notebook it graded, and the executed notebook under ``executed/``. The class report
reads them for its grading facts (isolation, time per job, retries) and to link each flagged
submission to the notebook the grader kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .records import FlagKind, JobResult, JobSpec


@dataclass(frozen=True)
class GradedJob:
    """One graded notebook of one student.

    Attributes
    ----------
    student : str
    notebook : str
        The notebook's file name, e.g. ``"svm.ipynb"``.
    result : JobResult
    executed : str
        The executed notebook's path relative to the assignment's grading folder (POSIX
        separators), "" when the grader kept none there.
    """

    student: str
    notebook: str
    result: JobResult
    executed: str = ""

    @property
    def died(self) -> bool:
        """Whether the job never produced a result of its own (the batch's flagged stand-in)."""
        return any(f.kind is FlagKind.GRADER_FAILED for f in self.result.flags)


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return ""


def read_graded_jobs(folder: Path, students: Iterable[str] | None = None) -> list[GradedJob]:
    """Every job of ``folder`` (``grading/<assignment>``) that has a readable spec and result.

    Parameters
    ----------
    folder : Path
        The assignment's grading folder.
    students : iterable of str, optional
        Only these students' jobs (the ones the report is about).

    Returns
    -------
    list of GradedJob
        Sorted by student, then notebook; empty when the folder has no jobs (a report rebuilt
        from ``report.json`` alone).
    """
    folder = Path(folder)
    wanted = None if students is None else set(students)
    jobs = []
    for spec_path in sorted((folder / "jobs").glob("*.json")):
        try:
            spec = JobSpec.from_json(spec_path.read_text())
            result = JobResult.from_json((folder / "results" / spec_path.name).read_text())
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a spec, or never graded: nothing to report
        if wanted is not None and spec.student not in wanted:
            continue
        executed = folder / "executed" / spec.student / spec.assignment / spec.notebook
        if not executed.is_file():
            executed = spec.out_notebook
        kept = _relative(executed, folder) if executed.is_file() else ""
        jobs.append(GradedJob(spec.student, spec.notebook, result, kept))
    jobs.sort(key=lambda j: (j.student, j.notebook))
    return jobs
