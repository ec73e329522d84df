"""Plausible wrong implementations of the optimization assignment (solutions/optimization/).

Every entry is a mistake students really make, written as complete answer cells that differ
from a correct implementation by that one mistake. ``must_fail`` names the test cells that must
take points for it; tests/test_catalogs.py checks that they do. Answer cells:
numerical_gradient (both finite differences), svm_loss, random_search, random_local_search,
gradient_descent, sgd, lr_schedule. Every test cell exercises only its own answer cell (the
hidden training tests bring their own reference loss), so one mistake costs points only where
it belongs. ``exact_loss`` pins the points lost where a mistake breaks one requirement of a
test cell's rubric (its share, and nothing else: partial credit).
"""

from __future__ import annotations

from .harness import Entry, cell, swap

# -- correct answer cells, from which each entry departs by one mistake ---------------------------

CENTERED = '''def eval_numerical_gradient(f, x, h=1e-5):
    """Centered-difference gradient of f at x (any shape); x is restored."""
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old - h
        f_minus = f(x)
        x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)
    return grad
'''

FORWARD = '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """Forward-difference gradient of f at x (any shape); x is restored."""
    grad = np.zeros(x.shape, dtype=np.float64)
    f_x = f(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old
        grad[ix] = (f_plus - f_x) / h
    return grad
'''

SVM_LOSS = '''def svm_loss(W, X, y, reg):
    """Vectorized multiclass SVM loss and gradient."""
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)  # (N, C)
    margins = scores - scores[rows, y][:, np.newaxis] + 1
    margins[rows, y] = 0
    margins = np.maximum(0, margins)
    loss = margins.sum() / num_train + reg * np.sum(W * W)
    coeff = (margins > 0).astype(scores.dtype)
    coeff[rows, y] = -coeff.sum(axis=1)
    dW = X.T.dot(coeff) / num_train + 2 * reg * W
    return float(loss), dW
'''

RANDOM_SEARCH = '''def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0,
                  rng=None):
    """Best of num_tries random W; returns (best_W, history of the best loss)."""
    rng = np.random.default_rng(rng)
    best_W, best_loss, history = None, np.inf, []
    for _ in range(num_tries):
        W = (scale * rng.standard_normal((X.shape[1], num_classes))).astype(X.dtype)
        loss, _ = loss_fn(W, X, y, reg)
        if loss < best_loss:
            best_W, best_loss = W, loss
        history.append(float(best_loss))
    return best_W, history
'''

LOCAL_SEARCH = '''def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0,
                        rng=None):
    """Random steps from the best W so far, kept only when they lower the loss."""
    rng = np.random.default_rng(rng)
    W = W0.copy()
    best_loss, _ = loss_fn(W, X, y, reg)
    history = [float(best_loss)]
    for _ in range(num_steps):
        W_try = W + step_size * rng.standard_normal(W.shape)
        loss, _ = loss_fn(W_try, X, y, reg)
        if loss < best_loss:
            W, best_loss = W_try, loss
        history.append(float(best_loss))
    return W, history
'''

GRADIENT_DESCENT = '''def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    """Full-batch gradient descent from a copy of W0; returns (W, history)."""
    W = W0.copy()
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        history.append(float(loss))
        W -= learning_rate * dW
    return W, history
'''

SGD = '''def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    """Mini-batch SGD from a copy of W0; learning_rate is a float or one per step."""
    rng = np.random.default_rng(rng)
    learning_rates = np.broadcast_to(learning_rate, (num_iters,))
    W = W0.copy()
    history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size, replace=True)
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        W -= float(learning_rates[it]) * dW
    return W, history
