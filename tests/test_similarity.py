"""Code similarity per answer cell (cs231n_utils/grader/similarity*.py): does it tell copies from
independent work, and stay quiet where short answers look alike?

The proof class is the SVM assignment's catalog of right implementations (tests/catalog/svm_right.py,
16 independent styles per function): student ``indep_<i>`` writes every function in style ``i``.
Copies of some of them are disguised as students disguise them (variables renamed, the code
reformatted, comments rewritten, independent statements reordered, a helper inlined, all at
once); one student hands in the instructor's solution, which also sits, as a "public" ``.py``
file, in the reference folder, next to last year's notebook that another student copied. Every
pair that shares an origin must rank above every pair that does not, cell by cell, and the
copies of the references must be found. The margin (lowest copy minus highest independent pair)
is printed per cell (``pytest -s``). The softmax catalog (tests/catalog/softmax_right.py) makes a
second proof class the same way; its naive losses share the canonical loop skeleton, which only
ranks below the copies once code most of a class writes counts as common (MOSS's ``-m``,
:data:`PROOF_MAX_SHARED`).
"""

from __future__ import annotations

import ast
import contextlib
import csv
import functools
import io
import json
import keyword
import shutil
import subprocess
import symtable
import sys
import tokenize
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import nbformat
import pytest

from cs231n_utils import cli
from cs231n_utils.grader import similarity_cells as cells
from cs231n_utils.grader.similarity import OVERALL, Settings, compare, run
from cs231n_utils.grader.similarity_cells import count_tokens
from cs231n_utils.grader.similarity_engine import default_max_shared
from cs231n_utils.submissions import answer_cells, build_submission, strip_solution_markers

from .catalog import softmax_right, svm_right, svm_wrong
from .catalog.harness import Entry, cell, write_course

#: The proof class is written and compared once per module: its tests share one xdist worker.
pytestmark = pytest.mark.xdist_group("similarity")

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "svm"
CELLS = ("score_function", "svm_loss_naive", "svm_loss_vectorized", "train_predict", "tuning")
SOFTMAX_CELLS = ("softmax_function", "softmax_loss_naive", "softmax_loss_vectorized", "train_predict",
                 "tuning")


# -- disguises ------------------------------------------------------------------------------------

SYNONYMS = {"loss": "total", "dW": "grad_w", "scores": "class_scores", "margin": "m", "margins": "hinge",
            "num_train": "n_ex", "N": "count", "i": "ex", "j": "c_idx", "idx": "batch_rows", "grad": "g"}


def _new_name(name: str) -> str:
    return SYNONYMS.get(name, f"my_{name}")


def _renamable(source: str) -> set[str]:
    """Names local to a function of ``source`` (not its parameters): renaming them changes nothing."""
    top = symtable.symtable(source, "<cell>", "exec")
    names, keep, tables = set(), set(), list(top.get_children())
    keep |= {s.get_name() for s in top.get_symbols()}  # the cell's own globals are used by later cells
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        for sym in table.get_symbols():
            if sym.is_parameter() or not sym.is_local():
                keep.add(sym.get_name())
            elif table.get_type() == "function":
                names.add(sym.get_name())
    return names - keep


def rename_locals(source: str) -> str:
    """``source`` with every function's local variables renamed (attributes and keywords kept)."""
    names = _renamable(source)
    lines = source.splitlines(keepends=True)
    toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    edits = []
    depth_calls: list[bool] = []  # per open bracket: is it a call's (keyword arguments inside)?
    significant = [t for t in toks if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT,
                                                     tokenize.INDENT, tokenize.DEDENT)]
    for k, tok in enumerate(significant):
        prev = significant[k - 1] if k else None
        nxt = significant[k + 1] if k + 1 < len(significant) else None
        if tok.type == tokenize.OP and tok.string in "([{":
            depth_calls.append(tok.string == "(" and prev is not None and prev.type == tokenize.NAME)
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth_calls.pop()
        elif tok.type == tokenize.NAME and tok.string in names:
            attribute = prev is not None and prev.string == "."
            keyword = depth_calls and depth_calls[-1] and nxt is not None and nxt.string == "="
            if not attribute and not keyword:
                edits.append(tok)
    for tok in reversed(edits):  # right to left, so earlier columns stay valid
        row, col = tok.start
        line = lines[row - 1]
        lines[row - 1] = line[:col] + _new_name(tok.string) + line[tok.end[1]:]
    return "".join(lines)


def reformat(source: str) -> str:
    """``source`` as a formatter writes it at 60 columns (ruff format: other line breaks, quotes,
    trailing commas)."""
    proc = subprocess.run([sys.executable, "-m", "ruff", "format", "--isolated", "--line-length", "60", "-"],
                          input=source, capture_output=True, text=True, check=True)
    return proc.stdout

def recomment(source: str) -> str:
    """``source`` with its comments removed and others written above its loops, tests and returns."""
    comments = {t.start[0]: t.start[1] for t in tokenize.generate_tokens(io.StringIO(source).readline)
                if t.type == tokenize.COMMENT}
    out = []
    for number, line in enumerate(source.splitlines(), 1):
        code = line[: comments[number]].rstrip() if number in comments else line
        if number in comments and not code.strip():
            continue
        stripped = code.lstrip()
        indent = code[: len(code) - len(stripped)]
        for word, note in (("for ", "go over them one at a time"), ("if ", "only when it matters"),
                           ("return ", "hand back the result")):
            if stripped.startswith(word):
                out.append(f"{indent}# {note}")
        out.append(code)
    return "\n".join(out) + "\n"


def _effects(stmt: ast.stmt) -> tuple[set[str], set[str]]:
    """(names a simple statement may change, names it reads): method calls change their object."""
    writes, reads = set(), set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name):
            (writes if isinstance(node.ctx, ast.Store) else reads).add(node.id)
        elif isinstance(node, (ast.Subscript, ast.Attribute)) and isinstance(node.ctx, ast.Store):
            base = node.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                writes.add(base.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name):
            writes.add(node.func.value.id)  # rng.choice(...), history.append(...)
    if isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
        writes.add(stmt.target.id)
    return writes, reads


