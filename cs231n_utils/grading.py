"""Checks used by the notebooks' test cells, written to give specific feedback.

Each ``check_*``/``assert_*`` helper raises ``AssertionError`` with a message that says what
was expected, what came, and what that usually means, instead of a bare ``assert failed``.
Nothing here knows the answer to a graded task: expected values live in the test cells.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import textwrap
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .gradcheck import REL_ERROR_FLOOR, GradientVerdict, grad_check_sparse, judge_gradient
from .outcomes import RequirementOutcome

#: Calls that hide a Python-level loop over rows.
LOOPING_CALLS = frozenset({"map", "vectorize", "apply_along_axis", "frompyfunc", "fromiter"})


def check_loss_output(out: Any, W: np.ndarray, name: str = "your function") -> tuple[float, np.ndarray]:
    """Check that ``out`` is ``(loss, dW)`` with a finite scalar loss and ``dW`` shaped like ``W``.

    Returns
    -------
    loss : float
    dW : ndarray of shape W.shape
    """
    if not isinstance(out, tuple) or len(out) != 2:
        got = f"a tuple of length {len(out)}" if isinstance(out, tuple) else type(out).__name__
        raise AssertionError(f"{name} must return a tuple (loss, dW), but it returned {got}")
    loss, dW = out
    if np.ndim(loss) != 0:
        raise AssertionError(
            f"{name} must return the loss as a single number, got an array of shape {np.shape(loss)}: "
            "did you forget to sum or average over the examples?"
        )
    if not np.isfinite(float(loss)):
        raise AssertionError(f"{name} returned a loss of {float(loss)}: check for overflow or 0/0")
    if not isinstance(dW, np.ndarray) or dW.shape != W.shape:
        got = dW.shape if isinstance(dW, np.ndarray) else type(dW).__name__
        raise AssertionError(f"{name} must return dW with the shape of W {W.shape}, got {got}")
    if not np.all(np.isfinite(dW)):
        raise AssertionError(f"{name} returned a gradient with inf or nan entries")
    return float(loss), dW


#: A comparison passes when the scale-aware error is at most this many units in the last place
#: of the least precise floating-point array involved ...
ULPS = 1000
#: ... and never below this floor (float64 arithmetic in any summation order stays far under it).
TOLERANCE_FLOOR = 1e-8
#: Denominator floor of :func:`scaled_error`, so that two all-zero arrays compare as equal.
TINY = REL_ERROR_FLOOR


def scaled_error(actual: Any, expected: Any, scale: float | None = None) -> float:
    """Scale-aware error: ``max|actual - expected| / max(max|actual|, max|expected|)``.

    Unlike an entrywise relative error it does not blow up on entries that are nearly zero
    (where two right summation orders legitimately differ by a few units of the array's
    magnitude), and unlike an absolute error it does not depend on the units of the data.

    Parameters
    ----------
    actual, expected : array_like of the same shape, or scalars
    scale : float, optional
        The magnitude to divide by instead of the arrays' own largest entries, e.g. the size
        of the losses whose difference is compared.

    Returns
    -------
    float
        0 for equal inputs; about 1 when they differ as much as they are large; ``inf``
        when either holds inf or nan (and they are not the same).
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        raise ValueError(f"scaled_error needs two arrays of the same shape, got {a.shape} and {e.shape}")
    if a.size == 0:
        return 0.0
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(e))):
        same = np.array_equal(a, e, equal_nan=True)
        return 0.0 if same else float("inf")
    if scale is None:
        scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(e))))
    return float(np.max(np.abs(a - e)) / max(abs(scale), TINY))


def tolerance_for(*arrays: Any) -> float:
    """The limit of :func:`scaled_error` for results computed from (or returned as) ``arrays``.

    ``ULPS`` units in the last place of the least precise floating-point dtype among the
    arrays, and at least ``TOLERANCE_FLOOR``: 1.2e-4 when anything is float32 (a student may
    rightly compute in float32 when X is float32), 1e-8 when everything is float64. Why these:
    two right implementations differ only by rounding, and a sum of N float32 terms in another
    order moves by about sqrt(N) units of its magnitude (measured: at most a few 1e-6 on the
    CIFAR-10 dev set, N = 500), while a real bug (a missing term, a wrong sign, a factor N, a
    forgotten 2 in the regularization gradient) changes the result by 1e-3 or more of its
    magnitude. The tests' inputs are chosen so that every bug they look for is far above it.
    """
    eps = 0.0
    for arr in arrays:
        dtype = getattr(arr, "dtype", None)
        if dtype is None and isinstance(arr, np.floating):
            dtype = arr.dtype
        if dtype is not None and np.issubdtype(dtype, np.floating):
            eps = max(eps, float(np.finfo(dtype).eps))
    return max(TOLERANCE_FLOOR, ULPS * eps)


