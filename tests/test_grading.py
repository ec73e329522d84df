"""Tests of cs231n_utils.grading: each check passes good input and explains bad input."""

import numpy as np
import pytest

from cs231n_utils import grading


def _quadratic_loss(W, X, y, reg):
    # loss = 0.5 * sum((X W)^2) / N + reg * sum(W^2): a known, smooth gradient
    scores = X @ W
    loss = 0.5 * np.sum(scores**2) / X.shape[0] + reg * np.sum(W * W)
    return float(loss), X.T @ scores / X.shape[0] + 2 * reg * W


def test_check_loss_output_messages():
    W = np.zeros((3, 2))
    assert grading.check_loss_output((1.0, np.zeros((3, 2))), W) == (1.0, pytest.approx(np.zeros((3, 2))))
    with pytest.raises(AssertionError, match="tuple"):
        grading.check_loss_output(1.0, W)
    with pytest.raises(AssertionError, match="sum or average"):
        grading.check_loss_output((np.ones(4), W), W)
    with pytest.raises(AssertionError, match=r"shape of W \(3, 2\)"):
        grading.check_loss_output((1.0, np.zeros((2, 3))), W)
    with pytest.raises(AssertionError, match="overflow"):
        grading.check_loss_output((np.inf, W), W)


def test_assert_close_reports_the_worst_entry():
    grading.assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12]), "x")
    with pytest.raises(AssertionError, match=r"index \(1,\).*expected 2.*got 3.*check it"):
        grading.assert_close(np.array([1.0, 3.0]), np.array([1.0, 2.0]), "x", hint="check it")
    with pytest.raises(AssertionError, match="expected shape"):
        grading.assert_close(np.zeros(2), np.zeros(3), "x")


def test_numerical_gradient_check_accepts_right_and_rejects_wrong():
    rng = np.random.default_rng(0)
    W, X, y = rng.standard_normal((4, 3)), rng.standard_normal((6, 4)), np.zeros(6, int)
    assert grading.check_gradient_numerically(_quadratic_loss, W, X, y, 0.1) < 1e-6

    def no_reg_grad(W, X, y, reg):
        loss, dW = _quadratic_loss(W, X, y, reg)
        return loss, dW - 2 * reg * W

    with pytest.raises(AssertionError, match="regularization"):
        grading.check_gradient_numerically(no_reg_grad, W, X, y, 10.0)


def test_inputs_unchanged():
    def mutating(W, X):
        W += 1
        return 0

    grading.assert_inputs_unchanged(lambda W, X: W + X, np.zeros(2), np.ones(2))
    with pytest.raises(AssertionError, match="argument #1"):
        grading.assert_inputs_unchanged(mutating, np.zeros(2), np.ones(2))


def looped(X):
    total = 0
    for row in X:
        total += row.sum()
    return total


def comprehension(X):
    return sum([r.sum() for r in X])


def calls_map(X):
    return list(map(np.sum, X))


def vectorized(X):
    return X.sum()


def test_find_python_loops_kinds():
    assert grading.find_python_loops(vectorized) == []
    assert grading.find_python_loops(looped)[0].startswith("for loop (looped")
    assert "list comprehension" in grading.find_python_loops(comprehension)[0]
    assert "map" in grading.find_python_loops(calls_map)[0]
    with pytest.raises(AssertionError, match="fully vectorized"):
        grading.assert_no_python_loops(looped)


def test_loops_in_called_notebook_functions_are_found():
    # A function defined in a notebook lives in module __main__; emulate one calling another.
    namespace = {"__name__": "__main__", "np": np}
    exec(
        "def helper(X):\n    return [x for x in X]\n\n"
        "def outer(X):\n    return helper(X)\n",
        namespace,
    )
    import linecache

    # exec'd code has no source file; give inspect one to read.
    src = "def helper(X):\n    return [x for x in X]\n\ndef outer(X):\n    return helper(X)\n"
    for name in ("helper", "outer"):
        fn = namespace[name]
        filename = f"<nb-{name}>"
        fn.__code__ = fn.__code__.replace(co_filename=filename)
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
    loops = grading.find_python_loops(namespace["outer"])
    assert any("helper" in loop for loop in loops), loops
