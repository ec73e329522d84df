"""Right implementations of the softmax assignment, each written in its own style.

Every entry in ``RIGHT`` is correct by the notebook's contract (the docstrings and task texts of
solutions/softmax/softmax.ipynb: right values for any finite scores, no overflow, 0/0 or log(0)
and no warning, inputs unchanged, the loss a float, no Python loop in the vectorized loss) and
must keep full marks in the test cells of the answer cell it replaces. tests/test_catalogs.py
grades them bundled (one entry per answer cell in a submission) and checks it; benchmarks/tolerances.py
measures how far their losses are from the reference on float32 data.

They differ in what tests tend to over-specify: the dtype they compute in (float32 stays float32),
the order of the sums (and so the rounding), how the stable log-probability is written (a max
shift, scipy.special.logsumexp, np.logaddexp, log-softmax then indexing), how the correct class is
picked (fancy indexing, np.choose, np.take_along_axis, one-hot matrices, flat indices), how the
gradient is collected (a matrix product, np.einsum, np.add.at, np.bincount, outer products, loops
over examples or over classes), how regularization is spelled, keepdims against [:, None], dW
built in place or fresh, and, for the training code, how batches are drawn (any uniform draw with
replacement from ``rng = np.random.default_rng(rng)``) and how the copy of W is made.

An answer cell holding two functions is replaced whole: a variant of one is paired with the
catalog's standard version of the other (tests/catalog/softmax_wrong.py), and ``VARIES`` names the
function an entry writes differently.

``PARTIAL`` holds implementations that are right except for one requirement, which must cost
exactly its share (``exact_loss``) and nothing else: the canonical CS231n softmax loss (shift by
the row maximum, then ``-np.log(probs[y])``), which is right everywhere except where the correct
class trails the best one by about 745 or more (p_y underflows to 0 and log(0) = -inf), and a
submission whose vectorized loss is right while its naive one is wrong.
"""

from __future__ import annotations

from .harness import Entry, on_grid
from .softmax_wrong import (
    FUNCTION,
    NAIVE,
    NAIVE_TESTS,
    PREDICT,
    SIGMOID,
    SOFTMAX,
    TRAIN,
    VECTORIZED_TESTS,
    cell,
    swap,
    tuning,
)

TRAIN_TESTS = frozenset({"test_train_predict"})
TUNING_TESTS = frozenset({"test_tuning", "test_tuning_hidden"})
TESTS_OF_CELL = {"softmax_function": frozenset(FUNCTION), "softmax_loss_naive": frozenset(NAIVE_TESTS),
                 "softmax_loss_vectorized": frozenset(VECTORIZED_TESTS), "train_predict": TRAIN_TESTS,
                 "tuning": TUNING_TESTS}
ALL_TESTS = frozenset().union(*TESTS_OF_CELL.values())

# -- sigmoid --------------------------------------------------------------------------------------

SIGMOID_STYLES = {
    "expit": '''from scipy.special import expit


def sigmoid(s):
    """scipy's logistic sigmoid."""
    return expit(s)
''',
    "tanh": '''def sigmoid(s):
    """sigma(s) = (1 + tanh(s / 2)) / 2: tanh never overflows."""
    return 0.5 * (1.0 + np.tanh(np.asarray(s) / 2.0))
''',
    "boolean_mask": '''def sigmoid(s):
    """Each sign with its own formula, on the entries of that sign only."""
    s = np.asarray(s)
    out = np.empty(s.shape, dtype=np.result_type(s, np.float32))
    pos = s >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-s[pos]))
    e = np.exp(s[~pos])
    out[~pos] = e / (1.0 + e)
    return out
''',
    "logaddexp": '''def sigmoid(s):
    """log sigma(s) = -log(1 + e^-s) = -logaddexp(0, -s)."""
    return np.exp(-np.logaddexp(0.0, -np.asarray(s)))
''',
    "where_numerator": '''def sigmoid(s):
    """(1 or e^-|s|) / (1 + e^-|s|): the numerator chosen by the sign."""
    s = np.asarray(s)
    z = np.exp(-np.abs(s))
    return np.where(s >= 0, 1.0, z) / (1.0 + z)
''',
    "sign_tanh": '''def sigmoid(s):
    """1/2 + sign(s) tanh(|s| / 2) / 2, with tanh(|s|/2) = (1 - e^-|s|) / (1 + e^-|s|)."""
    s = np.asarray(s)
    t = np.exp(-np.abs(s))
    return 0.5 + 0.5 * np.sign(s) * (1.0 - t) / (1.0 + t)
''',
    "min_exponent": '''def sigmoid(s):
    """e^min(s, 0) / (1 + e^-|s|): both exponents are <= 0."""
    s = np.asarray(s)
    return np.exp(np.minimum(s, 0)) / (1 + np.exp(-np.abs(s)))
''',
    "scipy_softmax_of_two": '''import scipy.special


def sigmoid(s):
    """The two-class softmax of scores (s, 0), first column."""
    s = np.asarray(s)
    pair = np.stack([s, np.zeros_like(s)], axis=-1)
    return scipy.special.softmax(pair, axis=-1)[..., 0]
''',
    "minus_logaddexp": '''def sigmoid(s):
    """exp(s - log(1 + e^s)) = exp(s - logaddexp(0, s))."""
    s = np.asarray(s)
    return np.exp(s - np.logaddexp(0, s))
''',
    "log_expit": '''from scipy.special import log_expit


def sigmoid(s):
    """The exponential of scipy's stable log-sigmoid."""
    return np.exp(log_expit(s))
''',
    "vectorize_math": '''import math


def _sigmoid_scalar(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid(s):
    """One number at a time with math.exp, the branch chosen by the sign."""
    return np.vectorize(_sigmoid_scalar, otypes=[float])(s)
''',
    "ndindex_loop": '''def sigmoid(s):
    """A loop over every entry, whatever the shape."""
    s = np.asarray(s, dtype=np.float64)
    out = np.empty_like(s)
    for idx in np.ndindex(s.shape):
        v = s[idx]
        out[idx] = 1 / (1 + np.exp(-v)) if v >= 0 else np.exp(v) / (1 + np.exp(v))
    return out
''',
    "divide_where": '''def sigmoid(s):
    """np.divide into one output, each sign written where it applies."""
    s = np.asarray(s)
    z = np.exp(-np.abs(s))
    out = np.empty_like(z)
    np.divide(1, 1 + z, out=out, where=s >= 0)
    np.divide(z, 1 + z, out=out, where=s < 0)
    return out
''',
    "piecewise": '''def sigmoid(s):
    """np.piecewise with one stable formula per sign."""
    s = np.asarray(s, dtype=float)
    return np.piecewise(s, [s >= 0, s < 0],
                        [lambda v: 1 / (1 + np.exp(-v)), lambda v: np.exp(v) / (1 + np.exp(v))])
''',
    "log_sigmoid": '''def sigmoid(s):
    """exp(min(s, 0) - log1p(e^-|s|)): the log-sigmoid of either sign, exponentiated."""
    s = np.asarray(s)
    return np.exp(np.minimum(s, 0) - np.log1p(np.exp(-np.abs(s))))
''',
    "copy_then_inplace": '''def sigmoid(s):
    """In place on a copy: z = e^-|s|, then the two formulas."""
    z = np.abs(np.array(s, dtype=float))
    np.negative(z, out=z)
    np.exp(z, out=z)
    positive = np.asarray(s) >= 0
    return np.where(positive, 1 / (1 + z), z / (1 + z))
''',
}

