"""What a per-run child does to itself before user code runs (docs/sandbox.md, "How it is isolated").

Operating-system layer: only its reply pipe stays open; rlimits (address space, CPU seconds, file size, open
files, threads, no core dumps); ``no_new_privs`` and the run's seccomp filter. Language layer: an audit hook
that refuses files, imports, sockets, processes and signals, and ``os`` without its process functions.
Each child is a fresh fork of the zygote and exits after its one run, so none of this is ever undone.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
from dataclasses import dataclass

from . import protocol

REPLY_FD = 3
JOB_FD = 4
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2

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
    """Per-run resource limits."""

    memory_mb: int = 256
    cpu_seconds: int = 10
    max_open_files: int = 32
    max_tasks: int = 16  # processes + threads of the sandbox's user; forks are refused by seccomp anyway
    max_file_bytes: int = 16 * 1024 * 1024


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class Seccomp:
    """A BPF program (from the host's ``nodes/sandbox/seccomp.py``), prepared once, loaded by each child."""

    def __init__(self, program: bytes):
        self._buffer = ctypes.create_string_buffer(program, len(program))
        self._fprog = _SockFprog(len(program) // 8, ctypes.cast(self._buffer, ctypes.c_void_p))
        self._prctl = ctypes.CDLL(None, use_errno=True).prctl
        self._prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]

    def load(self) -> None:
        if self._prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0 or \
                self._prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(self._fprog), 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot load the seccomp filter")


def keep_only(reply: int, job: int) -> None:
    """Make the reply and job pipes the child's only descriptors besides 0-2 (which point at /dev/null), as
    ``REPLY_FD`` and ``JOB_FD``; ``receive_job`` closes the job pipe before any user code runs."""
    reply, job = os.dup(reply), os.dup(job)  # above every fixed number, so the dup2s below cannot collide
    os.dup2(reply, REPLY_FD)
    os.dup2(job, JOB_FD)
    os.closerange(JOB_FD + 1, 1 << 20)


def receive_job() -> bytes:
    """The job body the zygote writes into ``JOB_FD`` (a length, then the bytes); the pipe is closed after."""
    try:
        header = protocol.read_exactly(JOB_FD, protocol.HEADER.size)
        body = protocol.read_exactly(JOB_FD, protocol.HEADER.unpack(header)[0]) if header is not None else None
        if body is None:
            raise EOFError("the zygote closed the job pipe")
        return body
    finally:
        os.close(JOB_FD)


def set_limits(limits: Limits) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past RLIMIT_FSIZE fails instead of killing us
    for which, soft, hard in (
            (resource.RLIMIT_AS, limits.memory_mb << 20, limits.memory_mb << 20),
            (resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1),
            (resource.RLIMIT_FSIZE, limits.max_file_bytes, limits.max_file_bytes),
            (resource.RLIMIT_NOFILE, limits.max_open_files, limits.max_open_files),
            (resource.RLIMIT_NPROC, limits.max_tasks, limits.max_tasks),
            (resource.RLIMIT_CORE, 0, 0)):
        resource.setrlimit(which, (soft, hard))


def language_guards() -> None:
    """The language layer's process part: no process functions in ``os``, and the audit hook."""
    for module in (os, sys.modules.get("posix")):
        for name in _STRIPPED_OS_NAMES:
            if module is not None and hasattr(module, name):
                delattr(module, name)
    sys.addaudithook(_audit)


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event in _BLOCKED_EVENTS or event.startswith(_BLOCKED_PREFIXES):
        raise PermissionError(f"{event} is not allowed in code nodes")
