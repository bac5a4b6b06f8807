"""Hyperparameter hints, epochs by dataset size and the warnings a job form shows (seed advice)."""

from __future__ import annotations

from modelhub.finetune.params import check, hints, recommend_epochs, resolve
from modelhub.finetune.schemas import FinetuneParams


def test_hints_cover_every_field_with_bounds_and_a_seed_reference() -> None:
    table = hints()
    assert set(table) == set(FinetuneParams.model_fields)
    assert table["learning_rate"]["default"] == 2e-4
    assert (table["epochs"]["min"], table["epochs"]["max"]) == (1, 50)
    assert table["lora_dropout"]["max"] == 1 and table["seed"]["min"] is None
    assert "004:146" in table["learning_rate"]["hint"] and "003" in table["epochs"]["hint"]


def test_epochs_follow_the_dataset_size() -> None:
    assert [recommend_epochs(rows) for rows in (10, 100, 1000, 10000, 500000)] == [15, 15, 10, 2, 2]
    assert 10 < recommend_epochs(300) < 15 and 2 < recommend_epochs(3000) < 10
    sizes = [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]
    epochs = [recommend_epochs(rows) for rows in sizes]
    assert epochs == sorted(epochs, reverse=True)


def test_resolve_fills_only_missing_epochs() -> None:
    assert resolve(FinetuneParams(), 1000).epochs == 10
    assert resolve(FinetuneParams(epochs=3), 1000).epochs == 3


def test_defaults_on_a_fair_dataset_raise_no_warning() -> None:
    assert check(resolve(FinetuneParams(), 2000), 2000) == []


def test_warnings_name_the_problem() -> None:
    assert any("too few rows for this many epochs" in w for w in check(FinetuneParams(epochs=20), 5000))
    assert any("only 40 rows" in w for w in check(FinetuneParams(), 40))
    assert any("learning rate 0.005" in w for w in check(FinetuneParams(learning_rate=5e-3), 2000))
    assert any("lora_alpha 128" in w for w in check(FinetuneParams(lora_rank=8, lora_alpha=128), 2000))
    assert any("no warmup" in w for w in check(FinetuneParams(warmup_ratio=0), 2000))
    assert any("larger than the dataset" in w for w in check(FinetuneParams(batch_size=64), 50))
    assert check(FinetuneParams(), 0) == ["the dataset has no rows to train on"]
