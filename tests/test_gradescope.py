"""The Gradescope autograder: the zip as the specification lays it out, run_autograder on the demo
class and on broken submissions, results.json checked against a schema written from the
specification, and the scores equal to the local grader's."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest

from cs231n_utils import config
from cs231n_utils.grader.gradescope import build_autograder
from cs231n_utils.grader.sandbox import MODES
from cs231n_utils.grading import Rubric, recording_rubrics
from cs231n_utils.outcomes import RequirementOutcome, TestOutcome

from .conftest import GRADING_WORKERS

#: One worker runs the whole module, so its module fixture is built once (not once per worker).
pytestmark = pytest.mark.xdist_group("gradescope")

SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
STUDENTS = ("full", "blank", "half")


def test_rubric_requirements_are_recorded_and_outcomes_round_trip():
    with recording_rubrics() as scored:
        rubric = Rubric("demo", points=2)
        with rubric.requirement("values", 1.5):
            pass
        with rubric.requirement("no loops", 0.5):
            raise AssertionError("a for loop")
        assert rubric.score() == 1.5
    assert [r.outcomes() for r in scored] == [[RequirementOutcome("values", 1.5, True),
                                              RequirementOutcome("no loops", 0.5, False, "a for loop")]]
    with_reqs = TestOutcome("demo", 2, 1.5, "no loops (-0.5): a for loop", scored[0].outcomes())
    assert TestOutcome.from_dict(json.loads(json.dumps(with_reqs.to_dict()))) == with_reqs
    plain = TestOutcome("t", 1, 1)  # a cell scored as a whole reads as it always did
    assert "requirements" not in plain.to_dict()
    assert TestOutcome.from_dict({"grade_id": "t", "points": 1, "score": 1}) == plain


def _unpack(zip_path: Path, root: Path) -> Path:
    """A folder laid out like Gradescope's /autograder, with the zip in source/."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")  # as Gradescope does
    os.chmod(root / "run_autograder", 0o755)
    (root / "submission").mkdir()
    return root


def _run_autograder(root: Path, python: str = sys.executable) -> dict:
    env = {**os.environ, config.GRADESCOPE_ROOT: str(root), config.GRADESCOPE_PYTHON: python}
    proc = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    return results


@pytest.fixture(scope="module")
def graded(tmp_path_factory, demo_class):
    """The demo class graded locally (``cs231n-kit demo svm``) and, submission by submission, by
    run_autograder."""
    base = tmp_path_factory.mktemp("gradescope")
    assert demo_class.returncode == 0, demo_class.stderr
    dest = demo_class.copy(base / "course")
    zip_path = base / "autograder.zip"
    build_autograder(dest, "svm", zip_path, dataset="digits")

    def autograde(student: str) -> dict:
        root = _unpack(zip_path, base / f"root-{student}")
        if student == "malformed":
            (root / "submission" / "svm.ipynb").write_text('{"cells": [')
        else:
            shutil.copy(dest / "submitted" / student / "svm" / "svm.ipynb", root / "submission" / "svm.ipynb")
        return _run_autograder(root)

    with ThreadPoolExecutor(max_workers=GRADING_WORKERS) as pool:
        results = dict(zip([*STUDENTS, "malformed"], pool.map(autograde, [*STUDENTS, "malformed"])))
    return zip_path, results, demo_class.reports()


@pytest.mark.slow
def test_zip_follows_the_layout_and_setup_fails_loudly(graded, tmp_path):
    zip_path, _, _ = graded
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "gradescope.json", "constraints.txt",
                "notebooks/solution/svm.ipynb", "notebooks/release/svm.ipynb",
                "kit/pyproject.toml", "kit/cs231n_utils/grader/gradescope.py"} <= names
        for script in ("setup.sh", "run_autograder"):
            assert zf.getinfo(script).external_attr >> 16 & 0o111, f"{script} is not executable"
        setup = zf.read("setup.sh").decode()
        cfg = json.loads(zf.read("gradescope.json"))
        constraints = zf.read("constraints.txt").decode()
    assert not any(n.endswith(".pyc") or "__pycache__" in n for n in names)
    assert "BEGIN HIDDEN TESTS" not in json.dumps(json.loads(zipfile.ZipFile(zip_path).read(
        "notebooks/release/svm.ipynb")))
    (tmp_path / "setup.sh").write_text(setup)
    assert subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")]).returncode == 0
    for line in ("set -euo pipefail", "apt-get install -y --no-install-recommends bubblewrap",
                 '-m pip install --constraint "$SOURCE/constraints.txt" "$SOURCE/kit[grader]"',
                 '"$VENV/bin/python" -c "import cs231n_utils.grader.gradescope"', "bwrap --version",
                 "libseccomp2", "syscall_filter.binding()"):
        assert line in setup, line
    assert cfg["dataset"] == "digits" and cfg["hidden"] == "after_published" and cfg["visible"] == "visible"
    for package in ("numpy", "scipy", "nbformat", "scikit-learn"):
        assert f"\n{package}==" in "\n" + constraints, package


