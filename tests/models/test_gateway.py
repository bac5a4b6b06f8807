"""The gateway resolving registry names: endpoints, deployments and fine-tuned models, params and presets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from engine.graph import validate
from engine.runner import execute
from engine.spec import Services
from modelhub.config import EndpointModel
from modelhub.gateway import Gateway, ModelError
from modelhub.hub import ModelHub
from modelhub.schemas import AdapterRef, BaseModelCreate, DeploymentCreate, EndpointCreate, FinetuneCreate
from nodes.registry import CATALOG
from tests.doubles.openai_server import ScriptedOpenAI
from tests.helpers import chain, end, node, start, workflow
from tests.models.test_deployments import until


def flow(model: str, params: dict | None = None) -> dict:
    config = {"model": model, "params": params or {}, "messages": [{"role": "user", "content": "{{query}}"}]}
    return workflow([start("query"), node("llm", "llm", {"query": "start.query"}, config=config),
                     end(answer="llm.text")], chain("start", "llm", "end"))


@pytest.fixture
def finetuned(hub: ModelHub, base_dir: Path, make_adapter: Callable[..., Path]) -> ModelHub:
    hub.registry.add_base(BaseModelCreate(name="qwen", source=str(base_dir)))
    hub.registry.add_finetune(FinetuneCreate(name="yuwen", base="qwen", params={"temperature": 0.1, "max_tokens": 99},
                                             adapter_path=str(make_adapter("yuwen", str(base_dir)))))
    return hub


async def test_workflow_llm_node_calls_a_finetuned_model_end_to_end(finetuned: ModelHub) -> None:
    hub = finetuned
    row = hub.registry.create_deployment(DeploymentCreate(name="qwen-vllm", base_model="qwen",
                                                          adapters=[AdapterRef(finetune="yuwen")]))
    await hub.deployments.start(row.id)
    ready = await until(hub, row.id, "ready")
    gateway = Gateway({}, registry=hub)
    try:
        result = await execute(validate(flow("yuwen", {"temperature": 0.5}), CATALOG, Services(llm=gateway)),
                               {"query": "谁写了竹里馆？"}, Services(llm=gateway))
        assert result.status == "succeeded", result.error
        assert result.outputs == {"answer": "[yuwen] 谁写了竹里馆？"}
        assert len([e for e in result.events if e.type == "text_chunk"]) > 1
        # The base is callable by the deployment's name, without the fine-tune's params.
        base = await gateway.chat("qwen-vllm", [{"role": "user", "content": "hi"}])
        assert base.text == "[qwen-vllm] hi"
    finally:
        await gateway.aclose()
    import httpx
    async with httpx.AsyncClient() as client:
        requests = (await client.get(f"http://127.0.0.1:{ready.port}/standin/info")).json()["requests"]
    # Recommended params under the node's own: the node's temperature wins, max_tokens comes from the model.
    assert requests[0]["model"] == "yuwen" and requests[0]["temperature"] == 0.5 and requests[0]["max_tokens"] == 99
    assert requests[1]["temperature"] == 0.3 and "max_tokens" not in requests[1]


async def test_not_deployed_or_not_ready_fails_clearly(finetuned: ModelHub) -> None:
    hub = finetuned
    gateway = Gateway({}, registry=hub)
    with pytest.raises(ModelError, match="fine-tuned model 'yuwen' is not deployed: add it as an adapter to a "
                                         "deployment of its base 'qwen'"):
        await gateway.chat("yuwen", [{"role": "user", "content": "q"}])
    with pytest.raises(ModelError, match="base model 'qwen' is not deployed"):
        gateway.resolve("qwen")
    row = hub.registry.create_deployment(DeploymentCreate(name="d", base_model="qwen", extra_args=[
        "--standin-startup-s", "1"], adapters=[AdapterRef(finetune="yuwen")]))
    await hub.deployments.start(row.id)
    await asyncio.sleep(1.1)  # past the resolution cache
    with pytest.raises(ModelError, match="'yuwen' is on deployment 'd', which is starting, not ready"):
        gateway.resolve("yuwen")
    await until(hub, row.id, "ready")
    assert gateway.resolve("yuwen").model == "yuwen"  # state changes clear the cache
    await hub.deployments.stop(row.id)
    with pytest.raises(ModelError, match="which is stopped, not ready"):
        gateway.resolve("yuwen")
    assert gateway.has_model("yuwen") and not gateway.has_model("nothing")
    with pytest.raises(ModelError, match="model 'nothing' is not configured"):
        gateway.resolve("nothing")


async def test_registered_endpoint_and_configured_models_side_by_side(
        hub: ModelHub, openai_server: ScriptedOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTED_KEY", "sk-test")
    hub.registry.add_endpoint(EndpointCreate(name="hosted", base_url=openai_server.url, model="gpt-x",
                                             api_key_env="HOSTED_KEY", params={"presence_penalty": 0.4}))
    default = EndpointModel(name="default", base_url=openai_server.url, model="from-env")
    gateway = Gateway({"default": default}, registry=hub)
    try:
        assert (await gateway.chat("hosted", [{"role": "user", "content": "a"}])).text == "echo: a"
        assert (await gateway.chat("default", [{"role": "user", "content": "b"}], preset="qa")).text == "echo: b"
        await gateway.chat("hosted", [{"role": "user", "content": "c"}], {"temperature": 1.2}, preset="文本生成")
        with pytest.raises(ModelError, match="unknown inference preset 'nope'; known: balanced, qa"):
            await gateway.chat("hosted", [{"role": "user", "content": "d"}], preset="nope")
    finally:
        await gateway.aclose()
    hosted, env_default, generation = openai_server.requests
    assert hosted["model"] == "gpt-x" and hosted["presence_penalty"] == 0.4
    assert env_default["model"] == "from-env" and env_default["temperature"] == 0.0
    # preset over the model's params, the node's own params over the preset
    assert generation["temperature"] == 1.2 and generation["presence_penalty"] == 0.5
