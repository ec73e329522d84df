# ruff: noqa: E501 (answer cells are written as students write them, long lines included)
"""Plausible wrong implementations of the features assignment (solutions/features/features.ipynb).

Every entry is a mistake students really make, written as a complete answer cell that differs
from a correct implementation by that one mistake. ``must_fail`` names the test cells that must
take points for it; ``exact_loss`` gives, for a mistake that breaks a single requirement, exactly
the share each cell loses. A test cell's points depend only on the function it tests (the tuning
cells also on the features, the normalisation and the classifier they use). Answer cells:
linear_classifier, polar_features, hue_histogram, hog_features, kmeans, bag_of_words,
normalise_features, tuning. Right implementations in many styles are in features_right.py.
"""

from __future__ import annotations

from .harness import Entry, cell, swap

CLASSIFIER_TESTS = {"test_linear_classifier"}
POLAR_TESTS = {"test_polar_features", "test_polar_features_hidden"}
HUE_TESTS = {"test_hue_histogram", "test_hue_histogram_hidden"}
HOG_TESTS = {"test_hog_features", "test_hog_features_hidden"}
KMEANS_TESTS = {"test_kmeans", "test_kmeans_hidden"}
BOW_TESTS = {"test_bag_of_words", "test_bag_of_words_hidden"}
NORMALISE_TESTS = {"test_normalise_features", "test_normalise_features_hidden"}
TUNING_TESTS = {"test_tuning", "test_tuning_hidden"}

# -- correct functions, completed by one mistake each ----------------------------------------------

LOSS = '''def softmax_loss_vectorized(W, X, y, reg):
    """Mean cross-entropy of X @ W plus reg * sum(W * W), and its gradient."""
    N = X.shape[0]
    rows = np.arange(N)
    scores = X.dot(W)
    scores = scores - scores.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(scores).sum(axis=1))
    loss = np.mean(log_sum - scores[rows, y]) + reg * np.sum(W * W)
    probs = np.exp(scores - log_sum[:, None])
    probs[rows, y] -= 1
    return float(loss), X.T.dot(probs) / N + 2 * reg * W
'''

TRAIN = '''def train_linear_classifier(loss_fn, W, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,
                            batch_size=200, rng=None, verbose=False):
    """Mini-batch SGD from a copy of W; returns (W, loss_history)."""
    rng = np.random.default_rng(rng)
    W = W.copy()
    history = []
    for it in range(num_iters):
        idx = rng.choice(X.shape[0], batch_size, replace=True)
        loss, grad = loss_fn(W, X[idx], y[idx], reg)
        history.append(float(loss))
        W -= learning_rate * grad
    return W, history
'''

PREDICT = '''def predict_linear_classifier(W, X):
    """Index of the highest score of every row."""
    return np.argmax(X.dot(W), axis=1)
'''

POLAR = '''def polar_features(points):
    """(r, theta) of every point, float32."""
    x, y = points[:, 0], points[:, 1]
    return np.stack([np.sqrt(x**2 + y**2), np.arctan2(y, x)], axis=1).astype(np.float32)
'''

HUE = '''def hue_histogram(images, nbin=10):
    """Normalised hue histograms (N, nbin), float32."""
    rgb = np.asarray(images, dtype=np.float64)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    top = rgb.max(axis=-1)
    delta = top - rgb.min(axis=-1)
    safe = np.where(delta > 0, delta, 1.0)
    h = np.where(top == r, ((g - b) / safe) % 6, np.where(top == g, (b - r) / safe + 2, (r - g) / safe + 4)) / 6
    h = np.where(delta > 0, h, 0.0)
    N = rgb.shape[0]
    bins = np.minimum((h * nbin).astype(int), nbin - 1).reshape(N, -1)
    counts = np.bincount((bins + nbin * np.arange(N)[:, None]).ravel(), minlength=N * nbin).reshape(N, nbin)
    return (counts / bins.shape[1]).astype(np.float32)
'''

