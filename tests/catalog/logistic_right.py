# ruff: noqa: E501  (answer-cell sources written out as data: reflowing them would change the code under test)
"""Right implementations of the logistic assignment, each written in its own style.

Every entry is correct by the notebook's contract and must keep full marks in the tests of the
answer cell it replaces. They differ in what tests tend to over-specify: SciPy's expit /
log_expit against hand-written stable forms, np.logaddexp against log1p, np.where against masks,
both branches of a np.where computed with the discarded overflow silenced, dtypes kept or
promoted, variables named like built-ins (``ex``, ``vars``, ``compile``, ``iter``), aliases and
lambdas, gates returning arrays or numbers, caches as tuples, dicts, lists, namedtuples,
dataclasses or objects, Hessians by einsum, by scaled rows, by sqrt-weights or a sparse diagonal,
solves by np.linalg.solve, Cholesky, LU, QR, eigen- or singular value decompositions, and
training by other optimisers, grids and bookkeeping.

Each answer cell has 16 entries, and each entry rewrites every function of its cell (so each
function has 16 differently written versions, and the 16 right bundles hold one entry per cell).
"""

from __future__ import annotations

from .harness import Entry, cell
from .logistic_wrong import BCE, GATES, NEWTON, NUMGRAD, SIGMOID, STAGED, TRAINING, swap


def _define(name: str, params: str, doc: str, body: str) -> str:
    """A top-level function: ``def name(params)`` with ``doc`` and ``body``, or, for a body that starts
    with ``=``, the assignment ``name = ...`` (an alias or a lambda)."""
    if body.startswith("="):
        return f"{name} {body}"
    return f'def {name}({params}):\n    """{doc}"""\n{body.rstrip()}\n'


# -- sigmoid_functions --------------------------------------------------------------------------------

_SIG_DOC = "Logistic sigmoid 1 / (1 + exp(-s)), elementwise, without overflow."
_LOG_DOC = "log(sigmoid(s)) = -log(1 + exp(-s)), elementwise, accurate for any finite s."
_SIG_SOLUTION = ("    s = np.asarray(s)\n    z = np.exp(-np.abs(s))  # in (0, 1]: the exponent is never positive\n"
                 "    return np.where(s >= 0, 1 / (1 + z), z / (1 + z))\n")
_LOG_SOLUTION = "    s = np.asarray(s)\n    return np.minimum(s, 0) - np.log1p(np.exp(-np.abs(s)))  # -log(1 + e^-s), both branches at once\n"


def _sig(sig_body: str | None = None, log_body: str | None = None, head: str = "") -> str:
    """The sigmoid cell with either function's body (or binding) replaced; None keeps the solution's."""
    return head + cell(_define("sigmoid", "s", _SIG_DOC, _SIG_SOLUTION if sig_body is None else sig_body),
                       _define("log_sigmoid", "s", _LOG_DOC, _LOG_SOLUTION if log_body is None else log_body))


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
    # Part A's log-sigmoid kept: only the sigmoid is rewritten, as exp of it.
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
                                      "    return np.where(z >= 0, 1 / (1 + ex), ex / (1 + ex))\n",
                                      "    z = np.asarray(s)\n    ex = np.exp(-np.abs(z))\n    return np.minimum(z, 0) - np.log1p(ex)\n"),
    "sigmoid_piecewise_where_log": _sig("    s = np.asarray(s)\n    neg = np.exp(np.minimum(s, 0))\n    pos = np.exp(-np.maximum(s, 0))\n"
                                        "    return neg / (neg + pos)\n",
                                        "    s = np.asarray(s)\n    t = np.exp(-np.abs(s))\n    return np.where(s < 0, s, 0) - np.log1p(t)\n"),
    # exp(1000) = inf, and 1 / (1 + inf) = 0 is the right value: silencing that overflow changes nothing.
    "sigmoid_literal_overflow_silenced": _sig('    with np.errstate(over="ignore"):\n        return 1 / (1 + np.exp(-np.asarray(s)))\n',
                                              "    vars = np.asarray(s)  # a variable named like the built-in\n    return -np.logaddexp(0, -vars)\n"),
    # Both branches of np.where are computed; the overflow of the discarded one is silenced, its value never used.
    "sigmoid_where_both_branches_silenced": _sig(
        "    s = np.asarray(s)\n    with np.errstate(over=\"ignore\", invalid=\"ignore\"):\n"
        "        return np.where(s >= 0, 1 / (1 + np.exp(-s)), np.exp(s) / (1 + np.exp(s)))\n",
        "    s = np.asarray(s)\n    with np.errstate(over=\"ignore\"):\n"
        "        return np.where(s >= 0, -np.log1p(np.exp(-s)), s - np.log1p(np.exp(s)))\n"),
    "sigmoid_names_compile_iter": _sig("    compile = np.asarray(s, dtype=float)\n    iter = np.exp(-np.abs(compile))\n"
                                       "    return np.where(compile < 0, iter, 1.0) / (1.0 + iter)\n",
                                       "    iter = np.asarray(s)\n    return np.minimum(iter, 0.0) - np.log1p(np.exp(-np.abs(iter)))\n"),
    # float32 in, float32 out, computed in float32 throughout.
    "sigmoid_float32_kept": _sig("    s = np.asarray(s)\n    one = np.ones((), dtype=np.result_type(s, np.float32))\n    z = np.exp(-np.abs(s))\n"
                                 "    return np.where(s >= 0, one / (one + z), z / (one + z))\n",
                                 "    s = np.asarray(s)\n    kind = np.result_type(s, np.float32)\n"
                                 "    return (np.minimum(s, 0) - np.log1p(np.exp(-np.abs(s)))).astype(kind, copy=False)\n"),
    "sigmoid_lambdas": _sig("= lambda s: np.exp(-np.logaddexp(0, -np.asarray(s, dtype=float)))  # sigmoid = exp(log sigmoid)\n",
                            "= lambda s: -np.logaddexp(0.0, -np.asarray(s, dtype=np.float64))\n"),
}

# -- bce_loss -----------------------------------------------------------------------------------------

