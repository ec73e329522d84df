"""Fair, proportionate grading of the softmax assignment, checked on catalogs of answers.

Three catalogs are graded in one trusted batch on ``digits``, together with the full solution and
the untouched student version:

- the wrong implementations (tests/catalog/softmax_wrong.py), one submission each: each must lose
  points in the test cells there to catch it, nowhere but in the tests of its own answer cell (and,
  for the losses and the training code, in the accuracy bar of the tuning tests, which train with
  them) and be graded as honest work (no flag, no review);
- the right ones (tests/catalog/softmax_right.py), at least 15 differently written correct
  implementations of every graded function, bundled (one entry per answer cell in a submission):
  each must keep full marks;
- implementations right but for one requirement (``PARTIAL``): the canonical CS231n softmax loss,
  whose ``-np.log(probs[y])`` is log(0) when the correct class trails by about 745 or more, must
  lose exactly the log-space share of each of its test cells and nothing else, and a right
  vectorized loss keeps its points beside a wrong naive one.

The solution must earn full marks, the blank version zero (graded, not crashed). Every point lost
comes with a message naming the failed requirements and their shares, and plain ``nbgrader
autograde`` and the student's self-check score the same notebooks the same way. An entry with a
``gap`` is a mistake the tests cannot see (expected to keep its points: xfail).

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

from .catalog.harness import REFERENCE, Entry, bundle, grade_catalog, members
from .catalog.softmax_right import LOG_SPACE_SHARE, PARTIAL, RIGHT, VARIES
from .catalog.softmax_wrong import CATALOG
from .conftest import find_cifar10_subset, once_for_all_workers

ASSIGNMENT = "softmax"
REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
STUDENT_NOTEBOOK = REPO / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
#: answer cell -> the test cells that grade it, with their points
TESTS_OF = {
    "softmax_function": {"test_softmax_function": 1, "test_softmax_function_hidden": 2},
    "softmax_loss_naive": {"test_softmax_loss_naive": 2, "test_softmax_loss_naive_hidden": 3},
    "softmax_loss_vectorized": {"test_softmax_loss_vectorized": 2, "test_softmax_loss_vectorized_hidden": 3},
    "train_predict": {"test_train_predict": 1},
    "tuning": {"test_tuning": 2, "test_tuning_hidden": 2},
}  # fmt: skip
#: answer cell -> the graded functions it defines
FUNCTIONS_OF = {
    "softmax_function": {"sigmoid", "softmax"},
    "softmax_loss_naive": {"softmax_loss_naive"},
    "softmax_loss_vectorized": {"softmax_loss_vectorized"},
    "train_predict": {"train_linear_classifier", "predict_linear_classifier"},
}
TEST_POINTS = {test: points for tests in TESTS_OF.values() for test, points in tests.items()}
FULL_MARKS = sum(TEST_POINTS.values())  # 18
#: The tuning cell trains with the student's own vectorized loss and SGD, so those two answer cells
#: reach the tuning tests, but only through the accuracy the training reaches: the bar's share of each
#: (the bookkeeping does not depend on them). No other test calls the functions of another answer cell
#: (the vectorized loss is never compared with the naive one in a graded cell; the SGD tests bring their
#: own losses). Answer cell -> test -> the most points a mistake in that cell may cost there.
BAR_SHARE = {"test_tuning": 1.0, "test_tuning_hidden": 0.5}
ALSO_USED_BY = {"softmax_loss_vectorized": BAR_SHARE, "train_predict": BAR_SHARE}
#: Wrong entries whose loss makes the student's own SGD raise (TypeError in float(loss) on a 1-element
#: array), so that the tuning cell never fills ``results``: there is no tuning to grade, bookkeeping
#: included. Entry -> why.
BREAKS_TRAINING = {
    "vectorized_loss_as_array": "float() of a loss of shape (1,) raises in the pasted SGD",
}
#: Right implementations of every graded function, at least.
MIN_RIGHT = 15
#: One failed requirement in a message: "<requirement> (-<share>): <why, and the fix>".
FAILED_PART = re.compile(r"^(?P<what>\S.*?) \(-(?P<share>\d+(?:\.\d+)?)\): (?P<why>\S.*)$", re.DOTALL)

RIGHT_BUNDLES = bundle(RIGHT)
RIGHT_BUNDLE_OF = members(RIGHT_BUNDLES)
#: Graded again by plain nbgrader: wrong entries of four answer cells, the canonical CS231n losses
#: and two right bundles.
PLAIN_NBGRADER = ["naive_log10", "softmax_subtracts_global_max", "vectorized_gradient_loops_over_classes",
                  "train_updates_callers_W", "tuning_keeps_last_W", "canonical_cs231n_naive",
                  "canonical_cs231n_vectorized", RIGHT_BUNDLES[0].name, RIGHT_BUNDLES[-1].name]
SELF_CHECKED = RIGHT_BUNDLES[1].name


def blank_entry() -> Entry:
    """The untouched student version, as one more submission: every answer cell left as released."""
    stubs = {gid: cell.source for gid, cell in answer_cells(course.read_notebook(STUDENT_NOTEBOOK)).items()}
    return Entry("blank", "nothing filled in", stubs, frozenset(TEST_POINTS))


def own_tests(entry: Entry) -> set[str]:
    """The test cells that grade the answer cells ``entry`` replaces."""
    return {t for cell in entry.overrides for t in TESTS_OF[cell]}


def reach(entry: Entry) -> dict[str, float]:
    """Test -> the most points ``entry`` may lose there: all of its own tests, the bar of the others."""
    out = {t: float(TEST_POINTS[t]) for t in own_tests(entry)}
    for cell in entry.overrides:
        for test, cap in ALSO_USED_BY.get(cell, {}).items():
            out[test] = max(out.get(test, 0.0), TEST_POINTS[test] if entry.name in BREAKS_TRAINING else cap)
    return out


def _param(entry: Entry):
    marks = [pytest.mark.xfail(strict=True, reason=f"not caught by the notebook's tests: {entry.gap}")
             ] if entry.gap else []
    return pytest.param(entry, id=entry.name, marks=marks)


def grade_everything(folder: Path, dataset: str, env: dict[str, str]) -> dict:
    """The trusted batch, plain nbgrader on a few of its submissions and one self-check, as JSON."""
    graded = grade_catalog(ASSIGNMENT, [*CATALOG, *RIGHT_BUNDLES, *PARTIAL, blank_entry()], folder / "batch",
                           dataset=dataset, workers=2, env=env)
    rows = {student: {"score": r.score, "max_score": r.max_score, "needs_review": r.needs_review,
                      "flags": [f.text for f in r.flags],
                      "tests": {t.grade_id: t.to_dict() for t in r.tests}}
            for student, r in graded.items()}
    plain = graded.nbgrader_scores(PLAIN_NBGRADER, folder / "plain")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in graded.env.items():
            mp.setenv(key, value)
        notebook = graded.root / "submitted" / SELF_CHECKED / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
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
    return once_for_all_workers(tmp_path_factory, f"softmax_catalog_{dataset}",
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


def _log_space_shares() -> dict[str, float]:
    """Test cell -> the share of its log-space requirement, as the notebook's rubric says."""
    out = {}
    for c in course.read_notebook(SOLUTION).cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id", "")
        found = re.findall(r'requirement\("log-space:.*?",\s*(\d+(?:\.\d+)?)\)', c.source, re.DOTALL)
        if c.cell_type == "code" and found:
            (share,) = found
            out[gid] = float(share)
    return out