'''

LR_SCHEDULE = '''def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    """learning_rate * decay ** (t // decay_every) for t = 0 .. num_iters - 1."""
    return learning_rate * decay ** (np.arange(num_iters) // decay_every)
'''


def entry(name: str, mistake: str, overrides: dict[str, str], must_fail: set[str], gap: str = "",
          exact: dict[str, float] | None = None) -> Entry:
    return Entry(name, mistake, overrides, frozenset(must_fail), gap, exact_loss=dict(exact or {}))


NUMGRAD_TESTS = {"test_numerical_gradient", "test_numerical_gradient_hidden"}
RANDOM_TESTS = {"test_random_search", "test_random_search_hidden"}
LOCAL_TESTS = {"test_random_local_search", "test_random_local_search_hidden"}
GD_TESTS = {"test_gradient_descent", "test_gradient_descent_hidden"}
SGD_TESTS = {"test_sgd", "test_sgd_hidden"}
SCHEDULE_TESTS = {"test_lr_schedule", "test_lr_schedule_hidden"}


def centered(old: str, new: str) -> dict[str, str]:
    """The numerical_gradient cell with one change to the centered difference."""
    return {"numerical_gradient": cell(swap(CENTERED, old, new), FORWARD)}


CATALOG: list[Entry] = [
    # -- Part A: numerical gradients -------------------------------------------------------------
    entry("centered_is_forward",
          "eval_numerical_gradient computes the forward difference (f(x + h) - f(x)) / h",
          centered("""        x[ix] = old - h
        f_minus = f(x)
        x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)""", """        x[ix] = old
        grad[ix] = (f_plus - f(x)) / h"""), NUMGRAD_TESTS),
    entry("x_not_restored", "the saved entry is never written back, so x is left perturbed entry after entry",
          centered("        x[ix] = old\n", ""), NUMGRAD_TESTS),
    entry("restore_by_arithmetic", "x is perturbed with += h, -= 2h, += h instead of writing back the saved "
          "value, which leaves round-off in x",
          centered("""        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old - h
        f_minus = f(x)
        x[ix] = old
""", """        x[ix] += h
        f_plus = f(x)
        x[ix] -= 2 * h
        f_minus = f(x)
        x[ix] += h
"""), NUMGRAD_TESTS,
          exact={"test_numerical_gradient": 0.25, "test_numerical_gradient_hidden": 0.5}),
    entry("same_direction", "both evaluations are made at x + h (a sign slip), so every estimate is 0",
          centered("        x[ix] = old - h\n", "        x[ix] = old + h\n"), NUMGRAD_TESTS),
    entry("divides_by_h", "the centered difference is divided by h instead of 2h",
          centered("/ (2 * h)", "/ h"), NUMGRAD_TESTS),
    entry("only_2d", "the loops run over x.shape[0] and x.shape[1], so only matrices work",
          centered("for ix in np.ndindex(x.shape):",
                   "for ix in [(i, j) for i in range(x.shape[0]) for j in range(x.shape[1])]:"),
          NUMGRAD_TESTS),
    entry("perturbs_a_copy", "the perturbation is written into a copy of x while f is evaluated at x, so f "
          "never sees it",
          centered("""        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old - h
        f_minus = f(x)
        x[ix] = old
""", """        xc = x.copy()
        old = xc[ix]
        xc[ix] = old + h
        f_plus = f(x)
        xc[ix] = old - h
        f_minus = f(x)
"""), NUMGRAD_TESTS),
    entry("evaluates_f_on_a_copy", "f is evaluated on a perturbed copy of x instead of x itself, which "
          "breaks functions that read the caller's array through a closure",
          centered("""        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old - h
        f_minus = f(x)
        x[ix] = old
""", """        xp, xm = x.copy(), x.copy()
        xp[ix] += h
        xm[ix] -= h
        f_plus, f_minus = f(xp), f(xm)
"""), {"test_numerical_gradient_hidden"}, exact={"test_numerical_gradient_hidden": 0.25}),
    entry("forward_is_centered", "eval_numerical_gradient_forward computes the centered difference",
          {"numerical_gradient": cell(CENTERED, swap(swap(FORWARD, """        x[ix] = old
        grad[ix] = (f_plus - f_x) / h""", """        x[ix] = old - h
        f_minus = f(x)
        x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)"""), "    f_x = f(x)\n", ""))}, NUMGRAD_TESTS,
          exact={"test_numerical_gradient": 0.25, "test_numerical_gradient_hidden": 0.5}),

    # -- Part C: the loss brought over ---------------------------------------------------------------
    entry("svm_loss_sum_not_mean",
          "the pasted loss sums the data loss over the examples instead of averaging",
          {"svm_loss": swap(swap(SVM_LOSS, "margins.sum() / num_train", "margins.sum()"),
                            "X.T.dot(coeff) / num_train", "X.T.dot(coeff)")}, {"test_svm_loss"}),

    # -- Part D: four optimizers ---------------------------------------------------------------------
    entry("random_search_keeps_last", "random_search returns the last W it tried instead of the best",
          {"random_search": swap(RANDOM_SEARCH, "    return best_W, history", "    return W, history")},
          RANDOM_TESTS),
    entry("random_search_legacy_rng", "random_search draws W with np.random.randn, ignoring rng",
          {"random_search": swap(RANDOM_SEARCH, "rng.standard_normal((X.shape[1], num_classes))",
                                 "np.random.randn(X.shape[1], num_classes)")}, RANDOM_TESTS,
          exact={"test_random_search": 0.25, "test_random_search_hidden": 0.5}),
    entry("local_search_accepts_every_step", "random_local_search moves to every try, better or worse",
          {"random_local_search": swap(LOCAL_SEARCH, """        if loss < best_loss:
            W, best_loss = W_try, loss""", """        W, best_loss = W_try, loss""")}, LOCAL_TESTS),
    entry("local_search_perturbs_W0",
          "random_local_search perturbs W0 at every step instead of the best W so far",
          {"random_local_search": swap(LOCAL_SEARCH, "W_try = W + step_size", "W_try = W0 + step_size")},
          {"test_random_local_search_hidden"}, exact={"test_random_local_search_hidden": 0.5}),
    entry("gd_adds_gradient", "gradient_descent steps up the slope: W += learning_rate * dW",
          {"gradient_descent": swap(GRADIENT_DESCENT, "W -= learning_rate * dW", "W += learning_rate * dW")},
          GD_TESTS),
    entry("gd_ignores_learning_rate", "gradient_descent steps by the whole gradient, W -= dW",
          {"gradient_descent": swap(GRADIENT_DESCENT, "W -= learning_rate * dW", "W -= dW")}, GD_TESTS),
    entry("gd_mutates_W0", "gradient_descent updates the caller's W0 in place (W = W0, no copy)",
          {"gradient_descent": swap(GRADIENT_DESCENT, "W = W0.copy()", "W = W0")}, GD_TESTS,
          exact={"test_gradient_descent": 0.25, "test_gradient_descent_hidden": 0.25}),
    entry("sgd_mismatched_indices", "sgd draws separate indices for X and for y",
          {"sgd": swap(SGD, "loss, dW = loss_fn(W, X[idx], y[idx], reg)",
                       "loss, dW = loss_fn(W, X[idx], y[rng.choice(X.shape[0], batch_size)], reg)")},
          SGD_TESTS),
    entry("sgd_batch_drawn_once", "sgd draws one batch before the loop and uses it at every step",
          {"sgd": swap(swap(SGD, "        idx = rng.choice(X.shape[0], batch_size, replace=True)\n", ""),
                       "    W = W0.copy()\n",
                       "    W = W0.copy()\n    idx = rng.choice(X.shape[0], batch_size)\n")},
          SGD_TESTS, exact={"test_sgd": 0.25, "test_sgd_hidden": 0.5}),
    entry("sgd_ignores_batch_size", "sgd always uses batches of 200, whatever batch_size says",
          {"sgd": swap(SGD, "rng.choice(X.shape[0], batch_size, replace=True)",
                       "rng.choice(X.shape[0], 200)")},
          SGD_TESTS),
    entry("sgd_first_rate_only", "sgd takes the first learning rate of a schedule for every step",
          {"sgd": swap(swap(SGD, "    learning_rates = np.broadcast_to(learning_rate, (num_iters,))\n",
                            "    lr = float(np.atleast_1d(learning_rate)[0])\n"),
                       "W -= float(learning_rates[it]) * dW", "W -= lr * dW")}, SGD_TESTS,
          exact={"test_sgd": 0.5, "test_sgd_hidden": 0.5}),
    entry("sgd_without_replacement",
          "sgd draws each batch without replacement, which fails when batch_size > N",
          {"sgd": swap(SGD, "replace=True", "replace=False")}, {"test_sgd_hidden"},
          exact={"test_sgd_hidden": 0.25}),

    # -- Part E: the schedule ------------------------------------------------------------------------
    entry("schedule_decays_every_step", "lr_schedule decays at every iteration, ignoring decay_every",
          {"lr_schedule": swap(LR_SCHEDULE, "np.arange(num_iters) // decay_every", "np.arange(num_iters)")},
          SCHEDULE_TESTS),
    entry("schedule_starts_decayed", "lr_schedule applies the first decay at t = 0",
          {"lr_schedule": swap(LR_SCHEDULE, "(np.arange(num_iters) // decay_every)",
                               "(np.arange(num_iters) // decay_every + 1)")}, SCHEDULE_TESTS),
]
