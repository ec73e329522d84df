"""Right implementations of the optimization assignment, each written in its own style.

Every entry is correct by the notebook's contract (the docstrings and the task text of
solutions/optimization/optimization.ipynb) and must keep full marks in the test cells of the
answer cell it replaces: tests/test_catalogs.py grades them (bundled, several answer
cells per submission) and checks it. They differ in what tests tend to over-specify: loop style
(np.ndindex, np.nditer, flat indices, itertools.product), how x is perturbed and restored, the
vectorized form of the SVM loss (masks, np.where, einsum, np.add.at, bincount, one-hot), the order
of sums (and so the rounding), how the best W so far is kept (a reference, .copy(), np.array),
in-place updates on a copy against rebinding, how random numbers are drawn (within what the
docstrings fix: every draw from ``rng = np.random.default_rng(rng)``, normal steps of the given
size, batch indices uniform with replacement) and the type of the history (a list of floats).
"""

from __future__ import annotations

from .harness import Entry
from .optimization_wrong import (
    CENTERED,
    FORWARD,
    GRADIENT_DESCENT,
    LOCAL_SEARCH,
    LR_SCHEDULE,
    RANDOM_SEARCH,
    SGD,
    SVM_LOSS,
    cell,
)

NUMGRAD_TESTS = frozenset({"test_numerical_gradient", "test_numerical_gradient_hidden"})
SVM_TESTS = frozenset({"test_svm_loss"})
RANDOM_TESTS = frozenset({"test_random_search", "test_random_search_hidden"})
LOCAL_TESTS = frozenset({"test_random_local_search", "test_random_local_search_hidden"})
GD_TESTS = frozenset({"test_gradient_descent", "test_gradient_descent_hidden"})
SGD_TESTS = frozenset({"test_sgd", "test_sgd_hidden"})
SCHEDULE_TESTS = frozenset({"test_lr_schedule", "test_lr_schedule_hidden"})
TESTS_OF_CELL = {"numerical_gradient": NUMGRAD_TESTS, "svm_loss": SVM_TESTS, "random_search": RANDOM_TESTS,
                 "random_local_search": LOCAL_TESTS, "gradient_descent": GD_TESTS, "sgd": SGD_TESTS,
                 "lr_schedule": SCHEDULE_TESTS}


def right(name: str, style: str, answer_cell: str, source: str) -> Entry:
    """A right entry: one answer cell replaced, all of its tests kept at full marks."""
    return Entry(name, style, {answer_cell: source}, keeps=TESTS_OF_CELL[answer_cell])


# -- Part A: eval_numerical_gradient (centred) ----------------------------------------------------

CENTERED_STYLES = {
    "ndindex": CENTERED,
    "nditer": '''def eval_numerical_gradient(f, x, h=1e-5):
    """CS231n's loop: np.nditer with multi_index."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad
''',
    "flat_iterator": '''def eval_numerical_gradient(f, x, h=1e-5):
    """Flat indices through x.flat, which writes into x whatever its layout."""
    grad = np.zeros(x.size)
    for i in range(x.size):
        saved = x.flat[i]
        x.flat[i] = saved + h
        up = f(x)
        x.flat[i] = saved - h
        down = f(x)
        x.flat[i] = saved
        grad[i] = (up - down) / (2.0 * h)
    return grad.reshape(x.shape)
''',
    "reshape_view": '''def eval_numerical_gradient(f, x, h=1e-5):
    """A flat view x.reshape(-1) of x's memory (a copy of x only when x is not contiguous)."""
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):  # not a view: index x itself instead
        flat = None
    grad = np.zeros(x.size, dtype=np.float64)
    for i in range(x.size):
        ix = i if flat is not None else np.unravel_index(i, x.shape)
        target = flat if flat is not None else x
        old = target[ix]
        target[ix] = old + h
        fp = f(x)
        target[ix] = old - h
        fm = f(x)
        target[ix] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad.reshape(x.shape)
''',
    "itertools_product": '''import itertools


def eval_numerical_gradient(f, x, h=1e-5):
    """Every index as a tuple from itertools.product over the ranges of the shape."""
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in itertools.product(*(range(n) for n in x.shape)):
        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old - h
        f_minus = f(x)
        x[ix] = old
        grad[ix] = (f_plus - f_minus) / (2 * h)
    return grad
''',
    "add_subtract": '''def eval_numerical_gradient(f, x, h=1e-5):
    """Steps made with += h and -= 2h, then the saved value written back (so x is restored bitwise)."""
    grad = np.zeros(x.shape)
    for ix in np.ndindex(x.shape):
        saved = x[ix]
        x[ix] += h
        f_plus = f(x)
        x[ix] -= 2 * h
        f_minus = f(x)
        x[ix] = saved
        grad[ix] = (f_plus - f_minus) / (2 * h)
    return grad
''',
    "list_then_reshape": '''def eval_numerical_gradient(f, x, h=1e-5):
    """The estimates collected in a list, in C order, and reshaped at the end."""
    estimates = []
    for ix in np.ndindex(*x.shape):
        old = x[ix]
        x[ix] = old + h
        high = float(f(x))
        x[ix] = old - h
        low = float(f(x))
        x[ix] = old
        estimates.append((high - low) / (2 * h))
    return np.array(estimates, dtype=np.float64).reshape(x.shape)
''',
    "ndenumerate": '''def eval_numerical_gradient(f, x, h=1e-5):
    """np.ndenumerate gives each index with its (restored) value."""
    grad = np.empty(x.shape, dtype=np.float64)
    for ix, value in np.ndenumerate(x):
        x[ix] = value + h
        a = f(x)
        x[ix] = value - h
        b = f(x)
        x[ix] = value
        grad[ix] = 0.5 * (a - b) / h
    return grad
''',
    "unravel_while": '''def eval_numerical_gradient(f, x, h=1e-5):
    """A while loop over flat positions, turned into indices with np.unravel_index."""
    grad = np.zeros(np.shape(x))
    i = 0
    while i < x.size:
        ix = np.unravel_index(i, x.shape)
        keep = x[ix].copy()
        x[ix] = keep + h
        f1 = f(x)
        x[ix] = keep - h
        f2 = f(x)
        x[ix] = keep
        grad[ix] = (f1 - f2) / h / 2
        i += 1
    return grad
''',
    "np_put": '''def eval_numerical_gradient(f, x, h=1e-5):
    """np.put writes flat positions of x in place; the estimate goes straight into a flat grad."""
    grad = np.zeros(x.size)
    for i in range(x.size):
        old = x.flat[i]
        np.put(x, i, old + h)
        plus = f(x)
        np.put(x, i, old - h)
        minus = f(x)
        np.put(x, i, old)
        grad[i] = (plus - minus) / (h + h)
    return grad.reshape(x.shape)
''',
    "helper_closure": '''def eval_numerical_gradient(f, x, h=1e-5):
    """A small helper evaluates f with one entry set to a value."""
    def f_with(ix, value):
        x[ix] = value
        return f(x)

    grad = np.zeros(x.shape, dtype=float)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        slope = (f_with(ix, old + h) - f_with(ix, old - h)) / (2 * h)
        x[ix] = old
        grad[ix] = slope
    return grad
''',
    "try_finally": '''def eval_numerical_gradient(f, x, h=1e-5):
    """The saved value is written back in a finally clause, even if f raises."""
    grad = np.zeros_like(x, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        try:
            x[ix] = old + h
            fxph = f(x)
            x[ix] = old - h
            fxmh = f(x)
        finally:
            x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
    return grad
''',
    "precomputed_indices": '''def eval_numerical_gradient(f, x, h=1e-5):
    """All the indices listed first (np.indices), then visited."""
    grad = np.zeros(x.shape)
    indices = np.indices(x.shape).reshape(x.ndim, x.size).T
    for row in indices:
        ix = tuple(int(i) for i in row)
        original = x[ix]
        x[ix] = original + h
        right_value = f(x)
        x[ix] = original - h
        left_value = f(x)
        x[ix] = original
        grad[ix] = (right_value - left_value) / (2 * h)
    return grad
''',
    "two_half_sums": '''def eval_numerical_gradient(f, x, h=1e-5):
    """f(x + h) / (2h) - f(x - h) / (2h): the same quotient, another rounding."""
    grad = np.zeros(x.shape, dtype=np.float64)
    inv = 1.0 / (2.0 * h)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        up = f(x) * inv
        x[ix] = old - h
        down = f(x) * inv
        x[ix] = old
        grad[ix] = up - down
    return grad
''',
    "multi_index_generator": '''def eval_numerical_gradient(f, x, h=1e-5):
    """Indices from a generator over np.nditer's multi_index, without op_flags (x is written by index)."""
    def indices(a):
        it = np.nditer(a, flags=["multi_index", "refs_ok"])
        for _ in it:
            yield it.multi_index

    grad = np.zeros(x.shape)
    for ix in indices(x):
        old = x[ix]
        x[ix] = old + h
        fp = f(x)
        x[ix] = old - h
        fm = f(x)
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
    return grad
''',
    "actual_step": '''def eval_numerical_gradient(f, x, h=1e-5):
    """Divides by the step actually taken, (old + h) - (old - h), which is 2h up to rounding."""
    grad = np.zeros(x.shape)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        hi_x, hi_f = x[ix], f(x)
        x[ix] = old - h
        lo_x, lo_f = x[ix], f(x)
        x[ix] = old
        grad[ix] = (hi_f - lo_f) / (hi_x - lo_x)
    return grad
''',
}

