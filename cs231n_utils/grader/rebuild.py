"""Rebuild the notebook to grade from the instructor's source and a submission's answers.

A pure function of three notebooks: every cell comes from ``solutions/``, except the answer
cells, whose text is taken from the submission by grade_id. Whatever the submission did to the
rest (edited tests, changed points, duplicated, deleted or unknown cells) is ignored and
reported as a :class:`~cs231n_utils.grader.records.Flag`.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from ..submissions import nbgrader_meta
from .records import Flag, FlagKind


def read_submission(path: Path) -> tuple[NotebookNode | None, str | None]:
    """Parse a submitted notebook without trusting it. Returns (notebook, problem)."""
    if Path(path).is_symlink():
        return None, f"{Path(path).name} is a symbolic link (not followed): submit the notebook itself"
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return None, f"cannot read {Path(path).name}: {exc.strerror}"
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, f"{Path(path).name} is not valid notebook JSON ({exc})"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, f"{Path(path).name} has no list of cells"
    cells = [c for c in data["cells"] if isinstance(c, dict)]
    for c in cells:
        src = c.get("source", "")
        c["source"] = "".join(src) if isinstance(src, list) else str(src)
        if not isinstance(c.get("metadata"), dict):
            c["metadata"] = {}
    return nbformat.from_dict({"cells": cells}), None


def rebuild(source_nb: NotebookNode, release_nb: NotebookNode,
            submission: NotebookNode | None) -> tuple[NotebookNode, list[Flag]]:
    """The notebook to grade: the source notebook with the submission's answers.

    Returns the notebook and the flags raised while matching cells.
    """
    flags: list[Flag] = []
    nb = nbformat.from_dict(source_nb)
    stubs = {nbgrader_meta(c).get("grade_id"): c.source for c in release_nb.cells
             if nbgrader_meta(c).get("solution")}
    released = {nbgrader_meta(c).get("grade_id"): c for c in release_nb.cells
                if nbgrader_meta(c).get("grade_id")}
    answers: dict[str, str] = {}
    if submission is not None:
        seen: dict[str, int] = {}
        for cell in submission.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            gid = meta.get("grade_id") if isinstance(meta, dict) else None
            if not isinstance(gid, str):
                continue
            seen[gid] = seen.get(gid, 0) + 1
            trusted = released.get(gid)
            if trusted is None:
                flags.append(Flag(FlagKind.UNKNOWN_CELL,
                                  f"unknown cell id {gid!r} in the submission (ignored)"))
                continue
            if nbgrader_meta(trusted).get("solution"):
                if seen[gid] == 1:
                    answers[gid] = str(cell.get("source", ""))
            else:
                if str(cell.get("source", "")) != trusted.source:
                    flags.append(Flag(FlagKind.EDITED_CELL,
                                      f"read-only cell {gid!r} was edited (the original was graded)"))
                if meta.get("points", nbgrader_meta(trusted).get("points")) != nbgrader_meta(trusted).get(
                        "points"):
                    flags.append(Flag(FlagKind.CHANGED_POINTS,
                                      f"points of {gid!r} were changed (the original points count)"))
        for gid, n in seen.items():
            if n > 1:
                flags.append(Flag(FlagKind.DUPLICATE_CELL,
                                  f"cell {gid!r} appears {n} times (the first copy was graded)"))
        for gid in stubs:
            if gid not in answers:
                flags.append(Flag(FlagKind.MISSING_CELL,
                                  f"answer cell {gid!r} is missing from the submission"))
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            gid = meta["grade_id"]
            cell.source = answers.get(gid, stubs.get(gid, cell.source))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb, flags
