"""The data behind the class report, as CSV: one table per question the report answers.

``scores.csv`` (a row per student, a column per test cell), ``requirements.csv`` (every
requirement, most failed first), ``review.csv`` (the review queue) and the course's
``overview.csv`` (a row per student, a column per assignment). Text a student could have
chosen (names, messages) that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``
first) is written with a leading ``'``, so opening the file runs nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .class_stats import ClassStats
from .course_overview import CourseOverview

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell_text(text: str) -> str:
    """``text`` safe to open in a spreadsheet (a formula-looking start quoted)."""
    return "'" + text if text.startswith(_FORMULA) else text


def _csv(header: list[str], rows: Iterable[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _num(value: float) -> str:
    return f"{value:g}"


def scores_csv(stats: ClassStats) -> str:
    """A row per student: the score, the review, the failed tests, the first flag, each test's score."""
    header = ["student", "score", "max_score", "needs_review", "failed_tests", "first_flag", *stats.test_ids]
    rows = []
    for r in stats.students:
        by_id = {t.grade_id: t.score for t in r.tests}
        rows.append([cell_text(r.student), _num(r.score), _num(r.max_score),
                     "yes" if r.needs_review else "no", sum(not t.passed for t in r.tests),
                     cell_text(r.flags[0].text if r.flags else ""),
                     *(_num(by_id[g]) if g in by_id else "" for g in stats.test_ids)])
    return _csv(header, rows)


def requirements_csv(stats: ClassStats) -> str:
    """Every requirement, the most failed first."""
    header = ["rank", "test", "requirement", "share", "students", "failed", "failed_share",
              "most_common_failure", "students_with_that_failure"]
    return _csv(header, ([i, q.grade_id, q.what, _num(q.share), q.students, q.failed, f"{q.failed_share:.3f}",
                          cell_text(q.common_failure), q.common_count]
                         for i, q in enumerate(stats.requirements, 1)))


def review_csv(stats: ClassStats) -> str:
    """The review queue: each flagged submission, its reasons and its executed notebooks."""
    header = ["student", "score", "max_score", "reasons", "executed_notebooks"]
    return _csv(header, ([cell_text(item.student), _num(item.score), _num(item.max_score),
                          cell_text(" | ".join(f"{r.label}: {r.text}" for r in item.reasons)),
                          " ".join(item.notebooks)] for item in stats.review))


def overview_csv(overview: CourseOverview) -> str:
    """A row per student, a column per assignment (empty: no submission), the total."""
    names = [a.name for a in overview.assignments]
    header = ["student", *names, "total", "max_total", "needs_review_in"]
    rows = []
    for s in overview.students:
        rows.append([cell_text(s), *(_num(a.reports[s].score) if s in a.reports else ""
                                     for a in overview.assignments),
                     _num(overview.total(s)), _num(overview.points), " ".join(overview.needs_review(s))])
    return _csv(header, rows)
