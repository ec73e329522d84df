"""The wire format between the trusted grader and the sandboxed student code.

Messages are framed as ``<header length><JSON header>`` followed by raw array buffers. Only
plain data crosses: None, bool, int, float, str, lists, tuples, dicts, numeric NumPy arrays
and scalars, and references to functions on the other side. Nothing is unpickled, so a
submission can hand back numbers but never code or objects that run on the trusted side.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

#: Array dtypes that may cross (no object, string or structured dtypes).
ALLOWED_KINDS = frozenset("biuf")
MAX_HEADER = 64 * 1024 * 1024
#: Characters of a cell's stdout or stderr kept (the sandboxed side and the grader's alike).
OUTPUT_CAP = 64 * 1024
#: Warnings of one sandboxed call sent back to the grader (the rest are dropped).
MAX_WARNINGS = 20
MAX_BUFFER = 1024**3
#: All buffers of one message together: a submission cannot make the grader hold more.
MAX_MESSAGE = 1024**3
MAX_DEPTH = 32


class BridgeError(RuntimeError):
    """A message could not be encoded, or what arrived is not a valid message."""


class RemoteRef:
    """A reference to a callable that lives on the other side, by id or name."""

    __slots__ = ("kind", "key")

    def __init__(self, kind: str, key: str | int):
        self.kind, self.key = kind, key

    def __repr__(self) -> str:
        return f"RemoteRef({self.kind!r}, {self.key!r})"


def encode(value: Any, buffers: list[bytes], ref_of: Callable[[Any], RemoteRef | None] | None = None,
           depth: int = 0) -> Any:
    """Turn ``value`` into JSON-able data, appending array bytes to ``buffers``.

    ``ref_of`` maps a callable to a :class:`RemoteRef` (or None if it cannot cross).
    """
    if depth > MAX_DEPTH:
        raise BridgeError("value nested too deeply to send")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind not in ALLOWED_KINDS:
            raise BridgeError(f"arrays of dtype {arr.dtype} cannot be graded; use a numeric dtype")
        buffers.append(np.ascontiguousarray(arr).tobytes())
        return {"t": "nd", "dtype": arr.dtype.str, "shape": list(arr.shape),
                "buf": len(buffers) - 1, "scalar": isinstance(value, np.generic)}
    if isinstance(value, int) and not isinstance(value, bool):
        return {"t": "int", "v": int.__repr__(value)}
    if isinstance(value, float):
        return {"t": "float", "v": float.__repr__(value)}
    if isinstance(value, (list, tuple)):
        items = [encode(v, buffers, ref_of, depth + 1) for v in value]
        return {"t": "list" if isinstance(value, list) else "tuple", "v": items}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[encode(k, buffers, ref_of, depth + 1),
                                    encode(v, buffers, ref_of, depth + 1)] for k, v in value.items()]}
    if isinstance(value, RemoteRef):
        return {"t": "ref", "kind": value.kind, "key": value.key}
    if callable(value) and ref_of is not None:
        ref = ref_of(value)
        if ref is not None:
            return {"t": "ref", "kind": ref.kind, "key": ref.key}
    raise BridgeError(f"a value of type {type(value).__name__} cannot be passed to or from the grader")


def decode(data: Any, buffers: list[bytes], resolve: Callable[[RemoteRef], Any] | None = None,
           depth: int = 0) -> Any:
    """Inverse of :func:`encode`; validates everything it reads."""
    if depth > MAX_DEPTH:
        raise BridgeError("message nested too deeply")
    if isinstance(data, str):  # lone surrogates (valid in JSON, not in UTF-8) replaced
        return data.encode("utf-8", "replace").decode("utf-8")
    if data is None or isinstance(data, bool):
        return data
    if not isinstance(data, dict) or "t" not in data:
        raise BridgeError(f"malformed value in message: {str(data)[:80]}")
    t = data["t"]
    if t == "int":
        text = data["v"]
        if not isinstance(text, str) or len(text) > 4000:
            raise BridgeError("malformed integer")
        return int(text)
    if t == "float":
        return float(data["v"])
    if t == "nd":
        dtype = np.dtype(str(data["dtype"]))
        if dtype.kind not in ALLOWED_KINDS:
            raise BridgeError(f"dtype {dtype} is not allowed")
        shape = tuple(int(s) for s in data["shape"])
        if any(s < 0 for s in shape):
            raise BridgeError("negative array dimension")
        raw = buffers[int(data["buf"])]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if count * dtype.itemsize != len(raw):
            raise BridgeError("array buffer size does not match its shape")
        arr = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        return arr[()] if data.get("scalar") else arr
    if t in ("list", "tuple"):
        items = [decode(v, buffers, resolve, depth + 1) for v in data["v"]]
        return items if t == "list" else tuple(items)
    if t == "dict":
        out = {}
        for pair in data["v"]:
            key = decode(pair[0], buffers, resolve, depth + 1)
            try:
                hash(key)
            except TypeError as exc:
                raise BridgeError("unhashable dict key in message") from exc
            out[key] = decode(pair[1], buffers, resolve, depth + 1)
        return out
    if t == "ref":
        ref = RemoteRef(str(data["kind"]), data["key"])
        return resolve(ref) if resolve else ref
    raise BridgeError(f"unknown value type {t!r} in message")


def write_message(stream: BinaryIO, header: dict, buffers: list[bytes] | None = None) -> None:
    """Write one framed message: header JSON then its buffers."""
    buffers = buffers or []
    head = json.dumps({**header, "nbuf": len(buffers)}).encode()
    stream.write(struct.pack("<Q", len(head)) + head)
    for buf in buffers:
        stream.write(struct.pack("<Q", len(buf)))
        stream.write(buf)
    stream.flush()


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks, remaining = [], n
    while remaining:
        chunk = stream.read(min(remaining, 1 << 24))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(stream: BinaryIO) -> tuple[dict, list[bytes]]:
    """Read one framed message; raises EOFError when the stream ends, BridgeError if malformed."""
    (size,) = struct.unpack("<Q", _read_exact(stream, 8))
    if size > MAX_HEADER:
        raise BridgeError(f"message header of {size} bytes is too large")
    try:
        header = json.loads(_read_exact(stream, size))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BridgeError("message header is not valid JSON") from exc
    if not isinstance(header, dict):
        raise BridgeError("message header is not an object")
    nbuf = header.get("nbuf", 0)
    if not isinstance(nbuf, int) or not 0 <= nbuf <= 100_000:
        raise BridgeError("bad buffer count")
    buffers = []
    total = 0
    for _ in range(nbuf):
        (blen,) = struct.unpack("<Q", _read_exact(stream, 8))
        total += blen
        if blen > MAX_BUFFER or total > MAX_MESSAGE:
            raise BridgeError(f"message of more than {MAX_MESSAGE} bytes of arrays is too large")
        buffers.append(_read_exact(stream, blen))
    return header, buffers
