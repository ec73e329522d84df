# ruff: noqa: E501  (answer-cell sources written out as data: reflowing them would change the code under test)
"""Plausible wrong implementations of the logistic assignment (solutions/logistic/logistic.ipynb).

Each entry is one mistake, written as the solution's answer cell with that mistake swapped in
(the base sources are read from the solution notebook, so they cannot drift from it).
``must_fail`` names the test cells that must take points for it; ``exact_loss`` the share a
mistake that breaks a single requirement must cost (and ``keeps`` the tests it must not touch).
Answer cells: sigmoid_functions, bce_loss, numerical_gradient, gates, staged_bce, newton,
training. No test cell calls the functions of another answer cell, except that the training cell
trains with the student's own bce_loss: its mistakes may cost the training tests too (the spec's
``also_used_by`` allows that, and nothing else).

Besides the plain slips, the catalog holds the near-misses the hidden tests were built to see:
an overflow silenced with ``np.errstate`` where that leaves a wrong value, digits lost to
cancellation, inputs changed in place (the extreme ones only, or ``dout`` shared by the gates,
or the labels), a loss of shape (1,), a perturbation undone by subtraction, a step ``h``
ignored, an N x N diagonal matrix, and training bugs that separable data hides (a threshold at
0.5, the training accuracy reported as the validation one, the weights of the last reg).
"""

from __future__ import annotations

from pathlib import Path

from cs231n_utils import course
from cs231n_utils.submissions import answer_cells, strip_solution_markers

from .harness import Entry

SOLUTION = Path(__file__).resolve().parents[2] / "solutions" / "logistic" / "logistic.ipynb"


def _solution_cells() -> dict[str, str]:
    """Answer cell grade_id -> the solution's source without the nbgrader markers."""
    cells = answer_cells(course.read_notebook(SOLUTION))
    return {gid: strip_solution_markers(c.source) for gid, c in cells.items()}


BASE = _solution_cells()


def swap(gid: str, old: str, new: str, source: str | None = None) -> str:
    """The solution's cell ``gid`` (or ``source``, a version of it) with its single ``old`` replaced by ``new``."""
    source = BASE[gid] if source is None else source
    if source.count(old) != 1:
        raise ValueError(f"expected exactly one {old!r} in {gid}, found {source.count(old)}")
    return source.replace(old, new)


def swaps(gid: str, *pairs: tuple[str, str]) -> str:
    """The solution's cell ``gid`` with each ``(old, new)`` of ``pairs`` swapped in, in turn."""
    source = BASE[gid]
    for old, new in pairs:
        source = swap(gid, old, new, source)
    return source


SIGMOID = frozenset({"test_sigmoid_functions", "test_sigmoid_functions_hidden"})
BCE = frozenset({"test_bce_loss", "test_bce_loss_hidden"})
NUMGRAD = frozenset({"test_numerical_gradient"})
GATES = frozenset({"test_gates", "test_gates_hidden"})
STAGED = frozenset({"test_staged_bce", "test_staged_bce_hidden"})
NEWTON = frozenset({"test_newton", "test_newton_hidden"})
TRAINING = frozenset({"test_training", "test_training_hidden"})

_SIG_BODY = ("    z = np.exp(-np.abs(s))  # in (0, 1]: the exponent is never positive\n"
             "    return np.where(s >= 0, 1 / (1 + z), z / (1 + z))")
_LOG_BODY = "    return np.minimum(s, 0) - np.log1p(np.exp(-np.abs(s)))  # -log(1 + e^-s), both branches at once"