# -- Part A: eval_numerical_gradient_forward ------------------------------------------------------

FORWARD_STYLES = {
    "ndindex": FORWARD,
    "nditer": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """np.nditer with multi_index; f(x) once before the loop."""
    fx = f(x)
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fx) / h
        it.iternext()
    return grad
''',
    "flat_iterator": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """Flat indices through x.flat."""
    base = f(x)
    grad = np.zeros(x.size)
    for i in range(x.size):
        saved = x.flat[i]
        x.flat[i] = saved + h
        grad[i] = (f(x) - base) / h
        x.flat[i] = saved
    return grad.reshape(x.shape)
''',
    "reshape_view": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """A flat view of x (x.reshape(-1)), or x.flat when x is not contiguous."""
    flat = x.reshape(-1)
    target = flat if np.shares_memory(flat, x) else x.flat
    f0 = f(x)
    grad = np.zeros(x.size)
    for i in range(x.size):
        old = target[i]
        target[i] = old + h
        grad[i] = (f(x) - f0) / h
        target[i] = old
    return grad.reshape(x.shape)
''',
    "itertools_product": '''import itertools


def eval_numerical_gradient_forward(f, x, h=1e-5):
    """itertools.product over the ranges of the shape."""
    grad = np.zeros(x.shape, dtype=np.float64)
    f_x = f(x)
    for ix in itertools.product(*map(range, x.shape)):
        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old
        grad[ix] = (f_plus - f_x) / h
    return grad
''',
    "add_then_restore": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """x[ix] += h, then the saved value written back."""
    f_x = float(f(x))
    grad = np.zeros(x.shape)
    for ix in np.ndindex(x.shape):
        saved = x[ix]
        x[ix] += h
        f_plus = float(f(x))
        x[ix] = saved
        grad[ix] = (f_plus - f_x) / h
    return grad
''',
    "list_then_reshape": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """Estimates collected in a list and reshaped."""
    f_x = f(x)
    estimates = []
    for ix in np.ndindex(*x.shape):
        old = x[ix]
        x[ix] = old + h
        estimates.append((f(x) - f_x) / h)
        x[ix] = old
    return np.array(estimates, dtype=np.float64).reshape(x.shape)
''',
    "ndenumerate": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """np.ndenumerate."""
    grad = np.empty(x.shape, dtype=np.float64)
    at_x = f(x)
    for ix, value in np.ndenumerate(x):
        x[ix] = value + h
        grad[ix] = (f(x) - at_x) / h
        x[ix] = value
    return grad
''',
    "unravel_while": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """A while loop over flat positions with np.unravel_index."""
    grad = np.zeros(np.shape(x))
    f0 = f(x)
    i = 0
    while i < x.size:
        ix = np.unravel_index(i, x.shape)
        keep = x[ix].copy()
        x[ix] = keep + h
        f1 = f(x)
        x[ix] = keep
        grad[ix] = (f1 - f0) / h
        i += 1
    return grad
''',
    "np_put": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """np.put on flat positions."""
    grad = np.zeros(x.size)
    reference = f(x)
    for i in range(x.size):
        old = x.flat[i]
        np.put(x, i, old + h)
        moved = f(x)
        np.put(x, i, old)
        grad[i] = (moved - reference) / h
    return grad.reshape(x.shape)
''',
    "helper_closure": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """A helper that evaluates f with one entry set to a value."""
    def f_with(ix, value):
        x[ix] = value
        return f(x)

    f_x = f(x)
    grad = np.zeros(x.shape, dtype=float)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        grad[ix] = (f_with(ix, old + h) - f_x) / h
        x[ix] = old
    return grad
''',
    "lazy_base": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """f(x) evaluated at the first entry, before any perturbation, and reused."""
    grad = np.zeros(x.shape)
    f_x = None
    for ix in np.ndindex(x.shape):
        if f_x is None:
            f_x = f(x)
        old = x[ix]
        x[ix] = old + h
        f_plus = f(x)
        x[ix] = old
        grad[ix] = (f_plus - f_x) / h
    return grad
''',
    "precomputed_indices": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """All indices listed first with np.indices."""
    grad = np.zeros(x.shape)
    base = f(x)
    for row in np.indices(x.shape).reshape(x.ndim, x.size).T:
        ix = tuple(int(i) for i in row)
        original = x[ix]
        x[ix] = original + h
        grad[ix] = (f(x) - base) / h
        x[ix] = original
    return grad
''',
    "reciprocal": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """Multiplies by 1 / h instead of dividing (another rounding)."""
    inv_h = 1.0 / h
    f_x = f(x)
    grad = np.empty_like(x, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        grad[ix] = (f(x) - f_x) * inv_h
        x[ix] = old
    return grad
''',
    "try_finally": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """The saved value written back in a finally clause."""
    f_x = f(x)
    grad = np.zeros(x.shape, dtype=np.float64)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        try:
            x[ix] = old + h
            f_plus = f(x)
        finally:
            x[ix] = old
        grad[ix] = (f_plus - f_x) / h
    return grad
''',
    "actual_step": '''def eval_numerical_gradient_forward(f, x, h=1e-5):
    """Divides by the step actually taken, (old + h) - old."""
    f_x = f(x)
    grad = np.zeros(x.shape)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        step = x[ix] - old
        f_plus = f(x)
        x[ix] = old
        grad[ix] = (f_plus - f_x) / step
    return grad
''',
}

# -- Part C: svm_loss, vectorized ------------------------------------------------------------------

SVM_STYLES = {
    "fancy_index_mask": ("fancy indexing for the correct scores, np.maximum, a 0/1 mask for dW", SVM_LOSS),
    "np_where": (
        "np.where for the hinge, the mask from the hinge's positive entries",
        '''\
