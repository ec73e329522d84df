"""The class report: the numbers it computes, the tables it writes, the page a browser shows.

A synthetic class of StudentReports and JobResults is built in memory (full, zero, partial,
crashed, tampered, dead-twice, a name that is HTML, a retried job, a similarity run), so every
figure of the report has a value worked out by hand here. The last tests open the page in the
headless Chromium the suite already uses (tests/test_browser.py): the synthetic class and the
demo class ``cs231n-kit demo svm`` graded.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cs231n_utils.cli import main as cli_main
from cs231n_utils.grader.batch import PlannedJob, run_jobs
from cs231n_utils.grader.class_stats import WHOLE_CELL, class_stats
from cs231n_utils.grader.graded_jobs import read_graded_jobs
from cs231n_utils.grader.records import Flag, FlagKind, JobResult, JobSpec, StudentReport
from cs231n_utils.grader.report import format_report, read_rows, write_report
from cs231n_utils.grader.report_tables import cell_text
from cs231n_utils.grader.sandbox import Limits
from cs231n_utils.grader.similarity_file import read_similarity
from cs231n_utils.outcomes import RequirementOutcome, TestOutcome

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "build" / "report"
#: A student id that is HTML: it must never reach the page as markup.
EVIL = "<script>alert(1)<img src=x onerror=alert(2)>"


def _a(values: bool, loops: bool, values_msg: str = "", loops_msg: str = "") -> TestOutcome:
    """test_a (2 points): a rubric of two requirements, 1 point each."""
    reqs = [RequirementOutcome("values on a 7x5 matrix", 1.0, values, "" if values else values_msg),
            RequirementOutcome("no Python loops", 1.0, loops, "" if loops else loops_msg)]
    return TestOutcome("test_a", 2.0, sum(r.score for r in reqs), "", reqs)


def _b(score: float, message: str = "") -> TestOutcome:
    """test_b (1 point): no rubric, scored as a whole."""
    return TestOutcome("test_b", 1.0, score, message)


def synthetic_class() -> dict[str, JobResult]:
    """Student -> the JobResult of their one notebook (toy.ipynb), and how the job went."""
    dead = "the grader could not grade this submission (the job ended without a result 2 times)"
    return {
        "ada": JobResult([_a(True, True), _b(1.0)], [], "bwrap", 2.0, host="n1"),
        "bob": JobResult([_a(True, False, loops_msg="a for loop in row_means"),
                          _b(0.0, "expected 2.5, got 3.1")], [], "bwrap", 3.0, host="n1"),
        "cy": JobResult([_a(False, False, "expected 1.5, got 0.0", "not counted without the values"),
                         _b(0.0, "expected 2.5, got 4.25")], [], "bwrap", 4.0, host="n2"),
        "dee": JobResult([TestOutcome("test_a", 2.0, 0.0, "SandboxStopped: died"),
                          _b(0.0, "SandboxStopped: died")],
                         [Flag(FlagKind.STOPPED, "the submission's process was stopped: it died (exit 1)")],
                         "bwrap", 30.0, host="n2", attempts=2),
        EVIL: JobResult([_a(True, True), _b(1.0)],
                        [Flag(FlagKind.EDITED_CELL, f"cell test_a was edited by {EVIL}")], "landlock", 5.0,
                        host="n1"),
        "eve": JobResult([TestOutcome("test_a", 2.0, 0.0, dead), TestOutcome("test_b", 1.0, 0.0, dead)],
                         [Flag(FlagKind.GRADER_FAILED, dead)], "", 0.0, attempts=2),
        "fay": JobResult([_a(True, True), _b(1.0)], [Flag(FlagKind.UNKNOWN_CELL, "cell 'extra' ignored")],
                         "bwrap", 6.0, host="n1"),
    }


SIMILARITY = {
    "assignment": "toy", "threshold": 0.8,
    "pairs": [
        {"a": "ada", "b": "reference:public_solutions.py", "cell": "overall", "similarity": 0.88,
         "flagged": True, "a_code": "x = 1\n", "b_code": "x = 1\n",  # regions given: marked as given
         "a_spans": [[4, 5]], "b_spans": [[0, 1], [99, 100]]},  # (an offset past the code dropped)
        {"a": "bob", "b": "cy", "cell": "row_means", "similarity": 0.93, "flagged": True,
         "a_code": "def row_means(X):\n    return X.mean(axis=1)  # </pre><script>alert(3)</script>\n",
         "b_code": "def row_means(Z):\n    return X.mean(axis=1)  # </pre><script>alert(3)</script>\n"},
        {"a": "fay", "b": "ada", "cell": "row_means", "similarity": 0.41, "flagged": False,
         "a_code": "pass", "b_code": "pass"},
        {"a": "ada", "cell": "row_means", "similarity": 0.99, "flagged": True},  # no "b": skipped
    ],
}


def write_class(folder: Path, results: dict[str, JobResult], similarity: dict | None = SIMILARITY,
                assignment: str = "toy") -> list[StudentReport]:
    """The batch's folder as the grader leaves it: job specs, results, executed notebooks."""
    rows = []
    for student, result in sorted(results.items()):
        name = f"{student}__toy"
        executed = folder / "executed" / student / assignment / "toy.ipynb"
        spec = JobSpec(folder / "toy.ipynb", folder / "released.ipynb", executed,
                       folder / "results" / f"{name}.json", student=student, assignment=assignment)
        (folder / "jobs").mkdir(parents=True, exist_ok=True)
        (folder / "results").mkdir(parents=True, exist_ok=True)
        (folder / "jobs" / f"{name}.json").write_text(spec.to_json())
        (folder / "results" / f"{name}.json").write_text(result.to_json())
        executed.parent.mkdir(parents=True, exist_ok=True)
        executed.write_text("{}")
        row = StudentReport(student)
        row.add(result)
        rows.append(row)
    if similarity is not None:
        (folder / "similarity.json").write_text(json.dumps(similarity))
    return rows


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A course folder whose grading/toy holds the synthetic class, its report written (shared:
    a test that changes it works on :func:`graded_copy`)."""
    root = tmp_path_factory.mktemp("report") / "course"
    (root / "nbgrader_config.py").parent.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text())
    folder = root / "grading" / "toy"
    rows = write_class(folder, synthetic_class())
    write_report(folder, rows, "toy")
    return root, folder, rows


@pytest.fixture
def graded_copy(graded, tmp_path):
    """A copy of the graded course of its own."""
    root, folder, rows = graded
    copy = shutil.copytree(root, tmp_path / "course")
    return copy, copy / folder.relative_to(root), rows


def _stats(folder: Path, rows: list[StudentReport]):
    return class_stats(rows, "toy", read_graded_jobs(folder), read_similarity(folder / "similarity.json"))


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


# --------------------------------------------------------------------------- the numbers


def test_the_score_distribution_and_its_counts(graded):
    _, folder, rows = graded
    stats = _stats(folder, rows)
    scores = {r.student: r.score for r in stats.students}
    assert scores == {"ada": 3, "bob": 1, "cy": 0, "dee": 0, EVIL: 3, "eve": 0, "fay": 3}
    t = stats.total
    assert (t.points, t.count, t.full, t.zero) == (3, 7, 3, 3)
    assert t.mean == pytest.approx(10 / 7) and t.median == 1
    part_a, part_b = stats.parts
    assert (part_a.grade_id, part_a.distribution.points, part_a.distribution.scores) == (
        "test_a", 2, (2, 2, 1, 0, 0, 0, 2))  # by student id: <script..., ada, bob, cy, dee, eve, fay
    assert part_b.distribution.full == 3 and part_b.distribution.zero == 4


def test_requirements_are_ranked_by_the_share_who_failed_them(graded):
    _, folder, rows = graded
    ranked = [(q.grade_id, q.what, q.failed, q.students) for q in _stats(folder, rows).requirements]
    assert ranked == [
        ("test_b", WHOLE_CELL, 4, 7),  # bob, cy, dee, eve
        ("test_a", "no Python loops", 2, 7),  # bob, cy (before the tie below: the rubric's order)
        ("test_a", WHOLE_CELL, 2, 7),  # dee and eve: no requirement recorded
        ("test_a", "values on a 7x5 matrix", 1, 7),  # cy
    ]
    top = _stats(folder, rows).requirements[0]
    # bob's and cy's texts differ only in their numbers: one failure, two students
    assert top.common_failure == "expected 2.5, got 3.1" and top.common_count == 2
    assert top.failed_share == pytest.approx(4 / 7)


def test_the_review_queue_has_every_flagged_submission_and_why(graded):
    _, folder, rows = graded
    queue = {item.student: item for item in _stats(folder, rows).review}
    assert set(queue) == {"ada", "bob", "cy", "dee", EVIL, "eve"}  # fay's flag asks for nobody
    assert [r.label for r in queue["dee"].reasons] == ["stopped: crash, time or memory limit"]
    assert queue["dee"].notebooks == ("executed/dee/toy/toy.ipynb",)
    assert queue[EVIL].reasons[0].label.startswith("tampering")
    assert queue["eve"].reasons[0].label.startswith("grader failed")
    assert [r.text for r in queue["bob"].reasons] == ["similarity 0.93 with cy in row_means"]
    assert [r.text for r in queue["cy"].reasons] == ["similarity 0.93 with bob in row_means"]
    assert [r.text for r in queue["ada"].reasons] == [
        "similarity 0.88 with the reference public_solutions.py overall"]


def test_the_grading_facts_count_modes_times_and_retries(graded):
    _, folder, rows = graded
    facts = _stats(folder, rows).facts
    assert facts.per == "job" and dict(facts.isolation) == {"bwrap": 5, "landlock": 1, "": 1}
    assert (facts.retried, facts.died) == (1, 1)  # dee's retry wrote a result; eve's never did
    assert dict(facts.hosts) == {"n1": 4, "n2": 2}
    assert facts.total_seconds == 50 and facts.slowest[0].student == "dee"


def test_without_the_batchs_jobs_the_facts_come_from_the_students(graded):
    _, folder, rows = graded
    facts = class_stats(rows, "toy").facts
    assert facts.per == "student" and facts.seconds == tuple(r.seconds for r in rows)


def test_a_similarity_file_is_read_defensively(tmp_path):
    sim = tmp_path / "similarity.json"
    assert read_similarity(sim) is None
    sim.write_text(json.dumps(SIMILARITY))
    read = read_similarity(sim)
    assert [p.similarity for p in read.pairs] == [0.93, 0.88, 0.41]  # ranked; the pair without b skipped
    assert read.notes == ["pair 3 skipped: no 'b'"]
    assert (read.pairs[1].a_spans, read.pairs[1].b_spans) == (((4, 5),), ((0, 1),))
    sim.write_text('{"pairs": [')
    assert read_similarity(sim).pairs == [] and "could not be read" in read_similarity(sim).notes[0]
    sim.write_text(json.dumps({"pairs": [{"a": "x", "b": "y", "cell": "c", "similarity": "high"}]}))
    assert read_similarity(sim).notes == ["pair 0 skipped: similarity 'high' is not a number"]


# --------------------------------------------------------------------------- the files


def test_scores_csv_has_a_row_per_student_and_a_column_per_test(graded):
    _, folder, _ = graded
    rows = {r["student"]: r for r in _csv(folder / "scores.csv")}
    assert set(rows) == {"ada", "bob", "cy", "dee", EVIL, "eve", "fay"}
    assert (rows["bob"]["score"], rows["bob"]["test_a"], rows["bob"]["test_b"]) == ("1", "1", "0")
    assert (rows["dee"]["needs_review"], rows["dee"]["failed_tests"]) == ("yes", "2")
    assert rows["fay"]["first_flag"] == "cell 'extra' ignored" and rows["fay"]["needs_review"] == "no"


def test_requirements_csv_is_ranked(graded):
    _, folder, _ = graded
    rows = _csv(folder / "requirements.csv")
    assert [(r["rank"], r["test"], r["failed"]) for r in rows] == [
        ("1", "test_b", "4"), ("2", "test_a", "2"), ("3", "test_a", "2"), ("4", "test_a", "1")]
    assert rows[1]["requirement"] == "no Python loops" and rows[0]["failed_share"] == "0.571"


def test_review_csv_and_formula_looking_text(graded):
    _, folder, _ = graded
    queue = [r["student"] for r in _csv(folder / "review.csv")]
    assert queue == sorted(["ada", "bob", "cy", "dee", EVIL, "eve"])
    assert cell_text("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert cell_text("ada") == "ada"


def test_report_md_is_a_short_line_per_student(graded):
    _, folder, rows = graded
    text = (folder / "report.md").read_text()
    assert "report.html" in text.splitlines()[2]
    lines = [line for line in text.splitlines() if line.startswith("| ") and "student" not in line]
    assert len(lines) == len(rows)
    assert "| dee | 0 / 3 | yes | 2 | the submission's process was stopped: it died (exit 1) |" in lines
    assert "| ada | 3 / 3 | no | 0 |  |" in lines
    assert text == format_report(rows, "toy")


def test_the_page_escapes_every_student_string(graded):
    _, folder, _ = graded
    page = (folder / "report.html").read_text()
    assert EVIL not in page and "<img src=x" not in page and "alert(3)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;img src=x onerror=alert(2)&gt;" in page
    assert len(re.findall(r"<script\b", page)) == 1  # the page's own sorting script, nothing else
    assert "Content-Security-Policy" in page and "http://" not in page and "https://" not in page


def test_the_page_shows_the_similar_pairs_side_by_side(graded):
    _, folder, _ = graded
    page = (folder / "report.html").read_text()
    assert page.count('<div class="pair">') == 3
    shared = "    return X.mean(axis=1)  # &lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;"
    assert f"<mark>{shared}</mark>" in page
    assert "<mark>def row_means(X):</mark>" not in page  # the line they do not share is not marked
    assert "pair 3 skipped: no &#x27;b&#x27;" in page
    assert "<pre>x = <mark>1</mark>\n</pre><pre><mark>x</mark> = 1\n</pre>" in page


def test_without_a_similarity_run_the_page_says_how_to_make_one(tmp_path):
    folder = tmp_path / "grading" / "toy"
    rows = write_class(folder, synthetic_class(), similarity=None)
    write_report(folder, rows, "toy")
    page = (folder / "report.html").read_text()
    assert "cs231n-kit similarity toy" in page and '<div class="pair">' not in page
    assert [r["student"] for r in _csv(folder / "review.csv")] == sorted(["dee", EVIL, "eve"])


def test_the_course_overview_has_a_column_per_assignment(graded_copy):
    root, folder, rows = graded_copy
    second = root / "grading" / "softmax"
    results = {s: r for s, r in synthetic_class().items() if s in ("ada", "bob", "zed")}
    results["zed"] = JobResult([_b(1.0)], [], "bwrap", 1.0)
    write_report(second, write_class(second, results, assignment="softmax", similarity=None), "softmax")
    assert cli_main(["report", "--course", str(root)]) == 0
    overview = {r["student"]: r for r in _csv(root / "grading" / "overview.csv")}
    assert list(next(iter(overview.values()))) == ["student", "softmax", "toy", "total", "max_total",
                                                   "needs_review_in"]  # alphabetical without solutions/
    assert overview["ada"] == {"student": "ada", "softmax": "3", "toy": "3", "total": "6", "max_total": "6",
                                    "needs_review_in": ""}
    assert (overview["zed"]["toy"], overview["zed"]["total"]) == ("", "1")
    assert overview["dee"]["needs_review_in"] == "toy"
    page = (root / "grading" / "report.html").read_text()
    assert 'href="toy/report.html"' in page and EVIL not in page


def test_the_report_command_rebuilds_from_report_json(graded_copy, capsys):
    root, folder, rows = graded_copy
    for name in ("report.html", "scores.csv", "report.md"):
        (folder / name).unlink()
    assert cli_main(["report", "toy", "--course", str(root)]) == 0
    assert "6 to review" in capsys.readouterr().out
    assert (folder / "report.html").is_file() and (folder / "scores.csv").is_file()
    assert [r.to_dict() for r in read_rows(folder)] == [r.to_dict() for r in rows]
    with pytest.raises(SystemExit, match="grade the assignment first"):
        cli_main(["report", "nothing", "--course", str(root)])


def test_a_retry_is_recorded_in_the_result(tmp_path):
    """The batch writes attempts=2 into a result its retry wrote (the report's retries)."""

    class FlakyOnce:
        name = "flaky"

        def __init__(self):
            self.runs = 0

        def run(self, specs, limits, done=None):
            self.runs += 1
            for path in specs:
                spec = JobSpec.from_json(Path(path).read_text())
                if self.runs > 1 or spec.student == "steady":
                    spec.out_result.write_text(JobResult(digest=spec.digest).to_json())

    jobs = []
    for student in ("steady", "flaky"):
        spec = JobSpec(tmp_path / "s", tmp_path / "r", tmp_path / f"{student}.ipynb",
                       tmp_path / f"{student}.json", student=student, digest="d")
        path = tmp_path / f"{student}__spec.json"
        path.write_text(spec.to_json())
        jobs.append(PlannedJob(path, spec))
    run_jobs(jobs, FlakyOnce(), Limits(), progress=False)
    attempts = {j.spec.student: JobResult.from_json(j.spec.out_result.read_text()).attempts for j in jobs}
    assert attempts == {"steady": 1, "flaky": 2}
    assert JobResult.from_json('{"tests": []}').attempts == 1  # a result written before the field


# --------------------------------------------------------------------------- in a real browser


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium page factory (skips without playwright or Chromium, as test_browser)."""
    from .test_browser import CHROMIUM_ARGS, find_chromium

    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium executable (apt-get install chromium, or set CS231N_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Opened:
    """A page and what it did: dialogs it opened (a script ran), errors, requests off the file."""

    page: object
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def open_page(browser, path: Path) -> Opened:
    """The page at ``path``, recording any dialog, script error and request that leaves the file."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    opened = Opened(page)
    page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("request", lambda r: r.url.startswith(("file:", "data:")) or opened.outside.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return opened


def plots_loaded(page) -> list[tuple[str, int, int]]:
    """(id, natural width, height) of every plot image."""
    return page.eval_on_selector_all("img.plot",
                                     "els => els.map(e => [e.id, e.naturalWidth, e.naturalHeight])")


def column(page, table: str, index: int) -> list[str]:
    return page.eval_on_selector_all(f"#{table} tbody tr",
                                     f"rows => rows.map(r => r.cells[{index}].textContent.trim())")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.slow
def test_the_synthetic_report_renders_sorts_and_runs_no_student_script(graded, browser):
    _, folder, _ = graded
    opened = open_page(browser, folder / "report.html")
    page = opened.page
    try:
        assert page.title() == "toy: class report"
        loaded = plots_loaded(page)
        assert [i for i, _, _ in loaded] == ["plot-total", "plot-parts", "plot-seconds"]
        assert all(w > 0 and h > 0 for _, w, h in loaded), loaded
        # the tables read in order without a click: ranked requirements, students by id
        assert column(page, "requirements-table", 0) == ["1", "2", "3", "4"]
        assert column(page, "students-table", 0)[:3] == [EVIL, "ada", "bob"]
        page.click("#students-table th:nth-child(2)")  # score, ascending
        assert [float(s.split(" / ")[0]) for s in column(page, "students-table", 1)] == [0, 0, 0, 1, 3, 3, 3]
        page.click("#students-table th:nth-child(2)")  # and descending, ties in the page's order
        assert column(page, "students-table", 0)[:3] == [EVIL, "ada", "fay"]
        assert page.locator(".pair pre").count() == 6 and page.locator(".pair mark").count() > 0
        assert opened.dialogs == [] and opened.errors == [] and opened.outside == []
        screenshot(page, "synthetic-class")
    finally:
        page.close()


@pytest.mark.slow
def test_the_demo_class_report_renders_in_chromium(demo_class, browser):
    """``cs231n-kit demo svm`` (which grades with ``grade_class``) leaves a report a browser shows."""
    assert demo_class.returncode == 0, demo_class.stderr
    folder = demo_class.root / "grading" / "svm"
    opened = open_page(browser, folder / "report.html")
    page = opened.page
    try:
        loaded = plots_loaded(page)
        assert len(loaded) == 3 and all(w > 0 and h > 0 for _, w, h in loaded), loaded
        assert column(page, "students-table", 0) == ["blank", "full", "half"]
        ranked = [float(s.rstrip("%)").rsplit("(", 1)[1]) for s in column(page, "requirements-table", 3)]
        assert ranked == sorted(ranked, reverse=True) and ranked[0] > 0
        page.click("#students-table th:nth-child(2)")
        assert column(page, "students-table", 0) == ["blank", "half", "full"]
        assert opened.errors == [] and opened.outside == []
        print(f"screenshot: {screenshot(page, 'demo-svm')}")
    finally:
        page.close()
    overview = open_page(browser, demo_class.root / "grading" / "report.html").page
    try:
        assert column(overview, "overview-table", 0) == ["blank", "full", "half"]
        assert plots_loaded(overview)[0][1] > 0
    finally:
        overview.close()


def test_grading_a_few_students_keeps_the_rest_of_the_class_in_the_report(graded_copy):
    """``grade --student ada`` replaces her row and keeps every other student (batch._with_the_others)."""
    from cs231n_utils.grader.batch import _with_the_others

    _, folder, rows = graded_copy
    regraded = StudentReport("ada")
    regraded.add(JobResult([_a(False, False), _b(0.0)], [], "bwrap", 1.0))
    merged = _with_the_others(folder, [regraded])
    assert [r.student for r in merged] == sorted(r.student for r in rows)
    assert next(r for r in merged if r.student == "ada").score == regraded.score != next(
        r for r in rows if r.student == "ada").score
    assert _with_the_others(folder / "nothing-graded-here", [regraded]) == [regraded]