_LOSSES = "losses = y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s)  # (N,)"
_P = "p = np.exp(-np.logaddexp(0, -s))  # (N,): sigmoid(s) = exp(log sigmoid(s)), no overflow"
_GRAD = "grad = X.T.dot(p - y) / num_train + 2 * reg * w  # (D,)"
BCE_STYLES = {
    "bce_softplus_minus_ys": swap("bce_loss", _LOSSES, "losses = np.logaddexp(0, s) - y * s  # softplus(s) - y s"),
    "bce_expit": swap("bce_loss", _P, "from scipy.special import expit\n    p = expit(s)"),
    "bce_log1p_form": swap("bce_loss", _LOSSES, "sp = np.maximum(s, 0) + np.log1p(np.exp(-np.abs(s)))  # softplus(s)\n    losses = sp - y * s"),
    "bce_matmul_operator": swap("bce_loss", _GRAD, "grad = (X.T @ (p - y)) / num_train + 2.0 * reg * w"),
    "bce_einsum_gradient": swap("bce_loss", _GRAD, "grad = np.einsum('nd,n->d', X, p - y) / num_train + 2 * reg * w"),
    "bce_dot_reg": swap("bce_loss", "loss = losses.mean() + reg * np.sum(w * w)", "loss = np.sum(losses) / num_train + reg * w.dot(w)"),
    "bce_float_labels": swap("bce_loss", "    s = X.dot(w)  # (N,)\n", "    y = y.astype(np.float64)\n    s = X.dot(w)  # (N,)\n"),
    "bce_margin_relabel": swap("bce_loss", _LOSSES, "t = 2.0 * y - 1.0  # 0/1 -> -1/+1, in a new array\n    losses = np.logaddexp(0, -t * s)"),
    "bce_where_branches": swap("bce_loss", _LOSSES, "losses = np.where(y == 1, np.logaddexp(0, -s), np.logaddexp(0, s))"),
    "bce_tanh_probability": swap("bce_loss", _P, "p = 0.5 * (1 + np.tanh(0.5 * s))"),
    # Part A's functions, as Part B invites.
    "bce_log_sigmoid_reuse": swap("bce_loss", _LOSSES, "losses = -(y * log_sigmoid(s) + (1 - y) * log_sigmoid(-s))").replace(_P, "p = sigmoid(s)"),
    "bce_names_vars_iter": '''def bce_loss(w, X, y, reg):
    """Mean binary cross-entropy plus L2, and its gradient (variables named like built-ins)."""
    vars = X @ w  # the scores
    iter = np.logaddexp(0, vars) - y * vars  # per-example losses
    compile = np.exp(-np.logaddexp(0, -vars))  # sigmoid of the scores
    return float(iter.mean() + reg * np.sum(w**2)), X.T @ (compile - y) / len(y) + 2 * reg * w
''',
    # float32 data: the scores, the loss and the gradient stay float32.
    "bce_float32_kept": '''def bce_loss(w, X, y, reg):
    """Mean binary cross-entropy plus L2 and its gradient, in the dtype of X and w."""
    dtype = np.result_type(X, w)
    s = X.dot(w)
    labels = np.asarray(y, dtype=dtype)
    loss = np.mean(np.logaddexp(0, s) - labels * s, dtype=dtype) + reg * np.dot(w, w)
    p = np.exp(-np.logaddexp(0, -s)).astype(dtype, copy=False)
    grad = (X.T.dot(p - labels) / X.shape[0] + 2 * reg * w).astype(dtype, copy=False)
    return float(loss), grad
''',
    "bce_signed_scores": swap("bce_loss", _LOSSES, "losses = np.logaddexp(0, np.where(y == 1, -s, s))"),
    # One number as a 0-d array is accepted as "one float" (only an array with a dimension is not).
    "bce_zero_d_array_loss": swap("bce_loss", "return float(loss), grad", "return np.asarray(loss), grad"),
    "bce_mean_of_rows_gradient": swap("bce_loss", _GRAD, "grad = np.mean(X * (p - y)[:, None], axis=0) + 2 * reg * w"),
}

# -- numerical_gradient -------------------------------------------------------------------------------

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
    "numgrad_itertools_product": '''import itertools


def eval_numerical_gradient(f, x, h=1e-5):
    """Centered differences over every index tuple, from itertools.product."""
    grad = np.zeros(x.shape)
    for ix in itertools.product(*(range(n) for n in x.shape)):
        saved = x[ix]
        x[ix] = saved + h
        up = f(x)
        x[ix] = saved - h
        down = f(x)
        x[ix] = saved
        grad[ix] = (up - down) / (2 * h)
    return grad
''',
    "numgrad_flat_iterator": '''def eval_numerical_gradient(f, x, h=1e-5):
    """Centered differences through x.flat, which writes into x whatever its layout."""
    grad = np.zeros(x.size)
    for k in range(x.size):
        old = x.flat[k]
        x.flat[k] = old + h
        fp = f(x)
        x.flat[k] = old - h
        fm = f(x)
        x.flat[k] = old
        grad[k] = (fp - fm) / (2 * h)
    return grad.reshape(x.shape)
''',
    # Variables named like built-ins: names, not dynamic binding.
    "numgrad_names_iter_vars_compile": '''def eval_numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=np.float64)
    for iter in np.ndindex(*x.shape):
        vars = x[iter]
        x[iter] = vars + h
        compile = f(x)
        x[iter] = vars - h
        grad[iter] = (compile - f(x)) / (2 * h)
        x[iter] = vars
    return grad
''',
    "numgrad_while_loop": '''def eval_numerical_gradient(f, x, h=1e-5):
    """Centered differences, one flat index after another in a while loop."""
    grad = np.zeros(x.shape)
    k = 0
    while k < x.size:
        ix = np.unravel_index(k, x.shape)
        old = x[ix].copy()
        x[ix] = old + h
        fp = f(x)
        x[ix] = old - h
        fm = f(x)
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
        k += 1
    return grad
''',
    "numgrad_float_old": swap("numerical_gradient", "        old = x[ix]\n", "        old = float(x[ix])  # exact: a float64 entry\n"),
    "numgrad_try_finally": '''def eval_numerical_gradient(f, x, h=1e-5):
    """Centered differences; each entry restored in a finally block, even if f raises."""
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        try:
            x[ix] = old + h
            f_plus = f(x)
            x[ix] = old - h
            f_minus = f(x)
        finally:
            x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)
    return grad
''',
}
for _k, _tweak in enumerate(["grad[ix] = 0.5 * (f_plus - f_minus) / h", "grad[ix] = (f_plus - f_minus) / h / 2",
                             "grad[ix] = (f_plus - f_minus) * (0.5 / h)", "grad[ix] = np.subtract(f_plus, f_minus) / (2 * h)",
                             "grad[ix] = (f_plus / (2 * h)) - (f_minus / (2 * h))",
                             "grad[ix] = float(f_plus - f_minus) / (h + h)", "grad[ix] = (f_plus - f_minus) / 2 / h"]):
    NUMGRAD_STYLES[f"numgrad_variant_{_k}"] = swap("numerical_gradient", "grad[ix] = (f_plus - f_minus) / (2 * h)", _tweak)

# -- gates --------------------------------------------------------------------------------------------

_GATE_SIGNATURES = {
    "add_forward": ("x, y", "q = x + y."),
    "add_backward": ("x, y, dout", "Gradients (dx, dy) of q = x + y, given dout = dL/dq: the add gate distributes dout."),
    "multiply_forward": ("x, y", "q = x * y (elementwise)."),
    "multiply_backward": ("x, y, dout", "Gradients (dx, dy) of q = x * y, given dout = dL/dq: each input gets dout times the other."),
    "max_forward": ("x, y", "q = max(x, y) (elementwise)."),
    "max_backward": ("x, y, dout", "Gradients (dx, dy) of q = max(x, y), given dout: dout goes to the larger input."),
    "sigmoid_forward": ("x", "q = sigmoid(x) (elementwise, no overflow)."),
    "sigmoid_backward": ("x, dout", "Gradient dx of q = sigmoid(x), given dout: dout * q * (1 - q)."),
}


def _gates(head: str = "", **bodies: str) -> str:
    """A gates cell: each gate's body (or binding) from ``bodies``, ``head`` (imports) first."""
    assert set(bodies) == set(_GATE_SIGNATURES), sorted(set(_GATE_SIGNATURES) ^ set(bodies))
    return head + cell(*(_define(name, params, doc, bodies[name]) for name, (params, doc) in _GATE_SIGNATURES.items()))


