"""The class report: what ``cs231n-kit grade`` and ``cs231n-kit report`` leave for the instructor.

In ``grading/<assignment>/``:

- ``report.json``: every student's :class:`~.records.StudentReport` (what other code reads);
- ``report.md``: one short line per student, for a terminal;
- ``report.html``: the page to read (:mod:`.report_html`): score distributions, the requirements
  ranked by the share of students who failed them, the review queue linking to the executed
  notebooks, similar answers (from ``similarity.json`` when ``cs231n-kit similarity`` ran),
  grading facts, every student;
- ``scores.csv``, ``requirements.csv``, ``review.csv``: the data behind it (:mod:`.report_tables`).

And in ``grading/``: ``report.html`` and ``overview.csv``, the course overview (a row per
student, a column per graded assignment). The records come from :mod:`.class_stats`,
:mod:`.graded_jobs`, :mod:`.similarity_file` and :mod:`.course_overview`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .isolation import describe
from .job import write_atomic
from .records import StudentReport

#: How much of a first flag report.md shows.
FLAG_CHARS = 90


@dataclass(frozen=True)
class WrittenReport:
    """What :func:`write_class_report` wrote: the page and the tables, and the review count."""

    html: Path
    tables: tuple[Path, ...]
    needs_review: int


def isolation_summary(rows: list[StudentReport]) -> list[str]:
    """One line per isolation mode the class was graded under (what ran, never what was assumed)."""
    counts: dict[str, int] = {}
    for r in rows:
        for mode in r.isolation.split(", ") if r.isolation else ["none (the sandbox never started)"]:
            counts[mode] = counts.get(mode, 0) + 1
    return [f"Isolation: {mode}, {n} submission{'s' if n != 1 else ''}"
            + (f" ({describe(mode)})" if not mode.startswith("none") else "") for mode, n in counts.items()]


def _cell(text: str) -> str:
    """``text`` on one line of a markdown table."""
    return " ".join(text.split()).replace("|", "/")


def format_report(rows: list[StudentReport], assignment: str) -> str:
    """The class report as short markdown: a line per student; the details are in report.html."""
    lines = [f"# {assignment}: class report", "",
             "Details (score distributions, the requirements most failed, the review queue and why, "
             "similar answers): report.html; data: scores.csv, requirements.csv, report.json.", "",
             *isolation_summary(rows), "",
             "| student | score | review | failed tests | first flag |", "|---|---|---|---|---|"]
    for r in rows:
        flag = _cell(r.flags[0].text) if r.flags else ""
        if len(flag) > FLAG_CHARS:
            flag = flag[: FLAG_CHARS - 1] + "…"
        review = "yes" if r.needs_review else "no"
        lines.append(f"| {_cell(r.student)} | {r.score:g} / {r.max_score:g} | {review} "
                     f"| {sum(not t.passed for t in r.tests)} | {flag} |")
    return "\n".join(lines) + "\n"


def write_class_report(folder: Path, rows: list[StudentReport], assignment: str) -> WrittenReport:
    """``report.html`` and its CSV tables in ``folder`` (``grading/<assignment>``).

    Parameters
    ----------
    folder : Path
        The assignment's grading folder; its ``jobs/`` and ``results/`` (when the batch left
        them) give the grading facts and the executed notebooks, its ``similarity.json`` (when
        there is one) the similar answers.
    rows : list of StudentReport
        One per student, in the order the report lists them.
    assignment : str

    Returns
    -------
    WrittenReport
    """
    from .class_stats import class_stats
    from .graded_jobs import read_graded_jobs
    from .report_html import render_class_report
    from .report_tables import requirements_csv, review_csv, scores_csv
    from .similarity_file import SIMILARITY_FILE, read_similarity

    folder = Path(folder)
    jobs = read_graded_jobs(folder, students=[r.student for r in rows])
    stats = class_stats(rows, assignment, jobs, read_similarity(folder / SIMILARITY_FILE))
    tables = []
    for name, text in (("scores.csv", scores_csv(stats)), ("requirements.csv", requirements_csv(stats)),
                       ("review.csv", review_csv(stats))):
        write_atomic(folder / name, text)
        tables.append(folder / name)
    html = folder / "report.html"
    write_atomic(html, render_class_report(stats))
    return WrittenReport(html, tuple(tables), stats.needs_review)


def write_overview(grading: Path, order: list[str] | None = None) -> Path:
    """The course overview, ``grading/report.html`` and ``grading/overview.csv``; returns the page.

    ``order`` is the course order of the assignments (default: the course's, read from the
    ``solutions/`` beside ``grading``, else alphabetical)."""
    from .course_overview import read_overview
    from .report_html import render_overview
    from .report_tables import overview_csv

    grading = Path(grading)
    if order is None and (grading.parent / "solutions").is_dir():
        from ..course import source_assignments

        order = source_assignments(grading.parent)
    overview = read_overview(grading, order)
    write_atomic(grading / "overview.csv", overview_csv(overview))
    page = grading / "report.html"
    write_atomic(page, render_overview(overview))
    return page


def read_rows(folder: Path) -> list[StudentReport]:
    """The students of ``folder/report.json`` (what the batch recorded)."""
    path = Path(folder) / "report.json"
    try:
        data = json.loads(path.read_text())
        return [StudentReport.from_dict(r) for r in data]
    except FileNotFoundError:
        raise FileNotFoundError(f"no {path}: grade the assignment first (cs231n-kit grade)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a list of student reports as the grader writes them "
                         f"({type(exc).__name__}: {exc})") from None


def write_report(folder: Path, rows: list[StudentReport], assignment: str,
                 order: list[str] | None = None) -> WrittenReport:
    """Everything the batch leaves in ``folder`` (``grading/<assignment>``), and the course overview.

    ``report.json`` and ``report.md`` first (what other code reads), then ``report.html`` with
    its tables, then ``grading/report.html`` over every graded assignment (in ``order``).
    """
    folder = Path(folder)
    write_atomic(folder / "report.json", json.dumps([r.to_dict() for r in rows], indent=1))
    write_atomic(folder / "report.md", format_report(rows, assignment))
    written = write_class_report(folder, rows, assignment)
    write_overview(folder.parent, order)
    return written
