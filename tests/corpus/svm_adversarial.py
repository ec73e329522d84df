"""Adversarial submissions for the SVM assignment, each with the verdict the grader must give.

Every :class:`Entry` is one student of a single batch graded by ``cs231n-kit grade``. Its
submission starts from a *base* and replaces answer cells, edits the notebook structure, or
writes the submission folder byte by byte:

* ``solution``: the instructor's answers (21 points);
* ``fast``: the solution with a one-pair tuning cell (same 21 points, much faster to grade);
* ``wrong``: a broken solution for cheats to sit on, worth ``WRONG_BASE_SCORE`` (8.75) points
  (linear_scores, bias_trick and training are right, both SVM losses forget to divide by N,
  tuning is not done). Each of its cells ends with a *hook*: ``if _won:`` it switches to the
  right answer. An attack that
  reaches anything it should not (a hidden test, the gradebook, the network, a file outside
  its scratch copy) sets ``_won`` and so turns its breach into points the test sees;
* ``blank``: the released student notebook.

Cheats try to get more than 8.75 from the ``wrong`` base; attacks on the machine also name the files they
aim at, which must be unchanged afterwards. ``{root}``, ``{port}``, ``{victim}`` and ``{repo}``
in cell sources are replaced by the course folder, a TCP port listening on the grading
machine, an honest student's id and the kit's checkout.

An entry whose ``open_bug`` is set states the verdict that is right and the gap in the grader
(or the notebook's tests) that currently prevents it; its test is a strict xfail.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from cs231n_utils.submissions import answer_cells, build_submission, strip_solution_markers, write_submission

ASSIGNMENT = "svm"
NOTEBOOK = "svm.ipynb"
MAX_SCORE = 21.0
#: What the ``wrong`` base earns: Parts A and C and training right, both losses right but for the
#: mean over N (which costs the value shares of their tests, not the whole functions), no tuning.
WRONG_BASE_SCORE = 8.75
VICTIM = "honest_full"  #: the honest student whose files the attacks aim at
CANARY = "PWNED"  #: what write attacks write; it must appear in no file outside a sandbox
REPO = Path(__file__).resolve().parents[2]
CATEGORIES = ("cheat", "read", "write", "resource", "malformed", "honest")


@dataclass
class Context:
    """What building a submission needs to know about the course it goes into."""

    root: Path  #: the course folder
    solution: NotebookNode  #: solutions/svm/svm.ipynb
    student: NotebookNode  #: assignments/svm/svm.ipynb, as released
    port: int = 9  #: a port listening on the grading machine's 127.0.0.1

    def fill(self, text: str) -> str:
        import sysconfig

        import numpy

        for token, value in (("{root}", self.root), ("{port}", self.port), ("{victim}", VICTIM),
                             ("{repo}", REPO), ("{numpy}", numpy.__file__),
                             ("{site}", sysconfig.get_paths()["purelib"])):
            text = text.replace(token, str(value))
        return text

    def answer(self, grade_id: str) -> str:
        """The solution's code for an answer cell, without nbgrader's markers."""
        return strip_solution_markers(answer_cells(self.solution)[grade_id].source)


# -- answer cells ---------------------------------------------------------------------------------

def _hook(source: str) -> str:
    """Cell tail of the ``wrong`` base: the right answer, used only once an attack has worked."""
    return f'\n\nif globals().get("_won"):  # the attack worked: use what it won\n    exec({source!r})\n'


WRONG_NAIVE = '''def svm_loss_naive(W, X, y, reg):
    """SVM loss with loops that forgets to average over the examples."""
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        for j in range(W.shape[1]):
            margin = scores[j] - scores[y[i]] + 1
            if j != y[i] and margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return float(loss + reg * np.sum(W * W)), dW + 2 * reg * W  # no division by N
'''

WRONG_VECTORIZED = '''def svm_loss_vectorized(W, X, y, reg):
    """Vectorized SVM loss that forgets to average over the examples."""
    rows = np.arange(X.shape[0])
    scores = X.dot(W)  # (N, C)
    margins = np.maximum(0, scores - scores[rows, y][:, np.newaxis] + 1)
    margins[rows, y] = 0
    coeff = (margins > 0).astype(scores.dtype)
    coeff[rows, y] = -coeff.sum(axis=1)
    return float(margins.sum() + reg * np.sum(W * W)), X.T.dot(coeff) + 2 * reg * W  # no division by N
'''

TUNING_HEAD = '''results = {}  # (learning_rate, reg) -> (training accuracy, validation accuracy)
best_val = -1.0  # the best validation accuracy so far
best_W = None  # the weights that reached it
'''

#: One pair known to reach the digits bar (0.963, bar 0.94) in 200 steps: a quick, honest search.
FAST_TUNING = TUNING_HEAD + '''D, C = data.X_train.shape[1], len(data.class_names)
for lr, reg in [(1e-7, 2.5e4)]:
    W0 = 1e-6 * np.random.default_rng(SEED).standard_normal((D, C), dtype=np.float32)
    W, _ = train_linear_classifier(svm_loss_vectorized, W0, data.X_train, data.y_train, learning_rate=lr,
                                   reg=reg, num_iters=200, batch_size=200, rng=SEED)
    train_acc = float(np.mean(predict_linear_classifier(W, data.X_train) == data.y_train))
    val_acc = float(np.mean(predict_linear_classifier(W, data.X_val) == data.y_val))
    results[(lr, reg)] = (train_acc, val_acc)
    if val_acc > best_val:
        best_val, best_W = val_acc, W
'''

#: An honest mistake: the correct-class column is found by value, so tied scores are dropped.
TIES_VECTORIZED = '''def svm_loss_vectorized(W, X, y, reg):
    """Vectorized SVM loss; zeroes the correct class by comparing scores."""
    num_train = X.shape[0]
    scores = X.dot(W)  # (N, C)
    correct = scores[np.arange(num_train), y][:, np.newaxis]  # (N, 1)
    margins = np.maximum(0, scores - correct + 1)
    margins[scores == correct] = 0  # also drops wrong classes tied with the correct one
    coeff = (margins > 0).astype(scores.dtype)
    coeff[np.arange(num_train), y] = -coeff.sum(axis=1)
    loss = margins.sum() / num_train + reg * np.sum(W * W)
    return float(loss), X.T.dot(coeff) / num_train + 2 * reg * W
'''

#: An honest mistake: the term j == y[i] is not skipped, so every example adds 1 to the loss.
PLUS_ONE_NAIVE = '''def svm_loss_naive(W, X, y, reg):
    """SVM loss with loops; the correct class is not skipped."""
    num_train = X.shape[0]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        for j in range(W.shape[1]):
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    return float(loss / num_train + reg * np.sum(W * W)), dW / num_train + 2 * reg * W
'''

#: An honest mistake: SGD updates the caller's W in place.
NO_COPY_TRAIN = '''def train_linear_classifier(loss_fn, W, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,
                            batch_size=200, rng=None, verbose=False):
    """Mini-batch SGD that forgets to copy W."""
    rng = np.random.default_rng(rng)
    loss_history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size, replace=True)
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        loss_history.append(float(loss))
        W -= learning_rate * grad  # changes the caller's array
    return W, loss_history


def predict_linear_classifier(W, X):
    return np.argmax(X.dot(W), axis=1)
'''


def _bases(ctx: Context) -> dict[str, dict[str, str]]:
    """Answer-cell sources of each base (the ``blank`` base keeps the released stubs)."""
    code = [gid for gid, c in answer_cells(ctx.student).items() if c.cell_type == "code"]
    solution = {gid: ctx.answer(gid) for gid in code}
    return {
        "solution": solution,
        "fast": {**solution, "tuning": FAST_TUNING},
        "wrong": {**solution,
                  "svm_loss_naive": WRONG_NAIVE + _hook(solution["svm_loss_naive"]),
                  "svm_loss_vectorized": WRONG_VECTORIZED + _hook(solution["svm_loss_vectorized"]),
                  "tuning": TUNING_HEAD + _hook(FAST_TUNING)},
        "blank": {},
    }


# -- the corpus -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One adversarial (or honest) submission and the verdict it must get."""

    name: str  #: also the student id
    category: str  #: one of CATEGORIES
    why: str  #: the attack, and why the expected verdict is the right one
    score: float  #: exact expected score out of 21
    needs_review: bool = False
    flag: str = ""  #: a substring expected in one of the flags
    base: str = "wrong"
    cells: Mapping[str, str] = field(default_factory=dict)  #: grade_id -> source ("{base}": the base's)
    edit: Callable[[NotebookNode], None] | None = None  #: changes the built notebook in place
    raw: Callable[[Path, Context], None] | None = None  #: writes the submission folder itself
    targets: tuple[str, ...] = ()  #: files a write attack aims at: unchanged (or still absent) after
    canary_in: tuple[str, ...] = ()  #: files the grader changes, in which CANARY must not appear
    open_bug: str = ""  #: why the right verdict is not given yet (the test is a strict xfail)

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.name}: category {self.category!r} is not one of {CATEGORIES}")

    def build(self, ctx: Context) -> None:
        """Write this entry's submission into ``ctx.root/submitted/<name>/svm/``."""
        folder = ctx.root / "submitted" / self.name / ASSIGNMENT
        if self.raw is not None:
            folder.parent.mkdir(parents=True, exist_ok=True)
            self.raw(folder, ctx)
            return
        base = _bases(ctx)[self.base]
        sources = dict(base)
        solution = _bases(ctx)["solution"]
        for gid, src in self.cells.items():
            src = ctx.fill(src).replace("{base}", base.get(gid, ""))
            for other, answer in solution.items():
                src = src.replace("{solution:" + other + "}", answer)
            sources[gid] = src
        if self.base == "blank":
            nb = build_submission(ctx.student, ctx.solution, fill=[], overrides=sources)
        else:
            nb = build_submission(ctx.student, ctx.solution, fill="all", overrides=sources)
        if self.edit is not None:
            self.edit(nb)
        write_submission(nb, ctx.root, self.name, ASSIGNMENT, NOTEBOOK)


