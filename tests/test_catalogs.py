"""Fair, proportionate grading of every assignment, checked on catalogs of answers.

For each assignment of tests/catalog/specs.py, one trusted batch on ``digits`` grades, together
with the full solution and the untouched student version:

- the wrong implementations (tests/catalog/<assignment>_wrong.py): each must lose points in the
  test cells there to catch it (exactly the share of the broken requirement where ``exact_loss``
  says so), nowhere but in the tests its answer cells reach (its own, and for the losses and the
  training code a capped share of the tuning tests, which train with them), with a message that
  names each failed requirement and its share, and be graded as honest work (no flag, no review).
  Mistakes whose reaches do not overlap share a submission (a *bundle*), so that every test that
  loses points in it is owed to one of them;
- the right ones (tests/catalog/<assignment>_right.py), at least 15 differently written correct
  implementations of every graded function, bundled (right versions of different functions, even
  of one answer cell, share a submission): each must keep full marks, and so must every bundle.
  Bundles that do not rewrite the tuning cell tune on one pair (the spec's ``fast_cells``), with
  their own loss and SGD, which must still reach the bar;
- implementations right but for one requirement (``partial``), graded alone: each must lose
  exactly that requirement's share.

The solution must earn full marks, the blank version zero (graded, not crashed). Plain
``nbgrader autograde`` grades a few submissions again and must give the same points in every
test cell, and the student's self-check must pass a right bundle. An entry with a ``gap`` is a
mistake the tests cannot see (expected to keep its points: xfail).

Each batch runs once per test session, whatever the number of xdist workers, and all the tests of
one assignment go to one worker (``xdist_group``), so the other keeps working meanwhile. Set
``CS231N_CATALOG_DATASET=cifar10-subset`` to grade on the shared CIFAR-10 subset instead (slower,
on the full tuning grid; skipped when the file is absent).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from cs231n_utils import course, selfcheck
from cs231n_utils.submissions import answer_cells, is_test_cell

from .catalog import softmax_right
from .catalog.harness import (
    REFERENCE,
    Entry,
    grade_written,
    graded_core,
    nbgrader_scores,
    notebook_env,
    write_course,
)
from .catalog.specs import BLANK, SPECS, CatalogSpec
from .conftest import find_cifar10_subset, grade_alongside, once_for_all_workers

REPO = Path(__file__).resolve().parents[1]
DATASET = os.environ.get("CS231N_CATALOG_DATASET", "digits")
#: One failed requirement in a message: "<requirement> (-<share>): <why, and the fix>".
FAILED_PART = re.compile(r"^(?P<what>\S.*?) \(-(?P<share>\d+(?:\.\d+)?)\): (?P<why>\S.*)$", re.DOTALL)


def _notebook(spec: CatalogSpec, folder: str) -> Path:
    return REPO / folder / spec.assignment / f"{spec.assignment}.ipynb"


def blank_entry(spec: CatalogSpec) -> Entry:
    """The untouched student version, as one more submission: every answer cell left as released."""
    student_nb = course.read_notebook(_notebook(spec, "assignments"))
    stubs = {gid: cell.source for gid, cell in answer_cells(student_nb).items()}
    return Entry(BLANK, "nothing filled in", stubs, frozenset(spec.test_points))


def _defined_functions(source: str) -> dict[str, str]:
    """Function name -> its source, for the top-level functions of an answer cell: a ``def``, or a
    name bound to another function or a lambda (``sigmoid_forward = sigmoid``), as the grader reads them."""
    tree = ast.parse(source)
    defined = {node.name: ast.get_source_segment(source, node)
               for node in tree.body if isinstance(node, ast.FunctionDef)}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and [type(t) for t in node.targets] == [ast.Name]
                and isinstance(node.value, (ast.Name, ast.Lambda))):
            defined.setdefault(node.targets[0].id, ast.get_source_segment(source, node))
    return defined


def _cases(items: Callable[[CatalogSpec], Iterable], name: Callable = lambda x: x.name,
           marks: Callable = lambda spec, x: ()) -> list:
    """pytest params (spec, item) over every assignment, one xdist group per assignment."""
    return [pytest.param(spec, item, id=f"{spec.assignment}-{name(item)}",
                         marks=[pytest.mark.xdist_group(f"catalog-{spec.assignment}"), *marks(spec, item)])
            for spec in SPECS.values() for item in items(spec)]


def _gap_mark(spec: CatalogSpec, entry: Entry) -> list:
    return [pytest.mark.xfail(strict=True, reason=f"not caught by the notebook's tests: {entry.gap}")
            ] if entry.gap else []


SPEC_CASES = [pytest.param(s, id=s.assignment, marks=pytest.mark.xdist_group(f"catalog-{s.assignment}"))
              for s in SPECS.values()]


# -- the graded batches -------------------------------------------------------------------------------


def grade_everything(spec: CatalogSpec, folder: Path, dataset: str, env: dict[str, str]) -> dict:
    """The trusted batch, plain nbgrader on a few of its submissions and one self-check, as JSON."""
    submissions = spec.submissions(quick=dataset == "digits")
    root = write_course(spec.assignment, [*submissions, blank_entry(spec)], folder / "batch")
    # Plain nbgrader grades copies of a few submissions in a course of its own (meanwhile, when
    # there is a core to spare).
    graded, plain = grade_alongside(
        lambda workers: grade_written(root, spec.assignment, dataset=dataset, workers=workers, env=env),
        lambda: nbgrader_scores(spec.assignment, root, spec.plain_students, folder / "plain",
                                notebook_env(dataset, env)))
    rows = {student: {"score": r.score, "max_score": r.max_score, "needs_review": r.needs_review,
                      "flags": [f.text for f in r.flags],
                      "tests": {t.grade_id: t.to_dict() for t in r.tests}}
            for student, r in graded.items()}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in graded.env.items():
            mp.setenv(key, value)
        notebook = graded.root / "submitted" / spec.self_checked / spec.assignment / _notebook(spec, "").name
        report = selfcheck.check_notebook(notebook, dataset=dataset)
    return {"dataset": dataset, "rows": rows, "plain": plain,
            "selfcheck": {"all_visible_passed": report.all_visible_passed,
                          "results": [(r.grade_id, r.kind, r.status, r.score, r.points, r.message)
                                      for r in report.results]}}


class Graded:
    """One assignment's graded batch: rows per student, plain nbgrader's scores, the self-check."""

    def __init__(self, spec: CatalogSpec, saved: dict):
        self.spec, self.dataset = spec, saved["dataset"]
        self.rows, self.plain, self.selfcheck = saved["rows"], saved["plain"], saved["selfcheck"]

    def lost(self, student: str) -> dict[str, float]:
        """Test grade_id -> points lost, for the tests of ``student`` that did not earn full marks."""
        tests = self.rows[student]["tests"]
        return {gid: t["points"] - t["score"] for gid, t in tests.items() if not t["passed"]}

    def scores(self, student: str) -> dict[str, float]:
        return {gid: t["score"] for gid, t in self.rows[student]["tests"].items()}

    def message(self, student: str, test: str) -> str:
        return self.rows[student]["tests"].get(test, {}).get("message", "not graded")


@pytest.fixture(scope="session")
def catalogs(tmp_path_factory) -> Callable[[CatalogSpec], Graded]:
    """spec -> its graded batch (graded on first use, once per session across xdist workers)."""
    env = {}
    if DATASET == "cifar10-subset":
        subset = find_cifar10_subset()
        if subset is None:
            pytest.skip("CS231N_CATALOG_DATASET=cifar10-subset but the shared subset file is absent")
        env["CS231N_CIFAR10_SUBSET"] = str(subset)
    cache: dict[str, Graded] = {}

    def get(spec: CatalogSpec) -> Graded:
        if spec.assignment not in cache:
            saved = once_for_all_workers(tmp_path_factory, f"{spec.assignment}_catalog_{DATASET}",
                                         lambda folder: grade_everything(spec, folder, DATASET, env))
            cache[spec.assignment] = Graded(spec, saved)
        return cache[spec.assignment]

    return get


# -- the catalogs themselves --------------------------------------------------------------------------


def test_the_graded_core_keeps_a_cell_only_for_a_global_a_later_kept_cell_reads():
    """A function's parameter or local is not a read of the global of that name; a function's or a
    comprehension's read of a global is the cell's, and so is a write declared ``global``."""
    import nbformat

    test = nbformat.v4.new_code_cell(
        "def check(W, num_iters=3):\n    return W * num_iters + sum(s for s in scale)\n\n\ncheck(W0) + late",
        metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1, "solution": False}})
    cells = {"W": "W = 1.0", "W0": "W0 = 2.0", "num_iters": "num_iters = 5", "scale": "scale = [1]",
             "late": "def f():\n    global late\n    late = 1\n\n\nf()", "plot": "import matplotlib"}
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells.values()] + [test]
    kept = [c.source for c in graded_core(nb).cells]
    assert kept == [cells["W0"], cells["scale"], cells["late"], test.source]


@pytest.mark.parametrize("spec", SPEC_CASES)
def test_the_spec_matches_the_notebook(spec):
    """The answer cells, test cells and points of the spec are the solution notebook's."""
    solution = course.read_notebook(_notebook(spec, "solutions"))
    points = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
              for c in filter(is_test_cell, solution.cells)}
    assert points == spec.test_points, "the notebook's test cells or points changed: update the spec"
    cells = answer_cells(solution)
    assert set(spec.tests_of) <= set(cells), sorted(set(spec.tests_of) - set(cells))
    for cell, functions in spec.functions_of.items():
        assert functions <= set(_defined_functions(cells[cell].source)), (cell, sorted(functions))


