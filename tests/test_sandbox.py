"""Tests of the sandbox and its client: isolation, limits, and faithful calls, in every mode that
starts on this machine (bwrap, landlock; limits where the code would not run as root).

A mode that cannot start here is skipped with the probe's reason (.ci/run installs bubblewrap;
Landlock needs Linux 5.13+; ``limits`` refuses a root grader whose Python no other uid can run).
"""

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

from cs231n_utils.grader import isolation
from cs231n_utils.grader.client import RemoteError, SandboxClient, SandboxFailure
from cs231n_utils.grader.sandbox import MODES, Limits, bwrap_path, readonly_paths

REPO = Path(__file__).resolve().parents[1]
_PROBED: dict[str, str] = {}
#: The modes that confine the code (the tests of isolation run in these).
CONFINED = ["bwrap", "landlock"]


def require(mode: str) -> None:
    """Skip the test, with the probe's reason, when ``mode`` cannot start here."""
    if mode not in _PROBED:
        if mode == "bwrap" and bwrap_path() is None:
            _PROBED[mode] = "bubblewrap (bwrap) is not installed"
        else:
            _PROBED[mode] = isolation.probe(mode)[1]
    if _PROBED[mode]:
        pytest.skip(f"{mode} cannot start here: {_PROBED[mode]}")


@pytest.fixture(params=MODES)
def mode(request):
    require(request.param)
    return request.param


def _client(tmp_path, mode):
    work = tmp_path / "work"
    work.mkdir()
    (work / "mine.txt").write_text("my own file")
    return SandboxClient(work, Limits(cell_seconds=20, memory_mb=2048, processes=32), mode=mode)


@pytest.fixture
def client(tmp_path, mode):
    c = _client(tmp_path, mode)
    yield c
    c.close()


@pytest.fixture(params=CONFINED)
def confined(request, tmp_path):
    require(request.param)
    c = _client(tmp_path, request.param)
    yield c
    c.close()


def run(client, source):
    return client.run_cell(source)


def test_calls_return_plain_values_and_report_in_place_changes(client):
    assert run(client, "import numpy as np\ndef f(W, b):\n    W += 1\n    return W.sum(), [b]")["ok"]
    W = np.zeros(3)
    total, lst = client.call("f", (W, 2.5), {})
    assert total == 3.0 and lst == [2.5]
    np.testing.assert_array_equal(W, np.ones(3))  # copied back as a local call would show


def test_errors_and_callbacks(client):
    run(client, "def g(cb, x):\n    return cb(x) * 2\ndef boom():\n    raise ValueError('nope')")
    assert client.call("g", (lambda v: v + 1, 4), {}) == 10
    with pytest.raises(RemoteError, match="nope"):
        client.call("boom", (), {})


def test_output_is_captured_and_capped(client):
    reply = run(client, "print('x' * 10_000_000)\nimport os\nos.write(1, b'raw fd write')")
    assert reply["ok"] and len(reply["stdout"]) < 100_000 and "dropped" in reply["stdout"]
    assert run(client, "print('still alive')")["stdout"] == "still alive\n"


def test_timeout_kills_and_reports(tmp_path, mode):
    c = SandboxClient(tmp_path, Limits(cell_seconds=2), mode=mode)
    try:
        with pytest.raises(SandboxFailure) as info:
            c.run_cell("while True:\n    pass")
        assert info.value.kind == "timeout"
        with pytest.raises(SandboxFailure):
            c.run_cell("1")
    finally:
        c.close()


def test_a_process_that_exits_is_reported_as_died(client):
    with pytest.raises(SandboxFailure) as info:
        run(client, "import os\nos._exit(3)")
    assert info.value.kind == "died"


def test_memory_limit(client):
    reply = run(client, "import numpy as np\nx = np.ones(4 * 1024**3 // 8)")
    assert not reply["ok"] and reply["ename"] == "MemoryError"


_READ = """
def readable(path):
    import os
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        return True
    except OSError:
        return False
"""


