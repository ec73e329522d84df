"""The class report: every student's score, each test that lost points and why, the flags."""

from __future__ import annotations

import json
from pathlib import Path

from .isolation import describe
from .records import StudentReport


def isolation_summary(rows: list[StudentReport]) -> list[str]:
    """One line per isolation mode the class was graded under (what ran, never what was assumed)."""
    counts: dict[str, int] = {}
    for r in rows:
        for mode in r.isolation.split(", ") if r.isolation else ["none (the sandbox never started)"]:
            counts[mode] = counts.get(mode, 0) + 1
    return [f"Isolation: {mode}, {n} submission{'s' if n != 1 else ''}"
            + (f" ({describe(mode)})" if not mode.startswith("none") else "") for mode, n in counts.items()]


def format_report(rows: list[StudentReport], assignment: str) -> str:
    """The class report as markdown."""
    lines = [f"# {assignment}: class report", "", *isolation_summary(rows), "",
             "| student | score | review | isolation | tests that lost points | flags |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lost = "; ".join(f"{t.grade_id} ({t.score:g}/{t.points:g}): {t.message[:200]}"
                         for t in r.tests if not t.passed)
        flags = "; ".join(f.text for f in r.flags)
        lines.append(f"| {r.student} | {r.score:g} / {r.max_score:g} | {'YES' if r.needs_review else ''} "
                     f"| {r.isolation or 'none'} | {lost.replace('|', '/') or 'none'} "
                     f"| {flags.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def write_report(folder: Path, rows: list[StudentReport], assignment: str) -> None:
    """``report.json`` and ``report.md`` in ``folder``."""
    (folder / "report.json").write_text(json.dumps([r.to_dict() for r in rows], indent=1))
    (folder / "report.md").write_text(format_report(rows, assignment))