@pytest.mark.parametrize("spec", SPEC_CASES)
def test_wrong_catalog_is_well_formed(spec):
    """Enough mistakes that must be caught, every answer cell covered, must_fail within their reach."""
    caught = [e for e in spec.wrong if not e.gap]
    assert len(caught) >= spec.min_wrong, f"{len(caught)} entries must lose points, not {spec.min_wrong}"
    names = [e.name for e in [*spec.wrong, *spec.partial]]
    assert len(set(names)) == len(names), "catalog names must be unique"
    covered = {cell for e in spec.wrong for cell in e.overrides}
    assert covered == set(spec.tests_of), f"cells with no wrong version: {set(spec.tests_of) - covered}"
    for e in [*spec.wrong, *spec.partial]:
        assert set(e.overrides) <= set(spec.tests_of), (e.name, sorted(e.overrides))
        assert e.must_fail <= set(spec.reach(e)), (e.name, sorted(e.must_fail - set(spec.reach(e))))
        assert e.keeps <= set(spec.test_points), (e.name, sorted(e.keeps - set(spec.test_points)))
        assert e.mistake and all(src.strip() for src in e.overrides.values()), e.name
        for src in e.overrides.values():
            compile(src, e.name, "exec")  # a mistake, not a syntax error
        for test, share in e.exact_loss.items():
            assert 0 < share <= spec.test_points[test] and (4 * share).is_integer(), (e.name, test, share)
    # Every wrong entry is in one bundle; members of a bundle share no answer cell and no test they reach.
    assert sorted(spec.wrong_bundle_of) == sorted(e.name for e in spec.wrong)
    for b in spec.wrong_bundles:
        parts = [e for e in spec.wrong if spec.wrong_bundle_of[e.name] == b.name]
        for i, e in enumerate(parts):
            for o in parts[i + 1:]:
                assert not set(e.overrides) & set(o.overrides), (b.name, e.name, o.name)
                shared = set(spec.reach(e)) & set(spec.reach(o))
                for x in (e, o):  # a shared test is one neither asserts anything about
                    assert not shared & (x.must_fail | set(x.exact_loss) | x.keeps), (b.name, x.name, shared)


