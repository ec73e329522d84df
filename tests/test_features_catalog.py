"""Fair, proportionate grading of the features assignment, checked on catalogs of answers.

Two catalogs are graded in one trusted batch on ``digits``, together with the full solution and the
untouched student version: the wrong implementations (tests/catalog/features_wrong.py), each of
which must lose points in the test cells there to catch it (exactly the share of the requirement it
breaks, where the entry says so) and be graded as honest work; and the right ones
(tests/catalog/features_right.py), at least 10 differently written correct versions of every
feature function, k-means and the normalisation, each of which must keep full marks. The solution
must earn full marks, the blank version zero. Every point lost comes with a message naming the
failed requirements and their shares, and plain ``nbgrader autograde`` and the student's self-check
score the same notebooks the same way.

Each function's test cells exercise only that function; the tuning cells also use the features,
the normalisation and the classifier. To keep the batch short, wrong entries that replace different
answer cells share a submission (a *bundle*), and so do right ones; each entry is judged on the
tests of its own cells, and a bundle may lose points only there (and, for a broken function the
tuning uses, in the tuning tests).

The batch runs once per test session, whatever the number of xdist workers. Set
``CS231N_CATALOG_DATASET=cifar10-subset`` to grade on the shared CIFAR-10 subset instead (slower;
skipped when the file is absent).
"""

import ast
import os
import re
from pathlib import Path

import pytest

from cs231n_utils import course, selfcheck
from cs231n_utils.submissions import answer_cells

from .catalog.features_right import RIGHT, function_of
from .catalog.features_wrong import CATALOG
from .catalog.harness import REFERENCE, Entry, grade_catalog, members
from .catalog.harness import bundle as bundle_right
from .conftest import find_cifar10_subset, once_for_all_workers

ASSIGNMENT = "features"
STUDENT_NOTEBOOK = Path(__file__).resolve().parents[1] / "assignments" / ASSIGNMENT / "features.ipynb"
#: answer cell -> the test cells that grade it, with their points
TESTS_OF = {
    "linear_classifier": {"test_linear_classifier": 2},
    "polar_features": {"test_polar_features": 1, "test_polar_features_hidden": 1},
    "hue_histogram": {"test_hue_histogram": 1, "test_hue_histogram_hidden": 2},
    "hog_features": {"test_hog_features": 2, "test_hog_features_hidden": 3},
    "kmeans": {"test_kmeans": 1, "test_kmeans_hidden": 3},
    "bag_of_words": {"test_bag_of_words": 1, "test_bag_of_words_hidden": 2},
    "normalise_features": {"test_normalise_features": 1, "test_normalise_features_hidden": 2},
    "tuning": {"test_tuning": 2, "test_tuning_hidden": 2},
}  # fmt: skip
#: answer cell -> further tests that use its functions: the tuning cells train the classifier on the
#: normalised features. No other test uses another answer cell's functions.
TUNING_TESTS = set(TESTS_OF["tuning"])
ALSO_USED_BY = {cell: TUNING_TESTS for cell in TESTS_OF if cell not in ("polar_features", "tuning")}
#: answer cell -> the graded functions it defines
FUNCTIONS_OF = {
    "linear_classifier": {"softmax_loss_vectorized", "train_linear_classifier", "predict_linear_classifier"},
    "polar_features": {"polar_features"}, "hue_histogram": {"hue_histogram"},
    "hog_features": {"hog_features"}, "kmeans": {"kmeans"}, "bag_of_words": {"bag_of_words"},
    "normalise_features": {"normalise_features"},
}  # fmt: skip
TEST_POINTS = {test: points for tests in TESTS_OF.values() for test, points in tests.items()}
FULL_MARKS = sum(TEST_POINTS.values())  # 26
#: Right, differently written implementations of every feature function, k-means and the normalisation.
MIN_RIGHT = 10
MIN_WRONG = 15
#: One failed requirement in a message: "<requirement> (-<share>): <why, and the fix>".
FAILED_PART = re.compile(r"^(?P<what>\S.*?) \(-(?P<share>\d+(?:\.\d+)?)\): (?P<why>\S.*)$", re.DOTALL)


def blank_entry() -> Entry:
    """The untouched student version, as one more submission: every answer cell left as released."""
    stubs = {gid: cell.source for gid, cell in answer_cells(course.read_notebook(STUDENT_NOTEBOOK)).items()}
    return Entry("blank", "nothing filled in", stubs, frozenset(TEST_POINTS))


