"""Benchmarks of the kit: one markdown table with every figure a median of several runs.

    python benchmarks/run.py                  # full run, writes benchmarks/results.md
    python benchmarks/run.py --quick --out -  # a smoke run on tiny sizes, printed only

Sections: naive versus vectorized losses (the reference solutions, read from solutions/),
vectorized loss against the two matrix products it cannot avoid, loading CIFAR-10 from the
official pickle batches versus the kit's cache, one training run against scikit-learn's
linear models, feature extraction (hue, HOG, bag of words) against per-image loops, each
solution notebook executed top to bottom, autograding throughput, the class report's build
time for 30 and 300 students (``--only report``) and the code similarity run for 30 and 300
(``--only similarity``). Ratios are measured in
the same run. Data: full CIFAR-10 when it is in the data folder, else the shared subset
(``CS231N_CIFAR10_SUBSET`` or ../shared/data/cifar10_subset.npz), else digits.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cs231n_utils import course  # noqa: E402
from cs231n_utils.submissions import answer_cells, strip_solution_markers  # noqa: E402

#: (target, met, figure) collected while the sections run, printed as the last table.
TARGETS: list[tuple[str, bool, str]] = []
#: Seconds a solution notebook may take at CIFAR-10 size (60 unless said here).
NOTEBOOK_LIMITS = {"features": 90}


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall-clock seconds of ``repeat`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def solution_functions(assignment: str, cells: list[str]) -> dict[str, Callable]:
    """Execute the reference answer cells of solutions/<assignment> and return what they define."""
    import nbformat

    path = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    if not path.is_file():
        return {}
    nb = nbformat.read(path, as_version=4)
    ns: dict = {"np": np, "__name__": "reference"}
    found = answer_cells(nb)
    for grade_id in cells:
        if grade_id in found:
            exec(strip_solution_markers(found[grade_id].source), ns)  # noqa: S102 (our own solutions)
    return {k: v for k, v in ns.items() if callable(v) and not k.startswith("_") and k != "np"}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i.get('version', '')} ({i['num_threads']} threads)"
                         for i in threadpool_info() if i["user_api"] == "blas")
    except ImportError:
        blas = "unknown BLAS"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; Python {platform.python_version()}, "
            f"NumPy {np.__version__} with {blas}; {platform.system()} {platform.release()}")


def data_choice() -> tuple[str, dict[str, str]]:
    from cs231n_utils.datasets import get_data_home

    if (get_data_home() / "cifar-10-batches-py").is_dir() or (get_data_home() / "cifar10_cache").is_dir():
        return "cifar10", {"CS231N_DATASET": "cifar10"}
    subset = Path(os.environ.get("CS231N_CIFAR10_SUBSET", REPO.parent / "shared/data/cifar10_subset.npz"))
    if subset.is_file():
        return "cifar10-subset", {"CS231N_DATASET": "cifar10-subset", "CS231N_CIFAR10_SUBSET": str(subset)}
    return "digits", {"CS231N_DATASET": "digits"}


# -- sections -------------------------------------------------------------------------------------

def bench_losses(repeat: int, quick: bool) -> list[str]:
    rows = ["## Naive versus vectorized loss and gradient", "",
            "Dev-set shape: N examples, D features, C classes; reference solutions from solutions/.", "",
            "| loss | dtype | N x D x C | naive | vectorized | speed-up | floor (X·W + Xᵀ·G) "
            "| vectorized / floor |",
            "|---|---|---|---|---|---|---|---|"]
    n, d, c = (50, 300, 10) if quick else (500, 3073, 10)
    rng = np.random.default_rng(0)
    pairs = [("svm", "svm_loss_naive", "svm_loss_vectorized"),
             ("softmax", "softmax_loss_naive", "softmax_loss_vectorized")]
    for assignment, naive_name, vec_name in pairs:
        fns = solution_functions(assignment, [naive_name, vec_name])
        if naive_name not in fns or vec_name not in fns:
            rows.append(f"| {assignment} | - | - | not available | | | | |")
            continue
        for dtype in (np.float64, np.float32):
            X = (rng.standard_normal((n, d)) * 60).astype(dtype)
            W = (rng.standard_normal((d, c)) * 1e-4).astype(dtype)
            y = rng.integers(0, c, n)
            G = np.ones((n, c), dtype=dtype)
            naive, vec = fns[naive_name], fns[vec_name]
            t_naive = median_time(lambda f=naive, a=(W, X, y): f(*a, 1e-3), max(1, repeat // 2))
            t_vec = median_time(lambda f=vec, a=(W, X, y): f(*a, 1e-3), repeat * 4)
            t_floor = median_time(lambda X=X, W=W, G=G: (X.dot(W), X.T.dot(G)), repeat * 4)
            if not quick:
                TARGETS.append((f"{assignment} vectorized within 1.2x of its floor ({np.dtype(dtype).name})",
                                t_vec / t_floor <= 1.2, f"{t_vec / t_floor:.2f}x"))
            rows.append(f"| {assignment} | {np.dtype(dtype).name} | {n} x {d} x {c} | {t_naive * 1e3:.1f} ms "
                        f"| {t_vec * 1e3:.2f} ms | {t_naive / t_vec:.0f}x | {t_floor * 1e3:.2f} ms "
                        f"| {t_vec / t_floor:.2f}x |")
    return rows


def bench_loading(repeat: int, quick: bool) -> list[str]:
    """Official pickle batches versus the kit's cache, on an official-format archive."""
    from cs231n_utils import cifar10

    rows = ["## Loading CIFAR-10", "", "| source | images | median time |", "|---|---|---|"]
    home = cifar10_home = None
    from cs231n_utils.datasets import get_data_home

    if (get_data_home() / "cifar-10-batches-py").is_dir():
        cifar10_home = get_data_home()
    with tempfile.TemporaryDirectory() as tmp:
        if cifar10_home is None:
            home = Path(tmp)
            images = _fake_official_batches(home / cifar10.BATCH_DIRNAME, quick)
            label = "official-format batches (the shared subset tiled to full size)"
        else:
            home = cifar10_home
            images = 60000
            label = "official CIFAR-10 batches"
        batch_dir = home / cifar10.BATCH_DIRNAME
        t_pickle = median_time(lambda: cifar10.load_cifar10_batches(batch_dir), repeat)
        cache_home = Path(tmp) / "cachehome"
        cache_home.mkdir()
        (cache_home / cifar10.BATCH_DIRNAME).symlink_to(batch_dir)
        cifar10.load_cifar10(cache_home, progress=False)  # builds the cache
        t_cache = median_time(lambda: cifar10.load_cifar10(cache_home, progress=False), repeat)
    TARGETS.append(("cached CIFAR-10 load under 0.5 s", t_cache < 0.5,
                    f"{t_cache:.3f} s for {images:,} images"))
    rows += [f"| {label} (pickle) | {images:,} | {t_pickle:.3f} s |",
             f"| the kit's cache (.npy) | {images:,} | {t_cache:.3f} s |",
             f"| ratio | | {t_pickle / t_cache:.0f}x faster from the cache |"]
    return rows