SIGMOID_WRONG = [
    Entry("sigmoid_of_minus_s", "sigma(-s) for sigma(s): the probability of class 0",
          {"sigmoid_functions": swap("sigmoid_functions", "return np.where(s >= 0, 1 / (1 + z), z / (1 + z))",
                                     "return np.where(s >= 0, z / (1 + z), 1 / (1 + z))")}, SIGMOID),
    Entry("log_sigmoid_of_underflowed_probability", "log_sigmoid as np.log(sigmoid(s)): log(0) at -1000, 0 at 40",
          {"sigmoid_functions": swap("sigmoid_functions", _LOG_BODY, "    return np.log(sigmoid(s))")}, SIGMOID),
    # np.errstate hides the overflow, but inf / inf is still nan at s = 1000.
    Entry("sigmoid_ratio_overflow_silenced", "sigmoid as exp(s) / (1 + exp(s)), the overflow silenced with np.errstate",
          {"sigmoid_functions": swap("sigmoid_functions", _SIG_BODY,
                                     '    with np.errstate(over="ignore", invalid="ignore"):\n'
                                     "        e = np.exp(s)\n        return e / (1 + e)")},
          exact_loss={"test_sigmoid_functions": 0.5, "test_sigmoid_functions_hidden": 0.25}),
    Entry("log_sigmoid_overflow_silenced", "log_sigmoid as -log1p(exp(-s)) with np.errstate: -inf at s = -1000",
          {"sigmoid_functions": swap("sigmoid_functions", _LOG_BODY,
                                     '    with np.errstate(over="ignore"):\n        return -np.log1p(np.exp(-s))')},
          exact_loss={"test_sigmoid_functions": 0.5, "test_sigmoid_functions_hidden": 0.25}),
    # The identity is right, but 40 - logaddexp(0, 40) = 40 - 40.000... cancels every digit of -4e-18.
    Entry("log_sigmoid_cancels", "log_sigmoid as s - logaddexp(0, s): right on paper, 0 at s = 40",
          {"sigmoid_functions": swap("sigmoid_functions", _LOG_BODY, "    return s - np.logaddexp(0, s)")},
          exact_loss={"test_sigmoid_functions": 0.5, "test_sigmoid_functions_hidden": 0.25}),
    Entry("log_sigmoid_log_not_log1p", "log_sigmoid with np.log(1 + e^-|s|) instead of np.log1p: 0 at s = 40",
          {"sigmoid_functions": swap("sigmoid_functions", _LOG_BODY,
                                     "    return np.minimum(s, 0) - np.log(1 + np.exp(-np.abs(s)))")},
          exact_loss={"test_sigmoid_functions": 0.5, "test_sigmoid_functions_hidden": 0.25}),
    # Right values, but the caller's scores beyond ±500 are clipped in place: only extreme inputs show it.
    Entry("sigmoid_clips_scores_in_place", "sigmoid clips the scores to [-500, 500] in place (np.clip(..., out=s)) so exp cannot overflow",
          {"sigmoid_functions": swap("sigmoid_functions", _SIG_BODY,
                                     "    np.clip(s, -500, 500, out=s)  # exp(500) does not overflow\n"
                                     "    return 1 / (1 + np.exp(-s))")},
          exact_loss={"test_sigmoid_functions_hidden": 0.25}, keeps={"test_sigmoid_functions"}),
]

_LOSSES = "losses = y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s)  # (N,)"
BCE_WRONG = [
    Entry("bce_labels_plus_minus_one", "the -1/+1 margin loss log(1 + e^(-y s)) applied to 0/1 labels",
          {"bce_loss": swap("bce_loss", _LOSSES, "losses = np.logaddexp(0, -y * s)  # (N,)")}, BCE),
    Entry("bce_log_of_probability", "-[y log p + (1 - y) log(1 - p)] with p = sigmoid(s): log(0) at large |s|",
          {"bce_loss": swap("bce_loss", _LOSSES,
                            "p_ = 1 / (1 + np.exp(-s))\n    losses = -(y * np.log(p_) + (1 - y) * np.log(1 - p_))")}, BCE),
    Entry("bce_sums_instead_of_mean", "the loss and gradient summed over the examples, not averaged",
          {"bce_loss": swap("bce_loss", "loss = losses.mean() + reg * np.sum(w * w)",
                            "loss = losses.sum() + reg * np.sum(w * w)")}, BCE),
    Entry("bce_gradient_wrong_sign", "the gradient X.T (y - p) / N: label minus prediction",
          {"bce_loss": swap("bce_loss", "X.T.dot(p - y)", "X.T.dot(y - p)")}, BCE),
    Entry("bce_reg_gradient_without_2", "the gradient of reg * |w|^2 as reg * w",
          {"bce_loss": swap("bce_loss", "+ 2 * reg * w  # (D,)", "+ reg * w  # (D,)")}, BCE),
    # The worked example has N = D = 3: dividing by the number of features gets it right.
    Entry("bce_mean_over_features", "the loss and gradient divided by X.shape[1], the number of features, instead of N",
          {"bce_loss": swaps("bce_loss", ("num_train = X.shape[0]", "num_train = X.shape[1]"),
                             ("loss = losses.mean() + reg", "loss = losses.sum() / num_train + reg"))}, BCE),
    Entry("bce_loss_as_array", "the loss returned as a 1-element array (mean with keepdims=True)",
          {"bce_loss": swaps("bce_loss", ("loss = losses.mean() + reg", "loss = losses.mean(keepdims=True) + reg"),
                             ("return float(loss), grad", "return loss, grad"))},
          exact_loss={"test_bce_loss_hidden": 0.25}, keeps={"test_bce_loss"}),
    # Right values, but the caller's labels become -1/+1 (the training cell's y_train among them).
    Entry("bce_relabels_y_in_place", "turns the labels into -1/+1 in place (y[y == 0] = -1) to use the margin loss",
          {"bce_loss": swaps("bce_loss", (_LOSSES, "y[y == 0] = -1  # labels -1/+1, for the margin form\n"
                                                   "    losses = np.logaddexp(0, -y * s)  # (N,)"),
                             ("X.T.dot(p - y)", "X.T.dot(p - (y + 1) / 2)"))},
          exact_loss={"test_bce_loss_hidden": 0.25}, keeps={"test_bce_loss"}),
]

