"""Grade a catalog of wrong implementations of an assignment in one trusted batch.

A catalog is a list of :class:`Entry`: a mistake a student really makes, written as complete
replacement answer cells. :func:`write_course` builds a throw-away course from the repository's
``nbgrader_config.py`` and ``solutions/<assignment>/``, released (once per test session, then
copied), and writes one submission per entry (the full solution except the entry's cells) plus a
``reference`` submission (the full solution); :func:`grade_written` grades them all with
:func:`cs231n_utils.grader.batch.grade_class`, and :func:`nbgrader_scores` grades copies of some
with plain nbgrader."""

from __future__ import annotations

import ast
import copy
import shutil
import symtable
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from cs231n_utils import config, course
from cs231n_utils.grader.batch import grade_class
from cs231n_utils.grader.job import JOB_ENV
from cs231n_utils.grader.records import StudentReport
from cs231n_utils.grader.sandbox import Limits
from cs231n_utils.submissions import answer_cells, build_submission, write_submission

from ..releases import released_copy

REPO = Path(__file__).resolve().parents[2]
REFERENCE = "reference"


@dataclass(frozen=True)
class Entry:
    """One wrong implementation: what the mistake is, the cells it replaces, the tests that must catch it."""

    name: str  #: also the student id of its submission
    mistake: str  #: the mistake (or, for a right entry, the style), as a student would say it
    overrides: Mapping[str, str]  #: answer cell grade_id -> full replacement source
    must_fail: frozenset[str] = frozenset()  #: test cell grade_ids that must lose points
    gap: str = ""  #: non-empty when the notebook's tests are known not to catch it (xfail reason)
    keeps: frozenset[str] = frozenset()  #: test cell grade_ids that must keep full marks
    #: test cell grade_id -> exactly the points it must lose (a defect in one requirement)
    exact_loss: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "must_fail", frozenset(self.must_fail) | frozenset(self.exact_loss))
        object.__setattr__(self, "keeps", frozenset(self.keeps))
        if not self.overrides:
            raise ValueError(f"catalog entry {self.name!r} replaces no answer cell")
        if not self.must_fail and not self.keeps and not self.gap:
            raise ValueError(f"catalog entry {self.name!r} names no test that must catch or keep it")
        if self.must_fail & self.keeps:
            both = sorted(self.must_fail & self.keeps)
            raise ValueError(f"catalog entry {self.name!r} must both fail and keep {both}")

    @property
    def right(self) -> bool:
        """A right implementation: it must lose nothing."""
        return not self.must_fail and not self.gap


def swap(source: str, old: str, new: str) -> str:
    """``source`` with its single ``old`` replaced by ``new`` (a wrong version must differ)."""
    if source.count(old) != 1:
        raise ValueError(f"expected exactly one {old!r} in the source, found {source.count(old)}")
    return source.replace(old, new)


def on_grid(source: str, grid: Mapping[str, str]) -> str:
    """``source`` with each hyperparameter list ``old`` of ``grid`` replaced by its ``new`` (once
    each: a tuning cell searches ``grid``'s values, in the way it is written)."""
    for old, new in grid.items():
        source = swap(source, old, new)
    return source


def cell(*functions: str) -> str:
    """One answer cell holding the given function definitions."""
    return "\n\n\n".join(f.strip("\n") for f in functions) + "\n"


