"""Shared pytest fixtures for the kit's tests.

Data pipeline fixtures (used by test_download.py, test_cifar10.py, test_datasets.py):

- ``clean_dataset_env``: removes every ``CS231N_*`` variable so a developer's settings do
  not leak into a test;
- ``cifar10_subset_file``: the shared real-image subset ``cifar10_subset.npz`` or None;
- ``cifar10_archive_builder``: writes a tarball in the official CIFAR-10 python format;
- ``fake_cifar10_archive``: one such tarball (real images when the shared subset is present,
  else random ones) together with the arrays it holds;
- ``local_http_server``: an HTTP server on 127.0.0.1 that serves in-memory files intact,
  truncated or corrupted;
- ``closed_port_url``: a URL on 127.0.0.1 where nothing listens (connection refused).

No fixture touches the network beyond 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import socket
import tarfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest

T = TypeVar("T")
U = TypeVar("U")

#: Where the shared CIFAR-10 subset sits relative to this checkout (see shared/data/README.md).
SHARED_CIFAR10_SUBSET = Path(__file__).resolve().parents[2] / "shared" / "data" / (
    "cifar10_subset.npz"
)
CIFAR10_CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
#: Images per data_batch_i / test_batch in the fake archive: small, so tests stay fast.
FAKE_IMAGES_PER_BATCH = 200


# --------------------------------------------------------------------------- cores


def _cores_per_worker() -> int:
    """The cores this test process may keep busy: the machine's, shared by the xdist workers."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))


#: Processes a test's grading may keep busy at once: this xdist worker's share of the cores. The
#: suite is bound by CPU, and more busy processes than cores cost CPU-seconds, not only waiting:
#: two catalogs graded side by side on 2 cores took 12 % more CPU with two submissions at a time
#: each and plain nbgrader alongside than with one, and plain nbgrader after it.
GRADING_WORKERS = _cores_per_worker()


def grade_alongside(grade: Callable[[int], T], other: Callable[[], U]) -> tuple[T, U]:
    """``grade(workers)`` and ``other()``: side by side when this worker has a core to spare for
    ``other``, else one after the other, ``grade`` with every core there is."""
    if GRADING_WORKERS < 2:
        return grade(GRADING_WORKERS), other()
    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(other)
        return grade(GRADING_WORKERS - 1), later.result()


# --------------------------------------------------------------------------- environment


@pytest.fixture
def clean_dataset_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Unset every ``CS231N_*`` environment variable for the test; returns ``monkeypatch``."""
    for key in list(os.environ):
        if key.startswith("CS231N_"):
            monkeypatch.delenv(key)
    return monkeypatch


# --------------------------------------------------------------------------- CIFAR-10 data


def find_cifar10_subset() -> Path | None:
    """Return the shared subset's path (``$CS231N_CIFAR10_SUBSET`` first) if it exists."""
    from_env = os.environ.get("CS231N_CIFAR10_SUBSET", "").strip()
    path = Path(from_env).expanduser() if from_env else SHARED_CIFAR10_SUBSET
    return path if path.is_file() else None


@pytest.fixture(scope="session")
def cifar10_subset_file() -> Path | None:
    """Path of the shared ``cifar10_subset.npz`` (real CIFAR-10 images), or None if absent.

    Session-scoped, so it reads ``CS231N_CIFAR10_SUBSET`` before any function-scoped
    fixture (such as ``clean_dataset_env``) removes it.
    """
    return find_cifar10_subset()


@dataclass(frozen=True)
class FakeCifar10:
    """A tarball in the official CIFAR-10 python format and the arrays stored in it.

    ``X_*`` are ``(N, 32, 32, 3)`` uint8 HWC, ``y_*`` ``(N,)`` int64.
    """

    archive: Path
    md5: str
    sha256: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str  # "shared subset" or "random"

    @property
    def body(self) -> bytes:
        """The archive's bytes."""
        return self.archive.read_bytes()


def _batch_dict(
    images: np.ndarray, labels: np.ndarray, label: str, str_keys: bool
) -> dict[object, object]:
    key = (lambda k: k) if str_keys else (lambda k: k.encode())
    # Official layout: each row holds the R, G and B planes of a 32x32 image, row-major.
    data = np.ascontiguousarray(images.transpose(0, 3, 1, 2)).reshape(len(images), 3072)
    return {
        key("batch_label"): label if str_keys else label.encode(),
        key("labels"): [int(v) for v in labels],
        key("data"): data,
        key("filenames"): [f"image_{i:05d}.png" for i in range(len(images))],
    }


def _add_bytes(tar: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(payload))


