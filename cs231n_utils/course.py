"""Drive nbgrader on a course folder: release, autograde, feedback, export, grade tables.

The course folder follows nbgrader's standard layout (``solutions/`` is the source folder,
``assignments/`` the release folder, ``submitted/<student>/<assignment>/`` the submissions,
``gradebook.db`` the SQLite gradebook), configured by ``nbgrader_config.py`` at its root.
nbgrader is run as a subprocess of this Python so that its helpers (``alembic``) are found
without activating a virtual environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import nbformat

from . import config
from .outcomes import TestOutcome


class CourseError(RuntimeError):
    """An nbgrader step failed or the course folder is not laid out as expected."""


def repo_root() -> Path | None:
    """The checkout this package was installed from, if any (it holds nbgrader_config.py)."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "nbgrader_config.py").is_file() and (root / "solutions").is_dir() else None


def nbgrader_env(dataset: str | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for nbgrader subprocesses: this interpreter's bin first on PATH.

    ``dataset`` sets ``CS231N_DATASET``; ``extra`` adds further variables (say the data ones, or
    BLAS threads), for this run only: this process's environment is left as it is.
    """
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")
    env.update(extra or {})
    if dataset:
        env[config.DATASET] = dataset
    return env


#: ``python -m nbgrader``, without the optional imports that cost each run seconds
#: (:func:`cs231n_utils.config.skip_slow_optional_imports`).
NBGRADER_MAIN = ("import sys; from cs231n_utils.config import skip_slow_optional_imports; "
                 "skip_slow_optional_imports(); sys.argv[0] = 'nbgrader'; "
                 "from nbgrader.apps.nbgraderapp import main; main()")


def run_nbgrader(args: list[str], course_root: Path, dataset: str | None = None,
                 quiet: bool = False, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in ``course_root``; raise CourseError with its log on failure.

    ``dataset`` and ``env`` (further variables) are as in :func:`nbgrader_env`.
    """
    course_root = Path(course_root)
    if not (course_root / "nbgrader_config.py").is_file():
        raise CourseError(f"{course_root} has no nbgrader_config.py: is it a course folder?")
    cmd = [sys.executable, "-c", NBGRADER_MAIN, *args]
    proc = subprocess.run(cmd, cwd=course_root, env=nbgrader_env(dataset, env), text=True,
                          capture_output=True)
    if not quiet and proc.stdout:
        print(proc.stdout, end="")
    if proc.returncode != 0:
        raise CourseError(
            f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}) in {course_root}:\n"
            f"{proc.stderr[-4000:]}"
        )
    return proc


#: The assignments in the order students take them (README, site, demo); any other folder of
#: solutions/ follows, alphabetically.
COURSE_ORDER = ("svm", "softmax", "optimization", "features", "logistic")


def source_assignments(course_root: Path) -> list[str]:
    """Assignment names, in course order: the folders of solutions/ that hold a notebook."""
    src = Path(course_root) / "solutions"
    found = sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))
    return [a for a in COURSE_ORDER if a in found] + [a for a in found if a not in COURSE_ORDER]


#: Marks a notebook's install cell (its first code cell), which :func:`release` keeps equal to
#: the template ``cs231n_utils/install_cell.txt``.
INSTALL_MARK = "CS231N_KIT_SOURCE"


def install_cell_template() -> str:
    """The source every notebook's first code cell must have (it installs the kit when missing)."""
    return resources.files("cs231n_utils").joinpath("install_cell.txt").read_text().rstrip("\n")


def apply_install_cell(path: Path) -> bool:
    """Make the notebook's install cell the template's; return True when the file changed.

    A notebook whose first code cell is not an install cell (a course of the instructor's own
    that does not offer hosted notebooks) is left alone; tests/test_colab.py requires the
    kit's notebooks to have one.
    """
    nb = read_notebook(path)
    cell = next((c for c in nb.cells if c.cell_type == "code"), None)
    if cell is None or INSTALL_MARK not in cell.source:
        return False
    template = install_cell_template()
    if cell.source == template:
        return False
    cell.source = template
    nbformat.write(nb, path)
    return True


