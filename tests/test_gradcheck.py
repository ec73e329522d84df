"""Tests of cs231n_utils.gradcheck against functions with known gradients."""

import numpy as np
import pytest

from cs231n_utils.gradcheck import grad_check_sparse, rel_error


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
