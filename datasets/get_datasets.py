"""Download CIFAR-10 into this folder and build its fast cache (run once, before the notebooks).

Usage::

    python datasets/get_datasets.py               # into datasets/ (or $CS231N_DATA_HOME)
    python datasets/get_datasets.py --data-home DIR
    python datasets/get_datasets.py --no-progress

The archive is md5-checked, extracted to ``cifar-10-batches-py/`` and converted to
uncompressed ``.npy`` files in ``cifar10_cache/``; re-running skips whatever is already done.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Run the script; return the process exit code (0 on success)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-home",
        type=Path,
        default=None,
        help="folder to download into (default: $CS231N_DATA_HOME if set, else this folder)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)

    try:
        import cs231n_utils  # noqa: F401
    except ImportError:  # running from a checkout without `pip install -e .`
        sys.path.insert(0, str(HERE.parent))
    from cs231n_utils.cifar10 import CIFAR10_URL, load_cifar10
    from cs231n_utils.datasets import DATA_HOME_ENV_VAR, get_data_home
    from cs231n_utils.download import DownloadError

    if args.data_home is not None:
        data_home = args.data_home.expanduser().resolve()
    elif os.environ.get(DATA_HOME_ENV_VAR, "").strip():
        data_home = get_data_home()
    else:
        data_home = HERE
    print(f"CIFAR-10 ({CIFAR10_URL})\n  -> {data_home}", flush=True)

    start = time.perf_counter()
    try:
        X_train, y_train, X_test, y_test, class_names = load_cifar10(
            data_home, progress=not args.no_progress
        )
    except (DownloadError, OSError, ValueError) as exc:
        print(f"\nError: {exc}", file=sys.stderr)
        return 1
    print(
        f"Ready in {time.perf_counter() - start:.1f} s: {len(X_train)} training and "
        f"{len(X_test)} test images {X_train.shape[1:]}, classes {', '.join(class_names)}."
    )

    looked_up = get_data_home()
    if looked_up.resolve() != data_home.resolve():
        print(
            f"\nNote: the kit looks for data in {looked_up}, not {data_home}. Set "
            f"{DATA_HOME_ENV_VAR}={data_home} before starting Jupyter so the notebooks find it."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
