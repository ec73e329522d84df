"""Set-up checks: the README's commands, CI, the JupyterLab extension, the command line."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cs231n_utils.cli import build_parser

REPO = Path(__file__).resolve().parents[1]


def readme_commands():
    block = re.search(r"```bash\n(.*?)```", (REPO / "README.md").read_text(), re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_readme_starts_with_the_two_setup_commands():
    demo, tests = readme_commands()[:2]
    assert demo.startswith("python3 -m venv .venv") and demo.endswith("cs231n-kit demo")
    assert "pytest" in tests and tests.startswith("python3 -m venv .venv")


def test_ci_runs_the_readme_test_command():
    assert readme_commands()[1].replace(" -q", "") in (REPO / ".ci/run").read_text().replace(" -q", "")


def test_pyproject_and_environment_agree_on_key_pins():
    pyproject = (REPO / "pyproject.toml").read_text()
    env = (REPO / "environment.yml").read_text()
    assert '"nbgrader==0.9.6"' in pyproject and "nbgrader=0.9.6" in env
    assert '"jupyterlab>=4.3,<4.7"' in pyproject and "jupyterlab>=4.3,<4.7" in env


def test_jupyterlab_lists_nbgrader_extension_enabled():
    out = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"],
                         capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    line = next((ln for ln in text.splitlines() if "@jupyter/nbgrader" in ln), None)
    assert line is not None, text
    assert "enabled" in line and "OK" in line, line


@pytest.mark.parametrize("command", ["release", "check-sync", "autograde", "grade", "feedback",
                                     "export", "grades", "demo", "lab", "download", "report", "similarity"])
def test_cli_has_the_instructor_commands(command):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([command, "--help"])
    assert info.value.code == 0


def test_cli_explains_a_missing_course_folder(tmp_path):
    out = subprocess.run([sys.executable, "-m", "cs231n_utils.cli", "grades", "svm",
                          "--course", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode != 0 and "not a course folder" in out.stderr
