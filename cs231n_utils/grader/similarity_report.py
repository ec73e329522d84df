"""Write a :class:`~.similarity.SimilarityReport`: similarity.json, similarity.csv, similarity.html
and the terminal summary.

- ``similarity.json``: ``{"assignment", "threshold", "pairs": [{"a", "b", "cell", "similarity",
  "flagged", "a_code", "b_code", "a_spans", "b_spans"}], "max_shared"}``, the pairs ranked per cell
  (in the notebook's order) and then ``overall``. The class report reads it and puts the flagged
  pairs in its review queue, so those keys stay as they are; ``max_shared`` (the MOSS ``-m`` used:
  code in more answers of a cell than this was ignored) was added after them, and a reader
  that does not know it ignores it.
- ``similarity.csv``: the same pairs, one row each, with both sides' shares and the rank, no code.
- ``similarity.html``: one page that opens offline: what was compared per cell, the ranked pairs
  and, for each pair, the two codes side by side with the matching regions marked. Every piece
  of student code is HTML-escaped.
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Sequence
from pathlib import Path

from .similarity import OVERALL, Pair, SimilarityReport

#: Pairs per cell shown side by side in the HTML page (the rest are in the tables and the files).
SIDE_BY_SIDE = 60
#: Flagged pairs named in the terminal summary.
SUMMARY_PAIRS = 10


def write_all(report: SimilarityReport, folder: Path) -> list[Path]:
    """similarity.json, .csv and .html in ``folder`` (created); returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "similarity.json", folder / "similarity.csv", folder / "similarity.html"]
    paths[0].write_text(json.dumps(report.to_dict(), indent=1) + "\n")
    write_csv(report, paths[1])
    paths[2].write_text(html_page(report))
    return paths


def write_csv(report: SimilarityReport, path: Path) -> None:
    """One row per listed pair: cell, rank in the cell, a, b, similarity, shares, flagged."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["cell", "rank", "a", "b", "similarity", "a_share", "b_share", "flagged"])
        rank: dict[str, int] = {}
        for p in report.pairs:
            rank[p.cell] = rank.get(p.cell, 0) + 1
            w.writerow([p.cell, rank[p.cell], p.a, p.b, f"{p.similarity:.4f}", f"{p.a_share:.4f}",
                        f"{p.b_share:.4f}", int(p.flagged)])


def summary(report: SimilarityReport) -> str:
    """A few lines for the terminal: per cell what was compared, then the top flagged pairs."""
    s = report.settings
    lines = [f"similarity of {report.assignment}: flagged at >= {s.threshold:.2f}; cells under "
             f"{s.min_tokens} tokens (starter removed) not compared; code found in more than "
             f"{report.max_shared} answers of a cell ignored as common (--max-shared)"]
    for c in report.cells:
        if c.cell == OVERALL:
            lines.append(f"  {c.cell:24s} {c.answers:4d} students{'':34s}{c.flagged:4d} flagged")
        else:
            lines.append(f"  {c.cell:24s} {c.answers:4d} answers, {c.short:4d} too short, {c.pairs:6d} pairs "
                         f"{c.flagged:4d} flagged, {c.common:5d} common fingerprints")
    flagged = sorted(report.flagged(), key=lambda p: (-p.similarity, p.cell != OVERALL, p.cell, p.a, p.b))
    if flagged:
        lines.append(f"most similar ({min(len(flagged), SUMMARY_PAIRS)} of {len(flagged)} flagged pairs):")
        for p in flagged[:SUMMARY_PAIRS]:
            lines.append(f"  {p.similarity:5.2f}  {p.cell:24s} {p.a} ~ {p.b}")
    else:
        lines.append("no pair reaches the threshold")
    for problem in report.problems:
        lines.append(f"  not compared: {problem}")
    return "\n".join(lines)


# -- the page -------------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.flagged td { background: #fdecea; }
.pair { margin: 0.4em 0; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8em; }
pre { background: #f7f7f7; padding: 0.5em; overflow-x: auto; font-size: 0.85em; margin: 0.2em 0; }
mark { background: #ffd8a8; }
.note { color: #666; }
"""


