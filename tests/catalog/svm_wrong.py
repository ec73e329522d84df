"""Plausible wrong implementations of the SVM assignment (solutions/svm/svm.ipynb).

Every entry is a mistake students really make, written as complete answer cells that differ
from a correct implementation by that one mistake. ``must_fail`` names the test cells that
must take points for it. A test cell's points depend only on the functions it tests (the tuning
cells also on the loss and training they use), so no other cell may lose points; ``exact_loss``
gives, for a mistake that breaks a single requirement, exactly the share each cell loses (that
requirement's, and those that count only with it), and ``keeps`` the cells that must keep full
marks although the entry replaces their function's cell too. Answer cells: score_function,
svm_loss_naive, svm_loss_vectorized, train_predict, tuning. Right implementations in many styles
are in svm_right.py.
"""

from __future__ import annotations

from .harness import Entry, cell, swap

# -- correct functions, to complete the cells of which an entry breaks only one function ---------

LINEAR_SCORES = '''def linear_scores(X, W, b):
    """Scores (N, C) of X (N, D) with weights W (D, C) and biases b (C,)."""
    return X.dot(W) + b
'''

BIAS_TRICK = '''def bias_trick(X, W, b):
    """X (N, D) with a column of ones appended, W (D, C) with b (C,) appended as its last row."""
    X_ext = np.hstack([X, np.ones((X.shape[0], 1), dtype=X.dtype)])  # (N, D + 1)
    W_ext = np.vstack([W, np.reshape(b, (1, -1))])  # (D + 1, C)
    return X_ext, W_ext
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

# The tuning cell of the solution up to the choice of the best pair; SELECT completes it.
TUNING = '''results = {}  # (learning_rate, reg) -> (training accuracy, validation accuracy)
best_val = -1.0
best_W = None
learning_rates = [1e-8, 5e-8, 1e-7]
regularization_strengths = [5e3, 1e4, 2.5e4]
num_iters = 1500 if data.X_train.shape[0] >= 5000 else 500
D, C = data.X_train.shape[1], len(data.class_names)
for lr in learning_rates:
    for reg in regularization_strengths:
        W0 = 1e-6 * np.random.default_rng(SEED).standard_normal((D, C), dtype=np.float32)
        W, _ = train_linear_classifier(svm_loss_vectorized, W0, data.X_train, data.y_train, learning_rate=lr,
                                       reg=reg, num_iters=num_iters, batch_size=200, rng=SEED)
        train_acc = float(np.mean(predict_linear_classifier(W, data.X_train) == data.y_train))
        val_acc = float(np.mean(predict_linear_classifier(W, data.X_val) == data.y_val))
        results[(lr, reg)] = (train_acc, val_acc)
SELECT
'''


def tuning(select: str) -> str:
    """The tuning cell with ``select`` (indented for the inner loop) choosing best_val and best_W."""
    return TUNING.replace("SELECT", select.strip("\n"))


def entry(name: str, mistake: str, overrides: dict[str, str], must_fail: set[str], gap: str = "",
          exact_loss: dict[str, float] | None = None, keeps: set[str] = frozenset()) -> Entry:
    """A wrong entry; ``exact_loss`` for a mistake that breaks one requirement (and what requires it)."""
    return Entry(name, mistake, overrides, frozenset(must_fail), gap, keeps=frozenset(keeps),
                 exact_loss=dict(exact_loss or {}))


SCORE_TESTS = {"test_score_function", "test_score_function_hidden"}
NAIVE_TESTS = {"test_svm_loss_naive", "test_svm_loss_naive_hidden"}
VECTORIZED_TESTS = {"test_svm_loss_vectorized", "test_svm_loss_vectorized_hidden"}
TRAIN_TESTS = {"test_train_predict", "test_train_predict_hidden"}

RESEEDED_TRAIN = swap(swap(TRAIN, "    rng = np.random.default_rng(rng)\n", ""),
                      "idx = rng.choice(", "idx = np.random.default_rng(rng).choice(")

CATALOG: list[Entry] = [
    # -- Part A: score function and bias trick ---------------------------------------------------
    entry("scores_without_bias", "linear_scores returns X @ W and forgets + b",
          {"score_function": cell('''def linear_scores(X, W, b):
    """Scores (N, C)."""
    return X.dot(W)
