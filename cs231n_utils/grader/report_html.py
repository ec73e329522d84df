"""The class report and the course overview as self-contained HTML pages.

One file each, nothing fetched: the plots are SVG data URIs (:mod:`.report_plots`), the style
and the few lines of script that sort a table by a clicked header are inline, and a Content
Security Policy allows nothing else (no network, no other script). The page reads in order
without the script: every table is written already ranked. Every string a student could have
chosen (a name, a message, code) goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import html
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from . import report_plots
from .class_stats import WHOLE_CELL, ClassStats, GradingFacts, RequirementStats
from .course_overview import CourseOverview
from .similarity_file import SimilarPair

#: Pairs of the similarity run shown side by side (the table lists more).
SIDE_BY_SIDE = 10
PAIRS_LISTED = 50
#: Characters of a failure message shown in a table cell (the rest in its title).
MESSAGE_CHARS = 300

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em 2em;
       color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; width: 100%; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
table.sortable th { cursor: pointer; }
table.sortable th[aria-sort=ascending]::after { content: " \\25B2"; }
table.sortable th[aria-sort=descending]::after { content: " \\25BC"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.cards { display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.5em 1em; min-width: 7em; }
.card b { display: block; font-size: 1.6em; }
.bar { background: #c0392b; display: inline-block; height: 0.7em; margin-right: 0.4em; }
.flag { color: #a33; font-weight: 600; }
.note { color: #666; }
img.plot { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0.6em; margin-bottom: 1.5em; }
.pair pre { background: #f7f7f7; border: 1px solid #ddd; font-size: 12px; margin: 0; max-height: 30em;
            overflow: auto; padding: 0.5em; }
.pair h3 { grid-column: 1 / 3; font-size: 1em; margin: 0.5em 0 0; }
mark { background: #ffe08a; }
details { margin: 0.3em 0; } summary { cursor: pointer; }
code { background: #f3f3f3; padding: 0 3px; }
"""

_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.tabIndex = 0;
  function sort() {
    var table = th.closest("table"), body = table.tBodies[0], col = th.cellIndex;
    var up = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", up ? "ascending" : "descending");
    function key(row) {
      var cell = row.cells[col];
      var sort = cell.dataset.sort;
      return sort !== undefined ? Number(sort) : cell.textContent.trim().toLowerCase();
    }
    Array.from(body.rows).map(function (row, i) {
      if (row.dataset.order === undefined) { row.dataset.order = i; }  // the page's own order
      return [key(row), Number(row.dataset.order), row];
    }).sort(function (a, b) {  // ties keep the page's order, either way
      var c = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
      return (up ? c : -c) || a[1] - b[1];
    }).forEach(function (item) { body.appendChild(item[2]); });
  }
  th.addEventListener("click", sort);
  th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
});
"""


def esc(text: object) -> str:
    """``text`` as HTML text or attribute value (quotes escaped too)."""
    return html.escape(str(text), quote=True)


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    return (f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
            f"script-src 'sha256-{digest}'")


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_csp()}\">\n"
            f"<title>{esc(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n"
            f"<script>{_SCRIPT}</script>\n</body>\n</html>\n")


def _table(headers: Sequence[tuple[str, bool]], rows: Iterable[str], table_id: str,
           sortable: bool = True) -> str:
    """A table; ``headers`` are (label, numeric); ``rows`` are ready ``<tr>`` strings."""
    num_class = ' class="num"'
    head = "".join(f"<th{num_class if num else ''} scope=\"col\">{esc(h)}</th>" for h, num in headers)
    cls = ' class="sortable"' if sortable else ""
    return (f"<table id=\"{table_id}\"{cls}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody>\n</table>")


def _num(value: float, text: str | None = None) -> str:
    """A numeric cell: sorted by ``value``, showing ``text`` (default: the value)."""
    shown = text if text is not None else f"{value:g}"
    return f"<td class=\"num\" data-sort=\"{value:.6g}\">{esc(shown)}</td>"


def _td(text: object) -> str:
    return f"<td>{esc(text)}</td>"


def _short(text: str, chars: int = MESSAGE_CHARS) -> str:
    """A message cut to ``chars`` with the whole of it as the cell's tooltip (escaped)."""
    if len(text) <= chars:
        return esc(text)
    return f"<span title=\"{esc(text)}\">{esc(text[:chars])}…</span>"


