"""The conditions a grader runs in, for ``tests/test_isolation_conditions.py``.

Each condition is a function of the session's :class:`Scratch` returning a :class:`Launch`: the
command prefix that runs ``cs231n-kit`` under the condition (``launch.prefix + ["grade", ...]``),
the environment changes it needs, the uid the grader then runs as, the isolation mode the kit must
choose there, and a skip reason when the condition cannot be set up on this machine.

``bwrap``
    as is: root, bubblewrap installed. Expected mode: ``bwrap``.
``namespaces_forbidden``
    root without CAP_SYS_ADMIN (``setpriv --bounding-set -sys_admin --inh-caps -sys_admin``) and
    a seccomp filter that denies namespaces as Docker's default profile does (:func:`deny_namespaces`:
    unshare and setns fail with EPERM, clone with any CLONE_NEW* flag with EPERM, clone3 with
    ENOSYS). Expected: ``landlock``.
``no_bwrap``
    bubblewrap not installed: PATH is the venv's bin, then a folder holding links to only what the
    grader runs from PATH (:data:`GRADER_NEEDS_ON_PATH`: nothing, as found: it starts its own
    Python by ``sys.executable`` and ctypes finds libseccomp with ``/sbin/ldconfig``). Expected:
    ``landlock``.
``ordinary_user``
    the grader itself runs as an unprivileged uid (:data:`ORDINARY_UID`, ``setpriv --reuid``),
    with a Python that uid can run (:meth:`Scratch.user_venv`). Expected: ``bwrap`` where that uid
    may create user namespaces (bubblewrap then works without privileges; :func:`userns_works`
    asks bubblewrap itself, as that uid), else ``landlock``.
``kubernetes_pod``
    what a pod of deploy/kubernetes's manifest gets: ordinary_user (runAsUser) with no capability
    at all (drop ALL), no_new_privs (allowPrivilegeEscalation: false) and the namespace filter
    (seccompProfile RuntimeDefault). Expected: ``landlock``.

Run as ``python tests/conditions.py deny-namespaces -- CMD ...`` this module is the tiny launcher
that sets no_new_privs, loads the namespace filter and execs CMD (it needs only the standard
library and pyseccomp).
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cs231n_utils.grader.sandbox import give_to

REPO = Path(__file__).resolve().parents[1]
#: The uid (and gid) an ordinary grader runs as: Debian's ``nobody``, which every system has.
ORDINARY_UID = 65534
#: What the grader runs through PATH (found by grading the demo class with PATH holding only the
#: venv's bin): nothing.
GRADER_NEEDS_ON_PATH: tuple[str, ...] = ()
#: The clone flags that create a namespace (linux/sched.h), each denied by Docker's default profile.
CLONE_NEW = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
             "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
             "CLONE_NEWNET": 0x40000000}
_PR_SET_NO_NEW_PRIVS = 38


def deny_namespaces() -> None:
    """Set no_new_privs and load a seccomp filter denying namespaces as Docker's default profile
    does: ``unshare`` and ``setns`` fail with EPERM, ``clone`` with any CLONE_NEW* flag with EPERM,
    ``clone3`` (whose flags a filter cannot read) with ENOSYS, so that the C library uses clone."""
    import pyseccomp as sc

    if ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(err)}")
    filt = sc.SyscallFilter(sc.ALLOW)
    filt.add_rule(sc.ERRNO(errno.EPERM), "unshare")
    filt.add_rule(sc.ERRNO(errno.EPERM), "setns")
    filt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    for flag in CLONE_NEW.values():
        filt.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    filt.load()


@dataclass
class Launch:
    """How to run ``cs231n-kit`` under one condition."""

    name: str
    expected: str  #: the isolation mode the kit must choose there
    why: str  #: why that mode, in a sentence
    prefix: list[str] = field(default_factory=list)  #: the command before ``grade ...``
    python: str = sys.executable  #: the interpreter the grader runs on
    env: dict[str, str] = field(default_factory=dict)  #: changes to the environment
    inherit_env: bool = True  #: False: ``env`` is the whole environment (an ordinary user's)
    uid: int | None = None  #: the grader's uid when it is not root: what it grades must be its own
    cwd: Path | None = None
    skip: str = ""  #: why the condition cannot be set up here ("" when it can)
    refused: str = ""  #: a mode stronger than ``expected``, which the kit must refuse to require here
    advice: tuple[str, ...] = ()  #: what its refusal must suggest changing (any of these words)

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ) if self.inherit_env else {}
        env.update(self.env)
        env.update(extra or {})
        return env

    def run(self, args: Sequence[str], extra_env: dict[str, str] | None = None,
            timeout: float = 1800) -> subprocess.CompletedProcess:
        """``cs231n-kit ARGS`` under the condition; its output as text."""
        return subprocess.run([*self.prefix, *map(str, args)], env=self.environ(extra_env), cwd=self.cwd,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def own(self, path: Path) -> Path:
        """Give ``path`` and everything in it to the grader's uid (symbolic links not followed)."""
        if self.uid is not None:
            give(path, self.uid)
        return path