def assert_close(
    actual: Any,
    expected: Any,
    what: str,
    tol: float | None = None,
    hint: str = "",
    scale: float | None = None,
    inputs: tuple[Any, ...] = (),
) -> None:
    """Assert that ``actual`` equals ``expected`` up to rounding, saying by how much it does not.

    The comparison is :func:`scaled_error` (relative to the arrays' largest entry, or to
    ``scale``) against ``tol``, by default :func:`tolerance_for` the two values and the
    ``inputs`` they were computed from (so float32 data gets a float32 limit). Returns None,
    so that a test cell ending with it is not scored by its value (nbgrader's partial credit).
    """
    actual_arr = np.asarray(actual)
    expected_arr = np.asarray(expected)
    if actual_arr.shape != expected_arr.shape:
        raise AssertionError(f"{what}: expected shape {expected_arr.shape}, got {actual_arr.shape}")
    if not (np.issubdtype(actual_arr.dtype, np.number) or actual_arr.dtype == bool):
        raise AssertionError(f"{what}: expected numbers, got {actual_arr.dtype} values")
    limit = tolerance_for(actual_arr, expected_arr, *inputs) if tol is None else tol
    actual_arr = actual_arr.astype(np.float64)
    expected_arr = expected_arr.astype(np.float64)
    error = scaled_error(actual_arr, expected_arr, scale)
    if error <= limit:
        return
    diff = np.abs(actual_arr - expected_arr)
    diff = np.where(np.isnan(diff), np.inf, diff)
    if actual_arr.ndim == 0:
        detail = f"expected {float(expected_arr):.6g}, got {float(actual_arr):.6g}"
    else:
        worst = np.unravel_index(np.argmax(diff), diff.shape)
        detail = (
            f"largest difference {diff[worst]:.3g} at index {tuple(int(i) for i in worst)} "
            f"(expected {expected_arr[worst]:.6g}, got {actual_arr[worst]:.6g})"
        )
    raise AssertionError(
        f"{what}: {detail}; that is {error:.2g} of the values' size, above the rounding limit "
        f"{limit:.1g}" + (f". {hint}" if hint else "")
    )


def numerical_gradient_error(
    loss_fn: Callable[..., tuple[float, np.ndarray]],
    W: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    reg: float,
    num_checks: int = 10,
    rng: np.random.Generator | int | None = 0,
    name: str | None = None,
) -> tuple[float, str]:
    """How far ``loss_fn``'s analytic gradient is from centred differences at random entries.

    The error is scale-aware: the largest ``|numerical - analytic|`` over the checked entries,
    divided by the gradient's magnitude (the largest entry of ``dW`` or of the numerical
    values), so that an entry that is nearly zero cannot fail a right gradient. Centred
    differences only, as the graded tests need at their inputs, which keep away from kinks; the
    checks a student runs on real data judge kinks apart (:func:`~.gradcheck.judge_gradient`).

    Returns
    -------
    error : float
    worst : str
        The worst entry, described for a message.
    """
    name = name or getattr(loss_fn, "__name__", "the loss function")
    W = np.array(W, dtype=np.float64)
    _, dW = check_loss_output(loss_fn(W.copy(), X, y, reg), W, name)
    result = grad_check_sparse(lambda w: loss_fn(w, X, y, reg)[0], W, dW, num_checks, rng=rng)
    scale = max(float(np.max(np.abs(dW))), float(np.max(np.abs(result.numerical))), TINY)
    errors = np.abs(result.numerical - result.analytic) / scale
    worst = int(np.argmax(errors))
    where = (f"at W{result.indices[worst]} the numerical value is {result.numerical[worst]:.6g} "
             f"but dW says {result.analytic[worst]:.6g} (the gradient's size is {scale:.3g})")
    return float(np.max(errors)), where


def check_gradient_numerically(
    loss_fn: Callable[..., tuple[float, np.ndarray]],
    W: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    reg: float,
    num_checks: int = 10,
    tol: float = 1e-5,
    rng: np.random.Generator | int | None = 0,
    name: str | None = None,
) -> None:
    """Assert that ``loss_fn``'s analytic gradient agrees with centred differences.

    Raises ``AssertionError`` when :func:`numerical_gradient_error` exceeds ``tol``. Use
    float64 inputs and a W away from hinge kinks for a tight check.
    """
    name = name or getattr(loss_fn, "__name__", "the loss function")
    error, where = numerical_gradient_error(loss_fn, W, X, y, reg, num_checks, rng, name)
    if not error <= tol:
        raise AssertionError(
            f"the gradient of {name} (reg={reg}) disagrees with the numerical gradient: {where}; "
            f"error {error:.2e} of the gradient's size, tolerance {tol:.0e}"
            + (" — the regularization part of dW looks wrong" if reg else "")
        )


def assert_inputs_unchanged(fn: Callable[..., Any], *args: Any, name: str | None = None) -> Any:
    """Call ``fn(*args)`` and assert that it did not modify any array argument in place."""
    name = name or getattr(fn, "__name__", "the function")
    before = [copy.deepcopy(a) for a in args]
    out = fn(*args)
    for i, (old, new) in enumerate(zip(before, args)):
        if isinstance(old, np.ndarray) and not np.array_equal(old, new, equal_nan=True):
            raise AssertionError(
                f"{name} modified its argument #{i + 1} (shape {old.shape}) in place: "
                "work on a copy (e.g. scores = X.dot(W) makes a new array; W += ... does not)"
            )
    return out


def _function_tree(fn: Callable[..., Any]) -> ast.AST | None:
    # A function graded in the sandbox carries the source the grader read from its cell.
    source = getattr(fn, "__kit_source__", None)
    if source is None:
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            return None
    try:
        return ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return None


#: How a finding starts when it is a function whose source could not be read, not a loop or a call.
UNREADABLE = "unreadable source"


def _unreadable(fname: str) -> str:
    return (f"{UNREADABLE} of {fname}: the grader reads a function only where one plain def {fname}(...) "
            f"in an answer cell (or {fname} = another_function, or {fname} = lambda ...) is all that binds "
            f"the name, so nothing about {fname} can be checked. Define it that way (not decorated, not "
            "bound twice or in a branch, not made by exec), and bind no names with exec, eval, "
            "globals()[...] = ... or setattr on a module anywhere in the notebook")