def _fake_official_batches(dest: Path, quick: bool) -> int:
    """Official-format batches (5 x 10,000 training + 10,000 test images) built from the shared
    subset, tiled to CIFAR-10's full size (timing only: the images repeat). Quick: 600 images."""
    import pickle

    from cs231n_utils.datasets import load_raw_dataset

    name, env = data_choice()
    os.environ.update(env)
    raw = load_raw_dataset("cifar10-subset" if name == "cifar10-subset" else "digits")
    train_n, test_n = (500, 100) if quick else (50_000, 10_000)
    X_tr = raw.X_train[np.arange(train_n) % len(raw.X_train)]
    y_tr = raw.y_train[np.arange(train_n) % len(raw.y_train)]
    X_te = raw.X_test[np.arange(test_n) % len(raw.X_test)]
    y_te = raw.y_test[np.arange(test_n) % len(raw.y_test)]
    dest.mkdir(parents=True)

    def write(fname: str, X: np.ndarray, y: np.ndarray) -> None:
        planar = X.transpose(0, 3, 1, 2).reshape(len(X), -1)  # (N, 3072), channel-major as CIFAR-10
        with open(dest / fname, "wb") as f:
            pickle.dump({b"data": planar, b"labels": y.tolist()}, f)

    for i, idx in enumerate(np.array_split(np.arange(train_n), 5), start=1):
        write(f"data_batch_{i}", X_tr[idx], y_tr[idx])
    write("test_batch", X_te, y_te)
    with open(dest / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [n.encode() for n in raw.class_names]}, f)
    return train_n + test_n


