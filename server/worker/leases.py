"""Job leases: at most one task at a time works on one job (an evaluation run, a knowledge base's ingestion), even
when Redis hands a task to a second worker, or to the same one, while the first still runs it (its visibility
timeout passed).

A lease is the key ``loom:lease:<job>`` holding ``<owner id>|<token>``: the process that works on it (its heartbeat in
server.ownership) and the one task in it. It is free when absent or when its owner's heartbeat is gone, so a worker
that was killed frees its jobs within the owner lease, and the task redelivered for it takes the job over.
"""

from __future__ import annotations

import uuid
from typing import Any

from redis.asyncio import Redis

from server.ownership import Ownership

PREFIX = "loom:lease:"
KEEP_S = 7 * 86_400  # a lease whose holder never released it (killed) is replaced long before this


def new_token() -> str:
    return uuid.uuid4().hex


async def acquire(client: Redis, ownership: Ownership, job: str, token: str) -> bool:
    """Take ``job``'s lease for the task ``token`` of this process: False while a task of a live process (this one
    included) holds it."""
    key, mine = PREFIX + job, f"{ownership.owner}|{token}"
    if await client.set(key, mine, nx=True, ex=KEEP_S):
        return True
    holder: Any = await client.get(key)  # a str: the client decodes responses
    if holder == mine:
        return True
    if holder is not None and await ownership.alive(str(holder).partition("|")[0]):
        return False
    # Free (its holder is gone): take it over unless another task did so first.
    async with client.pipeline(transaction=True) as pipe:
        await pipe.watch(key)
        if await pipe.get(key) != holder:
            return False
        pipe.multi()
        pipe.set(key, mine, ex=KEEP_S)
        try:
            await pipe.execute()
        except Exception:  # WatchError: another task took it over first
            return False
    return True


async def release(client: Redis, ownership: Ownership, job: str, token: str) -> None:
    key = PREFIX + job
    if await client.get(key) == f"{ownership.owner}|{token}":
        await client.delete(key)
