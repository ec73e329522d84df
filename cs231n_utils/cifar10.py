"""Fetch, extract, parse and cache the official CIFAR-10 dataset (python version).

:func:`fetch_cifar10` downloads ``cifar-10-python.tar.gz`` (md5-verified) and extracts it
safely into ``<data_home>/cifar-10-batches-py``. :func:`load_cifar10_batches` parses the
pickled batches into ``(N, 32, 32, 3)`` uint8 images. :func:`load_cifar10` does both and keeps
an uncompressed ``.npy`` copy in ``<data_home>/cifar10_cache`` so that later loads take a
fraction of a second instead of re-parsing the pickles.

Most code should go through :func:`cs231n_utils.datasets.load_dataset` instead, which also
splits and preprocesses the data.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import tarfile
import tempfile
import warnings
import zlib
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np

from .config import get_data_home
from .download import download_file, open_temp_file, remove_stale_temp_files

__all__ = [
    "CIFAR10_FILES",
    "CIFAR10_MD5",
    "CIFAR10_URL",
    "fetch_cifar10",
    "load_cifar10",
    "load_cifar10_batches",
]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"

ARCHIVE_NAME = "cifar-10-python.tar.gz"
BATCH_DIRNAME = "cifar-10-batches-py"
CACHE_DIRNAME = "cifar10_cache"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
#: Every file a complete ``cifar-10-batches-py`` folder must hold.
CIFAR10_FILES = (*TRAIN_FILES, TEST_FILE, META_FILE)

_IMAGE_SHAPE = (32, 32, 3)
_ROW_LENGTH = 32 * 32 * 3
_CACHE_VERSION = 1
_CACHE_ARRAYS = ("X_train", "y_train", "X_test", "y_test")
_CACHE_META = "meta.json"
_EXTRACT_PREFIX = f".{BATCH_DIRNAME}."
_EXTRACT_SUFFIX = ".extracting"

_FIX_HINT = (
    "To fix it, delete the folder {folder} and re-run (it is downloaded and extracted "
    "again), or set CS231N_DATASET=digits to use the small embedded dataset instead."
)

Cifar10Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]


def _resolve_data_home(data_home: Path | str | None) -> Path:
    if data_home is None:
        return get_data_home()
    return Path(data_home).expanduser()


def _has_all_files(batch_dir: Path) -> bool:
    return all((batch_dir / name).is_file() for name in CIFAR10_FILES)


# --------------------------------------------------------------------------- extraction


def _check_member(member: tarfile.TarInfo, archive: Path) -> PurePosixPath:
    """Return the member's relative path, or raise if it could escape the target folder."""
    name = member.name
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    problem = None
    if posix.is_absolute() or windows.is_absolute() or windows.drive or name.startswith("\\"):
        problem = "has an absolute path"
    elif ".." in posix.parts or ".." in windows.parts:
        problem = "contains '..'"
    elif not (member.isfile() or member.isdir()):
        problem = "is a link or special file"
    if problem:
        raise ValueError(
            f"Refusing to extract {archive}: member {name!r} {problem}, so it could be written "
            "outside the data folder. A genuine CIFAR-10 archive holds only the regular files "
            f"of {BATCH_DIRNAME}/. Delete {archive} and re-run to download it again, or set "
            "CS231N_DATASET=digits to use the embedded dataset."
        )
    return posix


def _extract_archive(archive: Path, data_home: Path) -> None:
    """Extract ``archive`` into a temporary folder, then rename its batch folder into place."""
    batch_dir = data_home / BATCH_DIRNAME
    remove_stale_temp_files(data_home, _EXTRACT_PREFIX, _EXTRACT_SUFFIX)
    temp_dir = Path(tempfile.mkdtemp(prefix=_EXTRACT_PREFIX, suffix=_EXTRACT_SUFFIX, dir=data_home))
    try:
        try:
            with tarfile.open(archive, "r:*") as tar:
                # Streamed in one pass; each member is checked before anything is written.
                for member in tar:
                    relative = _check_member(member, archive)
                    target = temp_dir.joinpath(*relative.parts)
                    if member.isdir():
                        target.mkdir(parents=True, exist_ok=True)
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    source = tar.extractfile(member)
                    if source is None:  # pragma: no cover - isfile() members always have data
                        continue
                    with source, open(target, "wb") as out:
                        shutil.copyfileobj(source, out, 1 << 20)
        except (tarfile.TarError, EOFError, zlib.error) as exc:
            raise ValueError(
                f"Could not read the archive {archive} ({exc}); it is damaged. Delete it and "
                "re-run to download it again, or set CS231N_DATASET=digits."
            ) from exc

        extracted = temp_dir / BATCH_DIRNAME
        missing = [name for name in CIFAR10_FILES if not (extracted / name).is_file()]
        if missing:
            raise ValueError(
                f"The archive {archive} does not contain {BATCH_DIRNAME}/{missing[0]} "
                f"(missing: {', '.join(missing)}); it is not the CIFAR-10 python version. "
                "Delete it and re-run to download it again, or set CS231N_DATASET=digits."
            )
        _install_dir(extracted, batch_dir)
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)


