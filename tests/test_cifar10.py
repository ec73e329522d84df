"""Tests for cs231n_utils.cifar10: download + extraction + parsing + cache, over 127.0.0.1."""

from __future__ import annotations

import hashlib
import pickle
import time

import numpy as np
import pytest

from cs231n_utils import cifar10
from cs231n_utils.cifar10 import (
    BATCH_DIRNAME,
    CACHE_DIRNAME,
    CIFAR10_FILES,
    fetch_cifar10,
    load_cifar10,
    load_cifar10_batches,
)
from cs231n_utils.download import ChecksumError, DownloadError

pytestmark = pytest.mark.usefixtures("clean_dataset_env")

ARCHIVE_PATH = "/cifar-10-python.tar.gz"


def assert_same_data(loaded, fake) -> None:
    """``loaded`` (the 5-tuple of a loader) holds exactly ``fake``'s arrays."""
    X_train, y_train, X_test, y_test, class_names = loaded
    for got, want in ((X_train, fake.X_train), (X_test, fake.X_test)):
        assert got.dtype == np.uint8 and got.shape == want.shape
        assert got.flags.c_contiguous
        np.testing.assert_array_equal(got, want)
    for got, want in ((y_train, fake.y_train), (y_test, fake.y_test)):
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, want)
    assert class_names == fake.class_names
    assert all(type(name) is str for name in class_names)


def forbid_pickle_parsing(monkeypatch) -> None:
    def refuse(path):
        raise AssertionError(f"the pickles must not be parsed again (tried {path})")

    monkeypatch.setattr(cifar10, "_unpickle", refuse)


def test_download_extract_and_load_round_trip(local_http_server, fake_cifar10_archive, tmp_path):
    fake = fake_cifar10_archive
    url = local_http_server.serve(ARCHIVE_PATH, fake.body)
    batch_dir = fetch_cifar10(tmp_path, url=url, md5=fake.md5, progress=False)
    assert batch_dir == tmp_path / BATCH_DIRNAME
    assert sorted(p.name for p in batch_dir.iterdir()) == sorted(CIFAR10_FILES)
    # Only the archive and the batch folder: no temporary files or folders left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == [BATCH_DIRNAME, "cifar-10-python.tar.gz"]
    assert_same_data(load_cifar10_batches(batch_dir), fake)

    # A complete folder is reused: no second request.
    assert fetch_cifar10(tmp_path, url=url, md5=fake.md5, progress=False) == batch_dir
    assert local_http_server.requests[ARCHIVE_PATH] == 1


