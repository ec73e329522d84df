"""A clean Debian root like Gradescope's base image, to build and run the autograder zip in.

Gradescope builds an autograder's image from a bare distribution image that has little more than
Python, pip, curl, git and unzip, by running the zip's ``setup.sh`` once as root; it then runs
``run_autograder`` for every submission in a Docker container, where no Linux namespace can be
created: ``CAP_SYS_ADMIN`` is not in the container's capability bounding set. The host tests
(``tests/test_gradescope.py``) run ``run_autograder`` with this machine's own Python and
bubblewrap, so they cannot show that ``setup.sh`` installs everything the grader needs into a bare
image, nor that the grader still isolates submissions where bubblewrap cannot start. This module
gives ``tests/test_gradescope_image.py`` such an image:

- :func:`image_tarball` builds a root once with ``debootstrap --variant=minbase`` (Debian
  :data:`SUITE` and the few :data:`PACKAGES` of Gradescope's base image that ``setup.sh`` relies
  on), from the Debian mirror this machine's apt uses (:func:`debian_mirror`), and caches it as a
  tarball under the user's cache folder (:func:`cache_dir`), reused while it is there;
- :class:`CleanRoot` is a fresh copy of it in a temporary folder: it copies in how this machine
  reaches the network (``/etc/resolv.conf``, the Debian apt sources, pip's configuration,
  :meth:`CleanRoot.configure_network`) and runs commands in it (:meth:`CleanRoot.run`) with
  ``unshare --mount --propagation private`` and ``chroot``: ``/proc``, ``/sys``, a small ``/dev``
  and pip's local package folders are mounted in a private mount namespace only, so they vanish
  when the command ends and nothing is left mounted on the host; the command itself can be run
  with Docker's default capabilities only (:data:`DOCKER_CAPS`, no ``CAP_SYS_ADMIN``);
- :func:`unavailable` says why this cannot be done here (not root, no debootstrap, no network to
  the mirror), for a skip.
"""

from __future__ import annotations

import configparser
import contextlib
import fcntl
import hashlib
import os
import shlex
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The Debian release of the image (Debian 12), and debootstrap's smallest variant.
SUITE = "bookworm"
VARIANT = "minbase"
#: What Gradescope's base image has and ``setup.sh`` relies on, beyond ``minbase`` (which already
#: has util-linux, so ``setpriv`` and ``unshare``, and coreutils).
PACKAGES = ("python3", "python3-pip", "python3-venv", "curl", "git", "unzip", "ca-certificates")
#: Docker's default capabilities (moby's ``oci/caps/defaults.go``): a container keeps only these in
#: its bounding set, so neither ``CAP_SYS_ADMIN`` (mount, ``unshare`` of any namespace but the user
#: one) nor ``CAP_SYS_PTRACE``, ``CAP_NET_ADMIN`` etc. In a chroot the kernel refuses new user
#: namespaces too, so no namespace at all can be made, as in Gradescope's containers.
DOCKER_CAPS = ("chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid", "setuid",
               "setfcap", "setpcap", "net_bind_service", "sys_chroot", "kill", "audit_write")
#: The PATH of a root shell in the image.
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: Where this machine's apt sources are.
APT_SOURCES = Path("/etc/apt/sources.list")
APT_SOURCES_D = Path("/etc/apt/sources.list.d")
APT_CONF_D = Path("/etc/apt/apt.conf.d")
RESOLV_CONF = Path("/etc/resolv.conf")
#: This machine's own certificate authorities (Debian's place for them) and the bundle built with them.
LOCAL_CAS = Path("/usr/local/share/ca-certificates")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
#: pip settings that name files or folders on this machine (which the root must see too).
PIP_PATH_KEYS = ("find-links", "index-url", "extra-index-url", "constraint", "constraints",
                 "requirement", "cert", "client-cert")
#: Seconds allowed for debootstrap (it downloads and unpacks about 100 packages).
DEBOOTSTRAP_TIMEOUT = 1800


class ImageError(RuntimeError):
    """The clean image could not be built, unpacked or used (the message says what was expected)."""


# -- this machine's apt sources and the mirror -------------------------------------------------


