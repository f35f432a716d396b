"""Discovery documents: authorization server metadata (RFC 8414) and protected resource metadata
(RFC 9728), built with the SDK's models and served by its handlers.

What the SDK's ``build_metadata`` leaves out and clients need: ``none`` among the token endpoint
auth methods (public clients), ``client_id_metadata_document_supported`` (clients only use CIMD
when it is advertised), ``authorization_response_iss_parameter_supported`` (RFC 9207; we always
send ``iss``). The issuer is the configured base URL with no path, exactly as clients compare
it. Each protected resource is one URL users paste (``<base>/mcp``, ``<base>/sse``, the narrowed
``<base>/mcp/…``; see ``auth.oauth.protected_resources``) with this server as its one
authorization server; its ``scopes_supported`` leaves out ``offline_access`` (clients would ask
for it, and it means nothing to the resource) and, on a read-only URL, ``mcp:write``.
"""

from __future__ import annotations

from mcp.shared.auth import OAuthMetadata, ProtectedResourceMetadata

from auth.config import AuthConfig
from auth.oauth.protected_resources import ProtectedResource
from auth.oauth.scopes import OFFLINE_ACCESS, SUPPORTED_SCOPES

AUTHORIZATION_PATH = "/authorize"
TOKEN_PATH = "/token"  # noqa: S105 - a path
REGISTRATION_PATH = "/register"
REVOCATION_PATH = "/revoke"
CLIENT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"]


def authorization_server_metadata(config: AuthConfig) -> OAuthMetadata:
    base = config.base_url
    # Validated from strings so the models' url_preserve_empty_path keeps the issuer slash-free.
    return OAuthMetadata.model_validate(
        {
            "issuer": base,
            "authorization_endpoint": base + AUTHORIZATION_PATH,
            "token_endpoint": base + TOKEN_PATH,
            "registration_endpoint": base + REGISTRATION_PATH,
            "revocation_endpoint": base + REVOCATION_PATH,
            "scopes_supported": [*SUPPORTED_SCOPES, OFFLINE_ACCESS],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
            "revocation_endpoint_auth_methods_supported": list(CLIENT_AUTH_METHODS),
            "code_challenge_methods_supported": ["S256"],
            "client_id_metadata_document_supported": True,
            "authorization_response_iss_parameter_supported": True,
        }
    )


def protected_resource_metadata(resource: ProtectedResource, *, issuer: str) -> ProtectedResourceMetadata:
    return ProtectedResourceMetadata.model_validate(
        {
            "resource": resource.url,
            "authorization_servers": [issuer],
            "scopes_supported": list(resource.scopes),
            "bearer_methods_supported": ["header"],
            "resource_name": resource.name,
        }
    )
