"""The wire format between the trusted grader and the sandboxed student code.

Messages are framed as ``<header length><JSON header>`` followed by raw array buffers. Only
plain data crosses: None, bool, int, float, str, lists, tuples, dicts, numeric NumPy arrays
and scalars, and references to functions on the other side. Nothing is unpickled, so a
submission can hand back numbers but never code or objects that run on the trusted side.

A value of the submission's that is more than plain data (a namedtuple, a dataclass, a dict
subclass, an instance of a class of its own) stays in the sandbox: the grader receives a
*kept* value, one of :data:`KEPT_TYPES` (the kit's own classes), that shows its items or
attributes as plain data and, passed back into a sandboxed call, is the submission's own object
again there. So a cache that one student function returns and another reads by attribute keeps
its attributes, and no class of the submission's ever exists on the grader's side.
"""

from __future__ import annotations

import copy
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
    """A reference to something that lives on the other side, by id or name.

    Kinds: ``fn`` (a notebook function, by name), ``cb`` (a grader-side callable), ``arg`` (an
    argument array of the call in progress) and ``obj`` (a value the sandbox keeps, by key).
    """

    __slots__ = ("kind", "key")

    def __init__(self, kind: str, key: str | int):
        self.kind, self.key = kind, key

    def __repr__(self) -> str:
        return f"RemoteRef({self.kind!r}, {self.key!r})"


class Kept:
    """How the sandbox describes a value it keeps (see :func:`encode`): its key there, its kind
    (``tuple``, ``list``, ``dict`` or ``object``), its type's name, a namedtuple's field names and
    the view (the items, or ``{attribute: value}``; None when nothing of it can be shown)."""

    __slots__ = ("key", "kind", "type_name", "fields", "view")

    def __init__(self, key: int, kind: str, type_name: str, fields: tuple = (), view: Any = None):
        self.key, self.kind, self.type_name, self.fields, self.view = key, kind, type_name, fields, view


KEPT_KINDS = ("tuple", "list", "dict", "object")
MAX_NAME = 200


class _KeptValue:
    """What the grader's kept values share: the handle of the submission's object (its ``key``
    there) and its type's name. A copy is a copy of what is shown, with the same handle."""

    __slots__ = ()


class KeptTuple(_KeptValue, tuple):
    """A tuple subclass of the submission's (a namedtuple, say), seen here as a tuple of its items.

    A namedtuple's fields read as attributes (``cache.X``), from the items shown here.
    """

    def __new__(cls, items: Any, handle: Any, type_name: str, fields: tuple = ()):
        self = super().__new__(cls, items)
        self.__dict__.update(__kit_handle__=handle, __kit_type__=type_name, _fields=tuple(fields))
        return self

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("_fields", ())
        if name in fields:
            return self[fields.index(name)]
        type_name = self.__dict__.get("__kit_type__", "tuple")
        raise AttributeError(f"'{type_name}' object has no attribute {name!r}")

    def _asdict(self) -> dict:
        return dict(zip(self._fields, self))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo: dict):
        items = copy.deepcopy(tuple(self), memo)
        return type(self)(items, self.__kit_handle__, self.__kit_type__, self._fields)

    def __repr__(self) -> str:
        if self._fields:
            return f"{self.__kit_type__}({', '.join(f'{f}={v!r}' for f, v in zip(self._fields, self))})"
        return f"{self.__kit_type__}({tuple.__repr__(self)})"

    def __reduce__(self):
        return tuple, (tuple(self),)


class KeptList(_KeptValue, list):
    """A list subclass of the submission's, seen here as a list of its items."""

    def __init__(self, items: Any, handle: Any, type_name: str):
        super().__init__(items)
        self.__kit_handle__, self.__kit_type__ = handle, type_name
        self.__kit_items__ = list(self)

    def __kit_unchanged__(self) -> bool:
        return len(self) == len(self.__kit_items__) and all(a is b for a, b in zip(self, self.__kit_items__))

    def __copy__(self):
        return type(self)(self, self.__kit_handle__, self.__kit_type__)

    def __deepcopy__(self, memo: dict):
        return type(self)(copy.deepcopy(list(self), memo), self.__kit_handle__, self.__kit_type__)

    def __repr__(self) -> str:
        return f"{self.__kit_type__}({list.__repr__(self)})"

    def __reduce__(self):
        return list, (list(self),)


