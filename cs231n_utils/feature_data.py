"""Data helpers of the features notebook: the two-rings toy set, image patches, batched extraction.

Nothing here is a graded answer: the notebook's students write the feature transforms, k-means
and the bag-of-words encoder themselves; these helpers only prepare their inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

IMAGE_SHAPE = (32, 32, 3)


def make_rings(
    num_per_class: int = 200,
    radii: tuple[float, float] = (1.0, 2.0),
    noise: float = 0.15,
    rng: np.random.Generator | int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy concentric rings in the plane: a two-class set that no line separates.

    Parameters
    ----------
    num_per_class : int
        Points on each ring.
    radii : (float, float)
        Radius of ring 0 and of ring 1.
    noise : float
        Standard deviation of the radial noise.
    rng : numpy Generator, seed or None

    Returns
    -------
    points : ndarray of shape (2 * num_per_class, 2), float64
        (x, y) coordinates.
    labels : ndarray of shape (2 * num_per_class,), int64
        0 for the inner ring, 1 for the outer one.
    """
    if num_per_class < 1:
        raise ValueError(f"num_per_class must be at least 1, got {num_per_class}")
    rng = np.random.default_rng(rng)
    labels = np.repeat(np.arange(2), num_per_class)  # (N,)
    radius = np.asarray(radii, dtype=np.float64)[labels] + noise * rng.standard_normal(labels.size)
    angle = rng.uniform(-np.pi, np.pi, size=labels.size)
    points = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])  # (N, 2)
    return points, labels.astype(np.int64)


def rows_to_images(X: np.ndarray, image_shape: tuple[int, int, int] = IMAGE_SHAPE) -> np.ndarray:
    """Rows (N, H*W*3) of pixel values, without a bias column, as images (N, H, W, 3)."""
    X = np.asarray(X)
    size = int(np.prod(image_shape))
    if X.ndim != 2 or X.shape[1] != size:
        raise ValueError(f"expected rows of shape (N, {size}) (no bias column), got {X.shape}")
    return X.reshape((len(X), *image_shape))


def image_patches(images: np.ndarray, size: int = 6, stride: int = 4) -> np.ndarray:
    """Square patches on a regular grid of every image, each contrast-normalised.

    A patch is the ``size x size x 3`` block of pixels whose top-left corner is at a multiple
    of ``stride``, flattened, with its own mean subtracted and divided by its standard
    deviation plus 10 (in 0..255 units: a flat patch stays near 0 instead of amplifying noise).

    Parameters
    ----------
    images : ndarray of shape (N, H, W, 3), values in [0, 255]
    size, stride : int

    Returns
    -------
    patches : ndarray of shape (N, P, size * size * 3), float32
        P = ((H - size) // stride + 1) * ((W - size) // stride + 1) patches per image.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"expected images of shape (N, H, W, 3), got {images.shape}")
    if not 1 <= size <= min(images.shape[1:3]) or stride < 1:
        raise ValueError(f"size must be in [1, {min(images.shape[1:3])}] and stride >= 1, "
                         f"got {size}, {stride}")
    windows = np.lib.stride_tricks.sliding_window_view(images, (size, size), axis=(1, 2))
    windows = windows[:, ::stride, ::stride]  # (N, rows, cols, 3, size, size)
    patches = windows.reshape(len(images), -1, 3 * size * size)  # (N, P, D)
    patches = patches - patches.mean(axis=2, keepdims=True)
    return (patches / (patches.std(axis=2, keepdims=True) + 10.0)).astype(np.float32)


def sample_rows(X: np.ndarray, count: int, rng: np.random.Generator | int | None = 0) -> np.ndarray:
    """``count`` rows of ``X`` (M, D) drawn without replacement (all of them if there are fewer)."""
    X = np.asarray(X)
    rng = np.random.default_rng(rng)
    if len(X) <= count:
        return X.copy()
    return X[np.sort(rng.choice(len(X), size=count, replace=False))]


def in_batches(fn: Callable[[np.ndarray], np.ndarray], images: np.ndarray,
               batch_size: int = 5000) -> np.ndarray:
    """``fn`` applied to consecutive batches of ``images``, the results stacked along axis 0.

    Extracting features of 60,000 images at once needs several gigabytes of temporary arrays;
    batches of a few thousand keep the memory small and cost nothing in speed.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    parts = [np.asarray(fn(images[start:start + batch_size])) for start in range(0, len(images), batch_size)]
    return np.concatenate(parts, axis=0)
