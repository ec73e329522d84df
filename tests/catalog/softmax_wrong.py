"""Plausible wrong implementations of the softmax assignment (solutions/softmax/softmax.ipynb).

Every entry is a mistake students really make, written as complete answer cells that differ
from a correct implementation by that one mistake. ``must_fail`` names the test cells that must
take points for it, and ``exact_loss``, for a mistake that breaks one requirement, the share each
of them must take: the test cells split their points over requirements, so that a mistake costs
the share of the requirement it breaks (and of those that count only with it: "no Python loops"
or "inputs unchanged" earn nothing for a function whose values are wrong). No test cell calls the
functions of another answer cell, except that the tuning cell trains with the student's own
vectorized loss and SGD: their mistakes may cost the accuracy bar's share there, and
tests/test_catalogs.py checks that nothing else is lost. Answer cells: softmax_function,
softmax_loss_naive, softmax_loss_vectorized, train_predict, tuning.
"""

from __future__ import annotations

from .harness import Entry, cell, swap

# -- correct functions; an entry breaks one of them and keeps the rest of its cell -------------

SIGMOID = '''def sigmoid(s):
    """Elementwise logistic sigmoid of an array of any shape, without overflow."""
    s = np.asarray(s)
    z = np.exp(-np.abs(s))  # in (0, 1]
    return np.where(s >= 0, 1 / (1 + z), z / (1 + z))
'''

SOFTMAX = '''def softmax(scores):
    """Row-wise softmax of scores (N, C): probabilities (N, C) whose rows sum to 1."""
    shifted = scores - scores.max(axis=1, keepdims=True)  # (N, C)
    exp_scores = np.exp(shifted)
    return exp_scores / exp_scores.sum(axis=1, keepdims=True)
'''

NAIVE = '''def softmax_loss_naive(W, X, y, reg):
    """Cross-entropy loss and gradient with loops: W (D, C), X (N, D), y (N,) -> (float, dW (D, C))."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape, dtype=np.result_type(W, X))
    for i in range(num_train):
        scores = X[i].dot(W)  # (C,)
        scores = scores - np.max(scores)
        log_sum = np.log(np.sum(np.exp(scores)))
        loss += log_sum - scores[y[i]]
        probs = np.exp(scores - log_sum)  # (C,)
        for j in range(num_classes):
            coeff = probs[j] - 1 if j == y[i] else probs[j]
            dW[:, j] += coeff * X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return float(loss), dW
'''

VECTORIZED = '''def softmax_loss_vectorized(W, X, y, reg):
    """Cross-entropy loss and gradient without loops; the signature of softmax_loss_naive."""
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)  # (N, C)
    scores = scores - scores.max(axis=1, keepdims=True)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))  # (N, C)
    loss = -log_probs[rows, y].mean() + reg * np.sum(W * W)
    coeff = np.exp(log_probs)  # (N, C)
    coeff[rows, y] -= 1
    dW = X.T.dot(coeff) / num_train + 2 * reg * W  # (D, C)
    return float(loss), dW
'''

TRAIN = '''def train_linear_classifier(loss_fn, W, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,
                            batch_size=200, rng=None, verbose=False):
    """Mini-batch SGD on loss_fn from a copy of W (D, C); returns (W, loss_history)."""
    rng = np.random.default_rng(rng)
    W = W.copy()
    loss_history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size, replace=True)  # (batch_size,)
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        loss_history.append(float(loss))
        W -= learning_rate * grad
    return W, loss_history
'''

PREDICT = '''def predict_linear_classifier(W, X):
    """Index of the highest score of every row of X (N, D): (N,) ints."""
    return np.argmax(X.dot(W), axis=1)
'''

# The solution's tuning cell up to the choice of the best pair; SELECT completes it.
TUNING = '''results = {}  # (learning_rate, reg) -> (training accuracy, validation accuracy)
best_val = -1.0
best_W = None
learning_rates = [3e-7, 1e-6, 3e-6]
regularization_strengths = [1e2, 1e3, 1e4]
num_iters = 1000 if data.X_train.shape[0] >= 5000 else 300
D, C = data.X_train.shape[1], len(data.class_names)
best_train = -1.0
for lr in learning_rates:
    for reg in regularization_strengths:
        W0 = 1e-6 * np.random.default_rng(SEED).standard_normal((D, C), dtype=np.float32)
        W, _ = train_linear_classifier(softmax_loss_vectorized, W0, data.X_train, data.y_train,
                                       learning_rate=lr, reg=reg, num_iters=num_iters, batch_size=200,
                                       rng=SEED)
        train_acc = float(np.mean(predict_linear_classifier(W, data.X_train) == data.y_train))
        val_acc = float(np.mean(predict_linear_classifier(W, data.X_val) == data.y_val))
        results[(lr, reg)] = (train_acc, val_acc)
SELECT
'''