def _scan_notebook_functions(fn: Callable[..., Any], scan: Callable[[str, ast.AST], list[str]],
                             seen: set[int]) -> list[str]:
    """``scan(name, tree)`` of ``fn``, then of every notebook function it calls by name, recursively.

    Notebook functions are those of module ``__main__`` (a cell's ``def``), looked up where ``fn``
    was defined; each is scanned once. A function whose source cannot be read is reported once
    (starting with :data:`UNREADABLE`), since nothing about it can be verified.
    """
    if id(fn) in seen:
        return []
    seen.add(id(fn))
    tree = _function_tree(fn)
    fname = getattr(fn, "__name__", "?")
    if tree is None:
        # Without its source nothing can be verified (e.g. a function made with exec).
        return [_unreadable(fname)]
    found = scan(fname, tree)
    called = {node.func.id for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    namespace = getattr(fn, "__kit_namespace__", None) or getattr(fn, "__globals__", {})
    for callee in sorted(called):
        target = namespace.get(callee)
        if callable(target) and getattr(target, "__module__", None) == "__main__":
            found.extend(_scan_notebook_functions(target, scan, seen))
    return found


def _failure(found: list[str], problem: Callable[[list[str]], str]) -> str:
    """The message for what a scan found: ``problem(findings)`` of the real findings, and each
    unreadable source once, which says what to change."""
    unreadable = list(dict.fromkeys(f for f in found if f.startswith(UNREADABLE)))
    real = [f for f in found if not f.startswith(UNREADABLE)]
    parts = ([problem(real)] if real else []) + [u[0].upper() + u[1:] + "." for u in unreadable]
    return " ".join(parts)


_LOOP_KINDS = {
    ast.For: "for loop", ast.AsyncFor: "for loop", ast.While: "while loop",
    ast.ListComp: "list comprehension", ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension", ast.GeneratorExp: "generator expression",
}
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _allowed_counts(allowed_ranges: Collection[str],
                    allowed_loops: Mapping[str, str] | None) -> dict[str, str]:
    """Parameter -> what a loop over it goes over ("the clusters (k)"), from both ways to declare it."""
    counts = {name: f"range({name})" for name in allowed_ranges}
    counts.update({param: f"the {what} ({param})" for what, param in (allowed_loops or {}).items()})
    return counts


def _listed(items: list[str], conjunction: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def find_python_loops(fn: Callable[..., Any], allowed_ranges: Collection[str] = (),
                      allowed_loops: Mapping[str, str] | None = None) -> list[str]:
    """List the Python-level loops in ``fn`` and in the notebook functions it calls.

    Flags ``for``/``while`` statements, comprehensions, generator expressions and calls such
    as ``map`` or ``np.vectorize`` that loop in Python. Functions defined in the notebook
    (module ``__main__``) that ``fn`` calls are inspected too, so calling the naive version
    from the vectorized one is caught.

    Some loops may be allowed, declared by what they go over: ``allowed_loops`` maps what a loop
    goes over to the parameter that counts it, ``{"iterations": "iters", "clusters": "k"}`` for
    k-means (``allowed_ranges=("iters", "k")`` is the older spelling of the same). A ``for``
    statement or comprehension is then not flagged when it provably runs at most about that many
    times, however it is written: ``range(k)``, ``range(int(k))``, ``range(iters + 1)``, or over an
    array the function made with k rows, ``range(len(centres))``, ``range(centres.shape[0])``,
    ``for c in centres``, ``enumerate(centres)``, ``zip(centres, ...)`` (see :class:`_LoopBounds`).
    A loop over anything else, such as the examples, is flagged.

    Returns
    -------
    list of str
        One description per loop found, e.g. ``"for loop (svm_loss_vectorized, line 12)"``.
    """
    counts = _allowed_counts(allowed_ranges, allowed_loops)

    def loops(fname: str, tree: ast.AST) -> list[str]:
        bounds = _LoopBounds(tree, counts)
        found = []
        for node in ast.walk(tree):
            if isinstance(node, (ast.For, ast.AsyncFor)) and bounds.size(node.iter):
                continue
            if isinstance(node, _COMPREHENSIONS) and all(bounds.size(g.iter) for g in node.generators):
                continue
            for kind, label in _LOOP_KINDS.items():
                if isinstance(node, kind):
                    found.append(f"{label} ({fname}, line {node.lineno})")
            if isinstance(node, ast.Call):
                func = node.func
                callee = func.id if isinstance(func, ast.Name) else (
                    func.attr if isinstance(func, ast.Attribute) else None)
                if callee in LOOPING_CALLS:
                    found.append(f"call to {callee} ({fname}, line {node.lineno})")
        return found

    return _scan_notebook_functions(fn, loops, set())


_EMPTY: frozenset[str] = frozenset()
#: Functions and methods whose result has as many rows as their (first) array argument or receiver.
_SAME_ROWS = frozenset({"astype", "copy", "array", "asarray", "asanyarray", "ascontiguousarray", "asfarray",
                        "zeros_like", "ones_like", "empty_like", "full_like", "atleast_1d", "enumerate",
                        "reversed", "sorted", "list", "tuple", "iter", "stack", "unique", "conj"})
#: Functions made of a shape (the number of rows first).
_MADE_OF_SHAPE = frozenset({"zeros", "ones", "empty", "full", "eye", "identity"})
#: Elementwise functions: as many rows as their array arguments (broadcasting never adds rows to them all).
_ELEMENTWISE = frozenset({"where", "maximum", "minimum", "fmax", "fmin", "add", "subtract", "multiply",
                          "divide", "true_divide", "floor_divide", "power", "abs", "absolute", "sqrt",
                          "square", "exp", "log", "log1p", "expm1", "sign", "clip", "logical_and",
                          "logical_or", "logical_not", "isfinite", "isnan", "nan_to_num", "round", "around",
                          "floor", "ceil", "negative", "reciprocal", "equal", "not_equal", "less", "greater",
                          "less_equal", "greater_equal"})
#: Reductions (methods, or functions of a module): along an axis other than the first they keep the rows.
_REDUCTIONS = frozenset({"sum", "mean", "min", "max", "argmin", "argmax", "any", "all", "std", "var", "prod",
                         "norm", "median", "count_nonzero", "nansum", "nanmean", "amin", "amax", "average"})
#: Functions of a number that keep its value (about).
_SAME_NUMBER = frozenset({"int", "round", "index", "int64", "int32", "intp", "floor", "ceil"})


def _integer(expr: ast.AST) -> int | None:
    """The value of an integer literal (``2``, ``-1``), else None."""
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        inner = _integer(expr.operand)
        return None if inner is None else -inner
    if isinstance(expr, ast.Constant) and isinstance(expr.value, int) and not isinstance(expr.value, bool):
        return expr.value
    return None


class _LoopBounds:
    """How many times a loop of one function can run, as the counts a test allows (its parameters).

    For every name the function binds, what bounds its value (a number: ``k``, ``int(k)``,
    ``len(centres)``, ``centres.shape[0]``, ``min(k, n)``) and its rows (an array or sequence made
    with that many rows: ``points[rng.choice(m, k, replace=False)]``, ``np.zeros((k, d))``,
    ``x[:k]``, ``c.copy()``, ``np.where(mask, a, b)`` of such arrays, ``[... for j in range(k)]``),
    over all of its bindings at once (a name bound in two ways is bounded only by what both share;
    a name of the caller's, such as the data, by nothing). :meth:`size` of a loop's iterable is
    then the set of counts it provably runs at most (about) that many times: empty for anything else.
    """

    def __init__(self, tree: ast.AST, counts: Mapping[str, str]):
        self.counts = frozenset(counts)
        self.value: dict[str, frozenset[str]] = {}
        self.rows: dict[str, frozenset[str]] = {}
        if not self.counts:
            return
        func = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                  ast.Lambda))), None)
        if func is None:
            return
        bindings: dict[str, list[tuple[str, ast.AST | None]]] = {}
        handled: set[int] = set()

        def bind(target: ast.AST, kind: str, expr: ast.AST | None) -> None:
            if isinstance(target, ast.Name):
                handled.add(id(target))
                bindings.setdefault(target.id, []).append((kind, expr))

        args = func.args
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None:
                bindings.setdefault(a.arg, []).append(("count" if a.arg in self.counts else "unknown", None))
        for node in ast.walk(func):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        bind(target, "expr", node.value)
                    elif isinstance(target, (ast.Tuple, ast.List)) and target.elts:
                        first = target.elts[0]
                        values = node.value.elts if isinstance(node.value, (ast.Tuple, ast.List)) else []
                        if (len(values) == len(target.elts)
                                and not any(isinstance(e, ast.Starred) for e in [*target.elts, *values])):
                            for t, v in zip(target.elts, values):
                                bind(t, "expr", v)
                        elif self._shape_of(node.value) is not None:  # k, d = centres.shape
                            bind(first, "rows_of", self._shape_of(node.value))
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                before = ast.Name(node.target.id, ast.Load())
                bind(node.target, "expr", ast.BinOp(before, node.op, node.value))
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                bind(node.target, "expr", node.value)
        # A comprehension's variables are its own (``{k: v for k, v in ...}`` leaves the count k alone).
        handled.update(id(n) for c in ast.walk(func) if isinstance(c, _COMPREHENSIONS)
                       for g in c.generators for n in ast.walk(g.target))
        for node in ast.walk(func):  # every other binding (a loop's variable, an import, ...): unknown
            stored = isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del))
            if stored and id(node) not in handled:
                bindings.setdefault(node.id, []).append(("unknown", None))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) and (
                    node is not func):  # a nested function: its name, and its parameters in its body
                if not isinstance(node, ast.Lambda):
                    bindings.setdefault(node.name, []).append(("unknown", None))
                if not isinstance(node, ast.ClassDef):
                    nested = node.args
                    for a in [*nested.posonlyargs, *nested.args, *nested.kwonlyargs,
                              nested.vararg, nested.kwarg]:
                        if a is not None:
                            bindings.setdefault(a.arg, []).append(("unknown", None))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    name = (alias.asname or alias.name).split(".")[0]
                    bindings.setdefault(name, []).append(("unknown", None))
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                for name in node.names:
                    bindings.setdefault(name, []).append(("unknown", None))
        self.local = set(bindings)
        # The greatest fixed point: start from "bounded by every count" and narrow down.
        self.value = dict.fromkeys(bindings, self.counts)
        self.rows = dict.fromkeys(bindings, self.counts)
        for _ in range(50):
            changed = False
            for name, binds in bindings.items():
                value, rows = self.counts, self.counts
                for kind, expr in binds:
                    if kind == "count":
                        value, rows = value & {name}, _EMPTY
                    elif kind == "rows_of":
                        value, rows = value & self.size(expr), _EMPTY
                    elif kind == "expr":
                        value, rows = value & self.number(expr), rows & self.size(expr)
                    else:
                        value, rows = _EMPTY, _EMPTY
                if (value, rows) != (self.value[name], self.rows[name]):
                    self.value[name], self.rows[name], changed = value, rows, True
            if not changed:
                break

    @staticmethod
    def _shape_of(expr: ast.AST) -> ast.AST | None:
        """``x`` of ``x.shape`` or ``np.shape(x)``."""
        if isinstance(expr, ast.Attribute) and expr.attr == "shape":
            return expr.value
        if (isinstance(expr, ast.Call) and isinstance(expr.func, (ast.Name, ast.Attribute)) and expr.args
                and getattr(expr.func, "id", getattr(expr.func, "attr", None)) == "shape"):
            return expr.args[0]
        return None

    def _is_module(self, expr: ast.AST) -> bool:
        """``np``, ``np.random``: a name of no local binding (a module), or an attribute of one."""
        while isinstance(expr, ast.Attribute):
            expr = expr.value
        return isinstance(expr, ast.Name) and expr.id not in getattr(self, "local", ())

    def _is_number(self, expr: ast.AST) -> bool:
        if isinstance(expr, ast.UnaryOp):
            return self._is_number(expr.operand)
        constant = isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float))
        return constant or bool(self.number(expr))

    def number(self, expr: ast.AST) -> frozenset[str]:
        """The counts that bound the number ``expr`` (about: up to a constant term or factor)."""
        if isinstance(expr, ast.Name):
            return self.value.get(expr.id, _EMPTY)
        if isinstance(expr, ast.Call) and isinstance(expr.func, (ast.Name, ast.Attribute)):
            name = expr.func.id if isinstance(expr.func, ast.Name) else expr.func.attr
            if name == "len" and len(expr.args) == 1:
                return self.size(expr.args[0])
            if name in _SAME_NUMBER and len(expr.args) == 1:
                return self.number(expr.args[0])
            if name == "min" and len(expr.args) >= 2:
                return frozenset().union(*(self.number(a) for a in expr.args))
            if name == "max" and len(expr.args) >= 2:
                return frozenset.intersection(*(self.number(a) for a in expr.args))
        if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant) and expr.slice.value == 0:
            shaped = self._shape_of(expr.value)
            return self.size(shaped) if shaped is not None else _EMPTY
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
            for this, other in ((expr.left, expr.right), (expr.right, expr.left)):
                if isinstance(other, ast.Constant) and isinstance(other.value, int) and other.value >= 0 and (
                        not isinstance(expr.op, ast.FloorDiv) or (this is expr.left and other.value >= 1)):
                    return self.number(this)
        if isinstance(expr, ast.IfExp):
            return self.number(expr.body) & self.number(expr.orelse)
        return _EMPTY

    def size(self, expr: ast.AST) -> frozenset[str]:
        """The counts that bound the rows of ``expr``, that is how many times a loop over it runs."""
        if isinstance(expr, ast.Name):
            return self.rows.get(expr.id, _EMPTY)
        if isinstance(expr, ast.Subscript):
            return self._indexed(expr)
        if isinstance(expr, ast.Call):
            return self._made(expr)
        if isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self.size(expr.generators[0].iter) if len(expr.generators) == 1 else _EMPTY
        if isinstance(expr, ast.BinOp) and not isinstance(expr.op, ast.MatMult):
            return self._elementwise([expr.left, expr.right])
        if isinstance(expr, ast.Compare):
            return self._elementwise([expr.left, *expr.comparators])
        if isinstance(expr, ast.UnaryOp):
            return self.size(expr.operand)
        if isinstance(expr, ast.IfExp):
            return self.size(expr.body) & self.size(expr.orelse)
        return _EMPTY

    def _elementwise(self, operands: list[ast.AST]) -> frozenset[str]:
        arrays = [o for o in operands if not self._is_number(o)]
        return frozenset.intersection(*(self.size(a) for a in arrays)) if arrays else _EMPTY

    def _indexed(self, expr: ast.Subscript) -> frozenset[str]:
        index = expr.slice
        first = (index.elts[0] if index.elts else None) if isinstance(index, ast.Tuple) else index
        if isinstance(first, ast.Slice):
            rows = self.size(expr.value)
            step = first.step
            steps = step is None or (isinstance(step, ast.Constant) and isinstance(step.value, int)
                                     and step.value >= 1)
            starts = first.lower is None or (isinstance(first.lower, ast.Constant) and first.lower.value == 0)
            if first.upper is not None and steps and starts:
                rows = rows | self.number(first.upper)
            return rows
        if first is None or isinstance(first, ast.Constant) or self._is_number(first):
            return _EMPTY  # a row, or a new axis of length 1
        if isinstance(first, (ast.Compare, ast.BoolOp)) or (isinstance(first, ast.UnaryOp)
                                                            and isinstance(first.op, (ast.Not, ast.Invert))):
            return self.size(expr.value) | self.size(first)  # a mask: at most the rows it selects from
        return self.size(first)  # an array of indices: as many rows as it has

    def _made(self, call: ast.Call) -> frozenset[str]:
        func = call.func
        if not isinstance(func, (ast.Name, ast.Attribute)):
            return _EMPTY
        name = func.id if isinstance(func, ast.Name) else func.attr
        method = isinstance(func, ast.Attribute) and not self._is_module(func.value)
        args = list(call.args)
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        subject = func.value if method else (args[0] if args else None)

        def leading(shape: ast.AST | None) -> frozenset[str]:
            if isinstance(shape, (ast.Tuple, ast.List)):
                return self.number(shape.elts[0]) if shape.elts else _EMPTY
            return self.number(shape) if shape is not None else _EMPTY

        if name in ("range", "arange") and not method and 1 <= len(args) <= 3:
            if len(args) == 1:
                return self.number(args[0])
            start, step = args[0], (args[2] if len(args) == 3 else None)
            if (isinstance(start, ast.Constant) and isinstance(start.value, int) and start.value >= 0
                    and (step is None or (isinstance(step, ast.Constant) and isinstance(step.value, int)
                                          and step.value >= 1))):
                return self.number(args[1])
            return _EMPTY
        if "size" in keywords:
            return leading(keywords["size"])
        if name == "choice" and len(args) >= 2:
            return leading(args[1])
        if name == "permutation" and args:
            return self.number(args[0]) | self.size(args[0])
        if name in _MADE_OF_SHAPE and not method:
            return leading(args[0] if args else keywords.get("shape", keywords.get("N")))
        if name == "zip" and not method:
            return frozenset().union(*(self.size(a) for a in args)) if args else _EMPTY
        if name == "reshape":
            shape = args if method else args[1:]
            return leading(shape[0]) if len(shape) == 1 else (self.number(shape[0]) if shape else _EMPTY)
        if name in _REDUCTIONS and isinstance(func, ast.Attribute):  # x.sum(axis=1), np.sum(x, axis=1)
            positional = (args if method else args[1:]) if name != "norm" else []  # norm(x, ord, axis)
            axis = keywords.get("axis", positional[0] if positional else None)
            axes = axis.elts if isinstance(axis, ast.Tuple) else [axis]
            # Along axis 1, 2, ... or the last (-1: a 1-D array gives a number, no loop) the rows stay.
            keeps = axis is not None and all(_integer(a) in (-1, *range(1, 33)) for a in axes)
            return self.size(subject) if keeps and subject is not None else _EMPTY
        if name in _ELEMENTWISE:
            return self._elementwise([func.value, *args] if method else args)
        if name in _SAME_ROWS and subject is not None:
            return self.size(subject)
        return _EMPTY


