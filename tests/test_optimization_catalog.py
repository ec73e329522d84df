"""Every catalogued wrong implementation of the optimization assignment loses points.

The catalog (tests/catalog/optimization_wrong.py), the full solution and the untouched student
version are graded in one trusted batch on ``digits``: the solution must earn full marks, the
blank version zero (graded, not crashed), and each wrong version must lose points in the test
cells that are there to catch it and be graded as honest work (no flag, no review). An entry
with a ``gap`` is a mistake the tests cannot see (expected to keep its points: xfail).

Every test cell of this notebook exercises only its own answer cell, so mistakes in different
answer cells cannot hide or cause each other's failures. To keep the batch short, entries that
replace different answer cells are graded together in one submission (a *bundle*), and each
entry is judged on the tests of its own cells; a separate test checks that no bundle loses
points outside the tests of the cells it replaced.

Set ``CS231N_CATALOG_DATASET=cifar10-subset`` to grade on the shared CIFAR-10 subset instead
(slower; skipped when the file is absent).
"""

import os
from pathlib import Path

import pytest

from cs231n_utils import course
from cs231n_utils.submissions import answer_cells

from .catalog.harness import REFERENCE, Entry, grade_catalog
from .catalog.optimization_wrong import CATALOG
from .conftest import find_cifar10_subset

ASSIGNMENT = "optimization"
STUDENT_NOTEBOOK = Path(__file__).resolve().parents[1] / "assignments" / ASSIGNMENT / "optimization.ipynb"
#: answer cell -> the test cells that grade it
TESTS_OF = {
    "numerical_gradient": {"test_numerical_gradient": 2, "test_numerical_gradient_hidden": 4},
    "svm_loss": {"test_svm_loss": 1},
    "random_search": {"test_random_search": 1, "test_random_search_hidden": 2},
    "random_local_search": {"test_random_local_search": 1, "test_random_local_search_hidden": 2},
    "gradient_descent": {"test_gradient_descent": 1, "test_gradient_descent_hidden": 2},
    "sgd": {"test_sgd": 2, "test_sgd_hidden": 3},
    "lr_schedule": {"test_lr_schedule": 1, "test_lr_schedule_hidden": 1},
}  # fmt: skip
TEST_POINTS = {test: points for tests in TESTS_OF.values() for test, points in tests.items()}
FULL_MARKS = sum(TEST_POINTS.values())  # 23


def blank_entry() -> Entry:
    """The untouched student version, as one more submission: every answer cell left as released."""
    stubs = {gid: cell.source for gid, cell in answer_cells(course.read_notebook(STUDENT_NOTEBOOK)).items()}
    return Entry("blank", "nothing filled in", stubs, frozenset(TEST_POINTS))


def _param(entry: Entry):
    marks = [pytest.mark.xfail(strict=True, reason=f"not caught by the notebook's tests: {entry.gap}")
             ] if entry.gap else []
    return pytest.param(entry, id=entry.name, marks=marks)


def bundle(entries: list[Entry]) -> tuple[list[Entry], dict[str, str]]:
    """Group entries so that no two in a group replace the same answer cell.

    Returns one Entry per group (its overrides and must_fail are the union of its members') and
    the bundle name of every entry.
    """
    groups: list[list[Entry]] = []
    for e in entries:
        home = next((g for g in groups if not any(set(e.overrides) & set(o.overrides) for o in g)), None)
        if home is None:
            groups.append([e])
        else:
            home.append(e)
    bundles, where = [], {}
    for i, group in enumerate(groups):
        name = f"bundle{i:02d}"
        must_fail = frozenset().union(*(e.must_fail for e in group))
        bundles.append(Entry(name, "; ".join(e.mistake for e in group),
                             {k: v for e in group for k, v in e.overrides.items()}, must_fail,
                             "" if must_fail else "only entries the tests cannot see"))
        where.update({e.name: name for e in group})
    return bundles, where


def own_tests(entry: Entry) -> set[str]:
    """The test cells that grade the answer cells ``entry`` replaces."""
    return {t for cell in entry.overrides for t in TESTS_OF[cell]}


BUNDLES, BUNDLE_OF = bundle(CATALOG)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    dataset = os.environ.get("CS231N_CATALOG_DATASET", "digits")
    env = {}
    if dataset == "cifar10-subset":
        subset = find_cifar10_subset()
        if subset is None:
            pytest.skip("CS231N_CATALOG_DATASET=cifar10-subset but the shared subset file is absent")
        env["CS231N_CIFAR10_SUBSET"] = str(subset)
    return grade_catalog(ASSIGNMENT, [*BUNDLES, blank_entry()],
                         tmp_path_factory.mktemp("optimization_catalog"), dataset=dataset, workers=2, env=env)


def test_catalog_is_well_formed():
    """At least 10 mistakes that must be caught, every answer cell covered, must_fail naming its own tests."""
    caught = [e for e in CATALOG if not e.gap]
    assert len(caught) >= 10, f"the catalog has {len(caught)} entries that must lose points, fewer than 10"
    assert len({e.name for e in CATALOG}) == len(CATALOG), "catalog names must be unique"
    covered = {cell for e in CATALOG for cell in e.overrides}
    assert covered == set(TESTS_OF), f"answer cells with no wrong version: {sorted(set(TESTS_OF) - covered)}"
    for e in CATALOG:
        assert set(e.overrides) <= set(TESTS_OF), (e.name, sorted(e.overrides))
        assert e.must_fail <= own_tests(e), (e.name, sorted(e.must_fail - own_tests(e)))
        assert e.mistake and all(src.strip() for src in e.overrides.values()), e.name
        for src in e.overrides.values():
            compile(src, e.name, "exec")  # a mistake, not a syntax error
    assert sorted(BUNDLE_OF) == sorted(e.name for e in CATALOG)
    assert len(BUNDLES) == max(sum(cell in e.overrides for e in CATALOG) for cell in TESTS_OF)


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
@pytest.mark.parametrize("name", [b.name for b in BUNDLES])
def test_bundle_loses_points_only_where_its_mistakes_are(graded, name):
    row, members = graded[name], [e for e in CATALOG if BUNDLE_OF[e.name] == name]
    assert row.max_score == FULL_MARKS, f"{name}: graded out of {row.max_score:g}"
    allowed = set().union(*(own_tests(e) for e in members))
    outside = sorted(set(graded.lost(name)) - allowed)
    assert not outside, f"{name} also lost points in {outside}"
    assert not row.needs_review and not row.flags, f"{name}: flagged {row.flags}"


@pytest.mark.slow
@pytest.mark.parametrize("entry", [_param(e) for e in CATALOG])
def test_wrong_implementation_loses_points(graded, entry):
    assert graded[REFERENCE].score == FULL_MARKS, graded.lost(REFERENCE)
    lost = set(graded.lost(BUNDLE_OF[entry.name])) & own_tests(entry)
    assert lost, f"{entry.name} ({entry.mistake}) kept all the points of {sorted(own_tests(entry))}"
    missed = sorted(entry.must_fail - lost)
    assert not missed, (
        f"{entry.name} ({entry.mistake}) passed {missed}, which must catch it; "
        f"it lost points only in {sorted(lost)}")
