"""The zygote: a warm interpreter that forks one fresh child per run.

Started by the host (``nodes/sandbox/pool.py``), inside bubblewrap when the operating-system layer is on,
as ``python -I -S -B -c BOOT``; its settings come as the first frame on stdin. It imports everything a run
may need, says it is ready, then for each job:

1. reads the job into a private buffer (it never parses the body);
2. hands it to a child it forked *before* the job came (so the fork costs the caller nothing); that
   child confined itself while it waited (``confine.py``), runs the code (``execute.py``), writes one
   reply frame to a pipe of its own and exits;
3. forwards the reply, or explains the child's death (CPU limit, memory, its wall-clock deadline);
4. zeroes its buffers, empties the scratch directory, and forks the next child.

The zygote itself never runs user code and keeps nothing of a run: every child starts from the same
pristine state, whatever earlier runs (of any app) did.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import signal
import stat
import time
from typing import Any, NamedTuple

from . import confine, execute, policy, protocol

# Imported lazily by the allowed modules (Counter.most_common needs heapq, strptime _strptime, …) or by the
# child itself; loaded now, because the language layer's audit hook refuses imports during a run.
_WARM_IMPORTS = ("_strptime", "time", "encodings.idna", "encodings.utf_16", "encodings.utf_32", "encodings.latin_1",
                 "encodings.cp1252", "encodings.gbk", "encodings.gb2312", "encodings.gb18030", "encodings.big5",
                 "encodings.utf_8_sig", "unicodedata", "base64", "marshal", "heapq", "copy", "bisect", "typing",
                 "weakref", "warnings", "fractions", "numbers", "_uuid")
_GRACE_S = 0.5  # after a deadline, how long a killed child gets to be reaped


class _Spare(NamedTuple):
    """A pre-forked child: its pid, the pipe its job goes into, the pipe its reply comes from."""

    pid: int
    job: int
    reply: int


class Zygote:
    """One warm interpreter serving jobs over its stdin/stdout pipes, one forked child per job."""

    def __init__(self) -> None:
        # The protocol gets private descriptors; 0-2 point at /dev/null, and nothing else stays open.
        self.fd_in = os.dup(0)
        self.fd_out = os.dup(1)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        for fd in range(3, 1024):
            if fd not in (self.fd_in, self.fd_out):
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.settings = json.loads(self._frame(protocol.HEADER) or b"{}")
        settings = self.settings
        if settings.get("uid") is not None and os.geteuid() == 0:
            _drop_privileges(settings["uid"])
        self.limits = confine.Limits(memory_mb=settings["memory_mb"], cpu_seconds=settings["cpu_seconds"])
        self.language = settings["language"]
        self.modules = policy.load_modules() if self.language else None
        for name in _WARM_IMPORTS:
            try:
                importlib.import_module(name)
            except ImportError:  # an optional accelerator module this build lacks (_uuid)
                pass
        program = settings.get("seccomp")
        self.seccomp = confine.Seccomp(bytes.fromhex(program)) if program else None
        self.scratch = settings["scratch"]
        self.max_reply = settings["max_reply"]
        self.buffer = bytearray(1 << 16)  # the job being handed over; zeroed once the child has it
        self.replies = bytearray(1 << 16)  # the reply being passed on; zeroed once the host has it
        self.finished: int | None = None  # a child killed after its reply, still to be reaped
        # Everything imported so far is permanent: a child's garbage collections then never touch (and
        # so never copy) the zygote's objects, which makes each run's fork and exit cheaper.
        gc.collect()
        gc.freeze()

    def serve(self) -> None:
        self.send(protocol.encode({"ready": True, "pid": os.getpid(), "uid": os.getuid(),
                                   "seccomp": self.seccomp is not None, "language": self.language}))
        spare = self._prefork()
        while True:
            header = protocol.read_exactly(self.fd_in, protocol.JOB_HEADER.size)
            if header is None:
                return
            size, timeout_ms = protocol.JOB_HEADER.unpack(header)
            if len(self.buffer) < size:
                self.buffer = bytearray(size)
            body = memoryview(self.buffer)[:size]
            if not protocol.read_into(self.fd_in, body):
                return
            reply = self.run(spare, body, timeout_ms / 1000)
            body.release()
            self.send(reply)
            if self.finished is not None:
                os.waitpid(self.finished, 0)
                self.finished = None
            if isinstance(reply, memoryview):
                reply.release()
            _zero(self.replies)
            self._wipe()
            spare = self._prefork()  # while the host reads the reply: the next run's fork costs it nothing

    # -- one run --------------------------------------------------------------------------------------
    def _prefork(self) -> _Spare:
        """A fresh child of the pristine zygote, already confined, waiting for its one job."""
        scratch = os.path.join(self.scratch, "run")
        os.mkdir(scratch, 0o700)
        job_read, job_write = os.pipe()
        reply_read, reply_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            status = 70
            try:
                os.close(job_write)
                os.close(reply_read)
                confine.keep_only(reply_write, job_read)
                self._child(scratch)
                status = 0
            except BaseException as exc:  # the sandbox's own failure: user code has not run yet
                failure = {"ok": False, "kind": "internal", "message": f"the sandbox could not prepare the run: {exc}"}
                protocol.write_all(confine.REPLY_FD, protocol.encode(failure))
            finally:
                os._exit(status)
        os.close(job_read)
        os.close(reply_write)
        return _Spare(pid, job_write, reply_read)

    def run(self, spare: _Spare, body: memoryview, timeout_s: float) -> memoryview | bytes:
        try:
            protocol.write_all(spare.job, protocol.HEADER.pack(len(body)))
            protocol.write_all(spare.job, body)
        except BrokenPipeError:
            pass  # it died getting ready: its reply (or its death) says why
        finally:
            os.close(spare.job)
            body[:] = bytes(len(body))  # the job's arguments are the child's alone now
        try:
            reply, timed_out = self._collect(spare.reply, timeout_s)
        finally:
            os.close(spare.reply)
        if reply is not None:
            _kill(spare.pid)  # it has said all it may say; reaped once the host has the reply
            self.finished = spare.pid
            return reply
        if timed_out:
            _kill(spare.pid)
        status = _reap(spare.pid)
        if timed_out:
            return protocol.encode({"ok": False, "kind": "timeout",
                                    "message": f"code ran longer than {timeout_s:g} s and was stopped"})
        return protocol.encode(self._death(status))

    def _child(self, scratch: str) -> None:
        os.chdir(scratch)
        policy.reset_run_state()
        confine.set_limits(self.limits)
        if self.seccomp is not None:
            self.seccomp.load()
        body = confine.receive_job()
        job = execute.Job(body, language=self.language, modules=self.modules, settings=self.settings)
        del body
        if self.language:
            confine.language_guards()
        protocol.write_all(confine.REPLY_FD, job.run())

    def _collect(self, fd: int, timeout_s: float) -> tuple[memoryview | bytes | None, bool]:
        """The child's reply frame (None if it sent no complete one), and whether the deadline passed.

        The reply is read into ``self.replies`` (zeroed once it is sent), never into throwaway objects: what
        a run sends back must not linger in the zygote's memory for later children to find.
        """
        deadline = time.monotonic() + timeout_s
        limit = self.max_reply + protocol.HEADER.size
        filled = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, True
            if not select.select([fd], [], [], left)[0]:
                continue
            if filled == len(self.replies):
                if filled > limit:
                    return protocol.encode({"ok": False, "kind": "limit", "message":
                                            f"sandbox reply is over the limit of {self.max_reply:,} bytes"}), False
                grown = bytearray(min(2 * len(self.replies), limit + 1))
                grown[:filled] = self.replies[:filled]
                _zero(self.replies)
                self.replies = grown
            count = os.readv(fd, [memoryview(self.replies)[filled:]])
            if not count:
                break
            filled += count
            if filled >= protocol.HEADER.size and \
                    filled >= protocol.HEADER.unpack_from(self.replies)[0] + protocol.HEADER.size:
                break  # a whole frame: no need to wait for the child's exit (and its memory's teardown)
        header = protocol.HEADER
        if filled < header.size or header.unpack_from(self.replies)[0] != filled - header.size:
            return None, False  # nothing, a partial frame, or more than one frame: not a reply
        return memoryview(self.replies)[:filled], False

    def _death(self, status: int) -> dict[str, Any]:
        """Why a child ended without a reply."""
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGXCPU:
                message = f"code used more than {self.limits.cpu_seconds} s of CPU time and was stopped"
                return {"ok": False, "kind": "limit", "message": message}
            if sig in (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS):
                return {"ok": False, "kind": "limit",
                        "message": f"the code was stopped by the kernel ({signal.Signals(sig).name}): "
                                   f"out of memory (limit {self.limits.memory_mb} MB) or CPU time"}
            return {"ok": False, "kind": "internal", "message": f"the code crashed ({signal.Signals(sig).name})"}
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        return {"ok": False, "kind": "internal", "message": f"the code exited without an answer (status {code})"}

    def _wipe(self) -> None:
        """Remove everything the run left in the scratch area, also what it made unreadable. If that fails
        (say, a directory nested too deep), exit: the host replaces this sandbox, scratch area and all."""
        try:
            for entry in os.listdir(self.scratch):
                _remove(os.path.join(self.scratch, entry))
            clean = not os.listdir(self.scratch)
        except (OSError, RecursionError):
            clean = False
        if not clean:
            os._exit(75)

    # -- pipes ----------------------------------------------------------------------------------------
    def _frame(self, header: Any) -> bytes | None:
        raw = protocol.read_exactly(self.fd_in, header.size)
        return None if raw is None else protocol.read_exactly(self.fd_in, header.unpack(raw)[0])

    def send(self, data: bytes | memoryview) -> None:
        protocol.write_all(self.fd_out, data)


def _drop_privileges(uid: int) -> None:
    """Root-mode sandboxes start as root with only CAP_SETUID/CAP_SETGID; become ``uid`` for good."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> int:
    """The child's wait status; a child still running ``_GRACE_S`` after closing its pipe is killed."""
    watch = os.pidfd_open(pid)
    try:
        if not select.select([watch], [], [], _GRACE_S)[0]:
            _kill(pid)
    finally:
        os.close(watch)
    return os.waitpid(pid, 0)[1]


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        os.chmod(path, stat.S_IRWXU)
        for entry in os.listdir(path):
            _remove(os.path.join(path, entry))
        os.rmdir(path)
    else:
        os.unlink(path)


def _zero(data: bytearray) -> None:
    data[:] = bytes(len(data))


def main() -> None:
    Zygote().serve()