def svm_loss(W, X, y, reg):
    N = X.shape[0]
    scores = X @ W
    correct = scores[np.arange(N), y].reshape(-1, 1)
    margins = np.where(scores - correct + 1 > 0, scores - correct + 1, 0.0)
    margins[np.arange(N), y] = 0.0
    loss = np.sum(margins) / N + reg * np.sum(W * W)
    mask = np.where(margins > 0, 1.0, 0.0)
    mask[np.arange(N), y] = -np.sum(mask, axis=1)
    dW = X.T @ mask / N + 2 * reg * W
    return loss, dW
'''),
    "einsum": (
        "np.einsum for the scores and the gradient",
        '''\
def svm_loss(W, X, y, reg):
    num_train = X.shape[0]
    scores = np.einsum("nd,dc->nc", X, W)
    correct = np.einsum("nc,nc->n", scores, np.eye(W.shape[1], dtype=scores.dtype)[y])
    margins = np.maximum(0.0, scores - correct[:, None] + 1.0)
    margins[np.arange(num_train), y] = 0.0
    loss = margins.sum() / num_train + reg * np.einsum("dc,dc->", W, W)
    active = (margins > 0).astype(X.dtype)
    active[np.arange(num_train), y] = -active.sum(axis=1)
    dW = np.einsum("nd,nc->dc", X, active) / num_train + 2 * reg * W
    return float(loss), dW
'''),
    "add_at": (
        "np.add.at puts minus the count of active margins in the correct class",
        '''\
def svm_loss(W, X, y, reg):
    n = X.shape[0]
    rows = np.arange(n)
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[rows, y][:, np.newaxis] + 1)
    margins[rows, y] = 0
    loss = margins.sum() / n
    loss += reg * np.sum(W ** 2)
    coeff = (margins > 0).astype(float)
    np.add.at(coeff, (rows, y), -coeff.sum(axis=1))
    dW = X.T.dot(coeff) / n
    dW += 2 * reg * W
    return loss, dW
'''),
    "bincount": (
        "np.bincount on flat positions builds the correct-class column of the coefficients",
        '''\
def svm_loss(W, X, y, reg):
    N, C = X.shape[0], W.shape[1]
    scores = X.dot(W)
    flat = np.arange(N) * C + y
    correct = scores.ravel()[flat]
    margins = np.maximum(0, scores - correct[:, np.newaxis] + 1)
    margins.ravel()[flat] = 0
    loss = margins.sum() / N + reg * np.sum(W * W)
    positive = margins > 0
    counts = positive.sum(axis=1)
    coeff = positive.astype(np.float64) - np.bincount(flat, weights=counts, minlength=N * C).reshape(N, C)
    dW = X.T.dot(coeff) / N + 2 * reg * W
    return float(loss), dW
'''),
    "one_hot_bool": (
        "a boolean one-hot matrix np.eye(C, dtype=bool)[y] selects the correct class",
        '''\
def svm_loss(W, X, y, reg):
    num_train, num_classes = X.shape[0], W.shape[1]
    one_hot = np.eye(num_classes, dtype=bool)[y]
    scores = X @ W
    correct = scores[one_hot][:, None]
    margins = scores - correct + 1
    margins[one_hot] = 0
    margins = np.maximum(margins, 0)
    loss = margins.sum() / num_train + reg * (W * W).sum()
    coeff = (margins > 0) * 1.0
    coeff[one_hot] = -coeff.sum(axis=1)
    dW = X.T @ coeff / num_train + 2 * reg * W
    return loss, dW
'''),
    "take_along_axis": (
        "np.take_along_axis for the correct scores",
        '''\
def svm_loss(W, X, y, reg):
    N = len(y)
    scores = np.dot(X, W)
    correct = np.take_along_axis(scores, y[:, None], axis=1)
    margins = np.maximum(0, scores - correct + 1)
    np.put_along_axis(margins, y[:, None], 0, axis=1)
    loss = np.sum(margins) / N + reg * np.sum(np.square(W))
    coeff = (margins > 0).astype(W.dtype)
    np.put_along_axis(coeff, y[:, None], -coeff.sum(axis=1, keepdims=True), axis=1)
    dW = np.dot(X.T, coeff) / N + 2 * reg * W
    return float(loss), dW
'''),
    "clip_mean_of_rows": (
        "np.clip for the hinge, the loss as the mean of the per-example sums",
        '''\
def svm_loss(W, X, y, reg):
    rows = np.arange(X.shape[0])
    scores = X.dot(W)
    margins = np.clip(scores - scores[rows, y][:, None] + 1, 0, None)
    margins[rows, y] = 0
    loss = margins.sum(axis=1).mean() + reg * np.sum(W * W)
    coeff = np.zeros_like(margins)
    coeff[margins > 0] = 1
    coeff[rows, y] -= coeff.sum(axis=1)
    dW = X.T.dot(coeff) / X.shape[0] + 2 * reg * W
    return float(loss), dW
'''),
    "subtract_delta": (
        "the correct class's margin (exactly 1) is kept in the sum and N * 1 subtracted",
        '''\
def svm_loss(W, X, y, reg):
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[rows, y][:, None] + 1)  # the correct class holds exactly 1
    loss = (margins.sum() - N) / N + reg * np.sum(W * W)
    active = (margins > 0).astype(scores.dtype)
    active[rows, y] = 0
    active[rows, y] = -active.sum(axis=1)
    dW = X.T.dot(active) / N + 2 * reg * W
    return float(loss), dW
'''),
    "float64_throughout": (
        "computes in float64 whatever the inputs' dtype",
        '''\
def svm_loss(W, X, y, reg):
    W64, X64 = np.asarray(W, dtype=np.float64), np.asarray(X, dtype=np.float64)
    N = X64.shape[0]
    rows = np.arange(N)
    scores = X64 @ W64
    margins = np.maximum(0.0, scores - scores[rows, y][:, np.newaxis] + 1.0)
    margins[rows, y] = 0.0
    loss = margins.sum() / N + reg * np.sum(W64 * W64)
    coeff = (margins > 0).astype(np.float64)
    coeff[rows, y] = -coeff.sum(axis=1)
    dW = X64.T @ coeff / N + 2.0 * reg * W64
    return float(loss), dW
'''),
    "vdot_regularization": (
        "the regularization as np.vdot(W, W), dW's data part as a difference of two products",
        '''\
def svm_loss(W, X, y, reg):
    N, C = X.shape[0], W.shape[1]
    rows = np.arange(N)
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[rows, y][:, None] + 1)
    margins[rows, y] = 0
    loss = margins.sum() / N + reg * np.vdot(W, W)
    positive = (margins > 0).astype(X.dtype)
    correct = np.zeros((N, C), dtype=X.dtype)
    correct[rows, y] = positive.sum(axis=1)
    dW = (X.T.dot(positive) - X.T.dot(correct)) / N + 2 * reg * W
    return float(loss), dW
'''),
    "transposed_products": (
        "the products written with transposes, (W.T @ X.T).T and (coeff.T @ X).T",
        '''\
def svm_loss(W, X, y, reg):
    n = X.shape[0]
    scores = (W.T @ X.T).T
    idx = (np.arange(n), y)
    margins = scores - scores[idx][:, None] + 1.0
    margins[idx] = 0.0
    hinge = np.maximum(margins, 0.0)
    loss = hinge.sum() / n + reg * np.sum(W * W)
    coeff = (hinge > 0).astype(scores.dtype)
    coeff[idx] = -np.count_nonzero(hinge > 0, axis=1)
    dW = (coeff.T @ X).T / n + 2 * reg * W
    return float(loss), dW