def test_planar_rows_become_hwc_pixels(tmp_path, cifar10_archive_builder):
    """Pixel (r, c) of channel ch is stored at ``ch * 1024 + r * 32 + c`` of the row."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(5, 32, 32, 3), dtype=np.uint8)
    y = np.arange(5) % 10
    archive = cifar10_archive_builder(tmp_path / "a.tar.gz", X, y, X[:2], y[:2])
    batch_dir = fetch_cifar10(tmp_path, url=archive.as_uri(), md5=_md5(archive), progress=False)
    with open(batch_dir / "data_batch_1", "rb") as f:
        row = pickle.load(f)[b"data"][0]
    X_train = load_cifar10_batches(batch_dir)[0]
    for r, c, ch in [(0, 0, 0), (0, 31, 1), (31, 0, 2), (7, 19, 1), (31, 31, 2)]:
        assert row[ch * 1024 + r * 32 + c] == X[0, r, c, ch] == X_train[0, r, c, ch]


def test_str_keys_are_read_too(tmp_path, cifar10_archive_builder, fake_cifar10_archive):
    fake = fake_cifar10_archive
    archive = cifar10_archive_builder(
        tmp_path / "a.tar.gz", fake.X_train, fake.y_train, fake.X_test, fake.y_test,
        fake.class_names, str_keys=True,
    )  # fmt: skip
    batch_dir = fetch_cifar10(tmp_path, url=archive.as_uri(), md5=_md5(archive), progress=False)
    assert_same_data(load_cifar10_batches(batch_dir), fake)


def test_cached_second_load_skips_pickles(
    local_http_server, closed_port_url, fake_cifar10_archive, tmp_path, monkeypatch
):
    fake = fake_cifar10_archive
    url = local_http_server.serve(ARCHIVE_PATH, fake.body)
    first = load_cifar10(tmp_path, url=url, md5=fake.md5, progress=False)
    assert_same_data(first, fake)
    cache = tmp_path / CACHE_DIRNAME
    assert sorted(p.name for p in cache.iterdir()) == [
        "X_test.npy", "X_train.npy", "meta.json", "y_test.npy", "y_train.npy",
    ]  # fmt: skip

    forbid_pickle_parsing(monkeypatch)
    start = time.perf_counter()
    second = load_cifar10(tmp_path, url=closed_port_url, md5=fake.md5, progress=False)
    elapsed = time.perf_counter() - start
    assert_same_data(second, fake)
    for a, b in zip(first[:4], second[:4], strict=True):
        np.testing.assert_array_equal(a, b)
    assert elapsed < 0.5
    assert local_http_server.requests[ARCHIVE_PATH] == 1


@pytest.mark.parametrize("damage", ["truncate_array", "delete_array", "garbage_meta"])
def test_damaged_cache_is_rebuilt(
    local_http_server, fake_cifar10_archive, tmp_path, monkeypatch, damage
):
    fake = fake_cifar10_archive
    url = local_http_server.serve(ARCHIVE_PATH, fake.body)
    load_cifar10(tmp_path, url=url, md5=fake.md5, progress=False)
    cache = tmp_path / CACHE_DIRNAME
    if damage == "truncate_array":
        path = cache / "X_train.npy"
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "delete_array":
        (cache / "y_test.npy").unlink()
    else:
        (cache / "meta.json").write_text("{not json")

    calls = []
    original = cifar10._unpickle
    monkeypatch.setattr(cifar10, "_unpickle", lambda path: calls.append(path) or original(path))
    assert_same_data(load_cifar10(tmp_path, url=url, md5=fake.md5, progress=False), fake)
    assert calls, "the cache was damaged, so the batches had to be parsed again"

    forbid_pickle_parsing(monkeypatch)  # ... and the rebuilt cache is used next time
    assert_same_data(load_cifar10(tmp_path, url=url, md5=fake.md5, progress=False), fake)


def test_truncated_archive_download_leaves_nothing(
    local_http_server, fake_cifar10_archive, tmp_path
):
    fake = fake_cifar10_archive
    url = local_http_server.serve(ARCHIVE_PATH, fake.body, mode="truncated")
    with pytest.raises(DownloadError):
        load_cifar10(tmp_path, url=url, md5=fake.md5, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_corrupt_archive_download_leaves_nothing(local_http_server, fake_cifar10_archive, tmp_path):
    fake = fake_cifar10_archive
    url = local_http_server.serve(ARCHIVE_PATH, fake.body, mode="corrupt")
    with pytest.raises(ChecksumError, match=fake.md5):
        fetch_cifar10(tmp_path, url=url, md5=fake.md5, progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("member", ["../evil", "<absolute>", "cifar-10-batches-py/../../evil"])
def test_archive_escaping_the_folder_is_rejected(
    tmp_path, cifar10_archive_builder, fake_cifar10_archive, member
):
    fake = fake_cifar10_archive
    if member == "<absolute>":
        member = (tmp_path / "evil").as_posix()
    home = tmp_path / "home"
    home.mkdir()
    archive = cifar10_archive_builder(
        tmp_path / "evil.tar.gz", fake.X_train, fake.y_train, fake.X_test, fake.y_test,
        extra_members=[(member, b"pwned")],
    )  # fmt: skip
    with pytest.raises(ValueError, match="Refusing to extract") as excinfo:
        fetch_cifar10(home, url=archive.as_uri(), md5=_md5(archive), progress=False)
    assert repr(member) in str(excinfo.value)
    assert list(tmp_path.rglob("evil")) == []
    # Neither the batch folder nor a temporary extraction folder is left in the data home.
    assert sorted(p.name for p in home.iterdir()) == ["cifar-10-python.tar.gz"]


def test_archive_with_symlink_is_rejected(tmp_path):
    import io
    import tarfile

    archive = tmp_path / "link.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        link = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
        tar.addfile(tarfile.TarInfo("cifar-10-batches-py/x"), io.BytesIO(b""))
    with pytest.raises(ValueError, match="link or special file"):
        fetch_cifar10(tmp_path, url=archive.as_uri(), md5=_md5(archive), progress=False)


def test_interrupted_extraction_is_not_taken_for_complete(
    tmp_path, cifar10_archive_builder, fake_cifar10_archive
):
    fake = fake_cifar10_archive
    archive = cifar10_archive_builder(
        tmp_path / "a.tar.gz", fake.X_train, fake.y_train, fake.X_test, fake.y_test
    )
    home = tmp_path / "home"
    # What a crash mid-extraction leaves: a hidden temporary folder with some files,
    # and (from an older, non-atomic tool) a batch folder missing files.
    leftover = home / f".{BATCH_DIRNAME}.crashed.extracting" / BATCH_DIRNAME
    leftover.mkdir(parents=True)
    (leftover / "data_batch_1").write_bytes(b"partial")
    (home / BATCH_DIRNAME).mkdir()
    (home / BATCH_DIRNAME / "data_batch_1").write_bytes(b"partial")

    batch_dir = fetch_cifar10(home, url=archive.as_uri(), md5=_md5(archive), progress=False)
    assert_same_data(load_cifar10_batches(batch_dir), fake)


def test_missing_batch_file_error_names_it_and_the_fix(
    tmp_path, cifar10_archive_builder, fake_cifar10_archive
):
    fake = fake_cifar10_archive
    archive = cifar10_archive_builder(
        tmp_path / "a.tar.gz", fake.X_train, fake.y_train, fake.X_test, fake.y_test
    )
    batch_dir = fetch_cifar10(tmp_path, url=archive.as_uri(), md5=_md5(archive), progress=False)
    (batch_dir / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError) as excinfo:
        load_cifar10_batches(batch_dir)
    message = str(excinfo.value)
    assert "data_batch_3" in message and "delete the folder" in message
    assert "CS231N_DATASET=digits" in message


def test_archive_without_the_batches_is_rejected(
    tmp_path, cifar10_archive_builder, fake_cifar10_archive
):
    fake = fake_cifar10_archive
    archive = cifar10_archive_builder(
        tmp_path / "a.tar.gz", fake.X_train, fake.y_train, fake.X_test, fake.y_test,
        omit=["test_batch"],
    )  # fmt: skip
    home = tmp_path / "home"
    with pytest.raises(ValueError, match="test_batch"):
        fetch_cifar10(home, url=archive.as_uri(), md5=_md5(archive), progress=False)
    assert not (home / BATCH_DIRNAME).exists()


def test_offline_first_load_explains_the_alternatives(closed_port_url, tmp_path):
    with pytest.raises(DownloadError, match="CS231N_DATASET=digits"):
        load_cifar10(tmp_path, url=closed_port_url, progress=False)
    assert not (tmp_path / "cifar-10-python.tar.gz").exists()


def _md5(path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()