def assert_no_python_loops(fn: Callable[..., Any], allowed_ranges: Collection[str] = (),
                           allowed_loops: Mapping[str, str] | None = None) -> None:
    """Assert that ``fn`` (and the notebook functions it calls) contains no Python loop.

    ``allowed_loops`` (what a loop goes over -> the parameter that counts it, e.g.
    ``{"iterations": "iters", "clusters": "k"}``) or ``allowed_ranges`` (the parameters alone)
    declare the loops that may stay, whatever their spelling: see :func:`find_python_loops`.
    """
    counts = _allowed_counts(allowed_ranges, allowed_loops)
    found = find_python_loops(fn, allowed_ranges=allowed_ranges, allowed_loops=allowed_loops)
    if not found:
        return

    def problem(loops: list[str]) -> str:
        if not counts:
            return (f"{fn.__name__} must be fully vectorized, but it contains: {', '.join(loops)}. "
                    "Use array operations over all examples at once instead.")
        allowed, either = _listed(list(counts.values())), _listed(list(counts.values()), "or")
        param = next(reversed(counts))
        return (f"{fn.__name__} must be fully vectorized apart from loops over {allowed}, but it contains: "
                f"{', '.join(loops)}, which the grader cannot see go only over {either}. Use array "
                f"operations over all examples at once for those; a loop over {either} may stay, written "
                f"in any way: range({param}), range(len(a)), range(a.shape[0]), for row in a or "
                f"enumerate(a), with a an array of {param} rows made in the function.")

    raise AssertionError(_failure(found, problem))