# -- softmax --------------------------------------------------------------------------------------

SOFTMAX_STYLES = {
    "scipy_softmax": '''import scipy.special


def softmax(scores):
    """scipy's softmax over the classes."""
    return scipy.special.softmax(scores, axis=1)
''',
    "logsumexp": '''from scipy.special import logsumexp


def softmax(scores):
    """exp(s - logsumexp(s)), row by row."""
    return np.exp(scores - logsumexp(scores, axis=1, keepdims=True))
''',
    "none_axis": '''def softmax(scores):
    """[:, None] instead of keepdims."""
    shifted = scores - np.max(scores, axis=1)[:, None]
    e = np.exp(shifted)
    return e / np.sum(e, axis=1)[:, None]
''',
    "row_loop": '''def softmax(scores):
    """One row at a time."""
    probs = np.empty(scores.shape, dtype=np.result_type(scores, np.float32))
    for i, row in enumerate(scores):
        e = np.exp(row - row.max())
        probs[i] = e / e.sum()
    return probs
''',
    "inplace_copy": '''def softmax(scores):
    """Every step in place, on a float copy."""
    p = np.array(scores, dtype=np.result_type(scores, np.float32))
    p -= p.max(axis=1, keepdims=True)
    np.exp(p, out=p)
    p /= p.sum(axis=1, keepdims=True)
    return p
''',
    "einsum_sum": '''def softmax(scores):
    """Row sums with np.einsum."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / np.einsum("ij->i", e)[:, None]
''',
    "transposed": '''def softmax(scores):
    """Broadcast along the transpose: (C, N) / (N,)."""
    e = np.exp(scores.T - scores.max(axis=1))  # (C, N)
    return (e / e.sum(axis=0)).T
''',
    "log_softmax": '''def softmax(scores):
    """The log-probabilities first, then their exponential."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.exp(log_probs)
''',
    "apply_along_axis": '''def _softmax_row(row):
    e = np.exp(row - np.max(row))
    return e / np.sum(e)


def softmax(scores):
    """A stable one-row softmax applied to every row."""
    return np.apply_along_axis(_softmax_row, 1, scores)
''',
    "matmul_sum": '''def softmax(scores):
    """Row sums as a product with a column of ones."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / (e @ np.ones((e.shape[1], 1), dtype=e.dtype))
''',
    "last_axis": '''def softmax(scores):
    """axis=-1, the last axis, which is the classes."""
    e = np.exp(scores - np.amax(scores, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
''',
    "comprehension": '''def softmax(scores):
    """A list of stable row softmaxes, stacked."""
    return np.array([np.exp(r - r.max()) / np.exp(r - r.max()).sum() for r in scores])
''',
    "reciprocal": '''def softmax(scores):
    """Multiply by the reciprocal of the row sums."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e * np.reciprocal(e.sum(axis=1, keepdims=True))
''',
    "maximum_reduce_tile": '''def softmax(scores):
    """The row maxima by np.maximum.reduce, tiled to (N, C)."""
    m = np.tile(np.maximum.reduce(scores, axis=1)[:, None], (1, scores.shape[1]))
    e = np.exp(np.subtract(scores, m))
    return np.divide(e, np.tile(e.sum(axis=1)[:, None], (1, scores.shape[1])))
''',
    "logsumexp_unshifted": '''import scipy.special as sp


def softmax(scores):
    """logsumexp does the shifting itself."""
    lse = sp.logsumexp(scores, axis=1)  # (N,)
    return np.exp(scores - lse[:, np.newaxis])
''',
    "l1_norm": '''def softmax(scores):
    """Normalise by the L1 norm of each row (the entries are positive)."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / np.linalg.norm(e, ord=1, axis=1, keepdims=True)
''',
}

# -- softmax_loss_naive ---------------------------------------------------------------------------

