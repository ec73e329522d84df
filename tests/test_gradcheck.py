"""Tests of cs231n_utils.gradcheck against functions with known gradients."""

import numpy as np
import pytest

from cs231n_utils.gradcheck import grad_check_sparse, judge_gradient, rel_error


def test_rel_error_basic_values():
    assert rel_error(1.0, 1.0) == 0.0
    assert rel_error(1.0, -1.0) == pytest.approx(1.0)
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 4.2)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0


def test_rel_error_shape_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"same shape.*\(2,\).*\(3,\)"):
        rel_error(np.zeros(2), np.zeros(3))


def test_sparse_check_passes_a_correct_gradient_and_restores_x():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 3))
    x = rng.standard_normal((4, 3))
    x0 = x.copy()
    f = lambda w: float(np.sum(A * w**2))
    result = grad_check_sparse(f, x, 2 * A * x, num_checks=8, rng=1)
    assert result.passed(1e-7), result.report()
    np.testing.assert_array_equal(x, x0)
    assert len(result.indices) == 8 and all(len(ix) == 2 for ix in result.indices)


def test_sparse_check_flags_a_wrong_gradient():
    x = np.linspace(0.5, 2.0, 6)
    f = lambda w: float(np.sum(w**3))
    result = grad_check_sparse(f, x, 2 * x**2, num_checks=5, rng=0)  # should be 3 x^2
    assert not result.passed(1e-3)
    assert result.max_rel_error == pytest.approx(0.2, rel=1e-3)


def test_sparse_check_is_reproducible_and_verbose_prints(capsys):
    x = np.ones((5, 5))
    f = lambda w: float(np.sum(w))
    a = grad_check_sparse(f, x, np.ones_like(x), num_checks=4, rng=3)
    b = grad_check_sparse(f, x, np.ones_like(x), num_checks=4, rng=3, verbose=True)
    assert a.indices == b.indices
    assert capsys.readouterr().out.count("relative error") == 4


def test_sparse_check_bad_inputs():
    with pytest.raises(ValueError, match="shape"):
        grad_check_sparse(lambda w: 0.0, np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="floating-point"):
        grad_check_sparse(lambda w: 0.0, np.zeros(3, dtype=int), np.zeros(3))


# --------------------------------------------------------------------------- kinks

H = 1e-5


def _hinge(jump, at, curvature=0.0):
    """f(w) = jump * max(0, w - at) + curvature * w^2 / 2, summed: a kink at ``at`` (a convex loss)."""
    return lambda w: float(np.sum(jump * np.maximum(0.0, w - at) + curvature * w**2 / 2))


@pytest.mark.parametrize("offset", [0.0, H / 5, H / 3, H / 2, 0.9 * H, -H / 3, -0.9 * H])
def test_a_kink_anywhere_within_h_is_found_and_a_right_slope_passes(offset):
    """The quadratic-residual roughness has no blind spot: a kink at w + offset for every offset in
    (-h, h), 0 and the offsets where simpler tests cancel (h/3, h/5) included, is found."""
    f = _hinge(jump=1.0, at=offset, curvature=1e5)  # the curvature of reg = 5e4
    x = np.zeros(1)
    slope = 0.0 if offset > 0 else 1.0  # the derivative at 0, on the side the kink is not
    result = grad_check_sparse(f, x, np.array([slope]), num_checks=1, rng=0, kinks=True)
    assert result.at_kink().all(), result.roughness
    assert result.passed(), result.report()
    assert not grad_check_sparse(f, x, np.array([slope]), num_checks=1, rng=0).passed(), "needs no kink"
    if offset == 0:  # every subgradient in [0, 1] is right at the kink itself
        for subgradient in (0.0, 0.5, 1.0):
            assert grad_check_sparse(f, x, np.array([subgradient]), num_checks=1, rng=0, kinks=True).passed()


def test_outside_the_one_sided_slopes_a_kink_excuses_nothing():
    f = _hinge(jump=1.0, at=0.0)
    for wrong in (-0.5, 1.5, -1.0):
        result = grad_check_sparse(f, np.zeros(1), np.array([wrong]), num_checks=1, rng=0, kinks=True)
        assert result.at_kink().all() and not result.passed(), result.report()
        assert "OUTSIDE" in result.report() and "OUTSIDE" in result.summary()


