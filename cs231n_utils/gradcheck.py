"""Gradient checking: compare an analytic gradient with finite differences.

The notebooks use these helpers to check the gradients the student derives. They return
numbers (and print only when asked) so that notebooks and tests can assert on them.

A loss with kinks (the hinge ``max(0, m)`` of the SVM) has no derivative where a margin crosses
0, and a centred difference whose interval ``[w - h, w + h]`` holds such a crossing averages two
slopes, so that right code seems to disagree. :func:`measure_kinks` (``kinks=True`` of
:func:`grad_check_sparse`) measures at checked entries how far the loss is from smooth within
``h``, and its one-sided slopes; :func:`judge_gradient` judges every entry by what holds there:
the centred difference where the loss is smooth, the one-sided slopes where it has a kink (for a
convex loss, as every loss of the kit is, they bracket every subgradient, so right code always
lies between them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

#: Floor of every relative error's denominator in the kit (here, :mod:`.grading`), so that two
#: zeros compare as equal.
REL_ERROR_FLOOR = 1e-12
#: Rounding of one loss evaluation, in units in the last place of the loss: a sum of thousands
#: of terms in any order stays far below it. Finite differences below this say nothing.
LOSS_ROUNDING_ULPS = 1000


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
    left, right : ndarray of shape (num_checks,), or None
        Once kinks are measured (:func:`measure_kinks`): the one-sided slopes
        ``(f(x) - f(x - h/2)) / (h/2)`` and ``(f(x + h/2) - f(x)) / (h/2)``. For a convex loss
        every subgradient lies between them.
    roughness : ndarray of shape (num_checks,), or None
        Once kinks are measured: how far the loss is from smooth within ``h``, in units of slope
        (see :func:`_roughness`); for a kink, at least the error it puts in the centred difference.
    rounding : ndarray of shape (num_checks,), or None
        Once kinks are measured: the part of ``roughness`` (and of the slopes) rounding alone makes.
    losses : ndarray of shape (num_checks, 2), or None
        ``f(x + h)`` and ``f(x - h)`` at every checked entry.
    h : float
        The step.
    """

    indices: list[tuple[int, ...]]
    numerical: np.ndarray
    analytic: np.ndarray
    rel_errors: np.ndarray
    left: np.ndarray | None = None
    right: np.ndarray | None = None
    roughness: np.ndarray | None = None
    rounding: np.ndarray | None = None
    losses: np.ndarray | None = None
    h: float = 1e-5

    @property
    def max_rel_error(self) -> float:
        """Largest relative error over the checked entries."""
        return float(np.max(self.rel_errors)) if self.rel_errors.size else 0.0

    def _sizes(self, scale: float | None) -> np.ndarray:
        """What each entry's error is relative to: ``scale``, or the entry's ``|numerical| + |analytic|``."""
        own = np.abs(self.numerical) + np.abs(self.analytic)
        return np.maximum(REL_ERROR_FLOOR, own if scale is None else np.full_like(own, scale))

    def at_kink(self, tol: float = 1e-5, scale: float | None = None) -> np.ndarray:
        """Which entries sit on a kink that can move the centred difference by more than ``tol``.

        Parameters
        ----------
        tol : float
            The tolerance the entries are judged with.
        scale : float, optional
            The magnitude ``tol`` is relative to (e.g. the gradient's largest entry); by default
            each entry's ``|numerical| + |analytic|``, as in ``rel_errors``.

        Returns
        -------
        ndarray of bool, shape (num_checks,)
            All False before kinks are measured.
        """
        if self.roughness is None or self.rounding is None:
            return np.zeros(len(self.indices), dtype=bool)
        return self.roughness > np.maximum(self.rounding, tol * self._sizes(scale))

    def outside_slopes(self, scale: float | None = None) -> np.ndarray:
        """How far each analytic value lies outside the one-sided slopes, relative to ``scale``.

        0 for a value between them (beyond rounding); ``inf`` before kinks are measured.
        """
        if self.left is None or self.right is None or self.rounding is None:
            return np.full(len(self.indices), np.inf)
        low, high = np.minimum(self.left, self.right), np.maximum(self.left, self.right)
        outside = np.maximum(low - self.analytic, 0.0) + np.maximum(self.analytic - high, 0.0)
        return np.maximum(outside - self.rounding, 0.0) / self._sizes(scale)

    def errors(self, tol: float = 1e-5, scale: float | None = None) -> np.ndarray:
        """Each entry's error, kink-aware when the check measured kinks.

        Where the loss is smooth within ``h``: ``|numerical - analytic|`` relative to ``scale``
        (by default the entry's own size, i.e. ``rel_errors``). On a kink (:meth:`at_kink`): the
        smaller of that and how far the analytic value lies outside the one-sided slopes.

        Returns
        -------
        ndarray of shape (num_checks,)
        """
        centred = np.abs(self.numerical - self.analytic) / self._sizes(scale)
        return np.where(self.at_kink(tol, scale), np.minimum(centred, self.outside_slopes(scale)), centred)

    def passed(self, tol: float = 1e-5) -> bool:
        """True when every checked entry agrees to within ``tol`` relative error (kink-aware with
        measured kinks: an entry on a kink passes when the analytic value lies between the slopes)."""
        return bool(np.all(self.errors(tol) <= tol))

    def summary(self, tol: float = 1e-5) -> str:
        """One line: the largest relative error where the loss is smooth, and the entries on a kink.

        E.g. "largest relative error 2.1e-11 at the 3 smooth entries; 2 of 5 entries sit on a
        kink of the loss, and there the analytic value lies between the one-sided slopes".
        """
        kinks = self.at_kink(tol)
        count, total = int(np.sum(kinks)), len(self.indices)
        if not count:
            return f"largest relative error {self.max_rel_error:.1e}"
        parts = []
        if count < total:
            smooth = float(np.max(self.rel_errors[~kinks]))
            parts.append(f"largest relative error {smooth:.1e} at the {total - count} smooth entries")
        outside = int(np.sum(self.outside_slopes()[kinks] > tol))
        where = f"OUTSIDE the one-sided slopes at {outside}" if outside else "between the one-sided slopes"
        parts.append(f"{count} of {total} entries sit on a kink of the loss, and there the analytic value "
                     f"lies {where}")
        return "; ".join(parts)

    def report(self, tol: float = 1e-5) -> str:
        """One line per checked entry, in the CS231n format; entries on a kink say so."""
        kinks = self.at_kink(tol)
        outside = self.outside_slopes()
        lines = []
        for i, (n, a, r) in enumerate(zip(self.numerical, self.analytic, self.rel_errors)):
            line = f"numerical: {n: .6e} analytic: {a: .6e}, relative error: {r:.2e}"
            if kinks[i]:
                where = "between" if outside[i] <= tol else "OUTSIDE"
                slopes = f"{self.left[i]:.6e}, {self.right[i]:.6e}"
                line += f"  (kink: one-sided slopes {slopes}; analytic {where})"
            lines.append(line)
        return "\n".join(lines)


