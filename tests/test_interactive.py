"""cs231n_utils.interactive: the 2-D linear classifier demo (regions, losses, widgets)."""

import matplotlib
import numpy as np
import pytest

from cs231n_utils import interactive

matplotlib.use("Agg")


def scores(X, W, b):
    """Reference linear scores (N, C)."""
    return X @ W + b


def bias_trick(X, W, b):
    return np.hstack([X, np.ones((len(X), 1))]), np.vstack([W, b])


def hinge(W, X, y, reg):
    """Reference multiclass SVM loss (delta 1), mean over examples plus reg * sum(W * W)."""
    s = X @ W
    margins = np.maximum(0, s - s[np.arange(len(y)), y][:, None] + 1)
    margins[np.arange(len(y)), y] = 0
    return margins.sum() / len(y) + reg * np.sum(W * W), np.zeros_like(W)


def test_frame_shapes_regions_and_predictions():
    frame = interactive.compute_frame(interactive.W_START, interactive.B_START, scores, resolution=21)
    assert frame.grid.shape == (21,) and frame.scores.shape == (21, 21, 3)
    assert frame.regions.shape == (21, 21) and set(np.unique(frame.regions)) <= {0, 1, 2}
    # regions[i, j] is the winner at (grid[j], grid[i]): check one grid point by hand.
    i, j = 3, 17
    point = np.array([frame.grid[j], frame.grid[i]])
    assert frame.regions[i, j] == np.argmax(point @ interactive.W_START + interactive.B_START)
    expected = np.argmax(interactive.POINTS @ interactive.W_START + interactive.B_START, axis=1)
    np.testing.assert_array_equal(frame.predictions, expected)
    assert frame.losses == {}


def test_losses_use_the_functions_passed_in_and_report_their_errors():
    def not_done(W, X, y, reg):
        raise NotImplementedError()

    frame = interactive.compute_frame(interactive.W_START, interactive.B_START, scores,
                                      loss_fns={"SVM": hinge, "todo": not_done}, bias_trick=bias_trick,
                                      reg=0.1, resolution=5)
    X_ext, W_ext = bias_trick(interactive.POINTS, interactive.W_START, interactive.B_START)
    assert frame.losses["SVM"] == pytest.approx(hinge(W_ext, X_ext, interactive.LABELS, 0.1)[0])
    assert frame.losses["todo"].startswith("NotImplementedError")


def test_bad_inputs_are_explained():
    with pytest.raises(ValueError, match=r"W must have shape \(2, C\)"):
        interactive.compute_frame(np.ones((3, 3)), np.ones(3), scores)
    with pytest.raises(ValueError, match="expected \\(N, C\\)"):
        interactive.compute_frame(interactive.W_START, interactive.B_START, lambda X, W, b: (X @ W + b).T)
    with pytest.raises(ValueError, match="need bias_trick"):
        interactive.compute_frame(interactive.W_START, interactive.B_START, scores, loss_fns={"SVM": hinge})


def test_moving_a_slider_moves_the_regions_and_only_that_class():
    demo = interactive.LinearDemo(scores, loss_fns={"SVM": hinge}, bias_trick=bias_trick)
    before, loss_before = demo.frame.regions.copy(), demo.frame.losses["SVM"]
    demo.choice.value = 1
    assert demo.sliders["w_y"].value == pytest.approx(interactive.W_START[1, 1])  # synced, nothing moved
    np.testing.assert_array_equal(demo.W, interactive.W_START)
    demo.sliders["b"].value = 3.0  # class 1 now wins almost everywhere
    assert demo.b[1] == 3.0 and demo.b[0] == interactive.B_START[0]
    assert not np.array_equal(demo.frame.regions, before)
    assert np.mean(demo.frame.regions == 1) > np.mean(before == 1)
    assert demo.frame.losses["SVM"] != loss_before
    demo.reg.value = 0.5
    assert demo.frame.losses["SVM"] > hinge(*bias_trick(interactive.POINTS, demo.W, demo.b)[::-1],
                                            interactive.LABELS, 0.0)[0]


def test_the_ui_and_figures_build_without_a_frontend(capsys):
    demo = interactive.linear_demo(scores, loss_fns={"SVM": hinge}, bias_trick=bias_trick)
    fig = demo.figure()
    ax = fig.axes[0]
    assert "SVM:" in ax.get_title() and "correct:" in ax.get_title()
    assert len(ax.collections) >= 3  # points of three classes (+ zero-score lines)
    assert capsys.readouterr().err == ""


def test_an_unfinished_score_function_is_explained_not_raised(capsys):
    def linear_scores(X, W, b):
        raise NotImplementedError()

    assert interactive.linear_demo(linear_scores) is None
    out = capsys.readouterr()
    assert "your linear_scores, which raised NotImplementedError" in out.out and out.err == ""
