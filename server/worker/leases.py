"""Job leases: at most one worker at a time works on one job (an evaluation run, a knowledge base's ingestion),
even when Redis hands a task to a second worker while the first still runs it (its visibility timeout passed).

A lease is the key ``loom:lease:<job>`` holding the owner id of the process that works on it. It is free when absent
or when its owner's heartbeat (server.ownership) is gone, so a worker that was killed frees its jobs within the
owner lease, and the task redelivered for it takes the job over.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from server.ownership import Ownership

PREFIX = "loom:lease:"
KEEP_S = 7 * 86_400  # a lease whose holder never released it (killed) is replaced long before this


async def acquire(client: Redis, ownership: Ownership, job: str) -> bool:
    """Take ``job``'s lease for this process: False while a live process holds it."""
    key = PREFIX + job
    if await client.set(key, ownership.owner, nx=True, ex=KEEP_S):
        return True
    holder: Any = await client.get(key)  # a str: the client decodes responses
    if holder is not None and holder != ownership.owner and await ownership.alive(holder):
        return False
    # Free (its holder is gone): take it over unless another process did so first.
    async with client.pipeline(transaction=True) as pipe:
        await pipe.watch(key)
        if await pipe.get(key) != holder:
            return False
        pipe.multi()
        pipe.set(key, ownership.owner, ex=KEEP_S)
        try:
            await pipe.execute()
        except Exception:  # WatchError: another process took it over first
            return False
    return True


async def release(client: Redis, ownership: Ownership, job: str) -> None:
    key = PREFIX + job
    if await client.get(key) == ownership.owner:
        await client.delete(key)
