"""The SVM assignment's tests are fair and proportionate: wrong work loses its share, right work nothing.

Two catalogs are graded together in one trusted batch (on ``digits``), with the full solution
and the untouched student version:

- tests/catalog/svm_wrong.py: mistakes students really make. Each must lose points in the test
  cells there to catch it (exactly the share of the broken requirement where ``exact_loss``
  says so), nowhere but in the tests of the functions it breaks (no cascade into another
  function's points), with a message that names each failed requirement and its share, and be
  graded as honest work (no flag, no review).
- tests/catalog/svm_right.py: right implementations in many styles (other NumPy functions,
  other summation orders, float32 arithmetic, loops where they are allowed). They are bundled,
  one per answer cell, into few submissions; every entry must keep full marks on the tests of
  its function, and every bundle must earn full marks.

A few submissions are graded again by plain nbgrader, which must give the same points in every
test cell, and one right bundle goes through the student's self-check.

Under pytest-xdist the batch runs once: the first worker to get here grades, the others wait for
its results. Set ``CS231N_CATALOG_DATASET=cifar10-subset`` to grade on the shared CIFAR-10 subset
instead (much slower; skipped when the file is absent).
"""

import os
import re
from pathlib import Path

import pytest

from cs231n_utils import course, selfcheck
from cs231n_utils.grader.records import StudentReport
from cs231n_utils.submissions import answer_cells

from .catalog.harness import REFERENCE, Entry, GradedCatalog, bundle, grade_catalog, members
from .catalog.svm_right import RIGHT, function_of
from .catalog.svm_wrong import CATALOG
from .conftest import find_cifar10_subset, once_for_all_workers

ASSIGNMENT = "svm"
REPO = Path(__file__).resolve().parents[1]
#: answer cell -> the test cells that grade it, with their points
TESTS_OF = {
    "score_function": {"test_score_function": 1, "test_score_function_hidden": 1},
    "svm_loss_naive": {"test_svm_loss_naive": 2, "test_svm_loss_naive_hidden": 3},
    "svm_loss_vectorized": {"test_svm_loss_vectorized": 2, "test_svm_loss_vectorized_hidden": 3},
    "train_predict": {"test_train_predict": 2, "test_train_predict_hidden": 3},
    "tuning": {"test_tuning": 2, "test_tuning_hidden": 2},
}  # fmt: skip
#: answer cell -> further tests that use its functions, and so may lose points with it: the tuning
#: cell trains with the vectorized loss and the training code. No other test uses another answer
#: cell's functions (the visible vectorized test compares with literal values, not with the naive
#: version; the training tests use their own losses).
ALSO_USED_BY = {
    "svm_loss_vectorized": {"test_tuning", "test_tuning_hidden"},
    "train_predict": {"test_tuning", "test_tuning_hidden"},
}
TEST_POINTS = {test: points for tests in TESTS_OF.values() for test, points in tests.items()}
FULL_MARKS = sum(TEST_POINTS.values())  # 21
#: Every graded function has at least this many right versions.
MIN_RIGHT_PER_FUNCTION = 15
FUNCTIONS = ("linear_scores", "bias_trick", "svm_loss_naive", "svm_loss_vectorized",
             "train_linear_classifier", "predict_linear_classifier")
BUNDLES = bundle(RIGHT)
BUNDLE_OF = members(BUNDLES)
#: Graded again by plain nbgrader: a result read through the bridge (a 1-element array), a static
#: check on the source (no loops), arrays modified in place in the sandbox, and two right bundles.
PARITY = ("naive_loss_as_array", "vectorized_loops_over_examples", "train_mutates_callers_W",
          BUNDLES[0].name, BUNDLES[-1].name)
#: One FAILED requirement in a message: "<requirement> (-<share>): <why>".
REQUIREMENT = re.compile(r"^(?P<what>.+?) \(-(?P<share>\d+(?:\.\d+)?)\): (?P<why>.+)$", re.S)