GATE_STYLES = {
    "gates_numpy_ufuncs": _gates(
        add_forward="    return np.add(x, y)\n",
        add_backward="    return np.multiply(1.0, dout), np.multiply(1.0, dout)\n",
        multiply_forward="    return np.multiply(x, y)\n",
        multiply_backward="    return np.multiply(dout, y), np.multiply(dout, x)\n",
        max_forward="    return np.fmax(x, y)\n",
        max_backward="    x_wins = np.greater_equal(x, y)\n    return np.multiply(dout, x_wins), np.multiply(dout, np.logical_not(x_wins))\n",
        sigmoid_forward="    from scipy.special import expit\n\n    return expit(x)\n",
        sigmoid_backward="    from scipy.special import expit\n\n    return dout * expit(x) * expit(-np.asarray(x))\n"),
    "gates_plain_dout": _gates(
        add_forward="    return y + x\n",
        add_backward="    return dout, dout\n",
        multiply_forward="    return y * x\n",
        multiply_backward="    return y * dout, x * dout\n",
        max_forward="    return np.where(x >= y, x, y)\n",
        max_backward="    return np.where(x >= y, dout, 0.0), np.where(x >= y, 0.0, dout)\n",
        sigmoid_forward="    x = np.asarray(x, dtype=float)\n    return np.exp(-np.logaddexp(0.0, -x))\n",
        sigmoid_backward="    x = np.asarray(x, dtype=float)\n    return dout * np.exp(-np.logaddexp(0, x) - np.logaddexp(0, -x))\n"),
    "gates_broadcast_to": _gates(
        add_forward="    q = x + y\n    return q\n",
        add_backward="    return np.broadcast_to(dout, np.shape(x)).copy(), np.broadcast_to(dout, np.shape(y)).copy()\n",
        multiply_forward="    q = x * y\n    return q\n",
        multiply_backward="    dx = dout * y\n    dy = dout * x\n    return dx, dy\n",
        max_forward="    return np.max(np.stack([x, y]), axis=0)\n",
        max_backward="    share = (np.sign(np.asarray(x, dtype=float) - y) + 1) / 2  # 1, 1/2 at a tie, 0\n"
                     "    return dout * share, dout * (1 - share)\n",
        sigmoid_forward="    return 0.5 * (1 + np.tanh(0.5 * np.asarray(x)))\n",
        sigmoid_backward="    q = sigmoid_forward(x)\n    return dout * (q - q * q)\n"),
    # Lambdas, and Part A's sigmoid reused: the grader reads each binding's own source.
    "gates_lambdas": _gates(
        add_forward="= lambda x, y: x + y\n",
        add_backward="= lambda x, y, dout: (dout, dout)\n",
        multiply_forward="= lambda x, y: x * y\n",
        multiply_backward="= lambda x, y, dout: (dout * y, dout * x)\n",
        max_forward="= lambda x, y: np.maximum(x, y)\n",
        max_backward="= lambda x, y, dout: (np.where(x >= y, dout, 0.0), np.where(x >= y, 0.0, dout))\n",
        sigmoid_forward="= lambda x: np.exp(-np.logaddexp(0, -np.asarray(x)))\n",
        sigmoid_backward="= lambda x, dout: dout * sigmoid_forward(x) * sigmoid_forward(-np.asarray(x))\n"),
    "gates_sigmoid_forward_alias": _gates(
        add_forward="    return np.asarray(x) + np.asarray(y)\n",
        add_backward="    dx = dout * 1.0\n    dy = dout * 1.0\n    return dx, dy\n",
        multiply_forward="    return np.asarray(x) * np.asarray(y)\n",
        multiply_backward="    local_x, local_y = y, x  # the gate swaps its inputs\n    return dout * local_x, dout * local_y\n",
        max_forward="    return np.maximum(y, x)\n",
        max_backward="    y_wins = np.asarray(y >= x)\n    return dout * ~y_wins, dout * y_wins\n",
        sigmoid_forward="= sigmoid  # q = sigmoid(x): the gate is Part A's sigmoid\n",
        sigmoid_backward="    q = sigmoid(x)\n    local = q * (1 - q)\n    return local * dout\n"),
    "gates_builtin_sum": _gates(
        add_forward="    return sum((x, y))\n",
        add_backward="    return np.copy(dout), np.copy(dout)\n",
        multiply_forward="    return np.prod(np.stack([x, y]), axis=0)\n",
        multiply_backward="    return np.asarray(dout) * y, np.asarray(dout) * x\n",
        max_forward="    q = np.maximum(x, y)\n    return q\n",
        max_backward="    m = (np.asarray(x) >= np.asarray(y)).astype(float)\n    return dout * m, dout * (1.0 - m)\n",
        sigmoid_forward="    return sigmoid(x)\n",
        sigmoid_backward="    return dout * 0.25 / np.cosh(np.asarray(x) / 2) ** 2  # sigma (1 - sigma) = sech^2(x / 2) / 4\n"),
    "gates_negations": _gates(
        add_forward="    return x - (-y)\n",
        add_backward="    return np.ones_like(x) * dout, np.ones_like(y) * dout\n",
        multiply_forward="    return np.negative(-x * y)\n",
        multiply_backward="    grads = (dout * y, dout * x)\n    return grads\n",
        max_forward="    return np.maximum.reduce([x, y])\n",
        max_backward="    dx = np.where(x > y, dout, 0.0)\n    dy = dout - dx  # a tie sends dout to y\n    return dx, dy\n",
        sigmoid_forward="    x = np.asarray(x)\n    e = np.exp(-np.abs(x))\n    return np.where(x >= 0, 1.0, e) / (1.0 + e)\n",
        sigmoid_backward="    z = np.exp(-np.abs(np.asarray(x)))\n    return dout * z / (1 + z) ** 2\n"),
    "gates_reduce": _gates(
        head="import functools\n\n\n",
        add_forward="    return np.add.reduce([x, y])\n",
        add_backward="    local = 1.0\n    return local * dout, local * dout\n",
        multiply_forward="    return np.multiply.reduce([x, y])\n",
        multiply_backward="    return np.multiply(y, dout), np.multiply(x, dout)\n",
        max_forward="    return functools.reduce(np.maximum, (x, y))\n",
        max_backward="    w = np.heaviside(np.subtract(x, y), 0.5)  # 1, 1/2 at a tie, 0\n    return dout * w, dout * (1 - w)\n",
        sigmoid_forward="    x = np.asarray(x)\n    neg, pos = np.exp(np.minimum(x, 0)), np.exp(-np.maximum(x, 0))\n    return neg / (neg + pos)\n",
        sigmoid_backward="    q = sigmoid_forward(x)\n    return np.multiply(dout, q * (1.0 - q))\n"),
    "gates_stack_sum": _gates(
        add_forward="    return np.sum(np.stack([x, y]), axis=0)\n",
        add_backward="    return np.asarray(dout).copy(), np.asarray(dout).copy()\n",
        multiply_forward="    return np.multiply(y, x)\n",
        multiply_backward="    return dout * np.asarray(y), dout * np.asarray(x)\n",
        max_forward="    return np.amax([x, y], axis=0)\n",
        max_backward="    vars = np.asarray(x) >= y  # a variable named like the built-in\n    return dout * vars, dout - dout * vars\n",
        sigmoid_forward="    x = np.asarray(x)\n    with np.errstate(over=\"ignore\", invalid=\"ignore\"):  # the discarded branch may overflow\n"
                        "        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))\n",
        sigmoid_backward="    return dout * np.exp(log_sigmoid(x) + log_sigmoid(-np.asarray(x)))\n"),
    "gates_operator_module": _gates(
        head="import operator\n\n\n",
        add_forward="    return operator.add(x, y)\n",
        add_backward="    g = np.array(dout, dtype=float)\n    return g, g.copy()\n",
        multiply_forward="    return operator.mul(x, y)\n",
        multiply_backward="    return operator.mul(dout, y), operator.mul(dout, x)\n",
        max_forward="    return np.clip(y, x, None)  # y raised to at least x\n",
        max_backward="    return dout * (x >= y), dout * (x < y)\n",
        sigmoid_forward="    import scipy.special\n\n    return scipy.special.expit(np.asarray(x))\n",
        sigmoid_backward="    iter = sigmoid_forward(x)  # variables named like built-ins\n    vars = 1 - iter\n    return dout * iter * vars\n"),
    "gates_float64": _gates(
        add_forward="    out = np.add(x, y, dtype=np.float64)\n    return out\n",
        add_backward="    return (dout,) * 2\n",
        multiply_forward="    return np.multiply(x, y, dtype=np.float64)\n",
        multiply_backward="    d = np.array(dout, dtype=float)\n    return d * y, d * x\n",
        max_forward="    return np.maximum(x, y, dtype=np.float64)\n",
        max_backward="    mask = np.asarray(x >= y, dtype=float)\n    return mask * dout, (1.0 - mask) * dout\n",
        sigmoid_forward="    return np.exp(log_sigmoid(x))\n",
        sigmoid_backward="    q = sigmoid_forward(x)\n    one_minus_q = sigmoid_forward(-np.asarray(x))\n    return dout * q * one_minus_q\n"),
    "gates_zeros_like": _gates(
        add_forward="    return np.subtract(x, np.negative(y))\n",
        add_backward="    return dout + np.zeros_like(x), dout + np.zeros_like(y)\n",
        multiply_forward="    return x * y * 1.0\n",
        multiply_backward="    return dout * y + 0.0, dout * x + 0.0\n",
        max_forward="    return (x + y + np.abs(x - y)) / 2\n",
        max_backward="    winner = np.argmax(np.stack([y, x]), axis=0)  # 1 where x is larger; a tie goes to y\n"
                     "    return dout * winner, dout * (1 - winner)\n",
        sigmoid_forward="    ex = np.exp(-np.abs(np.asarray(x)))  # a variable named ex\n    return np.where(np.asarray(x) < 0, ex, 1.0) / (1.0 + ex)\n",
        sigmoid_backward="    s = np.abs(np.asarray(x))\n    return dout * np.exp(-s - 2 * np.log1p(np.exp(-s)))\n"),
    "gates_builtin_names": _gates(
        add_forward="    vars = x + y\n    return vars\n",
        add_backward="    iter = np.asarray(dout)\n    return iter, iter\n",
        multiply_forward="    vars = np.multiply(x, y)\n    return vars\n",
        multiply_backward="    compile = dout * y\n    return compile, dout * x\n",
        max_forward="    iter = np.asarray(x)\n    return np.maximum(iter, y)\n",
        max_backward="    return np.where(x >= y, dout, np.zeros_like(dout)), np.where(x >= y, np.zeros_like(dout), dout)\n",
        sigmoid_forward="    z = np.asarray(x)\n    return 0.5 + 0.5 * np.tanh(z / 2)\n",
        sigmoid_backward="    t = np.tanh(np.asarray(x) / 2)\n    return dout * (1 - t * t) / 4\n"),
    "gates_full_like": _gates(
        add_forward="    return np.add(y, x)\n",
        add_backward="    return np.full_like(x, 1.0) * dout, np.full_like(y, 1.0) * dout\n",
        multiply_forward="    return np.asarray(x * y)\n",
        multiply_backward="    swapped = (y, x)\n    return dout * swapped[0], dout * swapped[1]\n",
        max_forward="    return np.asarray(np.maximum(x, y))\n",
        max_backward="    x_wins = np.asarray(np.maximum(x, y) == x)\n    return dout * x_wins, dout * ~x_wins\n",
        sigmoid_forward="    x = np.asarray(x)\n    z = np.exp(-np.abs(x))\n    return 0.5 + np.copysign(0.5, x) * (1 - z) / (1 + z)\n",
        sigmoid_backward="    from scipy.special import expit\n\n    q = expit(x)\n    return dout * q * (1 - q)\n"),
    "gates_float32_kept": _gates(
        add_forward="    return 1.0 * x + y\n",
        add_backward="    d = dout\n    return d, d\n",
        multiply_forward="    return np.prod([x, y], axis=0)\n",
        multiply_backward="    return dout * y, x * dout\n",
        max_forward="    mask = np.asarray(x > y)\n    return np.where(mask, x, y)\n",
        max_backward="    keep = np.less(y, x) | np.equal(x, y)\n    return np.where(keep, dout, 0.0), np.where(keep, 0.0, dout)\n",
        sigmoid_forward="    x = np.asarray(x)\n    one = np.ones((), dtype=np.result_type(x, np.float32))\n    z = np.exp(-np.abs(x))\n"
                        "    return np.where(x >= 0, one / (one + z), z / (one + z))\n",
        sigmoid_backward="    q = np.asarray(sigmoid_forward(x))\n    return np.asarray(dout) * q * (1 - q)\n"),
    "gates_positive": _gates(
        add_forward="    return np.positive(x) + y\n",
        add_backward="    return np.positive(dout), np.positive(dout)\n",
        multiply_forward="    return np.multiply(np.positive(x), y)\n",
        multiply_backward="    d = np.positive(dout)\n    return d * y, d * x\n",
        max_forward="    return np.where(np.greater(x, y), x, y)\n",
        max_backward="    return np.select([x >= y], [dout], 0.0), np.select([x < y], [dout], 0.0)\n",
        sigmoid_forward="    return 1.0 / (1.0 + np.exp(np.clip(-np.asarray(x, dtype=float), -700, 700)))  # exp(700) is finite\n",
        sigmoid_backward="    e = np.exp(-np.abs(np.asarray(x)))\n    return dout * (e / (1 + e)) * (1 / (1 + e))\n"),
}

