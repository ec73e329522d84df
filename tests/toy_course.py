"""A tiny nbgrader course (one assignment, ``toy``) for fast tests of the grading pipeline."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cs231n_utils import course

from .releases import released_copy

REPO = Path(__file__).resolve().parents[1]


def _meta(**kw):
    base = {"grade": False, "locked": False, "solution": False, "schema_version": 3, "task": False}
    base.update(kw)
    return {"nbgrader": base}


def toy_source_notebook() -> nbformat.NotebookNode:
    """Source notebook: a setup cell, one answer cell, a visible and a hidden test, a question."""
    cells = [
        new_code_cell("import numpy as np\nfrom cs231n_utils.grading import assert_close, "
                      "assert_no_python_loops",
                      metadata={**_meta(grade_id="imports", locked=True), "tags": ["setup"]}),
        new_code_cell('def row_means(X):\n    """Mean of each row of X (N, D) -> (N,)."""\n'
                      "    ### BEGIN SOLUTION\n    return X.mean(axis=1)\n    ### END SOLUTION",
                      metadata=_meta(grade_id="row_means", solution=True)),
        new_code_cell("# row means of a small matrix\n"
                      "assert_close(row_means(np.array([[1., 3.], [2., 4.]])), [2., 3.], 'row means')",
                      metadata=_meta(grade_id="test_row_means", grade=True, locked=True, points=1)),
        new_code_cell("# other shapes, inputs unchanged, no loops\n### BEGIN HIDDEN TESTS\n"
                      "rng = np.random.default_rng(0)\nX = rng.standard_normal((7, 5))\nX0 = X.copy()\n"
                      "assert_close(row_means(X), X0.mean(axis=1), 'row means')\n"
                      "assert (X == X0).all(), 'X was modified'\n"
                      "assert_no_python_loops(row_means)\n### END HIDDEN TESTS",
                      metadata=_meta(grade_id="test_row_means_hidden", grade=True, locked=True, points=2)),
        new_markdown_cell("Why is the mean a good summary?",
                          metadata=_meta(grade_id="q_why", grade=True, solution=True, points=1)),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})


def make_toy_course(root: Path) -> Path:
    """Write a course folder with solutions/toy/toy.ipynb and the kit's nbgrader config."""
    root.mkdir(parents=True, exist_ok=True)
    config = (REPO / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(config)
    (root / "solutions" / "toy").mkdir(parents=True, exist_ok=True)
    nbformat.write(toy_source_notebook(), root / "solutions" / "toy" / "toy.ipynb")
    shutil.rmtree(root / "assignments", ignore_errors=True)
    return root


def released_toy_course(root: Path) -> Path:
    """:func:`make_toy_course`, released (built once per test session and copied)."""
    def build(folder: Path) -> None:
        make_toy_course(folder)
        course.release(folder, ["toy"])

    return released_copy("toy", build, Path(root))