@dataclass(frozen=True)
class AptSource:
    """One entry of this machine's apt sources (either file format), as deb822 fields."""

    types: tuple[str, ...]
    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str = ""
    origin: str = ""  #: the file it came from

    def deb822(self) -> str:
        """The entry as a ``.sources`` paragraph."""
        lines = [f"Types: {' '.join(self.types)}", f"URIs: {' '.join(self.uris)}",
                 f"Suites: {' '.join(self.suites)}", f"Components: {' '.join(self.components)}"]
        if self.signed_by:
            lines.append(f"Signed-By: {self.signed_by}")
        return "\n".join(lines) + "\n"


def _parse_deb822(text: str, origin: str) -> list[AptSource]:
    """The enabled entries of a deb822 ``.sources`` file (continuation lines are folded in)."""
    entries = []
    for paragraph in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in paragraph.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:
                fields[key] += "\n" + line
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if not fields.get("uris") or fields.get("enabled", "yes").lower() == "no":
            continue
        signed = fields.get("signed-by", "")
        entries.append(AptSource(tuple(fields.get("types", "deb").split()), tuple(fields["uris"].split()),
                                 tuple(fields.get("suites", "").split()),
                                 tuple(fields.get("components", "").split()),
                                 signed if "\n" not in signed else "", origin))
    return entries


def _parse_one_line(text: str, origin: str) -> list[AptSource]:
    """The entries of a one-line-style ``.list`` file (``deb [options] URI SUITE COMPONENT...``)."""
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith(("deb ", "deb-src ")):
            continue
        kind, rest = line.split(None, 1)
        signed = ""
        if rest.startswith("["):
            options, _, rest = rest[1:].partition("]")
            for option in options.split():
                name, _, value = option.partition("=")
                if name == "signed-by":
                    signed = value
        words = rest.split()
        if len(words) >= 2:
            entries.append(AptSource((kind,), (words[0],), (words[1],), tuple(words[2:]), signed, origin))
    return entries


def apt_sources() -> list[AptSource]:
    """This machine's enabled apt entries, from ``sources.list`` and ``sources.list.d/`` (apt
    reads only ``*.list`` and ``*.sources`` there: ``.disabled`` files are not sources)."""
    entries = []
    if APT_SOURCES.is_file():
        entries += _parse_one_line(APT_SOURCES.read_text(), str(APT_SOURCES))
    if APT_SOURCES_D.is_dir():
        for path in sorted(APT_SOURCES_D.iterdir()):
            if path.suffix == ".list":
                entries += _parse_one_line(path.read_text(), str(path))
            elif path.suffix == ".sources":
                entries += _parse_deb822(path.read_text(), str(path))
    return entries


def debian_mirror(entries: Sequence[AptSource] | None = None) -> str:
    """The Debian archive this machine's apt uses, for debootstrap.

    The first binary entry for :data:`SUITE` itself (not ``-updates`` or ``-security``, which are
    other archives); failing that, the first entry of any Debian release's main suite, since a
    Debian mirror serves every release.

    Raises
    ------
    ImageError
        When no apt entry looks like a Debian archive (not a Debian machine).
    """
    entries = apt_sources() if entries is None else entries
    binary = [e for e in entries if "deb" in e.types]
    for wanted in (lambda s: s == SUITE, lambda s: "-" not in s and "/" not in s):
        for entry in binary:
            if any(wanted(s) for s in entry.suites) and "main" in entry.components:
                return entry.uris[0].rstrip("/")
    found = "; ".join(f"{e.uris} {e.suites} ({e.origin})" for e in entries) or "no apt source at all"
    raise ImageError(f"expected an apt source for Debian's {SUITE} (or another release's main suite, "
                     f"component main) in {APT_SOURCES} or {APT_SOURCES_D}/, found: {found}")


