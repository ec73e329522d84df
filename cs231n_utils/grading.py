"""Checks used by the notebooks' test cells, written to give specific feedback.

Each ``check_*``/``assert_*`` helper raises ``AssertionError`` with a message that says what
was expected, what came, and what that usually means, instead of a bare ``assert failed``.
Nothing here knows the answer to a graded task: expected values live in the test cells.
"""

from __future__ import annotations

import ast
import copy
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np

from .gradcheck import grad_check_sparse

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


def assert_close(
    actual: Any,
    expected: Any,
    what: str,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    hint: str = "",
) -> None:
    """Assert ``actual`` equals ``expected`` within tolerance, saying by how much it does not."""
    actual_arr = np.asarray(actual, dtype=np.float64)
    expected_arr = np.asarray(expected, dtype=np.float64)
    if actual_arr.shape != expected_arr.shape:
        raise AssertionError(f"{what}: expected shape {expected_arr.shape}, got {actual_arr.shape}")
    if np.allclose(actual_arr, expected_arr, rtol=rtol, atol=atol):
        return
    diff = np.abs(actual_arr - expected_arr)
    if actual_arr.ndim == 0:
        detail = f"expected {float(expected_arr):.6g}, got {float(actual_arr):.6g}"
    else:
        worst = np.unravel_index(np.argmax(diff), diff.shape)
        detail = (
            f"largest difference {diff[worst]:.3g} at index {tuple(int(i) for i in worst)} "
            f"(expected {expected_arr[worst]:.6g}, got {actual_arr[worst]:.6g})"
        )
    raise AssertionError(f"{what}: {detail}" + (f". {hint}" if hint else ""))


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
) -> float:
    """Compare ``loss_fn``'s analytic gradient with centered differences at random entries.

    Returns the largest relative error; raises ``AssertionError`` when it exceeds ``tol``.
    Use float64 inputs and a W away from hinge kinks for a tight check.
    """
    name = name or getattr(loss_fn, "__name__", "the loss function")
    W = np.array(W, dtype=np.float64)
    _, dW = check_loss_output(loss_fn(W.copy(), X, y, reg), W, name)
    result = grad_check_sparse(lambda w: loss_fn(w, X, y, reg)[0], W, dW, num_checks, rng=rng)
    if not result.passed(tol):
        worst = int(np.argmax(result.rel_errors))
        raise AssertionError(
            f"the gradient of {name} (reg={reg}) disagrees with the numerical gradient: "
            f"at W{result.indices[worst]} the numerical value is {result.numerical[worst]:.6g} "
            f"but dW says {result.analytic[worst]:.6g} (relative error {result.max_rel_error:.2e}, "
            f"tolerance {tol:.0e})"
            + (" — the regularization part of dW looks wrong" if reg else "")
        )
    return result.max_rel_error


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


def find_python_loops(fn: Callable[..., Any], _seen: set[int] | None = None) -> list[str]:
    """List the Python-level loops in ``fn`` and in the notebook functions it calls.

    Flags ``for``/``while`` statements, comprehensions, generator expressions and calls such
    as ``map`` or ``np.vectorize`` that loop in Python. Functions defined in the notebook
    (module ``__main__``) that ``fn`` calls are inspected too, so calling the naive version
    from the vectorized one is caught.

    Returns
    -------
    list of str
        One description per loop found, e.g. ``"for loop (svm_loss_vectorized, line 12)"``.
    """
    _seen = set() if _seen is None else _seen
    if id(fn) in _seen:
        return []
    _seen.add(id(fn))
    tree = _function_tree(fn)
    fname = getattr(fn, "__name__", "?")
    if tree is None:
        # Without its source nothing can be verified (e.g. a function made with exec).
        return [f"unreadable source ({fname} was not defined with a plain def in a cell)"]
    kinds = {
        ast.For: "for loop", ast.AsyncFor: "for loop", ast.While: "while loop",
        ast.ListComp: "list comprehension", ast.SetComp: "set comprehension",
        ast.DictComp: "dict comprehension", ast.GeneratorExp: "generator expression",
    }
    found = []
    called = set()
    for node in ast.walk(tree):
        for kind, label in kinds.items():
            if isinstance(node, kind):
                found.append(f"{label} ({fname}, line {node.lineno})")
        if isinstance(node, ast.Call):
            func = node.func
            callee = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else None)
            if callee in LOOPING_CALLS:
                found.append(f"call to {callee} ({fname}, line {node.lineno})")
            if isinstance(func, ast.Name):
                called.add(func.id)
    namespace = getattr(fn, "__kit_namespace__", None) or getattr(fn, "__globals__", {})
    for callee in sorted(called):
        target = namespace.get(callee)
        if callable(target) and getattr(target, "__module__", None) == "__main__":
            found.extend(find_python_loops(target, _seen))
    return found


def assert_no_python_loops(fn: Callable[..., Any]) -> None:
    """Assert that ``fn`` (and the notebook functions it calls) contains no Python loop."""
    loops = find_python_loops(fn)
    if loops:
        raise AssertionError(
            f"{fn.__name__} must be fully vectorized, but it contains: {', '.join(loops)}. "
            "Use array operations over all examples at once instead."
        )
