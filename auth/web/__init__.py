"""Browser-facing building blocks shared by the OAuth pages and the admin console.

Signed values (``signing``), the login check (``login``), the session cookie (``session``) and
CSRF protection for forms (``csrf``). Keys come from ``auth.server_secret`` so every worker agrees.
"""
