"""Download a file safely: streamed, checksum-verified and atomic.

The kit fetches its datasets with :func:`download_file`. The download is streamed into a
temporary file next to the destination, checked against an md5 and/or sha256 checksum and
only then moved into place with :func:`os.replace`. An interrupted, truncated or corrupt
download therefore never leaves a file at the destination, and a file that is already there
with the right checksum is not downloaded again.

Failures raise :class:`DownloadError` (network trouble, truncated transfer) or its subclass
:class:`ChecksumError` (the bytes arrived but do not match), each with a message saying what
to do next.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import secrets
import shutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

__all__ = ["ChecksumError", "DownloadError", "download_file", "file_checksum"]

#: Bytes read from the network per iteration.
_CHUNK_SIZE = 1 << 20
#: Temporary files of an earlier download untouched for this long are considered abandoned.
_STALE_AFTER_SECONDS = 15 * 60
_TEMP_SUFFIX = ".part"
_USER_AGENT = "linear-classifiers-kit (Python urllib)"


class DownloadError(RuntimeError):
    """A download failed: the server could not be reached or the transfer was cut short."""


class ChecksumError(DownloadError, ValueError):
    """The downloaded bytes do not match the expected checksum (the download was discarded)."""


def file_checksum(path: Path | str, algorithm: str = "sha256") -> str:
    """Return the hex digest of a file, read in chunks.

    Parameters
    ----------
    path : Path or str
        File to hash.
    algorithm : str
        Any name :func:`hashlib.new` accepts, e.g. ``"md5"`` or ``"sha256"``.

    Returns
    -------
    str
        Lower-case hexadecimal digest.
    """
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_SIZE), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _alternatives(url: str, dest: Path) -> str:
    return (
        "Either:\n"
        "  - use the small embedded dataset, which needs no download: set the environment "
        "variable CS231N_DATASET=digits (e.g. `export CS231N_DATASET=digits` before starting "
        "Jupyter, or `os.environ['CS231N_DATASET'] = 'digits'` at the top of the notebook), or\n"
        f"  - download the file by hand from {url}\n"
        f"    and place it at {dest}, then re-run."
    )


def open_temp_file(directory: Path, prefix: str, suffix: str) -> tuple[BinaryIO, Path]:
    """Create a new, uniquely named file for writing in ``directory``.

    Unlike :func:`tempfile.mkstemp` (always mode 0600) the file gets the usual permissions
    allowed by the umask, which it keeps once renamed into place (shared data folders).
    """
    while True:
        path = directory / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}{suffix}"
        try:
            return open(path, "xb"), path
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue


def remove_stale_temp_files(directory: Path, prefix: str, suffix: str) -> None:
    """Delete leftovers of an earlier crashed run, leaving any still being written alone."""
    try:
        entries = list(directory.iterdir())
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(suffix)):
            continue
        try:
            if now - entry.stat().st_mtime < _STALE_AFTER_SECONDS:
                continue  # possibly another process downloading right now
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
        except OSError:
            pass  # ignored: a leftover never counts as a finished file


def _expected_checksums(md5: str | None, sha256: str | None) -> dict[str, str]:
    expected = {}
    for algorithm, value in (("md5", md5), ("sha256", sha256)):
        if value is None:
            continue
        value = value.strip().lower()
        length = hashlib.new(algorithm).digest_size * 2
        if len(value) != length or any(c not in "0123456789abcdef" for c in value):
            raise ValueError(
                f"{algorithm} must be a {length}-character hexadecimal digest, got {value!r}"
            )
        expected[algorithm] = value
    return expected


def _matches(path: Path, expected: dict[str, str]) -> bool:
    return all(file_checksum(path, alg) == value for alg, value in expected.items())


def download_file(
    url: str,
    dest: Path | str,
    *,
    md5: str | None = None,
    sha256: str | None = None,
    progress: bool = True,
    timeout: float = 30,
) -> Path:
    """Download ``url`` to ``dest`` atomically, verifying its checksum.

    The body is streamed into a temporary file in ``dest``'s directory, hashed on the fly,
    checked, and only then renamed to ``dest`` with :func:`os.replace`. If anything goes
    wrong the temporary file is deleted, so ``dest`` either holds a complete, verified file
    or does not exist. Temporary files abandoned by an earlier crash are removed.

    Parameters
    ----------
    url : str
        Address to download (``http``, ``https`` or ``file``).
    dest : Path or str
        Where the file ends up. Missing parent directories are created.
    md5, sha256 : str, optional
        Expected hex digests. If ``dest`` already exists and matches every digest given, it
        is returned without downloading; if it does not match, it is downloaded again. With
        no digest at all, an existing ``dest`` is trusted as is (writes are atomic, so it is
        a complete earlier download).
    progress : bool
        Show a tqdm progress bar on stderr (sized from the Content-Length header when the
        server sends one).
    timeout : float
        Seconds to wait for the connection and for each read before giving up.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    DownloadError
        The URL could not be reached (offline, DNS failure, connection refused, timeout),
        the server answered with an HTTP error, or the connection dropped before
        Content-Length bytes arrived.
    ChecksumError
        The downloaded bytes do not match ``md5``/``sha256``. Also a ``ValueError``.
    """
    dest = Path(dest)
    expected = _expected_checksums(md5, sha256)
    replacing_bad_file = False
    if dest.is_file():
        if not expected or _matches(dest, expected):
            return dest
        replacing_bad_file = True

    dest.parent.mkdir(parents=True, exist_ok=True)
    temp_prefix = f".{dest.name}."
    remove_stale_temp_files(dest.parent, temp_prefix, _TEMP_SUFFIX)
    note = (
        f"(The existing {dest} did not match the expected checksum and was left untouched.)\n"
        if replacing_bad_file
        else ""
    )

    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise DownloadError(
            f"The server answered HTTP {exc.code} ({exc.reason}) for {url}; nothing was saved "
            f"at {dest}. Check the URL, or try again later.\n{note}" + _alternatives(url, dest)
        ) from exc
    except (OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DownloadError(
            f"Could not reach {url} ({reason}). You may be offline, or the server may be down "
            f"or blocked by a firewall or proxy. Nothing was saved at {dest}.\n{note}"
            + _alternatives(url, dest)
        ) from exc

    try:
        out, temp_path = open_temp_file(dest.parent, temp_prefix, _TEMP_SUFFIX)
    except BaseException:
        response.close()
        raise
    try:
        with response, out:
            length_header = response.headers.get("Content-Length")
            total = int(length_header) if length_header and length_header.isdigit() else None
            hashers = {alg: hashlib.new(alg) for alg in expected}
            received = 0
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=dest.name,
                disable=not progress,
                file=sys.stderr,
            ) as bar:
                while True:
                    try:
                        chunk = response.read(_CHUNK_SIZE)
                    except (OSError, http.client.HTTPException) as exc:
                        raise DownloadError(
                            f"The connection to {url} dropped after {received} bytes"
                            + (f" of {total}" if total is not None else "")
                            + f" ({exc!r}). The partial download was discarded and nothing "
                            f"was saved at {dest}; re-running retries the download.\n{note}"
                            + _alternatives(url, dest)
                        ) from exc
                    if not chunk:
                        break
                    out.write(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            if total is not None and received != total:
                raise DownloadError(
                    f"The download of {url} was cut short: received {received} of {total} bytes "
                    "(the connection dropped). The partial download was discarded and nothing "
                    f"was saved at {dest}; re-running retries the download.\n{note}"
                    + _alternatives(url, dest)
                )
            out.flush()
            os.fsync(out.fileno())

        for algorithm, value in expected.items():
            actual = hashers[algorithm].hexdigest()
            if actual != value:
                raise ChecksumError(
                    f"Checksum mismatch for {dest.name} downloaded from {url}: expected "
                    f"{algorithm} {value}, got {actual}. The download was discarded and nothing "
                    f"was saved at {dest}; re-running retries the download. If it keeps "
                    "failing, a proxy may be altering the file or the file on the server "
                    f"changed.\n{note}" + _alternatives(url, dest)
                )
        os.replace(temp_path, dest)
    finally:
        temp_path.unlink(missing_ok=True)
    return dest
