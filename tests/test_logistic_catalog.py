"""Fair, proportionate grading of the logistic assignment, checked on catalogs of answers.

One trusted batch on ``digits`` grades the full solution, the untouched student version, the
wrong implementations of tests/catalog/logistic_wrong.py (one submission each: each must lose
points in the tests that must catch it, nowhere but in its own answer cell's tests, and for
``bce_loss`` also the training tests, which train with it; with a message naming each failed
requirement and its share) and the right ones of tests/catalog/logistic_right.py (at least 10
differently written versions per answer cell, bundled one per answer cell in a submission:
each keeps full marks). A few submissions are graded again by plain ``nbgrader autograde``,
which must give the same partial scores.
"""

import re
from pathlib import Path

import pytest

from cs231n_utils import course
from cs231n_utils.submissions import answer_cells

from .catalog.harness import REFERENCE, Entry, bundle, grade_catalog, members
from .catalog.logistic_right import RIGHT
from .catalog.logistic_wrong import CATALOG
from .conftest import once_for_all_workers

ASSIGNMENT = "logistic"
REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
STUDENT_NOTEBOOK = REPO / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
TESTS_OF = {
    "sigmoid_functions": {"test_sigmoid_functions": 1, "test_sigmoid_functions_hidden": 2},
    "bce_loss": {"test_bce_loss": 2, "test_bce_loss_hidden": 3},
    "numerical_gradient": {"test_numerical_gradient": 1},
    "gates": {"test_gates": 2, "test_gates_hidden": 2},
    "staged_bce": {"test_staged_bce": 2, "test_staged_bce_hidden": 2},
    "newton": {"test_newton": 2, "test_newton_hidden": 3},
    "training": {"test_training": 2, "test_training_hidden": 2},
}  # fmt: skip
TEST_POINTS = {test: points for tests in TESTS_OF.values() for test, points in tests.items()}
FULL_MARKS = sum(TEST_POINTS.values())  # 26
#: The training cell trains with the student's bce_loss: its mistakes may cost the training tests.
ALSO_USED_BY = {"bce_loss": set(TESTS_OF["training"])}
MIN_RIGHT = 10
FAILED_PART = re.compile(r"^(?P<what>\S.*?) \(-(?P<share>\d+(?:\.\d+)?)\): (?P<why>\S.*)$", re.DOTALL)
RIGHT_BUNDLES = bundle(RIGHT)
RIGHT_BUNDLE_OF = members(RIGHT_BUNDLES)
PLAIN_NBGRADER = ["bce_log_of_probability", "newton_step_inverts", "staged_forgets_penalty_branch",
                  RIGHT_BUNDLES[0].name]


def blank_entry() -> Entry:
    stubs = {gid: c.source for gid, c in answer_cells(course.read_notebook(STUDENT_NOTEBOOK)).items()}
    return Entry("blank", "nothing filled in", stubs, frozenset(TEST_POINTS))


def own_tests(entry: Entry) -> set[str]:
    return {t for cell in entry.overrides for t in TESTS_OF[cell]}


def reach(entry: Entry) -> set[str]:
    return own_tests(entry) | {t for cell in entry.overrides for t in ALSO_USED_BY.get(cell, ())}


def grade_everything(folder: Path) -> dict:
    graded = grade_catalog(ASSIGNMENT, [*CATALOG, *RIGHT_BUNDLES, blank_entry()], folder / "batch",
                           dataset="digits", workers=2)
    rows = {student: {"score": r.score, "max_score": r.max_score, "needs_review": r.needs_review,
                      "flags": [f.text for f in r.flags], "tests": {t.grade_id: t.to_dict() for t in r.tests}}
            for student, r in graded.items()}
    return {"rows": rows, "plain": graded.nbgrader_scores(PLAIN_NBGRADER, folder / "plain")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    return once_for_all_workers(tmp_path_factory, "logistic_catalog_digits", grade_everything)


def lost(graded: dict, student: str) -> dict[str, float]:
    tests = graded["rows"][student]["tests"]
    return {gid: t["points"] - t["score"] for gid, t in tests.items() if not t["passed"]}


def scores(graded: dict, student: str) -> dict[str, float]:
    return {gid: t["score"] for gid, t in graded["rows"][student]["tests"].items()}


def test_catalogs_are_well_formed():
    """At least 15 caught mistakes covering every answer cell, and 10 right versions of each."""
    assert len(CATALOG) >= 15 and len({e.name for e in CATALOG}) == len(CATALOG)
    assert {cell for e in CATALOG for cell in e.overrides} == set(TESTS_OF)
    solution = course.read_notebook(SOLUTION)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in solution.cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
    assert points == TEST_POINTS, "the notebook's test cells or points changed: update TESTS_OF"
    for e in CATALOG:
        assert e.must_fail and e.must_fail <= own_tests(e), e.name
        for src in e.overrides.values():
            compile(src, e.name, "exec")
    per_cell = {cell: {e.overrides[cell] for e in RIGHT if cell in e.overrides} for cell in TESTS_OF}
    assert all(len(s) >= MIN_RIGHT for s in per_cell.values()), {c: len(s) for c, s in per_cell.items()}


@pytest.mark.slow
def test_reference_full_marks_and_blank_zero(graded):
    ref, blank = graded["rows"][REFERENCE], graded["rows"]["blank"]
    assert (ref["score"], ref["max_score"]) == (FULL_MARKS, FULL_MARKS), lost(graded, REFERENCE)
    assert not ref["needs_review"] and not ref["flags"], ref["flags"]
    assert (blank["score"], blank["max_score"]) == (0, FULL_MARKS)
    assert not blank["needs_review"] and not blank["flags"], blank["flags"]


@pytest.mark.slow
@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in CATALOG])
def test_wrong_implementation_loses_points_only_in_its_tests(graded, entry):
    row, lost_ = graded["rows"][entry.name], lost(graded, entry.name)
    assert not row["needs_review"] and not row["flags"], f"{entry.name}: flagged {row['flags']}"
    beyond = set(lost_) - reach(entry)
    assert not beyond, {t: row["tests"][t]["message"] for t in beyond}
    missed = sorted(entry.must_fail - set(lost_))
    assert not missed, f"{entry.name} ({entry.mistake}) passed {missed}; it lost only {lost_}"
    for test, points in entry.exact_loss.items():
        assert lost_[test] == pytest.approx(points), (entry.name, test, row["tests"][test]["message"])
    for test, points_lost in lost_.items():
        message = row["tests"][test]["message"]
        parts = [FAILED_PART.match(p) for p in message.split(" | ")]
        assert all(parts), (test, message)
        assert sum(float(p["share"]) for p in parts) == pytest.approx(points_lost), message


@pytest.mark.slow
@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in RIGHT])
def test_right_implementation_keeps_full_marks(graded, entry):
    student = RIGHT_BUNDLE_OF[entry.name]
    got = scores(graded, student)
    short = {t: (got.get(t), TEST_POINTS[t], graded["rows"][student]["tests"].get(t, {}).get("message"))
             for t in entry.keeps if got.get(t) != TEST_POINTS[t]}
    assert not short, f"{entry.name} is right but lost points: {short}"


@pytest.mark.slow
@pytest.mark.parametrize("name", PLAIN_NBGRADER)
def test_plain_nbgrader_gives_the_same_partial_scores(graded, name):
    assert graded["plain"][name] == scores(graded, name)