# -- staged_bce ---------------------------------------------------------------------------------------

_FWD_DOC = "Forward pass of J(w) = mean binary cross-entropy + reg * |w|^2, keeping the intermediates."
_BWD_DOC = "Backward pass of bce_forward: the gradient of J with respect to w, shape (D,), from the cache alone."


def _staged(forward: str, backward: str, head: str = "") -> str:
    return head + cell(_define("bce_forward", "w, X, y, reg", _FWD_DOC, forward),
                       _define("bce_backward", "cache", _BWD_DOC, backward))


# The stages of the forward pass, written one way or another, and the chain rule back through them.
STAGED_STYLES = {
    "staged_tuple_cache": _staged(
        "    s = X.dot(w)\n    a = -np.logaddexp(0, -s)\n    b = -np.logaddexp(0, s)\n"
        "    loss = -(y * a + (1 - y) * b).mean() + reg * np.sum(w * w)\n    return float(loss), (w, X, y, reg, s)\n",
        "    w, X, y, reg, s = cache\n    n = X.shape[0]\n    d_a, d_b = -y / n, -(1 - y) / n\n"
        "    sig = np.exp(-np.logaddexp(0, -s))\n    d_s = d_a * (1 - sig) - d_b * sig\n    return X.T.dot(d_s) + 2 * reg * w\n"),
    # The task allows "a tuple or a dict": a namedtuple is a tuple, read by attribute. It stays the
    # student's object between bce_forward and bce_backward (the sandbox keeps it for the grader).
    "staged_namedtuple_cache": _staged(
        "    s = X @ w\n    a, b = -np.logaddexp(0, -s), -np.logaddexp(0, s)\n    per_example = -(y * a + (1 - y) * b)\n"
        "    return float(per_example.mean() + reg * (w @ w)), BCECache(w, X, y, reg, s)\n",
        "    n = cache.X.shape[0]\n    sig = np.exp(-np.logaddexp(0, -cache.s))\n"
        "    d_s = (-cache.y / n) * (1 - sig) + (-(1 - cache.y) / n) * (-sig)\n    return cache.X.T @ d_s + 2 * cache.reg * cache.w\n",
        head='from collections import namedtuple\n\nBCECache = namedtuple("BCECache", "w X y reg s")\n\n\n'),
    "staged_dataclass_cache": _staged(
        "    s = X.dot(w)\n    per_example = y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s)  # -(y a + (1 - y) b)\n"
        "    return float(np.mean(per_example) + reg * np.dot(w, w)), StagedCache(w=w, X=X, y=y, reg=reg, s=s)\n",
        "    c = cache\n    d_per_example = np.full(c.X.shape[0], 1.0 / c.X.shape[0])\n"
        "    d_a, d_b = -c.y * d_per_example, -(1 - c.y) * d_per_example\n    p = np.exp(-np.logaddexp(0, -c.s))\n"
        "    return c.X.T.dot(d_a * (1 - p) + d_b * (-p)) + 2 * c.reg * c.w\n",
        head="from dataclasses import dataclass\n\n\n@dataclass(frozen=True)\nclass StagedCache:\n"
             '    """What bce_backward needs."""\n\n    w: np.ndarray\n    X: np.ndarray\n    y: np.ndarray\n'
             "    reg: float\n    s: np.ndarray\n\n\n"),
    "staged_cache_probabilities": _staged(
        "    s = X.dot(w)\n    a = -np.logaddexp(0, -s)\n    b = -np.logaddexp(0, s)\n    data_loss = np.mean(-(y * a + (1 - y) * b))\n"
        '    cache = {"w": w, "X": X, "y": y, "reg": reg, "p": np.exp(a)}  # sigmoid(s) = exp(log sigmoid(s))\n'
        "    return float(data_loss + reg * np.sum(w**2)), cache\n",
        '    p, X, y = cache["p"], cache["X"], cache["y"]\n    n = len(y)\n    d_s = (-y / n) * (1 - p) + (-(1 - y) / n) * (-p)\n'
        '    return X.T.dot(d_s) + 2 * cache["reg"] * cache["w"]\n'),
    "staged_scipy": _staged(
        "    from scipy.special import log_expit\n\n    s = X.dot(w)\n    a, b = log_expit(s), log_expit(-s)\n"
        '    return float(-np.mean(y * a + (1 - y) * b) + reg * np.sum(w * w)), {"w": w, "X": X, "y": y, "reg": reg, "s": s}\n',
        "    from operator import itemgetter\n\n    from scipy.special import expit\n\n"
        '    w, X, y, reg, s = itemgetter("w", "X", "y", "reg", "s")(cache)\n    n = X.shape[0]\n'
        "    d_s = -y / n * expit(-s) + (1 - y) / n * expit(s)  # 1 - sigmoid(s) = sigmoid(-s)\n    return X.T.dot(d_s) + 2 * reg * w\n"),
    "staged_collapsed_ds": _staged(
        "    s = X.dot(w)\n    per_example = -(y * -np.logaddexp(0, -s) + (1 - y) * -np.logaddexp(0, s))\n"
        '    return float(per_example.sum() / X.shape[0] + reg * np.sum(w * w)), {"w": w, "X": X, "y": y, "reg": reg, "s": s}\n',
        '    X, y, s = cache["X"], cache["y"], cache["s"]\n    d_s = (np.exp(-np.logaddexp(0, -s)) - y) / X.shape[0]  # the two branches, summed\n'
        '    return X.T.dot(d_s) + 2 * cache["reg"] * cache["w"]\n'),
    "staged_einsum": _staged(
        "    s = np.einsum('nd,d->n', X, w)\n    a = -np.logaddexp(0, -s)\n    b = -np.logaddexp(0, s)\n"
        "    loss = np.mean(-(y * a + (1 - y) * b)) + reg * np.einsum('d,d->', w, w)\n"
        '    return float(loss), {"w": w, "X": X, "y": y, "reg": reg, "s": s}\n',
        '    X, y, s = cache["X"], cache["y"], cache["s"]\n    n = X.shape[0]\n    sig = np.exp(-np.logaddexp(0, -s))\n'
        "    d_s = (-y / n) * (1 - sig) + (-(1 - y) / n) * (-sig)\n"
        "    return np.einsum('nd,n->d', X, d_s) + 2 * cache[\"reg\"] * cache[\"w\"]\n"),
    "staged_mean_gate_scalar": _staged(
        "    s = X.dot(w)\n    a = -np.logaddexp(0, -s)\n    b = -np.logaddexp(0, s)\n    per_example = -(y * a + (1 - y) * b)\n"
        "    data_loss = per_example.mean()\n    reg_loss = reg * w.dot(w)\n"
        '    return float(data_loss + reg_loss), {"w": w, "X": X, "y": y, "reg": reg, "s": s}\n',
        '    w, X, y, reg, s = cache["w"], cache["X"], cache["y"], cache["reg"], cache["s"]\n'
        "    d_data, d_reg = 1.0, 1.0  # J = data_loss + reg_loss\n    d_per_example = d_data / X.shape[0]  # the mean, one number for all\n"
        "    sig_s = np.exp(-np.logaddexp(0, -s))\n    d_s = -y * d_per_example * (1 - sig_s) + (1 - y) * d_per_example * sig_s\n"
        "    return X.T.dot(d_s) + d_reg * 2 * reg * w\n"),
    "staged_copy_cache": _staged(
        "    s = X.dot(w)\n    a = -np.logaddexp(0, -s)\n    b = -np.logaddexp(0, s)\n"
        '    cache = {"w": w.copy(), "X": X, "y": y.copy(), "reg": float(reg), "s": s}\n'
        "    return float(np.mean(-(y * a + (1 - y) * b)) + reg * np.sum(w * w)), cache\n",
        '    s = cache["s"]\n    n = cache["X"].shape[0]\n    d_a, d_b = -cache["y"] / n, -(1 - cache["y"]) / n\n'
        "    d_s = d_a * np.exp(-np.logaddexp(0, s)) - d_b * np.exp(-np.logaddexp(0, -s))  # 1 - sigma(s) = sigma(-s)\n"
        '    return cache["X"].T.dot(d_s) + 2 * cache["reg"] * cache["w"]\n'),
    "staged_list_cache": _staged(
        "    s = X.dot(w)\n    a = -np.logaddexp(0, -s)\n    b = -np.logaddexp(0, s)\n    per_example = -(y * a + (1 - y) * b)\n"
        "    return float(np.average(per_example) + reg * np.vdot(w, w)), [w, X, y, reg, s]\n",
        "    w, X, y, reg, s = cache\n    sig = np.exp(-np.logaddexp(0, -s))\n    d_s = (sig * (1 - y) - (1 - sig) * y) / len(s)\n"
        "    d_w = X.T.dot(d_s)\n    d_w += 2 * reg * w  # a new array, added to in place\n    return d_w\n"),
    "staged_class_cache": _staged(
        "    s = X.dot(w)\n    data_loss = np.mean(y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s))\n"
        "    return float(data_loss + reg * float(np.sum(w * w))), Cache(w, X, y, reg, s)\n",
        "    n = cache.X.shape[0]\n    sig = np.exp(-np.logaddexp(0, -cache.s))\n    d_s = (-cache.y * (1 - sig) + (1 - cache.y) * sig) / n\n"
        "    return cache.X.T.dot(d_s) + 2 * cache.reg * cache.w\n",
        head='class Cache:\n    """The intermediates bce_backward needs, as attributes."""\n\n'
             "    def __init__(self, w, X, y, reg, s):\n        self.w, self.X, self.y, self.reg, self.s = w, X, y, reg, s\n\n\n"),
    "staged_simple_namespace": _staged(
        "    s = X.dot(w)\n    a = -np.logaddexp(0, -s)\n    b = -np.logaddexp(0, s)\n"
        "    loss = float(-np.mean(y * a) - np.mean((1 - y) * b) + reg * np.sum(w * w))\n"
        "    return loss, SimpleNamespace(w=w, X=X, y=y, reg=reg, s=s)\n",
        "    c = cache\n    n = c.X.shape[0]\n    sig = np.exp(-np.logaddexp(0, -c.s))\n    d_a = -c.y / n\n    d_b = -(1 - c.y) / n\n"
        "    return c.X.T.dot(d_a * (1 - sig) + d_b * (-sig)) + 2 * c.reg * c.w\n",
        head="from types import SimpleNamespace\n\n\n"),
    # Part A's functions, as the staging invites.
    "staged_part_a_functions": _staged(
        "    s = X.dot(w)\n    a, b = log_sigmoid(s), log_sigmoid(-s)\n    per_example = -(y * a + (1 - y) * b)\n"
        '    return float(per_example.mean() + reg * np.sum(w * w)), {"w": w, "X": X, "y": y, "reg": reg, "s": s}\n',
        '    X, y, s = cache["X"], cache["y"], cache["s"]\n    n = X.shape[0]\n'
        "    d_s = (-y / n) * sigmoid(-s) + (-(1 - y) / n) * (-sigmoid(s))\n"
        '    return X.T.dot(d_s) + 2 * cache["reg"] * cache["w"]\n'),
    "staged_builtin_names": _staged(
        "    vars = X.dot(w)  # the scores, under a built-in's name\n    iter = -np.logaddexp(0, -vars)\n    compile = -np.logaddexp(0, vars)\n"
        '    return float(-(y * iter + (1 - y) * compile).mean() + reg * np.sum(w * w)), {"w": w, "X": X, "y": y, "reg": reg, "s": vars}\n',
        '    vars = cache["s"]\n    iter = cache["X"].shape[0]\n    ex = np.exp(-np.logaddexp(0, -vars))\n'
        '    d_s = (-cache["y"] / iter) * (1 - ex) + (-(1 - cache["y"]) / iter) * (-ex)\n'
        '    return cache["X"].T.dot(d_s) + 2 * cache["reg"] * cache["w"]\n'),
    # float32 data stays float32 through both passes.
    "staged_float32_kept": _staged(
        "    dtype = np.result_type(X, w)\n    s = X.dot(w)\n    labels = np.asarray(y, dtype=dtype)\n"
        "    a = -np.logaddexp(0, -s)\n    b = -np.logaddexp(0, s)\n    loss = np.mean(-(labels * a + (1 - labels) * b), dtype=dtype) + reg * np.dot(w, w)\n"
        '    return float(loss), {"w": w, "X": X, "labels": labels, "reg": reg, "s": s}\n',
        '    X, labels, s = cache["X"], cache["labels"], cache["s"]\n    n = X.shape[0]\n'
        "    sig = np.exp(-np.logaddexp(0, -s)).astype(s.dtype, copy=False)\n"
        "    d_s = (-labels / n) * (1 - sig) + (-(1 - labels) / n) * (-sig)\n"
        '    return (X.T.dot(d_s) + 2 * cache["reg"] * cache["w"]).astype(s.dtype, copy=False)\n'),
    "staged_nested_cache": _staged(
        "    s = X.dot(w)\n    stages = {\"s\": s, \"a\": -np.logaddexp(0, -s), \"b\": -np.logaddexp(0, s)}\n"
        "    per_example = -(y * stages[\"a\"] + (1 - y) * stages[\"b\"])\n"
        '    return float(per_example.mean() + reg * np.sum(w * w)), {"inputs": (w, X, y, reg), "stages": stages}\n',
        '    w, X, y, reg = cache["inputs"]\n    s = cache["stages"]["s"]\n    n = len(y)\n'
        "    d_s = -(y / n) * np.exp(-np.logaddexp(0, s)) + ((1 - y) / n) * np.exp(-np.logaddexp(0, -s))\n"
        "    return X.T.dot(d_s) + 2 * reg * w\n"),
}