'''),
    "mask_times_margins": (
        "no zeroing: the hinge multiplied by a mask that excludes the correct class",
        '''\
def svm_loss(W, X, y, reg):
    N, C = X.shape[0], W.shape[1]
    scores = X @ W
    is_correct = np.arange(C)[None, :] == y[:, None]
    margins = scores - scores[is_correct][:, None] + 1
    active = (margins > 0) & ~is_correct
    loss = np.sum(margins * active) / N + reg * np.sum(W * W)
    coeff = active.astype(scores.dtype) - is_correct * active.sum(axis=1, keepdims=True)
    dW = X.T @ coeff / N + 2 * reg * W
    return float(loss), dW
'''),
    "heaviside": (
        "np.heaviside(margins, 0) for the mask",
        '''\
def svm_loss(W, X, y, reg):
    num_train = X.shape[0]
    everyone = np.arange(num_train)
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[everyone, y][:, np.newaxis] + 1)
    margins[everyone, y] = 0
    loss = margins.sum() / num_train + reg * np.sum(W * W)
    coeff = np.heaviside(margins, 0.0)
    coeff[everyone, y] = -coeff.sum(axis=1)
    dW = X.T.dot(coeff) / num_train + 2 * reg * W
    return float(loss), dW
'''),
    "take_flat": (
        "np.take on the flattened scores, the hinge computed in place",
        '''\
def svm_loss(W, X, y, reg):
    N, C = X.shape[0], W.shape[1]
    scores = X.dot(W)
    correct = np.take(scores, np.arange(N) * C + y)
    margins = scores - correct[:, None]
    margins += 1
    np.maximum(margins, 0, out=margins)
    margins[np.arange(N), y] = 0
    loss = float(np.sum(margins)) / N + reg * float(np.sum(W * W))
    coeff = np.sign(margins)
    coeff[np.arange(N), y] = -np.sum(coeff, axis=1)
    dW = np.matmul(X.T, coeff) / N + 2 * reg * W
    return loss, dW
'''),
    "tensordot": (
        "np.tensordot for the gradient and the regularization, the mean taken with np.mean",
        '''\
def svm_loss(W, X, y, reg):
    rows = np.arange(X.shape[0])
    scores = np.tensordot(X, W, axes=1)
    margins = np.maximum(0, scores - scores[rows, y][:, None] + 1)
    margins[rows, y] = 0
    loss = np.mean(np.sum(margins, axis=1)) + reg * np.tensordot(W, W, axes=2)
    coeff = (margins > 0).astype(scores.dtype)
    coeff[rows, y] = -coeff.sum(axis=1)
    dW = np.tensordot(X, coeff, axes=([0], [0])) / X.shape[0] + 2 * reg * W
    return float(loss), dW
'''),
    "alias_builtin_names": (
        "defined as _hinge and bound by svm_loss = _hinge; variables named ex, vars and iter; float32 kept",
        '''\
def _hinge(W, X, y, reg):
    iter = np.arange(X.shape[0])
    ex = X @ W  # (N, C), in the dtype of X and W
    vars = np.maximum(0, ex - ex[iter, y][:, None] + 1)
    vars[iter, y] = 0
    loss = vars.sum() / X.shape[0] + reg * np.sum(W * W)
    compile = (vars > 0).astype(ex.dtype)
    compile[iter, y] = -compile.sum(axis=1)
    return float(loss), X.T @ compile / X.shape[0] + 2 * reg * W


svm_loss = _hinge
'''),
}

# -- Part D.1: random_search -----------------------------------------------------------------------

RANDOM_SEARCH_STYLES = {
    "reference_to_best": ("keeps a reference to the best W (each W is a new array)", RANDOM_SEARCH),
    "copy_best": (
        "keeps best_W = W.copy(), best_loss starts at float('inf')",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    best_W, best_loss = None, float("inf")
    history = []
    for _ in range(num_tries):
        W = scale * rng.standard_normal((X.shape[1], num_classes))
        W = W.astype(X.dtype)
        loss = loss_fn(W, X, y, reg)[0]
        if loss < best_loss:
            best_loss = loss
            best_W = W.copy()
        history.append(float(best_loss))
    return best_W, history
'''),
    "while_loop": (
        "a while loop with a counter",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    D = X.shape[1]
    best_W, best_loss, history = None, np.inf, []
    tries = 0
    while tries < num_tries:
        W = (scale * rng.standard_normal((D, num_classes))).astype(X.dtype)
        loss, _ = loss_fn(W, X, y, reg)
        if loss < best_loss:
            best_W, best_loss = W, loss
        history.append(float(best_loss))
        tries += 1
    return best_W, history
'''),
    "argmin_at_end": (
        "every W and loss kept, argmin and np.minimum.accumulate at the end",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    tried, losses = [], []
    for _ in range(num_tries):
        W = (scale * rng.standard_normal((X.shape[1], num_classes))).astype(X.dtype)
        tried.append(W)
        losses.append(float(loss_fn(W, X, y, reg)[0]))
    best = int(np.argmin(losses))
    return tried[best], np.minimum.accumulate(losses).tolist()
'''),
    "rng_normal": (
        "draws with rng.normal(0, scale, size)",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    best_W, best_loss, history = None, np.inf, []
    for _ in range(num_tries):
        W = rng.normal(0.0, scale, size=(X.shape[1], num_classes)).astype(X.dtype)
        loss, _ = loss_fn(W, X, y, reg)
        if loss < best_loss:
            best_W, best_loss = W, loss
        history.append(float(best_loss))
    return best_W, history
'''),
    "history_from_previous": (
        "history[k] = min(history[k - 1], loss), the best tracked apart",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    history = []
    best_W = None
    for _ in range(num_tries):
        W = (scale * rng.standard_normal((X.shape[1], num_classes))).astype(X.dtype)
        loss = float(loss_fn(W, X, y, reg)[0])
        if not history or loss < history[-1]:
            best_W = W
        history.append(loss if not history else min(history[-1], loss))
    return best_W, history
'''),
    "np_array_best": (
        "best_W = np.array(W) (a copy), a flag for the first try",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    best_W = best_loss = None
    history = []
    for _ in range(num_tries):
        W = (scale * rng.standard_normal((X.shape[1], num_classes))).astype(X.dtype)
        loss, _ = loss_fn(W, X, y, reg)
        if best_W is None or loss < best_loss:
            best_W, best_loss = np.array(W), loss
        history.append(float(best_loss))
    return best_W, history
'''),
    "index_of_best": (
        "enumerates the tries and keeps the index of the best",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    Ws, history = [], []
    best_index, best_loss = -1, np.inf
    for k in range(num_tries):
        Ws.append((scale * rng.standard_normal((X.shape[1], num_classes))).astype(X.dtype))
        loss, _ = loss_fn(Ws[k], X, y, reg)
        if loss < best_loss:
            best_index, best_loss = k, loss
        history.append(float(best_loss))
    return Ws[best_index], history
'''),
    "astype_no_copy": (
        "draws in float64, then astype(X.dtype, copy=False)",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    gen = np.random.default_rng(rng)
    shape = (np.shape(X)[1], num_classes)
    best = (np.inf, None)
    history = []
    for _ in range(num_tries):
        W = scale * gen.standard_normal(size=shape)
        W = W.astype(X.dtype, copy=False)
        loss = loss_fn(W, X, y, reg)[0]
        if loss < best[0]:
            best = (loss, W)
        history.append(float(best[0]))
    return best[1], history
'''),
    "flat_draw_reshaped": (
        "draws D * C numbers and reshapes them",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    D = X.shape[1]
    best_W, best_loss, history = None, np.inf, []
    for _ in range(num_tries):
        W = (rng.standard_normal(D * num_classes).reshape(D, num_classes) * scale).astype(X.dtype)
        loss, _ = loss_fn(W, X, y, reg)
        if loss < best_loss:
            best_W, best_loss = W, loss
        history.append(float(best_loss))
    return best_W, history
'''),
    "generator_of_tries": (
        "the tries come from a generator expression",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    shape = (X.shape[1], num_classes)
    tries = ((scale * rng.standard_normal(shape)).astype(X.dtype) for _ in range(num_tries))
    best_W, best_loss, history = None, np.inf, []
    for W in tries:
        loss, _ = loss_fn(W, X, y, reg)
        if loss < best_loss:
            best_W, best_loss = W, loss
        history.append(float(best_loss))
    return best_W, history
'''),
    "list_comprehension_history": (
        "the losses first, then history by a comprehension over running minima",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    losses, best_W, best_loss = [], None, np.inf
    for _ in range(num_tries):
        W = (scale * rng.standard_normal((X.shape[1], num_classes))).astype(X.dtype)
        loss, _ = loss_fn(W, X, y, reg)
        losses.append(float(loss))
        if loss < best_loss:
            best_W, best_loss = W, loss
    history = [min(losses[: k + 1]) for k in range(len(losses))]
    return best_W, history
'''),
    "buffer_filled_in_place": (
        "one buffer refilled in place at every try, the best copied out",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = np.empty((X.shape[1], num_classes), dtype=X.dtype)
    best_W, best_loss, history = None, np.inf, []
    for _ in range(num_tries):
        W[...] = scale * rng.standard_normal(W.shape)
        loss, _ = loss_fn(W, X, y, reg)
        if loss < best_loss:
            best_W, best_loss = W.copy(), loss
        history.append(float(best_loss))
    return best_W, history
'''),
    "history_plus_equals": (
        "history += [...], the loss taken from the tuple by index",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    best_W, best_loss, history = None, np.inf, []
    for _ in range(num_tries):
        candidate = np.asarray(scale * rng.standard_normal((X.shape[1], num_classes)), dtype=X.dtype)
        out = loss_fn(candidate, X, y, reg)
        if out[0] < best_loss:
            best_W, best_loss = candidate, out[0]
        history += [float(best_loss)]
    return best_W, history
'''),
    "standard_normal_dtype": (
        "draws directly in X's dtype: rng.standard_normal(shape, dtype=X.dtype)",
        '''\
def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    best_W, best_loss, history = None, np.inf, []
    for _ in range(num_tries):
        W = scale * rng.standard_normal((X.shape[1], num_classes), dtype=X.dtype)
        loss, _ = loss_fn(W, X, y, reg)
        if loss < best_loss:
            best_W, best_loss = W, loss
        history.append(float(best_loss))
    return best_W, history
'''),
    "alias_builtin_names": (
        "defined as _best_of and bound by random_search = _best_of; variables named vars, next and compile",
        '''\
def _best_of(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    vars = np.random.default_rng(rng)
    compile = (X.shape[1], num_classes)
    best_W, best_loss, history = None, np.inf, []
    for _ in range(num_tries):
        next = (scale * vars.standard_normal(compile)).astype(X.dtype)
        loss = loss_fn(next, X, y, reg)[0]
        if loss < best_loss:
            best_W, best_loss = next, loss
        history.append(float(best_loss))
    return best_W, history


random_search = _best_of
'''),
    "repeat_loop_float32": (
        "itertools.repeat for the tries, W made with np.asarray(..., dtype=X.dtype) (float32 for float32 X)",
        '''\
import itertools


def random_search(loss_fn, X, y, num_classes, num_tries=100, scale=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    best_W, best_loss, history = None, np.inf, []
    for _ in itertools.repeat(None, num_tries):
        W = np.asarray(rng.standard_normal((X.shape[1], num_classes)) * scale, dtype=X.dtype)
        loss, _grad = loss_fn(W, X, y, reg)
        best_W, best_loss = (W, loss) if loss < best_loss else (best_W, best_loss)
        history.append(float(best_loss))
    return best_W, history
'''),
}

