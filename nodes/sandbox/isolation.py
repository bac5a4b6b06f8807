"""The operating-system layer: how a zygote is launched, and whether this machine can isolate it.

With isolation ``full`` (the default) each zygote runs under bubblewrap in new mount, PID, IPC, UTS, network
and cgroup namespaces. Its root is an empty read-only tmpfs holding only the interpreter's runtime tree, the
system's shared libraries, RestrictedPython and the sandbox runtime, all bound read-only, a minimal /dev and
a small private /tmp for scratch files; no /proc, /etc, /home or data directory. It runs as an unprivileged
user, with the seccomp filters of ``seccomp.py``:

- a server running as root starts bubblewrap as root (no user namespace: fewer kernel features exposed)
  with only CAP_SETUID/CAP_SETGID, and the zygote drops to a uid of its own from ``LOOM_SANDBOX_UID_BASE``;
- any other server uses an unprivileged user namespace (``--unshare-user``), with no capabilities and no
  further user namespaces.

``LOOM_SANDBOX_ISOLATION=none`` runs zygotes as plain child processes (rlimits and the language layer only),
for trusted single-user machines. Where ``full`` cannot be set up, ``problem()`` names the missing piece and
code nodes are refused: never silently weaker.
"""

from __future__ import annotations

import functools
import itertools
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nodes.sandbox import seccomp

ENV_ISOLATION = "LOOM_SANDBOX_ISOLATION"
ENV_UID_BASE = "LOOM_SANDBOX_UID_BASE"
ENV_BWRAP = "LOOM_SANDBOX_BWRAP"
MODES = ("full", "none")
UID_COUNT = 10_000
DEFAULT_UID_BASE = 2_000_000_000
SCRATCH_MB = 64

_RUNTIME = Path(__file__).resolve().parent / "runtime"
_LIB = "/opt/loom/lib"  # inside the sandbox: the runtime package and RestrictedPython
BOOT = ("import sys; sys.path[:0] = [sys.argv[1]]; from loom_sandbox.zygote import main; main()")
_CHECK = "import sys; sys.path[:0] = [sys.argv[1]]; import loom_sandbox.confine"
_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": "/tmp"}
_uids = itertools.count(random.randrange(UID_COUNT))


class IsolationError(RuntimeError):
    """This machine cannot isolate code nodes as configured; the message names what is missing."""