class KeptDict(_KeptValue, dict):
    """A dict subclass of the submission's (a defaultdict, an attribute dict), seen here as a dict."""

    def __init__(self, items: Any, handle: Any, type_name: str):
        super().__init__(items)
        self.__kit_handle__, self.__kit_type__ = handle, type_name
        self.__kit_items__ = list(self.items())

    def __kit_unchanged__(self) -> bool:
        return len(self) == len(self.__kit_items__) and all(
            k in self and self[k] is v for k, v in self.__kit_items__)

    def __copy__(self):
        return type(self)(self, self.__kit_handle__, self.__kit_type__)

    def __deepcopy__(self, memo: dict):
        return type(self)(copy.deepcopy(dict(self), memo), self.__kit_handle__, self.__kit_type__)

    def __repr__(self) -> str:
        return f"{self.__kit_type__}({dict.__repr__(self)})"

    def __reduce__(self):
        return dict, (dict(self),)


class KeptObject(_KeptValue):
    """Any other object of the submission's (a dataclass, an instance of its own class), seen here
    through the attributes it had when it crossed, as plain data; read-only, not a number."""

    __slots__ = ("__kit_handle__", "__kit_type__", "__kit_view__")

    def __init__(self, handle: Any, type_name: str, view: dict | None):
        for name, value in (("__kit_handle__", handle), ("__kit_type__", type_name), ("__kit_view__", view)):
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        view = object.__getattribute__(self, "__kit_view__")
        if view is not None and not name.startswith("__") and name in view:
            return view[name]
        raise AttributeError(f"'{object.__getattribute__(self, '__kit_type__')}' object has no attribute "
                             f"{name!r} that the grader can read")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"the {self.__kit_type__} object stays in the submission's sandbox: the grader "
                             "cannot change its attributes")

    def _unreadable(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"a {self.__kit_type__} object from the submission is neither a number nor an array")

    __float__ = __int__ = __index__ = __complex__ = __array__ = _unreadable

    def __copy__(self):
        return self

    def __deepcopy__(self, memo: dict):
        return type(self)(self.__kit_handle__, self.__kit_type__, copy.deepcopy(self.__kit_view__, memo))

    def __repr__(self) -> str:
        view = self.__kit_view__
        if not view:
            return f"<{self.__kit_type__} object (in the submission's sandbox)>"
        return f"{self.__kit_type__}({', '.join(f'{k}={v!r}' for k, v in view.items())})"

    def __reduce__(self):
        return dict, (dict(self.__kit_view__ or {}),)


#: The classes of the values the grader receives for objects the sandbox keeps.
KEPT_TYPES = (KeptTuple, KeptList, KeptDict, KeptObject)
_NAMED: dict[tuple[type, str], type] = {}
MAX_NAMED = 1000


def _named(base: type, type_name: str) -> type:
    """A subclass of the kit's ``base`` that bears the name of the submission's type, so that a
    message reads "got Cache", not "got KeptObject" (only the name crosses: it is a string)."""
    cls = _NAMED.get((base, type_name))
    if cls is None:
        if len(_NAMED) >= MAX_NAMED or not type_name.isidentifier():
            return base
        cls = type(base)(type_name, (base,), {"__slots__": (), "__module__": __name__,
                                              "__qualname__": f"{base.__name__}[{type_name}]"})
        _NAMED[(base, type_name)] = cls
    return cls


def kept_ref(value: Any) -> RemoteRef | None:
    """The reference to send for a kept value, so that the sandboxed side gets its own object back;
    None for anything else, and for a kept list or dict the grader's side has changed (sent by value)."""
    if not isinstance(value, KEPT_TYPES):
        return None
    if isinstance(value, (KeptList, KeptDict)) and not value.__kit_unchanged__():
        return None
    return RemoteRef("obj", value.__kit_handle__.key)