def write_cifar10_archive(
    path: Path,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    class_names: Sequence[str] = CIFAR10_CLASS_NAMES,
    *,
    str_keys: bool = False,
    omit: Sequence[str] = (),
    extra_members: Sequence[tuple[str, bytes]] = (),
) -> Path:
    """Write a ``.tar.gz`` laid out like ``cifar-10-python.tar.gz``.

    Parameters
    ----------
    path : Path
        Archive to write.
    X_train, y_train : np.ndarray
        ``(N, 32, 32, 3)`` uint8 images and ``(N,)`` labels, split evenly over
        ``data_batch_1`` .. ``data_batch_5`` (N must be a multiple of 5).
    X_test, y_test : np.ndarray
        ``(M, 32, 32, 3)`` uint8 images and ``(M,)`` labels for ``test_batch``.
    class_names : sequence of str
        ``label_names`` of ``batches.meta``.
    str_keys : bool
        Pickle dicts with ``str`` keys (as Python 2 pickles read with ``latin1``) instead of
        the ``bytes`` keys of a Python 3 ``encoding="bytes"`` read.
    omit : sequence of str
        File names (e.g. ``"data_batch_3"``) to leave out.
    extra_members : sequence of (str, bytes)
        Further members written verbatim, e.g. ``("../evil", b"x")``.
    """
    if len(X_train) % 5:
        raise ValueError(f"X_train must split into 5 equal batches, got {len(X_train)} images")
    key = (lambda k: k) if str_keys else (lambda k: k.encode())
    files: dict[str, object] = {}
    for i, (images, labels) in enumerate(
        zip(np.split(X_train, 5), np.split(y_train, 5), strict=True), start=1
    ):
        files[f"data_batch_{i}"] = _batch_dict(
            images, labels, f"training batch {i} of 5", str_keys
        )
    files["test_batch"] = _batch_dict(X_test, y_test, "testing batch 1 of 1", str_keys)
    files["batches.meta"] = {
        key("num_cases_per_batch"): len(X_train) // 5,
        key("label_names"): [n if str_keys else n.encode() for n in class_names],
        key("num_vis"): 3072,
    }
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        info = tarfile.TarInfo("cifar-10-batches-py")
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
        for name, content in files.items():
            if name not in omit:
                _add_bytes(tar, f"cifar-10-batches-py/{name}", pickle.dumps(content, protocol=2))
        for name, payload in extra_members:
            _add_bytes(tar, name, payload)
    return path


@pytest.fixture(scope="session")
def cifar10_archive_builder() -> Callable[..., Path]:
    """The function :func:`write_cifar10_archive` (see its docstring for the arguments)."""
    return write_cifar10_archive


def _source_images(subset: Path | None) -> tuple[np.ndarray, ...]:
    n_train, n_test = 5 * FAKE_IMAGES_PER_BATCH, FAKE_IMAGES_PER_BATCH
    if subset is not None:
        with np.load(subset, allow_pickle=False) as npz:
            return (
                npz["X_train"][:n_train],
                npz["y_train"][:n_train].astype(np.int64),
                npz["X_test"][:n_test],
                npz["y_test"][:n_test].astype(np.int64),
            )
    rng = np.random.default_rng(1234)
    return (
        rng.integers(0, 256, size=(n_train, 32, 32, 3), dtype=np.uint8),
        rng.integers(0, 10, size=n_train, dtype=np.int64),
        rng.integers(0, 256, size=(n_test, 32, 32, 3), dtype=np.uint8),
        rng.integers(0, 10, size=n_test, dtype=np.int64),
    )


@pytest.fixture(scope="session")
def fake_cifar10_archive(
    tmp_path_factory: pytest.TempPathFactory, cifar10_subset_file: Path | None
) -> FakeCifar10:
    """A small ``cifar-10-python.tar.gz`` look-alike (1,000 train + 200 test images).

    Built from the shared real-image subset when present, else from random images. Treat
    the archive as read-only: it is shared by every test of the session.
    """
    X_train, y_train, X_test, y_test = _source_images(cifar10_subset_file)
    archive = tmp_path_factory.mktemp("fake_cifar10") / "cifar-10-python.tar.gz"
    write_cifar10_archive(archive, X_train, y_train, X_test, y_test)
    body = archive.read_bytes()
    return FakeCifar10(
        archive=archive,
        md5=hashlib.md5(body).hexdigest(),
        sha256=hashlib.sha256(body).hexdigest(),
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        class_names=CIFAR10_CLASS_NAMES,
        source="shared subset" if cifar10_subset_file is not None else "random",
    )


# --------------------------------------------------------------------------- local HTTP