@pytest.mark.parametrize("spec", SPEC_CASES)
def test_right_catalog_is_well_formed(spec):
    """At least 15 right, differently written versions of every graded function, keeping their tests."""
    names = [e.name for e in spec.right]
    assert len(set(names)) == len(names), "right entry names must be unique"
    others = {e.name for e in [*spec.wrong, *spec.partial]} | {REFERENCE, BLANK}
    bundles = {b.name for b in spec.right_bundles} | {b.name for b in spec.wrong_bundles}
    assert not set(names) & (others | bundles) and not bundles & others
    sources: dict[str, set[str]] = {f: set() for fs in spec.functions_of.values() for f in fs}
    per_cell: dict[str, set[str]] = {}
    for e in spec.right:
        assert e.right and e.mistake, e.name
        assert len(e.overrides) == 1 and set(e.overrides) <= set(spec.tests_of), (e.name, sorted(e.overrides))
        ((cell, src),) = e.overrides.items()
        assert e.keeps == set(spec.tests_of[cell]), (e.name, sorted(e.keeps))
        per_cell.setdefault(cell, set()).add(ast.dump(ast.parse(src)))
        if cell not in spec.functions_of:  # a cell of no function (tuning): counted whole
            continue
        defined = _defined_functions(src)
        assert spec.functions_of[cell] <= set(defined), (e.name, sorted(defined))
        varied = spec.varies(e)
        rewritten = spec.functions_of[cell] if varied == cell else {varied}
        assert rewritten <= spec.functions_of[cell], (e.name, varied)
        for f in rewritten:
            sources[f].add(ast.dump(ast.parse(defined[f])))  # different code, not different comments
    few = {f: len(s) for f, s in sources.items() if len(s) < spec.min_right}
    assert not few, f"fewer than {spec.min_right} differently written right implementations: {few}"
    for cell, least in spec.min_right_cells.items():
        found = len(per_cell.get(cell, ()))
        assert found >= least, f"only {found} differently written right versions of the {cell} cell"
    # Every right entry is in one bundle; a bundle rewrites each function at most once.
    assert sorted(spec.right_bundle_of) == sorted(names)
    for b in spec.right_bundles:
        parts = [e for e in spec.right if spec.right_bundle_of[e.name] == b.name]
        varied = [(next(iter(e.overrides)), spec.varies(e)) for e in parts]
        assert len(varied) == len(set(varied)), (b.name, varied)
        assert set(b.overrides) == {c for e in parts for c in e.overrides}, b.name
        quick = spec.quick(b)
        assert {c: s for c, s in quick.overrides.items() if c not in b.overrides} == {
            c: s for c, s in spec.fast_cells.items() if c not in b.overrides}, b.name