def _independent_pairs(body: list[ast.stmt]) -> list[tuple[ast.stmt, ast.stmt]]:
    """Adjacent simple statements of ``body`` (and nested bodies) that can trade places, not overlapping."""
    pairs, k = [], 0
    simple = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)
    while k + 1 < len(body):
        a, b = body[k], body[k + 1]
        if isinstance(a, simple) and isinstance(b, simple) and a.end_lineno < b.lineno:
            (wa, ra), (wb, rb) = _effects(a), _effects(b)
            if not (wa & (wb | rb)) and not (wb & (wa | ra)):
                pairs.append((a, b))
                k += 2
                continue
        k += 1
    for stmt in body:
        for part in ("body", "orelse"):
            pairs += _independent_pairs(getattr(stmt, part, None) or [])
    return pairs


def reorder(source: str) -> str:
    """``source`` with adjacent independent statements swapped, line for line (formatting kept)."""
    pairs = _independent_pairs(ast.parse(source).body)
    if not pairs:
        raise ValueError("nothing to reorder in this source")
    lines = source.splitlines(keepends=True)
    for a, b in sorted(pairs, key=lambda p: -p[0].lineno):  # bottom up: line numbers above stay valid
        first, second = lines[a.lineno - 1: a.end_lineno], lines[b.lineno - 1: b.end_lineno]
        lines[a.lineno - 1: b.end_lineno] = second + lines[a.end_lineno: b.lineno - 1] + first
    ast.parse("".join(lines))  # still Python
    return "".join(lines)


def disguise_all(source: str) -> str:
    """Every disguise at once: reordered, renamed, recommented."""
    return recomment(rename_locals(reformat(reorder_or_same(source))))


# -- a student who writes helpers, and the copy that inlines them ----------------------------------

HELPER_VECTORIZED = '''def _hinge_margins(scores, y):
    """Margins max(0, s_j - s_y + 1) of every class, zero at the correct one."""
    rows = np.arange(scores.shape[0])
    correct = scores[rows, y].reshape(-1, 1)
    out = np.maximum(0.0, scores - correct + 1.0)
    out[rows, y] = 0.0
    return out


def svm_loss_vectorized(W, X, y, reg):
    n = X.shape[0]
    margins = _hinge_margins(X @ W, y)
    loss = np.sum(margins) / n + reg * np.sum(W ** 2)
    mask = (margins > 0).astype(X.dtype)
    mask[np.arange(n), y] -= np.sum(mask, axis=1)
    dW = X.T.dot(mask) / n + 2.0 * reg * W
    return float(loss), dW
'''
INLINED_VECTORIZED = '''def svm_loss_vectorized(W, X, y, reg):
    n = X.shape[0]
    scores = X @ W
    rows = np.arange(scores.shape[0])
    correct = scores[rows, y].reshape(-1, 1)
    margins = np.maximum(0.0, scores - correct + 1.0)
    margins[rows, y] = 0.0
    loss = np.sum(margins) / n + reg * np.sum(W ** 2)
    mask = (margins > 0).astype(X.dtype)
    mask[np.arange(n), y] -= np.sum(mask, axis=1)
    dW = X.T.dot(mask) / n + 2.0 * reg * W
    return float(loss), dW
'''
HELPER_TRAIN = '''def _minibatch(rng, X, y, size):
    """size rows of X and y, drawn with replacement."""
    picked = rng.choice(len(X), size=size, replace=True)
    return X[picked], y[picked]


def train_linear_classifier(loss_fn, W, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,
                            batch_size=200, rng=None, verbose=False):
    rng = np.random.default_rng(rng)
    weights = np.array(W, copy=True)
    history = []
    for step in range(num_iters):
        X_batch, y_batch = _minibatch(rng, X, y, batch_size)
        value, grad = loss_fn(weights, X_batch, y_batch, reg)
        history.append(float(value))
        weights = weights - learning_rate * grad
        if verbose and step % 100 == 0:
            print(f"step {step}: loss {value:.4f}")
    return weights, history


def predict_linear_classifier(W, X):
    scores = X @ W
    return scores.argmax(axis=1)
'''
INLINED_TRAIN = '''def train_linear_classifier(loss_fn, W, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,
                            batch_size=200, rng=None, verbose=False):
    rng = np.random.default_rng(rng)
    weights = np.array(W, copy=True)
    history = []
    for step in range(num_iters):
        picked = rng.choice(len(X), size=batch_size, replace=True)
        X_batch, y_batch = X[picked], y[picked]
        value, grad = loss_fn(weights, X_batch, y_batch, reg)
        history.append(float(value))
        weights = weights - learning_rate * grad
        if verbose and step % 100 == 0:
            print(f"step {step}: loss {value:.4f}")
    return weights, history


def predict_linear_classifier(W, X):
    scores = X @ W
    return scores.argmax(axis=1)
'''
HELPER_SOFTMAX_VECTORIZED = '''def _log_probabilities(scores):
    """Row-wise log-softmax: each score less its row's log-sum-exp, after a max shift."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_loss_vectorized(W, X, y, reg):
    n = X.shape[0]
    log_p = _log_probabilities(X @ W)
    rows = np.arange(n)
    loss = -log_p[rows, y].sum() / n + reg * np.sum(W ** 2)
    dscores = np.exp(log_p)
    dscores[rows, y] -= 1.0
    dW = X.T @ dscores / n + 2.0 * reg * W
    return float(loss), dW
'''
INLINED_SOFTMAX_VECTORIZED = '''def softmax_loss_vectorized(W, X, y, reg):
    n = X.shape[0]
    scores = X @ W
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(n)
    loss = -log_p[rows, y].sum() / n + reg * np.sum(W ** 2)
    dscores = np.exp(log_p)
    dscores[rows, y] -= 1.0
    dW = X.T @ dscores / n + 2.0 * reg * W
    return float(loss), dW
'''


# -- the class ------------------------------------------------------------------------------------

