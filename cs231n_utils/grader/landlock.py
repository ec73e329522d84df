"""Landlock: an unprivileged process confines its own file system and TCP access, and its signals.

Landlock (Linux 5.13 and later) lets any process, without privileges or namespaces, restrict
itself and every process it starts: only the folders given a rule can be read or written, TCP
bind and connect can be denied (ABI 4, Linux 6.7), and signals and abstract UNIX sockets can be
scoped to the sandbox (ABI 6, Linux 6.12). It is what still works in a container whose seccomp
profile forbids user namespaces (Docker's and containerd's default), in a chroot, and on a host
whose AppArmor restricts them (Ubuntu 24.04), where bubblewrap cannot start.

Why written here, on the documented system calls (``landlock_create_ruleset``,
``landlock_add_rule``, ``landlock_restrict_self``, see the kernel's
Documentation/userspace-api/landlock.rst) with ctypes: the only binding on PyPI, ``landlock``
1.0.0.dev5, is a pre-release that handles file system rights only (no TCP rules, no scoping), so
it cannot deny the network or the signals a submission must not send. The calls are few and
their structures fixed by the kernel's ABI; this module negotiates the rights with the running
kernel's ABI version, as the documentation asks.
"""

from __future__ import annotations

import ctypes
import errno
import os
from dataclasses import dataclass, field

# System call numbers: the same on every architecture (the unified table, Linux 5.13).
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
_PR_SET_NO_NEW_PRIVS = 38

# File system rights (LANDLOCK_ACCESS_FS_*), and the ABI that brought each.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1,
              5: (1 << 16) - 1}
#: Rights that make sense on a file (a rule on a file with any other right is invalid).
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
#: Reading and running what is there.
READ = EXECUTE | READ_FILE | READ_DIR
# TCP rights (LANDLOCK_ACCESS_NET_*, ABI 4) and scopes (LANDLOCK_SCOPE_*, ABI 6).
BIND_TCP, CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1


class LandlockError(OSError):
    """Landlock is unavailable here, or refused a rule."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)) in the kernel's header
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The running kernel's Landlock ABI version: 0 when Landlock is unavailable (not Linux, a
    kernel before 5.13, or Landlock not enabled at boot)."""
    if os.uname().sysname != "Linux":
        return 0
    try:
        version = _libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0),
                                  ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def fs_rights(abi: int) -> int:
    """Every file system right the kernel of ABI ``abi`` handles."""
    return _FS_BY_ABI.get(abi, _FS_BY_ABI[5]) if abi > 0 else 0


@dataclass
class Ruleset:
    """What a confined process may do, before it is enforced with :meth:`restrict_self`.

    Parameters
    ----------
    read : list of str
        Folders and files whose contents may be read and run.
    write : list of str
        Folders and files that may be read, written, created in and removed from.
    devices : list of str
        Device files that may be read and written (``/dev/null``, ``/dev/urandom``).
    deny_tcp : bool
        Deny every TCP bind and connect (ABI 4).
    scope : bool
        Deny signals to processes outside the sandbox and connections to abstract UNIX sockets
        made outside it (ABI 6).
    """

    read: list[str] = field(default_factory=list)
    write: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    deny_tcp: bool = True
    scope: bool = True

    def restrict_self(self) -> dict[str, bool | int]:
        """Confine this process and its future children; returns what was enforced.

        Sets ``no_new_privs`` first (Landlock requires it of an unprivileged process). Rules on
        paths that do not exist are skipped. Raises :class:`LandlockError` when Landlock is
        unavailable or refuses the ruleset.
        """
        abi = abi_version()
        if abi < 1:
            raise LandlockError(errno.EOPNOTSUPP, "Landlock is not available in this kernel")
        libc = _libc()
        handled = fs_rights(abi)
        attr = _RulesetAttr(handled, BIND_TCP | CONNECT_TCP if self.deny_tcp and abi >= 4 else 0,
                            SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if self.scope and abi >= 6 else 0)
        size = 8 if abi < 4 else 16 if abi < 6 else 24  # the struct as this ABI knows it
        ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                               ctypes.c_uint32(0))
        if ruleset < 0:
            err = ctypes.get_errno()
            raise LandlockError(err, f"landlock_create_ruleset failed: {os.strerror(err)}")
        try:
            for paths, rights in ((self.read, READ), (self.write, handled),
                                  (self.devices, READ_FILE | WRITE_FILE | (IOCTL_DEV & handled))):
                for path in paths:
                    self._allow(libc, ruleset, path, rights & handled)
            if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
                err = ctypes.get_errno()
                raise LandlockError(err, f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(err)}")
            if libc.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
                err = ctypes.get_errno()
                raise LandlockError(err, f"landlock_restrict_self failed: {os.strerror(err)}")
        finally:
            os.close(ruleset)
        return {"abi": abi, "tcp": bool(attr.handled_access_net), "scoped": bool(attr.scoped)}

    @staticmethod
    def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return  # nothing there to allow
        try:
            if not os.path.isdir(f"/proc/self/fd/{fd}"):
                rights &= _FILE_RIGHTS
            rule = _PathBeneathAttr(rights, fd)
            if libc.syscall(_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                            ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
                err = ctypes.get_errno()
                raise LandlockError(err, f"landlock_add_rule({path}) failed: {os.strerror(err)}")
        finally:
            os.close(fd)
