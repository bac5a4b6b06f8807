"""benchmarks/finetune_gpu.py is ready for a GPU machine: its arguments parse, it refuses clearly without CUDA,
and its 2-step CPU dry run goes through the worker process end to end."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "finetune_gpu.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("finetune_gpu", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_arguments(bench: ModuleType) -> None:
    args = bench.parse_args([])
    assert (args.steps, args.batch_size, args.seq_len, args.dry_run) == (300, 8, 512, False)
    assert bench.parse_args(["--steps", "50", "--seq-len", "1024"]).seq_len == 1024
    dry = bench.parse_args(["--dry-run", "--steps", "500"])
    assert (dry.steps, dry.batch_size) == (2, 2)
    with pytest.raises(SystemExit):
        bench.parse_args(["--steps", "0"])


def test_the_shape_is_about_half_a_billion_parameters(bench: ModuleType) -> None:
    from transformers import Qwen2Config

    config = Qwen2Config(**bench.QWEN2_05B)
    hidden, inter, layers, vocab = (config.hidden_size, config.intermediate_size, config.num_hidden_layers,
                                    config.vocab_size)
    kv = hidden // config.num_attention_heads * config.num_key_value_heads
    per_layer = hidden * hidden * 2 + hidden * kv * 2 + 3 * hidden * inter
    assert 0.45e9 < vocab * hidden + layers * per_layer < 0.55e9


def test_without_cuda_it_says_so(bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert bench.main([]) == 2
    assert "CUDA is not available" in capsys.readouterr().err


def test_a_dry_run_trains_two_steps_through_the_worker(bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--dry-run"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["dry_run"] and figures["steps"] == 2 and figures["tokens_per_s"] > 0
    assert figures["device"] == "cpu" and figures["peak_memory_gib"] is None