#: A catalog style sharing more than this share of its logical lines (starter's left out, variables
#: renamed alike) with a style already taken, or with the solution, is a variant of it, not an independent
#: solution: the catalogs also change one line of a canonical implementation to exercise the grader
#: (the regularization spelled three ways, the batch drawn four ways), and to a similarity engine,
#: as to a reader, that is a copy with one line changed.
VARIANT_LINES = 0.5


def _values(variants: dict[str, str]) -> list[str]:
    return list(variants.values())


def svm_styles() -> dict[str, list[str]]:
    """Every right style of tests/catalog/svm_right.py, by answer cell (two functions paired up)."""
    r = svm_right
    return {"score_function": [cell(a, b) for a, b in zip(_values(r.LINEAR_SCORES_VARIANTS),
                                                          _values(r.BIAS_TRICK_VARIANTS))],
            "svm_loss_naive": _values(r.NAIVE_VARIANTS),
            "svm_loss_vectorized": _values(r.VECTORIZED_VARIANTS),
            "train_predict": [cell(a, b) for a, b in zip(_values(r.TRAIN_VARIANTS),
                                                         _values(r.PREDICT_VARIANTS))],
            "tuning": _values(r.TUNING_VARIANTS)}


def softmax_styles() -> dict[str, list[str]]:
    """Every right style of tests/catalog/softmax_right.py, by answer cell (two functions paired up)."""
    r = softmax_right
    return {"softmax_function": [cell(a, b) for a, b in zip(_values(r.SIGMOID_STYLES),
                                                            _values(r.SOFTMAX_STYLES))],
            "softmax_loss_naive": _values(r.NAIVE_STYLES),
            "softmax_loss_vectorized": _values(r.VECTORIZED_STYLES),
            "train_predict": [cell(a, b) for a, b in zip(_values(r.TRAIN_STYLES), _values(r.PREDICT_STYLES))],
            "tuning": _values(r.TUNING_STYLES)}


@dataclass(frozen=True)
class Assignment:
    """What an assignment's proof class is made of."""

    name: str
    cells: tuple[str, ...]  #: its code answer cells, in notebook order
    styles: Callable[[], dict[str, list[str]]]  #: the catalog's right styles, by answer cell
    helpers: dict[str, tuple[str, str]]  #: answer cell -> (a source with a helper, the helper inlined)
    hostile_cell: str  #: where the hostile copy puts its markup
    #: answer cell -> the assignment whose starter of that cell the task says to paste in (the
    #: softmax notebook's train_predict: "paste ... from your SVM notebook"): its lines are nobody's
    #: style
    pasted: dict[str, str] = field(default_factory=dict)

    @property
    def loss_cells(self) -> tuple[str, ...]:
        """The cells every proof class has copies in (long enough to be compared)."""
        return self.cells[1:]


SVM = Assignment(ASSIGNMENT, CELLS, svm_styles,
                 {"svm_loss_vectorized": (HELPER_VECTORIZED, INLINED_VECTORIZED),
                  "train_predict": (HELPER_TRAIN, INLINED_TRAIN)}, "svm_loss_vectorized")
SOFTMAX = Assignment("softmax", SOFTMAX_CELLS, softmax_styles,
                     {"softmax_loss_vectorized": (HELPER_SOFTMAX_VECTORIZED, INLINED_SOFTMAX_VECTORIZED),
                      "train_predict": (HELPER_TRAIN, INLINED_TRAIN)}, "softmax_loss_vectorized",
                     pasted={"train_predict": ASSIGNMENT})
KITS = {kit.name: kit for kit in (SVM, SOFTMAX)}


@dataclass(frozen=True)
class Member:
    """A student's (or reference's) answer cells, and the independent solution each comes from."""

    name: str
    sources: dict[str, str]  #: grade_id -> source as handed in
    origin: dict[str, str]  #: grade_id -> the independent solution it derives from ("" for none)


def starter_sources(assignment: str = ASSIGNMENT) -> dict[str, str]:
    return dict(cells.read_starter(REPO / "assignments" / assignment).cells)


def solution_sources(assignment: str = ASSIGNMENT) -> dict[str, str]:
    nb = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    return {g: strip_solution_markers(c.source) for g, c in answer_cells(nb).items()
            if g in KITS[assignment].cells}


def catalog_styles(assignment: str = ASSIGNMENT) -> dict[str, list[str]]:
    """Every right style of the assignment's catalog, by answer cell."""
    return KITS[assignment].styles()


def _logical_lines(source: str) -> set[str]:
    """The logical lines of ``source`` (a statement wrapped over lines is one), each identifier
    written ``V``, comments and docstrings left out: lines as written whatever the names and breaks."""
    out, line = set(), []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NEWLINE and line:
            out.add(" ".join(line))
            line = []
        elif tok.type == tokenize.NAME and not keyword.iskeyword(tok.string):
            line.append("V")
        elif tok.type == tokenize.STRING and not line:
            continue  # a docstring
        elif tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.ENDMARKER):
            line.append(tok.string)
    return out


def _code_lines(source: str, starter: str) -> set[str]:
    """The logical lines of an answer that are not the starter's."""
    return _logical_lines(source) - _logical_lines(starter)


@functools.cache
def independent_styles(assignment: str = ASSIGNMENT) -> dict[str, list[str]]:
    """Per answer cell, the catalog styles that are no variant of the solution or of one another."""
    starter, solution = starter_sources(assignment), solution_sources(assignment)
    for g, source in KITS[assignment].pasted.items():
        starter[g] += "\n" + starter_sources(source)[g]
    out = {}
    for g, styles in catalog_styles(assignment).items():
        taken, out[g] = [_code_lines(solution[g], starter[g])], []
        for style in styles:
            lines = _code_lines(style, starter[g])
            if all(len(lines & t) <= VARIANT_LINES * len(lines) for t in taken):
                out[g].append(style)
                taken.append(lines)
    return out


