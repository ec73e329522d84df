# ruff: noqa: E501  (answer-cell sources written out as data: reflowing them would change the code under test)
"""Right implementations of the logistic assignment, each written in its own style.

Every entry is correct by the notebook's contract and must keep full marks in the tests of the
answer cell it replaces. They differ in what tests tend to over-specify: SciPy's expit /
log_expit against hand-written stable forms, np.logaddexp against log1p, np.where against
masks, dtypes kept or promoted, gates returning arrays or numbers, caches as tuples or dicts,
Hessians by einsum, by scaled rows or by sqrt-weights, solves by np.linalg.solve, scipy's
cho_solve or lstsq, and training by other optimisers and grids. An answer cell holding several
functions is replaced whole: a variant of one function keeps the solution's others.
"""

from __future__ import annotations

from .harness import Entry
from .logistic_wrong import BASE, BCE, GATES, NEWTON, NUMGRAD, SIGMOID, STAGED, TRAINING, swap


def _sig(sig_body: str | None = None, log_body: str | None = None) -> str:
    src = BASE["sigmoid_functions"]
    if sig_body is not None:
        src = swap("sigmoid_functions", '    s = np.asarray(s)\n    z = np.exp(-np.abs(s))  # in (0, 1]: the exponent is never positive\n'
                   '    return np.where(s >= 0, 1 / (1 + z), z / (1 + z))\n', sig_body)
    if log_body is not None:
        src = src.replace('    s = np.asarray(s)\n    return np.minimum(s, 0) - np.log1p(np.exp(-np.abs(s)))'
                          '  # -log(1 + e^-s), both branches at once\n', log_body)
    return src


SIGMOID_STYLES = {
    "sigmoid_expit": _sig("    from scipy.special import expit\n\n    return expit(s)\n",
                          "    from scipy.special import log_expit\n\n    return log_expit(s)\n"),
    "sigmoid_tanh": _sig("    return 0.5 * (1 + np.tanh(0.5 * np.asarray(s)))\n",
                         "    return -np.logaddexp(0, -np.asarray(s))\n"),
    "sigmoid_masks": _sig("    s = np.asarray(s, dtype=float)\n    out = np.empty_like(s)\n    pos = s >= 0\n"
                          "    out[pos] = 1 / (1 + np.exp(-s[pos]))\n    e = np.exp(s[~pos])\n    out[~pos] = e / (1 + e)\n"
                          "    return out\n",
                          "    s = np.asarray(s, dtype=float)\n    out = np.empty_like(s)\n    pos = s >= 0\n"
                          "    out[pos] = -np.log1p(np.exp(-s[pos]))\n    out[~pos] = s[~pos] - np.log1p(np.exp(s[~pos]))\n"
                          "    return out\n"),
    "sigmoid_clip_exponent": _sig("    s = np.asarray(s)\n    e = np.exp(-np.abs(s))\n    return np.where(s >= 0, 1.0, e) / (1 + e)\n",
                                  "    s = np.asarray(s)\n    return np.where(s >= 0, -np.log1p(np.exp(-np.abs(s))), s - np.log1p(np.exp(-np.abs(s))))\n"),
    "sigmoid_exp_of_log": _sig("    s = np.asarray(s)\n    return np.exp(-np.logaddexp(0, -s))\n", None),
    "sigmoid_float64": _sig("    s = np.asarray(s, dtype=np.float64)\n    z = np.exp(-np.abs(s))\n"
                            "    return np.where(s >= 0, 1 / (1 + z), z / (1 + z))\n",
                            "    s = np.asarray(s, dtype=np.float64)\n    return -np.logaddexp(0.0, -s)\n"),
    "sigmoid_half_tanh_log_softplus": _sig("    s = np.asarray(s)\n    return (np.tanh(s / 2) + 1) / 2\n",
                                           "    s = np.asarray(s)\n    return -(np.maximum(-s, 0) + np.log1p(np.exp(-np.abs(s))))\n"),
    "sigmoid_copysign": _sig("    s = np.asarray(s)\n    z = np.exp(-np.abs(s))\n    return 0.5 + np.copysign(0.5, s) * (1 - z) / (1 + z)\n",
                             "    s = np.asarray(s)\n    return np.minimum(0, s) - np.log1p(np.exp(-np.abs(s)))\n"),
    "sigmoid_scipy_special_namespace": _sig("    import scipy.special\n\n    return scipy.special.expit(np.asarray(s))\n",
                                            "    s = np.asarray(s)\n    return -np.log1p(np.exp(-np.abs(s))) + np.minimum(s, 0)\n"),
    # A variable named ex (the name of IPython's exec method): a name, not dynamic binding.
    "sigmoid_variable_named_ex": _sig("    z = np.asarray(s)\n    ex = np.exp(-np.abs(z))  # e^-|s| <= 1\n"
                                      "    return np.where(z >= 0, 1 / (1 + ex), ex / (1 + ex))\n", None),
    "sigmoid_piecewise_where_log": _sig("    s = np.asarray(s)\n    neg = np.exp(np.minimum(s, 0))\n    pos = np.exp(-np.maximum(s, 0))\n"
                                        "    return neg / (neg + pos)\n",
                                        "    s = np.asarray(s)\n    t = np.exp(-np.abs(s))\n    return np.where(s < 0, s, 0) - np.log1p(t)\n"),
}

