"""Loss-curve diagnosis: the seeds' abnormal curves (001:304-322, 002:258-275, 003:56-59, 004:145, 000:1900-1918)
recognised from a job's progress points, each with the seeds' advice."""

from __future__ import annotations

import math
from collections.abc import Sequence

from modelhub.finetune.schemas import Diagnosis, ProgressPoint

MIN_POINTS = 5
EXPLODING = 10.0  # a train loss this many times the starting loss is an explosion
RISING = 1.10  # the end of the curve this much above its start: diverging
FLAT = 0.05  # fell by less than this share: a plateau
STILL_FALLING = 0.05  # the last third fell by more than this share of its start: not converged yet
UNDERFIT_DROP = 0.5  # and the whole curve fell by less than this share: underfitting
EVAL_RISE = 1.05  # validation loss this much above its minimum at the end: overfitting


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _window(values: Sequence[float]) -> int:
    return max(2, len(values) // 5)


def diagnose(points: Sequence[ProgressPoint]) -> Diagnosis:
    """What a job's loss curve says. Pure: the same points give the same diagnosis."""
    ordered = sorted(points, key=lambda point: point.step)
    train = [point.train_loss for point in ordered if point.train_loss is not None]
    evals = [point.eval_loss for point in ordered if point.eval_loss is not None]
    if any(not math.isfinite(loss) for loss in [*train, *evals]):
        return Diagnosis(code="diverging", message="The loss became NaN or infinite: training diverged.",
                         advice="Lower the learning rate (e.g. halve it), add warmup, and check the data for broken "
                                "rows; a loss that jumps up usually means a learning rate too high or bad data.",
                         seed_ref="000:1908-1910, 001:307")
    if len(train) < MIN_POINTS:
        return Diagnosis(code="too_few_points",
                         message=f"{len(train)} logged training steps; at least {MIN_POINTS} are needed to judge "
                                 "the curve.",
                         advice="Wait for more steps, or train longer (more epochs or rows) to see a trend.",
                         seed_ref=None)
    width = _window(train)
    start, end = _mean(train[:width]), _mean(train[-width:])
    if max(train) > EXPLODING * start or end > RISING * start:
        return Diagnosis(code="diverging",
                         message=f"The training loss rises (from about {start:.3g} to {end:.3g}) instead of falling.",
                         advice="The learning rate is likely too high, so the model oscillates around or jumps past "
                                "the optimum, or the data quality is poor: lower the learning rate and improve the "
                                "data (001:307); more warmup helps when the start swings (000:1914).",
                         seed_ref="001:307, 000:1908-1914")
    if len(evals) >= 3:
        best = min(evals)
        fell = end < start * (1 - FLAT)
        if fell and evals[-1] > best * EVAL_RISE and evals.index(best) < len(evals) - 1:
            return Diagnosis(code="overfitting",
                             message=f"Training loss falls ({start:.3g} → {end:.3g}) while validation loss rises "
                                     f"from its best {best:.3g} to {evals[-1]:.3g}: the model overfits.",
                             advice="Stop earlier: publish the checkpoint with the lowest validation loss, or train "
                                    "fewer epochs, lower the learning rate, add more varied data (002 case 3, "
                                    "004:145, 003:58).",
                             seed_ref="002:271, 004:145, 003:58")
    if end > start * (1 - FLAT):
        return Diagnosis(code="plateau",
                         message=f"The loss stays flat and high (about {start:.3g} → {end:.3g}): it is not falling.",
                         advice="The learning rate may be too low or the task hard: raise the learning rate or the "
                                "epochs (001:314); if it does not fall from the start, raise the warmup (004:148); "
                                "check the data format and quality too.",
                         seed_ref="001:314, 004:148")
    third = train[-max(2, len(train) // 3):]
    tail_start, tail_end = _mean(third[: len(third) // 2]), _mean(third[len(third) // 2:])
    if tail_end < tail_start * (1 - STILL_FALLING) and end > start * (1 - UNDERFIT_DROP):
        return Diagnosis(code="underfitting",
                         message=f"The loss is still falling at the end ({start:.3g} → {end:.3g}) and has not "
                                 "converged: the model is undertrained.",
                         advice="Train more epochs or continue from the last checkpoint (incremental training); "
                                "with more data the model learns the task better (003:57, 004:145, 002 case 2).",
                         seed_ref="003:57, 004:145")
    return Diagnosis(code="ok", message=f"The loss falls and levels off ({start:.3g} → {end:.3g}).",
                     advice="A normal curve: evaluate the model on held-out data before deploying it (002 case 1, "
                            "000:1727).",
                     seed_ref="002:263, 000:1727")
