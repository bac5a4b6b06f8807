"""Fixtures: a tiny causal LM built once per session, a small dialogue dataset it can learn in a few dozen steps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.doubles.tiny_lm import build_tiny_lm

# One thread: the tiny model's steps are microseconds of math; more threads only contend on a shared CI machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    torch.set_num_threads(1)
    return build_tiny_lm(tmp_path_factory.mktemp("tiny") / "model")


def qa_rows(count: int = 16) -> list[dict[str, object]]:
    """Dialogue rows whose answers follow one pattern a tiny model learns quickly."""
    return [{"messages": [{"role": "system", "content": "You are helpful."},
                          {"role": "user", "content": f"What is {i} plus one?"},
                          {"role": "assistant", "content": f"The answer is {i + 1}."}]} for i in range(count)]


@pytest.fixture
def qa_file(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in qa_rows()), encoding="utf-8")
    return path