''', BIAS_TRICK)}, SCORE_TESTS,
          exact_loss={"test_score_function": 0.5, "test_score_function_hidden": 0.5}),
    entry("bias_row_first", "bias_trick prepends the ones column and puts b as the first row of W_ext "
          "(X_ext @ W_ext is still right, but the layout the rest of the kit relies on is not)",
          {"score_function": cell(LINEAR_SCORES, '''def bias_trick(X, W, b):
    """[1, X] and [b; W]."""
    X_ext = np.hstack([np.ones((X.shape[0], 1)), X])  # (N, D + 1)
    W_ext = np.vstack([b, W])  # (D + 1, C)
    return X_ext, W_ext
''')}, SCORE_TESTS,
          exact_loss={"test_score_function": 0.5, "test_score_function_hidden": 0.5}),

    # -- Part B: the loss with loops -----------------------------------------------------------------
    entry("naive_sum_not_mean", "the data loss is summed over the examples, not averaged",
          {"svm_loss_naive": '''def svm_loss_naive(W, X, y, reg):
    """SVM loss and gradient with loops."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss = loss + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return float(loss), dW
'''}, NAIVE_TESTS),
    entry("naive_no_reg_in_loss", "the regularization term is in the gradient but missing from the loss",
          {"svm_loss_naive": '''def svm_loss_naive(W, X, y, reg):
    """SVM loss and gradient with loops."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss = loss / num_train
    dW = dW / num_train + 2 * reg * W
    return float(loss), dW
'''}, NAIVE_TESTS,
          exact_loss={"test_svm_loss_naive": 0.25, "test_svm_loss_naive_hidden": 0.5}),
    entry("naive_reg_grad_without_2", "the gradient of reg * sum(W * W) is written reg * W "
          "(the factor 2 is lost)",
          {"svm_loss_naive": '''def svm_loss_naive(W, X, y, reg):
    """SVM loss and gradient with loops."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + reg * W
    return float(loss), dW
'''}, NAIVE_TESTS,
          exact_loss={"test_svm_loss_naive": 0.25, "test_svm_loss_naive_hidden": 0.5}),
    entry("naive_counts_correct_class", "the inner loop does not skip j == y[i], which adds max(0, 1) = 1 "
          "per example to the loss (its two gradient terms cancel)",
          {"svm_loss_naive": '''def svm_loss_naive(W, X, y, reg):
    """SVM loss and gradient with loops."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        for j in range(num_classes):
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return float(loss), dW
'''}, NAIVE_TESTS),
    entry("naive_margin_zero", "the margin Delta = 1 is left out: max(0, s_j - s_yi)",
          {"svm_loss_naive": '''def svm_loss_naive(W, X, y, reg):
    """SVM loss and gradient with loops."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]]
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return float(loss), dW
'''}, NAIVE_TESTS),
    entry("naive_correct_class_sign", "the correct-class column of the gradient gets + x_i instead of - x_i",
          {"svm_loss_naive": '''def svm_loss_naive(W, X, y, reg):
    """SVM loss and gradient with loops."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] += X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return float(loss), dW