def _marked(code: str, spans: Sequence[tuple[int, int]]) -> str:
    """``code`` HTML-escaped, the ``spans`` (start, end) wrapped in <mark>."""
    out, pos = [], 0
    for start, end in sorted(spans):
        start, end = max(start, pos), min(end, len(code))
        if start >= end:
            continue
        out += [html.escape(code[pos:start]), "<mark>", html.escape(code[start:end]), "</mark>"]
        pos = end
    out.append(html.escape(code[pos:]))
    return "".join(out)


def _pair_view(p: Pair, anchor: str) -> str:
    e = html.escape
    head = (f"{p.similarity:.2f} {'(flagged) ' if p.flagged else ''}<b>{e(p.a)}</b> ~ <b>{e(p.b)}</b>: "
            f"{p.a_share:.0%} of {e(p.a)}'s code found in {e(p.b)}'s"
            + (f", {p.b_share:.0%} the other way" if p.b_share else ""))
    return (f'<details class="pair" id="{anchor}"{" open" if p.flagged else ""}><summary>{head}</summary>'
            f'<div class="sides"><div><b>{e(p.a)}</b><pre>{_marked(p.a_code, p.a_spans)}</pre></div>'
            f'<div><b>{e(p.b)}</b><pre>{_marked(p.b_code, p.b_spans)}</pre></div></div></details>')


def html_page(report: SimilarityReport) -> str:
    """The self-contained HTML page of the report."""
    e = html.escape
    s = report.settings
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>Code similarity: {e(report.assignment)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>Code similarity: {e(report.assignment)}</h1>",
             f"<p>Each answer cell is compared with the same cell of every other student and with the "
             f"reference solutions, its released starter code removed (copydetect, winnowing over "
             f"tokens: names, comments and layout do not count). A pair is <b>flagged</b> from "
             f"{s.threshold:.2f} (the larger of the two shares of code that match); a cell with fewer "
             f"than {s.min_tokens} tokens is not compared (short answers look alike without copying); "
             f"code found in more than {report.max_shared} answers of a cell is common code (what the task "
             f"pins down) and does not count, as MOSS's <code>-m</code>. "
             f"<b>Overall</b> pools the cells both have. Nothing here changes a grade: a flagged pair is "
             f"a reason to look, not a verdict.</p>",
             "<table><tr><th>cell</th><th>answers</th><th>too short</th><th>pairs compared</th>"
             "<th>flagged</th><th>common fingerprints</th></tr>"]
    for c in report.cells:
        # overall pools the cells
        short, pairs, common = ("", "", "") if c.cell == OVERALL else (c.short, c.pairs, c.common)
        parts.append(f"<tr><td><a href='#cell-{e(c.cell)}'>{e(c.cell)}</a></td>"
                     f"<td class='num'>{c.answers}</td>"
                     f"<td class='num'>{short}</td><td class='num'>{pairs}</td>"
                     f"<td class='num'>{c.flagged}</td><td class='num'>{common}</td></tr>")
    parts.append("</table>")
    if report.problems:
        parts.append("<h2>Not compared</h2><ul>" + "".join(f"<li>{e(str(p))}</li>" for p in report.problems)
                     + "</ul>")
    for c in report.cells:
        pairs = [p for p in report.pairs if p.cell == c.cell]
        parts.append(f"<h2 id='cell-{e(c.cell)}'>{e(c.cell)}</h2>")
        if not pairs:
            parts.append("<p class='note'>No pair with matching code.</p>")
            continue
        parts.append("<table><tr><th>#</th><th>similarity</th><th>a</th><th>b</th><th>a's share</th>"
                     "<th>b's share</th></tr>")
        for i, p in enumerate(pairs, 1):
            link = f"<a href='#{e(c.cell)}-{i}'>{i}</a>" if i <= SIDE_BY_SIDE else str(i)
            parts.append(f"<tr{' class=flagged' if p.flagged else ''}><td class='num'>{link}</td>"
                         f"<td class='num'>{p.similarity:.2f}</td><td>{e(p.a)}</td><td>{e(p.b)}</td>"
                         f"<td class='num'>{p.a_share:.0%}</td><td class='num'>{p.b_share:.0%}</td></tr>")
        parts.append("</table>")
        parts += [_pair_view(p, f"{e(c.cell)}-{i}") for i, p in enumerate(pairs[:SIDE_BY_SIDE], 1)]
        if len(pairs) > SIDE_BY_SIDE:
            parts.append(f"<p class='note'>{len(pairs) - SIDE_BY_SIDE} more pairs: their code is in "
                         f"similarity.json.</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
