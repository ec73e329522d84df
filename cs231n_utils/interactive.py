"""An interactive picture of a linear classifier in 2-D: move one class's weights and bias.

Three classes of 2-D points, as in CS231n's linear-classification web demo. Sliders set the
weights ``(w_x, w_y)`` and the bias ``b`` of the class picked in a drop-down; the plot shows
where each class wins (the argmax regions), the line where each class's score is zero, the
direction of each weight vector, and the losses at the current ``W`` and ``b``.

Nothing here computes a graded quantity: the notebook passes in its own ``linear_scores``,
``bias_trick`` and loss functions, so the picture is drawn with the student's code.
:func:`compute_frame` is the pure part (numbers only); :class:`LinearDemo` builds the widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

ScoreFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
BiasTrickFn = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
LossFn = Callable[[np.ndarray, np.ndarray, np.ndarray, float], tuple[float, np.ndarray]]

#: The nine points (N=9, D=2) and labels of CS231n's web demo, three per class.
POINTS = np.array([[0.5, 0.4], [0.8, 0.3], [0.3, 0.8], [-0.4, 0.3], [-0.3, 0.7], [-0.7, 0.2],
                   [0.7, -0.4], [0.5, -0.6], [-0.4, -0.5]])
LABELS = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
#: Starting weights (D=2, C=3) and biases (C=3,): column c is class c's weight vector.
W_START = np.array([[1.0, 2.0, 3.0], [2.0, -4.0, -1.0]])
B_START = np.array([0.0, 0.5, -0.5])
CLASS_COLORS = ("#d62728", "#2ca02c", "#1f77b4")
EXTENT = 1.2  # the plot shows [-EXTENT, EXTENT] in both coordinates


@dataclass(frozen=True)
class DemoFrame:
    """Everything the picture shows for one ``W``, ``b``.

    Attributes
    ----------
    grid : ndarray of shape (R,)
        Coordinates of the grid along each axis.
    scores : ndarray of shape (R, R, C)
        ``scores[i, j, c]`` is class c's score at the point ``(grid[j], grid[i])``.
    regions : ndarray of shape (R, R), int
        The winning class at each grid point (argmax of ``scores``).
    predictions : ndarray of shape (N,), int
        The winning class of every data point.
    losses : dict of str to float or str
        Each loss at ``W``, ``b``, or the error its function raised.
    """

    grid: np.ndarray
    scores: np.ndarray
    regions: np.ndarray
    predictions: np.ndarray
    losses: dict[str, float | str]

    @property
    def accuracy(self) -> float:
        """Fraction of points of :data:`LABELS` classified correctly (for the default points)."""
        return float(np.mean(self.predictions == LABELS)) if len(self.predictions) == len(LABELS) else np.nan


def _checked_scores(score_fn: ScoreFn, points: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    scores = np.asarray(score_fn(points, W, b), dtype=np.float64)
    expected = (points.shape[0], W.shape[1])
    if scores.shape != expected:
        name = getattr(score_fn, "__name__", "score_fn")
        raise ValueError(f"{name} returned scores of shape {scores.shape} for {points.shape[0]} points "
                         f"and {W.shape[1]} classes; expected (N, C) = {expected}")
    return scores


def compute_frame(W: np.ndarray, b: np.ndarray, score_fn: ScoreFn, X: np.ndarray = POINTS,
                  y: np.ndarray = LABELS, loss_fns: Mapping[str, LossFn] | None = None,
                  bias_trick: BiasTrickFn | None = None, reg: float = 0.0,
                  resolution: int = 101) -> DemoFrame:
    """Regions, predictions and losses of the linear classifier ``score_fn(X, W, b)`` in 2-D.

    Parameters
    ----------
    W : ndarray of shape (2, C)
        Weights, one column per class.
    b : ndarray of shape (C,)
        Biases.
    score_fn : callable
        ``score_fn(X, W, b)`` returns scores of shape (N, C), e.g. the notebook's ``linear_scores``.
    X : ndarray of shape (N, 2)
        The points.
    y : ndarray of shape (N,)
        Their labels in ``[0, C)``.
    loss_fns : mapping of str to callable, optional
        Losses with the signature ``loss(W_ext, X_ext, y, reg) -> (loss, dW)``, called on the bias
        trick's ``X_ext`` (N, 3) and ``W_ext`` (3, C); needs ``bias_trick``.
    bias_trick : callable, optional
        ``bias_trick(X, W, b) -> (X_ext, W_ext)``, e.g. the notebook's.
    reg : float
        Regularization strength passed to the losses.
    resolution : int
        Grid points R along each axis.
    """
    W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
    if W.ndim != 2 or W.shape[0] != 2 or b.shape != (W.shape[1],):
        raise ValueError(f"W must have shape (2, C) and b shape (C,), got W {W.shape} and b {b.shape}")
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must have shape (N, 2) and y shape (N,), got X {X.shape} and y {y.shape}")
    if loss_fns and bias_trick is None:
        raise ValueError("loss_fns need bias_trick to fold b into W (pass the notebook's bias_trick)")
    grid = np.linspace(-EXTENT, EXTENT, resolution)  # (R,)
    gx, gy = np.meshgrid(grid, grid)  # (R, R) each; rows follow y
    points = np.column_stack([gx.ravel(), gy.ravel()])  # (R * R, 2)
    scores = _checked_scores(score_fn, points, W, b).reshape(resolution, resolution, -1)  # (R, R, C)
    predictions = np.argmax(_checked_scores(score_fn, X, W, b), axis=1)
    losses: dict[str, float | str] = {}
    for name, loss_fn in (loss_fns or {}).items():
        try:
            X_ext, W_ext = bias_trick(X, W, b)
            losses[name] = float(loss_fn(W_ext, X_ext, y, reg)[0])
        except Exception as exc:  # the student's code: show what it raised instead of stopping
            losses[name] = f"{type(exc).__name__}: {exc}"[:80]
    return DemoFrame(grid, scores, np.argmax(scores, axis=2), predictions, losses)


def draw_frame(ax: Axes, frame: DemoFrame, W: np.ndarray, X: np.ndarray = POINTS, y: np.ndarray = LABELS,
               class_names: Sequence[str] | None = None, selected: int | None = None) -> None:
    """Draw ``frame`` on ``ax``: regions, zero-score lines, weight directions, points, losses."""
    C = frame.scores.shape[2]
    names = list(class_names or [f"class {c}" for c in range(C)])
    colors = [CLASS_COLORS[c % len(CLASS_COLORS)] for c in range(C)]
    lim = (frame.grid[0], frame.grid[-1])
    ax.imshow(frame.regions, origin="lower", extent=(*lim, *lim), cmap=ListedColormap(colors),
              vmin=-0.5, vmax=C - 0.5, alpha=0.18, interpolation="nearest")
    for c in range(C):
        scores = frame.scores[:, :, c]
        if scores.min() < 0 < scores.max():  # the zero line crosses the plot
            ax.contour(frame.grid, frame.grid, scores, levels=[0.0], colors=[colors[c]],
                       linewidths=3 if c == selected else 1.5)
        w = W[:, c] / max(np.linalg.norm(W[:, c]), 1e-12)  # unit direction in which score c grows
        ax.annotate("", xy=0.35 * w, xytext=(0, 0),
                    arrowprops={"arrowstyle": "->", "color": colors[c], "lw": 2 if c == selected else 1})
    for c in range(C):
        mask = y == c
        ax.scatter(X[mask, 0], X[mask, 1], s=60, color=colors[c], edgecolors="k", label=names[c], zorder=3)
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=8)
    parts = [f"{name}: {value:.3f}" if isinstance(value, float) else f"{name}: ({value})"
             for name, value in frame.losses.items()]
    parts.append(f"correct: {int(np.sum(frame.predictions == y))}/{len(y)}")
    ax.set_title("  |  ".join(parts), fontsize=9)


def render(frame: DemoFrame, W: np.ndarray, **kwargs: object) -> Figure:
    """A new figure (not managed by pyplot, so it is shown only when displayed) of ``frame``."""
    fig = Figure(figsize=(5.2, 5.2))
    draw_frame(fig.add_subplot(), frame, W, **kwargs)  # type: ignore[arg-type]
    fig.tight_layout()
    return fig


class LinearDemo:
    """Widgets that move one class's ``w_x``, ``w_y`` and ``b`` and redraw the classifier.

    Build it with the notebook's functions; :attr:`widget` is the box to display. Works without
    a widget frontend too (the state updates, nothing is drawn), which the tests rely on.
    """

    def __init__(self, score_fn: ScoreFn, loss_fns: Mapping[str, LossFn] | None = None,
                 bias_trick: BiasTrickFn | None = None, reg: float = 0.0,
                 class_names: Sequence[str] = ("class 0", "class 1", "class 2")) -> None:
        import ipywidgets as widgets

        self.W, self.b = W_START.copy(), B_START.copy()  # (2, C), (C,)
        self._args = {"score_fn": score_fn, "loss_fns": loss_fns, "bias_trick": bias_trick}
        self.class_names = list(class_names)
        self.frame = compute_frame(self.W, self.b, reg=reg, **self._args)
        self.choice = widgets.Dropdown(options=[(n, c) for c, n in enumerate(self.class_names)], value=0,
                                       description="class")
        slider = dict(min=-5.0, max=5.0, step=0.1, continuous_update=True, readout_format=".1f")
        self.sliders = {"w_x": widgets.FloatSlider(value=self.W[0, 0], description="w_x", **slider),
                        "w_y": widgets.FloatSlider(value=self.W[1, 0], description="w_y", **slider),
                        "b": widgets.FloatSlider(value=self.b[0], description="b", **slider)}
        self.reg = widgets.FloatSlider(value=reg, min=0.0, max=1.0, step=0.01, description="reg",
                                       continuous_update=True)
        self.output = widgets.Output()
        self._syncing = False
        self.choice.observe(self._on_class, names="value")
        for s in (*self.sliders.values(), self.reg):
            s.observe(self._on_slider, names="value")
        self.widget = widgets.HBox([widgets.VBox([self.choice, *self.sliders.values(), self.reg]),
                                    self.output])

    def _on_class(self, _change: object) -> None:
        c = self.choice.value
        self._syncing = True  # moving the sliders to class c's values changes nothing
        try:
            for key, value in zip(("w_x", "w_y", "b"), (self.W[0, c], self.W[1, c], self.b[c])):
                self.sliders[key].value = float(value)
        finally:
            self._syncing = False
        self.redraw()

    def _on_slider(self, _change: object) -> None:
        if self._syncing:
            return
        c = self.choice.value
        self.W[0, c], self.W[1, c] = self.sliders["w_x"].value, self.sliders["w_y"].value
        self.b[c] = self.sliders["b"].value
        self.redraw()

    def figure(self) -> Figure:
        """The current state as a new figure."""
        return render(self.frame, self.W, class_names=self.class_names, selected=self.choice.value)

    def redraw(self) -> None:
        """Recompute the frame and draw it into the output area."""
        from IPython.display import display

        with self.output:
            self.output.clear_output(wait=True)
            try:
                self.frame = compute_frame(self.W, self.b, reg=self.reg.value, **self._args)
            except Exception as exc:  # the student's score_fn failed: say so where the plot goes
                print(f"cannot draw: {type(exc).__name__}: {exc}")
                return
            display(self.figure())


def linear_demo(score_fn: ScoreFn, loss_fns: Mapping[str, LossFn] | None = None,
                bias_trick: BiasTrickFn | None = None, reg: float = 0.0) -> LinearDemo | None:
    """Show the starting picture as a static figure, then the interactive demo below it.

    Parameters are those of :class:`LinearDemo`. Returns the demo, or None (after printing
    why) when ``score_fn`` cannot score the starting point yet, e.g. an unfinished Part A.
    """
    from IPython.display import display

    try:
        demo = LinearDemo(score_fn, loss_fns=loss_fns, bias_trick=bias_trick, reg=reg)
    except Exception as exc:  # the student's functions: explain instead of failing the cell
        name = getattr(score_fn, "__name__", "score_fn")
        print(f"The demo draws with your {name}, which raised {type(exc).__name__}: {exc}. "
              "Finish it, run its cell, then run this cell again.")
        return None
    display(demo.figure())  # kept in the saved notebook, where widgets do not render
    # The live area starts with the same picture, set as the widget's state rather than captured
    # with ``with output:``: capturing while the cell runs can stall headless runners (nbclient,
    # hence nbgrader). Redraws after that happen on slider moves, in a live notebook only.
    demo.output.append_display_data(demo.figure())
    display(demo.widget)
    return demo
