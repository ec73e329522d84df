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

#: lr_schedule's rates, right, but as a Python list.
LR_SCHEDULE_LIST = '''def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    """learning_rate * decay ** (t // decay_every) for t = 0 .. num_iters - 1."""
    return [learning_rate * decay ** (t // decay_every) for t in range(num_iters)]
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


def forward(old: str, new: str) -> dict[str, str]:
    """The numerical_gradient cell with one change to the forward difference."""
    return {"numerical_gradient": cell(CENTERED, swap(FORWARD, old, new))}


#: The centred difference with np.nditer, its saved entry read through the iterator: ``it[0]`` is a
#: view into x, so it changes with x[ix] and the "saved" value moves with every write.
NDITER_VIEW = '''def eval_numerical_gradient(f, x, h=1e-5):
    """Centered differences over np.nditer (CS231n's loop)."""
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = it[0]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old - h
        f_minus = f(x)
        x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad
'''

#: The pasted loss with a loop over the examples (right values, but not the vectorized version).
SVM_LOSS_LOOP = '''def svm_loss(W, X, y, reg):
    """Multiclass SVM loss and gradient, one example at a time."""
    num_train = X.shape[0]
    scores = X.dot(W)
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(num_train):
        margins = np.maximum(0, scores[i] - scores[i, y[i]] + 1)
        margins[y[i]] = 0
        loss += margins.sum()
        active = (margins > 0).astype(W.dtype)
        active[y[i]] = -active.sum()
        dW += np.outer(X[i], active)
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return float(loss), dW
'''


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
          exact={"test_numerical_gradient": 0.25, "test_numerical_gradient_hidden": 0.25}),
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

    entry("forward_restore_by_subtraction", "eval_numerical_gradient_forward undoes its step with x[ix] -= h "
          "instead of writing the saved value back, which leaves round-off where x + h - h != x",
          forward("""        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old
""", """        x[ix] += h
        f_plus = f(x)
        x[ix] -= h
"""), NUMGRAD_TESTS, exact={"test_numerical_gradient": 0.25, "test_numerical_gradient_hidden": 0.25}),
    entry("restore_from_minus_side",
          "after evaluating f at x - h, eval_numerical_gradient puts the entry back with x[ix] += h instead "
          "of the saved value",
          centered("        x[ix] = old\n        grad[ix]", "        x[ix] += h\n        grad[ix]"),
          NUMGRAD_TESTS,
          exact={"test_numerical_gradient": 0.25, "test_numerical_gradient_hidden": 0.25}),
    entry("nditer_saves_a_view", "eval_numerical_gradient saves the entry as it[0] from np.nditer, a view "
          "that follows every write to x, so f is evaluated at x + h and at x",
          {"numerical_gradient": cell(NDITER_VIEW, FORWARD)}, NUMGRAD_TESTS),
    entry("step_fixed_inside",
          "both functions set h = 1e-5 again in their body, so the h passed in is ignored",
          {"numerical_gradient": cell(
              swap(CENTERED, "    grad = np.zeros(", "    h = 1e-5\n    grad = np.zeros("),
              swap(FORWARD, "    grad = np.zeros(", "    h = 1e-5\n    grad = np.zeros("))},
          NUMGRAD_TESTS, exact={"test_numerical_gradient": 0.5, "test_numerical_gradient_hidden": 0.5}),
    entry("forward_recomputes_f_x", "eval_numerical_gradient_forward evaluates f(x) again for every entry "
          "instead of once before the loop (2n evaluations instead of n + 1)",
          forward("""    f_x = f(x)
    for ix in np.ndindex(x.shape):
""", """    for ix in np.ndindex(x.shape):
        f_x = f(x)
"""), {"test_numerical_gradient_hidden"}, exact={"test_numerical_gradient_hidden": 0.25}),

    # -- Part C: the loss brought over ---------------------------------------------------------------
    entry("svm_loss_sum_not_mean",
          "the pasted loss sums the data loss over the examples instead of averaging",
          {"svm_loss": swap(swap(SVM_LOSS, "margins.sum() / num_train", "margins.sum()"),
                            "X.T.dot(coeff) / num_train", "X.T.dot(coeff)")}, {"test_svm_loss"}),
    entry("svm_loss_half_reg", "the pasted loss uses the 0.5 * reg * sum(W * W) convention (and reg * W in "
          "the gradient) instead of reg * sum(W * W)",
          {"svm_loss": swap(swap(SVM_LOSS, "reg * np.sum(W * W)", "0.5 * reg * np.sum(W * W)"),
                            "2 * reg * W", "reg * W")}, {"test_svm_loss"}, exact={"test_svm_loss": 0.25}),
    entry("svm_loss_reg_gradient_without_2",
          "the gradient of reg * sum(W * W) is written reg * W, without the 2",
          {"svm_loss": swap(SVM_LOSS, "2 * reg * W", "reg * W")}, {"test_svm_loss"}),
    entry("svm_loss_loops_over_examples", "the pasted loss is the naive one, a loop over the examples",
          {"svm_loss": SVM_LOSS_LOOP}, {"test_svm_loss"}, exact={"test_svm_loss": 0.25}),
    entry("svm_loss_counts_correct_class", "the correct class's margin is not set to 0, so every example "
          "adds delta = 1 to the loss",
          {"svm_loss": swap(SVM_LOSS, "    margins[rows, y] = 0\n", "")}, {"test_svm_loss"}),
    entry("svm_loss_no_margin", "the hinge is max(0, s_j - s_y), without the margin delta = 1",
          {"svm_loss": swap(SVM_LOSS, "scores[rows, y][:, np.newaxis] + 1",
                            "scores[rows, y][:, np.newaxis]")},
          {"test_svm_loss"}),

    # -- Part D: four optimizers ---------------------------------------------------------------------
    entry("random_search_keeps_last", "random_search returns the last W it tried instead of the best",
          {"random_search": swap(RANDOM_SEARCH, "    return best_W, history", "    return W, history")},
          RANDOM_TESTS),
    entry("random_search_legacy_rng", "random_search draws W with np.random.randn, ignoring rng",
          {"random_search": swap(RANDOM_SEARCH, "rng.standard_normal((X.shape[1], num_classes))",
                                 "np.random.randn(X.shape[1], num_classes)")}, RANDOM_TESTS,
          exact={"test_random_search": 0.25, "test_random_search_hidden": 0.5}),
    entry("random_search_history_of_losses",
          "random_search records the loss of each try in history, not the lowest loss so far",
          {"random_search": swap(RANDOM_SEARCH, "history.append(float(best_loss))",
                                 "history.append(float(loss))")},
          RANDOM_TESTS, exact={"test_random_search": 0.25, "test_random_search_hidden": 0.25}),
    entry("random_search_ignores_scale",
          "random_search draws standard normal W, forgetting to multiply by scale",
          {"random_search": swap(RANDOM_SEARCH, "(scale * rng.standard_normal((X.shape[1], num_classes)))",
                                 "rng.standard_normal((X.shape[1], num_classes))")},
          {"test_random_search_hidden"}, exact={"test_random_search_hidden": 0.25}),
    entry("random_search_reseeds_each_try",
          "random_search makes np.random.default_rng(rng) anew at every try, so with a seed every try "
          "draws the same W",
          {"random_search": swap(swap(RANDOM_SEARCH, "    rng = np.random.default_rng(rng)\n", ""),
                                 "rng.standard_normal(", "np.random.default_rng(rng).standard_normal(")},
          RANDOM_TESTS),
    entry("random_search_refills_one_buffer",
          "random_search refills one array in place at every try and keeps best_W = W, a reference to "
          "that array, so the best W is overwritten by the next tries",
          {"random_search": swap(swap(RANDOM_SEARCH, "    for _ in range(num_tries):\n",
                                      "    W = np.empty((X.shape[1], num_classes), dtype=X.dtype)\n"
                                      "    for _ in range(num_tries):\n"),
                                 "W = (scale * rng.standard_normal((X.shape[1], num_classes))).astype(",
                                 "W[...] = (scale * rng.standard_normal(W.shape)).astype(")}, RANDOM_TESTS),
    entry("random_search_float64_W", "random_search draws W in float64 whatever the dtype of X",
          {"random_search": swap(RANDOM_SEARCH, ".astype(X.dtype)", "")},
          {"test_random_search_hidden"}, exact={"test_random_search_hidden": 0.25}),
    entry("local_search_accepts_every_step", "random_local_search moves to every try, better or worse",
          {"random_local_search": swap(LOCAL_SEARCH, """        if loss < best_loss:
            W, best_loss = W_try, loss""", """        W, best_loss = W_try, loss""")}, LOCAL_TESTS),
    entry("local_search_perturbs_W0",
          "random_local_search perturbs W0 at every step instead of the best W so far",
          {"random_local_search": swap(LOCAL_SEARCH, "W_try = W + step_size", "W_try = W0 + step_size")},
          {"test_random_local_search_hidden"}, exact={"test_random_local_search_hidden": 0.5}),
    entry("local_search_accepts_ties", "random_local_search moves to a try whose loss equals the best so far "
          "(loss <= best_loss), which is no improvement",
          {"random_local_search": swap(LOCAL_SEARCH, "if loss < best_loss:", "if loss <= best_loss:")},
          {"test_random_local_search_hidden"}),
    entry("local_search_walks_from_last_try",
          "random_local_search steps from the last try, accepted or not, instead of from the best W so far",
          {"random_local_search": swap(
              LOCAL_SEARCH, "    for _ in range(num_steps):\n        W_try = W + step_size",
              "    W_try = W\n    for _ in range(num_steps):\n        W_try = W_try + step_size")},
          {"test_random_local_search_hidden"}, exact={"test_random_local_search_hidden": 0.5}),
    entry("local_search_history_of_tries", "random_local_search records the loss of every try in history, "
          "not the loss of the W it holds",
          {"random_local_search": swap(LOCAL_SEARCH, "history.append(float(best_loss))",
                                       "history.append(float(loss))")}, LOCAL_TESTS),
    entry("local_search_uniform_steps",
          "random_local_search steps by step_size * rng.random (uniform in [0, 1)) instead of a standard "
          "normal step",
          {"random_local_search": swap(LOCAL_SEARCH, "rng.standard_normal(W.shape)", "rng.random(W.shape)")},
          {"test_random_local_search_hidden"}, exact={"test_random_local_search_hidden": 0.5}),
    entry("local_search_mutates_W0",
          "random_local_search starts from W = W0 (no copy) and copies accepted tries into it in place, "
          "which changes the caller's W0",
          {"random_local_search": swap(swap(LOCAL_SEARCH, "W = W0.copy()", "W = W0"),
                                       "            W, best_loss = W_try, loss",
                                       "            W[...] = W_try\n            best_loss = loss")},
          LOCAL_TESTS, exact={"test_random_local_search": 0.25, "test_random_local_search_hidden": 0.25}),
    entry("local_search_skips_W0",
          "random_local_search never evaluates W0: it starts from best_loss = inf, so loss_fn is called "
          "num_steps times and the first try is always taken",
          {"random_local_search": swap(
              LOCAL_SEARCH, "    best_loss, _ = loss_fn(W, X, y, reg)\n    history = [float(best_loss)]\n",
              "    best_loss, history = np.inf, []\n")},
          LOCAL_TESTS),
    entry("local_search_try_aliases_W",
          "random_local_search makes the try with W_try = W, then W_try += the step, which moves W itself "
          "even when the try is rejected",
          {"random_local_search": swap(
              LOCAL_SEARCH, "        W_try = W + step_size * rng.standard_normal(W.shape)\n",
              "        W_try = W\n        W_try += step_size * rng.standard_normal(W.shape)\n")},
          LOCAL_TESTS),
    entry("local_search_compares_with_W0",
          "random_local_search compares every try with the loss of W0 instead of the loss of the best W so "
          "far, and never updates that loss",
          {"random_local_search": swap(swap(LOCAL_SEARCH, "            W, best_loss = W_try, loss",
                                            "            W = W_try"),
                                       "history.append(float(best_loss))",
                                       "history.append(float(min(loss, best_loss)))")}, LOCAL_TESTS),
    entry("gd_adds_gradient", "gradient_descent steps up the slope: W += learning_rate * dW",
          {"gradient_descent": swap(GRADIENT_DESCENT, "W -= learning_rate * dW", "W += learning_rate * dW")},
          GD_TESTS),
    entry("gd_ignores_learning_rate", "gradient_descent steps by the whole gradient, W -= dW",
          {"gradient_descent": swap(GRADIENT_DESCENT, "W -= learning_rate * dW", "W -= dW")}, GD_TESTS),
    entry("gd_mutates_W0", "gradient_descent updates the caller's W0 in place (W = W0, no copy)",
          {"gradient_descent": swap(GRADIENT_DESCENT, "W = W0.copy()", "W = W0")}, GD_TESTS,
          exact={"test_gradient_descent": 0.25, "test_gradient_descent_hidden": 0.25}),
    entry("gd_one_step_short", "gradient_descent loops over range(num_iters - 1)",
          {"gradient_descent": swap(GRADIENT_DESCENT, "range(num_iters)", "range(num_iters - 1)")}, GD_TESTS),
    entry("gd_forgets_reg", "gradient_descent calls loss_fn(W, X, y, 0.0), dropping the reg it was given",
          {"gradient_descent": swap(GRADIENT_DESCENT, "loss_fn(W, X, y, reg)", "loss_fn(W, X, y, 0.0)")},
          {"test_gradient_descent_hidden"}, exact={"test_gradient_descent_hidden": 0.25}),
    entry("gd_history_after_update", "gradient_descent records the loss after each update, with a second "
          "call of loss_fn per step",
          {"gradient_descent": swap(GRADIENT_DESCENT, """        history.append(float(loss))
        W -= learning_rate * dW
""", """        W -= learning_rate * dW
        history.append(float(loss_fn(W, X, y, reg)[0]))
""")}, GD_TESTS),
    entry("gd_averages_gradient_again", "gradient_descent divides dW by the number of examples once more, "
          "although loss_fn already averages",
          {"gradient_descent": swap(GRADIENT_DESCENT, "W -= learning_rate * dW",
                                    "W -= learning_rate * dW / X.shape[0]")},
          GD_TESTS),
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
    entry("sgd_rate_of_previous_step",
          "sgd takes learning_rates[it - 1], so step 0 uses the last rate of the schedule and every later "
          "step the rate before its own",
          {"sgd": swap(SGD, "learning_rates[it]", "learning_rates[it - 1]")},
          {"test_sgd_hidden"}, exact={"test_sgd_hidden": 0.5}),
    entry("sgd_reseeds_each_step", "sgd makes np.random.default_rng(rng) anew at every step, so with a seed "
          "every step draws the same batch",
          {"sgd": swap(swap(SGD, "    rng = np.random.default_rng(rng)\n", ""),
                       "rng.choice(X.shape[0]", "np.random.default_rng(rng).choice(X.shape[0]")},
          SGD_TESTS, exact={"test_sgd": 0.25}),
    entry("sgd_legacy_rng", "sgd draws the batches with np.random.choice, ignoring rng",
          {"sgd": swap(SGD, "rng.choice(X.shape[0]", "np.random.choice(X.shape[0]")},
          SGD_TESTS, exact={"test_sgd": 0.25, "test_sgd_hidden": 0.25}),
    entry("sgd_never_draws_last_row",
          "sgd draws rng.integers(0, N - 1) as if the upper bound were included, so the last example is "
          "never in a batch",
          {"sgd": swap(SGD, "rng.choice(X.shape[0], batch_size, replace=True)",
                       "rng.integers(0, X.shape[0] - 1, size=batch_size)")},
          {"test_sgd_hidden"}, exact={"test_sgd_hidden": 0.25}),
    entry("sgd_whole_y", "sgd passes the batch rows X[idx] but the whole y to loss_fn",
          {"sgd": swap(SGD, "loss_fn(W, X[idx], y[idx], reg)", "loss_fn(W, X[idx], y, reg)")}, SGD_TESTS),

    # -- Part E: the schedule ------------------------------------------------------------------------
    entry("schedule_decays_every_step", "lr_schedule decays at every iteration, ignoring decay_every",
          {"lr_schedule": swap(LR_SCHEDULE, "np.arange(num_iters) // decay_every", "np.arange(num_iters)")},
          SCHEDULE_TESTS),
    entry("schedule_starts_decayed", "lr_schedule applies the first decay at t = 0",
          {"lr_schedule": swap(LR_SCHEDULE, "(np.arange(num_iters) // decay_every)",
                               "(np.arange(num_iters) // decay_every + 1)")}, SCHEDULE_TESTS),
    entry("schedule_ceil", "lr_schedule counts the decays with np.ceil(t / decay_every), so it decays one "
          "step early in every block",
          {"lr_schedule": swap(LR_SCHEDULE, "(np.arange(num_iters) // decay_every)",
                               "np.ceil(np.arange(num_iters) / decay_every)")}, SCHEDULE_TESTS),
    entry("schedule_one_too_many", "lr_schedule returns num_iters + 1 rates (np.arange(num_iters + 1))",
          {"lr_schedule": swap(LR_SCHEDULE, "np.arange(num_iters)", "np.arange(num_iters + 1)")},
          SCHEDULE_TESTS),
    entry("schedule_returns_list", "lr_schedule returns a Python list of the rates instead of an array",
          {"lr_schedule": LR_SCHEDULE_LIST},
          {"test_lr_schedule"}, exact={"test_lr_schedule": 0.25}),
    entry("schedule_true_division",
          "lr_schedule divides t / decay_every without flooring, so the rate decays a little at every step",
          {"lr_schedule": swap(LR_SCHEDULE, "(np.arange(num_iters) // decay_every)",
                                                   "(np.arange(num_iters) / decay_every)")}, SCHEDULE_TESTS),
    entry("schedule_modulo", "lr_schedule raises decay to t % decay_every instead of t // decay_every",
          {"lr_schedule": swap(LR_SCHEDULE, "(np.arange(num_iters) // decay_every)",
                                                   "(np.arange(num_iters) % decay_every)")}, SCHEDULE_TESTS),
]