def mirror_problem(mirror: str, timeout: float = 20) -> str | None:
    """Why ``mirror`` cannot serve :data:`SUITE` now (its ``Release`` file unreachable), or None."""
    url = f"{mirror}/dists/{SUITE}/Release"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 (the host's own mirror)
            if reply.status != 200:
                return f"GET {url} answered HTTP {reply.status}, expected 200"
            reply.read(1024)
    except (urllib.error.URLError, OSError) as exc:
        return f"GET {url} failed: {exc}"
    return None


def unavailable() -> str | None:
    """Why a clean image cannot be built and used on this machine, or None if it can."""
    if os.geteuid() != 0:
        return "the clean image needs root (debootstrap, mounts, chroot)"
    if shutil.which("debootstrap") is None:
        return "debootstrap is not installed: apt-get install debootstrap"
    missing = [t for t in ("unshare", "chroot", "mount", "tar") if shutil.which(t) is None]
    if missing:
        return f"{', '.join(missing)} missing (expected from util-linux, coreutils and tar)"
    try:
        mirror = debian_mirror()
    except ImageError as exc:
        return str(exc)
    problem = mirror_problem(mirror)
    return f"no network to the Debian mirror: {problem}" if problem else None


# -- the cached image ----------------------------------------------------------------------------


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME`` (or ``~/.cache``)/linear-classifiers-kit/clean-image."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "linear-classifiers-kit" / "clean-image"


def tarball_path(packages: Sequence[str] = PACKAGES) -> Path:
    """The cached image's file: its name changes with the suite, the variant and the packages."""
    digest = hashlib.sha256(" ".join([SUITE, VARIANT, *sorted(packages)]).encode()).hexdigest()[:12]
    return cache_dir() / f"{SUITE}-{VARIANT}-{digest}.tar"


def _tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log (empty when it is missing)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below ``path`` in this process' mount namespace (from mountinfo)."""
    prefix = str(Path(path).resolve())
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].encode().decode("unicode_escape")  # \040 for spaces
        if point == prefix or point.startswith(prefix + "/"):
            found.append(point)
    return found


def remove_tree(path: Path) -> None:
    """Delete a root folder, after checking that nothing is mounted in it.

    Raises
    ------
    ImageError
        When something is still mounted below ``path`` (deleting would reach into the mount).
    """
    if not Path(path).exists():
        return
    mounted = mounts_under(path)
    if mounted:
        raise ImageError(f"expected nothing mounted below {path} before deleting it, found {mounted}")
    shutil.rmtree(path)


@dataclass
class Tarball:
    """The cached image, and how long building it took (None: it was already in the cache)."""

    path: Path
    build_seconds: float | None = None


def image_tarball(packages: Sequence[str] = PACKAGES, log: Path | None = None) -> Tarball:
    """The image tarball, built now with debootstrap if it is not in the cache.

    One process builds at a time (a lock file beside the tarball); the tarball is written under a
    temporary name and renamed, so a build that was interrupted leaves no tarball that looks whole.
    debootstrap runs in a private mount namespace, so the ``/proc`` and ``/sys`` it mounts in the
    new root never outlive it.

    Parameters
    ----------
    packages : sequence of str
        Packages beyond ``minbase`` (``debootstrap --include``).
    log : Path, optional
        debootstrap's output (default: beside the tarball).

    Raises
    ------
    ImageError
        When debootstrap fails (with the end of its log) or the root lacks a tool it must have.
    """
    path = tarball_path(packages)
    if path.is_file():
        return Tarball(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    log = log or path.with_suffix(".log")
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():  # another process built it meanwhile
            return Tarball(path)
        start = time.perf_counter()
        build = path.with_name(f".{path.stem}.build")
        remove_tree(build)  # what an interrupted build left
        mirror = debian_mirror()
        cmd = ["unshare", "--mount", "--propagation", "private", "--", "debootstrap",
               f"--variant={VARIANT}", f"--include={','.join(packages)}", "--components=main",
               SUITE, str(build), mirror]
        with open(log, "w") as out:
            out.write(f"$ {shlex.join(cmd)}\n")
            out.flush()
            try:
                proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      timeout=DEBOOTSTRAP_TIMEOUT, env={**os.environ, "LANG": "C.UTF-8"})
            except subprocess.TimeoutExpired:
                raise ImageError(f"expected debootstrap to finish within {DEBOOTSTRAP_TIMEOUT} s, it did "
                                 f"not; the end of {log}:\n{_tail(log)}") from None
        if proc.returncode != 0:
            detail = _tail(build / "debootstrap" / "debootstrap.log")
            raise ImageError(f"expected debootstrap to exit 0, it exited {proc.returncode}; the end of "
                             f"{log}:\n{_tail(log)}\n(debootstrap.log:)\n{detail}")
        for tool in ("usr/bin/setpriv", "usr/bin/python3", "usr/bin/unzip", "usr/bin/env"):
            if not (build / tool).exists():
                raise ImageError(f"expected /{tool} in the debootstrapped root, it is missing")
        lists = [p for p in (build / "var/lib/apt/lists").glob("*") if p.is_file() and p.name != "lock"]
        for cached in [*(build / "var/cache/apt/archives").glob("*.deb"), *lists]:
            cached.unlink()  # as in Docker's images: setup.sh runs apt-get update itself
        part = path.with_name(f".{path.name}.part")
        tar = subprocess.run(["tar", "--numeric-owner", "--xattrs", "-cpf", str(part), "-C", str(build), "."],
                             capture_output=True, text=True)
        if tar.returncode != 0:
            part.unlink(missing_ok=True)
            raise ImageError(f"expected tar to pack {build} into {part}, it exited {tar.returncode}: "
                             f"{tar.stderr[-2000:]}")
        os.replace(part, path)
        remove_tree(build)
        return Tarball(path, time.perf_counter() - start)