def find_calls(fn: Callable[..., Any], names: frozenset[str] | set[str]) -> list[str]:
    """List the uses of the functions ``names`` in ``fn`` and in the notebook functions it calls.

    A use is a call or any other reference (``solve = np.linalg.inv`` counts too), by plain
    name or as an attribute (``np.linalg.inv``, ``scipy.linalg.inv``). As in
    :func:`find_python_loops`, functions defined in the notebook that ``fn`` calls are
    inspected as well.

    Returns
    -------
    list of str
        One description per use, e.g. ``"inv (newton_step, line 4)"``.
    """
    def uses(fname: str, tree: ast.AST) -> list[str]:
        found = []
        for node in ast.walk(tree):
            used = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
            if used in names:
                found.append(f"{used} ({fname}, line {node.lineno})")
        return found

    return _scan_notebook_functions(fn, uses, set())


def assert_no_calls(fn: Callable[..., Any], names: frozenset[str] | set[str], advice: str) -> None:
    """Assert that ``fn`` (and the notebook functions it calls) uses none of the functions ``names``."""
    uses = find_calls(fn, names)
    if uses:
        banned = ", ".join(sorted(names))
        raise AssertionError(_failure(uses, lambda found: (
            f"{fn.__name__} must not use {banned}, but it does: {', '.join(found)}. {advice}")))