NAIVE_STYLES = {
    "logsumexp_outer": '''from scipy.special import logsumexp


def softmax_loss_naive(W, X, y, reg):
    """One example at a time: logsumexp for the loss, an outer product for the gradient."""
    N = X.shape[0]
    loss = 0.0
    dW = np.zeros_like(W, dtype=np.result_type(W, X))
    for i in range(N):
        s = X[i] @ W
        lse = logsumexp(s)
        loss += lse - s[y[i]]
        p = np.exp(s - lse)
        dW += np.outer(X[i], p)
        dW[:, y[i]] -= X[i]
    loss = loss / N + reg * np.sum(W * W)
    dW = dW / N + 2 * reg * W
    return float(loss), dW
''',
    "log_probs_vector": '''def softmax_loss_naive(W, X, y, reg):
    """The vector of log-probabilities of each example, its correct entry taken."""
    num_train = X.shape[0]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        shifted = X[i].dot(W) - np.max(X[i].dot(W))
        log_p = shifted - np.log(np.sum(np.exp(shifted)))
        loss -= log_p[y[i]]
        coeff = np.exp(log_p)
        coeff[y[i]] -= 1
        dW += X[i][:, np.newaxis] * coeff[np.newaxis, :]
    loss /= num_train
    loss += reg * np.sum(W * W)
    dW /= num_train
    dW += 2 * reg * W
    return float(loss), dW
''',
    "class_loop_sums": '''def softmax_loss_naive(W, X, y, reg):
    """Loops over the examples and, for the sum of exponentials and the gradient, the classes."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W, dtype=float)
    for i in range(num_train):
        scores = X[i].dot(W)
        m = scores.max()
        total = 0.0
        for j in range(num_classes):
            total += np.exp(scores[j] - m)
        log_total = np.log(total)
        loss += m + log_total - scores[y[i]]
        for j in range(num_classes):
            p = np.exp(scores[j] - m - log_total)
            dW[:, j] += (p - (j == y[i])) * X[i]
    return float(loss / num_train + reg * np.sum(W ** 2)), dW / num_train + 2 * reg * W
''',
    "score_by_class": '''def softmax_loss_naive(W, X, y, reg):
    """Every score a dot product of its own, in a loop over the classes."""
    N, C = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape, dtype=np.float64)
    for n in range(N):
        scores = np.zeros(C)
        for c in range(C):
            scores[c] = np.dot(X[n], W[:, c])
        scores -= scores.max()
        log_norm = np.log(np.exp(scores).sum())
        loss += log_norm - scores[y[n]]
        for c in range(C):
            dW[:, c] += (np.exp(scores[c] - log_norm) - (1.0 if c == y[n] else 0.0)) * X[n]
    loss = loss / N + reg * (W * W).sum()
    dW = dW / N + reg * 2 * W
    return float(loss), dW
''',
    "float32_in_dtype": '''def softmax_loss_naive(W, X, y, reg):
    """Computes in the inputs' own precision: float32 stays float32."""
    dtype = np.result_type(W, X)
    num_train = X.shape[0]
    loss = dtype.type(0)
    dW = np.zeros(W.shape, dtype=dtype)
    for i in range(num_train):
        s = X[i].dot(W).astype(dtype)
        s = s - s.max()
        log_sum = np.log(np.exp(s).sum())
        loss += log_sum - s[y[i]]
        p = np.exp(s - log_sum)
        p[y[i]] -= 1
        dW += np.outer(X[i], p).astype(dtype)
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return float(loss), dW
''',
    "one_hot_vector": '''def softmax_loss_naive(W, X, y, reg):
    """A one-hot target per example: dL_i/ds = p - t."""
    N, C = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(N):
        s = X[i] @ W
        s = s - s.max()
        p = np.exp(s) / np.exp(s).sum()
        t = np.zeros(C)
        t[y[i]] = 1.0
        loss += np.log(np.exp(s).sum()) - s[y[i]]
        dW += np.outer(X[i], p - t)
    loss = loss / N + reg * np.sum(W * W)
    dW = dW / N + 2 * reg * W
    return float(loss), dW
''',
    "norm_squared": '''def softmax_loss_naive(W, X, y, reg):
    """Regularization spelled with the Frobenius norm."""
    num_train = X.shape[0]
    data_loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)
        log_sum = np.log(np.sum(np.exp(scores)))
        data_loss += log_sum - scores[y[i]]
        coeff = np.exp(scores - log_sum)
        coeff[y[i]] -= 1.0
        dW += np.outer(X[i], coeff)
    loss = data_loss / num_train + reg * np.linalg.norm(W) ** 2
    dW = dW / num_train + reg * 2.0 * W
    return float(loss), dW
''',
    "square_inplace_reg": '''def softmax_loss_naive(W, X, y, reg):
    """np.square for the penalty; dW finished in place."""
    num_train = X.shape[0]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        s = X[i].dot(W)
        s -= np.max(s)
        lse = np.log(np.sum(np.exp(s)))
        loss += -(s[y[i]] - lse)
        prob = np.exp(s - lse)
        for j in range(W.shape[1]):
            dW[:, j] += prob[j] * X[i]
        dW[:, y[i]] -= X[i]
    loss /= num_train
    loss += reg * np.sum(np.square(W))
    dW /= num_train
    dW += 2 * reg * W
    return float(loss), dW
''',
    "mean_of_list": '''def softmax_loss_naive(W, X, y, reg):
    """The per-example losses in a list, then their mean."""
    losses = []
    dW = np.zeros(W.shape)
    for x_i, y_i in zip(X, y):
        s = x_i.dot(W)
        s = s - s.max()
        log_p = s - np.log(np.exp(s).sum())
        losses.append(-log_p[y_i])
        g = np.exp(log_p)
        g[y_i] -= 1
        dW += np.outer(x_i, g)
    loss = np.mean(losses) + reg * np.sum(W * W)
    dW = dW / float(len(losses)) + 2 * reg * W
    return float(loss), dW
''',
    "classes_outer": '''def softmax_loss_naive(W, X, y, reg):
    """The gradient with the classes as the outer loop and the examples inside."""
    N, C = X.shape[0], W.shape[1]
    probs = np.zeros((N, C))
    loss = 0.0
    for i in range(N):
        s = X[i].dot(W)
        s = s - s.max()
        log_sum = np.log(np.exp(s).sum())
        loss += log_sum - s[y[i]]
        probs[i] = np.exp(s - log_sum)
    dW = np.zeros(W.shape)
    for j in range(C):
        for i in range(N):
            dW[:, j] += (probs[i, j] - (y[i] == j)) * X[i]
    return float(loss / N + reg * np.sum(W * W)), dW / N + 2 * reg * W
''',
    "math_module": '''import math


def softmax_loss_naive(W, X, y, reg):
    """Python floats and the math module inside, for the exponentials and the logarithm."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = [float(v) for v in X[i].dot(W)]
        m = max(scores)
        log_sum = math.log(sum(math.exp(v - m) for v in scores))
        loss += m + log_sum - scores[y[i]]
        for j in range(num_classes):
            p = math.exp(scores[j] - m - log_sum)
            dW[:, j] += (p - 1.0 if j == y[i] else p) * X[i]
    loss = loss / num_train + reg * float(np.sum(W * W))
    return loss, dW / num_train + 2 * reg * W
''',
    "logaddexp_reduce": '''def softmax_loss_naive(W, X, y, reg):
    """np.logaddexp.reduce for log sum exp, which needs no shift."""
    num_train = X.shape[0]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        s = np.dot(X[i], W)
        lse = np.logaddexp.reduce(s)
        loss += lse - s[y[i]]
        p = np.exp(s - lse)
        p[y[i]] -= 1
        dW += np.einsum("d,c->dc", X[i], p)
    return float(loss / num_train + reg * np.sum(W * W)), dW / num_train + 2 * reg * W
''',
    "relative_to_correct": '''def softmax_loss_naive(W, X, y, reg):
    """L_i = log sum_j exp(s_j - s_y), shifted by its own maximum (which is >= 0)."""
    num_train = X.shape[0]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        s = X[i].dot(W)
        d = s - s[y[i]]
        top = d.max()
        loss += top + np.log(np.sum(np.exp(d - top)))
        p = np.exp(s - s.max())
        p /= p.sum()
        p[y[i]] -= 1
        dW += np.outer(X[i], p)
    return float(loss / num_train + reg * np.sum(W * W)), dW / num_train + 2 * reg * W
''',
    "while_loop": '''def softmax_loss_naive(W, X, y, reg):
    """A while loop over the examples."""
    num_train = X.shape[0]
    loss, dW = 0.0, np.zeros_like(W, dtype=np.float64)
    i = 0
    while i < num_train:
        s = X[i].dot(W)
        s = s - s.max()
        e = np.exp(s)
        total = e.sum()
        loss += np.log(total) - s[y[i]]
        g = e / total
        g[y[i]] -= 1
        dW += np.outer(X[i], g)
        i += 1
    return float(loss / num_train + reg * np.sum(W * W)), dW / num_train + 2 * reg * W
''',
    "divide_once_at_end": '''def softmax_loss_naive(W, X, y, reg):
    """The gradient of the mean written as the sum divided once, with the penalty in the same line."""
    n = len(y)
    total = 0.0
    grad = np.zeros(W.shape)
    for i in range(n):
        s = X[i].dot(W)
        m = np.max(s)
        lse = m + np.log(np.sum(np.exp(s - m)))
        total += lse - s[y[i]]
        coef = np.exp(s - lse)
        coef[y[i]] -= 1
        grad += np.outer(X[i], coef)
    return float(total / n + reg * np.vdot(W, W)), (grad + 2 * n * reg * W) / n
''',
    "float32_accumulate": '''def softmax_loss_naive(W, X, y, reg):
    """Accumulates the gradient in the dtype of X times W (float32 for float32 inputs)."""
    num_train = X.shape[0]
    loss = 0.0
    dW = np.zeros_like(X[:1].T.dot(W[:1]) * 0, shape=W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - scores.max()
        log_sum = np.log(np.exp(scores).sum())
        loss += float(log_sum - scores[y[i]])
        probs = np.exp(scores - log_sum)
        probs[y[i]] -= 1
        dW += np.outer(X[i], probs)
    loss = loss / num_train + float(reg * np.sum(W * W))
    dW = dW / num_train + 2 * reg * W
    return loss, dW
''',
}

