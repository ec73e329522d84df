"""Start untrusted code in a sandbox with resource limits, in one of three modes.

``bwrap``: with bubblewrap (``bwrap``, Debian package ``bubblewrap``) the code runs in fresh
mount, PID, network, IPC and UTS namespaces: it sees the Python installation, the kit's package
and the dataset read-only, a scratch copy of its own submission folder read-write, an empty /tmp
and home, and no network. The course folder (solutions/, the gradebook, other students'
submissions) is simply not there.

``landlock``: where namespaces are forbidden (containers with the default seccomp profile, a
chroot, Ubuntu 24.04's AppArmor), the launcher confines itself before it runs the code:
Landlock (:mod:`.landlock`) allows reading only the system, the interpreter, the package and the
data and writing only the scratch copy, no TCP and no signals outside; a seccomp filter
(:mod:`.syscall_filter`) denies other sockets, new processes, namespaces and ptrace.

``limits``: resource limits and a scratch working directory only: the code can read and write
the user's files and use the network (macOS; the last resort).

In every mode, when the grader runs as root the code runs as an unprivileged uid of its own
(``BASE_UID + slot``), so that the process limit applies; where no other uid can run the
grader's Python (an interpreter under /root), ``landlock`` keeps uid 0 without any capability
(:mod:`.capabilities`) and ``limits`` refuses to run. :mod:`.isolation` finds which mode works.

Started by :func:`start` through :func:`safe_python` (never ``python -m``, which would put the
submission's folder on ``sys.path`` before confinement) with ``[--drop UID GID | --drop-caps]
[--landlock JSON] [--seccomp] --limits JSON -- CMD ...``, :func:`_launcher_main` is the small
launcher that applies limits, drops privileges and confines itself inside the sandbox, then execs
CMD.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import config

#: Where the submission's scratch copy appears inside the sandbox.
WORKDIR = "/home/student/work"
#: First uid used for sandboxed code when the grader runs as root (one per worker slot).
BASE_UID = 61000


@dataclass(frozen=True)
class Limits:
    """Resource bounds for one submission's sandbox."""

    memory_mb: int = 6144  #: address space (virtual memory) of the process
    cpu_seconds: int = 900  #: CPU time of the whole sandbox process
    processes: int = 64  #: processes and threads
    file_size_mb: int = 256  #: largest file the code may write
    open_files: int = 256
    cell_seconds: float = 300.0  #: wall time per cell or call (enforced by the grader)


#: The isolation modes, strongest first (see :mod:`.isolation`).
MODES = ("bwrap", "landlock", "limits")
#: How every Python the sandbox starts runs: no user site-packages (a submission could carry a
#: ``.local/lib/python3.X/site-packages/usercustomize.py`` into its HOME) and no working folder on
#: ``sys.path`` (the submission's own ``json.py`` or ``numpy.py`` must never shadow what the
#: launcher imports before it is confined, nor what the worker imports before it is ready).
PYTHON_FLAGS = ("-s", "-P") if sys.version_info >= (3, 11) else ("-s",)


def safe_python(code: str) -> list[str]:
    """The command line that runs ``code`` with :data:`PYTHON_FLAGS`, the working folder and ''
    taken off ``sys.path`` first (Python 3.10 has no ``-P``); arguments may follow."""
    return [sys.executable, *PYTHON_FLAGS, "-c",
            "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; " + code]


#: The worker's command line (see :mod:`.worker`).
WORKER = safe_python("from cs231n_utils.grader.worker import main; main()")


def bwrap_path() -> str | None:
    """Path of the bubblewrap binary, or None when it is not installed or not on Linux."""
    if not sys.platform.startswith("linux"):
        return None
    return shutil.which("bwrap")


def describe_isolation(mode: str | None = None) -> str:
    """One sentence on how submissions are isolated: in ``mode``, or as probed on this machine."""
    from . import isolation

    if mode is None:
        try:
            mode = isolation.choose().mode
        except isolation.IsolationUnavailable as exc:
            return f"NO ISOLATION CAN RUN HERE: {exc}"
    return f"{mode}: {isolation.describe(mode)}"


def _apply_limits(limits: Limits) -> None:
    import resource

    def setl(kind: int, value: int) -> None:
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass  # e.g. RLIMIT_AS is not enforceable on macOS

    setl(resource.RLIMIT_AS, limits.memory_mb * 1024**2)
    setl(resource.RLIMIT_CPU, limits.cpu_seconds)
    setl(resource.RLIMIT_FSIZE, limits.file_size_mb * 1024**2)
    setl(resource.RLIMIT_NOFILE, limits.open_files)
    setl(resource.RLIMIT_CORE, 0)
    if os.geteuid() != 0:
        # RLIMIT_NPROC counts every process of this uid: leave room for what already runs.
        setl(resource.RLIMIT_NPROC, _current_process_count() + limits.processes)
    else:
        setl(resource.RLIMIT_NPROC, limits.processes)