'''}, NAIVE_TESTS,
          exact_loss={"test_svm_loss_naive": 0.5, "test_svm_loss_naive_hidden": 0.75}),
    entry("naive_loss_as_array", "the loss is accumulated in np.zeros(1) and returned as a 1-element array",
          {"svm_loss_naive": '''def svm_loss_naive(W, X, y, reg):
    """SVM loss and gradient with loops."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = np.zeros(1)
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return loss, dW
'''}, NAIVE_TESTS,
          exact_loss={"test_svm_loss_naive": 0.25, "test_svm_loss_naive_hidden": 0.25}),

    # -- Part C: the loss without loops -----------------------------------------------------------
    entry("vectorized_loops_over_examples", "the correct-class scores are gathered with a list "
          "comprehension over the examples instead of scores[np.arange(N), y]",
          {"svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg):
    """SVM loss and gradient, vectorized."""
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)  # (N, C)
    correct = np.array([scores[i, y[i]] for i in range(num_train)])  # (N,)
    margins = np.maximum(0, scores - correct[:, np.newaxis] + 1)
    margins[rows, y] = 0
    loss = margins.sum() / num_train + reg * np.sum(W * W)
    coeff = (margins > 0).astype(scores.dtype)
    coeff[rows, y] = -coeff.sum(axis=1)
    dW = X.T.dot(coeff) / num_train + 2 * reg * W
    return float(loss), dW
'''}, VECTORIZED_TESTS,
          exact_loss={"test_svm_loss_vectorized": 0.25, "test_svm_loss_vectorized_hidden": 0.25}),
    entry("vectorized_no_correct_class_column", "the coefficient matrix only has the +1 of the active "
          "wrong classes: the correct-class column never gets its -(count) * x_i",
          {"svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg):
    """SVM loss and gradient, vectorized."""
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)  # (N, C)
    margins = np.maximum(0, scores - scores[rows, y][:, np.newaxis] + 1)
    margins[rows, y] = 0
    loss = margins.sum() / num_train + reg * np.sum(W * W)
    coeff = (margins > 0).astype(scores.dtype)  # (N, C)
    dW = X.T.dot(coeff) / num_train + 2 * reg * W
    return float(loss), dW
'''}, VECTORIZED_TESTS,
          exact_loss={"test_svm_loss_vectorized": 0.5, "test_svm_loss_vectorized_hidden": 0.5}),
    entry("vectorized_zeroes_by_score", "the correct-class margins are zeroed by comparing scores "
          "(scores == correct score) rather than by index, which also zeroes tied wrong classes",
          {"svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg):
    """SVM loss and gradient, vectorized."""
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)  # (N, C)
    correct = scores[rows, y][:, np.newaxis]  # (N, 1)
    margins = np.maximum(0, scores - correct + 1)
    margins[scores == correct] = 0
    loss = margins.sum() / num_train + reg * np.sum(W * W)
    coeff = (margins > 0).astype(scores.dtype)
    coeff[rows, y] = -coeff.sum(axis=1)
    dW = X.T.dot(coeff) / num_train + 2 * reg * W
    return float(loss), dW
'''}, {"test_svm_loss_vectorized_hidden"},
          exact_loss={"test_svm_loss_vectorized_hidden": 0.25}),
    entry("vectorized_mean_over_all_entries", "the data loss is np.mean(margins), dividing by N * C "
          "instead of N",
          {"svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg):
    """SVM loss and gradient, vectorized."""
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)  # (N, C)
    margins = np.maximum(0, scores - scores[rows, y][:, np.newaxis] + 1)
    margins[rows, y] = 0
    loss = np.mean(margins) + reg * np.sum(W * W)
    coeff = (margins > 0).astype(scores.dtype)
    coeff[rows, y] = -coeff.sum(axis=1)
    dW = X.T.dot(coeff) / num_train + 2 * reg * W
    return float(loss), dW
'''}, VECTORIZED_TESTS),
    entry("vectorized_half_reg_convention", "the 0.5 * reg * sum(W * W) convention, with its consistent "
          "gradient reg * W, instead of the assignment's reg * sum(W * W)",
          {"svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg):
    """SVM loss and gradient, vectorized."""
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)  # (N, C)
    margins = np.maximum(0, scores - scores[rows, y][:, np.newaxis] + 1)
    margins[rows, y] = 0
    loss = margins.sum() / num_train + 0.5 * reg * np.sum(W * W)
    coeff = (margins > 0).astype(scores.dtype)
    coeff[rows, y] = -coeff.sum(axis=1)
    dW = X.T.dot(coeff) / num_train + reg * W
    return float(loss), dW
'''}, VECTORIZED_TESTS,
          exact_loss={"test_svm_loss_vectorized": 0.25, "test_svm_loss_vectorized_hidden": 0.5}),

    # -- Parts B and C together: the naive version wrong, the vectorized one right ------------------
    entry("naive_gradient_not_averaged_vectorized_right", "svm_loss_naive divides the loss by N but not the "
          "gradient; svm_loss_vectorized (written with a one-hot matrix) is right and must keep its points",
          {"svm_loss_naive": '''def svm_loss_naive(W, X, y, reg):
    """SVM loss and gradient with loops."""
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW + 2 * reg * W
    return float(loss), dW
''', "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg):
    """SVM loss and gradient, vectorized, with one-hot labels."""
    N, C = X.shape[0], W.shape[1]
    Y = np.eye(C)[y]  # (N, C)
    scores = X @ W
    margins = np.maximum(0, scores - np.sum(scores * Y, axis=1, keepdims=True) + 1) * (1 - Y)
    loss = margins.sum() / N + reg * np.sum(W * W)
    active = (margins > 0).astype(float)
    dW = X.T @ (active - Y * active.sum(axis=1, keepdims=True)) / N + 2 * reg * W
    return float(loss), dW
'''}, NAIVE_TESTS, exact_loss={"test_svm_loss_naive": 0.5, "test_svm_loss_naive_hidden": 0.75},
          keeps=VECTORIZED_TESTS),

    # -- Part E: SGD and prediction -----------------------------------------------------------------
    entry("train_separate_indices_for_y", "X_batch and y_batch are drawn with two separate rng.choice calls, "
          "so the labels do not belong to the examples",
          {"train_predict": cell(swap(TRAIN,
              "idx = rng.choice(X.shape[0], batch_size, replace=True)  # (batch_size,)\n"
              "        loss, grad = loss_fn(W, X[idx], y[idx], reg)",
              "X_batch = X[rng.choice(X.shape[0], batch_size, replace=True)]\n"
              "        y_batch = y[rng.choice(X.shape[0], batch_size, replace=True)]\n"
              "        loss, grad = loss_fn(W, X_batch, y_batch, reg)"), PREDICT)},
          {"test_train_predict_hidden"},
          exact_loss={"test_train_predict_hidden": 0.5}),
    entry("train_ignores_learning_rate", "the update is W -= grad: the learning rate is never used",
          {"train_predict": cell(swap(TRAIN, "W -= learning_rate * grad", "W -= grad"), PREDICT)},
          TRAIN_TESTS),
    entry("train_mutates_callers_W", "no W = W.copy(): the in-place update changes the caller's array",
          {"train_predict": cell(swap(TRAIN, "    W = W.copy()\n", ""), PREDICT)},
          TRAIN_TESTS,
          exact_loss={"test_train_predict": 0.25, "test_train_predict_hidden": 0.25}),
    entry("train_without_replacement", "batches are drawn with replace=False, which fails when "
          "batch_size > N",
          {"train_predict": cell(swap(TRAIN, "replace=True", "replace=False"), PREDICT)},
          {"test_train_predict_hidden"},
          exact_loss={"test_train_predict_hidden": 0.25}),
    entry("train_reseeds_every_step", "np.random.default_rng(rng) is called inside the loop, so with an "
          "integer seed every step draws the same batch",
          {"train_predict": cell(RESEEDED_TRAIN, PREDICT)},
          {"test_train_predict_hidden"},
          exact_loss={"test_train_predict_hidden": 0.25}),
    entry("predict_argmin", "predict_linear_classifier takes the argmin of the scores",
          {"train_predict": cell(TRAIN, swap(PREDICT, "argmax", "argmin"))},
          TRAIN_TESTS,
          exact_loss={"test_train_predict": 0.75, "test_train_predict_hidden": 0.75}),

    # -- Part F: tuning -------------------------------------------------------------------------------
    entry("tuning_reports_training_accuracy", "the pairs are compared, and best_val reported, by "
          "training accuracy",
          {"tuning": tuning('''
        if train_acc > best_val:
            best_val, best_W = train_acc, W
''')}, {"test_tuning_hidden"}),
    entry("tuning_keeps_last_W", "best_val is the best validation accuracy but best_W is the weights "
          "of the last pair trained",
          {"tuning": tuning('''
        best_val = max(best_val, val_acc)
        best_W = W
''')}, {"test_tuning_hidden"}),
]
