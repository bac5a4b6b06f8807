"""Model hub errors. The server maps them to HTTP in its one table (``server.app.ERROR_STATUS``).

    ModelHubError             a request about models or deployments cannot be done as asked (400)
    ├── AdapterNotFound       a deployment does not serve the named adapter (404)
    ├── DeploymentConflict    the deployment's current state does not allow the request (409)
    └── DeploymentUnreachable a deployment's server did not answer (503)

``gateway.ModelError`` (a model call failed) and ``config.ModelConfigError`` (bad models.toml) stand apart:
they concern calls and configuration, not the hub's records.
"""

from __future__ import annotations


class ModelHubError(Exception):
    """Root of the hub's errors; the message is shown to the client."""


class AdapterNotFound(ModelHubError):
    """The deployment serves no adapter of that name."""

    def __init__(self, name: str, deployment: str):
        super().__init__(f"adapter '{name}' on deployment '{deployment}' not found")


class DeploymentConflict(ModelHubError):
    """The deployment's current state does not allow the request (already running, starting ...)."""


class DeploymentUnreachable(ModelHubError):
    """A deployment's server did not answer a management call."""
