"""Dify DSL in the console: a real Dify app imported from the Workflows page shows its import report and opens;
the workflow goes back out as Dify DSL; a workflow Dify cannot express, and a broken file, are named."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml
from playwright.sync_api import expect

from tests.dify_data import DIFY_DSL

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DATA = DIFY_DSL
STOCKS = DATA / "community" / "wwwzhouhui" / "stock_analysis.yml"


@pytest.mark.skipif(not STOCKS.is_file(), reason=f"no Dify DSL files at {DATA}")
def test_dify_app_imports_with_its_report_and_exports_back(page, loom_server):
    page.goto("/")
    page.get_by_test_id("import-file").set_input_files(str(STOCKS))
    report = page.get_by_test_id("import-report")
    expect(report).to_be_visible()
    expect(page.get_by_test_id("import-report-summary")).to_contain_text("股票分析系统")
    expect(page.get_by_test_id("import-report-mapped")).to_contain_text("15 nodes mapped")
    expect(page.get_by_test_id("import-report-dropped")).to_contain_text("1741695699375")
    expect(page.get_by_test_id("import-report-attention-model")).to_contain_text("volcengine_maas/deepseek-V3")
    expect(page.get_by_test_id("import-report-attention-model")).to_contain_text("17416704837760")
    expect(page.get_by_test_id("import-report-attention-env")).to_contain_text("apikey")
    expect(page.get_by_test_id("import-report-secrets")).to_contain_text("env_apikey")
    # the new workflow is listed behind the dialog, and the dialog's link opens it
    expect(page.get_by_test_id("workflow-card").filter(has_text="股票分析系统")).to_have_count(1)
    page.get_by_test_id("import-report-open").click()
    expect(page.get_by_test_id("workflow-name")).to_have_text("股票分析系统")
    expect(page.get_by_test_id("node-1741660778252")).to_be_visible()

    page.goto("/")
    card = page.get_by_test_id("workflow-card").filter(has_text="股票分析系统")
    with page.expect_download() as download:
        card.get_by_test_id("export-dify").click()
    assert download.value.suggested_filename.endswith(".yml")
    exported = yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["kind"] == "app" and exported["app"]["mode"] == "advanced-chat"
    ids = {n["id"] for n in exported["workflow"]["graph"]["nodes"]}
    assert {"1741660778252", "1741663437132", "17416704837760"} <= ids


def test_export_refusal_names_each_node(page, loom_server):
    router = json.loads((ROOT / "workflows" / "ticket-router.json").read_text(encoding="utf-8"))
    created = httpx.post(f"{loom_server}/api/workflows", json=router)
    assert created.status_code == 201, created.text
    page.goto("/")
    page.get_by_test_id("workflow-card").filter(has_text=router["name"]).get_by_test_id("export-dify").click()
    error = page.get_by_test_id("page-error")
    expect(error).to_contain_text("as Dify DSL")
    expect(error).to_contain_text("node classify")
    expect(error).to_contain_text("node complaint_end")
    expect(error).to_contain_text("answer_template")


def test_broken_dify_file_is_named_and_nothing_is_saved(page, loom_server, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("kind: app\nversion: 0.3.1\napp: [\n", encoding="utf-8")
    page.goto("/")
    page.get_by_test_id("import-file").set_input_files(str(broken))
    error = page.get_by_test_id("page-error")
    expect(error).to_contain_text("broken.yml")
    expect(error).to_contain_text("line")
    expect(page.get_by_test_id("import-report")).to_have_count(0)
    assert httpx.get(f"{loom_server}/api/workflows").json()["items"] == []


def test_a_100_mb_file_is_refused_naming_the_limit(page, loom_server, tmp_path):
    huge = tmp_path / "huge.yml"
    with huge.open("wb") as handle:  # sparse: 100 MB on paper
        handle.truncate(100 * 1024 * 1024)
    page.goto("/")
    page.get_by_test_id("import-file").set_input_files(str(huge))
    error = page.get_by_test_id("page-error")
    expect(error).to_contain_text("huge.yml could not be imported")
    expect(error).to_contain_text("over the limit")
    assert httpx.get(f"{loom_server}/api/workflows").json()["items"] == []


def test_editor_exports_as_dify_dsl_or_names_the_nodes(page, loom_server):
    ids = {}
    for name in ("support-chat", "ticket-router"):
        definition = json.loads((ROOT / "workflows" / f"{name}.json").read_text(encoding="utf-8"))
        created = httpx.post(f"{loom_server}/api/workflows", json=definition)
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    page.goto(f"/workflows/{ids['support-chat']}")
    with page.expect_download() as download:
        page.get_by_test_id("export-dify").click()
    assert download.value.suggested_filename.endswith(".yml")
    exported = yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported["kind"] == "app" and exported["workflow"]["graph"]["nodes"]
    expect(page.get_by_test_id("export-error")).to_have_count(0)

    page.goto(f"/workflows/{ids['ticket-router']}")
    page.get_by_test_id("export-dify").click()
    error = page.get_by_test_id("export-error")
    expect(error).to_contain_text("as Dify DSL")
    expect(error).to_contain_text("node classify")
    expect(error).to_contain_text("node complaint_end")
