"""Which isolation a submission runs under here: found by starting it, never presumed.

Three modes, strongest first:

``bwrap``
    bubblewrap: fresh mount, PID, network, IPC and UTS namespaces; the code sees only the
    system, the interpreter, the kit and the data (read-only) and its scratch copy; no network.
    Needs user namespaces (or root): forbidden in Docker's and Kubernetes' default seccomp
    profile, in a chroot, and by Ubuntu 24.04's AppArmor.
``landlock``
    no privileges needed: Landlock lets the code read only the system, the interpreter, the kit
    and the data, write only its scratch copy, make no TCP connection and signal no process
    outside it; a seccomp filter denies every other socket family, new processes, namespaces,
    ptrace and io_uring; a separate uid when the grader is root (else uid 0 without any
    capability); resource limits.
``limits``
    resource limits and a scratch working directory only: the code can read and write whatever
    the grader's user can and use the network. The last resort (macOS), labelled as such, never
    chosen while a stronger mode works, and refused for a root grader whose Python no other uid
    can run (the code would run as root).

:func:`choose` probes the modes an instructor allows (``auto``: all of them, strongest first)
by starting a tiny sandboxed program in each, which must come up, import the kit, write its
folder and (except under ``limits``) fail to read a file beside it. It returns the strongest that
works, or raises :class:`IsolationUnavailable` saying why each failed and what to change.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox
from .sandbox import MODES, Limits

#: What an instructor may ask for: ``auto`` (the strongest that works) or one mode exactly.
REQUESTS = ("auto", *MODES)
PROBE_SECONDS = 60.0

_PROBE = r"""
import json, os, sys
out = {"uid": os.getuid()}
try:
    with open(sys.argv[1]) as f:
        out["outside"] = f.read() == "canary"
except OSError:
    out["outside"] = False
with open("probe.txt", "w") as f:
    f.write("ok")
import cs231n_utils.grader.worker  # the kit and what the worker imports (numpy)
out["kit"] = True
print("KIT-PROBE " + json.dumps(out))
"""

_DESCRIPTIONS = {
    "bwrap": "bubblewrap sandbox: no network, read-only system and package, no access to the course "
             "folder, writes only to a scratch copy; memory, CPU, process, file-size and wall-time limits",
    "landlock": "Landlock and seccomp sandbox (no privileges needed): reads only the system, the "
                "interpreter, the kit and the data, writes only a scratch copy, no network, no new "
                "processes, no signals outside it; memory, CPU, file-size and wall-time limits",
    "limits": "LIMITS ONLY (no isolation): resource limits and a scratch working directory; the "
              "submission can read and write your files and use the network. Grade untrusted work "
              "on Linux (bubblewrap, or Landlock: Linux 5.13+)",
}


def describe(mode: str) -> str:
    """One sentence on what ``mode`` guarantees."""
    return _DESCRIPTIONS.get(mode, f"unknown isolation {mode!r}")


def strength(mode: str) -> int:
    """Higher is stronger: bwrap 3, landlock 2, limits 1, anything else 0."""
    return len(MODES) - MODES.index(mode) if mode in MODES else 0


def check_request(requested: str) -> str:
    """``requested`` if it is one of :data:`REQUESTS`; else ValueError saying what is accepted."""
    if requested not in REQUESTS:
        raise ValueError(f"isolation must be one of {', '.join(REQUESTS)}, got {requested!r}")
    return requested


class IsolationUnavailable(RuntimeError):
    """The isolation asked for cannot run here; the message says why and what to change."""


@dataclass(frozen=True)
class Probed:
    """The outcome of :func:`choose`: the mode that ran, and why the stronger ones did not."""

    mode: str
    uid: int
    problems: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """``mode (submission uid N)``, then why each stronger mode was passed over."""
        text = f"{self.mode} (submission uid {self.uid})"
        skipped = [f"{m} unavailable: {why}" for m, why in self.problems.items()]
        return text + ("; " + "; ".join(skipped) if skipped else "")


def advice(mode: str, problem: str) -> str:
    """What an instructor can change so that ``mode`` runs, from the way it failed."""
    p = problem.lower()
    if mode == "bwrap":
        if "not installed" in p:
            return "install bubblewrap (Debian and Ubuntu: apt-get install bubblewrap)"
        if "slave" in p or "chroot" in p:
            return "bubblewrap cannot run in a chroot; grade in a container or on the host"
        if "namespace" in p or "permitted" in p or "permission" in p:
            return ("user namespaces are forbidden here: in Docker or Kubernetes, give the grader a "
                    "seccomp profile that allows them (e.g. securityContext.seccompProfile: Unconfined, "
                    "or a custom profile allowing clone/unshare with CLONE_NEWUSER) or a privileged node "
                    "pool; on Ubuntu 24.04, allow them to bwrap in AppArmor (or sysctl "
                    "kernel.apparmor_restrict_unprivileged_userns=0); or run the grader as root on the host")
    if mode == "landlock":
        if "landlock" in p and ("not available" in p or "abi" in p):
            return ("Landlock needs Linux 5.13 or later with Landlock enabled at boot ('landlock' in "
                    "the lsm= list, CONFIG_SECURITY_LANDLOCK) and, in a container, a seccomp profile "
                    "that allows the landlock_* system calls")
        if "seccomp" in p:
            return ("install the kit's grader extra (pip install 'linear-classifiers-kit[grader]') "
                    "and libseccomp2")
    if mode == "limits" and "root" in p:
        return ("run the grader as an ordinary user, or install the kit where other users can run its "
                "Python (not under /root)")
    return "run with CS231N_SANDBOX_DEBUG=1 to see the sandbox's own error output"


def probe(mode: str, limits: Limits | None = None, readonly: list[Path] | None = None) -> tuple[int, str]:
    """Start a tiny program in ``mode``'s sandbox: ``(uid it ran as, "")`` or ``(-1, why not)``."""
    limits = Limits(memory_mb=max(1024, min(limits.memory_mb if limits else 2048, 4096)),
                    cell_seconds=PROBE_SECONDS)
    if mode == "landlock":  # say what is missing, rather than how the sandboxed program died
        from . import landlock, syscall_filter

        if landlock.abi_version() < 1:
            return -1, "Landlock is not available in this kernel (or this container's seccomp profile)"
        if syscall_filter.available():
            return -1, f"seccomp: {syscall_filter.available()}"
    with tempfile.TemporaryDirectory(prefix="kit-probe-") as tmp:
        outside = Path(tmp) / "outside.txt"
        outside.write_text("canary")
        outside.chmod(0o644)
        os.chmod(tmp, 0o711)
        work = Path(tmp) / "work"
        work.mkdir()
        try:
            proc, _ = sandbox.start([*sandbox.safe_python(_PROBE), str(outside)], work, limits,
                                    readonly=readonly, mode=mode, stderr=subprocess.PIPE)
        except (OSError, ValueError) as exc:
            return -1, str(exc)
        try:
            out, err = proc.communicate(timeout=PROBE_SECONDS)
        except subprocess.TimeoutExpired:
            sandbox.kill(proc)
            return -1, f"the probe did not finish within {PROBE_SECONDS:g} s"
        finally:
            sandbox.close_pipes(proc)
        lines = out.decode(errors="replace").splitlines()
        line = next((ln for ln in lines if ln.startswith("KIT-PROBE ")), "")
        if not line:
            tail = err.decode(errors="replace").strip().splitlines()[-3:]
            return -1, (f"the sandboxed program did not run (exit status {proc.returncode})"
                        + (f": {' / '.join(tail)}" if tail else ""))
        found = json.loads(line.split(" ", 1)[1])
        if mode != "limits" and found.get("outside"):
            return -1, "it started, but the submission could read a file outside its folder"
        if not (work / "probe.txt").is_file():
            return -1, "it started, but the submission could not write its own folder"
        return int(found.get("uid", -1)), ""