# -- Part D.2: random_local_search -----------------------------------------------------------------

LOCAL_SEARCH_STYLES = {
    "rebinding": ("W_try = W + step; W rebound to the better try", LOCAL_SEARCH),
    "astype_dtype": (
        "the step cast to W's dtype",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = W0.copy()
    best_loss, _ = loss_fn(W, X, y, reg)
    history = [float(best_loss)]
    for _ in range(num_steps):
        W_try = W + (step_size * rng.standard_normal(W.shape)).astype(W.dtype)
        loss, _ = loss_fn(W_try, X, y, reg)
        if loss < best_loss:
            W, best_loss = W_try, loss
        history.append(float(best_loss))
    return W, history
'''),
    "rng_normal": (
        "steps drawn with rng.normal(0, step_size, W.shape)",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = np.copy(W0)
    best_loss = loss_fn(W, X, y, reg)[0]
    history = [float(best_loss)]
    for _ in range(num_steps):
        W_try = W + rng.normal(0.0, step_size, W.shape)
        loss = loss_fn(W_try, X, y, reg)[0]
        if loss < best_loss:
            W, best_loss = W_try, loss
        history.append(float(best_loss))
    return W, history
'''),
    "rng_normal_loc": (
        "tries drawn as rng.normal(loc=W, scale=step_size)",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = np.array(W0, copy=True)
    best_loss, _ = loss_fn(W, X, y, reg)
    history = [float(best_loss)]
    for _ in range(num_steps):
        W_try = rng.normal(loc=W, scale=step_size)
        loss, _ = loss_fn(W_try, X, y, reg)
        if loss < best_loss:
            W, best_loss = W_try, loss
        history.append(float(best_loss))
    return W, history
'''),
    "copy_then_add_in_place": (
        "each try a copy of W with the step added in place",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = W0.copy()
    current, _ = loss_fn(W, X, y, reg)
    history = [float(current)]
    for _ in range(num_steps):
        W_try = W.copy()
        W_try += step_size * rng.standard_normal(W.shape)
        loss, _ = loss_fn(W_try, X, y, reg)
        if loss < current:
            W = W_try
            current = loss
        history.append(float(current))
    return W, history
'''),
    "while_loop": (
        "a while loop",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = W0.copy()
    best_loss, _ = loss_fn(W, X, y, reg)
    history = [float(best_loss)]
    step = 0
    while step < num_steps:
        W_try = W + step_size * rng.standard_normal(W.shape)
        loss, _ = loss_fn(W_try, X, y, reg)
        if loss < best_loss:
            W, best_loss = W_try, loss
        history.append(float(best_loss))
        step += 1
    return W, history
'''),
    "history_from_previous": (
        "history appends the previous value when a try is rejected",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = W0.copy()
    history = [float(loss_fn(W, X, y, reg)[0])]
    for _ in range(num_steps):
        W_try = W + step_size * rng.standard_normal(W.shape)
        loss = float(loss_fn(W_try, X, y, reg)[0])
        if loss < history[-1]:
            W = np.array(W_try)
            history.append(loss)
        else:
            history.append(history[-1])
    return W, history
'''),
    "plus_zero_copy": (
        "W = W0 + 0 makes the copy; the step stored apart",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = W0 + 0
    best_loss, _ = loss_fn(W, X, y, reg)
    history = [float(best_loss)]
    for _ in range(num_steps):
        delta = step_size * rng.standard_normal(size=W.shape)
        loss, _ = loss_fn(W + delta, X, y, reg)
        if loss < best_loss:
            W = W + delta
            best_loss = loss
        history.append(float(best_loss))
    return W, history
'''),
    "preallocated_history": (
        "history preallocated as an array, returned as a list of floats",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = W0.copy()
    history = np.empty(num_steps + 1)
    history[0] = loss_fn(W, X, y, reg)[0]
    for k in range(1, num_steps + 1):
        W_try = W + step_size * rng.standard_normal(W.shape)
        loss = loss_fn(W_try, X, y, reg)[0]
        if loss < history[k - 1]:
            W = W_try
            history[k] = loss
        else:
            history[k] = history[k - 1]
    return W, history.tolist()
'''),
    "best_tuple": (
        "the best kept as a (loss, W) tuple",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    start = W0.copy()
    best = (loss_fn(start, X, y, reg)[0], start)
    history = [float(best[0])]
    for _ in range(num_steps):
        W_try = best[1] + step_size * rng.standard_normal(best[1].shape)
        loss = loss_fn(W_try, X, y, reg)[0]
        if loss < best[0]:
            best = (loss, W_try)
        history.append(float(best[0]))
    return best[1], history
'''),
    "np_add": (
        "np.add and np.multiply for the try, the steps counted by np.arange",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = W0.copy()
    best_loss, _ = loss_fn(W, X, y, reg)
    history = [float(best_loss)]
    for _ in np.arange(num_steps):
        W_try = np.add(W, np.multiply(step_size, rng.standard_normal(W.shape)))
        loss, _ = loss_fn(W_try, X, y, reg)
        if loss < best_loss:
            W, best_loss = W_try, loss
        history.append(float(best_loss))
    return W, history
'''),
    "copy_into_best": (
        "the accepted try copied into W in place (W is a copy of W0)",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = W0.copy()
    best_loss, _ = loss_fn(W, X, y, reg)
    history = [float(best_loss)]
    for _ in range(num_steps):
        W_try = W + step_size * rng.standard_normal(W.shape)
        loss, _ = loss_fn(W_try, X, y, reg)
        if loss < best_loss:
            W[...] = W_try
            best_loss = loss
        history.append(float(best_loss))
    return W, history
'''),
    "standard_normal_like": (
        "the step shaped with np.shape(W) and a seeded generator named gen",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    gen = np.random.default_rng(rng)
    W = np.asarray(W0).copy()
    best_loss = float(loss_fn(W, X, y, reg)[0])
    history = [best_loss]
    for _ in range(num_steps):
        W_try = W + step_size * gen.standard_normal(np.shape(W))
        loss = float(loss_fn(W_try, X, y, reg)[0])
        if loss < best_loss:
            W, best_loss = W_try, loss
        history.append(best_loss)
    return W, history
'''),
    "np_copyto": (
        "np.copyto moves W to the accepted try",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = np.empty_like(W0)
    np.copyto(W, W0)
    best_loss, _ = loss_fn(W, X, y, reg)
    history = [float(best_loss)]
    for _ in range(num_steps):
        W_try = W + step_size * rng.standard_normal(W.shape)
        loss, _ = loss_fn(W_try, X, y, reg)
        if loss < best_loss:
            np.copyto(W, W_try)
            best_loss = loss
        history.append(float(best_loss))
    return W, history
'''),
    "accept_flag": (
        "an accepted flag, the loss of the current W kept as a float",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    current_W = W0.copy()
    current_loss = float(loss_fn(current_W, X, y, reg)[0])
    history = [current_loss]
    for _ in range(num_steps):
        proposal = current_W + step_size * rng.standard_normal(current_W.shape)
        proposal_loss = float(loss_fn(proposal, X, y, reg)[0])
        accepted = proposal_loss < current_loss
        if accepted:
            current_W, current_loss = proposal, proposal_loss
        history.append(current_loss)
    return current_W, history
'''),
    "lambda_alias": (
        "random_local_search = lambda ...: _local(...), variables named ex, iter and next",
        '''\
def _local(loss_fn, W0, X, y, num_steps, step_size, reg, rng):
    iter = np.random.default_rng(rng)
    ex = W0.copy()
    best_loss = loss_fn(ex, X, y, reg)[0]
    history = [float(best_loss)]
    for _ in range(num_steps):
        next = ex + step_size * iter.standard_normal(ex.shape)
        loss = loss_fn(next, X, y, reg)[0]
        if loss < best_loss:
            ex, best_loss = next, loss
        history.append(float(best_loss))
    return ex, history


random_local_search = lambda loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None: (
    _local(loss_fn, W0, X, y, num_steps, step_size, reg, rng))
'''),
    "while_true_break": (
        "a while True loop that breaks after num_steps tries, the try drawn in W's dtype",
        '''\
def random_local_search(loss_fn, W0, X, y, num_steps=100, step_size=1e-4, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = np.array(W0)
    best_loss = float(loss_fn(W, X, y, reg)[0])
    history = [best_loss]
    while True:
        if len(history) > num_steps:
            break
        W_try = W + step_size * rng.standard_normal(W.shape, dtype=W.dtype)
        loss = float(loss_fn(W_try, X, y, reg)[0])
        if loss < best_loss:
            W, best_loss = W_try, loss
        history.append(best_loss)
    return W, history
'''),
}