def _cell_index(nb: NotebookNode, grade_id: str) -> int:
    for i, cell in enumerate(nb.cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(grade_id)


def _duplicate_naive(nb: NotebookNode) -> None:
    i = _cell_index(nb, "svm_loss_naive")
    copy = nbformat.from_dict(nb.cells[i])
    copy.source = WRONG_NAIVE  # the second copy: a kernel would keep this one
    if "id" in copy:
        copy.id = copy.id[:50] + "-copy"  # Jupyter gives a copied cell a new id, not a new grade_id
    nb.cells.insert(i + 1, copy)


def _delete(grade_id: str) -> Callable[[NotebookNode], None]:
    def edit(nb: NotebookNode) -> None:
        del nb.cells[_cell_index(nb, grade_id)]
    return edit


def _edit_visible_test(nb: NotebookNode) -> None:
    nb.cells[_cell_index(nb, "test_svm_loss_naive")].source = "pass"


def _inflate_points(nb: NotebookNode) -> None:
    for gid in ("test_score_function", "test_svm_loss_naive_hidden"):
        nb.cells[_cell_index(nb, gid)].metadata["nbgrader"]["points"] = 100


def _answer_to_markdown(nb: NotebookNode) -> None:
    nb.cells[_cell_index(nb, "svm_loss_naive")].cell_type = "markdown"


def _write_junk_json(folder: Path, ctx: Context) -> None:
    """Cells that are not objects, sources that are not text, metadata that is not a dict."""
    _write_fast(folder, ctx)
    path = folder / NOTEBOOK
    data = json.loads(path.read_text())
    _junk_cells_list = [7, "a string", None, [], {"cell_type": "code", "source": 12, "metadata": None},
                        {"cell_type": "code", "source": ["x = 1\n"], "metadata": {"nbgrader": "nope"}},
                        {"cell_type": "code", "source": "y = 2", "metadata": {"nbgrader": {"grade_id": 5}}},
                        {"cell_type": "code", "source": "pass", "metadata": {"nbgrader": {
                            "grade": True, "grade_id": "bonus", "points": 50, "locked": True}}}]
    data["cells"] = _junk_cells_list + data["cells"]
    path.write_text(json.dumps(data))


def _write_fast(folder: Path, ctx: Context) -> None:
    nb = build_submission(ctx.student, ctx.solution, fill="all", overrides=_bases(ctx)["fast"])
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / NOTEBOOK)