# -- softmax_loss_vectorized ----------------------------------------------------------------------

VECTORIZED_STYLES = {
    "logsumexp": '''from scipy.special import logsumexp


def softmax_loss_vectorized(W, X, y, reg):
    """scipy's logsumexp for the log-normaliser."""
    N = X.shape[0]
    scores = X @ W
    lse = logsumexp(scores, axis=1)  # (N,)
    loss = np.mean(lse - scores[np.arange(N), y]) + reg * np.sum(W * W)
    G = np.exp(scores - lse[:, None])
    G[np.arange(N), y] -= 1
    return float(loss), X.T @ G / N + 2 * reg * W
''',
    "choose": '''def softmax_loss_vectorized(W, X, y, reg):
    """np.choose picks each row's correct log-probability."""
    N = X.shape[0]
    s = X.dot(W)
    s = s - s.max(axis=1)[:, None]
    log_probs = s - np.log(np.exp(s).sum(axis=1))[:, None]
    loss = -np.choose(y, log_probs.T).mean() + reg * np.sum(W * W)
    G = np.exp(log_probs)
    G[np.arange(N), y] -= 1
    dW = X.T.dot(G) / N + 2 * reg * W
    return float(loss), dW
''',
    "take_along_axis": '''def softmax_loss_vectorized(W, X, y, reg):
    """np.take_along_axis with the labels as a column."""
    N = X.shape[0]
    scores = np.matmul(X, W)
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.take_along_axis(log_probs, y[:, None], axis=1).sum() / N + reg * np.sum(W * W)
    G = np.exp(log_probs)
    np.put_along_axis(G, y[:, None], np.take_along_axis(G, y[:, None], axis=1) - 1, axis=1)
    return float(loss), np.matmul(X.T, G) / N + 2 * reg * W
''',
    "one_hot_eye": '''def softmax_loss_vectorized(W, X, y, reg):
    """A one-hot target matrix np.eye(C)[y]: the loss -sum(T * log P) / N, the gradient X^T (P - T) / N."""
    N, C = X.shape[0], W.shape[1]
    T = np.eye(C)[y]  # (N, C)
    S = X @ W
    S = S - S.max(axis=1, keepdims=True)
    log_P = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    loss = -np.sum(T * log_P) / N + reg * np.sum(W * W)
    dW = X.T @ (np.exp(log_P) - T) / N + 2 * reg * W
    return float(loss), dW
''',
    "add_at": '''def softmax_loss_vectorized(W, X, y, reg):
    """np.add.at subtracts 1 at each row's correct class."""
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)
    scores -= scores.max(axis=1, keepdims=True)
    exp_s = np.exp(scores)
    sums = exp_s.sum(axis=1, keepdims=True)
    loss = np.sum(np.log(sums[:, 0]) - scores[rows, y]) / N + reg * np.sum(W * W)
    coeff = exp_s / sums
    np.add.at(coeff, (rows, y), -1.0)
    return float(loss), X.T.dot(coeff) / N + 2 * reg * W
''',
    "add_at_gradient_rows": '''def softmax_loss_vectorized(W, X, y, reg):
    """dW^T from P^T X, then each example's x_i subtracted from its class's row with np.add.at."""
    N = X.shape[0]
    s = X @ W
    s = s - s.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(s).sum(axis=1))
    loss = (log_norm.sum() - s[np.arange(N), y].sum()) / N + reg * np.sum(W * W)
    P = np.exp(s - log_norm[:, None])
    dWt = P.T @ X  # (C, D)
    np.add.at(dWt, y, -X)
    return float(loss), dWt.T / N + 2 * reg * W
''',
    "bincount_one_hot": '''def softmax_loss_vectorized(W, X, y, reg):
    """The one-hot matrix from np.bincount of flat indices."""
    N, C = X.shape[0], W.shape[1]
    T = np.bincount(np.arange(N) * C + y, minlength=N * C).reshape(N, C)
    scores = X.dot(W)
    scores = scores - scores.max(axis=1, keepdims=True)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    loss = -(log_probs * T).sum() / N + reg * (W ** 2).sum()
    dW = X.T.dot(np.exp(log_probs) - T) / N + 2 * reg * W
    return float(loss), dW
''',
    "einsum": '''def softmax_loss_vectorized(W, X, y, reg):
    """np.einsum for the scores, the gradient and the penalty."""
    N = X.shape[0]
    S = np.einsum("nd,dc->nc", X, W)
    S = S - S.max(axis=1, keepdims=True)
    log_P = S - np.log(np.einsum("nc->n", np.exp(S)))[:, None]
    loss = -log_P[np.arange(N), y].mean() + reg * np.einsum("dc,dc->", W, W)
    G = np.exp(log_P)
    G[np.arange(N), y] -= 1
    return float(loss), np.einsum("nd,nc->dc", X, G) / N + 2 * reg * W
''',
    "float32_in_dtype": '''def softmax_loss_vectorized(W, X, y, reg):
    """Everything in the inputs' precision: float32 data gives float32 arithmetic."""
    dtype = np.result_type(W, X)
    N = X.shape[0]
    rows = np.arange(N)
    scores = (X @ W).astype(dtype, copy=False)
    scores = scores - scores.max(axis=1, keepdims=True)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].mean(dtype=dtype) + dtype.type(reg) * np.sum(W * W, dtype=dtype)
    G = np.exp(log_probs)
    G[rows, y] -= 1
    dW = (X.T @ G) / dtype.type(N) + dtype.type(2 * reg) * W
    return float(loss), dW.astype(dtype, copy=False)
''',
    "frobenius_inplace": '''def softmax_loss_vectorized(W, X, y, reg):
    """The penalty by the Frobenius norm; dW scaled and penalised in place."""
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    correct = scores[np.arange(num_train), y] - np.log(np.exp(scores).sum(axis=1))
    loss = -correct.mean() + reg * np.linalg.norm(W, "fro") ** 2
    probs[np.arange(num_train), y] -= 1
    dW = X.T.dot(probs)
    dW /= num_train
    dW += 2 * reg * W
    return float(loss), dW
''',
    "scipy_softmax_and_logsumexp": '''import scipy.special


def softmax_loss_vectorized(W, X, y, reg):
    """scipy.special.softmax for the probabilities, logsumexp for the loss."""
    N = X.shape[0]
    scores = X @ W
    loss = np.mean(scipy.special.logsumexp(scores, axis=1) - scores[np.arange(N), y])
    loss += reg * np.tensordot(W, W)
    coeff = scipy.special.softmax(scores, axis=1)
    coeff[np.arange(N), y] -= 1
    return float(loss), X.T @ coeff / N + 2 * reg * W
''',
    "helper_log_softmax": '''def _log_softmax(scores):
    """Row-wise log-softmax, stable."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_loss_vectorized(W, X, y, reg):
    """A helper function (without loops) for the log-probabilities."""
    N = X.shape[0]
    log_p = _log_softmax(X.dot(W))
    loss = -np.sum(log_p[np.arange(N), y]) / N + reg * np.sum(W * W)
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1
    dscores /= N
    return float(loss), X.T.dot(dscores) + 2 * reg * W
''',
    "mask_by_comparison": '''def softmax_loss_vectorized(W, X, y, reg):
    """The one-hot mask as y[:, None] == np.arange(C), and the correct scores as a masked sum."""
    C = W.shape[1]
    N = X.shape[0]
    mask = y[:, None] == np.arange(C)  # (N, C) booleans
    s = X @ W
    s = s - s.max(axis=1, keepdims=True)
    lse = np.log(np.exp(s).sum(axis=1))
    loss = np.mean(lse - np.sum(s * mask, axis=1)) + reg * np.sum(W * W)
    dW = X.T @ (np.exp(s - lse[:, None]) - mask) / N + 2 * reg * W
    return float(loss), dW
''',
    "flat_indices": '''def softmax_loss_vectorized(W, X, y, reg):
    """Flat indices i * C + y_i into the raveled matrices."""
    N, C = X.shape[0], W.shape[1]
    flat = np.arange(N) * C + y
    s = np.dot(X, W)
    s = s - s.max(axis=1).reshape(-1, 1)
    log_probs = s - np.log(np.exp(s).sum(axis=1)).reshape(-1, 1)
    loss = -log_probs.ravel()[flat].mean() + reg * np.sum(W * W)
    G = np.exp(log_probs)
    G.ravel()[flat] -= 1
    return float(loss), np.dot(X.T, G) / N + 2 * reg * W
''',
    "where_one_hot": '''def softmax_loss_vectorized(W, X, y, reg):
    """The correct class marked with np.where; the loss as mean(log sum exp) minus mean(correct score)."""
    N, C = X.shape[0], W.shape[1]
    scores = X @ W
    m = scores.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(scores - m).sum(axis=1, keepdims=True)))[:, 0]
    correct = np.where(np.arange(C)[None, :] == y[:, None], scores, 0.0).sum(axis=1)
    loss = lse.mean() - correct.mean() + reg * np.sum(W * W)
    G = np.exp(scores - lse[:, None]) - np.where(np.arange(C)[None, :] == y[:, None], 1.0, 0.0)
    return float(loss), X.T @ G / N + 2.0 * reg * W
''',
    "logaddexp_reduce": '''def softmax_loss_vectorized(W, X, y, reg):
    """np.logaddexp.reduce along the classes: stable without an explicit shift."""
    N = X.shape[0]
    scores = X.dot(W)
    lse = np.logaddexp.reduce(scores, axis=1)
    loss = np.sum(lse - scores[np.arange(N), y]) / N + reg * np.sum(W * W)
    dS = np.exp(scores - lse[:, None])
    dS[np.arange(N), y] -= 1
    return float(loss), X.T.dot(dS / N) + 2 * reg * W
''',
}

