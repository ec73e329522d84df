"""Every catalogued wrong implementation of the softmax assignment loses points.

The catalog (tests/catalog/softmax_wrong.py), the full solution and the untouched student
version are graded in one trusted batch on ``digits``, one submission each: the solution must
earn full marks, the blank version zero (graded, not crashed), and each wrong version must lose
points in the test cells that are there to catch it, nowhere but in the tests of its own answer
cell and of the cells that use it (no double penalty through a hidden test), and be graded as
honest work (no flag, no review). An entry with a ``gap`` is a mistake the tests cannot see
(expected to keep its points: xfail).

Set ``CS231N_CATALOG_DATASET=cifar10-subset`` to grade on the shared CIFAR-10 subset instead
(slower; skipped when the file is absent).
"""

import os
from pathlib import Path

import pytest

from cs231n_utils import course
from cs231n_utils.submissions import answer_cells

from .catalog.harness import REFERENCE, Entry, grade_catalog
from .catalog.softmax_wrong import CATALOG
from .conftest import find_cifar10_subset

ASSIGNMENT = "softmax"
REPO = Path(__file__).resolve().parents[1]
#: answer cell -> the test cells that grade it, with their points
TESTS_OF = {
    "softmax_function": {"test_softmax_function": 1, "test_softmax_function_hidden": 2},
    "softmax_loss_naive": {"test_softmax_loss_naive": 2, "test_softmax_loss_naive_hidden": 3},
    "softmax_loss_vectorized": {"test_softmax_loss_vectorized": 2, "test_softmax_loss_vectorized_hidden": 3},
    "train_predict": {"test_train_predict": 1},
    "tuning": {"test_tuning": 2, "test_tuning_hidden": 2},
}  # fmt: skip
#: answer cell -> further tests that use its functions, and so may fail with it: the visible test
#: of the vectorized loss compares it with the naive one; tuning trains with the vectorized loss
#: and the training code. Hidden tests never depend on another answer cell.
ALSO_USED_BY = {
    "softmax_loss_naive": {"test_softmax_loss_vectorized"},
    "softmax_loss_vectorized": {"test_tuning", "test_tuning_hidden"},
    "train_predict": {"test_tuning", "test_tuning_hidden"},
}
TEST_POINTS = {test: points for tests in TESTS_OF.values() for test, points in tests.items()}
FULL_MARKS = sum(TEST_POINTS.values())  # 18


def blank_entry() -> Entry:
    """The untouched student version, as one more submission: every answer cell left as released."""
    student_nb = course.read_notebook(REPO / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    stubs = {gid: cell.source for gid, cell in answer_cells(student_nb).items()}
    return Entry("blank", "nothing filled in", stubs, frozenset(TEST_POINTS))


def own_tests(entry: Entry) -> set[str]:
    """The test cells that grade the answer cells ``entry`` replaces."""
    return {t for cell in entry.overrides for t in TESTS_OF[cell]}


def affected_tests(entry: Entry) -> set[str]:
    """The test cells ``entry`` may make fail: its own and those of the cells that use its functions."""
    return own_tests(entry).union(*(ALSO_USED_BY.get(cell, set()) for cell in entry.overrides))


def _param(entry: Entry):
    marks = [pytest.mark.xfail(strict=True, reason=f"not caught by the notebook's tests: {entry.gap}")
             ] if entry.gap else []
    return pytest.param(entry, id=entry.name, marks=marks)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    dataset = os.environ.get("CS231N_CATALOG_DATASET", "digits")
    env = {}
    if dataset == "cifar10-subset":
        subset = find_cifar10_subset()
        if subset is None:
            pytest.skip("CS231N_CATALOG_DATASET=cifar10-subset but the shared subset file is absent")
        env["CS231N_CIFAR10_SUBSET"] = str(subset)
    return grade_catalog(ASSIGNMENT, [*CATALOG, blank_entry()], tmp_path_factory.mktemp("softmax_catalog"),
                         dataset=dataset, workers=2, env=env)


def test_catalog_is_well_formed():
    """At least 12 mistakes that must be caught, every answer cell covered, must_fail naming its own tests."""
    caught = [e for e in CATALOG if not e.gap]
    assert len(caught) >= 12, f"the catalog has {len(caught)} entries that must lose points, fewer than 12"
    assert len({e.name for e in CATALOG}) == len(CATALOG), "catalog names must be unique"
    covered = {cell for e in CATALOG for cell in e.overrides}
    assert covered == set(TESTS_OF), f"answer cells with no wrong version: {sorted(set(TESTS_OF) - covered)}"
    solution = course.read_notebook(REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in solution.cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
    assert points == TEST_POINTS, "the notebook's test cells or points changed: update TESTS_OF"
    assert set(TESTS_OF) <= set(answer_cells(solution))
    for e in CATALOG:
        assert set(e.overrides) <= set(TESTS_OF), (e.name, sorted(e.overrides))
        assert e.must_fail <= own_tests(e), (e.name, sorted(e.must_fail - own_tests(e)))
        assert e.mistake and all(src.strip() for src in e.overrides.values()), e.name
        for src in e.overrides.values():
            compile(src, e.name, "exec")  # a mistake, not a syntax error


@pytest.mark.slow
def test_reference_earns_full_marks_and_blank_zero(graded):
    ref, blank = graded[REFERENCE], graded["blank"]
    assert (ref.score, ref.max_score) == (FULL_MARKS, FULL_MARKS), (
        f"the reference solution scored {ref.score:g}/{ref.max_score:g} on {graded.dataset}: "
        f"{graded.lost(REFERENCE)}")
    assert not ref.needs_review and not ref.flags, ref.flags
    assert (blank.score, blank.max_score) == (0, FULL_MARKS), (blank.score, blank.max_score)
    assert set(graded.verdicts("blank")) == set(TEST_POINTS), "every test cell must be graded"
    assert not blank.needs_review and not blank.flags, blank.flags


@pytest.mark.slow
@pytest.mark.parametrize("entry", [_param(e) for e in CATALOG])
def test_wrong_implementation_loses_points(graded, entry):
    assert graded[REFERENCE].score == FULL_MARKS, graded.lost(REFERENCE)
    row, lost = graded[entry.name], set(graded.lost(entry.name))
    assert row.max_score == FULL_MARKS, f"{entry.name}: graded out of {row.max_score:g}"
    # An honest mistake, not a malformed or tampered submission.
    assert not row.needs_review and not row.flags, f"{entry.name}: flagged {row.flags}"
    outside = sorted(lost - affected_tests(entry))
    assert not outside, f"{entry.name} ({entry.mistake}) also lost points in {outside}, outside its reach"
    assert lost, f"{entry.name} ({entry.mistake}) kept all {row.score:g} points"
    missed = sorted(entry.must_fail - lost)
    assert not missed, (
        f"{entry.name} ({entry.mistake}) passed {missed}, which must catch it; "
        f"it lost points only in {sorted(lost)}")
