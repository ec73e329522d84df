"""What one graded test cell earned: the record every stage reports in.

The kit's grader, the class report, the gradebook summary and the students' self-check all
describe a test cell the same way, with :class:`TestOutcome`. It lives in the student runtime
(it imports nothing) because the self-check uses it too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RequirementOutcome:
    """One requirement of a test cell (a :class:`~cs231n_utils.grading.Rubric` block) and how it went.

    Attributes
    ----------
    what : str
        The requirement, as the student reads it ("the gradient", "no Python loops").
    share : float
        Its share of the cell's points.
    passed : bool
        Whether it earned its share.
    message : str
        Why it failed and how to fix it; empty when it passed.
    """

    what: str
    share: float
    passed: bool
    message: str = ""

    @property
    def score(self) -> float:
        """The points it earned: its share, or 0."""
        return self.share if self.passed else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequirementOutcome:
        return cls(str(data["what"]), float(data["share"]), bool(data["passed"]),
                   str(data.get("message", "")))


@dataclass
class TestOutcome:
    """The points one test cell earned, and why it lost any.

    Attributes
    ----------
    grade_id : str
        The cell's nbgrader id, e.g. ``"test_svm_loss_naive"``.
    points : float
        What the cell is worth.
    score : float
        What it earned: ``points``, a share (partial credit, one share per requirement), or 0.
    message : str
        Why it lost points: the failed requirements, or the error; empty when it earned all.
    requirements : list of RequirementOutcome
        Every requirement of the cell, passed or not, when the cell was scored by rubrics whose
        shares add up to its score; empty for a cell scored as a whole (no rubric, or it
        stopped before scoring).
    """

    __test__ = False  # not a pytest test class, despite the name

    grade_id: str
    points: float
    score: float = 0.0
    message: str = ""
    requirements: list[RequirementOutcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when the cell earned every point."""
        return self.score >= self.points

    @property
    def lost(self) -> float:
        """Points the cell did not earn."""
        return self.points - self.score

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``passed`` included for readers of the report; ``requirements`` only
        when there are any, so that a cell scored as a whole reads as it always did)."""
        data = {**asdict(self), "passed": self.passed}
        data.pop("requirements")
        if self.requirements:
            data["requirements"] = [r.to_dict() for r in self.requirements]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestOutcome:
        """The inverse of :meth:`to_dict`."""
        return cls(str(data["grade_id"]), float(data["points"]), float(data.get("score", 0.0)),
                   str(data.get("message", "")),
                   [RequirementOutcome.from_dict(r) for r in data.get("requirements", [])])