HOG = '''def hog_features(images, cell=8, nbins=9):
    """HOG: magnitude-weighted unsigned orientation histograms per cell, each normalised."""
    grey = np.asarray(images, dtype=np.float64).mean(axis=-1)
    gy, gx = np.gradient(grey, axis=(1, 2))
    mag = np.sqrt(gx**2 + gy**2)
    theta = np.mod(np.arctan2(gy, gx), np.pi)
    b = np.minimum((theta / np.pi * nbins).astype(int), nbins - 1)
    N, H, W = grey.shape
    R, Q = H // cell, W // cell
    b, mag = b[:, :R * cell, :Q * cell], mag[:, :R * cell, :Q * cell]
    rr = np.arange(R * cell)[:, None] // cell
    cc = np.arange(Q * cell)[None, :] // cell
    index = ((np.arange(N)[:, None, None] * R + rr) * Q + cc) * nbins + b
    h = np.bincount(index.ravel(), weights=mag.ravel(), minlength=N * R * Q * nbins).reshape(N, R * Q, nbins)
    h = h / (np.sqrt(np.sum(h**2, axis=2, keepdims=True)) + 1e-6)
    return h.reshape(N, -1).astype(np.float32)
'''

KMEANS = '''def kmeans(points, k, iters, rng=None):
    """Lloyd's k-means from points[rng.choice(M, k, replace=False)]; empty clusters stay put."""
    rng = np.random.default_rng(rng)
    centres = points[rng.choice(len(points), size=k, replace=False)].astype(np.float64)
    for _ in range(iters):
        d = (points ** 2).sum(axis=1)[:, None] - 2 * points @ centres.T + (centres ** 2).sum(axis=1)
        nearest = np.argmin(d, axis=1)
        for j in range(k):
            members = points[nearest == j]
            if len(members) > 0:
                centres[j] = members.mean(axis=0)
    return centres
'''

BOW = '''def bag_of_words(patches, centres):
    """The fraction of each image's patches nearest to each word, (N, k) float32."""
    N, P, D = patches.shape
    k = centres.shape[0]
    d = (patches ** 2).sum(axis=2)[:, :, None] - 2 * patches @ centres.T + (centres ** 2).sum(axis=1)
    nearest = np.argmin(d, axis=2)
    one_hot = nearest[:, :, None] == np.arange(k)
    return one_hot.mean(axis=1).astype(np.float32)
'''

KMEANS_DISTANCES = "d = (points ** 2).sum(axis=1)[:, None] - 2 * points @ centres.T + (centres ** 2).sum(axis=1)"
BOW_DISTANCES = "d = (patches ** 2).sum(axis=2)[:, :, None] - 2 * patches @ centres.T + (centres ** 2).sum(axis=1)"

NORMALISE = '''def normalise_features(train, *others):
    """Standardise with the training mean and standard deviation (1 where it is 0)."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std == 0] = 1
    return [(F - mean) / std for F in (train, *others)]
'''

TUNING = '''results, best_val, best_W = {}, {}, {}
C = len(data.class_names)
num_iters = 1000 if len(labels["train"]) >= 5000 else 300
for family in FAMILIES:
    results[family], best_val[family] = {}, -1.0
    for lr in (1e-2, 3e-2, 1e-1):
        for reg in (1e-4, 1e-2):
            W0 = np.zeros((train_sets[family].shape[1], C), dtype=np.float32)
            W, _ = train_linear_classifier(softmax_loss_vectorized, W0, train_sets[family], labels["train"],
                                           learning_rate=lr, reg=reg, num_iters=num_iters, batch_size=200, rng=SEED)
            train_acc = float(np.mean(predict_linear_classifier(W, train_sets[family]) == labels["train"]))
            val_acc = float(np.mean(predict_linear_classifier(W, val_sets[family]) == labels["val"]))
            results[family][(lr, reg)] = (train_acc, val_acc)
SELECT
'''
BEST = '''            if val_acc > best_val[family]:
                best_val[family], best_W[family] = val_acc, W'''


def tuning(select: str) -> str:
    """The tuning cell with ``select`` (indented for the inner loop) choosing best_val and best_W."""
    return TUNING.replace("SELECT", select.strip("\n"))


def entry(name: str, mistake: str, overrides: dict[str, str], must_fail: set[str],
          exact_loss: dict[str, float] | None = None, gap: str = "") -> Entry:
    """A wrong entry; ``exact_loss`` for a mistake that breaks one requirement (and what requires it)."""
    return Entry(name, mistake, overrides, frozenset(must_fail), gap, exact_loss=dict(exact_loss or {}))


