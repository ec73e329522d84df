"""Grades for the LMS: nbgrader's gradebook as a CSV that Canvas's gradebook import reads.

Canvas imports a CSV laid out like its own gradebook export: the columns ``Student``, ``ID``,
``SIS User ID``, ``SIS Login ID`` and ``Section``, then one column per assignment; a second row
whose ``Student`` is ``Points Possible`` gives each column's points. A column whose name matches
no Canvas assignment creates one (an existing one is matched by its exported name, e.g.
``svm (12345)``). Each student row is matched on ``ID`` (Canvas's user id, nbgrader's
``lms_user_id``) or ``SIS Login ID`` (nbgrader's student id).

:func:`canvas_rows` writes, per assignment, the total after nbgrader's late penalty
(``submission.late_submission_penalty``, as nbgrader's own CSV export computes it) and, per
graded cell (a part), the points it earned; an ungraded written answer is left blank, which
Canvas reads as "no grade" rather than 0.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

#: Canvas's identifying columns, in its order.
IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"


@dataclass(frozen=True)
class Column:
    """One Canvas gradebook column: an assignment's total, or one of its parts (a graded cell)."""

    assignment: str
    part: str | None  #: the graded cell's grade_id; None for the assignment's total
    points: float

    @property
    def header(self) -> str:
        return self.assignment if self.part is None else f"{self.assignment}: {self.part}"


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{round(value, 4):g}"


def canvas_rows(gradebook_db: Path, assignments: list[str] | None = None,
                parts: bool = True) -> list[list[str]]:
    """The rows of Canvas's gradebook-import CSV, header and ``Points Possible`` first.

    Parameters
    ----------
    gradebook_db : Path
        nbgrader's ``gradebook.db``.
    assignments : list of str, optional
        Only these (default: every assignment of the gradebook, in its order).
    parts : bool
        Add a column per graded cell after each assignment's total. Canvas counts every
        column in the course total: put the parts in an assignment group weighted 0, or
        leave them out.

    Returns
    -------
    list of list of str
    """
    from nbgrader.api import Gradebook, MissingEntry

    if not Path(gradebook_db).is_file():
        raise FileNotFoundError(f"no gradebook at {gradebook_db}: grade the class first")
    with Gradebook(f"sqlite:///{Path(gradebook_db).resolve()}") as gb:
        chosen = [a for a in gb.assignments if not assignments or a.name in assignments]
        unknown = sorted(set(assignments or []) - {a.name for a in chosen})
        if unknown:
            known = [a.name for a in gb.assignments]
            raise ValueError(f"no assignment {unknown} in the gradebook; it has {known}")
        columns: list[Column] = []
        for a in chosen:
            columns.append(Column(a.name, None, float(a.max_score)))
            if parts:
                for nb in a.notebooks:
                    for cell in [*nb.grade_cells, *nb.task_cells]:
                        columns.append(Column(a.name, cell.name, float(cell.max_score)))
        rows = [[*IDENTITY, *(c.header for c in columns)],
                [POINTS_POSSIBLE, "", "", "", "", *(_fmt(c.points) for c in columns)]]
        for student in sorted(gb.students, key=lambda s: s.id):
            name = (f"{student.last_name}, {student.first_name}" if student.last_name and student.first_name
                    else student.id)
            row = [name, student.lms_user_id or "", "", student.id, ""]
            cells: dict[tuple[str, str | None], float | None] = {}
            for a in chosen:
                try:
                    sub = gb.find_submission(a.name, student.id)
                except MissingEntry:
                    cells[(a.name, None)] = 0.0  # nothing submitted: 0, as nbgrader's export says
                    continue
                cells[(a.name, None)] = max(0.0, float(sub.score) - float(sub.late_submission_penalty or 0))
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        graded = grade.manual_score is not None or grade.auto_score is not None
                        cells[(a.name, grade.name)] = float(grade.score) if graded else None
            row += [_fmt(cells.get((c.assignment, c.part))) for c in columns]
            rows.append(row)
    return rows


def export_canvas(course_root: Path, to: Path | None = None, assignments: list[str] | None = None,
                  parts: bool = True) -> Path:
    """Write :func:`canvas_rows` of the course's gradebook to ``to`` (default ``canvas_grades.csv``)."""
    to = Path(to) if to else Path(course_root) / "canvas_grades.csv"
    rows = canvas_rows(Path(course_root) / "gradebook.db", assignments, parts)
    with open(to, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return to