# -- train_linear_classifier and predict_linear_classifier ----------------------------------------

TRAIN_HEAD = ("def train_linear_classifier(loss_fn, W, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,\n"
              "                            batch_size=200, rng=None, verbose=False):\n")

TRAIN_STYLES = {
    "integers": TRAIN_HEAD + '''    """Batches from rng.integers (uniform, with replacement)."""
    rng = np.random.default_rng(rng)
    W = np.copy(W)
    history = []
    for _ in range(num_iters):
        idx = rng.integers(0, X.shape[0], size=batch_size)
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        W -= learning_rate * grad
    return W, history
''',
    "rebind_not_inplace": TRAIN_HEAD + '''    """W = W - lr * grad: a new array each step."""
    rng = np.random.default_rng(rng)
    loss_history = []
    for it in range(num_iters):
        batch = rng.choice(len(X), size=batch_size, replace=True)
        loss, grad = loss_fn(W, X[batch], y[batch], reg)
        loss_history.append(float(loss))
        W = W - learning_rate * grad
    return W, loss_history
''',
    "array_copy_verbose": TRAIN_HEAD + '''    """np.array(W, copy=True), and progress printed when asked."""
    rng = np.random.default_rng(rng)
    W = np.array(W, copy=True)
    loss_history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size)
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        loss_history.append(float(loss))
        W -= learning_rate * grad
        if verbose and it % 100 == 0:
            print(f"iteration {it} / {num_iters}: loss {loss:f}")
    return W, loss_history
''',
    "while_loop": TRAIN_HEAD + '''    """A while loop counting the steps."""
    rng = np.random.default_rng(rng)
    W = W.copy()
    loss_history = []
    it = 0
    while it < num_iters:
        idx = rng.choice(X.shape[0], batch_size, replace=True)
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        loss_history.append(float(loss))
        W -= learning_rate * grad
        it += 1
    return W, loss_history
''',
    "take": TRAIN_HEAD + '''    """The batch with np.take."""
    rng = np.random.default_rng(rng)
    W = W.copy()
    loss_history = []
    for _ in range(num_iters):
        idx = rng.integers(X.shape[0], size=batch_size)
        X_batch, y_batch = np.take(X, idx, axis=0), np.take(y, idx)
        loss, grad = loss_fn(W, X_batch, y_batch, reg)
        loss_history.append(float(loss))
        W -= learning_rate * grad
    return W, loss_history
''',
    "preallocated_history": TRAIN_HEAD + '''    """The history list made at full length first."""
    rng = np.random.default_rng(rng)
    W = W.copy()
    loss_history = [0.0] * num_iters
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size)
        loss_history[it], grad = loss_fn(W, X[idx], y[idx], reg)
        loss_history[it] = float(loss_history[it])
        W -= learning_rate * grad
    return W, loss_history
''',
    "generator_passthrough": TRAIN_HEAD + '''    """A Generator used as given, else seeded."""
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    W = W.copy()
    loss_history = []
    for _ in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size, replace=True)
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        loss_history.append(float(loss))
        W -= learning_rate * grad
    return W, loss_history
''',
    "subtract_out": TRAIN_HEAD + '''    """np.subtract(..., out=W) on the copy."""
    rng = np.random.default_rng(rng)
    W = W.astype(W.dtype, copy=True)
    loss_history = []
    for _ in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size)
        loss, grad = loss_fn(W, X[idx, :], y[idx], reg)
        loss_history.append(float(loss))
        np.subtract(W, learning_rate * grad, out=W, casting="unsafe")
    return W, loss_history
''',
    "deepcopy": 'import copy\n\n\n' + TRAIN_HEAD + '''    """copy.deepcopy of W."""
    rng = np.random.default_rng(rng)
    W = copy.deepcopy(W)
    loss_history = []
    for _ in range(num_iters):
        idx = rng.choice(np.arange(X.shape[0]), size=batch_size, replace=True)
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        loss_history.append(float(loss))
        W -= learning_rate * grad
    return W, loss_history
''',
    "generic_names": TRAIN_HEAD + '''    """W += -lr * grad, the loss called with *args."""
    generator = np.random.default_rng(rng)
    weights = W.copy()
    losses = []
    num_train = X.shape[0]
    for step in range(num_iters):
        sample = generator.integers(low=0, high=num_train, size=batch_size)
        batch = (weights, X[sample], y[sample], reg)
        value, gradient = loss_fn(*batch)
        losses.append(float(value))
        weights += -learning_rate * gradient
    return weights, losses
''',
    "history_np_float": TRAIN_HEAD + '''    """Losses kept as NumPy float64 scalars (a float subclass)."""
    rng = np.random.default_rng(rng)
    W = W.copy()
    loss_history = []
    for _ in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size, replace=True)
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        loss_history.append(np.float64(loss))
        W -= learning_rate * grad
    return W, loss_history
''',
    "zeros_plus": TRAIN_HEAD + '''    """The copy made as W + 0 (a new array of W's dtype)."""
    rng = np.random.default_rng(rng)
    W = W + 0
    loss_history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size)
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        W -= learning_rate * grad
        loss_history.append(float(loss))
        if verbose and (it + 1) % 100 == 0:
            print("iteration", it + 1, "loss", loss)
    return W, loss_history
''',
    "all_batches_at_once": TRAIN_HEAD + '''    """All batches drawn at once, one row of indices per step."""
    rng = np.random.default_rng(rng)
    W = W.copy()
    batches = rng.integers(0, X.shape[0], size=(num_iters, batch_size))
    loss_history = []
    for idx in batches:
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        loss_history.append(float(loss))
        W -= learning_rate * grad
    return W, loss_history
''',
    "empty_like_copyto": TRAIN_HEAD + '''    """The copy by np.empty_like and np.copyto."""
    rng = np.random.default_rng(rng)
    W_train = np.empty_like(W)
    np.copyto(W_train, W)
    loss_history = []
    for _ in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size)
        loss, grad = loss_fn(W_train, X[idx], y[idx], reg)
        loss_history.append(float(loss))
        W_train -= learning_rate * grad
    return W_train, loss_history
''',
    "sorted_batch": TRAIN_HEAD + '''    """The batch indices sorted (order is irrelevant)."""
    rng = np.random.default_rng(rng)
    W = W.copy()
    loss_history = []
    for _ in range(num_iters):
        idx = np.sort(rng.choice(X.shape[0], batch_size, replace=True))
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        loss_history.append(float(loss))
        W -= learning_rate * grad
    return W, loss_history
''',
}