@dataclass
class Launch:
    """How to start one zygote: its command, environment, working directory, and what to clean up after."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    scratch: str  # the scratch area as the zygote sees it
    uid: int | None  # the uid the zygote drops to (root servers)
    seccomp: bool
    pass_fds: tuple[int, ...] = ()
    cleanup: list[str] = field(default_factory=list)

    def close_fds(self) -> None:
        for fd in self.pass_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.pass_fds = ()

    def remove(self) -> None:
        self.close_fds()
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)


def mode() -> str:
    value = os.environ.get(ENV_ISOLATION, "full").strip().lower() or "full"
    if value not in MODES:
        raise IsolationError(f"{ENV_ISOLATION}={value!r} is not a known setting (use one of: {', '.join(MODES)})")
    return value


def interpreter() -> str:
    """The real interpreter binary (a venv's python is a link to it)."""
    return os.path.realpath(sys.executable)


def launch(mode_: str) -> Launch:
    """The launch plan for one zygote in ``mode_`` (``full`` or ``none``)."""
    if mode_ == "none":
        return _plain()
    return _bubblewrap(_python(BOOT, _LIB))


def _python(code: str, lib: str) -> list[str]:
    """The isolated interpreter running ``code`` with ``lib`` (the runtime package's parent) as argv[1]."""
    return [interpreter(), "-I", "-S", "-B", "-c", code, lib]


def _plain() -> Launch:
    home = tempfile.mkdtemp(prefix="loom-sandbox-")
    lib = Path(home, "lib")
    lib.mkdir()
    (lib / "loom_sandbox").symlink_to(_RUNTIME)
    (lib / "RestrictedPython").symlink_to(_restricted_python())
    scratch = Path(home, "scratch")
    scratch.mkdir(mode=0o700)
    return Launch(argv=_python(BOOT, str(lib)), env=dict(_ENV), cwd=str(scratch),
                  scratch=str(scratch), uid=None, seccomp=False, cleanup=[home])


def _bubblewrap(command: list[str]) -> Launch:
    bwrap = _bwrap()
    root = os.geteuid() == 0
    argv = [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "loom-sandbox", "--clearenv"]
    for key, value in _ENV.items():
        argv += ["--setenv", key, value]
    if root:
        argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        argv += ["--unshare-user", "--disable-userns", "--uid", "1000", "--gid", "1000", "--cap-drop", "ALL"]
    binds = runtime_binds()
    for parent in sorted({str(p) for _, target in binds for p in Path(target).parents if str(p) != "/"}):
        argv += ["--perms", "0755", "--dir", parent]  # else bubblewrap may copy a private mode (/root: 0700)
    for source, target in binds:
        argv += ["--ro-bind", source, target]
    for link, target in _root_links():
        argv += ["--symlink", target, link]
    argv += ["--dev", "/dev", "--perms", "1777", "--size", str(SCRATCH_MB << 20), "--tmpfs", "/tmp",
             "--remount-ro", "/", "--chdir", "/tmp"]
    program = seccomp.sandbox_program()
    fd = os.memfd_create("loom-sandbox-seccomp")
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    argv += ["--add-seccomp-fd", str(fd), "--", *command]
    uid = _uid_base() + next(_uids) % UID_COUNT if root else None
    return Launch(argv=argv, env=dict(_ENV), cwd="/", scratch="/tmp", uid=uid, seccomp=True, pass_fds=(fd,))


def runtime_binds() -> list[tuple[str, str]]:
    """(host path, sandbox path) pairs bound read-only: the small runtime tree, nothing else."""
    binds: list[tuple[str, str]] = []
    prefix = os.path.realpath(sys.base_prefix)
    if prefix in ("/", "/usr"):  # a system interpreter: its binary and its standard library only
        binds += [(interpreter(), interpreter()), *((p, p) for p in {os.path.realpath(sysconfig.get_paths()["stdlib"]),
                                                                     os.path.realpath(sysconfig.get_paths()["platstdlib"])})]
    else:
        binds.append((prefix, prefix))
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    for directory in (f"/usr/lib/{multiarch}" if multiarch else "/usr/lib", "/usr/lib64", "/lib64",
                      f"/lib/{multiarch}" if multiarch else "/lib"):
        real = os.path.realpath(directory)
        if os.path.isdir(real) and not any(real == target for _, target in binds):
            binds.append((real, real))
    binds += [(str(_RUNTIME), f"{_LIB}/loom_sandbox"), (_restricted_python(), f"{_LIB}/RestrictedPython")]
    return binds


def _root_links() -> list[tuple[str, str]]:
    """The host's top-level links into /usr (merged-/usr systems: /lib -> usr/lib), recreated inside."""
    links = []
    for name in ("lib", "lib64", "lib32", "libx32", "bin", "sbin"):
        path = f"/{name}"
        if os.path.islink(path):
            links.append((path, os.readlink(path)))
    return links


def _restricted_python() -> str:
    import RestrictedPython
    return str(Path(RestrictedPython.__file__).resolve().parent)


def _uid_base() -> int:
    raw = os.environ.get(ENV_UID_BASE, "")
    try:
        base = int(raw) if raw else DEFAULT_UID_BASE
    except ValueError:
        raise IsolationError(f"{ENV_UID_BASE}={raw!r} is not a number") from None
    if not 1000 <= base <= 2**32 - 2 - UID_COUNT:
        raise IsolationError(f"{ENV_UID_BASE}={base} is out of range (1000 to {2**32 - 2 - UID_COUNT})")
    return base


def _bwrap() -> str:
    return os.environ.get(ENV_BWRAP) or shutil.which("bwrap") or "bwrap"


def problem(mode_: str = "full") -> str | None:
    """Why zygotes cannot be isolated here (``None`` when they can); checked once per process."""
    return None if mode_ == "none" else _problem(_bwrap())


@functools.cache
def _problem(bwrap: str) -> str | None:
    try:
        plan = _bubblewrap(_python(_CHECK, _LIB))
    except seccomp.SeccompUnavailable as exc:
        return f"seccomp cannot be used: {exc}"
    except IsolationError as exc:
        return str(exc)
    try:
        done = subprocess.run(plan.argv, pass_fds=plan.pass_fds, env=plan.env, cwd=plan.cwd, capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap), so code nodes cannot be isolated"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not start a sandbox: {exc}"
    finally:
        plan.close_fds()
    if done.returncode == 0:
        return None
    return explain(done.stderr)


def explain(stderr: str) -> str:
    """A bubblewrap failure in words an operator can act on, naming the kernel feature when it is one."""
    text = " ".join(stderr.split())[:300] or "no error output"
    lowered = text.lower()
    if "user namespace" in lowered or "uid map" in lowered or "no permissions to creat" in lowered \
            or "setting up uid map" in lowered:
        return ("the kernel does not allow unprivileged user namespaces, which bubblewrap needs when Loom does not "
                "run as root (enable kernel.unprivileged_userns_clone / user.max_user_namespaces, or on Ubuntu "
                f"allow bwrap in AppArmor); bwrap said: {text}")
    if "operation not permitted" in lowered or "permission denied" in lowered:
        return f"the kernel refused to create the sandbox's namespaces (mount, PID, network); bwrap said: {text}"
    return f"bubblewrap could not start a sandbox: {text}"


def startup_warning() -> str | None:
    """The line ``loom serve`` prints when code nodes are not isolated as they should be (None when they are)."""
    try:
        mode_ = mode()
    except IsolationError as exc:
        return f"code nodes are disabled: {exc}"
    if mode_ == "none":
        return (f"code nodes run without operating-system isolation ({ENV_ISOLATION}=none): use this only on a "
                "trusted single-user machine")
    found = problem(mode_)
    if found:
        return (f"code nodes are disabled: {found}. Set {ENV_ISOLATION}=none only on a trusted single-user "
                "machine to run them without operating-system isolation")
    return None
