"""A free TCP port on 127.0.0.1, for the servers the tests start (Loom, PostgreSQL, Redis, scripted peers)."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
