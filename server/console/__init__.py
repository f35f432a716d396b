"""The admin console at ``/admin``: connected apps, API keys, usage, tools and the audit log.

Server-rendered HTML behind the same sign-in as the OAuth pages (``auth.web``). Admins see and
manage the whole account; agents see their own connected apps and API keys; requesters cannot
sign in. ``console_routes`` is what the application mounts.
"""

from server.console.routes import console_routes

__all__ = ["console_routes"]
