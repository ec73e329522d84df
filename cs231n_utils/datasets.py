"""One interface to the kit's datasets, chosen by name or by the ``CS231N_DATASET`` variable.

Every dataset comes out in CIFAR-10's format, so each notebook runs unchanged on all of them:

``"cifar10"`` (default)
    The full official CIFAR-10 (50,000 + 10,000 images), downloaded once (170 MB) and cached.
``"cifar10-subset"``
    A 10,000 + 5,000 image CIFAR-10 subset stored as an ``.npz`` file whose path is given by
    the ``CS231N_CIFAR10_SUBSET`` environment variable (no download).
``"digits"``
    scikit-learn's bundled 8x8 handwritten digits (1,797 images) upsampled to 32x32x3, for
    working offline or on a slow machine (no download).

:func:`load_raw_dataset` returns the uint8 images; :func:`load_dataset` returns the standard
CS231n train/validation/test/dev split as float rows with the mean image subtracted and a
bias column appended. Downloads go to :func:`get_data_home` (``CS231N_DATA_HOME``, else the
checkout's ``datasets/`` folder, else ``~/.cache/linear-classifiers-kit``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import DTypeLike

from . import cifar10, config
from .config import get_data_home
from .download import open_temp_file

__all__ = [
    "DATASET_ENV_VAR",
    "DATASET_NAMES",
    "DATA_HOME_ENV_VAR",
    "DEFAULT_DATASET",
    "SUBSET_ENV_VAR",
    "Dataset",
    "RawDataset",
    "SplitSizes",
    "dataset_name_from_env",
    "default_split_sizes",
    "get_data_home",
    "load_dataset",
    "load_raw_dataset",
]

DATASET_ENV_VAR = config.DATASET
DATA_HOME_ENV_VAR = config.DATA_HOME
SUBSET_ENV_VAR = config.CIFAR10_SUBSET
DEFAULT_DATASET = "cifar10"
DATASET_NAMES = ("cifar10", "cifar10-subset", "digits")

IMAGE_SHAPE = (32, 32, 3)
_DIGITS_NUM_TEST = 300
_DIGITS_SPLIT_SEED = 0
_DIGITS_CACHE_FORMAT = 1  #: bump when the cached arrays change


class SplitSizes(NamedTuple):
    """Default sizes of the four splits made by :func:`load_dataset`."""

    num_training: int
    num_validation: int
    num_test: int
    num_dev: int


_DEFAULT_SPLITS = {
    "cifar10": SplitSizes(49000, 1000, 1000, 500),
    "cifar10-subset": SplitSizes(9000, 1000, 1000, 500),
    "digits": SplitSizes(1197, 300, 300, 100),
}


def default_split_sizes(name: str) -> SplitSizes:
    """Return the default ``(num_training, num_validation, num_test, num_dev)`` of a dataset."""
    return _DEFAULT_SPLITS[_check_name(name)]


# --------------------------------------------------------------------------- names, folders


def _check_name(name: str, source: str = "dataset name") -> str:
    normalized = name.strip().lower()
    if normalized not in DATASET_NAMES:
        raise ValueError(
            f"Unknown {source} {name!r}; expected one of {', '.join(map(repr, DATASET_NAMES))}."
        )
    return normalized


def dataset_name_from_env() -> str:
    """Return the dataset chosen by the ``CS231N_DATASET`` environment variable.

    Returns
    -------
    str
        One of :data:`DATASET_NAMES`; ``"cifar10"`` when the variable is unset or empty.

    Raises
    ------
    ValueError
        The variable names an unknown dataset.
    """
    value = os.environ.get(DATASET_ENV_VAR, "").strip()
    if not value:
        return DEFAULT_DATASET
    return _check_name(value, source=f"dataset in the environment variable {DATASET_ENV_VAR}")




# --------------------------------------------------------------------------- raw datasets


@dataclass(frozen=True, eq=False, repr=False)
class RawDataset:
    """A dataset's images and labels before any splitting or preprocessing.

    Attributes
    ----------
    X_train : np.ndarray
        ``(N_train, 32, 32, 3)`` uint8 images, HWC order (the training pool).
    y_train : np.ndarray
        ``(N_train,)`` int64 labels in ``0..num_classes-1``.
    X_test : np.ndarray
        ``(N_test, 32, 32, 3)`` uint8 images.
    y_test : np.ndarray
        ``(N_test,)`` int64 labels.
    class_names : tuple of str
        Name of each label.
    name : str
        The dataset's name, one of :data:`DATASET_NAMES`.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    name: str

    def __repr__(self) -> str:
        return (
            f"RawDataset({self.name!r}: {len(self.X_train)} train + {len(self.X_test)} test "
            f"images {'x'.join(map(str, self.X_train.shape[1:]))}, "
            f"{len(self.class_names)} classes)"
        )


