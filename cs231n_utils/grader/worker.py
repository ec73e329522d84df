"""The sandboxed side of trusted grading: runs a submission's cells and serves calls.

Started by :mod:`cs231n_utils.grader.sandbox` inside the sandbox (``sandbox.WORKER``: ``-s -P``, the
submission's folder added to ``sys.path`` last, once the worker is ready).
It talks to the grader over its original stdin/stdout using :mod:`cs231n_utils.grader.protocol`;
the student's own prints are captured per request (and capped), never mixed into the channel.
Nothing here decides a score: it only executes code and hands back plain data. A value that is
more than plain data (a namedtuple, a dataclass, an object of the submission's own class) is
kept here, under a key, and described to the grader (:class:`~.protocol.Kept`); a reference to
it in a later request is that very object again, until the grader releases it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import itertools
import os
import random
import sys
import traceback
import types
import warnings
from typing import Any

import numpy as np

from .protocol import (
    MAX_WARNINGS,
    OUTPUT_CAP,
    BridgeError,
    Kept,
    RemoteRef,
    decode,
    encode,
    read_message,
    write_message,
)

#: Arguments larger than this are not synchronised with the grader before a callback.
SYNC_BYTES = 16 * 1024 * 1024


class _CappedText(io.TextIOBase):
    """A text sink that keeps the first OUTPUT_CAP characters and counts the rest."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        room = OUTPUT_CAP - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self) -> str:
        out = "".join(self.parts)
        if self.dropped:
            out += f"\n[... {self.dropped} more characters of output dropped]\n"
        return out


