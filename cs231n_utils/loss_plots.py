"""Plots that put loss functions side by side, as curves of one variable.

The softmax assignment uses them to compare the SVM (hinge) and softmax (cross-entropy) losses
as the correct class's score varies, and the margin-based losses of binary classification
(0/1, logistic, exponential, hinge) as functions of the margin ``m = y * y_hat``. Nothing here
computes a graded quantity: the notebook passes in its own closed forms, and the binary margin
losses are the textbook ones of a single score.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

#: Names of the curves returned by :func:`binary_margin_losses`, in plotting order.
MARGIN_LOSS_NAMES = ("0/1", "logistic", "exponential", "hinge")


def binary_margin_losses(margins: ArrayLike) -> dict[str, np.ndarray]:
    """The margin-based losses of binary classification at the given margins.

    With labels ``y`` in {-1, +1} and a score ``y_hat``, the margin ``m = y * y_hat`` is positive
    exactly when the example is classified correctly.

    Parameters
    ----------
    margins : array_like of shape (M,)
        Margins ``m``; finite, and above about -700 (``exp(-m)`` overflows below that).

    Returns
    -------
    dict of str to ndarray of shape (M,), float64
        ``"0/1"``: ``1[m <= 0]`` (a score of exactly 0 counts as an error);
        ``"logistic"``: ``log2(1 + e^(-m))``, scaled to base 2 so that it is 1 at ``m = 0``;
        ``"exponential"``: ``e^(-m)``; ``"hinge"``: ``max(0, 1 - m)``.
        Every curve but 0/1 is convex and lies on or above the 0/1 loss.

    Raises
    ------
    ValueError
        If ``margins`` is not one-dimensional or holds non-finite values.
    """
    m = np.asarray(margins, dtype=np.float64)
    if m.ndim != 1:
        raise ValueError(f"margins must be a 1-D array of shape (M,), got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise ValueError("margins must be finite numbers, got inf or nan")
    return {
        "0/1": (m <= 0).astype(np.float64),
        "logistic": np.logaddexp(0.0, -m) / np.log(2.0),  # log(1 + e^-m) without overflow
        "exponential": np.exp(-m),
        "hinge": np.maximum(0.0, 1.0 - m),
    }


def plot_loss_curves(
    x: ArrayLike,
    curves: Mapping[str, ArrayLike],
    ax: Axes | None = None,
    xlabel: str = "",
    ylabel: str = "loss",
    title: str | None = None,
    ylim: tuple[float, float] | None = None,
    marks: Mapping[str, float] | None = None,
) -> Axes:
    """Plot several curves over the same x, with the zero line and optional vertical marks.

    Parameters
    ----------
    x : array_like of shape (M,)
        The common horizontal coordinate, e.g. a score or a margin.
    curves : mapping of str to array_like of shape (M,)
        Label to values; one line each, in the mapping's order.
    ax : matplotlib Axes, optional
        Where to draw; a new 5 x 3.5 inch figure when omitted.
    xlabel, ylabel, title : str
        Axis labels and title.
    ylim : (float, float), optional
        Vertical range, e.g. to keep a fast-growing curve from flattening the others.
    marks : mapping of str to float, optional
        Label to x position of a dashed vertical line (e.g. ``{"margin": 1.0}``).

    Returns
    -------
    Axes
        The axes drawn on, with one line per curve (plus the zero line and the marks).

    Raises
    ------
    ValueError
        If ``x`` is not 1-D, ``curves`` is empty, or a curve's shape differs from ``x``'s.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x must be a non-empty 1-D array of shape (M,), got shape {x.shape}")
    if not curves:
        raise ValueError("curves is empty: pass at least one label -> values")
    values = {}
    for label, ys in curves.items():
        ys = np.asarray(ys, dtype=np.float64)
        if ys.shape != x.shape:
            raise ValueError(f"curve {label!r} has shape {ys.shape} but x has shape {x.shape}")
        values[label] = ys
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    for label, ys in values.items():
        ax.plot(x, ys, label=label, linewidth=2)
    for label, position in (marks or {}).items():
        ax.axvline(position, color="0.3", linestyle="--", linewidth=1, label=label)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_margin_losses(margins: ArrayLike | None = None, ax: Axes | None = None) -> Axes:
    """The four binary margin losses of :func:`binary_margin_losses` in one plot.

    Parameters
    ----------
    margins : array_like of shape (M,), optional
        Where to evaluate them; default 400 points from -2 to 3.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    m = np.linspace(-2.0, 3.0, 400) if margins is None else np.asarray(margins, dtype=np.float64)
    return plot_loss_curves(m, binary_margin_losses(m), ax=ax, xlabel=r"margin $m = y\,\hat{y}$",
                            title="Margin-based losses of binary classification", ylim=(-0.2, 4.0))