def _copy(name: str, of: Member, disguise, only: dict[str, str] | None = None) -> Member:
    sources = {g: (only or {}).get(g) or disguise(src) for g, src in of.sources.items()}
    return Member(name, sources, dict(of.origin))


def proof_class(kit: Assignment = SVM) -> tuple[list[Member], dict[str, Member]]:
    """(students, reference documents by file name) of the proof class of ``kit``.

    ``indep_<i>`` writes style i of each cell's independent styles (the cell as released where
    there are fewer); ``helper_style`` writes two cells with helpers; ``public_copy`` hands in
    the solution; six copies disguise others; the references are the solution as a ``.py`` file
    (``github_<assignment>.py``) and last year's notebook, which ``indep_06`` copied.
    """
    starter, styles = starter_sources(kit.name), independent_styles(kit.name)
    indep = []
    for i in range(max(map(len, styles.values()))):
        name = f"indep_{i:02d}"
        sources = {g: styles[g][i] if i < len(styles[g]) else starter[g] for g in kit.cells}
        indep.append(Member(name, sources, {g: name if i < len(styles[g]) else "" for g in kit.cells}))
    helper = Member("helper_style", {**starter, **{g: src for g, (src, _) in kit.helpers.items()}},
                    {g: "helper_style" if g in kit.helpers else "" for g in kit.cells})
    solution = Member("public_copy", solution_sources(kit.name), {g: "solution" for g in kit.cells})
    copies = [
        _copy("copy_renamed", indep[0], rename_locals),
        _copy("copy_reformatted", indep[1], reformat),
        _copy("copy_recommented", indep[2], recomment),
        _copy("copy_reordered", indep[3], reorder_or_same),
        _copy("copy_inlined", helper, lambda src: src,
              {g: inlined for g, (_, inlined) in kit.helpers.items()}),
        _copy("copy_disguised", indep[4], disguise_all),
    ]
    public = "\n\n".join(solution.sources.values())
    last_year = f"last_year/{kit.name}.ipynb"
    references = {f"github_{kit.name}.py": Member(f"github_{kit.name}.py", {cells.ANY_CELL: public},
                                                  dict(solution.origin)),
                  last_year: Member(last_year, dict(indep[6].sources), dict(indep[6].origin))}
    return [*indep, helper, solution, *copies], references


def reorder_or_same(source: str) -> str:
    """Reordered where the cell has independent statements, else as it was (the released tuning cell)."""
    try:
        return reorder(source)
    except ValueError:
        return source


# -- the course on disk ---------------------------------------------------------------------------

#: What a copier adds to a copied loss to try to break the HTML page: it must come out escaped.
HOSTILE = '''    """</pre><script>alert("copied")</script>"""\n'''


def hostile_copy(of: Member, kit: Assignment = SVM) -> Member:
    """A verbatim copy of ``of``'s vectorized loss with markup in a docstring (a copy like the others)."""
    g = kit.hostile_cell
    head, body = of.sources[g].split("\n", 1)
    return Member("hostile", {**starter_sources(kit.name), g: f"{head}\n{HOSTILE}{body}"},
                  {c: of.origin[g] if c == g else "" for c in kit.cells})


def write_class(members: list[Member], tmp_path: Path, assignment: str = ASSIGNMENT) -> Path:
    """A released course of ``assignment`` with one submission per member (tests/catalog/harness.py)."""
    entries = [Entry(m.name, "similarity class member", dict(m.sources),
                     gap="similarity reads the sources and grades nothing") for m in members]
    root = write_course(assignment, entries, tmp_path)
    shutil.rmtree(root / "submitted" / "reference")  # the harness's full solution: public_copy is that
    return root


def write_references(references: dict[str, Member], root: Path, folder: Path,
                     assignment: str = ASSIGNMENT) -> Path:
    """The reference folder: ``.py`` documents as they are, notebooks as released copies filled in."""
    student_nb = nbformat.read(root / "assignments" / assignment / f"{assignment}.ipynb", as_version=4)
    solution_nb = nbformat.read(root / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    for name, member in references.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".py"):
            path.write_text(member.sources[cells.ANY_CELL])
        else:
            nbformat.write(build_submission(student_nb, solution_nb, fill=[], overrides=member.sources), path)
    return folder


@dataclass(frozen=True)
class ProofRun:
    kit: Assignment
    root: Path
    references: Path
    members: dict[str, Member]  #: students and references (as ``reference:<file>``) by owner
    data: dict  #: similarity.json, every pair with matching code listed
    output: str  #: what the command printed


def write_proof_class(kit: Assignment, tmp: Path) -> tuple[Path, Path, dict[str, Member]]:
    """(course root, reference folder, members by owner) of ``kit``'s proof class on disk, with
    a hostile copy of ``indep_07``."""
    students, references = proof_class(kit)
    students.append(hostile_copy(next(m for m in students if m.name == "indep_07"), kit))
    root = write_class(students, tmp, kit.name)
    ref_dir = write_references(references, root, tmp / "references", kit.name)
    members = {m.name: m for m in students} | {cells.REFERENCE_PREFIX + n: m for n, m in references.items()}
    return root, ref_dir, members


def compared(kit: Assignment, tmp: Path, *options: str) -> ProofRun:
    """``kit``'s proof class, compared by ``cs231n-kit similarity --top 100000`` (every pair listed)."""
    root, ref_dir, members = write_proof_class(kit, tmp)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["similarity", kit.name, "--course", str(root), "--reference", str(ref_dir),
                         "--top", "100000", *options]) == 0
    data = json.loads((root / "grading" / kit.name / "similarity.json").read_text())
    return ProofRun(kit, root, ref_dir, members, data, out.getvalue())


