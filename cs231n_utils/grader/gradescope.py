"""Gradescope: an ``autograder.zip`` for one assignment, and the grading run inside it.

``cs231n-kit gradescope <assignment>`` (:func:`build_autograder`) writes a zip laid out as
Gradescope's autograder specification asks (gradescope-autograders.readthedocs.io, "Autograder
Specifications"): ``setup.sh`` and ``run_autograder`` at its root, unpacked into
``/autograder/source`` when Gradescope builds the image::

    setup.sh          bubblewrap, a Python, the kit and its pinned dependencies (runs once, as root)
    run_autograder    python -m cs231n_utils.grader.gradescope run; writes a results.json of its
                      own if that fails, so that there is always one
    gradescope.json   the configuration (:class:`AutograderConfig`)
    notebooks/        solution/ and release/ copies of the assignment's notebooks
    kit/              a source copy of the kit; constraints.txt: the versions it was tested with

For every submission Gradescope runs ``run_autograder`` as root with the student's files in
``/autograder/submission``; :func:`run` grades each notebook with
:func:`~cs231n_utils.grader.execute.grade_submission` (the student's code in the kit's sandbox
as an unprivileged uid, the tests in this process) and always writes
``/autograder/results/results.json`` (:func:`results_json`): one ``tests[]`` entry per graded
requirement, visible tests ``visible``, hidden ones ``after_published`` by default, written
answers left to Gradescope's manual grading. Parts of the specification this relies on:
``score``, ``max_score``, ``name``, ``number``, ``output`` with ``output_format`` ``md``,
``status`` (``passed``/``failed``), ``visibility`` (``visible``, ``hidden``, ``after_due_date``,
``after_published``), ``tags``, ``extra_data``, a top-level ``score``, ``output``,
``execution_time``, ``stdout_visibility`` and an optional ``leaderboard`` of
``{"name", "value", "order"}``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
import traceback
import zipfile
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from .. import config
from ..outcomes import TestOutcome
from ..submissions import is_test_cell, nbgrader_meta
from . import isolation
from .isolation import check_request as _check_isolation
from .records import Flag
from .sandbox import Limits

#: Visibility values the specification defines.
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
#: Where setup.sh puts the kit's Python environment and the data (Gradescope's image).
VENV = "/opt/cs231n-kit"
DATA_HOME = "/opt/cs231n-data"
SUBSET_NAME = "cifar10_subset.npz"
#: The notebook variable shown on the leaderboard, and its column.
LEADERBOARD_VALUE, LEADERBOARD_NAME = "best_val", "Validation accuracy"
HIDDEN_MARK = "### BEGIN HIDDEN TESTS"
#: Packages never pinned: pip's own build tools.
_UNPINNED = {"pip", "setuptools", "wheel", "linear-classifiers-kit"}


@dataclass(frozen=True)
class AutograderConfig:
    """What ``run_autograder`` needs to know about the assignment (``gradescope.json``)."""

    assignment: str
    notebooks: list[str]  #: file names, e.g. ["svm.ipynb"]
    dataset: str = "cifar10"  #: CS231N_DATASET for the notebooks
    visible: str = "visible"  #: visibility of the visible tests' entries
    hidden: str = "after_published"  #: visibility of the hidden tests' entries
    leaderboard: bool = True
    limits: Limits = field(default_factory=Limits)
    python: str = f"{sys.version_info.major}.{sys.version_info.minor}"  #: setup.sh installs this
    time_budget: int = 1800  #: seconds run_autograder may take before it gives up (and says so)
    isolation: str = "auto"  #: the sandbox's mode: auto (the strongest that works), or one required

    def data_env(self) -> dict[str, str]:
        """The data variables the notebooks run with inside Gradescope's image."""
        env = {config.DATASET: self.dataset}
        if self.dataset != "digits":
            env[config.DATA_HOME] = DATA_HOME
        if self.dataset == "cifar10-subset":
            env[config.CIFAR10_SUBSET] = f"{DATA_HOME}/{SUBSET_NAME}"
        return env

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> AutograderConfig:
        data = json.loads(text)
        data["limits"] = Limits(**data.get("limits", {}))
        return cls(**data)


