"""End-to-end fixtures: the built UI served by a live `loom serve` on 127.0.0.1 with a fresh data dir,
a scripted OpenAI-compatible model server (test double), and Debian Chromium driven by Playwright.
Failure screenshots go to artifacts/e2e/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.doubles.openai_server import ScriptedOpenAI
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "ui"
STATIC = ROOT / "server" / "static"
ARTIFACTS = ROOT / "artifacts" / "e2e"
CHROMIUM = os.environ.get("LOOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _newest_mtime(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0.0)


def build_ui() -> None:
    """Build the UI into server/static when the build is missing or older than the sources."""
    index = STATIC / "index.html"
    sources = max(_newest_mtime(UI / "src"), (UI / "index.html").stat().st_mtime, (UI / "package.json").stat().st_mtime)
    if index.exists() and index.stat().st_mtime >= sources:
        return
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed; cannot build the UI")
    if not (UI / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=UI, check=True)
    subprocess.run(["npm", "run", "build"], cwd=UI, check=True)


@pytest.fixture(scope="session")
def ui_build() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    build_ui()


@pytest.fixture
def model_server() -> Iterator[ScriptedOpenAI]:
    with ScriptedOpenAI() as server:
        yield server


@pytest.fixture
def loom_server(ui_build: None, model_server: ScriptedOpenAI, tmp_path: Path) -> Iterator[str]:
    """A live `loom serve` with a fresh data dir; yields its base URL."""
    port = free_port()
    data = tmp_path / "loom-data"
    env = {**os.environ, "LOOM_LLM_BASE_URL": model_server.url, "LOOM_LLM_MODEL": "scripted",
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("LOOM_ADMIN_TOKEN", None)
    log = (tmp_path / "server.log").open("wb")
    loom = Path(sys.executable).with_name("loom")
    proc = subprocess.Popen([str(loom), "serve", "--port", str(port), "--data-dir", str(data)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"loom serve exited: {(tmp_path / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/api/workflows", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("loom serve did not answer within 60 s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# The console's language: the browser's locale plus the stored choice of the language switch (as a user
# who picked it). English unless a test module overrides the `ui_language` fixture (test_i18n.py: zh-CN).
LANGUAGE_KEY = "loom.language"
BROWSER_LOCALES = {"en": "en-US", "zh-CN": "zh-CN"}


@pytest.fixture
def ui_language() -> str:
    return "en"


@pytest.fixture
def page(browser, loom_server: str, ui_language: str, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(base_url=loom_server, viewport={"width": 1500, "height": 900},
                                  locale=BROWSER_LOCALES[ui_language])
    # Only when nothing is stored yet, so a test can change the language with the switch and reload.
    context.add_init_script(f"if (!localStorage.getItem('{LANGUAGE_KEY}')) "
                            f"localStorage.setItem('{LANGUAGE_KEY}', '{ui_language}');")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