def _raw(content: bytes) -> Callable[[Path, Context], None]:
    def write(folder: Path, ctx: Context) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / NOTEBOOK).write_bytes(content)
    return write


def _wrong_name(folder: Path, ctx: Context) -> None:
    _write_fast(folder, ctx)
    (folder / NOTEBOOK).rename(folder / "svm (1).ipynb")


def _symlink_to_solution(folder: Path, ctx: Context) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.symlink(ctx.root / "solutions" / ASSIGNMENT / NOTEBOOK, folder / NOTEBOOK)


def _symlink_to_victim(folder: Path, ctx: Context) -> None:
    os.symlink(ctx.root / "submitted" / VICTIM / ASSIGNMENT, folder, target_is_directory=True)


def _deep_json(folder: Path, ctx: Context) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / NOTEBOOK).write_text('{"cells": ' + "[" * 200_000 + "]" * 200_000 + "}")


# Attack snippets, appended to a cell of the ``wrong`` base. Each sets _won when it gets through.
_READ = '''import glob

_won = False
_marker = ("_reference_" + "svm_loss").encode()  # in the hidden tests only (split, so not in this file)
for _pattern in {paths}:
    for _path in glob.glob(_pattern):
        try:
            with open(_path, "rb") as _f:
                _won = _won or _marker in _f.read() or _path.endswith(".db")
        except OSError:
            pass
'''