# -- partial credit -----------------------------------------------------------------------------

#: Warnings that are reported but cost nothing (they come from libraries, not from the maths).
HARMLESS_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _judged_by_values(caught: warnings.WarningMessage) -> bool:
    """Whether a warning is left to the values a requirement checks rather than failing it by itself.

    NumPy's "divide by zero" (``log(0)``, ``x / 0``) leaves ``±inf`` where it happened: in a value
    the requirement checks, the comparison fails anyway; in one the function discards (the log of
    a class's probability that never enters the loss) the result is right and nothing is wrong.
    Overflow and 0/0 ("invalid value") still fail a requirement that otherwise passes: the tasks
    ask for computations that never overflow.
    """
    return issubclass(caught.category, RuntimeWarning) and "divide by zero" in str(caught.message)


@dataclass
class Requirement:
    """One named requirement of a test cell and how it went."""

    what: str  #: the requirement, as a student reads it ("the gradient", "no Python loops")
    points: float  #: its share of the cell's points
    passed: bool = False
    message: str = ""  #: why it failed, and how to fix it ("" when passed)


class Rubric:
    """A test cell's points split over named requirements, scored with nbgrader's partial credit.

    nbgrader scores a test cell whose last expression is a number by that number (between 0
    and the cell's points); an error, or anything written to stderr, scores 0. A cell that
    checks several requirements with one ``assert`` after another is therefore all-or-nothing:
    one defect costs every point. With a rubric, each requirement is checked in its own block,
    and a failed block loses only its share::

        rubric = Rubric("svm_loss_naive", points=2)
        with rubric.requirement("the worked example: mean hinge loss 5.27", 1):
            ...asserts...
        with rubric.requirement("regularization: reg * sum(W*W), gradient 2 * reg * W", 1):
            ...asserts...
        rubric.score()  # the cell's last line: its value is the cell's points

    In a block, an ``AssertionError`` (or any exception the student's code raises, say an
    ``IndexError``) fails that requirement, and so does a warning (say overflow in ``exp``),
    which would otherwise reach stderr and cost the whole cell. Each failure is printed at
    once, on stdout, as ``FAILED <requirement> (-<points>): <message>``; :meth:`score` prints
    the summary and returns the points earned. Blocks must not depend on each other: each one
    computes what it needs itself.

    The same outputs are scored the same way by plain ``nbgrader autograde``, by the kit's
    sandboxed grader and by the self-check.
    """

    def __init__(self, name: str, points: float):
        self.name = name
        self.points = float(points)
        self.requirements: list[Requirement] = []

    def outcomes(self) -> list[RequirementOutcome]:
        """Every requirement checked so far, passed or not, as records a grader can report."""
        return [RequirementOutcome(r.what, r.points, r.passed, r.message) for r in self.requirements]

    @contextlib.contextmanager
    def requirement(self, what: str, points: float,
                    requires: str | tuple[str, ...] = ()) -> Iterator[Requirement]:
        """Check one requirement in a ``with`` block; failing it loses ``points``.

        ``requires`` names earlier requirements of this rubric without which this one earns
        nothing, so that a stub cannot collect points: "inputs unchanged" or "no Python loops"
        count only for a function whose values are right. The block still runs and reports.
        """
        req = Requirement(what, float(points))
        known = {r.what: r for r in self.requirements}
        needed = (requires,) if isinstance(requires, str) else tuple(requires)
        unknown = [n for n in needed if n not in known]
        if unknown:
            raise ValueError(f"{what!r} requires {unknown}, not earlier requirements of {self.name}")
        self.requirements.append(req)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                yield req
            except Exception as exc:  # noqa: BLE001 (a failed requirement is an outcome)
                if getattr(exc, "stops_grading", False):  # the grader's own failure: not ours to judge
                    raise
                req.message = _describe(exc)
            else:
                req.passed = True
        notes = []
        for w in caught:
            text = f"{w.category.__name__}: {w.message}"
            if issubclass(w.category, HARMLESS_WARNINGS) or _judged_by_values(w):
                notes.append(text)
            elif req.passed:
                req.passed = False
                req.message = (f"it works but warns ({text}); a warning means a number overflowed "
                               "or was 0/0 on the way: compute so that nothing overflows")
        for text in notes:
            print(f"note ({self.name}): {text}")
        missing = [n for n in needed if not known[n].passed]
        if req.passed and missing:
            req.passed = False
            req.message = (f"this part passes, but it counts only once '{missing[0]}' passes "
                           "(a function that does not compute the right values earns nothing for it)")
        if not req.passed:
            print(f"FAILED {what} (-{req.points:g}): {req.message}")

    @property
    def earned(self) -> float:
        """Points of the requirements passed so far."""
        return sum(r.points for r in self.requirements if r.passed)

    def score(self) -> float:
        """Print the summary and return the points earned (the test cell's last expression)."""
        total = sum(r.points for r in self.requirements)
        if abs(total - self.points) > 1e-9:
            raise ValueError(f"the requirements of {self.name} share {total:g} points, "
                             f"but the cell is worth {self.points:g}")
        earned = round(self.earned, 6)
        failed = [r.what for r in self.requirements if not r.passed]
        print(f"{self.name}: {earned:g} of {self.points:g} points"
              + (f"; failed: {'; '.join(failed)}" if failed else ": every requirement passes"))
        for scored in _RECORDERS:
            scored.append(self)
        return float(earned)