BCE_STYLES = {
    "bce_softplus_minus_ys": swap("bce_loss", "losses = y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s)  # (N,)",
                                  "losses = np.logaddexp(0, s) - y * s  # softplus(s) - y s"),
    "bce_expit": swap("bce_loss", "p = np.exp(-np.logaddexp(0, -s))  # (N,): sigmoid(s) = exp(log sigmoid(s)), no overflow",
                      "from scipy.special import expit\n    p = expit(s)"),
    "bce_log1p_form": swap("bce_loss", "losses = y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s)  # (N,)",
                           "sp = np.maximum(s, 0) + np.log1p(np.exp(-np.abs(s)))  # softplus(s)\n    losses = sp - y * s"),
    "bce_matmul_operator": swap("bce_loss", "grad = X.T.dot(p - y) / num_train + 2 * reg * w  # (D,)",
                                "grad = (X.T @ (p - y)) / num_train + 2.0 * reg * w"),
    "bce_einsum_gradient": swap("bce_loss", "grad = X.T.dot(p - y) / num_train + 2 * reg * w  # (D,)",
                                "grad = np.einsum('nd,n->d', X, p - y) / num_train + 2 * reg * w"),
    "bce_dot_reg": swap("bce_loss", "loss = losses.mean() + reg * np.sum(w * w)", "loss = np.sum(losses) / num_train + reg * w.dot(w)"),
    "bce_float_labels": swap("bce_loss", "    s = X.dot(w)  # (N,)\n", "    y = y.astype(np.float64)\n    s = X.dot(w)  # (N,)\n"),
    "bce_margin_relabel": swap("bce_loss", "losses = y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s)  # (N,)",
                               "t = 2.0 * y - 1.0  # 0/1 -> -1/+1\n    losses = np.logaddexp(0, -t * s)"),
    "bce_where_branches": swap("bce_loss", "losses = y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s)  # (N,)",
                               "losses = np.where(y == 1, np.logaddexp(0, -s), np.logaddexp(0, s))"),
    "bce_tanh_probability": swap("bce_loss", "p = np.exp(-np.logaddexp(0, -s))  # (N,): sigmoid(s) = exp(log sigmoid(s)), no overflow",
                                 "p = 0.5 * (1 + np.tanh(0.5 * s))"),
}

