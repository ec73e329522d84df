"""Fair, proportionate grading of the optimization assignment, checked on catalogs of answers.

Two catalogs are graded in one trusted batch on ``digits``, together with the full solution and
the untouched student version: the wrong implementations (tests/catalog/optimization_wrong.py),
each of which must lose points in the test cells there to catch it (exactly the share of the
requirement it breaks, where the entry says so) and be graded as honest work; and the right ones
(tests/catalog/optimization_right.py), at least 15 differently written correct implementations of
every graded function, each of which must keep full marks. The solution must earn full marks, the
blank version zero (graded, not crashed). Every point lost comes with a message naming the failed
requirements and their shares, and plain ``nbgrader autograde`` and the student's self-check score
the same notebooks the same way. An entry with a ``gap`` is a mistake the tests cannot see
(expected to keep its points: xfail).

Every test cell of this notebook exercises only its own answer cell (the training tests bring
their own losses), so mistakes in different answer cells cannot hide or cause each other's
failures. To keep the batch short, wrong entries that replace different answer cells are graded
together in one submission (a *bundle*), and so are right ones; each entry is judged on the tests
of its own cells, and a separate test checks that no bundle loses points outside them.

The batch runs once per test session, whatever the number of xdist workers. Set
``CS231N_CATALOG_DATASET=cifar10-subset`` to grade on the shared CIFAR-10 subset instead
(slower; skipped when the file is absent).
"""

import ast
import os
import re
from pathlib import Path

import pytest

from cs231n_utils import course, selfcheck
from cs231n_utils.submissions import answer_cells

from .catalog.harness import REFERENCE, Entry, grade_catalog, members
from .catalog.harness import bundle as bundle_right
from .catalog.optimization_right import RIGHT
from .catalog.optimization_wrong import CATALOG
from .conftest import find_cifar10_subset, once_for_all_workers

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
#: answer cell -> the graded functions it defines
FUNCTIONS_OF = {
    "numerical_gradient": {"eval_numerical_gradient", "eval_numerical_gradient_forward"},
    "svm_loss": {"svm_loss"}, "random_search": {"random_search"},
    "random_local_search": {"random_local_search"}, "gradient_descent": {"gradient_descent"},
    "sgd": {"sgd"}, "lr_schedule": {"lr_schedule"},
}  # fmt: skip
TEST_POINTS = {test: points for tests in TESTS_OF.values() for test, points in tests.items()}
FULL_MARKS = sum(TEST_POINTS.values())  # 23
#: Right implementations of every graded function, at least.
MIN_RIGHT = 15
#: One failed requirement in a message: "<requirement> (-<share>): <why, and the fix>".
FAILED_PART = re.compile(r"^(?P<what>\S.*?) \(-(?P<share>\d+(?:\.\d+)?)\): (?P<why>\S.*)$", re.DOTALL)


def blank_entry() -> Entry:
    """The untouched student version, as one more submission: every answer cell left as released."""
    stubs = {gid: cell.source for gid, cell in answer_cells(course.read_notebook(STUDENT_NOTEBOOK)).items()}
    return Entry("blank", "nothing filled in", stubs, frozenset(TEST_POINTS))


def _param(entry: Entry):
    marks = [pytest.mark.xfail(strict=True, reason=f"not caught by the notebook's tests: {entry.gap}")
             ] if entry.gap else []
    return pytest.param(entry, id=entry.name, marks=marks)