# -- pip's configuration -------------------------------------------------------------------------


@dataclass
class PipSettings:
    """How pip reaches packages on this machine, to be replicated in the root.

    Attributes
    ----------
    files : list of (Path, str)
        Configuration files and the files they name (constraints, certificates), each with the
        path it gets in the root (a user's own files go to root's home there).
    folders : list of Path
        Local package folders (``find-links`` folders, ``file://`` indexes) to bind read-only.
    env : dict
        The ``PIP_*`` and proxy variables of this environment.
    """

    files: list[tuple[Path, str]] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


def _pip_config_files() -> list[tuple[Path, str]]:
    """pip's configuration files on this machine (the ones ``pip config debug`` lists), each with
    its place in the root: global ones where they are, the user's under ``/root``."""
    home = Path.home()
    xdg_dirs = os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")
    xdg_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    candidates = [(Path(d) / "pip" / "pip.conf", str(Path(d) / "pip" / "pip.conf")) for d in xdg_dirs if d]
    candidates += [(Path("/etc/pip.conf"), "/etc/pip.conf"),
                   (home / ".pip" / "pip.conf", "/root/.pip/pip.conf"),
                   (xdg_home / "pip" / "pip.conf", "/root/.config/pip/pip.conf")]
    named = os.environ.get("PIP_CONFIG_FILE")
    if named and named != os.devnull:
        candidates.append((Path(named), named))
    seen, found = set(), []
    for path, inside in candidates:
        if path.is_file() and path.resolve() not in seen:
            seen.add(path.resolve())
            found.append((path, inside))
    return found


def _local_path(value: str) -> Path | None:
    """The local path a pip setting names (``file://`` URL or absolute path), else None."""
    if value.startswith("file:"):
        return Path(urllib.request.url2pathname(urllib.parse.urlparse(value).path))
    if value.startswith(("/", "~")):
        return Path(value).expanduser()
    return None


def pip_settings() -> PipSettings:
    """This machine's pip configuration: its files, the local folders and files they name, and the
    ``PIP_*`` (and proxy) environment variables.

    A ``file://`` index is a PEP 503 ``simple/`` folder whose pages link to the packages with
    relative links (``../../files/...``), so the folder holding ``simple/`` is bound, not only
    ``simple/`` itself.
    """
    settings = PipSettings(files=_pip_config_files())
    values: list[tuple[str, str]] = []
    for path, _ in settings.files:
        parser = configparser.RawConfigParser()
        with contextlib.suppress(configparser.Error, OSError):
            parser.read(path)
        for section in parser.sections():
            for key, value in parser.items(section):
                values += [(key, v) for v in value.split()]
    for key, value in os.environ.items():
        if key.startswith("PIP_"):
            settings.env[key] = value
            values += [(key[4:].lower().replace("_", "-"), v) for v in value.split()]
        elif key.lower() in ("http_proxy", "https_proxy", "no_proxy", "all_proxy"):
            settings.env[key] = value
    for key, value in values:
        if key not in PIP_PATH_KEYS:
            continue
        local = _local_path(value)
        if local is None or not local.exists():
            continue
        if local.is_dir():
            folder = local.parent if key.endswith("index-url") and local.name == "simple" else local
            if folder not in settings.folders:
                settings.folders.append(folder)
        elif (local, str(local)) not in settings.files:
            settings.files.append((local, str(local)))
    return settings


# -- a fresh copy of the image -------------------------------------------------------------------

