"""Plots of the logistic-regression assignment: convergence curves and a 2-D probability surface.

Nothing here computes a graded quantity: the notebook passes in the gradient norms its
optimisers recorded and the weights it found; the surface is sigma(w . [x0, x1, 1]) evaluated
with a stable sigmoid of its own (``scipy.special.expit``).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike
from scipy.special import expit


def plot_convergence(
    histories: Mapping[str, ArrayLike],
    ax: Axes | None = None,
    ylabel: str = "gradient norm",
    title: str = "",
    target: float | None = None,
) -> Axes:
    """Plot one positive quantity per optimiser against the iteration, on a log scale.

    Parameters
    ----------
    histories : mapping of str to array_like of shape (T,)
        Curve name -> the quantity at iterations 0 .. T - 1 (e.g. the gradient norm); values
        must be positive (zeros and negatives are left out of a log plot).
    ax : Axes, optional
        Where to draw; a new figure if omitted.
    ylabel, title : str
    target : float, optional
        Draw a horizontal line at this value (e.g. the stopping tolerance 1e-8).

    Returns
    -------
    Axes

    Raises
    ------
    ValueError
        If a history is not one-dimensional.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for name, values in histories.items():
        v = np.asarray(values, dtype=np.float64)
        if v.ndim != 1:
            raise ValueError(f"the history {name!r} must be 1-D, of shape (T,), got shape {v.shape}")
        keep = v > 0
        ax.semilogy(np.arange(len(v))[keep], v[keep], marker="o" if len(v) <= 30 else None, ms=3, label=name)
    if target is not None:
        ax.axhline(target, color="grey", linestyle=":", label=f"tolerance {target:g}")
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_probability_surface(
    w: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    ax: Axes | None = None,
    title: str = "",
    resolution: int = 200,
) -> Axes:
    """Draw p(y = 1 | x) = sigma(w0 x0 + w1 x1 + w2) over the plane, its p = 0.5 line and the points.

    Parameters
    ----------
    w : array_like of shape (3,)
        Weights of the two features and the bias (the bias trick: X's rows are [x0, x1, 1]).
    X : array_like of shape (N, 3) or (N, 2)
        The points; a third column, if present, is the bias column and is not drawn.
    y : array_like of shape (N,)
        Labels in {0, 1}.
    ax : Axes, optional
    title : str
    resolution : int
        Grid points per axis.

    Returns
    -------
    Axes

    Raises
    ------
    ValueError
        If the shapes do not match.
    """
    w = np.asarray(w, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if w.shape != (3,):
        raise ValueError(f"w must have shape (3,) (two weights and a bias), got {w.shape}")
    if X.ndim != 2 or X.shape[1] not in (2, 3) or y.shape != (X.shape[0],):
        raise ValueError(f"expected X of shape (N, 2) or (N, 3) and y of shape (N,), "
                         f"got {X.shape} and {y.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    pad = 0.5
    lo, hi = X[:, :2].min(axis=0) - pad, X[:, :2].max(axis=0) + pad
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    p = expit(w[0] * g0 + w[1] * g1 + w[2])  # (resolution, resolution)
    surface = ax.contourf(g0, g1, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
    ax.contour(g0, g1, p, levels=[0.5], colors="k", linewidths=1.5)
    for label, marker in ((0, "o"), (1, "^")):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], marker=marker, edgecolors="k", s=25, label=f"y = {label}",
                   c="tab:blue" if label == 0 else "tab:red")
    plt.colorbar(surface, ax=ax, label="p(y = 1 | x)")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right")
    return ax