# -- results.json --------------------------------------------------------------------------------


def _md(text: str) -> str:
    """``text`` with markdown's special characters escaped (messages hold ``W*W`` and ``x_i``)."""
    return "".join("\\" + c if c in "\\`*_[]<>#|~" else c for c in text)


def _title(cell: NotebookNode) -> str:
    """A test cell's first comment line (what it checks), without the '#'."""
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return first.lstrip("#").strip() if first.startswith("#") else ""


def _is_hidden(cell: NotebookNode) -> bool:
    return HIDDEN_MARK in cell.source


def _entries(outcome: TestOutcome, cell: NotebookNode | None, number: int,
             cfg: AutograderConfig) -> list[dict[str, Any]]:
    """The ``tests[]`` entries of one test cell: one per requirement, or one for the whole cell."""
    hidden = cell is not None and _is_hidden(cell)
    common = {"visibility": cfg.hidden if hidden else cfg.visible, "output_format": "md",
              "tags": [outcome.grade_id, "hidden" if hidden else "visible"]}
    if outcome.requirements:
        return [{"name": f"{outcome.grade_id}: {r.what}", "number": f"{number}.{j}",
                 "score": r.score, "max_score": r.share, "status": "passed" if r.passed else "failed",
                 "output": "Passed." if r.passed else f"**Failed** (-{r.share:g}): {_md(r.message)}",
                 **common} for j, r in enumerate(outcome.requirements, start=1)]
    title = _title(cell) if cell is not None else ""
    output = ("Passed." if outcome.passed else
              f"**{outcome.score:g} of {outcome.points:g}**: {_md(outcome.message) or 'failed'}")
    return [{"name": f"{outcome.grade_id}" + (f": {title}" if title else ""), "number": f"{number}",
             "score": outcome.score, "max_score": outcome.points,
             "status": "passed" if outcome.passed else "failed", "output": output, **common}]


def _review_entry(flags: list[Flag]) -> dict[str, Any]:
    return {"name": "Course staff will look at this submission", "score": 0.0, "max_score": 0.0,
            "status": "failed", "visibility": "visible", "output_format": "md", "tags": ["needs_review"],
            "output": "The autograder found something a person must check before this score stands:\n\n"
                      + "\n".join(f"- {_md(f.text)}" for f in flags)}


def results_json(cfg: AutograderConfig, sources: dict[str, NotebookNode], tests: list[TestOutcome],
                 flags: list[Flag], values: dict[str, float], seconds: float,
                 note: str = "", isolation: str = "") -> dict[str, Any]:
    """Gradescope's ``results.json`` for one graded submission.

    Parameters
    ----------
    cfg : AutograderConfig
    sources : dict
        Notebook file name -> the instructor's notebook (to tell visible tests from hidden ones).
    tests : list of TestOutcome
        Every test cell's outcome, in notebook order.
    flags : list of Flag
        What a human should know; a flag that needs review adds a 0-point entry saying so.
    values : dict
        Plain numbers the tests read from the submission (``best_val`` feeds the leaderboard).
    seconds : float
        Grading time.
    note : str
        A sentence for the top-level output (e.g. which file was graded).
    isolation : str
        The isolation mode the submission's code ran under (``extra_data["isolation"]`` and an
        ``Isolation:`` line of the output, which ``stdout_visibility`` does not hide).
    """
    cells = {nbgrader_meta(c).get("grade_id"): c for nb in sources.values()
             for c in filter(is_test_cell, nb.cells)}
    entries = [e for k, t in enumerate(tests, start=1) for e in _entries(t, cells.get(t.grade_id), k, cfg)]
    review = [f for f in flags if f.needs_review]
    if review:
        entries.append(_review_entry(review))
    score, max_score = sum(t.score for t in tests), sum(t.points for t in tests)
    hidden_points = sum(t.points for t in tests if t.grade_id in cells and _is_hidden(cells[t.grade_id]))
    written = sum(_points(nb)[1] for nb in sources.values())
    lines = [f"**{cfg.assignment}**: the autograder's tests are worth {max_score:g} points."]
    if hidden_points:
        lines.append(f"Hidden tests ({hidden_points:g} points) are shown when grades are published "
                     "(your total with them too).")
    if written:
        lines.append(f"Written answers ({written:g} points) are graded by course staff.")
    if note:
        lines.append(note)
    if review:
        lines.append("**Course staff will look at this submission** before its score stands (see below).")
    if isolation:
        lines.append(f"Isolation: {isolation} (how the autograder ran your code)")
    result: dict[str, Any] = {
        "score": score, "execution_time": int(round(seconds)), "output": "\n\n".join(lines),
        "output_format": "md", "stdout_visibility": "hidden", "tests": entries,
        "extra_data": {"needs_review": bool(review), "flags": [f.to_dict() for f in flags],
                       "max_score": max_score, "isolation": isolation}}
    board = _leaderboard(cfg, cells, tests, values)
    if board:
        result["leaderboard"] = board
    return result