#: MOSS's ``-m`` of the proof classes: code found in more than 4 of a cell's answers is common code.
#: A proof class is 25 students, each independent style written by one of them, so the default
#: (MOSS's 10, for any class under 101) ignores nothing there: no fingerprint is in more than 10
#: answers. In a real class the loop skeleton the task pins down is written by a large share of the
#: students; here it is in 5 to 8 of the 25 naive softmax losses, and 4 is what makes it common in a
#: class this size. Margins (lowest copy minus highest independent pair) by max_shared, per cell:
#:
#: ============  ==============================  ===========================================
#: max_shared    svm naive, vectorized, train,   softmax function, naive, vectorized, train,
#:               tuning                          tuning
#: ============  ==============================  ===========================================
#: 10 (default)  +0.076 +0.323 +0.470 +0.801     +0.137 -0.134 +0.185 +0.219 +0.453
#: 7             as at 10                        +0.137 -0.114 +0.185 +0.219 +0.453
#: 6             as at 10                        +0.137 +0.014 +0.185 +0.250 +0.541
#: 5             as at 10                        +0.137 +0.014 +0.174 +0.253 +0.541
#: 4             +0.076 +0.323 +0.470 +0.762     +0.137 +0.085 +0.168 +0.356 +0.805
#: 3             -0.079 +0.323 +0.470 +0.814     +0.137 +0.037 +0.169 +0.409 +0.839
#: ============  ==============================  ===========================================
#:
#: At 3 the SVM naive loss's fully reordered copy keeps little but its seams with the original once
#: the code four students share is gone (0.32, against 0.39 for the solution and a copy of the style
#: closest to it): the svm naive cell compares only 12 answers (6 independent styles), so 4 is
#: already a third of them.
PROOF_MAX_SHARED = 4


@pytest.fixture(scope="module")
def proof(tmp_path_factory: pytest.TempPathFactory) -> ProofRun:
    """The SVM proof class, compared with ``--max-shared`` :data:`PROOF_MAX_SHARED`."""
    return compared(SVM, tmp_path_factory.mktemp("similarity"), "--max-shared", str(PROOF_MAX_SHARED))


@pytest.fixture(scope="module")
def softmax_proof(tmp_path_factory: pytest.TempPathFactory) -> ProofRun:
    """The softmax proof class, compared with ``--max-shared`` :data:`PROOF_MAX_SHARED`."""
    return compared(SOFTMAX, tmp_path_factory.mktemp("similarity_softmax"), "--max-shared",
                    str(PROOF_MAX_SHARED))


def _origin(run: ProofRun, owner: str, cell_id: str) -> str:
    member = run.members.get(owner)
    if member is None:
        return ""
    return member.origin.get(cell_id) or member.origin.get(cells.ANY_CELL, "")


def copies_and_independent(run: ProofRun, cell_id: str) -> tuple[list[dict], list[dict]]:
    """(pairs of one origin, pairs of two) among the listed pairs of a cell."""
    pairs = [p for p in run.data["pairs"] if p["cell"] == cell_id]
    copies = [p for p in pairs if _origin(run, p["a"], cell_id)
              and _origin(run, p["a"], cell_id) == _origin(run, p["b"], cell_id)]
    independent = [p for p in pairs if p not in copies]
    return copies, independent


def expected_copies(run: ProofRun, cell_id: str) -> set[frozenset[str]]:
    """The pairs of owners that share an origin in a cell and wrote enough code to be compared."""
    owners = [o for o, m in run.members.items() if _origin(run, o, cell_id)]
    out = set()
    for a, b in combinations(owners, 2):
        if a.startswith(cells.REFERENCE_PREFIX) and b.startswith(cells.REFERENCE_PREFIX):
            continue
        if _origin(run, a, cell_id) != _origin(run, b, cell_id):
            continue
        student = a if not a.startswith(cells.REFERENCE_PREFIX) else b
        code = cells.remove_starter(run.members[student].sources[cell_id],
                                    [starter_sources(run.kit.name)[cell_id]])
        if count_tokens(code) >= Settings().min_tokens:
            out.add(frozenset((a, b)))
    return out


# -- the proof ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Margin:
    """The least similar copy and the most similar independent pair of a cell."""

    cell: str
    copies: int
    independent: int
    low: dict  #: the copy pair
    high: dict  #: the independent pair (similarity 0 when none matched at all)

    @property
    def margin(self) -> float:
        return self.low["similarity"] - self.high["similarity"]

    def __str__(self) -> str:
        low, high = self.low, self.high
        return (f"{self.cell:24s} {self.copies:2d} copies >= {low['similarity']:.3f} "
                f"({low['a']} ~ {low['b']}), {self.independent:3d} independent pairs <= "
                f"{high['similarity']:.3f} ({high['a']} ~ {high['b']}): margin {self.margin:+.3f}")


def cell_margins(run: ProofRun) -> dict[str, Margin]:
    """Per compared cell with copies, its :class:`Margin`; every expected copy must have matched."""
    out = {}
    for cell_id in run.kit.cells:
        copies, independent = copies_and_independent(run, cell_id)
        found = {frozenset((p["a"], p["b"])) for p in copies}
        missing = expected_copies(run, cell_id) - found
        assert not missing, f"{cell_id}: copies with no matching code at all: {sorted(map(sorted, missing))}"
        if copies:
            none = {"similarity": 0.0, "a": "-", "b": "-"}
            out[cell_id] = Margin(cell_id, len(copies), len(independent),
                                  min(copies, key=lambda p: p["similarity"]),
                                  max(independent, key=lambda p: p["similarity"], default=none))
    return out


@pytest.mark.parametrize("which", ["proof", "softmax_proof"])
def test_every_copy_ranks_above_every_independent_pair(which: str, request: pytest.FixtureRequest) -> None:
    """Cell by cell, the least similar copy is more similar than the most similar independent pair."""
    run: ProofRun = request.getfixturevalue(which)
    margins = cell_margins(run)
    print(f"\n{run.kit.name}: {len(run.members)} owners, max_shared {run.data['max_shared']}")
    for m in margins.values():
        print(m)
    assert set(margins) >= set(run.kit.loss_cells)
    for m in margins.values():
        assert m.margin > 0, (
            f"{m.cell}: the copy {m.low['a']} ~ {m.low['b']} ({m.low['similarity']:.3f}) ranks below the "
            f"independent pair {m.high['a']} ~ {m.high['b']} ({m.high['similarity']:.3f})")