NUMGRAD_STYLES = {
    "numgrad_nditer": '''def eval_numerical_gradient(f, x, h=1e-5):
    """Centered differences over np.nditer."""
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fp = f(x)
        x[ix] = old - h
        fm = f(x)
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
        it.iternext()
    return grad
''',
    "numgrad_flat_index": '''def eval_numerical_gradient(f, x, h=1e-5):
    """Centered differences over flat indices."""
    grad = np.zeros(x.shape, dtype=np.float64)
    for k in range(x.size):
        ix = np.unravel_index(k, x.shape)
        old = x[ix]
        x[ix] = old + h
        fp = float(f(x))
        x[ix] = old - h
        fm = float(f(x))
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
    return grad
''',
    "numgrad_ndenumerate": '''def eval_numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for ix, old in np.ndenumerate(x.copy()):
        x[ix] = old + h
        fp = f(x)
        x[ix] = old - h
        fm = f(x)
        x[ix] = old
        grad[ix] = (fp - fm) / (2.0 * h)
    return grad
''',
}
for _k, _tweak in enumerate(["grad[ix] = 0.5 * (f_plus - f_minus) / h", "grad[ix] = (f_plus - f_minus) / h / 2",
                             "grad[ix] = (f_plus - f_minus) * (0.5 / h)", "grad[ix] = np.subtract(f_plus, f_minus) / (2 * h)",
                             "grad[ix] = (f_plus / (2 * h)) - (f_minus / (2 * h))",
                             "grad[ix] = float(f_plus - f_minus) / (h + h)", "grad[ix] = (f_plus - f_minus) / 2 / h"]):
    NUMGRAD_STYLES[f"numgrad_variant_{_k}"] = swap("numerical_gradient", "grad[ix] = (f_plus - f_minus) / (2 * h)", _tweak)


def _gate(old: str, new: str) -> str:
    return swap("gates", old, new)


GATE_STYLES = {
    "gates_plain_dout": _gate("return dout * np.ones_like(x), dout * np.ones_like(y)", "return dout, dout"),
    "gates_broadcast_to": _gate("return dout * np.ones_like(x), dout * np.ones_like(y)",
                                "return np.broadcast_to(dout, np.shape(x)).copy(), np.broadcast_to(dout, np.shape(y)).copy()"),
    "gates_max_where": _gate("    x_wins = np.asarray(x >= y)\n    return dout * x_wins, dout * ~x_wins",
                             "    return np.where(x >= y, dout, 0.0), np.where(x >= y, 0.0, dout)"),
    "gates_max_split_ties": _gate("    x_wins = np.asarray(x >= y)\n    return dout * x_wins, dout * ~x_wins",
                                  "    share = (np.sign(np.asarray(x, dtype=float) - y) + 1) / 2  # 1, 1/2 at a tie, 0\n"
                                  "    return dout * share, dout * (1 - share)"),
    "gates_max_to_y_at_tie": _gate("    x_wins = np.asarray(x >= y)\n    return dout * x_wins, dout * ~x_wins",
                                   "    y_wins = np.asarray(y >= x)\n    return dout * ~y_wins, dout * y_wins"),
    "gates_sigmoid_expit": _gate("    q = sigmoid_forward(x)\n    return dout * q * (1 - q)",
                                 "    from scipy.special import expit\n\n    return dout * expit(x) * expit(-np.asarray(x))"),
    "gates_sigmoid_exp_log": _gate("    q = sigmoid_forward(x)\n    return dout * q * (1 - q)",
                                   "    x = np.asarray(x, dtype=float)\n    return dout * np.exp(-np.logaddexp(0, x) - np.logaddexp(0, -x))"),
    "gates_multiply_np": _gate("return dout * y, dout * x", "return np.multiply(dout, y), np.multiply(dout, x)"),
    "gates_add_np_add": _gate("    return x + y\n", "    return np.add(x, y)\n"),
    # Part A's sigmoid reused as the gate's forward pass: the alias has sigmoid's source.
    "gates_sigmoid_forward_alias": _gate(
        'def sigmoid_forward(x):\n    """q = sigmoid(x) (elementwise, no overflow)."""\n    x = np.asarray(x)\n'
        "    z = np.exp(-np.abs(x))  # never overflows\n    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))\n",
        "sigmoid_forward = sigmoid  # q = sigmoid(x): the gate is Part A's sigmoid\n"),
    "gates_max_float_mask": _gate("    x_wins = np.asarray(x >= y)\n    return dout * x_wins, dout * ~x_wins",
                                  "    m = (np.asarray(x) >= np.asarray(y)).astype(float)\n    return dout * m, dout * (1.0 - m)"),
}