def _leaderboard(cfg: AutograderConfig, cells: dict[str, NotebookNode], tests: list[TestOutcome],
                 values: dict[str, float]) -> list[dict[str, Any]]:
    """The validation accuracy, when the notebook has one and every test that reads it (they
    check that it is what the student's weights really score) earned full marks."""
    from .static import referenced_globals

    value = values.get(LEADERBOARD_VALUE)
    checks = [t for t in tests if t.grade_id in cells
              and LEADERBOARD_VALUE in referenced_globals(cells[t.grade_id].source)]
    if (not cfg.leaderboard or value is None or not math.isfinite(value) or not 0 <= value <= 1
            or not checks or not all(t.passed for t in checks)):
        return []
    return [{"name": LEADERBOARD_NAME, "value": round(value, 4), "order": "desc"}]


def crash_results(what: str, detail: str = "") -> dict[str, Any]:
    """The results.json of a run that could not grade: 0 points, why, and a flag for a human."""
    text = (f"The autograder could not grade this submission: {_md(what)}\n\n"
            "Course staff have been told and will look at it; this 0 is not your grade.")
    return {"score": 0.0, "output": text, "output_format": "md", "stdout_visibility": "hidden",
            "tests": [{"name": "The autograder could not grade this submission", "score": 0.0,
                       "max_score": 0.0, "status": "failed", "visibility": "visible",
                       "output_format": "md", "output": text, "tags": ["needs_review"]}],
            "extra_data": {"needs_review": True, "error": what, "detail": detail[-4000:]}}


# -- the run inside Gradescope's container -------------------------------------------------------


class NotGraded(RuntimeError):
    """The submission could not be graded safely (e.g. its code would have run as root)."""


