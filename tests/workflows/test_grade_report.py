"""The grade-report example: an iteration whose sub-graph branches per item, in parallel, collecting errors."""

from __future__ import annotations

from typing import Any

from engine.events import NodeFinishedEvent
from engine.graph import validate
from engine.runner import RunResult, execute
from nodes.registry import CATALOG
from tests.workflows.conftest import example


async def run(inputs: dict[str, Any]) -> RunResult:
    return await execute(validate(example("grade-report"), CATALOG), inputs)


async def test_grades_each_student_in_order() -> None:
    students = [{"name": f"S{i}", "score": score} for i, score in enumerate([90, 40, 60, 59, 75])]
    result = await run({"students": students})
    assert result.status == "succeeded", result.error
    assert result.outputs["lines"] == ["1. S0: 90 (pass)", "2. S1: 40 (retake, 20 short)", "3. S2: 60 (pass)",
                                       "4. S3: 59 (retake, 1 short)", "5. S4: 75 (pass)"]
    assert result.outputs["report"] == "# Grades\n\n" + "\n".join(result.outputs["lines"]) + "\n"
    children = [e for e in result.events if isinstance(e, NodeFinishedEvent) and e.parent_id == "grade"]
    # each item: the if-else, one line template run and one skipped, the aggregator
    assert sorted({e.iteration for e in children}) == [0, 1, 2, 3, 4] and len(children) == 5 * 4
    assert {(e.node_id, e.status) for e in children if e.iteration == 1} == {
        ("passed", "succeeded"), ("pass_line", "skipped"), ("retake_line", "succeeded"), ("line", "succeeded")}


async def test_a_student_that_cannot_be_graded_is_collected() -> None:
    result = await run({"students": [{"name": "A", "score": 61}, {"name": "B", "score": "absent"}], "pass_mark": 65})
    assert result.status == "succeeded", result.error
    assert result.outputs["lines"] == ["1. A: 61 (retake, 4 short)", None]
    assert result.outputs["report"].endswith("\n1 could not be graded.\n")
    grade = next(e for e in result.events if isinstance(e, NodeFinishedEvent) and e.node_id == "grade")
    assert [(e["index"], e["node_id"]) for e in grade.outputs["errors"]] == [(1, "passed")]