# -- newton -------------------------------------------------------------------------------------------

_HESS_DOC = "Hessian of J(w) = mean binary cross-entropy + reg * |w|^2: X.T S X / N + 2 reg I, S = diag(p (1 - p))."
_STEP_DOC = "One Newton step: w - hess^{-1} grad, by solving hess @ delta = grad (never inverting hess)."
_WEIGHTS = "    s = X.dot(w)\n    p = np.exp(-np.logaddexp(0, -s))\n    weights = p * (1 - p)\n"


def _newton(hessian: str, step: str, head: str = "") -> str:
    return head + cell(_define("bce_hessian", "w, X, reg", _HESS_DOC, hessian),
                       _define("newton_step", "w, grad, hess", _STEP_DOC, step))


NEWTON_STYLES = {
    "newton_einsum_cho_solve": _newton(
        _WEIGHTS + "    return np.einsum('nd,n,ne->de', X, weights, X) / X.shape[0] + 2 * reg * np.eye(X.shape[1])\n",
        "    from scipy.linalg import cho_factor, cho_solve\n\n    return w - cho_solve(cho_factor(hess), grad)\n"),
    "newton_sqrt_weights_lstsq": _newton(
        _WEIGHTS + "    B = X * np.sqrt(weights)[:, None]\n    return B.T @ B / X.shape[0] + 2 * reg * np.eye(X.shape[1])\n",
        "    return w - np.linalg.lstsq(hess, grad, rcond=None)[0]\n"),
    "newton_matmul_transpose_scipy_solve": _newton(
        _WEIGHTS + "    return (X.T * weights) @ X / len(X) + 2 * reg * np.eye(X.shape[1])\n",
        "    import scipy.linalg\n\n    return w - scipy.linalg.solve(hess, grad, assume_a='pos')\n"),
    "newton_expit_delta_column": _newton(
        "    from scipy.special import expit\n\n    p = expit(X.dot(w))\n"
        "    H = (X * (p * (1 - p))[:, np.newaxis]).T.dot(X) / X.shape[0]\n    return H + 2 * reg * np.eye(X.shape[1])\n",
        "    delta = np.linalg.solve(hess, grad[:, None])[:, 0]\n    return w - delta\n"),
    "newton_log_weights_lambda_step": _newton(
        "    s = X.dot(w)\n    weights = np.exp(-np.logaddexp(0, -s) - np.logaddexp(0, s))  # sigma(s) sigma(-s)\n"
        "    return (X * weights[:, None]).T.dot(X) / X.shape[0] + 2 * reg * np.eye(X.shape[1])\n",
        "= lambda w, grad, hess: w - np.linalg.solve(hess, grad)\n"),
    "newton_fill_diagonal_lu": _newton(
        _WEIGHTS + "    H = (X * weights[:, None]).T @ X / X.shape[0]\n    H[np.diag_indices_from(H)] += 2 * reg\n    return H\n",
        "    from scipy.linalg import lu_factor, lu_solve\n\n    return w - lu_solve(lu_factor(hess), grad)\n"),
    "newton_rows_cholesky_triangular": _newton(
        _WEIGHTS + "    return X.T @ (weights[:, None] * X) / X.shape[0] + 2 * reg * np.eye(X.shape[1])\n",
        "    from scipy.linalg import solve_triangular\n\n    L = np.linalg.cholesky(hess)  # hess = L L^T\n"
        "    z = solve_triangular(L, grad, lower=True)\n    return w - solve_triangular(L.T, z, lower=False)\n"),
    "newton_dot_eigh": _newton(
        _WEIGHTS + "    return np.dot(X.T, X * weights[:, np.newaxis]) / X.shape[0] + 2 * reg * np.identity(X.shape[1])\n",
        "    values, vectors = np.linalg.eigh(hess)  # hess is symmetric positive definite\n"
        "    return w - vectors @ ((vectors.T @ grad) / values)\n"),
    # A sparse diagonal matrix holds N numbers, not N x N: allowed (np.diag and np.diagflat are not).
    "newton_sparse_diags_qr": _newton(
        "    from scipy.sparse import diags\n\n" + _WEIGHTS + "    return X.T @ (diags(weights) @ X) / X.shape[0] + 2 * reg * np.eye(X.shape[1])\n",
        "    from scipy.linalg import solve_triangular\n\n    q, r = np.linalg.qr(hess)\n    return w - solve_triangular(r, q.T @ grad)\n"),
    "newton_tensordot_minus_grad": _newton(
        _WEIGHTS + "    return np.tensordot(X * weights[:, None], X, axes=(0, 0)) / X.shape[0] + 2 * reg * np.eye(X.shape[1])\n",
        "    return w + np.linalg.solve(hess, -grad)\n"),
    "newton_sech_weights_named_compile": _newton(
        "    s = X.dot(w)\n    weights = 0.25 / np.cosh(s / 2) ** 2  # p (1 - p) = sech^2(s / 2) / 4\n"
        "    return (X * weights[:, None]).T.dot(X) / X.shape[0] + 2 * reg * np.eye(X.shape[1])\n",
        "    compile = np.linalg.solve(hess, grad)  # a variable named like the built-in\n    return w - compile\n"),
    "newton_flat_diagonal_sym_solve": _newton(
        _WEIGHTS + "    D = X.shape[1]\n    H = (X * weights[:, None]).T.dot(X) / X.shape[0]\n    H.flat[:: D + 1] += 2 * reg\n    return H\n",
        "    import scipy.linalg\n\n    return w - scipy.linalg.solve(hess, grad, assume_a='sym')\n"),
    "newton_fill_diagonal_scipy_lstsq": _newton(
        _WEIGHTS + "    H = (X * weights[:, None]).T.dot(X) / X.shape[0]\n    np.fill_diagonal(H, H.diagonal() + 2 * reg)\n    return H\n",
        "    import scipy.linalg\n\n    return w - scipy.linalg.lstsq(hess, grad)[0]\n"),
    "newton_builtin_names_svd": _newton(
        "    vars = X.dot(w)  # the scores, under a built-in's name\n    iter = np.exp(-np.logaddexp(0, -vars))\n"
        "    return (X * (iter * (1 - iter))[:, None]).T.dot(X) / len(vars) + 2 * reg * np.eye(X.shape[1])\n",
        "    u, sv, vt = np.linalg.svd(hess)\n    return w - vt.T @ ((u.T @ grad) / sv)\n"),
    # float32 data: the Hessian in float32 too.
    "newton_float32_kept_tensorsolve": _newton(
        "    s = X.dot(w)\n    p = np.exp(-np.logaddexp(0, -s))\n    weights = (p * (1 - p)).astype(s.dtype, copy=False)\n"
        "    H = (X * weights[:, None]).T.dot(X) / X.shape[0]\n    return H + (2 * reg * np.eye(X.shape[1])).astype(H.dtype)\n",
        "    return w - np.linalg.tensorsolve(hess, grad)\n"),
    "newton_lambda_hessian_cho_lower": _newton(
        "= lambda w, X, reg: (X.T * (expit(X @ w) * expit(-(X @ w)))) @ X / len(X) + 2 * reg * np.eye(X.shape[1])\n",
        "    import scipy.linalg\n\n    return w - scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess, lower=True), grad)\n",
        head="from scipy.special import expit\n\n\n"),
}