def _link(path: str, label: str) -> str:
    return f"<a href=\"{esc(quote(path))}\">{esc(label)}</a>"


def _cards(items: Sequence[tuple[str, str]]) -> str:
    return "<div class=\"cards\">" + "".join(
        f"<div class=\"card\"><b>{esc(v)}</b>{esc(k)}</div>" for k, v in items) + "</div>"


# --------------------------------------------------------------------------- the class report


def _scores(stats: ClassStats) -> str:
    t = stats.total
    cards = _cards([("students", str(t.count)), ("mean", f"{t.mean:.2f} / {t.points:g}"),
                    ("median", f"{t.median:g}"), ("full marks", str(t.full)), ("zero", str(t.zero)),
                    ("need review", str(stats.needs_review))])
    out = [f"<section id=\"scores\">\n<h2>Scores</h2>\n{cards}"]
    if t.count:
        out.append(f"<img class=\"plot\" id=\"plot-total\" alt=\"{esc(stats.assignment)}: distribution of "
                   f"the total score, mean {t.mean:.2f}, median {t.median:g} of {t.points:g}\" "
                   f"src=\"{report_plots.distribution_plot(t, f'{stats.assignment}: total score')}\">")
    if stats.parts:
        out.append("<h3>Each test cell</h3>")
        out.append(f"<img class=\"plot\" id=\"plot-parts\" alt=\"score distribution of each of the "
                   f"{len(stats.parts)} test cells\" src=\"{report_plots.parts_plot(stats.parts)}\">")
        rows = []
        for p in stats.parts:
            d = p.distribution
            rows.append(f"<tr>{_td(p.grade_id)}{_num(d.points)}{_num(d.mean, f'{d.mean:.2f}')}"
                        f"{_num(d.median)}{_num(d.full)}{_num(d.zero)}</tr>")
        out.append(_table([("test cell", False), ("points", True), ("mean", True), ("median", True),
                           ("full", True), ("zero", True)], rows, "parts"))
    out.append("</section>")
    return "\n".join(out)


def _requirement_row(rank: int, q: RequirementStats) -> str:
    what = f"<i>{esc(q.what)}</i>" if q.what == WHOLE_CELL else esc(q.what)
    share = f" ({q.share:g} pt)" if q.share else ""
    bar = f"<span class=\"bar\" style=\"width:{round(60 * q.failed_share)}px\"></span>"
    common = (f"{_short(q.common_failure)} <span class=\"note\">({q.common_count} of {q.failed})</span>"
              if q.failed else "")
    return (f"<tr>{_num(rank)}{_td(q.grade_id)}<td>{what}{esc(share)}</td>"
            f"<td class=\"num\" data-sort=\"{q.failed_share:.6f}\">{bar}{q.failed} / {q.students} "
            f"({100 * q.failed_share:.0f}%)</td><td>{common}</td></tr>")


def _requirements(stats: ClassStats) -> str:
    rows = [_requirement_row(i, q) for i, q in enumerate(stats.requirements, 1) if q.failed]
    met = [q for q in stats.requirements if not q.failed]
    plural = "s" if len(met) != 1 else ""
    met_list = ("" if not met else
                f"<details id=\"requirements-met\"><summary>{len(met)} requirement{plural} every student "
                "met</summary><ul>"
                + "".join(f"<li><code>{esc(q.grade_id)}</code> {esc(q.what)}</li>" for q in met)
                + "</ul></details>\n")
    return ("<section id=\"requirements\">\n<h2>Requirements, the most failed first</h2>\n"
            "<p>Each requirement of each test cell (a rubric block, or the whole cell when it has "
            "none), ranked by the share of students who failed it, with the most common failure text "
            "(texts that differ only in their numbers count as one). A requirement most of the class "
            "fails is a task to explain better, or a test to check. Data: "
            "<a href=\"requirements.csv\">requirements.csv</a>.</p>\n"
            + _table([("rank", True), ("test cell", False), ("requirement", False), ("failed", True),
                      ("most common failure", False)], rows, "requirements-table")
            + "\n" + met_list + "</section>")


