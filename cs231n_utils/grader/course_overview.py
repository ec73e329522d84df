"""The course at a glance: one row per student, one column per graded assignment, the totals.

:func:`read_overview` reads every ``grading/<assignment>/report.json`` the grader wrote (the
rows of :class:`~.records.StudentReport`) into a :class:`CourseOverview`; the report renders it
as ``grading/report.html`` and ``grading/overview.csv``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .records import StudentReport


@dataclass(frozen=True)
class AssignmentColumn:
    """One graded assignment: its name, its points, and each student's report (by student)."""

    name: str
    points: float
    reports: dict[str, StudentReport]


@dataclass(frozen=True)
class CourseOverview:
    """Every graded assignment of a course, in course order."""

    assignments: tuple[AssignmentColumn, ...]
    notes: tuple[str, ...] = ()  #: reports that could not be read, in words

    @property
    def students(self) -> list[str]:
        return sorted({s for a in self.assignments for s in a.reports})

    @property
    def points(self) -> float:
        return sum(a.points for a in self.assignments)

    def total(self, student: str) -> float:
        """Points over every assignment (a missing submission counts 0)."""
        return sum(a.reports[student].score for a in self.assignments if student in a.reports)

    def needs_review(self, student: str) -> list[str]:
        """The assignments whose submission of ``student`` waits for a human."""
        return [a.name for a in self.assignments
                if student in a.reports and a.reports[student].needs_review]


def read_overview(grading: Path, order: list[str] | None = None) -> CourseOverview:
    """The overview of every ``grading/<assignment>/report.json`` under ``grading``.

    Parameters
    ----------
    grading : Path
        The course's ``grading`` folder.
    order : list of str, optional
        Assignments in course order (:func:`cs231n_utils.course.source_assignments`); graded
        assignments it does not name follow in alphabetical order.

    Returns
    -------
    CourseOverview
    """
    found = sorted(p.parent.name for p in Path(grading).glob("*/report.json"))
    order = [a for a in (order or []) if a in found] + [a for a in found if a not in (order or [])]
    columns, notes = [], []
    for name in order:
        path = Path(grading) / name / "report.json"
        try:
            rows = [StudentReport.from_dict(r) for r in json.loads(path.read_text())]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            notes.append(f"{name}/report.json could not be read ({exc}): left out")
            continue
        points = max((r.max_score for r in rows), default=0.0)
        columns.append(AssignmentColumn(name, points, {r.student: r for r in rows}))
    return CourseOverview(tuple(columns), tuple(notes))
