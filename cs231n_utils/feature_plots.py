"""Plots of the features notebook: decision regions, hue histograms, HOG strokes, visual words.

Every function draws on matplotlib and returns the axes or figure it drew on. None computes a
feature: the notebook passes in what the student's functions returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import hsv_to_rgb
from matplotlib.figure import Figure


def plot_decision_regions(
    predict: Callable[[np.ndarray], np.ndarray],
    points: np.ndarray,
    labels: np.ndarray,
    ax: Axes | None = None,
    title: str = "",
    resolution: int = 200,
) -> Axes:
    """Colour the plane by the class ``predict`` gives each location, with the points on top.

    Parameters
    ----------
    predict : callable
        Maps an (M, 2) array of (x, y) locations to (M,) integer classes.
    points : ndarray of shape (N, 2)
    labels : ndarray of shape (N,), ints in [0, C)
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"expected points of shape (N, 2), got {points.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    pad = 0.3
    (x0, y0), (x1, y1) = points.min(axis=0) - pad, points.max(axis=0) + pad
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()])  # (resolution**2, 2)
    regions = np.asarray(predict(grid)).reshape(xx.shape)
    ax.contourf(xx, yy, regions, alpha=0.25, cmap="coolwarm", levels=np.arange(regions.max() + 2) - 0.5)
    ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="coolwarm", s=8, edgecolors="none")
    ax.set_aspect("equal")
    ax.set_title(title)
    return ax


def plot_hue_histograms(
    hists: np.ndarray, labels: np.ndarray, class_names: Sequence[str], classes: Sequence[str],
    ax: Axes | None = None,
) -> Axes:
    """The mean hue histogram of each named class, the bars coloured by their hue.

    Parameters
    ----------
    hists : ndarray of shape (N, nbin)
        One normalised hue histogram per image.
    labels : ndarray of shape (N,)
    class_names : sequence of C str
    classes : the names of the classes to show
    """
    hists = np.asarray(hists)
    nbin = hists.shape[1]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    centres = (np.arange(nbin) + 0.5) / nbin
    width = 0.8 / max(1, len(classes))
    for i, name in enumerate(classes):
        c = list(class_names).index(name)
        mean = hists[np.asarray(labels) == c].mean(axis=0)
        colours = hsv_to_rgb(np.column_stack([centres, np.full(nbin, 0.8), np.full(nbin, 0.9)]))
        ax.bar(np.arange(nbin) + (i - (len(classes) - 1) / 2) * width, mean, width=width, color=colours,
               edgecolor="k", linewidth=0.5 + 1.0 * i, label=name, hatch=["", "//", "..", "xx"][i % 4])
    ax.set_xticks(range(nbin), [f"{k / nbin:.2f}" for k in range(nbin)], fontsize=7)
    ax.set_xlabel("hue bin (lower edge)")
    ax.set_ylabel("mean fraction of pixels")
    ax.legend()
    return ax


def show_hog(image: np.ndarray, hog: np.ndarray, cell: int = 8, nbins: int = 9,
             ax: Axes | None = None) -> Axes:
    """An image with each cell's orientation histogram drawn as strokes over it.

    A stroke is drawn across each bin's orientation (perpendicular to the gradient, i.e. along
    the edge), as long as the bin's value.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W), values in [0, 255]
    hog : ndarray of shape ((H // cell) * (W // cell) * nbins,)
        The image's HOG features, ordered by cell row, cell column, bin.
    """
    image = np.asarray(image)
    rows, cols = image.shape[0] // cell, image.shape[1] // cell
    hog = np.asarray(hog, dtype=np.float64).reshape(rows, cols, nbins)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(image.astype(np.uint8), cmap="gray")
    scale = cell / 2 / max(float(hog.max()), 1e-12)
    theta = (np.arange(nbins) + 0.5) * np.pi / nbins  # the centre of every bin
    # The gradient points along (cos, sin) in (column, row) coordinates; the edge is perpendicular.
    ex, ey = -np.sin(theta), np.cos(theta)
    segments, widths = [], []
    for r in range(rows):
        for c in range(cols):
            cy, cx = (r + 0.5) * cell - 0.5, (c + 0.5) * cell - 0.5
            for b in range(nbins):
                half = hog[r, c, b] * scale
                dx, dy = half * ex[b], half * ey[b]
                segments.append([(cx - dx, cy - dy), (cx + dx, cy + dy)])
                widths.append(1.5)
    ax.add_collection(LineCollection(segments, colors="yellow", linewidths=widths))
    ax.set_axis_off()
    return ax


def show_words(centres: np.ndarray, size: int, per_row: int = 16, count: int = 64) -> Figure:
    """The first ``count`` visual words (k-means centres of contrast-normalised patches) as images.

    Parameters
    ----------
    centres : ndarray of shape (k, 3 * size * size)
        Patches flattened channel first, as :func:`cs231n_utils.feature_data.image_patches` makes them.
    """
    centres = np.asarray(centres, dtype=np.float64)[:count]
    rows = int(np.ceil(len(centres) / per_row))
    fig, axes = plt.subplots(rows, per_row, figsize=(per_row * 0.5, rows * 0.5), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, word in zip(axes.ravel(), centres):
        patch = word.reshape(3, size, size).transpose(1, 2, 0)
        span = np.ptp(patch)
        ax.imshow((patch - patch.min()) / (span if span > 0 else 1.0))
    return fig


def plot_accuracy_bars(accuracies: Mapping[str, float], ax: Axes | None = None, title: str = "") -> Axes:
    """One bar per feature family: its validation accuracy, written on the bar."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    names = list(accuracies)
    values = [float(accuracies[n]) for n in names]
    bars = ax.bar(names, values, color="tab:blue")
    for bar, value in zip(bars, values):
        ax.text(bar.get_x() + bar.get_width() / 2, value, f"{value:.3f}", ha="center", va="bottom",
                fontsize=8)
    ax.set_ylim(0, min(1.0, max(values) * 1.2 + 0.02))
    ax.set_ylabel("validation accuracy")
    ax.set_title(title)
    return ax


def show_most_wrong(
    images: np.ndarray, y_true: np.ndarray, scores: np.ndarray, class_names: Sequence[str], count: int = 8,
) -> Figure:
    """The ``count`` images whose true class trails the predicted one by the largest score gap.

    Parameters
    ----------
    images : ndarray of shape (N, H, W, 3), values in [0, 255]
    y_true : ndarray of shape (N,)
    scores : ndarray of shape (N, C)
        The classifier's scores.
    """
    scores = np.asarray(scores, dtype=np.float64)
    y_true = np.asarray(y_true)
    rows = np.arange(len(y_true))
    gap = scores.max(axis=1) - scores[rows, y_true]  # (N,): 0 when right
    worst = np.argsort(-gap, kind="stable")[:count]
    fig, axes = plt.subplots(1, len(worst), figsize=(1.6 * len(worst), 2.0), squeeze=False)
    for ax, i in zip(axes[0], worst):
        ax.imshow(np.asarray(images[i]).astype(np.uint8), cmap="gray")
        ax.set_title(f"{class_names[y_true[i]]}\nas {class_names[int(scores[i].argmax())]}", fontsize=8)
        ax.set_axis_off()
    fig.tight_layout()
    return fig