def _review(stats: ClassStats) -> str:
    if not stats.review:
        return ("<section id=\"review\">\n<h2>Review queue</h2>\n<p>Nothing to review: no submission was "
                "flagged.</p>\n</section>")
    rows = []
    for item in stats.review:
        reasons = "<br>".join(f"<span class=\"flag\">{esc(r.label)}</span>: {_short(r.text)}"
                              for r in item.reasons)
        links = ("<br>".join(_link(p, p.rsplit("/", 1)[-1]) for p in item.notebooks)
                 or "<span class=\"note\">none kept</span>")
        rows.append(f"<tr>{_td(item.student)}{_num(item.score, f'{item.score:g} / {item.max_score:g}')}"
                    f"<td>{reasons}</td><td>{links}</td></tr>")
    return ("<section id=\"review\">\n<h2>Review queue</h2>\n<p>Submissions a human should look at before "
            "the score stands, and why; each links to the executed notebook the grader kept. Data: "
            "<a href=\"review.csv\">review.csv</a>.</p>\n"
            + _table([("student", False), ("score", True), ("reasons", False), ("executed notebook", False)],
                     rows, "review-table") + "\n</section>")


def _marked(code: str, matched: set[int]) -> str:
    lines = code.splitlines()
    return "\n".join(f"<mark>{esc(line)}</mark>" if i in matched else esc(line)
                     for i, line in enumerate(lines))


def _marked_spans(code: str, spans: Sequence[tuple[int, int]]) -> str:
    """``code`` escaped, its (start, end) regions marked (overlapping ones merged)."""
    out, at = [], 0
    for start, end in spans:
        start = max(start, at)
        if end <= start:
            continue
        out += [esc(code[at:start]), f"<mark>{esc(code[start:end])}</mark>"]
        at = end
    return "".join(out) + esc(code[at:])


def _side_by_side(pair: SimilarPair) -> str:
    """The two answers in two columns, what they share marked: the similarity run's matching
    regions when it gave them, else the lines the two have in common."""
    missing = "<span class=\"note\">(no code in similarity.json)</span>"
    if pair.a_spans or pair.b_spans:
        return _pair_columns(pair, _marked_spans(pair.a_code, pair.a_spans) if pair.a_code else missing,
                             _marked_spans(pair.b_code, pair.b_spans) if pair.b_code else missing)
    a = [line.strip() for line in pair.a_code.splitlines()]
    b = [line.strip() for line in pair.b_code.splitlines()]
    in_a, in_b = set(), set()
    for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            if a[block.a + k]:
                in_a.add(block.a + k)
                in_b.add(block.b + k)
    return _pair_columns(pair, _marked(pair.a_code, in_a) if pair.a_code else missing,
                         _marked(pair.b_code, in_b) if pair.b_code else missing)


def _pair_columns(pair: SimilarPair, a_html: str, b_html: str) -> str:
    return (f"<div class=\"pair\"><h3>{esc(pair.a)} and {esc(pair.b_label)}, {esc(pair.cell)}: "
            f"similarity {pair.similarity:.2f}{' (flagged)' if pair.flagged else ''}</h3>"
            f"<pre>{a_html}</pre><pre>{b_html}</pre></div>")


