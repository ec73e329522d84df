"""Tests of cs231n_utils.plotting: what is drawn, and errors on bad shapes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cs231n_utils import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_image_grid_has_one_column_per_class():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (30, 8, 8, 3), dtype=np.uint8)
    labels = np.repeat(np.arange(3), 10)
    fig = plotting.show_image_grid(images, labels, ["a", "b", "c"], per_class=4)
    assert len(fig.axes) == 12
    assert [ax.get_title() for ax in fig.axes[:3]] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="labels"):
        plotting.show_image_grid(images, labels[:5], ["a", "b", "c"])


def test_loss_curve_with_smoothing():
    ax = plotting.plot_loss_curve(np.linspace(3, 1, 50), smooth=10)
    assert len(ax.lines) == 2
    with pytest.raises(ValueError, match="losses"):
        plotting.plot_loss_curve([])


def test_heatmap_marks_best_validation_point():
    results = {(1e-7, 1e4): (0.3, 0.31), (1e-7, 5e4): (0.32, 0.35), (1e-6, 1e4): (0.2, 0.25)}
    fig = plotting.plot_hyperparameter_heatmap(results)
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert "0.350" in texts and "0.310" in texts
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_hyperparameter_heatmap({})


def test_weight_templates_drop_bias_and_rescale():
    W = np.zeros((2 * 2 * 3 + 1, 2))
    W[0, 0] = 5.0  # one bright pixel in class 0's template
    W[-1, :] = 100.0  # the bias row must be ignored
    images = plotting.weights_to_images(W, (2, 2, 3))
    assert images.shape == (2, 2, 2, 3)
    assert images.max() == 255 and images[0, 0, 0, 0] == 255 and images.min() == 0
    fig = plotting.show_weight_templates(W, ["x", "y"], (2, 2, 3))
    assert [ax.get_title() for ax in fig.axes] == ["x", "y"]
    with pytest.raises(ValueError, match="bias row"):
        plotting.weights_to_images(np.zeros((12, 2)), (2, 2, 3))


def test_confusion_matrix_rows_sum_to_one():
    ax = plotting.plot_confusion_matrix(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), ["a", "b"])
    values = sorted(float(t.get_text()) for t in ax.texts)
    assert values == [0.0, 0.5, 0.5, 1.0]
