"""Tests of cs231n_utils.grader.protocol (the bridge to the sandbox): only plain data crosses,
malformed input is refused, and what the submission returns beyond plain data (a namedtuple, a
dataclass, a dict subclass) stays its own object in the sandbox while the tests see plain data."""

import copy
import gc
import io
import json
import struct
from collections import OrderedDict, namedtuple
from types import SimpleNamespace

import numpy as np
import pytest

from cs231n_utils.grader import protocol as bridge
from cs231n_utils.grader.protocol import (
    BridgeError,
    Kept,
    RemoteRef,
    decode,
    encode,
    read_message,
    write_message,
)


def roundtrip(value):
    stream = io.BytesIO()
    buffers = []
    write_message(stream, {"op": "x", "value": encode(value, buffers)}, buffers)
    stream.seek(0)
    header, bufs = read_message(stream)
    return decode(header["value"], bufs)


def test_plain_values_roundtrip_exactly():
    value = {
        (1e-7, 2.5e4): (0.31, 0.32),
        "losses": [9.0, 8.5, np.float32(1.5)],
        "W": np.arange(12, dtype=np.float32).reshape(3, 4),
        "y": np.array([1, 0, 2]),
        "flag": True, "none": None, "big": 2**70, "neg": -0.0,
    }
    out = roundtrip(value)
    assert out[(1e-7, 2.5e4)] == (0.31, 0.32)
    assert out["W"].dtype == np.float32 and np.array_equal(out["W"], value["W"])
    assert isinstance(out["losses"][2], np.float32)
    assert out["big"] == 2**70 and out["flag"] is True and out["none"] is None
    assert out["W"].flags.writeable  # a copy, not a view of the message


def test_numpy_scalars_keep_their_type():
    assert type(roundtrip(np.float64(4.0))) is np.float64
    assert type(roundtrip(4.0)) is float


@pytest.mark.parametrize("bad", [np.array([object()]), np.array(["a"]), object(), {1, 2}])
def test_objects_that_could_run_code_are_refused(bad):
    with pytest.raises(BridgeError, match="cannot"):
        encode(bad, [])


def test_callables_cross_only_as_references():
    assert encode(RemoteRef("fn", "f"), []) == {"t": "ref", "kind": "fn", "key": "f"}
    with pytest.raises(BridgeError):
        encode(len, [])


def test_a_message_too_large_in_total_is_refused(monkeypatch):
    monkeypatch.setattr(bridge, "MAX_MESSAGE", 100)
    head = json.dumps({"op": "done", "nbuf": 3}).encode()
    chunk = struct.pack("<Q", 60) + b"\0" * 60
    with pytest.raises(BridgeError, match="too large"):
        read_message(io.BytesIO(struct.pack("<Q", len(head)) + head + chunk * 3))
    head = json.dumps({"op": "done", "nbuf": 1}).encode()
    assert read_message(io.BytesIO(struct.pack("<Q", len(head)) + head + chunk))[1] == [b"\0" * 60]


def test_malformed_messages_are_refused():
    with pytest.raises(BridgeError, match="not allowed"):
        decode({"t": "nd", "dtype": "|O", "shape": [1], "buf": 0}, [b"\0" * 8])
    with pytest.raises(BridgeError, match="size"):
        decode({"t": "nd", "dtype": "<f8", "shape": [2], "buf": 0}, [b"\0" * 8])
    with pytest.raises(BridgeError, match="unknown"):
        decode({"t": "pickle", "v": "..."}, [])
    head = b"{not json"
    with pytest.raises(BridgeError, match="JSON"):
        read_message(io.BytesIO(struct.pack("<Q", len(head)) + head))
    with pytest.raises(BridgeError, match="too large"):
        read_message(io.BytesIO(struct.pack("<Q", 1 << 40)))
    with pytest.raises(EOFError):
        read_message(io.BytesIO(b""))
    deep = {"t": "list", "v": []}
    for _ in range(100):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(BridgeError, match="deep"):
        decode(json.loads(json.dumps(deep)), [])


# -- values that stay in the sandbox ----------------------------------------------------------------

def test_a_kept_value_shows_plain_data_and_goes_back_by_reference():
    """The sandbox describes a namedtuple it keeps; the grader sees a tuple of plain items whose
    fields read as attributes, and sends back a reference, never the items."""
    Cache = namedtuple("Cache", "X reg")
    cache = Cache(np.eye(2), 0.5)
    buffers = []
    data = encode((1.0, cache), buffers, lambda v: Kept(7, "tuple", "Cache", Cache._fields, tuple(v)))
    loss, seen = decode(data, buffers, adopt=lambda key: SimpleNamespace(key=key))
    assert loss == 1.0 and isinstance(seen, bridge.KeptTuple) and isinstance(seen, tuple)
    assert type(seen.X) is np.ndarray and np.array_equal(seen.X, np.eye(2)) and seen.reg == 0.5
    assert seen._asdict()["reg"] == 0.5 and repr(seen).startswith("Cache(X=array(")
    sent = encode([seen], [], ref_of=bridge.kept_ref)  # as the grader's client sends it
    assert sent == {"t": "list", "v": [{"t": "ref", "kind": "obj", "key": 7}]}
    assert copy.deepcopy(seen).__kit_handle__ is seen.__kit_handle__  # a copy is the same object there
    with pytest.raises(BridgeError, match="cannot cross"):  # the grader never sends one
        decode(data, buffers)


