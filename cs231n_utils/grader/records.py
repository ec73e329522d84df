"""The typed records the grader's stages hand each other (JSON, never pickle).

A :class:`JobSpec` goes into a job (one submission notebook), a :class:`JobResult` comes out;
a :class:`Flag` is something a human should know about a submission; a batch turns the
results into one :class:`StudentReport` per student. Test cells are reported as
:class:`~cs231n_utils.outcomes.TestOutcome`, the record the self-check uses too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from ..outcomes import TestOutcome
from .sandbox import Limits


class FlagKind(str, Enum):
    """What a flag is about."""

    UNREADABLE = "unreadable"  #: not a notebook, unreadable, or a symbolic link: nothing was graded
    UNKNOWN_CELL = "unknown_cell"  #: a cell id the assignment does not have (ignored)
    EDITED_CELL = "edited_cell"  #: a read-only cell was changed (the original was graded)
    CHANGED_POINTS = "changed_points"  #: a cell's points were changed (the original points count)
    DUPLICATE_CELL = "duplicate_cell"  #: a cell appears more than once (the first copy was graded)
    MISSING_CELL = "missing_cell"  #: an answer cell was deleted
    STOPPED = "stopped"  #: the submission's process died, timed out or hit a limit
    SETUP_FAILED = "setup_failed"  #: a setup or data cell of the notebook failed in the sandbox
    ISOLATION = "isolation"  #: graded with less isolation than the batch found, or limits only on a cluster
    GRADER_FAILED = "grader_failed"  #: the grader itself could not grade the notebook

    @property
    def needs_review(self) -> bool:
        """Whether a human must look before the score stands."""
        return self is not FlagKind.UNKNOWN_CELL


@dataclass(frozen=True)
class Flag:
    """One thing about a submission that the score alone does not say."""

    kind: FlagKind
    text: str  #: the sentence shown in the report

    @property
    def needs_review(self) -> bool:
        return self.kind.needs_review

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind.value, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Flag:
        return cls(FlagKind(data["kind"]), str(data["text"]))


@dataclass(frozen=True)
class JobSpec:
    """Everything one job needs to grade one submitted notebook, wherever the job runs.

    With ``folder`` (the student's ``submitted/<student>/<assignment>/``) the job stages its own
    scratch copy of it and grades ``folder/<notebook>`` there, so the spec is all a process on
    another machine needs; without it, ``submission`` and ``workdir`` name a copy already staged.
    """

    source: Path  #: the instructor's notebook (solutions/<a>/<nb>.ipynb)
    release: Path  #: the released student version (assignments/<a>/<nb>.ipynb)
    out_notebook: Path  #: where the executed notebook is written
    out_result: Path  #: where the :class:`JobResult` is written
    folder: Path | None = None  #: the submission folder to stage (None: already staged)
    submission: Path | None = None  #: the staged notebook (when ``folder`` is None)
    workdir: Path | None = None  #: the staged folder, the sandbox's working directory
    student: str = ""
    assignment: str = ""
    limits: Limits = field(default_factory=Limits)
    env: dict[str, str] = field(default_factory=dict)  #: data variables for the notebook (config.data_env)
    readonly: tuple[Path, ...] = ()  #: data the sandbox may read
    slot: int = 0  #: worker slot (its own uid in the sandbox)
    isolation: str = "auto"  #: the mode asked for: auto, or one of sandbox.MODES exactly
    expected: str = ""  #: the mode the batch's probe found ("": the job probes for itself)
    problem: str | None = None  #: a reason found before grading not to read the submission
    digest: str = ""  #: sha256 of the submitted notebook when planned (a result is for this file only)

    _PATHS = ("source", "release", "out_notebook", "out_result", "folder", "submission", "workdir")

    @property
    def notebook(self) -> str:
        """The notebook's file name."""
        return self.source.name

    def to_json(self) -> str:
        data = asdict(self)
        data.update({k: (None if data[k] is None else str(data[k])) for k in self._PATHS})
        data["readonly"] = [str(p) for p in self.readonly]
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> JobSpec:
        data = json.loads(text)
        paths = {k: (None if data.get(k) is None else Path(data[k])) for k in cls._PATHS}
        return cls(**paths, student=str(data.get("student", "")), assignment=str(data.get("assignment", "")),
                   limits=Limits(**data.get("limits", {})), env=dict(data.get("env", {})),
                   readonly=tuple(Path(p) for p in data.get("readonly", [])), slot=int(data.get("slot", 0)),
                   isolation=str(data.get("isolation", "auto" if data.get("isolate", True) else "limits")),
                   expected=str(data.get("expected", "")), problem=data.get("problem"),
                   digest=str(data.get("digest", "")))


class Scored:
    """The score, the points and the review of a record of test outcomes and flags."""

    tests: list[TestOutcome]
    flags: list[Flag]

    @property
    def score(self) -> float:
        """Points earned: the sum over the tests."""
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        """Points available: the sum over the tests."""
        return sum(t.points for t in self.tests)

    @property
    def needs_review(self) -> bool:
        """Whether a flag asks for a human to look."""
        return any(f.needs_review for f in self.flags)


@dataclass
class JobResult(Scored):
    """What one job found: the test outcomes and the flags."""

    tests: list[TestOutcome] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    isolation: str = ""
    seconds: float = 0.0
    digest: str = ""  #: the JobSpec's digest: which submitted file this result grades
    host: str = ""  #: the machine that ran the job
    attempts: int = 1  #: runs of the job it took (the batch sets 2 when a retry wrote the result)

    def to_json(self) -> str:
        return json.dumps({"score": self.score, "max_score": self.max_score,
                           "needs_review": self.needs_review, "isolation": self.isolation,
                           "seconds": self.seconds, "digest": self.digest, "host": self.host,
                           "attempts": self.attempts,
                           "tests": [t.to_dict() for t in self.tests],
                           "flags": [f.to_dict() for f in self.flags]}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> JobResult:
        data = json.loads(text)
        return cls([TestOutcome.from_dict(t) for t in data.get("tests", [])],
                   [Flag.from_dict(f) for f in data.get("flags", [])],
                   str(data.get("isolation", "")), float(data.get("seconds", 0.0)),
                   str(data.get("digest", "")), str(data.get("host", "")),
                   int(data.get("attempts", 1)))


@dataclass
class StudentReport(Scored):
    """One student's outcome on one assignment (all its notebooks)."""

    student: str
    tests: list[TestOutcome] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    seconds: float = 0.0
    isolation: str = ""  #: the mode(s) the notebooks were graded under ("bwrap", "bwrap, landlock")

    def add(self, result: JobResult) -> None:
        """Fold one notebook's result into the student's."""
        self.tests += result.tests
        self.flags += result.flags
        self.seconds += result.seconds
        modes = [m for m in self.isolation.split(", ") if m]
        if result.isolation and result.isolation not in modes:
            self.isolation = ", ".join([*modes, result.isolation])

    def to_dict(self) -> dict[str, Any]:
        return {"student": self.student, "score": self.score, "max_score": self.max_score,
                "needs_review": self.needs_review, "seconds": self.seconds, "isolation": self.isolation,
                "tests": [t.to_dict() for t in self.tests], "flags": [f.to_dict() for f in self.flags]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StudentReport:
        """The inverse of :meth:`to_dict` (the report.json rows)."""
        return cls(str(data["student"]), [TestOutcome.from_dict(t) for t in data.get("tests", [])],
                   [Flag.from_dict(f) for f in data.get("flags", [])], float(data.get("seconds", 0.0)),
                   str(data.get("isolation", "")))
