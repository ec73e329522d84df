"""Drop every Linux capability of this process, for good: what is left of root when no other uid
can run the grader's Python (an interpreter under /root, as on many CI machines).

A process of uid 0 without capabilities cannot change its uid, mount, load modules, trace other
processes, bypass file permissions or raise its limits; with ``no_new_privs`` and an empty
bounding set, nothing it executes gets them back. The Landlock rules and the seccomp filter then
confine it as they would any uid.

Written with ctypes on ``prctl`` and ``capset`` (capabilities(7)): the Python bindings on PyPI
(python-prctl) need a C compiler and libcap's headers to install, for three calls.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_PR_SET_NO_NEW_PRIVS = 38
_CAP_VERSION_3 = 0x20080522


class _Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _last_cap() -> int:
    try:
        return int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        return 40


def drop_all() -> None:
    """Empty the bounding, ambient, inheritable, permitted and effective sets; set no_new_privs.

    Raises OSError when the kernel refuses (which leaves the process as it was: the caller must
    not run the submission then).
    """
    libc = ctypes.CDLL(None, use_errno=True)

    def check(result: int, what: str) -> None:
        if result != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what} failed: {os.strerror(err)}")

    for cap in range(_last_cap() + 1):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # EINVAL for a cap this kernel lacks: fine
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    data = (_Data * 2)()
    check(libc.capset(ctypes.byref(_Header(_CAP_VERSION_3, 0)), data), "capset")
    if effective():
        raise OSError(0, f"capabilities are still effective after dropping them: {effective():#x}")


def effective() -> int:
    """This process' effective capability set, as a bit mask (0 when it has none)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    return 0
