"""Fine-tuning page on the CPU path with a tiny random model: upload a dataset and publish it on the Datasets
page, start a LoRA job with a few steps, watch the loss chart get points, see it succeed with its lineage, and
deploy the fine-tuned model on the transformers backend; an LLM node choosing it gets its training system prompt."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.doubles.tiny_lm import build_tiny_lm
from tests.e2e.helpers import create_workflow, select_node
from tests.helpers import chain, node, start, workflow

pytestmark = pytest.mark.e2e
PAIRS = [("sky", "blue"), ("grass", "green"), ("snow", "white"), ("coal", "black")]


def dataset_file(folder: Path) -> Path:
    rows = [json.dumps({"messages": [{"role": "user", "content": f"What colour is {thing}? ({i})"},
                                     {"role": "assistant", "content": colour}]})
            for i in range(3) for thing, colour in PAIRS]
    path = folder / "colours.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def stop_deployments(loom_server: str) -> Iterator[None]:
    """Model servers outlive Loom: stop the ones the test deployed, whatever happened."""
    yield
    for dep in httpx.get(f"{loom_server}/api/deployments").json()["items"]:
        httpx.delete(f"{loom_server}/api/deployments/{dep['id']}", timeout=60)


def test_upload_publish_train_chart_and_deploy(page, loom_server, tmp_path, stop_deployments):
    tiny = build_tiny_lm(tmp_path / "tiny-llama")
    registered = httpx.post(f"{loom_server}/api/models", json={"kind": "base", "name": "tiny", "source": str(tiny)})
    assert registered.status_code == 201, registered.text

    page.goto("/datasets")
    page.get_by_test_id("dataset-name").fill("colours")
    page.get_by_test_id("dataset-file").set_input_files(str(dataset_file(tmp_path)))
    page.get_by_test_id("dataset-import-submit").click()
    expect(page.get_by_test_id("dataset-detail")).to_contain_text("colours")
    page.get_by_test_id("split-validation").fill("0.25")
    page.get_by_test_id("split-submit").click()
    expect(page.get_by_test_id("version-2")).to_contain_text("9 train / 3 validation")
    page.get_by_test_id("publish-submit").click()
    expect(page.get_by_test_id("version-2").get_by_test_id("version-stage")).to_have_text("published")

    page.get_by_role("link", name="Fine-tuning").click()
    form = page.get_by_test_id("new-job")
    expect(form.get_by_test_id("job-base").locator("option", has_text="tiny")).to_have_count(1)
    form.get_by_test_id("job-name").fill("colour-bot")
    form.get_by_test_id("job-base").select_option("tiny")
    form.get_by_test_id("job-dataset").select_option(label="colours")
    form.get_by_test_id("job-dataset-version").select_option("2")
    form.get_by_test_id("job-system-prompt").fill("You name colours.")
    form.get_by_test_id("job-params").locator("summary").click()
    expect(form.get_by_test_id("param-learning_rate")).to_have_attribute("placeholder", "0.0002")
    for key, value in {"epochs": "3", "batch_size": "4", "learning_rate": "0.005", "max_length": "48",
                       "eval_steps": "3", "save_steps": "3"}.items():
        form.get_by_test_id(f"param-{key}").fill(value)
    form.get_by_test_id("job-submit").click()

    detail = page.get_by_test_id("job-detail")
    expect(detail).to_contain_text("colour-bot")
    expect(page.get_by_test_id("job-card-colour-bot")).to_be_visible()
    chart = detail.get_by_test_id("loss-chart")
    expect(chart.get_by_test_id("train-curve")).to_be_visible(timeout=180_000)
    expect(chart).not_to_have_attribute("data-train-points", "0")
    expect(detail.get_by_test_id("job-status")).to_have_text("succeeded", timeout=180_000)
    expect(chart.get_by_test_id("eval-curve")).to_be_visible()
    expect(detail.get_by_test_id("job-diagnosis")).not_to_be_empty()
    expect(detail.get_by_test_id("job-logs")).not_to_have_text("no log lines yet")
    expect(detail.get_by_test_id("job-result")).to_have_text("colour-bot v1")

    detail.get_by_test_id("job-deploy-button").click()
    deployment = detail.get_by_test_id("job-deployment")
    expect(deployment).to_contain_text("transformers")
    expect(deployment.get_by_test_id("job-deployment-state")).to_have_text("ready", timeout=120_000)
    expect(deployment).to_contain_text("LLM nodes call it as “colour-bot”")

    model = httpx.get(f"{loom_server}/api/models/colour-bot").json()
    assert model["spec"]["lineage"]["system_prompt"] == "You name colours."

    # An LLM node that chooses the fine-tuned model gets the system prompt it was trained with.
    nodes = [start("q"), node("llm", "llm", {"q": "start.q"},
                              config={"messages": [{"role": "system", "content": "You are a helpful assistant."},
                                                   {"role": "user", "content": "{{q}}"}]}),
             node("end", "end", {"answer": "llm.text"})]
    workflow_id = create_workflow(loom_server, workflow(nodes, chain("start", "llm", "end"), name="colours"))
    page.goto(f"/workflows/{workflow_id}")
    select_node(page, "llm")
    page.get_by_test_id("model-picker").select_option("colour-bot")
    expect(page.get_by_test_id("system-prompt-prefilled")).to_be_visible()
    expect(page.get_by_test_id("message-0")).to_have_value("You name colours.")
    expect(page.get_by_test_id("message-1")).to_have_value("{{q}}")
