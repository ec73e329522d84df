"""Plots the notebooks share: image grids, loss curves, tuning heatmaps, weight templates.

Every function draws on matplotlib and returns the figure or axes it drew on, so a notebook
can keep styling it and a test can check what was drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def show_image_grid(
    images: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    per_class: int = 7,
    rng: np.random.Generator | int | None = 0,
) -> Figure:
    """A grid with one column per class and ``per_class`` random examples in each.

    Parameters
    ----------
    images : ndarray of shape (N, H, W, 3) or (N, H, W), uint8 or float in [0, 255]
    labels : ndarray of shape (N,), ints in [0, C)
    class_names : sequence of C str
    per_class : int
        Rows of the grid.
    rng : numpy Generator, seed or None
        Chooses the examples.
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim not in (3, 4) or len(images) != len(labels):
        raise ValueError(
            f"expected images of shape (N, H, W[, 3]) and labels of shape (N,), "
            f"got {images.shape} and {labels.shape}"
        )
    rng = np.random.default_rng(rng)
    num_classes = len(class_names)
    fig, axes = plt.subplots(
        per_class, num_classes, figsize=(num_classes * 1.0, per_class * 1.0), squeeze=False
    )
    for c, name in enumerate(class_names):
        idxs = np.flatnonzero(labels == c)
        chosen = rng.choice(idxs, size=min(per_class, len(idxs)), replace=False) if len(idxs) else []
        for row in range(per_class):
            ax = axes[row, c]
            ax.axis("off")
            if row < len(chosen):
                ax.imshow(images[chosen[row]].astype(np.uint8), cmap="gray")
        axes[0, c].set_title(name, fontsize=9)
    fig.tight_layout()
    return fig


def plot_loss_curve(
    losses: Sequence[float],
    ax: Axes | None = None,
    smooth: int = 0,
    label: str | None = None,
    xlabel: str = "iteration",
    title: str | None = "Training loss",
) -> Axes:
    """Plot a loss history, optionally with a moving average over ``smooth`` steps."""
    losses = np.asarray(losses, dtype=np.float64)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(f"expected a non-empty 1-D sequence of losses, got shape {losses.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    line = ax.plot(losses, alpha=0.35 if smooth > 1 else 1.0, label=label)[0]
    if smooth > 1 and losses.size >= smooth:
        kernel = np.ones(smooth) / smooth
        avg = np.convolve(losses, kernel, mode="valid")
        ax.plot(np.arange(smooth - 1, losses.size), avg, color=line.get_color(),
                label=f"{label} (mean of {smooth})" if label else f"mean of {smooth}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if title:
        ax.set_title(title)
    if label or smooth > 1:
        ax.legend()
    return ax


def plot_hyperparameter_heatmap(
    results: Mapping[tuple[float, float], tuple[float, float]],
    xlabel: str = "regularization strength",
    ylabel: str = "learning rate",
) -> Figure:
    """Training and validation accuracy over a learning-rate by regularization grid.

    Parameters
    ----------
    results : mapping (learning_rate, reg) -> (train_accuracy, val_accuracy)
        As filled by a grid search. Missing grid points are left blank.
    """
    if not results:
        raise ValueError("results is empty: run the hyperparameter search first")
    lrs = sorted({lr for lr, _ in results})
    regs = sorted({reg for _, reg in results})
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    best_key = max(results, key=lambda k: results[k][1])
    for panel, (ax, title) in enumerate(zip(axes, ("training accuracy", "validation accuracy"))):
        grid = np.full((len(lrs), len(regs)), np.nan)
        for (lr, reg), accs in results.items():
            grid[lrs.index(lr), regs.index(reg)] = accs[panel]
        im = ax.imshow(grid, cmap="viridis", origin="lower", aspect="auto")
        for i in range(len(lrs)):
            for j in range(len(regs)):
                if not np.isnan(grid[i, j]):
                    ax.text(j, i, f"{grid[i, j]:.3f}", ha="center", va="center",
                            color="w", fontsize=8)
        ax.set_xticks(range(len(regs)), [f"{r:.2g}" for r in regs], rotation=45)
        ax.set_yticks(range(len(lrs)), [f"{lr:.2g}" for lr in lrs])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        fig.colorbar(im, ax=ax)
        ax.add_patch(plt.Rectangle((regs.index(best_key[1]) - 0.5, lrs.index(best_key[0]) - 0.5),
                                   1, 1, fill=False, edgecolor="red", linewidth=2))
    fig.tight_layout()
    return fig


def weights_to_images(
    W: np.ndarray, image_shape: tuple[int, ...] = (32, 32, 3), has_bias_row: bool = True
) -> np.ndarray:
    """Turn the columns of ``W`` into images scaled to [0, 255].

    Parameters
    ----------
    W : ndarray of shape (D, C)
        One column of weights per class; D = prod(image_shape) (+1 with the bias row).
    image_shape : tuple
        Shape of one image, e.g. (32, 32, 3).
    has_bias_row : bool
        Drop the last row of W first (the bias trick's row).

    Returns
    -------
    ndarray of shape (C, *image_shape), float in [0, 255]
    """
    W = np.asarray(W, dtype=np.float64)
    expected = int(np.prod(image_shape)) + (1 if has_bias_row else 0)
    if W.ndim != 2 or W.shape[0] != expected:
        raise ValueError(
            f"expected W of shape ({expected}, C) for images of shape {image_shape}"
            f"{' plus a bias row' if has_bias_row else ''}, got {W.shape}"
        )
    w = W[:-1] if has_bias_row else W
    w = w.T.reshape((W.shape[1], *image_shape))  # (C, H, W, 3)
    lo, hi = w.min(), w.max()
    return 255.0 * (w - lo) / (hi - lo) if hi > lo else np.zeros_like(w)


def show_weight_templates(
    W: np.ndarray,
    class_names: Sequence[str],
    image_shape: tuple[int, ...] = (32, 32, 3),
    has_bias_row: bool = True,
) -> Figure:
    """Show each class's weights as an image: the template the classifier matches against."""
    images = weights_to_images(W, image_shape, has_bias_row)
    if len(class_names) != len(images):
        raise ValueError(f"W has {len(images)} classes but {len(class_names)} class names were given")
    fig, axes = plt.subplots(1, len(images), figsize=(1.3 * len(images), 1.8), squeeze=False)
    for ax, img, name in zip(axes[0], images, class_names):
        ax.imshow(img.astype(np.uint8), cmap="gray")
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str], ax: Axes | None = None
) -> Axes:
    """Row-normalised confusion matrix: row = true class, column = predicted class."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of equal length, got {y_true.shape}, {y_pred.shape}")
    c = len(class_names)
    counts = np.zeros((c, c))
    np.add.at(counts, (y_true, y_pred), 1)
    rates = counts / np.maximum(1, counts.sum(axis=1, keepdims=True))
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    im = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(c), class_names, rotation=45, ha="right")
    ax.set_yticks(range(c), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(c):
        for j in range(c):
            ax.text(j, i, f"{rates[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="w" if rates[i, j] > 0.5 else "k")
    ax.figure.colorbar(im, ax=ax)
    return ax
