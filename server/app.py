"""The FastAPI application: ``create_app()`` wires settings, store, services, routers and error handling."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response

from agents import errors as agent_errors
from engine import errors as engine_errors
from engine.errors import DefinitionError
from engine.spec import NodeSpec
from evaluation.errors import EvaluationError
from knowledge import errors as kb_errors
from modelhub import errors as hub_errors
from modelhub.config import ModelConfigError
from modelhub.datasets import DatasetFileError
from modelhub.gateway import ModelError
from nodes.plugins import errors as plugin_errors
from nodes.registry import CATALOG
from nodes.sandbox import errors as sandbox_errors
from server import errors
from server.api import (
    agents,
    chat,
    datasets,
    debug,
    evaluation,
    files,
    finetune,
    health,
    keys,
    knowledge,
    knowledge_chunks,
    models,
    plugins,
    public,
    runs,
    templates,
    workflows,
)
from server.api.run_path import LoomApp
from server.deps import require_admin
from server.limits import BodyLimit, multipart_routes
from server.services import ServerServices
from server.settings import Settings
from server.state import AppState

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"

# Domain error → HTTP status: the one place that knows about HTTP. Every exception class Loom defines either
# has a status here (through its nearest mapped base class) or never leaves the module that raises it
# (tests/server/test_error_mapping.py holds the list); only a bug answers 500.
ERROR_STATUS: dict[type[Exception], int] = {
    errors.ServerError: 400,
    errors.NotFoundError: 404,
    errors.ConflictError: 409,
    errors.InvalidRequestError: 400,
    errors.PayloadTooLargeError: 413,
    errors.UnsupportedTypeError: 415,
    errors.AuthError: 401,
    errors.ForbiddenError: 403,
    errors.TooManyRunsError: 429,
    errors.UnavailableError: 503,
}
ERROR_STATUS.update({
    # A workflow, node or run that cannot be done as asked, in the user's terms; an invalid definition is a 422
    # with its issues (``definition_error``).
    engine_errors.WorkflowError: 400, engine_errors.DefinitionError: 422,
    ModelError: 502,  # the model server failed or refused the call
    agent_errors.AgentError: 400,
    hub_errors.ModelHubError: 400, hub_errors.AdapterNotFound: 404, hub_errors.DeploymentConflict: 409,
    hub_errors.DeploymentUnreachable: 503,
    EvaluationError: 400,  # an evaluation set, metric, judge or candidate that cannot be used as asked
    DatasetFileError: 400,  # an uploaded dataset file that cannot be read as a whole (not UTF-8, a JSON array)
    ModelConfigError: 503, sandbox_errors.SandboxUnavailableError: 503,  # a part of this server is not set up
    kb_errors.KnowledgeError: 400, kb_errors.KnowledgeBaseNotFound: 404, kb_errors.DocumentNotFound: 404,
    kb_errors.KnowledgeBaseExists: 409,
    plugin_errors.PluginError: 400, plugin_errors.PluginNotFound: 404, plugin_errors.ToolNotFound: 404,
})


def status_of(cls: type[BaseException]) -> int:
    """The status an error of class ``cls`` answers with: its nearest mapped base class's, else 500."""
    return next((ERROR_STATUS[base] for base in cls.__mro__ if base in ERROR_STATUS), 500)


def status_for(exc: Exception) -> int:
    return status_of(type(exc))


def _open_services(settings: Settings) -> ServerServices:
    from server.services import build_services

    return build_services(settings.data_dir)


