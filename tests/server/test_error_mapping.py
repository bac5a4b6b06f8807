"""Every exception class Loom defines maps to a deliberate HTTP status, like httpx's test that every
low-level error maps to a public one: a domain error that reaches the server's handlers never answers 500.
The few that cannot reach a handler are listed with where they are caught; a new exception class fails here
until it is mapped in ``server.app.ERROR_STATUS`` or listed below."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import httpx
import pytest
from fastapi import FastAPI

from engine.errors import DefinitionError, Issue
from server.app import ERROR_STATUS, status_of
from tests.server.conftest import running_app

PACKAGES = ("engine", "knowledge", "nodes", "agents", "modelhub", "evaluation", "server")

# Raised and caught inside one module (or one process that is not the server); never seen by a route.
CONTAINED = {
    "engine.runner._RunFailed": "the runner turns it into run_finished(status=failed)",
    "engine.types.CoercionError": "type coercion; the start and plugin nodes report it naming the input",
    "nodes.sandbox.isolation.IsolationError": "sandbox start-up; the pool reports the sandbox unavailable",
    "nodes.sandbox.seccomp.SeccompUnavailable": "sandbox start-up; the pool reports the sandbox unavailable",
    "nodes.sandbox.runtime.execute._NoMain": "inside the sandbox worker process",
    "nodes.sandbox.runtime.output.OutputProblem": "inside the sandbox worker process",
    "agents.tools.ToolFailed": "an agent's tool call; the loop hands the message to the model",
    "server.limits._TooLarge": "the body-limit middleware answers 413 itself",
    "modelhub.deployments._Failed": "the deployment supervisor marks the deployment failed",
    "modelhub.gateway._Retryable": "the gateway retries, then raises ModelError",
    "modelhub.hf_server.ServeError": "the transformers model server's own app (its own handler)",
    "modelhub.launcher.LaunchError": "the deployment manager marks the deployment failed with it",
    "modelhub.stream.MalformedChunk": "the gateway raises ModelError quoting it",
    "modelhub.stream.StreamError": "the gateway raises ModelError quoting it",
    "modelhub.datasets.formats.RowError": "the dataset check turns each into a bad row with its line",
    "modelhub.datasets.formats.ConversionError":
        "the dataset store refuses the conversion with a 400 naming the row; the CLI prints it",
    "modelhub.finetune.data.DataError": "inside the fine-tuning worker process; the job fails with its message",
    "modelhub.finetune.train.TrainingError": "inside the fine-tuning worker process; the job fails with its message",
    "server.settings.SettingsError": "start-up and the command line, before any app exists",
    "server.eventlog.EventLogError": "the event log's root; only its subclasses are raised",
    "server.eventlog.EventsTrimmed": "runs read what their log dropped from the store; turn streams skip ahead",
    "server.eventlog.LogClosed": "a producer appending after it closed its own log: a bug, rightly a 500",
}


def loom_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" in info.name:
                continue
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.__name__:
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


EXCEPTIONS = loom_exceptions()


@pytest.mark.parametrize("name", sorted(set(EXCEPTIONS) - set(CONTAINED)))
def test_every_error_maps_to_a_deliberate_status(name: str) -> None:
    status = status_of(EXCEPTIONS[name])
    assert status != 500 and 400 <= status < 600, f"{name} would answer {status}: map it in ERROR_STATUS"


def test_the_contained_list_names_real_unmapped_classes() -> None:
    stale = sorted(set(CONTAINED) - set(EXCEPTIONS))
    assert not stale, f"no longer defined: {stale}"
    mapped = sorted(n for n in CONTAINED if status_of(EXCEPTIONS[n]) != 500)
    assert not mapped, f"mapped after all, drop them from CONTAINED: {mapped}"


def instance(cls: type[Exception]) -> Exception:
    if issubclass(cls, DefinitionError):
        return cls([Issue("node", "field", "a problem")])
    error = cls.__new__(cls)
    Exception.__init__(error, f"a {cls.__name__}")
    return error


async def test_the_handlers_answer_with_the_mapped_status(data_dir, tmp_path) -> None:
    raised: dict[str, Exception] = {f"{cls.__module__}.{cls.__qualname__}": instance(cls) for cls in ERROR_STATUS}
    # No built UI: its catch-all route would answer the route this test adds after the app is made.
    async with running_app(data_dir, static_dir=tmp_path / "no-ui") as app:
        assert isinstance(app, FastAPI)

        @app.get("/test-only/raise/{name}")
        def boom(name: str) -> None:
            raise raised[name]

        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://loom.test") as client:
            for name, error in raised.items():
                response = await client.get(f"/test-only/raise/{name}")
                assert response.status_code == status_of(type(error)), (name, response.text)
                assert response.json()["detail"], name
