"""The operating-system layer on its own: what a confined worker process is, and what plain (unrestricted)
Python inside one can no longer do. This layer must hold even if the language layer were bypassed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nodes.sandbox import SandboxPool

ROOT = Path(__file__).resolve().parents[2]

# Plain Python, run after confine(): each probe prints whether the attempt was refused and how.
PROBE = textwrap.dedent("""
    import json, os, socket, sys
    from nodes.sandbox.runtime import confine
    applied = confine.confine(confine.Limits(memory_mb=256, cpu_seconds=5, max_executions=1))
    results = {"applied": applied, "uid": os.getuid()}

    def attempt(name, action):
        try:
            action()
        except BaseException as exc:
            results[name] = type(exc).__name__ + ": " + str(exc)
        else:
            results[name] = "ALLOWED"

    attempt("read_file", lambda: open("/etc/hostname").read())
    attempt("write_file", lambda: open(sys.argv[1], "w").write("x"))
    attempt("socket", lambda: socket.socket())
    attempt("fork", lambda: os.fork())
    attempt("system", lambda: os.system("true"))
    attempt("import", lambda: __import__("sqlite3"))
    attempt("kill", lambda: os.kill(os.getppid(), 0))
    attempt("listdir", lambda: os.listdir("/"))
    attempt("memory", lambda: bytearray(512 * 1024 * 1024))
    sys.stdout.write(json.dumps(results))
""")


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    target = tmp_path_factory.mktemp("confine") / "written.txt"
    done = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n" + PROBE,
                           str(target)], capture_output=True, text=True, timeout=60, cwd="/")
    assert done.returncode == 0, done.stderr
    assert not target.exists()
    return json.loads(done.stdout)


@pytest.mark.parametrize(("attempt", "refusal"), [
    ("read_file", "PermissionError: open is not allowed in code nodes"),
    ("write_file", "PermissionError: open is not allowed in code nodes"),
    ("socket", "PermissionError: socket.__new__ is not allowed in code nodes"),
    ("fork", "AttributeError: module 'os' has no attribute 'fork'"),
    ("system", "AttributeError: module 'os' has no attribute 'system'"),
    ("import", "PermissionError: import is not allowed in code nodes"),
    ("kill", "AttributeError: module 'os' has no attribute 'kill'"),
    ("listdir", "PermissionError: os.listdir is not allowed in code nodes"),
    ("memory", "MemoryError: "),
])
def test_plain_python_is_refused_once_confined(probe: dict[str, object], attempt: str, refusal: str) -> None:
    assert probe[attempt] == refusal


def test_root_is_dropped_to_nobody_in_its_own_network(probe: dict[str, object]) -> None:
    if os.geteuid() != 0:
        pytest.skip("privilege drop and network namespace apply when the host runs as root")
    assert probe["uid"] != 0
    assert probe["applied"] == {"network_namespace": True, "unprivileged": True}


async def test_a_pool_worker_is_confined(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOM_SANDBOX_TEST_SECRET", "hunter2")
    async with SandboxPool(size=1, memory_mb=200, cpu_seconds=7) as pool:
        [pid] = pool.pids()
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert not [e for e in environ if b"hunter2" in e]
        assert sorted(e.split(b"=")[0].decode() for e in environ if e) == ["HOME", "LANG", "LC_ALL", "PATH"]
        cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
        assert cwd.name.startswith("loom-sandbox-") and list(cwd.iterdir()) == []
        assert os.getsid(pid) == pid  # its own session: a timeout kills the whole group
        limits = Path(f"/proc/{pid}/limits").read_text()
        assert _limit(limits, "Max address space") == str(200 * 1024 * 1024)
        assert _limit(limits, "Max file size") == "0"
        assert _limit(limits, "Max processes") == "0"
        assert _limit(limits, "Max core file size") == "0"
        if os.geteuid() == 0:
            status = Path(f"/proc/{pid}/status").read_text()
            assert "\nUid:\t0" not in status
            assert os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net")
        assert (await pool.run("def main(args):\n    return {'ok': True}", {})).value == {"ok": True}
    assert not cwd.exists()  # the working directory goes with the worker


def _limit(table: str, name: str) -> str:
    line = next(line for line in table.splitlines() if line.startswith(name))
    return line[len(name):].split()[0]