PREDICT_STYLES = {
    "matmul": '''def predict_linear_classifier(W, X):
    """X @ W, argmax over the classes."""
    return np.argmax(X @ W, axis=1)
''',
    "method_argmax": '''def predict_linear_classifier(W, X):
    """The array method."""
    return X.dot(W).argmax(axis=1)
''',
    "np_matmul_last_axis": '''def predict_linear_classifier(W, X):
    """np.matmul and axis=-1."""
    return np.argmax(np.matmul(X, W), axis=-1)
''',
    "einsum": '''def predict_linear_classifier(W, X):
    """The scores by np.einsum."""
    return np.einsum("nd,dc->nc", X, W).argmax(1)
''',
    "row_loop": '''def predict_linear_classifier(W, X):
    """One row at a time."""
    y_pred = np.zeros(X.shape[0], dtype=int)
    for i in range(X.shape[0]):
        y_pred[i] = np.argmax(X[i].dot(W))
    return y_pred
''',
    "argsort_stable": '''def predict_linear_classifier(W, X):
    """The last column of a stable argsort: the highest score."""
    return np.argsort(X.dot(W), axis=1, kind="stable")[:, -1]
''',
    "astype_int64": '''def predict_linear_classifier(W, X):
    """argmax, then an explicit int64."""
    return np.argmax(X.dot(W), axis=1).astype(np.int64)
''',
    "argmin_negated": '''def predict_linear_classifier(W, X):
    """The smallest negated score."""
    return np.argmin(-(X @ W), axis=1)
''',
    "nanargmax": '''def predict_linear_classifier(W, X):
    """np.nanargmax (the same where nothing is nan)."""
    return np.nanargmax(X.dot(W), axis=1)
''',
    "transposed": '''def predict_linear_classifier(W, X):
    """Scores as (C, N), argmax down the columns."""
    return np.argmax(W.T @ X.T, axis=0)
''',
    "np_dot": '''def predict_linear_classifier(W, X):
    """np.dot."""
    scores = np.dot(X, W)  # (N, C)
    return scores.argmax(axis=1)
''',
    "apply_along_axis": '''def predict_linear_classifier(W, X):
    """np.apply_along_axis of np.argmax over the rows of the scores."""
    return np.apply_along_axis(np.argmax, 1, X @ W)
''',
    "map_rows": '''def predict_linear_classifier(W, X):
    """np.argmax mapped over the rows."""
    return np.array(list(map(np.argmax, X.dot(W))))
''',
    "tensordot": '''def predict_linear_classifier(W, X):
    """np.tensordot with one contracted axis."""
    return np.argmax(np.tensordot(X, W, axes=1), axis=1)
''',
    "max_equality": '''def predict_linear_classifier(W, X):
    """The first class whose score equals the row maximum."""
    scores = X.dot(W)
    return np.argmax(scores == scores.max(axis=1, keepdims=True), axis=1)
''',
    "asarray_intp": '''def predict_linear_classifier(W, X):
    """asarray of the inputs, argmax as np.intp."""
    scores = np.asarray(X).dot(np.asarray(W))
    return np.asarray(np.argmax(scores, axis=1), dtype=np.intp)
''',
}

