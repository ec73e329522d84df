"""Unit tests of the notebook rebuild: a pure function, one flag per kind of tampering."""

import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from cs231n_utils.grader.rebuild import read_submission, rebuild
from cs231n_utils.grader.records import FlagKind


def _meta(**kw):
    return {"nbgrader": {"schema_version": 3, "grade": False, "solution": False, "locked": False, **kw}}


def source_nb():
    """Instructor's source: an answer cell with its solution, a test cell with a hidden part."""
    return new_notebook(cells=[
        new_code_cell("import numpy as np", metadata=_meta(grade_id="setup", locked=True)),
        new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                      metadata=_meta(grade_id="answer", solution=True)),
        new_code_cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(3) == 6\n### END HIDDEN TESTS",
                      metadata=_meta(grade_id="test", grade=True, locked=True, points=2)),
        new_markdown_cell("YOUR ANSWER HERE", metadata=_meta(grade_id="written", grade=True, solution=True,
                                                             points=1)),
    ])


def release_nb():
    """The released student version of :func:`source_nb`."""
    nb = source_nb()
    nb.cells[1].source = "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    nb.cells[2].source = "assert f(1) == 2\n"
    return nb


def submission(answer="def f(x):\n    return x + x"):
    nb = release_nb()
    nb.cells[1].source = answer
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="old output")]
    return nb


def kinds(flags):
    return [f.kind for f in flags]


def test_an_honest_submission_keeps_the_instructors_cells_and_its_answers():
    nb, flags = rebuild(source_nb(), release_nb(), submission())
    assert flags == []
    assert nb.cells[1].source == "def f(x):\n    return x + x"
    assert "BEGIN HIDDEN TESTS" in nb.cells[2].source  # the source's test, hidden part included
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def test_the_inputs_are_not_changed():
    src, rel, sub = source_nb(), release_nb(), submission()
    before = [json.dumps(x, sort_keys=True) for x in (src, rel, sub)]
    rebuild(src, rel, sub)
    assert [json.dumps(x, sort_keys=True) for x in (src, rel, sub)] == before


def test_an_edited_test_is_flagged_and_the_original_graded():
    sub = submission()
    sub.cells[2].source = "pass"
    nb, flags = rebuild(source_nb(), release_nb(), sub)
    assert kinds(flags) == [FlagKind.EDITED_CELL] and flags[0].needs_review
    assert nb.cells[2].source == source_nb().cells[2].source


def test_changed_points_are_flagged_and_the_original_points_count():
    sub = submission()
    sub.cells[2].metadata["nbgrader"]["points"] = 100
    nb, flags = rebuild(source_nb(), release_nb(), sub)
    assert kinds(flags) == [FlagKind.CHANGED_POINTS] and flags[0].needs_review
    assert nb.cells[2].metadata["nbgrader"]["points"] == 2


def test_a_duplicated_answer_is_flagged_and_the_first_copy_graded():
    sub = submission("def f(x):\n    return 2 * x")
    extra = nbformat.from_dict(sub.cells[1])
    extra.source = "def f(x):\n    return 0"
    sub.cells.insert(2, extra)
    nb, flags = rebuild(source_nb(), release_nb(), sub)
    assert kinds(flags) == [FlagKind.DUPLICATE_CELL] and "appears 2 times" in flags[0].text
    assert nb.cells[1].source == "def f(x):\n    return 2 * x" and len(nb.cells) == 4


def test_a_deleted_answer_is_flagged_and_the_stub_graded():
    sub = submission()
    del sub.cells[1]
    nb, flags = rebuild(source_nb(), release_nb(), sub)
    assert FlagKind.MISSING_CELL in kinds(flags)
    assert "NotImplementedError" in nb.cells[1].source


def test_an_unknown_cell_is_ignored_without_review():
    sub = submission()
    sub.cells.append(new_code_cell("x = 1", metadata=_meta(grade_id="mine", solution=True)))
    nb, flags = rebuild(source_nb(), release_nb(), sub)
    assert kinds(flags) == [FlagKind.UNKNOWN_CELL] and not flags[0].needs_review
    assert len(nb.cells) == 4


def test_no_submission_grades_the_released_stubs():
    nb, flags = rebuild(source_nb(), release_nb(), None)
    assert flags == [] and "NotImplementedError" in nb.cells[1].source


@pytest.mark.parametrize("content, problem", [
    (b'{"cells": [', "not valid notebook JSON"),
    (b"\xff\xfe", "not valid notebook JSON"),
    (b'{"metadata": {}}', "no list of cells"),
])
def test_an_unreadable_notebook_is_reported(tmp_path, content, problem):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(content)
    nb, why = read_submission(path)
    assert nb is None and problem in why