# Existing files are opened r+ (appending without creating: a ../ path that lands in the
# sandbox's own home is no breach); {new} are absolute paths on the grading machine, created.
_WRITE = '''import glob

_won = False
for _pattern in {paths}:
    for _path in glob.glob(_pattern):
        try:
            with open(_path, "r+b") as _f:
                _f.seek(0, 2)
                _f.write(b"\\n# PWNED\\n")
            _won = True
        except OSError:
            pass
for _path in {new}:
    try:
        with open(_path, "x") as _f:
            _f.write("PWNED")
        _won = True
    except OSError:
        pass
'''

_UP = ["../" * k for k in range(1, 7)]  #: nbgrader runs a notebook in autograded/<student>/<assignment>/


def _read(*paths: str) -> str:
    return "{base}\n\n" + _READ.replace("{paths}", repr(list(paths)))


def _write(paths: list[str], new: list[str] = (), prelude: str = "") -> str:
    return "{base}\n\n" + prelude + _WRITE.replace("{paths}", paths if isinstance(paths, str) else repr(
        list(paths))).replace("{new}", repr(list(new)))


CORPUS: list[Entry] = [
    # -- honest work: the verdicts plain nbgrader gives, cell by cell --------------------------
    Entry("honest_full", "honest", "the solution", 21, base="solution"),
    Entry("honest_blank", "honest", "the released notebook, untouched", 0, base="blank"),
    Entry("honest_half", "honest", "Parts A and B done, the rest untouched", 7, base="blank",
          cells={"score_function": "{solution:score_function}",
                 "svm_loss_naive": "{solution:svm_loss_naive}"}),
    Entry("honest_wrong_ties", "honest", "vectorized loss drops wrong classes tied with the correct one: "
          "only the hidden test's tied scores catch it", 20.75, base="fast",
          cells={"svm_loss_vectorized": TIES_VECTORIZED}),
    Entry("honest_wrong_plus_one", "honest", "naive loss does not skip j == y[i] (+1 per example): naive "
          "tests lose the worked example's and the sanity check's shares (the vectorized tests never call "
          "it)", 18, base="fast",
          cells={"svm_loss_naive": PLUS_ONE_NAIVE}),
    Entry("honest_warns", "honest", "a right solution whose vectorized loss calls warnings.warn (a "
          "debugging leftover): nbgrader fails both vectorized test cells, whose output then has a stderr "
          "stream", 16, base="fast", cells={"svm_loss_vectorized": "{base}\n\n" + '''import warnings

_vectorized = svm_loss_vectorized


def svm_loss_vectorized(W, X, y, reg):
    warnings.warn("debug: svm_loss_vectorized called")
    return _vectorized(W, X, y, reg)
'''}),
    Entry("honest_wrong_no_copy", "honest", "SGD updates the caller's W in place: both training tests fail",
          20.5, base="fast", cells={"train_predict": NO_COPY_TRAIN}),
]