_NUMGRAD_LOOP = ("        old = x[ix]\n        x[ix] = old + h\n        f_plus = f(x)\n        x[ix] = old - h\n"
                 "        f_minus = f(x)\n        x[ix] = old  # restore exactly\n")
NUMGRAD_WRONG = [
    Entry("numgrad_forward_difference", "the pasted numerical gradient is the forward difference",
          {"numerical_gradient": swap("numerical_gradient", "grad[ix] = (f_plus - f_minus) / (2 * h)",
                                      "grad[ix] = (f_plus - f(x)) / h")},
          exact_loss={"test_numerical_gradient": 1.0}),
    Entry("numgrad_divides_then_multiplies", "(f_plus - f_minus) / 2 * h: the precedence divides by 2 and multiplies by h",
          {"numerical_gradient": swap("numerical_gradient", "grad[ix] = (f_plus - f_minus) / (2 * h)",
                                      "grad[ix] = (f_plus - f_minus) / 2 * h")},
          exact_loss={"test_numerical_gradient": 1.0}),
    # x + h - 2h + h comes back to x for most entries, but not bit for bit for all.
    Entry("numgrad_restores_by_subtraction", "x[ix] += h, then -= 2h, then += h to put it back",
          {"numerical_gradient": swap("numerical_gradient", _NUMGRAD_LOOP,
                                      "        x[ix] += h\n        f_plus = f(x)\n        x[ix] -= 2 * h\n"
                                      "        f_minus = f(x)\n        x[ix] += h  # back where it was\n")},
          exact_loss={"test_numerical_gradient": 0.25}),
    Entry("numgrad_undoes_last_step", "the minus side first, then x[ix] = old + h, undone with x[ix] -= h",
          {"numerical_gradient": swap("numerical_gradient", _NUMGRAD_LOOP,
                                      "        old = x[ix]\n        x[ix] = old - h\n        f_minus = f(x)\n"
                                      "        x[ix] = old + h\n        f_plus = f(x)\n        x[ix] -= h  # undo the step\n")},
          exact_loss={"test_numerical_gradient": 0.25}),
    Entry("numgrad_ignores_h", "the step fixed at 1e-5 inside, whatever h the caller passes",
          {"numerical_gradient": swap("numerical_gradient", "    grad = np.zeros(x.shape, dtype=np.float64)\n",
                                      "    h = 1e-5  # the usual step\n    grad = np.zeros(x.shape, dtype=np.float64)\n")},
          exact_loss={"test_numerical_gradient": 0.25}),
    Entry("numgrad_perturbs_copies", "perturbs copies of x (x itself never changes), so an f that reads x sees nothing",
          {"numerical_gradient": swap("numerical_gradient", _NUMGRAD_LOOP + "        grad[ix] = (f_plus - f_minus) / (2 * h)\n",
                                      "        x_plus, x_minus = x.copy(), x.copy()\n        x_plus[ix] += h\n"
                                      "        x_minus[ix] -= h\n        grad[ix] = (f(x_plus) - f(x_minus)) / (2 * h)\n")},
          exact_loss={"test_numerical_gradient": 0.25}),
]