def test_a_smooth_loss_has_no_kink_even_with_strong_curvature():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 5))
    for f, grad in ((lambda w: float(np.sum(np.exp(w))), np.exp(x)),
                    (lambda w: float(5e4 * np.sum(w**2)), 1e5 * x)):
        result = grad_check_sparse(f, x, grad, num_checks=8, rng=1, kinks=True)
        assert not result.at_kink().any(), result.roughness
        assert result.passed(1e-7) and "kink" not in result.report() + result.summary()
        assert not grad_check_sparse(f, x, 1.001 * grad, num_checks=8, rng=1, kinks=True).passed(1e-5)


def test_kinks_change_neither_the_entries_nor_x():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((7, 3))
    x0 = x.copy()
    f = _hinge(jump=2.0, at=0.1)
    plain = grad_check_sparse(f, x, np.zeros_like(x), num_checks=6, rng=5)
    measured = grad_check_sparse(f, x, np.zeros_like(x), num_checks=6, rng=5, kinks=True)
    assert plain.indices == measured.indices and plain.left is None and measured.left is not None
    np.testing.assert_array_equal(plain.numerical, measured.numerical)
    np.testing.assert_array_equal(x, x0)


def svm_reference(W, X, y, reg):
    """Multiclass SVM loss (margin 1) and its gradient: a trusted reference, W (D, C), X (N, D)."""
    N = X.shape[0]
    scores = X @ W  # (N, C)
    margins = np.maximum(0.0, scores - scores[np.arange(N), y][:, None] + 1)  # (N, C)
    margins[np.arange(N), y] = 0
    coef = (margins > 0).astype(np.float64)  # (N, C)
    coef[np.arange(N), y] = -coef.sum(axis=1)
    return float(margins.sum() / N + reg * np.sum(W * W)), X.T @ coef / N + 2 * reg * W


def svm_with_mistake(mistake):
    """The reference SVM with one of the usual mistakes in its gradient."""
    def loss(W, X, y, reg):
        value, dW = svm_reference(W, X, y, reg)
        N, rows = X.shape[0], np.arange(X.shape[0])
        scores = X @ W
        active = (scores - scores[rows, y][:, None] + 1 > 0).sum(axis=1) - 1  # (N,) without j = y_i
        correct_rows = np.zeros_like(scores)
        correct_rows[rows, y] = -active
        return value, {"no 2 reg W": dW - 2 * reg * W, "reg W": dW - reg * W, "factor 2": 2 * dW,
                       "sign": -dW, "no correct-class update": dW - X.T @ correct_rows / N}[mistake]
    return loss


#: The SVM mistakes a gradient check must catch.
MISTAKES = ("no 2 reg W", "reg W", "factor 2", "sign", "no correct-class update")


def kinked_dev_set():
    """(W (D, C), X (N, D), y (N,), reg) as on CIFAR-10 at the notebooks' settings: N = 500,
    pixel-sized float32 values, small random W, reg = 5e4; with ``rng=0`` 3 of 10 checked entries
    of W sit on a kink of the hinge."""
    rng = np.random.default_rng(1)
    X = rng.normal(0.0, 600.0, (500, 400)).astype(np.float32)  # (N, D)
    y = rng.integers(0, 10, 500)
    W = 3e-5 * rng.standard_normal((400, 10))  # (D, C)
    return W, X, y, 5e4


@pytest.fixture(scope="module")
def dev_like():
    return kinked_dev_set()


def test_right_svm_gradient_on_kinks_agrees(dev_like):
    W, X, y, reg = dev_like
    _, dW = svm_reference(W, X, y, reg)
    loss = lambda w: svm_reference(w, X, y, reg)[0]
    assert not grad_check_sparse(loss, W, dW, 10, rng=0).passed(), "the data puts no kink near the entries"
    verdict = judge_gradient(loss, W, dW, 10, rng=0)
    assert verdict.agrees and 0 < verdict.kinks.sum() < 10, verdict.describe()
    assert verdict.describe().startswith("agrees") and "sit on a kink" in verdict.describe()


@pytest.mark.parametrize("mistake", MISTAKES)
def test_wrong_svm_gradients_still_disagree_on_kinks(dev_like, mistake):
    W, X, y, reg = dev_like
    fn = svm_with_mistake(mistake)
    _, dW = fn(W, X, y, reg)
    verdict = judge_gradient(lambda w: fn(w, X, y, reg)[0], W, dW, 10, rng=0)
    assert not verdict.agrees and verdict.describe().startswith("DISAGREES"), verdict.describe()
    if "reg" not in mistake:  # off by the gradient's own size: no kink's slopes reach that far
        assert (verdict.errors[verdict.kinks] > verdict.tol).all(), "a kink excused a wrong entry"
