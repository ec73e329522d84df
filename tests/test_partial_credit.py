"""Partial credit per requirement, scored the same by the kit's grader, plain nbgrader and the self-check.

A tiny course whose one test cell splits its 2 points over three requirements with a
:class:`~cs231n_utils.grading.Rubric`. Each submission breaks a different requirement; every
grader must give it exactly the share of the requirements it meets, and say which one failed.
"""

import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cs231n_utils import course, selfcheck
from cs231n_utils.grader.batch import grade_class
from cs231n_utils.grader.sandbox import Limits
from cs231n_utils.submissions import build_submission, write_submission

from .conftest import GRADING_WORKERS
from .toy_course import REPO, _meta

#: One worker runs the whole module, so its module fixture is built once (not once per worker).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("partial-credit")]

RUBRIC_TEST = '''# row_means: values, inputs unchanged, no loops
rng = np.random.default_rng(0)
rubric = Rubric("row_means", points=2)
with rubric.requirement("values on a 7x5 matrix", 1):
    X = rng.standard_normal((7, 5))
    assert_close(row_means(X.copy()), X.mean(axis=1), "row means", inputs=(X,))
with rubric.requirement("X left unchanged", 0.5, requires="values on a 7x5 matrix"):
    X = rng.standard_normal((7, 5))
    X0 = X.copy()
    row_means(X)
    assert (X == X0).all(), "row_means modified X in place: work on a copy"
with rubric.requirement("no Python loops", 0.5, requires="values on a 7x5 matrix"):
    assert_no_python_loops(row_means)
rubric.score()
'''

# name -> (answer cell, score of the rubric cell, the requirement named in its message)
CASES = {
    "full": (None, 2.0, ""),
    "blank": ("", 0.0, "values"),
    "loopy": ("def row_means(X):\n    return np.array([r.mean() for r in X])\n", 1.5, "no Python loops"),
    "mutates": ("def row_means(X):\n    X -= 0.5\n    return X.mean(axis=1) + 0.5\n", 1.5,
                "X left unchanged"),
    "warns": ("def row_means(X):\n    np.exp(np.full(1, 1e3))\n    return X.mean(axis=1)\n", 0.0, "values"),
    # log(0) in a value the function discards: the result is right, the warning only a note
    "log0_discarded": ("def row_means(X):\n    np.log(np.zeros(1))\n    return X.mean(axis=1)\n", 2.0, ""),
    "float32": ("def row_means(X):\n    return X.astype(np.float32).mean(axis=1)\n", 2.0, ""),
    "stub": ("def row_means(X):\n    X0 = X\n    return np.zeros(X0.shape[0])\n", 0.0, "values"),
}


def _notebook():
    cells = [
        new_code_cell("import numpy as np\nfrom cs231n_utils.grading import Rubric, assert_close, "
                      "assert_no_python_loops",
                      metadata={**_meta(grade_id="imports", locked=True), "tags": ["setup"]}),
        new_code_cell('def row_means(X):\n    """Mean of each row of X (N, D) -> (N,)."""\n'
                      "    ### BEGIN SOLUTION\n    return X.mean(axis=1)\n    ### END SOLUTION",
                      metadata=_meta(grade_id="row_means", solution=True)),
        new_code_cell(RUBRIC_TEST, metadata=_meta(grade_id="test_row_means", grade=True, locked=True,
                                                 points=2)),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})


def _course(root):
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "solutions" / "partial").mkdir(parents=True)
    nbformat.write(_notebook(), root / "solutions" / "partial" / "partial.ipynb")
    course.release(root, ["partial"])
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = _course(tmp_path_factory.mktemp("partial") / "course")
    student_nb = nbformat.read(root / "assignments/partial/partial.ipynb", as_version=4)
    solution_nb = nbformat.read(root / "solutions/partial/partial.ipynb", as_version=4)
    for name, (answer, _, _) in CASES.items():
        if answer is None:
            nb = build_submission(student_nb, solution_nb)
        elif answer == "":
            nb = build_submission(student_nb, solution_nb, fill=[])
        else:
            nb = build_submission(student_nb, solution_nb, overrides={"row_means": answer})
        write_submission(nb, root, name, "partial", "partial.ipynb")
    rows = grade_class(root, "partial", workers=GRADING_WORKERS, limits=Limits(cell_seconds=20),
                       progress=False)
    return root, {r.student: r for r in rows}


def test_the_kit_grader_gives_each_requirement_its_share(graded):
    _, rows = graded
    for name, (_, score, failed) in CASES.items():
        (test,) = rows[name].tests
        assert test.score == score and rows[name].score == score, (name, test)
        assert test.passed == (score == 2.0), (name, test)
        assert not rows[name].needs_review, (name, rows[name].flags)
        if failed:
            assert failed in test.message, (name, test.message)


def test_the_gradebook_and_the_report_record_the_shares(graded):
    root, rows = graded
    book = {r.student: r for r in course.grade_table(root, "partial")}
    for name, (_, score, _) in CASES.items():
        assert book[name].auto_score == score, name
    page = (root / "grading/partial/report.html").read_text()  # the class report's student details
    assert "<code>test_row_means</code> 1.5 / 2: X left unchanged" in page
    assert "X left unchanged" in (root / "grading/partial/requirements.csv").read_text()


def test_plain_nbgrader_gives_the_same_shares(graded, tmp_path):
    root, _ = graded
    plain = _course(tmp_path / "plain")
    for name in CASES:
        shutil.copytree(root / "submitted" / name, plain / "submitted" / name)
    course.autograde(plain, "partial")
    book = {r.student: r for r in course.grade_table(plain, "partial")}
    for name, (_, score, _) in CASES.items():
        assert book[name].cells["test_row_means"] == (score, 2.0), name


@pytest.mark.parametrize("name", ["full", "loopy", "blank"])
def test_the_self_check_gives_the_same_shares(graded, name):
    root, _ = graded
    report = selfcheck.check_notebook(root / "submitted" / name / "partial" / "partial.ipynb", timeout=60)
    (result,) = [r for r in report.results if r.kind == "test"]
    _, score, failed = CASES[name]
    assert result.score == score
    assert result.status == {"full": "passed", "loopy": "partial", "blank": "not attempted"}[name]
    assert failed in result.message
