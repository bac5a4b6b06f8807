"""Server domain errors. Routers and the store raise these; ``server.app`` maps them to HTTP in one table.

    ServerError
    ├── NotFoundError        an id that does not exist (404)
    ├── ConflictError        the request clashes with the current state (409)
    ├── InvalidRequestError  a well-formed request that cannot be done as asked (400)
    ├── PayloadTooLargeError (413)
    ├── UnsupportedTypeError (415)
    ├── AuthError            no or unknown credentials (401)
    ├── ForbiddenError       valid credentials for something else (403)
    ├── TooManyRunsError     the app's concurrent-run limit is reached (429)
    └── UnavailableError     a part this request needs is not set up (503)
"""

from __future__ import annotations


class ServerError(Exception):
    """Root of the server's domain errors; the message is shown to the client."""


class NotFoundError(ServerError):
    """The named resource does not exist."""

    def __init__(self, kind: str, ident: object):
        super().__init__(f"{kind} '{ident}' not found")


class ConflictError(ServerError):
    """The request clashes with the resource's current state."""


class InvalidRequestError(ServerError):
    """The request is well-formed but cannot be carried out as asked."""


class PayloadTooLargeError(ServerError):
    """A body or upload is over its size limit."""


class UnsupportedTypeError(ServerError):
    """An upload's content type is not accepted."""


class AuthError(ServerError):
    """Missing, unknown or revoked credentials."""


class ForbiddenError(ServerError):
    """The credentials are valid but not for this resource."""


class TooManyRunsError(ServerError):
    """Too many runs of this app are in flight."""


class UnavailableError(ServerError):
    """A part of the server this request needs is not set up (503)."""