def test_course_folder_is_out_of_reach_and_the_package_readonly(confined, tmp_path):
    (tmp_path / "beside.txt").write_text("a classmate's file")  # beside the scratch folder
    reply = run(confined, _READ + f"print(readable({str(REPO / 'solutions')!r}), "
                                  f"readable({str(REPO / 'nbgrader_config.py')!r}), "
                                  f"readable({str(tmp_path / 'beside.txt')!r}), readable('/etc/shadow'))")
    assert reply["stdout"] == "False False False False\n", reply
    for path in (readonly_paths()[0] / "evil.txt", REPO / "PWNED.txt", Path("/PWNED")):
        # Not even in a folder the sandbox made for its own view (bwrap's parents of bound paths).
        reply = run(confined, f"open({str(path)!r}, 'w')")
        assert not reply["ok"] and reply["ename"] in ("OSError", "PermissionError"), (path, reply)
    reply = run(confined, "print(open('mine.txt').read()); _ = open('out.txt', 'w').write('ok')")
    assert reply["ok"] and reply["stdout"] == "my own file\n"


def test_no_network(confined):
    for family, address in (("AF_INET", "('127.0.0.1', 22)"), ("AF_INET6", "('::1', 22)")):
        reply = run(confined, f"import socket\ns = socket.socket(socket.{family})\ns.settimeout(2)\n"
                              f"s.connect({address})")
        assert not reply["ok"] and reply["ename"] in (
            "ConnectionRefusedError", "OSError", "TimeoutError", "PermissionError"), reply
    reply = run(confined, "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                          "s.sendto(b'x', ('1.1.1.1', 53))")
    assert not reply["ok"], reply  # no DNS or any datagram out
    if confined.mode == "bwrap":
        reply = run(confined, "import socket\nprint([i[1] for i in socket.if_nameindex()])")
        assert reply["stdout"].strip() in ("['lo']", "[]")


def test_process_limit(confined):
    reply = run(confined, "import os, time\nn = 0\ntry:\n    for _ in range(200):\n"
                          "        if os.fork() == 0:\n            time.sleep(5)\n            os._exit(0)\n"
                          "        n += 1\nexcept OSError:\n    pass\nprint(n)")
    assert reply["ok"] and int(reply["stdout"]) < 64
    if confined.mode == "landlock":  # no new processes at all; threads still run
        assert int(reply["stdout"]) == 0
        reply = run(confined, "import threading\nt = threading.Thread(target=print, args=('thread',))\n"
                              "t.start()\nt.join()")
        assert reply["ok"] and reply["stdout"] == "thread\n", reply


def test_signals_and_the_graders_process_are_out_of_reach(confined):
    import os

    reply = run(confined, f"import os, signal\ntry:\n    os.kill({os.getpid()}, signal.SIGTERM)\n"
                          "    print('sent')\nexcept OSError as e:\n    print(type(e).__name__)")
    assert reply["ok"] and reply["stdout"].strip() in ("ProcessLookupError", "PermissionError"), reply
    reply = run(confined, _READ + f"print(readable('/proc/{os.getpid()}/environ'))")
    assert reply["stdout"] == "False\n", reply


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_limits_only_still_limits_and_runs(tmp_path):
    require("limits")
    c = SandboxClient(tmp_path, Limits(cell_seconds=20, memory_mb=2048), mode="limits")
    try:
        assert c.mode == "limits"
        assert run(c, "def f(x):\n    return x * 2")["ok"]
        assert c.call("f", (np.arange(3),), {}).tolist() == [0, 2, 4]
        assert run(c, "import numpy as np\nx = np.ones(4 * 1024**3 // 8)")["ename"] == "MemoryError"
    finally:
        c.close()


def test_limits_only_refuses_to_run_the_submission_as_root(tmp_path, monkeypatch):
    """A root grader whose Python no other uid can run: 'limits' would run the code as root."""
    from cs231n_utils.grader import sandbox

    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 0)
    monkeypatch.setattr(sandbox, "_others_can_run_python", lambda: False)
    with pytest.raises(OSError, match="would run as root"):
        sandbox.start([sys.executable, "-c", "pass"], tmp_path, mode="limits")