def _find_notebooks(submission: Path, names: list[str]) -> tuple[dict[str, Path | None], str]:
    """Each expected notebook's path in the submission (None when absent), and a note."""
    found = sorted(p for p in submission.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    paths: dict[str, Path | None] = {}
    for name in names:
        paths[name] = next((p for p in found if p.name == name), None)
    note = ""
    if len(names) == 1 and paths[names[0]] is None and len(found) == 1:
        paths[names[0]] = found[0]  # one notebook, renamed ("svm (1).ipynb"): grade it
        note = f"Graded {_md(found[0].name)} as {_md(names[0])}."
    missing = [n for n, p in paths.items() if p is None]
    if missing:
        uploaded = ", ".join(_md(p.name) for p in found) or "no notebook"
        note = (f"No {', '.join(_md(m) for m in missing)} in your submission (you uploaded {uploaded}): "
                "upload the assignment's notebook under its own name.")
    return paths, note


def probe_isolation(cfg: AutograderConfig) -> isolation.Probed:
    """The strongest isolation ``cfg`` allows that starts here (bubblewrap cannot start in
    Gradescope's containers; Landlock needs no privileges). Raises :class:`NotGraded` saying why
    when none can (never a grade of 0 for the student)."""
    try:
        return isolation.choose(cfg.isolation, cfg.limits, config.data_paths(cfg.data_env()))
    except isolation.IsolationUnavailable as exc:
        raise NotGraded(str(exc)) from None


def _lock_down(root: Path) -> None:
    """As root: the sources (hidden tests) and results readable and writable by root only."""
    if os.geteuid() == 0:
        for sub in ("source", "results"):
            if (root / sub).is_dir():
                os.chmod(root / sub, 0o700)


def grade(root: Path) -> dict[str, Any]:
    """Grade ``root/submission`` against ``root/source``; the results.json content."""
    from .collect import stage
    from .execute import grade_submission

    start = time.perf_counter()
    source = root / "source"
    cfg = AutograderConfig.from_json((source / "gradescope.json").read_text())
    os.environ.update(cfg.data_env())  # this process runs the setup and test cells
    _lock_down(root)
    probed = probe_isolation(cfg)
    print(f"isolation: {probed.summary()}")
    paths, note = _find_notebooks(root / "submission", cfg.notebooks)
    sources = {n: nbformat.read(source / "notebooks" / "solution" / n, as_version=4) for n in cfg.notebooks}
    tests: list[TestOutcome] = []
    flags: list[Flag] = []
    values: dict[str, float] = {}
    modes: list[str] = []
    readonly = config.data_paths(cfg.data_env())
    for name in cfg.notebooks:
        release = nbformat.read(source / "notebooks" / "release" / name, as_version=4)
        path = paths[name]
        folder = path.parent if path is not None else root / "submission"
        scratch, workdir, problem = stage("gradescope", folder, cfg.assignment)
        try:
            if path is None:
                problem = f"{name} is not in the submission"
            submitted = workdir / path.name if path is not None else workdir / name
            graded = grade_submission(sources[name], release, submitted, workdir, cfg.limits,
                                      readonly=readonly, isolation=cfg.isolation, expected=probed.mode,
                                      problem=problem)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        tests += graded.tests
        flags += graded.flags
        values.update(graded.values)
        modes += [graded.isolation] if graded.isolation and graded.isolation not in modes else []
        print(f"{name}: {graded.score:g} / {graded.max_score:g}, flags: {[f.text for f in graded.flags]}")
    return results_json(cfg, sources, tests, flags, values, time.perf_counter() - start, note,
                        isolation=", ".join(modes) or probed.mode)  # no notebook ran: the probe's


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def run(root: Path) -> dict[str, Any]:
    """Grade the submission under ``root`` (Gradescope's ``/autograder``) and write
    ``root/results/results.json`` whatever happens; returns what was written."""
    root = Path(root)
    try:
        results = grade(root)
    except NotGraded as exc:
        results = crash_results(str(exc))
    except BaseException as exc:  # noqa: BLE001 (the one place that must turn any failure into a result)
        detail = traceback.format_exc()
        print(detail, file=sys.stderr)
        results = crash_results(f"{type(exc).__name__}: {exc}", detail)
    _write_atomic(root / "results" / "results.json", results)
    return results


# -- building the zip ----------------------------------------------------------------------------

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu): bubblewrap,
# Python {python}, the kit and the exact versions of its dependencies it was tested with. Any
# failure stops the build with a message, rather than leaving an autograder that cannot grade.
set -euo pipefail
trap 'echo "setup.sh FAILED at line $LINENO (exit status $?): see the lines above" >&2' ERR

SOURCE=/autograder/source
VENV={venv}
DATA={data}
PY=python{python}
export DEBIAN_FRONTEND=noninteractive

apt-get update
apt-get install -y --no-install-recommends bubblewrap libseccomp2 ca-certificates
if ! apt-get install -y --no-install-recommends "$PY" "$PY-venv"; then
    echo "$PY is not in this image's archive: adding the deadsnakes PPA"
    apt-get install -y --no-install-recommends software-properties-common gpg-agent
    add-apt-repository -y ppa:deadsnakes/ppa
    apt-get update
    apt-get install -y --no-install-recommends "$PY" "$PY-venv"
