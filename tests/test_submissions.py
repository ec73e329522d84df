"""Tests of cs231n_utils.submissions: building submissions from source and student notebooks."""

import nbformat
import pytest

from cs231n_utils.submissions import answer_cells, build_submission, strip_solution_markers

from .toy_course import released_toy_course

#: One worker runs the whole module, so its module fixture is built once (not once per worker).
pytestmark = pytest.mark.xdist_group("submissions")


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = released_toy_course(tmp_path_factory.mktemp("toy"))
    return (nbformat.read(root / "assignments/toy/toy.ipynb", as_version=4),
            nbformat.read(root / "solutions/toy/toy.ipynb", as_version=4))


def test_strip_markers_keeps_the_code_between():
    src = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    assert strip_solution_markers(src) == "def f():\n    return 1\n"


def test_release_replaced_the_solution_with_a_stub(toy):
    student, _ = toy
    assert "NotImplementedError" in answer_cells(student)["row_means"].source
    assert "HIDDEN" not in "".join(c.source for c in student.cells)


def test_fill_all_overrides_and_copy_semantics(toy):
    student, solution = toy
    full = build_submission(student, solution)
    assert "return X.mean(axis=1)" in answer_cells(full)["row_means"].source
    assert "BEGIN SOLUTION" not in answer_cells(full)["row_means"].source
    blank = build_submission(student, solution, fill=[])
    assert "NotImplementedError" in answer_cells(blank)["row_means"].source
    wrong = build_submission(student, solution, overrides={"row_means": "def row_means(X): pass"})
    assert answer_cells(wrong)["row_means"].source == "def row_means(X): pass"
    assert "NotImplementedError" in answer_cells(student)["row_means"].source  # input untouched


def test_unknown_grade_ids_are_explained(toy):
    student, solution = toy
    with pytest.raises(ValueError, match=r"no answer cell.*nope.*row_means"):
        build_submission(student, solution, overrides={"nope": ""})
