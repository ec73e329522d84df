"""A seccomp filter for submissions: no network, no new processes, no way out of the sandbox.

Landlock (:mod:`.landlock`) confines files, TCP and signals; this filter closes what it does not
cover, for a process that has no namespaces of its own:

* sockets of any family but ``AF_UNIX``, and UNIX datagram sockets (UDP, raw, netlink, DNS,
  /dev/log), and ``connect`` altogether (a UNIX socket file the uid may reach, such as a container
  runtime's);
* changing files' modes, owners and times by path (a no-op that reports success), extended
  attributes by path and ``truncate``
  (Landlock governs opening, creating and removing, not these, and the code may share a uid with
  the grader's files); System V IPC and message queues (objects that outlive the sandbox);
* signals, resource limits and scheduling of any process but its own;
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
import os
import socket
from types import ModuleType

CLONE_THREAD = 0x00010000
_PR_SET_NO_NEW_PRIVS = 38

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
    # Changing files by path: Landlock does not govern modes, owners, times or extended attributes
    # (nor truncate before ABI 3), and the code may share a uid with the grader's files. Modes,
    # owners and times are a no-op that reports success (errno 0): libraries set them on what they
    # just wrote (IPython copies its profile's README with shutil.copy, which copies the mode).
    "chmod": 0, "fchmodat": 0, "fchmodat2": 0, "chown": 0, "lchown": 0, "fchownat": 0, "utime": 0,
    "utimes": 0, "futimesat": 0, "utimensat": 0,
    "setxattr": errno.EPERM, "lsetxattr": errno.EPERM, "removexattr": errno.EPERM,
    "lremovexattr": errno.EPERM, "truncate": errno.EPERM,
    # Signals by thread id or pidfd, and other processes' memory advice.
    "tkill": errno.EPERM, "pidfd_send_signal": errno.EPERM, "process_madvise": errno.EPERM,
    # System V and POSIX message-queue IPC: objects that outlive the sandbox and its memory limit.
    "shmget": errno.EPERM, "shmat": errno.EPERM, "shmctl": errno.EPERM, "msgget": errno.EPERM,
    "msgsnd": errno.EPERM, "msgrcv": errno.EPERM, "msgctl": errno.EPERM, "semget": errno.EPERM,
    "semop": errno.EPERM, "semtimedop": errno.EPERM, "semctl": errno.EPERM, "ipc": errno.EPERM,
    "mq_open": errno.EPERM, "mq_unlink": errno.EPERM, "socketcall": errno.EPERM,
}
#: Calls that name a process first: allowed on the code's own process (its pid is the launcher's,
#: kept across exec, and it is the only process), denied on any larger pid, a negative one (a
#: group, or every process) or, where 0 would not mean itself, anything but 0. Smaller pids stay
#: reachable by kill and its kin where Landlock cannot scope signals (before Linux 6.12, ABI 6).
SIGNALS = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
SELF_ONLY = ("prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam", "sched_setattr",
             "migrate_pages", "move_pages", "setpriority", "ioprio_set")


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

    Sets ``no_new_privs`` first (loading a filter without CAP_SYS_ADMIN needs it; nothing executed
    afterwards can gain privileges). Returns the names of the denied calls this architecture has.
    """
    sc = binding()  # imported (it may run ldconfig) before new processes are denied
    import ctypes

    if ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    filt = sc.SyscallFilter(sc.ALLOW)
    denied = []
    for name, err in DENIED.items():
        try:
            filt.add_rule(sc.ERRNO(err), name)
        except (OSError, ValueError, RuntimeError):
            continue  # a call this architecture does not have (fork on arm64)
        denied.append(name)
    filt.add_rule(sc.ERRNO(errno.EACCES), "socket", sc.Arg(0, sc.NE, socket.AF_UNIX))
    for kind in (socket.SOCK_DGRAM, socket.SOCK_SEQPACKET):  # datagrams reach /dev/log and the like
        filt.add_rule(sc.ERRNO(errno.EACCES), "socket", sc.Arg(1, sc.MASKED_EQ, 0xF, int(kind)))
    filt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    pid = os.getpid()
    for name in SIGNALS:
        _add(sc, filt, name, sc.Arg(0, sc.GT, pid))
    for name in SELF_ONLY:
        _add(sc, filt, name, sc.Arg(1 if name in ("setpriority", "ioprio_set") else 0, sc.NE, 0))
    filt.load()
    return [*denied, "socket (all but AF_UNIX streams)", "clone (new processes)",
            "signals to other processes", "limits, scheduling and memory of other processes"]


def _add(sc: ModuleType, filt: object, name: str, arg: object) -> None:
    try:
        filt.add_rule(sc.ERRNO(errno.EPERM), name, arg)
    except (OSError, ValueError, RuntimeError):
        pass  # a call this architecture does not have