def test_the_graders_own_subclasses_cross_as_plain_data():
    Pair = namedtuple("Pair", "a b")
    assert roundtrip(Pair(1, 2)) == (1, 2) and type(roundtrip(Pair(1, 2))) is tuple
    assert type(roundtrip(OrderedDict(a=1))) is dict


def test_a_kept_dict_changed_by_the_grader_goes_back_by_value():
    seen = bridge.KeptDict({"a": 1}, SimpleNamespace(key=3), "AttrDict")
    assert bridge.kept_ref(seen).key == 3
    seen["a"] = 2
    assert bridge.kept_ref(seen) is None
    assert encode(seen, []) == {"t": "dict", "v": [["a", {"t": "int", "v": "2"}]]}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    from cs231n_utils.grader.client import SandboxClient, SandboxFailure
    from cs231n_utils.grader.sandbox import Limits

    try:
        client = SandboxClient(tmp_path_factory.mktemp("bridge"), Limits(cell_seconds=20, memory_mb=2048))
    except SandboxFailure as exc:
        pytest.skip(f"no sandbox starts here: {exc}")
    reply = client.run_cell(KEPT_CELL)
    assert reply["ok"], reply
    yield client
    client.close()


KEPT_CELL = '''
import gc
import weakref
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

NamedCache = namedtuple("NamedCache", "w X s")


@dataclass
class DataCache:
    w: np.ndarray
    X: np.ndarray
    note: str = "from the dataclass"


class AttrDict(dict):
    __getattr__ = dict.__getitem__


def forward(kind, w, X):
    s = X @ w
    if kind == "namedtuple":
        return float(s.sum()), NamedCache(w, X, s)
    if kind == "dataclass":
        return float(s.sum()), DataCache(w, X)
    if kind == "attrdict":
        return float(s.sum()), AttrDict(w=w, X=X, s=s)
    return float(s.sum()), {"w": w, "X": X, "s": s}


def backward(cache):
    if isinstance(cache, dict) and not isinstance(cache, AttrDict):
        return cache["X"].T @ (cache["X"] @ cache["w"])
    assert type(cache).__name__ in ("NamedCache", "DataCache", "AttrDict"), type(cache)
    return cache.X.T @ (cache.X @ cache.w)  # by attribute


class Node:
    def __init__(self, value):
        self.value, self.me, self.fn = value, self, (lambda: value)


def node(value):
    return Node(value)


def unwrap(n):
    return n.value + n.fn() + (n.me is n)


def watched():
    global WATCH
    obj = DataCache(np.zeros(1), np.zeros((1, 1)))
    WATCH = weakref.ref(obj)
    return obj


def alive():
    gc.collect()
    return WATCH() is not None
'''


@pytest.mark.parametrize("kind", ["namedtuple", "dataclass", "attrdict", "dict"])
def test_what_one_sandboxed_function_returns_another_reads_as_its_own(sandbox, kind):
    """A cache returned by forward and read by attribute in backward keeps its class there; here the
    test sees plain arrays and numbers where it looks, and no class of the submission's."""
    w, X = np.array([1.0, -2.0]), np.arange(6.0).reshape(3, 2)
    loss, cache = sandbox.call("forward", (kind, w, X), {})
    assert type(loss) is float and loss == float((X @ w).sum())
    np.testing.assert_allclose(sandbox.call("backward", (cache,), {}), X.T @ (X @ w))
    assert all(type(c).__module__ in ("builtins", "numpy", bridge.__name__) for c in type(cache).__mro__)
    if kind == "dict":
        assert type(cache) is dict and type(cache["X"]) is np.ndarray
        return
    assert isinstance(cache, bridge.KEPT_TYPES)  # named as the student's type, for messages
    names = {"namedtuple": "NamedCache", "dataclass": "DataCache", "attrdict": "AttrDict"}
    assert type(cache).__name__ == names[kind]
    if kind == "namedtuple":
        w_seen, X_seen, s_seen = cache  # a tuple of plain arrays
        assert cache._fields == ("w", "X", "s") and type(s_seen) is np.ndarray
        np.testing.assert_array_equal(cache.X, X)
    elif kind == "dataclass":
        assert type(cache.X) is np.ndarray and cache.note == "from the dataclass"
        np.testing.assert_array_equal(cache.w, w)
        with pytest.raises(TypeError, match="neither a number nor an array"):
            float(cache)
    else:
        assert isinstance(cache, dict) and type(cache["s"]) is np.ndarray
        np.testing.assert_array_equal(cache["X"], X)
    copied = copy.deepcopy(cache)  # assert_inputs_unchanged copies its arguments: still the same there
    np.testing.assert_allclose(sandbox.call("backward", (copied,), {}), X.T @ (X @ w))


def test_an_object_that_holds_itself_or_a_function_still_goes_back(sandbox):
    n = sandbox.call("node", (2.5,), {})
    assert n.value == 2.5 and "me" in repr(n)  # the function could not be shown, the rest is
    with pytest.raises(AttributeError):
        n.fn  # noqa: B018
    assert sandbox.call("unwrap", (n,), {}) == 6.0


def test_a_kept_value_is_let_go_when_the_grader_drops_it(sandbox):
    held = sandbox.call("watched", (), {})
    assert sandbox.call("alive", (), {}) is True
    del held
    gc.collect()
    assert sandbox.call("alive", (), {}) is False  # released with this very request