#: The lists :func:`recording_rubrics` is filling (innermost last).
_RECORDERS: list[list[Rubric]] = []


@contextlib.contextmanager
def recording_rubrics() -> Iterator[list[Rubric]]:
    """Collect every :class:`Rubric` that scores (calls :meth:`Rubric.score`) inside the block.

    The kit's grader runs a test cell in this block to learn its requirements one by one (for
    platforms that list each requirement, such as Gradescope); what the cell prints and
    returns is unchanged.
    """
    scored: list[Rubric] = []
    _RECORDERS.append(scored)
    try:
        yield scored
    finally:
        _RECORDERS.remove(scored)


def _describe(exc: BaseException) -> str:
    """An exception raised in a requirement, as one line for the student."""
    text = str(exc).strip()
    if isinstance(exc, AssertionError):
        return text or "an assertion failed"
    name = getattr(exc, "ename", None) or type(exc).__name__  # a sandboxed call's error keeps its name
    evalue = getattr(exc, "evalue", None)
    text = str(evalue).strip() if evalue is not None else text
    if name == "NotImplementedError":
        return "not attempted yet: the function still raises NotImplementedError"
    return f"your code raised {name}: {text}"[:600]


def failed_requirements(outputs: list[Any]) -> str:
    """The requirements a :class:`Rubric` reported failed in a cell's stdout, joined by `` | ``.

    Each part reads ``<requirement> (-<share>): <why>``; empty when none failed.
    """
    text = "".join(o.get("text", "") for o in outputs
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    return " | ".join(line[len("FAILED "):] for line in text.splitlines() if line.startswith("FAILED "))


def cell_score(outputs: list[Any], points: float) -> float:
    """The points nbgrader gives an executed test cell with these outputs.

    nbgrader's rule (``nbgrader.utils.determine_grade``, kept here so that the self-check
    works where nbgrader is not installed; tests/test_grading.py checks both agree): the
    first output that is an error or stderr text scores 0; the first ``execute_result``
    whose ``text/plain`` is one number between 0 and ``points`` scores that number; anything
    else (no output, stdout only, a result that is not a number) scores full marks.
    """
    for out in outputs:
        kind = out.get("output_type")
        if kind == "error" or (kind == "stream" and out.get("name") == "stderr"):
            return 0.0
        if kind == "execute_result":
            text = out.get("data", {}).get("text/plain", "")
            if isinstance(text, list):
                if len(text) != 1:
                    return float(points)
                text = text[0]
            try:
                value = float(text)
            except (TypeError, ValueError):
                return float(points)
            if value > points:
                raise ValueError(f"partial credit {value:g} is more than the cell's {points:g} points")
            return value if value >= 0 else float(points)
    return float(points)


def compare_implementations(
    loss_fns: dict[str, Callable[..., tuple[float, np.ndarray]]],
    W: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    reg: float,
    num_checks: int = 10,
    rng: np.random.Generator | int | None = 0,
) -> str:
    """Compare several implementations of one loss with each other, then each with the numerical gradient.

    For the student's own check (not graded). Two right implementations give the same loss and
    gradient up to rounding, so the pairs come first. Each gradient is then judged against finite
    differences of its own loss by :func:`~.gradcheck.judge_gradient`: scale-aware, and kink-aware
    (where a hinge margin crosses 0 within ``h`` of a checked entry, dW must lie between the
    one-sided slopes, as every subgradient does, instead of matching the centred difference), so
    that right code is never called wrong and, when two versions disagree, the student learns
    which one is off. Use float64 ``W``.

    Returns
    -------
    str
        One line per pair (how far apart they are), one line per implementation (its loss and
        its gradient's verdict), and a last line when all of them agree on everything.
    """
    W = np.asarray(W, dtype=np.float64)
    results: dict[str, tuple[float, np.ndarray]] = {}
    verdicts: dict[str, GradientVerdict] = {}
    problems = []
    for name, fn in loss_fns.items():
        try:
            results[name] = check_loss_output(fn(W.copy(), X, y, reg), W, name)
            verdicts[name] = judge_gradient(lambda w, fn=fn: float(fn(w, X, y, reg)[0]), W.copy(),
                                            results[name][1], num_checks, rng=rng)
        except Exception as exc:  # noqa: BLE001 (reported to the student)
            results.pop(name, None)
            problems.append(f"{name}: cannot be checked ({_describe(exc)})")
    pair_lines, pairs_agree = _compare_pairs(results, X, W)
    lines = pair_lines + problems
    lines += [f"{name}: loss {loss:.6g}; its gradient {verdicts[name].describe()}"
              for name, (loss, _) in results.items()]
    if len(verdicts) > 1 and not problems and pairs_agree and all(v.agrees for v in verdicts.values()):
        every = "Both" if len(verdicts) == 2 else f"All {len(verdicts)}"
        lines.append(f"{every} agree with each other and with the numerical gradient: the gradient is right.")
    return "\n".join(lines)


def _compare_pairs(results: Mapping[str, tuple[float, np.ndarray]], X: np.ndarray,
                   W: np.ndarray) -> tuple[list[str], bool]:
    """One line per pair of implementations (loss, dW (D, C)), and whether all pairs agree up to rounding."""
    lines, all_agree = [], True
    names = list(results)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            (la, ga), (lb, gb) = results[a], results[b]
            limit = tolerance_for(X, W, ga, gb)
            loss_gap, grad_gap = scaled_error(la, lb), scaled_error(ga, gb)
            agree = max(loss_gap, grad_gap) <= limit
            all_agree &= agree
            verdict = "agree" if agree else "DISAGREE"
            lines.append(f"{a} and {b} {verdict} with each other: loss {loss_gap:.1e}, gradient "
                         f"{grad_gap:.1e} apart (relative to their size; rounding alone stays below "
                         f"{limit:.0e})")
    return lines, all_agree
