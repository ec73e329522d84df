"""The solution notebooks' check cells never call right code wrong, on every dataset.

A check cell is an ungraded cell that shows the student a verdict or a value to compare with (see
:func:`is_check_cell`). Each solution notebook is cut down to its check cells and the cells they
need (setup and data, the solution cells that define what they call: :func:`check_core`), run in
a fresh kernel, and every check cell's output is read: none may raise, warn, say DISAGREES, FAILED
or wrong, or print a relative error that calls a gradient wrong, since the code is the solution's.

Three datasets: digits (the default suite); and, with ``CS231N_REAL_DATA=1`` (a CI step of
its own, they take minutes), the real CIFAR-10 subset and CIFAR-10-sized data (the subset's
training images tiled to the official 50,000, served as the default ``cifar10`` dataset, so that
the splits are CIFAR-10's: 49,000 training, 1,000 validation, a dev set of 500).
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from cs231n_utils import config, course, selfcheck
from cs231n_utils.grader.job import JOB_ENV

from .catalog.harness import _bound_and_used
from .conftest import _batch_dict, once_for_all_workers

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ("svm", "softmax", "optimization", "features", "logistic")
FULL = os.environ.get("CS231N_REAL_DATA") == "1"
full_only = pytest.mark.skipif(not FULL, reason="CIFAR-10 check cells take minutes: set "
                               "CS231N_REAL_DATA=1 (a CI step of its own, .ci/run)")

pytestmark = pytest.mark.slow

#: Helpers whose output is a verdict on the student's code.
CHECK_HELPERS = frozenset({"compare_implementations", "check_gradient_numerically",
                           "numerical_gradient_error", "grad_check_sparse", "judge_gradient", "rel_error"})
#: A cell titled as a check ("# Check: ...", "# Check 1: ...").
CHECK_TITLE = re.compile(r"#\s*Check\b")
#: What a check cell must never show about right code.
ALARM = re.compile(r"DISAGREE|FAILED|\bwrong\b|Traceback|Warning\b", re.IGNORECASE)
#: A relative error printed for the student ("relative error: 6.41e-02") ...
RELATIVE_ERROR = re.compile(r"relative error:?\s*(\d\.\d+e[-+]\d+)")
#: ... above this tells a right gradient it is wrong ("above 1e-2 one of them is most likely wrong",
#: rel_error's docstring), unless the line says the entry sits on a kink.
LARGE_RELATIVE_ERROR = 1e-3
#: Tiles of the subset's 10,000 training images: CIFAR-10's 50,000.
TILES = 5


def is_check_cell(cell: nbformat.NotebookNode) -> bool:
    """An ungraded code cell that shows a verdict or a value to compare with: titled ``# Check``,
    calling a checking helper, or printing an ``(expected ...)`` value."""
    meta = cell.metadata.get("nbgrader", {})
    if cell.cell_type != "code" or meta.get("grade") or meta.get("solution"):
        return False
    _, used = _bound_and_used(cell.source)
    return bool(CHECK_TITLE.match(cell.source) or used & CHECK_HELPERS or "(expected" in cell.source)


def check_core(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[int]]:
    """The notebook's code cells that its check cells need, and where the check cells are in it.

    Kept: every check cell, every ``setup`` cell, and any other code cell (a solution, a helper
    of the notebook) that binds a name a kept cell after it reads, as in
    :func:`tests.catalog.harness.graded_core`. Dropped: graded tests, tuning, plots and timing
    cells that no check reads from.
    """
    nb = copy.deepcopy(nb)
    needed: set[str] = set()
    kept = []
    for cell in reversed(nb.cells):
        if cell.cell_type != "code":
            continue
        bound, used = _bound_and_used(cell.source)
        check = is_check_cell(cell)
        if check or "setup" in cell.metadata.get("tags", []) or bound & needed:
            kept.append((cell, check))
            needed |= used - bound
    kept.reverse()
    nb.cells = [cell for cell, _ in kept]
    return nb, [i for i, (_, check) in enumerate(kept) if check]


def _text(output: nbformat.NotebookNode) -> str:
    """What one output shows, as text."""
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("text", "")
    if kind == "error":
        return "\n".join([f"{output.get('ename')}: {output.get('evalue')}", *output.get("traceback", [])])
    return str(output.get("data", {}).get("text/plain", ""))


def alarms(cell: nbformat.NotebookNode) -> list[str]:
    """Everything in a cell's outputs that calls code wrong: errors, stderr (warnings), alarm words
    and large relative errors."""
    found = []
    for output in cell.get("outputs", []):
        text = _text(output)
        if output.get("output_type") == "error" or output.get("name") == "stderr":
            found.append(text.strip()[-1500:])
        else:
            found += [line.strip() for line in text.splitlines() if ALARM.search(line) or _large_error(line)]
    return found


def _large_error(line: str) -> bool:
    """Whether a line prints a relative error that would call a gradient wrong, kinks aside."""
    errors = [float(value) for value in RELATIVE_ERROR.findall(line)]
    return "kink" not in line and any(error > LARGE_RELATIVE_ERROR for error in errors)


def run_check_cells(assignment: str, dataset: str, cwd: Path) -> dict[str, list[str]]:
    """Run ``assignment``'s check core on ``dataset``; return the alarms of every cell that raised any.

    Keys are the cells' first lines (a check cell's alarms, or any kept cell's error).
    """
    nb = course.read_notebook(REPO / "solutions" / assignment / f"{assignment}.ipynb")
    core, checks = check_core(nb)
    assert checks, f"{assignment}: no check cell found"
    executed, note = selfcheck.execute(core, cwd, dataset=dataset)
    assert not note, note
    problems = {}
    for index, cell in enumerate(executed.cells):
        errors = [_text(out) for out in cell.outputs if out.output_type == "error"]
        found = alarms(cell) if index in checks else errors
        if found:
            problems[f"cell {index}: {cell.source.splitlines()[0]}"] = found
    return problems


def _report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}\n    " + "\n    ".join(found) for where, found in problems.items())


@pytest.fixture
def dataset_env(monkeypatch):
    """The kernels' environment: no developer's CS231N_* variables, one BLAS thread (two cores
    shared by kernels with a thread per core each ran the training check 9 times slower)."""
    for key in list(os.environ):
        if key.startswith("CS231N_"):
            monkeypatch.delenv(key)
    for key, value in JOB_ENV.items():  # one BLAS thread, as the kit's grading jobs
        monkeypatch.setenv(key, value)
    return monkeypatch


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_check_core_keeps_the_checks_and_drops_the_graded_cells(assignment):
    nb = course.read_notebook(REPO / "solutions" / assignment / f"{assignment}.ipynb")
    core, checks = check_core(nb)
    assert checks and all(is_check_cell(core.cells[i]) for i in checks)
    assert sum(map(is_check_cell, nb.cells)) == len(checks)
    assert not any(c.metadata.get("nbgrader", {}).get("grade") for c in core.cells)
    assert len(core.cells) < sum(c.cell_type == "code" for c in nb.cells)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_check_cells_on_digits(assignment, dataset_env, tmp_path):
    problems = run_check_cells(assignment, "digits", tmp_path)
    assert not problems, _report(problems)


@full_only
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_check_cells_on_the_cifar10_subset(assignment, cifar10_subset_file, dataset_env, tmp_path):
    if cifar10_subset_file is None:
        pytest.skip("the shared CIFAR-10 subset is not present (see /work/shared/data/README.md)")
    dataset_env.setenv(config.CIFAR10_SUBSET, str(cifar10_subset_file))
    problems = run_check_cells(assignment, "cifar10-subset", tmp_path)
    assert not problems, _report(problems)


@pytest.fixture(scope="module")
def cifar10_sized_home(cifar10_subset_file, tmp_path_factory) -> Path:
    """A data home holding CIFAR-10's batch files, filled with the subset's images tiled to 50,000."""
    if cifar10_subset_file is None:
        pytest.skip("the shared CIFAR-10 subset is not present (see /work/shared/data/README.md)")

    def build(folder: Path) -> dict:
        write_tiled_batches(cifar10_subset_file, folder / "home")
        return {"home": str(folder / "home")}

    return Path(once_for_all_workers(tmp_path_factory, "cifar10_sized_home", build)["home"])


def write_tiled_batches(subset: Path, home: Path) -> None:
    """Write ``home/cifar-10-batches-py`` as the official CIFAR-10 python batches, with the subset's
    training images tiled ``TILES`` times (50,000) and its 5,000 test images, then load it once so
    that its cache is built before the kernels read it."""
    import pickle

    from cs231n_utils import cifar10

    with np.load(subset, allow_pickle=False) as npz:
        X_train, y_train = np.tile(npz["X_train"], (TILES, 1, 1, 1)), np.tile(npz["y_train"], TILES)
        X_test, y_test, names = npz["X_test"], npz["y_test"], [str(n) for n in npz["class_names"]]
    batches = home / cifar10.BATCH_DIRNAME
    batches.mkdir(parents=True)
    parts = zip(np.split(X_train, 5), np.split(y_train, 5), strict=True)
    files = {f"data_batch_{i}": _batch_dict(X, y, f"training batch {i} of 5", str_keys=False)
             for i, (X, y) in enumerate(parts, start=1)}
    files["test_batch"] = _batch_dict(X_test, y_test, "testing batch 1 of 1", str_keys=False)
    files["batches.meta"] = {b"label_names": [n.encode() for n in names]}
    for name, content in files.items():
        (batches / name).write_bytes(pickle.dumps(content, protocol=4))
    assert len(cifar10.load_cifar10(home, progress=False)[0]) == len(X_train)


@full_only
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_check_cells_on_cifar10_sized_data(assignment, cifar10_sized_home, dataset_env, tmp_path):
    dataset_env.setenv(config.DATA_HOME, str(cifar10_sized_home))
    problems = run_check_cells(assignment, "cifar10", tmp_path)
    assert not problems, _report(problems)
