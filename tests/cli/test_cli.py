"""The ``loom`` command line, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

import jsonschema

from tests.doubles.openai_server import ScriptedOpenAI
from tests.helpers import chain, edge, end, lit, node, ref, start, workflow

LOOM = [str(Path(sys.executable).with_name("loom"))]


def loom(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "LOOM_LLM_BASE_URL": "", **(env or {})}
    return subprocess.run([*LOOM, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120)


def write(tmp_path: Path, data: Any, name: str = "flow.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def routing_flow() -> dict[str, Any]:
    return workflow([start("q"),
                     node("check", "if-else", config={"cases": [{"id": "long", "conditions": [
                         {"left": ref("start.q"), "op": "length_gt", "right": lit(3)}]}]}),
                     node("a", "end", {"x": "start.q"}, config={"answer_template": "long: {{x}}"}),
                     end("b", x="start.q")],
                    [edge("start", "check"), edge("check", "a", "long"), edge("check", "b", "else")])


def test_validate_prints_one_line_per_error_and_exits_1(tmp_path: Path) -> None:
    data = routing_flow()
    data["nodes"][2]["config"]["answer_template"] = "{{y}}"
    data["nodes"][3]["inputs"]["z"] = ref("ghost.out")
    result = loom("validate", str(write(tmp_path, data)))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "a.config.answer_template: '{{y}}' is not an input of this node; add it to inputs (inputs: x)",
        "b.inputs.z: ref 'ghost.out' points to unknown node 'ghost'"]


def test_validate_valid_file_and_bad_json(tmp_path: Path) -> None:
    assert loom("validate", str(write(tmp_path, routing_flow()))).returncode == 0
    broken = tmp_path / "broken.json"
    broken.write_text("{\"name\": ", encoding="utf-8")
    result = loom("validate", str(broken))
    assert result.returncode == 2 and "invalid JSON at line 1" in result.stderr


def test_schema_is_a_json_schema_that_accepts_the_examples(tmp_path: Path) -> None:
    result = loom("schema")
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(routing_flow(), schema)
    bad = routing_flow()
    bad["nodes"][1]["config"]["cases"][0]["logic"] = "xor"
    try:
        jsonschema.validate(bad, schema)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("schema accepted logic 'xor'")


def test_run_json_result_and_exit_codes(tmp_path: Path, data_dir: Path) -> None:
    path = str(write(tmp_path, routing_flow()))
    ok = loom("run", path, "--input", "q=hello", "--json", "--data-dir", str(data_dir))
    assert ok.returncode == 0, ok.stderr
    result = json.loads(ok.stdout.strip().splitlines()[-1])
    assert result["status"] == "succeeded" and result["outputs"] == {"x": "hello", "answer": "long: hello"}
    failed = loom("run", path, "--json", "--data-dir", str(data_dir))
    assert failed.returncode == 1
    assert json.loads(failed.stdout.strip().splitlines()[-1])["error"] == "node 'start' (start): input 'q' is required"


def test_run_prints_progress_for_people(tmp_path: Path, data_dir: Path) -> None:
    result = loom("run", str(write(tmp_path, routing_flow())), "--input", "q=hi", "--data-dir", str(data_dir))
    assert result.returncode == 0
    assert "✓ check (if-else" in result.stdout and "→ else" in result.stdout and "– a (end" in result.stdout


def test_single_node_debug(tmp_path: Path, data_dir: Path) -> None:
    path = str(write(tmp_path, routing_flow()))
    result = loom("run", path, "--node", "check", "--input", "start.q=hello", "--json", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["outputs"] == {"case_id": "long"}
    unknown = loom("run", path, "--node", "check", "--input", "q=hello", "--data-dir", str(data_dir))
    assert unknown.returncode == 1 and "unknown debug input 'q' (this node reads: start.q)" in unknown.stdout


def test_run_streams_llm_text(tmp_path: Path, data_dir: Path) -> None:
    data = workflow([start("query"),
                     node("llm", "llm", {"query": "start.query"},
                          config={"messages": [{"role": "user", "content": "{{query}}"}]}),
                     end(answer="llm.text")], chain("start", "llm", "end"))
    with ScriptedOpenAI(["独坐幽篁里，弹琴复长啸。"]) as server:
        result = loom("run", str(write(tmp_path, data)), "--input", "query=竹里馆", "--stream", "--json",
                      "--data-dir", str(data_dir), env={"LOOM_LLM_BASE_URL": server.url})
    assert result.returncode == 0, result.stderr
    assert "llm › 独坐幽篁里，弹琴复长啸。" in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["outputs"]["answer"] == "独坐幽篁里，弹琴复长啸。"


def long_chain(length: int) -> dict[str, Any]:
    ids = ["start", *(f"n{i}" for i in range(length - 2)), "end"]
    nodes = [start("q"), *(node(nid, "variable-aggregator", {"x": f"{prev}.{'q' if prev == 'start' else 'output'}"})
                           for prev, nid in pairwise(ids[:-1])), end(answer=f"{ids[-2]}.output")]
    return workflow(nodes, chain(*ids))


def test_run_honours_the_run_limits_of_the_environment(tmp_path: Path, data_dir: Path) -> None:
    path = str(write(tmp_path, long_chain(1000)))
    args = ("run", path, "--input", "q=hi", "--json", "--data-dir", str(data_dir))
    ok = loom(*args, env={"LOOM_RUN_MAX_NODE_EXECUTIONS": "5000"})
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
    assert json.loads(ok.stdout.strip().splitlines()[-1])["outputs"] == {"answer": "hi"}
    capped = loom(*args, env={"LOOM_RUN_MAX_NODE_EXECUTIONS": "100"})
    assert capped.returncode == 1
    assert "100" in json.loads(capped.stdout.strip().splitlines()[-1])["error"]


def test_a_bad_setting_is_named_not_a_traceback(tmp_path: Path, data_dir: Path) -> None:
    result = loom("run", str(write(tmp_path, routing_flow())), "--input", "q=hi", "--data-dir", str(data_dir),
                  env={"LOOM_RUN_MAX_NODE_EXECUTIONS": "lots"})
    assert result.returncode == 2
    assert "LOOM_RUN_MAX_NODE_EXECUTIONS" in result.stderr and "Traceback" not in result.stderr