fi

"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip
# The grader extra: libseccomp's binding, for the Landlock + seccomp sandbox (Gradescope's
# containers forbid the namespaces bubblewrap needs).
"$VENV/bin/python" -m pip install --constraint "$SOURCE/constraints.txt" "$SOURCE/kit[grader]"
"$VENV/bin/python" -c "import cs231n_utils.grader.gradescope"
"$VENV/bin/python" -c "from cs231n_utils.grader import syscall_filter; syscall_filter.binding()"
bwrap --version

mkdir -p "$DATA"
if [ -f "$SOURCE/data/{subset}" ]; then
    cp "$SOURCE/data/{subset}" "$DATA/{subset}"
fi
if [ "{dataset}" = cifar10 ]; then
    CS231N_DATA_HOME="$DATA" "$VENV/bin/cs231n-kit" download --data-home "$DATA"
fi
chmod -R a+rX "$DATA" "$VENV"
echo "setup.sh: the autograder for {assignment} is ready"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this, as root, for every submission. It grades /autograder/submission/*.ipynb
# with the kit's sandbox and always leaves results/results.json, even when grading fails.
set -uo pipefail
ROOT="${{{root_var}:-/autograder}}"
PYTHON="${{{python_var}:-{venv}/bin/python}}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1

mkdir -p "$ROOT/results"
rm -f "$ROOT/results/results.json"
timeout --kill-after=30 {budget} "$PYTHON" -m cs231n_utils.grader.gradescope run --root "$ROOT"
status=$?
if [ ! -s "$ROOT/results/results.json" ]; then
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        why="grading took longer than {budget} s"
    else
        why="the grader stopped with exit status $status"
    fi
    cat > "$ROOT/results/results.json" <<EOF
{{"score": 0.0,
 "output": "The autograder could not grade this submission ($why). Staff will look: this 0 is not a grade.",
 "output_format": "md", "stdout_visibility": "hidden",
 "tests": [{{"name": "The autograder could not grade this submission", "score": 0.0, "max_score": 0.0,
            "status": "failed", "visibility": "visible", "output": "$why", "tags": ["needs_review"]}}],
 "extra_data": {{"needs_review": true, "error": "$why"}}}}
EOF
fi
exit 0
"""


def _constraints() -> str:
    """``name==version`` for every package of this environment (pip's constraints file)."""
    pins = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name and name not in _UNPINNED:
            pins[name] = dist.version
    return "".join(f"{n}=={v}\n" for n, v in sorted(pins.items()))


def _kit_files() -> list[tuple[Path, str]]:
    """(file, path in the zip) for a source copy of the kit: pyproject.toml, README.md, the package."""
    from .. import course

    repo = course.repo_root()
    if repo is None or not (repo / "pyproject.toml").is_file():
        raise course.CourseError("building a Gradescope autograder needs the kit's checkout "
                                 "(pyproject.toml beside cs231n_utils/)")
    files = [(repo / "pyproject.toml", "kit/pyproject.toml"), (repo / "README.md", "kit/README.md")]
    for path in sorted((repo / "cs231n_utils").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files.append((path, f"kit/{path.relative_to(repo).as_posix()}"))
    return files


def build_autograder(course_root: Path, assignment: str, out: Path, *, dataset: str = "cifar10",
                     visible: str = "visible", hidden: str = "after_published", leaderboard: bool = True,
                     limits: Limits | None = None, python: str | None = None, time_budget: int = 1800,
                     subset: Path | None = None, isolation: str = "auto") -> AutograderConfig:
    """Write Gradescope's ``autograder.zip`` for ``assignment`` of the course at ``course_root``.

    Parameters
    ----------
    course_root : Path
        The course folder (``solutions/<assignment>/``; ``assignments/`` is released if missing).
    assignment : str
    out : Path
        The zip to write.
    dataset : str
        ``CS231N_DATASET`` the notebooks are graded on (``cifar10`` is downloaded by setup.sh;
        ``cifar10-subset`` needs ``subset``; ``digits`` needs nothing).
    visible, hidden : str
        Visibility of the visible and of the hidden tests' entries (one of :data:`VISIBILITIES`).
    leaderboard : bool
        Report the validation accuracy as a leaderboard entry.
    limits : Limits, optional
        The sandbox's limits.
    python : str, optional
        The Python version setup.sh installs (default: this one's, so that the pinned versions install).
    time_budget : int
        Seconds after which run_autograder stops grading and reports it.
    subset : Path, optional
        The ``.npz`` of ``cifar10-subset``, copied into the zip.
    isolation : str
        The sandbox's mode: ``auto`` (the strongest that starts in Gradescope's container) or one
        of :data:`.sandbox.MODES`, required (a submission is then not graded where it cannot run).

    Returns
    -------
    AutograderConfig
        What was written into ``gradescope.json``.
    """
    from .. import course

    for label, value in (("visible", visible), ("hidden", hidden)):
        if value not in VISIBILITIES:
            raise ValueError(f"{label} visibility must be one of {VISIBILITIES}, got {value!r}")
    if dataset not in ("cifar10", "cifar10-subset", "digits"):
        raise ValueError(f"dataset must be cifar10, cifar10-subset or digits, got {dataset!r}")
    if dataset == "cifar10-subset" and (subset is None or not Path(subset).is_file()):
        raise ValueError(f"cifar10-subset needs the subset's .npz file, got {subset}")
    course_root = Path(course_root).resolve()
    solutions = sorted((course_root / "solutions" / assignment).glob("*.ipynb"))
    if not solutions:
        raise course.CourseError(f"no notebook in solutions/{assignment}/")
    if not (course_root / "assignments" / assignment).is_dir():
        course.release(course_root, [assignment])
    cfg = AutograderConfig(assignment, [p.name for p in solutions], dataset, visible, hidden, leaderboard,
                           limits or Limits(), python or AutograderConfig.python, time_budget,
                           _check_isolation(isolation))
    fmt = {"python": cfg.python, "venv": VENV, "data": DATA_HOME, "subset": SUBSET_NAME, "dataset": dataset,
           "assignment": assignment, "root_var": config.GRADESCOPE_ROOT,
           "python_var": config.GRADESCOPE_PYTHON, "budget": time_budget}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, template in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o755 << 16  # executable once unpacked
            zf.writestr(info, template.format(**fmt))
        zf.writestr("gradescope.json", cfg.to_json())
        zf.writestr("constraints.txt", _constraints())
        for src in solutions:
            zf.write(src, f"notebooks/solution/{src.name}")
            zf.write(course_root / "assignments" / assignment / src.name, f"notebooks/release/{src.name}")
        for path, arcname in _kit_files():
            zf.write(path, arcname)
        if dataset == "cifar10-subset":
            zf.write(subset, f"data/{SUBSET_NAME}")
    return cfg


def _points(nb: NotebookNode) -> tuple[float, float]:
    """(autograded, hand-graded) points of a notebook: test cells, and written answers and tasks."""
    auto = manual = 0.0
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if is_test_cell(cell):
            auto += float(meta.get("points", 0))
        elif meta.get("grade") or meta.get("task"):
            manual += float(meta.get("points", 0))
    return auto, manual


def assignment_points(course_root: Path, cfg: AutograderConfig) -> tuple[float, float]:
    """(autograded, hand-graded) points of the assignment, for Gradescope's outline."""
    totals = [_points(nbformat.read(Path(course_root) / "solutions" / cfg.assignment / n, as_version=4))
              for n in cfg.notebooks]
    return sum(a for a, _ in totals), sum(m for _, m in totals)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cs231n_utils.grader.gradescope")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="grade root/submission and write root/results/results.json")
    p.add_argument("--root", default="/autograder")
    args = parser.parse_args(argv)
    results = run(Path(args.root))
    print(f"score {results.get('score')}; needs review: {results.get('extra_data', {}).get('needs_review')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