#: Run by ``unshare --mount --propagation private`` as ``sh -c SCRIPT sh ROOT CMD...``: the mounts
#: a container has (``/proc``, a read-only ``/sys``, a small ``/dev`` of its own), then the binds
#: (inserted at ``{binds}``), then ``chroot``. All of it lives in the private mount namespace.
_MOUNT_SCRIPT = r"""set -eu
r=$1; shift
mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
mount -t tmpfs -o nosuid,mode=0755,size=65536k tmpfs "$r/dev"
for n in null zero full random urandom tty; do : > "$r/dev/$n"; mount --bind "/dev/$n" "$r/dev/$n"; done
mkdir -m 0755 "$r/dev/pts"; mkdir -m 1777 "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,nosuid,noexec devpts "$r/dev/pts"
ln -s pts/ptmx "$r/dev/ptmx"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$r/dev/shm"
ln -s /proc/self/fd "$r/dev/fd"
for n in 0:stdin 1:stdout 2:stderr; do ln -s "/proc/self/fd/${n%%:*}" "$r/dev/${n#*:}"; done
{binds}
exec chroot "$r" "$@"
"""


def _run_group(cmd: list[str], env: dict[str, str], stdout, stderr,
               timeout: float) -> subprocess.CompletedProcess:
    """``subprocess.run`` in a process group of its own, the whole group killed on a timeout (pip,
    apt or the grader's sandboxes would otherwise outlive the command that started them)."""
    import signal

    with subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                          text=True, start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@dataclass
