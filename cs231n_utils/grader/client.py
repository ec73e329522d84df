"""The grader's side of the channel to a sandboxed submission.

:class:`SandboxClient` runs cells in the sandbox, fetches plain values from its namespace,
and calls its functions through :class:`RemoteFunction` proxies, with a wall-time bound on
every request. Arrays a call modifies in place are copied back into the caller's arrays, so
a test that checks "inputs are not modified" sees what a local call would show. A value the
submission keeps (a namedtuple cache, say: :data:`~.protocol.KEPT_TYPES`) is seen here as plain
data and is the submission's own object again when a test passes it to another call.
"""

from __future__ import annotations

import collections
import itertools
import os
import select
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import sandbox
from .protocol import (
    MAX_WARNINGS,
    BridgeError,
    RemoteRef,
    decode,
    encode,
    kept_ref,
    read_message,
    write_message,
)

#: Warning classes a sandboxed call may report by name (any other arrives as a UserWarning).
WARNING_TYPES: dict[str, type[Warning]] = {
    cls.__name__: cls for cls in (Warning, UserWarning, RuntimeWarning, DeprecationWarning,
                                  PendingDeprecationWarning, FutureWarning, SyntaxWarning,
                                  ImportWarning, UnicodeWarning, BytesWarning, ResourceWarning)}
WARNING_TYPES.update({"ComplexWarning": RuntimeWarning, "VisibleDeprecationWarning": UserWarning})


class SandboxFailure(RuntimeError):
    """The sandboxed process died, timed out or broke the protocol: a human should look."""

    #: A test's :class:`~cs231n_utils.grading.Rubric` lets this through instead of scoring it.
    stops_grading = True

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind  # "timeout", "died" or "protocol"


class RemoteError(Exception):
    """An exception raised by the submission's code, carried back as text."""

    def __init__(self, ename: str, evalue: str, tb: str = ""):
        super().__init__(f"{ename}: {evalue}")
        self.ename, self.evalue, self.remote_traceback = ename, evalue, tb


#: Built-in exceptions a remote failure is re-raised as, so that ``except ValueError`` in a
#: test behaves as it would in the student's kernel.
_REBUILT = {cls.__name__: cls for cls in (
    ArithmeticError, AssertionError, AttributeError, FloatingPointError, IndexError, KeyError,
    LookupError, MemoryError, NameError, NotImplementedError, OverflowError, RecursionError,
    RuntimeError, TypeError, ValueError, ZeroDivisionError)}
_CLASSES: dict[str, type] = {}


def remote_error(ename: str, evalue: str, tb: str = "") -> RemoteError:
    """A RemoteError that is also an instance of the built-in exception it stands for."""
    base = _REBUILT.get(ename)
    if base is None:
        return RemoteError(ename, evalue, tb)
    if ename not in _CLASSES:
        _CLASSES[ename] = type(ename, (RemoteError, base), {"__module__": "builtins"})
    return _CLASSES[ename](ename, evalue, tb)


def clean_text(text: Any) -> str:
    """Text from the sandbox made safe to store: lone surrogates (which UTF-8 cannot hold) replaced."""
    text = text if isinstance(text, str) else str(text)
    return text.encode("utf-8", "replace").decode("utf-8")


def _clean_header(header: dict) -> dict:
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in header.items()}


def _argument(args: tuple, kwargs: dict, key: Any) -> Any:
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(args):
        return args[key]
    return kwargs.get(key) if isinstance(key, str) else None


def _copy_back(args: tuple, kwargs: dict, mutated: Any) -> None:
    """Copy the sandbox's new contents of arrays changed in place into the caller's arrays."""
    for key, new in mutated:
        target = _argument(args, kwargs, key)
        if isinstance(target, np.ndarray) and isinstance(new, np.ndarray) and target.shape == new.shape:
            if target.flags.writeable and new is not target:
                np.copyto(target, new, casting="unsafe")


class _Handle:
    """The grader's hold on a value the sandbox keeps: once no kept value here holds it, the key
    is released (with the next message), and the sandbox lets its object go."""

    __slots__ = ("key", "_released")

    def __init__(self, key: int, released: collections.deque):
        self.key, self._released = key, released

    def __del__(self) -> None:
        self._released.append(self.key)


class _TimedReader:
    """A read(n) over a pipe that gives up at a deadline."""

    def __init__(self, stream: Any, client: SandboxClient):
        self.fd = stream.fileno()
        self.client = client

    def read(self, n: int) -> bytes:
        remaining = self.client.deadline - time.monotonic()
        if remaining <= 0:
            raise SandboxFailure("timeout", "no answer before the time limit")
        ready, _, _ = select.select([self.fd], [], [], remaining)
        if not ready:
            raise SandboxFailure("timeout", f"no answer within {self.client.limits.cell_seconds:g} s")
        return os.read(self.fd, n)


