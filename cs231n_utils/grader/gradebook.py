"""Record executed notebooks in nbgrader's gradebook, so feedback, export and the formgrader work."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import course
from .records import StudentReport


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