@pytest.mark.parametrize("spec", SPEC_CASES)
def test_merged_cells_keep_each_variant(spec):
    """A bundled answer cell holds, for every function, the code of the entry that rewrites it."""
    for b in spec.right_bundles:
        parts = [e for e in spec.right if spec.right_bundle_of[e.name] == b.name]
        for e in parts:
            ((cell, src),) = e.overrides.items()
            varied = spec.varies(e)
            if cell not in spec.functions_of or varied == cell:
                assert b.overrides[cell] == src, (b.name, e.name)
                continue
            merged = _defined_functions(b.overrides[cell])
            assert merged[varied] == _defined_functions(src)[varied], (b.name, e.name, varied)


def test_partial_entries_are_priced_at_the_notebooks_shares():
    """The canonical CS231n softmax losses lose exactly the log-space share each test cell gives it."""
    spec = SPECS["softmax"]
    shares = {}
    for c in course.read_notebook(_notebook(spec, "solutions")).cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id", "")
        found = re.findall(r'requirement\("log-space:.*?",\s*(\d+(?:\.\d+)?)\)', c.source, re.DOTALL)
        if c.cell_type == "code" and found:
            (share,) = found
            shares[gid] = float(share)
    naive = sorted(spec.tests_of["softmax_loss_naive"])
    vectorized = sorted(spec.tests_of["softmax_loss_vectorized"])
    assert set(shares) == set(naive) | set(vectorized), shares
    assert set(shares.values()) == {softmax_right.LOG_SPACE_SHARE}, shares
    by_name = {e.name: e for e in spec.partial}
    assert dict(by_name["canonical_cs231n_naive"].exact_loss) == {t: shares[t] for t in naive}
    assert dict(by_name["canonical_cs231n_vectorized"].exact_loss) == {t: shares[t] for t in vectorized}
    for e in spec.partial:
        right_there = (set(spec.test_points) - spec.own_tests(e)) | (spec.own_tests(e) - e.must_fail)
        assert not e.right and e.keeps == right_there, e.name


