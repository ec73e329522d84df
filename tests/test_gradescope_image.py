"""The Gradescope autograder zip, built and graded in a clean image where namespaces are forbidden.

tests/test_gradescope.py runs ``run_autograder`` on this machine, with its Python, its packages and
bubblewrap. Gradescope instead unpacks the zip into ``/autograder/source`` of a bare image, runs
``setup.sh`` there once as root, and grades each submission in a Docker container, in which no
Linux namespace can be made (no ``CAP_SYS_ADMIN``), so bubblewrap cannot start and the grader must
fall back to its unprivileged Landlock sandbox. This module does the same in a fresh copy of a
minimal Debian root (tests/clean_image.py: debootstrap, cached; ``unshare`` + ``chroot``; Docker's
capabilities only): the zip for ``svm`` on ``digits`` from the demo course, ``setup.sh``, then
``run_autograder`` on the full solution (the autograded maximum), the blank released notebook (0)
and a notebook that is not JSON (0, and a flag for a human), each results.json checked against
tests/gradescope_results.schema.json and the isolation contract (``extra_data.isolation`` names
the mode that ran, and the output says it on a line of its own starting with ``Isolation:``).

It takes minutes (debootstrap once per cache, then setup.sh installs numpy, scipy and the rest), so
it runs only when asked: ``CS231N_CLEAN_IMAGE=1``, as root, with debootstrap installed and the
Debian mirror reachable (``.ci/run`` runs it as a step of its own). ``CS231N_CLEAN_IMAGE_KEEP=1``
keeps the root afterwards, to look inside.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest

from . import clean_image

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("CS231N_CLEAN_IMAGE") != "1",
        reason="builds a clean Debian image and runs setup.sh in it (minutes): run it with "
               "CS231N_CLEAN_IMAGE=1 .venv/bin/python -m pytest tests/test_gradescope_image.py "
               "(as root, with debootstrap installed)"),
]

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
ASSIGNMENT = "svm"
NOTEBOOK = "svm.ipynb"
#: The submissions graded, in order: the solution, the released notebook untouched, broken JSON.
STUDENTS = ("full", "blank", "malformed")
MALFORMED = '{"cells": ['
#: The isolation mode the grader must use where bubblewrap cannot make namespaces.
EXPECTED_ISOLATION = "landlock"
SETUP_TIMEOUT = 1800
RUN_TIMEOUT = 900


@dataclass
class Image:
    """The clean root with the autograder set up in it, and what it took."""

    root: clean_image.CleanRoot
    folder: Path  #: logs, the course and the zip (outside the root)
    course: Path
    points: float  #: the assignment's autograded points (the full solution's score)
    setup: int  #: setup.sh's exit status
    setup_log: Path
    timings: dict[str, float] = field(default_factory=dict)
    runs: dict[str, dict] = field(default_factory=dict)  #: student -> results.json, filled by `graded`

    def setup_failure(self) -> str:
        """What to show when setup.sh failed: its exit status and the end of its log."""
        tail = "\n".join(self.setup_log.read_text(errors="replace").splitlines()[-60:])
        return f"setup.sh exited {self.setup}, expected 0; the end of {self.setup_log}:\n{tail}"


@contextlib.contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    """Records the seconds the block took in ``timings[name]`` (whether it succeeded or not)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = time.perf_counter() - start