def _function_spans(source: str) -> dict[str, tuple[int, int]]:
    """Top-level function name -> (first line, line after its end), 0-based, in ``source``."""
    return {node.name: (node.lineno - 1 - len(node.decorator_list), node.end_lineno)
            for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


def _without_functions(source: str, names: Iterable[str]) -> str:
    """``source`` with the top-level definitions of ``names`` removed."""
    lines = source.splitlines()
    spans = _function_spans(source)
    for start, end in sorted((spans[n] for n in names if n in spans), reverse=True):
        del lines[start:end]
    return "\n".join(lines).strip("\n")


def merge_variants(variants: Mapping[str, str]) -> str:
    """One answer cell from variants of its functions, one variant per function.

    ``variants`` maps a function of the cell to a whole cell in which that function is
    rewritten (and the others are the standard ones). The result keeps each variant's own
    function, and whatever else its cell defines, and drops its copies of the other varied
    functions: right implementations of two functions of one cell graded in one submission.
    """
    parts = [_without_functions(src, [g for g in variants if g != f]) for f, src in variants.items()]
    return "\n\n\n".join(parts) + "\n"


def _pairable(entry: Entry, function: str | None) -> bool:
    """Whether ``entry`` rewrites only ``function``, a top-level function of its only answer cell."""
    return (function is not None and len(entry.overrides) == 1
            and function in _function_spans(next(iter(entry.overrides.values()))))


def _fits(bundle_: dict[str, dict[str | None, Entry]], entry: Entry, function: str | None) -> bool:
    """Whether ``entry`` (rewriting ``function``, None for its whole cells) can join ``bundle_``."""
    taken = [bundle_.get(cell, {}) for cell in entry.overrides]
    return all(not t or (function is not None and None not in t and function not in t) for t in taken)


def bundle(entries: Iterable[Entry], prefix: str = "right",
           varies: Callable[[Entry], str] | None = None) -> list[Entry]:
    """Right entries combined into as few submissions as their answer cells allow.

    Right entries lose no points, and a function's points depend on that function only, so
    right implementations of *different* answer cells can share one submission: each bundle
    takes at most one entry per answer cell. With ``varies`` (entry -> the function it
    rewrites), entries that rewrite *different functions of one cell* share it too (the cell
    is rebuilt by :func:`merge_variants`), so a cell of two functions needs half the bundles.
    A bundle keeps every test its entries keep. Returns the bundles, named ``<prefix>_01``,
    ``<prefix>_02``, ...; :func:`members` maps back.
    """
    bundles: list[dict[str, dict[str | None, Entry]]] = []  # cell -> function (None: whole cell) -> entry
    for entry in entries:
        if not entry.right:
            raise ValueError(f"only right entries can be bundled, not {entry.name!r}")
        function = varies(entry) if varies else None
        function = function if _pairable(entry, function) else None

        home = next((b for b in bundles if _fits(b, entry, function)), None)
        if home is None:
            home = {}
            bundles.append(home)
        for cell in entry.overrides:
            home.setdefault(cell, {})[function] = entry
    out = []
    for i, cells in enumerate(bundles, 1):
        parts = list({e.name: e for by_function in cells.values() for e in by_function.values()}.values())
        overrides = {}
        for cell, by_function in cells.items():
            if len(by_function) == 1:
                (only,) = by_function.values()
                overrides[cell] = only.overrides[cell]
            else:
                overrides[cell] = merge_variants({f: e.overrides[cell] for f, e in by_function.items()})
        out.append(Entry(name=f"{prefix}_{i:02d}", mistake=" + ".join(e.name for e in parts),
                         overrides=overrides, keeps=frozenset().union(*(e.keeps for e in parts))))
    return out


def bundle_wrong(entries: Iterable[Entry], reach: Callable[[Entry], Iterable[str]],
                 prefix: str = "wrong") -> list[Entry]:
    """Wrong entries combined into submissions whose members cannot blur each other's grades.

    Two entries share a submission only if they replace different answer cells, neither calls a
    function the other rewrites, and no test that ``reach`` (entry -> every test cell it may make
    lose points) gives both is one either of them asserts something about (``must_fail``,
    ``exact_loss``, ``keeps``): then every test an entry is judged on loses points for it alone.
    Returns the bundles (their ``must_fail`` the union of their members'), named ``<prefix>_01``,
    ...; :func:`members` maps back.
    """
    def calls(a: Entry, b: Entry) -> bool:  # a's code uses a function b's cells define
        defined = {n for src in b.overrides.values() for n in _function_spans(src)}
        return any(_bound_and_used(src)[1] & defined for src in a.overrides.values())

    def asserted(e: Entry) -> set[str]:  # the tests whose outcome the entry's checks depend on
        return set(e.must_fail) | set(e.exact_loss) | set(e.keeps)

    def apart(a: Entry, ta: set[str], b: Entry, tb: set[str]) -> bool:
        # Sharing a test both may cost points is harmless while neither asserts anything there.
        return not (set(a.overrides) & set(b.overrides) or ta & tb & (asserted(a) | asserted(b))
                    or calls(a, b) or calls(b, a))

    groups: list[list[tuple[Entry, set[str]]]] = []
    for entry in entries:
        tests = set(reach(entry))
        home = next((g for g in groups if all(apart(e, t, entry, tests) for e, t in g)), None)
        if home is None:
            groups.append([(entry, tests)])
        else:
            home.append((entry, tests))
    out = []
    for i, group in enumerate(groups, 1):
        parts = [e for e, _ in group]
        must_fail = frozenset().union(*(e.must_fail for e in parts))
        out.append(Entry(name=f"{prefix}_{i:02d}", mistake=" + ".join(e.name for e in parts),
                         overrides={k: v for e in parts for k, v in e.overrides.items()}, must_fail=must_fail,
                         gap="" if must_fail else "only entries the tests cannot see"))
    return out


def members(bundles: Iterable[Entry]) -> dict[str, str]:
    """Entry name -> the name of the bundle that holds it."""
    return {name: b.name for b in bundles for name in b.mistake.split(" + ")}


class GradedCatalog(dict[str, StudentReport]):
    """Student id (entry names and ``reference``) -> StudentReport, and where and how they were graded."""

    def __init__(self, root: Path, assignment: str, dataset: str, env: Mapping[str, str],
                 reports: Mapping[str, StudentReport]):
        super().__init__(reports)
        self.root = root  #: the course folder
        self.assignment = assignment
        self.dataset = dataset  #: CS231N_DATASET of the graded notebooks
        self.env = dict(env)  #: the environment variables they were graded with

    def lost(self, name: str) -> dict[str, float]:
        """Test grade_id -> points lost, for the tests of ``name`` that did not earn full marks."""
        return {t.grade_id: t.lost for t in self[name].tests if not t.passed}

    def scores(self, name: str) -> dict[str, float]:
        """Test grade_id -> points earned, as the trusted grader decided."""
        return {t.grade_id: t.score for t in self[name].tests}

    def messages(self, name: str) -> dict[str, str]:
        """Test grade_id -> the message of a test that lost points."""
        return {t.grade_id: t.message for t in self[name].tests if not t.passed}

    def verdicts(self, name: str) -> dict[str, bool]:
        """Test grade_id -> passed, as the trusted grader decided."""
        return {t.grade_id: t.passed for t in self[name].tests}


def nbgrader_scores(assignment: str, root: Path, students: Iterable[str], dest: Path,
                    env: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Grade copies of submissions of the course at ``root`` with plain ``nbgrader autograde``.

    The copies go to a course of their own at ``dest`` (the same release), so this may run while
    the kit grades the originals. ``env``: the notebooks' environment variables (the dataset).
    Returns student -> test grade_id -> points nbgrader gave.
    """
    dest = make_course(assignment, Path(dest))
    students = list(students)
    for student in students:
        shutil.copytree(Path(root) / "submitted" / student, dest / "submitted" / student)
    course.autograde(dest, assignment, env={**env, **JOB_ENV})  # one BLAS thread, as the kit's jobs
    book = {row.student: row for row in course.grade_table(dest, assignment)}
    return {s: {gid: float(score) for gid, (score, _top) in book[s].cells.items()} for s in students}


def _bound_and_used(source: str) -> tuple[set[str], set[str]]:
    """(global names a cell binds, global names it reads), scope by scope as Python resolves them.

    A function's parameters and locals are its own (``def f(W): ...`` reads no global ``W``); a
    name a nested scope reads without binding it (or declares ``global``) is the cell's. The
    approximation is per cell, not per line: a name the cell binds anywhere at its top level is
    counted as its own even where it is read first.
    """
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    top = symtable.symtable("\n".join(lines), "<cell>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    used = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    tables = list(top.get_children())
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        for sym in table.get_symbols():
            if sym.is_global():  # a module-level name (a closure's are its enclosing function's)
                if sym.is_referenced():
                    used.add(sym.get_name())
                if sym.is_declared_global() and sym.is_assigned():
                    bound.add(sym.get_name())
    return bound, used


def graded_core(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without the ungraded code cells nothing graded needs.

    Kept: every markdown cell, every nbgrader cell (answers, tests, written answers), every
    ``setup`` cell, and any other code cell that binds a name a kept cell after it reads.
    Dropped: demonstrations, plots, timing comparisons and the self-check button, which take
    most of a notebook's time on digits and decide no point. The catalogs ask what the *tests*
    give each implementation; the whole notebook is graded elsewhere (tests/test_notebooks.py).
    """
    nb = copy.deepcopy(nb)
    needed: set[str] = set()
    kept = []
    for cell in reversed(nb.cells):
        if cell.cell_type != "code":
            kept.append(cell)
            continue
        bound, used = _bound_and_used(cell.source)
        meta = cell.metadata.get("nbgrader", {})
        essential = meta.get("grade") or meta.get("solution") or "setup" in cell.metadata.get("tags", [])
        if essential or bound & needed:
            kept.append(cell)
            needed |= used - bound  # a name the cell binds itself is its own
    nb.cells = kept[::-1]
    return nb


def make_course(assignment: str, root: Path, core: bool = True) -> Path:
    """A course folder at ``root`` with the repository's config and ``solutions/<assignment>/``, released.

    ``core``: the source notebooks reduced to their :func:`graded_core` (plain nbgrader's course,
    made by :func:`nbgrader_scores`, is reduced the same way). In a test session
    the release is made once and copied (:mod:`tests.releases`).
    """
    def build(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "nbgrader_config.py", folder / "nbgrader_config.py")
        shutil.copytree(REPO / "solutions" / assignment, folder / "solutions" / assignment,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        if core:
            for path in (folder / "solutions" / assignment).glob("*.ipynb"):
                nbformat.write(graded_core(nbformat.read(path, as_version=4)), path)
        course.release(folder, [assignment])

    return released_copy(f"{assignment}-{'core' if core else 'whole'}", build, Path(root))


def write_catalog(root: Path, assignment: str, entries: Iterable[Entry]) -> list[str]:
    """Write one submission per entry and the reference; return the student ids written."""
    entries = list(entries)
    names = [e.name for e in entries]
    if REFERENCE in names or len(set(names)) != len(names):
        raise ValueError(f"catalog names must be unique and not {REFERENCE!r}: {sorted(names)}")
    written = []
    for solution in sorted((root / "solutions" / assignment).glob("*.ipynb")):
        solution_nb = course.read_notebook(solution)
        student_nb = course.read_notebook(root / "assignments" / assignment / solution.name)
        present = set(answer_cells(student_nb))  # a multi-notebook assignment splits the cells
        for entry in [None, *entries]:
            overrides = {} if entry is None else {k: v for k, v in entry.overrides.items() if k in present}
            nb = build_submission(student_nb, solution_nb, overrides=overrides)
            student = REFERENCE if entry is None else entry.name
            write_submission(nb, root, student, assignment, solution.name)
            written.append(student)
    return sorted(set(written))


def write_course(assignment: str, entries: Iterable[Entry], tmp_path: Path) -> Path:
    """The released course at ``tmp_path/course`` with one submission per entry and the reference.

    Every override must name an answer cell of the assignment (a ValueError says which do not).
    """
    entries = list(entries)
    root = make_course(assignment, Path(tmp_path) / "course")
    unknown = {k for e in entries for k in e.overrides}
    for solution in (root / "assignments" / assignment).glob("*.ipynb"):
        unknown -= set(answer_cells(course.read_notebook(solution)))
    if unknown:
        raise ValueError(f"catalog overrides name no answer cell of {assignment}: {sorted(unknown)}")
    write_catalog(root, assignment, entries)
    return root


def notebook_env(dataset: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment variables the graded notebooks run with."""
    return {**(env or {}), config.DATASET: dataset, "MPLBACKEND": "Agg"}


def grade_written(root: Path, assignment: str, dataset: str = "digits", workers: int = 2,
                  limits: Limits | None = None, env: Mapping[str, str] | None = None) -> GradedCatalog:
    """Grade the submissions :func:`write_course` wrote, in one trusted batch."""
    # The catalogs ask what the tests give each entry: the gradebook is not needed (it is checked
    # where the pipeline is, tests/test_trusted.py and tests/test_partial_credit.py).
    rows = grade_class(root, assignment, workers=workers, limits=limits, progress=False, dataset=dataset,
                       data_env=dict(env or {}), record=False)
    return GradedCatalog(root, assignment, dataset, notebook_env(dataset, env), {r.student: r for r in rows})