class RemoteFunction:
    """A callable standing for a function defined in the submission.

    Attributes
    ----------
    __name__ : str
        The function's name in the notebook.
    __kit_source__ : str or None
        Its source as written in the answer cell (read by the grader, not reported by the
        sandbox), used for static checks such as "no Python loops".
    __kit_namespace__ : mapping
        The other notebook functions, for checks that follow calls.
    """

    def __init__(self, client: SandboxClient, name: str, source: str | None,
                 namespace: Mapping[str, Any]):
        self._client = client
        self.__name__ = self.__qualname__ = name
        self.__kit_source__ = source
        self.__kit_namespace__ = namespace
        self.__module__ = "__main__"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._client.call(self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<function {self.__name__} (in the submission's sandbox)>"


class SandboxClient:
    """Owns one sandboxed worker process and speaks the bridge protocol with it."""

    def __init__(self, workdir: Path, limits: sandbox.Limits | None = None, slot: int = 0,
                 readonly: list[Path] | None = None, mode: str = "auto",
                 env: dict[str, str] | None = None):
        self.limits = limits = limits or sandbox.Limits()
        self.proc: subprocess.Popen | None = None
        self.failure: SandboxFailure | None = None
        self.deadline = 0.0
        self._callbacks: dict[int, Callable[..., Any]] = {}
        self._warning_registry: dict[Any, Any] = {}
        self._ids = itertools.count(1)
        self._seed = itertools.count(1)
        self._calls: list[tuple[tuple, dict]] = []  # arguments of the calls in progress
        self._released: collections.deque[int] = collections.deque()  # kept keys to release
        if mode == "auto":  # the strongest mode that works here (probed once per process)
            from .isolation import IsolationUnavailable, choose

            try:
                mode = choose("auto", limits, readonly).mode
            except IsolationUnavailable as exc:
                raise SandboxFailure("died", str(exc)) from None
        self.proc, self.mode = sandbox.start(
            list(sandbox.WORKER), workdir, limits,
            slot=slot, readonly=readonly, mode=mode, env=env)
        self._reader = _TimedReader(self.proc.stdout, self)
        self.deadline = time.monotonic() + max(60.0, limits.cell_seconds)
        header, _ = self._read()
        if header.get("op") != "ready":
            self._fail("protocol", "the sandbox did not start properly")

    # -- transport ------------------------------------------------------------------------
    def _fail(self, kind: str, message: str) -> None:
        self.failure = SandboxFailure(kind, message)
        self.close()
        raise self.failure

    def _read(self) -> tuple[dict, list[bytes]]:
        try:
            return read_message(self._reader)
        except SandboxFailure as exc:
            self._fail(exc.kind, str(exc))
        except EOFError:
            code = self.proc.poll() if self.proc else None
            self._fail("died", f"the submission's process ended unexpectedly (exit status {code}); "
                               "it may have exceeded a memory, CPU or process limit, or exited")
        except (BridgeError, ValueError, OSError, RecursionError) as exc:
            self._fail("protocol", f"unreadable reply from the sandbox: {exc}")
        raise AssertionError("unreachable")

    def _send(self, header: dict, payload: Any = None) -> None:
        if self.failure is not None:
            raise self.failure
        buffers: list[bytes] = []
        if payload is not None:
            header = {**header, "value": encode(payload, buffers, self._ref_of)}
        released = []
        while self._released:  # popleft is atomic: a handle let go meanwhile waits for the next message
            released.append(self._released.popleft())
        if released:
            header = {**header, "release": released}
        try:
            write_message(self.proc.stdin, header, buffers)
        except (BrokenPipeError, OSError):
            self._fail("died", "the submission's process is gone")

    def _ref_of(self, obj: Any) -> RemoteRef | None:
        kept = kept_ref(obj)
        if kept is not None:
            return kept
        if isinstance(obj, RemoteFunction):
            return RemoteRef("fn", obj.__name__)
        if callable(obj):
            key = next(self._ids)
            self._callbacks[key] = obj
            return RemoteRef("cb", key)
        return None

    def _resolve(self, ref: RemoteRef) -> Any:
        if ref.kind == "fn":
            return RemoteFunction(self, str(ref.key), None, {})
        if ref.kind == "cb" and isinstance(ref.key, int) and ref.key in self._callbacks:
            return self._callbacks[ref.key]
        if ref.kind == "arg" and self._calls:
            target = _argument(*self._calls[-1], ref.key)
            if isinstance(target, np.ndarray):
                return target
        raise BridgeError(f"unknown reference {ref}")

    def _adopt(self, key: int) -> _Handle:
        return _Handle(key, self._released)

    def request(self, header: dict, payload: Any = None) -> tuple[dict, Any]:
        """Send a request and wait for its reply, serving callbacks meanwhile."""
        self.deadline = time.monotonic() + self.limits.cell_seconds
        self._send(header, payload)
        while True:
            reply, buffers = self._read()
            reply = _clean_header(reply)
            if reply.get("op") == "callback":
                self._serve_callback(reply, buffers)
                continue
            if reply.get("op") != "done":
                self._fail("protocol", f"unexpected message {reply.get('op')!r} from the sandbox")
            value = None
            if "value" in reply:
                try:
                    value = decode(reply["value"], buffers, self._resolve, adopt=self._adopt)
                except (BridgeError, ValueError, TypeError, IndexError, KeyError, RecursionError) as exc:
                    raise remote_error(
                        "TypeError", f"the submission returned an unreadable value: {exc}") from None
            return reply, value

    def _serve_callback(self, msg: dict, buffers: list[bytes]) -> None:
        saved = self.deadline
        try:
            fn = self._callbacks[int(msg["id"])]
            args, kwargs, sync = decode(msg["value"], buffers, self._resolve, adopt=self._adopt)
            if self._calls:  # the call's arrays as the student's code has left them so far
                _copy_back(*self._calls[-1], sync)
            result = fn(*args, **dict(kwargs))
            self._send({"op": "callback_result", "ok": True}, result)
        except SandboxFailure:
            raise
        except Exception as exc:  # the grader's function failed on what the student passed
            self._send({"op": "callback_result", "ok": False, "evalue": f"{type(exc).__name__}: {exc}"})
        self.deadline = saved

    # -- operations -----------------------------------------------------------------------
    def run_cell(self, source: str) -> dict:
        """Execute a cell; returns the reply (ok, stdout, stderr, ename, evalue)."""
        reply, _ = self.request({"op": "exec", "source": source, "seed": next(self._seed)})
        return reply

    def get(self, name: str, sources: Mapping[str, str] | None = None,
            namespace: Mapping[str, Any] | None = None) -> Any:
        """A value from the submission's namespace: plain data, or a RemoteFunction."""
        reply, value = self.request({"op": "get", "name": name})
        if not reply.get("ok"):
            raise remote_error(reply.get("ename", "Error"), reply.get("evalue", ""))
        if reply.get("function"):
            return RemoteFunction(self, name, (sources or {}).get(name), namespace or {})
        return value

    def call(self, name: str, args: tuple, kwargs: dict) -> Any:
        """Call a submission function with plain arguments; copy back in-place changes."""
        self._calls.append((args, kwargs))
        try:
            # The caller's floating-point error handling (np.errstate) applies to the call too.
            reply, value = self.request({"op": "call", "fn": name, "seed": next(self._seed),
                                         "errstate": np.geterr()}, [list(args), dict(kwargs)])
        finally:
            self._calls.pop()
        # What the call printed goes where a local call's output would: into the test cell's
        # output, where (as in nbgrader) anything on stderr, warnings included, fails the test.
        if reply.get("stdout"):
            sys.stdout.write(reply["stdout"])
        if reply.get("stderr"):
            sys.stderr.write(reply["stderr"])
        self._warn(reply.get("warnings"))
        if not reply.get("ok"):
            raise remote_error(reply.get("ename", "Error"), reply.get("evalue", ""),
                               reply.get("traceback", ""))
        try:
            result, mutated = value
            _copy_back(args, kwargs, mutated)
        except (TypeError, ValueError) as exc:
            raise remote_error("TypeError", f"the submission returned an unreadable value: {exc}") from None
        return result

    def _warn(self, caught: Any) -> None:
        """Issue the warnings of a sandboxed call here, as if the call had run in this process.

        The grader's filters decide what happens to them: a test's
        :class:`~cs231n_utils.grading.Rubric` records them, otherwise each is shown once per
        line on stderr (which, as in nbgrader, fails the test cell).
        """
        if not isinstance(caught, list):
            return
        for item in caught[:MAX_WARNINGS]:
            try:
                name, message, lineno = str(item[0]), clean_text(str(item[1])), int(item[2])
            except (TypeError, ValueError, IndexError):
                continue
            category = WARNING_TYPES.get(name, UserWarning)
            warnings.warn_explicit(message, category, "<submission>", lineno, module="submission",
                                   registry=self._warning_registry)

    def close(self) -> None:
        """Stop the sandboxed process (idempotent)."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                write_message(self.proc.stdin, {"op": "exit"})
            except OSError:
                pass
            sandbox.kill(self.proc)
        elif self.proc is not None:
            self.proc.wait()
            sandbox.close_pipes(self.proc)