@pytest.mark.slow
def test_scores_equal_the_local_graders_requirement_by_requirement(graded):
    _, results, local = graded
    for student in STUDENTS:
        res, report = results[student], local[student]
        assert res["score"] == pytest.approx(report.score), student
        assert res["extra_data"]["max_score"] == pytest.approx(report.max_score)
        assert sum(t["score"] for t in res["tests"]) == pytest.approx(report.score)
        for outcome in report.tests:  # each cell's entries add up to the cell's score and points
            entries = [t for t in res["tests"] if outcome.grade_id in t["tags"]]
            assert sum(t["score"] for t in entries) == pytest.approx(outcome.score), outcome
            assert sum(t["max_score"] for t in entries) == pytest.approx(outcome.points), outcome
        assert not res["extra_data"]["needs_review"], res["extra_data"]
        # The mode that ran, the same as the local grader's, for staff and in the output.
        assert res["extra_data"]["isolation"] == report.isolation and report.isolation in MODES
        assert f"Isolation: {report.isolation}" in res["output"]
    assert results["full"]["score"] == local["full"].max_score > 0
    assert results["blank"]["score"] == 0
    assert 0 < results["half"]["score"] < results["full"]["score"]


@pytest.mark.slow
def test_entries_say_what_failed_and_when_students_see_them(graded):
    _, results, _ = graded
    half = results["half"]["tests"]
    assert len(half) > 20  # one per requirement, not one per cell
    failed = [t for t in half if t["status"] == "failed"]
    assert failed and all(t["score"] == 0 and t["output"].startswith("**Failed**") for t in failed)
    assert {t["visibility"] for t in half} == {"visible", "after_published"}
    assert all(t["visibility"] == ("after_published" if "hidden" in t["tags"] else "visible") for t in half)
    assert results["full"]["leaderboard"][0]["name"] == "Validation accuracy"
    assert 0.5 < results["full"]["leaderboard"][0]["value"] <= 1
    assert "leaderboard" not in results["blank"]  # its tuning tests fail: no value to rank
    assert "Written answers" in results["full"]["output"]


@pytest.mark.slow
def test_a_malformed_notebook_scores_zero_and_asks_for_a_human(graded):
    res = graded[1]["malformed"]
    assert res["score"] == 0 and res["extra_data"]["needs_review"]
    review = [t for t in res["tests"] if "needs_review" in t["tags"]]
    assert review and "not valid notebook JSON" in review[0]["output"]


def test_results_are_written_even_when_grading_crashes(tmp_path):
    from cs231n_utils.grader import gradescope

    root = tmp_path / "root"

    zip_path = tmp_path / "a.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:  # only the scripts: gradescope.json is missing
        cfg = {"python": "3.11", "venv": "/opt/x", "data": "/opt/d", "subset": "s.npz", "dataset": "digits",
               "assignment": "a", "root_var": config.GRADESCOPE_ROOT, "python_var": config.GRADESCOPE_PYTHON,
               "budget": 60}
        zf.writestr("run_autograder", gradescope.RUN_AUTOGRADER.format(**cfg))
    _unpack(zip_path, root)
    crashed = _run_autograder(root)  # the grader raises: its own crash result
    assert crashed["score"] == 0 and crashed["extra_data"]["needs_review"]
    assert "FileNotFoundError" in crashed["output"]
    died = _run_autograder(root, python="/bin/false")  # the grader never starts: the script's result
    assert died["score"] == 0 and died["extra_data"]["needs_review"]
    assert "exit status 1" in died["output"]