# -- tuning ---------------------------------------------------------------------------------------

TUNING_STYLES = {
    "copy_of_best": tuning('''if val_acc > best_val:
    best_val, best_W = val_acc, W.copy()'''),
    "reg_outer_loop": '''results = {}  # (learning_rate, reg) -> (training accuracy, validation accuracy)
best_val = -1.0
best_W = None
num_iters = 1000 if data.X_train.shape[0] >= 5000 else 300
D, C = data.X_train.shape[1], len(data.class_names)
for reg in [1e2, 1e3, 1e4]:
    for lr in [3e-7, 1e-6, 3e-6]:
        W0 = 1e-6 * np.random.default_rng(SEED).standard_normal((D, C), dtype=np.float32)
        W, history = train_linear_classifier(softmax_loss_vectorized, W0, data.X_train, data.y_train,
                                             learning_rate=lr, reg=reg, num_iters=num_iters, rng=SEED)
        accuracies = tuple(float(np.mean(predict_linear_classifier(W, Xs) == ys))
                           for Xs, ys in ((data.X_train, data.y_train), (data.X_val, data.y_val)))
        results[(lr, reg)] = accuracies
        if accuracies[1] >= best_val:  # ties: the later one
            best_val, best_W = accuracies[1], W
''',
    "select_after_the_grid": '''import itertools

results = {}  # (learning_rate, reg) -> (training accuracy, validation accuracy)
weights = {}  # (learning_rate, reg) -> trained W
num_iters = 1000 if data.X_train.shape[0] >= 5000 else 300
D, C = data.X_train.shape[1], len(data.class_names)
for lr, reg in itertools.product([3e-7, 1e-6, 3e-6], [1e2, 1e3, 1e4]):
    W0 = 1e-6 * np.random.default_rng(SEED).standard_normal((D, C), dtype=np.float32)
    weights[(lr, reg)], _ = train_linear_classifier(softmax_loss_vectorized, W0, data.X_train, data.y_train,
                                                    learning_rate=lr, reg=reg, num_iters=num_iters,
                                                    batch_size=200, rng=SEED)
    train_acc = np.mean(predict_linear_classifier(weights[(lr, reg)], data.X_train) == data.y_train)
    val_acc = np.mean(predict_linear_classifier(weights[(lr, reg)], data.X_val) == data.y_val)
    results[(lr, reg)] = (float(train_acc), float(val_acc))
best_key = max(results, key=lambda k: results[k][1])
best_val = results[best_key][1]
best_W = weights[best_key]
''',
    "numpy_scalars": '''results = {}  # (learning_rate, reg) -> (training accuracy, validation accuracy)
best_val = -1.0
best_W = None
num_iters = 1000 if data.X_train.shape[0] >= 5000 else 300
D, C = data.X_train.shape[1], len(data.class_names)
for lr in np.array([3e-7, 1e-6, 3e-6]):
    for reg in np.array([1e2, 1e3, 1e4]):
        W0 = 1e-6 * np.random.default_rng(SEED).standard_normal((D, C), dtype=np.float32)
        W, _ = train_linear_classifier(softmax_loss_vectorized, W0, data.X_train, data.y_train,
                                       learning_rate=lr, reg=reg, num_iters=num_iters, rng=SEED)
        train_acc = (predict_linear_classifier(W, data.X_train) == data.y_train).mean()
        val_acc = (predict_linear_classifier(W, data.X_val) == data.y_val).mean()
        results[(lr, reg)] = (train_acc, val_acc)  # NumPy scalars as keys and values
        if val_acc > best_val:
            best_val, best_W = val_acc, np.array(W)
''',
}


#: The right tuning styles search 2 x 2 of the solution's 3 x 3 grid: the best pair on digits and on the
#: CIFAR-10 subset (1e-6, 1e2: validation 0.963 and 0.387) and three worse ones. What varies is the
#: loop, the selection and the copy; each pair is a whole training with the bundle's own loss and SGD.
#: The full grid is graded in the reference.
SMALL_GRID = {"3e-7, 1e-6, 3e-6": "3e-7, 1e-6", "1e2, 1e3, 1e4": "1e2, 1e3"}
TUNING_STYLES = {name: on_grid(src, SMALL_GRID) for name, src in TUNING_STYLES.items()}


def _right(name: str, style: str, answer_cell: str, source: str, varies: str) -> tuple[Entry, str]:
    return Entry(name, style, {answer_cell: source}, keeps=TESTS_OF_CELL[answer_cell]), varies


_ENTRIES = (
    [_right(f"sigmoid_{k}", f"sigmoid: {v.split(chr(34) * 3)[1].strip()}", "softmax_function",
            cell(v, SOFTMAX), "sigmoid") for k, v in SIGMOID_STYLES.items()]
    + [_right(f"softmax_{k}", f"softmax: {v.split(chr(34) * 3)[1].strip()}", "softmax_function",
              cell(SIGMOID, v), "softmax") for k, v in SOFTMAX_STYLES.items()]
    + [_right(f"naive_{k}", v.split(chr(34) * 3)[1].strip(), "softmax_loss_naive", v, "softmax_loss_naive")
       for k, v in NAIVE_STYLES.items()]
    + [_right(f"vectorized_{k}", v.split(chr(34) * 3)[1].strip(), "softmax_loss_vectorized", v,
              "softmax_loss_vectorized") for k, v in VECTORIZED_STYLES.items()]
    + [_right(f"train_{k}", v.split(chr(34) * 3)[1].strip(), "train_predict", cell(v, PREDICT),
              "train_linear_classifier") for k, v in TRAIN_STYLES.items()]
    + [_right(f"predict_{k}", v.split(chr(34) * 3)[1].strip(), "train_predict", cell(TRAIN, v),
              "predict_linear_classifier") for k, v in PREDICT_STYLES.items()]
    + [_right(f"tuning_{k}", k.replace("_", " "), "tuning", v, "tuning") for k, v in TUNING_STYLES.items()]
)
RIGHT: list[Entry] = [e for e, _ in _ENTRIES]
#: right entry name -> the function it writes in its own style
VARIES: dict[str, str] = {e.name: varies for e, varies in _ENTRIES}