# -- the catalogs themselves -------------------------------------------------------------------------


def test_catalog_is_well_formed():
    """At least 12 mistakes that must be caught, every answer cell covered, must_fail naming its own tests."""
    caught = [e for e in CATALOG if not e.gap]
    assert len(caught) >= 12, f"the catalog has {len(caught)} entries that must lose points, fewer than 12"
    assert len({e.name for e in CATALOG}) == len(CATALOG), "catalog names must be unique"
    covered = {cell for e in CATALOG for cell in e.overrides}
    assert covered == set(TESTS_OF), f"answer cells with no wrong version: {sorted(set(TESTS_OF) - covered)}"
    solution = course.read_notebook(SOLUTION)
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in solution.cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
    assert points == TEST_POINTS, "the notebook's test cells or points changed: update TESTS_OF"
    assert set(TESTS_OF) <= set(answer_cells(solution))
    assert set(BREAKS_TRAINING) <= {e.name for e in CATALOG}
    for e in [*CATALOG, *PARTIAL]:
        assert set(e.overrides) <= set(TESTS_OF), (e.name, sorted(e.overrides))
        assert e.must_fail <= own_tests(e), (e.name, sorted(e.must_fail - own_tests(e)))
        assert e.mistake and all(src.strip() for src in e.overrides.values()), e.name
        for src in e.overrides.values():
            compile(src, e.name, "exec")  # a mistake, not a syntax error
        for test, points in e.exact_loss.items():
            assert 0 < points < TEST_POINTS[test] and (4 * points).is_integer(), (e.name, test, points)