# -- Part D.3: gradient_descent --------------------------------------------------------------------

GD_STYLES = {
    "in_place_on_copy": ("W -= learning_rate * dW on a copy of W0", GRADIENT_DESCENT),
    "rebinding_no_copy": (
        "W = W - learning_rate * dW, starting from W0 itself (rebinding never touches it)",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        history.append(float(loss))
        W = W - learning_rate * dW
    return W, history
'''),
    "np_subtract_out": (
        "np.subtract(W, learning_rate * dW, out=W) on np.copy(W0)",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = np.copy(W0)
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        history.append(float(loss))
        np.subtract(W, learning_rate * dW, out=W)
    return W, history
'''),
    "while_loop": (
        "a while loop",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0.copy()
    history = []
    it = 0
    while it < num_iters:
        loss, dW = loss_fn(W, X, y, reg)
        history.append(float(loss))
        W -= learning_rate * dW
        it += 1
    return W, history
'''),
    "plus_negative": (
        "W += -learning_rate * dW",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0.copy()
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        W += -learning_rate * dW
        history.append(float(loss))
    return W, history
'''),
    "astype_copy": (
        "W0.astype(W0.dtype) as the copy, dW * learning_rate",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0.astype(W0.dtype, copy=True)
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        history.append(float(loss))
        W -= dW * learning_rate
    return W, history
'''),
    "history_plus_equals": (
        "history += [loss]",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = np.array(W0)
    history = []
    for _ in range(num_iters):
        loss, grad = loss_fn(W, X, y, reg)
        history += [float(loss)]
        W = W - learning_rate * grad
    return W, history
'''),
    "step_variable": (
        "the step computed first, then applied",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0.copy()
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        step = learning_rate * dW
        W = W - step
        history.append(float(loss))
    return W, history
'''),
    "slice_assign": (
        "W[...] = W - learning_rate * dW on a copy",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0.copy()
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        history.append(float(loss))
        W[...] = W - learning_rate * dW
    return W, history
'''),
    "np_multiply": (
        "W -= np.multiply(learning_rate, dW)",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0.copy()
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        history.append(float(loss))
        W -= np.multiply(learning_rate, dW)
    return W, history
'''),
    "preallocated_history": (
        "history preallocated, returned with tolist()",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0.copy()
    history = np.zeros(num_iters)
    for t in range(num_iters):
        history[t], dW = loss_fn(W, X, y, reg)
        W -= learning_rate * dW
    return W, history.tolist()
'''),
    "tuple_index": (
        "the result indexed, out[0] and out[1]",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0.copy()
    history = []
    for _ in range(num_iters):
        out = loss_fn(W, X, y, reg)
        history.append(float(out[0]))
        W = W - learning_rate * out[1]
    return W, history
'''),
    "times_one": (
        "W = W0 * 1.0 makes the copy",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0 * 1.0
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        history.append(float(loss))
        W -= learning_rate * dW
    return W, history
'''),
    "deepcopy": (
        "copy.deepcopy(W0)",
        '''\
import copy


def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = copy.deepcopy(W0)
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        history.append(float(loss))
        W -= learning_rate * dW
    return W, history
'''),
    "enumerate_iters": (
        "enumerate over the iterations, the loss kept as numpy float then converted",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = W0.copy()
    losses = []
    for _it, _ in enumerate(range(num_iters)):
        loss, dW = loss_fn(W, X, y, reg)
        losses.append(loss)
        W = np.subtract(W, learning_rate * dW)
    return W, [float(v) for v in losses]
'''),
    "empty_like_copyto": (
        "np.empty_like + np.copyto as the copy",
        '''\
def gradient_descent(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    W = np.empty_like(W0)
    np.copyto(W, W0)
    history = []
    for _ in range(num_iters):
        loss, dW = loss_fn(W, X, y, reg)
        history.append(float(loss))
        W -= learning_rate * dW
    return W, history
'''),
    "alias_iter_repeat": (
        "defined as _descend, bound by gradient_descent = _descend; itertools.repeat loop; names iter, ex",
        '''\
import itertools


def _descend(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, reg=0.0):
    ex = W0.copy()
    history = []
    for iter in itertools.repeat(None, num_iters):
        loss, dW = loss_fn(ex, X, y, reg)
        history.append(float(loss))
        ex -= learning_rate * dW
    return ex, history


gradient_descent = _descend
'''),
}

# -- Part D.4: sgd ---------------------------------------------------------------------------------

SGD_STYLES = {
    "choice_broadcast": ("rng.choice(N, batch_size, replace=True), np.broadcast_to for the rates", SGD),
    "integers": (
        "rng.integers(0, N, size=batch_size), the rate picked by np.ndim",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = W0.copy()
    history = []
    for it in range(num_iters):
        idx = rng.integers(0, X.shape[0], size=batch_size)
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        lr = learning_rate[it] if np.ndim(learning_rate) else learning_rate
        W -= lr * dW
    return W, history
'''),
    "choice_default_replace": (
        "rng.choice(N, size=batch_size), rates as np.ones(num_iters) * learning_rate",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    rates = np.ones(num_iters) * np.asarray(learning_rate, dtype=float)
    W = W0.copy()
    history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], size=batch_size)
        X_batch, y_batch = X[idx], y[idx]
        loss, dW = loss_fn(W, X_batch, y_batch, reg)
        history.append(float(loss))
        W -= rates[it] * dW
    return W, history
'''),
    "rebinding_no_copy": (
        "W = W - lr * dW from W0 itself (rebinding never touches it)",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    rates = np.broadcast_to(learning_rate, (num_iters,))
    W = W0
    history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size)
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        W = W - rates[it] * dW
    return W, history
'''),
    "np_take": (
        "np.take(X, idx, axis=0) for the batch",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    steps = np.broadcast_to(np.asarray(learning_rate, dtype=np.float64), (num_iters,))
    W = np.copy(W0)
    history = []
    for it in range(num_iters):
        idx = rng.choice(len(X), batch_size, replace=True)
        loss, dW = loss_fn(W, np.take(X, idx, axis=0), np.take(y, idx), reg)
        history.append(float(loss))
        W -= steps[it] * dW
    return W, history
'''),
    "integers_high_only": (
        "rng.integers(N, size=batch_size)",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    learning_rates = np.broadcast_to(learning_rate, (num_iters,))
    W = W0.copy()
    history = []
    for it in range(num_iters):
        idx = rng.integers(X.shape[0], size=batch_size)
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        W -= float(learning_rates[it]) * dW
    return W, history
'''),
    "floor_of_uniform": (
        "indices floor(U * N) from rng.random: uniform with replacement",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    N = X.shape[0]
    rates = np.broadcast_to(learning_rate, (num_iters,))
    W = W0.copy()
    history = []
    for it in range(num_iters):
        idx = np.floor(rng.random(batch_size) * N).astype(np.intp)
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        W -= rates[it] * dW
    return W, history
'''),
    "while_loop": (
        "a while loop",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    rates = np.broadcast_to(learning_rate, (num_iters,))
    W = W0.copy()
    history = []
    it = 0
    while it < num_iters:
        idx = rng.choice(X.shape[0], batch_size)
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        W -= rates[it] * dW
        it += 1
    return W, history
'''),
    "zip_rates": (
        "iterates over the rates themselves",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    W = W0.copy()
    history = []
    for lr in np.broadcast_to(learning_rate, (num_iters,)):
        idx = rng.choice(X.shape[0], batch_size)
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        W -= lr * dW
    return W, history
'''),
    "isscalar": (
        "np.isscalar picks a full array of the rate or the given schedule",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    if np.isscalar(learning_rate):
        rates = np.full(num_iters, learning_rate, dtype=float)
    else:
        rates = np.asarray(learning_rate, dtype=float)
    W = W0.copy()
    history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size)
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        W -= rates[it] * dW
    return W, history
'''),
    "np_subtract_out": (
        "np.subtract(..., out=W)",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    rates = np.broadcast_to(learning_rate, (num_iters,))
    W = W0.copy()
    history = []
    for it in range(num_iters):
        batch = rng.choice(X.shape[0], batch_size, replace=True)
        loss, dW = loss_fn(W, X[batch], y[batch], reg)
        np.subtract(W, rates[it] * dW, out=W)
        history.append(float(loss))
    return W, history
'''),
    "preallocated_history": (
        "history preallocated, returned with tolist()",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    rates = np.broadcast_to(learning_rate, (num_iters,))
    W = W0.copy()
    history = np.zeros(num_iters)
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size)
        history[it], dW = loss_fn(W, X[idx], y[idx], reg)
        W -= rates[it] * dW
    return W, history.tolist()
'''),
    "choice_of_arange": (
        "rng.choice(np.arange(N), batch_size, replace=True)",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    rates = np.broadcast_to(learning_rate, (num_iters,))
    W = W0.copy()
    history = []
    everyone = np.arange(X.shape[0])
    for it in range(num_iters):
        idx = rng.choice(everyone, batch_size, replace=True)
        loss, dW = loss_fn(W, X[idx, :], y[idx], reg)
        history.append(float(loss))
        W -= rates[it] * dW
    return W, history
'''),
    "integers_keywords": (
        "rng.integers(low=0, high=N, size=(batch_size,)), W = W - ...",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    schedule = np.broadcast_to(learning_rate, (num_iters,))
    W = np.array(W0, copy=True)
    history = []
    for it in range(num_iters):
        idx = rng.integers(low=0, high=X.shape[0], size=(batch_size,))
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        history += [float(loss)]
        W = W - schedule[it] * dW
    return W, history
'''),
    "hasattr_len": (
        "a schedule recognised by its length, a float otherwise",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    per_step = hasattr(learning_rate, "__len__")
    W = W0.copy()
    history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size)
        loss, dW = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        W -= (learning_rate[it] if per_step else learning_rate) * dW
    return W, history