def bench_training(quick: bool) -> list[str]:
    """1,500 SGD steps of batch 200 with the reference SVM and softmax, against scikit-learn."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.svm import LinearSVC

    from cs231n_utils.datasets import load_dataset

    name, env = data_choice()
    os.environ.update(env)
    data = load_dataset(name)
    if quick:
        import dataclasses

        data = dataclasses.replace(data, X_train=data.X_train[:1000], y_train=data.y_train[:1000])
    rows = [f"## One training run on {name} ({len(data.y_train):,} training images)", "",
            "| model | time | validation accuracy | test accuracy |", "|---|---|---|---|"]
    svm = solution_functions("svm", ["svm_loss_vectorized", "train_predict"])
    soft = solution_functions("softmax", ["softmax_loss_vectorized", "train_predict"])
    iters = 100 if quick else 1500
    runs = (("kit: SVM, SGD", svm, "svm_loss_vectorized", 1e-7, 2.5e4),
            ("kit: softmax, SGD", soft, "softmax_loss_vectorized", 1e-7, 2.5e4))
    for label, fns, loss_name, lr, reg in runs:
        if loss_name not in fns or "train_linear_classifier" not in fns:
            rows.append(f"| {label} | not available | | |")
            continue
        W0 = (1e-6 * np.random.default_rng(0).standard_normal((data.X_train.shape[1], 10))).astype(np.float32)
        start = time.perf_counter()
        W, _ = fns["train_linear_classifier"](fns[loss_name], W0, data.X_train, data.y_train,
                                              learning_rate=lr, reg=reg, num_iters=iters, batch_size=200,
                                              rng=0)
        elapsed = time.perf_counter() - start
        acc = [np.mean(np.argmax(Xs.dot(W), 1) == ys) for Xs, ys in
               ((data.X_val, data.y_val), (data.X_test, data.y_test))]
        rows.append(f"| {label} ({iters} steps of 200) | {elapsed:.2f} s | {acc[0]:.3f} | {acc[1]:.3f} |")
    kit_best = None
    if "softmax_loss_vectorized" in soft:
        steps = 200 if quick else 3000
        start = time.perf_counter()
        W = sgd_with_schedule(soft["softmax_loss_vectorized"], data.X_train, data.y_train, lr=2e-6, reg=500.0,
                              steps=steps, batch=200, halve_every=steps // 5)
        elapsed = time.perf_counter() - start
        acc = [float(np.mean(np.argmax(Xs.dot(W), 1) == ys)) for Xs, ys in
               ((data.X_val, data.y_val), (data.X_test, data.y_test))]
        kit_best = (elapsed, acc[1])
        rows.append(f"| kit: softmax, float32 SGD, {steps} steps of 200, learning rate halved every "
                    f"{steps // 5} | {elapsed:.2f} s | {acc[0]:.3f} | {acc[1]:.3f} |")
    X, Xv, Xt = data.X_train[:, :-1], data.X_val[:, :-1], data.X_test[:, :-1]
    scale = X.std()
    sgd = {"alpha": 1e-3, "max_iter": 5, "tol": None, "random_state": 0}
    models = [("scikit-learn SGDClassifier(hinge)", SGDClassifier(loss="hinge", **sgd)),
              ("scikit-learn SGDClassifier(log_loss)", SGDClassifier(loss="log_loss", **sgd)),
              ("scikit-learn LinearSVC", LinearSVC(C=1e-4, max_iter=200)),
              ("scikit-learn LogisticRegression(lbfgs)", LogisticRegression(C=1e-3, max_iter=100))]
    best_sk = None
    for label, model in models:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            model.fit(X / scale, data.y_train)
            elapsed = time.perf_counter() - start
        test_acc = model.score(Xt / scale, data.y_test)
        if best_sk is None or test_acc > best_sk[1]:
            best_sk = (elapsed, test_acc, label)
        rows.append(f"| {label} | {elapsed:.2f} s | {model.score(Xv / scale, data.y_val):.3f} "
                    f"| {test_acc:.3f} |")
    if kit_best and best_sk:
        gap, ratio = 100 * (best_sk[1] - kit_best[1]), best_sk[0] / kit_best[0]
        TARGETS.append(("kit's tuned model within 1 point of the best scikit-learn model, in less time",
                        gap <= 1.0 and ratio > 1.0,
                        f"{gap:+.1f} points behind {best_sk[2]}, {ratio:.1f}x its speed"))
    return rows


def sgd_with_schedule(loss_fn: Callable, X: np.ndarray, y: np.ndarray, lr: float, reg: float, steps: int,
                      batch: int, halve_every: int, seed: int = 0) -> np.ndarray:
    """Mini-batch SGD in float32 with a step-decay learning rate (halved every ``halve_every`` steps).

    Returns W of shape (D, C).
    """
    rng = np.random.default_rng(seed)
    X = np.asarray(X, dtype=np.float32)
    W = (1e-6 * rng.standard_normal((X.shape[1], int(y.max()) + 1))).astype(np.float32)
    for step in range(steps):
        idx = rng.integers(0, len(y), batch)
        _, dW = loss_fn(W, X[idx], y[idx], reg)
        W -= np.float32(lr) * dW.astype(np.float32, copy=False)
        if (step + 1) % halve_every == 0:
            lr /= 2
    return W


def bench_notebooks(quick: bool) -> list[str]:
    rows = ["## Solution notebooks executed top to bottom (nbconvert)", "",
            "| notebook | dataset | time |", "|---|---|---|"]
    from cs231n_utils import cifar10
    from cs231n_utils.datasets import get_data_home

    name, env = data_choice()
    datasets = [("digits", {"CS231N_DATASET": "digits"})]
    if not quick and name != "digits":
        datasets.append((name, env))
    full = tempfile.TemporaryDirectory()
    if not quick and name == "cifar10-subset":
        # Full CIFAR-10 is absent: time the notebooks at its size on the subset tiled to 60,000
        # images (accuracies are meaningless there, so test cells may fail: only time counts).
        home = Path(full.name)
        _fake_official_batches(home / cifar10.BATCH_DIRNAME, quick=False)
        datasets.append(("cifar10 size (subset tiled; time only)",
                         {"CS231N_DATASET": "cifar10", "CS231N_DATA_HOME": str(home)}))
    elif not quick and name == "cifar10":
        datasets[-1] = ("cifar10", {"CS231N_DATASET": "cifar10", "CS231N_DATA_HOME": str(get_data_home())})
    for assignment in course.source_assignments(REPO):
        src = REPO / "solutions" / assignment / f"{assignment}.ipynb"
        for label, extra in datasets:
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                out = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                                      "--execute", "--allow-errors", "--output-dir", tmp, str(src)],
                                     env={**course.nbgrader_env(), **extra}, capture_output=True, text=True)
                elapsed = time.perf_counter() - start
            rows.append(f"| {assignment} | {label} | {elapsed:.1f} s"
                        f"{'' if out.returncode == 0 else ' (FAILED)'} |")
            if label == "cifar10" or label.startswith("cifar10 size"):
                limit = NOTEBOOK_LIMITS.get(assignment, 60)
                TARGETS.append((f"{assignment} notebook under {limit} s at CIFAR-10 size", elapsed < limit,
                                f"{elapsed:.1f} s"))
    full.cleanup()
    return rows


def _hog_cell_by_cell(image: np.ndarray, cell: int = 8, nbins: int = 9) -> np.ndarray:
    """HOG of one (H, W, 3) image with Python loops over the cells and the bins, as CS231n's starter does."""
    grey = image.mean(axis=-1)
    gy, gx = np.gradient(grey)
    mag = np.hypot(gx, gy)
    theta = np.mod(np.arctan2(gy, gx), np.pi)
    rows, cols = grey.shape[0] // cell, grey.shape[1] // cell
    out = np.zeros((rows, cols, nbins))
    for r in range(rows):
        for c in range(cols):
            m = mag[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell]
            t = theta[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell]
            for b in range(nbins):
                inside = (t >= b * np.pi / nbins) & (t < (b + 1) * np.pi / nbins)
                out[r, c, b] = m[inside].sum()
            out[r, c] /= np.linalg.norm(out[r, c]) + 1e-6
    return out.ravel()