def test_right_catalog_is_well_formed():
    """At least 15 right, differently written versions of every graded function, keeping their tests."""
    names = [e.name for e in RIGHT]
    assert len(set(names)) == len(names), "right entry names must be unique"
    others = {e.name for e in [*CATALOG, *PARTIAL]} | {REFERENCE, "blank"}
    assert not set(names) & others and not {b.name for b in RIGHT_BUNDLES} & others
    sources: dict[str, set[str]] = {fn: set() for fns in FUNCTIONS_OF.values() for fn in fns}
    for e in RIGHT:
        assert e.right and e.mistake, e.name
        assert len(e.overrides) == 1 and set(e.overrides) <= set(TESTS_OF), (e.name, sorted(e.overrides))
        (cell, src), = e.overrides.items()
        assert e.keeps == set(TESTS_OF[cell]), (e.name, sorted(e.keeps))
        if cell == "tuning":
            assert VARIES[e.name] == "tuning"
            continue
        defined = _defined_functions(src)
        assert FUNCTIONS_OF[cell] <= set(defined), (e.name, sorted(defined))
        assert VARIES[e.name] in FUNCTIONS_OF[cell], (e.name, VARIES[e.name])
        sources[VARIES[e.name]].add(ast.dump(ast.parse(defined[VARIES[e.name]])))  # code, not comments
    few = {fn: len(s) for fn, s in sources.items() if len(s) < MIN_RIGHT}
    assert not few, f"fewer than {MIN_RIGHT} differently written right implementations: {few}"
    assert sum(VARIES[e.name] == "tuning" for e in RIGHT) >= 3, "a few right tuning cells"
    assert sorted(RIGHT_BUNDLE_OF) == sorted(names)
    assert len(RIGHT_BUNDLES) == max(sum(cell in e.overrides for e in RIGHT) for cell in TESTS_OF)


def test_partial_entries_are_priced_at_the_notebooks_shares():
    """The canonical CS231n losses must lose exactly the log-space share the rubric gives each test cell."""
    shares = _log_space_shares()
    naive, vectorized = sorted(TESTS_OF["softmax_loss_naive"]), sorted(TESTS_OF["softmax_loss_vectorized"])
    assert set(shares) == set(naive) | set(vectorized), shares
    assert set(shares.values()) == {LOG_SPACE_SHARE}, shares
    by_name = {e.name: e for e in PARTIAL}
    assert dict(by_name["canonical_cs231n_naive"].exact_loss) == {t: shares[t] for t in naive}
    assert dict(by_name["canonical_cs231n_vectorized"].exact_loss) == {t: shares[t] for t in vectorized}
    for e in PARTIAL:
        right_there = (set(TEST_POINTS) - own_tests(e)) | (own_tests(e) - e.must_fail)
        assert not e.right and e.keeps == right_there, e.name


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
@pytest.mark.parametrize("entry", [_param(e) for e in CATALOG])
def test_wrong_implementation_loses_points(graded, entry):
    assert graded["rows"][REFERENCE]["score"] == FULL_MARKS, lost(graded, REFERENCE)
    row, lost_ = graded["rows"][entry.name], lost(graded, entry.name)
    assert row["max_score"] == FULL_MARKS, f"{entry.name}: graded out of {row['max_score']:g}"
    # An honest mistake, not a malformed or tampered submission.
    assert not row["needs_review"] and not row["flags"], f"{entry.name}: flagged {row['flags']}"
    limits = reach(entry)
    beyond = {t: v for t, v in lost_.items() if v > limits.get(t, 0.0) + 1e-9}
    assert not beyond, (
        f"{entry.name} ({entry.mistake}) lost points outside its reach {limits}: "
        + "; ".join(f"{t} -{v:g}: {row['tests'][t]['message']}" for t, v in sorted(beyond.items())))
    assert set(lost_) & own_tests(entry), f"{entry.name} ({entry.mistake}) kept every point of its own tests"
    missed = sorted(entry.must_fail - set(lost_))
    assert not missed, (
        f"{entry.name} ({entry.mistake}) passed {missed}, which must catch it; "
        f"it lost points only in {sorted(lost_)}")
    for test, points in entry.exact_loss.items():
        assert lost_[test] == pytest.approx(points), (entry.name, test, lost_[test], points)


@pytest.mark.slow
@pytest.mark.parametrize("entry", [pytest.param(e, id=e.name) for e in PARTIAL])
def test_right_but_for_one_requirement_loses_exactly_its_share(graded, entry):
    row, lost_ = graded["rows"][entry.name], lost(graded, entry.name)
    assert not row["needs_review"] and not row["flags"], f"{entry.name}: flagged {row['flags']}"
    kept = {t: lost_[t] for t in entry.keeps if t in lost_}
    assert not kept, (f"{entry.name} ({entry.mistake}) lost points where it is right: "
                      + "; ".join(f"{t} -{v:g}: {row['tests'][t]['message']}" for t, v in kept.items()))
    missed = sorted(entry.must_fail - set(lost_))
    assert not missed, f"{entry.name} ({entry.mistake}) passed {missed}, which must catch it"
    for test, points in entry.exact_loss.items():
        assert lost_[test] == pytest.approx(points), (
            f"{entry.name} ({entry.mistake}) lost {lost_[test]:g} points in {test}, not the share {points:g} "
            f"of the requirement it breaks: {row['tests'][test]['message']}")


@pytest.mark.slow
@pytest.mark.parametrize("name", [e.name for e in [*CATALOG, *PARTIAL]] + ["blank"])
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
