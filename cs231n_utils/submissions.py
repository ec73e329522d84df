"""Build student submissions from the solution and student notebooks.

Used by the demo class, the tests and the catalog of wrong implementations: a submission is
the released student notebook with some answer cells filled in — from the solution, or
with a given replacement source (a deliberately wrong implementation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nbformat is imported where it is used: importing it costs a notebook a second
    from nbformat import NotebookNode

#: nbgrader's markers, defined here once: the solution inside an answer cell, hidden tests
#: inside a test cell (each on a line of its own, after ``### ``).
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"

_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def nbgrader_meta(cell: NotebookNode) -> dict:
    """The cell's nbgrader metadata (empty dict when it has none)."""
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def is_test_cell(cell: NotebookNode) -> bool:
    """An autograded test cell: a graded code cell that is not an answer."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def answer_cells(nb: NotebookNode) -> dict[str, NotebookNode]:
    """Map grade_id to cell for every cell a student is meant to fill in."""
    out = {}
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            out[meta["grade_id"]] = cell
    return out


def strip_solution_markers(source: str) -> str:
    """Remove nbgrader's ``### BEGIN/END SOLUTION`` lines, keeping the code between them."""
    return _MARKER.sub("", source)


def build_submission(
    student_nb: NotebookNode,
    solution_nb: NotebookNode,
    fill: Iterable[str] | str = "all",
    overrides: Mapping[str, str] | None = None,
) -> NotebookNode:
    """A copy of ``student_nb`` with answer cells filled in.

    Parameters
    ----------
    student_nb : NotebookNode
        The released student version.
    solution_nb : NotebookNode
        The instructor's source notebook (solutions/<assignment>/<name>.ipynb).
    fill : "all" or iterable of grade_id
        Answer cells to fill with the solution's answer.
    overrides : mapping grade_id -> source
        Answer cells to fill with this source instead (applied after ``fill``).

    Returns
    -------
    NotebookNode
        A new notebook; the inputs are not modified.
    """
    overrides = dict(overrides or {})
    import nbformat

    nb = nbformat.from_dict(student_nb)  # deep copy
    student_cells = answer_cells(nb)
    solution_cells = answer_cells(solution_nb)
    wanted = set(student_cells) if fill == "all" else set(fill)
    unknown = (wanted | set(overrides)) - set(student_cells)
    if unknown:
        raise ValueError(
            f"no answer cell with grade_id {sorted(unknown)} in the student notebook; "
            f"its answer cells are {sorted(student_cells)}"
        )
    for grade_id in wanted:
        if grade_id not in solution_cells:
            raise ValueError(f"the solution notebook has no answer cell {grade_id!r}")
        student_cells[grade_id].source = strip_solution_markers(solution_cells[grade_id].source)
    for grade_id, source in overrides.items():
        student_cells[grade_id].source = source
    return nb


def write_submission(nb: NotebookNode, course_root: Path, student: str, assignment: str,
                     filename: str) -> Path:
    """Write ``nb`` to ``course_root/submitted/<student>/<assignment>/<filename>``."""
    import nbformat

    dest = Path(course_root) / "submitted" / student / assignment / filename
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return dest