def _similarity(stats: ClassStats) -> str:
    head = "<section id=\"similarity\">\n<h2>Similar answers</h2>\n"
    sim = stats.similarity
    if sim is None:
        return (head + f"<p>No similarity run yet. <code>cs231n-kit similarity {esc(stats.assignment)}"
                f"</code> (with <code>--reference DIR</code> for a folder of published solutions) compares "
                f"the answer cells, then <code>cs231n-kit report {esc(stats.assignment)}</code> shows the "
                f"pairs here and puts the flagged ones in the review queue.</p>\n</section>")
    out = [head]
    threshold = f" above the threshold {sim.threshold:g}" if sim.threshold is not None else ""
    out.append(f"<p>{len(sim.pairs)} pairs compared, {len(sim.flagged)} flagged{esc(threshold)} (they are "
               f"in the review queue; nothing changes a grade). The lines two answers share are "
               f"marked.</p>")
    out += [f"<p class=\"note\">{esc(n)}</p>" for n in sim.notes]
    if sim.pairs:
        rows = [f"<tr>{_td(p.a)}{_td(p.b_label)}{_td(p.cell)}{_num(p.similarity, f'{p.similarity:.2f}')}"
                f"{_td('yes' if p.flagged else '')}</tr>" for p in sim.pairs[:PAIRS_LISTED]]
        out.append(_table([("a", False), ("b", False), ("cell", False), ("similarity", True),
                           ("flagged", False)], rows, "pairs-table"))
        out.append(f"<h3>The {min(SIDE_BY_SIDE, len(sim.pairs))} closest pairs, side by side</h3>")
        out += [_side_by_side(p) for p in sim.pairs[:SIDE_BY_SIDE]]
    out.append("</section>")
    return "\n".join(out)


def _facts(stats: ClassStats) -> str:
    f: GradingFacts = stats.facts
    per = f.per
    items = ["<li>Isolation: " + "; ".join(
        f"{esc(m or 'none (the sandbox never started)')}, {n} {per}{'s' if n != 1 else ''}"
        for m, n in f.isolation) + "</li>",
        f"<li>Time: {f.total_seconds:.0f} s of grading over {len(f.seconds)} {per}s, median "
        f"{f.median_seconds:.1f} s, longest {max(f.seconds, default=0):.1f} s per {per}</li>"]
    if per == "job":
        items.append(f"<li>Retries: {f.retried} job{'s' if f.retried != 1 else ''} needed a second run; "
                     f"{f.died} died on every run (flagged)</li>")
        if f.hosts:
            items.append("<li>Hosts: " + "; ".join(f"{esc(h)} ({n})" for h, n in f.hosts) + "</li>")
        if f.slowest:
            items.append("<li>Slowest: " + "; ".join(f"{esc(j.student)} {esc(j.notebook)} {j.seconds:.1f} s"
                                                     for j in f.slowest) + "</li>")
    else:
        items.append("<li class=\"note\">The batch's job files were not found: facts per student, "
                     "retries unknown.</li>")
    plot = (f"<img class=\"plot\" id=\"plot-seconds\" alt=\"grading time per {per}\" "
            f"src=\"{report_plots.seconds_plot(f.seconds, per)}\">" if f.seconds else "")
    return ("<section id=\"facts\">\n<h2>Grading facts</h2>\n<ul>\n" + "\n".join(items)
            + f"\n</ul>\n{plot}\n</section>")