def _build_zip(folder: Path) -> tuple[Path, Path]:
    """The demo course (full and blank submissions from solutions/) and its autograder zip, built
    with the documented command ``cs231n-kit gradescope svm --dataset digits``."""
    from cs231n_utils.cli import build_demo_course

    course = folder / "course"
    build_demo_course(REPO, course, [ASSIGNMENT])
    zip_path = folder / "autograder.zip"
    proc = subprocess.run([sys.executable, "-m", "cs231n_utils.cli", "gradescope", ASSIGNMENT, "--dataset",
                           "digits", "--course", str(course), "--out", str(zip_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (f"cs231n-kit gradescope exited {proc.returncode}, expected 0:\n"
                                  f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return course, zip_path


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Iterator[Image]:
    """The autograder set up in a fresh copy of the clean image, as Gradescope builds its image:
    the zip unpacked by ``unzip`` into ``/autograder/source``, ``run_autograder`` copied to
    ``/autograder``, then ``bash /autograder/source/setup.sh`` as root (Docker's capabilities,
    as ``docker build`` has). setup.sh's exit status is recorded, not asserted, so that
    :func:`test_setup_sh_builds_the_image` reports it with its log."""
    problem = clean_image.unavailable()
    if problem:
        pytest.skip(problem)
    from cs231n_utils.grader.gradescope import AutograderConfig, assignment_points

    folder = tmp_path_factory.mktemp("clean-image")
    timings: dict[str, float] = {}
    tarball = clean_image.image_tarball(log=folder / "debootstrap.log")
    if tarball.build_seconds is not None:
        timings["debootstrap (first time, then cached)"] = tarball.build_seconds
    root = clean_image.CleanRoot.unpack(tarball.path, folder / "root")
    timings["image unpacked from the cache"] = root.unpack_seconds
    try:
        root.configure_network()
        with _timed(timings, "demo course and autograder.zip"):
            course, zip_path = _build_zip(folder)
        with zipfile.ZipFile(zip_path) as zf:
            cfg = AutograderConfig.from_json(zf.read("gradescope.json").decode())
        points = assignment_points(course, cfg)[0]
        shutil.copy(zip_path, root.inside("/tmp/autograder.zip"))
        unpacked = root.run(["/bin/sh", "-c", "mkdir -p /autograder/source"
                             " && unzip -q /tmp/autograder.zip -d /autograder/source"
                             " && cp /autograder/source/run_autograder /autograder/run_autograder"
                             " && chmod +x /autograder/run_autograder && rm /tmp/autograder.zip"],
                            timeout=120)
        assert unpacked.returncode == 0, f"unpacking the zip in the image failed:\n{unpacked.stderr}"
        log = folder / "setup.log"
        with _timed(timings, "setup.sh"):
            setup = root.run(["/bin/bash", "/autograder/source/setup.sh"], cwd="/autograder/source", log=log,
                             timeout=SETUP_TIMEOUT)
        yield Image(root, folder, course, points, setup.returncode, log, timings)
    finally:
        if os.environ.get("CS231N_CLEAN_IMAGE_KEEP") != "1":
            root.remove()


@pytest.fixture(scope="module")
def graded(image: Image) -> dict[str, dict]:
    """Student -> results.json of ``/autograder/run_autograder`` run as Gradescope runs it: as root
    with Docker's capabilities (no ``CAP_SYS_ADMIN``), one submission at a time, each in a fresh
    ``/autograder/submission`` with an empty ``results/`` and ``/tmp``."""
    if image.setup != 0:
        pytest.fail(image.setup_failure())
    for student in STUDENTS:
        for sub in ("/autograder/submission", "/autograder/results"):
            shutil.rmtree(image.root.inside(sub), ignore_errors=True)
        tmp = image.root.inside("/tmp")
        for entry in tmp.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        submission = image.root.inside("/autograder/submission")
        submission.mkdir(parents=True)
        if student == "malformed":
            (submission / NOTEBOOK).write_text(MALFORMED)
        else:
            shutil.copy(image.course / "submitted" / student / ASSIGNMENT / NOTEBOOK, submission / NOTEBOOK)
        log = image.folder / f"run_autograder-{student}.log"
        with _timed(image.timings, f"run_autograder: {student}"):
            proc = image.root.run(["/autograder/run_autograder"], cwd="/autograder", log=log,
                                  timeout=RUN_TIMEOUT)
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        assert proc.returncode == 0, (f"run_autograder exited {proc.returncode} for {student}, "
                                      f"expected 0:\n{tail}")
        results = image.root.inside("/autograder/results/results.json")
        assert results.is_file(), f"run_autograder wrote no results/results.json for {student}:\n{tail}"
        shutil.copy(results, image.folder / f"results-{student}.json")  # kept beside the logs
        image.runs[student] = json.loads(results.read_text())
    return image.runs


def _in_image(image: Image, script: str) -> subprocess.CompletedProcess:
    """A shell command run in the image as run_autograder is (Docker's capabilities)."""
    return image.root.run(["/bin/sh", "-c", script], timeout=60)


def test_setup_sh_builds_the_image(image):
    assert image.setup == 0, image.setup_failure()
    ready = f"setup.sh: the autograder for {ASSIGNMENT} is ready"
    assert ready in image.setup_log.read_text(errors="replace"), f"expected {ready!r} in {image.setup_log}"


def test_namespaces_are_forbidden_where_run_autograder_runs(image):
    """The conditions hold: no CAP_SYS_ADMIN in the bounding set, no namespace of any kind (the
    user one included: the kernel refuses it in a chroot), and bubblewrap, installed by setup.sh,
    cannot start a sandbox."""
    status = _in_image(image, "grep CapBnd /proc/self/status")
    bounding = int(status.stdout.split()[1], 16)
    assert not bounding & (1 << 21), (
        f"expected CAP_SYS_ADMIN (bit 21) out of the bounding set, got {status.stdout}")
    for flags in ("--mount", "--user --map-root-user", "--net", "--pid --fork"):
        made = _in_image(image, f"unshare {flags} true")
        assert made.returncode != 0, f"expected `unshare {flags}` to fail in the image, it succeeded"
    bwrap = _in_image(image, "bwrap --ro-bind / / true")
    assert bwrap.returncode != 0, "expected bubblewrap to fail in the image, it succeeded"


def test_every_results_json_follows_the_schema(graded):
    for student, results in graded.items():
        try:
            jsonschema.validate(results, SCHEMA)
        except jsonschema.ValidationError as exc:
            pytest.fail(f"{student}'s results.json does not follow the schema: {exc.message} at "
                        f"{list(exc.absolute_path)}")


def test_the_full_solution_scores_the_autograded_maximum(image, graded):
    results = graded["full"]
    assert image.points == 21, f"expected svm's autograded points to be 21, got {image.points}"
    assert results["score"] == pytest.approx(image.points), (
        f"expected the solution to score {image.points:g}, got {results['score']}: {results['output']}")
    assert results["extra_data"]["max_score"] == pytest.approx(image.points)
    assert not results["extra_data"]["needs_review"], results["extra_data"]


def test_the_blank_notebook_scores_zero(graded):
    results = graded["blank"]
    assert results["score"] == 0, (
        f"expected 0 for the blank notebook, got {results['score']}: {results['output']}")
    assert results["tests"], "expected one entry per requirement, got none"


def test_a_malformed_notebook_scores_zero_and_asks_for_a_human(graded):
    results = graded["malformed"]
    assert results["score"] == 0, f"expected 0 for a notebook that is not JSON, got {results['score']}"
    assert results["extra_data"]["needs_review"] is True, results["extra_data"]


def test_the_grader_falls_back_to_landlock(graded):
    """``extra_data.isolation`` names the mode that ran: Landlock, since bubblewrap cannot start here
    (not "bwrap") and the submission must not run with resource limits alone (not "limits")."""
    modes = {s: r["extra_data"].get("isolation") for s, r in graded.items()}
    assert modes == dict.fromkeys(STUDENTS, EXPECTED_ISOLATION), (
        f"expected extra_data.isolation == {EXPECTED_ISOLATION!r} for every submission, got {modes}")


def test_the_output_says_how_the_submission_was_isolated(graded):
    for student, results in graded.items():
        lines = [ln for ln in results["output"].splitlines() if ln.startswith("Isolation:")]
        assert lines, (
            f"expected a line starting with 'Isolation:' in {student}'s output, got:\n{results['output']}")


def test_phase_times(image, graded, capsys):
    """Reports how long each phase took (CI has 90 minutes in all for everything)."""
    width = max(map(len, image.timings))
    table = "\n".join(f"  {name:<{width}}  {seconds:7.1f} s" for name, seconds in image.timings.items())
    (image.folder / "timings.json").write_text(json.dumps(image.timings, indent=1))
    with capsys.disabled():
        total = sum(image.timings.values())
        print(f"\nclean image, phase times:\n{table}\n  {'total':<{width}}  {total:7.1f} s")
    assert set(image.runs) == set(STUDENTS)
