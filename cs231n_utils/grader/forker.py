"""A preloaded process that forks one child per job: jobs without the start-up cost.

Every job of the local backend is a process of its own (a crash, a leak or a global a test
cell changes ends with it), and a fresh ``python -m cs231n_utils.grader.job`` spends most of a
second importing numpy, nbformat, the grader and matplotlib before it grades anything; a class
of small notebooks pays that again and again. ``python -m cs231n_utils.grader.forker`` imports
them once and then, for each request, forks a child that runs :func:`.job.main` exactly as the
command line would: its own session, its output in the job's log, its exit status reported.

The protocol is one JSON object per line. In, on stdin::

    {"op": "run", "id": 7, "argv": ["SPEC.json", "--slot", "1"], "log": "SPEC.log"}
    {"op": "kill", "id": 7}

Out, on stdout::

    {"op": "started", "id": 7, "pid": 1234}
    {"op": "ended", "id": 7, "status": 0}    (the exit status; -N if killed by signal N)

The process ends, killing what still runs, when its stdin closes. It never runs a job itself, so
every child starts from the same state: the modules imported, nothing graded.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import traceback

#: What a job imports anyway: loaded once here, shared by every child (copy-on-write). The backend
#: names more on the command line: what the batch's test and setup cells import
#: (:func:`.execute.local_imports`), say scipy.optimize and scikit-learn for the logistic notebook.
PRELOAD = ("numpy", "nbformat", "matplotlib", "matplotlib.pyplot", "cs231n_utils.grader.job",
           "cs231n_utils.grader.execute")


def _child(argv: list[str], log: str) -> None:
    """In the forked child: become the job's own session, write to its log, run it, exit."""
    code = 1
    try:
        os.setsid()
        out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        os.close(devnull)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        from .job import main

        code = main(argv) or 0
    except SystemExit as exc:  # as the interpreter would: a number is the status, text goes to stderr
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 (reported in the log, as the command line would)
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001, S110 (nothing left to tell)
                pass
        os._exit(code)


def _send(message: dict) -> None:
    os.write(1, (json.dumps(message) + "\n").encode())


def serve() -> None:
    """Read requests until stdin closes; fork, kill and report children meanwhile."""
    children: dict[int, int] = {}  # pid -> request id
    ids: dict[int, int] = {}  # request id -> pid
    pending = b""
    while True:
        ready, _, _ = select.select([0], [], [], 0.05 if children else 1.0)
        if ready:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                if request["op"] == "run":
                    pid = os.fork()
                    if pid == 0:
                        _child([str(a) for a in request["argv"]], str(request["log"]))
                    children[pid], ids[request["id"]] = request["id"], pid
                    _send({"op": "started", "id": request["id"], "pid": pid})
                elif request["op"] == "kill" and request["id"] in ids:
                    try:
                        os.killpg(ids[request["id"]], signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            job = children.pop(pid, None)
            if job is not None:
                ids.pop(job, None)
                code = os.waitstatus_to_exitcode(status)
                _send({"op": "ended", "id": job, "status": code})
    for pid in children:  # the backend is gone: so are its jobs
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def main(argv: list[str] | None = None) -> None:
    """``python -m cs231n_utils.grader.forker [MODULE ...]``: preload :data:`PRELOAD` and the
    modules named (those the jobs' test and setup cells import; one that fails to import is
    skipped, and its job imports it itself), say ready, then serve."""
    from ..config import skip_slow_optional_imports
    from .job import JOB_ENV

    skip_slow_optional_imports()
    for key, value in JOB_ENV.items():
        os.environ.setdefault(key, value)
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    for name in sys.argv[1:] if argv is None else argv:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S110 (not preloaded: the job's own import says why)
            pass
    _send({"op": "ready", "id": 0, "pid": os.getpid()})
    serve()


if __name__ == "__main__":
    main()
