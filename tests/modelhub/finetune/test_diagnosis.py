"""Loss-curve diagnosis on synthetic curves whose answer is known."""

from __future__ import annotations

import math

from modelhub.finetune.diagnosis import diagnose
from modelhub.finetune.schemas import ProgressPoint


def curve(train: list[float], evals: dict[int, float] | None = None) -> list[ProgressPoint]:
    points = [ProgressPoint(step=i + 1, epoch=i / 10, train_loss=loss, at=0.0) for i, loss in enumerate(train)]
    points += [ProgressPoint(step=step, epoch=step / 10, eval_loss=loss, at=0.0)
               for step, loss in (evals or {}).items()]
    return points


def test_a_normal_curve_falls_and_levels_off() -> None:
    result = diagnose(curve([2.0 * math.exp(-i / 5) + 0.3 for i in range(40)]))
    assert result.code == "ok" and result.seed_ref


def test_too_few_points() -> None:
    assert diagnose(curve([2.0, 1.9, 1.8])).code == "too_few_points"
    assert diagnose([]).code == "too_few_points"


def test_rising_nan_and_exploding_losses_diverge() -> None:
    assert diagnose(curve([1.0 + i * 0.05 for i in range(30)])).code == "diverging"
    assert diagnose(curve([2.0, 1.8, float("nan"), 1.5, 1.4, 1.3])).code == "diverging"
    spiky = [2.0 - i * 0.02 for i in range(30)]
    spiky[20] = 50.0
    result = diagnose(curve(spiky))
    assert result.code == "diverging" and "learning rate" in result.advice


def test_a_flat_curve_is_a_plateau() -> None:
    result = diagnose(curve([3.0 + 0.01 * math.sin(i) for i in range(30)]))
    assert result.code == "plateau" and "raise the learning rate" in result.advice


def test_validation_loss_rising_while_training_falls_is_overfitting() -> None:
    train = [2.0 * math.exp(-i / 5) + 0.05 for i in range(40)]
    evals = {8: 1.2, 16: 0.9, 24: 1.0, 32: 1.2, 40: 1.4}
    result = diagnose(curve(train, evals))
    assert result.code == "overfitting" and "fewer epochs" in result.advice


def test_validation_loss_falling_with_training_is_not_overfitting() -> None:
    train = [2.0 * math.exp(-i / 5) + 0.05 for i in range(40)]
    assert diagnose(curve(train, {8: 1.2, 16: 0.9, 24: 0.8, 32: 0.75, 40: 0.74})).code == "ok"


def test_still_falling_and_high_at_the_end_is_underfitting() -> None:
    result = diagnose(curve([3.0 - 0.03 * i for i in range(30)]))
    assert result.code == "underfitting" and "more epochs" in result.advice