def encode(value: Any, buffers: list[bytes], ref_of: Callable[[Any], RemoteRef | Kept | None] | None = None,
           depth: int = 0, _path: frozenset = frozenset()) -> Any:
    """Turn ``value`` into JSON-able data, appending array bytes to ``buffers``.

    ``ref_of`` maps what is not plain data (a callable, an object, a subclass of list, tuple or
    dict) to a :class:`RemoteRef`, to a :class:`Kept` description of a value kept on this side,
    or to None: then a subclass of list, tuple or dict is sent as plain data and anything else
    cannot cross.
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
    if type(value) in (list, tuple, dict):
        return _encode_plain(value, buffers, ref_of, depth, _path)
    if isinstance(value, RemoteRef):
        return {"t": "ref", "kind": value.kind, "key": value.key}
    ref = ref_of(value) if ref_of is not None else None
    if isinstance(ref, RemoteRef):
        return {"t": "ref", "kind": ref.kind, "key": ref.key}
    if isinstance(ref, Kept):
        return _encode_kept(value, ref, buffers, ref_of, depth, _path)
    if isinstance(value, (list, tuple, dict)):
        return _encode_plain(value, buffers, ref_of, depth, _path)
    raise BridgeError(f"a value of type {type(value).__name__} cannot be passed to or from the grader")


def _encode_plain(value: Any, buffers: list[bytes], ref_of: Any, depth: int, path: frozenset) -> Any:
    if isinstance(value, dict):
        return {"t": "dict", "v": [[encode(k, buffers, ref_of, depth + 1, path),
                                    encode(v, buffers, ref_of, depth + 1, path)] for k, v in value.items()]}
    items = [encode(v, buffers, ref_of, depth + 1, path) for v in value]
    return {"t": "list" if isinstance(value, list) else "tuple", "v": items}


def _encode_kept(value: Any, kept: Kept, buffers: list[bytes], ref_of: Any, depth: int,
                 path: frozenset) -> dict:
    """A kept value with as much of its view as can cross (none when it contains itself)."""
    out: dict = {"t": "kept", "key": kept.key, "kind": kept.kind, "type": str(kept.type_name)[:MAX_NAME]}
    if kept.fields:
        out["fields"] = [str(f)[:MAX_NAME] for f in kept.fields]
    if kept.view is None or id(value) in path:
        return out
    path = path | {id(value)}
    mark = len(buffers)
    try:
        if kept.kind == "object":  # each attribute that can cross; the others are left out
            pairs = []
            for name, item in kept.view.items():
                start = len(buffers)
                try:
                    pairs.append([str(name)[:MAX_NAME], encode(item, buffers, ref_of, depth + 1, path)])
                except (BridgeError, RecursionError):
                    del buffers[start:]
            out["v"] = pairs
        elif kept.kind == "dict":
            out["v"] = _encode_plain(dict(kept.view), buffers, ref_of, depth, path)["v"]
        else:
            out["v"] = [encode(v, buffers, ref_of, depth + 1, path) for v in kept.view]
    except (BridgeError, RecursionError):
        del buffers[mark:]
        out.pop("v", None)
    return out


def decode(data: Any, buffers: list[bytes], resolve: Callable[[RemoteRef], Any] | None = None,
           depth: int = 0, adopt: Callable[[int], Any] | None = None) -> Any:
    """Inverse of :func:`encode`; validates everything it reads.

    A kept value becomes one of :data:`KEPT_TYPES`, holding ``adopt(key)`` as its handle; where
    ``adopt`` is None (the sandboxed side) none may arrive.
    """
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
        items = [decode(v, buffers, resolve, depth + 1, adopt) for v in data["v"]]
        return items if t == "list" else tuple(items)
    if t == "dict":
        return _decode_pairs(data["v"], buffers, resolve, depth, adopt)
    if t == "ref":
        ref = RemoteRef(str(data["kind"]), data["key"])
        return resolve(ref) if resolve else ref
    if t == "kept":
        return _decode_kept(data, buffers, resolve, depth, adopt)
    raise BridgeError(f"unknown value type {t!r} in message")


def _decode_pairs(pairs: Any, buffers: list[bytes], resolve: Any, depth: int, adopt: Any) -> dict:
    out = {}
    for pair in pairs:
        key = decode(pair[0], buffers, resolve, depth + 1, adopt)
        try:
            hash(key)
        except TypeError as exc:
            raise BridgeError("unhashable dict key in message") from exc
        out[key] = decode(pair[1], buffers, resolve, depth + 1, adopt)
    return out


def _decode_kept(data: dict, buffers: list[bytes], resolve: Any, depth: int, adopt: Any) -> Any:
    key, kind, type_name = data.get("key"), data.get("kind"), data.get("type")
    if adopt is None:
        raise BridgeError("a kept value cannot cross in this direction")
    if not (isinstance(key, int) and not isinstance(key, bool) and kind in KEPT_KINDS
            and isinstance(type_name, str)):
        raise BridgeError("malformed kept value in message")
    type_name = decode(type_name[:MAX_NAME], buffers)
    view = data.get("v")
    if view is None:  # nothing of it can be shown here
        return _named(KeptObject, type_name)(adopt(key), type_name, None)
    if kind == "object":
        attributes = _decode_pairs(view, buffers, resolve, depth, adopt)
        if not all(isinstance(name, str) for name in attributes):
            raise BridgeError("malformed kept value in message")
        return _named(KeptObject, type_name)(adopt(key), type_name, attributes)
    if kind == "dict":
        items = _decode_pairs(view, buffers, resolve, depth, adopt)
        return _named(KeptDict, type_name)(items, adopt(key), type_name)
    items = [decode(v, buffers, resolve, depth + 1, adopt) for v in view]
    if kind == "list":
        return _named(KeptList, type_name)(items, adopt(key), type_name)
    fields = data.get("fields") or ()
    if not (isinstance(fields, list) and len(fields) == len(items)
            and all(isinstance(f, str) for f in fields)):
        fields = ()
    fields = tuple(decode(f[:MAX_NAME], buffers) for f in fields)
    return _named(KeptTuple, type_name)(items, adopt(key), type_name, fields)


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
