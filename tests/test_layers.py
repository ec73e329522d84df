"""The two layers: the student runtime never needs nbgrader, JupyterLab or the grader.

Students install the kit without the instructor's tools (a hosted notebook's install cell
does), so every module they use must import, and the self-check must run a notebook end to
end, with nbgrader and JupyterLab unimportable.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "cs231n_utils"
#: The modules that ship to students: data, checks, plots, timing, the demo, the self-check.
STUDENT_RUNTIME = ("config", "outcomes", "datasets", "cifar10", "download", "gradcheck", "grading",
                   "plotting", "loss_plots", "logistic_plots", "feature_data", "feature_plots", "timing",
                   "interactive", "selfcheck", "submissions")
INSTRUCTOR_ONLY = ("nbgrader", "jupyterlab", "cs231n_utils.grader", "cs231n_utils.course",
                   "cs231n_utils.cli", "cs231n_utils.site", "cs231n_utils.lms")


def _imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, at any depth of the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "cs231n_utils" if node.level == 1 else (node.module or "").split(".")[0]
            module = f"{base}.{node.module}" if node.level == 1 and node.module else (
                base if node.level == 1 else node.module or "")
            names.add(module)
            if node.level == 1 and not node.module:
                names.update(f"cs231n_utils.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize("module", STUDENT_RUNTIME)
def test_a_student_module_imports_nothing_of_the_instructor(module):
    bad = [name for name in _imports(PACKAGE / f"{module}.py")
           if any(name == x or name.startswith(x + ".") for x in INSTRUCTOR_ONLY)]
    assert not bad, f"cs231n_utils.{module} imports {bad}, which students do not install"


def test_every_module_is_in_a_layer():
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    instructor = {"course", "cli", "site", "lms"}
    assert modules - instructor == set(STUDENT_RUNTIME), sorted(modules - instructor ^ set(STUDENT_RUNTIME))


def _blocker(tmp_path: Path) -> dict[str, str]:
    """An environment in which nbgrader, JupyterLab and the grader cannot be imported."""
    block = tmp_path / "blocked"
    for name in ("nbgrader", "jupyterlab"):
        (block / name).mkdir(parents=True)
        (block / name / "__init__.py").write_text(f"raise ImportError('{name} is not installed here')\n")
    (block / "sitecustomize.py").write_text(
        "import sys\nsys.modules['cs231n_utils.grader'] = None  # the student runtime must not need it\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(block), str(REPO)]))
    env.pop("CS231N_DATASET", None)
    return env


def test_the_student_runtime_imports_without_the_instructors_tools(tmp_path):
    code = ("import importlib\n"
            f"for m in {STUDENT_RUNTIME!r}:\n    importlib.import_module('cs231n_utils.' + m)\n"
            "import sys\nbad = [m for m in sys.modules if m.split('.')[0] in ('nbgrader', 'jupyterlab')]\n"
            "assert not bad, bad\nprint('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], env=_blocker(tmp_path), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


@pytest.mark.slow
def test_the_self_check_runs_a_notebook_without_the_instructors_tools(tmp_path):
    """A student notebook, self-checked end to end on digits, nbgrader and JupyterLab blocked."""
    notebook = tmp_path / "optimization.ipynb"
    notebook.write_bytes((REPO / "assignments" / "optimization" / "optimization.ipynb").read_bytes())
    code = ("from cs231n_utils import selfcheck\n"
            f"report = selfcheck.check_notebook({str(notebook)!r}, dataset='digits')\n"
            "print(report.format())\n"
            "assert report.results and all(r.status in ('not attempted', 'hidden', 'not answered')\n"
            "                              for r in report.results), report.format()\n")
    out = subprocess.run([sys.executable, "-c", code], env=_blocker(tmp_path), capture_output=True,
                         text=True, timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "0 of" in out.stdout and "visible-test points" in out.stdout


def test_the_readme_gives_the_course_order():
    from cs231n_utils.course import COURSE_ORDER

    readme = (REPO / "README.md").read_text()
    start = readme.index("Work through them in this order")
    line = readme[start:readme.index("\n\n", start)]
    positions = [line.index(f"`{a}`") for a in COURSE_ORDER]
    assert positions == sorted(positions), (line, COURSE_ORDER)
