"""Tests of the isolation layer: modes probed by starting them, a required mode that cannot run
stops before anyone is graded, a job graded with less than the batch asked for is flagged, the
mode named in every record, and a failed setup or data cell said as such.

The conditions a course grades in (namespaces forbidden, no bubblewrap, an ordinary user, a
Kubernetes pod, Gradescope's clean image) are tested end to end, with the demo class and the
adversarial corpus, by tests/test_isolation_conditions.py and tests/test_gradescope_image.py
(their own steps of .ci/run).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cs231n_utils import cli
from cs231n_utils.grader import isolation, sandbox
from cs231n_utils.grader.execute import grade_submission
from cs231n_utils.grader.records import FlagKind, JobResult, JobSpec, StudentReport
from cs231n_utils.grader.report import format_report
from cs231n_utils.outcomes import TestOutcome

from .toy_course import toy_source_notebook

LINUX = sys.platform.startswith("linux")


@pytest.fixture(autouse=True)
def _fresh_probes():
    isolation.forget()
    yield
    isolation.forget()


def _working(mode: str) -> bool:
    return not (mode == "bwrap" and sandbox.bwrap_path() is None) and not isolation.probe(mode)[1]


def test_the_cli_offers_every_request():
    assert cli.ISOLATION_CHOICES == isolation.REQUESTS
    assert [isolation.strength(m) for m in sandbox.MODES] == [3, 2, 1]
    with pytest.raises(ValueError, match="auto, bwrap, landlock, limits"):
        isolation.check_request("namespaces")


@pytest.mark.skipif(not LINUX, reason="Linux sandboxes")
def test_auto_picks_the_strongest_mode_that_starts():
    expected = next(m for m in sandbox.MODES if _working(m))
    probed = isolation.choose("auto")
    assert probed.mode == expected
    if os.geteuid() == 0:
        assert probed.uid != 0 or probed.mode == "landlock"  # never root with root's powers


@pytest.mark.skipif(not LINUX, reason="Linux sandboxes")
def test_without_bubblewrap_auto_falls_to_landlock_and_bwrap_required_stops(monkeypatch):
    if not _working("landlock"):
        pytest.skip("Landlock cannot start here")
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    probed = isolation.choose("auto")
    assert probed.mode == "landlock" and "bubblewrap is not installed" in probed.problems["bwrap"]
    with pytest.raises(isolation.IsolationUnavailable) as info:
        isolation.choose("bwrap")
    assert "nobody was graded" in str(info.value) and "apt-get install bubblewrap" in str(info.value)


@pytest.mark.skipif(not LINUX, reason="Linux sandboxes")
def test_a_mode_that_starts_but_does_not_confine_fails_its_probe(monkeypatch):
    """The probe reads a file beside the scratch folder: a 'landlock' that let it through fails."""
    monkeypatch.setattr(sandbox, "_landlock_reads", lambda readonly: [Path("/")])
    uid, why = isolation.probe("landlock")
    assert uid == -1 and "outside its folder" in why


def test_advice_names_what_to_change():
    denied = "bwrap: Creating new namespace failed: Operation not permitted"
    assert "seccomp" in isolation.advice("bwrap", denied)
    assert "chroot" in isolation.advice("bwrap", "bwrap: Failed to make / slave: Invalid argument")
    assert "5.13" in isolation.advice("landlock", "Landlock is not available in this kernel")
    assert "grader" in isolation.advice("landlock", "no libseccomp binding (...)")
    assert "ordinary user" in isolation.advice("limits", "the submission would run as root")


def test_a_job_tries_weaker_modes_only_under_auto():
    assert isolation.job_modes("auto", "bwrap") == ["bwrap", "landlock"]  # never down to limits
    assert isolation.job_modes("auto", "landlock") == ["landlock"]
    assert isolation.job_modes("auto", "limits") == ["limits"]
    assert isolation.job_modes("bwrap", "bwrap") == ["bwrap"]
    assert isolation.job_modes("landlock", "") == ["landlock"]


def test_specs_and_results_carry_the_modes(tmp_path):
    spec = JobSpec(tmp_path / "s.ipynb", tmp_path / "r.ipynb", tmp_path / "o.ipynb", tmp_path / "o.json",
                   isolation="landlock", expected="landlock")
    back = JobSpec.from_json(spec.to_json())
    assert (back.isolation, back.expected) == ("landlock", "landlock")
    old = spec.to_json().replace('"isolation": "landlock"', '"isolate": false')
    assert JobSpec.from_json(old).isolation == "limits"  # a spec written before the modes
    report = StudentReport("ada")
    for mode in ("bwrap", "bwrap", "landlock"):
        report.add(JobResult([TestOutcome("t", 1.0, 1.0, "")], [], mode))
    assert report.isolation == "bwrap, landlock"
    assert StudentReport.from_dict(report.to_dict()).isolation == "bwrap, landlock"
    text = format_report([report, StudentReport("bob", isolation="bwrap")], "toy")
    assert "Isolation: bwrap, 2 submissions" in text and "Isolation: landlock, 1 submission " in text


def _notebooks(setup_source: str):
    source = toy_source_notebook()
    source.cells[0].source = setup_source
    release = nbformat.from_dict(source)
    submission = nbformat.from_dict(source)
    return source, release, submission


@pytest.mark.skipif(not LINUX, reason="Linux sandboxes")
def test_a_job_whose_mode_cannot_start_is_graded_weaker_and_flagged(tmp_path, monkeypatch):
    if not _working("landlock"):
        pytest.skip("Landlock cannot start here")
    source, release, submission = _notebooks(toy_source_notebook().cells[0].source)
    work = tmp_path / "kit-job" / "work"
    work.mkdir(parents=True)
    nbformat.write(submission, work / "toy.ipynb")

    def broken_bwrap(*args, **kwargs):
        raise OSError("bwrap: Creating new namespace failed: Operation not permitted")

    monkeypatch.setattr(sandbox, "_start_bwrap", broken_bwrap)
    graded = grade_submission(source, release, work / "toy.ipynb", work, isolation="auto", expected="bwrap")
    assert graded.isolation == "landlock" and graded.score == graded.max_score == 3
    (flag,) = [f for f in graded.flags if f.kind is FlagKind.ISOLATION]
    assert flag.needs_review and "weaker than the bwrap" in flag.text and "namespace" in flag.text
    # Required: no weaker mode, the job fails and is flagged (never a silent 0).
    graded = grade_submission(source, release, work / "toy.ipynb", work, isolation="bwrap", expected="bwrap")
    assert graded.score == 0 and graded.needs_review and "could not start" in graded.flags[-1].text


@pytest.mark.skipif(not LINUX, reason="Linux sandboxes")
def test_a_failed_data_cell_is_said_and_flagged(tmp_path):
    """The grader's process reads the data; the sandbox cannot (a folder out of its reach): the
    tests say so first, not 'not attempted yet'."""
    private = tmp_path / "private"
    private.mkdir()
    (private / "data.txt").write_text("1")
    setup = ("import numpy as np\nfrom cs231n_utils.grading import assert_close, assert_no_python_loops\n"
             f"DATA = open({str(private / 'data.txt')!r}).read()")
    source, release, submission = _notebooks(setup)
    submission.cells[1].source = "def row_means(X):\n    return X.mean(axis=1) + 0 * float(DATA)\n"
    work = tmp_path / "kit-job" / "work"
    work.mkdir(parents=True)
    nbformat.write(submission, work / "toy.ipynb")
    graded = grade_submission(source, release, work / "toy.ipynb", work, isolation="auto")
    if graded.isolation == "limits":
        pytest.skip("limits only: the sandbox can read the file")
    (flag,) = [f for f in graded.flags if f.kind is FlagKind.SETUP_FAILED]
    assert flag.needs_review and "setup cell 0 (imports and data) failed" in flag.text
    assert "PermissionError" in flag.text or "FileNotFoundError" in flag.text
    failed = [t for t in graded.tests if not t.passed]
    assert failed and all(t.message.startswith("the notebook's setup cell 0") for t in failed)


def test_the_scratch_folder_is_made_reachable_but_not_listable():
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="kit-ada-"))  # as collect.stage makes it: mode 0700
    (scratch / "work").mkdir()
    sandbox._reachable_by(scratch / "work")
    assert stat.S_IMODE(scratch.stat().st_mode) == 0o711
    other = scratch / "elsewhere"
    (other / "work").mkdir(parents=True)
    other.chmod(0o700)
    try:
        with pytest.raises(OSError, match="not searchable by other users"):
            sandbox._reachable_by(other / "work")
    finally:
        import shutil

        shutil.rmtree(scratch)


def test_the_digits_cache_behind_an_unreachable_folder_is_no_error(tmp_path, monkeypatch):
    from cs231n_utils import datasets

    monkeypatch.setattr(Path, "is_file", lambda self: (_ for _ in ()).throw(PermissionError(13, "denied")))
    assert datasets._is_file(tmp_path / "x.npz") is False


@pytest.mark.skipif(not LINUX, reason="Linux sandboxes")
def test_grade_stops_before_grading_anyone_when_the_required_mode_cannot_run(tmp_path):
    from cs231n_utils.submissions import build_submission, write_submission

    from .toy_course import released_toy_course

    root = released_toy_course(tmp_path / "course")
    student = nbformat.read(root / "assignments/toy/toy.ipynb", as_version=4)
    solution = nbformat.read(root / "solutions/toy/toy.ipynb", as_version=4)
    write_submission(build_submission(student, solution, fill="all"), root, "ada", "toy", "toy.ipynb")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # no bwrap on the PATH
    out = subprocess.run([sys.executable, "-m", "cs231n_utils.cli", "grade", "toy", "--course", str(root),
                          "--isolation", "bwrap", "--no-progress"], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode != 0 and "nobody was graded" in out.stderr and "bubblewrap" in out.stderr
    assert not list((root / "grading").rglob("results/*.json"))


def test_gradescope_refuses_to_grade_when_its_required_mode_cannot_run(monkeypatch):
    """On Gradescope a required mode that cannot start gives no grade and a review, not a 0."""
    from cs231n_utils.grader import gradescope

    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    cfg = gradescope.AutograderConfig("svm", ["svm.ipynb"], dataset="digits", isolation="bwrap")
    assert gradescope.AutograderConfig.from_json(cfg.to_json()).isolation == "bwrap"
    with pytest.raises(gradescope.NotGraded, match="nobody was graded"):
        gradescope.probe_isolation(cfg)
    results = gradescope.crash_results("no isolation 'bwrap' can run here")
    assert results["extra_data"]["needs_review"] and results["score"] == 0
