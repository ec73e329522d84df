"""Find a class's submissions and stage each in a scratch copy the sandbox may write to."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def find_submissions(course_root: Path, assignment: str) -> list[tuple[str, Path]]:
    """(student, submission folder) for every ``submitted/<student>/<assignment>/``."""
    base = Path(course_root) / "submitted"
    if not base.is_dir():
        return []
    return sorted((d.name, d / assignment) for d in base.iterdir() if (d / assignment).is_dir())


def _skip_in_copy(folder: str, names: list[str]) -> set[str]:
    """Checkpoints, and symbolic links other than notebooks (which the grader refuses itself)."""
    return {n for n in names if n == ".ipynb_checkpoints"
            or (os.path.islink(os.path.join(folder, n)) and not n.endswith(".ipynb"))}


def stage(student: str, folder: Path, assignment: str) -> tuple[Path, Path, str | None]:
    """Copy a student's submission folder to a new scratch folder.

    Returns
    -------
    scratch : Path
        The new folder (the caller removes it).
    workdir : Path
        ``scratch/work``: the copy, the sandbox's working directory.
    problem : str or None
        Why the submission must not be read at all (the folder is a symbolic link, which is
        never followed out of the student's own folder), else None.
    """
    scratch = Path(tempfile.mkdtemp(prefix=f"kit-{student[:20]}-"))
    workdir = scratch / "work"
    link = next((p for p in (folder.parent, folder) if p.is_symlink()), None)
    if link is None:
        shutil.copytree(folder, workdir, symlinks=True, ignore=_skip_in_copy)
        return scratch, workdir, None
    workdir.mkdir()
    where = f"submitted/{student}" + (f"/{assignment}" if link == folder else "")
    return scratch, workdir, f"{where} is a symbolic link (not followed): submit the files themselves"