class CleanRoot:
    """A fresh, writable copy of the image in ``path``, and the way to run commands in it.

    Create it with :meth:`unpack`; delete it with :meth:`remove`.
    """

    path: Path
    binds: list[Path] = field(default_factory=list)  #: host folders bound read-only at the same place
    env: dict[str, str] = field(default_factory=dict)  #: extra variables for every command
    unpack_seconds: float = 0.0

    @classmethod
    def unpack(cls, tarball: Path, dest: Path) -> CleanRoot:
        """Unpack the image into ``dest`` (which must not exist yet), owners and modes kept.

        Raises
        ------
        ImageError
            When ``dest`` exists or tar fails.
        """
        dest = Path(dest)
        if dest.exists():
            raise ImageError(f"expected {dest} not to exist (a fresh copy of the image), it does")
        dest.mkdir(parents=True)
        start = time.perf_counter()
        tar = subprocess.run(["tar", "--numeric-owner", "--xattrs", "-xpf", str(tarball), "-C", str(dest)],
                             capture_output=True, text=True)
        if tar.returncode != 0:
            raise ImageError(f"expected tar to unpack {tarball} into {dest}, it exited {tar.returncode}: "
                             f"{tar.stderr[-2000:]}")
        return cls(dest, unpack_seconds=time.perf_counter() - start)

    def inside(self, path: str) -> Path:
        """The host path of ``path`` (absolute, as seen in the root)."""
        return self.path / path.lstrip("/")

    def _replaceable(self, dest: str) -> Path:
        """The host path of ``dest`` in the root, its folder made, ready to be written anew.

        The root's own symbolic links are absolute paths meant for inside it: followed from the
        host they lead to the host's files. So the folder must resolve inside the root, and a link
        at ``dest`` is removed, not written through.

        Raises
        ------
        ImageError
            When the folder resolves outside the root.
        """
        target = self.inside(dest)
        root = os.path.realpath(self.path)
        folder = os.path.realpath(target.parent)
        if folder != root and not folder.startswith(root + os.sep):
            raise ImageError(f"expected {dest}'s folder to lie inside the root {root}, "
                             f"it resolves to {folder}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        return target

    def _copy_in(self, src: Path, dest: str) -> None:
        """Copy the host file ``src`` to ``dest`` in the root, replacing what is there."""
        shutil.copy2(src, self._replaceable(dest), follow_symlinks=True)

    def _write_in(self, dest: str, text: str) -> None:
        """Write ``text`` to ``dest`` in the root, replacing what is there."""
        self._replaceable(dest).write_text(text)

    def configure_network(self) -> PipSettings:
        """Give the root this machine's way to the network: DNS, apt, pip.

        Copies ``/etc/resolv.conf``; the local certificate authorities
        (``/usr/local/share/ca-certificates``) and the bundle that includes them (HTTPS may go
        through a proxy that signs with one of them); replaces debootstrap's ``sources.list`` by
        this machine's entries for :data:`SUITE` (its ``-updates`` and ``-security`` too) with the
        keyrings they name, and copies the ``apt.conf.d`` files that set ``Acquire`` options
        (proxies, snapshot mirrors' dates); copies pip's configuration files and the files they
        name, notes its local package folders to bind read-only (:meth:`run`) and its ``PIP_*``
        variables. Entries for other releases or third-party archives are left out: they would
        mix another release's packages in, or need keys the image lacks.

        Returns
        -------
        PipSettings
            What was replicated of pip's configuration.
        """
        if RESOLV_CONF.exists():
            self._copy_in(RESOLV_CONF.resolve(), str(RESOLV_CONF))
        # HTTPS may pass a proxy that signs with a local CA: its certificates, and the bundle, so that
        # a bundle rebuilt in the root (ca-certificates upgraded by setup.sh's apt-get) keeps them.
        if LOCAL_CAS.is_dir():
            for cert in sorted(LOCAL_CAS.rglob("*.crt")):
                if cert.is_file():
                    self._copy_in(cert, str(cert))
        if CA_BUNDLE.is_file():
            self._copy_in(CA_BUNDLE.resolve(), str(CA_BUNDLE))
        ours = [e for e in apt_sources() if "deb" in e.types and e.suites
                and all(s == SUITE or s.startswith((SUITE + "-", SUITE + "/")) for s in e.suites)]
        if ours:
            self._write_in("/etc/apt/sources.list", "# see sources.list.d/host.sources\n")
            self._write_in("/etc/apt/sources.list.d/host.sources", "\n".join(e.deb822() for e in ours))
            for entry in ours:
                key = Path(entry.signed_by) if entry.signed_by.startswith("/") else None
                if key and key.is_file() and not self.inside(str(key)).exists():
                    self._copy_in(key, str(key))
        if APT_CONF_D.is_dir():
            for conf in sorted(APT_CONF_D.iterdir()):
                if conf.is_file() and "Acquire::" in conf.read_text(errors="replace"):
                    self._copy_in(conf, str(conf))
        pip = pip_settings()
        for src, dest in pip.files:
            self._copy_in(src, dest)
        self.binds = list(pip.folders)
        self.env = dict(pip.env)
        return pip

    def run(self, argv: Sequence[str], *, caps: Iterable[str] | None = DOCKER_CAPS, cwd: str = "/",
            env: dict[str, str] | None = None, log: Path | None = None,
            timeout: float = 1800) -> subprocess.CompletedProcess:
        """Run ``argv`` as root in the root, as a container would.

        Parameters
        ----------
        argv : sequence of str
            The command, with paths as seen in the root.
        caps : iterable of str, optional
            Capabilities left in the bounding set (``setpriv --bounding-set -all,+cap,...``, the
            image's own setpriv, run after chroot, which needed ``CAP_SYS_CHROOT``); the command
            then has no other capability, and nor has anything it starts. None: all of root's.
        cwd : str
            The working directory in the root.
        env : dict, optional
            Variables beyond a root shell's (PATH, HOME, LANG) and pip's (:meth:`configure_network`).
        log : Path, optional
            Where stdout and stderr go, together; without it they are captured (text).
        timeout : float
            Seconds before the command is killed (``subprocess.TimeoutExpired``).
        """
        binds = "\n".join(
            f"mkdir -p {shlex.quote(str(self.inside(str(f))))}\n"
            f"mount --bind {shlex.quote(str(f))} {shlex.quote(str(self.inside(str(f))))}\n"
            f"mount -o remount,bind,ro {shlex.quote(str(self.inside(str(f))))}" for f in self.binds)
        inner = ["/usr/bin/env", f"--chdir={cwd}", *argv]
        if caps is not None:
            inner = ["/usr/bin/setpriv", "--bounding-set", ",".join(["-all", *(f"+{c}" for c in caps)]),
                     "--inh-caps", "-all", *inner]
        cmd = ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
               _MOUNT_SCRIPT.replace("{binds}", binds), "sh", str(self.path), *inner]
        full_env = {"PATH": IMAGE_PATH, "HOME": "/root", "LANG": "C.UTF-8", "USER": "root", "LOGNAME": "root",
                    **self.env, **(env or {})}
        if log is None:
            return _run_group(cmd, full_env, subprocess.PIPE, subprocess.PIPE, timeout)
        with open(log, "a") as out:
            out.write(f"$ {shlex.join(argv)}\n")
            out.flush()
            return _run_group(cmd, full_env, out, subprocess.STDOUT, timeout)

    def remove(self) -> None:
        """Delete the root (refused while anything is mounted in it: see :func:`remove_tree`)."""
        remove_tree(self.path)
