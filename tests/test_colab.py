"""The first code cell of every notebook: installs the kit in a hosted notebook (Colab), does
nothing in a checkout.

The slow test runs that cell, as plain Python, in a fresh virtual environment outside any
checkout, with ``CS231N_KIT_SOURCE`` pointing at a copy of this repository's package (PyPI is
used for the dependencies only), then loads the digits dataset there.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cs231n_utils import course

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "assignments").glob("*/*.ipynb"))
SOLUTIONS = sorted((REPO / "solutions").glob("*/*.ipynb"))


def install_cell(path: Path) -> str:
    """The source of the notebook's first code cell, checked to be the install cell."""
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "CS231N_KIT_SOURCE" in first.source, f"{path}: the first code cell must be the install cell"
    return first.source


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_every_notebook_starts_with_the_template_install_cell(path):
    assert install_cell(path) == course.install_cell_template()
    lines = [line.strip() for line in install_cell(path).splitlines()]
    assert not any(line.startswith(("%", "!")) for line in lines)  # plain Python: no magics


def test_the_install_cell_installs_the_kit_with_its_declared_runtime_only():
    """One pip install of the kit itself: its dependencies are pyproject.toml's, no hand-kept list."""
    cell = install_cell(NOTEBOOKS[0])
    assert re.search(r"\"install\", \"--quiet\", KIT_SOURCE\]", cell), cell
    assert "--no-deps" not in cell and "nbgrader" not in cell
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    runtime = {re.split(r"[<>=!\[ ]", d)[0] for d in pyproject["project"]["dependencies"]}
    assert not runtime & {"nbgrader", "jupyterlab", "notebook"}, runtime
    assert {"nbgrader", "jupyterlab"} <= {re.split(r"[<>=!\[ ]", d)[0]
                                         for d in pyproject["project"]["optional-dependencies"]["instructor"]}


def test_the_install_cell_does_nothing_where_the_kit_is_installed(tmp_path):
    env = dict(os.environ, CS231N_KIT_SOURCE=str(tmp_path / "must-not-be-used"))
    out = subprocess.run([sys.executable, "-c", install_cell(NOTEBOOKS[0])], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")


@pytest.mark.slow
def test_the_install_cell_installs_the_kit_in_a_fresh_environment(tmp_path):
    """About a minute: a new venv, the kit from a local copy, its dependencies from PyPI."""
    source = tmp_path / "kit"  # a copy, so that pip builds nothing inside the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "cs231n_utils", source / "cs231n_utils",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    work = tmp_path / "work"  # an empty folder, as in a hosted notebook
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CS231N_", "PYTHON", "VIRTUAL_ENV"))}
    # PIP_COMPILE=0: pip does not byte-compile the whole of scipy, scikit-learn and matplotlib
    # (about 10 s of CPU); Python compiles what the checks below import, as it would anyway.
    env.update(CS231N_KIT_SOURCE=str(source), PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_COMPILE="0",
               OPENBLAS_NUM_THREADS="1", CS231N_DATA_HOME=str(tmp_path / "data"))
    out = subprocess.run([str(python), "-c", install_cell(NOTEBOOKS[0])], cwd=work, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"installing the kit from {source}" in out.stdout and out.stderr == ""
    check = ("import cs231n_utils, cs231n_utils.selfcheck, cs231n_utils.interactive\n"
             "from cs231n_utils.datasets import load_dataset\n"
             "data = load_dataset('digits')\n"
             "print(cs231n_utils.__file__)\n"
             "print(data.X_train.shape, len(data.class_names))\n")
    out = subprocess.run([str(python), "-c", check], cwd=work, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    where, shape = out.stdout.splitlines()[-2:]
    assert str(venv) in where and str(REPO) not in where
    assert shape == "(1197, 3073) 10"
    # The self-check runs a student notebook end to end there, without nbgrader or JupyterLab.
    shutil.copy2(NOTEBOOKS[-1], work / NOTEBOOKS[-1].name)
    check = ("import importlib.util\n"
             "assert importlib.util.find_spec('nbgrader') is None, 'nbgrader was installed'\n"
             "assert importlib.util.find_spec('jupyterlab') is None, 'jupyterlab was installed'\n"
             "from cs231n_utils import selfcheck\n"
             f"report = selfcheck.check_notebook({NOTEBOOKS[-1].name!r}, dataset='digits')\n"
             "print(report.summary())\n"
             "assert report.results and not report.all_visible_passed\n")
    out = subprocess.run([str(python), "-c", check], cwd=work, env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert "visible-test points" in out.stdout
    # Run again: now the kit is there and the cell is silent.
    out = subprocess.run([str(python), "-c", install_cell(NOTEBOOKS[0])], cwd=work, env=env,
                         capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