def bundle_wrong(entries: list[Entry]) -> tuple[list[Entry], dict[str, str]]:
    """Group wrong entries so that no two in a group replace the same answer cell.

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


BUNDLES, BUNDLE_OF = bundle_wrong(CATALOG)
RIGHT_BUNDLES = bundle_right(RIGHT)
RIGHT_BUNDLE_OF = members(RIGHT_BUNDLES)
#: Graded again by plain nbgrader: two wrong bundles (the first holds a mistake in every answer
#: cell) and two right ones.
PLAIN_NBGRADER = [BUNDLES[0].name, BUNDLES[1].name, RIGHT_BUNDLES[0].name, RIGHT_BUNDLES[-1].name]
SELF_CHECKED = RIGHT_BUNDLES[1].name


def grade_everything(folder: Path, dataset: str, env: dict[str, str]) -> dict:
    """The trusted batch, plain nbgrader on a few of its submissions and one self-check, as JSON."""
    graded = grade_catalog(ASSIGNMENT, [*BUNDLES, *RIGHT_BUNDLES, blank_entry()], folder / "batch",
                           dataset=dataset, workers=2, env=env)
    rows = {student: {"score": r.score, "max_score": r.max_score, "needs_review": r.needs_review,
                      "flags": [f.text for f in r.flags],
                      "tests": {t.grade_id: t.to_dict() for t in r.tests}}
            for student, r in graded.items()}
    plain = graded.nbgrader_scores(PLAIN_NBGRADER, folder / "plain")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in graded.env.items():
            mp.setenv(key, value)
        notebook = graded.root / "submitted" / SELF_CHECKED / ASSIGNMENT / "optimization.ipynb"
        report = selfcheck.check_notebook(notebook, dataset=dataset)
    return {"dataset": dataset, "rows": rows, "plain": plain,
            "selfcheck": {"all_visible_passed": report.all_visible_passed,
                          "results": [(r.grade_id, r.kind, r.status, r.score, r.points, r.message)
                                      for r in report.results]}}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    dataset = os.environ.get("CS231N_CATALOG_DATASET", "digits")
    env = {}
    if dataset == "cifar10-subset":
        subset = find_cifar10_subset()
        if subset is None:
            pytest.skip("CS231N_CATALOG_DATASET=cifar10-subset but the shared subset file is absent")
        env["CS231N_CIFAR10_SUBSET"] = str(subset)
    return once_for_all_workers(tmp_path_factory, f"optimization_catalog_{dataset}",
                                lambda folder: grade_everything(folder, dataset, env))


def lost(graded: dict, student: str) -> dict[str, float]:
    """Test grade_id -> points lost, for the tests of ``student`` that did not earn full marks."""
    tests = graded["rows"][student]["tests"]
    return {gid: t["points"] - t["score"] for gid, t in tests.items() if not t["passed"]}


def scores(graded: dict, student: str) -> dict[str, float]:
    return {gid: t["score"] for gid, t in graded["rows"][student]["tests"].items()}


def _defined_functions(source: str) -> dict[str, str]:
    """Function name -> its source, for the top-level functions of an answer cell."""
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node)
            for node in tree.body if isinstance(node, ast.FunctionDef)}


# -- the catalogs themselves -------------------------------------------------------------------------


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
        for test, points in e.exact_loss.items():
            assert 0 < points < TEST_POINTS[test] and (4 * points).is_integer(), (e.name, test, points)
    assert sorted(BUNDLE_OF) == sorted(e.name for e in CATALOG)
    assert len(BUNDLES) == max(sum(cell in e.overrides for e in CATALOG) for cell in TESTS_OF)


def test_right_catalog_is_well_formed():
    """At least 15 right, differently written versions of every graded function, keeping their tests."""
    names = [e.name for e in RIGHT]
    assert len(set(names)) == len(names), "right entry names must be unique"
    assert not set(names) & ({e.name for e in CATALOG} | {REFERENCE, "blank"})
    assert not {b.name for b in RIGHT_BUNDLES} & set(BUNDLE_OF.values()), "bundle names must not collide"
    sources: dict[str, set[str]] = {fn: set() for fns in FUNCTIONS_OF.values() for fn in fns}
    for e in RIGHT:
        assert e.right and e.mistake, e.name
        assert len(e.overrides) == 1 and set(e.overrides) <= set(TESTS_OF), (e.name, sorted(e.overrides))
        (cell, src), = e.overrides.items()
        assert e.keeps == set(TESTS_OF[cell]), (e.name, sorted(e.keeps))
        defined = _defined_functions(src)
        assert FUNCTIONS_OF[cell] <= set(defined), (e.name, sorted(defined))
        for fn in FUNCTIONS_OF[cell]:
            sources[fn].add(ast.dump(ast.parse(defined[fn])))  # different code, not different comments
    few = {fn: len(s) for fn, s in sources.items() if len(s) < MIN_RIGHT}
    assert not few, f"fewer than {MIN_RIGHT} differently written right implementations: {few}"
    assert sorted(RIGHT_BUNDLE_OF) == sorted(names)
    assert len(RIGHT_BUNDLES) == max(sum(cell in e.overrides for e in RIGHT) for cell in TESTS_OF)


# -- the graded batch --------------------------------------------------------------------------------


@pytest.mark.slow
def test_reference_earns_full_marks_and_blank_zero(graded):
    ref, blank = graded["rows"][REFERENCE], graded["rows"]["blank"]
    assert (ref["score"], ref["max_score"]) == (FULL_MARKS, FULL_MARKS), (
        f"the reference solution scored {ref['score']:g}/{ref['max_score']:g} on {graded['dataset']}: "
        f"{lost(graded, REFERENCE)}")
    assert not ref["needs_review"] and not ref["flags"], ref["flags"]
    assert (blank["score"], blank["max_score"]) == (0, FULL_MARKS), (blank["score"], blank["max_score"])
    assert set(blank["tests"]) == set(TEST_POINTS), "every test cell must be graded"
    assert not blank["needs_review"] and not blank["flags"], blank["flags"]


@pytest.mark.slow
@pytest.mark.parametrize("name", [b.name for b in BUNDLES])
def test_bundle_loses_points_only_where_its_mistakes_are(graded, name):
    row, members_ = graded["rows"][name], [e for e in CATALOG if BUNDLE_OF[e.name] == name]
    assert row["max_score"] == FULL_MARKS, f"{name}: graded out of {row['max_score']:g}"
    allowed = set().union(*(own_tests(e) for e in members_))
    outside = sorted(set(lost(graded, name)) - allowed)
    assert not outside, f"{name} also lost points in {outside}"
    assert not row["needs_review"] and not row["flags"], f"{name}: flagged {row['flags']}"


@pytest.mark.slow
@pytest.mark.parametrize("entry", [_param(e) for e in CATALOG])
def test_wrong_implementation_loses_points(graded, entry):
    assert graded["rows"][REFERENCE]["score"] == FULL_MARKS, lost(graded, REFERENCE)
    lost_ = {t: v for t, v in lost(graded, BUNDLE_OF[entry.name]).items() if t in own_tests(entry)}
    assert lost_, f"{entry.name} ({entry.mistake}) kept all the points of {sorted(own_tests(entry))}"
    missed = sorted(entry.must_fail - set(lost_))
    assert not missed, (
        f"{entry.name} ({entry.mistake}) passed {missed}, which must catch it; "
        f"it lost points only in {sorted(lost_)}")
    for test, points in entry.exact_loss.items():
        assert lost_[test] == pytest.approx(points), (
            f"{entry.name} ({entry.mistake}) lost {lost_[test]:g} points in {test}, not the share {points:g} "
            f"of the requirement it breaks: {graded['rows'][BUNDLE_OF[entry.name]]['tests'][test]['message']}"
        )


@pytest.mark.slow
@pytest.mark.parametrize("name", [*(b.name for b in BUNDLES), "blank"])
def test_every_lost_point_is_explained_by_the_requirements_that_failed(graded, name):
    """The message of a test that lost points names each failed requirement with its share and a reason."""
    for test, points_lost in lost(graded, name).items():
        message = graded["rows"][name]["tests"][test]["message"]
        assert message.strip(), f"{name} lost {points_lost:g} points in {test} with no message"
        parts = [FAILED_PART.match(part) for part in message.split(" | ")]
        assert all(parts), f"{name}, {test}: not a list of 'requirement (-share): reason': {message!r}"
        shares = sum(float(p["share"]) for p in parts)
        assert shares == pytest.approx(points_lost), (
            f"{name}, {test}: the failed requirements share {shares:g} points, {points_lost:g} were lost: "
            f"{message}")


@pytest.mark.slow
@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in RIGHT])
def test_right_implementation_keeps_full_marks(graded, entry):
    student = RIGHT_BUNDLE_OF[entry.name]
    got = scores(graded, student)
    short = {t: (got.get(t), TEST_POINTS[t]) for t in entry.keeps if got.get(t) != TEST_POINTS[t]}
    assert not short, (
        f"{entry.name} ({entry.mistake}) is right but lost points: "
        + "; ".join(f"{t} {s}/{p}: {graded['rows'][student]['tests'].get(t, {}).get('message', 'not graded')}"
                    for t, (s, p) in sorted(short.items())))


@pytest.mark.slow
@pytest.mark.parametrize("name", [b.name for b in RIGHT_BUNDLES])
def test_right_bundle_earns_full_marks(graded, name):
    row = graded["rows"][name]
    assert (row["score"], row["max_score"]) == (FULL_MARKS, FULL_MARKS), (name, lost(graded, name))
    assert not row["needs_review"] and not row["flags"], f"{name}: flagged {row['flags']}"


@pytest.mark.slow
@pytest.mark.parametrize("name", PLAIN_NBGRADER)
def test_plain_nbgrader_gives_the_same_partial_scores(graded, name):
    assert graded["plain"][name] == scores(graded, name), (
        f"{name}: plain nbgrader {graded['plain'][name]}, the trusted grader {scores(graded, name)}")


@pytest.mark.slow
def test_the_self_check_passes_a_right_submission(graded):
    check = graded["selfcheck"]
    assert check["all_visible_passed"], [r for r in check["results"] if r[1] == "test" and r[2] != "passed"]
    visible = {t for t in TEST_POINTS if not t.endswith("_hidden")}
    assert {r[0] for r in check["results"] if r[1] == "test"} == visible
