"""FastAPI dependencies, as ``Annotated`` aliases the routers put in their signatures.

They are ``async def``: FastAPI runs plain ``def`` dependencies in a worker thread, and that hop cost more
than the dependency itself on every request.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server.db.models import AppKeyRow
from server.db.store import Store, app_label
from server.errors import AuthError, ForbiddenError
from server.files import FileStore
from server.runs import RunManager
from server.services import ServerServices
from server.settings import Settings
from server.state import AppState

_bearer = HTTPBearer(auto_error=False, description="An app's API key (public API) or the admin token (console)")


async def get_state(request: Request) -> AppState:
    return request.app.state.loom


State = Annotated[AppState, Depends(get_state)]


async def get_store(state: State) -> Store:
    return state.store


async def get_settings(state: State) -> Settings:
    return state.settings


async def get_services(state: State) -> ServerServices:
    return state.services


async def get_runs(state: State) -> RunManager:
    return state.runs


async def get_files(state: State) -> FileStore:
    return state.files


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ServicesDep = Annotated[ServerServices, Depends(get_services)]
RunsDep = Annotated[RunManager, Depends(get_runs)]
FilesDep = Annotated[FileStore, Depends(get_files)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def require_admin(settings: SettingsDep, credentials: Credentials) -> None:
    """The console API is open on a local install, and token-protected when ``LOOM_ADMIN_TOKEN`` is set."""
    token = settings.admin_token
    if not token:
        return
    if credentials is None:
        raise AuthError("the console API needs 'Authorization: Bearer <LOOM_ADMIN_TOKEN>'")
    if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
        raise AuthError("wrong admin token")


def app_key(store: Store, credentials: HTTPAuthorizationCredentials | None) -> AppKeyRow:
    """The live API key presented to the public API (any app's, workflow or agent). Checked before anything
    the request names is looked up, so that a caller without a key learns nothing about which ids exist."""
    if credentials is None:
        raise AuthError("missing API key: send 'Authorization: Bearer <key>'")
    row = store.find_key(credentials.credentials)
    if row is None:
        raise AuthError("unknown or revoked API key")
    return row


async def presented_key(store: StoreDep, credentials: Credentials) -> AppKeyRow:
    """``app_key`` without a thread hop when the key was seen lately (the usual case)."""
    if credentials is not None and (row := store.cached_key(credentials.credentials)) is not None:
        return row
    return await asyncio.to_thread(app_key, store, credentials)


async def request_key(request: Request, credentials: Credentials) -> AppKeyRow:
    """``presented_key`` as a dependency that reads the store off the request itself: every level of
    dependencies costs FastAPI a resolution pass on each public request."""
    state: AppState = request.app.state.loom
    return await presented_key(state.store, credentials)


AppKey = Annotated[AppKeyRow, Depends(request_key)]


def check_app(key: AppKeyRow, app_id: str) -> None:
    """A key opens only its own app."""
    if key.app_id != app_id:
        raise ForbiddenError(f"this API key belongs to another app, not to {app_label(app_id)} '{app_id}'")
