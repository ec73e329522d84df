"""What a graded class looks like from above: the records the class report is rendered from.

:func:`class_stats` turns the students' :class:`~.records.StudentReport` (with, when the batch's
folder has them, the :class:`~.graded_jobs.GradedJob` and a similarity run's pairs) into typed
records: the score distribution of the assignment and of each test cell, every requirement
ranked by the share of students who failed it, the review queue with its reasons, and the
grading facts. Nothing here renders; :mod:`.report_html` and :mod:`.report_tables` do.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .graded_jobs import GradedJob
from .records import FlagKind, StudentReport
from .similarity_file import SimilarityFile

#: The review queue's reason for each kind of flag that asks for a human (a short label).
FLAG_REASONS = {
    FlagKind.UNREADABLE: "unreadable submission",
    FlagKind.EDITED_CELL: "tampering: a read-only cell edited",
    FlagKind.CHANGED_POINTS: "tampering: points changed",
    FlagKind.DUPLICATE_CELL: "tampering: a cell duplicated",
    FlagKind.MISSING_CELL: "an answer cell deleted",
    FlagKind.STOPPED: "stopped: crash, time or memory limit",
    FlagKind.SETUP_FAILED: "setup failed",
    FlagKind.ISOLATION: "isolation",
    FlagKind.GRADER_FAILED: "grader failed: the job died twice",
    FlagKind.UNKNOWN_CELL: "an unknown cell",
}
#: The review queue's reason for a pair of look-alike answers.
SIMILARITY_REASON = "similarity"
#: The requirement's name for a test cell outcome that records no requirement (no rubric, or the
#: cell stopped before its rubric scored).
WHOLE_CELL = "the whole cell (no requirement recorded)"
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


@dataclass(frozen=True)
class Distribution:
    """Scores out of ``points``, one per student, and what an instructor reads off them first.

    Attributes
    ----------
    points : float
        The most a student could earn.
    scores : tuple of float
        One per student, in the order of the students.
    """

    points: float
    scores: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.scores)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores) if self.scores else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.scores) if self.scores else 0.0

    @property
    def full(self) -> int:
        """Students with every point."""
        return sum(s >= self.points for s in self.scores)

    @property
    def zero(self) -> int:
        """Students with no point."""
        return sum(s <= 0 for s in self.scores)


@dataclass(frozen=True)
class PartStats:
    """One graded test cell across the class."""

    grade_id: str
    distribution: Distribution


@dataclass(frozen=True)
class RequirementStats:
    """One requirement of one test cell across the class.

    Attributes
    ----------
    grade_id : str
        The test cell.
    what : str
        The requirement as the students read it (:data:`WHOLE_CELL` for outcomes with none).
    share : float
        Its points (the largest share seen; 0 for :data:`WHOLE_CELL`).
    students : int
        Students graded on the cell.
    failed : int
        Students who failed it.
    common_failure : str
        The most common failure text (one example of it: texts that differ only in their
        numbers count as one), "" when nobody failed.
    common_count : int
        Students whose failure text is that one.
    """

    grade_id: str
    what: str
    share: float
    students: int
    failed: int
    common_failure: str = ""
    common_count: int = 0

    @property
    def failed_share(self) -> float:
        """The share of the cell's students who failed it."""
        return self.failed / self.students if self.students else 0.0


@dataclass(frozen=True)
class ReviewReason:
    """Why a submission is in the review queue: a short label and the sentence behind it."""

    label: str
    text: str


@dataclass(frozen=True)
class ReviewItem:
    """One submission a human should look at before its score stands."""

    student: str
    score: float
    max_score: float
    reasons: tuple[ReviewReason, ...]
    notebooks: tuple[str, ...] = ()  #: executed notebooks, relative to the grading folder


@dataclass(frozen=True)
class SlowJob:
    student: str
    notebook: str
    seconds: float


@dataclass(frozen=True)
class GradingFacts:
    """How the class was graded: where, under which isolation, how long, what was retried.

    Attributes
    ----------
    isolation : tuple of (str, int)
        Each isolation mode the notebooks ran under ("" when the sandbox never started) and how
        many notebooks (or students, when the jobs are not at hand) ran under it.
    per : str
        What :attr:`isolation` and :attr:`seconds` count: ``"job"`` (one notebook) or
        ``"student"`` (the report was rebuilt from ``report.json`` alone).
    seconds : tuple of float
        Grading time of each job (or student).
    retried : int
        Jobs that needed a second run (their first died).
    died : int
        Jobs that died on every run (flagged, graded 0 until a human looks).
    hosts : tuple of (str, int)
        The machines that ran the jobs and how many each.
    slowest : tuple of SlowJob
        The slowest few jobs.
    """

    isolation: tuple[tuple[str, int], ...]
    per: str
    seconds: tuple[float, ...]
    retried: int = 0
    died: int = 0
    hosts: tuple[tuple[str, int], ...] = ()
    slowest: tuple[SlowJob, ...] = ()

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds) if self.seconds else 0.0


@dataclass(frozen=True)
class ClassStats:
    """Everything the class report shows, computed once."""

    assignment: str
    students: tuple[StudentReport, ...]
    total: Distribution
    parts: tuple[PartStats, ...]
    requirements: tuple[RequirementStats, ...]  #: highest failed share first
    review: tuple[ReviewItem, ...]
    facts: GradingFacts
    similarity: SimilarityFile | None = None
    test_ids: tuple[str, ...] = field(default=())  #: every test cell, in notebook order

    @property
    def needs_review(self) -> int:
        return len(self.review)


