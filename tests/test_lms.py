"""Canvas's gradebook-import CSV from a small graded class: the layout, the totals after nbgrader's
late penalties, the points per part, and nbgrader's own CSV kept."""

import csv

import nbformat
import pytest

from cs231n_utils import course, lms
from cs231n_utils.cli import main
from cs231n_utils.submissions import build_submission, write_submission

from .toy_course import released_toy_course

#: One worker runs the whole module, so its module fixture is built once (not once per worker).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lms")]


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """The toy course (3 autograded points, 1 written) graded by nbgrader: full, half-right, blank,
    and a student who submitted nothing; full was late by 0.5 points, and one answer hand-graded."""
    from nbgrader.api import Gradebook

    root = released_toy_course(tmp_path_factory.mktemp("lms"))
    student_nb = nbformat.read(root / "assignments/toy/toy.ipynb", as_version=4)
    solution_nb = nbformat.read(root / "solutions/toy/toy.ipynb", as_version=4)
    loopy = "def row_means(X):\n    return np.array([r.mean() for r in X])\n"
    for name, nb in (("full", build_submission(student_nb, solution_nb)),
                     ("loopy", build_submission(student_nb, solution_nb, overrides={"row_means": loopy,
                                                                        "q_why": "It averages out noise."})),
                     ("blank", build_submission(student_nb, solution_nb, fill=[]))):
        write_submission(nb, root, name, "toy", "toy.ipynb")
    course.autograde(root, "toy")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.update_or_create_student("absent", first_name="Ada", last_name="Absent", lms_user_id="4242")
        full = gb.find_submission_notebook("toy", "toy", "full")
        full.late_submission_penalty = 0.5  # what nbgrader's AssignLatePenalties records
        gb.find_grade("q_why", "toy", "toy", "full").manual_score = 1.0
        gb.db.commit()
    return root


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_csv_layout_totals_penalties_and_parts(toy, tmp_path):
    out = tmp_path / "canvas.csv"
    assert main(["export", "--canvas", "--to", str(out), "--course", str(toy)]) == 0
    rows = _read(out)
    header, possible, *students = rows
    assert header == [*lms.IDENTITY, "toy", "toy: test_row_means", "toy: test_row_means_hidden", "toy: q_why"]
    assert possible == ["Points Possible", "", "", "", "", "4", "1", "2", "1"]
    by_login = {r[3]: dict(zip(header, r)) for r in students}
    assert set(by_login) == {"full", "loopy", "blank", "absent"}
    # full: 3 autograded + 1 written - 0.5 late
    assert by_login["full"]["toy"] == "3.5" and by_login["full"]["toy: q_why"] == "1"
    assert by_login["loopy"]["toy"] == "1"  # the hidden cell (loops) is all-or-nothing here
    loopy = by_login["loopy"]
    assert loopy["toy: test_row_means"] == "1" and loopy["toy: test_row_means_hidden"] == "0"
    assert by_login["loopy"]["toy: q_why"] == ""  # not graded by hand yet: blank, not 0
    assert by_login["blank"]["toy"] == "0"
    absent = by_login["absent"]
    assert absent["toy"] == "0" and absent["toy: test_row_means"] == ""
    assert absent["Student"] == "Absent, Ada" and absent["ID"] == "4242"
    # The totals agree with nbgrader's own export (score = raw score - late penalty).
    nbgrader_csv = course.export(toy, tmp_path / "grades.csv")
    theirs = {r["student_id"]: float(r["score"]) for r in csv.DictReader(open(nbgrader_csv))}
    assert {k: float(v["toy"]) for k, v in by_login.items()} == theirs


def test_totals_only(toy, tmp_path):
    path = lms.export_canvas(toy, tmp_path / "totals.csv", parts=False)
    assert _read(path)[0] == [*lms.IDENTITY, "toy"]
    with pytest.raises(ValueError, match="no assignment"):
        lms.canvas_rows(toy / "gradebook.db", ["nope"])