def test_a_callback_sees_the_callers_array_changed_in_place(client):
    # As in one process: f reads the caller's x through a closure while the code perturbs x.
    run(client, "def probe(f, x):\n    seen = []\n    for i in range(x.size):\n        old = x.flat[i]\n"
                "        x.flat[i] = old + 1\n        seen.append(f(x))\n        x.flat[i] = old\n"
                "    copy = x.copy()\n    copy[0] = 100.0\n    seen.append(f(copy))\n    return seen")
    x = np.array([1.0, 2.0])
    seen = client.call("probe", (lambda arg: (float(x.sum()), arg is x), x), {})
    assert seen == [(4.0, True), (4.0, True), (3.0, False)]  # a copy is passed by value, x untouched
    np.testing.assert_array_equal(x, [1.0, 2.0])  # restored, and copied back as restored


def test_a_call_prints_and_warns_into_the_callers_streams(client, capsys):
    """Prints reach stdout; warnings are issued again here, so the caller's filters decide."""
    run(client, "import warnings\nimport numpy as np\ndef noisy():\n    print('hello')\n"
                "    warnings.warn('careful')\n    np.log(np.zeros(1))\n    return 1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert client.call("noisy", (), {}) == 1
    # Only the submission's warnings (the collector may warn of this process' own garbage meanwhile).
    assert [(w.category, str(w.message)) for w in caught if w.filename == "<submission>"] == [
        (UserWarning, "careful"), (RuntimeWarning, "divide by zero encountered in log")]
    assert capsys.readouterr().out == "hello\n"
    with warnings.catch_warnings():  # as in a kernel: shown on stderr
        warnings.simplefilter("default")
        warnings.showwarning = lambda msg, cat, filename, lineno, file=None, line=None: sys.stderr.write(
            warnings.formatwarning(msg, cat, filename, lineno, line))
        client.call("noisy", (), {})
    assert "UserWarning: careful" in capsys.readouterr().err


def test_the_callers_errstate_applies_to_a_call(client):
    run(client, "import numpy as np\ndef grow(x):\n    return np.exp(x)")
    with np.errstate(over="raise"), pytest.raises(FloatingPointError, match="overflow"):
        client.call("grow", (np.array([1e4]),), {})
    with np.errstate(over="ignore"):
        assert np.isinf(client.call("grow", (np.array([1e4]),), {})[0])


def test_text_that_utf8_cannot_hold_is_replaced(client):
    reply = run(client, "print('\\ud800')\ndef s():\n    return '\\udcff'")
    assert reply["stdout"] == "?\n" and client.call("s", (), {}) == "?"
    assert reply["stdout"].encode("utf-8")


def test_data_paths_reach_the_sandbox_resolved(tmp_path, monkeypatch):
    # The sandbox binds data at its real path; a variable naming it through a link must follow.
    real = tmp_path / "real"
    real.mkdir()
    (real / "subset.npz").write_bytes(b"")
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv("CS231N_CIFAR10_SUBSET", str(tmp_path / "link" / "subset.npz"))
    monkeypatch.setenv("CS231N_DATA_HOME", str(tmp_path / "link"))
    from cs231n_utils.grader.sandbox import sandbox_env

    env = sandbox_env()
    assert env["CS231N_CIFAR10_SUBSET"] == str((real / "subset.npz").resolve())
    assert env["CS231N_DATA_HOME"] == str(real.resolve())


_FONTS_REBUILT = '''import logging, sys
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
import matplotlib.pyplot as plt
fig = plt.figure()
fig.text(0.5, 0.5, "x")
fig.savefig("plot.png")
'''


def test_matplotlib_finds_the_graders_font_list(tmp_path, mode):
    """The sandbox does not scan the system's fonts again: the grader's font list is there."""
    from matplotlib import font_manager  # noqa: F401 (builds this process's font list if missing)

    from cs231n_utils.grader.sandbox import font_caches

    assert font_caches(), "matplotlib keeps no font list here"
    c = SandboxClient(tmp_path, Limits(cell_seconds=60, memory_mb=2048), mode=mode)
    try:
        reply = c.run_cell(_FONTS_REBUILT)
    finally:
        c.close()
    assert reply["ok"], reply
    assert "generated new fontManager" not in reply["stdout"] + reply["stderr"], reply["stdout"]


def test_a_closed_client_leaves_no_pipe_to_the_collector(tmp_path):
    """close() closes the sandbox's pipes: left to the garbage collector, each one warns
    (ResourceWarning) inside whatever code happens to run then."""
    import gc

    for mode in MODES:
        if isolation.probe(mode)[1]:
            continue
        (tmp_path / mode).mkdir()
        c = SandboxClient(tmp_path / mode, Limits(cell_seconds=20), mode=mode)
        assert run(c, "x = 1")["ok"]
        proc = c.proc
        c.close()
        assert proc.stdin.closed and proc.stdout.closed
        c.close()  # idempotent
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del c, proc
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


_SHADOW = """import os, sys
open({canary!r}, "a").write("ran as uid %d from %s\\n" % (os.getuid(), __file__))
sys.exit(3)
"""


def test_the_submissions_own_modules_never_run_before_it_is_confined(tmp_path, mode):
    """A json.py, numpy.py, runpy.py or a usercustomize.py in the submission's folder (its HOME
    outside bubblewrap) is never imported by the launcher or the worker: the sandbox starts, and
    the submission's own helper module still imports from a cell."""
    canary = Path(tempfile.mkdtemp(prefix="kit-canary-")) / "ran.txt"
    canary.parent.chmod(0o777)
    work = tmp_path / "work"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    user_site = work / ".local" / "lib" / version / "site-packages"
    user_site.mkdir(parents=True)
    for name in ("json", "numpy", "runpy", "encodings", "site", "ctypes", "pyseccomp"):
        (work / f"{name}.py").write_text(_SHADOW.format(canary=str(canary)))
    (user_site / "usercustomize.py").write_text(_SHADOW.format(canary=str(canary)))
    (work / "helpers.py").write_text("def twice(x):\n    return 2 * x\n")
    c = SandboxClient(work, Limits(cell_seconds=20), mode=mode)
    try:
        reply = run(c, "from helpers import twice\nimport json, numpy\nprint(twice(21), json.__file__ != "
                       "'json.py', hasattr(numpy, 'ndarray'))")
        assert reply["ok"] and reply["stdout"] == "42 True True\n", reply
    finally:
        c.close()
    assert not canary.exists(), canary.read_text()


def test_landlock_mode_cannot_touch_what_it_shares_a_uid_with(tmp_path):
    """Landlock governs opening files, TCP and (ABI 6) signals; the seccomp filter covers the rest a
    process of the grader's uid could reach: modes, owners and times of files by path, another
    process' limits, datagrams to UNIX sockets such as /dev/log, System V IPC that outlives it."""
    import os

    require("landlock")
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    outside.chmod(0o600)
    c = _client(tmp_path, "landlock")
    try:
        # Modes, owners and times by path are a no-op (libraries set them on files they write).
        touch = f"import os\nos.chmod({str(outside)!r}, 0o644)\nos.utime({str(outside)!r}, (0, 0))"
        assert run(c, touch)["ok"]
        for code in (f"import resource\nresource.prlimit({os.getpid()}, resource.RLIMIT_CORE, (0, 0))",
                     "import socket\nsocket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
                     "import ctypes\nassert ctypes.CDLL(None).shmget(0, 4096, 0o1600) >= 0, 'denied'",
                     "import os\nos.kill(-1, 0)"):
            reply = run(c, code)
            assert not reply["ok"], (code, reply)
        assert run(c, "import resource\nresource.setrlimit(resource.RLIMIT_CORE, (0, 0))")["ok"]
        assert run(c, "import socket\na, b = socket.socketpair()\na.send(b'x')\nprint(b.recv(1))")["ok"]
    finally:
        c.close()
    assert oct(outside.stat().st_mode & 0o777) == "0o600" and outside.stat().st_mtime > 0