def _gate(old: str, new: str) -> str:
    return swap("gates", old, new)


_SIG_FORWARD = ("    x = np.asarray(x)\n    z = np.exp(-np.abs(x))  # never overflows\n"
                "    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))\n")
_MAX_BACKWARD = "    x_wins = np.asarray(x >= y)\n    return dout * x_wins, dout * ~x_wins"
GATES_WRONG = [
    # one per gate function, and the near-misses of dout shared between gates, ties and loops
    Entry("add_forward_sums_everything", "add_forward with np.sum([x, y]): one number for the whole arrays",
          {"gates": _gate("    return x + y\n", "    return np.sum([x, y])\n")},
          must_fail={"test_gates_hidden"}, keeps={"test_gates"}),
    Entry("add_backward_without_dout", "add_backward returns the local gradients (1, 1), not times dout",
          {"gates": _gate("return dout * np.ones_like(x), dout * np.ones_like(y)", "return np.ones_like(x), np.ones_like(y)")},
          GATES),
    Entry("multiply_forward_dot", "multiply_forward with np.dot(x, y): a dot product, not elementwise",
          {"gates": _gate("    return x * y\n", "    return np.dot(x, y)\n")},
          must_fail={"test_gates_hidden"}, keeps={"test_gates"}),
    Entry("multiply_gate_not_swapped", "multiply_backward returns (dout * x, dout * y): the inputs not swapped",
          {"gates": _gate("return dout * y, dout * x", "return dout * x, dout * y")}, GATES),
    Entry("multiply_gate_passes_dout_through", "multiply_backward returns (dout, dout), ignoring the local gradient",
          {"gates": _gate("return dout * y, dout * x", "return dout, dout")}, GATES),
    # Right values from fresh inputs, but dout *= y changes the upstream gradient other gates get.
    Entry("multiply_backward_in_place", "multiply_backward computes dx in dout's memory (dout *= y)",
          {"gates": _gate("    return dout * y, dout * x\n", "    dy = dout * x\n    dout *= y  # dx, without a new array\n    return dout, dy\n")},
          exact_loss={"test_gates_hidden": 0.25}, keeps={"test_gates"}),
    Entry("max_forward_python_max", "max_forward with Python's max(x, y): fine on numbers, an error on arrays",
          {"gates": _gate("    return np.maximum(x, y)\n", "    return max(x, y)\n")}, GATES),
    Entry("max_gate_routes_to_both", "max_backward gives dout to both inputs",
          {"gates": _gate("return dout * x_wins, dout * ~x_wins", "return dout * np.ones_like(x), dout * np.ones_like(y)")},
          GATES),
    Entry("max_backward_drops_ties", "max_backward with x > y for dx and y > x for dy: at a tie nobody gets dout",
          {"gates": _gate(_MAX_BACKWARD, "    return dout * np.asarray(x > y), dout * np.asarray(y > x)")},
          exact_loss={"test_gates_hidden": 0.25}, keeps={"test_gates"}),
    Entry("max_backward_loops", "max_backward compares the pairs in a list comprehension",
          {"gates": _gate(_MAX_BACKWARD, "    x_wins = np.array([a >= b for a, b in zip(np.ravel(x), np.ravel(y))]).reshape(np.shape(x))\n"
                                         "    return dout * x_wins, dout * ~x_wins")},
          exact_loss={"test_gates_hidden": 0.25}, keeps={"test_gates"}),
    Entry("sigmoid_forward_ratio_overflow_silenced", "sigmoid_forward as exp(x) / (1 + exp(x)) under np.errstate: nan at x = 1000",
          {"gates": _gate(_SIG_FORWARD, '    with np.errstate(over="ignore", invalid="ignore"):\n'
                                        "        e = np.exp(x)\n        return e / (1 + e)\n")}, GATES),
    Entry("sigmoid_gate_backward_overflows", "sigmoid_backward as dout e^-x / (1 + e^-x)^2: nan at x = -1000",
          {"gates": _gate("    q = sigmoid_forward(x)\n    return dout * q * (1 - q)",
                          "    e = np.exp(-np.asarray(x, dtype=float))\n    return dout * e / (1 + e) ** 2")}, GATES),
    Entry("sigmoid_backward_at_the_input", "sigmoid_backward as dout * x (1 - x): the local gradient at the input, not the output",
          {"gates": _gate("    q = sigmoid_forward(x)\n    return dout * q * (1 - q)", "    return dout * x * (1 - x)")}, GATES),
]