LOOPED_HOG = '''def hog_features(images, cell=8, nbins=9):
    """HOG, one image at a time."""
    out = []
    for image in np.asarray(images, dtype=np.float64):
        gy, gx = np.gradient(image.mean(axis=-1))
        mag = np.hypot(gx, gy)
        b = np.minimum((np.mod(np.arctan2(gy, gx), np.pi) * nbins / np.pi).astype(int), nbins - 1)
        R, Q = image.shape[0] // cell, image.shape[1] // cell
        b, mag = b[:R * cell, :Q * cell], mag[:R * cell, :Q * cell]
        index = ((np.arange(R * cell)[:, None] // cell) * Q + np.arange(Q * cell)[None, :] // cell) * nbins + b
        h = np.bincount(index.ravel(), weights=mag.ravel(), minlength=R * Q * nbins).reshape(R * Q, nbins)
        out.append((h / (np.linalg.norm(h, axis=1, keepdims=True) + 1e-6)).ravel())
    return np.array(out, dtype=np.float32)
'''

LOOPED_HUE = '''def hue_histogram(images, nbin=10):
    """Normalised hue histograms, one np.histogram per image."""
    from matplotlib.colors import rgb_to_hsv
    hue = rgb_to_hsv(np.asarray(images, dtype=np.float64) / 255)[..., 0]
    hists = [np.histogram(h, bins=nbin, range=(0.0, 1.0))[0] / h.size for h in hue]
    return np.array(hists, dtype=np.float32)
'''