# -- the graded batches -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPEC_CASES)
def test_reference_earns_full_marks_and_blank_zero(catalogs, spec):
    graded = catalogs(spec)
    ref, blank = graded.rows[REFERENCE], graded.rows[BLANK]
    assert (ref["score"], ref["max_score"]) == (spec.full_marks, spec.full_marks), (
        f"the reference solution scored {ref['score']:g}/{ref['max_score']:g} on {graded.dataset}: "
        f"{graded.lost(REFERENCE)}")
    assert not ref["needs_review"] and not ref["flags"], ref["flags"]
    assert (blank["score"], blank["max_score"]) == (0, spec.full_marks), (blank["score"], blank["max_score"])
    assert set(blank["tests"]) == set(spec.test_points), "every test cell must be graded"
    assert not blank["needs_review"] and not blank["flags"], blank["flags"]


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "wrong_bundle"), _cases(lambda s: s.wrong_bundles))
def test_wrong_bundle_loses_points_only_where_its_mistakes_reach(catalogs, spec, wrong_bundle):
    graded = catalogs(spec)
    name = wrong_bundle.name
    row = graded.rows[name]
    assert row["max_score"] == spec.full_marks, f"{name}: graded out of {row['max_score']:g}"
    # An honest mistake, not a malformed or tampered submission.
    assert not row["needs_review"] and not row["flags"], f"{name} ({wrong_bundle.mistake}): {row['flags']}"
    parts = [e for e in spec.wrong if spec.wrong_bundle_of[e.name] == name]
    limits: dict[str, float] = {}
    for e in parts:  # members may share a test they do not assert on: their caps add up
        for test, cap in spec.reach(e).items():
            limits[test] = min(spec.test_points[test], limits.get(test, 0.0) + cap)
    beyond = {t: v for t, v in graded.lost(name).items() if v > limits.get(t, 0.0) + 1e-9}
    assert not beyond, (
        f"{name} ({wrong_bundle.mistake}) lost points outside the reach of its mistakes {limits}: "
        + "; ".join(f"{t} -{v:g}: {graded.message(name, t)}" for t, v in sorted(beyond.items())))


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "entry"), _cases(lambda s: s.wrong, marks=_gap_mark))
def test_wrong_implementation_loses_its_share(catalogs, spec, entry):
    graded = catalogs(spec)
    assert graded.rows[REFERENCE]["score"] == spec.full_marks, graded.lost(REFERENCE)
    student = spec.wrong_bundle_of[entry.name]
    reach = spec.reach(entry)
    lost = {t: v for t, v in graded.lost(student).items() if t in reach}
    assert set(lost) & spec.own_tests(entry), (
        f"{entry.name} ({entry.mistake}) kept every point of its own tests {sorted(spec.own_tests(entry))}")
    missed = sorted(entry.must_fail - set(lost))
    assert not missed, (f"{entry.name} ({entry.mistake}) passed {missed}, which must catch it; "
                        f"it lost points only in {sorted(lost)}")
    for test, share in entry.exact_loss.items():
        assert lost[test] == pytest.approx(share), (
            f"{entry.name} ({entry.mistake}) lost {lost[test]:g} points in {test}, not the share {share:g} "
            f"of the requirement it breaks: {graded.message(student, test)}")
    kept = sorted(entry.keeps & set(lost))
    assert not kept, f"{entry.name} lost points in {kept}: {[graded.message(student, t) for t in kept]}"


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "entry"), _cases(lambda s: s.partial))
def test_right_but_for_one_requirement_loses_exactly_its_share(catalogs, spec, entry):
    graded = catalogs(spec)
    row, lost = graded.rows[entry.name], graded.lost(entry.name)
    assert not row["needs_review"] and not row["flags"], f"{entry.name}: flagged {row['flags']}"
    kept = {t: lost[t] for t in entry.keeps if t in lost}
    assert not kept, (f"{entry.name} ({entry.mistake}) lost points where it is right: "
                      + "; ".join(f"{t} -{v:g}: {graded.message(entry.name, t)}" for t, v in kept.items()))
    missed = sorted(entry.must_fail - set(lost))
    assert not missed, f"{entry.name} ({entry.mistake}) passed {missed}, which must catch it"
    for test, share in entry.exact_loss.items():
        assert lost[test] == pytest.approx(share), (
            f"{entry.name} ({entry.mistake}) lost {lost[test]:g} points in {test}, not the share {share:g} "
            f"of the requirement it breaks: {graded.message(entry.name, test)}")


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "student"), _cases(
    lambda s: [*(b.name for b in s.wrong_bundles), *(e.name for e in s.partial), BLANK], name=str))
