"""Tests of cs231n_utils.grading: each check passes good input and explains bad input."""

import numpy as np
import pytest

from cs231n_utils import grading

from .test_gradcheck import MISTAKES, kinked_dev_set, svm_reference, svm_with_mistake


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
    assert grading.check_gradient_numerically(_quadratic_loss, W, X, y, 0.1) is None
    assert grading.numerical_gradient_error(_quadratic_loss, W, X, y, 0.1)[0] < 1e-6

    def no_reg_grad(W, X, y, reg):
        loss, dW = _quadratic_loss(W, X, y, reg)
        return loss, dW - 2 * reg * W

    with pytest.raises(AssertionError, match="regularization"):
        grading.check_gradient_numerically(no_reg_grad, W, X, y, 10.0)


def svm_loops(W, X, y, reg):
    """The SVM loss example by example: right, in another summation order than svm_reference."""
    loss, dW = 0.0, np.zeros_like(W)  # W (D, C)
    for i in range(X.shape[0]):
        scores = X[i] @ W  # (C,)
        margins = np.maximum(0.0, scores - scores[y[i]] + 1)
        margins[y[i]] = 0
        active = margins > 0
        loss += margins.sum()
        dW[:, active] += X[i][:, None]
        dW[:, y[i]] -= active.sum() * X[i]
    return float(loss / X.shape[0] + reg * np.sum(W * W)), dW / X.shape[0] + 2 * reg * W


def test_compare_implementations_calls_right_code_on_kinks_right():
    """On a dev set whose checked entries sit on hinge kinks (CIFAR-10 at reg = 5e4), two right
    versions agree with each other and each with its numerical gradient, kinks reported apart."""
    W, X, y, reg = kinked_dev_set()
    text = grading.compare_implementations({"loops": svm_loops, "vectorized": svm_reference}, W, X, y, reg)
    lines = text.splitlines()
    assert lines[0].startswith("loops and vectorized agree with each other"), text
    for line in lines[1:3]:
        assert "gradient agrees with the numerical gradient" in line and "sit on a kink" in line, text
    assert lines[3].startswith("Both agree") and "DISAGREE" not in text and len(lines) == 4


@pytest.mark.parametrize("mistake", MISTAKES)
def test_compare_implementations_names_the_wrong_one(mistake):
    W, X, y, reg = kinked_dev_set()
    text = grading.compare_implementations({"right": svm_reference, "wrong": svm_with_mistake(mistake)},
                                           W, X, y, reg)
    lines = text.splitlines()
    assert lines[0].startswith("right and wrong DISAGREE with each other"), text
    assert "its gradient agrees" in lines[1] and "its gradient DISAGREES" in lines[2], text
    assert "Both agree" not in text


def test_compare_implementations_reports_a_function_that_fails():
    W, X, y, reg = kinked_dev_set()

    def broken(W, X, y, reg):
        raise ValueError("shapes (500,400) and (3,10) not aligned")

    text = grading.compare_implementations({"right": svm_reference, "broken": broken}, W, X, y, reg)
    assert "broken: cannot be checked (your code raised ValueError: shapes" in text, text
    assert "Both agree" not in text
    assert "right: loss" in text and "broken: loss" not in text


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


def iterates(points, k, iters):
    centres = points[:k].copy()
    for _ in range(iters + 1):
        for j in range(int(k)):
            centres[j] = points[j::k].mean(axis=0)
        for p in points:  # a loop over the points: never allowed
            centres[0] += 0 * p
    return centres


def test_loops_over_allowed_ranges_are_not_flagged():
    """range(iters), range(k) and expressions of them may be allowed; a loop over the data stays flagged."""
    assert len(grading.find_python_loops(iterates)) == 3
    loops = grading.find_python_loops(iterates, allowed_ranges=("iters", "k"))
    assert len(loops) == 1 and "line" in loops[0], loops
    assert len(grading.find_python_loops(iterates, allowed_ranges=("iters",))) == 2
    with pytest.raises(AssertionError, match="fully vectorized"):
        grading.assert_no_python_loops(iterates, allowed_ranges=("iters", "k"))


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


# -- scale-aware comparisons --------------------------------------------------------------------

def test_scaled_error_is_relative_to_the_largest_entry():
    expected = np.array([100.0, 1e-6, -50.0])
    # A near-zero entry off by 1e-6 is rounding at this scale, not a 100% error.
    assert grading.scaled_error(expected + [0, 1e-6, 0], expected) == pytest.approx(1e-8)
    assert grading.scaled_error(2 * expected, expected) == pytest.approx(0.5)
    assert grading.scaled_error(np.zeros(3), np.zeros(3)) == 0.0
    assert grading.scaled_error(np.array([np.inf]), np.array([1.0])) == np.inf
    assert grading.scaled_error(np.array([np.nan]), np.array([np.nan])) == 0.0
    assert grading.scaled_error(1.0, 1.5, scale=10.0) == pytest.approx(0.05)