def tuning(select: str) -> str:
    """The tuning cell with ``select`` (two statements in the inner loop) choosing best_val and best_W."""
    body = "\n".join("        " + line for line in select.strip("\n").splitlines())
    return swap(TUNING, "SELECT\n", body + "\n")


FUNCTION = {"test_softmax_function", "test_softmax_function_hidden"}
NAIVE_TESTS = {"test_softmax_loss_naive", "test_softmax_loss_naive_hidden"}
VECTORIZED_TESTS = {"test_softmax_loss_vectorized", "test_softmax_loss_vectorized_hidden"}

STABLE_SIGMOID = "np.where(s >= 0, 1 / (1 + z), z / (1 + z))"
# The naive loss's stable log-probability, and the log of a probability that students write instead.
SHIFT = "        scores = scores - np.max(scores)\n"
STABLE_LOG = ("        log_sum = np.log(np.sum(np.exp(scores)))\n"
              "        loss += log_sum - scores[y[i]]\n"
              "        probs = np.exp(scores - log_sum)  # (C,)\n")
LOG_OF_PROB = ("        probs = np.exp(scores) / np.sum(np.exp(scores))  # (C,)\n"
               "        loss += -np.log(probs[y[i]])\n")
VEC_GRADIENT = "    dW = X.T.dot(coeff) / num_train + 2 * reg * W  # (D, C)\n"
VEC_GRADIENT_LOOP = ("    dW = np.zeros_like(W)\n"
                     "    for j in range(W.shape[1]):\n"
                     "        dW[:, j] = X.T.dot(coeff[:, j]) / num_train + 2 * reg * W[:, j]  # (D,)\n")
CALLS_NAIVE = '''def softmax_loss_vectorized(W, X, y, reg):
    """Cross-entropy loss and gradient."""
    return softmax_loss_naive(W, X, y, reg)
'''


def _function(name, mistake, must_fail, sigmoid=SIGMOID, softmax=SOFTMAX, gap="", exact=None):
    return Entry(name, mistake, {"softmax_function": cell(sigmoid, softmax)}, must_fail, gap,
                 exact_loss=exact or {})


def _naive(name, mistake, old, new, exact=None):
    return Entry(name, mistake, {"softmax_loss_naive": swap(NAIVE, old, new)}, NAIVE_TESTS,
                 exact_loss=exact or {})


def _vectorized(name, mistake, old, new, exact=None):
    return Entry(name, mistake, {"softmax_loss_vectorized": swap(VECTORIZED, old, new)}, VECTORIZED_TESTS,
                 exact_loss=exact or {})


def _shares(visible, hidden, tests):
    """The exact loss of a mistake in each of a pair of test cells (visible first)."""
    first, second = sorted(tests)  # test_x, test_x_hidden
    return {first: visible, second: hidden}


def _tuning(name, mistake, select, must_fail=frozenset({"test_tuning_hidden"})):
    return Entry(name, mistake, {"tuning": tuning(select)}, must_fail)