STAGED_STYLES = {
    "staged_tuple_cache": swap("staged_bce", 'cache = {"w": w, "X": X, "y": y, "reg": reg, "s": s}', "cache = (w, X, y, reg, s)").replace(
        'w, X, y, reg, s = cache["w"], cache["X"], cache["y"], cache["reg"], cache["s"]', "w, X, y, reg, s = cache"),
    # The task allows "a tuple or a dict": a namedtuple is a tuple, read by attribute. It stays the
    # student's object between bce_forward and bce_backward (the sandbox keeps it for the grader).
    "staged_namedtuple_cache": 'from collections import namedtuple\n\nBCECache = namedtuple("BCECache", "w X y reg s")\n\n\n' + swap(
        "staged_bce", 'cache = {"w": w, "X": X, "y": y, "reg": reg, "s": s}', "cache = BCECache(w, X, y, reg, s)").replace(
        'w, X, y, reg, s = cache["w"], cache["X"], cache["y"], cache["reg"], cache["s"]',
        "w, X, y, reg, s = cache.w, cache.X, cache.y, cache.reg, cache.s"),
    "staged_cache_probabilities": swap("staged_bce", 'cache = {"w": w, "X": X, "y": y, "reg": reg, "s": s}',
                                       'cache = {"w": w, "X": X, "y": y, "reg": reg, "s": s, "p": np.exp(a)}').replace(
        "    sig_s = np.exp(-np.logaddexp(0, -s))  # sigmoid(s), stable\n", '    sig_s = cache["p"]\n'),
    "staged_expit": swap("staged_bce", "    sig_s = np.exp(-np.logaddexp(0, -s))  # sigmoid(s), stable\n",
                         "    from scipy.special import expit\n    sig_s = expit(s)\n"),
    "staged_collapsed_ds": swap("staged_bce", "d_s = d_a * (1 - sig_s) + d_b * (-sig_s)", "d_s = (sig_s - y) / num_train"),
    "staged_einsum": swap("staged_bce", "d_w = X.T.dot(d_s)  # from the scores s = X w", "d_w = np.einsum('nd,n->d', X, d_s)"),
    "staged_mean_gate_scalar": swap("staged_bce", "d_per_example = d_data * np.full(num_train, 1 / num_train)  # the mean",
                                    "d_per_example = d_data / num_train"),
    "staged_log_expit": swap("staged_bce", "    a = -np.logaddexp(0, -s)  # (N,) log sigmoid(s)\n    b = -np.logaddexp(0, s)  # (N,) log sigmoid(-s)\n",
                             "    from scipy.special import log_expit\n    a = log_expit(s)\n    b = log_expit(-s)\n"),
    "staged_sum_then_divide": swap("staged_bce", "data_loss = per_example.mean()", "data_loss = per_example.sum() / X.shape[0]"),
    "staged_copy_cache": swap("staged_bce", 'cache = {"w": w, "X": X, "y": y, "reg": reg, "s": s}',
                              'cache = {"w": w.copy(), "X": X, "y": y.copy(), "reg": float(reg), "s": s}'),
    "staged_one_minus_sigma_as_sigma_neg": swap("staged_bce", "d_s = d_a * (1 - sig_s) + d_b * (-sig_s)",
                                                "d_s = d_a * np.exp(-np.logaddexp(0, s)) - d_b * sig_s"),
}

NEWTON_STYLES = {
    "newton_einsum": swap("newton", "H = (X * weights[:, np.newaxis]).T.dot(X) / X.shape[0]  # (D, D): rows of X scaled, never the N x N S",
                          "H = np.einsum('nd,n,ne->de', X, weights, X) / X.shape[0]"),
    "newton_sqrt_weights": swap("newton", "H = (X * weights[:, np.newaxis]).T.dot(X) / X.shape[0]  # (D, D): rows of X scaled, never the N x N S",
                                "B = X * np.sqrt(weights)[:, None]\n    H = B.T @ B / X.shape[0]"),
    "newton_cho_solve": swap("newton", "return w - np.linalg.solve(hess, grad)",
                             "from scipy.linalg import cho_factor, cho_solve\n\n    return w - cho_solve(cho_factor(hess), grad)"),
    "newton_lstsq": swap("newton", "return w - np.linalg.solve(hess, grad)", "return w - np.linalg.lstsq(hess, grad, rcond=None)[0]"),
    "newton_scipy_solve": swap("newton", "return w - np.linalg.solve(hess, grad)",
                               "import scipy.linalg\n\n    return w - scipy.linalg.solve(hess, grad, assume_a='pos')"),
    "newton_expit_weights": swap("newton", "p = np.exp(-np.logaddexp(0, -s))  # sigmoid(s) without overflow",
                                 "from scipy.special import expit\n    p = expit(s)"),
    "newton_weights_product": swap("newton", "weights = p * (1 - p)  # (N,) the diagonal of S",
                                   "weights = np.exp(-np.logaddexp(0, -s) - np.logaddexp(0, s))  # sigma(s) sigma(-s)"),
    "newton_fill_diagonal": swap("newton", "    return H + 2 * reg * np.eye(X.shape[1])",
                                 "    H = H.copy()\n    H[np.diag_indices_from(H)] += 2 * reg\n    return H"),
    "newton_delta_variable": swap("newton", "return w - np.linalg.solve(hess, grad)",
                                  "delta = np.linalg.solve(hess, grad[:, None])[:, 0]\n    return w - delta"),
    "newton_matmul_transpose": swap("newton", "H = (X * weights[:, np.newaxis]).T.dot(X) / X.shape[0]  # (D, D): rows of X scaled, never the N x N S",
                                    "H = (X.T * weights) @ X / len(X)"),
}

