"""Smoke test of the benchmark script on tiny sizes (it measures; it asserts no timings)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_benchmark_script_prints_its_tables(tmp_path):
    out_file = tmp_path / "results.md"
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--only",
                          "losses", "loading", "--out", str(out_file)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    text = out_file.read_text()
    assert "## Naive versus vectorized loss and gradient" in text and "| svm | float64 |" in text
    assert "## Loading CIFAR-10" in text and "faster from the cache" in text
    assert "cores" in text.splitlines()[2]  # the machine's description
