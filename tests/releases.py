"""One release of each test course per session, copied wherever a test needs a course.

Releasing a course runs ``nbgrader generate_assignment``, which also creates the gradebook
(about 5 s, most of it the gradebook's schema); the catalogs, the corpus and the toy-course tests
need the same few released courses dozens of times. :func:`released_copy` builds a course once
per test session, under a file lock in the session's shared temporary folder (so the xdist
workers build it once between them), and copies it, gradebook included, into the test's folder.

Outside a pytest session (no shared folder set by ``tests/conftest.py``) it simply builds the
course in place. :func:`build_once`, the lock-and-build-once step, also serves
``conftest.once_for_all_workers`` (a batch graded once, its results shared).
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from pathlib import Path

#: The session's folder of released courses; set by the ``shared_releases`` fixture of conftest.py.
FOLDER: Path | None = None
_DONE = ".built"


def build_once(folder: Path, build: Callable[[Path], object]) -> Path:
    """``folder``, made by ``build(folder)`` the first time any xdist worker of the session asks.

    The first to arrive builds, under a file lock beside the folder; the others wait, then find
    it built. A build interrupted earlier in the session is started again from an empty folder.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(f"{folder.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / _DONE).is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / _DONE).touch()
    return folder


def released_copy(key: str, build: Callable[[Path], object], dest: Path) -> Path:
    """``dest`` holding a copy of the course ``build(folder)`` makes, built once per session.

    Parameters
    ----------
    key : str
        Names the course: calls with the same key get copies of one build (the key must say
        everything ``build`` depends on).
    build : callable
        Writes and releases a course in the (empty) folder it is given.
    dest : Path
        The test's course folder; created if missing, files of the course overwrite its own.

    Returns
    -------
    Path
        ``dest``.
    """
    dest = Path(dest)
    if FOLDER is None:
        build(dest)
        return dest
    built = build_once(FOLDER / key, build)
    shutil.copytree(built, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(_DONE))
    return dest