def create_app(settings: Settings | None = None, *, services: ServerServices | None = None,
               catalog: Mapping[str, NodeSpec] | None = None) -> FastAPI:
    """The Loom server. ``services`` and ``catalog`` default to the real ones (tests may pass their own)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        svc = services if services is not None else _open_services(settings)
        state = AppState.open(settings, svc, catalog or CATALOG)
        app.state.loom = state
        await state.start()
        if owned:
            from server.services import open_services

            await open_services(svc)  # after the migrations: re-attach to model servers still running
        await _resume_ingestion(state)
        await _open_evaluation(app)
        await _open_finetune(app)
        try:
            yield
        finally:
            await finetune.close_finetune(app)
            await state.jobs.shutdown()
            await asyncio.to_thread(state.runs.close)
            await state.stop()
            if state.runs.replicas is not None:
                await state.runs.replicas.close()
            if owned:
                from server.services import close_services

                await close_services(svc)
            state.store.close()

    app = LoomApp(title="Loom", version="0.1.0", lifespan=lifespan,
                  description="Visual agent/workflow builder with RAG: console API (/api) and public API (/v1).")
    app.max_body = settings.max_body_bytes
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes,
                       max_upload=settings.max_upload_bytes + 1_000_000, takes_files=multipart_routes(app.openapi))
    _add_error_handlers(app)
    admin = [Depends(require_admin)]
    app.include_router(health.router)
    # The public API first: a request is matched against the routes in order, and /v1 is the hot path (no
    # /v1 route overlaps a console one, so the order changes no match).
    for router in (public.router, chat.public, files.public):
        app.include_router(router)
    app.include_router(agents.router)  # console (admin-guarded inside) and public agent routes
    for router in (workflows.router, templates.router, runs.router, debug.router, keys.router, chat.console,
                   files.console, knowledge.router, knowledge_chunks.router, plugins.router, models.router,
                   datasets.router, evaluation.router, finetune.router):
        app.include_router(router, dependencies=admin)
    _serve_ui(app, settings.static_dir or STATIC)
    return app


async def _resume_ingestion(state: AppState) -> None:
    try:
        await knowledge.resume_ingestion(state)
    except Exception:  # a broken knowledge base must not keep the server from starting
        log.exception("could not re-queue unfinished documents")
    if state.services.knowledge is not None:
        # Load the embedding model and indexes in the background, so the first search is not the slow one.
        state.jobs.submit(asyncio.to_thread(state.services.knowledge.warm), name="warm-knowledge")


async def _open_finetune(app: FastAPI) -> None:
    try:
        await finetune.open_finetune(app)
    except Exception:  # fine-tuning that cannot start must not keep the server from starting (its routes say 503)
        log.exception("could not start the fine-tuning runner")


async def _open_evaluation(app: FastAPI) -> None:
    try:
        await evaluation.open_evaluation(app)  # evaluation runs a previous process left unfinished go on
    except Exception:  # a broken evaluation store must not keep the server from starting
        log.exception("could not resume evaluation runs")


def _add_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        status = status_for(exc)
        if status == 500:
            log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
            return JSONResponse({"detail": f"internal error: {type(exc).__name__}"}, status_code=500)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    async def definition_error(request: Request, exc: Exception) -> JSONResponse:
        if not isinstance(exc, DefinitionError):  # registered for DefinitionError only
            return await domain_error(request, exc)
        return JSONResponse({"detail": f"the workflow has {len(exc.issues)} error(s)",
                             "issues": [i.as_dict() for i in exc.issues],
                             "warnings": [w.as_dict() for w in exc.warnings]}, status_code=422)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)  # registered for it only
        try:
            return await request_validation_exception_handler(request, exc)
        except UnicodeEncodeError:  # the problem echoes text no UTF-8 body can hold (a lone surrogate): escape it
            body = json.dumps({"detail": jsonable_encoder(exc.errors())}, ensure_ascii=True)
            return Response(body, status_code=422, media_type="application/json")

    for cls in ERROR_STATUS:
        app.add_exception_handler(cls, domain_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(DefinitionError, definition_error)
    app.add_exception_handler(Exception, domain_error)


def _serve_ui(app: FastAPI, static: Path) -> None:
    """The built UI at ``/`` with SPA fallback to index.html; API paths keep their JSON 404s."""
    if not (static / "index.html").is_file():
        return
    root = static.resolve()

    @app.get("/{path:path}", include_in_schema=False)
    def ui(path: str) -> FileResponse:
        if path.split("/", 1)[0] in ("api", "v1", "docs", "healthz", "metrics", "openapi.json"):
            raise errors.NotFoundError("path", "/" + path)
        target = (root / path).resolve()
        if path and target.is_file() and target.is_relative_to(root):
            return FileResponse(target)
        return FileResponse(root / "index.html")