@pytest.mark.parametrize("which", ["proof", "softmax_proof"])
def test_the_threshold_flags_copies_and_no_independent_pair(which: str,
                                                            request: pytest.FixtureRequest) -> None:
    """At the default threshold no independent pair is flagged, and every copy is, but one whose
    disguise reordered the statements of a short loop (it still ranks above every independent pair)."""
    proof: ProofRun = request.getfixturevalue(which)
    threshold = proof.data["threshold"]
    assert threshold == Settings().threshold
    for cell_id in proof.kit.cells:
        copies, independent = copies_and_independent(proof, cell_id)
        missed = [(p["a"], p["b"], p["similarity"]) for p in copies if not p["flagged"]]
        wrong = [(p["a"], p["b"], p["similarity"]) for p in independent if p["flagged"]]
        print(f"{cell_id:22s} at {threshold}: {len(copies) - len(missed)} of {len(copies)} copies flagged, "
              f"{len(wrong)} of {len(independent)} independent pairs; not flagged: {missed}")
        assert not wrong, f"{cell_id}: independent pairs flagged at {threshold}: {wrong}"
        assert all({a, b} & {"copy_reordered", "copy_disguised"} for a, b, _ in missed), \
            f"{cell_id}: copies not flagged at {threshold}: {missed}"


@pytest.mark.parametrize("which", ["proof", "softmax_proof"])
def test_the_copies_of_references_are_found(which: str, request: pytest.FixtureRequest) -> None:
    """The student who handed in the public solution, and the one who copied last year's notebook,
    are flagged against those files, first in their cells, and overall."""
    proof: ProofRun = request.getfixturevalue(which)
    name = proof.kit.name
    for student, ref in (("public_copy", f"reference:github_{name}.py"),
                         ("indep_06", f"reference:last_year/{name}.ipynb")):
        for cell_id in (*proof.kit.cells, OVERALL):
            pairs = [p for p in proof.data["pairs"] if p["cell"] == cell_id]
            mine = [p for p in pairs if {p["a"], p["b"]} == {student, ref}]
            if cell_id != OVERALL and not expected_copies(proof, cell_id) & {frozenset((student, ref))}:
                continue  # a cell too short to compare
            assert mine and mine[0]["flagged"], f"{cell_id}: {student} ~ {ref} not flagged"
            assert mine[0]["similarity"] >= 0.95, f"{cell_id}: {student} ~ {ref}: {mine[0]['similarity']}"
            assert mine[0]["similarity"] == max(p["similarity"] for p in pairs if ref in (p["a"], p["b"]))


