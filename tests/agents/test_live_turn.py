"""A live turn's events and reply, read from its event log: what the chat routes stream and answer."""

from __future__ import annotations

import asyncio

from server.agents.chat import LiveTurn
from server.eventlog import MemoryEventLog


def tick(seq: int) -> dict[str, object]:
    return {"type": "text_chunk", "turn_id": "t1", "seq": seq, "delta": str(seq)}


async def test_a_follower_that_falls_behind_skips_to_what_the_log_holds_and_ends_with_the_turn():
    turn = LiveTurn("c1", "t1", "a1", MemoryEventLog(max_events=4))
    turn.log.append(tick(1))
    events = turn.events()
    assert (await anext(events))["seq"] == 1
    for seq in range(2, 11):  # the client reads nothing while these come
        turn.log.append(tick(seq))
    rest = asyncio.create_task(asyncio.wait_for(_drain(events), 1))
    await asyncio.sleep(0.01)
    turn.log.append(tick(11))
    turn.log.close()
    seqs = await rest
    assert seqs[-1] == 11 and seqs == sorted(seqs) and 2 not in seqs
    assert turn.reply() == {"conversation_id": "c1", "answer": "", "run_id": "t1", "message_id": "t1",
                            "status": "interrupted", "error": "the turn did not finish"}


async def _drain(events) -> list[int]:
    return [e["seq"] async for e in events]
