"""One job model, several backends: a JSON spec in, a JSON result out, wherever the job runs.

- a job is ``cs231n-kit grade-one SPEC.json``; a batch plans one spec per notebook, runs them on a
  backend, runs once more the ones that died and flags what died twice (never a silent 0);
- a re-run grades only what has no result for the file submitted (an interrupted batch resumes);
- the Slurm backend, against a real single-node Slurm (started here when this runs as root with
  Debian's slurm-wlm and munge installed; skipped otherwise), grades a class of 12 to the local
  backend's scores, split into several arrays when the class exceeds MaxArraySize, and resumes;
- the Kubernetes backend's Indexed Job manifest, built with the official client's models, has the
  structure the API expects, and its pod command grades the spec of its index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from cs231n_utils import course
from cs231n_utils.grader.batch import WORK_DIR, grade_class, plan_jobs
from cs231n_utils.grader.local import LocalBackend
from cs231n_utils.grader.records import FlagKind, JobResult, JobSpec
from cs231n_utils.grader.sandbox import Limits
from cs231n_utils.submissions import build_submission, write_submission

from . import slurm_cluster
from .conftest import GRADING_WORKERS
from .toy_course import released_toy_course

REPO = Path(__file__).resolve().parents[1]
LIMITS = Limits(memory_mb=1024, cpu_seconds=120, cell_seconds=60)
#: Answers to the toy assignment (row_means) and the points each earns (of 3).
ANSWERS = {
    "right": ("def row_means(X):\n    return X.mean(axis=1)\n", 3.0),
    "sum": ("def row_means(X):\n    return X.sum(axis=1)\n", 0.0),
    "loopy": ("def row_means(X):\n    return np.array([r.mean() for r in X])\n", 1.0),
    "crash": ("def row_means(X):\n    raise ValueError('not done')\n", 0.0),
}


def toy_class(root: Path, size: int = 22) -> dict[str, float]:
    """A toy course with ``size`` submissions cycling through ANSWERS; student -> expected points."""
    released_toy_course(root)
    student_nb = course.read_notebook(root / "assignments" / "toy" / "toy.ipynb")
    solution_nb = course.read_notebook(root / "solutions" / "toy" / "toy.ipynb")
    expected = {}
    for i in range(size):
        kind = list(ANSWERS)[i % len(ANSWERS)]
        source, points = ANSWERS[kind]
        student = f"s{i:02d}_{kind}"
        nb = build_submission(student_nb, solution_nb, overrides={"row_means": source})
        write_submission(nb, root, student, "toy", "toy.ipynb")
        expected[student] = points
    return expected


def scores(rows) -> dict[str, dict[str, float]]:
    return {r.student: {t.grade_id: t.score for t in r.tests} for r in rows}


class Recording:
    """A backend that runs jobs locally and records which; optionally drops some or stops early."""

    name = "recording"

    def __init__(self, drop: set[str] = frozenset(), stop_after: int | None = None):
        self.inner = LocalBackend(2)
        self.drop, self.stop_after = set(drop), stop_after
        self.ran: list[str] = []

    def run(self, specs, limits, done=None):
        specs = [Path(s) for s in specs]
        self.ran += [s.stem for s in specs]
        todo = [s for s in specs if s.stem not in self.drop]
        if self.stop_after is not None:
            self.inner.run(todo[: self.stop_after], limits, done)
            raise KeyboardInterrupt("the instructor's laptop went to sleep")
        self.inner.run(todo, limits, done)


# -- the job model --------------------------------------------------------------------------------


def test_a_job_is_one_spec_in_one_result_out(tmp_path):
    expected = toy_class(tmp_path / "c", size=2)
    (job, _) = plan_jobs(tmp_path / "c", "toy", LIMITS, env={"CS231N_DATASET": "digits"})
    assert JobSpec.from_json(job.spec.to_json()) == job.spec
    data = json.loads(job.path.read_text())
    assert data["folder"].endswith(f"submitted/{job.spec.student}/toy") and data["digest"]
    out = subprocess.run([sys.executable, "-m", "cs231n_utils.cli", "grade-one", str(job.path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = JobResult.from_json(job.spec.out_result.read_text())
    assert result.score == expected[job.spec.student] and result.digest == job.spec.digest
    assert job.spec.out_notebook.is_file() and job.finished()
    assert not (tmp_path / "c" / "submitted" / job.spec.student / "toy" / "work").exists()


def test_an_unreadable_spec_is_explained(tmp_path):
    bad = tmp_path / "spec.json"
    bad.write_text("{not json")
    out = subprocess.run([sys.executable, "-m", "cs231n_utils.cli", "grade-one", str(bad)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "is not a readable job spec" in out.stderr


def test_an_interrupted_batch_resumes_without_regrading_what_finished(tmp_path):
    root = tmp_path / "c"
    expected = toy_class(root, size=8)
    first = Recording(stop_after=3)
    with pytest.raises(KeyboardInterrupt):
        grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits", backend=first)
    finished = {p.stem for p in (root / WORK_DIR / "toy" / "results").glob("*.json")}
    assert len(finished) == 3
    second = Recording()
    rows = grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits", backend=second)
    assert sorted(second.ran) == sorted({f"{s}__toy" for s in expected} - finished)
    assert {r.student: r.score for r in rows} == expected
    # A student who submits again is graded again, and only that one.
    nb_path = root / "submitted" / "s01_sum" / "toy" / "toy.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[1].source = ANSWERS["right"][0]
    nbformat.write(nb, nb_path)
    third = Recording()
    rows = grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits", backend=third)
    assert third.ran == ["s01_sum__toy"]
    assert {r.student: r.score for r in rows}["s01_sum"] == 3.0
    # --fresh grades everything again.
    fourth = Recording()
    grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits", backend=fourth, fresh=True)
    assert len(fourth.ran) == 8


def test_a_job_that_dies_is_retried_once_then_flagged(tmp_path):
    root = tmp_path / "c"
    expected = toy_class(root, size=3)
    backend = Recording(drop={"s01_sum__toy"})
    rows = {r.student: r for r in grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits",
                                              backend=backend)}
    assert backend.ran.count("s01_sum__toy") == 2, backend.ran  # the first run and one retry
    assert backend.ran.count("s00_right__toy") == 1
    dead = rows["s01_sum"]
    assert dead.needs_review and [f.kind for f in dead.flags] == [FlagKind.GRADER_FAILED]
    assert "2 times" in dead.flags[0].text
    assert {t.grade_id for t in dead.tests} == {"test_row_means", "test_row_means_hidden"}
    assert all(t.score == 0 and "could not grade" in t.message for t in dead.tests)
    assert rows["s00_right"].score == expected["s00_right"] and not rows["s00_right"].needs_review
    # The gradebook marks the flagged submission for a manual look, not a silent 0.
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        sub = gb.find_submission("toy", "s01_sum")
        assert any(g.needs_manual_grade for nb in sub.notebooks for g in nb.grades if g.cell_type == "code")


def test_a_job_that_dies_once_keeps_its_second_result(tmp_path):
    root = tmp_path / "c"
    expected = toy_class(root, size=2)

    class FlakyOnce(Recording):
        def run(self, specs, limits, done=None):
            drop_now = not self.ran
            self.drop = {"s00_right__toy"} if drop_now else set()
            super().run(specs, limits, done)

    backend = FlakyOnce()
    rows = {r.student: r for r in grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits",
                                              backend=backend)}
    assert backend.ran.count("s00_right__toy") == 2
    assert rows["s00_right"].score == expected["s00_right"] and not rows["s00_right"].needs_review


def test_record_false_leaves_the_gradebook_alone(tmp_path):
    """Results and the report are written either way; only record=True (the default) fills the
    gradebook, and resuming then records what the first batch graded without grading it again."""
    root = tmp_path / "c"
    expected = toy_class(root, size=2)
    rows = grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits", record=False)
    assert {r.student: r.score for r in rows} == expected
    assert (root / WORK_DIR / "toy" / "report.json").is_file()
    assert course.grade_table(root, "toy") == []
    again = Recording()
    grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits", backend=again)
    assert again.ran == []
    assert {g.student: g.auto_score for g in course.grade_table(root, "toy")} == expected


# -- Slurm ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    why = slurm_cluster.unavailable()
    if why:
        pytest.skip(why)
    # MaxArraySize 3: a class of 7 takes three arrays (3, 3 and 1 tasks: indices up to 2, the most allowed).
    with slurm_cluster.single_node_cluster(tmp_path_factory.mktemp("slurm"), max_array_size=3) as cluster:
        yield cluster


def _slurm_backend(cluster, **kw):
    from cs231n_utils.grader.slurm import SlurmBackend

    return SlurmBackend(throttle=4, env=cluster.env, timeout=600, **kw)


@pytest.mark.slow
@pytest.mark.xdist_group("slurm")
def test_slurm_grades_a_class_to_the_local_backends_scores(slurm, tmp_path):
    root = tmp_path / "c"
    expected = toy_class(root, size=7)
    local = scores(grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits",
                               backend=LocalBackend(GRADING_WORKERS)))
    assert {s: sum(t.values()) for s, t in local.items()} == expected
    backend = _slurm_backend(slurm)
    rows = grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits", backend=backend,
                       fresh=True)
    assert scores(rows) == local
    assert len(backend.job_ids) == 3, backend.job_ids  # split at MaxArraySize
    results = sorted((root / WORK_DIR / "toy" / "results").glob("*.json"))
    hosts = {JobResult.from_json(p.read_text()).host for p in results}
    assert hosts == {os.uname().nodename}
    assert not any(r.needs_review for r in rows), [r.flags for r in rows if r.needs_review]
    # Resume: only the notebooks whose results are gone are submitted again.
    gone = sorted((root / WORK_DIR / "toy" / "results").glob("*.json"))[:3]
    for p in gone:
        p.unlink()
    again = _slurm_backend(slurm)
    rows = grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits", backend=again)
    listed = [line for p in sorted((root / WORK_DIR / "toy" / "jobs" / "slurm").glob("array_*.list"))
              for line in p.read_text().split()]
    assert len(again.job_ids) == 1 and len(listed) == 7 + 3
    assert sorted(Path(line).stem for line in listed[-3:]) == sorted(p.stem for p in gone)
    assert scores(rows) == local


@pytest.mark.slow
@pytest.mark.xdist_group("slurm")
def test_slurm_grades_the_demo_class_to_the_local_backends_scores(slurm, demo_class, tmp_path):
    """The demo class (``cs231n-kit demo svm``, graded by the local backend) graded again on Slurm."""
    assert demo_class.returncode == 0, demo_class.stderr
    local = scores(demo_class.reports().values())
    assert sum(local["full"].values()) == 21 and sum(local["blank"].values()) == 0
    root = demo_class.copy(tmp_path / "demo")
    rows = grade_class(root, "svm", progress=False, dataset="digits", backend=_slurm_backend(slurm))
    assert scores(rows) == local


def test_sbatch_asks_for_the_graders_limits():
    from cs231n_utils.grader.slurm import GRADER_MEMORY_MB, sbatch_command, task_script

    cmd = sbatch_command(Path("/c/task.sh"), Path("/c/a.list"), 37, Limits(memory_mb=2048, cpu_seconds=300),
                         throttle=5, job_name="kit-svm", log_dir=Path("/c/logs"), extra=["--partition=short"])
    assert "--array=0-36%5" in cmd and f"--mem={2048 + GRADER_MEMORY_MB}M" in cmd
    assert "--cpus-per-task=1" in cmd and "--time=12" in cmd and "--partition=short" in cmd
    assert cmd[-2:] == ["/c/task.sh", "/c/a.list"]
    script = task_script("/opt/venv/bin/python")
    assert "SLURM_ARRAY_TASK_ID" in script and "/opt/venv/bin/python -m cs231n_utils.grader.job" in script
    assert "OPENBLAS_NUM_THREADS=1" in script
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)


# -- Kubernetes -------------------------------------------------------------------------------------


def test_the_kubernetes_manifest_is_an_indexed_job_without_network(tmp_path):
    kubernetes = pytest.importorskip("kubernetes")
    from cs231n_utils.grader.kubernetes import APP_LABEL, GRADER_UID, KubernetesBackend

    root = tmp_path / "c"
    toy_class(root, size=5)
    jobs = plan_jobs(root, "toy", LIMITS, env={"CS231N_DATASET": "digits"})
    backend = KubernetesBackend(image="registry.example.edu/kit:1", claim="course", parallelism=3)
    manifest = backend.write(root, "toy", [j.path for j in jobs], LIMITS)
    policy, job = list(yaml.safe_load_all(manifest.read_text()))
    api = kubernetes.client.ApiClient()
    # The API's own models read it back: field names and types are the API's.
    assert api._ApiClient__deserialize(job, "V1Job").spec.completion_mode == "Indexed"
    assert api._ApiClient__deserialize(policy, "V1NetworkPolicy").spec.policy_types == ["Ingress", "Egress"]
    assert policy["spec"]["ingress"] == [] and policy["spec"]["egress"] == []
    assert policy["spec"]["podSelector"]["matchLabels"]["app"] == APP_LABEL
    spec = job["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimitPerIndex"]) == (5, 3, 1)
    pod = spec["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False and pod["restartPolicy"] == "Never"
    assert spec["template"]["metadata"]["labels"]["app"] == APP_LABEL
    (container,) = pod["containers"]
    assert container["resources"]["limits"] == container["resources"]["requests"]
    assert container["resources"]["limits"]["cpu"] == "1"
    assert container["volumeMounts"][0]["mountPath"] == str(root.resolve())
    assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == "course"
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    # A default cluster's pod: an ordinary uid (the image's), the runtime's seccomp profile.
    security = pod["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] == GRADER_UID
    assert security["seccompProfile"]["type"] == "RuntimeDefault"
    # What a pod runs: the spec of its index ($JOB_COMPLETION_INDEX), here on this machine.
    env = {**os.environ, **{e["name"]: e["value"] for e in container["env"]}, "JOB_COMPLETION_INDEX": "2"}
    cmd = [sys.executable if c == "python" else c for c in container["command"]]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    listed = (root / WORK_DIR / "toy" / "kubernetes" / "jobs.list").read_text().split()
    assert [j.spec.out_result.is_file() for j in jobs] == [str(j.path) == listed[2] for j in jobs]


def test_the_container_recipe_installs_the_kit_and_bubblewrap():
    from cs231n_utils.grader.kubernetes import GRADER_UID

    dockerfile = (REPO / "deploy" / "kubernetes" / "Dockerfile").read_text()
    assert "bubblewrap" in dockerfile and "libseccomp2" in dockerfile and "pip install" in dockerfile
    assert "USER" in dockerfile  # not root in the pod
    assert f"--uid {GRADER_UID}" in dockerfile  # the manifest's runAsUser
    assert '".[instructor]"' in dockerfile  # which includes the grader extra (pyseccomp)
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"linear-classifiers-kit[grader]"' in pyproject and '"pyseccomp>=' in pyproject


def test_the_cli_writes_the_manifest_and_says_how_to_apply_it(tmp_path):
    pytest.importorskip("kubernetes")
    root = tmp_path / "c"
    toy_class(root, size=2)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    out = subprocess.run([sys.executable, "-m", "cs231n_utils.cli", "grade", "toy", "--course", str(root),
                          "--backend", "kubernetes", "--image", "kit:1", "--claim", "course"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "kubectl apply -f" in out.stdout
    assert (root / WORK_DIR / "toy" / "kubernetes" / "job.yaml").is_file()
    out = subprocess.run([sys.executable, "-m", "cs231n_utils.cli", "grade", "toy", "--course", str(root),
                          "--backend", "kubernetes"], capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "--image" in out.stderr


def test_the_kits_processes_skip_the_slow_optional_import():
    """jsonschema's IRI checker (rfc3987_syntax, compiling 38 grammars at import) stays out of the
    kit's processes, and nbformat still validates notebooks without it."""
    code = ("import sys\nfrom cs231n_utils.config import skip_slow_optional_imports\n"
            "skip_slow_optional_imports()\nimport nbformat\n"
            f"nbformat.validate(nbformat.read({str(REPO / 'solutions/svm/svm.ipynb')!r}, as_version=4))\n"
            "print(sys.modules.get('rfc3987_syntax', 'absent'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() in ("None", "absent"), out.stderr[-2000:]
    from cs231n_utils.course import NBGRADER_MAIN

    assert "skip_slow_optional_imports()" in NBGRADER_MAIN.split("from nbgrader")[0]


def test_the_forker_preloads_what_the_test_and_setup_cells_import():
    """Only the cells run on the grader's side count (test and setup cells, not answers or
    demonstrations); a module that fails to import is skipped, and the forker still starts."""
    from cs231n_utils.grader.execute import local_imports
    from cs231n_utils.grader.job import JOB_ENV
    from cs231n_utils.grader.local import Forker

    nb = nbformat.v4.new_notebook()
    setup = nbformat.v4.new_code_cell("import json\nfrom scipy import special as sp\n%matplotlib inline",
                                      metadata={"tags": ["setup"]})
    test = nbformat.v4.new_code_cell("import json, csv\nfrom .rel import x\ndef f():\n    import wave",
                                     metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "t",
                                                            "points": 1}})
    answer = nbformat.v4.new_code_cell("import tarfile",
                                       metadata={"nbgrader": {"solution": True, "grade_id": "a"}})
    demo = nbformat.v4.new_code_cell("import zipfile")
    nb.cells = [setup, answer, demo, test]
    assert local_imports(nb) == ["json", "scipy", "csv"]
    forker = Forker.start(course.nbgrader_env(extra=JOB_ENV), preload=["csv", "no_such_module_here"])
    assert forker is not None
    forker.close()


