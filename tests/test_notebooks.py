"""End to end: the committed student notebooks match solutions/, the README's demo grades a
class correctly, and every solution earns full marks on the real CIFAR-10 subset."""

import os
from pathlib import Path

import pytest

from cs231n_utils import course
from cs231n_utils.cli import build_demo_course, check_sync
from cs231n_utils.grader.batch import grade_class

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = course.source_assignments(REPO)

pytestmark = pytest.mark.slow


def test_committed_student_notebooks_are_in_sync_with_solutions():
    problems = check_sync(REPO)
    assert not problems, "run `cs231n-kit release` and commit:\n" + "\n".join(problems)


def test_student_notebooks_carry_no_outputs_or_solutions():
    import nbformat

    for path in sorted((REPO / "assignments").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            assert "BEGIN SOLUTION" not in cell.source and "BEGIN HIDDEN TESTS" not in cell.source, path
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path


def _top_level_functions(source: str) -> list[str]:
    """Names of the functions a cell defines at its top level (magics and shell lines skipped)."""
    import ast

    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return [n.name for n in ast.parse("\n".join(lines)).body if isinstance(n, ast.FunctionDef)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_helper_is_defined_twice_in_a_notebook(assignment):
    """A test helper or hidden reference lives in one cell; later cells reuse it (no pasted copies)."""
    nb = course.read_notebook(REPO / "solutions" / assignment / f"{assignment}.ipynb")
    where: dict[str, list[int]] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            for name in _top_level_functions(cell.source):
                where.setdefault(name, []).append(index)
    twice = {name: cells for name, cells in where.items() if len(cells) > 1}
    assert not twice, f"{assignment}: functions defined in more than one cell (cells): {twice}"


def test_demo_grades_full_blank_and_half_on_digits(demo_class):
    """The README's first command, on the SVM assignment: full marks, zero, and in between."""
    assert demo_class.returncode == 0, demo_class.stderr
    rows = {r.student: r for r in course.grade_table(demo_class.root, "svm")}
    assert rows["full"].auto_score == rows["full"].auto_max > 0, demo_class.stdout
    assert rows["blank"].auto_score == 0
    assert 0 < rows["half"].auto_score < rows["half"].auto_max
    assert "| full |" in demo_class.stdout


@pytest.fixture(scope="module")
def subset_path():
    path = Path(os.environ.get("CS231N_CIFAR10_SUBSET",
                               REPO.parent / "shared" / "data" / "cifar10_subset.npz"))
    if not path.is_file():
        pytest.skip("the shared CIFAR-10 subset is not present")
    return path


@pytest.mark.skipif(os.environ.get("CS231N_REAL_DATA") != "1",
                    reason="each solution graded on the CIFAR-10 subset (about 3 minutes): a CI step of "
                           "its own (.ci/run), set CS231N_REAL_DATA=1")
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_earns_full_marks_on_the_cifar10_subset(assignment, subset_path, tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv("CS231N_DATASET", "cifar10-subset")
    monkeypatch.setenv("CS231N_CIFAR10_SUBSET", str(subset_path))
    root = tmp_path / "course"
    build_demo_course(REPO, root, [assignment])
    rows = {r.student: r for r in grade_class(root, assignment, workers=1, progress=False,
                                                      students=["full"])}
    full = rows["full"]
    assert full.score == full.max_score > 0, [t for t in full.tests if not t.passed]
    assert not full.needs_review, full.flags