def release(course_root: Path, assignments: list[str] | None = None, quiet: bool = True) -> list[Path]:
    """Regenerate ``assignments/<a>/`` from ``solutions/<a>/`` with nbgrader.

    Returns the student notebooks written. The install cell of every source notebook is first
    made the template's (so the notebooks cannot drift apart). Outputs and execution counts are
    cleared and the notebooks are written in nbformat's canonical indented form, so a release
    is reproducible and the committed copies can be compared with a fresh one.
    """
    course_root = Path(course_root)
    names = assignments or source_assignments(course_root)
    written = []
    for name in names:
        if not (course_root / "solutions" / name).is_dir():
            raise CourseError(f"no solutions/{name}/ in {course_root}; assignments are "
                              f"{source_assignments(course_root)}")
        for source in sorted((course_root / "solutions" / name).glob("*.ipynb")):
            apply_install_cell(source)
        run_nbgrader(["generate_assignment", name, "--force"], course_root, quiet=quiet)
        for path in sorted((course_root / "assignments" / name).glob("*.ipynb")):
            normalise_notebook(path)
            written.append(path)
        shutil.rmtree(course_root / "assignments" / name / ".ipynb_checkpoints", ignore_errors=True)
    return written


def normalise_notebook(path: Path) -> None:
    """Clear outputs and execution counts and rewrite in canonical form."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, path)


def autograde(course_root: Path, assignment: str, dataset: str | None = None,
              students: list[str] | None = None, quiet: bool = True,
              env: Mapping[str, str] | None = None) -> None:
    """Autograde ``submitted/*/<assignment>`` (or the given students) into the gradebook.

    ``env``: further environment variables for the notebooks (see :func:`nbgrader_env`).
    """
    args = ["autograde", assignment, "--create", "--force"]
    for student in students or []:
        args += ["--student", student]
    run_nbgrader(args, course_root, dataset=dataset, quiet=quiet, env=env)


def feedback(course_root: Path, assignment: str, quiet: bool = True) -> None:
    """Write HTML feedback for every autograded submission into ``feedback/``."""
    run_nbgrader(["generate_feedback", assignment, "--force"], course_root, quiet=quiet)


def export(course_root: Path, to: Path | None = None, quiet: bool = True) -> Path:
    """Export the gradebook to CSV (nbgrader's own exporter)."""
    to = Path(to) if to else Path(course_root) / "grades.csv"
    run_nbgrader(["export", "--to", str(to.resolve())], course_root, quiet=quiet)
    return to


@dataclass
class StudentGrade:
    """One student's autograded result on one assignment."""

    student: str
    auto_score: float
    auto_max: float
    manual_max: float
    tests: list[TestOutcome] = field(default_factory=list)  #: the autograded test cells

    @property
    def cells(self) -> dict[str, tuple[float, float]]:
        """Test grade_id -> (score, points)."""
        return {t.grade_id: (t.score, t.points) for t in self.tests}

    @property
    def failed_cells(self) -> list[str]:
        """Autograded test cells that did not earn full points."""
        return [t.grade_id for t in self.tests if not t.passed]


def grade_table(course_root: Path, assignment: str) -> list[StudentGrade]:
    """Read autograded scores per student and per test cell from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    db = Path(course_root) / "gradebook.db"
    if not db.is_file():
        raise CourseError(f"no gradebook at {db}: run autograde first")
    rows = []
    with Gradebook(f"sqlite:///{db}") as gb:
        for student in sorted(s.id for s in gb.students):
            try:
                sub = gb.find_submission(assignment, student)
            except MissingEntry:
                continue
            auto = auto_max = manual_max = 0.0
            tests: list[TestOutcome] = []
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.cell_type == "code":
                        auto_max += grade.max_score
                        auto += grade.auto_score or 0.0
                        tests.append(TestOutcome(grade.name, float(grade.max_score),
                                                 float(grade.auto_score or 0.0)))
                    else:
                        manual_max += grade.max_score
            rows.append(StudentGrade(student, auto, auto_max, manual_max, tests))
    return rows


def format_grade_table(rows: list[StudentGrade]) -> str:
    """A markdown table: student, autograded score, hand-graded points pending, failed tests."""
    lines = ["| student | autograded | hand-graded (pending) | tests that lost points |",
             "|---|---|---|---|"]
    for r in rows:
        failed = ", ".join(r.failed_cells) or "none"
        lines.append(f"| {r.student} | {r.auto_score:g} / {r.auto_max:g} | {r.manual_max:g} | {failed} |")
    return "\n".join(lines)


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a notebook as nbformat v4."""
    return nbformat.read(Path(path), as_version=4)
