"""Tests of cs231n_utils.grader.protocol (the bridge to the sandbox): only plain data crosses,
and malformed input is refused."""

import io
import json
import struct

import numpy as np
import pytest

from cs231n_utils.grader import protocol as bridge
from cs231n_utils.grader.protocol import BridgeError, RemoteRef, decode, encode, read_message, write_message


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