# -- training -----------------------------------------------------------------------------------------

_PRED_DOC = "Labels 0/1: 1 where the score X @ w is positive (p > 1/2), shape (N,)."
_SELECT_DOC = "Train for every reg in regs; return (results, best_reg, best_val, best_w), best by validation accuracy."
#: The one line after the functions, on a grid of the entry's choice (short grids keep the catalog quick).
_CALL = "\n\nresults, best_reg, best_val, best_w = train_and_select(X_train, y_train, X_val, y_val, {regs})\n"
_LBFGS = 'minimize(bce_loss, np.zeros(X_train.shape[1]), args=(X_train, y_train, reg), jac=True, method="L-BFGS-B")'


def _training(predict: str, select: str, regs: str = "(3e-2,)", head: str = "") -> str:
    return (head + cell(_define("predict", "w, X", _PRED_DOC, predict),
                        _define("train_and_select", "X_train, y_train, X_val, y_val, regs", _SELECT_DOC, select))
            + _CALL.format(regs=regs))


def _select_loop(fit: str, *, compare: str = ">", key: str = "reg", head: str = "") -> str:
    """The solution's bookkeeping around ``fit`` (code that sets ``w`` for ``reg``)."""
    return (head + "    results = {}\n    best_reg, best_val, best_w = None, -1.0, None\n    for reg in regs:\n"
            + "".join(f"        {line}\n" for line in fit.splitlines())
            + "        train_acc = float(np.mean(predict(w, X_train) == y_train))\n"
            "        val_acc = float(np.mean(predict(w, X_val) == y_val))\n"
            f"        results[{key}] = (train_acc, val_acc)\n"
            f"        if val_acc {compare} best_val:\n            best_reg, best_val, best_w = reg, val_acc, w\n"
            "    return results, best_reg, best_val, best_w\n")