CATALOG: list[Entry] = [
    # -- softmax and sigmoid ------------------------------------------------------------------
    _function("softmax_without_max_shift", "exponentiates the raw scores: inf/inf = nan",
              FUNCTION, softmax=swap(SOFTMAX, "np.exp(shifted)", "np.exp(scores)"),
              exact=_shares(0.25, 0.25, FUNCTION)),
    _function("softmax_normalises_columns", "normalises over axis 0 (the examples) instead of the classes",
              FUNCTION, softmax=SOFTMAX.replace("axis=1", "axis=0")),
    _function("softmax_subtracts_global_max", "subtracts the largest score of the whole matrix",
              {"test_softmax_function_hidden"},
              softmax=swap(SOFTMAX, "scores.max(axis=1, keepdims=True)", "scores.max()"),
              exact={"test_softmax_function_hidden": 0.25}),
    # Its values are right: only the hidden requirement "leaves its input unchanged" sees it.
    _function("softmax_shifts_scores_in_place", "subtracts the row maxima in place, from the caller's array",
              {"test_softmax_function_hidden"},
              softmax=swap(swap(SOFTMAX, "shifted = scores - scores.max(axis=1, keepdims=True)",
                                "scores -= scores.max(axis=1, keepdims=True)"),
                           "np.exp(shifted)", "np.exp(scores)"),
              exact={"test_softmax_function_hidden": 0.25}),
    _function("sigmoid_as_exp_ratio", "computes exp(s) / (1 + exp(s)), which is inf/inf = nan for large s",
              FUNCTION, sigmoid=swap(SIGMOID, STABLE_SIGMOID, "np.exp(s) / (1 + np.exp(s))"),
              exact=_shares(0.25, 0.25, FUNCTION)),
    _function("sigmoid_overflows_quietly", "computes 1 / (1 + exp(-s)): exp overflows for s << 0",
              FUNCTION, sigmoid=swap(SIGMOID, STABLE_SIGMOID, "1 / (1 + np.exp(-s))"),
              exact=_shares(0.25, 0.25, FUNCTION)),
    # -- the naive loss -----------------------------------------------------------------------
    _naive("naive_log_of_underflowed_probability",
           "shifts the scores but takes the log of the probability, which underflows to 0 when the correct "
           "class trails by about 745 or more: log(0) = -inf", STABLE_LOG, LOG_OF_PROB,
           exact=_shares(0.25, 0.25, NAIVE_TESTS)),
    _naive("naive_without_any_shift", "computes -log(exp(s_y) / sum(exp(s))) from the formula: overflow",
           SHIFT + STABLE_LOG, LOG_OF_PROB, exact=_shares(0.5, 0.5, NAIVE_TESTS)),
    _naive("naive_log10", "uses the base-10 logarithm, as the lecture slide's 0.89 for the cat does",
           STABLE_LOG, LOG_OF_PROB.replace("np.log(", "np.log10(")),
    _naive("naive_forgets_minus_one", "the gradient uses p_j for every class, without subtracting 1 at y_i",
           "coeff = probs[j] - 1 if j == y[i] else probs[j]", "coeff = probs[j]",
           exact=_shares(0.5, 0.75, NAIVE_TESTS)),
    _naive("naive_reg_gradient_without_2", "adds reg * W to the gradient instead of 2 * reg * W",
           "dW = dW / num_train + 2 * reg * W", "dW = dW / num_train + reg * W",
           exact=_shares(0.25, 0.25, NAIVE_TESTS)),
    # -- the vectorized loss ------------------------------------------------------------------
    _vectorized("vectorized_loss_summed", "sums the losses of the examples instead of averaging them",
                "-log_probs[rows, y].mean()", "-log_probs[rows, y].sum()"),
    _vectorized("vectorized_loss_without_reg", "leaves reg * sum(W * W) out of the loss",
                " + reg * np.sum(W * W)", "", exact=_shares(0.25, 0.25, VECTORIZED_TESTS)),
    _vectorized("vectorized_gradient_sign", "uses 1[j = y_i] - p_j: the data gradient with its sign flipped",
                "coeff = np.exp(log_probs)  # (N, C)\n    coeff[rows, y] -= 1",
                "coeff = -np.exp(log_probs)  # (N, C)\n    coeff[rows, y] += 1",
                exact=_shares(0.5, 0.5, VECTORIZED_TESTS)),
    _vectorized("vectorized_gradient_not_averaged", "divides the loss by N but not the gradient",
                "X.T.dot(coeff) / num_train", "X.T.dot(coeff)", exact=_shares(0.5, 0.5, VECTORIZED_TESTS)),
    Entry("vectorized_calls_naive", "returns softmax_loss_naive(...): right numbers, Python loops inside",
          {"softmax_loss_vectorized": CALLS_NAIVE}, VECTORIZED_TESTS,
          exact_loss=_shares(0.25, 0.5, VECTORIZED_TESTS)),
    _vectorized("vectorized_gradient_loops_over_classes", "computes the gradient one class column at a time",
                VEC_GRADIENT, VEC_GRADIENT_LOOP, exact=_shares(0.25, 0.5, VECTORIZED_TESTS)),
    _vectorized("vectorized_indexes_all_pairs", "picks log_probs[:, y], an N x N block",
                "-log_probs[rows, y].mean()", "-log_probs[:, y].mean()"),
    # Its values are right: only the hidden requirement on the loss's type sees it (and the student's own
    # SGD, which cannot take float() of it, so that the tuning cell has nothing to grade).
    Entry("vectorized_loss_as_array", "returns the loss as a 1-element array (mean with keepdims)",
          {"softmax_loss_vectorized": swap(swap(VECTORIZED, "-log_probs[rows, y].mean()",
                                                "-log_probs[rows, y].mean(keepdims=True)"),
                                           "return float(loss), dW", "return loss, dW")},
          {"test_softmax_loss_vectorized_hidden"}, exact_loss={"test_softmax_loss_vectorized_hidden": 0.25}),
    # -- training, brought from the SVM assignment --------------------------------------------
    Entry("train_updates_callers_W", "steps W -= ... on the caller's array instead of a copy",
          {"train_predict": cell(swap(TRAIN, "    W = W.copy()\n", ""), PREDICT)}, {"test_train_predict"},
          exact_loss={"test_train_predict": 0.25}),
    # -- tuning -------------------------------------------------------------------------------
    _tuning("tuning_keeps_last_W", "updates best_val correctly but keeps the weights of the last grid point",
            "if val_acc > best_val:\n    best_val = val_acc\nbest_W = W",
            {"test_tuning", "test_tuning_hidden"}),
    _tuning("tuning_selects_by_training_accuracy", "keeps the model with the best training accuracy",
            "if train_acc > best_train:\n    best_train, best_val, best_W = train_acc, val_acc, W"),
]
