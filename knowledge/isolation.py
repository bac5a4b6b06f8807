"""Parsing in a child process: a hostile file (decompression bomb, page-tree loop, parser bug) costs the child
its memory or its time limit, never the server. ``parse_isolated`` is what the rest of Loom calls.

The child is ``python -m knowledge.isolation``: it caps its own address space and CPU time first, then reads
``<4-byte length><JSON header><file bytes>`` from stdin and writes ``<4-byte length><JSON answer><text>`` to
stdout, the text as raw UTF-8 so that a long one is not copied into JSON on either side.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from knowledge.errors import ParseError
from knowledge.limits import DEFAULT_LIMITS, ParseLimits
from knowledge.parsing import TEXT_SUFFIXES, ParsedDocument, file_format, parse

log = logging.getLogger(__name__)
PLAIN_TEXT = frozenset(TEXT_SUFFIXES.values())  # formats that are decoded, not parsed: read in this process
_ROOT = str(Path(__file__).resolve().parent.parent)  # the child imports this tree, not the current directory


def parse_isolated(filename: str, data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """``parse`` in a child process with ``limits.memory_mb`` of address space and ``limits.timeout_s``."""
    if file_format(filename) in PLAIN_TEXT:  # an unsupported name fails here, without a process
        # Plain text is only decoded (size and length limits checked first): no parser to crash or to
        # blow up, so no process to start — that start-up was most of a small text file's ingestion time.
        return parse(filename, data, limits=limits)
    header = json.dumps({"filename": filename, "limits": asdict(limits)}).encode()
    # Only what Python needs: a parser reading hostile input gets none of the server's secrets.
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8",
           "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
    try:
        child = subprocess.run([sys.executable, "-P", "-m", "knowledge.isolation"], env=env, capture_output=True,
                               input=len(header).to_bytes(4, "big") + header + data, timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise ParseError(filename, f"parsing took longer than {limits.timeout_s:g} s (the limit)") from None
    if child.returncode != 0 or len(child.stdout) < 4:
        log.warning("the parser process for %r ended with status %s: %s", filename, child.returncode,
                    child.stderr[-2000:].decode(errors="replace"))
        raise ParseError(filename, _crash(child.returncode, limits))
    size = int.from_bytes(child.stdout[:4], "big")
    answer = json.loads(child.stdout[4:4 + size])
    if "error" in answer:
        raise ParseError(filename, answer["error"])
    return ParsedDocument(**answer["document"], text=child.stdout[4 + size:].decode())


def _crash(code: int, limits: ParseLimits) -> str:
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return (f"parsing was stopped: it needed more than {limits.timeout_s:g} s of CPU time or "
                f"{limits.memory_mb} MB of memory (the limits)")
    if code < 0:
        return f"the parser crashed (signal {signal.Signals(-code).name})"
    return f"the parser crashed (exit status {code})"


def _main() -> None:
    size = int.from_bytes(sys.stdin.buffer.read(4), "big")
    header = json.loads(sys.stdin.buffer.read(size))
    limits = ParseLimits(**header["limits"])
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = max(1, int(limits.timeout_s) + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # a parser has nothing to write
    text = b""
    try:
        document = parse(header["filename"], sys.stdin.buffer.read(), limits=limits)
        text = document.text.encode()
        document.text = ""
        answer: dict = {"document": {k: v for k, v in asdict(document).items() if k != "text"}}
    except ParseError as exc:
        # lxml and zlib report a failed allocation as a broken file; near the limit, it was the limit.
        broken = exc.cause.startswith("corrupt") and _peak_memory() > memory * 0.9
        answer = {"error": _over_memory(limits) if broken else exc.cause}
    except MemoryError:
        answer = {"error": _over_memory(limits)}
    except RecursionError:
        answer = {"error": "the file nests too deeply to be read"}
    encoded = json.dumps(answer, ensure_ascii=False).encode()
    sys.stdout.buffer.write(len(encoded).to_bytes(4, "big") + encoded)
    sys.stdout.buffer.write(text)


def _over_memory(limits: ParseLimits) -> str:
    return f"parsing needed more than {limits.memory_mb} MB of memory (the limit)"


def _peak_memory() -> int:
    """The most address space this process has held (VmPeak), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmPeak:"):
            return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    _main()
