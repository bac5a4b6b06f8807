"""The seccomp layer: two BPF programs, built on the host with libseccomp (through ``pyseccomp``).

- ``sandbox_program()`` applies to everything inside the sandbox, the zygote included (bubblewrap loads it
  just before it starts the interpreter). Default *allow*; it refuses with ``EPERM`` the system calls that
  widen the kernel's attack surface or reach outside: sockets, ptrace and cross-process memory, mounts,
  keyrings, bpf, perf events, new namespaces, io_uring, userfaultfd, kernel modules, ``TIOCSTI``.
- ``run_program()`` is loaded by each per-run child on top of it, just before user code runs. Default
  ``EPERM``; it allows only what CPython needs to compute, read and write files in its scratch directory and
  start a few threads: no new processes, no ``execve``, no signals to other processes, no ``ioctl``, no
  ``prctl``.

Filters stack: the kernel applies both, and the most restrictive answer wins. ``clone3`` answers ``ENOSYS``
so that libc falls back to ``clone``, whose flags a filter can inspect. libseccomp resolves names for the
host's architecture; names that architecture lacks (``open`` on arm64) are skipped.

Written with libseccomp rather than raw BPF: it handles architecture checks, syscall numbering and
argument comparisons, which are easy to get subtly wrong by hand.
"""

from __future__ import annotations

import errno
import functools
import os
from typing import Any

EPERM = errno.EPERM
CLONE_THREAD = 0x00010000
CLONE_NAMESPACES = (0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000
                    | 0x40000000)  # NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
TIOCSTI = 0x5412
TIOCLINUX = 0x541C

SANDBOX_DENIED = (
    "socket", "socketpair", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig",
    "fspick", "mount_setattr", "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "unshare",
    "setns", "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "kexec_load",
    "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct",
    "quotactl", "syslog", "open_by_handle_at", "name_to_handle_at", "lookup_dcookie", "fanotify_init",
    "uselib", "vhangup", "iopl", "ioperm", "modify_ldt", "personality", "mbind", "migrate_pages",
    "move_pages", "set_mempolicy", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
)

RUN_ALLOWED = (
    # files (the mount namespace decides which ones exist)
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
    "lseek", "close", "fstat", "newfstatat", "stat", "lstat", "statx", "fstatfs", "statfs", "open", "openat",
    "getdents64", "getdents", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat",
    "renameat2", "readlink", "readlinkat", "access", "faccessat", "faccessat2", "getcwd", "chdir", "fchdir",
    "fcntl", "dup", "dup2", "dup3", "pipe", "pipe2", "ftruncate", "truncate", "fsync", "fdatasync", "fchmod",
    "chmod", "fchmodat", "umask", "utimensat", "symlink", "symlinkat", "link", "linkat", "flock",
    "copy_file_range", "sendfile", "fadvise64",
    # memory
    "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "msync", "mincore", "membarrier",
    # threads and waiting
    "futex", "futex_waitv", "set_robust_list", "get_robust_list", "rseq", "set_tid_address", "sched_yield",
    "sched_getaffinity", "poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait",
    "epoll_pwait", "eventfd2", "wait4", "waitid", "restart_syscall", "arch_prctl",
    # who and when
    "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid",
    "getresgid", "getpgrp", "getpgid", "getsid", "getrlimit", "getrusage", "times", "clock_gettime",
    "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time", "getrandom", "uname", "sysinfo",
    "getitimer", "setitimer", "alarm",
    # signals to itself, and leaving
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "rt_sigtimedwait", "rt_sigsuspend",
    "sigaltstack", "pause", "exit", "exit_group",
)


class SeccompUnavailable(RuntimeError):
    """libseccomp (or the kernel's seccomp filter mode) cannot be used on this machine."""


def kernel_supports_seccomp() -> bool:
    try:
        with open("/proc/self/status") as status:
            return any(line.startswith("Seccomp:") for line in status)
    except OSError:
        return False


def _library() -> Any:  # the pyseccomp module (untyped)
    if not kernel_supports_seccomp():
        raise SeccompUnavailable("the kernel has no seccomp support (CONFIG_SECCOMP_FILTER)")
    try:
        import pyseccomp
    except (ImportError, OSError, AttributeError) as exc:  # pyseccomp loads libseccomp.so.2 with ctypes
        raise SeccompUnavailable(f"libseccomp is not installed (apt-get install libseccomp2): {exc}") from None
    return pyseccomp


def _export(syscall_filter: Any) -> bytes:  # a pyseccomp.SyscallFilter (untyped)
    fd = os.memfd_create("loom-seccomp", os.MFD_CLOEXEC)
    try:
        with open(fd, "wb", closefd=False) as sink:
            syscall_filter.export_bpf(sink)
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 1 << 20)
    finally:
        os.close(fd)


def _add(syscall_filter: Any, action: Any, name: str, *args: Any) -> None:
    try:
        syscall_filter.add_rule(action, name, *args)
    except (ValueError, RuntimeError, OSError):
        pass  # not a system call on this architecture


@functools.cache
def sandbox_program() -> bytes:
    """The filter for the whole sandbox (zygote and children): refuse the dangerous calls, allow the rest."""
    sc = _library()
    refuse = sc.ERRNO(EPERM)
    syscall_filter = sc.SyscallFilter(defaction=sc.ALLOW)
    for name in SANDBOX_DENIED:
        _add(syscall_filter, refuse, name)
    _add(syscall_filter, sc.ERRNO(errno.ENOSYS), "clone3")
    for bit in range(31):  # any namespace flag on clone
        if CLONE_NAMESPACES & (1 << bit):
            _add(syscall_filter, refuse, "clone", sc.Arg(0, sc.MASKED_EQ, 1 << bit, 1 << bit))
    for request in (TIOCSTI, TIOCLINUX):
        _add(syscall_filter, refuse, "ioctl", sc.Arg(1, sc.EQ, request))
    return _export(syscall_filter)


@functools.cache
def run_program() -> bytes:
    """The filter each child loads before user code: an allow-list, everything else ``EPERM``."""
    sc = _library()
    syscall_filter = sc.SyscallFilter(defaction=sc.ERRNO(EPERM))
    for name in RUN_ALLOWED:
        _add(syscall_filter, sc.ALLOW, name)
    _add(syscall_filter, sc.ERRNO(errno.ENOSYS), "clone3")
    # Threads only: CLONE_THREAD set and no namespace flag. A fork (no CLONE_THREAD) gets EPERM.
    _add(syscall_filter, sc.ALLOW, "clone",
         sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD | CLONE_NAMESPACES, CLONE_THREAD))
    # prlimit64 may read limits (new_limit NULL), never set them.
    _add(syscall_filter, sc.ALLOW, "prlimit64", sc.Arg(2, sc.EQ, 0))
    return _export(syscall_filter)