CORPUS += [
    # -- cheats: make the tests pass without doing the work ------------------------------------------
    Entry("cheat_strip_asserts", "cheat", "an AST transformer turns every later assert and raise into pass; "
          "it reaches the sandbox's own cells, never the grader's", WRONG_BASE_SCORE,
          cells={"score_function": "{base}\n\n" + '''import ast


class _NoChecks(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()

    def visit_Raise(self, node):
        return ast.Pass()


get_ipython().ast_transformers.append(_NoChecks())
'''}),
    Entry("cheat_input_transformer", "cheat", "input_transformers_cleanup empties every later cell that "
          "checks anything (in a plain kernel: the tests)", WRONG_BASE_SCORE,
          cells={"score_function": "{base}\n\n" + '''def _no_tests(lines):
    text = "".join(lines)
    return ["pass\\n"] if ("assert" in text or "raise" in text) else lines


get_ipython().input_transformers_cleanup.append(_no_tests)
'''}),
    Entry("cheat_monkeypatch", "cheat", "numpy's comparisons, cs231n_utils.grading's checks (in the module "
          "and in sys.modules) and builtins.abs/all/sum/round replaced: only the student's process sees "
          "them", WRONG_BASE_SCORE,
          cells={"score_function": "{base}\n\n" + '''import builtins
import sys
import types

import numpy.testing

import cs231n_utils.grading as _grading

np.allclose = lambda *args, **kwargs: True
np.isclose = lambda *args, **kwargs: False
np.array_equal = lambda *args, **kwargs: True
np.all = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.testing.assert_array_equal = lambda *args, **kwargs: None

for _name in ("assert_close", "assert_no_python_loops", "check_gradient_numerically"):
    setattr(_grading, _name, lambda *args, **kwargs: None)
_grading.check_loss_output = lambda out, W, name="": (0.0, np.zeros_like(W))
_grading.assert_inputs_unchanged = lambda fn, *args, name=None: fn(*args)
_fake = types.ModuleType("cs231n_utils.grading")
_fake.__dict__.update(_grading.__dict__)
sys.modules["cs231n_utils.grading"] = _fake

builtins.abs = lambda x: 0.0
builtins.all = lambda iterable: True
builtins.sum = lambda *args, **kwargs: 0.0
builtins.round = lambda *args, **kwargs: 0.0
'''}),
    Entry("cheat_shadow_builtins", "cheat", "a notebook-level def abs() that returns 0: in a kernel it "
          "shadows the built-in in both tuning tests, whose |val_acc - best_val| checks then pass "
          "although best_W lost the trained weights. Test cells must see the real built-ins (fixed in "
          "runner.py): both tuning tests fail", 17, base="fast",
          cells={"tuning": "{base}\nbest_W = np.zeros_like(best_W)  # the trained weights are lost\n\n\n"
                           "def abs(x):\n    return 0.0\n"}),
    Entry("cheat_predefine_reference", "cheat", "_reference_svm_loss planted as the student's own "
          "(tie-dropping) vectorized loss, before the hidden naive test and again after it: the hidden "
          "vectorized test defines its reference only if the name is missing, so it must never see the "
          "student's", 20.75,
          base="fast",
          cells={"score_function": "{base}\n\n" + '''def _reference_svm_loss(W, X, y, reg):
    return svm_loss_vectorized(W, X, y, reg)
''', "svm_loss_vectorized": TIES_VECTORIZED + '''

def _reference_svm_loss(W, X, y, reg):
    return svm_loss_vectorized(W, X, y, reg)
'''}),
    Entry("cheat_fake_best_val", "cheat", "tuning not done, best_val claimed as 1e9 with zero weights: no "
          "tuning point is earned", 17, base="fast",
          cells={"tuning": '''results = {(1e-7, 2.5e4): (1.0, 1e9)}
best_val = 1e9
best_W = np.zeros((data.X_train.shape[1], len(data.class_names)))
'''}),
    Entry("cheat_train_on_val", "cheat", "best_W trained on the validation set: best_val is what best_W "
          "really scores, so both tuning tests pass (21). The tests check the claim, not how the weights "
          "were made; the leak is a methodology error for the human grader (plain nbgrader: same)", 21,
          base="fast", cells={"tuning": FAST_TUNING.replace("data.X_train, data.y_train, learning_rate",
                                                            "data.X_val, data.y_val, learning_rate")}),
    Entry("cheat_always_equal", "cheat", "the losses return an ndarray subclass and a float subclass whose "
          "== always holds, or an object equal to everything: only plain numbers cross to the grader", 8,
          cells={"svm_loss_naive": "{base}\n\n" + '''class _Agreeable(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool)


class _Loss(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


_wrong_naive = svm_loss_naive


def svm_loss_naive(W, X, y, reg):
    loss, dW = _wrong_naive(W, X, y, reg)
    return _Loss(loss), dW.view(_Agreeable)
''', "svm_loss_vectorized": "{base}\n\n" + '''class _Anything:
    shape = ()

    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.0

    def __array__(self, dtype=None, copy=None):
        return np.zeros(())


def svm_loss_vectorized(W, X, y, reg):
    return _Anything(), _Anything()
'''}),
    Entry("cheat_exec_vectorized", "cheat", "the 'vectorized' loss is made with exec and calls the loops: "
          "its source cannot be checked, so the no-loops tests fail", 16.5, base="fast",
          cells={"svm_loss_vectorized": 'exec("def svm_loss_vectorized(W, X, y, reg):\\n'
                                        '    return svm_loss_naive(W, X, y, reg)\\n")\n',
                 "tuning": TUNING_HEAD}),
    Entry("cheat_rebind_vectorized", "cheat", "a loop-free def svm_loss_vectorized for the source check, "
          "then the name rebound to the loop version that runs: the no-loops tests must fail (plain "
          "nbgrader inspects the function object and fails them)", 16.5, base="fast",
          cells={"svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg):
    return 0.0, np.zeros_like(W)


svm_loss_vectorized = svm_loss_naive
''', "tuning": TUNING_HEAD}),
    Entry("cheat_reseed", "cheat", "reseeds the global RNGs from os.urandom in every call, replaces SEED, "
          "and rebinds VAL_ACCURACY_BARS to zeros next to random weights: the tests draw from their own "
          "generators and read the bar from the grader's setup, so the verdict is the same on every run",
          WRONG_BASE_SCORE,
          cells={"score_function": "{base}\n\n" + '''import os
import random

SEED = int.from_bytes(os.urandom(4), "little")
np.random.seed(SEED)
random.seed(os.urandom(16))
''', "svm_loss_naive": "{base}\n\n" + '''_naive = svm_loss_naive


def svm_loss_naive(W, X, y, reg):
    np.random.seed(int.from_bytes(os.urandom(4), "little"))
    random.seed(os.urandom(16))
    return _naive(W, X, y, reg)
''', "svm_loss_vectorized": "{base}\n\n" + '''_vectorized = svm_loss_vectorized


def svm_loss_vectorized(W, X, y, reg):
    np.random.seed(int.from_bytes(os.urandom(4), "little"))
    return _vectorized(W, X, y, reg)
''', "tuning": '''results = {}
best_W = 0.001 * np.random.default_rng(SEED).standard_normal((data.X_train.shape[1], len(data.class_names)))
best_val = float(np.mean(np.argmax(data.X_val.dot(best_W), axis=1) == data.y_val))
results[(0.0, 0.0)] = (float(np.mean(np.argmax(data.X_train.dot(best_W), axis=1) == data.y_train)), best_val)
VAL_ACCURACY_BARS = {name: 0.0 for name in VAL_ACCURACY_BARS}
'''}),

    # -- reading what a student must not see ------------------------------------------------------------
    Entry("read_course", "read", "opens the source notebook (hidden tests), the gradebook, the staged "
          "notebooks and results of students graded before, a classmate's submission and other sandboxes' "
          "scratch copies, by absolute path (in the course and the kit's checkout) and by ../ paths as "
          "from nbgrader's autograded/", WRONG_BASE_SCORE,
          cells={"score_function": _read("{root}/solutions/svm/svm.ipynb", "{repo}/solutions/svm/svm.ipynb",
                                         "{root}/gradebook.db", "{repo}/gradebook.db",
                                         "{root}/grading/svm/executed/*/svm/svm.ipynb",
                                         "{root}/grading/svm/results/*",
                                         *[up + "solutions/svm/svm.ipynb" for up in _UP],
                                         *[up + "source/svm/svm.ipynb" for up in _UP],
                                         *[up + "gradebook.db" for up in _UP],
                                         "{root}/submitted/{victim}/svm/svm.ipynb", "/tmp/kit-*/work/*.ipynb",
                                         "/tmp/*/*.ipynb", "/home/*/*/*.ipynb")}),
    Entry("read_search_filesystem", "read", "walks every folder it can see for a file holding the hidden "
          "tests", WRONG_BASE_SCORE,
          cells={"score_function": "{base}\n\n" + '''import os
import time

_won = False
_marker = ("_reference_" + "svm_loss").encode()
_start = time.monotonic()
for _dir, _subdirs, _files in os.walk("/"):
    _subdirs[:] = [d for d in _subdirs if not (_dir == "/" and d in ("proc", "sys", "dev"))]
    if time.monotonic() - _start > 8:
        break
    for _name in _files:
        if _name.endswith((".ipynb", ".db", ".json")):
            try:
                with open(os.path.join(_dir, _name), "rb") as _f:
                    _won = _won or _marker in _f.read(50_000_000)
            except OSError:
                pass
'''}),
    Entry("read_network", "read", "connects to a server on the grading machine's 127.0.0.1, to a public IP "
          "and by DNS name, to fetch answers or leak tests", WRONG_BASE_SCORE,
          cells={"score_function": "{base}\n\n" + '''import socket

_won = False
for _host, _port in [("127.0.0.1", {port}), ("localhost", {port}), ("1.1.1.1", 443), ("pypi.org", 443)]:
    try:
        with socket.create_connection((_host, _port), timeout=3) as _s:
            _s.sendall(b"GET /answers HTTP/1.0\\r\\n\\r\\n")
        _won = True
    except OSError:
        pass
'''}),
    Entry("read_symlink_notebook", "read", "the submitted svm.ipynb is a symbolic link to the course's "
          "source notebook (as unzipping a submission with links gives): the grader must not read "
          "through it", 0, True, "link", raw=_symlink_to_solution),
    Entry("read_symlink_folder", "read", "the submission folder is a symbolic link to a classmate's: the "
          "grader must not grade the classmate's work as this student's", 0, True, "link",
          raw=_symlink_to_victim),

    # -- writing outside the scratch copy -------------------------------------------------------------
    Entry("write_course", "write", "appends to the source notebook, the config, the gradebook, a "
          "classmate's submission and staged notebook and other sandboxes' scratch copies, rewrites the "
          "gradebook's scores with sqlite, creates files in the course and the kit's checkout, by absolute "
          "and ../ paths", WRONG_BASE_SCORE,
          cells={"score_function": _write(
              ["{root}/solutions/svm/svm.ipynb", "{root}/nbgrader_config.py", "{root}/gradebook.db",
               "{root}/submitted/{victim}/svm/svm.ipynb",
               "{root}/grading/svm/executed/{victim}/svm/svm.ipynb", "/tmp/kit-*/work/*.ipynb",
               *[up + name for up in _UP for name in ("nbgrader_config.py", "gradebook.db")]],
              ["{root}/PWNED.txt", "{root}/solutions/PWNED.txt", "{repo}/PWNED.txt"]) + '''
import sqlite3

try:
    with sqlite3.connect("{root}/gradebook.db") as _db:
        _db.execute("UPDATE grade SET manual_score = 999")
    _won = True
except Exception:
    pass
'''},
          targets=("{root}/solutions/svm/svm.ipynb", "{root}/nbgrader_config.py", "{root}/PWNED.txt",
                   "{root}/solutions/PWNED.txt", "{repo}/PWNED.txt",
                   "{root}/submitted/{victim}/svm/svm.ipynb"),
          canary_in=("{root}/gradebook.db", "{root}/grading/svm/executed/{victim}/svm/svm.ipynb")),
    Entry("write_package", "write", "appends to the installed grading helpers and numpy, and drops a .pth "
          "and a sitecustomize.py (run by every later Python, the grader's too) into site-packages",
          WRONG_BASE_SCORE,
          cells={"score_function": _write("_targets", [], '''import site
import sys

import cs231n_utils.grading

_targets = [cs231n_utils.grading.__file__, np.__file__]
_new = []
for _dir in site.getsitepackages() + [p for p in sys.path if p.endswith("site-packages")]:
    _new += [_dir + "/zz_pwned.pth", _dir + "/sitecustomize.py", _dir + "/usercustomize.py"]
''').replace("for _path in []:", "for _path in _new:")},
          targets=("{repo}/cs231n_utils/grading.py", "{numpy}", "{site}/zz_pwned.pth",
                   "{site}/sitecustomize.py")),

    # -- resources: hang, hog, crash, flood ---------------------------------------------------------
    Entry("fault_infinite_loop", "resource", "svm_loss_naive never returns: its first call times out, the "
          "process is killed, Part A's points stay, the rest is 0 and flagged", 2, True, "timeout",
          base="fast", cells={"svm_loss_naive": "def svm_loss_naive(W, X, y, reg):\n    while True:\n"
                                                "        pass\n"}),
    Entry("fault_sleep", "resource", "the tuning cell sleeps past the per-cell limit", 17, True, "timeout",
          base="fast", cells={"tuning": "import time\n\ntime.sleep(100_000)\n"}),
    Entry("fault_memory_hog", "resource", "svm_loss_naive fills memory until the limit stops it "
          "(MemoryError): a failed function, not a killed process", 16, base="fast",
          cells={"svm_loss_naive": "{base}\n\n" + '''_naive = svm_loss_naive


def svm_loss_naive(W, X, y, reg):
    blocks = []
    while True:
        blocks.append(np.ones(2**24))  # 128 MB, touched
''' + "    return _naive(W, X, y, reg)\n"}),
    Entry("fault_fork_bomb", "resource", "the tuning cell forks until the process limit, every child "
          "spinning and forking: timed out, killed with its namespace, flagged", 17, True, "timeout",
          base="fast",
          cells={"tuning": '''import os

while True:
    try:
        os.fork()
    except OSError:
        pass
'''}),
    Entry("fault_exit", "resource", "svm_loss_naive calls os._exit: the process is gone, flagged", 2, True,
          "died", base="fast", cells={"svm_loss_naive": "def svm_loss_naive(W, X, y, reg):\n    import os\n\n"
                                                        "    os._exit(0)\n"}),
    Entry("fault_kill", "resource", "svm_loss_vectorized SIGKILLs every process it may signal", 7, True,
          "died", base="fast", cells={"svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg):
    import os
    import signal

    os.killpg(0, signal.SIGKILL)
    os.kill(-1, signal.SIGKILL)
'''}),
    Entry("fault_output_flood", "resource", "hundreds of MB printed by a cell, by every loss call and at the "
          "file-descriptor level: capped, and the work is graded as usual", 21, base="fast",
          cells={"score_function": "{base}\n\n" + '''import os
import sys

for _ in range(200):
    print("x" * 1_000_000)
    sys.stderr.write("y" * 100_000)
os.write(1, b"z" * 10_000_000)
os.write(2, b"z" * 10_000_000)
''', "svm_loss_naive": "{base}\n\n" + '''_naive = svm_loss_naive


def svm_loss_naive(W, X, y, reg):
    print("loss " * 200_000)
    return _naive(W, X, y, reg)
'''}),

    # -- malformed notebooks ----------------------------------------------------------------------------
    Entry("malformed_invalid_json", "malformed", "truncated JSON", 0, True, "not valid notebook JSON",
          raw=_raw(b'{"cells": [{"cell_type": "code", "source": "')),
    Entry("malformed_empty_file", "malformed", "an empty svm.ipynb", 0, True, "not valid notebook JSON",
          raw=_raw(b"")),
    Entry("malformed_not_a_notebook", "malformed", "valid JSON without a list of cells (nbformat 3)", 0, True,
          "no list of cells", raw=_raw(b'{"worksheets": [{"cells": []}], "nbformat": 3}')),
    Entry("malformed_deep_json", "malformed", "JSON nested 200,000 deep: the parser's RecursionError is "
          "caught (fixed in runner.py; it used to crash the job)", 0, True, "not valid notebook JSON",
          raw=_deep_json),
    Entry("malformed_missing_notebook", "malformed", "the folder holds 'svm (1).ipynb', not svm.ipynb", 0,
          True, "cannot read", raw=_wrong_name),
    Entry("malformed_duplicate_answer", "malformed", "the svm_loss_naive cell twice; the first copy (right) "
          "is graded, the duplicate flagged", 21, True, "appears 2 times", base="fast",
          edit=_duplicate_naive),
    Entry("malformed_delete_answer", "malformed", "the svm_loss_naive cell deleted: its stub is graded, "
          "flagged", 16, True, "missing", base="fast", edit=_delete("svm_loss_naive")),
    Entry("malformed_delete_test", "malformed", "a hidden test cell deleted: the source's copy runs anyway, "
          "so nothing is lost and there is nothing to review", 21, base="fast",
          edit=_delete("test_svm_loss_naive_hidden")),
    Entry("malformed_edit_test", "malformed", "the visible naive test replaced by pass: the original runs, "
          "flagged", WRONG_BASE_SCORE, True, "edited", edit=_edit_visible_test),
    Entry("malformed_inflate_points", "malformed", "two test cells claim 100 points: the source's points "
          "count, flagged", 21, True, "points", base="fast", edit=_inflate_points),
    Entry("malformed_markdown_answer", "malformed", "the svm_loss_naive answer cell turned into markdown: "
          "graded as code, as nbgrader (which restores the source's cell type) does", 21, base="fast",
          edit=_answer_to_markdown),
    Entry("malformed_junk_cells", "malformed", "cells that are numbers, strings, null, sources that are not "
          "text, and an extra graded cell worth 50: ignored", 21, flag="unknown cell id",
          raw=_write_junk_json),
    Entry("malformed_parser_bomb", "malformed", "the tuning cell nests 100,000 unary minuses: it cannot "
          "compile, as in a kernel; the rest is graded (fixed in runner.py: the grader's own parse of "
          "it used to crash the job)", 17, base="fast", cells={"tuning": "x = " + "-" * 100_000 + "1\n"}),
    Entry("malformed_surrogates", "malformed", "answer cells print and raise text with lone UTF-16 "
          "surrogates, which UTF-8 cannot hold: junk text, the work is graded as usual", 21, base="fast",
          cells={"score_function": "{base}\n\nprint('\\ud800')\n",
                 "tuning": "{base}\nraise ValueError('\\udcff')\n"}),
]

#: Entries graded again to check that the verdicts do not depend on the run.
DETERMINISM = ("cheat_reseed", "cheat_train_on_val")


def by_name() -> dict[str, Entry]:
    entries = {e.name: e for e in CORPUS}
    if len(entries) != len(CORPUS):
        raise ValueError("two corpus entries share a name")
    return entries
