"""The trusted grading path on a tiny course: honest work scored as nbgrader scores it,
cheats and faults contained, every verdict as expected, in one batch."""

import json
import shutil

import nbformat
import pytest

from cs231n_utils import course
from cs231n_utils.grader.batch import grade_class
from cs231n_utils.grader.sandbox import Limits
from cs231n_utils.submissions import build_submission, write_submission

from .conftest import GRADING_WORKERS
from .toy_course import released_toy_course

#: One worker runs the whole module, so its module fixture is built once (not once per worker).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("trusted")]

WRONG = "def row_means(X):\n    return X.sum(axis=1)\n"
# name -> (answer source or None for the solution, expected score, needs review)
CASES = {
    "honest_full": (None, 3, False),
    "honest_blank": ("", 0, False),
    "honest_loopy": ("def row_means(X):\n    return np.array([r.mean() for r in X])\n", 1, False),
    "honest_mutates": ("def row_means(X):\n    X -= 0.5\n    return X.mean(axis=1) + 0.5\n", 1, False),
    "cheat_strip_asserts": (
        "import ast\nclass _Strip(ast.NodeTransformer):\n"
        "    def visit_Assert(self, node):\n        return ast.Pass()\n"
        "get_ipython().ast_transformers.append(_Strip())\n" + WRONG, 0, False),
    "cheat_input_transformer": (
        "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n" + WRONG, 0, False),
    "cheat_patch_numpy": (
        "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = "
        "lambda *a, **k: None\n" + WRONG, 0, False),
    # {root} is replaced by the course folder: the worst case, a student who knows the path.
    "cheat_read_hidden_tests": (
        "leaked = ''\nfor p in ['{root}/solutions/toy/toy.ipynb', '../../../solutions/toy/toy.ipynb']:\n"
        "    try:\n        leaked += open(p).read()\n    except OSError:\n        pass\n"
        "assert 'HIDDEN' not in leaked, 'the hidden tests were readable'\n" + WRONG, 0, False),
    "cheat_write_gradebook": (
        "try:\n    open('{root}/gradebook.db', 'w').write('x')\nexcept OSError:\n    pass\n" + WRONG,
        0, False),
    "cheat_fake_source": (
        "exec('def row_means(X):\\n    return np.array([r.mean() for r in X])')\n", 1, False),
    "fault_infinite_loop": ("while True:\n    pass\n", 0, True),
    "fault_exit": ("import os\nos._exit(1)\n", 0, True),
}


def _expected_score(student):
    return CASES[student][1]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = released_toy_course(tmp_path_factory.mktemp("toy"))
    student_nb = nbformat.read(root / "assignments/toy/toy.ipynb", as_version=4)
    solution_nb = nbformat.read(root / "solutions/toy/toy.ipynb", as_version=4)
    for name, (answer, _, _) in CASES.items():
        if answer is None:
            nb = build_submission(student_nb, solution_nb)
        elif answer == "":
            nb = build_submission(student_nb, solution_nb, fill=[])
        else:
            answer = answer.replace("{root}", str(root))
            nb = build_submission(student_nb, solution_nb, overrides={"row_means": answer})
        write_submission(nb, root, name, "toy", "toy.ipynb")
    # Malformed notebooks and tampering with the notebook itself.
    (root / "submitted/malformed_json/toy").mkdir(parents=True)
    (root / "submitted/malformed_json/toy/toy.ipynb").write_text('{"cells": [')
    good = build_submission(student_nb, solution_nb)
    dup = nbformat.from_dict(good)
    dup.cells.insert(1, nbformat.from_dict(dup.cells[1]))
    dup.cells[1].source = WRONG  # the first copy is the one graded
    write_submission(dup, root, "tamper_duplicate", "toy", "toy.ipynb")
    deleted = nbformat.from_dict(good)
    deleted.cells = [c for c in deleted.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") != "row_means"]
    write_submission(deleted, root, "tamper_delete_answer", "toy", "toy.ipynb")
    edited = build_submission(student_nb, solution_nb, overrides={"row_means": WRONG})
    for cell in edited.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "test_row_means":
            cell.source = "pass"
            meta["points"] = 100
    write_submission(edited, root, "tamper_edit_test", "toy", "toy.ipynb")
    rows = grade_class(root, "toy", workers=GRADING_WORKERS, limits=Limits(cell_seconds=5), progress=False)
    return root, {r.student: r for r in rows}


def test_every_case_gets_its_expected_verdict(graded):
    _, rows = graded
    for name, (_, score, review) in CASES.items():
        assert rows[name].score == score, (name, rows[name])
        assert rows[name].max_score == 3
        assert rows[name].needs_review == review, (name, rows[name].flags)
    assert rows["malformed_json"].score == 0 and rows["malformed_json"].needs_review
    assert "not valid notebook JSON" in rows["malformed_json"].flags[0].text
    assert rows["tamper_duplicate"].score == 0 and rows["tamper_duplicate"].needs_review
    assert rows["tamper_delete_answer"].score == 0
    assert any("missing" in f.text for f in rows["tamper_delete_answer"].flags)
    assert rows["tamper_edit_test"].score == 0 and rows["tamper_edit_test"].max_score == 3
    assert any("edited" in f.text for f in rows["tamper_edit_test"].flags)
    assert any("points" in f.text for f in rows["tamper_edit_test"].flags)
    assert any("timeout" in f.text for f in rows["fault_infinite_loop"].flags)
    assert any("died" in f.text for f in rows["fault_exit"].flags)


def test_gradebook_report_and_feedback_agree(graded):
    root, rows = graded
    book = {r.student: r for r in course.grade_table(root, "toy")}
    for name, row in rows.items():
        assert book[name].auto_score == row.score, name
        assert book[name].auto_max == 3
    report = json.loads((root / "grading/toy/report.json").read_text())
    assert {r["student"] for r in report} == set(rows)
    assert "honest_loopy" in (root / "grading/toy/report.md").read_text()
    course.feedback(root, "toy")
    assert (root / "feedback/honest_full/toy/toy.html").is_file()
    course.export(root)
    assert "honest_full" in (root / "grades.csv").read_text()


def test_honest_work_is_scored_exactly_as_plain_nbgrader(graded, tmp_path):
    root, rows = graded
    plain = released_toy_course(tmp_path / "plain")
    honest = [n for n in CASES if n.startswith("honest_")]
    for name in honest:
        shutil.copytree(root / "submitted" / name, plain / "submitted" / name)
    course.autograde(plain, "toy")
    book = {r.student: r for r in course.grade_table(plain, "toy")}
    for name in honest:
        ours = {t.grade_id: t.passed for t in rows[name].tests}
        theirs = {k: s == m for k, (s, m) in book[name].cells.items()}
        assert ours == theirs, name
        assert book[name].auto_score == rows[name].score


def test_grading_twice_gives_the_same_scores(graded):
    root, rows = graded
    again = grade_class(root, "toy", workers=1, progress=False,
                                students=["honest_full", "honest_loopy", "cheat_patch_numpy"],
                                limits=Limits(cell_seconds=5), fresh=True)
    for r in again:
        assert (r.score, [t.passed for t in sorted(r.tests, key=lambda t: t.grade_id)]) == (
            rows[r.student].score,
            [t.passed for t in sorted(rows[r.student].tests, key=lambda t: t.grade_id)])