def _current_process_count() -> int:
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if entry.stat().st_uid == uid:
                count += len(list((entry / "task").iterdir()))
        except OSError:
            continue
    return count or 256


def _bind_args(paths: list[Path], flag: str = "--ro-bind") -> list[str]:
    """Bind each path at the same place, creating its parents world-readable (bwrap's own
    parents would be mode 0700 and unreadable once privileges are dropped)."""
    args: list[str] = []
    made: set[Path] = set()
    for p in paths:
        if not p.exists():
            continue
        for parent in reversed(p.parents):
            if parent != Path("/") and parent not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += [flag, str(p), str(p)]
    return args


#: The system's folders the sandboxed code may read (and run programs from).
SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
#: The few files of /etc it may read (not /etc as a whole: under uid 0 without capabilities,
#: root-only files such as /etc/shadow would be readable).
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
                "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/fonts", "/etc/matplotlibrc")


def _system_binds() -> list[str]:
    args: list[str] = []
    for name in SYSTEM_DIRS:
        p = Path("/") / name
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.exists():
            args += ["--ro-bind", str(p), str(p)]
    for etc in SYSTEM_FILES:
        if Path(etc).exists():
            args += ["--ro-bind", etc, etc]
    return args


#: Where matplotlib keeps its caches in the sandbox (an empty tmpfs, or the scratch folder).
SANDBOX_MPLCONFIGDIR = "/tmp/matplotlib"


def font_caches() -> list[Path]:
    """matplotlib's font lists (``fontlist-v*.json``) in this process's matplotlib cache folder.

    A sandbox starts with an empty MPLCONFIGDIR, where matplotlib would scan every system font
    again at its first import: a fraction of a second here, seconds on a machine with many
    fonts, in every job. The grader's lists are copied in instead (the fonts are at the same
    paths in there: /usr is bound). None yet, or no matplotlib: the sandbox builds its own.
    """
    try:
        import matplotlib
    except ImportError:
        return []
    return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-v*.json"))


def _import_root() -> str:
    """The folder ``cs231n_utils`` is imported from here, so that the sandbox imports the same one."""
    return str(Path(__file__).resolve().parents[2])


#: Packages the sandboxed code needs (the worker's and the notebooks' imports).
SANDBOX_PACKAGES = ("numpy", "scipy", "matplotlib", "sklearn", "IPython", "PIL", "tqdm", "ipywidgets",
                    "joblib", "threadpoolctl", "pyparsing", "cycler", "kiwisolver", "dateutil",
                    "fontTools", "packaging", "traitlets", "pygments", "prompt_toolkit", "decorator",
                    "jedi", "parso", "stack_data", "executing", "asttokens", "pure_eval", "wcwidth",
                    "matplotlib_inline", "contourpy", "six", "pexpect", "ptyprocess")


def _package_dirs(names: tuple[str, ...]) -> list[Path]:
    """The folder (or single module file) each importable package of ``names`` lives in, and its
    dist-info or native-libraries sibling folders (``numpy.libs``), found without importing it."""
    import importlib.util

    found: list[Path] = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.origin or spec.origin in ("built-in", "frozen"):
            continue
        origin = Path(spec.origin).resolve()
        target = origin.parent if spec.submodule_search_locations else origin
        found.append(target)
        libs = target.parent / f"{name}.libs"
        if spec.submodule_search_locations and libs.is_dir():
            found.append(libs.resolve())
    return found


def readonly_paths(extra: list[Path] | None = None) -> list[Path]:
    """What the sandbox needs read-only: the interpreter, the environment, the package, data."""
    here = Path(__file__).resolve().parents[1]  # the cs231n_utils package
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    if not any(here.is_relative_to(p) for p in paths):
        paths.add(here)  # an editable install: bind only the package, not the checkout
    # The packages the worker and the notebooks import, where they live outside the prefixes
    # (a --user install, a .pth or PYTHONPATH folder): each package's own folder, never its parent.
    for root in _package_dirs(SANDBOX_PACKAGES):
        if not any(root.is_relative_to(p) for p in paths):
            paths.add(root)
    paths.update(Path(p).resolve() for p in (extra or []))
    # Drop paths nested inside another bound path.
    ordered = sorted(paths, key=lambda p: len(p.parts))
    return [p for i, p in enumerate(ordered) if not any(p.is_relative_to(q) for q in ordered[:i])]