def _students(stats: ClassStats) -> str:
    rows, details = [], []
    for i, r in enumerate(stats.students):
        failed = [t for t in r.tests if not t.passed]
        first = r.flags[0].text if r.flags else ""
        rows.append(f"<tr><td><a href=\"#student-{i}\">{esc(r.student)}</a></td>"
                    f"{_num(r.score, f'{r.score:g} / {r.max_score:g}')}"
                    f"{_td('yes' if r.needs_review else '')}{_num(len(failed))}"
                    f"<td>{_short(first, 120)}</td></tr>")
        lost = "".join(f"<li><code>{esc(t.grade_id)}</code> {t.score:g} / {t.points:g}: "
                       f"{_short(t.message)}</li>" for t in failed)
        flags = "".join(f"<li class=\"flag\">{esc(f.text)}</li>" for f in r.flags)
        details.append(f"<details id=\"student-{i}\"><summary>{esc(r.student)}: {r.score:g} / "
                       f"{r.max_score:g}{' (review)' if r.needs_review else ''}</summary>"
                       f"<ul>{flags}{lost or '<li>every test passed</li>'}</ul></details>")
    table = _table([("student", False), ("score", True), ("review", False), ("failed tests", True),
                    ("first flag", False)], rows, "students-table")
    return ("<section id=\"students\">\n<h2>Students</h2>\n<p>Data: <a href=\"scores.csv\">scores.csv</a> "
            "(a column per test cell), <a href=\"report.json\">report.json</a> (everything).</p>\n"
            + table + "\n<h3>Each student</h3>\n" + "\n".join(details) + "\n</section>")


def render_class_report(stats: ClassStats) -> str:
    """The class report of one assignment as one self-contained HTML page.

    Parameters
    ----------
    stats : ClassStats
        From :func:`~.class_stats.class_stats`.

    Returns
    -------
    str
        The page: scores (with plots), the ranked requirements, the review queue, similar answers,
        grading facts, every student.
    """
    name = stats.assignment
    nav = ("<nav><a href=\"#scores\">Scores</a><a href=\"#requirements\">Requirements</a>"
           f"<a href=\"#review\">Review queue ({stats.needs_review})</a>"
           "<a href=\"#similarity\">Similar answers</a>"
           "<a href=\"#facts\">Grading facts</a><a href=\"#students\">Students</a>"
           "<a href=\"../report.html\">Course overview</a></nav>")
    body = "\n".join([f"<header><h1>{esc(name)}: class report</h1>\n{nav}</header>", _scores(stats),
                      _requirements(stats), _review(stats), _similarity(stats), _facts(stats),
                      _students(stats)])
    return _page(f"{name}: class report", body)


# --------------------------------------------------------------------------- the course overview


def render_overview(overview: CourseOverview) -> str:
    """The course overview: a row per student, a column per assignment, the totals."""
    from .class_stats import Distribution

    names = [a.name for a in overview.assignments]
    rows = []
    for s in overview.students:
        cells = []
        for a in overview.assignments:
            if s not in a.reports:
                cells.append("<td class=\"num\" data-sort=\"-1\">-</td>")
                continue
            r = a.reports[s]
            mark = " <span class=\"flag\" title=\"needs review\">review</span>" if r.needs_review else ""
            cells.append(f"<td class=\"num\" data-sort=\"{r.score:.6g}\">{r.score:g}{mark}</td>")
        rows.append(f"<tr>{_td(s)}{''.join(cells)}{_num(overview.total(s))}</tr>")
    headers = [("student", False), *((f"{a.name} (of {a.points:g})", True) for a in overview.assignments),
               (f"total (of {overview.points:g})", True)]
    links = " ".join(_link(f"{n}/report.html", n) for n in names)
    totals = Distribution(overview.points, tuple(overview.total(s) for s in overview.students))
    plot = (f"<img class=\"plot\" id=\"plot-totals\" alt=\"distribution of the course totals\" "
            f"src=\"{report_plots.distribution_plot(totals, 'course total')}\">" if totals.count else "")
    notes = "".join(f"<p class=\"note\">{esc(n)}</p>" for n in overview.notes)
    cards = _cards([("students", str(totals.count)), ("assignments", str(len(names))),
                    ("mean total", f"{totals.mean:.2f} / {totals.points:g}")])
    body = (f"<header><h1>Course overview</h1><nav>Class reports: {links or 'none yet'}</nav></header>\n"
            f"{notes}{cards}"
            f"{plot}\n<p>Data: <a href=\"overview.csv\">overview.csv</a>. A dash: no submission "
            f"(counts 0 in the total).</p>\n"
            + _table(headers, rows, "overview-table"))
    return _page("Course overview", body)
