"""Test double: a small OpenAPI-described HTTP API (a pet store plus echo/redirect/size helpers) that
a test serves on 127.0.0.1 with uvicorn. FastAPI publishes its OpenAPI 3.1 document at /openapi.json.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Annotated

import uvicorn
from fastapi import FastAPI, HTTPException, Request, Security
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

API_KEY = "toy-secret-key"
api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


class PetIn(BaseModel):
    name: str
    tag: str | None = None


class Pet(BaseModel):
    id: int
    name: str
    tag: str | None = None


class PetList(BaseModel):
    pets: list[Pet]
    count: int


def make_app() -> FastAPI:
    app = FastAPI(title="Toy pet store", description="A pet store for plugin tests.")
    pets: dict[int, Pet] = {1: Pet(id=1, name="Mimi", tag="cat"), 2: Pet(id=2, name="Rex", tag="dog")}
    app.state.hits = []

    @app.middleware("http")
    async def record(request: Request, call_next):  # noqa: ANN001, ANN202
        app.state.hits.append((request.method, request.url.path, dict(request.headers)))
        return await call_next(request)

    @app.get("/pets", operation_id="listPets", response_model=PetList, summary="List pets")
    def list_pets(limit: int = 10, tag: str | None = None) -> PetList:
        found = [p for p in pets.values() if tag is None or p.tag == tag][:limit]
        return PetList(pets=found, count=len(found))

    @app.get("/pets/{pet_id}", operation_id="getPet", response_model=Pet, summary="Get one pet")
    def get_pet(pet_id: int) -> Pet:
        if pet_id not in pets:
            raise HTTPException(404, f"no pet {pet_id}")
        return pets[pet_id]

    @app.post("/pets", operation_id="createPet", response_model=Pet, status_code=201, summary="Add a pet")
    def create_pet(pet: PetIn, key: Annotated[str | None, Security(api_key)] = None) -> Pet:
        if key != API_KEY:
            raise HTTPException(401, "bad or missing API key")
        new = Pet(id=max(pets) + 1, **pet.model_dump())
        pets[new.id] = new
        return new

    @app.api_route("/echo", methods=["GET", "POST", "PUT", "DELETE"], include_in_schema=False)
    async def echo(request: Request) -> JSONResponse:
        raw = await request.body()
        return JSONResponse({"method": request.method, "query": dict(request.query_params),
                             "headers": dict(request.headers), "body": raw.decode("utf-8", "replace")},
                            headers={"X-Toy": "yes"})

    @app.get("/whoami", include_in_schema=False)
    def whoami(request: Request) -> dict[str, str]:
        auth = request.headers.get("authorization", "")
        if auth != "Bearer bearer-token":
            raise HTTPException(401, "bad token")
        return {"user": "alice"}

    @app.get("/redirect", include_in_schema=False)
    def redirect(to: str) -> RedirectResponse:
        return RedirectResponse(to, status_code=302)

    @app.get("/loop", include_in_schema=False)
    def loop(n: int = 0) -> RedirectResponse:
        return RedirectResponse(f"/loop?n={n + 1}", status_code=302)

    @app.get("/big", include_in_schema=False)
    def big(size: int = 2_000_000) -> PlainTextResponse:
        return PlainTextResponse("x" * size)

    @app.get("/slow", include_in_schema=False)
    async def slow(seconds: float = 3.0) -> PlainTextResponse:
        await asyncio.sleep(seconds)
        return PlainTextResponse("late")

    @app.get("/files/{name}", include_in_schema=False)
    def files(name: str) -> Response:
        content = app.state.files.get(name)
        if content is None:
            raise HTTPException(404, "no such file")
        return Response(content[1], media_type=content[0])

    app.state.files = {}
    return app


class ToyServer:
    """Runs the toy API on 127.0.0.1 in a background thread; ``url`` is its base URL."""

    def __init__(self) -> None:
        self.app = make_app()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    @property
    def hits(self) -> list[tuple[str, str, dict[str, str]]]:
        return self.app.state.hits

    def serve_file(self, name: str, media_type: str, content: bytes) -> str:
        self.app.state.files[name] = (media_type, content)
        return f"{self.url}/files/{name}"

    def __enter__(self) -> ToyServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("toy API did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