#: ``chown -R uid:uid path``, never following a symbolic link (the sandbox's own).
give = give_to


def _kit_command(python: str | None = None) -> list[str]:
    """``cs231n-kit`` of this venv, or ``PYTHON -m cs231n_utils.cli`` for another interpreter."""
    if python is None:
        script = Path(sys.executable).parent / "cs231n-kit"
        if script.is_file():
            return [str(script)]
        python = sys.executable
    return [python, "-m", "cs231n_utils.cli"]


def _deny_launcher(python: str) -> list[str]:
    return [python, str(Path(__file__).resolve()), "deny-namespaces", "--"]


def _unreachable(paths: Sequence[Path]) -> str:
    """The first folder on the way to ``paths`` other users cannot pass, or file they cannot
    read ("" when every one is reachable)."""
    for target in paths:
        target = target.resolve()
        for folder in [target, *target.parents]:
            mode = folder.stat().st_mode
            needed = stat.S_IXOTH if folder != target else (
                stat.S_IROTH | stat.S_IXOTH if folder.is_dir() else stat.S_IROTH)
            if mode & needed != needed:
                return f"{folder} (mode {stat.S_IMODE(mode):o})"
    return ""


class Scratch:
    """The session's scratch folder, readable by every user: the ordinary user's venv, home and
    data home, and the course copies graded by a grader that is not root."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="isolation-conditions-"))
        self.root.chmod(0o755)
        self._venv: tuple[Path | None, str] | None = None
        self._user_home: Path | None = None
        self._userns: dict[int, bool] = {}

    def folder(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(mode=0o755, parents=True, exist_ok=False)
        path.chmod(0o755)
        return path

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def user_venv(self) -> tuple[Path | None, str]:
        """``(python, "")``: a Python an ordinary uid can run, with this environment's packages;
        or ``(None, why not)``. Built once per session.

        The venv's own interpreter lives under /root (mode 0700 here and in CI), which no other
        uid can reach, so this is a venv of Debian's /usr/bin/python3.11 whose site-packages holds
        this environment's (``sysconfig``'s purelib and platlib) as hard links: the same files,
        the kit's editable install included (its finder maps ``cs231n_utils`` to the checkout).

        Hard links, not a ``.pth`` naming this environment's site-packages: the sandboxes expose
        only the interpreter's prefixes, the kit's package and the data (sandbox.readonly_paths),
        so a submission would not find numpy in a folder that a ``.pth`` adds. Tried: the probe
        (which imports only the kit) passes in bwrap, then every job fails to start in bwrap and in
        landlock and is graded under ``limits``, flagged.
        """
        if self._venv is None:
            self._venv = self._build_user_venv()
        return self._venv

    def _build_user_venv(self) -> tuple[Path | None, str]:
        base = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
        if not base.is_file():
            return None, f"no {base} (a Python other users can run, of this venv's version)"
        sources = list(dict.fromkeys(Path(sysconfig.get_paths()[k]) for k in ("purelib", "platlib")))
        blocked = _unreachable([REPO / "cs231n_utils", Path(__file__), *sources])
        if blocked:
            return None, (f"other users cannot reach {blocked}: the checkout and this venv's "
                          "site-packages must be readable by an ordinary uid")
        venv = self.root / "user-venv"
        try:
            subprocess.run([str(base), "-m", "venv", "--without-pip", str(venv)], check=True,
                           capture_output=True, timeout=300)
        except (OSError, subprocess.SubprocessError) as exc:
            return None, f"{base} -m venv failed: {exc}"
        python = venv / "bin" / "python"
        target = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                      "['purelib'])"], check=True, capture_output=True, text=True,
                                     timeout=60).stdout.strip())
        unreadable: list[str] = []

        def link(src: str, dst: str) -> None:
            if not os.stat(src).st_mode & stat.S_IROTH:
                unreadable.append(src)
            try:
                os.link(src, dst)
            except OSError:  # another file system: a copy
                shutil.copy2(src, dst)

        for source in sources:
            shutil.copytree(source, target, symlinks=True, copy_function=link, dirs_exist_ok=True)
        if unreadable:
            return None, (f"other users cannot read {len(unreadable)} files of {sources[0]}, "
                          f"e.g. {unreadable[0]}")
        imports = "import cs231n_utils, numpy, pyseccomp, nbformat; print(cs231n_utils.__file__)"
        check = subprocess.run(["setpriv", "--reuid", str(ORDINARY_UID), "--regid", str(ORDINARY_UID),
                                "--clear-groups", str(python), "-c", imports],
                               capture_output=True, text=True, timeout=120, cwd=self.root)
        kit = Path(check.stdout.strip() or "/nonexistent")
        if check.returncode != 0 or not kit.is_relative_to(REPO):
            return None, (f"uid {ORDINARY_UID} cannot import the kit from {REPO} with {python}: "
                          f"{(check.stderr or check.stdout).strip()[-300:]}")
        return python, ""

    def user_home(self) -> Path:
        """The ordinary user's home and data home (a copy of the checkout's datasets/), its own."""
        if self._user_home is None:
            home = self.folder("user-home")
            shutil.copytree(REPO / "datasets", home / "datasets")
            give(home, ORDINARY_UID)
            self._user_home = home
        return self._user_home

    def userns_works(self, uid: int) -> bool:
        """Whether bubblewrap itself can make its namespaces for ``uid`` here (unprivileged user
        namespaces allowed), asked without the kit."""
        if uid not in self._userns:
            bwrap = shutil.which("bwrap")
            ok = False
            if bwrap is not None:
                ok = subprocess.run(
                    ["setpriv", "--reuid", str(uid), "--regid", str(uid), "--clear-groups", bwrap,
                     "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                     "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"],
                    capture_output=True, timeout=60, cwd=self.root).returncode == 0
            self._userns[uid] = ok
        return self._userns[uid]


def _root_skip(*tools: str) -> str:
    if os.geteuid() != 0:
        return "the condition is set up as root (setpriv, chown), and this test is not run as root"
    missing = [t for t in tools if shutil.which(t) is None]
    return f"{', '.join(missing)} not installed" if missing else ""


def bwrap(scratch: Scratch) -> Launch:
    skip = _root_skip("bwrap")
    return Launch("bwrap", "bwrap", "root, bubblewrap installed: the strongest mode starts",
                  prefix=_kit_command(), skip=skip)


def namespaces_forbidden(scratch: Scratch) -> Launch:
    skip = _root_skip("setpriv")
    setpriv = shutil.which("setpriv") or "setpriv"
    return Launch("namespaces_forbidden", "landlock",
                  "no CAP_SYS_ADMIN and Docker's namespace filter: bubblewrap cannot make a namespace",
                  prefix=[setpriv, "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin",
                          *_deny_launcher(sys.executable), *_kit_command()],
                  skip=skip, refused="bwrap", advice=("seccomp", "user namespaces"))


def no_bwrap(scratch: Scratch) -> Launch:
    skip = _root_skip()
    path = scratch.root / "path-without-bwrap"
    if not path.is_dir():
        path.mkdir(mode=0o755)
        for tool in GRADER_NEEDS_ON_PATH:
            found = shutil.which(tool)
            if found is None:
                skip = skip or f"{tool} (which the grader runs) is not installed"
            else:
                (path / tool).symlink_to(found)
    return Launch("no_bwrap", "landlock", "bubblewrap is not on PATH",
                  prefix=_kit_command(), env={"PATH": f"{Path(sys.executable).parent}:{path}"}, skip=skip,
                  refused="bwrap", advice=("apt-get install bubblewrap",))


def _ordinary(scratch: Scratch, name: str) -> tuple[Launch, str]:
    skip = _root_skip("setpriv")
    python, why = (None, "") if skip else scratch.user_venv()
    skip = skip or why
    launch = Launch(name, "landlock", "", uid=ORDINARY_UID, inherit_env=False, skip=skip)
    if skip:
        return launch, ""
    home = scratch.user_home()
    launch.env = {"PATH": f"{python.parent}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home),
                  "USER": "nobody", "LOGNAME": "nobody", "LANG": "C.UTF-8",
                  "CS231N_DATA_HOME": str(home / "datasets")}
    launch.cwd, launch.python = home, str(python)
    return launch, str(python)


def _as_ordinary_user(*extra: str) -> list[str]:
    """setpriv's command line that runs what follows as :data:`ORDINARY_UID`, with ``extra`` options."""
    return [shutil.which("setpriv") or "setpriv", "--reuid", str(ORDINARY_UID), "--regid", str(ORDINARY_UID),
            "--clear-groups", *extra]


