"""A real single-node Slurm cluster in a temporary folder, for the tests of the Slurm backend.

Debian's ``slurm-wlm`` and ``munge`` packages (``.ci/run`` installs them) run as root without
systemd: :func:`single_node_cluster` writes a ``slurm.conf`` naming this machine (``hostname -s``,
its address pinned to 127.0.0.1, so no DNS), starts ``munged`` as the munge user and then
``slurmctld`` and ``slurmd`` directly, waits until the node is idle, and on exit cancels every job
and ends the daemons by their PID files. ``DefMemPerCPU`` lets array tasks share the node (without
it a task takes the whole node's memory and tasks run one at a time); completed jobs are logged by
``jobcomp/filetxt`` (there is no accounting database, so ``sacct`` is unavailable).

:func:`unavailable` says why a cluster cannot start here (not root, packages missing), for a skip.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DAEMONS = ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "sinfo")


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its configuration file and the environment that points Slurm's tools at it."""

    conf: Path
    node: str
    cpus: int

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.conf)}


def unavailable() -> str | None:
    """Why a single-node cluster cannot start on this machine, or None if it can."""
    if os.geteuid() != 0:
        return "the Slurm tests start slurmctld, slurmd and munged, which needs root"
    missing = [d for d in DAEMONS if shutil.which(d) is None and not Path("/usr/sbin", d).exists()]
    if missing:
        return (f"Slurm or munge is not installed (missing {', '.join(missing)}): "
                "apt-get install slurm-wlm munge")
    try:
        pwd.getpwnam("munge")
    except KeyError:
        return "the munge user does not exist (install Debian's munge package)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def _memory_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return 4096


def write_config(folder: Path, cpus: int, memory_mb: int, mem_per_cpu_mb: int,
                 max_array_size: int = 1001) -> Path:
    """slurm.conf (and cgroup.conf) for one node named after this machine, state kept in ``folder``."""
    node = socket.gethostname().split(".")[0]
    for sub in ("state", "spool", "log"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    conf = folder / "slurm.conf"
    conf.write_text(f"""\
ClusterName=kit
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={folder / 'state'}
SlurmdSpoolDir={folder / 'spool'}
SlurmctldPidFile={folder / 'slurmctld.pid'}
SlurmdPidFile={folder / 'slurmd.pid'}
SlurmctldLogFile={folder / 'log' / 'slurmctld.log'}
SlurmdLogFile={folder / 'log' / 'slurmd.log'}
JobCompType=jobcomp/filetxt
JobCompLoc={folder / 'log' / 'jobcomp.log'}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU={mem_per_cpu_mb}
MaxArraySize={max_array_size}
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=30
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=grading Nodes={node} Default=YES MaxTime=INFINITE State=UP
""")
    return conf


def _start_munge(folder: Path) -> None:
    """munged as the munge user, with its key (made by mungekey if absent) and /run/munge."""
    munge = pwd.getpwnam("munge")
    key = Path("/etc/munge/munge.key")
    if not key.is_file():
        subprocess.run([_binary("mungekey"), "--create"], check=True, capture_output=True)
        os.chown(key, munge.pw_uid, munge.pw_gid)
    run = Path("/run/munge")
    run.mkdir(parents=True, exist_ok=True)
    os.chown(run, munge.pw_uid, munge.pw_gid)
    if (run / "munge.socket.2").exists() and subprocess.run(
            ["munge", "-n"], capture_output=True).returncode == 0:
        return  # already running (another test session, or the machine's own)
    subprocess.run(["runuser", "-u", "munge", "--", _binary("munged"), "--force"],
                   check=True, capture_output=True, timeout=30)


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _wait_idle(cluster: Cluster, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        out = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], env=cluster.env, capture_output=True,
                             text=True)
        state = out.stdout.strip()
        if out.returncode == 0 and state.rstrip("*") == "idle":
            return
        time.sleep(0.5)
    log = (cluster.conf.parent / "log" / "slurmctld.log")
    raise RuntimeError(f"the Slurm node did not come up within {timeout:.0f} s (state {state!r}); "
                       f"slurmctld's log ends:\n{log.read_text()[-2000:] if log.is_file() else '(none)'}")


@contextlib.contextmanager
def single_node_cluster(folder: Path, cpus: int | None = None, mem_per_cpu_mb: int = 1024,
                        max_array_size: int = 1001, timeout: float = 60) -> Iterator[Cluster]:
    """Start munge, slurmctld and slurmd for one node; yield the :class:`Cluster`; stop them."""
    folder = Path(folder).resolve()
    cpus = cpus or os.cpu_count() or 1
    memory_mb = max(_memory_mb() - 512, cpus * mem_per_cpu_mb)
    conf = write_config(folder, cpus, memory_mb, mem_per_cpu_mb, max_array_size)
    cluster = Cluster(conf, socket.gethostname().split(".")[0], cpus)
    _start_munge(folder)
    started = []
    try:
        for daemon in ("slurmctld", "slurmd"):
            subprocess.run([_binary(daemon), "-f", str(conf)], env=cluster.env, check=True,
                           capture_output=True, timeout=30)
            started.append(folder / f"{daemon}.pid")
        _wait_idle(cluster, timeout)
        yield cluster
    finally:
        subprocess.run(["scancel", "--full", "--quiet", "--user", "root"], env=cluster.env,
                       capture_output=True, timeout=30)
        for pidfile in reversed(started):
            pid = _pid(pidfile)
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_pid(p) and Path(f"/proc/{_pid(p)}").exists()
                                                  for p in started):
            time.sleep(0.2)