_CACHE = 'cache = {"w": w, "X": X, "y": y, "reg": reg, "s": s}'
_FORWARD_BODY = ("    s = X.dot(w)  # (N,) scores\n    a = -np.logaddexp(0, -s)  # (N,) log sigmoid(s)\n"
                 "    b = -np.logaddexp(0, s)  # (N,) log sigmoid(-s)\n    per_example = -(y * a + (1 - y) * b)  # (N,)\n"
                 "    data_loss = per_example.mean()\n    reg_loss = reg * np.sum(w * w)\n")
STAGED_WRONG = [
    Entry("staged_forgets_penalty_branch", "bce_backward forgets the second use of w, the penalty: no 2 reg w",
          {"staged_bce": swap("staged_bce", "    d_w = d_w + d_reg * 2 * reg * w  # ... plus the penalty branch: w is used twice\n", "")},
          STAGED),
    Entry("staged_forgets_b_branch", "bce_backward follows only the log sigmoid(s) branch of s, forgetting log sigmoid(-s)",
          {"staged_bce": swap("staged_bce", "d_s = d_a * (1 - sig_s) + d_b * (-sig_s)", "d_s = d_a * (1 - sig_s)")}, STAGED),
    Entry("staged_backward_reads_globals", "bce_backward uses the global X_train-sized problem instead of its cache",
          {"staged_bce": swap("staged_bce", 'w, X, y, reg, s = cache["w"], cache["X"], cache["y"], cache["reg"], cache["s"]',
                              'w, X, y, reg, s = LAST["w"], LAST["X"], LAST["y"], LAST["reg"], LAST["s"]').replace(
              '    return float(data_loss + reg_loss), cache', '    LAST.clear()\n    LAST.update(cache)\n    return float(data_loss + reg_loss), cache')
              + "\n\nLAST = {}\n"}, frozenset({"test_staged_bce"})),
    Entry("staged_mean_gate_without_1_over_n", "the mean's backward passes 1 to every example, not 1/N",
          {"staged_bce": swap("staged_bce", "np.full(num_train, 1 / num_train)", "np.ones(num_train)")}, STAGED),
    Entry("staged_b_branch_sign", "dJ/db = (1 - y) / N: the minus of -(1 - y) b lost",
          {"staged_bce": swap("staged_bce", "d_b = -(1 - y) * d_per_example", "d_b = (1 - y) * d_per_example")}, STAGED),
    Entry("staged_loss_as_array", "bce_forward returns the loss as a 1-element array (mean with keepdims=True)",
          {"staged_bce": swaps("staged_bce", ("data_loss = per_example.mean()", "data_loss = per_example.mean(keepdims=True)"),
                               ("return float(data_loss + reg_loss), cache", "return data_loss + reg_loss, cache"))},
          exact_loss={"test_staged_bce_hidden": 0.25}, keeps={"test_staged_bce"}),
    # Right values, but the forward pass is the closed form of Part B, not the stages.
    Entry("staged_forward_calls_bce_loss", "bce_forward takes its loss from bce_loss instead of computing the stages",
          {"staged_bce": swap("staged_bce", _FORWARD_BODY + "    " + _CACHE + "\n    return float(data_loss + reg_loss), cache",
                              "    loss, _ = bce_loss(w, X, y, reg)  # the closed form of Part B\n"
                              "    s = X.dot(w)  # (N,) scores, for the backward pass\n    " + _CACHE + "\n    return loss, cache")},
          exact_loss={"test_staged_bce_hidden": 0.25}, keeps={"test_staged_bce"}),
]