class Worker:
    """Executes cells in an IPython shell and answers the grader's requests."""

    def __init__(self, chan_in: Any, chan_out: Any) -> None:
        from IPython.core.interactiveshell import InteractiveShell

        self.chan_in, self.chan_out = chan_in, chan_out
        #: (args, kwargs, digests, keys synced to the grader) of the calls in progress
        self.active: list[tuple[tuple, dict, dict, set]] = []
        #: the values kept for the grader (key -> object), until it releases them
        self.kept: dict[int, Any] = {}
        self._keys = itertools.count(1)
        self.shell = InteractiveShell.instance(colors="nocolor")
        self.shell.user_ns["__name__"] = "__main__"
        self.shell._showtraceback = lambda etype, evalue, stb: None  # reported in the reply
        self.shell.displayhook.write_output_prompt = lambda: None  # a cell's value prints bare
        # No screen here: keep matplotlib's Agg backend whatever %matplotlib asks for.
        self.shell.register_magic_function(lambda line="": None, "line", "matplotlib")

    # -- plumbing ---------------------------------------------------------------------------
    def send(self, header: dict, payload: Any = None) -> None:
        buffers: list[bytes] = []
        if payload is not None:
            header = {**header, "value": encode(payload, buffers, self._ref_of)}
        write_message(self.chan_out, header, buffers)

    def _ref_of(self, obj: Any) -> RemoteRef | Kept | None:
        if not callable(obj):
            return self._keep(obj)
        for name, value in self.shell.user_ns.items():
            if value is obj and not name.startswith("_"):
                return RemoteRef("fn", name)
        return None

    def _keep(self, obj: Any) -> Kept | None:
        """Keep ``obj`` for the grader and describe it, if it is a value that stays here."""
        record = _record(obj)
        if record is None:
            return None
        key = next(self._keys)
        self.kept[key] = obj
        return Kept(key, *record)

    def _resolve(self, ref: RemoteRef) -> Any:
        if ref.kind == "fn":
            fn = self.shell.user_ns.get(str(ref.key))
            if not callable(fn):
                raise NameError(f"{ref.key} is not a function in the notebook")
            return fn
        if ref.kind == "cb":
            return lambda *args, **kwargs: self.callback(ref.key, args, kwargs)
        if ref.kind == "obj":
            if isinstance(ref.key, int) and ref.key in self.kept:
                return self.kept[ref.key]
            raise BridgeError(f"no value is kept under {ref.key!r}")
        raise BridgeError(f"unknown reference kind {ref.kind}")

    @contextlib.contextmanager
    def captured(self):
        out, err = _CappedText(), _CappedText()
        old = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        try:
            yield out, err
        finally:
            sys.stdout, sys.stderr = old

    @staticmethod
    def reseed(seed: int | None) -> None:
        if seed is not None:
            np.random.seed(seed % 2**32)  # noqa: NPY002 (student code may use the legacy API)
            random.seed(seed)

    # -- requests ---------------------------------------------------------------------------
    def serve(self, until: str | None = None) -> tuple[dict, list[bytes]] | None:
        """Handle requests until the channel closes (or a reply of type ``until`` arrives)."""
        while True:
            try:
                header, buffers = read_message(self.chan_in)
            except EOFError:
                return None
            released = header.get("release")
            if isinstance(released, list):  # the grader holds these no more
                for key in released:
                    if isinstance(key, int):
                        self.kept.pop(key, None)
            op = header.get("op")
            if until is not None and op == until:
                return header, buffers
            if op == "exec":
                self.do_exec(header)
            elif op == "get":
                self.do_get(header)
            elif op == "call":
                self.do_call(header, buffers)
            elif op == "exit":
                return None
            else:
                self.send({"op": "error", "ename": "BridgeError", "evalue": f"unknown op {op!r}"})

    def do_exec(self, header: dict) -> None:
        self.reseed(header.get("seed"))
        with self.captured() as (out, err):
            result = self.shell.run_cell(str(header["source"]), store_history=False, silent=False)
        error = result.error_before_exec or result.error_in_exec
        reply = {"op": "done", "ok": error is None, "stdout": out.text(), "stderr": err.text()}
        if error is not None:
            tb = "".join(traceback.format_exception(type(error), error, error.__traceback__, limit=-6))
            reply.update(ename=type(error).__name__, evalue=str(error)[:2000], traceback=tb[-6000:])
        self.send(reply)

    def do_get(self, header: dict) -> None:
        name = str(header["name"])
        if name not in self.shell.user_ns:
            self.send({"op": "done", "ok": False, "ename": "NameError",
                       "evalue": f"name '{name}' is not defined"})
            return
        value = self.shell.user_ns[name]
        try:
            if callable(value) and not isinstance(value, np.ndarray):
                self.send({"op": "done", "ok": True, "function": True})
            else:
                self.send({"op": "done", "ok": True}, value)
        except BridgeError as exc:
            self.send({"op": "done", "ok": False, "ename": "BridgeError", "evalue": str(exc)})

    def do_call(self, header: dict, buffers: list[bytes]) -> None:
        try:
            fn = self._resolve(RemoteRef("fn", header["fn"]))
            args, kwargs = decode(header["value"], buffers, self._resolve)
        except Exception as exc:  # a malformed request: report, do not die
            self.send({"op": "done", "ok": False, "ename": type(exc).__name__, "evalue": str(exc)})
            return
        digests = {key: _digest(v) for key, v in _array_args(args, kwargs)}
        self.reseed(header.get("seed"))
        synced: set = set()
        self.active.append((args, kwargs, digests, synced))
        with (self.captured() as (out, err), np.errstate(**_errstate(header.get("errstate"))),
              warnings.catch_warnings(record=True) as caught):
            # Every warning goes back to the grader, which issues it again under its own filters
            # (a test's Rubric records it; elsewhere it reaches stderr, as in one process).
            warnings.simplefilter("always")
            try:
                result = fn(*args, **kwargs)
                failure = None
            except BaseException as exc:  # noqa: BLE001 (student code may raise anything)
                result, failure = None, exc
                tb = traceback.format_exc(limit=-8)
            finally:
                self.active.pop()
        reply: dict = {"op": "done", "stdout": out.text(), "stderr": err.text(),
                       "warnings": [[w.category.__name__, str(w.message)[:500], int(w.lineno or 0)]
                                    for w in caught[:MAX_WARNINGS]]}
        if failure is not None:
            reply.update(ok=False, ename=type(failure).__name__, evalue=str(failure)[:2000],
                         traceback=tb[-6000:])
            self.send(reply)
            return
        mutated = [[key, value] for key, value in _array_args(args, kwargs)
                   if key in synced or _digest(value) != digests[key]]
        try:
            self.send({**reply, "ok": True}, [result, mutated])
        except BridgeError as exc:
            self.send({"op": "done", "ok": False, "ename": "TypeError",
                       "evalue": f"{getattr(fn, '__name__', 'the function')} returned something "
                                 f"that cannot be graded: {exc}"})

    def callback(self, cb_id: Any, args: tuple, kwargs: dict) -> Any:
        """Call a grader-side function (e.g. a test's spy) and return its result.

        The grader's own arrays are brought up to date first: the arguments of the call in
        progress that the student's code has changed so far are sent along, and an argument of
        the callback that *is* one of those arrays reaches the grader as that array itself, so a
        grader-side function sees in-place changes as it would in one process.
        """
        sync: list = []
        if self.active:
            call_args, call_kwargs, digests, synced = self.active[-1]
            known = {id(v): key for key, v in _array_args(call_args, call_kwargs)}
            sync = [[key, v] for key, v in _array_args(call_args, call_kwargs)
                    if v.nbytes <= SYNC_BYTES and (key in synced or _digest(v) != digests.get(key))]
            synced.update(key for key, _ in sync)
            args = tuple(RemoteRef("arg", known[id(a)]) if isinstance(a, np.ndarray) and id(a) in known
                         else a for a in args)
        buffers: list[bytes] = []
        payload = encode([list(args), kwargs, sync], buffers, self._ref_of)
        write_message(self.chan_out, {"op": "callback", "id": cb_id, "value": payload}, buffers)
        reply = self.serve(until="callback_result")
        if reply is None:
            raise SystemExit(0)
        header, rbuf = reply
        if not header.get("ok"):
            raise RuntimeError(header.get("evalue", "the grader's function failed"))
        return decode(header["value"], rbuf, self._resolve)


