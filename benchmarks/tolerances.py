"""How far right and wrong loss implementations are from the reference, on float32 CIFAR-10 data.

    python benchmarks/tolerances.py            # writes benchmarks/tolerances.md
    python benchmarks/tolerances.py --out -    # prints only

For every loss function (signature ``(W, X, y, reg) -> (loss, dW)``) in the catalogs of right
and wrong implementations (tests/catalog/*_right.py, *_wrong.py), the scaled error
(:func:`cs231n_utils.grading.scaled_error`) of its loss and gradient against the float64
reference solution, on float32 inputs the size of CIFAR-10's dev set (500 x 3073, the shared
subset's pixels when present, else uniform random pixels), with and without regularization.
This is what the grader's tolerance (:func:`cs231n_utils.grading.tolerance_for`) must separate:
every right implementation far below it, the wrong ones that a value comparison catches far above.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.run import solution_functions  # noqa: E402
from cs231n_utils.grading import scaled_error, tolerance_for  # noqa: E402

#: assignment -> (answer cell, loss function) pairs measured
LOSSES = {
    "svm": [("svm_loss_naive", "svm_loss_naive"), ("svm_loss_vectorized", "svm_loss_vectorized")],
    "softmax": [("softmax_loss_naive", "softmax_loss_naive"),
                ("softmax_loss_vectorized", "softmax_loss_vectorized")],
    "optimization": [("svm_loss", "svm_loss")],
}


@dataclass
class Measured:
    """One implementation's largest scaled error over the cases."""

    assignment: str
    function: str
    entry: str
    right: bool
    loss_error: float
    grad_error: float

    @property
    def error(self) -> float:
        return max(self.loss_error, self.grad_error)


def dev_data(n: int = 500, rng_seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """float32 X (n, 3073): mean-subtracted pixels with the bias column, and labels y (n,)."""
    rng = np.random.default_rng(rng_seed)
    subset = REPO.parent / "shared" / "data" / "cifar10_subset.npz"
    if subset.is_file():
        with np.load(subset) as z:
            images, labels = z["X_train"][:n].reshape(n, -1).astype(np.float32), z["y_train"][:n]
    else:
        images, labels = (255 * rng.random((n, 3072))).astype(np.float32), rng.integers(0, 10, n)
    X = images - images.mean(axis=0)
    return np.hstack([X, np.ones((n, 1), np.float32)]), labels.astype(np.int64)


def _functions(source: str) -> dict[str, Callable]:
    ns: dict = {"np": np, "__name__": "catalog"}
    exec(source, ns)  # noqa: S102 (the kit's own catalogs)
    return {k: v for k, v in ns.items() if inspect.isfunction(v)}


def measure(assignment: str, entries: Iterable, X: np.ndarray, y: np.ndarray) -> list[Measured]:
    """Scaled errors of every catalogued loss of ``assignment`` against its reference solution."""
    cells = [cell for cell, _ in LOSSES[assignment]]
    reference = solution_functions(assignment, cells)
    rng = np.random.default_rng(1)
    W = (1e-4 * rng.standard_normal((X.shape[1], 10))).astype(np.float32)
    rows = []
    for entry in entries:
        for cell, name in LOSSES[assignment]:
            if cell not in entry.overrides:
                continue
            fn = _functions(entry.overrides[cell]).get(name)
            if fn is None:
                continue
            loss_err = grad_err = 0.0
            for reg in (0.0, 2.5e4):
                ref_loss, ref_dW = reference[name](W.astype(np.float64), X.astype(np.float64), y, reg)
                try:
                    with np.errstate(all="ignore"):
                        loss, dW = fn(W.copy(), X.copy(), y.copy(), reg)
                    loss_err = max(loss_err, scaled_error(np.asarray(loss, float).reshape(()), ref_loss))
                    grad_err = max(grad_err, scaled_error(dW, ref_dW))
                except Exception:  # noqa: BLE001 (a wrong entry may fail on these inputs)
                    loss_err = grad_err = float("inf")
            rows.append(Measured(assignment, name, entry.name, entry.right, loss_err, grad_err))
    return rows


def catalogs() -> dict[str, list]:
    """assignment -> every right and wrong catalog entry (right ones first)."""
    import importlib

    out = {}
    for assignment in LOSSES:
        entries = []
        for kind in ("right", "wrong"):
            try:
                module = importlib.import_module(f"tests.catalog.{assignment}_{kind}")
            except ImportError:
                continue
            entries += list(getattr(module, "RIGHT" if kind == "right" else "CATALOG", []))
        out[assignment] = entries
    return out


def table(rows: list[Measured], X: np.ndarray) -> str:
    limit = tolerance_for(X)
    lines = [f"Limit for float32 inputs: {limit:.2e} (tolerance_for). "
             f"Data: {X.shape[0]} x {X.shape[1]} float32.", "",
             "| assignment | function | right: largest error (entry) "
             "| wrong: smallest error above 0 (entry) | wrong at rounding level |", "|---|---|---|---|---|"]
    for assignment in LOSSES:
        for _, name in LOSSES[assignment]:
            sel = [r for r in rows if r.assignment == assignment and r.function == name]
            right = [r for r in sel if r.right]
            wrong = [r for r in sel if not r.right and r.error > limit]
            quiet = [r.entry for r in sel if not r.right and r.error <= limit]
            worst = max(right, key=lambda r: r.error, default=None)
            best = min(wrong, key=lambda r: r.error, default=None)
            lines.append(
                f"| {assignment} | {name} | "
                + (f"{worst.error:.2e} ({worst.entry}, {len(right)} right)" if worst else "-") + " | "
                + (f"{best.error:.2e} ({best.entry})" if best else "-") + " | "
                + (", ".join(quiet) or "none") + " |")
    lines += ["", "Wrong entries at rounding level are wrong elsewhere than in the values on these inputs "
              "(loops, inputs changed, ties, extreme scores, types) and are caught by those tests."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "tolerances.md"))
    args = parser.parse_args(argv)
    X, y = dev_data()
    rows = [r for a, entries in catalogs().items() for r in measure(a, entries, X, y)]
    text = "# Scaled errors of catalogued loss implementations (float32)\n\n" + table(rows, X)
    print(text)
    if args.out != "-":
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