CATALOG: list[Entry] = [
    # -- Part A: the linear classifier ---------------------------------------------------------------
    entry("loss_without_regularization", "softmax_loss_vectorized forgets reg * sum(W * W) in the loss and the gradient",
          {"linear_classifier": cell(swap(swap(LOSS, " + reg * np.sum(W * W)", ""), " + 2 * reg * W", ""),
                                     TRAIN, PREDICT)},
          CLASSIFIER_TESTS, exact_loss={"test_linear_classifier": 0.25}),
    entry("predict_argmin", "predict_linear_classifier takes the lowest score",
          {"linear_classifier": cell(LOSS, TRAIN, swap(PREDICT, "argmax", "argmin"))}, CLASSIFIER_TESTS),
    entry("loss_without_max_shift", "the softmax of the raw scores: exp overflows for large scores",
          {"linear_classifier": cell(swap(LOSS, "    scores = scores - scores.max(axis=1, keepdims=True)\n", ""),
                                     TRAIN, PREDICT)}, CLASSIFIER_TESTS),
    entry("train_batches_without_replacement", "each batch drawn with replace=False: a batch larger than the data fails",
          {"linear_classifier": cell(LOSS, swap(TRAIN, "replace=True", "replace=False"), PREDICT)},
          CLASSIFIER_TESTS, exact_loss={"test_linear_classifier": 0.25}),
    # -- Part B: polar features ----------------------------------------------------------------------
    entry("polar_arctan2_x_y", "the angle as np.arctan2(x, y): the arguments swapped",
          {"polar_features": swap(POLAR, "np.arctan2(y, x)", "np.arctan2(x, y)")}, POLAR_TESTS),
    entry("polar_float64", "polar_features returns float64 (the float32 cast forgotten)",
          {"polar_features": swap(POLAR, ".astype(np.float32)", "")}, {"test_polar_features"},
          exact_loss={"test_polar_features": 0.25}),
    entry("polar_arctan_of_ratio", "the angle as np.arctan(y / x): the left half-plane lands on the right one, x = 0 divides by 0",
          {"polar_features": swap(POLAR, "np.arctan2(y, x)", "np.arctan(y / x)")}, POLAR_TESTS),
    entry("polar_radius_squared", "the radius as x**2 + y**2, the square root forgotten",
          {"polar_features": swap(POLAR, "np.sqrt(x**2 + y**2)", "x**2 + y**2")}, POLAR_TESTS),
    entry("polar_angle_0_to_2pi", "the angle moved to [0, 2 pi) with a mod, not the (-pi, pi] of atan2",
          {"polar_features": swap(POLAR, "np.arctan2(y, x)", "np.mod(np.arctan2(y, x), 2 * np.pi)")}, POLAR_TESTS),
    entry("polar_written_into_points", "r and theta written into the caller's points array and returned (right values)",
          {"polar_features": '''def polar_features(points):
    """(r, theta) of every point, float32, written over the points."""
    x, y = points[:, 0].copy(), points[:, 1].copy()
    points[:, 0] = np.hypot(x, y)
    points[:, 1] = np.arctan2(y, x)
    return points.astype(np.float32)
'''}, {"test_polar_features_hidden"}, exact_loss={"test_polar_features_hidden": 0.25}),
    entry("polar_loop_over_points", "one point at a time in a list comprehension (right values)",
          {"polar_features": '''def polar_features(points):
    """(r, theta) of every point, float32."""
    return np.array([[np.hypot(x, y), np.arctan2(y, x)] for x, y in points], dtype=np.float32).reshape(-1, 2)
'''}, {"test_polar_features"}, exact_loss={"test_polar_features": 0.25}),
    # -- Part C: hue histogram -----------------------------------------------------------------------
    entry("hue_not_normalised", "the histogram holds pixel counts, not fractions",
          {"hue_histogram": swap(HUE, "(counts / bins.shape[1])", "counts")}, HUE_TESTS),
    entry("hue_loop_over_images", "one np.histogram per image, in a list comprehension (right values)",
          {"hue_histogram": LOOPED_HUE}, {"test_hue_histogram"}, exact_loss={"test_hue_histogram": 0.25}),
    entry("hue_greys_divide_by_zero", "the hue divides by max - min without a guard: greys give 0/0",
          {"hue_histogram": swap(swap(HUE, "    safe = np.where(delta > 0, delta, 1.0)\n", ""),
                                 "h = np.where(top == r, ((g - b) / safe) % 6, np.where(top == g, (b - r) / safe + 2, "
                                 "(r - g) / safe + 4)) / 6",
                                 "h = np.where(top == r, ((g - b) / delta) % 6, np.where(top == g, (b - r) / delta + 2, "
                                 "(r - g) / delta + 4)) / 6")},
          {"test_hue_histogram_hidden"}, exact_loss={"test_hue_histogram_hidden": 0.25}),
    entry("hue_of_brightness", "the histogram of the value max(r, g, b) / 255 instead of the hue",
          {"hue_histogram": swap(HUE, "    h = np.where(delta > 0, h, 0.0)\n", "    h = top / 256\n")}, HUE_TESTS),
    entry("hue_uint8_wraparound", "the channels used as they come: on uint8 images g - b wraps around to 255 where g < b",
          {"hue_histogram": swap(HUE, "rgb = np.asarray(images, dtype=np.float64)", "rgb = np.asarray(images)")},
          {"test_hue_histogram_hidden"}, exact_loss={"test_hue_histogram_hidden": 0.5}),
    entry("hue_red_case_without_mod", "the red case without its mod 6: negative hues, negative bins",
          {"hue_histogram": swap(HUE, "((g - b) / safe) % 6", "(g - b) / safe")}, HUE_TESTS),
    entry("hue_round_to_nearest_bin", "the bin as round(h * nbin), not floor",
          {"hue_histogram": swap(HUE, "np.minimum((h * nbin).astype(int), nbin - 1)",
                                 "np.minimum(np.round(h * nbin).astype(int), nbin - 1)")}, HUE_TESTS),
    entry("hue_float64", "the histograms returned in float64 (the float32 cast forgotten)",
          {"hue_histogram": swap(HUE, "(counts / bins.shape[1]).astype(np.float32)", "counts / bins.shape[1]")},
          HUE_TESTS, exact_loss={"test_hue_histogram": 0.25, "test_hue_histogram_hidden": 0.25}),
    # -- Part D: HOG ---------------------------------------------------------------------------------
    entry("hog_signed_orientation", "orientation over [0, 2 pi) with nbins bins: not unsigned",
          {"hog_features": swap(swap(HOG, "np.mod(np.arctan2(gy, gx), np.pi)", "np.mod(np.arctan2(gy, gx), 2 * np.pi)"),
                                "theta / np.pi * nbins", "theta / (2 * np.pi) * nbins")}, HOG_TESTS),
    entry("hog_counts_not_magnitudes", "every pixel counts 1 in its bin: no magnitude weighting",
          {"hog_features": swap(HOG, "weights=mag.ravel(), ", "")}, HOG_TESTS),
    entry("hog_cells_off_by_one", "the cell of pixel j computed as (j + 1) // cell",
          {"hog_features": swap(HOG, "rr = np.arange(R * cell)[:, None] // cell",
                                "rr = np.minimum((np.arange(R * cell)[:, None] + 1) // cell, R - 1)")},
          {"test_hog_features_hidden"}),
    entry("hog_not_normalised", "the cell histograms are not divided by their norm",
          {"hog_features": swap(HOG, "    h = h / (np.sqrt(np.sum(h**2, axis=2, keepdims=True)) + 1e-6)\n", "")},
          HOG_TESTS),
    entry("hog_negative_angles_plus_pi", "theta = where(theta < 0, theta + pi, theta): pi stays pi (the last bin)",
          {"hog_features": swap(HOG, "theta = np.mod(np.arctan2(gy, gx), np.pi)",
                                "theta = np.arctan2(gy, gx)\n    theta = np.where(theta < 0, theta + np.pi, theta)")},
          {"test_hog_features"}),
    entry("hog_gradients_swapped", "gx taken along the rows and gy along the columns",
          {"hog_features": swap(HOG, "gy, gx = np.gradient(grey, axis=(1, 2))", "gx, gy = np.gradient(grey, axis=(1, 2))")},
          HOG_TESTS),
    entry("hog_uint8_channel_sum", "the grey image as (r + g + b) / 3 on the channels as they come: uint8 sums wrap above 255",
          {"hog_features": swap(HOG, "grey = np.asarray(images, dtype=np.float64).mean(axis=-1)",
                                "grey = (images[..., 0] + images[..., 1] + images[..., 2]) / 3")},
          {"test_hog_features_hidden"}, exact_loss={"test_hog_features_hidden": 0.25}),
    entry("hog_zero_border_gradients", "centred differences inside, 0 on the border (no one-sided differences)",
          {"hog_features": swap(HOG, "gy, gx = np.gradient(grey, axis=(1, 2))",
                                "gx, gy = np.zeros_like(grey), np.zeros_like(grey)\n"
                                "    gx[:, :, 1:-1] = (grey[:, :, 2:] - grey[:, :, :-2]) / 2\n"
                                "    gy[:, 1:-1, :] = (grey[:, 2:, :] - grey[:, :-2, :]) / 2")}, {"test_hog_features_hidden"}),
    entry("hog_luminance_grey", "the grey image as the luminance 0.299 r + 0.587 g + 0.114 b, not the mean of the channels",
          {"hog_features": swap(HOG, "grey = np.asarray(images, dtype=np.float64).mean(axis=-1)",
                                "grey = np.asarray(images, dtype=np.float64) @ np.array([0.299, 0.587, 0.114])")},
          {"test_hog_features_hidden"}),
    entry("hog_loop_over_images", "right values, one image at a time in a Python loop",
          {"hog_features": LOOPED_HOG}, {"test_hog_features"}, exact_loss={"test_hog_features": 0.5}),
    # -- Part E: k-means and the bag of words -------------------------------------------------------
    entry("kmeans_farthest_centre", "every point is assigned to its farthest centre (argmax)",
          {"kmeans": swap(KMEANS, "np.argmin(d, axis=1)", "np.argmax(d, axis=1)")}, {"test_kmeans_hidden"}),
    entry("kmeans_empty_cluster_nan", "the mean of an empty cluster is taken anyway: nan",
          {"kmeans": swap(KMEANS, "            if len(members) > 0:\n                centres[j] = members.mean(axis=0)",
                          "            centres[j] = members.mean(axis=0)")}, KMEANS_TESTS),
    entry("kmeans_one_iteration_too_many", "range(iters + 1): one iteration more than asked",
          {"kmeans": swap(KMEANS, "range(iters)", "range(iters + 1)")}, {"test_kmeans_hidden"},
          exact_loss={"test_kmeans_hidden": 0.25}),  # iters = 0 returns no data points: the start requirement
    entry("kmeans_loop_over_points", "the nearest centre found point by point in a Python loop (right values)",
          {"kmeans": swap(KMEANS, "        nearest = np.argmin(d, axis=1)\n",
                          "        nearest = np.array([int(np.argmin(row)) for row in d])\n")},
          {"test_kmeans"}, exact_loss={"test_kmeans": 0.25}),
    entry("kmeans_l1_distance", "points assigned by the L1 distance sum |x - c|, not the squared Euclidean one",
          {"kmeans": swap(KMEANS, KMEANS_DISTANCES, "d = np.stack([np.abs(points - c).sum(axis=1) for c in centres], axis=1)")}, {"test_kmeans_hidden"}),
    entry("kmeans_chebyshev_distance", "points assigned by cdist's 'chebyshev' metric, the largest coordinate difference",
          {"kmeans": "from scipy.spatial.distance import cdist\n\n\n" + swap(
              KMEANS, KMEANS_DISTANCES, 'd = cdist(points, centres, "chebyshev")')}, {"test_kmeans_hidden"}),
    entry("kmeans_expanded_without_c2", "the expanded distance |x|^2 - 2 x.c with |c|^2 forgotten",
          {"kmeans": swap(KMEANS, " + (centres ** 2).sum(axis=1)", "")}, {"test_kmeans_hidden"}),
    entry("kmeans_empty_centre_to_origin", "sums / max(counts, 1) for every centre: an empty cluster's centre jumps to 0",
          {"kmeans": swap(KMEANS, '''        for j in range(k):
            members = points[nearest == j]
            if len(members) > 0:
                centres[j] = members.mean(axis=0)''', '''        counts = np.bincount(nearest, minlength=k)
        sums = np.zeros((k, points.shape[1]))
        np.add.at(sums, nearest, points)
        centres = sums / np.maximum(counts, 1)[:, None]''')}, {"test_kmeans_hidden"},
          exact_loss={"test_kmeans_hidden": 0.5}),
    entry("kmeans_start_with_replacement", "the start drawn with rng.choice(M, k): with replacement, a point can start twice",
          {"kmeans": swap(KMEANS, "rng.choice(len(points), size=k, replace=False)", "rng.choice(len(points), size=k)")},
          {"test_kmeans_hidden"}, exact_loss={"test_kmeans_hidden": 0.25}),
    entry("kmeans_global_random_state", "the start drawn with np.random.choice, the global random state, not from rng",
          {"kmeans": swap(KMEANS, "rng.choice(len(points), size=k, replace=False)",
                          "np.random.choice(len(points), size=k, replace=False)")}, {"test_kmeans_hidden"}),
    entry("bow_counts_not_fractions", "the bag of words holds patch counts, not fractions",
          {"bag_of_words": swap(BOW, "one_hot.mean(axis=1)", "one_hot.sum(axis=1)")}, BOW_TESTS),
    entry("bow_farthest_word", "every patch votes for its farthest word",
          {"bag_of_words": swap(BOW, "np.argmin(d, axis=2)", "np.argmax(d, axis=2)")}, BOW_TESTS),
    entry("bow_loop_over_images", "right values, one image at a time in a list comprehension",
          {"bag_of_words": '''def bag_of_words(patches, centres):
    """The fraction of each image's patches nearest to each word."""
    k = len(centres)
    rows = [np.bincount(np.argmin((centres ** 2).sum(axis=1) - 2 * p @ centres.T, axis=1), minlength=k) / len(p)
            for p in patches]
    return np.array(rows, dtype=np.float32)
'''}, {"test_bag_of_words"}, exact_loss={"test_bag_of_words": 0.25}),
    entry("bow_l1_distance", "every patch votes for its nearest word by cdist's 'cityblock' metric, the L1 distance",
          {"bag_of_words": "from scipy.spatial.distance import cdist\n\n\n" + swap(
              BOW, BOW_DISTANCES, 'd = cdist(patches.reshape(N * P, D), centres, "cityblock").reshape(N, P, k)')},
          {"test_bag_of_words_hidden"}, exact_loss={"test_bag_of_words_hidden": 0.5}),
    entry("bow_chebyshev_distance", "every patch votes for its nearest word by cdist's 'chebyshev' metric (L-infinity)",
          {"bag_of_words": "from scipy.spatial.distance import cdist\n\n\n" + swap(
              BOW, BOW_DISTANCES, 'd = cdist(patches.reshape(N * P, D), centres, "chebyshev").reshape(N, P, k)')},
          {"test_bag_of_words_hidden"}, exact_loss={"test_bag_of_words_hidden": 0.5}),
    entry("bow_expanded_without_c2", "the expanded distance |x|^2 - 2 x.c with |c|^2 forgotten: the word of the largest x.c wins",
          {"bag_of_words": swap(BOW, " + (centres ** 2).sum(axis=1)", "")},
          {"test_bag_of_words_hidden"}),
    entry("bow_one_histogram_for_the_batch", "one histogram of all the batch's patches, given to every image",
          {"bag_of_words": swap(BOW, "    return one_hot.mean(axis=1).astype(np.float32)",
                                "    return np.tile(one_hot.mean(axis=(0, 1)), (N, 1)).astype(np.float32)")}, BOW_TESTS),
    entry("bow_float64", "the bag of words returned in float64 (the float32 cast forgotten)",
          {"bag_of_words": swap(BOW, "one_hot.mean(axis=1).astype(np.float32)", "one_hot.mean(axis=1)")},
          BOW_TESTS, exact_loss={"test_bag_of_words": 0.25, "test_bag_of_words_hidden": 0.25}),
    # -- Part F: normalisation and tuning -----------------------------------------------------------
    entry("normalise_each_with_its_own_statistics", "every set is standardised with its own mean and std",
          {"normalise_features": '''def normalise_features(train, *others):
    """Every set standardised with its own statistics."""
    out = []
    for F in (train, *others):
        std = F.std(axis=0)
        std[std == 0] = 1
        out.append((F - F.mean(axis=0)) / std)
    return out
'''}, NORMALISE_TESTS),
    entry("normalise_statistics_of_everything", "the mean and std of training, validation and test sets together",
          {"normalise_features": swap(swap(NORMALISE, "mean = train.mean(axis=0)",
                                           "everything = np.concatenate([train, *others])\n    mean = everything.mean(axis=0)"),
                                      "std = train.std(axis=0)", "std = everything.std(axis=0)")},
          {"test_normalise_features_hidden"}),
    entry("normalise_in_place", "F -= mean; F /= std on the caller's arrays (right values, inputs changed)",
          {"normalise_features": '''def normalise_features(train, *others):
    """Standardise in place with the training statistics."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std == 0] = 1
    sets = (train, *others)
    for F in sets:
        F -= mean
        F /= std
    return list(sets)
'''}, {"test_normalise_features_hidden"}, exact_loss={"test_normalise_features_hidden": 0.5}),
    entry("normalise_std_plus_epsilon", "divides by std + 1e-8: a constant column blows up to 1e8",
          {"normalise_features": swap(NORMALISE, "    std[std == 0] = 1\n    return [(F - mean) / std",
                                      "    return [(F - mean) / (std + 1e-8)")},
          NORMALISE_TESTS),
    entry("normalise_sample_std", "the sample standard deviation (ddof=1), not np.std's population one",
          {"normalise_features": swap(NORMALISE, "std = train.std(axis=0)", "std = train.std(axis=0, ddof=1)")},
          NORMALISE_TESTS),
    entry("normalise_always_float32", "every set returned as float32, whatever the dtype of the input",
          {"normalise_features": swap(NORMALISE, "return [(F - mean) / std for F in (train, *others)]",
                                      "return [((F - mean) / std).astype(np.float32) for F in (train, *others)]")},
          {"test_normalise_features_hidden"}, exact_loss={"test_normalise_features_hidden": 0.25}),
    entry("normalise_nan_to_zero_afterwards", "divides by the raw std, then np.nan_to_num on the result for constant columns",
          {"normalise_features": swap(swap(NORMALISE, "    std[std == 0] = 1\n", ""),
                                      "return [(F - mean) / std for F in (train, *others)]",
                                      "return [np.nan_to_num((F - mean) / std) for F in (train, *others)]")},
          NORMALISE_TESTS),
    entry("tuning_keeps_last_weights", "best_W keeps the weights of the last run, not of the best",
          {"tuning": tuning('''            if val_acc > best_val[family]:
                best_val[family] = val_acc
            best_W[family] = W''')}, {"test_tuning_hidden"}),
    entry("tuning_only_all_features", "only the combined features are tuned",
          {"tuning": tuning(BEST).replace("for family in FAMILIES:", 'for family in ["all"]:')},
          {"test_tuning_hidden"}),
    entry("tuning_training_accuracy_on_validation", "the training accuracy computed on the validation set (copy-paste)",
          {"tuning": swap(tuning(BEST),
                          'train_acc = float(np.mean(predict_linear_classifier(W, train_sets[family]) == labels["train"]))',
                          'train_acc = float(np.mean(predict_linear_classifier(W, val_sets[family]) == labels["val"]))')},
          {"test_tuning_hidden"}, exact_loss={"test_tuning_hidden": 0.5}),
]