def own_tests(entry: Entry) -> set[str]:
    """The test cells that grade the answer cells ``entry`` replaces."""
    return {t for cell in entry.overrides for t in TESTS_OF[cell]}


def affected_tests(entry: Entry) -> set[str]:
    """Its own tests, and those of cells that use its functions."""
    return own_tests(entry).union(*(ALSO_USED_BY.get(cell, set()) for cell in entry.overrides))


def bundle_wrong(entries: list[Entry]) -> tuple[list[Entry], dict[str, str]]:
    """Group wrong entries so that no two in a group replace the same answer cell."""
    groups: list[list[Entry]] = []
    for e in entries:
        home = next((g for g in groups if not any(set(e.overrides) & set(o.overrides) for o in g)), None)
        if home is None:
            groups.append([e])
        else:
            home.append(e)
    bundles, where = [], {}
    for i, group in enumerate(groups):
        name = f"wrong{i:02d}"
        bundles.append(Entry(name, "; ".join(e.mistake for e in group),
                             {k: v for e in group for k, v in e.overrides.items()},
                             frozenset().union(*(e.must_fail for e in group))))
        where.update({e.name: name for e in group})
    return bundles, where


BUNDLES, BUNDLE_OF = bundle_wrong(CATALOG)
RIGHT_BUNDLES = bundle_right(RIGHT)
RIGHT_BUNDLE_OF = members(RIGHT_BUNDLES)
#: Graded again by plain nbgrader: the solution, the blank notebook, a wrong bundle (loops, in-place changes,
#: partial shares) and a right one.
PLAIN_NBGRADER = [REFERENCE, "blank", BUNDLES[0].name, RIGHT_BUNDLES[0].name]
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
        mp.setenv("OPENBLAS_NUM_THREADS", "1")
        notebook = graded.root / "submitted" / SELF_CHECKED / ASSIGNMENT / "features.ipynb"
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
    return once_for_all_workers(tmp_path_factory, f"features_catalog_{dataset}",
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
    """At least 15 mistakes, every answer cell covered, must_fail naming the entry's own tests."""
    assert len(CATALOG) >= MIN_WRONG, f"the catalog has {len(CATALOG)} entries, fewer than {MIN_WRONG}"
    assert len({e.name for e in CATALOG}) == len(CATALOG), "catalog names must be unique"
    covered = {cell for e in CATALOG for cell in e.overrides}
    assert covered == set(TESTS_OF), f"answer cells with no wrong version: {sorted(set(TESTS_OF) - covered)}"
    for e in CATALOG:
        assert not e.right and not e.gap, e.name
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
    """At least 10 right, differently written versions of every feature function, keeping their tests."""
    names = [e.name for e in RIGHT]
    assert len(set(names)) == len(names), "right entry names must be unique"
    assert not set(names) & ({e.name for e in CATALOG} | {REFERENCE, "blank"})
    sources: dict[str, set[str]] = {fn: set() for fns in FUNCTIONS_OF.values() for fn in fns}
    for e in RIGHT:
        assert e.right and e.mistake and len(e.overrides) == 1, e.name
        cell, src = next(iter(e.overrides.items()))
        assert cell == function_of(e) and e.keeps == set(TESTS_OF[cell]), (e.name, sorted(e.keeps))
        defined = _defined_functions(src)
        assert FUNCTIONS_OF.get(cell, set()) <= set(defined), (e.name, sorted(defined))
        for fn in FUNCTIONS_OF.get(cell, set()):
            sources[fn].add(ast.dump(ast.parse(defined[fn])))  # different code, not different comments
    graded_functions = {fn for cell, fns in FUNCTIONS_OF.items() if cell != "linear_classifier" for fn in fns}
    few = {fn: len(sources[fn]) for fn in graded_functions if len(sources[fn]) < MIN_RIGHT}
    assert not few, f"fewer than {MIN_RIGHT} differently written right implementations: {few}"
    assert sum(function_of(e) == "tuning" for e in RIGHT) >= 3
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
    allowed = set().union(*(affected_tests(e) for e in members_))
    outside = sorted(set(lost(graded, name)) - allowed)
    assert not outside, f"{name} also lost points in {outside}"
    assert not row["needs_review"] and not row["flags"], f"{name}: flagged {row['flags']}"


@pytest.mark.slow
@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in CATALOG])
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
            f"of the requirement it breaks: "
            f"{graded['rows'][BUNDLE_OF[entry.name]]['tests'][test]['message']}")


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