def _record(obj: Any) -> tuple[str, str, tuple, Any] | None:
    """(kind, type name, namedtuple fields, view) of a value that is kept, not sent as plain data:
    a subclass of tuple, list or dict (its items), a dataclass, a SimpleNamespace or an object of
    a class the notebook defines (its attributes), any other object with a ``__dict__`` (nothing
    shown: a library's object graph is not walked); None for what cannot cross at all (a module,
    a class, a set). The view is None when reading it fails (the submission's code runs here)."""
    kind, name, fields, view = "object", "object", (), None
    try:
        cls = type(obj)
        name = str(cls.__qualname__)
        if isinstance(obj, tuple):
            kind, view = "tuple", tuple(obj)
            declared = getattr(cls, "_fields", ())
            if isinstance(declared, tuple) and all(isinstance(f, str) for f in declared):
                fields = declared
        elif isinstance(obj, list):
            kind, view = "list", list(obj)
        elif isinstance(obj, dict):
            kind, view = "dict", list(obj.items())
        elif isinstance(obj, (type, types.ModuleType)):
            return None
        elif dataclasses.is_dataclass(obj):
            view = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        else:
            attributes = getattr(obj, "__dict__", None)
            if not isinstance(attributes, dict):
                return None
            if isinstance(obj, types.SimpleNamespace) or cls.__module__ == "__main__":
                view = {k: v for k, v in attributes.items() if isinstance(k, str)}
    except Exception:  # noqa: BLE001 (the submission's __iter__ or properties may raise anything)
        view = None
    return kind, name, fields, view


def _errstate(requested: Any) -> dict[str, str]:
    """The grader's np.errstate settings, keeping only the modes that need no handler."""
    if not isinstance(requested, dict):
        return {}
    return {k: v for k, v in requested.items()
            if k in ("divide", "over", "under", "invalid") and v in ("ignore", "warn", "raise", "print")}


def _array_args(args: tuple, kwargs: dict):
    for i, v in enumerate(args):
        if isinstance(v, np.ndarray):
            yield i, v
    for k, v in kwargs.items():
        if isinstance(v, np.ndarray):
            yield k, v


def _digest(arr: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(arr).tobytes(), digest_size=16).hexdigest() + str(
        arr.shape) + arr.dtype.str


def main() -> None:
    # Keep private copies of the channel, then point the standard descriptors at /dev/null so
    # that nothing the student's code writes at the file-descriptor level reaches the grader.
    chan_in = os.fdopen(os.dup(0), "rb", buffering=0)
    chan_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdin = open(os.devnull)  # noqa: SIM115
    worker = Worker(chan_in, chan_out)
    write_message(chan_out, {"op": "ready", "pid": os.getpid()})
    # The submission's own modules import as in a notebook, but only once the worker is ready (so
    # nothing of the submission runs before: a failed start is never its doing) and never in place
    # of what the worker imports (the folder comes last; it starts off sys.path).
    sys.path.append(os.getcwd())
    worker.serve()


if __name__ == "__main__":
    main()
