"""Registry: endpoints, base models and versioned fine-tuned models, with their validation errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from modelhub.schemas import AdapterRef, BaseModelCreate, DeploymentCreate, EndpointCreate, FinetuneCreate
from server.db.registry import Registry
from server.errors import ConflictError, InvalidRequestError, NotFoundError


@pytest.fixture
def registry(data_dir: Path) -> Registry:
    registry = Registry.for_data_dir(data_dir)
    yield registry
    registry.close()


def test_base_and_finetune_keep_lineage_rank_and_versions(registry: Registry, base_dir: Path,
                                                          make_adapter: Callable[..., Path]) -> None:
    base = registry.add_base(BaseModelCreate(name="qwen", source=str(base_dir), context_length=32768,
                                             chat_template="chatml", license="Apache-2.0"))
    assert base.kind == "base" and base.spec["source"] == str(base_dir.resolve())
    spec = dict(name="yuwen", base="qwen", adapter_path=str(make_adapter("v1", str(base_dir), rank=16)),
                training={"dataset": "yuwen-qa.jsonl", "params": {"epochs": 3, "lr": 2e-4}},
                prompt_template="问题：{question}", params={"temperature": 0.2}, eval_scores={"accuracy": 0.81})
    first = registry.add_finetune(FinetuneCreate(**spec))
    assert first.version == 1 and first.spec["rank"] == 16 and first.spec["training"]["dataset"] == "yuwen-qa.jsonl"
    assert first.spec["adapter_base"] == str(base_dir) and first.spec["eval_scores"] == {"accuracy": 0.81}
    # The adapter may name its base by hub id; the folder name matches.
    spec["adapter_path"] = str(make_adapter("v2", "Qwen/Qwen2.5-7B-Instruct", rank=8))
    second = registry.add_finetune(FinetuneCreate(**spec))
    assert second.version == 2 and registry.get_model("yuwen").version == 2
    assert registry.get_model("yuwen", 1).spec["rank"] == 16
    assert [(m.name, m.version) for m in registry.list_models("finetune")] == [("yuwen", 1), ("yuwen", 2)]


@pytest.mark.parametrize("case, message", [
    ("missing", "adapter directory '.*missing' does not exist"),
    ("not-peft", "has no adapter_config.json"),
    ("other-base", "was trained on 'meta-llama/Llama-3-8B', not on base model 'qwen'"),
], ids=["missing-dir", "no-adapter-config", "base-mismatch"])
def test_adapter_validation_errors(registry: Registry, base_dir: Path, tmp_path: Path,
                                   make_adapter: Callable[..., Path], case: str, message: str) -> None:
    registry.add_base(BaseModelCreate(name="qwen", source=str(base_dir)))
    path = {"missing": tmp_path / "missing", "not-peft": tmp_path,
            "other-base": make_adapter("llama", "meta-llama/Llama-3-8B")}[case]
    with pytest.raises(InvalidRequestError, match=message):
        registry.add_finetune(FinetuneCreate(name="ft", base="qwen", adapter_path=str(path)))


def test_other_errors_name_what_is_wrong(registry: Registry, base_dir: Path, tmp_path: Path,
                                        make_adapter: Callable[..., Path]) -> None:
    with pytest.raises(InvalidRequestError, match="local path '/nope' does not exist"):
        registry.add_base(BaseModelCreate(name="x", source="/nope"))
    with pytest.raises(NotFoundError, match="model 'qwen' not found"):
        registry.add_finetune(FinetuneCreate(name="ft", base="qwen", adapter_path=str(tmp_path)))
    with pytest.raises(ValidationError, match="exactly one of adapter_path"):
        FinetuneCreate(name="ft", base="qwen")
    with pytest.raises(ValidationError, match="must start with http"):
        EndpointCreate(name="e", base_url="ftp://x", model="m")
    with pytest.raises(ValidationError, match="letters, digits"):
        BaseModelCreate(name="bad name!", source="x/y")
    registry.add_base(BaseModelCreate(name="qwen", source=str(base_dir)))
    with pytest.raises(ConflictError, match="already registered"):
        registry.add_endpoint(EndpointCreate(name="qwen", base_url="http://x/v1", model="m"))
    with pytest.raises(InvalidRequestError, match="holds no merged model"):
        registry.add_finetune(FinetuneCreate(name="merged", base="qwen", merged_path=str(tmp_path)))
    registry.add_finetune(FinetuneCreate(name="yuwen", base="qwen",
                                         adapter_path=str(make_adapter("a", str(base_dir)))))
    with pytest.raises(InvalidRequestError, match="is a LoRA adapter; deploy its base 'qwen'"):
        registry.create_deployment(DeploymentCreate(name="d", base_model="yuwen"))
    with pytest.raises(InvalidRequestError, match="neither a registered base model nor an existing directory"):
        registry.create_deployment(DeploymentCreate(name="d", base_model="/no/such/model"))
    llama = make_adapter("llama", "meta-llama/Llama-3-8B")
    with pytest.raises(InvalidRequestError, match="adapter 'l' .* was trained on 'meta-llama/Llama-3-8B'"):
        registry.create_deployment(DeploymentCreate(name="d", base_model="qwen",
                                                    adapters=[AdapterRef(name="l", path=str(llama))]))
    registry.create_deployment(DeploymentCreate(name="d", base_model="qwen", adapters=[AdapterRef(finetune="yuwen")]))
    with pytest.raises(ConflictError, match="used by deployment 'd'"):
        registry.delete_model("yuwen")
    with pytest.raises(ConflictError, match="already exists"):
        registry.create_deployment(DeploymentCreate(name="d", base_model="qwen"))
