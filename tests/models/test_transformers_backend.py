"""The transformers backend, for real: a tiny random-weight GPT-2 and LoRA adapters built by the test, served
by the launcher as its own process, called through the gateway (generate and streaming), adapters loaded
and unloaded at runtime."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from modelhub.gateway import Gateway, ModelError
from modelhub.hub import ModelHub
from modelhub.schemas import AdapterRef, BaseModelCreate, DeploymentCreate, FinetuneCreate
from tests.models.test_deployments import until

pytestmark = pytest.mark.slow
ASK = [{"role": "user", "content": "who wrote 静夜思"}]


async def test_serves_base_and_adapters_with_streaming(hub: ModelHub, tiny_model: Path,
                                                       tiny_adapters: dict[str, Path]) -> None:
    hub.registry.add_base(BaseModelCreate(name="tiny", source=str(tiny_model), context_length=256))
    for name, path in tiny_adapters.items():
        hub.registry.add_finetune(FinetuneCreate(name=name, base="tiny", adapter_path=str(path),
                                                 params={"max_tokens": 6}))
    assert hub.registry.get_model("poet").spec["rank"] == 4
    row = hub.registry.create_deployment(DeploymentCreate(name="tiny-cpu", backend="transformers", base_model="tiny",
                                                          adapters=[AdapterRef(finetune="poet")], start_timeout_s=120))
    await hub.deployments.start(row.id)
    ready = await until(hub, row.id, "ready", "failed", timeout=120)
    assert ready.state == "ready", (ready.reason, hub.logs(row.id, 30))
    gateway = Gateway({}, registry=hub)
    try:
        params = {"temperature": 0, "max_tokens": 6}
        base = await gateway.chat("tiny-cpu", ASK, params)
        poet = await gateway.chat("poet", ASK, {"temperature": 0})  # max_tokens from the fine-tune's params
        assert base.text and poet.text and base.text != poet.text  # the adapter changes the answer
        assert base.usage.prompt_tokens > 0 and 0 < poet.usage.completion_tokens <= 6
        again = await gateway.chat("tiny-cpu", ASK, params)
        assert again.text == base.text  # temperature 0: the same answer every time

        pieces: list[str] = []
        streamed = await gateway.chat("poet", ASK, {"temperature": 0}, on_delta=pieces.append)
        assert len(pieces) > 1 and "".join(pieces) == streamed.text
        assert streamed.text.split() == poet.text.split() and streamed.usage.completion_tokens > 0

        await hub.add_adapter(row.id, AdapterRef(finetune="critic"))  # loaded at runtime
        assert hub.registry.get_deployment(row.id).pid == ready.pid
        critic = await gateway.chat("critic", ASK, params)
        assert critic.text not in (base.text, poet.text)
        await hub.remove_adapter(row.id, "critic")
        async with httpx.AsyncClient() as client:
            listed = (await client.get(f"http://127.0.0.1:{ready.port}/v1/models")).json()["data"]
        assert [m["id"] for m in listed] == ["tiny-cpu", "poet"]
        hub.invalidate()
        with pytest.raises(ModelError, match="fine-tuned model 'critic' is not deployed"):
            await gateway.chat("critic", ASK)
    finally:
        await gateway.aclose()
