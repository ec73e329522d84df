"""Tests for cs231n_utils.download: checksums, atomicity and clear errors, over 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import socket
import stat
import time
from pathlib import Path

import pytest

from cs231n_utils.download import ChecksumError, DownloadError, download_file, file_checksum

pytestmark = pytest.mark.usefixtures("clean_dataset_env")

BODY = bytes(range(256)) * 4099  # ~1 MiB, not a multiple of the read chunk
MD5 = hashlib.md5(BODY).hexdigest()
SHA256 = hashlib.sha256(BODY).hexdigest()


def leftovers(directory: Path) -> list[str]:
    """Names of every entry in ``directory`` (temp files included)."""
    return sorted(p.name for p in directory.iterdir())


def test_download_verifies_and_writes(local_http_server, tmp_path):
    url = local_http_server.serve("/f.bin", BODY)
    dest = tmp_path / "sub" / "f.bin"
    assert download_file(url, dest, md5=MD5, sha256=SHA256, progress=False) == dest
    assert dest.read_bytes() == BODY
    assert leftovers(dest.parent) == ["f.bin"]
    assert file_checksum(dest, "md5") == MD5


def test_checksums_are_case_insensitive_and_str_dest_accepted(local_http_server, tmp_path):
    url = local_http_server.serve("/f.bin", BODY)
    dest = download_file(url, str(tmp_path / "f.bin"), md5=MD5.upper(), progress=False)
    assert Path(dest).read_bytes() == BODY


def test_progress_bar_goes_to_stderr(local_http_server, tmp_path, capsys):
    url = local_http_server.serve("/f.bin", BODY)
    download_file(url, tmp_path / "f.bin", md5=MD5, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "f.bin" in captured.err and "100%" in captured.err


def test_without_content_length(local_http_server, tmp_path):
    url = local_http_server.serve("/f.bin", BODY, mode="no-length")
    dest = download_file(url, tmp_path / "f.bin", sha256=SHA256, progress=False)
    assert dest.read_bytes() == BODY


def test_existing_file_with_right_checksum_is_not_downloaded(closed_port_url, tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(BODY)
    # The URL is unreachable, so any download attempt would raise.
    assert download_file(closed_port_url, dest, md5=MD5, progress=False) == dest
    assert download_file(closed_port_url, dest, progress=False) == dest  # no checksum given


def test_existing_file_with_wrong_checksum_is_replaced(local_http_server, tmp_path):
    url = local_http_server.serve("/f.bin", BODY)
    dest = tmp_path / "f.bin"
    dest.write_bytes(b"stale")
    download_file(url, dest, md5=MD5, progress=False)
    assert dest.read_bytes() == BODY
    assert local_http_server.requests["/f.bin"] == 1


def test_truncated_download_leaves_nothing_then_retry_succeeds(local_http_server, tmp_path):
    url = local_http_server.serve("/f.bin", BODY, mode="truncated")
    dest = tmp_path / "f.bin"
    with pytest.raises(DownloadError) as excinfo:
        download_file(url, dest, md5=MD5, progress=False)
    message = str(excinfo.value)
    assert f"received {len(BODY) // 2} of {len(BODY)} bytes" in message
    assert "re-running retries" in message
    assert leftovers(tmp_path) == []

    local_http_server.serve("/f.bin", BODY)  # the network recovers
    download_file(url, dest, md5=MD5, progress=False)
    assert dest.read_bytes() == BODY
    assert leftovers(tmp_path) == ["f.bin"]


def test_truncated_download_fails_even_without_checksum(local_http_server, tmp_path):
    url = local_http_server.serve("/f.bin", BODY, mode="truncated")
    with pytest.raises(DownloadError):
        download_file(url, tmp_path / "f.bin", progress=False)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("algorithm", ["md5", "sha256"])
def test_corrupt_download_raises_checksum_error(local_http_server, tmp_path, algorithm):
    url = local_http_server.serve("/f.bin", BODY, mode="corrupt")
    dest = tmp_path / "f.bin"
    damaged = bytearray(BODY)
    damaged[len(BODY) // 2] ^= 0xFF
    expected = hashlib.new(algorithm, BODY).hexdigest()
    actual = hashlib.new(algorithm, bytes(damaged)).hexdigest()
    with pytest.raises(ChecksumError) as excinfo:
        download_file(url, dest, progress=False, **{algorithm: expected})
    assert isinstance(excinfo.value, ValueError)
    assert isinstance(excinfo.value, DownloadError)
    message = str(excinfo.value)
    assert expected in message and actual in message
    assert "f.bin" in message and "discarded" in message and "re-running retries" in message
    assert leftovers(tmp_path) == []


def test_corrupt_download_keeps_an_existing_file_untouched(local_http_server, tmp_path):
    url = local_http_server.serve("/f.bin", BODY, mode="corrupt")
    dest = tmp_path / "f.bin"
    dest.write_bytes(b"old")
    with pytest.raises(ChecksumError, match="left untouched"):
        download_file(url, dest, md5=MD5, progress=False)
    assert leftovers(tmp_path) == ["f.bin"]
    assert dest.read_bytes() == b"old"


def test_connection_refused_explains_the_alternatives(closed_port_url, tmp_path):
    dest = tmp_path / "data" / "f.bin"
    with pytest.raises(DownloadError) as excinfo:
        download_file(closed_port_url, dest, md5=MD5, progress=False)
    message = str(excinfo.value)
    assert "Could not reach" in message and "offline" in message
    assert "CS231N_DATASET=digits" in message
    assert closed_port_url in message and str(dest) in message
    assert not dest.exists()
    assert not dest.parent.exists() or leftovers(dest.parent) == []


def test_http_error_is_a_download_error(local_http_server, tmp_path):
    url = local_http_server.url("/missing.bin")
    with pytest.raises(DownloadError, match="HTTP 404"):
        download_file(url, tmp_path / "f.bin", progress=False)
    assert leftovers(tmp_path) == []


def test_timeout_is_a_download_error(tmp_path, monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    # A socket that listens but never answers: connecting works, the response never comes.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/f.bin"
        start = time.perf_counter()
        with pytest.raises(DownloadError, match="CS231N_DATASET=digits"):
            download_file(url, tmp_path / "f.bin", progress=False, timeout=0.3)
    assert time.perf_counter() - start < 5
    assert leftovers(tmp_path) == []


def test_stale_temp_files_are_removed_fresh_ones_ignored(local_http_server, tmp_path):
    url = local_http_server.serve("/f.bin", BODY)
    stale = tmp_path / ".f.bin.crashed.part"
    stale.write_bytes(b"half a download")
    old = time.time() - 24 * 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / ".f.bin.inprogress.part"  # maybe another process, right now
    fresh.write_bytes(b"partial")
    download_file(url, tmp_path / "f.bin", md5=MD5, progress=False)
    assert leftovers(tmp_path) == [".f.bin.inprogress.part", "f.bin"]


def test_malformed_checksum_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="32-character hexadecimal"):
        download_file("http://127.0.0.1:9/x", tmp_path / "x", md5="abc", progress=False)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_downloaded_file_gets_normal_permissions(local_http_server, tmp_path):
    url = local_http_server.serve("/f.bin", BODY)
    dest = download_file(url, tmp_path / "f.bin", md5=MD5, progress=False)
    reference = tmp_path / "reference"
    reference.write_bytes(b"")  # created the ordinary way, so it follows the umask
    assert stat.S_IMODE(dest.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)
