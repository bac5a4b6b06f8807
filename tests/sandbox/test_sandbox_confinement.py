"""The operating-system layer on its own: plain, unrestricted Python (no RestrictedPython, no audit hook) runs
inside a real zygote's child, with namespaces, seccomp, an unprivileged uid and rlimits, and still cannot
reach the host. This layer must hold even if the language layer were bypassed completely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from nodes.sandbox import SandboxPool, SandboxUnavailableError, isolation
from tests.sandbox.conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]
module_loop = pytest.mark.asyncio(loop_scope="module")

# Plain Python: every attempt records how it was refused, or "ALLOWED".
PROBE = r'''
import ctypes, errno, json, os, socket, sys, threading

def attempt(results, name, action):
    try:
        value = action()
    except BaseException as exc:
        results[name] = type(exc).__name__ + ": " + str(exc)
    else:
        results[name] = "ALLOWED" + ("" if value is None else ": " + str(value)[:200])

libc = ctypes.CDLL(None, use_errno=True)

def raw(number, *args):
    ctypes.set_errno(0)
    result = libc.syscall(number, *[ctypes.c_long(a) for a in args])
    if result == -1:
        raise OSError(ctypes.get_errno(), errno.errorcode.get(ctypes.get_errno(), "?"))
    return result

def read(path):
    with open(path, "rb") as handle:
        return handle.read(64)

def write(path):
    with open(path, "w") as handle:
        handle.write("pwned")

def walk_root(allowed):
    """Files outside the allowed prefixes (first 50), and how many files were seen in all."""
    strays, count = [], 0
    for top, dirs, files in os.walk("/", followlinks=False):
        for name in files:
            count += 1
            path = os.path.join(top, name)
            if not path.startswith(tuple(allowed)) and not os.path.islink(path) and len(strays) < 50:
                strays.append(path)
    return strays, count

def threads(count):
    started = []
    stop = threading.Event()
    for _ in range(count):
        thread = threading.Thread(target=stop.wait)
        try:
            thread.start()
        except RuntimeError:
            break
        started.append(thread)
    stop.set()
    for thread in started:
        thread.join()
    return len(started)

def main(args):
    r = {"uid": os.getuid(), "euid": os.geteuid(), "environ": dict(os.environ), "cwd": os.getcwd(),
         "hostname": socket.gethostname(), "root": sorted(os.listdir("/")), "files": walk_root(args["allowed"])}
    for path in args["read"]:
        attempt(r, "read " + path, lambda path=path: read(path))
    for path in args["write"]:
        attempt(r, "write " + path, lambda path=path: write(path))
    attempt(r, "write scratch", lambda: write("scratch.txt"))
    for family in ("AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK", "AF_PACKET"):
        attempt(r, "socket " + family, lambda family=family: socket.socket(getattr(socket, family), socket.SOCK_DGRAM))
    attempt(r, "connect", lambda: socket.create_connection(("127.0.0.1", args["port"]), timeout=2))
    attempt(r, "fork", lambda: os.fork())
    attempt(r, "subprocess", lambda: __import__("subprocess").run(["/bin/true"]))
    attempt(r, "execv", lambda: os.execv(sys.executable, [sys.executable, "-c", "pass"]))
    attempt(r, "kill parent", lambda: os.kill(os.getppid(), 9))
    attempt(r, "kill init", lambda: os.kill(1, 9))
    for name, number, call_args in (("ptrace", 101, (16, 1, 0, 0)), ("mount", 165, (0, 0, 0, 0, 0)),
                                    ("umount2", 166, (0, 0)), ("keyctl", 250, (0, 0, 0, 0, 0)),
                                    ("bpf", 321, (0, 0, 0)), ("perf_event_open", 298, (0, 0, -1, -1, 0)),
                                    ("unshare", 272, (0x10000000,)), ("setns", 308, (0, 0)),
                                    ("io_uring_setup", 425, (1, 0)), ("userfaultfd", 323, (0,)),
                                    ("process_vm_readv", 310, (1, 0, 0, 0, 0, 0)), ("clone3", 435, (0, 0)),
                                    ("init_module", 175, (0, 0, 0)), ("chroot", 161, (0,)),
                                    ("socket", 41, (2, 1, 0)), ("prctl", 157, (38, 0, 0, 0, 0)),
                                    ("setrlimit-raise", 160, (9, 0))):
        attempt(r, "syscall " + name, lambda number=number, call_args=call_args: raw(number, *call_args))
    r["threads"] = threads(64)
    attempt(r, "memory", lambda: len(bytearray(600 * 1024 * 1024)))
    open_fds = []
    for fd in range(1024):
        try:
            os.fstat(fd)
        except OSError:
            continue
        open_fds.append(fd)
    r["fds"] = open_fds
    r["fd_kinds"] = {fd: oct(os.fstat(fd).st_mode)[:-3] for fd in open_fds}
    return {"r": json.dumps(r)}
'''

NEXT_RUN = r'''
import os
def main(args):
    return {"scratch": sorted(os.listdir(".")), "tmp": sorted(os.listdir("/tmp"))}
'''


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def plain_pool() -> AsyncIterator[SandboxPool]:
    async with SandboxPool(size=1, memory_mb=300, cpu_seconds=20, language=False) as pool:
        yield pool


@pytest.fixture(scope="module")
def host_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    data = tmp_path_factory.mktemp("data")
    database = data / "loom.db"
    database.write_bytes(b"SQLite format 3\x00" + SECRET.encode())
    (data / "loom.db-wal").write_bytes(SECRET.encode())
    return {"data": data, "db": database}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def probe(plain_pool: SandboxPool, host_files: dict[str, Path]) -> dict:
    reads = ["/etc/passwd", "/etc/shadow", "/etc/hostname", "/proc/self/status", "/proc/1/environ",
             f"/proc/{os.getpid()}/environ", "/sys/kernel/hostname", "/dev/mem", str(host_files["db"]),
             str(host_files["db"]) + "-wal", str(ROOT / "pyproject.toml"), "/root/.bash_history",
             "/var/log/syslog", "/home"]
    writes = ["/loom-sandbox-pwned", "/usr/lib/loom-sandbox-pwned", "/opt/loom/lib/loom-sandbox-pwned",
              "/dev/loom-sandbox-pwned", str(host_files["data"] / "pwned"), "/tmp/loom-sandbox-pwned"]
    allowed = [target for _, target in isolation.runtime_binds()] + ["/dev/", "/tmp/"]
    result = await plain_pool.run(PROBE, {"read": reads, "write": writes, "port": 9, "allowed": allowed},
                                  timeout_s=60)
    return json.loads(result.value["r"])


def test_plain_python_really_runs_unrestricted(probe: dict) -> None:
    assert probe["write scratch"].startswith("ALLOWED")  # it wrote in its scratch directory
    assert probe["syscall prctl"] != "ALLOWED"  # …but not everything: the probe itself is live


@pytest.mark.parametrize("path", ["/etc/passwd", "/etc/shadow", "/etc/hostname", "/proc/self/status",
                                  "/proc/1/environ", "/sys/kernel/hostname", "/dev/mem", "/root/.bash_history",
                                  "/var/log/syslog", "/home"])
def test_host_files_do_not_exist_inside(probe: dict, path: str) -> None:
    assert probe[f"read {path}"].startswith(("FileNotFoundError", "PermissionError", "IsADirectoryError")), \
        probe[f"read {path}"]


def test_the_data_directory_and_the_servers_proc_are_out_of_reach(probe: dict, host_files: dict[str, Path]) -> None:
    for path in (str(host_files["db"]), str(host_files["db"]) + "-wal", f"/proc/{os.getpid()}/environ",
                 str(ROOT / "pyproject.toml")):
        assert probe[f"read {path}"].startswith("FileNotFoundError"), probe[f"read {path}"]
    assert SECRET not in json.dumps(probe)


def test_only_the_read_only_runtime_tree_is_visible(probe: dict) -> None:
    strays, count = probe["files"]
    assert strays == [] and count > 100  # the interpreter's own tree is there, and nothing else
    assert set(probe["root"]) <= {"bin", "dev", "lib", "lib32", "lib64", "libx32", "opt", "root", "sbin", "tmp",
                                  "usr", "home", "srv", "work"} - {"home", "srv"}
    assert "proc" not in probe["root"] and "etc" not in probe["root"]


@pytest.mark.parametrize("path", ["/loom-sandbox-pwned", "/usr/lib/loom-sandbox-pwned",
                                  "/opt/loom/lib/loom-sandbox-pwned", "/dev/loom-sandbox-pwned"])
def test_nothing_outside_scratch_is_writable(probe: dict, path: str) -> None:
    assert probe[f"write {path}"].startswith(("OSError: [Errno 30]", "PermissionError", "FileNotFoundError")), \
        probe[f"write {path}"]


def test_a_write_to_the_hosts_data_directory_lands_nowhere(probe: dict, host_files: dict[str, Path]) -> None:
    assert not (host_files["data"] / "pwned").exists()
    assert not Path("/tmp/loom-sandbox-pwned").exists()  # the sandbox's /tmp is its own


@pytest.mark.parametrize("family", ["AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK", "AF_PACKET"])
def test_no_socket_of_any_family(probe: dict, family: str) -> None:
    assert probe[f"socket {family}"].startswith("PermissionError"), probe[f"socket {family}"]


def test_no_connection_to_the_host(probe: dict) -> None:
    assert probe["connect"].startswith("PermissionError"), probe["connect"]


@pytest.mark.parametrize("attempt", ["fork", "subprocess", "execv"])
def test_no_new_processes(probe: dict, attempt: str) -> None:
    assert probe[attempt].startswith("PermissionError"), probe[attempt]


def test_no_signals_to_the_zygote_or_init(probe: dict) -> None:
    assert probe["kill parent"].startswith("PermissionError"), probe["kill parent"]
    assert probe["kill init"].startswith("PermissionError"), probe["kill init"]


@pytest.mark.parametrize("name", ["ptrace", "mount", "umount2", "keyctl", "bpf", "perf_event_open", "unshare",
                                  "setns", "io_uring_setup", "userfaultfd", "process_vm_readv", "init_module",
                                  "chroot", "socket", "prctl", "setrlimit-raise"])
def test_dangerous_system_calls_are_refused_by_seccomp(probe: dict, name: str) -> None:
    assert probe[f"syscall {name}"] == "PermissionError: [Errno 1] EPERM", probe[f"syscall {name}"]


def test_clone3_answers_enosys_so_libc_falls_back_to_clone(probe: dict) -> None:
    assert probe["syscall clone3"] == "OSError: [Errno 38] ENOSYS"


def test_threads_are_capped(probe: dict) -> None:
    assert 0 <= probe["threads"] < 16


def test_memory_is_capped(probe: dict) -> None:
    assert probe["memory"].startswith("MemoryError"), probe["memory"]


def test_an_unprivileged_user_without_the_servers_environment(probe: dict) -> None:
    assert probe["uid"] != 0 and probe["euid"] != 0
    assert sorted(probe["environ"]) == ["HOME", "LANG", "LC_ALL", "PATH", "PWD"]
    assert probe["hostname"] == "loom-sandbox"


def test_no_descriptor_of_the_server_is_inherited(probe: dict) -> None:
    assert probe["fds"] == [0, 1, 2, 3]  # /dev/null ×3 and the child's own reply pipe
    assert [probe["fd_kinds"][str(fd)] for fd in (0, 1, 2)] == ["0o20"] * 3  # character devices
    assert probe["fd_kinds"]["3"] == "0o10"  # a FIFO


@module_loop
async def test_the_next_run_finds_a_clean_scratch_directory(plain_pool: SandboxPool, probe: dict) -> None:
    assert (await plain_pool.run(NEXT_RUN, {})).value == {"scratch": [], "tmp": ["run"]}


@module_loop
async def test_the_server_environment_is_not_visible(plain_pool: SandboxPool) -> None:
    code = "import os\ndef main(args):\n    return {'env': repr(dict(os.environ))}"
    assert SECRET not in (await plain_pool.run(code, {})).value["env"]


def test_non_root_servers_use_an_unprivileged_user_namespace(tmp_path: Path) -> None:
    """A server that is not root (simulated: uid 1000 in a user namespace) is isolated just as well."""
    script = tmp_path / "probe.py"
    script.write_text(
        "import asyncio, json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from nodes.sandbox import SandboxPool\n"
        "from tests.sandbox.test_sandbox_confinement import PROBE\n"
        "async def main():\n"
        "    async with SandboxPool(size=1, memory_mb=300, language=False) as pool:\n"
        "        args = {'read': ['/etc/passwd'], 'write': ['/x'], 'port': 9, 'allowed': ['/']}\n"
        "        result = await pool.run(PROBE, args, timeout_s=60)\n"
        "        print(json.dumps({'info': next(iter(pool._live)).info, 'r': json.loads(result.value['r'])}))\n"
        "asyncio.run(main())\n")
    done = subprocess.run(["unshare", "--user", "--map-user=1000", "--map-group=1000", sys.executable, str(script)],
                          capture_output=True, text=True, timeout=120)
    if "unshare failed" in done.stderr or "Operation not permitted" in done.stderr and done.returncode:
        pytest.skip(f"this machine cannot simulate a non-root server: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["info"]["uid"] == 1000 and report["info"]["seccomp"] is True
    r = report["r"]
    assert r["read /etc/passwd"].startswith("FileNotFoundError")
    assert r["socket AF_INET"].startswith("PermissionError") and r["fork"].startswith("PermissionError")
    assert r["syscall unshare"] == "PermissionError: [Errno 1] EPERM"
    assert sorted(r["environ"]) == ["HOME", "LANG", "LC_ALL", "PATH", "PWD"]


@module_loop
async def test_without_bubblewrap_code_nodes_are_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(isolation.ENV_BWRAP, "/nonexistent/bwrap")
    async with SandboxPool(size=1) as pool:
        with pytest.raises(SandboxUnavailableError, match=r"code nodes are disabled: bubblewrap is not installed"
                                                          r".*LOOM_SANDBOX_ISOLATION=none"):
            await pool.run("def main(args):\n    return {}", {})


@module_loop
async def test_isolation_none_is_an_explicit_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(isolation.ENV_BWRAP, "/nonexistent/bwrap")
    monkeypatch.setenv(isolation.ENV_ISOLATION, "none")
    async with SandboxPool(size=1) as pool:
        assert pool.isolation == "none"
        assert (await pool.run("def main(args):\n    return {'ok': True}", {})).value == {"ok": True}
    monkeypatch.setenv(isolation.ENV_ISOLATION, "off")
    with pytest.raises(SandboxUnavailableError, match=r"LOOM_SANDBOX_ISOLATION='off' is not a known setting"):
        SandboxPool(size=1)


@pytest.mark.parametrize(("stderr", "expected"), [
    ("bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged "
     "user namespaces. On e.g. debian this can be enabled with 'sysctl kernel.unprivileged_userns_clone=1'.",
     "the kernel does not allow unprivileged user namespaces"),
    ("bwrap: setting up uid map: Permission denied", "the kernel does not allow unprivileged user namespaces"),
    ("bwrap: Creating new namespace failed: Operation not permitted",
     "the kernel refused to create the sandbox's namespaces"),
    ("bwrap: Can't mount proc on /newroot/proc: Device or resource busy", "bubblewrap could not start a sandbox"),
])
def test_isolation_failures_name_the_missing_feature(stderr: str, expected: str) -> None:
    assert isolation.explain(stderr).startswith(expected)