'''),
    "tuple_index": (
        "the loss_fn result indexed, the rates from np.resize",
        '''\
def sgd(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    rng = np.random.default_rng(rng)
    rates = np.resize(np.asarray(learning_rate, dtype=float), num_iters)
    W = W0.copy()
    history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size)
        out = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(out[0]))
        W -= rates[it] * out[1]
    return W, history
'''),
    "alias_zip_next": (
        "defined as _mini_batch, bound by sgd = _mini_batch; zip of a counter and the rates; next, vars",
        '''\
def _mini_batch(loss_fn, W0, X, y, learning_rate=1e-7, num_iters=100, batch_size=200, reg=0.0, rng=None):
    vars = np.random.default_rng(rng)
    W = W0.copy()
    history = []
    for _, next in zip(range(num_iters), np.broadcast_to(learning_rate, (num_iters,))):
        ex = vars.integers(0, len(y), size=batch_size)
        loss, dW = loss_fn(W, X[ex], y[ex], reg)
        history.append(float(loss))
        W -= next * dW
    return W, history


sgd = _mini_batch
'''),
}

# -- Part E: lr_schedule ---------------------------------------------------------------------------

SCHEDULE_STYLES = {
    "power_of_floor_division": ("learning_rate * decay ** (t // decay_every)", LR_SCHEDULE),
    "np_power": (
        "np.power",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    t = np.arange(num_iters)
    return learning_rate * np.power(decay, t // decay_every)
'''),
    "python_loop": (
        "a Python loop into a list",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    rates = []
    for t in range(num_iters):
        rates.append(learning_rate * decay ** (t // decay_every))
    return np.array(rates, dtype=float)
'''),
    "repeat_blocks": (
        "one rate per block, np.repeat'ed and cut",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    blocks = -(-num_iters // decay_every)
    per_block = learning_rate * decay ** np.arange(blocks)
    return np.repeat(per_block, decay_every)[:num_iters].astype(np.float64)
'''),
    "floor_of_division": (
        "np.floor(t / decay_every)",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    return learning_rate * decay ** np.floor(np.arange(num_iters) / decay_every)
'''),
    "running_product": (
        "a running product, multiplied by decay every decay_every steps",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    rates = np.empty(num_iters)
    rate = float(learning_rate)
    for t in range(num_iters):
        if t > 0 and t % decay_every == 0:
            rate *= decay
        rates[t] = rate
    return rates
'''),
    "fromiter": (
        "np.fromiter over a generator",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    return np.fromiter((learning_rate * decay ** (t // decay_every) for t in range(num_iters)),
                       dtype=np.float64, count=num_iters)
'''),
    "comprehension": (
        "a list comprehension",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    return np.array([learning_rate * decay ** (t // decay_every) for t in range(num_iters)], dtype=np.float64)
'''),
    "kron_blocks": (
        "np.kron of the block rates with blocks of ones",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    blocks = num_iters // decay_every + 1
    return (learning_rate * np.kron(decay ** np.arange(blocks), np.ones(decay_every)))[:num_iters]
'''),
    "slices_in_place": (
        "a full array of the rate, each later block multiplied in place",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    rates = np.full(num_iters, float(learning_rate))
    for start in range(decay_every, num_iters, decay_every):
        rates[start:] *= decay
    return rates
'''),
    "divmod": (
        "np.divmod for the number of decays",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    decays, _ = np.divmod(np.arange(num_iters), decay_every)
    return np.asarray(learning_rate * decay ** decays, dtype=float)
'''),
    "float_floor_division": (
        "floor division of a float arange",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    t = np.arange(num_iters, dtype=np.float64)
    return learning_rate * decay ** (t // decay_every)
'''),
    "cumprod_of_factors": (
        "np.cumprod of factors that are decay at the start of each block, 1 elsewhere",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    t = np.arange(num_iters)
    factors = np.where((t > 0) & (t % decay_every == 0), decay, 1.0)
    return learning_rate * np.cumprod(factors)
'''),
    "while_loop": (
        "a while loop appending",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    out, t = [], 0
    while t < num_iters:
        out.append(learning_rate * decay ** (t // decay_every))
        t += 1
    return np.asarray(out, dtype=np.float64)
'''),
    "repeat_exponents": (
        "the exponents np.repeat'ed from the block numbers",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    exponents = np.repeat(np.arange(num_iters // decay_every + 1), decay_every)[:num_iters]
    return learning_rate * np.ones(num_iters) * decay ** exponents
'''),
    "ones_times": (
        "np.ones times the rate times the powers, the exponents as floats",
        '''\
def lr_schedule(learning_rate, num_iters, decay, decay_every=1):
    exponents = (np.arange(num_iters) // decay_every).astype(float)
    return np.ones(num_iters) * learning_rate * decay ** exponents
'''),
    "lambda": (
        "lr_schedule = lambda ...: one expression, the block number from np.floor_divide",
        '''\
lr_schedule = lambda learning_rate, num_iters, decay, decay_every=1: (
    learning_rate * np.power(float(decay), np.floor_divide(np.arange(num_iters), decay_every)))
'''),
}

#: Both numerical gradients in one cell written by other names and bound by alias (a def bound to
#: another name, a lambda), with variables named like builtins (ex, vars, next, iter, compile) and
#: loops spelled with enumerate(x.flat) and a while over a counter; the forward difference restores
#: each entry from a copy of x.
NUMGRAD_ALIASED = '''def _centred(f, ex, h=1e-5):
    """Centred differences; the point is named ex and the estimates vars."""
    vars = np.zeros(ex.shape)
    for i, _ in enumerate(ex.flat):
        ix = np.unravel_index(i, ex.shape)
        next = ex[ix]
        ex[ix] = next + h
        iter = f(ex)
        ex[ix] = next - h
        compile = f(ex)
        ex[ix] = next
        vars[ix] = (iter - compile) / (2 * h)
    return vars


def _forward(f, ex, h):
    """Forward differences, f(ex) once; each entry restored from a copy of ex; a while loop."""
    base, vars, saved, i = f(ex), np.zeros(ex.shape), ex.copy(), 0
    while i < ex.size:
        ix = np.unravel_index(i, ex.shape)
        ex[ix] = saved[ix] + h
        vars[ix] = (f(ex) - base) / h
        ex[ix] = saved[ix]
        i += 1
    return vars


eval_numerical_gradient = _centred
eval_numerical_gradient_forward = lambda f, x, h=1e-5: _forward(f, x, h)
'''


def _numgrad_entries() -> list[Entry]:
    centered, forward = list(CENTERED_STYLES.items()), list(FORWARD_STYLES.items())
    entries = []
    for k, ((c_name, c_src), (f_name, f_src)) in enumerate(zip(centered, forward)):
        entries.append(right(f"numgrad_{k:02d}_{c_name}__{f_name}",
                             f"centred: {c_name.replace('_', ' ')}; forward: {f_name.replace('_', ' ')}",
                             "numerical_gradient", cell(c_src, f_src)))
    return entries


def _entries(prefix: str, answer_cell: str, styles: dict[str, tuple[str, str]]) -> list[Entry]:
    return [right(f"{prefix}_{name}", style, answer_cell, source) for name, (style, source) in styles.items()]


RIGHT: list[Entry] = [
    *_numgrad_entries(),
    right("numgrad_16_alias_builtin_names",
          "centred and forward defined as _centred and _forward, bound by an alias and a lambda; variables "
          "named ex, vars, next, iter and compile; enumerate(x.flat) and a while loop",
          "numerical_gradient", NUMGRAD_ALIASED),
    *_entries("svm_loss", "svm_loss", SVM_STYLES),
    *_entries("random_search", "random_search", RANDOM_SEARCH_STYLES),
    *_entries("local_search", "random_local_search", LOCAL_SEARCH_STYLES),
    *_entries("gd", "gradient_descent", GD_STYLES),
    *_entries("sgd", "sgd", SGD_STYLES),
    *_entries("schedule", "lr_schedule", SCHEDULE_STYLES),
]
