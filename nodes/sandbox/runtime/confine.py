"""The operating-system layer of a sandbox worker, applied once before it accepts any user code.

In order: a private network namespace (no interfaces but a down loopback) when the worker may create one,
an unprivileged user when started as root, rlimits (address space, file size 0, open files, no new
processes, no core dumps, a lifetime CPU cap), the process-spawning functions removed from ``os``, and an
audit hook that refuses files, imports, sockets, processes and signals from then on. Each layer alone is
enough to stop the payloads in tests/sandbox; together they are defence in depth.
"""

from __future__ import annotations

import ctypes
import math
import os
import pwd
import resource
import signal
import sys
from dataclasses import dataclass

_CLONE_NEWNET = 0x40000000

_BLOCKED_EVENTS = frozenset({
    "open", "import", "os.system", "os.fork", "os.forkpty", "os.kill", "os.killpg", "os.putenv",
    "os.unsetenv", "os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chdir", "os.chmod", "os.chown",
    "os.listdir", "os.scandir", "os.truncate", "os.symlink", "os.link", "os.utime", "os.getxattr",
    "os.setxattr", "os.listxattr", "os.removexattr", "signal.pthread_kill", "sys.settrace",
    "sys.setprofile", "sys._current_frames", "sys.addaudithook", "code.__new__", "function.__new__",
})
_BLOCKED_PREFIXES = ("os.exec", "os.spawn", "os.posix_spawn", "subprocess.", "socket.", "ctypes.", "shutil.",
                     "glob.", "urllib.", "http.", "ftplib.", "smtplib.", "imaplib.", "poplib.", "mmap.",
                     "fcntl.", "syslog.", "tempfile.", "marshal.", "pickle.", "pty.", "webbrowser.")
_STRIPPED_OS_NAMES = ("fork", "forkpty", "system", "popen", "kill", "killpg", "execv", "execve", "execl",
                      "execle", "execlp", "execlpe", "execvp", "execvpe", "spawnv", "spawnve", "spawnl",
                      "spawnle", "spawnlp", "spawnlpe", "spawnvp", "spawnvpe", "posix_spawn", "posix_spawnp",
                      "putenv", "unsetenv", "setuid", "setgid", "setresuid", "setresgid")


@dataclass(frozen=True)
class Limits:
    """Per-worker resource limits."""

    memory_mb: int = 256
    cpu_seconds: int = 10
    max_executions: int = 200
    max_open_files: int = 16


def confine(limits: Limits) -> dict[str, bool]:
    """Apply every layer; returns which optional layers took effect (reported to the host)."""
    applied = {"network_namespace": _private_network(), "unprivileged": _drop_privileges()}
    _set_rlimits(limits)
    for module in (os, sys.modules.get("posix")):
        for name in _STRIPPED_OS_NAMES:
            if module is not None and hasattr(module, name):
                delattr(module, name)
    sys.addaudithook(_audit)
    return applied


def cpu_budget(seconds: int) -> None:
    """Let the next job use ``seconds`` more CPU time; past it the kernel sends SIGXCPU, which kills us."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _private_network() -> bool:
    # A new network namespace has only a down loopback: nothing is reachable even if a socket were made.
    if os.geteuid() != 0:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(_CLONE_NEWNET) == 0


def _drop_privileges() -> bool:
    if os.geteuid() != 0:
        return False
    try:
        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
    except KeyError:
        uid = gid = 65534
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    return True


def _set_rlimits(limits: Limits) -> None:
    megabytes = limits.memory_mb * 1024 * 1024
    lifetime_cpu = limits.cpu_seconds * (limits.max_executions + 1) + 30
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past RLIMIT_FSIZE fails instead of killing us
    for which, value in ((resource.RLIMIT_AS, megabytes), (resource.RLIMIT_FSIZE, 0),
                         (resource.RLIMIT_NOFILE, limits.max_open_files), (resource.RLIMIT_CORE, 0),
                         (resource.RLIMIT_NPROC, 0), (resource.RLIMIT_CPU, lifetime_cpu)):
        resource.setrlimit(which, (value, value))


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event in _BLOCKED_EVENTS or event.startswith(_BLOCKED_PREFIXES):
        raise PermissionError(f"{event} is not allowed in code nodes")