def test_every_lost_point_is_explained_by_the_requirements_that_failed(catalogs, spec, student):
    """The message of a test that lost points names each failed requirement with its share and a reason."""
    graded = catalogs(spec)
    for test, points_lost in graded.lost(student).items():
        message = graded.message(student, test)
        assert message.strip(), f"{student} lost {points_lost:g} points in {test} with no message"
        parts = [FAILED_PART.match(part) for part in message.split(" | ")]
        assert all(parts), f"{student}, {test}: not a list of 'requirement (-share): reason': {message!r}"
        shares = sum(float(p["share"]) for p in parts)
        assert shares == pytest.approx(points_lost), (
            f"{student}, {test}: the failed requirements share {shares:g} points, {points_lost:g} were lost: "
            f"{message}")


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "entry"), _cases(lambda s: s.right))
def test_right_implementation_keeps_full_marks(catalogs, spec, entry):
    graded = catalogs(spec)
    student = spec.right_bundle_of[entry.name]
    got = graded.scores(student)
    short = {t: (got.get(t), spec.test_points[t]) for t in entry.keeps if got.get(t) != spec.test_points[t]}
    assert not short, (
        f"{entry.name} ({entry.mistake}, graded in {student}) is right but lost points: "
        + "; ".join(f"{t} {s}/{p}: {graded.message(student, t)}" for t, (s, p) in sorted(short.items())))


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "right_bundle"), _cases(lambda s: s.right_bundles))
def test_right_bundle_earns_full_marks(catalogs, spec, right_bundle):
    """Right functions together (tuning included, with the bundle's own loss and training) lose nothing."""
    graded = catalogs(spec)
    row = graded.rows[right_bundle.name]
    assert (row["score"], row["max_score"]) == (spec.full_marks, spec.full_marks), (
        right_bundle.name, right_bundle.mistake, graded.lost(right_bundle.name))
    assert not row["needs_review"] and not row["flags"], f"{right_bundle.name}: flagged {row['flags']}"


@pytest.mark.slow
def test_wrong_naive_leaves_a_right_vectorized_version_its_points(catalogs):
    spec = SPECS["svm"]
    graded = catalogs(spec)
    name = "naive_gradient_not_averaged_vectorized_right"
    student = spec.wrong_bundle_of[name]
    scores = graded.scores(student)
    for test in spec.tests_of["svm_loss_vectorized"]:
        assert scores[test] == spec.test_points[test], f"{test}: {graded.message(student, test)}"
    for test in spec.tests_of["svm_loss_naive"]:
        assert scores[test] < spec.test_points[test], test
        assert "gradient" in graded.message(student, test), graded.message(student, test)


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "student"), _cases(lambda s: s.plain_students, name=str))
def test_plain_nbgrader_gives_the_same_partial_scores(catalogs, spec, student):
    graded = catalogs(spec)
    assert graded.plain[student] == graded.scores(student), (
        f"{student}: plain nbgrader {graded.plain[student]}, the trusted grader {graded.scores(student)}")


@pytest.mark.slow
@pytest.mark.parametrize("spec", SPEC_CASES)
def test_the_self_check_passes_a_right_submission(catalogs, spec):
    check = catalogs(spec).selfcheck
    assert check["all_visible_passed"], [r for r in check["results"] if r[1] == "test" and r[2] != "passed"]
    visible = {t for t in spec.test_points if not t.endswith("_hidden")}
    assert {r[0] for r in check["results"] if r[1] == "test"} == visible


@pytest.mark.parametrize("spec", SPEC_CASES)
def test_fast_cells_are_python(spec):
    """A quick cell that does not even compile would fail every right bundle for a reason of its own."""
    for cell, source in spec.fast_cells.items():
        compile(source, f"{spec.assignment}:{cell}", "exec")
