"""Tests for cs231n_utils.datasets: names, data home, digits conversion and CS231n splits."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from cs231n_utils import config, datasets
from cs231n_utils.cifar10 import CACHE_DIRNAME, fetch_cifar10
from cs231n_utils.datasets import (
    DATASET_NAMES,
    Dataset,
    dataset_name_from_env,
    default_split_sizes,
    get_data_home,
    load_dataset,
    load_raw_dataset,
)

pytestmark = pytest.mark.usefixtures("clean_dataset_env")


@pytest.fixture(scope="module")
def sklearn_digits():
    from sklearn.datasets import load_digits

    return load_digits()


@pytest.fixture(scope="module")
def digits_raw():
    return load_raw_dataset("digits")


# --------------------------------------------------------------------------- names


def test_dataset_name_from_env(monkeypatch):
    assert dataset_name_from_env() == "cifar10"
    monkeypatch.setenv("CS231N_DATASET", " Digits ")
    assert dataset_name_from_env() == "digits"
    monkeypatch.setenv("CS231N_DATASET", "")
    assert dataset_name_from_env() == "cifar10"


def test_unknown_name_lists_the_valid_ones(monkeypatch):
    with pytest.raises(ValueError) as excinfo:
        load_raw_dataset("mnist")
    message = str(excinfo.value)
    assert "'mnist'" in message
    assert all(repr(name) in message for name in DATASET_NAMES)

    monkeypatch.setenv("CS231N_DATASET", "imagenet")
    with pytest.raises(ValueError, match="CS231N_DATASET.*'digits'"):
        load_dataset()


def test_env_var_selects_the_dataset(monkeypatch):
    monkeypatch.setenv("CS231N_DATASET", "digits")
    assert load_dataset().name == "digits"


# --------------------------------------------------------------------------- data home


def test_data_home_env_var_is_respected(monkeypatch, tmp_path):
    monkeypatch.setenv("CS231N_DATA_HOME", str(tmp_path))
    assert get_data_home() == tmp_path


def test_data_home_falls_back_to_checkout_then_user_cache(monkeypatch, tmp_path):
    repo_datasets = Path(datasets.__file__).resolve().parents[1] / "datasets"
    if (repo_datasets / "get_datasets.py").is_file():
        assert get_data_home() == repo_datasets
    monkeypatch.setattr(config, "_checkout_datasets_dir", lambda: None)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == tmp_path / ".cache" / "linear-classifiers-kit"


def test_cifar10_is_loaded_from_the_data_home(
    monkeypatch, tmp_path, fake_cifar10_archive, local_http_server
):
    fake = fake_cifar10_archive
    url = local_http_server.serve("/c.tar.gz", fake.body)
    fetch_cifar10(tmp_path, url=url, md5=fake.md5, progress=False)  # pre-populate
    monkeypatch.setenv("CS231N_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("CS231N_DATASET", "cifar10")

    raw = load_raw_dataset()
    assert raw.name == "cifar10"
    np.testing.assert_array_equal(raw.X_train, fake.X_train)
    np.testing.assert_array_equal(raw.y_test, fake.y_test)
    assert (tmp_path / CACHE_DIRNAME / "X_train.npy").is_file()

    data = load_dataset(num_training=800, num_validation=200, num_test=200, num_dev=50)
    assert data.X_train.shape == (800, 3073) and data.X_val.shape == (200, 3073)
    assert data.class_names == fake.class_names


# --------------------------------------------------------------------------- digits


def test_digits_have_cifar10_format(digits_raw):
    raw = digits_raw
    assert raw.name == "digits"
    assert raw.X_train.shape == (1497, 32, 32, 3) and raw.X_test.shape == (300, 32, 32, 3)
    assert raw.X_train.dtype == raw.X_test.dtype == np.uint8
    assert raw.y_train.shape == (1497,) and raw.y_test.shape == (300,)
    assert raw.y_train.dtype == raw.y_test.dtype == np.int64
    assert raw.class_names == tuple(str(d) for d in range(10))
    assert raw.X_train.min() == 0 and raw.X_train.max() == 255


def test_digits_are_the_sklearn_digits_upsampled(digits_raw, sklearn_digits):
    X = np.concatenate([digits_raw.X_train, digits_raw.X_test])
    y = np.concatenate([digits_raw.y_train, digits_raw.y_test])
    # Three identical channels, made of constant 4x4 blocks.
    assert (X == X[..., :1]).all()
    small = X[:, ::4, ::4, 0]
    np.testing.assert_array_equal(small.repeat(4, axis=1).repeat(4, axis=2), X[..., 0])
    # The 8x8 images, scaled 0..16 -> 0..255, are exactly sklearn's (as a multiset with labels).
    expected = np.round(sklearn_digits.images * 255 / 16).astype(np.uint8)
    ours = sorted((int(label), img.tobytes()) for label, img in zip(y, small, strict=True))
    theirs = sorted(
        (int(label), img.tobytes())
        for label, img in zip(sklearn_digits.target, expected, strict=True)
    )
    assert ours == theirs
    # And one image checked directly: the pools are a permutation of sklearn's order.
    first = small[0]
    match = np.flatnonzero((expected == first).all(axis=(1, 2)))
    assert len(match) >= 1
    np.testing.assert_array_equal(
        X[0, :, :, 1], np.kron(expected[match[0]], np.ones((4, 4), dtype=np.uint8))
    )


def test_digits_split_is_fixed_and_stratified(digits_raw, sklearn_digits):
    again = load_raw_dataset("digits")
    np.testing.assert_array_equal(again.X_train, digits_raw.X_train)
    np.testing.assert_array_equal(again.y_test, digits_raw.y_test)
    full = np.bincount(sklearn_digits.target, minlength=10) / len(sklearn_digits.target)
    test = np.bincount(digits_raw.y_test, minlength=10) / len(digits_raw.y_test)
    assert np.abs(full - test).max() < 0.01


# --------------------------------------------------------------------------- load_dataset


def test_default_splits_for_digits(digits_raw):
    data = load_dataset("digits")
    assert isinstance(data, Dataset)
    assert default_split_sizes("digits") == (1197, 300, 300, 100)
    shapes = {s: getattr(data, f"X_{s}").shape for s in ("train", "val", "test", "dev")}
    assert shapes == {
        "train": (1197, 3073), "val": (300, 3073), "test": (300, 3073), "dev": (100, 3073),
    }  # fmt: skip
    for split in ("train", "val", "test", "dev"):
        X, y = getattr(data, f"X_{split}"), getattr(data, f"y_{split}")
        assert X.dtype == np.float32 and y.dtype == np.int64 and y.shape == (len(X),)
    assert data.images_train.shape == (1197, 32, 32, 3) and data.images_train.dtype == np.uint8
    np.testing.assert_array_equal(data.images_train, digits_raw.X_train[:1197])
    assert data.mean_image.shape == (3072,)
    assert data.image_shape == (32, 32, 3) and data.name == "digits"
    assert data.class_names == digits_raw.class_names


def test_mean_subtraction_and_bias_column(digits_raw):
    data = load_dataset("digits")
    raw_train = digits_raw.X_train[:1197].reshape(1197, -1).astype(np.float64)
    np.testing.assert_allclose(data.mean_image, raw_train.mean(axis=0), rtol=1e-6)
    assert np.abs(data.X_train[:, :-1].mean(axis=0)).max() < 1e-3  # train mean ~ 0
    for split in ("train", "val", "test", "dev"):
        assert (getattr(data, f"X_{split}")[:, -1] == 1).all()
    # Validation = the images right after the training ones, minus the *training* mean.
    raw_val = digits_raw.X_train[1197:1497].reshape(300, -1)
    np.testing.assert_allclose(data.X_val[:, :-1], raw_val - data.mean_image, atol=1e-4)
    np.testing.assert_array_equal(data.y_val, digits_raw.y_train[1197:1497])
    raw_test = digits_raw.X_test[:300].reshape(300, -1)
    np.testing.assert_allclose(data.X_test[:, :-1], raw_test - data.mean_image, atol=1e-4)


def test_dev_is_drawn_from_train_without_replacement():
    data = load_dataset("digits", seed=3)
    train_rows = {row.tobytes(): i for i, row in enumerate(data.X_train)}
    idx = [train_rows[row.tobytes()] for row in data.X_dev]  # KeyError if not from train
    assert len(set(idx)) == len(idx) == 100
    np.testing.assert_array_equal(data.y_dev, data.y_train[idx])
    expected = np.random.default_rng(3).choice(1197, size=100, replace=False)
    np.testing.assert_array_equal(data.X_dev, data.X_train[expected])

    same = load_dataset("digits", seed=3)
    other = load_dataset("digits", seed=4)
    np.testing.assert_array_equal(same.X_dev, data.X_dev)
    assert not np.array_equal(other.X_dev, data.X_dev)


def test_raw_rows_without_preprocessing_and_other_dtype(digits_raw):
    data = load_dataset(
        "digits", num_training=100, num_validation=10, num_test=20, num_dev=5,
        subtract_mean=False, bias_trick=False, dtype=np.float64,
    )  # fmt: skip
    assert data.X_train.shape == (100, 3072) and data.X_train.dtype == np.float64
    np.testing.assert_array_equal(data.X_train, digits_raw.X_train[:100].reshape(100, -1))
    assert data.X_val.shape == (10, 3072) and data.X_test.shape == (20, 3072)
    assert data.X_dev.shape == (5, 3072)


def test_too_many_images_is_an_error_with_the_numbers():
    with pytest.raises(ValueError) as excinfo:
        load_dataset("digits", num_training=1400)
    message = str(excinfo.value)
    assert "1400" in message and "300" in message and "1497" in message
    with pytest.raises(ValueError, match="num_test=301.*only 300"):
        load_dataset("digits", num_test=301)
    with pytest.raises(ValueError, match="num_dev=200"):
        load_dataset("digits", num_training=100, num_dev=200)
    with pytest.raises(ValueError, match="non-negative"):
        load_dataset("digits", num_validation=-1)
    with pytest.raises(ValueError, match="floating-point"):
        load_dataset("digits", dtype=np.int32)


def test_summary_is_short_and_lists_shapes(capsys):
    data = load_dataset("digits")
    assert capsys.readouterr().out == ""  # loading prints nothing
    text = data.summary()
    assert repr(data) == text
    assert 3 <= len(text.splitlines()) <= 8
    assert "(1197, 3073)" in text and "(100,)" in text and "digits" in text


# --------------------------------------------------------------------------- cifar10-subset


def test_cifar10_subset_via_env_var(monkeypatch, cifar10_subset_file):
    if cifar10_subset_file is None:
        pytest.skip("shared cifar10_subset.npz not found (set CS231N_CIFAR10_SUBSET)")
    monkeypatch.setenv("CS231N_CIFAR10_SUBSET", str(cifar10_subset_file))
    monkeypatch.setenv("CS231N_DATASET", "cifar10-subset")
    raw = load_raw_dataset()
    assert raw.name == "cifar10-subset"
    assert raw.X_train.shape == (10000, 32, 32, 3) and raw.X_train.dtype == np.uint8
    assert raw.X_test.shape == (5000, 32, 32, 3)
    assert raw.y_train.dtype == np.int64 and set(np.unique(raw.y_train)) == set(range(10))
    assert raw.class_names[:2] == ("airplane", "automobile") and len(raw.class_names) == 10

    data = load_dataset(num_training=2000, num_validation=500, num_test=500, num_dev=50)
    assert data.X_train.shape == (2000, 3073) and data.X_dev.shape == (50, 3073)
    np.testing.assert_array_equal(data.images_train, raw.X_train[:2000])
    assert default_split_sizes("cifar10-subset") == (9000, 1000, 1000, 500)


def test_cifar10_subset_errors_are_clear(monkeypatch, tmp_path):
    with pytest.raises(FileNotFoundError, match="CS231N_CIFAR10_SUBSET.*not set"):
        load_raw_dataset("cifar10-subset")
    missing = tmp_path / "nope.npz"
    monkeypatch.setenv("CS231N_CIFAR10_SUBSET", str(missing))
    with pytest.raises(FileNotFoundError, match="does not exist") as excinfo:
        load_raw_dataset("cifar10-subset")
    assert str(missing) in str(excinfo.value) and "digits" in str(excinfo.value)

    np.savez(tmp_path / "bad.npz", X_train=np.zeros((2, 8, 8), np.uint8))
    monkeypatch.setenv("CS231N_CIFAR10_SUBSET", str(tmp_path / "bad.npz"))
    with pytest.raises(ValueError, match="lacks the arrays"):
        load_raw_dataset("cifar10-subset")


def test_the_digits_split_is_cached_in_the_data_home(tmp_path, clean_dataset_env):
    """The second load reads the cache (no scikit-learn import), with the same arrays; a broken
    cache is rebuilt and an unwritable data home only means no cache. The cache has the umask's
    permissions, not 0600: the grader's sandbox, another user, reads it too."""

    clean_dataset_env.setenv("CS231N_DATA_HOME", str(tmp_path / "home"))
    built = datasets._build_digits()
    first = load_raw_dataset("digits")
    (cache,) = (tmp_path / "home").glob("digits-*.npz")
    umask = os.umask(0)
    os.umask(umask)
    assert cache.stat().st_mode & 0o777 == 0o666 & ~umask
    assert not list((tmp_path / "home").glob(".digits-*"))  # no temporary file left
    second = load_raw_dataset("digits")
    for raw in (first, second):
        for key in ("X_train", "y_train", "X_test", "y_test"):
            got, want = getattr(raw, key), getattr(built, key)
            assert got.dtype == want.dtype and np.array_equal(got, want), key
    assert second.class_names == built.class_names and second.name == "digits"
    cache.write_bytes(b"not an npz file")
    assert np.array_equal(load_raw_dataset("digits").X_train, built.X_train)
    assert cache.stat().st_size > 1000  # rebuilt
    clean_dataset_env.setenv("CS231N_DATA_HOME", str(tmp_path / "file"))
    (tmp_path / "file").write_text("a file where the data home should be")
    assert np.array_equal(load_raw_dataset("digits").y_test, built.y_test)