def test_ids(rows: Sequence[StudentReport]) -> list[str]:
    """Every test cell's grade id, in the order the students' reports list them."""
    seen: dict[str, None] = {}
    for row in rows:
        for t in row.tests:
            seen.setdefault(t.grade_id, None)
    return list(seen)


def _parts(rows: Sequence[StudentReport], ids: list[str]) -> list[PartStats]:
    parts = []
    for grade_id in ids:
        outcomes = [t for r in rows for t in r.tests if t.grade_id == grade_id]
        points = max(t.points for t in outcomes)
        parts.append(PartStats(grade_id, Distribution(points, tuple(t.score for t in outcomes))))
    return parts


def _common(texts: list[str]) -> tuple[str, int]:
    """The most common text, counting texts that differ only in their numbers as one."""
    if not texts:
        return "", 0
    groups: dict[str, list[str]] = {}
    for text in texts:
        groups.setdefault(_NUMBER.sub("#", text.strip()), []).append(text.strip())
    key = max(groups, key=lambda k: len(groups[k]))  # the first seen wins a tie
    example = Counter(groups[key]).most_common(1)[0][0]
    return example, len(groups[key])


def _requirements(rows: Sequence[StudentReport], ids: list[str]) -> list[RequirementStats]:
    found = []
    for grade_id in ids:
        outcomes = [t for r in rows for t in r.tests if t.grade_id == grade_id]
        shares: dict[str, float] = {}
        failures: dict[str, list[str]] = {}
        for t in outcomes:
            for req in t.requirements:
                shares[req.what] = max(shares.get(req.what, 0.0), req.share)
                failures.setdefault(req.what, [])
                if not req.passed:
                    failures[req.what].append(req.message or "(no message)")
        whole = [t for t in outcomes if not t.requirements]
        if whole:
            shares[WHOLE_CELL] = 0.0
            failures[WHOLE_CELL] = [t.message or "(no message)" for t in whole if not t.passed]
        for what, share in shares.items():
            text, count = _common(failures[what])
            found.append(RequirementStats(grade_id, what, share, len(outcomes), len(failures[what]),
                                          text, count))
    # stable: among equal shares, the order of the notebook and of the rubric
    return sorted(found, key=lambda r: (-r.failed_share, -r.failed))


def _review(rows: Sequence[StudentReport], jobs: Sequence[GradedJob],
            similarity: SimilarityFile | None) -> list[ReviewItem]:
    pairs: dict[str, list[ReviewReason]] = {}
    if similarity is not None:
        for p in similarity.flagged:
            cell = "overall" if p.cell == "overall" else f"in {p.cell}"
            pairs.setdefault(p.a, []).append(ReviewReason(
                SIMILARITY_REASON, f"similarity {p.similarity:.2f} with {p.b_label} {cell}"))
            if not p.b_is_reference:
                pairs.setdefault(p.b, []).append(ReviewReason(
                    SIMILARITY_REASON, f"similarity {p.similarity:.2f} with {p.a} {cell}"))
    notebooks: dict[str, list[str]] = {}
    for job in jobs:
        if job.executed:
            notebooks.setdefault(job.student, []).append(job.executed)
    queue = []
    for row in rows:
        reasons = [ReviewReason(FLAG_REASONS.get(f.kind, f.kind.value), f.text)
                   for f in row.flags if f.needs_review]
        reasons += pairs.get(row.student, [])
        if reasons:
            queue.append(ReviewItem(row.student, row.score, row.max_score, tuple(reasons),
                                    tuple(notebooks.get(row.student, ()))))
    return queue


def _counted(values: list[str]) -> tuple[tuple[str, int], ...]:
    return tuple(Counter(values).most_common())


def grading_facts(rows: Sequence[StudentReport], jobs: Sequence[GradedJob], slowest: int = 5) -> GradingFacts:
    """The facts of the jobs when there are any, else what the students' reports say."""
    if not jobs:
        modes = [m for r in rows for m in (r.isolation.split(", ") if r.isolation else [""])]
        return GradingFacts(_counted(modes), "student", tuple(r.seconds for r in rows))
    by_time = sorted(jobs, key=lambda j: -j.result.seconds)[:slowest]
    return GradingFacts(
        _counted([j.result.isolation for j in jobs]), "job", tuple(j.result.seconds for j in jobs),
        retried=sum(j.result.attempts > 1 and not j.died for j in jobs),
        died=sum(j.died for j in jobs), hosts=_counted([j.result.host for j in jobs if j.result.host]),
        slowest=tuple(SlowJob(j.student, j.notebook, j.result.seconds) for j in by_time))


def class_stats(rows: Sequence[StudentReport], assignment: str, jobs: Sequence[GradedJob] = (),
                similarity: SimilarityFile | None = None) -> ClassStats:
    """The class report's records for ``rows``.

    Parameters
    ----------
    rows : sequence of StudentReport
        One per student, in the order the report lists them.
    assignment : str
    jobs : sequence of GradedJob, optional
        The batch's jobs (:func:`~.graded_jobs.read_graded_jobs`): the grading facts per job and
        the executed notebooks the review queue links to.
    similarity : SimilarityFile, optional
        A similarity run's pairs: the flagged ones join the review queue.

    Returns
    -------
    ClassStats
    """
    rows = tuple(rows)
    ids = test_ids(rows)
    total = Distribution(max((r.max_score for r in rows), default=0.0), tuple(r.score for r in rows))
    return ClassStats(assignment, rows, total, tuple(_parts(rows, ids)), tuple(_requirements(rows, ids)),
                      tuple(_review(rows, jobs, similarity)), grading_facts(rows, jobs), similarity,
                      tuple(ids))
