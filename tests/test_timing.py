"""Tests of cs231n_utils.timing (no wall-clock limits: only structure and bookkeeping)."""

import pytest

from cs231n_utils.timing import Timing, compare_functions, format_timings, time_function


def test_time_function_counts_calls_and_keeps_result():
    calls = []
    t = time_function(lambda a, b=0: calls.append(1) or a + b, 2, b=3, repeat=4, warmup=1)
    assert len(calls) == 5 and len(t.times) == 4 and t.result == 5
    assert t.best <= t.median


def test_format_timings_speedup_column():
    table = format_timings({"naive": Timing((0.2, 0.2, 0.2)), "vectorized": Timing((0.01,))})
    assert "20.0x" in table and "1.0x" in table


def test_compare_and_bad_arguments():
    out = compare_functions({"a": sum, "b": sum}, [1, 2], repeat=2)
    assert list(out) == ["a", "b"] and out["a"].result == 3
    with pytest.raises(ValueError, match="repeat"):
        time_function(sum, [1], repeat=0)
    with pytest.raises(ValueError, match="baseline"):
        format_timings({"a": Timing((1.0,))}, baseline="zzz")