TRAINING_STYLES = {
    "training_cg": _training(
        "    return np.where(X @ w > 0, 1, 0)\n",
        _select_loop('w = minimize(bce_loss, np.zeros(X_train.shape[1]), args=(X_train, y_train, reg), jac=True, method="CG",\n'
                     '             options={"gtol": 1e-6}).x')),
    "training_sklearn": _training(
        "    return (sigmoid(X @ w) > 0.5).astype(int)\n",
        _select_loop("clf = LogisticRegression(C=1 / (2 * len(y_train) * reg), fit_intercept=False, tol=1e-8, max_iter=2000)\n"
                     "w = clf.fit(X_train, y_train).coef_[0].astype(np.float64)",
                     head="    from sklearn.linear_model import LogisticRegression\n\n")),
    "training_tight_lbfgs": _training(
        "    return (X @ w > 0) * 1\n",
        _select_loop("w = " + _LBFGS.replace('method="L-BFGS-B")', 'method="L-BFGS-B", options={"gtol": 1e-8}).x'))),
    "training_small_start": _training(
        "    return np.greater(X.dot(w), 0).astype(np.int8)\n",
        _select_loop("start = 1e-3 * np.random.default_rng(0).standard_normal(X_train.shape[1])\n"
                     'w = minimize(bce_loss, start, args=(X_train, y_train, reg), jac=True, method="L-BFGS-B").x'),
        regs="(1e-2, 1e-1)"),
    "training_ge_keeps_last_tie": _training(
        "    return np.heaviside(X @ w, 0.0).astype(np.int64)  # heaviside(0) = 0\n",
        _select_loop("w = " + _LBFGS + ".x", compare=">="), regs="(3e-2, 1e-1)"),
    "training_float_keys": _training(
        "    scores = np.einsum('nd,d->n', X, w)\n    return (scores > 0).astype(int)\n",
        _select_loop("w = " + _LBFGS + ".x", key="float(reg)")),
    "training_lambda_wrapper": _training(
        "    return X @ w > 0  # booleans: True == 1\n",
        _select_loop("res = minimize(lambda v, r=reg: bce_loss(v, X_train, y_train, r), np.zeros(X_train.shape[1]), jac=True,\n"
                     '               method="L-BFGS-B")\nw = res.x')),
    "training_max_by_key": _training(
        "    from scipy.special import expit\n\n    return (expit(X @ w) > 0.5).astype(np.int64)\n",
        "    weights = {reg: minimize(bce_loss, np.zeros(X_train.shape[1]), args=(X_train, y_train, reg), jac=True,\n"
        '                             method="L-BFGS-B").x for reg in regs}\n'
        "    results = {reg: (float(np.mean(predict(w, X_train) == y_train)), float(np.mean(predict(w, X_val) == y_val)))\n"
        "               for reg, w in weights.items()}\n"
        "    best_reg = max(results, key=lambda reg: results[reg][1])  # the first of equal ones\n"
        "    return results, best_reg, results[best_reg][1], weights[best_reg]\n"),
    "training_argmax_list": _training(
        "    return (log_sigmoid(X @ w) > np.log(0.5)).astype(int)  # p > 1/2\n",
        "    regs = list(regs)\n    ws, accs = [], []\n    for reg in regs:\n"
        "        ws.append(" + _LBFGS + ".x)\n"
        "        accs.append((float(np.mean(predict(ws[-1], X_train) == y_train)), float(np.mean(predict(ws[-1], X_val) == y_val))))\n"
        "    k = int(np.argmax([val for _, val in accs]))\n"
        "    return dict(zip(regs, accs)), regs[k], accs[k][1], ws[k]\n"),
    "training_newton_cg_hessp": _training(
        "    return np.sign(X @ w).clip(0, 1).astype(int)\n",
        _select_loop("p_of = lambda v: np.exp(-np.logaddexp(0, -(X_train @ v)))\n"
                     "hessp = lambda v, d: X_train.T @ (p_of(v) * (1 - p_of(v)) * (X_train @ d)) / len(y_train) + 2 * reg * d\n"
                     'w = minimize(bce_loss, np.zeros(X_train.shape[1]), args=(X_train, y_train, reg), jac=True, method="Newton-CG",\n'
                     '             hessp=lambda v, d, *args: hessp(v, d), options={"xtol": 1e-10}).x')),
    "training_warm_start": _training(
        "    return ((np.sign(X @ w) + 1) // 2).astype(np.int64)\n",
        "    results, best = {}, (None, -1.0, None)\n    w = np.zeros(X_train.shape[1])\n"
        "    for reg in sorted(regs):  # each fit starts from the previous optimum\n"
        '        w = minimize(bce_loss, w, args=(X_train, y_train, reg), jac=True, method="L-BFGS-B").x\n'
        "        results[reg] = (float(np.mean(predict(w, X_train) == y_train)), float(np.mean(predict(w, X_val) == y_val)))\n"
        "        if results[reg][1] > best[1]:\n            best = (reg, results[reg][1], w)\n"
        "    return (results, *best)\n",
        regs="(1e-2, 1e-1)"),
    "training_tuples_max": _training(
        "    return np.round(sigmoid(X @ w)).astype(int)  # rounds 1/2 down to 0\n",
        "    fits = []\n    for k, reg in enumerate(regs):\n"
        "        w = " + _LBFGS + ".x\n"
        "        fits.append((float(np.mean(predict(w, X_val) == y_val)), -k, reg, float(np.mean(predict(w, X_train) == y_train)), w))\n"
        "    results = {reg: (train_acc, val_acc) for val_acc, _, reg, train_acc, _ in fits}\n"
        "    val_acc, _, reg, _, w = max(fits, key=lambda fit: fit[:2])  # the best, the first of equal ones\n"
        "    return results, reg, val_acc, w\n"),
    "training_builtin_names": _training(
        "    vars = X.dot(w)\n    return np.argmax(np.stack([np.zeros(len(vars)), vars], axis=1), axis=1)  # a tie at 0 gives 0\n",
        "    compile = {}\n    best_reg, best_val, best_w = None, -1.0, None\n    for iter, reg in enumerate(regs):\n"
        "        ex = " + _LBFGS + ".x\n"
        "        compile[reg] = (float(np.mean(predict(ex, X_train) == y_train)), float(np.mean(predict(ex, X_val) == y_val)))\n"
        "        if compile[reg][1] > best_val:\n            best_reg, best_val, best_w = reg, compile[reg][1], ex\n"
        "    return compile, best_reg, best_val, best_w\n"),
    "training_fmin_l_bfgs_b": _training(
        "    labels = np.zeros(X.shape[0], dtype=np.int64)\n    labels[X @ w > 0] = 1\n    return labels\n",
        _select_loop("w, _, _ = fmin_l_bfgs_b(bce_loss, np.zeros(X_train.shape[1]), args=(X_train, y_train, reg))",
                     head="    from scipy.optimize import fmin_l_bfgs_b\n\n")),
    "training_fun_and_jac_apart": _training(
        "= lambda w, X: (X @ w > 0).astype(int)\n",
        _select_loop("res = minimize(lambda v: bce_loss(v, X_train, y_train, reg)[0], np.zeros(X_train.shape[1]),\n"
                     '               jac=lambda v: bce_loss(v, X_train, y_train, reg)[1], method="L-BFGS-B")\nw = res.x')),
    "training_float_labels_predicted": _training(
        "    return np.asarray(X.dot(w) > 0, dtype=np.float64)  # 0.0 and 1.0 compare equal to the labels\n",
        _select_loop("w = np.asarray(" + _LBFGS + ".x, dtype=np.float64)"), regs="(1e-1,)"),
}
#: The solution's training cell on one reg: the wrong bundles none of whose members concerns training use it.
FAST_TRAINING = swap("training", "regs=(1e-2, 3e-2, 1e-1))", "regs=(3e-2,))")

_FAMILIES = [("sigmoid_functions", SIGMOID_STYLES, SIGMOID), ("bce_loss", BCE_STYLES, BCE),
             ("numerical_gradient", NUMGRAD_STYLES, NUMGRAD), ("gates", GATE_STYLES, GATES),
             ("staged_bce", STAGED_STYLES, STAGED), ("newton", NEWTON_STYLES, NEWTON),
             ("training", TRAINING_STYLES, TRAINING)]
RIGHT = [Entry(name, f"right: {name.replace('_', ' ')}", {cell_: src}, keeps=tests)
         for cell_, styles, tests in _FAMILIES for name, src in styles.items()]
