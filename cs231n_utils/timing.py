"""Timing helpers for naive-versus-vectorized comparisons in the notebooks and benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Timing:
    """Wall-clock times of repeated calls, in seconds."""

    times: tuple[float, ...]
    result: Any = None

    @property
    def median(self) -> float:
        """Median time of one call."""
        return float(np.median(self.times))

    @property
    def best(self) -> float:
        """Fastest call."""
        return float(min(self.times))


def time_function(
    fn: Callable[..., Any], *args: Any, repeat: int = 3, warmup: int = 0, **kwargs: Any
) -> Timing:
    """Call ``fn(*args, **kwargs)`` ``repeat`` times and record each call's wall-clock time.

    Parameters
    ----------
    fn : callable
        The function to time.
    *args, **kwargs
        Passed to ``fn`` unchanged.
    repeat : int
        Number of timed calls (the median is reported).
    warmup : int
        Untimed calls made first (caches, lazy imports).

    Returns
    -------
    Timing
        The times and the last call's return value (so a comparison can also check
        that both versions agree).
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    for _ in range(warmup):
        fn(*args, **kwargs)
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return Timing(tuple(times), result)


def compare_functions(
    functions: dict[str, Callable[..., Any]], *args: Any, repeat: int = 3, **kwargs: Any
) -> dict[str, Timing]:
    """Time several implementations of the same computation on the same inputs.

    Returns
    -------
    dict
        Name to :class:`Timing`, in the order given.
    """
    return {name: time_function(fn, *args, repeat=repeat, **kwargs) for name, fn in functions.items()}


def format_timings(timings: dict[str, Timing], baseline: str | None = None) -> str:
    """A small text table of median times and speed-ups relative to ``baseline``.

    ``baseline`` defaults to the first entry (usually the naive version).
    """
    if not timings:
        return ""
    baseline = baseline if baseline is not None else next(iter(timings))
    if baseline not in timings:
        raise ValueError(f"baseline {baseline!r} is not one of {list(timings)}")
    base = timings[baseline].median
    width = max(len(name) for name in timings)
    lines = [f"{'version':<{width}}  median time   speed-up"]
    for name, t in timings.items():
        lines.append(f"{name:<{width}}  {t.median * 1e3:9.2f} ms  {base / t.median:8.1f}x")
    return "\n".join(lines)