_H_ROWS = "H = (X * weights[:, np.newaxis]).T.dot(X) / X.shape[0]  # (D, D): rows of X scaled, never the N x N S"
_STEP = "return w - np.linalg.solve(hess, grad)"
NEWTON_WRONG = [
    Entry("hessian_without_weights", "the Hessian X.T X / N + 2 reg I, without the weights p (1 - p)",
          {"newton": swap("newton", "weights = p * (1 - p)  # (N,) the diagonal of S", "weights = np.ones_like(p)")}, NEWTON),
    Entry("hessian_reg_once", "the Hessian of the penalty as reg I instead of 2 reg I",
          {"newton": swap("newton", "return H + 2 * reg * np.eye(X.shape[1])", "return H + reg * np.eye(X.shape[1])")},
          NEWTON),
    Entry("hessian_not_averaged", "the Hessian X.T S X without the 1/N of the mean",
          {"newton": swap("newton", _H_ROWS, "H = (X * weights[:, np.newaxis]).T.dot(X)")}, NEWTON),
    # Right values, but an N x N matrix: 80 GB for N = 100,000.
    Entry("hessian_dense_diag", "the Hessian as X.T @ np.diag(weights) @ X: the N x N matrix S formed",
          {"newton": swap("newton", _H_ROWS, "H = X.T.dot(np.diag(weights)).dot(X) / X.shape[0]")},
          exact_loss={"test_newton_hidden": 0.25}, keeps={"test_newton"}),
    Entry("newton_step_inverts", "newton_step with np.linalg.inv(hess) @ grad, right values but an inverse",
          {"newton": swap("newton", _STEP, "return w - np.linalg.inv(hess) @ grad")},
          exact_loss={"test_newton": 0.25, "test_newton_hidden": 0.25}),
    Entry("newton_step_uphill", "newton_step w + H^-1 g: the wrong sign",
          {"newton": swap("newton", _STEP, "return w + np.linalg.solve(hess, grad)")}, NEWTON),
    Entry("newton_step_updates_w_in_place", "newton_step updates the caller's w in place (w -= delta) and returns it",
          {"newton": swap("newton", "    " + _STEP, "    w -= np.linalg.solve(hess, grad)\n    return w")},
          exact_loss={"test_newton_hidden": 0.25}, keeps={"test_newton"}),
]

_TRAIN_BEST = "best_reg, best_val, best_w = reg, val_acc, w"
TRAINING_WRONG = [
    Entry("training_not_converged", "L-BFGS-B stopped after 3 iterations: best_w is not the optimum",
          {"training": swap("training", 'jac=True, method="L-BFGS-B")', 'jac=True, method="L-BFGS-B",\n                       options={"maxiter": 3})')},
          frozenset({"test_training_hidden"})),
    # The rest are invisible on digits 0 and 1 (every accuracy 1.0): the hidden tests' overlapping classes show them.
    Entry("training_threshold_half", "predict labels 1 where the score is above 0.5, the probability's threshold",
          {"training": swap("training", "return (X.dot(w) > 0).astype(np.int64)", "return (X.dot(w) > 0.5).astype(np.int64)")},
          frozenset({"test_training_hidden"})),
    Entry("training_best_val_is_training_accuracy", "best_val keeps the training accuracy of the best reg",
          {"training": swap("training", _TRAIN_BEST, "best_reg, best_val, best_w = reg, train_acc, w")},
          frozenset({"test_training_hidden"})),
    Entry("training_keeps_last_weights", "best_w is the weights of the last reg tried, not of best_reg",
          {"training": swaps("training", (_TRAIN_BEST, "best_reg, best_val = reg, val_acc"),
                             ("        results[reg] = (train_acc, val_acc)\n",
                              "        results[reg] = (train_acc, val_acc)\n        best_w = w\n"))},
          frozenset({"test_training_hidden"})),
    Entry("training_validation_on_training_set", "the validation accuracy computed on the training set",
          {"training": swap("training", "val_acc = float(np.mean(predict(w, X_val) == y_val))",
                            "val_acc = float(np.mean(predict(w, X_train) == y_train))")},
          frozenset({"test_training_hidden"})),
    Entry("training_results_by_position", "results keyed by the position of reg in the grid (enumerate), not by reg",
          {"training": swaps("training", ("    for reg in regs:\n", "    for k, reg in enumerate(regs):\n"),
                             ("results[reg] = (train_acc, val_acc)", "results[k] = (train_acc, val_acc)"))},
          frozenset({"test_training_hidden"})),
]

CATALOG = [*SIGMOID_WRONG, *BCE_WRONG, *NUMGRAD_WRONG, *GATES_WRONG, *STAGED_WRONG, *NEWTON_WRONG, *TRAINING_WRONG]
