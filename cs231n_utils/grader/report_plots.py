"""The class report's plots: matplotlib figures as self-contained SVG data URIs.

Each function returns ``data:image/svg+xml;base64,...``, for an ``<img src>`` that needs no file
and no network (text drawn as paths, so no font need be installed where the page is opened).
Figures are made with :class:`matplotlib.figure.Figure`, never pyplot: no backend, no global
state, safe in the grader's process.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence

import numpy as np

from .class_stats import Distribution, PartStats

#: Distinct scores up to which a distribution is drawn as one bar per score (else a histogram).
DISCRETE_MAX = 12
BINS = 20
_COLOR, _MEAN, _MEDIAN = "#4878a8", "#c0392b", "#2c7a3f"
_RC = {"svg.fonttype": "path", "svg.hashsalt": "cs231n-kit-report", "font.size": 9}


def _style():
    """The report's matplotlib settings, for the whole of one figure's drawing and saving."""
    import matplotlib

    return matplotlib.rc_context(_RC)


def _svg_uri(fig, tight: bool = True) -> str:
    """The figure as an SVG data URI (``tight``: cropped to what is drawn, at the cost of a draw)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight" if tight else None)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96)


def _draw(ax, dist: Distribution, title: str, xlabel: str, marks: bool = True) -> None:
    """Bars of how many students earned each score (or a histogram of many distinct scores)."""
    scores = np.asarray(dist.scores, dtype=float)
    top = dist.points if dist.points > 0 else float(scores.max(initial=1.0)) or 1.0
    values, counts = np.unique(scores, return_counts=True)
    gaps = np.diff(np.concatenate([[0.0], values, [top]]))
    gap = gaps[gaps > 0].min(initial=top)
    if len(values) <= DISCRETE_MAX and gap >= top / BINS:  # few scores, far enough apart to see
        ax.bar(values, counts, width=min(gap, top / 4) * 0.8, color=_COLOR)
    else:
        ax.hist(scores, bins=np.linspace(0, max(top, scores.max()), BINS + 1), color=_COLOR,
                edgecolor="white")
    if marks and len(scores):
        ax.axvline(dist.mean, color=_MEAN, linestyle="--", linewidth=1, label=f"mean {dist.mean:.2f}")
        ax.axvline(dist.median, color=_MEDIAN, linestyle=":", linewidth=1.5,
                   label=f"median {dist.median:.2f}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    ax.set_xlim(-top * 0.08, top * 1.08)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel("students", fontsize=8)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)


def distribution_plot(dist: Distribution, title: str) -> str:
    """The distribution of one score (the assignment's, a total) as an SVG data URI."""
    with _style():
        fig = _figure(6.5, 2.8)
        _draw(fig.add_subplot(), dist, title, f"points (of {dist.points:g})")
        return _svg_uri(fig)


def parts_plot(parts: Sequence[PartStats], columns: int = 4) -> str:
    """Small multiples: one distribution per test cell, in notebook order."""
    columns = max(1, min(columns, len(parts)))
    rows = max(1, math.ceil(len(parts) / columns))
    with _style():
        fig = _figure(2.6 * columns, 1.9 * rows)
        # fixed margins, not tight_layout: a grid of 20 cells would be drawn twice more
        fig.subplots_adjust(left=0.3 / columns, right=1 - 0.1 / columns, bottom=0.5 / (1.9 * rows),
                            top=1 - 0.3 / (1.9 * rows), wspace=0.35, hspace=0.75)
        for i, part in enumerate(parts):
            ax = fig.add_subplot(rows, columns, i + 1)
            name = part.grade_id if len(part.grade_id) <= 30 else part.grade_id[:29] + "…"
            _draw(ax, part.distribution, name, f"of {part.distribution.points:g}", marks=False)
            ax.set_ylabel("")
        return _svg_uri(fig, tight=False)


def seconds_plot(seconds: Sequence[float], per: str) -> str:
    """A histogram of the grading time of each job (or student)."""
    with _style():
        fig = _figure(6.5, 2.4)
        ax = fig.add_subplot()
        values = np.asarray(seconds, dtype=float)
        ax.hist(values, bins=min(BINS, max(1, len(values))), color=_COLOR, edgecolor="white")
        ax.set_xlabel(f"seconds per {per}", fontsize=8)
        ax.set_ylabel(f"{per}s", fontsize=8)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
        return _svg_uri(fig)