def ordinary_user(scratch: Scratch) -> Launch:
    launch, python = _ordinary(scratch, "ordinary_user")
    if launch.skip:
        return launch
    launch.prefix = [*_as_ordinary_user(), *_kit_command(python)]
    if scratch.userns_works(ORDINARY_UID):
        launch.expected = "bwrap"
        launch.why = (f"uid {ORDINARY_UID} may create user namespaces here, so bubblewrap runs "
                      "without privileges (bwrap --unshare-user)")
    else:
        launch.why = f"uid {ORDINARY_UID} may not create user namespaces here: bubblewrap cannot start"
        launch.refused, launch.advice = "bwrap", ("user namespaces",)
    return launch


def kubernetes_pod(scratch: Scratch) -> Launch:
    launch, python = _ordinary(scratch, "kubernetes_pod")
    if launch.skip:
        return launch
    launch.prefix = [*_as_ordinary_user("--inh-caps", "-all", "--bounding-set", "-all", "--no-new-privs"),
                     *_deny_launcher(python), *_kit_command(python)]
    launch.why = ("runAsUser, drop ALL, allowPrivilegeEscalation false and RuntimeDefault seccomp: no "
                  "namespace can be made")
    launch.refused, launch.advice = "bwrap", ("seccomp", "user namespaces")
    return launch


CONDITIONS: dict[str, Callable[[Scratch], Launch]] = {
    "bwrap": bwrap, "namespaces_forbidden": namespaces_forbidden, "no_bwrap": no_bwrap,
    "ordinary_user": ordinary_user, "kubernetes_pod": kubernetes_pod,
}


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[0] != "deny-namespaces" or argv[1] != "--":
        raise SystemExit("usage: python tests/conditions.py deny-namespaces -- CMD ...")
    deny_namespaces()
    os.execvp(argv[2], argv[2:])


if __name__ == "__main__":
    main(sys.argv[1:])