def sandbox_env(env: dict[str, str] | None = None, home: str = "/home/student") -> dict[str, str]:
    """The environment the sandboxed code sees: a clean one, plus the kit's variables."""
    base = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": SANDBOX_MPLCONFIGDIR,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    for key in (*config.DATA_VARIABLES, "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            base[key] = os.environ[key]
    base.update(env or {})
    # Data is bound into the sandbox at its real path: a path through a symbolic link (say a
    # shared folder linked beside the course) would not exist in there.
    for key in (config.DATA_HOME, config.CIFAR10_SUBSET):
        if base.get(key, "").strip():
            base[key] = str(Path(base[key]).expanduser().resolve())
    return base


def start(cmd: list[str], workdir: Path, limits: Limits | None = None, slot: int = 0,
          readonly: list[Path] | None = None, env: dict[str, str] | None = None,
          mode: str = "bwrap", stderr: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``cmd`` (a Python command line) in ``mode``'s sandbox over a scratch folder ``workdir``.

    Returns the process, with stdin and stdout as binary pipes, and the mode. The process leads
    its own process group, so killing the group ends everything it started. ``stderr``: where
    the sandbox's error output goes (default: discarded, unless CS231N_SANDBOX_DEBUG is set).

    Raises
    ------
    OSError
        When ``mode`` cannot be set up here (no bubblewrap; a grader running as root whose
        Python no other uid can run, under ``limits``; a scratch folder another uid cannot reach).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    workdir = Path(workdir).resolve()
    limits = limits or Limits()
    stderr = _stderr() if stderr is None else stderr
    launcher = [*safe_python("from cs231n_utils.grader.sandbox import _launcher_main; "
                             "_launcher_main(sys.argv[1:])"), "--limits", json.dumps(asdict(limits))]
    if mode == "bwrap":
        return _start_bwrap(cmd, workdir, launcher, slot, readonly, env, stderr), mode
    full_env = sandbox_env(env, home=str(workdir))
    full_env["PYTHONPATH"] = _import_root()
    # Temporary files and matplotlib's caches in the scratch folder (the machine's /tmp is shared
    # and, under Landlock, out of reach), with the grader's font lists.
    for sub in (".tmp", ".matplotlib"):
        (workdir / sub).mkdir(exist_ok=True)
    for cache in font_caches():
        shutil.copy(cache, workdir / ".matplotlib" / cache.name)
    full_env.update(MPLCONFIGDIR=str(workdir / ".matplotlib"), TMPDIR=str(workdir / ".tmp"))
    if os.geteuid() == 0:  # a submission never runs as root with root's powers
        if _others_can_run_python():
            uid = BASE_UID + slot
            _reachable_by(workdir)
            give_to(workdir, uid)
            launcher += ["--drop", str(uid), str(uid)]
        elif mode == "landlock":
            launcher += ["--drop-caps"]
        else:
            raise OSError(errno.EPERM, "the submission would run as root: no other user can run this "
                          f"Python ({sys.executable}), and 'limits' does not confine root")
    if mode == "landlock":
        rules = {"read": [str(p) for p in _landlock_reads(readonly)], "write": [str(workdir)],
                 "devices": list(DEVICES)}
        launcher += ["--landlock", json.dumps(rules), "--seccomp"]
    proc = subprocess.Popen([*launcher, "--", *cmd], cwd=workdir, env=full_env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=stderr, start_new_session=True)
    return proc, mode


#: What of /proc and /sys the code may read under Landlock: its own process (``/proc/self`` is
#: opened by the launcher, whose pid the code keeps) and the processor and memory facts BLAS reads.
PROC_FILES = ("/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/sys/devices/system/cpu")
#: Devices the sandboxed code may read and write.
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


def _landlock_reads(readonly: list[Path] | None) -> list[Path]:
    """What Landlock lets the code read: the system, the interpreter, the kit, the data, and its
    own process' /proc entries (resolved now: the launcher's pid is the code's after exec)."""
    paths = [Path("/") / name for name in SYSTEM_DIRS] + [Path(p) for p in SYSTEM_FILES]
    paths += readonly_paths(readonly)
    paths += [Path(p) for p in PROC_FILES]
    return [p for p in paths if p.exists()]


def _start_bwrap(cmd: list[str], workdir: Path, launcher: list[str], slot: int,
                 readonly: list[Path] | None, env: dict[str, str] | None,
                 stderr: int | None) -> subprocess.Popen:
    bwrap = bwrap_path()
    if bwrap is None:
        raise OSError(errno.ENOENT, "bubblewrap (bwrap) is not installed")
    ro = readonly_paths(readonly)
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
            "--tmpfs", "/", *_system_binds(), "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", "/home/student",
            "--perms", "1777", "--dir", SANDBOX_MPLCONFIGDIR,
            *[arg for cache in font_caches()
              for arg in ("--ro-bind", str(cache), f"{SANDBOX_MPLCONFIGDIR}/{cache.name}")],
            *_bind_args(ro),
            "--bind", str(workdir), WORKDIR,
            # The root tmpfs read-only once laid out: the folders bwrap made in it (the parents of
            # the bound paths) belong to the sandbox's uid when bwrap runs without privileges.
            "--remount-ro", "/", "--chdir", WORKDIR, "--clearenv"]
    for key, value in sandbox_env(env).items():
        args += ["--setenv", key, value]
    args += ["--setenv", "PYTHONPATH", _import_root()]
    if os.geteuid() == 0:
        uid = BASE_UID + slot
        give_to(workdir, uid)
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        launcher = [*launcher, "--drop", str(uid), str(uid)]
    else:
        args += ["--unshare-user"]
    return subprocess.Popen([*args, *launcher, "--", *cmd], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=stderr, start_new_session=True)