class LocalHTTPServer:
    """Serves in-memory files on 127.0.0.1 from a background thread.

    ``serve(path, body, mode)`` publishes ``body`` at ``path`` (e.g. ``"/data.tar.gz"``);
    ``mode`` is ``"ok"``, ``"truncated"`` (announces the full Content-Length, sends half,
    closes), ``"corrupt"`` (one byte flipped, correct length) or ``"no-length"`` (no
    Content-Length header). Unknown paths get 404. ``requests[path]`` counts GETs.
    """

    MODES = ("ok", "truncated", "corrupt", "no-length")

    def __init__(self) -> None:
        self.routes: dict[str, tuple[bytes, str]] = {}
        self.requests: Counter[str] = Counter()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _FileHandler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        """Full URL of ``path``."""
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes, mode: str = "ok") -> str:
        """Publish ``body`` at ``path`` in ``mode``; return its URL."""
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        self.routes[path] = (body, mode)
        return self.url(path)

    def close(self) -> None:
        """Stop serving and release the port."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class _FileHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (name required by BaseHTTPRequestHandler)
        owner: LocalHTTPServer = self.server.owner  # type: ignore[attr-defined]
        owner.requests[self.path] += 1
        if self.path not in owner.routes:
            self.send_error(404, "Not Found")
            return
        body, mode = owner.routes[self.path]
        if mode == "corrupt":
            damaged = bytearray(body)
            damaged[len(damaged) // 2] ^= 0xFF
            body = bytes(damaged)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode != "no-length":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "truncated" else body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep test output quiet


@pytest.fixture
def local_http_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHTTPServer]:
    """A :class:`LocalHTTPServer` on a free port, shut down after the test."""
    # Never send 127.0.0.1 requests through a proxy configured in the environment.
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    server = LocalHTTPServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def closed_port_url(monkeypatch: pytest.MonkeyPatch) -> str:
    """A URL on 127.0.0.1 where nothing listens, so connecting is refused."""
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"


# --------------------------------------------------------------------------- shared across workers


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's base temporary folder, the same for every xdist worker."""
    own = tmp_path_factory.getbasetemp()
    return own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own


@pytest.fixture(scope="session", autouse=True)
def shared_releases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Released test courses are built once per session and copied (see tests/releases.py)."""
    from . import releases

    releases.FOLDER = shared_folder(tmp_path_factory) / "releases"
    yield releases.FOLDER
    releases.FOLDER = None


def once_for_all_workers(tmp_path_factory: pytest.TempPathFactory, name: str,
                         compute: Callable[[Path], dict]) -> dict:
    """Run ``compute(folder)`` once per test session, whatever the number of xdist workers.

    The first worker to arrive computes (in a fresh folder under the session's shared base
    temp) and stores the JSON-able result; the others wait on a file lock and read it
    (:func:`tests.releases.build_once`).
    """
    import json

    from .releases import build_once

    def build(folder: Path) -> None:
        (folder / "result.json").write_text(json.dumps(compute(folder)))

    folder = build_once(shared_folder(tmp_path_factory) / name, build)
    return json.loads((folder / "result.json").read_text())


@dataclass(frozen=True)
class DemoClass:
    """The README's first command, ``cs231n-kit demo svm``, as it ran: its course and its output."""

    root: Path  #: the demo course it released, wrote and graded (shared: copy it before changing it)
    returncode: int
    stdout: str
    stderr: str

    def reports(self) -> dict:
        """Student -> the local grader's StudentReport, as the batch's report.json recorded it."""
        import json

        from cs231n_utils.grader.records import StudentReport

        rows = json.loads((self.root / "grading" / "svm" / "report.json").read_text())
        return {r["student"]: StudentReport.from_dict(r) for r in rows}

    def copy(self, dest: Path) -> Path:
        """A copy of the demo course at ``dest``, to grade again (its grading folder left out)."""
        import shutil

        shutil.copytree(self.root, dest, ignore=shutil.ignore_patterns("grading"))
        return dest


@pytest.fixture(scope="session")
def demo_class(tmp_path_factory: pytest.TempPathFactory) -> DemoClass:
    """``cs231n-kit demo svm`` run once per session (the demo class the notebook, Slurm and
    Gradescope tests compare with: full, blank and half, graded locally on digits)."""
    import subprocess
    import sys

    def run(folder: Path) -> dict:
        out = subprocess.run([sys.executable, "-m", "cs231n_utils.cli", "demo", "svm", "--dir",
                              str(folder / "demo")], capture_output=True, text=True, timeout=900)
        return {"root": str(folder / "demo"), "returncode": out.returncode, "stdout": out.stdout,
                "stderr": out.stderr[-3000:]}

    saved = once_for_all_workers(tmp_path_factory, "demo_svm", run)
    return DemoClass(Path(saved["root"]), saved["returncode"], saved["stdout"], saved["stderr"])
