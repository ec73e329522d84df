"""Read ``grading/<assignment>/similarity.json`` (written by ``cs231n-kit similarity``) for the report.

The class report shows the flagged pairs in its review queue and the closest pairs side by
side. The file comes from another command and may be older or newer than the report's idea of
it, so it is read defensively: a pair missing a key, or with a similarity that is not a number,
is skipped and the skip is said in :attr:`SimilarityFile.notes`, never an error.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The file's name in the assignment's grading folder.
SIMILARITY_FILE = "similarity.json"
#: What a pair's ``b`` starts with when it is a reference solution, not a student.
REFERENCE_PREFIX = "reference:"
_REQUIRED = ("a", "b", "cell", "similarity")


@dataclass(frozen=True)
class SimilarPair:
    """Two answers that look alike: student ``a`` and student (or reference) ``b``, in one cell.

    Attributes
    ----------
    a, b : str
        The students (``b`` may be ``"reference:<file name>"``).
    cell : str
        The answer cell's grade id, or ``"overall"``.
    similarity : float
        Between 0 and 1, higher is closer.
    flagged : bool
        Whether ``cs231n-kit similarity`` put the pair above its threshold.
    a_code, b_code : str
        The two answers as compared (starter code removed); empty when the file has none.
    a_spans, b_spans : tuple of (int, int)
        The matching regions, as (start, end) character offsets into ``a_code`` and ``b_code``,
        when the file gives them (optional keys ``a_spans`` and ``b_spans``); else empty, and
        the report marks the lines the two share.
    """

    a: str
    b: str
    cell: str
    similarity: float
    flagged: bool
    a_code: str = ""
    b_code: str = ""
    a_spans: tuple[tuple[int, int], ...] = ()
    b_spans: tuple[tuple[int, int], ...] = ()

    @property
    def b_is_reference(self) -> bool:
        return self.b.startswith(REFERENCE_PREFIX)

    @property
    def b_label(self) -> str:
        """``b`` as a reader says it: a student id, or "the reference <file>"."""
        return f"the reference {self.b[len(REFERENCE_PREFIX):]}" if self.b_is_reference else self.b


@dataclass
class SimilarityFile:
    """What a similarity run found, as far as it could be read."""

    assignment: str = ""
    threshold: float | None = None
    pairs: list[SimilarPair] = field(default_factory=list)  #: highest similarity first
    notes: list[str] = field(default_factory=list)  #: what could not be read, in words

    @property
    def flagged(self) -> list[SimilarPair]:
        return [p for p in self.pairs if p.flagged]


def _spans(data: Any, code: str) -> tuple[tuple[int, int], ...]:
    """The well-formed (start, end) offsets into ``code`` of ``data``; the rest dropped."""
    if not isinstance(data, list):
        return ()
    spans = []
    for item in data:
        if (isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(v, int) for v in item)
                and 0 <= item[0] < item[1] <= len(code)):
            spans.append((item[0], item[1]))
    return tuple(sorted(spans))


def _pair(data: Any, index: int, notes: list[str]) -> SimilarPair | None:
    if not isinstance(data, dict):
        notes.append(f"pair {index} skipped: expected an object, got {type(data).__name__}")
        return None
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        notes.append(f"pair {index} skipped: no {', '.join(repr(k) for k in missing)}")
        return None
    try:
        similarity = float(data["similarity"])
    except (TypeError, ValueError):
        similarity = math.nan
    if not math.isfinite(similarity):
        notes.append(f"pair {index} skipped: similarity {data['similarity']!r} is not a number")
        return None
    a_code, b_code = str(data.get("a_code") or ""), str(data.get("b_code") or "")
    return SimilarPair(str(data["a"]), str(data["b"]), str(data["cell"]), similarity,
                       bool(data.get("flagged", False)), a_code, b_code,
                       _spans(data.get("a_spans"), a_code), _spans(data.get("b_spans"), b_code))


def read_similarity(path: Path) -> SimilarityFile | None:
    """The pairs of a ``similarity.json``; None when there is no such file.

    Parameters
    ----------
    path : Path
        The file (``grading/<assignment>/similarity.json``).

    Returns
    -------
    SimilarityFile or None
        The readable pairs, highest similarity first, with a note for each thing skipped (an
        unreadable file gives no pairs and one note).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return SimilarityFile(notes=[f"{path.name} could not be read: {exc}"])
    if not isinstance(data, dict):
        return SimilarityFile(notes=[f"{path.name}: expected an object with 'pairs', got "
                                     f"{type(data).__name__}"])
    notes: list[str] = []
    raw = data.get("pairs")
    if not isinstance(raw, list):
        notes.append(f"{path.name} has no list of 'pairs'")
        raw = []
    pairs = [p for i, item in enumerate(raw) if (p := _pair(item, i, notes)) is not None]
    pairs.sort(key=lambda p: -p.similarity)
    try:
        threshold = float(data["threshold"]) if "threshold" in data else None
    except (TypeError, ValueError):
        threshold = None
        notes.append(f"threshold {data['threshold']!r} is not a number")
    return SimilarityFile(str(data.get("assignment", "")), threshold, pairs, notes)