def test_forked_jobs_grade_as_fresh_interpreters_do_and_a_late_one_is_stopped(tmp_path):
    """The default local backend forks its jobs from a preloaded process: the same results as a
    fresh interpreter per job; a job past its time is killed and leaves no result."""
    from cs231n_utils.grader.job import JOB_ENV
    from cs231n_utils.grader.local import Forker

    root = tmp_path / "c"
    expected = toy_class(root, size=3)  # right, sum, loopy: full, none and part of the points

    def outcomes(rows):
        return {r.student: [(t.grade_id, t.score, t.message) for t in r.tests] for r in rows}

    forked = grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits",
                         backend=LocalBackend(2))
    fresh = grade_class(root, "toy", limits=LIMITS, progress=False, dataset="digits",
                        backend=LocalBackend(2, fork=False), fresh=True)
    assert {r.student: r.score for r in forked} == expected
    assert outcomes(forked) == outcomes(fresh)
    (job, *_) = plan_jobs(root, "toy", LIMITS, env={"CS231N_DATASET": "digits"})
    job.spec.out_result.unlink()
    forker = Forker.start(course.nbgrader_env(extra=JOB_ENV))
    assert forker is not None
    try:
        assert forker.run([str(job.path), "--slot", "0"], tmp_path / "late.log", timeout=0.2) is False
        time.sleep(1)
        assert not job.spec.out_result.exists()  # killed before it could write
        assert forker.run([str(job.path), "--slot", "0"], tmp_path / "again.log", timeout=300) is True
    finally:
        forker.close()
    assert forker.proc.stdin.closed and forker.proc.stdout.closed  # none left to the collector
    assert JobResult.from_json(job.spec.out_result.read_text()).score == expected[job.spec.student]
    assert "/ 3" in (tmp_path / "again.log").read_text()  # the job's own line, in its log