def test_tolerance_follows_the_least_precise_dtype():
    f32, f64 = np.zeros(2, np.float32), np.zeros(2)
    assert grading.tolerance_for(f64, f64) == grading.TOLERANCE_FLOOR
    assert grading.tolerance_for(f64, f32) == pytest.approx(1000 * np.finfo(np.float32).eps)
    assert grading.tolerance_for(np.float32(1.0)) == pytest.approx(1000 * np.finfo(np.float32).eps)
    assert grading.tolerance_for(np.zeros(2, int), 1.0) == grading.TOLERANCE_FLOOR


def test_float32_summation_order_passes_and_a_real_bug_does_not():
    """A right float32 gradient summed in another order stays far below the limit; a bug does not."""
    rng = np.random.default_rng(0)
    X = (255 * rng.random((500, 3073)) - 128).astype(np.float32)
    G = rng.standard_normal((500, 10)).astype(np.float32)
    reference = X.astype(np.float64).T @ G.astype(np.float64) / 500
    in_float32 = X.T @ G / np.float32(500)  # BLAS order, float32
    by_rows = np.add.reduce(X[:, :, None] * G[:, None, :] / np.float32(500), axis=0)  # another order
    for right in (in_float32, by_rows):
        assert grading.assert_close(right, reference, "gradient", inputs=(X,)) is None  # never a score
        assert grading.scaled_error(right, reference) < grading.tolerance_for(X) / 10
    missing_last_example = X[:-1].astype(np.float64).T @ G[:-1].astype(np.float64) / 500
    with pytest.raises(AssertionError, match="rounding limit"):
        grading.assert_close(missing_last_example, reference, "gradient", inputs=(X,))


# -- partial credit -----------------------------------------------------------------------------

def test_rubric_gives_each_requirement_its_share(capsys):
    rubric = grading.Rubric("f", points=3)
    with rubric.requirement("values", 1.5):
        pass
    with rubric.requirement("gradient", 1):
        raise AssertionError("dW is off by a factor N")
    with rubric.requirement("robust", 0.5):
        np.exp(np.full(1, 1e3))  # an overflow fails this requirement only, and never reaches stderr
    assert rubric.score() == 1.5
    out = capsys.readouterr()
    assert "FAILED gradient (-1): dW is off by a factor N" in out.out
    assert "FAILED robust (-0.5)" in out.out and "overflow" in out.out
    assert "f: 1.5 of 3 points" in out.out and out.err == ""


def test_rubric_leaves_a_log_of_zero_to_the_values(capsys):
    """log(0) in an entry the result discards is a note; where it reaches the values they fail."""
    rubric = grading.Rubric("f", points=2)
    with rubric.requirement("discarded", 1):
        logs = np.log(np.array([0.0, 0.5]))  # -inf in an entry nobody reads
        assert logs[1] == np.log(0.5)
    with rubric.requirement("used", 1):
        loss = -np.log(np.zeros(1))[0]
        assert np.isfinite(loss), f"the loss is {loss}"
    assert rubric.score() == 1.0
    out = capsys.readouterr().out
    assert "note (f): RuntimeWarning: divide by zero" in out
    assert "FAILED used (-1): " in out and "FAILED discarded" not in out


def test_rubric_requirements_can_depend_on_values(capsys):
    rubric = grading.Rubric("f", points=2)
    with rubric.requirement("values", 1):
        raise NotImplementedError
    with rubric.requirement("inputs unchanged", 1, requires="values"):
        pass
    assert rubric.score() == 0.0
    out = capsys.readouterr().out
    assert "not attempted yet" in out and "counts only once 'values' passes" in out
    with pytest.raises(ValueError, match="not earlier requirements"):
        with grading.Rubric("g", 1).requirement("a", 1, requires="nothing"):
            pass


def test_rubric_checks_its_shares_and_lets_the_grader_stop():
    rubric = grading.Rubric("f", points=2)
    with rubric.requirement("values", 1):
        pass
    with pytest.raises(ValueError, match="share 1 points"):
        rubric.score()

    class Stopped(RuntimeError):
        stops_grading = True

    with pytest.raises(Stopped):
        with grading.Rubric("f", 1).requirement("values", 1):
            raise Stopped("the sandbox died")


def _outputs_cases():
    from nbformat.v4 import new_output

    stdout = new_output("stream", name="stdout", text="ok\n")
    stderr = new_output("stream", name="stderr", text="warning\n")
    error = new_output("error", ename="AssertionError", evalue="no", traceback=[])

    def result(text):
        return new_output("execute_result", data={"text/plain": text}, execution_count=1)

    return [[], [stdout], [stderr], [error], [stdout, error], [result("1.5")], [stdout, result("0")],
            [result("0.25"), stderr], [result("'not a number'")], [result("-1")], [result("2")],
            [result(["1.0"])], [result(["1.0", "2.0"])], [stderr, result("1.5")]]


@pytest.mark.parametrize("index", range(len(_outputs_cases())))
def test_cell_score_is_nbgrader_s_rule(index):
    """The self-check's copy of nbgrader's rule gives nbgrader's own score on every kind of output."""
    from nbformat.v4 import new_code_cell
    from nbgrader.utils import determine_grade

    outputs = _outputs_cases()[index]
    cell = new_code_cell("x", metadata={"nbgrader": {"grade": True, "solution": False, "points": 2,
                                                     "grade_id": "t", "locked": True}})
    cell.outputs = outputs
    assert grading.cell_score(outputs, 2) == float(determine_grade(cell)[0])