def test_pairs_are_ranked_per_cell_and_the_outputs_agree(proof: ProofRun) -> None:
    """similarity.json has exactly its schema, ranked per cell then overall; the CSV and HTML agree."""
    data = proof.data
    assert set(data) == {"assignment", "threshold", "pairs", "max_shared"}
    assert data["assignment"] == ASSIGNMENT and data["max_shared"] == PROOF_MAX_SHARED
    required = {"a", "b", "cell", "similarity", "flagged", "a_code", "b_code"}
    assert all(required <= set(p) <= required | {"a_spans", "b_spans"} for p in data["pairs"])
    order = [p["cell"] for p in data["pairs"]]
    assert order == sorted(order, key=[*CELLS, OVERALL].index), "pairs grouped by cell, in notebook order"
    for cell_id in (*CELLS, OVERALL):
        sims = [p["similarity"] for p in data["pairs"] if p["cell"] == cell_id]
        assert sims == sorted(sims, reverse=True)
    assert all(0.0 <= p["similarity"] <= 1.0 and not p["a"].startswith("reference:") for p in data["pairs"])
    for p in data["pairs"]:
        for side in "ab":
            assert all(0 <= s < e <= len(p[f"{side}_code"]) for s, e in p[f"{side}_spans"])
    folder = proof.root / "grading" / ASSIGNMENT
    with open(folder / "similarity.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["cell"], r["a"], r["b"]) for r in rows] == [(p["cell"], p["a"], p["b"]) for p in data["pairs"]]
    page = (folder / "similarity.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;copied&quot;)&lt;/script&gt;" in page
    assert "<mark>" in page and "reference:github_svm.py" in page
    assert "most similar" in proof.output and "no grade changed" in proof.output
    assert f"code found in more than {PROOF_MAX_SHARED} answers of a cell ignored as common" in proof.output


def test_scores_are_the_same_from_run_to_run() -> None:
    """copydetect's hashes are seeded per process: the workers fix the seed, so two runs agree, even
    with a winnowing window (which keeps the smallest hash of each window: which one depends on the
    seed)."""
    starter = starter_sources()
    codes = [cells.CellCode(f"s{i}", g, cells.remove_starter(src, [starter[g]]))
             for g in ("svm_loss_naive", "svm_loss_vectorized")
             for i, src in enumerate(independent_styles()[g])]
    settings = Settings(guarantee=Settings().noise + 5, top=1000)
    one, two = (compare(ASSIGNMENT, codes, [], starter, settings) for _ in range(2))
    assert len(one.pairs) > 10
    assert [(p.cell, p.a, p.b, p.similarity, p.a_spans) for p in one.pairs] == \
        [(p.cell, p.a, p.b, p.similarity, p.a_spans) for p in two.pairs]


# -- code the class has in common (MOSS's -m) ------------------------------------------------------

#: A passage many students paste under their answer without copying one another: the notebook's
#: gradient check (not in the released notebook here, so not boilerplate).
PLANTED = '''

# the notebook's gradient check, pasted under the answer
rng = np.random.default_rng(0)
W_check = 1e-3 * rng.standard_normal((5, 3))
X_check, y_check = rng.standard_normal((10, 5)), rng.integers(0, 3, size=10)
_, analytic = svm_loss_vectorized(W_check, X_check, y_check, 0.1)
for _ in range(5):
    ix = tuple(rng.integers(s) for s in W_check.shape)
    old = W_check[ix]
    W_check[ix] = old + 1e-5
    plus, _ = svm_loss_vectorized(W_check, X_check, y_check, 0.1)
    W_check[ix] = old - 1e-5
    minus, _ = svm_loss_vectorized(W_check, X_check, y_check, 0.1)
    W_check[ix] = old
    numeric = (plus - minus) / 2e-5
    error = abs(numeric - analytic[ix]) / max(1e-12, abs(numeric) + abs(analytic[ix]))
    print(f"numeric {numeric:f} analytic {analytic[ix]:f} relative error {error:e}")
'''


def test_code_in_more_than_max_shared_answers_stops_counting() -> None:
    """Five students paste the same passage under answers that share nothing: two of them look
    copied (the passage is most of their code) until the passage is in more than ``max_shared``
    answers; then it is common code and they are not flagged, while a real copy still is. Each
    answer counts once (``s0`` pastes it twice), and references do not count (two hold it)."""
    g = "svm_loss_vectorized"
    starter = starter_sources()
    own = [cells.remove_starter(src, [starter[g]]) for src in independent_styles()[g][:7]]
    pasted = {0: PLANTED * 2, 1: PLANTED, 2: PLANTED, 3: PLANTED, 4: PLANTED}
    students = [cells.CellCode(f"s{i}", g, code + pasted.get(i, "")) for i, code in enumerate(own)]
    students.append(cells.CellCode("copy_of_s6", g, own[6]))
    refs = [cells.CellCode(f"reference:r{k}.py", cells.ANY_CELL, own[k] + PLANTED) for k in (5, 6)]

    def scores(max_shared: int) -> tuple[dict[frozenset, float], int]:
        report = compare(ASSIGNMENT, students, refs, starter, Settings(max_shared=max_shared, top=1000))
        common = next(c.common for c in report.cells if c.cell == g)
        return {frozenset((p.a, p.b)): p.similarity for p in report.pairs if p.cell == g}, common

    threshold = Settings().threshold
    alone = scores(len(students))  # the rule off: nothing is in more answers than there are
    assert alone[1] == 0 and alone[0].get(frozenset(("s0", "s1")), 0.0) >= threshold, \
        "without the rule the passage alone makes s0 and s1 look copied"
    at_five = scores(5)  # in 5 answers (s0's two pastes and the references not counted): still counted
    assert at_five[1] == 0 and at_five[0][frozenset(("s0", "s1"))] == alone[0][frozenset(("s0", "s1"))]
    at_four, common = scores(4)  # in more than 4: common code
    print(f"s0 ~ s1: {alone[0][frozenset(('s0', 's1'))]:.3f} counted, "
          f"{at_four.get(frozenset(('s0', 's1')), 0.0):.3f} as common code ({common} fingerprints); "
          f"the copy {at_four[frozenset(('s6', 'copy_of_s6'))]:.3f}")
    assert common > 0
    assert at_four.get(frozenset(("s0", "s1")), 0.0) < threshold, at_four.get(frozenset(("s0", "s1")))
    assert max(v for k, v in at_four.items() if k & {"s0", "s1", "s2", "s3", "s4"}) < threshold
    assert at_four[frozenset(("s6", "copy_of_s6"))] >= 0.95
    assert at_four[frozenset(("s6", "reference:r6.py"))] >= threshold, "the reference's copy is still found"


def test_the_default_max_shared_is_moss_or_a_tenth_of_the_class() -> None:
    assert [default_max_shared(n) for n in (0, 25, 100, 101, 300, 1000)] == [10, 10, 10, 11, 30, 100]
    with pytest.raises(ValueError, match="expected max_shared >= 2 .*, got 1"):
        Settings(max_shared=1)


# -- short answers from the same starter ----------------------------------------------------------

def quiet_class() -> list[Member]:
    """A class that wrote only the score cell: the catalog's 16 styles, and the plain answer (the
    catalog's standard functions, and the solution's) written by four students each."""
    starter = starter_sources()
    plain = cell(svm_wrong.LINEAR_SCORES, svm_wrong.BIAS_TRICK)
    answers = catalog_styles()["score_function"] + [plain] * 4 + [solution_sources()["score_function"]] * 4
    return [Member(f"student_{i:02d}", {**starter, "score_function": src}, {})
            for i, src in enumerate(answers)]


def test_short_answers_from_the_same_starter_stay_quiet(tmp_path: Path) -> None:
    """No pair flagged in a class of short score functions, though eight students wrote the same
    plain answer: under the minimum length a cell is not compared (and without it, it would be)."""
    root = write_class(quiet_class(), tmp_path)
    report = run(root, ASSIGNMENT)
    score = next(c for c in report.cells if c.cell == "score_function")
    print(f"score_function: {score.answers} answers, {score.short} under {Settings().min_tokens} tokens, "
          f"{score.pairs} pairs compared, {score.flagged} flagged")
    assert score.answers == len(quiet_class()) and score.short >= 8
    assert not report.flagged(), [(p.cell, p.a, p.b, p.similarity) for p in report.flagged()]
    loud = run(root, ASSIGNMENT, settings=Settings(min_tokens=0))
    assert any(p.cell == "score_function" and p.similarity == 1.0 for p in loud.flagged()), \
        "the identical plain answers are what the minimum length keeps quiet"


# -- starter removal and cell extraction ----------------------------------------------------------

def test_the_released_cell_leaves_nothing_and_a_solution_its_code() -> None:
    """The starter itself is removed whole; a solution keeps its code and loses signature, docstring,
    ``# YOUR CODE HERE`` and nbgrader's markers, even with the signature re-wrapped."""
    starter = starter_sources()
    for cell_id in CELLS:
        assert cells.remove_starter(starter[cell_id], [starter[cell_id]]) == ""
    solution = solution_sources()["svm_loss_naive"]
    code = cells.remove_starter("### BEGIN SOLUTION\n" + solution + "### END SOLUTION\n",
                                [starter["svm_loss_naive"]])
    assert "def svm_loss_naive" not in code and "Parameters" not in code and "SOLUTION" not in code
    assert "for i in range(num_train):" in code and code.rstrip().endswith("return float(loss), dW")
    original = svm_right.TRAIN_VARIANTS["rng_integers"]
    wrapped = reformat(original)  # one parameter a line, and a trailing comma after the last
    kept = cells.remove_starter(wrapped, [starter["train_predict"]])
    assert "loss_fn" not in kept.split("rng = np.random.default_rng(rng)")[0]
    # what is left of the signature: the formatter's comma, which cuts ") :" off the starter's run
    assert count_tokens(kept) == count_tokens(cells.remove_starter(original, [starter["train_predict"]])) + 3


def test_student_code_that_looks_like_starter_lines_is_kept() -> None:
    """Only runs of starter tokens go: a student's own ``raise``, ``results = {}`` elsewhere, or a
    lone name shared with the signature stay."""
    starter = starter_sources()["tuning"]
    student = starter.replace("raise NotImplementedError()",
                              "for lr in (1e-7, 1e-6):\n    results[lr] = lr * 2\n")
    kept = cells.remove_starter(student, [starter])
    assert kept == "for lr in (1e-7, 1e-6):\n    results[lr] = lr * 2\n"


def test_tokens_ignore_layout_and_comments() -> None:
    assert count_tokens("x = f(a,  b)  # note\n") == count_tokens("x=f(\n    a,\n    b)") == 8
    assert count_tokens('s = """two\nlines"""') == 3  # a string is one token


def _notebook_with(path: Path, cells_: list[tuple[str, str]]) -> Path:
    nb = nbformat.v4.new_notebook()
    for grade_id, source in cells_:
        c = nbformat.v4.new_code_cell(source)
        if grade_id:
            c.metadata["nbgrader"] = {"grade_id": grade_id, "solution": True, "grade": False}
        nb.cells.append(c)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def small_course(tmp_path: Path) -> tuple[Path, cells.Starter]:
    """A course with a released one-notebook assignment ``a1`` of two answer cells."""
    _notebook_with(tmp_path / "assignments" / "a1" / "a1.ipynb",
                   [("f", "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"),
                    ("", "print('not an answer')"),
                    ("g", "def g(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n")])
    return tmp_path, cells.read_starter(tmp_path / "assignments" / "a1")


def test_unreadable_or_incomplete_submissions_are_named_and_the_rest_compared(small_course) -> None:
    root, starter = small_course
    sub = root / "submitted"
    _notebook_with(sub / "ann" / "a1" / "a1.ipynb", [("f", "def f(x):\n    return x + 1\n")])
    _notebook_with(sub / "bob" / "a1" / "a1.ipynb", [("f", "def f(x):\n    return 1\n"), ("f", "x = 2"),
                                                      ("g", "def g(x):\n    return 2\n")])
    (sub / "cat" / "a1").mkdir(parents=True)
    (sub / "cat" / "a1" / "a1.ipynb").write_text("{not json")
    (sub / "dan" / "a1").mkdir(parents=True)  # handed in nothing
    found, problems = cells.read_class(root, "a1", starter)
    assert sorted((c.owner, c.grade_id, c.code) for c in found) == [
        ("ann", "f", "    return x + 1\n"), ("bob", "f", "    return 1\n"), ("bob", "g", "    return 2\n")]
    said = "\n".join(map(str, problems))
    assert "ann: a1.ipynb: answer cell 'g' is missing (expected a cell with nbgrader grade_id 'g')" in said
    assert "bob: a1.ipynb: answer cell 'f' appears more than once (the first copy is compared)" in said
    assert "cat: a1.ipynb is not valid notebook JSON" in said
    assert "dan: a1.ipynb is missing from submitted/dan/a1/ (its cells f, g are not compared)" in said


def test_references_are_matched_by_grade_id_or_compared_whole(small_course, tmp_path: Path) -> None:
    root, starter = small_course
    refs = tmp_path / "refs"
    _notebook_with(refs / "last_year.ipynb", [("g", "def g(x):\n    return 3\n")])
    _notebook_with(refs / "github" / "plain.ipynb", [("", "def f(x):\n    return 4\n"), ("", "y = 5")])
    (refs / "public.py").write_text("def f(x):\n    # YOUR CODE HERE\n    return 6\n")
    found, problems = cells.read_references(refs, starter)
    assert not problems
    assert sorted((c.owner, c.grade_id, c.code) for c in found) == [
        ("reference:github/plain.ipynb", cells.ANY_CELL, "    return 4\n\ny = 5\n"),
        ("reference:last_year.ipynb", "g", "    return 3\n"),
        ("reference:public.py", cells.ANY_CELL, "    return 6\n")]
    (tmp_path / "nothing").mkdir()
    with pytest.raises(ValueError, match=r"expected \.ipynb or \.py reference solutions in .*, found none"):
        cells.read_references(tmp_path / "nothing", starter)
    with pytest.raises(ValueError, match="expected a folder of reference solutions"):
        cells.read_references(refs / "public.py", starter)


def test_a_course_not_released_or_not_submitted_is_explained(small_course, tmp_path: Path) -> None:
    root, _ = small_course
    with pytest.raises(ValueError, match=r"released notebooks in .*a2: run `cs231n-kit release a2`"):
        run(root, "a2")
    with pytest.raises(ValueError, match=r"nothing to compare: no submitted/<student>/a1/ folder"):
        run(root, "a1")
    _notebook_with(tmp_path / "empty" / "assignments" / "a1" / "a1.ipynb", [("", "x = 1")])
    with pytest.raises(ValueError, match=r"expected nbgrader answer cells \(solution: true\) in .*, found"):
        cells.read_starter(tmp_path / "empty" / "assignments" / "a1")


def test_settings_say_what_they_expected() -> None:
    with pytest.raises(ValueError, match=r"share of code in \(0, 1\], got 1.5"):
        Settings(threshold=1.5)
    with pytest.raises(ValueError, match="expected 1 <= noise <= guarantee, got noise=30, guarantee=20"):
        Settings(guarantee=20)
