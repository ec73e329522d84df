# ruff: noqa: E501  (answer-cell sources written out as data: reflowing them would change the code under test)
"""Plausible wrong implementations of the logistic assignment (solutions/logistic/logistic.ipynb).

Each entry is one mistake, written as the solution's answer cell with that mistake swapped in
(the base sources are read from the solution notebook, so they cannot drift from it).
``must_fail`` names the test cells that must take points for it; ``exact_loss`` the share a
mistake that breaks a single requirement must cost. Answer cells: sigmoid_functions, bce_loss,
numerical_gradient, gates, staged_bce, newton, training. No test cell calls the functions of
another answer cell, except that the training cell trains with the student's own bce_loss: its
mistakes may cost the training tests too (tests/test_logistic_catalog.py allows that, and
nothing else).
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


def swap(gid: str, old: str, new: str) -> str:
    """The solution's cell ``gid`` with its single ``old`` replaced by ``new``."""
    source = BASE[gid]
    if source.count(old) != 1:
        raise ValueError(f"expected exactly one {old!r} in {gid}, found {source.count(old)}")
    return source.replace(old, new)


SIGMOID = frozenset({"test_sigmoid_functions", "test_sigmoid_functions_hidden"})
BCE = frozenset({"test_bce_loss", "test_bce_loss_hidden"})
NUMGRAD = frozenset({"test_numerical_gradient"})
GATES = frozenset({"test_gates", "test_gates_hidden"})
STAGED = frozenset({"test_staged_bce", "test_staged_bce_hidden"})
NEWTON = frozenset({"test_newton", "test_newton_hidden"})
TRAINING = frozenset({"test_training", "test_training_hidden"})

CATALOG = [
    Entry("sigmoid_literal_overflows", "sigmoid as 1 / (1 + exp(-s)): exp overflows at s = -1000",
          {"sigmoid_functions": swap("sigmoid_functions", "    z = np.exp(-np.abs(s))  # in (0, 1]: the exponent is never positive\n"
                                     "    return np.where(s >= 0, 1 / (1 + z), z / (1 + z))",
                                     "    return 1 / (1 + np.exp(-s))")}, SIGMOID),
    Entry("sigmoid_of_minus_s", "sigma(-s) for sigma(s): the probability of class 0",
          {"sigmoid_functions": swap("sigmoid_functions", "return np.where(s >= 0, 1 / (1 + z), z / (1 + z))",
                                     "return np.where(s >= 0, z / (1 + z), 1 / (1 + z))")}, SIGMOID),
    Entry("log_sigmoid_of_underflowed_probability", "log_sigmoid as np.log(sigmoid(s)): log(0) at -1000, 0 at 40",
          {"sigmoid_functions": swap("sigmoid_functions",
                                     "return np.minimum(s, 0) - np.log1p(np.exp(-np.abs(s)))",
                                     "return np.log(sigmoid(s))")}, SIGMOID),
    Entry("bce_labels_plus_minus_one", "the -1/+1 margin loss log(1 + e^(-y s)) applied to 0/1 labels",
          {"bce_loss": swap("bce_loss", "losses = y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s)  # (N,)",
                            "losses = np.logaddexp(0, -y * s)  # (N,)")}, BCE),
    Entry("bce_log_of_probability", "-[y log p + (1 - y) log(1 - p)] with p = sigmoid(s): log(0) at large |s|",
          {"bce_loss": swap("bce_loss", "losses = y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s)  # (N,)",
                            "p_ = 1 / (1 + np.exp(-s))\n    losses = -(y * np.log(p_) + (1 - y) * np.log(1 - p_))")}, BCE),
    Entry("bce_sums_instead_of_mean", "the loss and gradient summed over the examples, not averaged",
          {"bce_loss": swap("bce_loss", "loss = losses.mean() + reg * np.sum(w * w)",
                            "loss = losses.sum() + reg * np.sum(w * w)")}, BCE),
    Entry("bce_gradient_wrong_sign", "the gradient X.T (y - p) / N: label minus prediction",
          {"bce_loss": swap("bce_loss", "X.T.dot(p - y)", "X.T.dot(y - p)")}, BCE),
    Entry("bce_reg_gradient_without_2", "the gradient of reg * |w|^2 as reg * w",
          {"bce_loss": swap("bce_loss", "+ 2 * reg * w  # (D,)", "+ reg * w  # (D,)")}, BCE),
    Entry("numgrad_forward_difference", "the pasted numerical gradient is the forward difference",
          {"numerical_gradient": swap("numerical_gradient", "grad[ix] = (f_plus - f_minus) / (2 * h)",
                                      "grad[ix] = (f_plus - f(x)) / h")},
          exact_loss={"test_numerical_gradient": 1.0}),
    Entry("multiply_gate_passes_dout_through", "multiply_backward returns (dout, dout), ignoring the local gradient",
          {"gates": swap("gates", "return dout * y, dout * x", "return dout, dout")}, GATES),
    Entry("max_gate_routes_to_both", "max_backward gives dout to both inputs",
          {"gates": swap("gates", "return dout * x_wins, dout * ~x_wins", "return dout * np.ones_like(x), dout * np.ones_like(y)")},
          GATES),
    Entry("sigmoid_gate_backward_overflows", "sigmoid_backward as dout e^-x / (1 + e^-x)^2: overflow at x = -1000",
          {"gates": swap("gates", "    q = sigmoid_forward(x)\n    return dout * q * (1 - q)",
                         "    e = np.exp(-np.asarray(x, dtype=float))\n    return dout * e / (1 + e) ** 2")}, GATES),
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
    Entry("hessian_without_weights", "the Hessian X.T X / N + 2 reg I, without the weights p (1 - p)",
          {"newton": swap("newton", "weights = p * (1 - p)  # (N,) the diagonal of S", "weights = np.ones_like(p)")},
          frozenset({"test_newton", "test_newton_hidden"})),
    Entry("hessian_reg_once", "the Hessian of the penalty as reg I instead of 2 reg I",
          {"newton": swap("newton", "return H + 2 * reg * np.eye(X.shape[1])", "return H + reg * np.eye(X.shape[1])")},
          NEWTON),
    Entry("newton_step_inverts", "newton_step with np.linalg.inv(hess) @ grad, right values but an inverse",
          {"newton": swap("newton", "return w - np.linalg.solve(hess, grad)", "return w - np.linalg.inv(hess) @ grad")},
          exact_loss={"test_newton": 0.25, "test_newton_hidden": 0.5}),
    Entry("newton_step_uphill", "newton_step w + H^-1 g: the wrong sign",
          {"newton": swap("newton", "return w - np.linalg.solve(hess, grad)", "return w + np.linalg.solve(hess, grad)")},
          NEWTON),
    Entry("training_not_converged", "L-BFGS-B stopped after 3 iterations: best_w is not the optimum",
          {"training": swap("training", 'jac=True, method="L-BFGS-B")', 'jac=True, method="L-BFGS-B",\n                   options={"maxiter": 3})')},
          frozenset({"test_training_hidden"})),
]
