"""What one graded test cell earned: the record every stage reports in.

The kit's grader, the class report, the gradebook summary and the students' self-check all
describe a test cell the same way, with :class:`TestOutcome`. It lives in the student runtime
(it imports nothing) because the self-check uses it too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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
    """

    __test__ = False  # not a pytest test class, despite the name

    grade_id: str
    points: float
    score: float = 0.0
    message: str = ""

    @property
    def passed(self) -> bool:
        """True when the cell earned every point."""
        return self.score >= self.points

    @property
    def lost(self) -> float:
        """Points the cell did not earn."""
        return self.points - self.score

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``passed`` included for readers of the report)."""
        return {**asdict(self), "passed": self.passed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestOutcome:
        """The inverse of :meth:`to_dict`."""
        return cls(str(data["grade_id"]), float(data["points"]), float(data.get("score", 0.0)),
                   str(data.get("message", "")))