def _reachable_by(workdir: Path) -> None:
    """Make the folders above ``workdir`` searchable by the submission's uid where they are the
    grader's scratch folder (created 0700); raise OSError naming a folder it cannot pass."""
    import stat

    for folder in workdir.parents:
        mode = folder.stat().st_mode
        if mode & stat.S_IXOTH:
            continue
        if folder.name.startswith("kit-") and folder.stat().st_uid == os.geteuid():
            os.chmod(folder, stat.S_IMODE(mode) | 0o711)  # searchable, not listable
            continue
        raise OSError(errno.EACCES, f"the submission's uid cannot reach its folder {workdir}: {folder} "
                      "is not searchable by other users (set TMPDIR to a folder such as /tmp)")


def _others_can_run_python() -> bool:
    """Whether another uid can run this Python and import the kit: every folder on the way to
    the interpreter, its library and the package searchable, the files readable (an interpreter
    under /root is not, and there the fallback keeps the grader's uid)."""
    import stat

    here = Path(__file__).resolve().parents[1]
    targets = [Path(sys.executable).resolve(), Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
               here]
    for target in targets:
        for folder in [target, *target.parents]:
            try:
                mode = folder.stat().st_mode
            except OSError:
                return False
            needed = stat.S_IXOTH | (stat.S_IROTH if folder == target else 0)
            if mode & needed != needed:
                return False
    return True


def give_to(workdir: Path, uid: int) -> None:
    """Make ``workdir`` and everything in it owned by ``uid`` (the submission's own user), never
    following a symbolic link."""
    os.lchown(workdir, uid, uid)
    for root, dirs, files in os.walk(workdir):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, uid)


def _stderr() -> int | None:
    """The sandbox's stderr: discarded, unless CS231N_SANDBOX_DEBUG is set."""
    return None if os.environ.get(config.SANDBOX_DEBUG) else subprocess.DEVNULL


def kill(proc: subprocess.Popen) -> None:
    """Kill the sandboxed process group, reap it and close its pipes."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass
    proc.wait()
    close_pipes(proc)


def close_pipes(proc: subprocess.Popen) -> None:
    """Close a finished process' pipes (left to the garbage collector, each one warns)."""
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _launcher_main(argv: list[str]) -> None:
    """Inside the sandbox: apply limits, drop privileges, confine, exec the command.

    The order matters: limits first (raising them later needs privileges), then the uid (the
    Landlock rules are opened as the uid that will use them) or, for uid 0, every capability;
    then the seccomp filter and Landlock, each inherited by what is executed.
    """
    if "--" not in argv:
        raise SystemExit("usage: python -m cs231n_utils.grader.sandbox [--drop UID GID | --drop-caps] "
                         "[--landlock JSON] [--seccomp] --limits JSON -- CMD")
    split = argv.index("--")
    opts, cmd = argv[:split], argv[split + 1:]
    limits = Limits(**json.loads(opts[opts.index("--limits") + 1]))
    _apply_limits(limits)
    if "--drop" in opts:
        i = opts.index("--drop")
        uid, gid = int(opts[i + 1]), int(opts[i + 2])
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)  # from root: also clears every capability
    if "--drop-caps" in opts:
        from .capabilities import drop_all

        drop_all()
    if "--seccomp" in opts:
        from . import syscall_filter

        syscall_filter.load()
    if "--landlock" in opts:
        from .landlock import Ruleset

        rules = json.loads(opts[opts.index("--landlock") + 1])
        Ruleset(read=rules["read"], write=rules["write"], devices=rules["devices"]).restrict_self()
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    _launcher_main(sys.argv[1:])