TRAINING_BODY = '''for reg in (1e-2, 3e-2, 1e-1):
    res = minimize(bce_loss, np.zeros(X_train.shape[1]), args=(X_train, y_train, reg), jac=True, method="L-BFGS-B")
    w = res.x
    train_acc = float(np.mean((X_train @ w > 0) == y_train))
    val_acc = float(np.mean((X_val @ w > 0) == y_val))
    results[reg] = (train_acc, val_acc)
    if val_acc > best_val:
        best_reg, best_val, best_w = reg, val_acc, w'''
TRAINING_STYLES = {
    "training_two_regs": swap("training", "for reg in (1e-2, 3e-2, 1e-1):", "for reg in (3e-2, 1e-1):"),
    "training_five_regs": swap("training", "for reg in (1e-2, 3e-2, 1e-1):", "for reg in np.geomspace(1e-2, 1e-1, 5):"),
    "training_cg": swap("training", 'jac=True, method="L-BFGS-B")', 'jac=True, method="CG", options={"gtol": 1e-6})'),
    "training_tight_lbfgs": swap("training", 'jac=True, method="L-BFGS-B")', 'jac=True, method="L-BFGS-B", options={"gtol": 1e-8})'),
    "training_predict_probability": swap("training", "val_acc = float(np.mean((X_val @ w > 0) == y_val))",
                                         "val_acc = float(np.mean((sigmoid(X_val @ w) > 0.5) == y_val))"),
    "training_sklearn": swap("training", '''    res = minimize(bce_loss, np.zeros(X_train.shape[1]), args=(X_train, y_train, reg), jac=True, method="L-BFGS-B")
    w = res.x''', '''    clf = LogisticRegression(C=1 / (2 * len(y_train) * reg), fit_intercept=False, tol=1e-8, max_iter=2000)
    w = clf.fit(X_train, y_train).coef_[0].astype(np.float64)'''),
    "training_small_start": swap("training", "np.zeros(X_train.shape[1]), args", "1e-3 * np.random.default_rng(SEED).standard_normal(X_train.shape[1]), args"),
    "training_ge_keeps_last_tie": swap("training", "if val_acc > best_val:", "if val_acc >= best_val:"),
    "training_float_keys": swap("training", "results[reg] = (train_acc, val_acc)", "results[float(reg)] = (train_acc, val_acc)"),
    "training_lambda_wrapper": swap("training", "res = minimize(bce_loss, np.zeros(X_train.shape[1]), args=(X_train, y_train, reg), jac=True,",
                                    "res = minimize(lambda v, r=reg: bce_loss(v, X_train, y_train, r), np.zeros(X_train.shape[1]), jac=True,"),
}

_FAMILIES = [("sigmoid_functions", SIGMOID_STYLES, SIGMOID), ("bce_loss", BCE_STYLES, BCE),
             ("numerical_gradient", NUMGRAD_STYLES, NUMGRAD), ("gates", GATE_STYLES, GATES),
             ("staged_bce", STAGED_STYLES, STAGED), ("newton", NEWTON_STYLES, NEWTON),
             ("training", TRAINING_STYLES, TRAINING)]
RIGHT = [Entry(name, f"right: {name.replace('_', ' ')}", {cell: src}, keeps=tests)
         for cell, styles, tests in _FAMILIES for name, src in styles.items()]