def _install_dir(source: Path, target: Path) -> None:
    """Move the finished folder ``source`` to ``target``, replacing an incomplete one."""
    old = None
    if target.exists():
        old = target.with_name(f"{_EXTRACT_PREFIX}old-{os.getpid()}{_EXTRACT_SUFFIX}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    try:
        os.replace(source, target)
    except OSError:
        if not _has_all_files(target):  # another process may have just installed it
            raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def fetch_cifar10(
    data_home: Path | str | None = None,
    *,
    url: str = CIFAR10_URL,
    md5: str = CIFAR10_MD5,
    progress: bool = True,
) -> Path:
    """Download (if needed) and extract CIFAR-10, returning the batch folder.

    Parameters
    ----------
    data_home : Path or str, optional
        Folder that receives ``cifar-10-python.tar.gz`` and ``cifar-10-batches-py/``.
        Default: :func:`cs231n_utils.datasets.get_data_home`.
    url : str
        Where to download the archive from.
    md5 : str
        Expected md5 of the archive.
    progress : bool
        Show a progress bar while downloading.

    Returns
    -------
    Path
        ``data_home / "cifar-10-batches-py"``, holding ``data_batch_1`` .. ``data_batch_5``,
        ``test_batch`` and ``batches.meta``.

    Raises
    ------
    DownloadError
        The archive could not be downloaded (see :func:`cs231n_utils.download.download_file`).
    ChecksumError
        The downloaded archive does not match ``md5``.
    ValueError
        The archive is damaged, incomplete or has a member with an absolute path, ``..``
        or a link (nothing is extracted then).

    Notes
    -----
    Nothing is downloaded when the batch folder is already complete. Extraction goes into
    a temporary folder that is renamed into place at the end, so an interrupted
    extraction is never mistaken for a complete one. The archive is kept so the folder can
    be rebuilt without downloading again; it may be deleted to save 170 MB.
    """
    data_home = _resolve_data_home(data_home)
    batch_dir = data_home / BATCH_DIRNAME
    if _has_all_files(batch_dir):
        return batch_dir
    data_home.mkdir(parents=True, exist_ok=True)
    archive = download_file(url, data_home / ARCHIVE_NAME, md5=md5, progress=progress)
    _extract_archive(archive, data_home)
    return batch_dir


# --------------------------------------------------------------------------- parsing


def _unpickle(path: Path) -> dict[Any, Any]:
    """Read one CIFAR-10 pickle (written by Python 2, hence ``latin1``)."""
    with open(path, "rb") as f:
        return pickle.load(f, encoding="latin1")


def _get(batch: dict[Any, Any], key: str, path: Path) -> Any:
    if key in batch:
        return batch[key]
    if key.encode() in batch:
        return batch[key.encode()]
    raise ValueError(
        f"{path} has no {key!r} entry (keys: {sorted(map(str, batch))}); it is not a CIFAR-10 "
        "python batch. " + _FIX_HINT.format(folder=path.parent)
    )


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    batch = _unpickle(path)
    data = np.asarray(_get(batch, "data", path))
    labels = np.asarray(_get(batch, "labels", path), dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != _ROW_LENGTH or data.dtype != np.uint8:
        raise ValueError(
            f"{path}: expected 'data' of shape (N, {_ROW_LENGTH}) and dtype uint8, got "
            f"{data.shape} {data.dtype}. " + _FIX_HINT.format(folder=path.parent)
        )
    if labels.shape != (data.shape[0],):
        raise ValueError(
            f"{path}: expected {data.shape[0]} labels (one per image), got {labels.shape}. "
            + _FIX_HINT.format(folder=path.parent)
        )
    return data, labels


def _planar_to_hwc(rows: np.ndarray) -> np.ndarray:
    """``(N, 3072)`` rows of three 32x32 row-major channel planes -> ``(N, 32, 32, 3)``."""
    return np.ascontiguousarray(rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def load_cifar10_batches(
    batch_dir: Path | str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Parse an extracted ``cifar-10-batches-py`` folder.

    Parameters
    ----------
    batch_dir : Path or str
        Folder with ``data_batch_1`` .. ``data_batch_5``, ``test_batch`` and ``batches.meta``
        (pickled dicts with either ``str`` or ``bytes`` keys).

    Returns
    -------
    X_train : np.ndarray
        ``(N_train, 32, 32, 3)`` uint8 images in HWC (RGB) order, C-contiguous; 50,000 for
        the official data.
    y_train : np.ndarray
        ``(N_train,)`` int64 labels in ``0..9``.
    X_test : np.ndarray
        ``(N_test, 32, 32, 3)`` uint8 images; 10,000 for the official data.
    y_test : np.ndarray
        ``(N_test,)`` int64 labels.
    class_names : tuple of str
        ``label_names`` from ``batches.meta`` (``"airplane"``, ``"automobile"``, ...).

    Raises
    ------
    FileNotFoundError
        A batch file is missing; the message names it and says how to fix it.
    ValueError
        A file does not have the expected content.
    """
    batch_dir = Path(batch_dir)
    for name in CIFAR10_FILES:
        path = batch_dir / name
        if not path.is_file():
            raise FileNotFoundError(
                f"CIFAR-10 file {path} is missing (expected {', '.join(CIFAR10_FILES)} in "
                f"{batch_dir}). " + _FIX_HINT.format(folder=batch_dir)
            )
    train = [_read_batch(batch_dir / name) for name in TRAIN_FILES]
    X_train = _planar_to_hwc(np.concatenate([rows for rows, _ in train]))
    y_train = np.concatenate([labels for _, labels in train])
    test_rows, y_test = _read_batch(batch_dir / TEST_FILE)
    X_test = _planar_to_hwc(test_rows)

    meta_path = batch_dir / META_FILE
    names = _get(_unpickle(meta_path), "label_names", meta_path)
    class_names = tuple(n.decode() if isinstance(n, bytes) else str(n) for n in names)
    return X_train, y_train, X_test, y_test, class_names


# --------------------------------------------------------------------------- cache


def _save_atomic(path: Path, write: Any) -> None:
    f, temp_path = open_temp_file(path.parent, f".{path.name}.", ".tmp")
    try:
        with f:
            write(f)
        os.replace(temp_path, path)
    finally:
        temp_path.unlink(missing_ok=True)


def _write_cache(cache_dir: Path, arrays: Cifar10Arrays) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    # The metadata file marks the cache complete, so it goes first out and last in.
    (cache_dir / _CACHE_META).unlink(missing_ok=True)
    meta: dict[str, Any] = {"version": _CACHE_VERSION, "class_names": list(arrays[4])}
    for key, array in zip(_CACHE_ARRAYS, arrays[:4], strict=True):
        _save_atomic(cache_dir / f"{key}.npy", lambda f, a=array: np.save(f, a))
        meta[key] = {"shape": list(array.shape), "dtype": array.dtype.str}
    payload = json.dumps(meta, indent=1).encode()
    _save_atomic(cache_dir / _CACHE_META, lambda f: f.write(payload))


def _read_cache(cache_dir: Path) -> Cifar10Arrays | None:
    """Return the cached arrays, or None if the cache is missing, stale or damaged."""
    try:
        meta = json.loads((cache_dir / _CACHE_META).read_text())
        if meta.get("version") != _CACHE_VERSION:
            return None
        arrays = []
        for key in _CACHE_ARRAYS:
            array = np.load(cache_dir / f"{key}.npy", allow_pickle=False)
            if list(array.shape) != meta[key]["shape"] or array.dtype.str != meta[key]["dtype"]:
                return None
            arrays.append(array)
        class_names = tuple(str(name) for name in meta["class_names"])
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
    X_train, y_train, X_test, y_test = arrays
    if (
        X_train.shape[1:] != _IMAGE_SHAPE
        or X_test.shape[1:] != _IMAGE_SHAPE
        or y_train.shape != (len(X_train),)
        or y_test.shape != (len(X_test),)
    ):
        return None
    return X_train, y_train, X_test, y_test, class_names


def load_cifar10(
    data_home: Path | str | None = None,
    *,
    url: str = CIFAR10_URL,
    md5: str = CIFAR10_MD5,
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Load CIFAR-10, downloading and caching it on first use.

    The first call downloads and extracts the archive if needed (:func:`fetch_cifar10`),
    parses the pickles and writes uncompressed ``.npy`` files to
    ``data_home / "cifar10_cache"``. Later calls read only those files (well under a second
    for all 60,000 images). A damaged or incomplete cache is rebuilt from the batches.

    Parameters
    ----------
    data_home : Path or str, optional
        Data folder. Default: :func:`cs231n_utils.datasets.get_data_home`.
    url, md5, progress
        Passed to :func:`fetch_cifar10` when the cache has to be built.

    Returns
    -------
    X_train : np.ndarray
        ``(50000, 32, 32, 3)`` uint8 HWC images.
    y_train : np.ndarray
        ``(50000,)`` int64 labels.
    X_test : np.ndarray
        ``(10000, 32, 32, 3)`` uint8 HWC images.
    y_test : np.ndarray
        ``(10000,)`` int64 labels.
    class_names : tuple of str
        The ten class names in label order.
    """
    data_home = _resolve_data_home(data_home)
    cache_dir = data_home / CACHE_DIRNAME
    cached = _read_cache(cache_dir)
    if cached is not None:
        return cached
    arrays = load_cifar10_batches(fetch_cifar10(data_home, url=url, md5=md5, progress=progress))
    try:
        _write_cache(cache_dir, arrays)
    except OSError as exc:
        warnings.warn(
            f"Could not write the CIFAR-10 cache in {cache_dir} ({exc}); the data loaded fine, "
            "but the next load will parse the batches again (a few seconds). Set "
            "CS231N_DATA_HOME to a writable folder to enable the cache.",
            stacklevel=2,
        )
    return arrays
