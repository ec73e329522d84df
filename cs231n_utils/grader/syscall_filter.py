"""A seccomp filter for submissions: no network, no new processes, no way out of the sandbox.

Landlock (:mod:`.landlock`) confines files, TCP and signals; this filter closes what it does not
cover, for a process that has no namespaces of its own:

* sockets of any family but ``AF_UNIX`` (UDP, raw, netlink: DNS and every datagram), and
  ``connect`` altogether (a UNIX socket file the uid may reach, such as a container runtime's);
* new processes (``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD``): threads still work,
  and with one process the sandbox ends when its process is killed (no escaped children, no fork
  bomb, even where the process limit does not apply to uid 0);
* namespaces, mounts, ``ptrace`` and other processes' memory, ``io_uring`` (whose operations
  bypass seccomp), ``bpf``, ``perf_event_open``, ``userfaultfd``, the kernel keyring.

Each denied call fails with an errno (``EACCES`` or ``EPERM``; ``clone3`` with ``ENOSYS`` so that
the C library falls back to ``clone``, as Docker's profile does), so the submission sees an
ordinary Python exception rather than being killed.

The filter is built with libseccomp through its Python bindings: the official ``seccomp`` module
when it is importable (Debian's ``python3-seccomp``), else ``pyseccomp`` (PyPI, the kit's
``grader`` extra: a ctypes binding with the same API over the system's ``libseccomp.so.2``).
"""

from __future__ import annotations

import errno
import socket
from types import ModuleType

CLONE_THREAD = 0x00010000

#: System calls denied outright, with the errno they fail with.
DENIED = {
    "connect": errno.EACCES,
    "fork": errno.EPERM, "vfork": errno.EPERM, "clone3": errno.ENOSYS,
    "unshare": errno.EPERM, "setns": errno.EPERM, "mount": errno.EPERM, "umount2": errno.EPERM,
    "pivot_root": errno.EPERM, "chroot": errno.EPERM, "open_tree": errno.EPERM,
    "move_mount": errno.EPERM, "fsopen": errno.EPERM, "fsmount": errno.EPERM,
    "ptrace": errno.EPERM, "process_vm_readv": errno.EPERM, "process_vm_writev": errno.EPERM,
    "pidfd_getfd": errno.EPERM, "kcmp": errno.EPERM,
    "io_uring_setup": errno.EPERM, "io_uring_enter": errno.EPERM, "io_uring_register": errno.EPERM,
    "bpf": errno.EPERM, "perf_event_open": errno.EPERM, "userfaultfd": errno.EPERM,
    "keyctl": errno.EPERM, "add_key": errno.EPERM, "request_key": errno.EPERM,
    "kexec_load": errno.EPERM, "init_module": errno.EPERM, "finit_module": errno.EPERM,
    "name_to_handle_at": errno.EPERM, "open_by_handle_at": errno.EPERM,
}


def binding() -> ModuleType:
    """libseccomp's Python binding; raises ImportError saying what to install when there is none."""
    try:
        import seccomp  # Debian's python3-seccomp, the official binding

        return seccomp
    except ImportError:
        pass
    try:
        import pyseccomp

        return pyseccomp
    except (ImportError, RuntimeError) as exc:  # RuntimeError: the library itself is missing
        raise ImportError(f"no libseccomp binding ({exc}): install the kit's grader extra "
                          "(pip install 'linear-classifiers-kit[grader]') and the system's "
                          "libseccomp (Debian and Ubuntu: libseccomp2)") from None


def available() -> str:
    """'' when the filter can be built here, else why not."""
    try:
        binding()
    except ImportError as exc:
        return str(exc)
    return ""


def load() -> list[str]:
    """Build the filter and load it into this process (inherited by everything it execs).

    Needs ``no_new_privs`` (set by :meth:`.landlock.Ruleset.restrict_self`, or here) or
    CAP_SYS_ADMIN. Returns the names of the denied calls this architecture has.
    """
    sc = binding()
    filt = sc.SyscallFilter(sc.ALLOW)
    denied = []
    for name, err in DENIED.items():
        try:
            filt.add_rule(sc.ERRNO(err), name)
        except (OSError, ValueError, RuntimeError):
            continue  # a call this architecture does not have (fork on arm64)
        denied.append(name)
    filt.add_rule(sc.ERRNO(errno.EACCES), "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
    filt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    filt.load()
    return [*denied, "socket (all but AF_UNIX)", "clone (new processes)"]