def _roughness(f0: float, f_plus: float, f_minus: float, f_half_plus: float, f_half_minus: float,
               h: float) -> float:
    """How far ``f`` is from a parabola on ``[w - h, w + h]``, in units of slope.

    The parabola through ``f(w - h), f(w), f(w + h)`` misses ``f(w ± h/2)`` by ``r±``; the result
    is ``4 max|r±| / h``. A smooth ``f`` gives about ``h² |f'''| / 4``, rounding aside. A kink with
    slope jump ``J`` at ``w + d`` (``|d| < h``) gives at least ``J (h - |d|) / 2h``, the error it
    puts in the centred difference, with no blind spot (``d = 0`` included).
    """
    slope = (f_plus - f_minus) / (2 * h)
    bend = (f_plus - 2 * f0 + f_minus) / 8  # the parabola's second-order term at ±h/2
    miss_plus = f_half_plus - (f0 + slope * h / 2 + bend)
    miss_minus = f_half_minus - (f0 - slope * h / 2 + bend)
    return 4 * max(abs(miss_plus), abs(miss_minus)) / h


def grad_check_sparse(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
    rng: np.random.Generator | int | None = None,
    verbose: bool = False,
    kinks: bool = False,
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
    kinks : bool
        Also measure kinks at every entry (:func:`measure_kinks`: ``f(x)`` once and ``f(x ± h/2)``
        per entry, twice the evaluations), for the one-sided slopes and the roughness that tell a
        kink of the loss from a wrong gradient. The entries checked are the same either way.

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
    indices = [tuple(int(rng.integers(m)) for m in x.shape) for _ in range(num_checks)]
    losses = np.array([_losses_at(f, x, ix, (h, -h)) for ix in indices])  # (num_checks, 2)
    numerical = (losses[:, 0] - losses[:, 1]) / (2 * h)
    analytic = np.array([float(analytic_grad[ix]) for ix in indices])
    errors = np.abs(numerical - analytic) / np.maximum(REL_ERROR_FLOOR, np.abs(numerical) + np.abs(analytic))
    result = GradCheckResult(indices, numerical, analytic, errors, losses=losses, h=h)
    if kinks:
        result = measure_kinks(f, x, result)
    if verbose:
        print(result.report())
    return result


def _losses_at(f: Callable[[np.ndarray], float], x: np.ndarray, ix: tuple[int, ...],
               steps: tuple[float, ...]) -> list[float]:
    """``f`` at ``x`` with ``x[ix]`` moved by each of ``steps`` in turn; ``x`` is restored after."""
    old = x[ix]
    values = []
    for step in steps:
        x[ix] = old + step
        values.append(float(f(x)))
    x[ix] = old  # restore, so later checks see the original point
    return values


def measure_kinks(f: Callable[[np.ndarray], float], x: np.ndarray, result: GradCheckResult,
                  entries: np.ndarray | None = None) -> GradCheckResult:
    """``result`` with the one-sided slopes and the roughness of ``f`` measured at some entries.

    Parameters
    ----------
    f, x
        The function and point ``result`` was measured with (by :func:`grad_check_sparse`).
    result : GradCheckResult
    entries : ndarray of bool, shape (num_checks,), optional
        Which checked entries to measure (all by default): ``f(x)`` once, and ``f(x ± h/2)`` at
        each. The others are taken as smooth: roughness 0, both slopes the centred difference.

    Returns
    -------
    GradCheckResult
    """
    if result.losses is None:
        raise ValueError("measure_kinks needs the losses grad_check_sparse records; this result has none")
    count, h = len(result.indices), result.h
    entries = np.ones(count, dtype=bool) if entries is None else np.asarray(entries, dtype=bool)
    left, right, roughness = result.numerical.copy(), result.numerical.copy(), np.zeros(count)
    largest = np.max(np.abs(result.losses), axis=1)  # (num_checks,)
    if entries.any():
        f0 = float(f(x))
        for i in np.flatnonzero(entries):
            f_half_plus, f_half_minus = _losses_at(f, x, result.indices[i], (h / 2, -h / 2))
            left[i], right[i] = (f0 - f_half_minus) / (h / 2), (f_half_plus - f0) / (h / 2)
            roughness[i] = _roughness(f0, *result.losses[i], f_half_plus, f_half_minus, h)
            largest[i] = max(largest[i], abs(f0), abs(f_half_plus), abs(f_half_minus))
    rounding = 4 * LOSS_ROUNDING_ULPS * float(np.finfo(x.dtype).eps) * largest / h
    return replace(result, left=left, right=right, roughness=roughness, rounding=rounding)


@dataclass(frozen=True)
class GradientVerdict:
    """A scale-aware, kink-aware judgement of an analytic gradient (see :func:`judge_gradient`).

    Attributes
    ----------
    check : GradCheckResult
        The measurements, kinks measured where the centred difference disagrees.
    scale : float
        The gradient's size: its largest entry, or the largest centred difference if larger.
    tol : float
        Largest error, relative to ``scale``, that counts as agreement.
    """

    check: GradCheckResult
    scale: float
    tol: float

    @property
    def errors(self) -> np.ndarray:
        """Each checked entry's error relative to ``scale``, shape (num_checks,)."""
        return self.check.errors(self.tol, self.scale)

    @property
    def kinks(self) -> np.ndarray:
        """Which checked entries sit on a kink of the loss, bool of shape (num_checks,)."""
        return self.check.at_kink(self.tol, self.scale)

    @property
    def error(self) -> float:
        """The largest error over the checked entries."""
        return float(np.max(self.errors))

    @property
    def agrees(self) -> bool:
        """Whether every checked entry is right: close to the centred difference where the loss is
        smooth, between the one-sided slopes where it has a kink."""
        return self.error <= self.tol

    def worst(self, what: str = "W") -> str:
        """The worst entry, described for a message (``what`` names the array checked)."""
        c, i = self.check, int(np.argmax(self.errors))
        if self.kinks[i]:  # judged by the one-sided slopes there
            return (f"at {what}{c.indices[i]} the loss has a kink within h, and dW says {c.analytic[i]:.6g}, "
                    f"outside the one-sided slopes {c.left[i]:.6g} and {c.right[i]:.6g} "
                    f"(the gradient's size is {self.scale:.3g})")
        return (f"at {what}{c.indices[i]} the numerical value is {c.numerical[i]:.6g} but dW says "
                f"{c.analytic[i]:.6g} (the gradient's size is {self.scale:.3g})")

    def describe(self, what: str = "W") -> str:
        """The verdict in one sentence: "agrees with ..." or "DISAGREES with ...", kinks counted."""
        kinks, total = int(np.sum(self.kinks)), len(self.check.indices)
        smooth = self.errors[~self.kinks]
        if kinks == 0:
            detail = f"error {self.error:.1e} of its size"
        elif kinks == total:
            detail = f"all {total} checked entries sit on a kink of the loss"
        else:
            detail = (f"error {float(np.max(smooth)):.1e} of its size at the {total - kinks} smooth entries; "
                      f"{kinks} of {total} checked entries sit on a kink of the loss")
        if self.agrees:
            if kinks:
                detail += ", and there dW lies between the one-sided slopes, as a subgradient must"
            return f"agrees with the numerical gradient ({detail})"
        return (f"DISAGREES with the numerical gradient ({detail}; tolerance {self.tol:.0e}): "
                f"{self.worst(what)}")


def judge_gradient(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    tol: float = 1e-5,
    h: float = 1e-5,
    rng: np.random.Generator | int | None = None,
) -> GradientVerdict:
    """Judge ``analytic_grad`` at random entries of ``x``, kink-aware and scale-aware.

    Where the loss is smooth within ``h`` of an entry, the analytic value must be within
    ``tol * scale`` of the centred difference, ``scale`` being the gradient's size (its largest
    entry), so that an entry near 0 cannot fail a right gradient. Where the loss has a kink that
    can move the centred difference by more than that (:meth:`GradCheckResult.at_kink`), the
    analytic value must lie between the one-sided slopes instead, within ``tol * scale``: for a
    convex loss every subgradient does, while the usual bugs (a missing term, a wrong sign or
    factor) put it far outside. Kinks are measured only at the entries that disagree with the
    centred difference, so a right gradient of a smooth loss costs no more than a plain check.

    Parameters
    ----------
    f, x, num_checks, h, rng
        As for :func:`grad_check_sparse` (``x`` of any shape, e.g. ``W`` (D, C)).
    analytic_grad : ndarray of the same shape as x
        The gradient to judge.
    tol : float
        Largest error, relative to the gradient's size, that counts as agreement.

    Returns
    -------
    GradientVerdict
    """
    check = grad_check_sparse(f, x, analytic_grad, num_checks, h=h, rng=rng)
    scale = max(float(np.max(np.abs(analytic_grad))), float(np.max(np.abs(check.numerical))), REL_ERROR_FLOOR)
    off = np.abs(check.numerical - check.analytic) > tol * scale  # only these need a closer look
    return GradientVerdict(measure_kinks(f, x, check, off), scale, tol)
