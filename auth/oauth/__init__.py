"""The OAuth 2.1 authorization server of helpdesk-mcp, built on the MCP SDK's auth pieces.

Mounted by the application through ``oauth_routes``; the ``/mcp`` edge resolves bearer tokens
with ``resolve_access_token`` and challenges with ``www_authenticate``; the CLI and the admin
console manage clients and grants through the functions of ``auth.oauth.admin``.
"""

from auth.oauth.admin import (
    create_preregistered_client,
    list_clients,
    list_grants,
    revoke_client,
    revoke_grant,
)
from auth.oauth.resource import (
    AccessTokenIdentity,
    BoundTokenResolver,
    resolve_access_token,
    www_authenticate,
)
from auth.oauth.routes import EndpointGuard, oauth_routes

__all__ = [
    "AccessTokenIdentity",
    "BoundTokenResolver",
    "EndpointGuard",
    "create_preregistered_client",
    "list_clients",
    "list_grants",
    "oauth_routes",
    "resolve_access_token",
    "revoke_client",
    "revoke_grant",
    "www_authenticate",
]