_CHOSEN: dict[tuple, Probed] = {}


def choose(requested: str = "auto", limits: Limits | None = None,
           readonly: list[Path] | None = None) -> Probed:
    """The strongest mode ``requested`` allows that starts here (probed once per process).

    Raises
    ------
    IsolationUnavailable
        When no allowed mode works: the message names each mode's failure and the fix.
    """
    check_request(requested)
    key = (requested, os.geteuid(), tuple(str(p) for p in readonly or []))
    if key in _CHOSEN:
        return _CHOSEN[key]
    candidates = MODES if requested == "auto" else (requested,)
    problems: dict[str, str] = {}
    for mode in candidates:
        if mode == "bwrap" and sandbox.bwrap_path() is None:
            problems[mode] = "bubblewrap is not installed"
            continue
        uid, why = probe(mode, limits, readonly)
        if not why:
            _CHOSEN[key] = Probed(mode, uid, problems)
            return _CHOSEN[key]
        problems[mode] = why
    lines = [f"no isolation {'mode' if requested == 'auto' else requested!r} can run here, so nobody "
             "was graded:"]
    lines += [f"  {m}: {why}. To fix: {advice(m, why)}." for m, why in problems.items()]
    raise IsolationUnavailable("\n".join(lines))


def forget() -> None:
    """Forget the probes' outcomes (a test that changes the conditions probes again)."""
    _CHOSEN.clear()


def job_modes(requested: str, expected: str) -> list[str]:
    """The modes a job tries, in order: the batch's (``expected``), then, under ``auto`` only,
    each weaker one that still confines (a job on a node where the batch's mode fails is graded,
    and flagged); never ``limits`` unless the batch itself found nothing stronger."""
    first = expected or (MODES[0] if requested == "auto" else requested)
    if requested != "auto":
        return [first]
    return [m for m in MODES if strength(m) <= strength(first) and (m != "limits" or first == "limits")]

