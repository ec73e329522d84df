"""``cs231n-kit``: the instructor's command line (release, autograde, feedback, export, demo)
and the students' self-check (``cs231n-kit check``).

Run ``cs231n-kit --help``. Every command works on a course folder in nbgrader's standard
layout (default: the checkout the kit was installed from).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .config import skip_slow_optional_imports

skip_slow_optional_imports()  # before nbformat is imported: the command starts seconds sooner

from . import course  # noqa: E402
from .submissions import answer_cells, build_submission, write_submission  # noqa: E402

#: ``--isolation``'s values (grader.isolation.REQUESTS, not imported here: the grader loads lazily).
ISOLATION_CHOICES = ("auto", "bwrap", "landlock", "limits")


def _course_root(arg: str | None) -> Path:
    if arg:
        root = Path(arg).resolve()
    else:
        root = course.repo_root() or Path.cwd()
    if not (root / "nbgrader_config.py").is_file():
        raise SystemExit(
            f"error: {root} is not a course folder (no nbgrader_config.py); "
            "pass --course DIR or run from the kit's checkout"
        )
    return root


def _assignment_notebooks(root: Path, folder: str, assignment: str) -> list[Path]:
    paths = sorted((root / folder / assignment).glob("*.ipynb"))
    if not paths:
        raise SystemExit(f"error: no notebook in {root / folder / assignment}")
    return paths


def cmd_release(args: argparse.Namespace) -> int:
    root = _course_root(args.course)
    for path in course.release(root, args.assignments or None):
        print(f"released {path.relative_to(root)}")
    return 0


def check_sync(root: Path) -> list[str]:
    """Release solutions/ into a scratch copy and list the student notebooks that differ."""
    root = Path(root)
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        shutil.copy2(root / "nbgrader_config.py", scratch / "nbgrader_config.py")
        shutil.copytree(root / "solutions", scratch / "solutions",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        course.release(scratch)
        fresh_root, committed_root = scratch / "assignments", root / "assignments"
        fresh = {p.relative_to(fresh_root) for p in fresh_root.rglob("*") if p.is_file()}
        committed = {p.relative_to(committed_root) for p in committed_root.rglob("*")
                     if p.is_file() and ".ipynb_checkpoints" not in p.parts}
        for rel in sorted(fresh - committed):
            problems.append(f"missing from assignments/: {rel}")
        for rel in sorted(committed - fresh):
            problems.append(f"not generated from solutions/: assignments/{rel}")
        for rel in sorted(fresh & committed):
            if not filecmp.cmp(fresh_root / rel, committed_root / rel, shallow=False):
                problems.append(f"out of date: assignments/{rel}")
        for source in sorted((scratch / "solutions").rglob("*.ipynb")):  # install cells templated
            rel = source.relative_to(scratch)
            if course.read_notebook(source) != course.read_notebook(root / rel):
                problems.append(f"install cell differs from cs231n_utils/install_cell.txt: {rel}")
    return problems


def cmd_check_sync(args: argparse.Namespace) -> int:
    problems = check_sync(_course_root(args.course))
    if problems:
        print("assignments/ is out of sync with solutions/; run `cs231n-kit release`:")
        print("\n".join(f"  {p}" for p in problems))
        return 1
    print("assignments/ is in sync with solutions/")
    return 0


def cmd_autograde(args: argparse.Namespace) -> int:
    root = _course_root(args.course)
    submitted = root / "submitted"
    if not submitted.is_dir() or not any(submitted.glob(f"*/{args.assignment}")):
        raise SystemExit(f"error: nothing to grade: put submissions in {submitted}/<student>/"
                         f"{args.assignment}/")
    start = time.perf_counter()
    course.autograde(root, args.assignment, dataset=args.dataset, students=args.student,
                     quiet=not args.verbose)
    rows = course.grade_table(root, args.assignment)
    print(course.format_grade_table(rows))
    print(f"\nautograded in {time.perf_counter() - start:.1f} s")
    return 0


def _backend(args: argparse.Namespace):
    """The grading backend the command line asks for."""
    if args.backend == "slurm":
        from .grader.slurm import SlurmBackend

        return SlurmBackend(throttle=args.throttle, sbatch_args=args.sbatch_arg or [])
    from .grader.local import LocalBackend

    return LocalBackend(args.workers)


def cmd_grade(args: argparse.Namespace) -> int:
    from . import config
    from .grader import isolation
    from .grader.batch import WORK_DIR, grade_class, plan_jobs
    from .grader.report import format_report
    from .grader.sandbox import Limits

    root = _course_root(args.course)
    limits = Limits(memory_mb=args.memory_mb, cpu_seconds=args.cpu_seconds,
                    cell_seconds=args.cell_seconds)
    requested = "limits" if args.no_sandbox else args.isolation
    if args.backend == "kubernetes":
        from .grader.kubernetes import KubernetesBackend

        if not args.image or not args.claim:
            raise SystemExit("error: --backend kubernetes needs --image (built from "
                             "deploy/kubernetes/Dockerfile) and --claim (the PersistentVolumeClaim "
                             "holding the course folder)")
        jobs = [j for j in plan_jobs(root, args.assignment, limits, isolation=requested,
                                     students=args.student, env=config.data_env(dataset=args.dataset))
                if args.fresh or not j.finished()]
        if not jobs:
            print("every submission already has a result: run `cs231n-kit grade` to record them")
            return 0
        backend = KubernetesBackend(args.image, args.claim, parallelism=args.throttle,
                                    namespace=args.namespace)
        manifest = backend.write(root, args.assignment, [j.path for j in jobs], limits)
        print(f"wrote {manifest} ({len(jobs)} jobs). Apply it with\n  kubectl apply -f {manifest}\n"
              "and when the Job has completed, record the results with\n"
              f"  cs231n-kit grade {args.assignment}\n"
              "(which grades here whatever the cluster could not)")
        return 0
    if args.backend == "local" or requested != "auto":
        try:
            data = config.data_paths(config.data_env(dataset=args.dataset))
            probed = isolation.choose(requested, limits, data)
        except isolation.IsolationUnavailable as exc:
            raise SystemExit(f"error: {exc}") from None
        print(f"isolation: {probed.summary()}\n  {isolation.describe(probed.mode)}")
    else:
        print("isolation: auto, probed by each job where it runs (the report says what ran)")
    start = time.perf_counter()
    try:
        rows = grade_class(root, args.assignment, workers=args.workers, limits=limits,
                           isolation=requested, progress=not args.no_progress, students=args.student,
                           dataset=args.dataset, backend=_backend(args), fresh=args.fresh)
    except isolation.IsolationUnavailable as exc:
        raise SystemExit(f"error: {exc}") from None
    print(format_report(rows, args.assignment))
    elapsed = time.perf_counter() - start
    print(f"graded {len(rows)} submissions in {elapsed:.1f} s "
          f"({60 * len(rows) / max(elapsed, 1e-9):.1f} per minute) on {args.backend}; "
          f"class report in {root / WORK_DIR / args.assignment / 'report.html'}")
    flagged = [r.student for r in rows if r.needs_review]
    if flagged:
        print(f"needs a human look: {', '.join(flagged)}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .grader.batch import WORK_DIR
    from .grader.report import read_rows, write_overview, write_report

    root = _course_root(args.course)
    grading = root / WORK_DIR
    if args.assignment:
        folder = grading / args.assignment
        try:
            rows = read_rows(folder)
        except (FileNotFoundError, ValueError) as exc:
            raise SystemExit(f"error: {exc}") from None
        written = write_report(folder, rows, args.assignment)  # what the batch writes, the overview too
        print(f"class report of {args.assignment}: {written.html} ({len(rows)} students, "
              f"{written.needs_review} to review); data: {', '.join(p.name for p in written.tables)}")
        page = grading / "report.html"
    elif not grading.is_dir():
        raise SystemExit(f"error: nothing graded yet in {root} (no {WORK_DIR}/): run cs231n-kit grade first")
    else:
        page = write_overview(grading)
    print(f"course overview: {page} (and {page.with_name('overview.csv')})")
    return 0


def cmd_grade_one(args: argparse.Namespace) -> int:
    from .grader import job

    argv = [args.spec] if args.spec else []
    if args.list:
        argv += ["--list", args.list]
    if args.index is not None:
        argv += ["--index", str(args.index)]
    return job.main(argv)


def cmd_gradescope(args: argparse.Namespace) -> int:
    from .grader.gradescope import assignment_points, build_autograder
    from .grader.sandbox import Limits

    root = _course_root(args.course)
    out = (Path(args.out).resolve() if args.out
           else root / "build" / "gradescope" / args.assignment / "autograder.zip")
    limits = Limits(memory_mb=args.memory_mb, cpu_seconds=args.cpu_seconds, cell_seconds=args.cell_seconds)
    try:
        cfg = build_autograder(root, args.assignment, out, dataset=args.dataset,
                               visible=args.visible_visibility, hidden=args.hidden_visibility,
                               leaderboard=not args.no_leaderboard,
                               limits=limits, python=args.python, time_budget=args.time_budget,
                               isolation=args.isolation,
                               subset=Path(args.subset) if args.subset else None)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    auto, manual = assignment_points(root, cfg)
    print(f"wrote {out} ({cfg.dataset} data, Python {cfg.python}, hidden tests {cfg.hidden})")
    print(f"on Gradescope: a Programming Assignment whose Autograder is worth {auto:g} points"
          + (f", plus {manual:g} points of written answers as manually graded questions" if manual else ""))
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    root = _course_root(args.course)
    course.feedback(root, args.assignment, quiet=not args.verbose)
    print(f"feedback written under {root / 'feedback'}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    root = _course_root(args.course)
    if args.canvas:
        from .lms import export_canvas

        try:
            path = export_canvas(root, Path(args.to) if args.to else None, args.assignment or None,
                                 parts=not args.no_parts)
        except (FileNotFoundError, ValueError) as exc:
            raise SystemExit(f"error: {exc}") from None
        print(f"grades exported to {path} in Canvas's gradebook-import layout")
        return 0
    path = course.export(root, Path(args.to) if args.to else None, quiet=not args.verbose)
    print(f"grades exported to {path}")
    return 0


def cmd_similarity(args: argparse.Namespace) -> int:
    from .grader.batch import WORK_DIR
    from .grader.similarity import Settings, run
    from .grader.similarity_report import summary, write_all

    root = _course_root(args.course)
    try:
        settings = Settings(threshold=args.threshold, min_tokens=args.min_tokens, top=args.top,
                            workers=args.workers, max_shared=args.max_shared)
        reference = Path(args.reference).resolve() if args.reference else None
        report = run(root, args.assignment, reference, settings)
    except ValueError as exc:
        raise course.CourseError(str(exc)) from exc
    paths = write_all(report, root / WORK_DIR / args.assignment)
    print(summary(report))
    print(f"written: {', '.join(str(p) for p in paths)} (no grade changed)")
    return 0


def cmd_grades(args: argparse.Namespace) -> int:
    root = _course_root(args.course)
    print(course.format_grade_table(course.grade_table(root, args.assignment)))
    return 0


def build_demo_course(repo: Path, dest: Path, assignments: list[str] | None = None) -> list[str]:
    """Create a demo course in ``dest``: released notebooks and three submissions each.

    The students are ``full`` (the solution), ``blank`` (the student version untouched) and
    ``half`` (the first half of the answer cells filled in). Returns the assignment names.
    """
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    shutil.copy2(repo / "nbgrader_config.py", dest / "nbgrader_config.py")
    shutil.copytree(repo / "solutions", dest / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    names = assignments or course.source_assignments(dest)
    course.release(dest, names)
    for name in names:
        for student_path in _assignment_notebooks(dest, "assignments", name):
            student_nb = course.read_notebook(student_path)
            solution_nb = course.read_notebook(dest / "solutions" / name / student_path.name)
            code_answers = [k for k, c in answer_cells(student_nb).items() if c.cell_type == "code"]
            half = code_answers[: len(code_answers) // 2]
            for student, fill in (("full", "all"), ("blank", []), ("half", half)):
                nb = build_submission(student_nb, solution_nb, fill=fill)
                write_submission(nb, dest, student, name, student_path.name)
    return names


def cmd_demo(args: argparse.Namespace) -> int:
    from .grader.batch import WORK_DIR, grade_class
    from .grader.sandbox import describe_isolation

    repo = course.repo_root()
    if repo is None:
        raise SystemExit("error: the demo needs the kit's checkout (solutions/ and nbgrader_config.py)")
    dest = Path(args.dir).resolve() if args.dir else repo / "build" / "demo-course"
    start = time.perf_counter()
    print(f"demo course in {dest}: releasing the student notebooks from solutions/ ...")
    names = build_demo_course(repo, dest, args.assignments or None)
    how = "nbgrader autograde" if args.plain else f"sandboxed grading ({describe_isolation()})"
    print(f"grading with {how}")
    for name in names:
        print(f"\ngrading {name} for students full, blank, half on the {args.dataset} dataset ...")
        if args.plain:
            course.autograde(dest, name, dataset=args.dataset)
        else:
            grade_class(dest, name, workers=args.workers, progress=False, dataset=args.dataset)
        print(f"\n## {name}\n")
        print(course.format_grade_table(course.grade_table(dest, name)))
        if not args.plain:
            print(f"class report: {dest / WORK_DIR / name / 'report.html'}")
    if not args.plain:
        print(f"\ncourse overview: {dest / WORK_DIR / 'report.html'}")  # written with each class report
    print(f"\ndone in {time.perf_counter() - start:.0f} s; the gradebook is {dest / 'gradebook.db'}")
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    import os

    env = course.nbgrader_env()
    root = course.repo_root() or Path.cwd()
    cmd = [sys.executable, "-m", "jupyterlab", *args.lab_args]
    print(f"starting JupyterLab in {root} (nbgrader's toolbar and menu are enabled)")
    os.chdir(root)
    os.execve(sys.executable, cmd, env)
    return 0  # not reached


def cmd_check(args: argparse.Namespace) -> int:
    from . import selfcheck

    try:
        report = selfcheck.check_notebook(args.notebook, timeout=args.timeout, dataset=args.dataset)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f"error: {exc}") from None
    print(report.format())
    return 0 if report.all_visible_passed else 1


def cmd_download(args: argparse.Namespace) -> int:
    from .cifar10 import fetch_cifar10, load_cifar10

    path = fetch_cifar10(Path(args.data_home) if args.data_home else None)
    load_cifar10(Path(args.data_home) if args.data_home else None)  # builds the fast cache
    print(f"CIFAR-10 is ready in {path}")
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    from .site import SiteError, build_site

    root = _course_root(args.course)
    out = Path(args.out).resolve() if args.out else root / "build" / "site"
    start = time.perf_counter()
    try:
        index = build_site(root, out, dataset=args.dataset, assignments=args.assignments or None,
                           timeout=args.timeout, verbose=args.verbose)
    except SiteError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"site built in {time.perf_counter() - start:.0f} s: open {index}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cs231n-kit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        p.add_argument("--course", help="course folder (default: the kit's checkout)")
        p.add_argument("-v", "--verbose", action="store_true", help="show nbgrader's output")
        return p

    p = add("release", cmd_release, "regenerate assignments/ (student versions) from solutions/")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    add("check-sync", cmd_check_sync, "check that assignments/ matches a fresh release")
    p = add("autograde", cmd_autograde, "autograde submitted/<student>/<assignment>/ and print scores")
    p.add_argument("assignment")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--dataset", help="dataset for the notebooks (sets CS231N_DATASET), e.g. digits")
    p = add("grade", cmd_grade, "grade untrusted submissions in sandboxes, in parallel (recommended)")
    p.add_argument("assignment")
    p.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--dataset", help="dataset for the notebooks (sets CS231N_DATASET), e.g. digits")
    p.add_argument("--memory-mb", type=int, default=6144, help="memory limit per submission")
    p.add_argument("--cpu-seconds", type=int, default=900, help="CPU time limit per submission")
    p.add_argument("--cell-seconds", type=float, default=300, help="wall-time limit per cell")
    p.add_argument("--isolation", choices=ISOLATION_CHOICES, default="auto",
                   help="how submissions are isolated: auto (default: the strongest that works here, "
                        "probed before anyone is graded), or require bwrap, landlock or limits (stops "
                        "before grading anyone, saying why, when it cannot run)")
    p.add_argument("--no-sandbox", action="store_true", help="the same as --isolation limits")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--backend", choices=("local", "slurm", "kubernetes"), default="local",
                   help="where the jobs run: local processes (default), a Slurm job array, or a "
                        "Kubernetes Indexed Job manifest to apply")
    p.add_argument("--fresh", action="store_true",
                   help="grade everything again (default: resume, grading only what has no result)")
    p.add_argument("--throttle", type=int, default=50,
                   help="slurm/kubernetes: tasks running at once (default 50)")
    p.add_argument("--sbatch-arg", action="append", metavar="OPTION",
                   help="slurm: a further sbatch option, e.g. --sbatch-arg=--partition=short (repeatable)")
    p.add_argument("--image", help="kubernetes: the grading image (deploy/kubernetes/Dockerfile)")
    p.add_argument("--claim", help="kubernetes: the PersistentVolumeClaim holding the course folder")
    p.add_argument("--namespace", help="kubernetes: the namespace (default: kubectl's)")
    p = add("report", cmd_report, "write the class report of a graded assignment (report.html: score "
                                  "distributions, requirements most failed, review queue) and the course "
                                  "overview; without an assignment, the overview only")
    p.add_argument("assignment", nargs="?", help="a graded assignment (default: only the course overview)")
    grade_one_help = ("grade one submitted notebook: a JSON job spec in, a JSON result out "
                      "(what every backend runs)")
    p = sub.add_parser("grade-one", help=grade_one_help, description=grade_one_help)
    p.set_defaults(func=cmd_grade_one)
    p.add_argument("spec", nargs="?",
                   help="the job spec (grading/<assignment>/jobs/<student>__<notebook>.json)")
    p.add_argument("--list", help="a file of spec paths, one per line (with --index)")
    p.add_argument("--index", type=int, help="which spec of --list (default: $SLURM_ARRAY_TASK_ID or "
                                             "$JOB_COMPLETION_INDEX)")
    p = add("gradescope", cmd_gradescope, "write a Gradescope autograder.zip for an assignment")
    p.add_argument("assignment")
    p.add_argument("--out", help="zip to write (default: build/gradescope/<assignment>/autograder.zip)")
    p.add_argument("--dataset", default="cifar10", choices=["cifar10", "cifar10-subset", "digits"],
                   help="data the notebooks are graded on (default cifar10, downloaded by setup.sh)")
    p.add_argument("--subset", help="the .npz file of cifar10-subset (copied into the zip)")
    p.add_argument("--visible-visibility", default="visible",
                   choices=["visible", "hidden", "after_due_date", "after_published"],
                   help="when students see the visible tests' results (default visible)")
    p.add_argument("--hidden-visibility", default="after_published",
                   choices=["visible", "hidden", "after_due_date", "after_published"],
                   help="when students see the hidden tests' results (default after_published)")
    p.add_argument("--no-leaderboard", action="store_true", help="no validation-accuracy leaderboard")
    p.add_argument("--python", help="Python version setup.sh installs (default: this one's)")
    p.add_argument("--time-budget", type=int, default=1800,
                   help="seconds run_autograder may grade before it reports a failure (default 1800)")
    p.add_argument("--isolation", choices=ISOLATION_CHOICES, default="auto",
                   help="the sandbox's mode on Gradescope: auto (default: the strongest that starts in "
                        "the container, probed per submission) or one required (else no grade, a review)")
    p.add_argument("--memory-mb", type=int, default=6144, help="memory limit per submission")
    p.add_argument("--cpu-seconds", type=int, default=900, help="CPU time limit per submission")
    p.add_argument("--cell-seconds", type=float, default=300, help="wall-time limit per cell")
    p = add("feedback", cmd_feedback, "write HTML feedback for autograded submissions")
    p.add_argument("assignment")
    p = add("export", cmd_export, "export the gradebook to CSV (nbgrader's, or Canvas's with --canvas)")
    p.add_argument("--to", help="CSV path (default: grades.csv, or canvas_grades.csv, in the course folder)")
    p.add_argument("--canvas", action="store_true",
                   help="Canvas's gradebook-import layout: totals after late penalties, and points per part")
    p.add_argument("--assignment", action="append", help="with --canvas: only this assignment (repeatable)")
    p.add_argument("--no-parts", action="store_true", help="with --canvas: totals only, no column per part")
    p = add("grades", cmd_grades, "print the grade table of an assignment from the gradebook")
    p.add_argument("assignment")
    p = add("similarity", cmd_similarity, "rank pairs of students (and reference solutions) by code "
                                          "similarity per answer cell, starter removed; changes no grade")
    p.add_argument("assignment")
    p.add_argument("--reference", metavar="DIR",
                   help="reference solutions: .ipynb (cells matched by grade_id) and .py files (compared "
                        "with every answer cell), searched recursively")
    p.add_argument("--threshold", type=float, default=0.6,
                   help="flag pairs whose matching share of code reaches this (default 0.6)")
    p.add_argument("--min-tokens", type=int, default=80,
                   help="compare a cell only when its code, starter removed, has this many tokens "
                        "(default 80)")
    p.add_argument("--top", type=int, default=20,
                   help="unflagged pairs listed per cell besides the flagged ones (default 20)")
    p.add_argument("--workers", type=int, default=2, help="processes comparing cells at once (default 2)")
    p.add_argument("--max-shared", type=int, default=None, metavar="N",
                   help="MOSS's -m: code found in more than N answers of a cell is common code and does not "
                        "count (default max(10, a tenth of the class); the class size turns it off)")
    p = add("demo", cmd_demo, "release, autograde a demo class (full, blank, half) and print grades")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.add_argument("--dataset", default="digits", help="dataset to grade on (default: digits)")
    p.add_argument("--dir", help="where to build the demo course (default: build/demo-course)")
    p.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--plain", action="store_true",
                   help="grade with nbgrader's own autograde (no sandbox) instead")
    p = add("lab", cmd_lab, "start JupyterLab with nbgrader's tools working (no activation needed)")
    p.add_argument("lab_args", nargs=argparse.REMAINDER, help="passed on to jupyter lab")
    check_help = ("students: run a notebook's visible tests in a fresh kernel and say what to fix "
                  "(exit 0 when all pass)")
    p = sub.add_parser("check", help=check_help, description=check_help)
    p.set_defaults(func=cmd_check)
    p.add_argument("notebook", help="your notebook, e.g. assignments/svm/svm.ipynb")
    p.add_argument("--timeout", type=float, default=600, help="seconds per cell (default 600)")
    p.add_argument("--dataset", help="sets CS231N_DATASET for the run, e.g. digits for a quick check")
    p = add("download", cmd_download, "download and cache CIFAR-10 (about 170 MB)")
    p.add_argument("--data-home", help="where to put it (default: datasets/ or $CS231N_DATA_HOME)")
    p = add("site", cmd_site, "build the walkthrough site: executed solutions (no hidden tests) "
                              "and derivation pages, as HTML")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.add_argument("--dataset", default="digits",
                   help="dataset the notebooks run on (default: digits, fast and offline; "
                        "cifar10 when it is available)")
    p.add_argument("--out", help="output folder (default: build/site); the site is OUT/html")
    p.add_argument("--timeout", type=float, default=600, help="seconds per cell (default 600)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except course.CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