def bench_features(repeat: int, quick: bool) -> list[str]:
    """The reference feature extraction (solutions/features) for 60,000 images against per-image loops."""
    from cs231n_utils.datasets import load_raw_dataset
    from cs231n_utils.feature_data import image_patches, in_batches, sample_rows

    ref = solution_functions("features", ["hue_histogram", "hog_features", "kmeans", "bag_of_words"])
    if len(ref) < 4:
        return ["## Feature extraction", "", "(solutions/features is missing)"]
    name, env = data_choice()
    os.environ.update(env)
    pool = load_raw_dataset(name).X_train
    total = 2_000 if quick else 60_000
    tiled = np.concatenate([pool] * (total // len(pool) + 1))[:total]
    images = tiled.astype(np.float32)  # (total, 32, 32, 3)
    sample = sample_rows(image_patches(images[:4000]).reshape(-1, 108), 10_000, rng=0).astype(np.float64)
    start = time.perf_counter()
    words = ref["kmeans"](sample, 100, 20, 0)
    t_kmeans = time.perf_counter() - start
    families = {
        "hue histogram (10 bins)": lambda batch: ref["hue_histogram"](batch, 10),
        "HOG (8x8 cells, 9 bins)": lambda batch: ref["hog_features"](batch, 8, 9),
        "bag of words (100 words, 49 patches)":
            lambda batch: ref["bag_of_words"](image_patches(batch), words),
    }
    label = f"{total:,} images ({name}{', tiled' if len(pool) < total else ''})"
    rows = [f"## Feature extraction: {label}, the reference solution", "",
            "| family | vectorized, in batches | image by image (extrapolated) | speed-up |",
            "|---|---|---|---|"]
    loop_n = 200 if quick else 1000
    vectorized_total = 0.0
    for family, fn in families.items():
        batch = 250 if family.startswith("bag") else 5000  # as the notebook does
        t_vec = median_time(lambda fn=fn, batch=batch: in_batches(fn, images, batch), max(1, repeat // 2))
        start = time.perf_counter()
        for image in images[:loop_n]:
            fn(image[None])
        t_loop = (time.perf_counter() - start) * total / loop_n
        vectorized_total += t_vec
        rows.append(f"| {family} | {t_vec:.2f} s | {t_loop:.1f} s | {t_loop / t_vec:.0f}x |")
    start = time.perf_counter()
    for image in images[:loop_n // 4]:
        _hog_cell_by_cell(image)
    t_cells = (time.perf_counter() - start) * total / (loop_n // 4)
    rows.append(f"| HOG cell by cell and bin by bin (CS231n's style) | - | {t_cells:.1f} s | - |")
    try:
        from skimage.feature import hog as skimage_hog
    except ImportError:
        rows.append("| skimage.feature.hog (1x1 blocks) | - | not installed (scikit-image is not a "
                    "dependency) | - |")
    else:
        grey = images[:loop_n].mean(axis=-1)
        start = time.perf_counter()
        for g in grey:
            skimage_hog(g, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(1, 1))
        t_sk = (time.perf_counter() - start) * total / loop_n
        rows.append(f"| skimage.feature.hog (1x1 blocks, per image) | - | {t_sk:.1f} s | - |")
    rows += [f"| all three families | {vectorized_total:.2f} s | | |",
             f"| k-means for the dictionary (10,000 patches, k = 100, 20 iterations) | {t_kmeans:.2f} s "
             "| | |"]
    if not quick:
        TARGETS.append(("all three feature families for 60,000 images within 30 s", vectorized_total <= 30,
                        f"{vectorized_total:.1f} s"))
    return rows


def bench_grading(quick: bool) -> list[str]:
    """A class graded on each backend that runs here: local with 1 and 2 workers, a single-node Slurm."""
    from cs231n_utils.cli import build_demo_course
    from cs231n_utils.grader.batch import grade_class
    from cs231n_utils.grader.isolation import probe as isolation_probe
    from cs231n_utils.grader.local import LocalBackend
    from cs231n_utils.grader.sandbox import MODES
    from cs231n_utils.grader.slurm import SlurmBackend

    sys.path.insert(0, str(REPO))
    from tests import slurm_cluster

    name, env = data_choice()
    size = 4 if quick else 20
    skipped: list[str] = []
    rows = [f"## Autograding a class of {size} (svm, {name}, sandboxed `cs231n-kit grade`)", "",
            "| backend | tasks at once | total | per submission | submissions per minute |",
            "|---|---|---|---|---|"]
    os.environ.update(env)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        build_demo_course(REPO, root, ["svm"])
        base = root / "submitted"
        kinds = sorted(p.name for p in base.iterdir())
        for i in range(size - len(kinds)):
            shutil.copytree(base / kinds[i % len(kinds)], base / f"student{i:02d}")
        def local(workers: int, fork: bool = True, isolation: str = "auto") -> Callable[[], object]:
            return lambda: grade_class(root, "svm", progress=False, fresh=True, isolation=isolation,
                                       backend=LocalBackend(workers, fork=fork))

        runs: list[tuple[str, int, Callable[[], object]]] = [("local", w, local(w)) for w in (1, 2)]
        runs.append(("local, a fresh interpreter per job", 2, local(2, fork=False)))
        # The same class in each isolation mode that starts here (auto above: the strongest).
        for mode in MODES:
            if not isolation_probe(mode)[1]:
                runs.append((f"local, isolation {mode}", 2, local(2, isolation=mode)))
            else:
                skipped.append(f"| local, isolation {mode} | - | not run: {isolation_probe(mode)[1]} | | |")
        cluster = None
        why = slurm_cluster.unavailable()
        if why is None:
            cluster = slurm_cluster.single_node_cluster(Path(tmp) / "slurm")
            c = cluster.__enter__()
            runs.append(("slurm (single node)", 2, lambda: grade_class(
                root, "svm", progress=False, fresh=True, backend=SlurmBackend(throttle=2, env=c.env))))
        try:
            for backend, tasks, run in runs:
                start = time.perf_counter()
                run()
                elapsed = time.perf_counter() - start
                rows.append(f"| {backend} | {tasks} | {elapsed:.0f} s | {elapsed / size:.1f} s "
                            f"| {60 * size / elapsed:.1f} |")
                if backend == "local" and tasks == 2:
                    TARGETS.append((f"at least 6 submissions per minute with 2 workers ({name})",
                                    60 * size / elapsed >= 6, f"{60 * size / elapsed:.1f} per minute"))
        finally:
            if cluster is not None:
                cluster.__exit__(None, None, None)
    rows += skipped
    if why is not None:
        rows.append(f"| slurm | - | not run: {why} | | |")
    rows += ["", "Jobs are independent (a spec in, a result out, on the shared folder), so throughput grows "
             "with the tasks that run at once: on one node it is bounded by its cores (each job uses one "
             "CPU: the sandbox and the grader's test cells take turns); on a cluster by nodes x cores until "
             "the shared filesystem (each job reads the notebooks and the data, writes two small files) or "
             "the scheduler's submission rate limits it. Slurm adds a few seconds per task of scheduling "
             "latency, which a class of hundreds amortises."]
    return rows


def synthetic_class_folder(folder: Path, size: int, rng: np.random.Generator) -> list:
    """A graded class of ``size`` as the batch leaves it (specs, results, a similarity run).

    Ten test cells of 1-3 points (21 in all, as svm), each a rubric of 4-7 requirements;
    students of varied skill fail requirements with messages carrying their own numbers; a few
    are stopped, tampered with or never graded; one notebook each, with an executed copy.
    """
    import json

    from cs231n_utils.grader.records import Flag, FlagKind, JobResult, JobSpec, StudentReport
    from cs231n_utils.outcomes import RequirementOutcome, TestOutcome

    cells = [(f"test_part{i}", float(p), int(rng.integers(4, 8)))
             for i, p in enumerate([1, 1, 2, 3, 2, 3, 2, 3, 2, 2])]
    rows = []
    for k in range(size):
        student = f"student{k:03d}"
        skill = rng.beta(5, 1.5)
        tests = []
        for grade_id, points, n in cells:
            passed = rng.random(n) < skill
            reqs = [RequirementOutcome(f"requirement {j} of {grade_id}", points / n, bool(passed[j]),
                                       "" if passed[j] else
                                       f"expected {rng.normal():.4f}, got {rng.normal():.4f}: see the hint")
                    for j in range(n)]
            tests.append(TestOutcome(grade_id, points, sum(r.score for r in reqs), "", reqs))
        draw = rng.random()
        flags = ([Flag(FlagKind.STOPPED, "the submission's process was stopped: timeout")] if draw < 0.03 else
                 [Flag(FlagKind.EDITED_CELL, "cell test_part1 was edited")] if draw < 0.05 else [])
        result = JobResult(tests, flags, "bwrap", float(rng.gamma(4, 2)), host="node1",
                           attempts=2 if draw > 0.99 else 1)
        name = f"{student}__svm"
        executed = folder / "executed" / student / "svm" / "svm.ipynb"
        spec = JobSpec(folder / "svm.ipynb", folder / "svm.ipynb", executed,
                       folder / "results" / f"{name}.json", student=student, assignment="svm")
        for path, text in ((folder / "jobs" / f"{name}.json", spec.to_json()),
                           (folder / "results" / f"{name}.json", result.to_json()), (executed, "{}")):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        row = StudentReport(student)
        row.add(result)
        rows.append(row)
    code = "\n".join(f"    total += X[{i}] * W[{i}]  # step {i}" for i in range(20))
    pairs = [{"a": f"student{int(rng.integers(size)):03d}", "b": f"student{int(rng.integers(size)):03d}",
              "cell": "svm_loss_naive", "similarity": float(s), "flagged": bool(s > 0.9),
              "a_code": code, "b_code": code} for s in sorted(rng.random(size), reverse=True)]
    run = {"assignment": "svm", "threshold": 0.9, "pairs": pairs}
    (folder / "similarity.json").write_text(json.dumps(run))
    return rows


def bench_report(quick: bool) -> list[str]:
    """Writing the class report (report.html, its CSV tables, the course overview) for a class."""
    from cs231n_utils.grader.report import write_report

    sizes = [30] if quick else [30, 300]
    rows = ["## The class report (`report.html`, its CSV tables and the course overview)", "",
            "A synthetic graded class: 10 test cells of 4-7 requirements each, one notebook per student, "
            "a similarity run of as many pairs as students. Median of 3 runs of `write_report` (what "
            "`cs231n-kit grade` ends with; `cs231n-kit report` does the same from report.json), after one "
            "warm-up; CPU time is the process's own (steadier than wall-clock on a shared machine).", "",
            "| students | build time | CPU time | report.html | all files written |", "|---|---|---|---|---|"]
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "grading" / "svm"
            students = synthetic_class_folder(folder, size, np.random.default_rng(size))
            write_report(folder, students, "svm")  # warm-up: imports matplotlib
            walls, cpus = [], []
            for _ in range(3):
                wall, cpu = time.perf_counter(), time.process_time()
                write_report(folder, students, "svm")
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
            elapsed = statistics.median(walls)
            written = [folder / n for n in ("report.json", "report.md", "report.html", "scores.csv",
                                            "requirements.csv", "review.csv")]
            written += [folder.parent / "report.html", folder.parent / "overview.csv"]
            page = (folder / "report.html").stat().st_size
            rows.append(f"| {size} | {elapsed:.2f} s | {statistics.median(cpus):.2f} s | {page / 1e6:.2f} MB "
                        f"| {sum(p.stat().st_size for p in written) / 1e6:.2f} MB |")
    return rows


def synthetic_submissions(root: Path, size: int, rng: np.random.Generator) -> None:
    """``size`` SVM submissions in ``root/submitted/``, each cell a style drawn from the catalogs of
    right implementations (tests/catalog/svm_right.py: 16 per function, 4 tuning cells; one cell
    in ten left as released), released notebook copied from assignments/svm/."""
    import nbformat

    from cs231n_utils.submissions import build_submission, write_submission
    from tests.catalog import svm_right as r
    from tests.catalog.harness import cell

    shutil.copytree(REPO / "assignments" / "svm", root / "assignments" / "svm")
    student_nb = nbformat.read(root / "assignments" / "svm" / "svm.ipynb", as_version=4)
    solution_nb = nbformat.read(REPO / "solutions" / "svm" / "svm.ipynb", as_version=4)
    released = answer_cells(student_nb)
    values = lambda variants: list(variants.values())  # noqa: E731
    styles = {"score_function": [cell(a, b) for a, b in zip(values(r.LINEAR_SCORES_VARIANTS),
                                                            values(r.BIAS_TRICK_VARIANTS))],
              "svm_loss_naive": values(r.NAIVE_VARIANTS),
              "svm_loss_vectorized": values(r.VECTORIZED_VARIANTS),
              "train_predict": [cell(a, b) for a, b in zip(values(r.TRAIN_VARIANTS),
                                                           values(r.PREDICT_VARIANTS))],
              "tuning": values(r.TUNING_VARIANTS)}
    for k in range(size):
        answers = {g: released[g].source if rng.random() < 0.1 else options[rng.integers(len(options))]
                   for g, options in styles.items()}
        nb = build_submission(student_nb, solution_nb, fill=[], overrides=answers)
        write_submission(nb, root, f"student{k:03d}", "svm", "svm.ipynb")


def bench_similarity(quick: bool) -> list[str]:
    """``cs231n-kit similarity`` on a synthetic SVM class: reading, comparing, writing its files."""
    import resource

    from cs231n_utils.grader.similarity import Settings, run
    from cs231n_utils.grader.similarity_report import write_all

    sizes = [30] if quick else [30, 300]
    rows = ["## Code similarity (`cs231n-kit similarity`) of a synthetic SVM class", "",
            "Each student's five answer cells drawn from the catalogs of right implementations (16 styles "
            "per function, so about one classmate in 16 writes a cell the same way: far more copies than a "
            "real class, which makes the listing and the files large). The default settings: code found "
            "in more than max_shared answers of a cell (max(10, a tenth of the class)) is common code and "
            "does not count. One run each, 2 worker processes; "
            "CPU time is the command's and its workers'; the load average is the machine's (1 minute) as "
            "the run started.", "",
            "| students | max_shared | pairs compared | flagged pairs | wall time | CPU time "
            "| similarity.json | load |",
            "|---|---|---|---|---|---|---|---|"]
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            synthetic_submissions(root, size, np.random.default_rng(size))
            load = os.getloadavg()[0]
            wall, cpu = time.perf_counter(), time.process_time()
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            report = run(root, "svm", settings=Settings(workers=2))
            paths = write_all(report, root / "grading" / "svm")
            elapsed = time.perf_counter() - wall
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = time.process_time() - cpu + (after.ru_utime + after.ru_stime
                                                - children.ru_utime - children.ru_stime)
            compared = sum(c.pairs for c in report.cells)
            rows.append(f"| {size} | {report.max_shared} | {compared:,} | {len(report.flagged()):,} "
                        f"| {elapsed:.1f} s "
                        f"| {cpu:.1f} s | {paths[0].stat().st_size / 1e6:.1f} MB | {load:.1f} |")
            if size == 300:
                TARGETS.append(("similarity of 300 students within 3 minutes on 2 cores", elapsed < 180,
                                f"{elapsed:.0f} s wall, {cpu:.0f} s CPU (load {load:.1f})"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test of the script")
    parser.add_argument("--repeat", type=int, default=5, help="runs per median (default 5)")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results.md"),
                        help="markdown file to write ('-' for none)")
    parser.add_argument("--only", nargs="*", default=None,
                        choices=["losses", "loading", "training", "features", "notebooks", "grading",
                                 "report", "similarity"])
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    sections = {"losses": lambda: bench_losses(repeat, args.quick),
                "loading": lambda: bench_loading(repeat, args.quick),
                "training": lambda: bench_training(args.quick),
                "features": lambda: bench_features(repeat, args.quick),
                "notebooks": lambda: bench_notebooks(args.quick),
                "grading": lambda: bench_grading(args.quick),
                "report": lambda: bench_report(args.quick),
                "similarity": lambda: bench_similarity(args.quick)}
    lines = ["# linear-classifiers-kit benchmarks", "",
             f"Run on {time.strftime('%Y-%m-%d')}: {machine()}.", ""]
    for key, fn in sections.items():
        if args.only is None or key in args.only:
            print(f"running {key} ...", file=sys.stderr)
            lines += fn() + [""]
    if TARGETS:
        lines += ["## Targets", "", "| target | met | figure |", "|---|---|---|"]
        lines += [f"| {what} | {'met' if ok else 'MISSED'} | {figure} |" for what, ok, figure in TARGETS]
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.out != "-":
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
