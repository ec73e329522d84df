"""Tests of cs231n_utils.loss_plots: the margin losses' values and properties, what is drawn, bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cs231n_utils import loss_plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_margin_losses_at_hand_computed_margins():
    m = np.array([-1.0, 0.0, 1.0, 2.0])
    losses = loss_plots.binary_margin_losses(m)
    assert tuple(losses) == loss_plots.MARGIN_LOSS_NAMES
    np.testing.assert_array_equal(losses["0/1"], [1, 1, 0, 0])  # a score of exactly 0 is an error
    np.testing.assert_allclose(losses["hinge"], [2, 1, 0, 0])
    np.testing.assert_allclose(losses["exponential"], np.exp([1, 0, -1, -2]))
    np.testing.assert_allclose(losses["logistic"], np.log1p(np.exp(-m)) / np.log(2))
    for name, values in losses.items():
        assert values.shape == (4,) and values.dtype == np.float64, name


def test_surrogates_bound_the_01_loss_and_stay_finite():
    m = np.concatenate([np.linspace(-5, 5, 1001), [-700.0, 800.0]])
    losses = loss_plots.binary_margin_losses(m)
    for name in ("logistic", "exponential", "hinge"):
        assert np.all(losses[name] >= losses["0/1"]), f"{name} dips below the 0/1 loss"
        assert np.all(np.isfinite(losses[name])), name
        assert np.all(np.diff(losses[name][:1001]) <= 1e-12), f"{name} increases with the margin"
    # The logistic loss is about linear for very negative margins and about e^-m for large ones.
    np.testing.assert_allclose(losses["logistic"][-2], 700 / np.log(2))
    assert 0 <= losses["logistic"][-1] < 1e-300


def test_margin_losses_reject_bad_input():
    with pytest.raises(ValueError, match=r"1-D array of shape \(M,\), got shape \(2, 2\)"):
        loss_plots.binary_margin_losses(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="finite"):
        loss_plots.binary_margin_losses([0.0, np.nan])


def test_plot_loss_curves_draws_one_line_per_curve_and_the_marks():
    x = np.linspace(-1, 1, 5)
    ax = loss_plots.plot_loss_curves(x, {"a": x**2, "b": np.abs(x)}, xlabel="t", title="two", ylim=(0, 2),
                                     marks={"margin": 0.5})
    labels = [line.get_label() for line in ax.lines]
    assert labels.count("a") == 1 and labels.count("b") == 1 and labels.count("margin") == 1
    np.testing.assert_allclose(ax.lines[labels.index("a")].get_ydata(), x**2)
    assert ax.get_xlabel() == "t" and ax.get_title() == "two" and ax.get_ylim() == (0, 2)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "margin"]


def test_plot_loss_curves_uses_the_given_axes_and_rejects_bad_shapes():
    _, ax = plt.subplots()
    assert loss_plots.plot_loss_curves([0, 1], {"a": [1, 0]}, ax=ax) is ax
    with pytest.raises(ValueError, match=r"curve 'a' has shape \(3,\) but x has shape \(2,\)"):
        loss_plots.plot_loss_curves([0, 1], {"a": [1, 2, 3]})
    with pytest.raises(ValueError, match="empty"):
        loss_plots.plot_loss_curves([0, 1], {})
    with pytest.raises(ValueError, match="1-D"):
        loss_plots.plot_loss_curves(np.zeros((2, 2)), {"a": np.zeros((2, 2))})


def test_plot_margin_losses_shows_the_four_losses():
    ax = loss_plots.plot_margin_losses()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == list(loss_plots.MARGIN_LOSS_NAMES)
    assert ax.get_ylim() == (-0.2, 4.0)