def _digits_cache() -> Path | None:
    """Where the split digits set is cached (in the data home, per scikit-learn version), if known."""
    try:
        from importlib.metadata import version

        tag = version("scikit-learn")
    except Exception:  # noqa: BLE001 (no cache then: load as usual)
        return None
    return get_data_home() / f"digits-sklearn{tag}-v{_DIGITS_CACHE_FORMAT}.npz"


def _load_digits() -> RawDataset:
    """The digits set, split; cached after the first load (importing scikit-learn takes a second or two
    in every process, and every notebook, sandbox and grader process loads the set)."""
    cache = _digits_cache()
    if cache is not None and _is_file(cache):
        try:
            with np.load(cache) as f:
                return RawDataset(X_train=f["X_train"], y_train=f["y_train"], X_test=f["X_test"],
                                  y_test=f["y_test"], class_names=tuple(str(d) for d in range(10)),
                                  name="digits")
        except (OSError, ValueError, KeyError):
            pass  # unreadable: built again below
    raw = _build_digits()
    if cache is not None:
        _write_cache(cache, raw)
    return raw


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False, not PermissionError, when a folder on the way cannot be
    searched (a sandbox's uid in a folder it may not enter)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _write_cache(path: Path, raw: RawDataset) -> None:
    """Save ``raw``'s arrays to ``path`` atomically; a folder that cannot be written is no error.

    The file gets the umask's usual permissions (not ``mkstemp``'s 0600): the grader's sandbox
    runs as another user and must be able to read it, or every job rebuilds the set.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        f, tmp = open_temp_file(path.parent, f".{path.name}.", ".part")
        try:
            with f:
                np.savez(f, X_train=raw.X_train, y_train=raw.y_train, X_test=raw.X_test,
                         y_test=raw.y_test)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError:
        return


def _build_digits() -> RawDataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = np.asarray(digits.images)  # (1797, 8, 8) float, values 0..16
    labels = np.asarray(digits.target, dtype=np.int64)
    scaled = np.round(images * (255 / 16)).astype(np.uint8)
    upsampled = scaled.repeat(4, axis=1).repeat(4, axis=2)  # (N, 32, 32) by pixel repetition
    rgb = np.repeat(upsampled[..., np.newaxis], 3, axis=3)  # (N, 32, 32, 3)
    train_idx, test_idx = train_test_split(
        np.arange(len(labels)),
        test_size=_DIGITS_NUM_TEST,
        stratify=labels,
        random_state=_DIGITS_SPLIT_SEED,
    )
    return RawDataset(
        X_train=rgb[train_idx],
        y_train=labels[train_idx],
        X_test=rgb[test_idx],
        y_test=labels[test_idx],
        class_names=tuple(str(d) for d in range(10)),
        name="digits",
    )


def _load_subset() -> RawDataset:
    value = os.environ.get(SUBSET_ENV_VAR, "").strip()
    if not value:
        raise FileNotFoundError(
            f"The 'cifar10-subset' dataset needs the environment variable {SUBSET_ENV_VAR} "
            "set to the path of cifar10_subset.npz, and it is not set. Set it (e.g. "
            f"`export {SUBSET_ENV_VAR}=/path/to/cifar10_subset.npz`), or choose another "
            f"dataset with {DATASET_ENV_VAR}=cifar10 (download) or {DATASET_ENV_VAR}=digits."
        )
    path = Path(value).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"{SUBSET_ENV_VAR} points to {path}, which does not exist. Point it at "
            "cifar10_subset.npz, or choose another dataset with "
            f"{DATASET_ENV_VAR}=cifar10 (download) or {DATASET_ENV_VAR}=digits."
        )
    required = ("X_train", "y_train", "X_test", "y_test", "class_names")
    with np.load(path, allow_pickle=False) as npz:
        missing = [key for key in required if key not in npz.files]
        if missing:
            raise ValueError(
                f"{path} (from {SUBSET_ENV_VAR}) lacks the arrays {missing}; expected "
                f"{', '.join(required)}. Is it the right file?"
            )
        arrays = {key: npz[key] for key in required}
    for split in ("train", "test"):
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        if X.ndim != 4 or X.shape[1:] != IMAGE_SHAPE or X.dtype != np.uint8:
            raise ValueError(
                f"{path}: expected X_{split} of shape (N, 32, 32, 3) uint8, got "
                f"{X.shape} {X.dtype}."
            )
        if y.shape != (len(X),):
            raise ValueError(f"{path}: expected y_{split} of shape ({len(X)},), got {y.shape}.")
    return RawDataset(
        X_train=arrays["X_train"],
        y_train=arrays["y_train"].astype(np.int64, copy=False),
        X_test=arrays["X_test"],
        y_test=arrays["y_test"].astype(np.int64, copy=False),
        class_names=tuple(str(c) for c in arrays["class_names"]),
        name="cifar10-subset",
    )


def _resolve_name(name: str | None) -> str:
    return dataset_name_from_env() if name is None else _check_name(name)


def load_raw_dataset(name: str | None = None) -> RawDataset:
    """Load a dataset's uint8 images and labels in CIFAR-10's format.

    Parameters
    ----------
    name : str, optional
        ``"cifar10"``, ``"cifar10-subset"`` or ``"digits"``. Default: the
        ``CS231N_DATASET`` environment variable, else ``"cifar10"``.

    Returns
    -------
    RawDataset
        ``X_train`` ``(N_train, 32, 32, 3)`` and ``X_test`` ``(N_test, 32, 32, 3)`` uint8,
        ``y_train`` ``(N_train,)`` and ``y_test`` ``(N_test,)`` int64. Sizes: cifar10
        50,000/10,000; cifar10-subset 10,000/5,000; digits 1,497/300 (a stratified split
        with a fixed seed; 8x8 digits scaled from 0..16 to 0..255, each pixel repeated
        4x4 and copied to 3 channels; class names ``"0"`` .. ``"9"``).

    Raises
    ------
    ValueError
        Unknown dataset name.
    FileNotFoundError
        cifar10-subset: ``CS231N_CIFAR10_SUBSET`` unset or pointing to a missing file.
    cs231n_utils.download.DownloadError
        cifar10: the download failed (the message explains the alternatives).
    """
    name = _resolve_name(name)
    if name == "digits":
        return _load_digits()
    if name == "cifar10-subset":
        return _load_subset()
    X_train, y_train, X_test, y_test, class_names = cifar10.load_cifar10(get_data_home())
    return RawDataset(X_train, y_train, X_test, y_test, class_names, name="cifar10")


# --------------------------------------------------------------------------- splits


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """The standard CS231n splits of a dataset, preprocessed into rows.

    ``D`` is 3072 (32 * 32 * 3), plus 1 when the bias trick was applied.

    Attributes
    ----------
    X_train, X_val, X_test, X_dev : np.ndarray
        ``(num_training, D)``, ``(num_validation, D)``, ``(num_test, D)``, ``(num_dev, D)``
        float arrays (mean-subtracted and with a last column of ones when so requested).
    y_train, y_val, y_test, y_dev : np.ndarray
        Matching ``(N,)`` int64 labels.
    mean_image : np.ndarray
        ``(3072,)`` mean of the training rows (computed on the training split only, before
        the bias column); reshape to ``image_shape`` to display it.
    class_names : tuple of str
        Name of each label.
    image_shape : tuple of int
        ``(32, 32, 3)``: the shape to reshape a row (without bias) into.
    name : str
        The dataset's name.
    images_train : np.ndarray
        ``(num_training, 32, 32, 3)`` uint8 training images, for display.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_dev: np.ndarray
    y_dev: np.ndarray
    mean_image: np.ndarray
    class_names: tuple[str, ...]
    image_shape: tuple[int, int, int]
    name: str
    images_train: np.ndarray

    @property
    def num_classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)

    def summary(self) -> str:
        """Return a few lines giving the name and the shape of every split."""
        lines = [
            f"Dataset {self.name!r}: {self.num_classes} classes, "
            f"images {'x'.join(map(str, self.image_shape))}, dtype {self.X_train.dtype}"
        ]
        for split in ("train", "val", "test", "dev"):
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            lines.append(f"  {split + ':':<7}X {X.shape}, y {y.shape}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def _check_count(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"{what} must be a non-negative integer, got {value!r}")
    return int(value)


def _to_rows(
    images: np.ndarray, mean_image: np.ndarray | None, dtype: np.dtype, bias: bool
) -> np.ndarray:
    """Flatten ``(N, 32, 32, 3)`` images to ``(N, 3072[+1])`` rows in one allocation."""
    n, d = len(images), int(np.prod(images.shape[1:]))
    rows = np.empty((n, d + int(bias)), dtype=dtype)
    rows[:, :d] = images.reshape(n, d)
    if mean_image is not None:
        rows[:, :d] -= mean_image
    if bias:
        rows[:, d] = 1
    return rows


def load_dataset(
    name: str | None = None,
    *,
    num_training: int | None = None,
    num_validation: int | None = None,
    num_test: int | None = None,
    num_dev: int | None = None,
    subtract_mean: bool = True,
    bias_trick: bool = True,
    dtype: DTypeLike = np.float32,
    seed: int = 0,
) -> Dataset:
    """Load a dataset and make the standard CS231n train/val/test/dev splits.

    - train: the first ``num_training`` images of the training pool;
    - validation: the ``num_validation`` training-pool images right after those;
    - test: the first ``num_test`` test images;
    - dev: ``num_dev`` training images drawn without replacement with
      ``np.random.default_rng(seed)`` (a small set for quick gradient checks).

    Images are flattened to rows in ``dtype``; with ``subtract_mean`` the mean training
    image (training split only) is subtracted from every split, and with ``bias_trick`` a
    column of ones is appended.

    Parameters
    ----------
    name : str, optional
        ``"cifar10"``, ``"cifar10-subset"`` or ``"digits"``; default ``CS231N_DATASET``,
        else ``"cifar10"``.
    num_training, num_validation, num_test, num_dev : int, optional
        Split sizes. Defaults: cifar10 49000/1000/1000/500, cifar10-subset
        9000/1000/1000/500, digits 1197/300/300/100.
    subtract_mean : bool
        Subtract the mean training image from every split.
    bias_trick : bool
        Append a column of ones (``D = 3073`` instead of 3072).
    dtype : dtype
        Floating-point dtype of the rows.
    seed : int
        Seed for drawing the dev set.

    Returns
    -------
    Dataset
        ``X_*`` of shape ``(N, D)`` in ``dtype``, ``y_*`` ``(N,)`` int64, ``mean_image``
        ``(3072,)``, ``images_train`` ``(num_training, 32, 32, 3)`` uint8.

    Raises
    ------
    ValueError
        Unknown name, a non-float ``dtype``, or more images asked for than exist.
    """
    raw = load_raw_dataset(name)
    defaults = _DEFAULT_SPLITS[raw.name]
    n_train = _check_count(
        defaults.num_training if num_training is None else num_training, "num_training"
    )
    n_val = _check_count(
        defaults.num_validation if num_validation is None else num_validation, "num_validation"
    )
    n_test = _check_count(defaults.num_test if num_test is None else num_test, "num_test")
    n_dev = _check_count(defaults.num_dev if num_dev is None else num_dev, "num_dev")
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating-point type such as float32, got {dtype}")

    pool = len(raw.X_train)
    if n_train + n_val > pool:
        raise ValueError(
            f"Asked for num_training={n_train} + num_validation={n_val} = {n_train + n_val} "
            f"images, but the {raw.name!r} training pool has only {pool}. Lower them so that "
            f"num_training + num_validation <= {pool}."
        )
    if n_test > len(raw.X_test):
        raise ValueError(
            f"Asked for num_test={n_test} images, but the {raw.name!r} test set has only "
            f"{len(raw.X_test)}. Use num_test <= {len(raw.X_test)}."
        )
    if n_dev > n_train:
        raise ValueError(
            f"Asked for num_dev={n_dev} images, but the dev set is drawn from the "
            f"{n_train} training images. Use num_dev <= num_training."
        )

    images_train = raw.X_train[:n_train]
    images_val = raw.X_train[n_train : n_train + n_val]
    images_test = raw.X_test[:n_test]
    flat_train = images_train.reshape(n_train, -1)
    mean_image = (
        flat_train.mean(axis=0, dtype=np.float64).astype(dtype)
        if n_train
        else np.zeros(flat_train.shape[1], dtype=dtype)
    )
    subtract = mean_image if subtract_mean else None
    X_train = _to_rows(images_train, subtract, dtype, bias_trick)
    dev_idx = np.random.default_rng(seed).choice(n_train, size=n_dev, replace=False)
    return Dataset(
        X_train=X_train,
        y_train=raw.y_train[:n_train],
        X_val=_to_rows(images_val, subtract, dtype, bias_trick),
        y_val=raw.y_train[n_train : n_train + n_val],
        X_test=_to_rows(images_test, subtract, dtype, bias_trick),
        y_test=raw.y_test[:n_test],
        X_dev=X_train[dev_idx],
        y_dev=raw.y_train[:n_train][dev_idx],
        mean_image=mean_image,
        class_names=raw.class_names,
        image_shape=IMAGE_SHAPE,
        name=raw.name,
        images_train=images_train,
    )