def blank_entry() -> Entry:
    """The untouched student version, as one more submission: every answer cell left as released."""
    student_nb = course.read_notebook(REPO / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    stubs = {gid: cell.source for gid, cell in answer_cells(student_nb).items()}
    return Entry("blank", "nothing filled in", stubs, frozenset(TEST_POINTS))


def own_tests(entry: Entry) -> set[str]:
    """The test cells that grade the answer cells ``entry`` replaces."""
    return {t for cell in entry.overrides for t in TESTS_OF[cell]}


def affected_tests(entry: Entry) -> set[str]:
    """The test cells ``entry`` may make lose points: its own, and those of cells that use its functions."""
    return own_tests(entry).union(*(ALSO_USED_BY.get(cell, set()) for cell in entry.overrides))


def failed_requirements(message: str) -> list[tuple[str, float, str]]:
    """(requirement, share, why) for every failed requirement a test cell's message lists."""
    out = []
    for part in message.split(" | "):
        match = REQUIREMENT.match(part.strip())
        assert match, f"not a failed requirement '<what> (-<share>): <why>': {part!r}"
        out.append((match["what"], float(match["share"]), match["why"]))
    return out


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

    def grade(folder: Path) -> dict:
        result = grade_catalog(ASSIGNMENT, [*CATALOG, *BUNDLES, blank_entry()], folder, dataset=dataset,
                               workers=2, env=env)
        return {"root": str(result.root), "dataset": result.dataset, "env": result.env,
                "reports": {name: report.to_dict() for name, report in result.items()}}

    saved = once_for_all_workers(tmp_path_factory, f"svm_catalog_{dataset}", grade)
    reports = {name: StudentReport.from_dict(report) for name, report in saved["reports"].items()}
    return GradedCatalog(Path(saved["root"]), ASSIGNMENT, saved["dataset"], saved["env"], reports)


# -- the catalogs themselves ----------------------------------------------------------------------


def test_wrong_catalog_is_well_formed():
    """At least 14 distinct mistakes, every answer cell covered, must_fail and keeps naming real tests."""
    assert len(CATALOG) >= 14, f"the catalog has {len(CATALOG)} entries, fewer than 14"
    assert len({e.name for e in CATALOG}) == len(CATALOG), "catalog names must be unique"
    covered = {cell for e in CATALOG for cell in e.overrides}
    missing = sorted(set(TESTS_OF) - covered)
    assert not missing, f"answer cells without a wrong version: {missing}"
    for e in CATALOG:
        assert not e.right, f"{e.name} names no test that must catch it"
        assert set(e.overrides) <= set(TESTS_OF), (e.name, sorted(e.overrides))
        assert e.must_fail <= affected_tests(e), (e.name, sorted(e.must_fail - affected_tests(e)))
        assert e.keeps <= set(TEST_POINTS), (e.name, sorted(e.keeps - set(TEST_POINTS)))
        for test, share in e.exact_loss.items():
            assert 0 < share <= TEST_POINTS[test] and (4 * share).is_integer(), (e.name, test, share)
        assert e.mistake and all(src.strip() for src in e.overrides.values()), e.name


def test_right_catalog_is_well_formed():
    """At least 15 right versions of every graded function, a few tuning cells, unique names, bundles."""
    names = [e.name for e in RIGHT]
    assert len(set(names)) == len(names), "right entry names must be unique"
    assert not set(names) & ({e.name for e in CATALOG} | {REFERENCE, "blank"}), "a right entry reuses a name"
    per_function = {f: sum(function_of(e) == f for e in RIGHT) for f in (*FUNCTIONS, "tuning")}
    for f in FUNCTIONS:
        assert per_function[f] >= MIN_RIGHT_PER_FUNCTION, f"only {per_function[f]} right versions of {f}"
    assert per_function["tuning"] >= 3, f"only {per_function['tuning']} right tuning cells"
    for e in RIGHT:
        assert e.right and len(e.overrides) == 1, e.name
        assert e.keeps == own_tests(e), f"{e.name} must keep exactly the tests of its answer cell"
        assert e.mistake and all(src.strip() for src in e.overrides.values()), e.name
    # Every right entry is in exactly one bundle, and a bundle replaces each answer cell at most once.
    assert sorted(BUNDLE_OF) == sorted(names)
    for b in BUNDLES:
        parts = [e for e in RIGHT if BUNDLE_OF[e.name] == b.name]
        cells = [cell for e in parts for cell in e.overrides]
        assert len(cells) == len(set(cells)), (b.name, cells)
        assert b.overrides == {k: v for e in parts for k, v in e.overrides.items()}, b.name


# -- the graded batch -----------------------------------------------------------------------------


@pytest.mark.slow
def test_reference_earns_full_marks_and_blank_nothing(graded):
    ref = graded[REFERENCE]
    assert (ref.score, ref.max_score) == (FULL_MARKS, FULL_MARKS), (
        f"the reference solution scored {ref.score:g}/{ref.max_score:g} on {graded.dataset}: "
        f"{graded.messages(REFERENCE)}")
    blank = graded["blank"]
    assert (blank.score, blank.max_score) == (0, FULL_MARKS), (
        f"the untouched notebook earned {blank.score:g} points: {graded.scores('blank')}")
    assert not blank.needs_review and not blank.flags, blank.flags


@pytest.mark.slow
@pytest.mark.parametrize("entry", [_param(e) for e in CATALOG])
def test_wrong_implementation_loses_its_share(graded, entry):
    row = graded[entry.name]
    lost = graded.lost(entry.name)
    assert row.max_score == FULL_MARKS, f"{entry.name}: graded out of {row.max_score:g}"
    assert row.score < FULL_MARKS, f"{entry.name} ({entry.mistake}) kept all {row.score:g} points"
    missed = sorted(entry.must_fail - set(lost))
    assert not missed, (
        f"{entry.name} ({entry.mistake}) passed {missed}, which must catch it; "
        f"it lost points only in {sorted(lost) or 'none'}")
    for test, share in entry.exact_loss.items():
        assert lost.get(test) == pytest.approx(share), (
            f"{entry.name} must lose exactly {share:g} in {test} (the broken requirement's share), "
            f"lost {lost.get(test, 0):g}: {graded.messages(entry.name).get(test, '')}")
    # No cascade: a function's points depend on that function (and, for tuning, on what it uses).
    elsewhere = sorted(set(lost) - affected_tests(entry))
    assert not elsewhere, (f"{entry.name} also lost points in {elsewhere}, which do not test what it "
                           f"changes: {[graded.messages(entry.name)[t] for t in elsewhere]}")
    kept = sorted(entry.keeps & set(lost))
    assert not kept, f"{entry.name} lost points in {kept}: {[graded.messages(entry.name)[t] for t in kept]}"
    # Each lost share is explained: the failed requirements, their shares adding up to what was lost.
    for test, points in lost.items():
        message = graded.messages(entry.name)[test]
        failed = failed_requirements(message)
        assert all(what and why for what, _, why in failed), (test, message)
        assert sum(share for _, share, _ in failed) == pytest.approx(points), (
            f"{entry.name}: {test} lost {points:g} but its message accounts for "
            f"{sum(s for _, s, _ in failed):g}: {message}")
    # An honest mistake, not a malformed or tampered submission.
    assert not row.needs_review and not row.flags, f"{entry.name}: flagged {row.flags}"


@pytest.mark.slow
@pytest.mark.parametrize("entry", RIGHT, ids=lambda e: e.name)
def test_right_implementation_keeps_its_points(graded, entry):
    name = BUNDLE_OF[entry.name]
    lost = {t: p for t, p in graded.lost(name).items() if t in entry.keeps}
    assert not lost, (f"{entry.name} ({entry.mistake}, graded in {name}) lost {lost}: "
                      f"{[graded.messages(name)[t] for t in lost]}")


@pytest.mark.slow
@pytest.mark.parametrize("right_bundle", BUNDLES, ids=lambda b: b.name)
def test_right_bundle_earns_full_marks(graded, right_bundle):
    """Right functions together (tuning included, with the bundle's own loss and training) lose nothing."""
    row = graded[right_bundle.name]
    assert (row.score, row.max_score) == (FULL_MARKS, FULL_MARKS), (
        f"{right_bundle.name} ({right_bundle.mistake}) scored {row.score:g}: "
        f"{graded.messages(right_bundle.name)}")
    assert not row.needs_review and not row.flags, row.flags


@pytest.mark.slow
def test_wrong_naive_leaves_a_right_vectorized_version_its_points(graded):
    name = "naive_gradient_not_averaged_vectorized_right"
    scores = graded.scores(name)
    for test in TESTS_OF["svm_loss_vectorized"]:
        assert scores[test] == TEST_POINTS[test], f"{test}: {graded.messages(name).get(test)}"
    for test in TESTS_OF["svm_loss_naive"]:
        assert scores[test] < TEST_POINTS[test], test
        assert "gradient" in graded.messages(name)[test], graded.messages(name)[test]


@pytest.mark.slow
def test_plain_nbgrader_gives_the_same_scores(graded, tmp_path):
    plain = graded.nbgrader_scores(PARITY, tmp_path / "plain")
    for name in PARITY:
        trusted_scores = graded.scores(name)
        differ = {t: (plain[name].get(t), trusted_scores.get(t)) for t in TEST_POINTS
                  if plain[name].get(t) != pytest.approx(trusted_scores.get(t))}
        assert not differ, f"{name}: nbgrader and the trusted grader disagree (nbgrader, trusted): {differ}"


@pytest.mark.slow
def test_self_check_passes_a_right_bundle(graded, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    for key, value in graded.env.items():
        if key != "CS231N_DATASET":
            monkeypatch.setenv(key, value)
    name = BUNDLES[1].name
    path = graded.root / "submitted" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    report = selfcheck.check_notebook(path, timeout=300, dataset=graded.dataset)
    assert report.all_visible_passed, report.format()
    assert report.visible_score == report.visible_max > 0, report.format()