# -- right but for one requirement ----------------------------------------------------------------

#: CS231n's softmax_loss_naive as generations of students wrote it: stable against overflow (the
#: row maximum is subtracted), but -log of a probability that underflows to 0 when the correct
#: score trails the best by about 745 or more.
CANONICAL_NAIVE = '''def softmax_loss_naive(W, X, y, reg):
    """CS231n's loop: shift by the maximum, normalise, -log of the correct probability."""
    loss = 0.0
    dW = np.zeros_like(W)
    num_train = X.shape[0]
    num_classes = W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)
        probs = np.exp(scores) / np.sum(np.exp(scores))
        loss += -np.log(probs[y[i]])
        for j in range(num_classes):
            dW[:, j] += (probs[j] - (j == y[i])) * X[i]
    loss /= num_train
    loss += reg * np.sum(W * W)
    dW /= num_train
    dW += 2 * reg * W
    return loss, dW
'''

CANONICAL_VECTORIZED = '''def softmax_loss_vectorized(W, X, y, reg):
    """CS231n's vectorized loss: shift, normalise, -log of the correct probabilities."""
    num_train = X.shape[0]
    scores = X.dot(W)
    scores -= np.max(scores, axis=1, keepdims=True)
    probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    loss = np.sum(-np.log(probs[np.arange(num_train), y])) / num_train
    loss += reg * np.sum(W * W)
    dscores = probs.copy()
    dscores[np.arange(num_train), y] -= 1
    dW = X.T.dot(dscores) / num_train + 2 * reg * W
    return loss, dW
'''

#: As written in several real CS231n submissions: the log of *every* class's probability, then the
#: correct one picked, so log(0) also happens in classes the loss discards. On large scores whose
#: correct class is near the best the result is right; only the log-space share may be lost, once.
LOG_EVERY_CLASS_NAIVE = CANONICAL_NAIVE.replace(
    "        loss += -np.log(probs[y[i]])\n",
    "        log_probs = np.log(probs)  # (C,): -inf where a probability underflowed\n"
    "        loss += -log_probs[y[i]]\n")

LOG_EVERY_CLASS_VECTORIZED = CANONICAL_VECTORIZED.replace(
    "    loss = np.sum(-np.log(probs[np.arange(num_train), y])) / num_train\n",
    "    log_probs = np.log(probs)  # (N, C)\n"
    "    loss = -np.sum(log_probs[np.arange(num_train), y]) / num_train\n")

#: The share of the log-space requirement in each test cell of the naive and the vectorized loss.
LOG_SPACE_SHARE = 0.25

PARTIAL: list[Entry] = [
    Entry("canonical_cs231n_naive",
          "CS231n's naive softmax: max shift, then -np.log(probs[y]); log(0) when the correct class trails "
          "by 745+",
          {"softmax_loss_naive": CANONICAL_NAIVE},
          keeps=ALL_TESTS - NAIVE_TESTS,
          exact_loss={"test_softmax_loss_naive": LOG_SPACE_SHARE,
                      "test_softmax_loss_naive_hidden": LOG_SPACE_SHARE}),
    Entry("canonical_cs231n_vectorized",
          "CS231n's vectorized softmax: max shift, then -np.log(probs[rows, y]); log(0) when the correct "
          "class trails by 745+",
          {"softmax_loss_vectorized": CANONICAL_VECTORIZED},
          keeps=ALL_TESTS - VECTORIZED_TESTS,
          exact_loss={"test_softmax_loss_vectorized": LOG_SPACE_SHARE,
                      "test_softmax_loss_vectorized_hidden": LOG_SPACE_SHARE}),
    Entry("log_every_class_naive",
          "max shift, then np.log of every class's probability and the correct one picked: log(0) in "
          "discarded classes is harmless; only the correct class trailing by 745+ costs (log-space)",
          {"softmax_loss_naive": LOG_EVERY_CLASS_NAIVE},
          keeps=ALL_TESTS - NAIVE_TESTS,
          exact_loss={"test_softmax_loss_naive": LOG_SPACE_SHARE,
                      "test_softmax_loss_naive_hidden": LOG_SPACE_SHARE}),
    Entry("log_every_class_vectorized",
          "max shift, then np.log(probs) of the whole table and the correct entries picked",
          {"softmax_loss_vectorized": LOG_EVERY_CLASS_VECTORIZED},
          keeps=ALL_TESTS - VECTORIZED_TESTS,
          exact_loss={"test_softmax_loss_vectorized": LOG_SPACE_SHARE,
                      "test_softmax_loss_vectorized_hidden": LOG_SPACE_SHARE}),
    Entry("right_vectorized_wrong_naive",
          "a right vectorized loss (take_along_axis) beside a naive one that forgets the -1 at the correct "
          "class",
          {"softmax_loss_naive": swap(NAIVE, "coeff = probs[j] - 1 if j == y[i] else probs[j]",
                                      "coeff = probs[j]"),
           "softmax_loss_vectorized": VECTORIZED_STYLES["take_along_axis"]},
          must_fail=NAIVE_TESTS, keeps=ALL_TESTS - NAIVE_TESTS),
]

#: A quick right tuning cell for bundles that do not rewrite tuning: the solution's search on one
#: pair of its grid, in 200 steps on digits instead of 300 (validation 0.963 with the solution's loss
#: and SGD, bar 0.94). The bundle's own loss and SGD still train with it and must reach the bar; the
#: full grid is graded in the reference and the right tuning entries.
FAST_TUNING = on_grid(tuning('''
if val_acc > best_val:
    best_val, best_W = val_acc, W
'''), {"learning_rates = [3e-7, 1e-6, 3e-6]\n": "learning_rates = [3e-6]\n",
       "regularization_strengths = [1e2, 1e3, 1e4]\n": "regularization_strengths = [1e3]\n",
       "else 300": "else 200"})
