"""Gradient checking: compare an analytic gradient with centered differences.

The notebooks use these helpers to check the gradients the student derives. They return
numbers (and print only when asked) so that notebooks and tests can assert on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Floor of every relative error's denominator in the kit (here, :mod:`.grading`), so that two
#: zeros compare as equal.
REL_ERROR_FLOOR = 1e-12


def rel_error(x: np.ndarray | float, y: np.ndarray | float, eps: float = REL_ERROR_FLOOR) -> float:
    """Largest elementwise relative error ``|x - y| / max(eps, |x| + |y|)``.

    Parameters
    ----------
    x, y : ndarray of the same shape, or scalars
        The two quantities to compare.
    eps : float
        Floor on the denominator, so that two zeros compare as equal.

    Returns
    -------
    float
        0 for identical inputs, 1 for values of opposite sign. Below about 1e-7 two
        float64 gradients agree; above 1e-2 one of them is most likely wrong.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error needs two arrays of the same shape, got {x.shape} and {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(eps, np.abs(x) + np.abs(y))))


@dataclass(frozen=True)
class GradCheckResult:
    """Outcome of :func:`grad_check_sparse`.

    Attributes
    ----------
    indices : list of tuple
        The entries of ``x`` that were checked.
    numerical, analytic, rel_errors : ndarray of shape (num_checks,)
        Centered-difference estimate, analytic value and their relative error per entry.
    """

    indices: list[tuple[int, ...]]
    numerical: np.ndarray
    analytic: np.ndarray
    rel_errors: np.ndarray

    @property
    def max_rel_error(self) -> float:
        """Largest relative error over the checked entries."""
        return float(np.max(self.rel_errors)) if self.rel_errors.size else 0.0

    def passed(self, tol: float = 1e-5) -> bool:
        """True when every checked entry agrees to within ``tol`` relative error."""
        return self.max_rel_error <= tol

    def report(self) -> str:
        """One line per checked entry, in the CS231n format."""
        return "\n".join(
            f"numerical: {n: .6e} analytic: {a: .6e}, relative error: {r:.2e}"
            for n, a, r in zip(self.numerical, self.analytic, self.rel_errors)
        )


def grad_check_sparse(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
    rng: np.random.Generator | int | None = None,
    verbose: bool = False,
) -> GradCheckResult:
    """Check ``analytic_grad`` against centered differences at a few random entries of ``x``.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to a scalar loss. It must read ``x`` afresh on
        every call, because ``x`` is perturbed in place (and restored) entry by entry.
    x : ndarray of any shape, floating point
        The point at which the gradient is checked, e.g. ``W`` of shape (D, C).
    analytic_grad : ndarray of the same shape as x
        The gradient to check.
    num_checks : int
        How many random entries to check.
    h : float
        Step of the centered difference ``(f(x + h) - f(x - h)) / (2h)``.
    rng : numpy Generator, int seed or None
        Chooses the entries; pass a seed for a reproducible check.
    verbose : bool
        Print one line per entry.

    Returns
    -------
    GradCheckResult
    """
    x = np.asarray(x)
    analytic_grad = np.asarray(analytic_grad)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must be a floating-point array to be perturbed, got dtype {x.dtype}")
    if analytic_grad.shape != x.shape:
        raise ValueError(
            f"the analytic gradient has shape {analytic_grad.shape} but x has shape {x.shape}: "
            "a gradient must have the shape of what it differentiates"
        )
    if num_checks < 1:
        raise ValueError(f"num_checks must be at least 1, got {num_checks}")
    rng = np.random.default_rng(rng)
    indices, numerical, analytic = [], [], []
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(m)) for m in x.shape)
        old = x[ix]
        x[ix] = old + h
        f_plus = float(f(x))
        x[ix] = old - h
        f_minus = float(f(x))
        x[ix] = old  # restore, so later checks see the original point
        indices.append(ix)
        numerical.append((f_plus - f_minus) / (2 * h))
        analytic.append(float(analytic_grad[ix]))
    numerical_arr = np.array(numerical)
    analytic_arr = np.array(analytic)
    errors = np.abs(numerical_arr - analytic_arr) / np.maximum(
        REL_ERROR_FLOOR, np.abs(numerical_arr) + np.abs(analytic_arr)
    )
    result = GradCheckResult(indices, numerical_arr, analytic_arr, errors)
    if verbose:
        print(result.report())
    return result
